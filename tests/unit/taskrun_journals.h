/* Journals of taskrun state directories for the tests of its summary and
 * report (test_taskrun_summary.c, test_taskrun_report.c), and the helpers
 * that put them in a directory. */
#ifndef TEST_TASKRUN_JOURNALS_H
#define TEST_TASKRUN_JOURNALS_H

#include <stdio.h>
#include <unistd.h>

#include "check.h"

#define TASKS "taskrun tasks 1\nrun a\t\ta.out\nrun b\t\t\nrun c\t\t\n"

/* One journal line: time, event, task, attempt, host, status, signal,
 * wall, user, sys, maxrss, note. */
#define EV(t, ev, task, att, host, st, sig, wall, user, sys, rss, note) \
	t "\t" ev "\t" task "\t" att "\t" host "\t" st "\t" sig "\t" wall "\t" user "\t" sys "\t" rss "\t" note "\n"
/* One with status, signal and the measures all 0 (host events, starts). */
#define EV0(t, ev, task, att, host, note) EV(t, ev, task, att, host, "0", "0", "0", "0", "0", "0", note)
/* ... of no task (the run, a host). */
#define EVH(t, ev, host, note) EV0(t, ev, "0", "0", host, note)

/* Three tasks on h1 (2 slots) and h2 (1 slot): task 2 fails on h1, runs
 * again on h1, and a speculative copy on h2 wins. */
__attribute__((unused)) static const char journal_full[] =
	EVH("1000.0", "run", "-", "pid=1 tasks=3 done=0 hosts=2")
	EVH("1000.5", "up", "h1", "slots=2 agent_pid=10")
	EVH("1000.5", "up", "h2", "slots=1 agent_pid=11")
	EV0("1001.0", "start", "1", "1", "h1", "slot=1 tmp=.a.out.Ab12Cd")
	EV0("1001.0", "start", "2", "1", "h1", "slot=2")
	EV0("1001.0", "start", "3", "1", "h2", "slot=1")
	EV("1002.0", "fail", "2", "1", "h1", "3", "0", "1.0", "0.5", "0.1", "1000", "exited with status 3")
	EV("1003.0", "done", "1", "1", "h1", "0", "0", "2.0", "1.5", "0.25", "2048", "")
	EV0("1003.0", "start", "2", "2", "h1", "slot=1")
	EV("1004.0", "done", "3", "1", "h2", "0", "0", "3.0", "2.0", "0.5", "4096", "")
	EV0("1004.0", "start", "2", "3", "h2", "slot=1 speculative")
	EV("1005.0", "done", "2", "3", "h2", "0", "0", "1.0", "0.75", "0.25", "512", "")
	EV("1005.5", "cancel", "2", "2", "h1", "-1", "15", "2.5", "1.0", "0", "100", "another attempt won")
	EV("1006.0", "down", "0", "0", "h1", "0", "0", "0", "0.02", "0.01", "0", "finished")
	EV("1006.0", "down", "0", "0", "h2", "0", "0", "0", "0.03", "0.01", "0", "finished")
	EV("1006.0", "end", "0", "0", "-", "0", "0", "0", "0.1", "0.05", "0", "done=3 failed=0");

/* Interrupted after task 1: tasks 2 and 3 cancelled; a second run killed
 * (-9) with task 2 running and a torn last line; then a third run failed
 * task 3 for good. */
__attribute__((unused)) static const char journal_stopped[] =
	EVH("2000.0", "run", "-", "pid=1 tasks=3 done=0 hosts=1")
	EVH("2000.0", "up", ":", "slots=3 agent_pid=10")
	EV0("2000.1", "start", "1", "1", ":", "slot=1")
	EV0("2000.1", "start", "2", "1", ":", "slot=2")
	EV0("2000.1", "start", "3", "1", ":", "slot=3")
	EV("2001.1", "done", "1", "1", ":", "0", "0", "1.0", "0.5", "0.5", "100", "")
	EV("2001.5", "cancel", "2", "1", ":", "-1", "15", "1.4", "0.2", "0", "100", "interrupted")
	EV("2001.5", "cancel", "3", "1", ":", "-1", "15", "1.4", "0.2", "0", "100", "interrupted")
	EVH("2001.6", "down", ":", "finished")
	EV("2001.6", "end", "0", "0", "-", "0", "0", "0", "0.1", "0", "0", "done=1 failed=0 interrupted by SIGINT")
	EVH("2010.0", "run", "-", "pid=2 tasks=3 done=1 hosts=1")
	EVH("2010.0", "up", ":", "slots=3 agent_pid=20")
	EV0("2010.1", "start", "2", "2", ":", "slot=1")
	"2010.2\tdone\t2\t2\t:\t0\t0\t0.1";

__attribute__((unused)) static const char journal_failed[] =
	EVH("2020.0", "run", "-", "pid=3 tasks=3 done=1 hosts=1")
	EV0("2020.0", "lost", "2", "2", ":", "controller stopped")
	EVH("2020.0", "up", ":", "slots=3 agent_pid=30")
	EV0("2020.1", "start", "3", "2", ":", "slot=1")
	EV("2020.2", "fail", "3", "2", ":", "1", "0", "0.1", "0", "0", "100", "exited with status 1")
	EV0("2020.2", "failed", "3", "2", "-", "exited with status 1")
	EVH("2020.3", "down", ":", "finished")
	EVH("2020.3", "end", "-", "done=1 failed=1");

/* h1 is quarantined for failures and released; h2 is lost and still
 * quarantined when the run ends. */
__attribute__((unused)) static const char journal_quar[] =
	EVH("3000.0", "run", "-", "pid=4 tasks=3 done=0 hosts=2")
	EVH("3000.1", "up", "h1", "slots=1 agent_pid=40")
	EVH("3000.1", "up", "h2", "slots=1 agent_pid=41")
	EVH("3001.0", "quarantine", "h1", "for 1.0s: 3 task failures in a row")
	EVH("3002.0", "release", "h1", "quarantine over")
	EVH("3002.0", "probe", "h1", "after 1 quarantine(s)")
	EVH("3003.0", "down", "h2", "connection lost")
	EVH("3003.0", "quarantine", "h2", "for 1.0s: connection lost")
	EVH("3003.5", "quarantine", "h1", "for 2.0s: 1 task failures in a row");

__attribute__((unused)) static const char journal_quar_end[] =
	EVH("3004.0", "down", "h1", "finished")
	EVH("3004.0", "end", "-", "done=0 failed=0");

static void put(const char *dir, const char *name, const char *text, const char *mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, mode);
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rm_dir(const char *dir)
{
	char path[512];
	static const char *const names[] = {"tasks", "journal", "lock"};

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

#endif
