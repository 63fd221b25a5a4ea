/*
 * Least privilege from the configuration: the capabilities tsyncd needs
 * after start-up and whether it can (and must) switch user. Kept apart
 * from the system calls so that the decision is tested without root.
 */
#include "tsync/priv.h"

#include <linux/capability.h>

uint64_t priv_caps_kept(const struct tsyncd_config *cfg)
{
	/* Port 123 is bound before the drop and later sockets take free
	 * ports, so only adjusting the clock needs a privilege afterwards. */
	return cfg->clock == CFG_CLOCK_SYSTEM ? UINT64_C(1) << CAP_SYS_TIME : 0;
}

enum priv_plan priv_plan(bool user_given, uid_t euid, uid_t user_uid)
{
	if (!user_given)
		return PRIV_STAY;
	if (user_uid == 0)
		return PRIV_REFUSE; /* "user root" would drop nothing */
	if (euid == 0)
		return PRIV_SWITCH;
	return euid == user_uid ? PRIV_TRIM : PRIV_REFUSE;
}
