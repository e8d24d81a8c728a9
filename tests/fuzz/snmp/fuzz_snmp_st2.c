/*
 * Fuzz the Epson reply parsers: ST2 status, the vi, cd, ia and ii replies,
 * and the IEEE-1284 ids and MACs discovery reads.
 */
#include "epctrl.h"
#include "ident.h"
#include "st2.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_st2 st;
	struct gw_epson_cd cd;
	struct gw_epson_ia ia;
	struct gw_epson_ii ii;
	struct gw_1284_id id;
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
	if (gw_epson_parse_cd(data, size, &cd) == 0 &&
	    (strlen(cd.serial) >= sizeof(cd.serial) || (cd.serial[0] && !cd.layout_known)))
		abort();
	if (gw_epson_parse_ia(data, size, &ia) == 0) {
		if (ia.n_slots > GW_EPSON_MAX_SLOTS)
			abort();
		for (unsigned i = 0; i < ia.n_slots; i++)
			if (strlen(ia.type[i]) >= sizeof(ia.type[i]))
				abort();
	}
	if (gw_epson_parse_ii(data, size, &ii) == 0 && strlen(ii.text) >= sizeof(ii.text))
		abort();
	if (gw_1284_parse(data, size, &id) == 0) {
		/* what a candidate keeps is printable ASCII, always terminated */
		const char *f[] = {id.mfg, id.mdl, id.cmd, id.cls, id.sn};

		for (unsigned i = 0; i < 5; i++)
			for (const char *c = f[i]; *c; c++)
				if (*c < 0x20 || *c > 0x7e)
					abort();
		gw_1284_is_printer(&id);
	}
	gw_ident_mac(data, size, out);
	gw_ident_text(data, size, out, sizeof(out));
	return 0;
}
