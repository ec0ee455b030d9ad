/*
 * watchdog: a small process beside the agent that kills the process groups
 * of the agent's tasks when the agent dies (kill -9) or stops answering
 * (SIGSTOP), which the agent cannot do itself.  The task's top process dies
 * with the agent through PR_SET_PDEATHSIG, but what it started would live
 * on; the watchdog kills every process left in the task's group.
 *
 * The agent holds the write end of a pipe (close-on-exec, so tasks do not
 * inherit it) and writes fixed 8-byte messages: a group to watch, a group
 * that ended, a heartbeat, the lease and the kill grace.  The watchdog acts
 * when the pipe reaches end of file (the agent died) or when no message
 * arrives for the lease (the agent is stopped): SIGTERM to every watched
 * group, SIGKILL after the grace.  After a lease expiry it keeps watching;
 * at end of file it exits.  It runs in its own process group with its
 * standard descriptors on /dev/null (it must not hold the agent's
 * connection open) and ignores SIGHUP, SIGINT, SIGTERM and SIGPIPE, so a
 * signal meant for the agent's session does not take it along.
 */
#ifndef TR_WATCHDOG_H
#define TR_WATCHDOG_H

#include <sys/types.h>

#include "diag.h"

enum {
	TR_WD_ADD = '+',    /* a task's process group, to kill if the agent goes */
	TR_WD_DEL = '-',    /* that group's task has ended: forget it */
	TR_WD_PING = 'p',   /* the agent is alive */
	TR_WD_LEASE = 'L',  /* the lease, milliseconds */
	TR_WD_GRACE = 'G'   /* SIGTERM to SIGKILL, milliseconds */
};

struct tr_watchdog {
	pid_t pid;          /* 0: none */
	int fd;             /* write end, non-blocking and close-on-exec; -1: none */
	double last;        /* when the last message was sent, monotonic seconds */
};

/* Forks the watchdog; lease and grace in seconds.  Returns 0, or SK_EIO
 * (err set) when the pipe or the fork fails. */
int tr_watchdog_start(struct tr_watchdog *w, double lease, double grace, struct sk_error *err);
/* Sends one message (a full pipe drops it: the watchdog is not reading). */
void tr_watchdog_send(struct tr_watchdog *w, int op, long v);
/* Closes the pipe (the watchdog kills the groups still listed, then exits)
 * and waits for it. */
void tr_watchdog_stop(struct tr_watchdog *w);

/* The watchdog's loop on the read end fd, for the forked child and for
 * unit tests; returns when fd reaches end of file. */
void tr_watchdog_loop(int fd, double lease, double grace);

#endif
