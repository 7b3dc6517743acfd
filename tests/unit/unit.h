/*
 * unit.h - the smallest table-test harness: CHECK counts, unit_done prints
 * "<suite>: N passed, N failed" and gives the exit status.
 */
#ifndef MCP_S3_UNIT_H
#define MCP_S3_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond) do {						\
	if (cond)							\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__,	\
		    #cond);						\
	}								\
} while (0)

/* Like CHECK, with a case label printed on failure. */
#define CHECKF(cond, label) do {					\
	if (cond)							\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: FAIL [%s]: %s\n", __FILE__, __LINE__, \
		    (label), #cond);					\
	}								\
} while (0)

static int
unit_done(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed != 0;
}

#endif
