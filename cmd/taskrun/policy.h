/*
 * policy: the controller's decisions, as pure functions of the state they
 * are given (no I/O, no clock: the caller passes the time).
 *
 *	assignment   which pending task a host's free slot takes
 *	speculation  which running attempt a free slot copies at the end
 *	quarantine   when a host's failures blame it, and for how long it is
 *	             left alone (exponential backoff), and when it is probed
 *
 * Times are seconds on the monotonic clock.  Hosts and tasks are indexes
 * (0-based) into the caller's tables.
 */
#ifndef TR_POLICY_H
#define TR_POLICY_H

#include "bitset.h"
#include "median.h"

#define TR_QUAR_AFTER 3      /* task failures in a row that blame a host */
#define TR_QUAR_MAX 600.0    /* longest quarantine, seconds */
#define TR_SPEC_MIN 1.0      /* no copy of an attempt younger than this, seconds */

enum { TR_T_PENDING, TR_T_ACTIVE, TR_T_DONE, TR_T_FAILED };

/* A task's state in the controller. */
struct tr_tstate {
	/* 40 bytes a task, the small counts last (a million tasks: 40 MB). */
	int *failed_on;        /* hosts where an attempt failed (malloc'd) */
	char *why;             /* why it finally failed (malloc'd), or NULL */
	double pend_since;     /* when it last became pending (monotonic) */
	int failures;          /* failed attempts (exit status or signal) */
	int attempts;          /* attempts started, in every run */
	int nfo;
	unsigned char st;      /* TR_T_* */
	unsigned char nrun;    /* attempts running now (a copy makes 2) */
	unsigned char kills;   /* agents that died running it alone */
	unsigned char alone;   /* it runs alone on a host: it was in the death
				  of an agent that ran other tasks too */
};

/* A host's health: its quarantines and its current streak of failures. */
struct tr_health {
	double quar_until;     /* quarantined until then; 0: never, or probed */
	int nquar;             /* quarantines since its last success */
	int probing;           /* back from quarantine: one task at a time */
	int cfail;             /* task failures in the current streak */
	long nfail;            /* task failures on this host, ever */
	long others;           /* failures elsewhere when the streak began */
};

/* A running attempt, as speculation sees it. */
struct tr_run {
	long task;
	int host;
	int cancelled;
	double start;
};

/* Whether an attempt of task t has failed on host h. */
int tr_policy_failed_on(const struct tr_tstate *t, int h);

/*
 * The task that a free slot of host h takes: the first pending task, except
 * a task that failed on h while another usable host (usable[g] != 0, g != h;
 * nusable hosts are usable) has not failed it (a retry goes elsewhere when it
 * can).  The pending tasks are in two sets: fresh (no attempt failed) and
 * retry (some did), so that the tasks h skips are only retries that failed
 * on h, never the whole task list.  usable is read only when retry is not
 * empty (it may be NULL otherwise).  Returns the task index, or -1 when h
 * should take none.
 */
long tr_policy_pick(const struct tr_tstate *ts, const struct tr_bitset *fresh, const struct tr_bitset *retry,
		    int h, const unsigned char *usable, int nusable);

/* What a host is to a pending task (tr_policy_pick_local). */
enum { TR_FIT_NO, TR_FIT_ANY, TR_FIT_LOCAL };

/*
 * tr_policy_pick for tasks with a place (--where, --apart): fit(arg, t, h)
 * says what host h is to pending task t: TR_FIT_LOCAL (it holds the task's
 * data), TR_FIT_ANY (it may run it), TR_FIT_NO (not now).  Returns the first
 * pending task, in task order, that h holds the data of, else the first it
 * may run, else -1.  It looks at every pending task: O(pending) per pick.
 */
long tr_policy_pick_local(const struct tr_bitset *fresh, const struct tr_bitset *retry, int h,
			  int (*fit)(void *arg, long t, int h), void *arg);

/*
 * Delay scheduling: what host h (named name) is to a task whose data is on
 * the hosts of where (comma-separated names; NULL or empty: anywhere) and
 * that has been pending for waited seconds: TR_FIT_LOCAL when h is one of
 * them, TR_FIT_ANY when it is not but the task has waited wait seconds or
 * more (or where is empty), else TR_FIT_NO.
 */
int tr_policy_where(const char *where, const char *name, double waited, double wait);

/*
 * How long an attempt must have run before a copy is started: twice the
 * median wall time of the attempts that succeeded (m, the upper median),
 * and at least TR_SPEC_MIN.  Returns -1 when there are none yet.
 */
double tr_policy_spec_after(const struct tr_median *m);

/*
 * The attempt a free slot of host h copies: of the nr running attempts,
 * the one that started first among those on another host, not cancelled,
 * whose task is active with this attempt its only one, has not failed on
 * h, and has run for at least after seconds at now.  Returns its index in
 * r, or -1.
 */
int tr_policy_straggler(const struct tr_run *r, int nr, const struct tr_tstate *ts, int h, double now,
			double after);

/* The length of a host's next quarantine: first x 2^nquar, at most
 * TR_QUAR_MAX. */
double tr_policy_backoff(double first, int nquar);

/*
 * A task failed on the host of health h; *total counts the task failures
 * on every host and is incremented.  A streak is failures on this host
 * with none on another host in between.  Returns 1 when the host is to be
 * quarantined: it is probing, or its streak reached TR_QUAR_AFTER, and
 * another host can take the work (other_usable).  A broken task fails
 * everywhere, so it breaks every streak and quarantines nobody.
 */
int tr_policy_blame(struct tr_health *h, long *total, int other_usable);

/* Quarantines h at now for tr_policy_backoff(first, h->nquar) seconds and
 * returns that duration; the streak starts over. */
double tr_policy_quarantine(struct tr_health *h, double first, double now);

/* An attempt succeeded on h: the host is healthy again. */
void tr_policy_success(struct tr_health *h);

/* Whether a connected host whose quarantine is over (at now) starts probing:
 * it was quarantined, no failure since, and it is not probing already.  If
 * so, h->probing is set and the quarantine cleared. */
int tr_policy_probe(struct tr_health *h, double now);

#endif
