/*
 * tsync's JSON writer: one document written to a FILE as it is built,
 * in the forms of tsync(1)'s JSON OUTPUT (tests/schema/tsync.schema.json):
 * seconds with nine decimals, ISO 8601 UTC times, refids and leap
 * indicators as strings, null for none.
 */
#ifndef TSYNC_JSON_H
#define TSYNC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
	FILE *f;
	int depth;
	bool more[JSON_DEPTH_MAX]; /* the container at this depth has a member */
	char close[JSON_DEPTH_MAX];
};

/* The document is one object; json_end of it adds a newline. */
void json_begin(struct json *j, FILE *f);
void json_end(struct json *j);

/* Members: key is the name in an object, NULL for an array's element. */
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_string(struct json *j, const char *key, const char *s); /* NULL: null */
void json_null(struct json *j, const char *key);
void json_bool(struct json *j, const char *key, bool v);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
/* An id where 0 means none (a key): null for 0. */
void json_id_or_null(struct json *j, const char *key, uint64_t id);
/* A finite double as the shortest exact form (frequencies in ppm). */
void json_double(struct json *j, const char *key, double v);
/* Nanoseconds as seconds: -0.000000007. */
void json_secs(struct json *j, const char *key, int64_t ns);
/* Unix ns as "2026-12-04T18:00:00.123456789Z"; with never, 0 is null. */
void json_time(struct json *j, const char *key, int64_t unix_ns, bool never);
/* A reference id as ntp_refid_format prints it for this stratum; 0 is null. */
void json_refid(struct json *j, const char *key, uint32_t refid, uint8_t stratum);
/* "none", "insert", "delete" or "unsynchronised". */
void json_leap(struct json *j, const char *key, uint8_t leap);

/* s as a JSON string, quotes included: '"', '\' and control characters
 * escaped, bytes that are not UTF-8 replaced by U+FFFD, so that any
 * input (a host name, a path) gives valid JSON. */
void json_quote(FILE *f, const char *s);

#endif
