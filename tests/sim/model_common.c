/*
 * MIB pieces shared by all simulated printers: system group, IF-MIB, IP
 * addresses, Host Resources, Printer-MIB alert/console rows, the Job
 * Monitoring MIB, and the dynamic values behind them.
 *
 * Shapes follow what real printers report (column sets, value ranges,
 * units); every string and number here is our own.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

/* --------------------------------------------------------- system group */

static size_t dyn_sysname(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    char s[64];
    d->m->sysname(d, s, sizeof s);
    return put_str(out, cap, s);
}

static size_t dyn_location(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    char s[96];
    uint32_t i = d->idx;
    snprintf(s, sizeof s, "Site %u, Building %c, Floor %u, Room %u", i / 2000 + 1,
             'A' + (char)(i / 200 % 10), i / 20 % 10 + 1, 100 + i % 20);
    return put_str(out, cap, s);
}

/* Interface counters grow with uptime at a per-device rate. */
static size_t dyn_ifcounter(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    uint64_t base = sim_mix(d->idx, 40 + (uint64_t)e->arg) % 50000000u;
    uint64_t v = base + (uint64_t)d->uptime_cs / 100 * (uint64_t)e->arg;
    return put_num(out, cap, BER_COUNTER32, (int64_t)(uint32_t)v);
}

void build_system_if_ip(mib_builder *b, const sim_model *m, const common_desc *c)
{
    if (c->sysdescr)
        mb_str(b, "1.3.6.1.2.1.1.1.0", c->sysdescr);
    else
        mb_dyn(b, "1.3.6.1.2.1.1.1.0", BER_OCTETS, c->sysdescr_fn, 0);
    mb_oidval(b, "1.3.6.1.2.1.1.2.0", c->sysobjid);
    mb_dyn(b, "1.3.6.1.2.1.1.3.0", BER_TIMETICKS, dyn_uptime, 0);
    mb_str(b, "1.3.6.1.2.1.1.4.0", "Print Services <print-admin@example.com>");
    mb_dyn(b, "1.3.6.1.2.1.1.5.0", BER_OCTETS, dyn_sysname, 0);
    mb_dyn(b, "1.3.6.1.2.1.1.6.0", BER_OCTETS, dyn_location, 0);
    mb_int(b, "1.3.6.1.2.1.1.7.0", c->sys_services);

    /* IF-MIB: one Ethernet port; HP-like agents list a loopback first. */
    int eth = c->hp_loopback_if ? 2 : 1;
    mb_int(b, "1.3.6.1.2.1.2.1.0", eth);
    for (int i = 1; i <= eth; i++) {
        bool lo = i < eth;
        mb_int(b, O("1.3.6.1.2.1.2.2.1.1.%d", i), i);
        mb_str(b, O("1.3.6.1.2.1.2.2.1.2.%d", i), lo ? "LOOPBACK" : c->ifdescr);
        mb_int(b, O("1.3.6.1.2.1.2.2.1.3.%d", i), lo ? 24 : 6);
        mb_int(b, O("1.3.6.1.2.1.2.2.1.4.%d", i), 1500);
        mb_uint(b, O("1.3.6.1.2.1.2.2.1.5.%d", i), BER_GAUGE32, lo ? 0 : 100000000);
        if (lo)
            mb_str(b, O("1.3.6.1.2.1.2.2.1.6.%d", i), "");
        else
            mb_dyn(b, O("1.3.6.1.2.1.2.2.1.6.%d", i), BER_OCTETS, dyn_mac, 0);
        mb_int(b, O("1.3.6.1.2.1.2.2.1.7.%d", i), 1);
        mb_int(b, O("1.3.6.1.2.1.2.2.1.8.%d", i), 1);
        mb_uint(b, O("1.3.6.1.2.1.2.2.1.9.%d", i), BER_TIMETICKS, 0);
        /* in/out octets and packets; arg = growth per second */
        static const int cols[] = { 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
        static const int rate[] = { 2400, 9, 1, 0, 0, 0, 1800, 7, 0, 0, 0 };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            if (rate[k] && !lo)
                mb_dyn(b, O("1.3.6.1.2.1.2.2.1.%d.%d", cols[k], i), BER_COUNTER32, dyn_ifcounter,
                       rate[k]);
            else
                mb_uint(b, O("1.3.6.1.2.1.2.2.1.%d.%d", cols[k], i), BER_COUNTER32, 0);
        }
        mb_uint(b, O("1.3.6.1.2.1.2.2.1.21.%d", i), BER_GAUGE32, 0);
        mb_oidval(b, O("1.3.6.1.2.1.2.2.1.22.%d", i), "0.0");
    }

    /* IP group: not forwarding, and the device's own address row. */
    mb_int(b, "1.3.6.1.2.1.4.1.0", 2);
    mb_int(b, "1.3.6.1.2.1.4.2.0", 64);
    mb_dyn(b, "1.3.6.1.2.1.4.20.1.1", BER_IPADDR, dyn_ipaddr, 0);
    mb_last_flags(b, SUF_IPADDR, COND_ALWAYS);
    mb_int(b, "1.3.6.1.2.1.4.20.1.2", eth);
    mb_last_flags(b, SUF_IPADDR, COND_ALWAYS);
    mb_ip(b, "1.3.6.1.2.1.4.20.1.3", 255, 255, 255, 0);
    mb_last_flags(b, SUF_IPADDR, COND_ALWAYS);
    mb_int(b, "1.3.6.1.2.1.4.20.1.4", 1);
    mb_last_flags(b, SUF_IPADDR, COND_ALWAYS);
    mb_int(b, "1.3.6.1.2.1.4.20.1.5", 1500);
    mb_last_flags(b, SUF_IPADDR, COND_ALWAYS);
    (void)m;
}

/* ------------------------------------------------------ Host Resources */

static size_t dyn_hr_devstatus(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    sim_state(d);
    int v = 2;                                           /* running */
    if (d->err != ERR_NONE)
        v = 5;                                           /* down */
    else if (dev_hr_errstate(d) & 0x2000)
        v = 3;                                           /* warning: low supply */
    return put_num(out, cap, BER_INT, v);
}

static size_t dyn_hr_errors(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    sim_state(d);
    uint32_t n = (uint32_t)(sim_mix(d->idx, 50) % 30) + d->cycle / 4;
    return put_num(out, cap, BER_COUNTER32, n);
}

static size_t dyn_hr_prnstatus(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    sim_state(d);
    int v = d->phase == PH_PRINTING ? 4 : d->phase == PH_ERROR ? 1 : 3;
    return put_num(out, cap, BER_INT, v);
}

static size_t dyn_hr_errstate(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    uint16_t v = dev_hr_errstate(d);
    uint8_t o[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    /* Many agents send a single octet when the RFC 3805 extension bits are clear. */
    size_t n = (d->m->hr_err_octets == 1 && o[1] == 0) ? 1 : 2;
    return put_octets(out, cap, o, n);
}

void build_hr_printer(mib_builder *b, const sim_model *m, const char *hr_devid)
{
    mb_dyn(b, "1.3.6.1.2.1.25.1.1.0", BER_TIMETICKS, dyn_uptime, 0);
    mb_int(b, "1.3.6.1.2.1.25.2.2.0", 524288);
    mb_int(b, "1.3.6.1.2.1.25.3.2.1.1.1", 1);
    mb_int(b, "1.3.6.1.2.1.25.3.2.1.1.2", 2);
    mb_oidval(b, "1.3.6.1.2.1.25.3.2.1.2.1", "1.3.6.1.2.1.25.3.1.5");   /* hrDevicePrinter */
    mb_oidval(b, "1.3.6.1.2.1.25.3.2.1.2.2", "1.3.6.1.2.1.25.3.1.4");   /* hrDeviceNetwork */
    mb_str(b, "1.3.6.1.2.1.25.3.2.1.3.1", m->label);
    mb_str(b, "1.3.6.1.2.1.25.3.2.1.3.2", "Network Interface");
    mb_oidval(b, "1.3.6.1.2.1.25.3.2.1.4.1", hr_devid);
    mb_oidval(b, "1.3.6.1.2.1.25.3.2.1.4.2", "0.0");
    mb_dyn(b, "1.3.6.1.2.1.25.3.2.1.5.1", BER_INT, dyn_hr_devstatus, 0);
    mb_int(b, "1.3.6.1.2.1.25.3.2.1.5.2", 2);
    mb_dyn(b, "1.3.6.1.2.1.25.3.2.1.6.1", BER_COUNTER32, dyn_hr_errors, 0);
    mb_uint(b, "1.3.6.1.2.1.25.3.2.1.6.2", BER_COUNTER32, 0);
    mb_dyn(b, "1.3.6.1.2.1.25.3.5.1.1.1", BER_INT, dyn_hr_prnstatus, 0);
    mb_dyn(b, "1.3.6.1.2.1.25.3.5.1.2.1", BER_OCTETS, dyn_hr_errstate, 0);
}

/* ------------------------------------------------- Printer-MIB dynamics */

size_t dyn_supply_level(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    sim_state(d);
    const supply_dyn *s = &d->m->sup[e->arg];
    int64_t v = (int64_t)d->level[e->arg] * s->max / 100;
    return put_num(out, cap, BER_INT, v);
}

size_t dyn_lifecount(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    sim_state(d);
    return put_num(out, cap, BER_COUNTER32, d->pages);
}

size_t dyn_poweron(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    sim_state(d);
    return put_num(out, cap, BER_COUNTER32, d->pages_on);
}

/* arg = tray | capacity << 8.  Tray 1 runs empty on a paper-out error. */
size_t dyn_input_level(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    sim_state(d);
    int tray = e->arg & 0xff, capa = e->arg >> 8;
    int v = capa * (25 + (int)(sim_mix(d->idx, 60 + (uint64_t)tray) % 76)) / 100;
    if (d->err == ERR_PAPER_OUT && tray == 1)
        v = 0;
    return put_num(out, cap, BER_INT, v);
}

size_t dyn_cover_status(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    sim_state(d);
    return put_num(out, cap, BER_INT, d->err == ERR_COVER_OPEN ? 3 : 4);   /* open : closed */
}

const char *err_text(uint8_t err, const sim_model *m)
{
    bool ink = m->st2;
    switch (err) {
    case ERR_PAPER_OUT: return "Paper out. Load paper in Tray 1.";
    case ERR_JAM: return "Paper jam. Remove the jammed paper.";
    case ERR_COVER_OPEN: return "Front cover is open. Close the cover.";
    case ERR_SUPPLY_EMPTY: return ink ? "Black ink cartridge is expended. Replace it."
                                      : "Black toner is empty. Replace the cartridge.";
    default: return "";
    }
}

/* prtAlertTable row for the active error; arg = column. */
static size_t dyn_alert(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    sim_state(d);
    static const struct { int group, code; } map[ERR__COUNT] = {
        [ERR_PAPER_OUT] = { 8, 808 },      /* input, inputMediaSupplyEmpty */
        [ERR_JAM] = { 13, 8 },             /* mediaPath, jam */
        [ERR_COVER_OPEN] = { 6, 3 },       /* cover, coverOpen */
        [ERR_SUPPLY_EMPTY] = { 11, 1101 }, /* markerSupplies, markerTonerEmpty */
    };
    int err = d->err < ERR__COUNT ? d->err : ERR_NONE;
    switch (e->arg) {
    case 2: return put_num(out, cap, BER_INT, 3);                   /* critical */
    case 3: return put_num(out, cap, BER_INT, 3);                   /* untrained */
    case 4: return put_num(out, cap, BER_INT, map[err].group);
    case 5: return put_num(out, cap, BER_INT, 1);
    case 6: return put_num(out, cap, BER_INT, err == ERR_JAM ? 13100 : -1);
    case 7: {
        int code = map[err].code;
        if (err == ERR_SUPPLY_EMPTY && d->m->st2)
            code = 1102;                                             /* markerInkEmpty */
        return put_num(out, cap, BER_INT, code);
    }
    case 8: return put_str(out, cap, err_text((uint8_t)err, d->m));
    default: return put_num(out, cap, BER_TIMETICKS, d->alert_time_cs);
    }
}

void build_alerts(mib_builder *b)
{
    for (int col = 2; col <= 9; col++) {
        uint8_t t = col == 8 ? BER_OCTETS : col == 9 ? BER_TIMETICKS : BER_INT;
        mb_dyn(b, O("1.3.6.1.2.1.43.18.1.1.%d.1", col), t, dyn_alert, col);
        mb_last_flags(b, SUF_ALERT, COND_ALERT);
    }
}

static size_t dyn_alert_counter(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    sim_state(d);
    uint32_t n = d->alert_idx + (uint32_t)(e->arg ? d->cycle : 0);
    return put_num(out, cap, BER_COUNTER32, n);
}

/* prtGeneral columns common to all printer models. */
void build_prt_general(mib_builder *b, const sim_model *m, int lines, int chars, int in_default)
{
    const char *g = "1.3.6.1.2.1.43.5.1.1";
    mb_uint(b, O("%s.1.1", g), BER_COUNTER32, 3);
    mb_int(b, O("%s.2.1", g), 1);
    mb_int(b, O("%s.3.1", g), 3);                       /* notResetting */
    mb_int(b, O("%s.6.1", g), in_default);
    mb_int(b, O("%s.7.1", g), 1);
    mb_int(b, O("%s.8.1", g), 1);
    mb_int(b, O("%s.9.1", g), 1);
    mb_int(b, O("%s.10.1", g), 1);
    mb_int(b, O("%s.11.1", g), lines);
    mb_int(b, O("%s.12.1", g), chars);
    mb_int(b, O("%s.13.1", g), 3);                      /* console enabled */
    mb_str(b, O("%s.16.1", g), m->label);
    mb_dyn(b, O("%s.17.1", g), BER_OCTETS, dyn_serial, 0);
    mb_dyn(b, O("%s.18.1", g), BER_COUNTER32, dyn_alert_counter, 0);
    mb_dyn(b, O("%s.19.1", g), BER_COUNTER32, dyn_alert_counter, 1);
}

static size_t dyn_console(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    sim_state(d);
    char s[96] = "";
    if (e->arg == 1) {
        if (d->phase == PH_ERROR)
            snprintf(s, sizeof s, "%.40s", err_text(d->err, d->m));
        else
            snprintf(s, sizeof s, "%s", d->phase == PH_PRINTING ? "Printing..." : "Ready");
    } else if (d->phase == PH_PRINTING) {
        snprintf(s, sizeof s, "Job %u", d->job_no % 10000);
    }
    return put_str(out, cap, s);
}

void build_console(mib_builder *b, int nlines)
{
    for (int i = 1; i <= nlines; i++)
        mb_dyn(b, O("1.3.6.1.2.1.43.16.5.1.2.1.%d", i), BER_OCTETS, dyn_console, i);
}

void build_localization(mib_builder *b, const char *const *lang, const char *const *ctry, int n,
                        int charset)
{
    for (int i = 0; i < n; i++) {
        mb_str(b, O("1.3.6.1.2.1.43.7.1.1.2.1.%d", i + 1), lang[i]);
        mb_str(b, O("1.3.6.1.2.1.43.7.1.1.3.1.%d", i + 1), ctry[i]);
        mb_int(b, O("1.3.6.1.2.1.43.7.1.1.4.1.%d", i + 1), charset);
    }
}

/* ------------------------------------------------- Job Monitoring MIB */

#define JOBS 3

static size_t dyn_job_owner(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    char s[48];
    snprintf(s, sizeof s, "owner-%u-%d", d->idx, (int)e->arg);
    return put_str(out, cap, s);
}

static size_t dyn_job_name(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    char s[64];
    snprintf(s, sizeof s, "Payroll-%u-%d.pdf", d->idx, (int)e->arg);
    return put_str(out, cap, s);
}

/* Three completed jobs (indexes 101..103) with owner and job name present,
 * so the gateway can show it does not upload personal data. */
void build_jobmon(mib_builder *b)
{
    const char *g = "1.3.6.1.4.1.2699.1.1.1.1.1.1";
    mb_int(b, O("%s.2.1", g), 0);            /* active jobs */
    mb_int(b, O("%s.3.1", g), 0);
    mb_int(b, O("%s.4.1", g), 0);
    mb_int(b, O("%s.5.1", g), 3600);         /* job persistence, s */
    mb_int(b, O("%s.6.1", g), 3600);
    mb_str(b, O("%s.7.1", g), "Default Job Set");
    const char *jt = "1.3.6.1.4.1.2699.1.1.1.3.1.1";
    const char *at = "1.3.6.1.4.1.2699.1.1.1.4.1.1";
    for (int j = 1; j <= JOBS; j++) {
        int ji = 100 + j;
        mb_int(b, O("%s.2.1.%d", jt, ji), 9);                 /* completed */
        mb_int(b, O("%s.3.1.%d", jt, ji), 0);
        mb_int(b, O("%s.4.1.%d", jt, ji), 0);
        mb_int(b, O("%s.5.1.%d", jt, ji), 120 * j);
        mb_int(b, O("%s.6.1.%d", jt, ji), 120 * j);
        mb_int(b, O("%s.7.1.%d", jt, ji), 2 * j);
        mb_int(b, O("%s.8.1.%d", jt, ji), 2 * j);
        mb_dyn(b, O("%s.9.1.%d", jt, ji), BER_OCTETS, dyn_job_owner, j);
        /* attributes: jobName(23), jobServiceTypes(24), submission(191)/completion(194) time */
        uint8_t t1[8] = { 0x07, 0xE9, 3, (uint8_t)(10 + j), 9, (uint8_t)(5 * j), 0, 0 };
        uint8_t t2[8] = { 0x07, 0xE9, 3, (uint8_t)(10 + j), 9, (uint8_t)(5 * j + 1), 30, 0 };
        mb_int(b, O("%s.3.1.%d.23.1", at, ji), -1);
        mb_dyn(b, O("%s.4.1.%d.23.1", at, ji), BER_OCTETS, dyn_job_name, j);
        mb_int(b, O("%s.3.1.%d.24.1", at, ji), 4);                 /* print */
        mb_str(b, O("%s.4.1.%d.24.1", at, ji), "");
        mb_int(b, O("%s.3.1.%d.191.1", at, ji), -1);
        mb_bytes(b, O("%s.4.1.%d.191.1", at, ji), t1, 8);
        mb_int(b, O("%s.3.1.%d.194.1", at, ji), -1);
        mb_bytes(b, O("%s.4.1.%d.194.1", at, ji), t2, 8);
    }
}

/* -------------------------------------------- Printer-MIB table helpers */

void build_marker(mib_builder *b, int tech, int process_colorants, int res)
{
    const char *t = "1.3.6.1.2.1.43.10.2.1";
    mb_int(b, O("%s.2.1.1", t), tech);
    mb_int(b, O("%s.3.1.1", t), 7);                     /* impressions */
    mb_dyn(b, O("%s.4.1.1", t), BER_COUNTER32, dyn_lifecount, 0);
    mb_dyn(b, O("%s.5.1.1", t), BER_COUNTER32, dyn_poweron, 0);
    mb_int(b, O("%s.6.1.1", t), process_colorants);
    mb_int(b, O("%s.7.1.1", t), 0);
    mb_int(b, O("%s.8.1.1", t), 3);                     /* tenThousandthsOfInches */
    mb_int(b, O("%s.9.1.1", t), res);
    mb_int(b, O("%s.10.1.1", t), res);
    for (int c = 11; c <= 14; c++)
        mb_int(b, O("%s.%d.1.1", t, c), 1667);
    mb_int(b, O("%s.15.1.1", t), 2);
}

void build_supplies(mib_builder *b, const supply_row *r, int n)
{
    const char *t = "1.3.6.1.2.1.43.11.1.1";
    for (int i = 0; i < n; i++) {
        int x = i + 1;
        mb_int(b, O("%s.2.1.%d", t, x), 1);
        mb_int(b, O("%s.3.1.%d", t, x), r[i].colorant);
        mb_int(b, O("%s.4.1.%d", t, x), r[i].cls);
        mb_int(b, O("%s.5.1.%d", t, x), r[i].type);
        mb_str(b, O("%s.6.1.%d", t, x), r[i].descr);
        mb_int(b, O("%s.7.1.%d", t, x), r[i].unit);
        mb_int(b, O("%s.8.1.%d", t, x), r[i].max);
        if (r[i].dyn_slot >= 0)
            mb_dyn(b, O("%s.9.1.%d", t, x), BER_INT, dyn_supply_level, r[i].dyn_slot);
        else
            mb_int(b, O("%s.9.1.%d", t, x), r[i].static_level);
    }
}

void build_colorants(mib_builder *b, const char *const *names, int n, int tonality)
{
    const char *t = "1.3.6.1.2.1.43.12.1.1";
    for (int i = 0; i < n; i++) {
        mb_int(b, O("%s.2.1.%d", t, i + 1), 1);
        mb_int(b, O("%s.3.1.%d", t, i + 1), 3);         /* process */
        mb_str(b, O("%s.4.1.%d", t, i + 1), names[i]);
        mb_int(b, O("%s.5.1.%d", t, i + 1), tonality);
    }
}

void build_inputs(mib_builder *b, const input_row *r, int n)
{
    const char *t = "1.3.6.1.2.1.43.8.2.1";
    for (int i = 0; i < n; i++) {
        int x = i + 1;
        mb_int(b, O("%s.2.1.%d", t, x), r[i].type);
        mb_int(b, O("%s.3.1.%d", t, x), 4);             /* micrometers */
        mb_int(b, O("%s.4.1.%d", t, x), r[i].feed);
        mb_int(b, O("%s.5.1.%d", t, x), r[i].xfeed);
        mb_int(b, O("%s.6.1.%d", t, x), r[i].feed);
        mb_int(b, O("%s.7.1.%d", t, x), r[i].xfeed);
        mb_int(b, O("%s.8.1.%d", t, x), 8);             /* sheets */
        mb_int(b, O("%s.9.1.%d", t, x), r[i].capacity);
        if (r[i].level_static == INPUT_DYN)
            mb_dyn(b, O("%s.10.1.%d", t, x), BER_INT, dyn_input_level, x | (r[i].capacity << 8));
        else
            mb_int(b, O("%s.10.1.%d", t, x), r[i].level_static);
        mb_int(b, O("%s.11.1.%d", t, x), 0);
        mb_str(b, O("%s.12.1.%d", t, x), r[i].media_name);
        mb_str(b, O("%s.13.1.%d", t, x), r[i].name);
        mb_str(b, O("%s.18.1.%d", t, x), r[i].name);
        mb_str(b, O("%s.21.1.%d", t, x), r[i].media_type);
    }
}

void build_output(mib_builder *b, const char *name, int capacity)
{
    const char *t = "1.3.6.1.2.1.43.9.2.1";
    mb_int(b, O("%s.2.1.1", t), 4);                     /* unRemovableBin */
    mb_int(b, O("%s.3.1.1", t), 8);
    mb_int(b, O("%s.4.1.1", t), capacity);
    mb_int(b, O("%s.5.1.1", t), -3);                    /* some space remaining */
    mb_int(b, O("%s.6.1.1", t), 0);
    mb_str(b, O("%s.7.1.1", t), name);
    mb_str(b, O("%s.12.1.1", t), name);
}

void build_cover(mib_builder *b, const char *descr)
{
    mb_str(b, "1.3.6.1.2.1.43.6.1.1.2.1.1", descr);
    mb_dyn(b, "1.3.6.1.2.1.43.6.1.1.3.1.1", BER_INT, dyn_cover_status, 0);
}

void build_interpreters(mib_builder *b, const interp_row *r, int n)
{
    const char *t = "1.3.6.1.2.1.43.15.1.1";
    for (int i = 0; i < n; i++) {
        int x = i + 1;
        mb_int(b, O("%s.2.1.%d", t, x), r[i].family);
        mb_str(b, O("%s.3.1.%d", t, x), r[i].level);
        mb_str(b, O("%s.4.1.%d", t, x), r[i].version);
        mb_str(b, O("%s.5.1.%d", t, x), r[i].descr);
        mb_str(b, O("%s.6.1.%d", t, x), r[i].version);
        mb_int(b, O("%s.7.1.%d", t, x), 3);             /* portrait */
        mb_int(b, O("%s.8.1.%d", t, x), 600);
        mb_int(b, O("%s.9.1.%d", t, x), 600);
        mb_int(b, O("%s.10.1.%d", t, x), 3);            /* US-ASCII */
        mb_int(b, O("%s.11.1.%d", t, x), 3);
        mb_int(b, O("%s.12.1.%d", t, x), 3);            /* two-way: yes */
    }
}
