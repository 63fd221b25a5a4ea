/*
 * The drift file's text, pure: the frequency correction in ppm and its
 * standard error, so that a restart begins from the frequency it had
 * measured and trusts it as far as it was measured.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsync/discipline.h"

/* The least skew the file shows with three decimals. */
#define SKEW_MIN_PPM 0.001

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* One finite number at *p (after white space), ended by white space or
 * the end; *p moves past it. Returns NULL, or nan_why or "trailing
 * garbage". */
static const char *number(const char **p, double *v, const char *nan_why)
{
	char *end;
	const char *start = skip_space(*p);
	errno = 0;
	*v = strtod(start, &end);
	if (end == start || errno != 0 || !isfinite(*v))
		return nan_why;
	if (*end != '\0' && !isspace((unsigned char)*end))
		return "trailing garbage";
	*p = end;
	return NULL;
}

/* "FREQ [SKEW]" with white space around: NULL or why not. */
static const char *parse_text(const char *p, double *ppm, double *skew_ppm)
{
	const char *why;
	if (*skip_space(p) == '\0')
		return "empty";
	if ((why = number(&p, ppm, "not a number")) != NULL)
		return why;
	if (*skip_space(p) != '\0' && (why = number(&p, skew_ppm, "skew not a number")) != NULL)
		return why;
	return *skip_space(p) == '\0' ? NULL : "trailing garbage";
}

int drift_parse(const char *text, double *ppm, double *skew_ppm, const char **why)
{
	double v = 0, skew = DISC_DRIFT_SKEW_PPM;
	const char *bad = parse_text(text, &v, &skew);
	if (bad == NULL && fabs(v) > DISC_MAX_PPM)
		bad = "outside -500..500 ppm";
	else if (bad == NULL && !(skew > 0 && skew <= DISC_MAX_PPM))
		bad = "skew outside 0..500 ppm";
	if (bad != NULL) {
		*why = bad;
		return -EINVAL;
	}
	*ppm = v;
	*skew_ppm = skew;
	return 0;
}

int drift_format(char *buf, size_t size, double ppm, double skew_ppm)
{
	int n = snprintf(buf, size, "%.3f %.3f\n", ppm, fmax(skew_ppm, SKEW_MIN_PPM));
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
