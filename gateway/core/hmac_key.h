/*
 * The gateway's own secret for user_hash (a keyed HMAC of a job's owner):
 * 32 random bytes in <state_dir>/user_hash.key, mode 0600, made once. It
 * never leaves the box, so the cloud can count a user's jobs without ever
 * learning who the user is.
 */
#ifndef GW_HMAC_KEY_H
#define GW_HMAC_KEY_H

#include <stddef.h>
#include <stdint.h>

#define GW_HMAC_KEY_LEN 32
#define GW_HMAC_KEY_FILE "user_hash.key"

/*
 * Read the key, creating it first when there is none. 0, or a negative
 * errno with *reason: a key file of the wrong size or with group or other
 * permissions is refused, never replaced.
 */
int gw_hmac_key_load(const char *state_dir, uint8_t key[GW_HMAC_KEY_LEN], const char **reason);

#endif
