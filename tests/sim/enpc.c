/*
 * ENPC (Epson Net Printer Control, UDP 3289) responder for the Epson
 * printer models.
 *
 * MODELLED, NOT CAPTURED: the 14-byte frame ("EPSON", packet type, device
 * type 03, device number 00, function BE, result BE, length BE, data) is the
 * published one; the reply-data layouts below only place fields where public
 * discovery code looks for them (model name at offset 19 of a basic-info
 * reply, MAC at offset 54 of a probe reply, MAC at 14 and name at 56 of a
 * function-0001 reply).  Everything else in the data is zero or our own.
 *
 *   'P' probe (any device type)   -> 'p', 68 bytes:  19 model, 54 MAC, 60 IPv4
 *   'Q' 03-0000 basic information -> 'q', 147 bytes: 14..18 header bytes as
 *                                    published for a TM printer, 19 model (35),
 *                                    54 MAC, 60 IPv4, 64 serial (20)
 *   'Q' 03-0001                   -> 'q', 184 bytes: 14 MAC, 20 IPv4, 56 sysName
 *   'Q' 03-0010 status            -> 'q', data = ST2 status byte, ST2 error byte
 *                                    (FF = none), 2 zero bytes (our own layout)
 *   other functions / 'C' commands -> result FFFF (function not supported)
 *   device type other than 03      -> result FFFE (no device requested)
 *
 * Non-Epson devices never answer, like printers without ENPC.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define HDR 14

static void put_be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_ip(uint8_t *p, uint32_t ip)
{
    p[0] = (uint8_t)(ip >> 24);
    p[1] = (uint8_t)(ip >> 16);
    p[2] = (uint8_t)(ip >> 8);
    p[3] = (uint8_t)ip;
}

/* Model name as shown by the device: the label without the vendor prefix. */
static const char *short_model(const sim_model *m)
{
    const char *s = m->label;
    return strncmp(s, "EPSON ", 6) == 0 ? s + 6 : s;
}

size_t enpc_handle(sim_dev *d, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
    if (!d->m->enpc || len < HDR || memcmp(req, "EPSON", 5) != 0)
        return 0;
    uint8_t type = req[5];
    if (type < 'A' || type > 'Z')
        return 0;                                 /* replies (lowercase) are never answered */
    unsigned func = (unsigned)req[8] << 8 | req[9];
    size_t total = HDR;
    unsigned result = 0;
    uint8_t mac[6];
    dev_mac(d, mac);
    if (cap < 200)
        return 0;
    memset(out, 0, 200);

    if (type == 'P') {
        total = 68;
        snprintf((char *)out + 19, 35, "%s", short_model(d->m));
        memcpy(out + 54, mac, 6);
        put_ip(out + 60, d->ip);
    } else if (type == 'Q' && req[6] != 0x03) {
        result = 0xFFFE;
    } else if (type == 'Q' && func == 0x0000) {
        static const uint8_t head[5] = { 0x00, 0x05, 0x20, 0x02, 0x64 };
        char serial[32];
        total = 147;
        memcpy(out + 14, head, 5);
        snprintf((char *)out + 19, 35, "%s", short_model(d->m));
        memcpy(out + 54, mac, 6);
        put_ip(out + 60, d->ip);
        dev_serial(d, serial, sizeof serial);
        size_t sl = strlen(serial);
        memcpy(out + 64, serial, sl < 20 ? sl : 20);
    } else if (type == 'Q' && func == 0x0001) {
        total = 184;
        memcpy(out + 14, mac, 6);
        put_ip(out + 20, d->ip);
        d->m->sysname(d, (char *)out + 56, 64);
    } else if (type == 'Q' && func == 0x0010) {
        total = HDR + 4;
        out[14] = epson_status_code(d);
        out[15] = epson_error_code(d);
    } else {
        result = 0xFFFF;
    }

    memcpy(out, "EPSON", 5);
    out[5] = (uint8_t)(type | 0x20);
    out[6] = 0x03;
    out[7] = 0x00;
    put_be16(out + 8, func);
    put_be16(out + 10, result);
    put_be16(out + 12, (unsigned)(total - HDR));
    return total;
}
