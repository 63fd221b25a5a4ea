/*
 * The Berkeley group's shared keys: a keys file's text in, a key ring out.
 * Pure, like the config parser; the daemon reads the file and checks its
 * mode. Secrets stay in memory only as long as the ring does.
 */
#ifndef TSYNC_BRK_KEYS_H
#define TSYNC_BRK_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define BRK_KEY_MIN 16   /* bytes of secret: 128 bits at least */
#define BRK_KEY_MAX 64   /* an HMAC-SHA-256 block */
#define BRK_MAX_KEYS 32

struct brk_key {
	uint32_t id;     /* 1..2^32-1; 0 means "no key" on the wire */
	uint8_t len;
	uint8_t secret[BRK_KEY_MAX];
};

struct brk_keyring {
	struct brk_key key[BRK_MAX_KEYS];
	int n;
};

/* Parse a keys file: one key a line, "ID hmac-sha256 HEX" ('#' starts a
 * comment; HEX is 32..128 hex digits). Returns 0, or -EINVAL with
 * "FILE:LINE: message" in err; ring is then left empty. */
int brk_keys_parse(struct brk_keyring *ring, const char *text, size_t len,
		   const char *filename, char *err, size_t errlen);
/* The key with this id, or NULL. */
const struct brk_key *brk_keys_find(const struct brk_keyring *ring, uint32_t id);
/* Overwrite every secret (before the ring's memory is given back). */
void brk_keys_wipe(struct brk_keyring *ring);

#endif
