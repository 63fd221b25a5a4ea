/*
 * One control request over a blocking Unix socket with time-outs: there is
 * nothing else for tsync to do while it waits, so no event loop is needed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"
#include "print.h"

static int connect_to(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_CLIENT_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "cannot connect to %s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(why, whylen, "cannot connect to %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Read until the framing has a verdict, *len bytes. Returns the verdict;
 * errno is set when a read failed, 0 at end-of-file. */
static enum ctl_frame read_reply(int fd, uint8_t *buf, size_t cap, size_t max_payload,
				 struct ctl_header *h, enum ctl_code *code, size_t *len_out)
{
	size_t len = 0;
	enum ctl_frame f;

	while ((f = ctl_frame_check(buf, len, true, max_payload, h, code)) == CTL_FRAME_MORE) {
		ssize_t n = recv(fd, buf + len, cap - len, 0);

		*len_out = len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return CTL_FRAME_MORE;
		}
		len += (size_t)n;
	}
	*len_out = len;
	return f;
}

static int take_reply(const char *path, uint8_t command, const uint8_t *buf,
		      const struct ctl_header *h, uint8_t *payload, char *why, size_t whylen)
{
	if (h->command != command) {
		snprintf(why, whylen, "%s: reply to command %u, not %u", path, h->command, command);
		return -1;
	}
	if (h->code != CTL_OK) {
		snprintf(why, whylen, "tsyncd refused the %s request: %s",
			 ctl_command_name(command), ctl_code_name(h->code));
		return -1;
	}
	memcpy(payload, buf + CTL_HDR_LEN, h->length);
	return (int)h->length;
}

int ctl_client_request(const char *path, uint8_t command, uint8_t *payload, size_t cap,
		       char *why, size_t whylen)
{
	return ctl_client_send(path, command, NULL, 0, payload, cap, why, whylen);
}

int ctl_client_send(const char *path, uint8_t command, const uint8_t *args, size_t args_len,
		    uint8_t *payload, size_t cap, char *why, size_t whylen)
{
	static uint8_t buf[CTL_REPLY_MAX];
	uint8_t req[CTL_REQUEST_MAX];
	struct ctl_header h;
	enum ctl_code code;
	enum ctl_frame f;
	size_t len = 0;
	int fd = connect_to(path, why, whylen);

	if (fd < 0)
		return -1;
	if (args_len > CTL_REQUEST_PAYLOAD_MAX) {
		snprintf(why, whylen, "%s: arguments too long", path);
		close(fd);
		return -1;
	}
	ctl_request_header(command, (uint32_t)args_len, req);
	if (args_len > 0)
		memcpy(req + CTL_HDR_LEN, args, args_len);
	if (!send_all(fd, req, CTL_HDR_LEN + args_len)) {
		snprintf(why, whylen, "cannot send to %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	f = read_reply(fd, buf, sizeof(buf), cap < CTL_REPLY_PAYLOAD_MAX ? cap : CTL_REPLY_PAYLOAD_MAX,
		       &h, &code, &len);
	close(fd);
	if (f == CTL_FRAME_COMPLETE)
		return take_reply(path, command, buf, &h, payload, why, whylen);
	if (f == CTL_FRAME_ERROR)
		snprintf(why, whylen, "%s: malformed reply: %s", path, ctl_code_name(code));
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		snprintf(why, whylen, "%s: no reply within %d s", path, CTL_CLIENT_TIMEOUT_S);
	else if (errno != 0)
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
	else if (len > 0)
		snprintf(why, whylen, "%s: reply cut short after %zu bytes", path, len);
	else
		snprintf(why, whylen, "%s: tsyncd closed the connection without a reply "
			 "(too many clients?)", path);
	return -1;
}

int ctl_client_call(const char *path, uint8_t command, uint8_t *payload, size_t cap)
{
	char why[CTL_CLIENT_WHY_MAX];
	int n = ctl_client_request(path, command, payload, cap, why, sizeof(why));

	if (n < 0)
		print_err("tsync", "%s", why);
	return n;
}
