/*
 * tsyncd's control socket: a Unix stream socket on the loop where each
 * connection brings one request and takes one reply (tsync/ctl_proto.h).
 * The daemon supplies the answers; every refusal is counted.
 */
#ifndef TSYNC_CONTROL_H
#define TSYNC_CONTROL_H

#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "tsync/ctl_proto.h"

/* Connections in service; one more evicts the oldest (control.c). */
#define CONTROL_MAX_CONNS 16
/* A connection has this long, from accept to reply, before it is dropped. */
#define CONTROL_DEADLINE_MS 3000
#define CONTROL_SOCKET_MODE 0660
#define CONTROL_DIR_MODE 0755

/* The daemon's answers to the built-in commands. */
struct control_ops {
	void (*status)(void *ctx, struct ctl_status *st);
	/* Fill at most max sources; return how many. */
	int (*sources)(void *ctx, struct ctl_source *out, int max);
};

/* A command: the request's payload in, the reply's payload out (at most
 * cap bytes). Returns the reply's length, or minus an enum ctl_code. */
typedef int (*control_handler)(void *ctx, const uint8_t *req, size_t req_len,
			       uint8_t *reply, size_t cap);

struct control_stats {
	uint64_t accepted;  /* connections taken into service */
	uint64_t evicted;   /* closed without a whole request to make room for a
			     * new one: the oldest of CONTROL_MAX_CONNS */
	uint64_t replied;   /* requests answered CTL_OK */
	uint64_t error[CTL_N_CODES]; /* requests answered with this error */
	uint64_t timeout;   /* no whole request, or reply not sent, in time */
	uint64_t truncated; /* the client hung up in the middle of a request */
	uint64_t gone;      /* the client hung up before its reply was sent */
	uint64_t io_error;  /* a read or write failed */
};

struct control_conn;

struct control {
	uv_loop_t *loop;
	uv_pipe_t pipe;
	bool open; /* pipe initialised, not yet closed */
	struct control_ops ops;
	void *ops_ctx;
	struct {
		control_handler fn;
		void *ctx;
		bool admin; /* root, our user and the controlgroup only */
	} handlers[CTL_CMD_MAX + 1];
	struct control_conn *conns[CONTROL_MAX_CONNS];
	int n_conns;
	uint64_t next_serial;
	struct control_stats stats;
	char path[108]; /* sizeof(sockaddr_un.sun_path) */
	uid_t owner;    /* our euid when the socket was made: its owner */
	gid_t admin_gid; /* the controlgroup; CTL_AUTH_NO_GROUP: none */
};

/* Listen on path (mode 0660; its directory is made if missing, and must
 * pass control_check_dir; a stale socket is replaced, a live one or any
 * other file is not). Returns 0 or a negative errno (a directory refused
 * is logged); either way control_stop closes what was opened. */
int control_start(struct control *c, uv_loop_t *loop, const char *path,
		  const struct control_ops *ops, void *ctx);
/* Whether the directory that would hold the socket path may: a directory
 * owned by root, tsyncd's euid or its `user` (fileio_trust_user), that
 * neither its group nor others may write (tsync/fsperm.h). Returns 0, or a
 * negative errno with a one-line message naming the directory in err. */
int control_check_dir(const char *path, char *err, size_t errlen);
/* Answer command with fn from now on: -EINVAL for a number out of
 * 1..CTL_CMD_MAX, -EEXIST if it has a handler already. */
int control_register(struct control *c, uint8_t command, control_handler fn, void *ctx);
/* The same for a command that changes the daemon's course: answered
 * only to root, the socket's owner, our euid and admin_gid's members
 * (control_set_admin_group), else CTL_ERR_DENIED. */
int control_register_admin(struct control *c, uint8_t command, control_handler fn, void *ctx);
void control_set_admin_group(struct control *c, gid_t gid);
/* Close the socket (removing its file) and every connection. */
void control_stop(struct control *c);
const struct control_stats *control_stats(const struct control *c);

#endif
