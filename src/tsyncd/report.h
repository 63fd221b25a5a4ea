/*
 * What tsyncd answers on its control socket. For now it only serves, so
 * the answers come from the server role's state and there are no sources;
 * the client role replaces these.
 */
#ifndef TSYNCD_REPORT_H
#define TSYNCD_REPORT_H

#include "control.h"

/* The control_ops of a daemon that only serves; their ctx is its
 * struct server. */
extern const struct control_ops report_server_ops;

#endif
