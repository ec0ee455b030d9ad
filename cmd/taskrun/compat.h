/*
 * compat: GNU parallel's option values and --halt rules, as pure functions
 * (no I/O, no clock), so that they have unit tests.
 */
#ifndef TR_COMPAT_H
#define TR_COMPAT_H

#include "diag.h"
#include "sched.h"

/*
 * -j as GNU parallel reads it, for a machine of ncpu CPUs: N slots, N% of
 * the CPUs, +N or -N CPUs more or fewer (at least 1 in each case), or 0:
 * one slot per task (*all set, *out 0).  Returns 0 or SK_EARG ("invalid
 * slot count ...").
 */
int tr_compat_jobs(const char *arg, long ncpu, long *out, int *all, struct sk_error *err);

/* For an option GNU parallel takes that taskrun does not, named as typed
 * ("--max-procs", "-P", without "=value"): what taskrun calls it, as
 * "GNU parallel's --max-procs is -j here"; NULL for any other.
 * Said instead of the nearest option name, which can be another option
 * altogether (--max-procs is not --max-args). */
const char *tr_compat_hint(const char *name);

/* --halt as GNU parallel reads it: "never", or now|soon, a comma, and
 * fail=N|success=N|done=N, N a count (1..1e8) or a percentage (1%..100%);
 * or its older forms: 0 (never), 1 (soon,fail=1), 2 (now,fail=1), -1
 * (soon,success=1), -2 (now,success=1) and N% (soon,fail=N%).
 * Returns 0 or SK_EARG ("invalid halt ..."). */
int tr_compat_halt(const char *arg, struct tr_halt *out, struct sk_error *err);

/* Whether a task that just finished (ok: it succeeded) makes h due, with
 * nsucc and nfail tasks succeeded and failed so far (this one counted) of
 * total.  A percentage is of all the tasks, as in GNU parallel, computed
 * as it does: count >= total * (N / 100.0) in floating point. */
int tr_halt_due(const struct tr_halt *h, int ok, long nsucc, long nfail, long total);

/* The exit status GNU parallel gives for h.  When h halted the run (called
 * then, with the nfail failed tasks of total): on success 0; where the
 * count that halts is 1 (fail=1, or a percentage that is 1 task) the status
 * of the task that halted it (status, or 128 + sig when a signal killed
 * it); else the number of failed tasks then (at most 101), or with a
 * percentage their percentage of total, rounded up: more tasks that fail
 * after a soon do not change it.
 * When it did not (called at the end, total the tasks that ran in this
 * run): with a percentage, on fail, success or done alike, the percentage
 * of failed tasks of those.  (GNU parallel divides by its jobs started,
 * each retry counted: the same without --retries, lower with it.)
 * Returns -1 where the status is the number of failed tasks. */
int tr_halt_status(const struct tr_halt *h, int halted, int status, int sig, long nfail, long total);

/*
 * -d as GNU parallel reads it (its unquote_printf): \t \n \r, then \NNN
 * and \N in octal, each rule applied to the whole string in that order;
 * any other backslash stays.  *out is malloc'd (it may hold NUL bytes),
 * *len its length.  Returns 0, or SK_EARG for an empty delimiter (Perl's
 * paragraph mode, not supported) or an octal value above \377, or
 * SK_ENOMEM.
 */
int tr_compat_delim(const char *arg, char **out, size_t *len, struct sk_error *err);

#endif
