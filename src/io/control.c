/*
 * The control socket on libuv: accept, read one bounded request, let the
 * pure framing judge it, answer through the command table, close. Every
 * connection has a deadline, and when every slot is taken a new one evicts
 * the oldest, so silent clients cannot lock others out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tsync/ctl_evict.h"
#include "tsync/fsperm.h"

#include "control.h"
#include "fileio.h"
#include "log.h"

#define CONTROL_BACKLOG 128

struct control_conn {
	struct control *ctl;
	uv_pipe_t pipe;
	uv_timer_t timer;
	int handles;   /* open handles; the struct is freed when none is left */
	bool timed;    /* the timer was started (a connection in service) */
	bool closing;
	int slot;      /* index in ctl->conns; -1 when not counted there */
	uint64_t serial; /* order of acceptance: the lowest is the oldest */
	uid_t uid;       /* the client's user, from SO_PEERCRED */
	bool admin;      /* may run the commands that change things */
	size_t in_len;
	uint8_t in[CTL_REQUEST_MAX];
	uint8_t out[CTL_REPLY_MAX];
};

static void on_conn_closed(uv_handle_t *h)
{
	struct control_conn *conn = h->data;

	if (--conn->handles == 0)
		free(conn);
}

static void conn_close(struct control_conn *conn)
{
	struct control *c = conn->ctl;

	if (conn->closing)
		return;
	conn->closing = true;
	if (conn->slot >= 0) {
		c->conns[conn->slot] = NULL;
		c->n_conns--;
		conn->slot = -1;
	}
	conn->handles = conn->timed ? 2 : 1;
	uv_close((uv_handle_t *)&conn->pipe, on_conn_closed);
	if (conn->timed)
		uv_close((uv_handle_t *)&conn->timer, on_conn_closed);
}

/* A reply is at most CTL_REPLY_MAX bytes, the first and only thing sent on
 * the connection: it fits the empty socket buffer, so it is sent at once
 * and the connection closed, with no write left pending. MSG_NOSIGNAL: a
 * client gone before its reply is an EPIPE to count, never a SIGPIPE. */
static void send_reply(struct control_conn *conn, uint8_t command, enum ctl_code code,
		       size_t payload_len)
{
	struct control_stats *st = &conn->ctl->stats;
	size_t len = CTL_HDR_LEN + payload_len;
	uv_os_fd_t fd;
	ssize_t n = -1;

	if (code == CTL_OK)
		st->replied++;
	else
		st->error[code]++;
	ctl_reply_header(command, code, (uint32_t)payload_len, conn->out);
	errno = EBADF;
	if (uv_fileno((const uv_handle_t *)&conn->pipe, &fd) == 0) {
		do
			n = send(fd, conn->out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		st->gone++;
	} else if (n != (ssize_t)len) {
		st->io_error++;
		log_debug("control: cannot send a reply: %s", n < 0 ? strerror(errno) : "short");
	}
	conn_close(conn);
}

static void dispatch(struct control_conn *conn, const struct ctl_header *h)
{
	struct control *c = conn->ctl;
	uint8_t *reply = conn->out + CTL_HDR_LEN;
	int n;

	if (h->command > CTL_CMD_MAX || c->handlers[h->command].fn == NULL) {
		log_debug("control: unknown command %u", h->command);
		send_reply(conn, h->command, CTL_ERR_COMMAND, 0);
		return;
	}
	if (c->handlers[h->command].admin && !conn->admin) {
		log_info("control: %s refused to uid %u: not root nor the controlgroup",
			 ctl_command_name(h->command), (unsigned)conn->uid);
		send_reply(conn, h->command, CTL_ERR_DENIED, 0);
		return;
	}
	n = c->handlers[h->command].fn(c->handlers[h->command].ctx, conn->in + CTL_HDR_LEN,
				       h->length, reply, CTL_REPLY_PAYLOAD_MAX);
	if (n < 0) {
		enum ctl_code code = -n < CTL_N_CODES ? (enum ctl_code)-n : CTL_ERR_INTERNAL;
		send_reply(conn, h->command, code == CTL_OK ? CTL_ERR_INTERNAL : code, 0);
		return;
	}
	/* A handler that wrote past its buffer has a bug; say so, do not send. */
	if (n > CTL_REPLY_PAYLOAD_MAX)
		send_reply(conn, h->command, CTL_ERR_INTERNAL, 0);
	else
		send_reply(conn, h->command, CTL_OK, (size_t)n);
}

static void judge(struct control_conn *conn)
{
	struct ctl_header h = { 0 };
	enum ctl_code code;

	switch (ctl_frame_check(conn->in, conn->in_len, false, CTL_REQUEST_PAYLOAD_MAX, &h, &code)) {
	case CTL_FRAME_MORE:
		return;
	case CTL_FRAME_ERROR:
		log_debug("control: refused a request: %s", ctl_code_name(code));
		send_reply(conn, h.command, code, 0);
		return;
	case CTL_FRAME_COMPLETE:
		dispatch(conn, &h);
		return;
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct control_conn *conn = h->data;

	/* The framing decides before the buffer is full: a header announcing
	 * more than fits is refused as soon as it is whole. */
	*buf = uv_buf_init((char *)conn->in + conn->in_len,
			   (unsigned)(sizeof(conn->in) - conn->in_len));
}

/* nread bytes more of the request (or a negative errno, UV_EOF at the
 * end): judge what has come; the connection may be closed on return. */
static void take_bytes(struct control_conn *conn, ssize_t nread)
{
	struct control_stats *st = &conn->ctl->stats;

	if (nread < 0) {
		if (nread != UV_EOF)
			st->io_error++;
		else if (conn->in_len > 0)
			st->truncated++;
		conn_close(conn);
		return;
	}
	conn->in_len += (size_t)nread;
	judge(conn);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	if (nread != 0)
		take_bytes(s->data, nread);
}

static void on_deadline(uv_timer_t *t)
{
	struct control_conn *conn = t->data;

	conn->ctl->stats.timeout++;
	log_debug("control: dropped a client that sent %zu bytes in %d ms", conn->in_len,
		  CONTROL_DEADLINE_MS);
	conn_close(conn);
}

static int free_slot(const struct control *c)
{
	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		if (c->conns[i] == NULL)
			return i;
	}
	return -1;
}

/* Whatever conn's client has sent already, read now without waiting: a
 * whole request is answered, an end-of-file counted. Returns whether that
 * closed it. */
static bool read_now(struct control_conn *conn)
{
	uv_os_fd_t fd;
	ssize_t n;

	if (conn->in_len == sizeof(conn->in) || uv_fileno((const uv_handle_t *)&conn->pipe, &fd) < 0)
		return false;
	do
		n = recv(fd, conn->in + conn->in_len, sizeof(conn->in) - conn->in_len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	take_bytes(conn, n > 0 ? n : n == 0 ? UV_EOF : -errno);
	return conn->closing;
}

/* Unknown (the call failed) counts as one user: (uid_t)-1. */
static uid_t peer_uid(const uv_pipe_t *pipe)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;

	if (uv_fileno((const uv_handle_t *)pipe, &fd) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return (uid_t)-1;
	return cred.uid;
}

/* Root, our own user, or a member of the controlgroup (its primary or a
 * supplementary group, as the kernel saw them at connect). */
static bool peer_admin(const struct control *c, const uv_pipe_t *pipe, uid_t uid)
{
	gid_t groups[CTL_AUTH_GROUPS_MAX + 1];
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;
	int n = 0;

	if (uv_fileno((const uv_handle_t *)pipe, &fd) < 0)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		groups[n++] = cred.gid;
	len = (socklen_t)(sizeof(groups) - sizeof(groups[0]));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups + n, &len) == 0)
		n += (int)(len / sizeof(groups[0]));
	return ctl_auth_admin(uid, groups, n, c->owner, geteuid(), c->admin_gid);
}

/* The oldest connection of the user who holds the most: a user who fills
 * the slots evicts only their own, never another's one connection. */
static struct control_conn *victim(const struct control *c)
{
	struct ctl_evict_conn e[CONTROL_MAX_CONNS];

	for (int i = 0; i < CONTROL_MAX_CONNS; i++)
		e[i] = (struct ctl_evict_conn){ .uid = c->conns[i]->uid,
						.serial = c->conns[i]->serial };
	return c->conns[ctl_evict_pick(e, CONTROL_MAX_CONNS)];
}

/* Every slot is taken: free the victim's. Its client may have sent its
 * request already, in the same burst (libuv accepts the whole backlog
 * before it reads): then it is answered, else it is evicted. The slot
 * freed is returned. */
static int make_room(struct control *c)
{
	struct control_conn *old = victim(c);
	int slot = old->slot;

	if (read_now(old))
		return slot;
	c->stats.evicted++;
	log_debug("control: evicted the oldest connection of uid %u, after %zu bytes",
		  (unsigned)old->uid, old->in_len);
	conn_close(old);
	return slot;
}

/* Take the connection off the backlog into service, making room for it
 * when every slot is taken. */
static void on_connection(uv_stream_t *server, int status)
{
	struct control *c = server->data;
	struct control_conn *conn;

	if (status < 0) {
		log_warn("control: cannot accept: %s", uv_strerror(status));
		return;
	}
	conn = calloc(1, sizeof(*conn));
	if (conn == NULL) {
		/* Without memory there is no handle to accept into: libuv then
		 * accepts no more until a later connection is taken. */
		c->stats.io_error++;
		return;
	}
	conn->ctl = c;
	conn->slot = -1;
	uv_pipe_init(c->loop, &conn->pipe, 0);
	conn->pipe.data = conn;
	status = uv_accept(server, (uv_stream_t *)&conn->pipe);
	if (status < 0) {
		c->stats.io_error++;
		conn_close(conn);
		return;
	}
	conn->uid = peer_uid(&conn->pipe);
	conn->admin = peer_admin(c, &conn->pipe, conn->uid);
	conn->slot = free_slot(c);
	if (conn->slot < 0)
		conn->slot = make_room(c);
	conn->serial = c->next_serial++;
	c->conns[conn->slot] = conn;
	c->n_conns++;
	c->stats.accepted++;
	conn->timed = true;
	uv_timer_init(c->loop, &conn->timer);
	conn->timer.data = conn;
	uv_timer_start(&conn->timer, on_deadline, CONTROL_DEADLINE_MS, 0);
	uv_read_start((uv_stream_t *)&conn->pipe, on_alloc, on_read);
}

/* The directory that holds path, into dir: "." or "/" when path has no
 * other. */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* Make the socket's directory, one level only: /run/tsyncd, not /run. */
static int make_dir(const char *path)
{
	char dir[sizeof(((struct control *)0)->path)];

	dir_of(path, dir, sizeof(dir));
	if (mkdir(dir, CONTROL_DIR_MODE) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int control_check_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct control *)0)->path)];
	uid_t user = fileio_trusted_user();
	struct stat st;

	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "control socket directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	switch (fsperm_check_dir(st.st_mode, st.st_uid, geteuid(), user)) {
	case FSPERM_OK:
		return 0;
	case FSPERM_OWNER:
		snprintf(err, errlen, "control socket directory %s: owned by uid %u, neither root nor "
			 "tsyncd's uid %u; refused", dir, (unsigned)st.st_uid,
			 (unsigned)(user != FSPERM_NO_USER ? user : geteuid()));
		return -EACCES;
	case FSPERM_WRITABLE:
		snprintf(err, errlen, "control socket directory %s: writable by %s (mode %04o); "
			 "refused (chmod go-w it)", dir, st.st_mode & S_IWOTH ? "others" : "its group",
			 (unsigned)(st.st_mode & 07777));
		return -EACCES;
	default:
		snprintf(err, errlen, "control socket directory %s: %s, not a directory", dir,
			 fsperm_type_name(st.st_mode));
		return -ENOTDIR;
	}
}

/* A socket file left by a daemon that died is removed; one a daemon still
 * answers on, or a file that is not a socket, is left alone. The probe does
 * not block: a live daemon with a full backlog answers EAGAIN. */
static int remove_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, path);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? -EADDRINUSE : -errno;
	close(fd);
	if (rc == -EAGAIN)
		rc = -EADDRINUSE;
	if (rc != -ECONNREFUSED)
		return rc;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* Bound with its final mode: bind gives the new file the socket's mode
 * (0777) less the umask, so there is no moment when others could connect,
 * and no chmod by a path that might by then lead elsewhere. */
static int bind_socket(struct control *c, const char *path)
{
	mode_t old = umask(0777 & ~CONTROL_SOCKET_MODE);
	int err = uv_pipe_bind(&c->pipe, path);

	umask(old);
	if (err < 0)
		return err;
	return uv_listen((uv_stream_t *)&c->pipe, CONTROL_BACKLOG, on_connection);
}

static int handle_status(void *ctx, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
	struct control *c = ctx;
	struct ctl_status st = { .selection = CTL_SEL_NONE };
	int n;

	if (len != 0)
		return -CTL_ERR_PAYLOAD;
	c->ops.status(c->ops_ctx, &st);
	n = ctl_status_encode(&st, out, cap);
	return n < 0 ? -CTL_ERR_INTERNAL : n;
}

static int handle_sources(void *ctx, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
	struct control *c = ctx;
	struct ctl_source src[CTL_SOURCES_MAX];
	int n;

	if (len != 0)
		return -CTL_ERR_PAYLOAD;
	memset(src, 0, sizeof(src));
	n = c->ops.sources(c->ops_ctx, src, CTL_SOURCES_MAX);
	if (n < 0 || n > CTL_SOURCES_MAX)
		return -CTL_ERR_INTERNAL;
	n = ctl_sources_encode(src, n, out, cap);
	return n < 0 ? -CTL_ERR_INTERNAL : n;
}

int control_register(struct control *c, uint8_t command, control_handler fn, void *ctx)
{
	if (command == 0 || command > CTL_CMD_MAX || fn == NULL)
		return -EINVAL;
	if (c->handlers[command].fn != NULL)
		return -EEXIST;
	c->handlers[command].fn = fn;
	c->handlers[command].ctx = ctx;
	return 0;
}

int control_register_admin(struct control *c, uint8_t command, control_handler fn, void *ctx)
{
	int err = control_register(c, command, fn, ctx);

	if (err == 0)
		c->handlers[command].admin = true;
	return err;
}

void control_set_admin_group(struct control *c, gid_t gid)
{
	c->admin_gid = gid;
}

int control_start(struct control *c, uv_loop_t *loop, const char *path,
		  const struct control_ops *ops, void *ctx)
{
	char why[256];
	int err;

	*c = (struct control){ .loop = loop, .ops = *ops, .ops_ctx = ctx, .owner = geteuid(),
			       .admin_gid = CTL_AUTH_NO_GROUP };
	if (strlen(path) >= sizeof(c->path))
		return -ENAMETOOLONG;
	strcpy(c->path, path);
	control_register(c, CTL_CMD_STATUS, handle_status, c);
	control_register(c, CTL_CMD_SOURCES, handle_sources, c);
	if ((err = make_dir(path)) < 0)
		return err;
	if ((err = control_check_dir(path, why, sizeof(why))) < 0) {
		log_error("%s", why);
		return err;
	}
	if ((err = remove_stale(path)) < 0)
		return err;
	uv_pipe_init(loop, &c->pipe, 0);
	c->pipe.data = c;
	c->open = true;
	return bind_socket(c, path);
}

void control_stop(struct control *c)
{
	for (int i = 0; i < CONTROL_MAX_CONNS; i++) {
		if (c->conns[i] != NULL)
			conn_close(c->conns[i]);
	}
	/* libuv removes the socket's file as it closes a bound pipe. */
	if (c->open)
		uv_close((uv_handle_t *)&c->pipe, NULL);
	c->open = false;
}

const struct control_stats *control_stats(const struct control *c)
{
	return &c->stats;
}

