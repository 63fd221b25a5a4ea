/*
 * The little HTTP/1.x the metrics endpoint speaks: a request judged from
 * the bytes received so far (GET or HEAD of /metrics, or why not), and the
 * head of the one response sent before the connection is closed. Pure.
 */
#ifndef TSYNC_HTTP_REQ_H
#define TSYNC_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>

/* A request's line and headers may take this many bytes, no more. */
#define HTTP_REQ_MAX 4096

enum http_verdict {
	HTTP_MORE = 0,       /* not a whole head yet, nothing wrong so far */
	HTTP_OK = 200,       /* GET /metrics: the exposition */
	HTTP_BAD = 400,      /* not HTTP: a malformed line, a NUL, no version */
	HTTP_NOT_FOUND = 404, /* another path */
	HTTP_METHOD = 405,   /* a method other than GET and HEAD */
	HTTP_TOO_LARGE = 431, /* the head passed HTTP_REQ_MAX */
	HTTP_VERSION = 505,  /* HTTP, but not 1.0 or 1.1 */
};

struct http_req {
	enum http_verdict verdict;
	bool head; /* HEAD: the response's head only */
};

/* Judge buf[0..len), all that the client sent so far. A verdict other
 * than HTTP_MORE is final: answer it and close. Garbage is refused as
 * soon as its first line shows it, not when the head is full. */
struct http_req http_req_judge(const char *buf, size_t len);

/* The response's head for verdict with a body of body_len bytes; the
 * body of an error is its reason line (http_error_body). Returns the
 * head's length, or -ENOSPC. */
int http_response_head(enum http_verdict v, size_t body_len, char *out, size_t cap);
const char *http_error_body(enum http_verdict v);

#endif
