/* Fuzz the record decoder and its JSON form: never crash, never over-read. */
#include "core/record.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_record r;
	msgpack_unpacked h;
	struct gw_buf js;
	uint32_t f;

	gw_record_peek_format(data, size, &f);
	msgpack_unpacked_init(&h);
	if (gw_record_decode(data, size, &r, &h) == GW_REC_OK) {
		gw_buf_init(&js);
		gw_record_to_json(&r, GW_CT_SCHEDULED, &js);
		gw_buf_release(&js);
	}
	msgpack_unpacked_destroy(&h);
	return 0;
}
