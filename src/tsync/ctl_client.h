/*
 * tsync's side of the control socket: one request to a running tsyncd,
 * its reply checked, and the commands that use it (status.c).
 */
#ifndef TSYNC_CTL_CLIENT_H
#define TSYNC_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "tsync/ctl_proto.h"

/* Seconds to wait for the daemon to take the request and answer it. */
#define CTL_CLIENT_TIMEOUT_S 5

/* Send command (no payload) to the tsyncd listening on path and read its
 * reply's payload into payload[0..cap). Returns the payload's length, or
 * -1 having printed why to stderr. */
int ctl_client_call(const char *path, uint8_t command, uint8_t *payload, size_t cap);

/* The same, silent: on failure (-1) the reason is in why, for a caller
 * that retries and says it once (`tsync waitsync`). */
#define CTL_CLIENT_WHY_MAX 256
int ctl_client_request(const char *path, uint8_t command, uint8_t *payload, size_t cap,
		       char *why, size_t whylen);

/* The same with the request's arguments (args_len bytes, at most
 * CTL_REQUEST_PAYLOAD_MAX). */
int ctl_client_send(const char *path, uint8_t command, const uint8_t *args, size_t args_len,
		    uint8_t *payload, size_t cap, char *why, size_t whylen);

/* `tsync stats` (stats.c) and the commands that change tsyncd's course:
 * makestep, burst, online, offline (control.c). Return the exit status. */
int stats_main(int argc, char **argv, const char *socket);
int control_main(int argc, char **argv, const char *socket);

/* `tsync waitsync`: argv[0] is the command. Returns the exit status. */
int waitsync_main(int argc, char **argv, const char *socket);

/* `tsync status`, `tsync sources` and `tsync berkeley`: argv[0] is the command; socket is
 * the path given before it (or the default). Returns the exit status. */
int status_main(int argc, char **argv, const char *socket);

#endif
