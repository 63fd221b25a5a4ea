/*
 * Reading a counter through its descriptor, and the "name=value" text of
 * a group that tsyncd logs: the rows decide, not hand-written format lines.
 */
#include "tsync/counters.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

uint64_t ctr_read(const struct ctr_desc *d, const struct ctr_instance *in)
{
	const void *part = in->part[d->part];
	uint64_t v;

	if (part == NULL)
		return 0;
	if (d->get != NULL)
		return d->get(part);
	memcpy(&v, (const char *)part + d->offset, sizeof(v));
	return v;
}

int ctr_format(const struct ctr_group *g, const struct ctr_instance *in, char *out, size_t cap)
{
	size_t n = 0;

	if (cap > 0)
		out[0] = '\0';
	for (int i = 0; i < g->n_rows; i++) {
		int k = snprintf(n < cap ? out + n : NULL, n < cap ? cap - n : 0, "%s%s=%" PRIu64,
				 i == 0 ? "" : " ", g->rows[i].name, ctr_read(&g->rows[i], in));
		if (k < 0)
			return k;
		n += (size_t)k;
	}
	return (int)n;
}
