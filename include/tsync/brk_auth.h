/*
 * Who may speak for which node in a Berkeley group: the group key, and
 * optional per-member keys (`berkeley member NODE key ID`) with which a
 * member speaks only for itself. Pure: the keys come in, a verdict out.
 */
#ifndef TSYNC_BRK_AUTH_H
#define TSYNC_BRK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/brk_msg.h"

#define BRK_MAX_MEMBER_KEYS 512

/* A node that has a key of its own. */
struct brk_member_key {
	uint64_t node;
	uint32_t key_id;
};

struct brk_auth {
	const struct brk_keyring *ring; /* where every key is looked up */
	uint32_t group_key;     /* `berkeley key`; 0: none (auth none, or members only) */
	bool none;              /* auth none: unkeyed messages from unlisted nodes */
	const struct brk_member_key *member;
	int n_member;
};

enum brk_auth_verdict {
	BRK_AUTH_OK,
	BRK_AUTH_UNKNOWN_KEY, /* a key id we do not take, or a member key we do not hold */
	BRK_AUTH_BAD_MAC,
	BRK_AUTH_IMPOSTOR,    /* a node with a key of its own, under another key; or a
				 member's key speaking for another node */
};

/* The key id node must sign with: its member key, else the group key
 * (0: auth none, or none at all). */
uint32_t brk_auth_key_of(const struct brk_auth *a, uint64_t node);
/* Whether the decoded message m (buf, len) may speak for m->node: a node
 * with a member key only under that key, any other only under the group
 * key (or unkeyed with auth none); the MAC is then checked under bind. */
enum brk_auth_verdict brk_auth_check(const struct brk_auth *a, const uint8_t *buf, size_t len,
				     const struct brk_msg *m, const struct brk_bind *bind);

#endif
