#include "fleet.h"
#include "../core/clock.h"
#include "../core/devdata_pack.h"
#include "../core/log.h"
#include "../store/buffer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define SUB "fleet"

void gw_ident_of_device(const struct gw_device *d, struct gw_ident *id, char ipbuf[64])
{
	const void *a = d->addr.ss_family == AF_INET
		? (const void *)&((const struct sockaddr_in *)&d->addr)->sin_addr
		: (const void *)&((const struct sockaddr_in6 *)&d->addr)->sin6_addr;

	memset(id, 0, sizeof(*id));
	if (!inet_ntop(d->addr.ss_family, a, ipbuf, 64))
		snprintf(ipbuf, 64, "%s", d->spec.address);
	id->ip = ipbuf;
	id->model = d->model;
	id->serial = d->serial;
	id->mac = d->mac;
}

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static void pack_facts(msgpack_packer *pk, const struct gw_fact *f, unsigned n)
{
	char when[40];

	msgpack_pack_map(pk, n);
	for (unsigned i = 0; i < n; i++) {
		gw_pack_cstr(pk, f[i].name);
		if (f[i].str) {
			gw_pack_cstr(pk, f[i].str);
		} else if (f[i].is_time) {
			gw_clock_format_rfc3339(f[i].num, when, sizeof(when));
			gw_pack_cstr(pk, when);
		} else {
			msgpack_pack_int64(pk, f[i].num);
		}
	}
}

int gw_fleet_record(struct gw_store *store, enum gw_record_kind kind, uint32_t device_id,
		    const struct gw_ident *id, const char *what, const struct gw_fact *f,
		    unsigned n)
{
	struct gw_devdata *dd;
	struct gw_buf body;
	msgpack_packer pk;
	struct gw_record r;
	int64_t now = gw_clock_wall_ms();
	int rc = -ENOMEM;

	if (!store)
		return 0;
	dd = gw_devdata_new();
	if (!dd)
		return -ENOMEM;
	/* strings from devices are made valid UTF-8 on the way in */
	dd->manufacturer = gw_dd_str(dd, nz(id->manufacturer));
	dd->model = gw_dd_str(dd, nz(id->model));
	dd->serial_number = gw_dd_str(dd, nz(id->serial));
	dd->mac = gw_dd_str(dd, nz(id->mac));
	dd->ip = gw_dd_str(dd, nz(id->ip));
	dd->hostname = gw_dd_str(dd, nz(id->hostname));
	dd->sources = id->sources;
	gw_buf_init(&body);
	gw_packer_init(&pk, &body);
	msgpack_pack_map(&pk, 2);
	gw_pack_cstr(&pk, "device");
	gw_devdata_pack_device(&pk, dd);
	gw_pack_cstr(&pk, what);
	pack_facts(&pk, f, n);
	if (body.failed)
		goto out;
	r = (struct gw_record){
		.format = GW_RECORD_FORMAT,
		.kind = kind,
		.ctype = GW_CT_EVENT,
		.collected_ms = now,
		.created_ms = now,
		.device_id = device_id,
		.body = body.data,
		.body_len = body.len,
	};
	rc = gw_buffer_append(store, &r, NULL, NULL);
	if (rc < 0)
		gw_err(SUB, "a %s record could not be stored", gw_record_kind_name(kind));
out:
	gw_buf_release(&body);
	gw_devdata_free(dd);
	return rc;
}
