/*
 * Judging an HTTP/1.x request head for the metrics endpoint: the request
 * line is checked as soon as it is whole, the headers only for their size
 * and their end. Nothing from the client is echoed back.
 */
#include "tsync/http_req.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define METRICS_PATH "/metrics"

static struct http_req verdict(enum http_verdict v)
{
	return (struct http_req){ .verdict = v };
}

/* RFC 9110 token characters, as a method is made of. */
static bool token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool path_ok(const char *p, size_t n)
{
	size_t m = strlen(METRICS_PATH);

	return n >= m && memcmp(p, METRICS_PATH, m) == 0 && (n == m || p[m] == '?');
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	}
	return true;
}

/* "METHOD SP TARGET SP HTTP/1.x", line[0..n) without its CR LF. */
static struct http_req request_line(const char *line, size_t n)
{
	const char *sp1 = memchr(line, ' ', n), *sp2;
	size_t mlen, tlen, vlen;

	if (sp1 == NULL || sp1 == line)
		return verdict(HTTP_BAD);
	mlen = (size_t)(sp1 - line);
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	if (sp2 == NULL)
		return verdict(HTTP_BAD);
	tlen = (size_t)(sp2 - sp1 - 1);
	vlen = n - mlen - tlen - 2;
	for (size_t i = 0; i < mlen; i++) {
		if (!token_char(line[i]))
			return verdict(HTTP_BAD);
	}
	if (tlen == 0 || !printable(sp1 + 1, tlen) || vlen != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 ||
	    sp2[6] < '0' || sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9')
		return verdict(HTTP_BAD);
	if (sp2[6] != '1' || (sp2[8] != '0' && sp2[8] != '1'))
		return verdict(HTTP_VERSION);
	bool head = mlen == 4 && memcmp(line, "HEAD", 4) == 0;
	if (!head && !(mlen == 3 && memcmp(line, "GET", 3) == 0))
		return verdict(HTTP_METHOD);
	struct http_req r = verdict(path_ok(sp1 + 1, tlen) ? HTTP_OK : HTTP_NOT_FOUND);
	r.head = head;
	return r;
}

/* The end of the head: an empty line (CR LF CR LF, or bare LFs, which
 * RFC 9112 lets a server accept). */
static bool head_complete(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && (buf[i + 1] == '\n' ||
				       (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')))
			return true;
	}
	return false;
}

struct http_req http_req_judge(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	struct http_req r;

	if (memchr(buf, '\0', len) != NULL)
		return verdict(HTTP_BAD);
	if (nl == NULL)
		return verdict(len >= HTTP_REQ_MAX ? HTTP_TOO_LARGE : HTTP_MORE);
	size_t n = (size_t)(nl - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	r = request_line(buf, n);
	if (r.verdict != HTTP_OK && r.verdict != HTTP_NOT_FOUND)
		return r;
	if (head_complete(buf, len))
		return r;
	return verdict(len >= HTTP_REQ_MAX ? HTTP_TOO_LARGE : HTTP_MORE);
}

static const char *reason(enum http_verdict v)
{
	switch (v) {
	case HTTP_OK: return "OK";
	case HTTP_BAD: return "Bad Request";
	case HTTP_NOT_FOUND: return "Not Found";
	case HTTP_METHOD: return "Method Not Allowed";
	case HTTP_TOO_LARGE: return "Request Header Fields Too Large";
	case HTTP_VERSION: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

const char *http_error_body(enum http_verdict v)
{
	switch (v) {
	case HTTP_BAD: return "400 bad request\n";
	case HTTP_NOT_FOUND: return "404 not found: the metrics are at /metrics\n";
	case HTTP_METHOD: return "405 method not allowed: GET or HEAD\n";
	case HTTP_TOO_LARGE: return "431 request header fields too large\n";
	case HTTP_VERSION: return "505 HTTP version not supported: HTTP/1.0 or 1.1\n";
	default: return "500 internal server error\n";
	}
}

int http_response_head(enum http_verdict v, size_t body_len, char *out, size_t cap)
{
	int n = snprintf(out, cap,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			 "Connection: close\r\n\r\n", (int)v, reason(v),
			 v == HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
				      : "text/plain; charset=utf-8",
			 body_len, v == HTTP_METHOD ? "Allow: GET, HEAD\r\n" : "");
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}
