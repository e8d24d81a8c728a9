/*
 * Fuzz the SNMP message decoder and everything that reads a decoded message:
 * varbind values, OIDs, v3 security parameters, MAC check and decryption
 * with fixed keys, and the scoped-PDU decoder on the raw input.
 */
#include "pdu.h"
#include "usm.h"
#include "vbset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gw_snmp_msg m;
	static uint8_t plain[GW_SNMP_MAX_MSG];
	struct gw_usm_keys k = {.auth = GW_AUTH_SHA256, .priv = GW_PRIV_AES128,
				.auth_key_len = 32};
	struct gw_vbset vs;

	memset(k.auth_key, 0x5a, sizeof(k.auth_key));
	memset(k.priv_key, 0xa5, sizeof(k.priv_key));
	gw_snmp_scoped_decode(data, size, &m);
	if (gw_snmp_msg_decode(data, size, &m) < 0)
		return 0;
	if (m.version == GW_SNMP_WIRE_V3) {
		gw_usm_verify(&k, data, size, &m);
		if (!m.has_pdu && gw_usm_decrypt(&k, &m, plain, sizeof(plain)) < 0)
			return 0;
	}
	if (!m.has_pdu)
		return 0;
	gw_usm_report_kind(&m.pdu);
	gw_vbset_init(&vs);
	for (unsigned i = 0; i < m.pdu.n_vb; i++) {
		struct gw_oid o;
		int64_t v;

		if (gw_snmp_vb_oid(&m.pdu.vb[i], &o) == 0) {
			uint8_t back[GW_OID_MAX * 5];

			/* what decodes must encode again */
			if (gw_ber_oid_encode(o.a, o.n, back, sizeof(back)) < 0 && o.n >= 2 &&
			    o.a[0] <= 2)
				abort();
			gw_vbset_add(&vs, &o, &m.pdu.vb[i]);
		}
		gw_snmp_vb_int(&m.pdu.vb[i], &v);
	}
	gw_vbset_sort(&vs);
	gw_vbset_release(&vs);
	return 0;
}
