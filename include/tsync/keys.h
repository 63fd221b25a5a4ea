/*
 * The daemon's one keys file (chrony's format, plus Berkeley's
 * hmac-sha256): text in, a key ring out. Pure, like the config parser;
 * the daemon reads the file and checks who may read it.
 */
#ifndef TSYNC_KEYS_H
#define TSYNC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_SECRET_MIN 16 /* bytes: 128 bits at least (RFC 8573 §4) */
#define KEYS_SECRET_MAX 64 /* an HMAC-SHA-256 or SHA-512 block */
#define KEYS_MAX 64
#define KEYS_LINE_MAX 512

/* What a key is for. The NTP types name the MAC of RFC 5905 §7.3 as
 * chrony and ntpd compute it; hmac-sha256 is Berkeley mode's own. */
enum keys_type {
	KEYS_HMAC_SHA256 = 1, /* Berkeley messages only */
	KEYS_AES128,          /* AES-CMAC (RFC 4493), RFC 8573's choice */
	KEYS_AES256,
	KEYS_SHA1,            /* H(key || packet), as chrony and ntpd */
	KEYS_SHA256,
	KEYS_SHA512,
};

struct keys_key {
	uint32_t id;  /* 1..2^32-1; 0 means "no key" on the wire */
	uint8_t type; /* enum keys_type */
	uint8_t len;
	uint8_t secret[KEYS_SECRET_MAX];
};

struct keys_ring {
	struct keys_key key[KEYS_MAX];
	int n;
};

/* Parse a keys file: one key a line, "ID TYPE KEY" ('#' starts a comment).
 * TYPE: AES128, AES256, SHA1, SHA256, SHA512 (any case), KEY "HEX:..." or
 * ASCII (optionally "ASCII:..."); or "hmac-sha256" with a bare hex KEY.
 * Returns 0, or -EINVAL with "FILE:LINE: message" in err; ring is then
 * left empty. */
int keys_parse(struct keys_ring *ring, const char *text, size_t len, const char *filename,
	       char *err, size_t errlen);
/* The key with this id, or NULL. */
const struct keys_key *keys_find(const struct keys_ring *ring, uint32_t id);
/* Overwrite every secret (before the ring's memory is given back). */
void keys_wipe(struct keys_ring *ring);
/* "AES128", ..., "hmac-sha256"; "unknown" for anything else. */
const char *keys_type_name(int type);

/* The value of one hexadecimal digit, or -1. */
int keys_hex_value(char c);

#endif
