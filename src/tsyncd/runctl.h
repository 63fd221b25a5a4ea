/*
 * tsyncd's commands that change its course over the control socket:
 * makestep, burst, online, offline (tsync/ctl_proto.h).
 */
#ifndef TSYNCD_RUNCTL_H
#define TSYNCD_RUNCTL_H

#include "client.h"
#include "control.h"

/* Register the four commands as admin-only handlers on ctl. */
int runctl_register(struct control *ctl, struct client *cl);

#endif
