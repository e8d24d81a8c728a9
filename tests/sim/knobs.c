/*
 * Configuration and per-address knobs.
 *
 * Percent-based knobs pick devices with a hash of the device index, so the
 * same devices are dead/slow/v1-only on every run.  Explicit rules (config
 * file lines, --set, --dead-addrs ...) override them.  Rules are compiled
 * into non-overlapping index segments at start-up; looking up a device is a
 * binary search, so even many rules cost nothing per packet.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

sim_config G;

typedef struct {
    uint32_t lo, hi, has;
    dev_knobs o;
} rule;

#define SLOW_DEFAULT UINT32_MAX   /* "slow" without a value: --slow-ms */

static rule *rules;
static size_t nrules, caprules;

static const char *const err_names[ERR__COUNT] = {
    [ERR_NONE] = "none", [ERR_PAPER_OUT] = "paper-out", [ERR_JAM] = "jam",
    [ERR_COVER_OPEN] = "cover-open", [ERR_SUPPLY_EMPTY] = "supply-empty",
};

int parse_error_kind(const char *s)
{
    for (int i = 0; i < ERR__COUNT; i++)
        if (strcmp(s, err_names[i]) == 0)
            return i;
    return -1;
}

const char *error_kind_name(int e)
{
    return e >= 0 && e < ERR__COUNT ? err_names[e] : "?";
}

int parse_ipv4(const char *s, uint32_t *ip)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *ip = ntohl(a.s_addr);
    return 0;
}

void config_defaults(void)
{
    memset(&G, 0, sizeof G);
    parse_ipv4("127.0.1.1", &G.base_ip);
    G.count = 1000;
    G.snmp_port = 16161;
    G.enpc_port = 3289;
    G.threads = 1;
    strcpy(G.community, "public");
    G.community_len = 6;
    G.v3_boots = 1;
    G.max_msg = 1472;
    G.slow_ms = 500;
    G.slow_queue = 16384;
}

int config_models(const char *spec)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    G.nmix = 0;
    G.wtotal = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *c = strchr(t, ':');
        uint32_t w = 1;
        if (c) {
            *c = 0;
            w = (uint32_t)strtoul(c + 1, NULL, 10);
        }
        sim_model *m = model_find(t);
        if (!m || G.nmix >= SIM_MAX_MODELS) {
            fprintf(stderr, "ecsp-printer-sim: unknown model '%s' (known:", t);
            for (int i = 0; sim_models[i]; i++)
                fprintf(stderr, " %s", sim_models[i]->key);
            fprintf(stderr, ")\n");
            return -1;
        }
        if (!w)
            continue;
        G.mix[G.nmix].m = m;
        G.mix[G.nmix].w = w;
        G.nmix++;
        G.wtotal += w;
    }
    return G.nmix ? 0 : -1;
}

static int parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
    char a[64];
    const char *dash = strchr(s, '-');
    uint32_t x, y;
    if (dash) {
        size_t n = (size_t)(dash - s);
        if (n >= sizeof a)
            return -1;
        memcpy(a, s, n);
        a[n] = 0;
        if (parse_ipv4(a, &x) < 0 || parse_ipv4(dash + 1, &y) < 0 || y < x)
            return -1;
    } else {
        if (parse_ipv4(s, &x) < 0)
            return -1;
        y = x;
    }
    /* Rules are stored as device indexes; the range is checked in config_finish. */
    *lo = x;
    *hi = y;
    return 0;
}

static rule *new_rule(void)
{
    if (nrules == caprules) {
        caprules = caprules ? caprules * 2 : 16;
        rules = realloc(rules, caprules * sizeof *rules);
        if (!rules) {
            fprintf(stderr, "ecsp-printer-sim: out of memory\n");
            exit(1);
        }
    }
    memset(&rules[nrules], 0, sizeof rules[0]);
    return &rules[nrules++];
}

/* "ADDR[-ADDR] key[=value] ..." with keys dead, alive, slow[=MS], fast,
 * v1only, error=KIND, model=NAME, bulk-limit=N. */
int config_rule(const char *line, const char *where)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", line);
    char *hash = strchr(buf, '#');
    if (hash)
        *hash = 0;
    char *save = NULL, *tok = strtok_r(buf, " \t\r\n", &save);
    if (!tok)
        return 0;
    rule *r = new_rule();
    if (parse_range(tok, &r->lo, &r->hi) < 0) {
        fprintf(stderr, "ecsp-printer-sim: %s: bad address or range '%s'\n", where, tok);
        return -1;
    }
    while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
        char *val = strchr(tok, '=');
        if (val)
            *val++ = 0;
        if (!strcmp(tok, "dead") || !strcmp(tok, "alive")) {
            r->has |= OV_DEAD;
            r->o.dead = tok[0] == 'd';
        } else if (!strcmp(tok, "slow") || !strcmp(tok, "fast")) {
            r->has |= OV_SLOW;
            r->o.slow_ms = tok[0] == 'f' ? 0 : val ? (uint32_t)strtoul(val, NULL, 10) : SLOW_DEFAULT;
        } else if (!strcmp(tok, "v1only") || !strcmp(tok, "all-versions")) {
            r->has |= OV_V1;
            r->o.v1only = tok[0] == 'v';
        } else if (!strcmp(tok, "error") && val) {
            int e = parse_error_kind(val);
            if (e < 0) {
                fprintf(stderr, "ecsp-printer-sim: %s: unknown error kind '%s'\n", where, val);
                return -1;
            }
            r->has |= OV_ERR;
            r->o.err = (uint8_t)e;
        } else if (!strcmp(tok, "model") && val) {
            if (!(r->o.m = model_find(val))) {
                fprintf(stderr, "ecsp-printer-sim: %s: unknown model '%s'\n", where, val);
                return -1;
            }
            r->has |= OV_MODEL;
        } else if (!strcmp(tok, "bulk-limit") && val) {
            r->has |= OV_BULK;
            r->o.bulk_limit = (uint32_t)strtoul(val, NULL, 10);
        } else {
            fprintf(stderr, "ecsp-printer-sim: %s: unknown setting '%s'\n", where, tok);
            return -1;
        }
    }
    return 0;
}

int config_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[1024], where[512];
    int ln = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        snprintf(where, sizeof where, "%s:%d", path, ln);
        if (config_rule(line, where) < 0)
            rc = -1;
    }
    fclose(f);
    return rc;
}

/* "--dead-addrs 127.0.1.5,127.0.1.9-127.0.1.12" style sugar for rules. */
int config_addr_list(const char *list, const char *what)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char line[256];
        snprintf(line, sizeof line, "%s %s", t, what);
        if (config_rule(line, "command line") < 0)
            return -1;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int config_finish(void)
{
    if (!G.nmix && config_models("epson-wf:4,hp-lj:2,brother:2,kyocera:1,epson-proj:1") < 0)
        return -1;
    if ((G.base_ip >> 24) != 127 || G.count == 0 ||
        (uint64_t)(G.base_ip & 0xffffff) + G.count > 0x1000000ULL) {
        fprintf(stderr, "ecsp-printer-sim: --base/--count must stay inside 127.0.0.0/8\n");
        return -1;
    }
    /* Convert rule addresses to indexes, clip to the fleet. */
    size_t nb = 0;
    uint32_t *bounds = malloc((2 * nrules + 1) * sizeof *bounds);
    if (!bounds)
        return -1;
    for (size_t i = 0; i < nrules; i++) {
        rule *r = &rules[i];
        uint64_t lo = r->lo < G.base_ip ? 0 : r->lo - G.base_ip;
        uint64_t hi = r->hi < G.base_ip ? 0 : (uint64_t)r->hi - G.base_ip;
        if (r->hi < G.base_ip || lo >= G.count) {
            fprintf(stderr, "ecsp-printer-sim: warning: a rule is outside the fleet, ignored\n");
            r->has = 0;
            continue;
        }
        if (hi >= G.count)
            hi = G.count - 1;
        r->lo = (uint32_t)lo;
        r->hi = (uint32_t)hi;
        bounds[nb++] = r->lo;
        bounds[nb++] = r->hi + 1;
    }
    qsort(bounds, nb, sizeof *bounds, cmp_u32);
    /* Elementary segments between consecutive boundaries; later rules win. */
    G.seg = calloc(nb ? nb : 1, sizeof *G.seg);
    G.nseg = 0;
    for (size_t i = 0; i + 1 < nb; i++) {
        if (bounds[i] == bounds[i + 1])
            continue;
        ovr_seg s = { .lo = bounds[i], .hi = bounds[i + 1] - 1 };
        for (size_t k = 0; k < nrules; k++) {
            rule *r = &rules[k];
            if (!r->has || r->lo > s.lo || r->hi < s.hi)
                continue;
            if (r->has & OV_DEAD) s.o.dead = r->o.dead;
            if (r->has & OV_SLOW)
                s.o.slow_ms = r->o.slow_ms == SLOW_DEFAULT ? G.slow_ms : r->o.slow_ms;
            if (r->has & OV_V1) s.o.v1only = r->o.v1only;
            if (r->has & OV_ERR) s.o.err = r->o.err;
            if (r->has & OV_MODEL) s.o.m = r->o.m;
            if (r->has & OV_BULK) s.o.bulk_limit = r->o.bulk_limit;
            s.has |= r->has;
        }
        if (s.has)
            G.seg[G.nseg++] = s;
    }
    free(bounds);
    return 0;
}

static const sim_model *model_for(uint32_t idx)
{
    /* Interleaved by weight: index mod total weight picks the model, so
     * "epson-wf:1,hp-lj:1" alternates and tests can predict every device. */
    uint32_t x = idx % G.wtotal;
    for (int i = 0; i < G.nmix; i++) {
        if (x < G.mix[i].w)
            return G.mix[i].m;
        x -= G.mix[i].w;
    }
    return G.mix[0].m;
}

static bool pick(uint32_t idx, uint32_t salt, uint32_t bp)
{
    return bp && sim_mix(idx, salt) % 10000 < bp;
}

void knobs_for(uint32_t idx, dev_knobs *k)
{
    k->m = model_for(idx);
    k->dead = pick(idx, 101, G.dead_bp);
    k->slow_ms = pick(idx, 102, G.slow_bp) ? G.slow_ms : 0;
    k->v1only = pick(idx, 103, G.v1_bp);
    k->err = pick(idx, 104, G.err_bp) ? (uint8_t)(1 + sim_mix(idx, 105) % (ERR__COUNT - 1))
                                      : ERR_NONE;
    k->bulk_limit = G.bulk_limit;
    if (!G.nseg)
        return;
    size_t lo = 0, hi = G.nseg;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (G.seg[mid].hi < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == G.nseg || G.seg[lo].lo > idx)
        return;
    const ovr_seg *s = &G.seg[lo];
    if (s->has & OV_DEAD) k->dead = s->o.dead;
    if (s->has & OV_SLOW) k->slow_ms = s->o.slow_ms;
    if (s->has & OV_V1) k->v1only = s->o.v1only;
    if (s->has & OV_ERR) k->err = s->o.err;
    if (s->has & OV_MODEL) k->m = s->o.m;
    if (s->has & OV_BULK) k->bulk_limit = s->o.bulk_limit;
}
