/*
 * tsyncd's state as Prometheus text: base units (seconds, ratios), one
 * HELP and TYPE per family, counters from the counter tables as _total
 * (their gauges under their own names).
 * Where ntpd-rs's exporter has the same figure, the meaning is the same.
 */
#include "tsync/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *buf;
	size_t cap, len;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP " METRICS_PREFIX "%s %s\n# TYPE " METRICS_PREFIX "%s %s\n", name, help,
	    name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(struct out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			put(o, "\\%c", *s);
		else if (*s == '\n')
			put(o, "\\n");
		else
			put(o, "%c", *s);
	}
}

static void secs(struct out *o, int64_t ns)
{
	put(o, " %.9f\n", (double)ns / 1e9);
}

static double poll_seconds(int8_t poll)
{
	return poll >= 0 ? (double)(1LL << (poll > 62 ? 62 : poll))
			 : 1.0 / (double)(1LL << (-poll > 62 ? 62 : -poll));
}

/* One family of one sample: in seconds, an integer, or a real number. */
static void gauge_secs(struct out *o, const char *name, const char *help, int64_t ns)
{
	family(o, name, "gauge", help);
	put(o, METRICS_PREFIX "%s", name);
	secs(o, ns);
}

static void gauge_int(struct out *o, const char *name, const char *help, long long v)
{
	family(o, name, "gauge", help);
	put(o, METRICS_PREFIX "%s %lld\n", name, v);
}

static void gauge_real(struct out *o, const char *name, const char *help, double v)
{
	family(o, name, "gauge", help);
	put(o, METRICS_PREFIX "%s %.12g\n", name, v);
}

static void system_metrics(struct out *o, const struct ctl_status *st)
{
	gauge_secs(o, "system_offset_seconds",
		   "Last combined offset of the sources from the system clock", st->offset_ns);
	gauge_real(o, "system_frequency_ratio",
		   "Frequency correction of the clock (1e-6 is 1 ppm; positive runs it faster)",
		   st->freq_ppm / 1e6);
	gauge_secs(o, "system_root_delay_seconds", "Distance to the closest root time source",
		   st->root_delay_ns);
	gauge_secs(o, "system_root_dispersion_seconds", "Estimate of how precise our time is",
		   st->root_disp_ns);
	gauge_int(o, "system_stratum", "Stratum of our clock (16: unsynchronised)", st->stratum);
	gauge_int(o, "system_leap_indicator",
		  "Leap indicator served: 0 none, 1 insert, 2 delete, 3 unsynchronised", st->leap);
	gauge_int(o, "system_synchronised", "1 while the clock is synchronised, else 0",
		  st->synchronised);
	gauge_real(o, "system_poll_interval_seconds", "Time between polls of the system peer",
		   poll_seconds(st->poll));
}

static void source_label(struct out *o, const char *name, const struct ctl_source *s)
{
	put(o, METRICS_PREFIX "%s{address=\"", name);
	label_value(o, s->address);
	put(o, "\"");
}

/* One family over every source; what picks the figure. */
static void source_family(struct out *o, const struct metrics_input *in, const char *name,
			  const char *help, int what)
{
	family(o, name, "gauge", help);
	for (int i = 0; i < in->n_src; i++) {
		const struct ctl_source *s = &in->src[i];
		source_label(o, name, s);
		put(o, "}");
		switch (what) {
		case 0: secs(o, s->offset_ns); break;
		case 1: secs(o, s->delay_ns); break;
		case 2: secs(o, s->jitter_ns); break;
		case 3: put(o, " %u\n", s->reach); break;
		case 4: put(o, " %u\n", s->stratum); break;
		default: put(o, " %.9g\n", poll_seconds(s->poll)); break;
		}
	}
}

/* An enum as one series per value, 1 for the current one. */
static void source_states(struct out *o, const struct metrics_input *in)
{
	family(o, "source_state", "gauge",
	       "1 for the source's current state in selection, 0 for the others");
	for (int i = 0; i < in->n_src; i++) {
		for (int k = 0; k < CTL_N_SOURCE_STATES; k++) {
			source_label(o, "source_state", &in->src[i]);
			put(o, ",state=\"%s\"} %d\n", ctl_source_state_name((enum ctl_source_state)k),
			    (int)in->src[i].state == k);
		}
	}
}

static void source_metrics(struct out *o, const struct metrics_input *in)
{
	source_family(o, in, "source_offset_seconds",
		      "Offset between the upstream source and system time", 0);
	source_family(o, in, "source_delay_seconds",
		      "Current round-trip delay to the upstream source", 1);
	source_family(o, in, "source_jitter_seconds", "Jitter of the source's samples", 2);
	source_family(o, in, "source_reach", "Reach register: the last 8 polls, newest in bit 0", 3);
	source_family(o, in, "source_stratum", "Stratum the source announces", 4);
	source_family(o, in, "source_poll_interval_seconds", "Time between polls of the source", 5);
	source_states(o, in);
}

/* Every row of a counter group, one family each, an instance a series;
 * a gauge row keeps its name, a counter's gets _total. */
static void counter_group(struct out *o, const struct ctl_stats_view *v)
{
	const struct ctr_group *g = v->group;

	for (int r = 0; r < g->n_rows; r++) {
		const struct ctr_desc *d = &g->rows[r];
		const char *suffix = d->gauge ? "" : "_total";
		put(o, "# HELP " METRICS_PREFIX "%s_%s%s %s\n", g->name, d->name, suffix, d->help);
		put(o, "# TYPE " METRICS_PREFIX "%s_%s%s %s\n", g->name, d->name, suffix,
		    d->gauge ? "gauge" : "counter");
		for (int k = 0; k < v->n_inst; k++) {
			put(o, METRICS_PREFIX "%s_%s%s", g->name, d->name, suffix);
			if (g->label != NULL) {
				put(o, "{%s=\"", g->label);
				label_value(o, v->inst[k].label);
				put(o, "\"}");
			}
			put(o, " %" PRIu64 "\n", ctr_read(d, &v->inst[k]));
		}
	}
}

static void berkeley_members(struct out *o, const struct brk_status *b)
{
	static const char *const name[2] = { "berkeley_member_offset_seconds",
					     "berkeley_member_rtt_seconds" };
	static const char *const help[2] = {
		"The member's clock minus ours, at its best reading of the round",
		"Round trip of that reading" };
	char addr[BRK_ADDR_STRLEN];

	for (int f = 0; f < 2; f++) {
		family(o, name[f], "gauge", help[f]);
		for (int i = 0; i < b->n_members; i++) {
			const struct brk_status_member *m = &b->member[i];
			put(o, METRICS_PREFIX "%s{node=\"%016" PRIx64 "\",address=\"", name[f], m->node);
			label_value(o, brk_addr_format(&m->addr, addr, sizeof(addr)));
			put(o, "\"}");
			secs(o, f == 0 ? m->offset : m->rtt);
		}
	}
}

static void berkeley_metrics(struct out *o, const struct brk_status *b)
{
	static const enum brk_state states[] = { BRK_ST_SLAVE, BRK_ST_ELECTING, BRK_ST_MASTER };

	family(o, "berkeley_state", "gauge", "1 for the node's current Berkeley state");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		put(o, METRICS_PREFIX "berkeley_state{state=\"%s\"} %d\n", brk_state_name(states[i]),
		    b->state == states[i]);
	gauge_int(o, "berkeley_members", "Members the master knows", b->n_members);
	gauge_int(o, "berkeley_average_clocks", "Clocks in the last round's average", b->n_in);
	gauge_secs(o, "berkeley_average_seconds",
		   "The last round's fault-tolerant average, from the master's clock", b->average);
	gauge_secs(o, "berkeley_last_adjustment_seconds",
		   "The last adjustment applied to our own clock", b->last_applied);
	berkeley_members(o, b);
}

int metrics_render(const struct metrics_input *in, char *buf, size_t cap)
{
	struct out o = { .buf = buf, .cap = cap };

	if (cap == 0)
		return -ENOSPC;
	buf[0] = '\0';
	system_metrics(&o, in->status);
	source_metrics(&o, in);
	for (int i = 0; i < in->n_views; i++)
		counter_group(&o, &in->views[i]);
	if (in->brk != NULL)
		berkeley_metrics(&o, in->brk);
	return o.full ? -ENOSPC : (int)o.len;
}
