/* Fuzz the stored-candidate decoder (what the store gives back after a crash or an upgrade). */
#include "devices/candidate_codec.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_candidate c;

	if (gw_candidate_decode(data, size, &c) != 0)
		return 0;
	/* what decodes is usable: every string ends inside its field */
	if (!c.id || strnlen(c.ip, sizeof(c.ip)) == sizeof(c.ip) ||
	    strnlen(c.serial, sizeof(c.serial)) == sizeof(c.serial) ||
	    strnlen(c.model, sizeof(c.model)) == sizeof(c.model))
		abort();
	return 0;
}
