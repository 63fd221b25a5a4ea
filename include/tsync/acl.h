/*
 * allow/deny rules for the NTP server: address prefixes of IPv4 and IPv6,
 * the most specific matching prefix decides. Pure: addresses are byte
 * strings (4 or 16 bytes, network order) and no socket type appears.
 */
#ifndef TSYNC_ACL_H
#define TSYNC_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACL_MAX_RULES 64

enum acl_action {
	ACL_ALLOW = 0,
	ACL_DENY,     /* no answer at all */
	ACL_DENY_KOD, /* a KoD DENY to valid client requests */
};

struct acl_rule {
	uint8_t len;      /* 4 (IPv4), 16 (IPv6), or 0: "all", both families */
	uint8_t prefix;   /* bits, 0..8 * len */
	uint8_t action;   /* enum acl_action */
	uint8_t addr[16]; /* network order; bits past prefix are 0 */
	unsigned long line; /* where it was given, for messages */
};

/* The rules, most specific first. With no allow rule, what no rule matches
 * is allowed; once an allow rule is given, it is denied. */
struct acl {
	struct acl_rule rule[ACL_MAX_RULES];
	int n;
	bool has_allow;
};

/* IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4: point *addr and *len at the
 * last 4 bytes. Other addresses are left as they are. */
void acl_unmap(const uint8_t **addr, size_t *len);

/* Add a rule (a mapped IPv6 prefix of 96 bits or more becomes IPv4).
 * Returns 0; -EINVAL when bits past the prefix are set or the prefix is
 * longer than the address; -EEXIST when the same prefix is already there
 * (*clash names it); -ENOSPC when the list is full. */
int acl_add(struct acl *a, const struct acl_rule *r, const struct acl_rule **clash);

/* What to do with a datagram from addr[0..len) (4 or 16 bytes, mapped
 * IPv6 read as IPv4): an enum acl_action. */
int acl_check(const struct acl *a, const uint8_t *addr, size_t len);

#endif
