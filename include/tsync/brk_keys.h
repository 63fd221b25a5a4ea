/*
 * Berkeley mode's view of the daemon's keys file (tsync/keys.h): the same
 * ring and parser, under the names the Berkeley modules use. A Berkeley
 * key is one of type hmac-sha256.
 */
#ifndef TSYNC_BRK_KEYS_H
#define TSYNC_BRK_KEYS_H

#include "tsync/keys.h"

#define BRK_KEY_MIN KEYS_SECRET_MIN
#define BRK_KEY_MAX KEYS_SECRET_MAX
#define BRK_MAX_KEYS KEYS_MAX

#define brk_key keys_key
#define brk_keyring keys_ring
#define brk_keys_parse keys_parse
#define brk_keys_find keys_find
#define brk_keys_wipe keys_wipe

#endif
