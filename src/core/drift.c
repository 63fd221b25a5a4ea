/*
 * The drift file's text, pure: one number, the frequency correction in
 * ppm, so that a restart begins from the frequency it had measured.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsync/discipline.h"

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

int drift_parse(const char *text, double *ppm, const char **why)
{
	const char *p = skip_space(text);
	char *end;
	if (*p == '\0') {
		*why = "empty";
		return -EINVAL;
	}
	errno = 0;
	double v = strtod(p, &end);
	if (end == p || errno != 0 || !isfinite(v)) {
		*why = "not a number";
		return -EINVAL;
	}
	if (*skip_space(end) != '\0') {
		*why = "trailing garbage";
		return -EINVAL;
	}
	if (fabs(v) > DISC_MAX_PPM) {
		*why = "outside -500..500 ppm";
		return -EINVAL;
	}
	*ppm = v;
	return 0;
}

int drift_format(char *buf, size_t size, double ppm)
{
	int n = snprintf(buf, size, "%.3f\n", ppm);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
