/* Fuzz the stored-device decoder. */
#include "devices/device_codec.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_device_rec d;

	gw_device_decode(data, size, &d);
	return 0;
}
