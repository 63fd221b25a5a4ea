/*
 * Fuzz target: the Berkeley keys file parser, brk_keys_parse. Whatever the
 * text: no crash, a refusal is one line "FILE:LINE: message" and leaves the
 * ring empty, and an accepted ring holds only keys the format allows.
 */
#include <string.h>

#include "fuzz.h"
#include "tsync/brk_keys.h"

#define FILE_NAME "fuzz.keys"

static void check_ring(const struct brk_keyring *ring)
{
	FUZZ_CHECK(ring->n >= 0 && ring->n <= BRK_MAX_KEYS);
	for (int i = 0; i < ring->n; i++) {
		const struct brk_key *k = &ring->key[i];

		FUZZ_CHECK(k->id != 0 && k->len >= BRK_KEY_MIN && k->len <= BRK_KEY_MAX);
		FUZZ_CHECK(brk_keys_find(ring, k->id) == k); /* ids are unique */
	}
	FUZZ_CHECK(brk_keys_find(ring, 0) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct brk_keyring empty;
	struct brk_keyring ring;
	char err[256];

	int rc = brk_keys_parse(&ring, (const char *)data, size, FILE_NAME, err, sizeof(err));
	if (rc == 0) {
		FUZZ_CHECK(err[0] == '\0');
		check_ring(&ring);
	} else {
		FUZZ_CHECK(rc < 0);
		fuzz_check_err_line(err, FILE_NAME, size + 1);
		FUZZ_CHECK(memcmp(&ring, &empty, sizeof(ring)) == 0);
	}
	brk_keys_wipe(&ring);
	FUZZ_CHECK(memcmp(&ring, &empty, sizeof(ring)) == 0);
	return 0;
}
