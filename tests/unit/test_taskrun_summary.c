/* taskrun's summary of a state directory: a task list and journal in, exact
 * counts per task, attempt and host out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/taskrun/summary.h"
#include "taskrun_journals.h"

int main(void)
{
	char dir[] = "/tmp/test_taskrun_summary.XXXXXX";
	struct tr_summary s;
	struct sk_error err;

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
