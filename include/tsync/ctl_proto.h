/*
 * The control protocol between tsyncd and tsync, over a Unix stream
 * socket: one request, one reply, each a fixed big-endian header and a
 * payload whose every field has a fixed width. Pure: bytes in, structs out.
 */
#ifndef TSYNC_CTL_PROTO_H
#define TSYNC_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/counters.h"

#define CTL_DEFAULT_SOCKET "/run/tsyncd/tsyncd.sock"

/* Header: magic u32, version u8, command u8, flags u8, code u8, length u32. */
#define CTL_MAGIC 0x54535943u /* "TSYC" */
#define CTL_VERSION 1
#define CTL_HDR_LEN 12
#define CTL_FLAG_REPLY 0x01
/* A request is a header and at most this much payload; no command takes
 * more than a few bytes of arguments. */
#define CTL_REQUEST_PAYLOAD_MAX 244
#define CTL_REQUEST_MAX (CTL_HDR_LEN + CTL_REQUEST_PAYLOAD_MAX)

/* Strings are a u8 length and that many printable ASCII bytes. */
#define CTL_STR_MAX 63
#define CTL_SOURCES_MAX 64

#define CTL_STATUS_WIRE_MAX (51 + 2 * (1 + CTL_STR_MAX))
#define CTL_SOURCE_WIRE_MAX (1 + CTL_STR_MAX + 8 + 3 * 8 + 4 + 8)
#define CTL_SOURCES_WIRE_MAX (2 + CTL_SOURCES_MAX * CTL_SOURCE_WIRE_MAX)
/* The largest reply of any command: BERKELEY's for a full group (216 +
 * 512 x 60 bytes, tsync/brk_status.h), which brk_status.c checks at
 * compile time. A connection holds one reply buffer while it lives. */
#define CTL_REPLY_PAYLOAD_MAX 32768
#define CTL_REPLY_MAX (CTL_HDR_LEN + CTL_REPLY_PAYLOAD_MAX)

/* Commands 1..CTL_CMD_MAX; a new one is a number here and a handler
 * registered with the daemon's control socket. */
enum ctl_command {
	CTL_CMD_STATUS = 1,
	CTL_CMD_SOURCES = 2,
	CTL_CMD_BERKELEY = 3, /* payload: tsync/brk_status.h's wire form */
	CTL_CMD_STATS = 4,    /* reply: every counter group (ctl_stats_encode) */
	/* Commands that change the daemon's course: root, its own user and
	 * the controlgroup only (CTL_ERR_DENIED). */
	CTL_CMD_MAKESTEP = 5, /* reply: i64 ns stepped (0: nothing to step) */
	CTL_CMD_BURST = 6,    /* reply: u16 sources that burst */
	CTL_CMD_ONLINE = 7,   /* request: a string, a source's address or "all";
				 reply: u16 sources changed */
	CTL_CMD_OFFLINE = 8,  /* the same */
	CTL_CMD_MAX = 31,
};

/* A reply's code; anything but CTL_OK comes with an empty payload. */
enum ctl_code {
	CTL_OK = 0,
	CTL_ERR_MAGIC,    /* not our protocol; the connection is closed */
	CTL_ERR_VERSION,  /* a version we do not speak */
	CTL_ERR_COMMAND,  /* no such command */
	CTL_ERR_LENGTH,   /* payload over the maximum; the connection is closed */
	CTL_ERR_PAYLOAD,  /* the command's arguments are malformed */
	CTL_ERR_FLAGS,    /* a request with the reply flag, or unknown flags */
	CTL_ERR_INTERNAL, /* the daemon could not build the reply */
	CTL_ERR_DENIED,   /* a command that changes things, from another user */
	CTL_ERR_NO_SOURCE, /* no source has that address */
	CTL_ERR_UNAVAILABLE, /* not in this daemon's roles (no client) */
	CTL_N_CODES
};

struct ctl_header {
	uint32_t magic;
	uint8_t version;
	uint8_t command;
	uint8_t flags;
	uint8_t code;
	uint32_t length; /* payload bytes after the header */
};

enum ctl_selection { CTL_SEL_NONE, CTL_SEL_SINGLE, CTL_SEL_MAJORITY, CTL_N_SELECTIONS };

struct ctl_status {
	bool synchronised;
	uint8_t leap;        /* 0..3 */
	uint8_t stratum;
	int8_t poll;         /* log2 s */
	uint32_t refid;
	char reference[CTL_STR_MAX + 1]; /* printable: the source's address */
	int64_t offset_ns;   /* last combined offset */
	double freq_ppm;     /* on the wire as IEEE 754 binary64; finite */
	int64_t root_delay_ns;
	int64_t root_disp_ns;
	int64_t last_update_ns; /* Unix ns; 0: never */
	uint16_t n_sources;
	enum ctl_selection selection;
	char clock[CTL_STR_MAX + 1]; /* the clock backend's name */
};

enum ctl_source_state {
	CTL_SRC_SELECTED,
	CTL_SRC_CANDIDATE,
	CTL_SRC_FALSETICKER,
	CTL_SRC_UNREACHABLE,
	CTL_SRC_NOT_FIT,
	CTL_SRC_STOPPED,
	CTL_SRC_OFFLINE, /* not polled (tsync offline); its samples age */
	CTL_N_SOURCE_STATES
};

struct ctl_source {
	char address[CTL_STR_MAX + 1];
	enum ctl_source_state state;
	uint8_t stratum;
	int8_t poll;
	uint8_t reach;  /* the last 8 polls, newest in bit 0 */
	uint32_t refid;
	int64_t offset_ns;
	int64_t delay_ns;
	int64_t jitter_ns;
	uint32_t key_id;        /* its `key ID`; 0: none */
	uint64_t auth_rejected; /* replies refused for their MAC (no MAC, NAK, wrong key or digest) */
};

/* What the bytes received so far on a connection amount to. */
enum ctl_frame {
	CTL_FRAME_MORE,     /* not a whole message yet */
	CTL_FRAME_COMPLETE, /* a whole message: header + hdr.length bytes */
	CTL_FRAME_ERROR,    /* never one: *code says why */
};

void ctl_header_encode(const struct ctl_header *h, uint8_t out[CTL_HDR_LEN]);
void ctl_header_decode(const uint8_t in[CTL_HDR_LEN], struct ctl_header *h);

/* Judge len bytes read so far as a request (is_reply false) or a reply,
 * whose payload may be at most max_payload bytes. The header is checked
 * as soon as it is whole, before its payload arrives. */
enum ctl_frame ctl_frame_check(const uint8_t *buf, size_t len, bool is_reply,
			       size_t max_payload, struct ctl_header *h, enum ctl_code *code);

/* A request with no payload, in out; returns its length. */
size_t ctl_request_encode(uint8_t command, uint8_t out[CTL_HDR_LEN]);
/* The header of a reply with payload_len bytes after it. */
void ctl_reply_header(uint8_t command, enum ctl_code code, uint32_t payload_len,
		      uint8_t out[CTL_HDR_LEN]);

/* Payloads. Encoders return the length or -ENOSPC (cap too small) or
 * -EINVAL (a field out of range, a string too long or not printable);
 * decoders return 0 or -EBADMSG, and accept exactly one whole payload. */
int ctl_status_encode(const struct ctl_status *st, uint8_t *out, size_t cap);
int ctl_status_decode(const uint8_t *in, size_t len, struct ctl_status *st);
int ctl_sources_encode(const struct ctl_source *src, int n, uint8_t *out, size_t cap);
/* Decodes at most max sources into out; more is -EBADMSG. */
int ctl_sources_decode(const uint8_t *in, size_t len, struct ctl_source *out, int max, int *n);

/* A request with a payload of len bytes: the header into out. */
void ctl_request_header(uint8_t command, uint32_t len, uint8_t out[CTL_HDR_LEN]);

/* STATS: groups of counters, each with its counters' names once and then
 * its instances (a label and one u64 per name):
 *   u8 groups; per group: str name, str label (""), u8 names, names x str,
 *   u16 instances, per instance: str label value, names x u64. */
#define CTL_STATS_GROUPS_MAX 8
#define CTL_STATS_NAMES_MAX 64
#define CTL_STATS_INSTANCES_MAX CTL_SOURCES_MAX

struct ctl_stats_group {
	char name[CTL_STR_MAX + 1];
	char label[CTL_STR_MAX + 1]; /* the instances' label's name; "": one instance */
	int n_names;
	char names[CTL_STATS_NAMES_MAX][CTL_STR_MAX + 1];
	int n_instances;
	char instance[CTL_STATS_INSTANCES_MAX][CTL_STR_MAX + 1];
	uint64_t value[CTL_STATS_INSTANCES_MAX][CTL_STATS_NAMES_MAX];
};

struct ctl_stats {
	int n_groups;
	struct ctl_stats_group group[CTL_STATS_GROUPS_MAX];
};

/* One group's view for the encoder: its table and its instances. */
struct ctl_stats_view {
	const struct ctr_group *group;
	const struct ctr_instance *inst;
	int n_inst;
};

int ctl_stats_encode(const struct ctl_stats_view *views, int n, uint8_t *out, size_t cap);
int ctl_stats_decode(const uint8_t *in, size_t len, struct ctl_stats *st);

/* ONLINE/OFFLINE's argument, a printable string of 1..CTL_STR_MAX bytes. */
int ctl_str_encode(const char *s, uint8_t *out, size_t cap);
int ctl_str_decode(const uint8_t *in, size_t len, char out[CTL_STR_MAX + 1]);
/* MAKESTEP's and BURST's, ONLINE's and OFFLINE's replies. */
int ctl_i64_encode(int64_t v, uint8_t *out, size_t cap);
int ctl_i64_decode(const uint8_t *in, size_t len, int64_t *v);
int ctl_u16_encode(uint16_t v, uint8_t *out, size_t cap);
int ctl_u16_decode(const uint8_t *in, size_t len, uint16_t *v);

/* Who may run the commands that change the daemon's course: root, the
 * socket's owner, the daemon's own user, and the members of admin_gid
 * (the controlgroup; CTL_AUTH_NO_GROUP: none), by the client's groups as
 * the kernel gives them (SO_PEERCRED's gid, SO_PEERGROUPS). */
#define CTL_AUTH_GROUPS_MAX 64
#define CTL_AUTH_NO_GROUP ((uint32_t)-1)
bool ctl_auth_admin(uint32_t uid, const uint32_t *groups, int n, uint32_t owner, uint32_t self,
		    uint32_t admin_gid);

const char *ctl_code_name(enum ctl_code code);
const char *ctl_command_name(uint8_t command); /* NULL when unknown */
const char *ctl_source_state_name(enum ctl_source_state s);
const char *ctl_selection_name(enum ctl_selection s);

#endif
