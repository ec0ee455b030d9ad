#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/compat.h"
#include "check.h"

static int jobs(const char *arg, long ncpu, long want, int want_all)
{
	struct sk_error err;
	long n = -1;
	int all = -1;
	const int ok = tr_compat_jobs(arg, ncpu, &n, &all, &err) == 0 && n == want && all == want_all;
	if (!ok)
		printf("# -j %s on %ld CPUs gave %ld (all %d), want %ld (all %d)\n", arg, ncpu, n, all, want, want_all);
	return ok;
}

/* -d's value as GNU parallel's unquote_printf makes it: each expected
 * byte string printed by perl 5.36 running those rules. */
static int delim(const char *arg, const char *want, size_t wlen)
{
	struct sk_error err;
	char *d = NULL;
	size_t n = 0;
	const int ok = tr_compat_delim(arg, &d, &n, &err) == 0 && n == wlen && memcmp(d, want, n) == 0;
	if (!ok)
		printf("# -d '%s' gave %zu bytes, want %zu\n", arg, n, wlen);
	free(d);
	return ok;
}

int main(void)
{
	struct sk_error err;
	struct tr_halt h;
	long n;
	int all;

	CHECK(jobs("3", 8, 3, 0));
	CHECK(jobs("0", 8, 0, 1));
	CHECK(jobs("50%", 8, 4, 0));
	CHECK(jobs("50%", 1, 1, 0));
	CHECK(jobs("150%", 2, 3, 0));
	CHECK(jobs("+2", 4, 6, 0));
	CHECK(jobs("-2", 4, 2, 0));
	CHECK(jobs("-9", 4, 1, 0));
	CHECK(jobs("+0", 4, 4, 0));
	CHECK(tr_compat_jobs("5x", 4, &n, &all, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid slot count '5x' (expected N, N%, +N, -N or 0)") == 0);
	CHECK(tr_compat_jobs("%", 4, &n, &all, &err) == SK_EARG);
	CHECK(tr_compat_jobs("0%", 4, &n, &all, &err) == SK_EARG);
	CHECK(tr_compat_jobs("-", 4, &n, &all, &err) == SK_EARG);
	CHECK(tr_compat_jobs("100001", 4, &n, &all, &err) == SK_EARG);

	CHECK(tr_compat_halt("now,fail=1", &h, &err) == 0 && h.when == TR_HALT_NOW && h.on == TR_HALT_FAIL &&
	      h.n == 1 && !h.pct);
	CHECK(tr_compat_halt("soon,success=30%", &h, &err) == 0 && h.when == TR_HALT_SOON &&
	      h.on == TR_HALT_SUCCESS && h.n == 30 && h.pct);
	CHECK(tr_compat_halt("soon,done=7", &h, &err) == 0 && h.on == TR_HALT_DONE && h.n == 7);
	CHECK(tr_compat_halt("never", &h, &err) == 0 && h.when == TR_HALT_NEVER);
	CHECK(tr_compat_halt("nowish,fail=1", &h, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid halt 'nowish,fail=1' (expected now|soon,fail=N|success=N|done=N, N a "
			      "count or a percentage, or never, 0, 1, 2, -1, -2 or N%)") == 0);
	/* GNU parallel's older forms (its man page, "for backwards
	 * compatibility"). */
	CHECK(tr_compat_halt("0", &h, &err) == 0 && h.when == TR_HALT_NEVER);
	CHECK(tr_compat_halt("1", &h, &err) == 0 && h.when == TR_HALT_SOON && h.on == TR_HALT_FAIL && h.n == 1 &&
	      !h.pct);
	CHECK(tr_compat_halt("2", &h, &err) == 0 && h.when == TR_HALT_NOW && h.on == TR_HALT_FAIL && h.n == 1 &&
	      !h.pct);
	CHECK(tr_compat_halt("-1", &h, &err) == 0 && h.when == TR_HALT_SOON && h.on == TR_HALT_SUCCESS &&
	      h.n == 1 && !h.pct);
	CHECK(tr_compat_halt("-2", &h, &err) == 0 && h.when == TR_HALT_NOW && h.on == TR_HALT_SUCCESS &&
	      h.n == 1 && !h.pct);
	CHECK(tr_compat_halt("35%", &h, &err) == 0 && h.when == TR_HALT_SOON && h.on == TR_HALT_FAIL &&
	      h.n == 35 && h.pct);
	CHECK(tr_compat_halt("100%", &h, &err) == 0 && h.n == 100 && h.pct);
	CHECK(tr_compat_halt("3", &h, &err) == SK_EARG && h.when == TR_HALT_NEVER);
	CHECK(tr_compat_halt("-3", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("01", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("+1", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("0%", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("101%", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("%", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("5", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("now,fail=0", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("now,fail=101%", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("now,fail=", &h, &err) == SK_EARG);
	CHECK(tr_compat_halt("now", &h, &err) == SK_EARG && h.when == TR_HALT_NEVER);
	CHECK(tr_compat_halt("soon,lost=1", &h, &err) == SK_EARG);

	/* Due: a count of the kind asked, or a percentage of all tasks. */
	tr_compat_halt("now,fail=2", &h, &err);
	CHECK(!tr_halt_due(&h, 0, 5, 1, 10) && tr_halt_due(&h, 0, 5, 2, 10) && !tr_halt_due(&h, 1, 5, 2, 10));
	tr_compat_halt("soon,success=50%", &h, &err);
	CHECK(!tr_halt_due(&h, 1, 1, 3, 4) && tr_halt_due(&h, 1, 2, 0, 4) && !tr_halt_due(&h, 0, 2, 1, 4));
	tr_compat_halt("now,done=3", &h, &err);
	CHECK(tr_halt_due(&h, 0, 2, 1, 9) && tr_halt_due(&h, 1, 2, 1, 9) && !tr_halt_due(&h, 1, 1, 1, 9));
	tr_compat_halt("now,fail=50%", &h, &err);
	CHECK(!tr_halt_due(&h, 0, 4, 2, 6) && tr_halt_due(&h, 0, 1, 3, 6));

	/* GNU parallel's exit statuses. */
	CHECK(tr_halt_status(&h, 0, 0, 0, 2, 6) == 34 && tr_halt_status(&h, 1, 3, 0, 2, 4) == 50);
	CHECK(tr_halt_status(&h, 0, 0, 0, 0, 0) == 0);
	tr_compat_halt("now,fail=1", &h, &err);
	CHECK(tr_halt_status(&h, 1, 7, 0, 1, 5) == 7 && tr_halt_status(&h, 1, -1, 15, 1, 5) == 143);
	CHECK(tr_halt_status(&h, 0, 7, 0, 1, 5) == -1);
	tr_compat_halt("soon,done=1", &h, &err);
	CHECK(tr_halt_status(&h, 1, 5, 0, 1, 5) == 5);
	tr_compat_halt("soon,success=2", &h, &err);
	CHECK(tr_halt_status(&h, 1, 0, 0, 3, 5) == 0 && tr_halt_status(&h, 0, 0, 0, 3, 5) == -1);
	tr_compat_halt("soon,fail=3", &h, &err);
	CHECK(tr_halt_status(&h, 1, 9, 0, 3, 5) == 3 && tr_halt_status(&h, 1, 9, 0, 300, 500) == 101);
	/* A percentage that is one task is fail=1: the task's status. */
	tr_compat_halt("now,fail=25%", &h, &err);
	CHECK(tr_halt_status(&h, 1, 3, 0, 1, 4) == 3 && tr_halt_status(&h, 1, 3, 0, 1, 5) == 20);
	CHECK(tr_halt_due(&h, 0, 0, 1, 4) && !tr_halt_due(&h, 0, 0, 1, 5) && tr_halt_due(&h, 0, 0, 2, 5));
	/* parallel's floating point: 28% of 25 is 7.000000000000001. */
	tr_compat_halt("now,fail=28%", &h, &err);
	CHECK(!tr_halt_due(&h, 0, 0, 7, 25) && tr_halt_due(&h, 0, 0, 8, 25));
	CHECK(tr_halt_status(&h, 1, 1, 0, 8, 25) == 32);
	/* Not halted: any percentage gives the failed share of the tasks
	 * run (1 of 3 is 33.3: 34; 7 of 100 is 7.000000000000001: 8). */
	tr_compat_halt("soon,success=50%", &h, &err);
	CHECK(tr_halt_status(&h, 0, 0, 0, 1, 3) == 34 && tr_halt_status(&h, 0, 0, 0, 7, 100) == 8);
	CHECK(tr_halt_status(&h, 1, 1, 0, 1, 3) == 0);
	tr_compat_halt("soon,done=50%", &h, &err);
	CHECK(tr_halt_status(&h, 1, 1, 0, 1, 4) == 25 && tr_halt_status(&h, 0, 1, 0, 2, 4) == 50);
	tr_compat_halt("never", &h, &err);
	CHECK(tr_halt_status(&h, 0, 0, 0, 3, 5) == -1 && !tr_halt_due(&h, 0, 0, 9, 9));

	/* -d: \t \n \r, \NNN and \N in octal, rule after rule; any other
	 * backslash stays. */
	CHECK(delim("\\t", "\t", 1) && delim("\\0", "", 1) && delim("\\000", "", 1));
	CHECK(delim("\\012", "\n", 1) && delim("\\r\\n", "\r\n", 2) && delim(",", ",", 1));
	CHECK(delim("\\x41", "\\x41", 4) && delim("a\\b", "a\\b", 3) && delim("\\101", "A", 1));
	CHECK(delim("\\1010", "A0", 2) && delim("\\12", "\0012", 2) && delim("\\089", "\00089", 3));
	CHECK(delim("\\8", "8", 1) && delim("\\\\t", "\\\t", 2) && delim("\\\\101", "\\A", 2));
	CHECK(delim("-|-", "-|-", 3));
	{
		char *d = NULL;
		size_t dn;
		CHECK(tr_compat_delim("", &d, &dn, &err) == SK_EARG && d == NULL);
		CHECK(strcmp(err.msg, "invalid delimiter '' (GNU parallel's empty -d, Perl's paragraph mode, is not "
			      "supported)") == 0);
		CHECK(tr_compat_delim("\\400", &d, &dn, &err) == SK_EARG && d == NULL);
		CHECKF(strcmp(err.msg, "invalid delimiter '\\400' (an octal value above \\377)") == 0, "%s", err.msg);
	}

	/* GNU parallel's names for taskrun's options: the name, not a near
	 * miss; NULL for the rest, with or without a value. */
	CHECK(strcmp(tr_compat_hint("--max-procs"), "GNU parallel's --max-procs is -j here") == 0);
	CHECK(strcmp(tr_compat_hint("-P"), "GNU parallel's -P is -j here") == 0);
	CHECK(strcmp(tr_compat_hint("--will-cite"), "GNU parallel's citation notice: taskrun has none, leave it out") ==
	      0);
	CHECK(tr_compat_hint("--max-args") == NULL && tr_compat_hint("--max-proc") == NULL);
	CHECK(tr_compat_hint("-p") == NULL && tr_compat_hint("") == NULL && tr_compat_hint("--max-procs=2") == NULL);
	return test_done();
}
