/*
 * Epson models: a business inkjet ("EPSON WF-C5790 Series"-like) with the
 * Epson private MIB, the "@BDC ST2" status blob and EPSON-CTRL commands
 * tunnelled in GET OIDs; and an Epson projector, which sits under the same
 * enterprise number but is not a printer (negative tests).
 *
 * The ST2 and EPSON-CTRL replies are MODELLED from the published byte
 * layouts (field ids, TLV framing, reply conventions), not captured from a
 * device.  Field values are our own.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define EPSON_CTRL_PREFIX_LEN 14   /* 1.3.6.1.4.1.1248.1.2.2.44.1.1.2.1 */
static const uint32_t ctrl_prefix[EPSON_CTRL_PREFIX_LEN] = {
    1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 44, 1, 1, 2 };
/* note: the 15th arc (".1") is checked separately so the prefix stays a table */

static const char WF_MDL[] = "WF-C5790 Series";
static const char WF_FW[] = "WF57S1";
static const char WF_1284[] =
    "MFG:EPSON;CMD:ESCPL2,BDC,D4,D4PX,ESCPR7,END4,GENEP,PCLXL,PCL5E,POSTSCRIPT,PDF;"
    "MDL:WF-C5790 Series;CLS:PRINTER;DES:EPSON WF-C5790 Series;CID:EpsonRGB;";

/* Ink slots in Printer-MIB order: K C M Y.  ST2 cartridge ids and colour ids. */
static const uint8_t ink_cart_id[4] = { 0x01, 0x03, 0x04, 0x05 };
static const uint8_t ink_color_id[4] = { 0x00, 0x01, 0x02, 0x03 };

static void epson_sysname(const sim_dev *d, char *out, size_t cap)
{
    uint8_t mac[6];
    dev_mac(d, mac);
    snprintf(out, cap, "EPSON%02X%02X%02X", mac[3], mac[4], mac[5]);
}

/* -------------------------------------------------------------- ST2 blob */

uint8_t epson_status_code(sim_dev *d)
{
    sim_state(d);
    return d->phase == PH_ERROR ? 0x00 : d->phase == PH_PRINTING ? 0x02 : 0x04;
}

uint8_t epson_error_code(sim_dev *d)
{
    sim_state(d);
    switch (d->err) {
    case ERR_PAPER_OUT: return 0x06;
    case ERR_JAM: return 0x04;
    case ERR_COVER_OPEN: return 0x02;
    case ERR_SUPPLY_EMPTY: return 0x05;
    default: return 0xff;
    }
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Builds "[00]@BDC ST2\r\n" len16LE { id len data }* (see the reference's
 * field table).  Returns the byte count, 0 if it does not fit. */
size_t epson_st2(sim_dev *d, uint8_t *out, size_t cap, bool prefix)
{
    uint8_t b[512];
    size_t n = 0;
    sim_state(d);
    if (prefix)
        b[n++] = 0x00;
    memcpy(b + n, "@BDC ST2\r\n", 10);
    n += 10;
    size_t len_at = n;
    n += 2;
    size_t body = n;

    b[n++] = 0x01; b[n++] = 1; b[n++] = epson_status_code(d);
    if (d->err != ERR_NONE) {
        b[n++] = 0x02; b[n++] = 1; b[n++] = epson_error_code(d);
    }
    /* 04: warnings, 0x10 + slot for "ink low" */
    uint8_t warn[4];
    int nw = 0;
    for (int k = 0; k < 4; k++)
        if (d->level[k] > 0 && d->level[k] <= 10)
            warn[nw++] = (uint8_t)(0x10 + k);
    if (nw) {
        b[n++] = 0x04; b[n++] = (uint8_t)nw;
        memcpy(b + n, warn, (size_t)nw);
        n += (size_t)nw;
    }
    b[n++] = 0x0d; b[n++] = 1; b[n++] = (uint8_t)d->level[4];   /* maintenance box space */
    /* 0F: ink records [cartridge id][colour id][percent] */
    b[n++] = 0x0f; b[n++] = 1 + 4 * 3; b[n++] = 3;
    for (int k = 0; k < 4; k++) {
        b[n++] = ink_cart_id[k];
        b[n++] = ink_color_id[k];
        b[n++] = (uint8_t)d->level[k];
    }
    b[n++] = 0x13; b[n++] = 1; b[n++] = 0x01;                   /* no cancel request */
    /* 19: current job name, 5-byte header then the name */
    char job[48];
    if (d->phase == PH_PRINTING)
        snprintf(job, sizeof job, "Payroll-%u-%u.pdf", d->idx, d->job_no % 1000);
    else
        snprintf(job, sizeof job, "unknown");
    size_t jl = strlen(job);
    b[n++] = 0x19; b[n++] = (uint8_t)(5 + jl);
    memset(b + n, 0, 5);
    n += 5;
    memcpy(b + n, job, jl);
    n += jl;
    b[n++] = 0x1c; b[n++] = 1; b[n++] = 0x00;                   /* below 40 C */
    /* 36: paper counts normal, page, colour, monochrome, blank (int32 LE) */
    b[n++] = 0x36; b[n++] = 20;
    le32(b + n, d->pages); le32(b + n + 4, d->pages);
    le32(b + n + 8, d->color_pages); le32(b + n + 12, d->pages - d->color_pages);
    le32(b + n + 16, d->pages / 500);
    n += 20;
    /* 37: maintenance box, one byte per box: 00 ok, 01 near full, 02 full */
    b[n++] = 0x37; b[n++] = 2; b[n++] = 1;
    b[n++] = d->level[4] <= 0 ? 2 : d->level[4] <= 10 ? 1 : 0;
    char serial[32];
    dev_serial(d, serial, sizeof serial);
    size_t sl = strlen(serial);
    b[n++] = 0x40; b[n++] = (uint8_t)sl;
    memcpy(b + n, serial, sl);
    n += sl;

    size_t tl = n - body;
    b[len_at] = (uint8_t)tl;
    b[len_at + 1] = (uint8_t)(tl >> 8);
    if (n > cap)
        return 0;
    memcpy(out, b, n);
    return n;
}

static size_t dyn_st2(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    uint8_t blob[512];
    size_t n = epson_st2(d, blob, sizeof blob, false);
    return put_octets(out, cap, blob, n);
}

/* ------------------------------------------------------------ EPSON-CTRL */

bool epson_ctrl_oid(const sim_dev *d, const uint32_t *arcs, int n)
{
    if (!d->m->st2 || n < EPSON_CTRL_PREFIX_LEN + 1)
        return false;
    return memcmp(arcs, ctrl_prefix, sizeof ctrl_prefix) == 0 && arcs[EPSON_CTRL_PREFIX_LEN] == 1;
}

/* Reply for GET 1248.1.2.2.44.1.1.2.1.c1.c2.lenLo.lenHi.payload...  Writes
 * the OCTET STRING TLV; returns 0 when the OID is not a well-formed command
 * (the caller answers noSuchInstance). */
size_t epson_ctrl(sim_dev *d, const uint32_t *arcs, int n, uint8_t *out, size_t cap)
{
    const uint32_t *a = arcs + EPSON_CTRL_PREFIX_LEN + 1;
    int na = n - EPSON_CTRL_PREFIX_LEN - 1;
    if (na < 4)
        return 0;
    for (int i = 0; i < na; i++)
        if (a[i] > 255)
            return 0;
    int plen = (int)(a[2] | a[3] << 8);
    if (plen != na - 4)
        return 0;
    const uint32_t *p = a + 4;
    char c1 = (char)a[0], c2 = (char)a[1];
    char r[640];
    size_t rl = 0;
    r[rl++] = 0x00;                       /* the one leading byte callers skip */
    sim_state(d);

    if (c1 == 's' && c2 == 't' && plen == 1 && p[0] == 1) {
        rl = epson_st2(d, (uint8_t *)r, sizeof r, true);
        return put_octets(out, cap, r, rl);
    }
    if (c1 == 'd' && c2 == 'i' && plen == 1 && p[0] == 1) {
        rl += (size_t)snprintf(r + rl, sizeof r - rl, "@EJL ID\r\n%s\f", WF_1284);
        return put_octets(out, cap, r, rl);
    }
    rl += (size_t)snprintf(r + rl, sizeof r - rl, "@BDC PS\r\n");
    if (c1 == 'v' && c2 == 'i' && plen == 1 && p[0] == 0) {
        rl += (size_t)snprintf(r + rl, sizeof r - rl, "vi:00:%s;\f", WF_FW);
    } else if (c1 == 'i' && c2 == 'a' && plen == 1 && p[0] == 0) {
        rl += (size_t)snprintf(r + rl, sizeof r - rl, "IA:00;%02X,%02X,%02X,%02X;\f",
                               ink_cart_id[0], ink_cart_id[1], ink_cart_id[2], ink_cart_id[3]);
    } else if (c1 == 'i' && c2 == 'i' && plen == 2 && p[0] == 1) {
        unsigned slot = p[1];
        if (slot >= 1 && slot <= 4) {
            /* key:value list as parsed by public tools (II:03 = record present);
             * colour code = 0x713 + colour id, quantity in hex percent.  Modelled. */
            rl += (size_t)snprintf(r + rl, sizeof r - rl,
                                   "II:03;IC1:%04X;IQT:%02X;PDY:%02X;PDM:%02X;SID:SIM%07u%u;LOG:EPSON;\f",
                                   0x713 + ink_color_id[slot - 1], (unsigned)d->level[slot - 1],
                                   24 + d->idx % 2, 1 + d->idx % 12, d->idx % 10000000u, slot);
        } else {
            rl += (size_t)snprintf(r + rl, sizeof r - rl, "ii:NA;\f");
        }
    } else {
        rl += (size_t)snprintf(r + rl, sizeof r - rl, "%c%c:;\f", c1 >= 32 && c1 < 127 ? c1 : '?',
                               c2 >= 32 && c2 < 127 ? c2 : '?');
    }
    return put_octets(out, cap, r, rl);
}

/* ------------------------------------------------------ other dynamics */

static size_t dyn_bonjour(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    uint8_t mac[6];
    char s[64];
    dev_mac(d, mac);
    snprintf(s, sizeof s, "EPSON %s (%02X%02X%02X)", WF_MDL, mac[3], mac[4], mac[5]);
    return put_str(out, cap, s);
}

/* Epson private page counters; arg selects which. */
static size_t dyn_epson_count(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    sim_state(d);
    uint32_t mono = d->pages - d->color_pages, v;
    switch (e->arg) {
    case 0: v = d->pages; break;
    case 1: v = mono; break;
    case 2: v = d->color_pages; break;
    case 3: v = d->pages - d->pages / 8; break;              /* printed from computer */
    case 4: v = d->pages / 8; break;                         /* copies */
    case 5: v = d->color_pages - d->color_pages / 8; break;
    default: v = d->color_pages / 8; break;
    }
    return put_num(out, cap, BER_INT, v);
}

static void build_epson_wf(mib_builder *b, sim_model *m)
{
    common_desc c = {
        .sysdescr = "EPSON Built-in",
        .sysobjid = "1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50",   /* ...3.5."EEPS2" */
        .ifdescr = "EEPS2 Hard Ver.1.00 Firm Ver.0.61",
        .sys_services = 72,
    };
    /* hrDeviceID: Epson encodes the model as <len>.<ascii...> */
    char devid[256];
    int o = snprintf(devid, sizeof devid, "1.3.6.1.4.1.1248.1.2.1.%zu", strlen("WF-C5790"));
    for (const char *s = "WF-C5790"; *s; s++)
        o += snprintf(devid + o, sizeof devid - (size_t)o, ".%d", *s);

    build_system_if_ip(b, m, &c);
    build_hr_printer(b, m, devid);
    build_prt_general(b, m, 1, 40, 2);
    build_cover(b, "Front Cover");
    static const char *const lang[] = { "en", "de", "fr", "ja" };
    static const char *const ctry[] = { "US", "DE", "FR", "JP" };
    build_localization(b, lang, ctry, 4, 106);
    static const input_row in[] = {
        { "Rear Paper Feed", "Plain paper", "stationery", 5, 297000, 210000, 50, INPUT_DYN },
        { "Paper Cassette 1", "Plain paper", "stationery", 3, 297000, 210000, 250, INPUT_DYN },
    };
    build_inputs(b, in, 2);
    build_output(b, "Output Tray", 150);
    build_marker(b, 12, 4, 4800);                       /* inkjetAqueous */
    static const supply_row sup[] = {
        { "Black Ink Cartridge (T9451)", 1, 3, 5, 19, 100, 0, 0 },
        { "Cyan Ink Cartridge (T9452)", 2, 3, 5, 19, 100, 1, 0 },
        { "Magenta Ink Cartridge (T9453)", 3, 3, 5, 19, 100, 2, 0 },
        { "Yellow Ink Cartridge (T9454)", 4, 3, 5, 19, 100, 3, 0 },
        { "Maintenance Box (T6716)", 0, 4, 8, 19, 100, 4, 0 },
    };
    build_supplies(b, sup, 5);
    static const char *const col[] = { "black", "cyan", "magenta", "yellow" };
    build_colorants(b, col, 4, 256);
    static const interp_row ip[] = {
        { 1, "", "1.00", "ESC/P-R" },
        { 47, "", "6.0", "PCL 6" },
        { 6, "3", "3.0", "PostScript 3" },
        { 54, "", "1.7", "PDF 1.7" },
    };
    build_interpreters(b, ip, 4);
    build_console(b, 1);
    build_alerts(b);

    /* Epson private MIB (OIDs from the reference, values ours). */
    const char *e = "1.3.6.1.4.1.1248";
    mb_dyn(b, O("%s.1.1.3.1.1.5.0", e), BER_OCTETS, dyn_mac, 0);
    mb_str(b, O("%s.1.1.3.1.3.8.0", e), WF_MDL);
    mb_dyn(b, O("%s.1.1.3.1.4.19.1.3.1", e), BER_IPADDR, dyn_ipaddr, 0);
    mb_dyn(b, O("%s.1.1.3.1.14.4.1.2", e), BER_OCTETS, dyn_bonjour, 0);
    mb_str(b, O("%s.1.2.2.1.1.1.1.1", e), WF_1284);
    mb_str(b, O("%s.1.2.2.1.1.1.2.1", e), WF_MDL);
    mb_str(b, O("%s.1.2.2.1.1.1.3.1", e), WF_MDL);
    mb_dyn(b, O("%s.1.2.2.1.1.1.4.1", e), BER_OCTETS, dyn_st2, 0);
    mb_dyn(b, O("%s.1.2.2.1.1.1.5.1", e), BER_OCTETS, dyn_serial, 0);
    mb_str(b, O("%s.1.2.2.2.1.1.2.1.4", e), "1.05.WF57S1.2025");
    mb_dyn(b, O("%s.1.2.2.27.1.1.30.1.1", e), BER_INT, dyn_epson_count, 0);
    mb_dyn(b, O("%s.1.2.2.27.1.1.3.1.1", e), BER_INT, dyn_epson_count, 1);
    mb_dyn(b, O("%s.1.2.2.27.1.1.4.1.1", e), BER_INT, dyn_epson_count, 2);
    mb_dyn(b, O("%s.1.2.2.27.6.1.4.1.1.1", e), BER_INT, dyn_epson_count, 3);
    mb_dyn(b, O("%s.1.2.2.27.6.1.4.1.1.2", e), BER_INT, dyn_epson_count, 4);
    mb_dyn(b, O("%s.1.2.2.27.6.1.5.1.1.1", e), BER_INT, dyn_epson_count, 5);
    mb_dyn(b, O("%s.1.2.2.27.6.1.5.1.1.2", e), BER_INT, dyn_epson_count, 6);
    /* PWG Printer Port Monitor MIB: name and IEEE-1284 device ID */
    mb_str(b, "1.3.6.1.4.1.2699.1.2.1.2.1.1.2.1", WF_MDL);
    mb_str(b, "1.3.6.1.4.1.2699.1.2.1.2.1.1.3.1", WF_1284);
}

sim_model model_epson_wf = {
    .key = "epson-wf",
    .label = "EPSON WF-C5790 Series",
    .serial_prefix = "EWF",
    .enterprise = 1248,
    .kind = MK_PRINTER,
    .enpc = true,
    .color = true,
    .st2 = true,
    .hr_err_octets = 2,
    .nsupply = 5,
    .sup = { { 100, 900, false }, { 100, 1400, false }, { 100, 1400, false },
             { 100, 1400, false }, { 100, 2500, true } },
    .nerr = 4,
    .errs = { ERR_PAPER_OUT, ERR_JAM, ERR_COVER_OPEN, ERR_SUPPLY_EMPTY },
    .build = build_epson_wf,
    .sysname = epson_sysname,
};

/* ------------------------------------------------------------ projector */

static void proj_sysname(const sim_dev *d, char *out, size_t cap)
{
    snprintf(out, cap, "EBL630U-%05u", d->idx % 100000);
}

static size_t dyn_lamp_hours(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    return put_num(out, cap, BER_INT, 40 + (int64_t)(sim_mix(d->idx, 70) % 9000));
}

static void build_projector(mib_builder *b, sim_model *m)
{
    common_desc c = {
        .sysdescr = "EPSON Network Projector",
        .sysobjid = "1.3.6.1.4.1.1248.4.1",
        .ifdescr = "EPSON Projector Network Interface",
        .sys_services = 72,
    };
    build_system_if_ip(b, m, &c);
    mb_dyn(b, "1.3.6.1.2.1.25.1.1.0", BER_TIMETICKS, dyn_uptime, 0);
    mb_int(b, "1.3.6.1.2.1.25.3.2.1.1.1", 1);
    mb_oidval(b, "1.3.6.1.2.1.25.3.2.1.2.1", "1.3.6.1.2.1.25.3.1.1");   /* hrDeviceOther */
    mb_str(b, "1.3.6.1.2.1.25.3.2.1.3.1", m->label);
    mb_oidval(b, "1.3.6.1.2.1.25.3.2.1.4.1", "0.0");
    mb_int(b, "1.3.6.1.2.1.25.3.2.1.5.1", 2);
    mb_uint(b, "1.3.6.1.2.1.25.3.2.1.6.1", BER_COUNTER32, 0);
    /* A private value under the projector subtree; meaning modelled (operating hours). */
    mb_dyn(b, "1.3.6.1.4.1.1248.4.1.1.1.1.0", BER_INT, dyn_lamp_hours, 0);
    mb_dyn(b, "1.3.6.1.4.1.1248.4.1.1.1.2.0", BER_OCTETS, dyn_serial, 0);
}

sim_model model_epson_proj = {
    .key = "epson-proj",
    .label = "EPSON EB-L630U",
    .serial_prefix = "EPJ",
    .enterprise = 1248,
    .kind = MK_PROJECTOR,
    .build = build_projector,
    .sysname = proj_sysname,
};
