/*
 * allow/deny: the rules kept sorted by prefix length, longest first, so
 * that the first match is the most specific one. A family's own /0 comes
 * before "all", the less specific of the two.
 */
#include "tsync/acl.h"

#include <errno.h>
#include <string.h>

static const uint8_t MAPPED[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void acl_unmap(const uint8_t **addr, size_t *len)
{
	if (*len == 16 && memcmp(*addr, MAPPED, sizeof(MAPPED)) == 0) {
		*addr += 12;
		*len = 4;
	}
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* True when no bit past the prefix is set. */
static bool host_bits_clear(const struct acl_rule *r)
{
	uint8_t zero[16] = { 0 };

	for (int i = r->prefix; i < r->len * 8; i++)
		if (r->addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return r->len == 0 ? memcmp(r->addr, zero, 16) == 0 : true;
}

static void unmap_rule(struct acl_rule *r)
{
	if (r->len == 16 && r->prefix >= 96 && memcmp(r->addr, MAPPED, sizeof(MAPPED)) == 0) {
		memmove(r->addr, r->addr + 12, 4);
		memset(r->addr + 4, 0, 12);
		r->len = 4;
		r->prefix = (uint8_t)(r->prefix - 96);
	}
}

/* Sort key: longer prefixes first; at equal length a family's rule
 * before "all". */
static int rank(const struct acl_rule *r)
{
	return r->prefix * 2 + (r->len != 0);
}

int acl_add(struct acl *a, const struct acl_rule *rule, const struct acl_rule **clash)
{
	struct acl_rule r = *rule;
	int i;

	if ((r.len != 0 && r.len != 4 && r.len != 16) || r.prefix > r.len * 8 ||
	    !host_bits_clear(&r))
		return -EINVAL;
	unmap_rule(&r);
	for (i = 0; i < a->n; i++)
		if (a->rule[i].len == r.len && a->rule[i].prefix == r.prefix &&
		    memcmp(a->rule[i].addr, r.addr, 16) == 0) {
			*clash = &a->rule[i];
			return -EEXIST;
		}
	if (a->n == ACL_MAX_RULES)
		return -ENOSPC;
	for (i = a->n; i > 0 && rank(&a->rule[i - 1]) < rank(&r); i--)
		a->rule[i] = a->rule[i - 1];
	a->rule[i] = r;
	a->n++;
	a->has_allow |= r.action == ACL_ALLOW;
	return 0;
}

int acl_check(const struct acl *a, const uint8_t *addr, size_t len)
{
	acl_unmap(&addr, &len);
	for (int i = 0; i < a->n; i++) {
		const struct acl_rule *r = &a->rule[i];

		if ((r->len == len || r->len == 0) && prefix_match(addr, r->addr, r->prefix))
			return r->action;
	}
	return a->has_allow ? ACL_DENY : ACL_ALLOW;
}
