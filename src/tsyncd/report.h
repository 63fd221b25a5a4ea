/*
 * What tsyncd answers on its control socket: its status and its sources,
 * from the client role when it has servers, else from the server role's
 * own state (unsynchronised, or the local clock at its stratum).
 */
#ifndef TSYNCD_REPORT_H
#define TSYNCD_REPORT_H

#include "control.h"

/* The control_ops of tsyncd; their ctx is its struct client, which knows
 * its server. */
extern const struct control_ops report_ops;

#endif
