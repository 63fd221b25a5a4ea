/*
 * Splitting a command-line server argument into host and port. Pure string
 * work: the host is copied out unresolved, brackets removed, so that an
 * IPv6 literal can carry a port ("[::1]:123") without being misread.
 */
#include "tsync/hostport.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Parse a decimal port of 1..65535 from s[0..len). No sign, no spaces:
 * strtoul would accept both, and "12x" or "-1" must be refused. */
static int parse_port(const char *s, size_t len, uint16_t *port)
{
	if (len == 0 || len > 5)
		return -EINVAL;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > UINT16_MAX)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Copy s[0..len) into host as a C string, refusing an empty host and
 * one that would not fit (silent truncation would query the wrong name). */
static int copy_host(const char *s, size_t len, char *host, size_t hostlen)
{
	if (len == 0 || len >= hostlen)
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	return 0;
}

/* "[addr]" or "[addr]:port". */
static int split_bracketed(const char *arg, uint16_t default_port, char *host,
			   size_t hostlen, uint16_t *port)
{
	const char *close = strchr(arg, ']');
	if (close == NULL || memchr(arg + 1, '[', (size_t)(close - arg - 1)) != NULL)
		return -EINVAL;
	uint16_t p = default_port;
	if (close[1] != '\0') {
		if (close[1] != ':' || parse_port(close + 2, strlen(close + 2), &p) != 0)
			return -EINVAL;
	}
	int err = copy_host(arg + 1, (size_t)(close - arg - 1), host, hostlen);
	if (err == 0)
		*port = p;
	return err;
}

/* "host", "host:port", or a bare IPv6 address (two or more colons), which
 * cannot carry a port without brackets. */
static int split_plain(const char *arg, uint16_t default_port, char *host, size_t hostlen,
		       uint16_t *port)
{
	if (strchr(arg, ']') != NULL)
		return -EINVAL;
	const char *colon = strchr(arg, ':');
	bool one_colon = colon != NULL && strchr(colon + 1, ':') == NULL;
	size_t host_len = one_colon ? (size_t)(colon - arg) : strlen(arg);
	uint16_t p = default_port;
	if (one_colon && parse_port(colon + 1, strlen(colon + 1), &p) != 0)
		return -EINVAL;
	int err = copy_host(arg, host_len, host, hostlen);
	if (err == 0)
		*port = p;
	return err;
}

int hostport_split(const char *arg, uint16_t default_port, char *host, size_t hostlen,
		   uint16_t *port)
{
	if (arg == NULL || arg[0] == '\0' || host == NULL || port == NULL)
		return -EINVAL;
	if (arg[0] == '[')
		return split_bracketed(arg, default_port, host, hostlen, port);
	return split_plain(arg, default_port, host, hostlen, port);
}
