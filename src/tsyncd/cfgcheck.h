/*
 * `tsyncd -t`: after the file parses, what it names must be there too,
 * so that a configuration called OK does not then stop the daemon at
 * start (a keys file, a user, a group, a directory).
 */
#ifndef TSYNCD_CFGCHECK_H
#define TSYNCD_CFGCHECK_H

#include "tsync/config.h"

/* Check every named thing, logging one error line for each problem.
 * Returns the number of problems (0: all is well). */
int cfgcheck_run(const struct tsyncd_config *cfg);

#endif
