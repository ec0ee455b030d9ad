/* taskrun's watchdog: process groups it watches die when the agent's pipe
 * closes or its lease runs out; groups it was told to forget live on. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../cmd/taskrun/proto.h"
#include "../../cmd/taskrun/watchdog.h"
#include "check.h"

/* A task's process group: a leader and a child of it, both waiting.  With
 * ignore_term the child ignores SIGTERM (only SIGKILL ends it).  This
 * process is a subreaper, so it collects the child once the leader is gone. */
struct grp {
	pid_t leader, kid;
};

static struct grp spawn(int ignore_term)
{
	struct grp g = {0, 0};
	int p[2];

	if (pipe(p) != 0)
		return g;
	g.leader = fork();
	if (g.leader == 0) {
		pid_t k;
		setpgid(0, 0);
		k = fork();
		if (k == 0) {
			if (ignore_term)
				signal(SIGTERM, SIG_IGN);
			for (;;)
				pause();
		}
		if (write(p[1], &k, sizeof k) != (ssize_t)sizeof k)
			_exit(1);
		for (;;)
			pause();
	}
	setpgid(g.leader, g.leader);
	if (read(p[0], &g.kid, sizeof g.kid) != (ssize_t)sizeof g.kid)
		g.kid = 0;
	close(p[0]);
	close(p[1]);
	return g;
}

/* Waits up to secs for pid to end; its signal, or 0 if it did not end. */
static int ended(pid_t pid, double secs)
{
	const double until = tr_mono() + secs;
	int st;

	do {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFSIGNALED(st) ? WTERMSIG(st) : 256;
		usleep(10000);
	} while (tr_mono() < until);
	return 0;
}

/* Killed by the watchdog: SIGTERM, or SIGKILL when the signal arrived
 * late (under valgrind, say). */
static int by_watchdog(int sig)
{
	return sig == SIGTERM || sig == SIGKILL;
}

static void nap(double sec)
{
	usleep((useconds_t)(sec * 1e6));
}

int main(void)
{
	struct tr_watchdog w;
	struct sk_error err;
	struct grp a, b, c, d;
	double t0;

	prctl(PR_SET_CHILD_SUBREAPER, 1);

	/* End of file (the agent died): a watched group dies, a forgotten
	 * one lives, and the watchdog exits. */
	a = spawn(0);
	b = spawn(0);
	CHECK(a.kid > 0 && b.kid > 0);
	CHECK(tr_watchdog_start(&w, 30, 0.5, &err) == 0);
	CHECK(w.pid > 0 && w.fd >= 0);
	tr_watchdog_send(&w, TR_WD_ADD, a.leader);
	tr_watchdog_send(&w, TR_WD_ADD, b.leader);
	tr_watchdog_send(&w, TR_WD_DEL, b.leader);
	nap(0.2);
	CHECK(ended(a.leader, 0) == 0 && ended(a.kid, 0) == 0);
	t0 = tr_mono();
	tr_watchdog_stop(&w);
	CHECK(w.pid == 0 && w.fd == -1);
	CHECK(ended(a.leader, 2) == SIGTERM);
	CHECK(ended(a.kid, 2) == SIGTERM);
	CHECKF(tr_mono() - t0 < 1.5, "%.3f s", tr_mono() - t0);
	CHECK(ended(b.leader, 0.3) == 0 && ended(b.kid, 0) == 0);

	/* A process that ignores SIGTERM gets SIGKILL after the grace. */
	c = spawn(1);
	CHECK(tr_watchdog_start(&w, 30, 0.3, &err) == 0);
	tr_watchdog_send(&w, TR_WD_ADD, c.leader);
	nap(0.1);
	t0 = tr_mono();
	tr_watchdog_stop(&w);
	CHECK(ended(c.leader, 2) == SIGTERM);
	CHECK(ended(c.kid, 2) == SIGKILL);
	CHECKF(tr_mono() - t0 >= 0.29, "%.3f s", tr_mono() - t0);

	/* No message for the lease (the agent is stopped): the groups die
	 * and the watchdog keeps watching; heartbeats keep the next one. */
	d = spawn(0);
	CHECK(tr_watchdog_start(&w, 30, 0.2, &err) == 0);
	tr_watchdog_send(&w, TR_WD_LEASE, 600);
	tr_watchdog_send(&w, TR_WD_ADD, d.leader);
	t0 = tr_mono();
	CHECK(by_watchdog(ended(d.leader, 3)));
	CHECK(by_watchdog(ended(d.kid, 1)));
	CHECKF(tr_mono() - t0 > 0.5, "%.3f s", tr_mono() - t0);
	a = spawn(0);
	tr_watchdog_send(&w, TR_WD_ADD, a.leader);
	for (int i = 0; i < 10; i++) {
		nap(0.2);
		tr_watchdog_send(&w, TR_WD_PING, 0);
	}
	CHECK(ended(a.leader, 0) == 0);
	CHECK(kill(w.pid, 0) == 0);
	tr_watchdog_stop(&w);
	CHECK(by_watchdog(ended(a.leader, 2)) && by_watchdog(ended(a.kid, 2)));

	/* The forgotten group is ours to end. */
	kill(-b.leader, SIGKILL);
	CHECK(ended(b.leader, 2) == SIGKILL && ended(b.kid, 2) == SIGKILL);
	return test_done();
}
