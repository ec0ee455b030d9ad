/* A ten-line test harness: CHECK(cond) counts, test_done() prints the summary
 * line scripts/check.sh reads and returns the exit status. */
#ifndef SK_TEST_CHECK_H
#define SK_TEST_CHECK_H
#include <stdio.h>
static int t_pass, t_fail;
#define CHECK(c) do { if (c) t_pass++; else { t_fail++; \
	printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECKF(c, ...) do { if (c) t_pass++; else { t_fail++; \
	printf("not ok - %s:%d: %s: ", __FILE__, __LINE__, #c); printf(__VA_ARGS__); putchar('\n'); } } while (0)
static inline int test_done(void) { printf("# %d passed, %d failed\n", t_pass, t_fail); return t_fail != 0; }
#endif
