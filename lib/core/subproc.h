/*
 * subproc: runs a helper program (taskrun, for segsplit --hosts and
 * segmerge's sums on hosts) and waits for it.
 */
#ifndef SK_SUBPROC_H
#define SK_SUBPROC_H

#include <stddef.h>

#include "diag.h"

/* Runs argv (searched on PATH).  With out, its standard output is read into
 * *out (malloc'd, NUL-terminated); without, it goes to standard error, so
 * that it never mixes with the caller's output.  Returns the exit status
 * (128 + signal when killed), or -1 with err set (fork, pipe, wait). */
int sk_subproc_run(char *const *argv, char **out, struct sk_error *err);

/* The program name beside this program's executable when there is one
 * there (into buf), else name itself (found on PATH when run). */
const char *sk_subproc_sibling(const char *name, char *buf, size_t len);

/* The start of a taskrun child's command line, as segsplit --hosts and
 * segmerge's sums on hosts run it: TASKRUN -H HOSTFILE -s STATE
 * --no-progress --fresh --locality-wait=30s [--ssh SSH] [--agent AGENT]
 * (ssh, agent: NULL for taskrun's own).  A task waits for its planned host
 * while that host is up or coming up; a host that does not answer is
 * passed over at once.  Writes at most SK_SUBPROC_TASKRUN_ARGS pointers
 * (borrowed, not copied) into argv and returns their count. */
#define SK_SUBPROC_TASKRUN_ARGS 12
int sk_subproc_taskrun_argv(char **argv, const char *taskrun, const char *hostfile, const char *state,
			    const char *ssh, const char *agent);

#endif
