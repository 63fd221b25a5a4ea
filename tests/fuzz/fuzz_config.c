/*
 * Fuzz target: the tsyncd.conf parser, cfg_parse. Whatever the text, it
 * must not crash, and a refusal must be one printable line
 * "FILE:LINE: DIRECTIVE: message" naming a line of the file.
 */
#include <string.h>

#include "fuzz.h"
#include "tsync/config.h"

#define FILE_NAME "fuzz.conf"
#define ERR_MAX 512

/* "fuzz.conf:N: NAME: text", all printable, N a line of the file. */
static void check_message(const char *err, const uint8_t *data, size_t size)
{
	const char *name = fuzz_check_err_line(err, FILE_NAME, fuzz_count_lines(data, size));
	const char *colon = strstr(name, ": ");

	FUZZ_CHECK(colon != NULL && colon > name && colon[2] != '\0');
}

static void check_config(const struct tsyncd_config *cfg)
{
	FUZZ_CHECK(cfg->n_listen >= 0 && cfg->n_listen <= CFG_MAX_LISTEN); /* none: serve no one */
	FUZZ_CHECK(cfg->n_servers >= 0 && cfg->n_servers <= CFG_MAX_SERVERS);
	FUZZ_CHECK(cfg->stratum >= 0 && cfg->stratum <= 15);
	for (int i = 0; i < cfg->n_servers; i++) {
		const struct cfg_server *s = &cfg->server[i];

		FUZZ_CHECK(strnlen(s->host, sizeof(s->host)) < sizeof(s->host) && s->host[0] != '\0');
		FUZZ_CHECK(s->minpoll >= CFG_POLL_MIN && s->minpoll <= s->maxpoll &&
			   s->maxpoll <= CFG_POLL_MAX);
	}
	FUZZ_CHECK(strnlen(cfg->driftfile, sizeof(cfg->driftfile)) < sizeof(cfg->driftfile));
	FUZZ_CHECK(strnlen(cfg->control, sizeof(cfg->control)) < sizeof(cfg->control));
	FUZZ_CHECK(strnlen(cfg->keyfile, sizeof(cfg->keyfile)) < sizeof(cfg->keyfile));
	FUZZ_CHECK(strnlen(cfg->berkeley.interface, CFG_IFNAME_MAX) < CFG_IFNAME_MAX);
	FUZZ_CHECK(cfg->maxslew_ppm >= 0 && cfg->maxslew_ppm <= CFG_MAXSLEW_DEFAULT);
	if (cfg->berkeley.role != CFG_BRK_NONE) {
		const struct cfg_berkeley *b = &cfg->berkeley;

		FUZZ_CHECK(b->priority >= 0 && b->priority <= 255);
		FUZZ_CHECK(b->interval > 0 && b->maxrtt > 0 && b->tolerance >= 0 && b->step >= 0);
		FUZZ_CHECK(b->misses >= 1 && b->election >= 1);
		FUZZ_CHECK((b->key_id != 0) != (b->auth_none != 0));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsyncd_config cfg;
	char err[ERR_MAX], small[24];

	cfg_init(&cfg);
	int rc = cfg_parse(&cfg, (const char *)data, size, FILE_NAME, err, sizeof(err));
	if (rc == 0) {
		FUZZ_CHECK(err[0] == '\0');
		cfg_finish(&cfg);
		check_config(&cfg);
		return 0;
	}
	FUZZ_CHECK(rc < 0);
	check_message(err, data, size);
	/* A short buffer gets the same message, cut, and still terminated. */
	cfg_init(&cfg);
	FUZZ_CHECK(cfg_parse(&cfg, (const char *)data, size, FILE_NAME, small, sizeof(small)) == rc);
	FUZZ_CHECK(strlen(small) < sizeof(small) && strncmp(small, err, strlen(small)) == 0);
	return 0;
}
