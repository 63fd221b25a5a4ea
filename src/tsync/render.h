/*
 * What `tsync status`, `sources` and `berkeley` print of the structs the
 * control socket carries: text for people, JSON for programs (the schema
 * of tsync(1)'s JSON OUTPUT), both from integer nanoseconds, exactly.
 */
#ifndef TSYNC_RENDER_H
#define TSYNC_RENDER_H

#include <stdio.h>

#include "tsync/brk_status.h"
#include "tsync/ctl_proto.h"

void render_status_text(FILE *f, const struct ctl_status *st);
void render_status_json(FILE *f, const struct ctl_status *st);
void render_sources_text(FILE *f, const struct ctl_source *src, int n);
void render_sources_json(FILE *f, const struct ctl_source *src, int n);
void render_berkeley_text(FILE *f, const struct brk_status *st);
void render_berkeley_json(FILE *f, const struct brk_status *st);
/* --csv: a header line and rows, the first column the time of day now. */
void render_status_csv(FILE *f, const struct ctl_status *st);
void render_berkeley_csv(FILE *f, const struct brk_status *st);

#endif
