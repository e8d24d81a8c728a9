/*
 * Laser printer models: an HP LaserJet-like mono laser, a Brother colour
 * laser (toners, drum, belt, waste toner box as a receptacle) and a
 * Kyocera ECOSYS-like mono laser.  Table shapes follow what such devices
 * report (units, -2/-3 conventions, interface lists); strings are ours.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

/* ------------------------------------------------------------------- HP */

static void hp_sysname(const sim_dev *d, char *out, size_t cap)
{
    uint8_t mac[6];
    dev_mac(d, mac);
    snprintf(out, cap, "NPI%02X%02X%02X", mac[3], mac[4], mac[5]);
}

/* HP Jetdirect-style sysDescr carries the serial number. */
static size_t hp_sysdescr(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    char serial[32], s[200];
    dev_serial(d, serial, sizeof serial);
    snprintf(s, sizeof s,
             "HP ETHERNET MULTI-ENVIRONMENT,SN:%s,FN:%07X,SVCID:%05u,PID:HP LaserJet Pro M404dn",
             serial, (unsigned)(sim_mix(d->idx, 80) & 0xfffffff), 20000 + d->idx % 60000);
    return put_str(out, cap, s);
}

static void build_hp(mib_builder *b, sim_model *m)
{
    common_desc c = {
        .sysdescr_fn = hp_sysdescr,
        .sysobjid = "1.3.6.1.4.1.11.2.3.9.1",
        .ifdescr = "Ethernet",
        .hp_loopback_if = true,
        .sys_services = 72,
    };
    build_system_if_ip(b, m, &c);
    build_hr_printer(b, m, "1.3.6.1.4.1.11.2.3.9.1.2.147");
    build_prt_general(b, m, 2, 32, 2);
    build_cover(b, "Front Door");
    static const char *const lang[] = { "en", "fr", "es" };
    static const char *const ctry[] = { "US", "FR", "ES" };
    build_localization(b, lang, ctry, 3, 106);
    static const input_row in[] = {
        { "Tray 1", "Plain", "stationery", 5, 279400, 215900, 100, INPUT_DYN },
        { "Tray 2", "Plain", "stationery", 3, 279400, 215900, 250, INPUT_DYN },
    };
    build_inputs(b, in, 2);
    build_output(b, "Standard Bin", 150);
    build_marker(b, 4, 1, 600);                         /* electrophotographicLaser */
    static const supply_row sup[] = {
        { "Black Cartridge HP 58A", 1, 3, 3, 19, 100, 0, 0 },
        /* fuser reports "some remaining" only, as many lasers do for service parts */
        { "Fuser Kit", 0, 3, 15, 7, -2, -1, -3 },
    };
    build_supplies(b, sup, 2);
    static const char *const col[] = { "black" };
    build_colorants(b, col, 1, 2);
    static const interp_row ip[] = {
        { 3, "5e", "5.0", "PCL 5e" },
        { 47, "", "6.0", "PCL 6" },
        { 6, "3", "3.0", "PostScript 3 Emulation" },
        { 54, "", "1.7", "PDF" },
    };
    build_interpreters(b, ip, 4);
    build_console(b, 2);
    build_alerts(b);
    build_jobmon(b);
}

sim_model model_hp_lj = {
    .key = "hp-lj",
    .label = "HP LaserJet Pro M404dn",
    .serial_prefix = "HLJ",
    .enterprise = 11,
    .kind = MK_PRINTER,
    .hr_err_octets = 1,
    .nsupply = 1,
    .sup = { { 100, 3000, false } },
    .nerr = 4,
    .errs = { ERR_PAPER_OUT, ERR_JAM, ERR_COVER_OPEN, ERR_SUPPLY_EMPTY },
    .build = build_hp,
    .sysname = hp_sysname,
};

/* -------------------------------------------------------------- Brother */

static void brother_sysname(const sim_dev *d, char *out, size_t cap)
{
    uint8_t mac[6];
    dev_mac(d, mac);
    snprintf(out, cap, "BRN%02X%02X%02X%02X%02X%02X", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

static void build_brother(mib_builder *b, sim_model *m)
{
    common_desc c = {
        .sysdescr = "Brother NC-8900w, Firmware Ver.1.12  (24.03.19),MID 8CE-S9A-001",
        .sysobjid = "1.3.6.1.4.1.2435.2.3.9.1",
        .ifdescr = "Brother NC-8900w",
        .sys_services = 72,
    };
    build_system_if_ip(b, m, &c);
    build_hr_printer(b, m, "0.0");
    build_prt_general(b, m, 2, 16, 2);
    build_cover(b, "Top Cover");
    static const char *const lang[] = { "en" };
    static const char *const ctry[] = { "US" };
    build_localization(b, lang, ctry, 1, 106);
    static const input_row in[] = {
        { "MP Tray", "Plain", "stationery", 5, 297000, 210000, 50, 0 },
        { "Tray 1", "Plain", "stationery", 3, 297000, 210000, 250, INPUT_DYN },
    };
    build_inputs(b, in, 2);
    build_output(b, "Output Tray", 150);
    build_marker(b, 4, 4, 600);
    static const supply_row sup[] = {
        { "Black Toner Cartridge", 1, 3, 3, 19, 100, 0, 0 },
        { "Cyan Toner Cartridge", 2, 3, 3, 19, 100, 1, 0 },
        { "Magenta Toner Cartridge", 3, 3, 3, 19, 100, 2, 0 },
        { "Yellow Toner Cartridge", 4, 3, 3, 19, 100, 3, 0 },
        { "Waste Toner Box", 0, 4, 4, 13, -2, -1, -3 },   /* receptacle, "space remains" */
        { "Belt Unit", 0, 3, 1, 7, 50000, 4, 0 },
        { "Drum Unit", 0, 3, 9, 7, 30000, 5, 0 },
    };
    build_supplies(b, sup, 7);
    static const char *const col[] = { "black", "cyan", "magenta", "yellow" };
    build_colorants(b, col, 4, 2);
    static const interp_row ip[] = {
        { 47, "", "6.0", "PCL 6" },
        { 6, "3", "3.0", "BR-Script 3" },
        { 54, "", "1.7", "PDF" },
    };
    build_interpreters(b, ip, 3);
    build_console(b, 2);
    build_alerts(b);
}

sim_model model_brother = {
    .key = "brother",
    .label = "Brother HL-L8360CDW series",
    .serial_prefix = "BHL",
    .enterprise = 2435,
    .kind = MK_PRINTER,
    .color = true,
    .hr_err_octets = 1,
    .nsupply = 6,
    .sup = { { 100, 1500, false }, { 100, 1800, false }, { 100, 1800, false },
             { 100, 1800, false }, { 50000, 9000, false }, { 30000, 6000, false } },
    .nerr = 4,
    .errs = { ERR_PAPER_OUT, ERR_JAM, ERR_COVER_OPEN, ERR_SUPPLY_EMPTY },
    .build = build_brother,
    .sysname = brother_sysname,
};

/* -------------------------------------------------------------- Kyocera */

static void kyocera_sysname(const sim_dev *d, char *out, size_t cap)
{
    uint8_t mac[6];
    dev_mac(d, mac);
    snprintf(out, cap, "KM%02X%02X%02X", mac[3], mac[4], mac[5]);
}

static void build_kyocera(mib_builder *b, sim_model *m)
{
    common_desc c = {
        .sysdescr = "KYOCERA Document Solutions Printing System",
        .sysobjid = "1.3.6.1.4.1.1347.41",
        .ifdescr = "KYOCERA Network Interface",
        .sys_services = 12,
    };
    build_system_if_ip(b, m, &c);
    build_hr_printer(b, m, "1.3.6.1.4.1.1347.43.1.2.1");
    build_prt_general(b, m, 5, 24, 2);
    build_cover(b, "Front Cover");
    static const char *const lang[] = { "en", "fr", "de", "it", "es", "ja" };
    static const char *const ctry[] = { "US", "FR", "DE", "IT", "ES", "JP" };
    build_localization(b, lang, ctry, 6, 106);
    static const input_row in[] = {
        { "MP Tray", "PLAIN", "stationery", 5, 297000, 210000, 100, 0 },
        { "Cassette 1", "PLAIN", "stationery", 3, 297000, 210000, 500, INPUT_DYN },
    };
    build_inputs(b, in, 2);
    build_output(b, "Top Tray", 250);
    build_marker(b, 4, 1, 600);
    static const supply_row sup[] = {
        { "TK-3160", 1, 3, 3, 7, 12500, 0, 0 },
        { "Waste Toner Box", 0, 4, 4, 7, -2, -1, -3 },
    };
    build_supplies(b, sup, 2);
    static const char *const col[] = { "black" };
    build_colorants(b, col, 1, 2);
    static const interp_row ip[] = {
        { 3, "5e", "5.0", "PCL 5e" },
        { 47, "", "6.0", "PCL XL" },
        { 50, "", "2.0", "PRESCRIBE" },
        { 6, "3", "3.0", "KPDL" },
        { 54, "", "1.7", "PDF" },
    };
    build_interpreters(b, ip, 5);
    build_console(b, 5);
    build_alerts(b);
    build_jobmon(b);
}

sim_model model_kyocera = {
    .key = "kyocera",
    .label = "ECOSYS P3145dn",
    .serial_prefix = "KEC",
    .enterprise = 1347,
    .kind = MK_PRINTER,
    .hr_err_octets = 1,
    .nsupply = 1,
    .sup = { { 12500, 4000, false } },
    .nerr = 4,
    .errs = { ERR_PAPER_OUT, ERR_JAM, ERR_COVER_OPEN, ERR_SUPPLY_EMPTY },
    .build = build_kyocera,
    .sysname = kyocera_sysname,
};

/* ------------------------------------------------------------- registry */

extern sim_model model_epson_wf, model_epson_proj;

sim_model *sim_models[] = {
    &model_epson_wf, &model_hp_lj, &model_brother, &model_kyocera, &model_epson_proj, NULL,
};

sim_model *model_find(const char *key)
{
    for (int i = 0; sim_models[i]; i++)
        if (strcmp(sim_models[i]->key, key) == 0)
            return sim_models[i];
    return NULL;
}

void models_build(void)
{
    for (int i = 0; sim_models[i]; i++) {
        mib_builder b = { 0 };
        sim_models[i]->build(&b, sim_models[i]);
        mb_finish(&b, sim_models[i]);
    }
}
