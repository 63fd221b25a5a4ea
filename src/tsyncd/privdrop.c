/*
 * The system calls of least privilege, with raw capget/capset and prctl
 * rather than libcap: five calls on one thread need no library. Each step
 * is verified; any failure stops tsyncd, never a half-dropped daemon.
 */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

static int get_caps(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	/* The kernel fills both (version 3); valgrind 3.19 knows it writes
	 * only the first, and would call the second uninitialised. */
	struct __user_cap_data_struct d[2] = { { 0 }, { 0 } };

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

/* Permitted and effective become caps; inheritable none. */
static int set_caps(uint64_t caps)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)caps, .permitted = (uint32_t)caps },
		{ .effective = (uint32_t)(caps >> 32), .permitted = (uint32_t)(caps >> 32) },
	};

	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static int fail(const char *step, int err)
{
	log_error("user: cannot %s: %s", step, strerror(-err));
	return err;
}

static int lookup_user(struct privdrop *pd, const char *name)
{
	errno = 0;
	const struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		log_error("user %s: %s", name, errno ? strerror(errno) : "no such user");
		return errno ? -errno : -ENOENT;
	}
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	pd->n_groups = PRIVDROP_MAX_GROUPS;
	if (getgrouplist(name, pw->pw_gid, pd->groups, &pd->n_groups) < 0) {
		log_error("user %s: in more than %d groups", name, PRIVDROP_MAX_GROUPS);
		return -E2BIG;
	}
	return 0;
}

static int lookup_group(struct privdrop *pd, const char *name)
{
	errno = 0;
	const struct group *gr = getgrnam(name);
	if (gr == NULL) {
		log_error("controlgroup %s: %s", name, errno ? strerror(errno) : "no such group");
		return errno ? -errno : -ENOENT;
	}
	pd->ctl_group = true;
	pd->ctl_gid = gr->gr_gid;
	return 0;
}

/* Every capability out of the bounding set: no later execve can regain one. */
static int clear_bounding(void)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	return 0;
}

static int restrict_process(enum priv_plan plan)
{
	int err;

	if (plan == PRIV_SWITCH && (err = clear_bounding()) < 0)
		return fail("clear the capability bounding set", err);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return fail("clear the ambient capabilities", -errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail("set no_new_privs", -errno);
	return 0;
}

int privdrop_prepare(struct privdrop *pd, const struct tsyncd_config *cfg)
{
	int err;

	*pd = (struct privdrop){ .plan = PRIV_STAY, .caps = priv_caps_kept(cfg) };
	if (cfg->controlgroup[0] != '\0' && (err = lookup_group(pd, cfg->controlgroup)) < 0)
		return err;
	if (cfg->user[0] == '\0')
		return 0;
	if ((err = lookup_user(pd, cfg->user)) < 0)
		return err;
	pd->plan = priv_plan(true, geteuid(), pd->uid);
	if (pd->plan == PRIV_REFUSE) {
		log_error("user %s: %s", cfg->user,
			  pd->uid == 0 ? "is root; name an unprivileged user"
				       : "tsyncd must start as root or as that user");
		return -EPERM;
	}
	return restrict_process(pd->plan);
}

/* The socket stays its creator's (root, or the user systemd started us
 * as), its group the one given, mode 0660 as bound. */
static int chown_control(const struct privdrop *pd, const char *path)
{
	if (!pd->ctl_group || path[0] == '\0')
		return 0;
	/* lchown: a socket is never a link; should one be found there, the
	 * link is changed, not what it points to. */
	if (lchown(path, geteuid(), pd->ctl_gid) < 0) {
		log_error("controlgroup: cannot give %s its group: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int switch_user(const struct privdrop *pd)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail("keep capabilities across setuid", -errno);
	if (setgroups((size_t)pd->n_groups, pd->groups) < 0)
		return fail("set the groups", -errno);
	if (setresgid(pd->gid, pd->gid, pd->gid) < 0)
		return fail("set the group id", -errno);
	if (setresuid(pd->uid, pd->uid, pd->uid) < 0)
		return fail("set the user id", -errno);
	if (getresuid(&r, &e, &s) < 0 || r != pd->uid || e != pd->uid || s != pd->uid ||
	    getresgid(&rg, &eg, &sg) < 0 || rg != pd->gid || eg != pd->gid || sg != pd->gid)
		return fail("verify the user and group ids", -EPERM);
	if (setuid(0) == 0 || setgid(0) == 0)
		return fail("verify that root cannot be regained", -EPERM);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return fail("clear keep-capabilities", -errno);
	return 0;
}

/* Keep what is wanted of what we have: started as a user without
 * CAP_SYS_TIME, tsyncd goes on measuring, as it does without `user`. */
static int keep_caps(uint64_t wanted, uint64_t *kept)
{
	uint64_t eff = 0, prm = 0;
	int err = get_caps(&eff, &prm);

	if (err < 0)
		return fail("read the capabilities", err);
	*kept = wanted & prm;
	if (*kept != wanted)
		log_warn("user: started without CAP_SYS_TIME: the clock cannot be adjusted");
	if ((err = set_caps(*kept)) < 0)
		return fail("set the capabilities", err);
	if ((err = get_caps(&eff, &prm)) < 0)
		return fail("read the capabilities back", err);
	if (eff != *kept || prm != *kept)
		return fail("verify the capabilities", -EPERM);
	return 0;
}

/* The drift file is replaced through a temp file beside it: its directory
 * must be the user's to write. Found now rather than at the first save. */
static int check_driftfile(const char *path)
{
	char dir[CFG_PATH_MAX];

	if (path[0] == '\0')
		return 0;
	strcpy(dir, path);
	if (access(dirname(dir), W_OK | X_OK) < 0) {
		int err = -errno;
		strcpy(dir, path);
		log_error("driftfile %s: its directory %s is not writable by the user: %s", path,
			  dirname(dir), strerror(-err));
		return err;
	}
	return 0;
}

int privdrop_apply(const struct privdrop *pd, const struct tsyncd_config *cfg)
{
	uint64_t kept = 0;
	int err;

	if ((err = chown_control(pd, cfg->control)) < 0 || pd->plan == PRIV_STAY)
		return err;
	if (pd->plan == PRIV_SWITCH && (err = switch_user(pd)) < 0)
		return err;
	if ((err = keep_caps(pd->caps, &kept)) < 0 || (err = check_driftfile(cfg->driftfile)) < 0)
		return err;
	log_info("running as %s (uid %u) with %s", cfg->user, (unsigned)pd->uid,
		 kept ? "CAP_SYS_TIME only" : "no capabilities");
	return 0;
}
