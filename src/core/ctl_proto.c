/*
 * The control protocol's bytes: header framing and the STATUS and SOURCES
 * payloads, encoded field by field through bounds-checked cursors, so that
 * no length read off the socket is trusted before it is checked.
 */
#include "tsync/ctl_proto.h"

#include <errno.h>
#include <math.h>
#include <string.h>

_Static_assert(CTL_SOURCES_WIRE_MAX <= CTL_REPLY_PAYLOAD_MAX,
	       "a full SOURCES reply must fit the control socket's reply");

/* A cursor over a buffer; ok turns false at the first overrun and stays so. */
struct cur {
	uint8_t *w;       /* writing, or NULL */
	const uint8_t *r; /* reading, or NULL */
	size_t len, pos;
	bool ok;
};

static bool room(struct cur *c, size_t n)
{
	if (!c->ok || c->len - c->pos < n)
		c->ok = false;
	return c->ok;
}

static void put_be(struct cur *c, uint64_t v, int bytes)
{
	if (!room(c, (size_t)bytes))
		return;
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		c->w[c->pos + (size_t)i] = (uint8_t)v;
	c->pos += (size_t)bytes;
}

static uint64_t get_be(struct cur *c, int bytes)
{
	uint64_t v = 0;

	if (!room(c, (size_t)bytes))
		return 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | c->r[c->pos + (size_t)i];
	c->pos += (size_t)bytes;
	return v;
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	}
	return true;
}

/* False when s is too long or not printable: the daemon's own data is
 * then wrong, and sending it would only move the problem to the client. */
static bool put_str(struct cur *c, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n > CTL_STR_MAX || n == size || !printable(s, n))
		return false;
	put_be(c, n, 1);
	if (room(c, n)) {
		memcpy(c->w + c->pos, s, n);
		c->pos += n;
	}
	return true;
}

static void get_str(struct cur *c, char out[CTL_STR_MAX + 1])
{
	size_t n = (size_t)get_be(c, 1);

	out[0] = '\0';
	if (n > CTL_STR_MAX || !room(c, n) || !printable((const char *)c->r + c->pos, n)) {
		c->ok = false;
		return;
	}
	memcpy(out, c->r + c->pos, n);
	out[n] = '\0';
	c->pos += n;
}

static int finish_encode(const struct cur *c)
{
	return c->ok ? (int)c->pos : -ENOSPC;
}

static int finish_decode(const struct cur *c)
{
	return c->ok && c->pos == c->len ? 0 : -EBADMSG;
}

void ctl_header_encode(const struct ctl_header *h, uint8_t out[CTL_HDR_LEN])
{
	struct cur c = { .w = out, .len = CTL_HDR_LEN, .ok = true };

	put_be(&c, h->magic, 4);
	put_be(&c, h->version, 1);
	put_be(&c, h->command, 1);
	put_be(&c, h->flags, 1);
	put_be(&c, h->code, 1);
	put_be(&c, h->length, 4);
}

void ctl_header_decode(const uint8_t in[CTL_HDR_LEN], struct ctl_header *h)
{
	struct cur c = { .r = in, .len = CTL_HDR_LEN, .ok = true };

	h->magic = (uint32_t)get_be(&c, 4);
	h->version = (uint8_t)get_be(&c, 1);
	h->command = (uint8_t)get_be(&c, 1);
	h->flags = (uint8_t)get_be(&c, 1);
	h->code = (uint8_t)get_be(&c, 1);
	h->length = (uint32_t)get_be(&c, 4);
}

/* The magic is judged on its first bytes, so that a stranger speaking
 * another protocol is turned away without waiting for twelve bytes. */
static bool magic_prefix_ok(const uint8_t *buf, size_t len)
{
	uint8_t m[4] = { CTL_MAGIC >> 24, (CTL_MAGIC >> 16) & 0xff, (CTL_MAGIC >> 8) & 0xff,
			 CTL_MAGIC & 0xff };

	return memcmp(buf, m, len < 4 ? len : 4) == 0;
}

static enum ctl_code header_code(const struct ctl_header *h, bool is_reply, size_t max_payload)
{
	if (h->version != CTL_VERSION)
		return CTL_ERR_VERSION;
	if (h->length > max_payload)
		return CTL_ERR_LENGTH;
	if (h->flags != (is_reply ? CTL_FLAG_REPLY : 0) || (!is_reply && h->code != CTL_OK))
		return CTL_ERR_FLAGS;
	return CTL_OK;
}

enum ctl_frame ctl_frame_check(const uint8_t *buf, size_t len, bool is_reply,
			       size_t max_payload, struct ctl_header *h, enum ctl_code *code)
{
	*code = CTL_OK;
	if (!magic_prefix_ok(buf, len)) {
		*code = CTL_ERR_MAGIC;
		return CTL_FRAME_ERROR;
	}
	if (len < CTL_HDR_LEN)
		return CTL_FRAME_MORE;
	ctl_header_decode(buf, h);
	*code = header_code(h, is_reply, max_payload);
	/* A bad length leaves no way to find the message's end. The others
	 * are judged once the whole message is in, so that the connection
	 * stays in step for the error reply. */
	if (*code == CTL_ERR_LENGTH)
		return CTL_FRAME_ERROR;
	if (len - CTL_HDR_LEN < h->length)
		return CTL_FRAME_MORE;
	return *code == CTL_OK ? CTL_FRAME_COMPLETE : CTL_FRAME_ERROR;
}

size_t ctl_request_encode(uint8_t command, uint8_t out[CTL_HDR_LEN])
{
	struct ctl_header h = { .magic = CTL_MAGIC, .version = CTL_VERSION, .command = command };

	ctl_header_encode(&h, out);
	return CTL_HDR_LEN;
}

void ctl_reply_header(uint8_t command, enum ctl_code code, uint32_t payload_len,
		      uint8_t out[CTL_HDR_LEN])
{
	struct ctl_header h = { .magic = CTL_MAGIC, .version = CTL_VERSION, .command = command,
				.flags = CTL_FLAG_REPLY, .code = (uint8_t)code,
				.length = payload_len };

	ctl_header_encode(&h, out);
}

void ctl_request_header(uint8_t command, uint32_t len, uint8_t out[CTL_HDR_LEN])
{
	struct ctl_header h = { .magic = CTL_MAGIC, .version = CTL_VERSION, .command = command,
				.length = len };

	ctl_header_encode(&h, out);
}

static uint64_t double_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double bits_double(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static bool status_valid(const struct ctl_status *st)
{
	return st->leap <= 3 && (unsigned)st->selection < CTL_N_SELECTIONS && isfinite(st->freq_ppm);
}

int ctl_status_encode(const struct ctl_status *st, uint8_t *out, size_t cap)
{
	struct cur c = { .w = out, .len = cap, .ok = true };

	if (!status_valid(st))
		return -EINVAL;
	put_be(&c, st->synchronised, 1);
	put_be(&c, st->leap, 1);
	put_be(&c, st->stratum, 1);
	put_be(&c, (uint8_t)st->poll, 1);
	put_be(&c, st->refid, 4);
	if (!put_str(&c, st->reference, sizeof(st->reference)))
		return -EINVAL;
	put_be(&c, (uint64_t)st->offset_ns, 8);
	put_be(&c, double_bits(st->freq_ppm), 8);
	put_be(&c, (uint64_t)st->root_delay_ns, 8);
	put_be(&c, (uint64_t)st->root_disp_ns, 8);
	put_be(&c, (uint64_t)st->last_update_ns, 8);
	put_be(&c, st->n_sources, 2);
	put_be(&c, st->selection, 1);
	if (!put_str(&c, st->clock, sizeof(st->clock)))
		return -EINVAL;
	return finish_encode(&c);
}

int ctl_status_decode(const uint8_t *in, size_t len, struct ctl_status *st)
{
	struct cur c = { .r = in, .len = len, .ok = true };
	uint8_t sync;

	memset(st, 0, sizeof(*st));
	sync = (uint8_t)get_be(&c, 1);
	st->synchronised = sync == 1;
	st->leap = (uint8_t)get_be(&c, 1);
	st->stratum = (uint8_t)get_be(&c, 1);
	st->poll = (int8_t)get_be(&c, 1);
	st->refid = (uint32_t)get_be(&c, 4);
	get_str(&c, st->reference);
	st->offset_ns = (int64_t)get_be(&c, 8);
	st->freq_ppm = bits_double(get_be(&c, 8));
	st->root_delay_ns = (int64_t)get_be(&c, 8);
	st->root_disp_ns = (int64_t)get_be(&c, 8);
	st->last_update_ns = (int64_t)get_be(&c, 8);
	st->n_sources = (uint16_t)get_be(&c, 2);
	st->selection = (enum ctl_selection)get_be(&c, 1);
	get_str(&c, st->clock);
	if (sync > 1 || !status_valid(st))
		return -EBADMSG;
	return finish_decode(&c);
}

static bool put_source(struct cur *c, const struct ctl_source *s)
{
	if ((unsigned)s->state >= CTL_N_SOURCE_STATES)
		return false;
	if (!put_str(c, s->address, sizeof(s->address)))
		return false;
	put_be(c, s->state, 1);
	put_be(c, s->stratum, 1);
	put_be(c, (uint8_t)s->poll, 1);
	put_be(c, s->reach, 1);
	put_be(c, s->refid, 4);
	put_be(c, (uint64_t)s->offset_ns, 8);
	put_be(c, (uint64_t)s->delay_ns, 8);
	put_be(c, (uint64_t)s->jitter_ns, 8);
	put_be(c, s->key_id, 4);
	put_be(c, s->auth_rejected, 8);
	return true;
}

static void get_source(struct cur *c, struct ctl_source *s)
{
	get_str(c, s->address);
	s->state = (enum ctl_source_state)get_be(c, 1);
	s->stratum = (uint8_t)get_be(c, 1);
	s->poll = (int8_t)get_be(c, 1);
	s->reach = (uint8_t)get_be(c, 1);
	s->refid = (uint32_t)get_be(c, 4);
	s->offset_ns = (int64_t)get_be(c, 8);
	s->delay_ns = (int64_t)get_be(c, 8);
	s->jitter_ns = (int64_t)get_be(c, 8);
	s->key_id = (uint32_t)get_be(c, 4);
	s->auth_rejected = get_be(c, 8);
	if ((unsigned)s->state >= CTL_N_SOURCE_STATES)
		c->ok = false;
}

int ctl_sources_encode(const struct ctl_source *src, int n, uint8_t *out, size_t cap)
{
	struct cur c = { .w = out, .len = cap, .ok = true };

	if (n < 0 || n > CTL_SOURCES_MAX)
		return -EINVAL;
	put_be(&c, (uint64_t)n, 2);
	for (int i = 0; i < n; i++) {
		if (!put_source(&c, &src[i]))
			return -EINVAL;
	}
	return finish_encode(&c);
}

int ctl_sources_decode(const uint8_t *in, size_t len, struct ctl_source *out, int max, int *n)
{
	struct cur c = { .r = in, .len = len, .ok = true };
	int count = (int)get_be(&c, 2);

	*n = 0;
	if (!c.ok || count > max || count > CTL_SOURCES_MAX)
		return -EBADMSG;
	for (int i = 0; i < count && c.ok; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		get_source(&c, &out[i]);
	}
	if (finish_decode(&c) < 0)
		return -EBADMSG;
	*n = count;
	return 0;
}

const char *ctl_code_name(enum ctl_code code)
{
	static const char *const names[CTL_N_CODES] = {
		[CTL_OK] = "ok",
		[CTL_ERR_MAGIC] = "not a tsync control message",
		[CTL_ERR_VERSION] = "unsupported protocol version",
		[CTL_ERR_COMMAND] = "unknown command",
		[CTL_ERR_LENGTH] = "message too long",
		[CTL_ERR_PAYLOAD] = "malformed arguments",
		[CTL_ERR_FLAGS] = "bad flags",
		[CTL_ERR_INTERNAL] = "internal error",
		[CTL_ERR_DENIED] = "not allowed: root or the controlgroup only",
		[CTL_ERR_NO_SOURCE] = "no such source",
		[CTL_ERR_UNAVAILABLE] = "tsyncd follows no servers",
	};

	return (unsigned)code < CTL_N_CODES ? names[code] : "unknown error";
}

const char *ctl_command_name(uint8_t command)
{
	static const char *const names[CTL_CMD_MAX + 1] = {
		[CTL_CMD_STATUS] = "status",
		[CTL_CMD_SOURCES] = "sources",
		[CTL_CMD_BERKELEY] = "berkeley",
		[CTL_CMD_STATS] = "stats",
		[CTL_CMD_MAKESTEP] = "makestep",
		[CTL_CMD_BURST] = "burst",
		[CTL_CMD_ONLINE] = "online",
		[CTL_CMD_OFFLINE] = "offline",
	};

	return command <= CTL_CMD_MAX ? names[command] : NULL;
}

const char *ctl_source_state_name(enum ctl_source_state s)
{
	static const char *const names[CTL_N_SOURCE_STATES] = {
		[CTL_SRC_SELECTED] = "selected",
		[CTL_SRC_CANDIDATE] = "candidate",
		[CTL_SRC_FALSETICKER] = "falseticker",
		[CTL_SRC_UNREACHABLE] = "unreachable",
		[CTL_SRC_NOT_FIT] = "not-fit",
		[CTL_SRC_STOPPED] = "stopped",
		[CTL_SRC_OFFLINE] = "offline",
	};

	return (unsigned)s < CTL_N_SOURCE_STATES ? names[s] : "?";
}

const char *ctl_selection_name(enum ctl_selection s)
{
	static const char *const names[CTL_N_SELECTIONS] = {
		[CTL_SEL_NONE] = "none",
		[CTL_SEL_SINGLE] = "single",
		[CTL_SEL_MAJORITY] = "majority",
	};

	return (unsigned)s < CTL_N_SELECTIONS ? names[s] : "?";
}

static bool put_stats_group(struct cur *c, const struct ctl_stats_view *v)
{
	const struct ctr_group *g = v->group;

	if (g->n_rows > CTL_STATS_NAMES_MAX || v->n_inst < 0 ||
	    v->n_inst > CTL_STATS_INSTANCES_MAX)
		return false;
	if (!put_str(c, g->name, CTL_STR_MAX + 1) ||
	    !put_str(c, g->label != NULL ? g->label : "", CTL_STR_MAX + 1))
		return false;
	put_be(c, (uint64_t)g->n_rows, 1);
	for (int i = 0; i < g->n_rows; i++) {
		if (!put_str(c, g->rows[i].name, CTL_STR_MAX + 1))
			return false;
	}
	put_be(c, (uint64_t)v->n_inst, 2);
	for (int k = 0; k < v->n_inst; k++) {
		if (!put_str(c, v->inst[k].label, CTL_STR_MAX + 1))
			return false;
		for (int i = 0; i < g->n_rows; i++)
			put_be(c, ctr_read(&g->rows[i], &v->inst[k]), 8);
	}
	return true;
}

int ctl_stats_encode(const struct ctl_stats_view *views, int n, uint8_t *out, size_t cap)
{
	struct cur c = { .w = out, .len = cap, .ok = true };

	if (n < 0 || n > CTL_STATS_GROUPS_MAX)
		return -EINVAL;
	put_be(&c, (uint64_t)n, 1);
	for (int i = 0; i < n; i++) {
		if (!put_stats_group(&c, &views[i]))
			return -EINVAL;
	}
	return finish_encode(&c);
}

static void get_stats_group(struct cur *c, struct ctl_stats_group *g)
{
	get_str(c, g->name);
	get_str(c, g->label);
	g->n_names = (int)get_be(c, 1);
	if (g->n_names > CTL_STATS_NAMES_MAX || g->name[0] == '\0')
		c->ok = false;
	for (int i = 0; i < g->n_names && c->ok; i++) {
		get_str(c, g->names[i]);
		if (g->names[i][0] == '\0')
			c->ok = false;
	}
	g->n_instances = (int)get_be(c, 2);
	if (g->n_instances > CTL_STATS_INSTANCES_MAX)
		c->ok = false;
	for (int k = 0; k < g->n_instances && c->ok; k++) {
		get_str(c, g->instance[k]);
		for (int i = 0; i < g->n_names; i++)
			g->value[k][i] = get_be(c, 8);
	}
}

int ctl_stats_decode(const uint8_t *in, size_t len, struct ctl_stats *st)
{
	struct cur c = { .r = in, .len = len, .ok = true };

	st->n_groups = (int)get_be(&c, 1);
	if (st->n_groups > CTL_STATS_GROUPS_MAX)
		return -EBADMSG;
	for (int i = 0; i < st->n_groups && c.ok; i++)
		get_stats_group(&c, &st->group[i]);
	return finish_decode(&c);
}

int ctl_str_encode(const char *s, uint8_t *out, size_t cap)
{
	struct cur c = { .w = out, .len = cap, .ok = true };

	if (s[0] == '\0' || !put_str(&c, s, CTL_STR_MAX + 1))
		return -EINVAL;
	return finish_encode(&c);
}

int ctl_str_decode(const uint8_t *in, size_t len, char out[CTL_STR_MAX + 1])
{
	struct cur c = { .r = in, .len = len, .ok = true };

	get_str(&c, out);
	if (out[0] == '\0')
		return -EBADMSG;
	return finish_decode(&c);
}

static int put_number(uint64_t v, int bytes, uint8_t *out, size_t cap)
{
	struct cur c = { .w = out, .len = cap, .ok = true };

	put_be(&c, v, bytes);
	return finish_encode(&c);
}

static int get_number(const uint8_t *in, size_t len, int bytes, uint64_t *v)
{
	struct cur c = { .r = in, .len = len, .ok = true };

	*v = get_be(&c, bytes);
	return finish_decode(&c);
}

int ctl_i64_encode(int64_t v, uint8_t *out, size_t cap)
{
	return put_number((uint64_t)v, 8, out, cap);
}

int ctl_i64_decode(const uint8_t *in, size_t len, int64_t *v)
{
	uint64_t u;
	int rc = get_number(in, len, 8, &u);

	*v = (int64_t)u;
	return rc;
}

int ctl_u16_encode(uint16_t v, uint8_t *out, size_t cap)
{
	return put_number(v, 2, out, cap);
}

int ctl_u16_decode(const uint8_t *in, size_t len, uint16_t *v)
{
	uint64_t u;
	int rc = get_number(in, len, 2, &u);

	*v = (uint16_t)u;
	return rc;
}

bool ctl_auth_admin(uint32_t uid, const uint32_t *groups, int n, uint32_t owner, uint32_t self,
		    uint32_t admin_gid)
{
	if (uid == 0 || uid == owner || uid == self)
		return true;
	for (int i = 0; i < n && admin_gid != CTL_AUTH_NO_GROUP; i++) {
		if (groups[i] == admin_gid)
			return true;
	}
	return false;
}
