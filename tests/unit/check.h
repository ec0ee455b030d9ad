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

/* What a library said through a warn callback (void (*)(void *, const
 * char *)): said_warn keeps the first four messages in said and counts all
 * in nsaid (set it to 0 before the call that may say something). */
__attribute__((unused)) static char said[4][1100];
__attribute__((unused)) static int nsaid;
__attribute__((unused)) static void said_warn(void *arg, const char *msg)
{
	(void)arg;
	if (nsaid < 4)
		snprintf(said[nsaid], sizeof said[nsaid], "%s", msg);
	nsaid++;
}
#endif
