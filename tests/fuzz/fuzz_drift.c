/*
 * Fuzz target: the drift file's text, drift_parse, on the input as
 * driftfile_read gives it (NUL-terminated). Whatever the text: no crash;
 * a refusal says why and stores nothing; an accepted frequency and skew
 * are within their bounds, and drift_format writes them back as text
 * that drift_parse reads again to within the three decimals written.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "tsync/discipline.h"

/* driftfile.c reads at most 63 bytes; a little more tries the edges. */
#define TEXT_MAX 128

static void check_round_trip(double ppm, double skew)
{
	char buf[64];
	double ppm2 = 42, skew2 = 43;
	const char *why = NULL;
	int n = drift_format(buf, sizeof(buf), ppm, skew);

	FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf) && buf[n - 1] == '\n');
	FUZZ_CHECK(drift_parse(buf, &ppm2, &skew2, &why) == 0);
	FUZZ_CHECK(fabs(ppm2 - ppm) <= 0.0005 + 1e-9);
	FUZZ_CHECK(skew2 >= 0.001 && fabs(skew2 - fmax(skew, 0.001)) <= 0.0005 + 1e-9);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[TEXT_MAX + 1];
	double ppm = 42, skew = 43;
	const char *why = NULL;

	if (size > TEXT_MAX)
		size = TEXT_MAX;
	memcpy(text, data, size);
	text[size] = '\0';
	if (drift_parse(text, &ppm, &skew, &why) < 0) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		FUZZ_CHECK(ppm == 42 && skew == 43);
		return 0;
	}
	FUZZ_CHECK(fabs(ppm) <= DISC_MAX_PPM);
	FUZZ_CHECK(skew > 0 && skew <= DISC_MAX_PPM);
	check_round_trip(ppm, skew);
	return 0;
}
