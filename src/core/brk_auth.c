/*
 * Berkeley's per-member keys: a message from node N is taken only under
 * N's own key when N has one, so a member holding the group key (or its
 * own) cannot speak for another; unlisted nodes use the group key.
 */
#include "tsync/brk_auth.h"

static const struct brk_member_key *row_of_node(const struct brk_auth *a, uint64_t node)
{
	for (int i = 0; i < a->n_member; i++)
		if (a->member[i].node == node)
			return &a->member[i];
	return NULL;
}

static bool is_member_key(const struct brk_auth *a, uint32_t key_id)
{
	for (int i = 0; i < a->n_member; i++)
		if (a->member[i].key_id == key_id)
			return true;
	return false;
}

uint32_t brk_auth_key_of(const struct brk_auth *a, uint64_t node)
{
	const struct brk_member_key *r = row_of_node(a, node);
	return r != NULL ? r->key_id : a->group_key;
}

enum brk_auth_verdict brk_auth_check(const struct brk_auth *a, const uint8_t *buf, size_t len,
				     const struct brk_msg *m, const struct brk_bind *bind)
{
	uint32_t want = brk_auth_key_of(a, m->node);
	bool own = row_of_node(a, m->node) != NULL;
	/* Checked before the group key's rules: a member key is never the
	 * group's, whatever the configuration says. */
	if (m->key_id != want && (own || is_member_key(a, m->key_id)))
		return BRK_AUTH_IMPOSTOR;
	if (m->key_id != want || (want == 0 && !a->none))
		return BRK_AUTH_UNKNOWN_KEY;
	const struct brk_key *key = NULL;
	if (want != 0 && (key = brk_keys_find(a->ring, want)) == NULL)
		return BRK_AUTH_UNKNOWN_KEY;
	return brk_msg_verify(buf, len, key, bind) ? BRK_AUTH_OK : BRK_AUTH_BAD_MAC;
}
