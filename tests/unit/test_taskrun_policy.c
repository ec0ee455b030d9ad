/* taskrun's scheduling policy: exact decisions for given states. */
#include <string.h>

#include "../../cmd/taskrun/policy.h"
#include "check.h"

static struct tr_tstate task(int st, int *fo, int nfo)
{
	struct tr_tstate t;
	memset(&t, 0, sizeof t);
	t.st = (unsigned char)st;
	t.failed_on = fo;
	t.nfo = nfo;
	t.nrun = st == TR_T_ACTIVE;
	return t;
}

/* The pending sets of ts[0..n): fresh and retry as the controller keeps them. */
static void pending(const struct tr_tstate *ts, long n, struct tr_bitset *fresh, struct tr_bitset *retry)
{
	tr_bitset_release(fresh);
	tr_bitset_release(retry);
	CHECK(tr_bitset_init(fresh, n) == 0 && tr_bitset_init(retry, n) == 0);
	for (long i = 0; i < n; i++)
		if (ts[i].st == TR_T_PENDING)
			tr_bitset_add(ts[i].nfo ? retry : fresh, i);
}

static void test_pick(void)
{
	int on0[] = {0}, on01[] = {0, 1};
	struct tr_tstate ts[6];
	unsigned char usable[3] = {1, 1, 0};
	struct tr_bitset fresh, retry;

	memset(&fresh, 0, sizeof fresh);
	memset(&retry, 0, sizeof retry);
	ts[0] = task(TR_T_DONE, NULL, 0);
	ts[1] = task(TR_T_ACTIVE, NULL, 0);
	ts[2] = task(TR_T_PENDING, on0, 1);   /* failed on host 0 */
	ts[3] = task(TR_T_PENDING, NULL, 0);
	ts[4] = task(TR_T_PENDING, on01, 2);  /* failed on hosts 0 and 1 */
	ts[5] = task(TR_T_FAILED, NULL, 0);
	pending(ts, 6, &fresh, &retry);

	/* Host 0 skips task 2 (host 1 can take it and has not failed it). */
	CHECK(tr_policy_pick(ts, &fresh, &retry, 0, usable, 2) == 3);
	/* Host 1 takes task 2 first. */
	CHECK(tr_policy_pick(ts, &fresh, &retry, 1, usable, 2) == 2);
	/* Host 2 (not usable itself, but asking) has failed nothing. */
	CHECK(tr_policy_pick(ts, &fresh, &retry, 2, usable, 2) == 2);
	/* With task 3 taken, host 0 gets task 4: every other usable host
	 * failed it too, so it may as well run here. */
	ts[2].st = TR_T_ACTIVE;
	ts[3].st = TR_T_ACTIVE;
	pending(ts, 6, &fresh, &retry);
	CHECK(tr_policy_pick(ts, &fresh, &retry, 0, usable, 2) == 4);
	/* When host 2 becomes usable, task 4 waits for it. */
	usable[2] = 1;
	CHECK(tr_policy_pick(ts, &fresh, &retry, 0, usable, 3) == -1);
	CHECK(tr_policy_pick(ts, &fresh, &retry, 2, usable, 3) == 4);
	/* A fresh task before a retry comes first; the retry after it waits. */
	ts[3].st = TR_T_PENDING;
	pending(ts, 6, &fresh, &retry);
	CHECK(tr_policy_pick(ts, &fresh, &retry, 2, usable, 3) == 3);
	/* Nothing pending: -1. */
	ts[3].st = TR_T_DONE;
	ts[4].st = TR_T_DONE;
	pending(ts, 6, &fresh, &retry);
	CHECK(tr_policy_pick(ts, &fresh, &retry, 0, usable, 3) == -1);
	pending(ts, 0, &fresh, &retry);
	CHECK(tr_policy_pick(ts, &fresh, &retry, 0, NULL, 0) == -1);
	tr_bitset_release(&fresh);
	tr_bitset_release(&retry);
}

/* Picks among many: 200,000 tasks, the first 100,000 failed on host 0 and
 * pending again, the rest done but the last; host 0 skips the 100,000 (it
 * may not take them while host 1 can) and finds the last task, host 1 the
 * first retry; once host 1 took the retries, both sets say so. */
static void test_pick_scale(void)
{
	enum { N = 200000 };
	static struct tr_tstate ts[N];
	int on0[] = {0};
	unsigned char usable[2] = {1, 1};
	struct tr_bitset fresh, retry;
	long got;

	memset(&fresh, 0, sizeof fresh);
	memset(&retry, 0, sizeof retry);
	for (long i = 0; i < N; i++)
		ts[i] = i < N / 2 ? task(TR_T_PENDING, on0, 1) : task(TR_T_DONE, NULL, 0);
	ts[N - 1] = task(TR_T_PENDING, NULL, 0);
	pending(ts, N, &fresh, &retry);
	CHECK(tr_policy_pick(ts, &fresh, &retry, 0, usable, 2) == N - 1);
	CHECK(tr_policy_pick(ts, &fresh, &retry, 1, usable, 2) == 0);
	/* Host 1 takes every retry: the sets say so, and the next pick of host
	 * 0 looks at one bit per level, not at 200,000 tasks. */
	for (long i = 0; i < N / 2; i++) {
		ts[i].st = TR_T_ACTIVE;
		tr_bitset_del(&retry, i);
	}
	got = tr_policy_pick(ts, &fresh, &retry, 0, usable, 2);
	CHECK(got == N - 1);
	CHECK(retry.count == 0 && fresh.count == 1);
	tr_bitset_release(&fresh);
	tr_bitset_release(&retry);
}

static void test_speculation(void)
{
	const double w1[] = {4.0};
	const double w4[] = {3.0, 1.0, 10.0, 2.0};
	const double tiny[] = {0.1, 0.2};
	int on2[] = {2};
	struct tr_tstate ts[4];
	struct tr_run r[4];

	struct tr_median m;

	tr_median_init(&m);
	CHECK(tr_policy_spec_after(&m) == -1);
	tr_median_add(&m, w1[0]);
	CHECK(tr_policy_spec_after(&m) == 8.0);
	tr_median_release(&m);
	/* 3 1 10: sorted 1 3 10, the median 3; with 2, sorted 1 2 3 10: the
	 * upper median is 3. */
	for (int i = 0; i < 3; i++)
		tr_median_add(&m, w4[i]);
	CHECK(tr_policy_spec_after(&m) == 6.0);
	tr_median_add(&m, w4[3]);
	CHECK(tr_policy_spec_after(&m) == 6.0);
	tr_median_release(&m);
	tr_median_add(&m, tiny[0]);
	tr_median_add(&m, tiny[1]);
	CHECK(tr_policy_spec_after(&m) == TR_SPEC_MIN);
	tr_median_release(&m);

	ts[0] = task(TR_T_ACTIVE, NULL, 0);
	ts[1] = task(TR_T_ACTIVE, NULL, 0);
	ts[2] = task(TR_T_ACTIVE, on2, 1);
	ts[3] = task(TR_T_ACTIVE, NULL, 0);
	r[0] = (struct tr_run){0, 0, 0, 100.0};    /* on host 0 since 100 */
	r[1] = (struct tr_run){1, 1, 0, 90.0};     /* on host 1 since 90 */
	r[2] = (struct tr_run){2, 0, 0, 80.0};     /* failed on host 2 before */
	r[3] = (struct tr_run){3, 1, 1, 70.0};     /* cancelled */

	/* Host 2 at 110, after 6 s: task 1 (90) is the oldest it may copy. */
	CHECK(tr_policy_straggler(r, 4, ts, 2, 110.0, 6.0) == 1);
	/* Host 1 may not copy its own attempt: task 2 (80) on host 0. */
	CHECK(tr_policy_straggler(r, 4, ts, 1, 110.0, 6.0) == 2);
	/* Too early for everyone. */
	CHECK(tr_policy_straggler(r, 4, ts, 2, 95.0, 6.0) == -1);
	/* At 97 only task 1 has run 6 s and more. */
	CHECK(tr_policy_straggler(r, 4, ts, 2, 97.0, 6.0) == 1);
	/* A task that already has two copies is not copied again. */
	ts[1].nrun = 2;
	CHECK(tr_policy_straggler(r, 4, ts, 2, 110.0, 6.0) == 0);
	/* Nor one that is done (its copy is being cancelled). */
	ts[0].st = TR_T_DONE;
	CHECK(tr_policy_straggler(r, 4, ts, 2, 110.0, 6.0) == -1);
	CHECK(tr_policy_straggler(r, 0, ts, 2, 110.0, 6.0) == -1);
}

static void test_quarantine(void)
{
	struct tr_health a, b;
	long total = 0;

	CHECK(tr_policy_backoff(5, 0) == 5);
	CHECK(tr_policy_backoff(5, 1) == 10);
	CHECK(tr_policy_backoff(5, 3) == 40);
	CHECK(tr_policy_backoff(5, 7) == 600);
	CHECK(tr_policy_backoff(5, 40) == TR_QUAR_MAX);

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	/* Three failures in a row on a: blamed at the third, if another host
	 * can take the work. */
	CHECK(tr_policy_blame(&a, &total, 1) == 0);
	CHECK(tr_policy_blame(&a, &total, 1) == 0);
	CHECK(tr_policy_blame(&a, &total, 0) == 0);    /* no other host */
	CHECK(a.cfail == 3 && total == 3 && a.nfail == 3);
	CHECK(tr_policy_blame(&a, &total, 1) == 1);
	CHECK(a.cfail == 4);
	CHECK(tr_policy_quarantine(&a, 5, 1000) == 5);
	CHECK(a.quar_until == 1005 && a.nquar == 1 && a.cfail == 0 && !a.probing);

	/* A failure elsewhere breaks a streak: a broken task that fails on
	 * both hosts in turn quarantines neither. */
	memset(&a, 0, sizeof a);
	total = 0;
	for (int i = 0; i < 6; i++) {
		CHECK(tr_policy_blame(&a, &total, 1) == 0);
		CHECK(tr_policy_blame(&b, &total, 1) == 0);
	}
	CHECK(a.cfail == 1 && b.cfail == 1 && total == 12);
	/* Then three on a alone: a streak of 3. */
	CHECK(tr_policy_blame(&a, &total, 1) == 0);
	CHECK(tr_policy_blame(&a, &total, 1) == 0);
	CHECK(tr_policy_blame(&a, &total, 1) == 1);

	/* Probing: the quarantine must be over, with no failure since. */
	memset(&a, 0, sizeof a);
	CHECK(tr_policy_probe(&a, 50) == 0);           /* never quarantined */
	tr_policy_quarantine(&a, 5, 100);
	tr_policy_quarantine(&a, 5, 100);              /* 10 s: until 110 */
	CHECK(a.quar_until == 110 && a.nquar == 2);
	CHECK(tr_policy_probe(&a, 109.9) == 0);
	CHECK(tr_policy_probe(&a, 110) == 1);
	CHECK(a.probing && a.quar_until == 0);
	CHECK(tr_policy_probe(&a, 120) == 0);          /* already probing */
	/* A probing host is blamed at its first failure. */
	CHECK(tr_policy_blame(&a, &total, 1) == 1);
	CHECK(tr_policy_blame(&a, &total, 0) == 0);
	CHECK(tr_policy_quarantine(&a, 5, 200) == 20);
	/* A success makes it healthy: the next quarantine is short again. */
	tr_policy_success(&a);
	CHECK(a.nquar == 0 && a.cfail == 0 && !a.probing);
	CHECK(tr_policy_quarantine(&a, 5, 300) == 5);
}

/* A fit table for tr_policy_pick_local: fits[t * 3 + h]. */
static int table_fit(void *arg, long t, int h)
{
	return ((const int *)arg)[t * 3 + h];
}

static void test_locality(void)
{
	struct tr_tstate ts[5];
	struct tr_bitset fresh = {0}, retry = {0};
	int fo0[] = {0};
	/* Tasks 0-4 by hosts 0-2. */
	int fits[15] = {
		TR_FIT_NO, TR_FIT_ANY, TR_FIT_ANY,      /* 0 */
		TR_FIT_ANY, TR_FIT_LOCAL, TR_FIT_NO,    /* 1 */
		TR_FIT_NO, TR_FIT_NO, TR_FIT_LOCAL,     /* 2 */
		TR_FIT_LOCAL, TR_FIT_ANY, TR_FIT_NO,    /* 3 */
		TR_FIT_NO, TR_FIT_NO, TR_FIT_NO,        /* 4 */
	};

	for (int i = 0; i < 5; i++)
		ts[i] = task(TR_T_PENDING, NULL, 0);
	ts[3] = task(TR_T_PENDING, fo0, 1);     /* a retry */
	pending(ts, 5, &fresh, &retry);
	/* A host takes the first task whose data it holds, retries and
	 * fresh tasks in task order, over an earlier task it may only run. */
	CHECK(tr_policy_pick_local(&fresh, &retry, 0, table_fit, fits) == 3);
	CHECK(tr_policy_pick_local(&fresh, &retry, 1, table_fit, fits) == 1);
	CHECK(tr_policy_pick_local(&fresh, &retry, 2, table_fit, fits) == 2);
	/* Nothing local: the first it may run; nothing at all: -1. */
	fits[3 * 3 + 0] = TR_FIT_ANY;
	CHECK(tr_policy_pick_local(&fresh, &retry, 0, table_fit, fits) == 1);
	tr_bitset_del(&fresh, 1);
	fits[3 * 3 + 0] = TR_FIT_NO;
	CHECK(tr_policy_pick_local(&fresh, &retry, 0, table_fit, fits) == -1);
	tr_bitset_release(&fresh);
	tr_bitset_release(&retry);

	/* Delay scheduling by name. */
	CHECK(tr_policy_where(NULL, "node1", 0, 3) == TR_FIT_ANY);
	CHECK(tr_policy_where("", "node1", 0, 3) == TR_FIT_ANY);
	CHECK(tr_policy_where("node1,node3", "node1", 0, 3) == TR_FIT_LOCAL);
	CHECK(tr_policy_where("node1,node3", "node3", 99, 3) == TR_FIT_LOCAL);
	CHECK(tr_policy_where("node1,node3", "node2", 2.99, 3) == TR_FIT_NO);
	CHECK(tr_policy_where("node1,node3", "node2", 3, 3) == TR_FIT_ANY);
	/* Whole names only: node1 is not node10, nor node. */
	CHECK(tr_policy_where("node10", "node1", 0, 3) == TR_FIT_NO);
	CHECK(tr_policy_where("node1", "node", 0, 3) == TR_FIT_NO);
	CHECK(tr_policy_where("a,node", "node", 0, 3) == TR_FIT_LOCAL);
}

int main(void)
{
	test_pick();
	test_locality();
	test_pick_scale();
	test_speculation();
	test_quarantine();
	return test_done();
}
