/* taskrun's report: a state directory (task list and journal) in, exact
 * numbers and text out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/taskrun/report.h"
#include "check.h"

#define TASKS "taskrun tasks 1\nrun a\t\ta.out\nrun b\t\t\nrun c\t\t\n"

/* One journal line: time, event, task, attempt, host, status, signal,
 * wall, user, sys, maxrss, note. */
#define EV(t, ev, task, att, host, st, sig, wall, user, sys, rss, note) \
	t "\t" ev "\t" task "\t" att "\t" host "\t" st "\t" sig "\t" wall "\t" user "\t" sys "\t" rss "\t" note "\n"

/* Three tasks on h1 (2 slots) and h2 (1 slot): task 2 fails on h1, runs
 * again on h1, and a speculative copy on h2 wins. */
static const char journal_full[] =
	EV("1000.0", "run", "0", "0", "-", "0", "0", "0", "0", "0", "0", "pid=1 tasks=3 done=0 hosts=2")
	EV("1000.5", "up", "0", "0", "h1", "0", "0", "0", "0", "0", "0", "slots=2 agent_pid=10")
	EV("1000.5", "up", "0", "0", "h2", "0", "0", "0", "0", "0", "0", "slots=1 agent_pid=11")
	EV("1001.0", "start", "1", "1", "h1", "0", "0", "0", "0", "0", "0", "slot=1 tmp=.a.out.Ab12Cd")
	EV("1001.0", "start", "2", "1", "h1", "0", "0", "0", "0", "0", "0", "slot=2")
	EV("1001.0", "start", "3", "1", "h2", "0", "0", "0", "0", "0", "0", "slot=1")
	EV("1002.0", "fail", "2", "1", "h1", "3", "0", "1.0", "0.5", "0.1", "1000", "exited with status 3")
	EV("1003.0", "done", "1", "1", "h1", "0", "0", "2.0", "1.5", "0.25", "2048", "")
	EV("1003.0", "start", "2", "2", "h1", "0", "0", "0", "0", "0", "0", "slot=1")
	EV("1004.0", "done", "3", "1", "h2", "0", "0", "3.0", "2.0", "0.5", "4096", "")
	EV("1004.0", "start", "2", "3", "h2", "0", "0", "0", "0", "0", "0", "slot=1 speculative")
	EV("1005.0", "done", "2", "3", "h2", "0", "0", "1.0", "0.75", "0.25", "512", "")
	EV("1005.5", "cancel", "2", "2", "h1", "-1", "15", "2.5", "1.0", "0", "100", "another attempt won")
	EV("1006.0", "down", "0", "0", "h1", "0", "0", "0", "0.02", "0.01", "0", "finished")
	EV("1006.0", "down", "0", "0", "h2", "0", "0", "0", "0.03", "0.01", "0", "finished")
	EV("1006.0", "end", "0", "0", "-", "0", "0", "0", "0.1", "0.05", "0", "done=3 failed=0");

static const char report_full[] =
	"tasks: 3 total, 3 done, 0 failed, 0 not done\n"
	"attempts: 5 (1 failed, 0 lost, 1 cancelled)\n"
	"runs: 1, wall 6.000 s\n"
	"task cpu: 6.850 s (user 5.750 s, sys 1.100 s)\n"
	"controller cpu: 0.150 s (2.190% of task cpu), agents cpu: 0.070 s (1.022%)\n"
	"\n"
	"host                 slots   done attempts failed  lost     wall_s      cpu_s efficiency quarantines\n"
	"h1                       2      1        3      1     0      5.500      3.350      0.305           0\n"
	"h2                       1      2        2      0     0      5.500      3.500      0.636           0\n"
	"\n"
	"  task state    attempts failures host                     wall_s      cpu_s  maxrss_kb efficiency\n"
	"     1 done            1        0 h1                        2.000      1.750       2048      0.875\n"
	"     2 done            3        1 h2                        1.000      1.000        512      1.000\n"
	"     3 done            1        0 h2                        3.000      2.500       4096      0.833\n";

/* Interrupted after task 1: tasks 2 and 3 cancelled; a second run killed
 * (-9) with task 2 running and a torn last line; then a third run failed
 * task 3 for good. */
static const char journal_stopped[] =
	EV("2000.0", "run", "0", "0", "-", "0", "0", "0", "0", "0", "0", "pid=1 tasks=3 done=0 hosts=1")
	EV("2000.0", "up", "0", "0", ":", "0", "0", "0", "0", "0", "0", "slots=3 agent_pid=10")
	EV("2000.1", "start", "1", "1", ":", "0", "0", "0", "0", "0", "0", "slot=1")
	EV("2000.1", "start", "2", "1", ":", "0", "0", "0", "0", "0", "0", "slot=2")
	EV("2000.1", "start", "3", "1", ":", "0", "0", "0", "0", "0", "0", "slot=3")
	EV("2001.1", "done", "1", "1", ":", "0", "0", "1.0", "0.5", "0.5", "100", "")
	EV("2001.5", "cancel", "2", "1", ":", "-1", "15", "1.4", "0.2", "0", "100", "interrupted")
	EV("2001.5", "cancel", "3", "1", ":", "-1", "15", "1.4", "0.2", "0", "100", "interrupted")
	EV("2001.6", "down", "0", "0", ":", "0", "0", "0", "0", "0", "0", "finished")
	EV("2001.6", "end", "0", "0", "-", "0", "0", "0", "0.1", "0", "0", "done=1 failed=0 interrupted by SIGINT")
	EV("2010.0", "run", "0", "0", "-", "0", "0", "0", "0", "0", "0", "pid=2 tasks=3 done=1 hosts=1")
	EV("2010.0", "up", "0", "0", ":", "0", "0", "0", "0", "0", "0", "slots=3 agent_pid=20")
	EV("2010.1", "start", "2", "2", ":", "0", "0", "0", "0", "0", "0", "slot=1")
	"2010.2\tdone\t2\t2\t:\t0\t0\t0.1";

static const char journal_failed[] =
	EV("2020.0", "run", "0", "0", "-", "0", "0", "0", "0", "0", "0", "pid=3 tasks=3 done=1 hosts=1")
	EV("2020.0", "lost", "2", "2", ":", "0", "0", "0", "0", "0", "0", "controller stopped")
	EV("2020.0", "up", "0", "0", ":", "0", "0", "0", "0", "0", "0", "slots=3 agent_pid=30")
	EV("2020.1", "start", "3", "2", ":", "0", "0", "0", "0", "0", "0", "slot=1")
	EV("2020.2", "fail", "3", "2", ":", "1", "0", "0.1", "0", "0", "100", "exited with status 1")
	EV("2020.2", "failed", "3", "2", "-", "0", "0", "0", "0", "0", "0", "exited with status 1")
	EV("2020.3", "down", "0", "0", ":", "0", "0", "0", "0", "0", "0", "finished")
	EV("2020.3", "end", "0", "0", "-", "0", "0", "0", "0", "0", "0", "done=1 failed=1");

/* h1 is quarantined for failures and released; h2 is lost and still
 * quarantined when the run ends. */
static const char journal_quar[] =
	EV("3000.0", "run", "0", "0", "-", "0", "0", "0", "0", "0", "0", "pid=4 tasks=3 done=0 hosts=2")
	EV("3000.1", "up", "0", "0", "h1", "0", "0", "0", "0", "0", "0", "slots=1 agent_pid=40")
	EV("3000.1", "up", "0", "0", "h2", "0", "0", "0", "0", "0", "0", "slots=1 agent_pid=41")
	EV("3001.0", "quarantine", "0", "0", "h1", "0", "0", "0", "0", "0", "0", "for 1.0s: 3 task failures in a row")
	EV("3002.0", "release", "0", "0", "h1", "0", "0", "0", "0", "0", "0", "quarantine over")
	EV("3002.0", "probe", "0", "0", "h1", "0", "0", "0", "0", "0", "0", "after 1 quarantine(s)")
	EV("3003.0", "down", "0", "0", "h2", "0", "0", "0", "0", "0", "0", "connection lost")
	EV("3003.0", "quarantine", "0", "0", "h2", "0", "0", "0", "0", "0", "0", "for 1.0s: connection lost")
	EV("3003.5", "quarantine", "0", "0", "h1", "0", "0", "0", "0", "0", "0", "for 2.0s: 1 task failures in a row");

static const char journal_quar_end[] =
	EV("3004.0", "down", "0", "0", "h1", "0", "0", "0", "0", "0", "0", "finished")
	EV("3004.0", "end", "0", "0", "-", "0", "0", "0", "0", "0", "0", "done=0 failed=0");

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

/* The text a report function writes for dir (malloc'd). */
static char *text_of(int (*fn)(const char *, FILE *, struct sk_error *), const char *dir, int *rc)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct sk_error err;

	*rc = fn(dir, f, &err);
	fclose(f);
	return buf;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
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

int main(void)
{
	char dir[] = "/tmp/test_taskrun_report.XXXXXX";
	struct tr_summary s;
	struct sk_error err;
	char *out;
	int rc;

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "tasks", TASKS, "w");
	put(dir, "journal", journal_full, "w");

	CHECK(tr_summary_load(dir, &s, TR_SUMMARY_ATTEMPTS, &err) == 0);
	CHECK(s.tl.n == 3 && s.na == 5 && s.nh == 2 && s.runs == 1);
	CHECK(s.done == 3 && s.failed == 0 && s.running == 0 && s.pending == 0);
	CHECK(s.nfail == 1 && s.nlost == 0 && s.ncancel == 1);
	CHECK(strcmp(s.h[0].name, "h1") == 0 && strcmp(s.h[1].name, "h2") == 0);
	CHECK(s.h[0].slots == 2 && s.h[0].wall == 5.5 && s.h[0].alloc == 11.0);
	CHECK(s.h[1].slots == 1 && s.h[1].alloc == 5.5 && s.h[1].done == 2);
	/* Slots and speculation come from the start events' notes. */
	CHECK(s.a[0].slot == 1 && !s.a[0].spec);
	CHECK(s.a[3].task == 1 && s.a[3].attempt == 2 && s.a[3].slot == 1 && !s.a[3].spec);
	CHECK(s.a[4].task == 1 && s.a[4].attempt == 3 && s.a[4].spec);
	CHECK(strcmp(s.a[3].ev, "cancel") == 0 && s.a[3].end == 1005.5);
	CHECK(s.t[1].host == 1 && s.t[1].attempts == 3 && s.t[1].failures == 1 && s.t[1].maxrss == 512);
	CHECK(s.ctl_cpu > 0.1499 && s.ctl_cpu < 0.1501);
	CHECK(s.agent_cpu > 0.0699 && s.agent_cpu < 0.0701);
	tr_summary_release(&s);
	/* Without the attempts kept (status, text report): the same counts. */
	CHECK(tr_summary_load(dir, &s, 0, &err) == 0);
	CHECK(s.a == NULL && s.na == 5 && s.nh == 2 && s.done == 3 && s.nfail == 1 && s.ncancel == 1);
	CHECK(s.t[1].host == 1 && s.t[1].attempts == 3 && s.t[1].failures == 1 && s.t[1].open == 0);
	CHECK(s.h[1].done == 2 && s.h[0].attempts + s.h[1].attempts == 5);
	tr_summary_release(&s);

	out = text_of(tr_report_text, dir, &rc);
	CHECK(rc == 0);
	CHECKF(strcmp(out, report_full) == 0, "\n%s", out);
	free(out);
	out = text_of(tr_report_status, dir, &rc);
	CHECK(rc == 0);
	CHECKF(strcmp(out, "controller: not running\n"
		      "tasks: 3 total, 3 done, 0 failed, 0 running, 0 pending\n"
		      "host                 state        slots   done failed running\n"
		      "h1                   finished         2      1      1       0\n"
		      "h2                   finished         1      2      0       0\n"
		      "eta: finished\n") == 0, "\n%s", out);
	free(out);

	/* An interrupted run, then a killed one (torn last line): the
	 * cancelled and unfinished tasks are pending, not running. */
	put(dir, "journal", journal_stopped, "w");
	CHECK(tr_summary_load(dir, &s, TR_SUMMARY_ATTEMPTS, &err) == 0);
	CHECK(s.runs == 2 && s.na == 4 && s.ncancel == 2 && s.nlost == 0);
	CHECK(s.done == 1 && s.running == 0 && s.pending == 2);
	CHECK(s.t[1].attempts == 2 && s.t[1].state == 0);
	/* The session of the killed controller's agent ends at its last event. */
	CHECK(fabs(s.h[0].wall - 1.7) < 1e-9);
	tr_summary_release(&s);
	out = text_of(tr_report_status, dir, &rc);
	CHECK(rc == 0);
	CHECKF(starts(out, "controller: not running\n"
			  "tasks: 3 total, 1 done, 0 failed, 0 running, 2 pending\n"), "\n%s", out);
	CHECK(strstr(out, "\neta: unknown\n") != NULL);
	free(out);

	/* The next run finds task 2 lost and fails task 3 for good. */
	put(dir, "journal", "\n", "a");
	put(dir, "journal", journal_failed, "a");
	out = text_of(tr_report_text, dir, &rc);
	CHECK(rc == 0);
	CHECKF(starts(out, "tasks: 3 total, 1 done, 1 failed, 1 not done\n"
			  "attempts: 5 (1 failed, 1 lost, 2 cancelled)\n"
			  "runs: 3, wall 20.300 s\n"), "\n%s", out);
	CHECK(strstr(out, "\n     3 failed          2        1 -") != NULL);
	CHECK(strstr(out, "\n     2 pending         2        0 -") != NULL);
	free(out);

	/* Quarantines: shown from the quarantine to its release, connected
	 * or not, and counted per host; a new run starts with none. */
	put(dir, "journal", journal_quar, "w");
	out = text_of(tr_report_status, dir, &rc);
	CHECK(rc == 0);
	CHECKF(strstr(out, "\nh1                   quarantined      1      0      0       0\n"
			   "h2                   quarantined      1      0      0       0\n") != NULL, "\n%s", out);
	free(out);
	put(dir, "journal", journal_quar_end, "a");
	put(dir, "journal", EV("3005.0", "release", "0", "0", "h2", "0", "0", "0", "0", "0", "0", "quarantine over"), "a");
	out = text_of(tr_report_status, dir, &rc);
	CHECK(rc == 0);
	CHECKF(strstr(out, "\nh1                   quarantined      1      0      0       0\n"
			   "h2                   down             1      0      0       0\n") != NULL, "\n%s", out);
	free(out);
	out = text_of(tr_report_text, dir, &rc);
	CHECK(rc == 0);
	CHECKF(strstr(out, "\nh1                       1      0        0      0     0      3.900      0.000      0.000           2\n"
			   "h2                       1      0        0      0     0      2.900      0.000      0.000           1\n") != NULL,
	       "\n%s", out);
	free(out);
	put(dir, "journal", EV("3010.0", "run", "0", "0", "-", "0", "0", "0", "0", "0", "0", "pid=5 tasks=3 done=0 hosts=2"), "a");
	out = text_of(tr_report_status, dir, &rc);
	CHECK(rc == 0);
	CHECKF(strstr(out, "\nh1                   down             1      0      0       0\n") != NULL, "\n%s", out);
	free(out);

	/* Not a state directory. */
	{
		char path[512];
		snprintf(path, sizeof path, "%s/tasks", dir);
		unlink(path);
	}
	CHECK(tr_summary_load(dir, &s, TR_SUMMARY_ATTEMPTS, &err) == SK_EIO);
	CHECKF(strcmp(err.msg, "not a taskrun state directory") == 0, "%s", err.msg);
	CHECK(strcmp(err.file, dir) == 0);
	rm_dir(dir);
	return test_done();
}
