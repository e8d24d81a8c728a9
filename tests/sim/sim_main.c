/*
 * ecsp-printer-sim: command line.  See README.md in this directory.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: ecsp-printer-sim [options]\n"
"Fleet:\n"
"  --base ADDR            first device address (default 127.0.1.1)\n"
"  --count N              number of devices (default 1000, up to 16M)\n"
"  --models SPEC          model mix, e.g. epson-wf:50,hp-lj:20,brother:20,kyocera:9,epson-proj:1\n"
"                         (device i gets the model whose weight range holds i mod total)\n"
"  --snmp-port N          UDP port for SNMP (default 16161; 0 = pick a free one)\n"
"  --enpc-port N          UDP port for ENPC (default 3289; 0 = disabled)\n"
"  --bind ADDR            wildcard address to bind (default 0.0.0.0)\n"
"  --threads N            worker threads with SO_REUSEPORT sockets (default 1)\n"
"  --max-msg N            largest answer in bytes (default 1472)\n"
"SNMP:\n"
"  --community STR        v1/v2c community (default public)\n"
"  --v3-user NAME         SNMPv3 user; --v3-auth sha|sha256 (default sha)\n"
"  --v3-auth-pass P       authentication password (>= 8 chars)\n"
"  --v3-priv-pass P       AES-128 privacy password (optional)\n"
"  --v3-boots N           snmpEngineBoots reported by every device (default 1)\n"
"  --bulk-limit N         GETBULK with max-repetitions > N gets tooBig\n"
"Per-address knobs (percentages pick devices by a hash of their index):\n"
"  --dead PCT             devices that never answer\n"
"  --slow PCT --slow-ms N devices that answer N ms late (default 500)\n"
"  --v1-only PCT          devices that ignore v2c/v3\n"
"  --error PCT            devices stuck in an error (paper-out, jam, cover-open, supply-empty)\n"
"  --flap-status SECONDS  cycle idle -> printing -> idle (sometimes error); pages grow\n"
"  --dead-addrs LIST      e.g. 127.0.1.5,127.0.1.9-127.0.1.12 (also --slow-addrs,\n"
"                         --v1-only-addrs, --error-addrs with ADDR[=KIND])\n"
"  --set 'ADDR[-ADDR] key[=v] ...'   one rule: dead alive slow[=MS] fast v1only\n"
"                         all-versions error=KIND model=NAME bulk-limit=N\n"
"  --config FILE          file of such rules, one per line, # comments\n"
"  --slow-queue N         pending slow answers per thread (default 16384)\n"
"Other:\n"
"  --describe ADDR        print what the device at ADDR is, then exit\n"
"  --help\n");
}

static uint32_t pct_bp(const char *s)
{
    double v = strtod(s, NULL);
    if (v < 0)
        v = 0;
    if (v > 100)
        v = 100;
    return (uint32_t)(v * 100 + 0.5);
}

static int error_addrs(const char *list)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char line[256], *eq = strchr(t, '=');
        const char *kind = "paper-out";
        if (eq) {
            *eq = 0;
            kind = eq + 1;
        }
        snprintf(line, sizeof line, "%s error=%s", t, kind);
        if (config_rule(line, "--error-addrs") < 0)
            return -1;
    }
    return 0;
}

static void describe(const char *addr)
{
    uint32_t ip;
    if (parse_ipv4(addr, &ip) < 0 || ip < G.base_ip || ip - G.base_ip >= G.count) {
        printf("%s: not a simulated device\n", addr);
        return;
    }
    dev_knobs k;
    sim_dev d;
    char serial[32], name[64];
    uint8_t mac[6];
    knobs_for(ip - G.base_ip, &k);
    sim_dev_init(&d, ip - G.base_ip, &k, 0);
    dev_serial(&d, serial, sizeof serial);
    dev_mac(&d, mac);
    d.m->sysname(&d, name, sizeof name);
    printf("address=%s index=%u model=%s label=\"%s\" serial=%s mac=%02x:%02x:%02x:%02x:%02x:%02x "
           "sysName=%s dead=%d slow_ms=%u v1only=%d error=%s bulk_limit=%u\n",
           addr, d.idx, k.m->key, k.m->label, serial, mac[0], mac[1], mac[2], mac[3], mac[4],
           mac[5], name, k.dead, k.slow_ms, k.v1only, error_kind_name(k.err), k.bulk_limit);
}

int main(int argc, char **argv)
{
    enum { O_BASE = 256, O_COUNT, O_MODELS, O_SNMP, O_ENPC, O_BIND, O_THREADS, O_MAXMSG, O_COMM,
           O_V3U, O_V3A, O_V3AP, O_V3PP, O_V3B, O_BULK, O_DEAD, O_SLOW, O_SLOWMS, O_V1, O_ERR,
           O_FLAP, O_DEADA, O_SLOWA, O_V1A, O_ERRA, O_SET, O_CONFIG, O_SQ, O_DESC, O_VERB, O_HELP };
    static const struct option opts[] = {
        { "base", 1, 0, O_BASE }, { "count", 1, 0, O_COUNT }, { "models", 1, 0, O_MODELS },
        { "model", 1, 0, O_MODELS }, { "snmp-port", 1, 0, O_SNMP }, { "enpc-port", 1, 0, O_ENPC },
        { "bind", 1, 0, O_BIND }, { "threads", 1, 0, O_THREADS }, { "max-msg", 1, 0, O_MAXMSG },
        { "community", 1, 0, O_COMM }, { "v3-user", 1, 0, O_V3U }, { "v3-auth", 1, 0, O_V3A },
        { "v3-auth-pass", 1, 0, O_V3AP }, { "v3-priv-pass", 1, 0, O_V3PP },
        { "v3-boots", 1, 0, O_V3B }, { "bulk-limit", 1, 0, O_BULK }, { "dead", 1, 0, O_DEAD },
        { "slow", 1, 0, O_SLOW }, { "slow-ms", 1, 0, O_SLOWMS }, { "v1-only", 1, 0, O_V1 },
        { "error", 1, 0, O_ERR }, { "flap-status", 1, 0, O_FLAP }, { "dead-addrs", 1, 0, O_DEADA },
        { "slow-addrs", 1, 0, O_SLOWA }, { "v1-only-addrs", 1, 0, O_V1A },
        { "error-addrs", 1, 0, O_ERRA }, { "set", 1, 0, O_SET }, { "config", 1, 0, O_CONFIG },
        { "slow-queue", 1, 0, O_SQ }, { "describe", 1, 0, O_DESC }, { "verbose", 0, 0, O_VERB },
        { "help", 0, 0, O_HELP }, { 0, 0, 0, 0 },
    };
    const char *desc[64];
    int ndesc = 0, rc = 0, c;
    config_defaults();
    models_build();
    char *v3auth = NULL;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_BASE:
            if (parse_ipv4(optarg, &G.base_ip) < 0)
                rc = -1;
            break;
        case O_COUNT: G.count = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_MODELS: rc |= config_models(optarg); break;
        case O_SNMP: G.snmp_port = (uint16_t)strtoul(optarg, NULL, 10); break;
        case O_ENPC: G.enpc_port = (uint16_t)strtoul(optarg, NULL, 10); break;
        case O_BIND:
            if (parse_ipv4(optarg, &G.bind_ip) < 0)
                rc = -1;
            break;
        case O_THREADS: G.threads = atoi(optarg); break;
        case O_MAXMSG: G.max_msg = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_COMM:
            snprintf(G.community, sizeof G.community, "%s", optarg);
            G.community_len = strlen(G.community);
            break;
        case O_V3U: snprintf(G.v3_user, sizeof G.v3_user, "%s", optarg); break;
        case O_V3A: v3auth = optarg; break;
        case O_V3AP: snprintf(G.v3_auth_pass, sizeof G.v3_auth_pass, "%s", optarg); break;
        case O_V3PP: snprintf(G.v3_priv_pass, sizeof G.v3_priv_pass, "%s", optarg); break;
        case O_V3B: G.v3_boots = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_BULK: G.bulk_limit = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_DEAD: G.dead_bp = pct_bp(optarg); break;
        case O_SLOW: G.slow_bp = pct_bp(optarg); break;
        case O_SLOWMS: G.slow_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_V1: G.v1_bp = pct_bp(optarg); break;
        case O_ERR: G.err_bp = pct_bp(optarg); break;
        case O_FLAP: G.flap_ms = (uint32_t)(strtod(optarg, NULL) * 1000); break;
        case O_DEADA: rc |= config_addr_list(optarg, "dead"); break;
        case O_SLOWA: rc |= config_addr_list(optarg, "slow"); break;
        case O_V1A: rc |= config_addr_list(optarg, "v1only"); break;
        case O_ERRA: rc |= error_addrs(optarg); break;
        case O_SET: rc |= config_rule(optarg, "--set"); break;
        case O_CONFIG: rc |= config_file(optarg); break;
        case O_SQ: G.slow_queue = (uint32_t)strtoul(optarg, NULL, 10); break;
        case O_DESC:
            if (ndesc < 64)
                desc[ndesc++] = optarg;
            break;
        case O_VERB: G.verbose++; break;
        case 'h':
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ecsp-printer-sim: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (v3auth) {
        if (!strcmp(v3auth, "sha") || !strcmp(v3auth, "sha1"))
            G.v3_auth = 1;
        else if (!strcmp(v3auth, "sha256") || !strcmp(v3auth, "sha-256"))
            G.v3_auth = 2;
        else {
            fprintf(stderr, "ecsp-printer-sim: --v3-auth must be sha or sha256\n");
            return 2;
        }
    }
    if (G.v3_user[0] && !G.v3_auth)
        G.v3_auth = 1;
    if (G.v3_auth && (!G.v3_user[0] || !G.v3_auth_pass[0])) {
        fprintf(stderr, "ecsp-printer-sim: SNMPv3 needs --v3-user and --v3-auth-pass\n");
        return 2;
    }
    if (G.threads < 1 || G.threads > 64 || G.max_msg < 484 || G.max_msg > 65507 || !G.slow_queue)
        rc = -1;
    if (rc || config_finish() < 0) {
        fprintf(stderr, "ecsp-printer-sim: bad configuration (see --help)\n");
        return 2;
    }
    if (ndesc) {
        for (int i = 0; i < ndesc; i++)
            describe(desc[i]);
        return 0;
    }
    if (usm_global_init() < 0)
        return 2;
    if (G.verbose) {
        fprintf(stderr, "ecsp-printer-sim: %u devices, models:", G.count);
        for (int i = 0; i < G.nmix; i++)
            fprintf(stderr, " %s:%u(%zu OIDs)", G.mix[i].m->key, G.mix[i].w, G.mix[i].m->ntab);
        fprintf(stderr, ", %zu override segments\n", G.nseg);
    }
    return server_run();
}
