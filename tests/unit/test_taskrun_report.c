/* taskrun's report: a state directory (task list and journal) in, exact
 * numbers and text out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/taskrun/report.h"
#include "taskrun_journals.h"

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

int main(void)
{
	char dir[] = "/tmp/test_taskrun_report.XXXXXX";
	char *out;
	int rc;

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "tasks", TASKS, "w");
	put(dir, "journal", journal_full, "w");


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
	out = text_of(tr_report_status, dir, &rc);
	CHECK(rc == SK_EIO);
	free(out);
	rm_dir(dir);
	return test_done();
}
