/*
 * What every check program shares: run one suite, exit non-zero on any
 * failure.
 */
#ifndef TSYNC_TEST_UNIT_H
#define TSYNC_TEST_UNIT_H

#include <check.h>
#include <stdlib.h>

static inline int unit_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
