/* Fuzz the Epson reply parsers: ST2 status, "vi" version, IEEE-1284 ids. */
#include "st2.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_st2 st;
	char out[128];

	if (gw_st2_parse(data, size, &st) == 0) {
		/* the result is self-consistent whatever the input */
		if (st.n_inks > GW_ST2_MAX_INKS || st.n_warnings > GW_ST2_MAX_WARN ||
		    st.n_boxes > GW_ST2_MAX_BOXES || st.n_paper > 5 ||
		    strlen(st.serial) >= sizeof(st.serial))
			abort();
		for (unsigned i = 0; i < st.n_inks; i++)
			gw_st2_color_name(st.inks[i].color);
		gw_st2_status_name(st.status);
		gw_st2_error_name(st.error);
	}
	gw_epson_parse_vi(data, size, out, sizeof(out));
	gw_ieee1284_field(data, size, "MDL", out, sizeof(out));
	gw_ieee1284_field(data, size, "MFG", out, sizeof(out));
	return 0;
}
