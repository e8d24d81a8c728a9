/* Fuzz the local API's query-string parser (bytes from a local client). */
#include "http/query.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_api_query q = {.max = 7};
	const char *reason = NULL;
	char *s = malloc(size + 1);
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = gw_api_query_parse(s, GW_APIQ_FROM | GW_APIQ_MAX, 1000, &q, &reason);
	/* an accepted query keeps max within its bounds; a refused one says why */
	if (rc == 0 && (q.max < 1 || q.max > 1000))
		abort();
	if (rc < 0 && (!reason || !*reason))
		abort();
	free(s);
	return 0;
}
