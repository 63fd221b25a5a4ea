/*
 * The checks of `tsyncd -t` beyond the parser: each thing the file names
 * is looked up as the daemon will at start, with the same messages where
 * the daemon's own check is reused (keys file, keys).
 */
#include "cfgcheck.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

#include "berkeley.h"
#include "client.h"
#include "control.h"
#include "fileio.h"
#include "keyfile.h"
#include "log.h"

static int check_user(const struct tsyncd_config *cfg)
{
	errno = 0;
	const struct passwd *pw = cfg->user[0] ? getpwnam(cfg->user) : NULL;

	if (cfg->user[0] == '\0')
		return 0;
	if (pw == NULL) {
		log_error("%s: user %s: %s", cfg->file, cfg->user,
			  errno ? strerror(errno) : "no such user");
		return 1;
	}
	if (pw->pw_uid == 0) {
		log_error("%s: user %s: is root; name an unprivileged user", cfg->file, cfg->user);
		return 1;
	}
	fileio_trust_user(pw->pw_uid); /* it may own the keys file, as at start */
	return 0;
}

static int check_group(const struct tsyncd_config *cfg)
{
	errno = 0;
	if (cfg->controlgroup[0] == '\0' || getgrnam(cfg->controlgroup) != NULL)
		return 0;
	log_error("%s: controlgroup %s: %s", cfg->file, cfg->controlgroup,
		  errno ? strerror(errno) : "no such group");
	return 1;
}

/* The keys file read and parsed as at start, then every key the servers
 * and the Berkeley group name looked up in it. */
static int check_keys(const struct tsyncd_config *cfg)
{
	struct keys_ring ring = { 0 };
	const struct keys_key *key;
	char err[512];
	int bad = 0;

	if (cfg->keyfile[0] == '\0')
		return 0;
	if (keyfile_load(cfg->keyfile, &ring, err, sizeof(err)) < 0) {
		log_error("%s: %s", cfg->file, err);
		return 1;
	}
	bad += client_check_keys(cfg, &ring) < 0;
	if (cfg->berkeley.role != CFG_BRK_NONE && !cfg->berkeley.auth_none)
		bad += berkeley_check_key(&ring, cfg, &key) < 0;
	keys_wipe(&ring);
	return bad;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The drift file is written through a temporary file beside it. */
static int check_driftdir(const struct tsyncd_config *cfg)
{
	char dir[CFG_PATH_MAX];

	if (cfg->driftfile[0] == '\0')
		return 0;
	snprintf(dir, sizeof(dir), "%s", cfg->driftfile);
	if (is_dir(dirname(dir)))
		return 0;
	log_error("%s: driftfile %s: the directory %s does not exist", cfg->file, cfg->driftfile, dir);
	return 1;
}

/* tsyncd makes the socket's directory if its parent exists (one level). */
static int check_controldir(const struct tsyncd_config *cfg)
{
	char dir[CFG_SOCKET_PATH_MAX], parent[CFG_SOCKET_PATH_MAX];

	if (cfg->control[0] == '\0')
		return 0;
	snprintf(dir, sizeof(dir), "%s", cfg->control);
	dirname(dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	if (is_dir(dir)) {
		char why[CFG_SOCKET_PATH_MAX + 128];
		if (control_check_dir(cfg->control, why, sizeof(why)) == 0)
			return 0;
		log_error("%s: control %s: %s", cfg->file, cfg->control, why);
		return 1;
	}
	if (is_dir(dirname(parent)))
		return 0;
	log_error("%s: control %s: neither the directory %s nor its parent %s exists", cfg->file,
		  cfg->control, dir, parent);
	return 1;
}

int cfgcheck_run(const struct tsyncd_config *cfg)
{
	int bad = check_user(cfg); /* first: it says who may own the keys file */

	bad += check_group(cfg);
	bad += check_keys(cfg);
	bad += check_driftdir(cfg);
	return bad + check_controldir(cfg);
}
