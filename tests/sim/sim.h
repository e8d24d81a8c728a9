/*
 * ecsp-printer-sim: shared declarations.
 *
 * The simulator answers SNMP (v1/v2c/v3) and ENPC for a fleet of simulated
 * printers living at consecutive 127.0.0.0/8 addresses.  Everything here is
 * written independently of the gateway's own SNMP code on purpose: the two
 * must not share an encoder, so a BER bug cannot hide in both.
 *
 * Device state is never stored per device: it is a pure function of the
 * device index and the time since start, so a fleet of millions of devices
 * costs no memory.
 */
#ifndef ECSP_SIM_H
#define ECSP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_OID     128   /* arcs per OID we accept */
#define SIM_MAX_SUPPLY  8
#define SIM_MAX_MODELS  16
#define SIM_HEADROOM    512   /* bytes reserved in front of a response for prepended headers */

/* ------------------------------------------------------------------ BER */

enum {
    BER_INT = 0x02, BER_OCTETS = 0x04, BER_NULL = 0x05, BER_OID = 0x06, BER_SEQ = 0x30,
    BER_IPADDR = 0x40, BER_COUNTER32 = 0x41, BER_GAUGE32 = 0x42, BER_TIMETICKS = 0x43,
    BER_COUNTER64 = 0x46,
    BER_NOSUCHOBJECT = 0x80, BER_NOSUCHINSTANCE = 0x81, BER_ENDOFMIBVIEW = 0x82,
    PDU_GET = 0xA0, PDU_GETNEXT = 0xA1, PDU_RESPONSE = 0xA2, PDU_SET = 0xA3,
    PDU_GETBULK = 0xA5, PDU_REPORT = 0xA8,
};

enum { SNMP_ERR_NONE = 0, SNMP_ERR_TOOBIG = 1, SNMP_ERR_NOSUCHNAME = 2, SNMP_ERR_GENERR = 5,
       SNMP_ERR_NOTWRITABLE = 17 };

/* Read cursor over a byte range. */
typedef struct { const uint8_t *p, *end; } ber_rd;

/* One decoded TLV: tag, value pointer/length, and where the whole TLV starts/ends. */
typedef struct { uint8_t tag; const uint8_t *val; size_t len; const uint8_t *start, *next; } ber_tlv;

int    ber_read(ber_rd *r, ber_tlv *t);                     /* 0 ok, -1 malformed */
int    ber_expect(ber_rd *r, uint8_t tag, ber_tlv *t);      /* ber_read + tag check */
int    ber_int(const ber_tlv *t, int64_t *v);               /* INTEGER (signed, <= 8 bytes) */
int    ber_oid_decode(const uint8_t *p, size_t len, uint32_t *arcs, int max);
size_t ber_oid_encode(const uint32_t *arcs, int n, uint8_t *out);  /* content only; out >= 5*n */
int    oid_parse(const char *s, uint32_t *arcs, int max);   /* dotted text -> arcs */
int    oid_cmp(const uint32_t *a, int na, const uint32_t *b, int nb);
size_t ber_len_size(size_t len);
size_t ber_put_len(uint8_t *out, size_t len);               /* forward length octets */
size_t ber_int_bytes(int64_t v, uint8_t *out);              /* minimal two's complement */
size_t ber_uint_bytes(uint64_t v, uint8_t *out);            /* unsigned types (Counter, Gauge...) */

/* Forward writer: overflow sticks, so callers check once at the end. */
typedef struct { uint8_t *p, *end; bool ovf; } ber_wr;
void bw_raw(ber_wr *w, const void *v, size_t n);
void bw_tlv(ber_wr *w, uint8_t tag, const void *v, size_t n);
void bw_int(ber_wr *w, uint8_t tag, int64_t v);
void bw_uint(ber_wr *w, uint8_t tag, uint64_t v);

/* Backward ("prepend") writer used to wrap headers around finished content. */
typedef struct { uint8_t *p, *lim; bool ovf; } ber_pw;
void bp_raw(ber_pw *w, const void *v, size_t n);
void bp_hdr(ber_pw *w, uint8_t tag, size_t len);
void bp_tlv(ber_pw *w, uint8_t tag, const void *v, size_t n);
void bp_int(ber_pw *w, uint8_t tag, int64_t v);

/* ------------------------------------------------------------ devices */

enum { PH_IDLE = 0, PH_PRINTING = 1, PH_ERROR = 2 };
enum { ERR_NONE = 0, ERR_PAPER_OUT, ERR_JAM, ERR_COVER_OPEN, ERR_SUPPLY_EMPTY, ERR__COUNT };

typedef struct sim_model sim_model;
typedef struct mib_entry mib_entry;

/* Per-device knobs resolved from percentages and explicit overrides. */
typedef struct {
    const sim_model *m;
    bool dead, v1only;
    uint32_t slow_ms;          /* 0 = answer at once */
    uint8_t err;               /* permanent error kind, ERR_NONE if none */
    uint32_t bulk_limit;       /* GETBULK max-repetitions above this -> tooBig; 0 = off */
} dev_knobs;

/* A device as seen while answering one request.  State fields are filled on
 * first use (sim_state) because most GETs never need them. */
typedef struct sim_dev {
    uint32_t idx, ip;          /* index from --base, host-order IPv4 */
    const sim_model *m;
    const dev_knobs *k;
    uint64_t now_ms;           /* ms since simulator start */
    uint32_t uptime_cs;        /* sysUpTime */
    bool st_ready;
    uint8_t phase, err;
    uint32_t cycle, alert_idx, alert_time_cs;
    uint32_t pages, pages_on, color_pages, job_no;
    int32_t level[SIM_MAX_SUPPLY];  /* percent remaining (space remaining for receptacles) */
} sim_dev;

void sim_dev_init(sim_dev *d, uint32_t idx, const dev_knobs *k, uint64_t now_ms);
void sim_state(sim_dev *d);
uint64_t sim_mix(uint64_t a, uint64_t b);           /* deterministic hash */
void dev_mac(const sim_dev *d, uint8_t mac[6]);
void dev_serial(const sim_dev *d, char *out, size_t cap);
uint16_t dev_hr_errstate(sim_dev *d);              /* 16-bit hrPrinterDetectedErrorState */

/* ---------------------------------------------------------------- MIB */

typedef size_t (*dyn_fn)(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);

enum { SUF_NONE = 0, SUF_IPADDR = 1, SUF_ALERT = 2 };      /* index arcs computed per device */
enum { COND_ALWAYS = 0, COND_ALERT = 1, COND_PRINTING = 2 };

struct mib_entry {
    uint32_t *arcs;            /* base OID (without the dynamic suffix) */
    uint8_t n, suffix, cond, vtype;
    uint8_t *oid_tlv;          /* pre-encoded OID TLV (only when suffix == SUF_NONE) */
    uint16_t oid_tlv_len;
    uint8_t *val;              /* pre-encoded value TLV for static entries */
    uint16_t val_len;
    dyn_fn fn;                 /* dynamic value; NULL for static entries */
    int32_t arg;
};

typedef struct {
    mib_entry *v;
    size_t n, cap;
} mib_builder;

/* Builder helpers; `oid` is dotted text.  O() formats an OID into a rotating buffer. */
const char *O(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mb_str(mib_builder *b, const char *oid, const char *s);
void mb_bytes(mib_builder *b, const char *oid, const void *v, size_t n);
void mb_int(mib_builder *b, const char *oid, int64_t v);
void mb_uint(mib_builder *b, const char *oid, uint8_t tag, uint32_t v);
void mb_oidval(mib_builder *b, const char *oid, const char *val);
void mb_ip(mib_builder *b, const char *oid, uint8_t a, uint8_t b2, uint8_t c, uint8_t d);
void mb_dyn(mib_builder *b, const char *oid, uint8_t vtype, dyn_fn fn, int32_t arg);
void mb_last_flags(mib_builder *b, uint8_t suffix, uint8_t cond);
void mb_finish(mib_builder *b, sim_model *m);

/* Lookup: positions index the model's sorted table. */
const mib_entry *mib_get(sim_dev *d, const uint32_t *arcs, int n, uint8_t *exc);
long  mib_next(sim_dev *d, const uint32_t *arcs, int n, bool v1);   /* -1 = end of MIB */
long  mib_next_pos(sim_dev *d, long pos, bool v1);
void  mib_put_name(ber_wr *w, sim_dev *d, const mib_entry *e);
void  mib_put_value(ber_wr *w, sim_dev *d, const mib_entry *e);
size_t mib_entry_arcs(sim_dev *d, const mib_entry *e, uint32_t *out);

/* Generic dynamic values shared by all models (mib.c). */
size_t dyn_uptime(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t dyn_mac(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t dyn_ipaddr(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t dyn_serial(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t put_octets(uint8_t *out, size_t cap, const void *s, size_t n);
size_t put_str(uint8_t *out, size_t cap, const char *s);
size_t put_num(uint8_t *out, size_t cap, uint8_t tag, int64_t v);

/* -------------------------------------------------------------- models */

enum { MK_PRINTER = 0, MK_PROJECTOR = 1 };

typedef struct {
    int32_t max;               /* prtMarkerSuppliesMaxCapacity */
    uint16_t pages_full;       /* pages that use 100 %; 0 = level is static */
    bool receptacle;
} supply_dyn;

struct sim_model {
    const char *key;           /* CLI name, e.g. "epson-wf" */
    const char *label;         /* hrDeviceDescr / prtGeneralPrinterName */
    const char *serial_prefix; /* three characters, see README */
    uint32_t enterprise;       /* IANA number, used in the v3 engine ID */
    uint8_t kind;
    bool enpc, color, st2;
    uint8_t hr_err_octets;     /* 1 or 2 octets of hrPrinterDetectedErrorState */
    uint8_t nsupply;
    supply_dyn sup[SIM_MAX_SUPPLY];
    uint8_t nerr, errs[4];     /* error kinds shown while flapping */
    void (*build)(mib_builder *b, sim_model *m);
    void (*sysname)(const sim_dev *d, char *out, size_t cap);
    mib_entry *tab;
    size_t ntab;
};

extern sim_model *sim_models[];    /* NULL-terminated */
sim_model *model_find(const char *key);
void models_build(void);

/* Builders in model_common.c used by all printer models. */
typedef struct {
    const char *sysdescr;      /* NULL = dynamic via sysdescr_fn */
    dyn_fn sysdescr_fn;
    const char *sysobjid;
    const char *ifdescr;
    bool hp_loopback_if;       /* HP agents list a loopback interface first */
    const char *hr_devid;      /* hrDeviceID OID */
    uint8_t sys_services;
} common_desc;
void build_system_if_ip(mib_builder *b, const sim_model *m, const common_desc *c);
void build_hr_printer(mib_builder *b, const sim_model *m, const char *hr_devid);
void build_alerts(mib_builder *b);
void build_console(mib_builder *b, int nlines);
void build_jobmon(mib_builder *b);
void build_prt_general(mib_builder *b, const sim_model *m, int lines, int chars, int in_default);
void build_localization(mib_builder *b, const char *const *lang, const char *const *ctry, int n,
                        int charset);
void build_marker(mib_builder *b, int tech, int process_colorants, int res);
void build_cover(mib_builder *b, const char *descr);
void build_output(mib_builder *b, const char *name, int capacity);
void build_colorants(mib_builder *b, const char *const *names, int n, int tonality);

typedef struct {
    const char *descr;
    int colorant, cls, type, unit, max;
    int dyn_slot;              /* index into sim_model.sup, or -1 for a static level */
    int static_level;
} supply_row;
void build_supplies(mib_builder *b, const supply_row *r, int n);

#define INPUT_DYN (-1000)
typedef struct {
    const char *name, *media_name, *media_type;
    int type, feed, xfeed, capacity;
    int level_static;          /* INPUT_DYN = computed per device */
} input_row;
void build_inputs(mib_builder *b, const input_row *r, int n);

typedef struct { int family; const char *level, *version, *descr; } interp_row;
void build_interpreters(mib_builder *b, const interp_row *r, int n);
size_t dyn_supply_level(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t dyn_lifecount(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t dyn_poweron(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t dyn_input_level(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
size_t dyn_cover_status(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap);
const char *err_text(uint8_t err, const sim_model *m);

/* Epson specifics (model_epson.c). */
size_t epson_st2(sim_dev *d, uint8_t *out, size_t cap, bool prefix);
size_t epson_ctrl(sim_dev *d, const uint32_t *arcs, int n, uint8_t *out, size_t cap);
bool   epson_ctrl_oid(const sim_dev *d, const uint32_t *arcs, int n);
uint8_t epson_status_code(sim_dev *d);
uint8_t epson_error_code(sim_dev *d);

/* ------------------------------------------------------------ config */

typedef struct {
    uint32_t lo, hi;           /* inclusive device index range */
    uint32_t has;              /* OV_* bits */
    dev_knobs o;
} ovr_seg;

enum { OV_DEAD = 1, OV_SLOW = 2, OV_V1 = 4, OV_ERR = 8, OV_MODEL = 16, OV_BULK = 32 };

typedef struct {
    uint32_t base_ip, count;
    uint16_t snmp_port, enpc_port;
    uint32_t bind_ip;
    int threads;
    char community[64];
    size_t community_len;
    /* SNMPv3 (one user) */
    char v3_user[64];
    int v3_auth;               /* 0 = no v3 user, 1 = SHA-1, 2 = SHA-256 */
    char v3_auth_pass[128], v3_priv_pass[128];
    uint32_t v3_boots;
    /* knobs, percentages stored as basis points (1/100 %) */
    uint32_t dead_bp, slow_bp, v1_bp, err_bp;
    uint32_t slow_ms, flap_ms, bulk_limit, max_msg, slow_queue;
    int nmix;
    struct { sim_model *m; uint32_t w; } mix[SIM_MAX_MODELS];
    uint32_t wtotal;
    size_t nseg;
    ovr_seg *seg;
    int verbose;
} sim_config;

extern sim_config G;

void config_defaults(void);
int  config_models(const char *spec);                 /* "epson-wf:50,hp-lj:20" */
int  config_rule(const char *line, const char *where);/* "ADDR[-ADDR] key[=v] ..." */
int  config_file(const char *path);
int  config_addr_list(const char *list, const char *what);
int  config_finish(void);
void knobs_for(uint32_t idx, dev_knobs *k);
int  parse_error_kind(const char *s);
const char *error_kind_name(int e);
int  parse_ipv4(const char *s, uint32_t *ip);

/* ------------------------------------------------------------ protocol */

typedef struct usm_thread usm_thread;
usm_thread *usm_thread_new(void);
int  usm_global_init(void);                        /* derives Ku from passwords once */
size_t usm_handle(usm_thread *u, sim_dev *d, const uint8_t *msg, size_t len,
                  uint8_t *buf, size_t cap, uint8_t **out);

/* Answer one PDU: writes a complete response PDU (tag..end) into [area, area+cap)
 * with SIM_HEADROOM free in front; returns its start via *pdu.  0 = drop. */
size_t snmp_pdu(sim_dev *d, int version, const ber_tlv *pdu, uint8_t *area, size_t cap,
                size_t vb_budget, uint8_t **pdu_out);
size_t snmp_handle(usm_thread *u, sim_dev *d, const uint8_t *msg, size_t len,
                   uint8_t *buf, size_t cap, uint8_t **out);
size_t enpc_handle(sim_dev *d, const uint8_t *req, size_t len, uint8_t *out, size_t cap);

int server_run(void);

/* Per-worker counters, summed at exit. */
typedef struct {
    uint64_t rx, tx, malformed, foreign, dead, delayed, enpc;
} sim_stats;

#endif
