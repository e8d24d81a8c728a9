/* Helpers shared by the unit tests. */
#ifndef GW_TESTUTIL_H
#define GW_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fresh temporary directory per test: cmocka setup/teardown. */
static char test_dir[64];

static inline int test_dir_setup(void **state)
{
	(void)state;
	strcpy(test_dir, "/tmp/gw-test-XXXXXX");
	return mkdtemp(test_dir) ? 0 : -1;
}

static inline int test_dir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
