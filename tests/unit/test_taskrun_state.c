#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/taskrun/proto.h"
#include "../../cmd/taskrun/state.h"
#include "check.h"

int main(void)
{
	struct tr_tasklist l = {0}, back;
	struct tr_event e, f, *ev;
	struct sk_error err;
	struct tr_journal j;
	struct tr_state s, s2;
	char dir[] = "/tmp/test_taskrun_state.XXXXXX", line[1024], path[512];
	char *text;
	long n;
	double left;
	struct stat st;

	CHECK(tr_tasklist_add(&l, strdup("echo 'a\tb'\nx \\ y"), NULL, strdup("out/1")) == 0);
	CHECK(tr_tasklist_add(&l, strdup("true"), strdup("in 2"), NULL) == 0);
	text = tr_tasklist_format(&l);
	CHECK(text && strcmp(text, "taskrun tasks 1\necho 'a\\tb'\\nx \\\\ y\t\tout/1\ntrue\tin 2\t\n") == 0);
	CHECK(tr_tasklist_parse(text, &back, &err) == 0 && back.n == 2);
	CHECK(strcmp(back.t[0].cmd, l.t[0].cmd) == 0 && back.t[0].in == NULL && strcmp(back.t[0].out, "out/1") == 0);
	CHECK(strcmp(back.t[1].in, "in 2") == 0 && back.t[1].out == NULL);
	tr_tasklist_release(&back);
	/* A --keep path is a fourth field, only on the tasks that have one. */
	CHECK((l.t[1].keep = strdup("k/2\tx")) != NULL);
	free(text);
	text = tr_tasklist_format(&l);
	CHECK(text && strcmp(text, "taskrun tasks 1\necho 'a\\tb'\\nx \\\\ y\t\tout/1\ntrue\tin 2\t\tk/2\\tx\n") == 0);
	CHECK(tr_tasklist_parse(text, &back, &err) == 0 && back.n == 2);
	CHECK(back.t[0].keep == NULL && strcmp(back.t[1].keep, "k/2\tx") == 0 && back.t[1].out == NULL);
	tr_tasklist_release(&back);
	/* --where and --apart: a fifth and sixth field (the fourth then
	 * always there, empty without --keep); a list without them reads as
	 * before. */
	CHECK((l.t[0].where = strdup("node1,node2")) != NULL && (l.t[0].apart = strdup("7")) != NULL);
	free(text);
	text = tr_tasklist_format(&l);
	CHECK(text && strcmp(text, "taskrun tasks 1\necho 'a\\tb'\\nx \\\\ y\t\tout/1\t\tnode1,node2\t7\n"
				   "true\tin 2\t\tk/2\\tx\n") == 0);
	CHECK(tr_tasklist_parse(text, &back, &err) == 0 && back.n == 2);
	CHECK(back.t[0].keep == NULL && strcmp(back.t[0].where, "node1,node2") == 0 &&
	      strcmp(back.t[0].apart, "7") == 0 && strcmp(back.t[0].out, "out/1") == 0);
	CHECK(back.t[1].where == NULL && back.t[1].apart == NULL && strcmp(back.t[1].keep, "k/2\tx") == 0);
	tr_tasklist_release(&back);
	/* Five fields: a where without its apart is malformed. */
	CHECK(tr_tasklist_parse("taskrun tasks 1\nc\t\t\tk\tnode1\n", &back, &err) == SK_EFMT);
	CHECK(tr_tasklist_parse("taskrun tasks 1\nno tabs\n", &back, &err) == SK_EFMT);
	CHECK(tr_tasklist_parse("other\n", &back, &err) == SK_EFMT);

	tr_event_init(&e, "done");
	e.task = 17;
	e.attempt = 2;
	snprintf(e.host, sizeof e.host, "node1");
	e.status = 3;
	e.wall = 1.5;
	e.user = 0.25;
	e.maxrss = 1234;
	snprintf(e.note, sizeof e.note, "tab\there\nnewline");
	CHECK(tr_event_format(&e, line, sizeof line) > 0);
	line[strlen(line) - 1] = '\0';
	CHECK(tr_event_parse(line, &f) == 0);
	CHECK(f.task == 17 && f.attempt == 2 && strcmp(f.host, "node1") == 0 && f.status == 3 &&
	      f.wall == 1.5 && f.user == 0.25 && f.maxrss == 1234 && strcmp(f.note, "tab here newline") == 0);
	CHECK(tr_event_parse("1\tdone\t1", &f) == SK_EFMT);
	/* The line is printf's, byte for byte: numbers in every range,
	 * rounding ties and near-ties of the sixth decimal, negative and
	 * huge values (snprintf's own path). */
	{
		static const double fixed[] = {0, 0.0000005, 0.0000015, 0.0000025, 0.9999995, 0.99999949999,
					       1.5, 1796492004.051797, 1796492004.0517975, 1e15, 3e16, -0.25,
					       -1796492004.5, 123456.0000004999, 0.1, 0.7, 9.9999999};
		unsigned long long r = 88172645463325252ULL;
		int same = 1;
		for (int i = 0; i < 300000; i++) {
			char ref[1024];
			double x;
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			if (i < (int)(sizeof fixed / sizeof fixed[0]))
				x = fixed[i];
			else if (i % 3 == 0)
				x = 1.7e9 + (double)(r % 100000000000ULL) / 1e6 + (i % 2 ? 5e-7 : 0);
			else if (i % 3 == 1)
				x = (double)(r % 1000000000ULL) / 1e7;
			else
				x = (double)(r >> 11) * 0x1p-53 * 1000;
			e.t = x;
			e.wall = x / 3;
			e.user = (double)(r % 1000) / 2e6;
			e.sys = x * 1e-9;
			e.task = (long)(r % 2000000) - 1000;
			e.status = -(int)(r % 3);
			e.maxrss = (long)(r >> 40);
			snprintf(ref, sizeof ref, "%.6f\t%s\t%ld\t%d\t%s\t%d\t%d\t%.6f\t%.6f\t%.6f\t%ld\t%s\n", e.t, e.ev,
				 e.task, e.attempt, e.host, e.status, e.sig, e.wall, e.user, e.sys, e.maxrss,
				 "tab here newline");
			if (tr_event_format(&e, line, sizeof line) != (int)strlen(ref) || strcmp(line, ref) != 0) {
				fprintf(stderr, "format of %.17g:\n%s%s", x, line, ref);
				same = 0;
				break;
			}
		}
		CHECK(same);
		/* Cut as snprintf cuts, with the whole length returned. */
		CHECK(tr_event_format(&e, line, 8) > 8 && strlen(line) == 7);
		e.t = 0;
		e.wall = e.sys = 0;
		e.user = 0.25;
		e.task = 17;
		e.status = 3;
		e.maxrss = 1234;
		e.wall = 1.5;
	}

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/st", dir);
	CHECK(tr_state_open(&s, path, &err) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(tr_state_holder(path) == 0 || tr_state_holder(path) == (long)getpid());
	CHECK(tr_state_tasks(&s, &l, 0, &err) == 0);
	CHECK(tr_state_tasks(&s, &l, 0, &err) == 0);
	free(l.t[1].cmd);
	l.t[1].cmd = strdup("false");
	CHECK(tr_state_tasks(&s, &l, 0, &err) == SK_ESTATE);
	CHECK(strcmp(err.file, path) == 0 &&
	      strcmp(err.msg, "the task list differs from the one in the state directory (--fresh starts over)") == 0);
	CHECK(tr_state_tasks(&s, &l, 1, &err) == 0);
	snprintf(line, sizeof line, "%s/old.1/tasks", path);
	CHECK(access(line, F_OK) == 0);

	/* The journal: appended, synced, a torn last line ignored and
	 * terminated before the next event. */
	snprintf(line, sizeof line, "%s/journal", path);
	CHECK(tr_journal_open(&j, line, 1, &err) == 0);
	CHECK(tr_journal_write(&j, &e, &err) == 0);
	CHECK(write(j.fd, "123.0\tstart\t4", 13) == 13);
	tr_journal_close(&j);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 1 && ev[0].task == 17);
	free(ev);
	CHECK(tr_journal_open(&j, line, 0, &err) == 0);
	e.task = 18;
	CHECK(tr_journal_write(&j, &e, &err) == 0);
	tr_journal_close(&j);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 2 && ev[1].task == 18);
	free(ev);
	/* Group commit: put holds the line until a flush (one write for the
	 * lines of a pass: a reader sees them after it, before any sync)
	 * and marks the journal dirty; write and sync clear it. */
	CHECK(tr_journal_open(&j, line, 1, &err) == 0);
	CHECK(j.dirty == 0);
	CHECK(tr_journal_due(&j, tr_mono(), &left) == 0 && left == 0);
	e.task = 19;
	CHECK(tr_journal_put(&j, &e, &err) == 0 && j.dirty == 1);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 2);
	free(ev);
	/* Due TR_JOURNAL_DELAY after the first line put, or at once when
	 * one is urgent. */
	CHECK(tr_journal_due(&j, j.since, &left) == 0 && left == TR_JOURNAL_DELAY);
	CHECK(tr_journal_due(&j, j.since + TR_JOURNAL_DELAY * 0.75, &left) == 0 && left > 0 &&
	      left < TR_JOURNAL_DELAY * 0.26);
	CHECK(tr_journal_due(&j, j.since + TR_JOURNAL_DELAY, &left) == 1 && left == 0);
	j.urgent = 1;
	CHECK(tr_journal_due(&j, j.since, &left) == 1);
	CHECK(tr_journal_flush(&j, &err) == 0 && j.dirty == 1 && j.len == 0);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 3 && ev[2].task == 19);
	free(ev);
	CHECK(tr_journal_sync(&j, &err) == 0 && j.dirty == 0 && j.urgent == 0);
	CHECK(tr_journal_due(&j, tr_mono() + 10, &left) == 0);
	CHECK(tr_journal_sync(&j, &err) == 0 && j.dirty == 0);
	e.task = 20;
	CHECK(tr_journal_put(&j, &e, &err) == 0 && j.dirty == 1);
	e.task = 21;
	CHECK(tr_journal_write(&j, &e, &err) == 0 && j.dirty == 0);
	/* Close writes what was put. */
	e.task = 22;
	CHECK(tr_journal_put(&j, &e, &err) == 0);
	tr_journal_close(&j);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 6 && ev[3].task == 20 && ev[4].task == 21 &&
	      ev[5].task == 22);
	free(ev);
	/* Lines put are written by themselves once 64 KiB wait. */
	CHECK(tr_journal_open(&j, line, 0, &err) == 0);
	for (int i = 0; i < 2000; i++) {
		e.task = 100 + i;
		CHECK(tr_journal_put(&j, &e, &err) == 0);
		if (j.len == 0)
			break;
	}
	CHECK(j.len == 0 && e.task > 200 && e.task < 2100);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 6 + e.task - 99 && ev[n - 1].task == e.task);
	free(ev);
	tr_journal_close(&j);
	snprintf(line, sizeof line, "%s/none", path);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 0);
	/* A journal that cannot be written names itself. */
	CHECK(tr_journal_open(&j, "/dev/full", 0, &err) == 0);
	CHECK(tr_journal_write(&j, &e, &err) == SK_EIO);
	CHECK(strcmp(err.file, "/dev/full") == 0 && strcmp(err.msg, "No space left on device") == 0);
	tr_journal_close(&j);
	CHECK(j.fd == -1 && j.path == NULL);

	chmod(path, 0755);
	CHECK(tr_state_open(&s2, path, &err) == SK_ESTATE);
	CHECK(strcmp(err.file, path) == 0 && strcmp(err.msg, "accessible by other users (expected mode 0700)") == 0);
	tr_state_close(&s2);
	chmod(path, 0700);
	tr_state_close(&s);
	snprintf(line, sizeof line, "rm -rf '%s'", dir);
	CHECK(system(line) == 0);
	tr_tasklist_release(&l);
	free(text);
	return test_done();
}
