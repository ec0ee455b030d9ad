/* Unit tests of cmd/taskrun/output.c: task output grouped per task, in task
 * order with -k, tagged with --tag, line by line with --line-buffer, and
 * the --joblog line; fd 1 and 2 are captured in temporary files. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/taskrun/sched_int.h"
#include "check.h"

#define W(s) ((char *)(uintptr_t)(s))

struct capture {
	int saved[3], file[3];
};

static void capture_start(struct capture *k)
{
	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++) {
		char path[] = "/tmp/test_taskrun_output.XXXXXX";
		k->file[fd] = mkstemp(path);
		unlink(path);
		k->saved[fd] = dup(fd);
		dup2(k->file[fd], fd);
	}
}

/* Restores fd 1 and 2 and returns what was written to fd (malloc'd). */
static char *capture_end(struct capture *k, char **err)
{
	char *got[3] = {NULL, NULL, NULL};

	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++) {
		const off_t n = lseek(k->file[fd], 0, SEEK_END);
		dup2(k->saved[fd], fd);
		close(k->saved[fd]);
		got[fd] = calloc(1, (size_t)n + 1);
		if (got[fd] && pread(k->file[fd], got[fd], (size_t)n, 0) != n)
			got[fd][0] = '\0';
		close(k->file[fd]);
	}
	*err = got[2];
	return got[1];
}

static int same(const char *what, const char *got, const char *want)
{
	const int ok = got && strcmp(got, want) == 0;
	if (!ok)
		printf("# %s: got '%s', want '%s'\n", what, got ? got : "(null)", want);
	return ok;
}

/* A controller of two tasks on one local host, with opts o. */
static void make_ctl(struct tr_ctl *c, struct tr_sched_opts *o, struct tr_tasklist *tl, struct tr_tstate *ts,
		     struct tr_host *h, struct tr_attempt *a)
{
	struct sk_error err;

	memset(c, 0, sizeof *c);
	memset(ts, 0, 2 * sizeof *ts);
	memset(h, 0, sizeof *h);
	memset(a, 0, 2 * sizeof *a);
	h->name = W(":");
	c->o = o;
	c->tl = tl;
	c->ts = ts;
	c->h = h;
	c->nh = 1;
	for (int i = 0; i < 2; i++) {
		ts[i].st = TR_T_ACTIVE;
		a[i].task = i;
		a[i].slot = i + 1;
		a[i].err_fd = a[i].in_fd = -1;
		a[i].out.fd = -1;
	}
	CHECK(tr_output_open(c, &err) == 0);
}

int main(void)
{
	struct tr_sched_opts o;
	struct tr_tasklist tl = {0};
	struct tr_tstate ts[2];
	struct tr_host h;
	struct tr_attempt a[2];
	struct tr_ctl c;
	struct capture k;
	char *out, *err;

	CHECK(tr_tasklist_add(&tl, strdup("echo \x1e a"), NULL, NULL) == 0);
	CHECK(tr_tasklist_add(&tl, strdup("echo b"), NULL, NULL) == 0);
	tl.t[0].tag = strdup("a 1");
	tl.t[1].tag = strdup("b");

	/* Grouped, -k: task 2 finishes first and waits for task 1; --tag
	 * starts every line, also across the pieces the data came in. */
	memset(&o, 0, sizeof o);
	o.keep = 1;
	o.tag = 1;
	make_ctl(&c, &o, &tl, ts, &h, a);
	capture_start(&k);
	tr_output_data(&c, &a[1], 1, "b out\nb par", 11);
	tr_output_data(&c, &a[1], 2, "b err\n", 6);
	tr_output_data(&c, &a[1], 1, "tial", 4);
	ts[1].st = TR_T_DONE;
	tr_output_end(&c, &a[1], 1);
	tr_output_data(&c, &a[0], 1, "a o", 3);
	tr_output_data(&c, &a[0], 1, "ut\n\n", 4);
	out = capture_end(&k, &err);
	CHECK(same("task 2 before task 1 with -k", out, ""));
	free(out);
	free(err);
	capture_start(&k);
	ts[0].st = TR_T_FAILED;
	tr_output_end(&c, &a[0], 1);
	tr_output_flush(&c, 0);
	out = capture_end(&k, &err);
	CHECK(same("-k stdout", out, "a 1\ta out\na 1\t\nb\tb out\nb\tb partial"));
	CHECK(same("-k stderr", err, "b\tb err\n"));
	CHECK(c.next_emit == 2);
	free(out);
	free(err);
	tr_output_close(&c);
	tr_drop_attempt_files(&a[0]);
	tr_drop_attempt_files(&a[1]);

	/* An attempt that is retried leaves nothing; without -k a task's
	 * output goes out when it ends, stdout and stderr each whole. */
	free(tl.t[1].tag);
	tl.t[1].tag = NULL;
	memset(&o, 0, sizeof o);
	make_ctl(&c, &o, &tl, ts, &h, a);
	capture_start(&k);
	tr_output_data(&c, &a[0], 1, "dropped\n", 8);
	tr_output_end(&c, &a[0], 0);
	tr_drop_attempt_files(&a[0]);
	tr_output_data(&c, &a[1], 2, "e1\n", 3);
	tr_output_data(&c, &a[1], 1, "o1\n", 3);
	tr_output_data(&c, &a[1], 2, "e2", 2);
	tr_output_end(&c, &a[1], 1);
	out = capture_end(&k, &err);
	CHECK(same("grouped stdout", out, "o1\n"));
	CHECK(same("grouped stderr", err, "e1\ne2"));
	CHECK(a[1].rx == 3 && a[0].rx == 8);
	free(out);
	free(err);
	tr_output_close(&c);
	tr_drop_attempt_files(&a[1]);

	/* --line-buffer: whole lines at once, the rest when the attempt
	 * ends, tagged. */
	memset(&o, 0, sizeof o);
	o.linebuf = 1;
	o.tag = 1;
	make_ctl(&c, &o, &tl, ts, &h, a);
	capture_start(&k);
	tr_output_data(&c, &a[0], 1, "a1\na", 4);
	tr_output_data(&c, &a[1], 1, "b1\n", 3);
	tr_output_data(&c, &a[0], 1, "2", 1);
	tr_output_data(&c, &a[0], 2, "e1\ne", 4);
	out = capture_end(&k, &err);
	CHECK(same("line by line", out, "a 1\ta1\nb1\n"));
	CHECK(same("line by line, stderr", err, "a 1\te1\n"));
	free(out);
	free(err);
	capture_start(&k);
	tr_output_end(&c, &a[0], 1);
	out = capture_end(&k, &err);
	CHECK(same("the unfinished line", out, "a 1\ta2"));
	CHECK(same("the unfinished line, stderr", err, "a 1\te"));
	free(out);
	free(err);
	tr_output_close(&c);
	tr_drop_attempt_files(&a[0]);
	tr_drop_attempt_files(&a[1]);

	/* The --joblog line: parallel's columns, {%} as run. */
	{
		char path[] = "/tmp/test_taskrun_joblog.XXXXXX";
		const int fd = mkstemp(path);
		char buf[512] = "";
		memset(&o, 0, sizeof o);
		o.joblog = path;
		make_ctl(&c, &o, &tl, ts, &h, a);
		a[0].wstart = 1700000000.25;
		a[0].rx = 42;
		a[0].tx = 70000;
		a[0].window = 5;   /* not yet acknowledged: not the count */
		a[0].slot = 1;     /* on its host */
		a[0].jobslot = 3;  /* {%}, over all hosts */
		tr_joblog_line(&c, &a[0], -1, 9, 1.5);
		tr_joblog_line(&c, &a[1], 4, 0, 12.0625);
		tr_output_close(&c);
		CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) > 0);
		CHECK(same("joblog", buf,
			   "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
			   "1\t:\t1700000000.250\t     1.500\t70000\t42\t0\t9\techo 3 a\n"
			   "2\t:\t0.000\t    12.062\t0\t0\t4\t0\techo b\n"));
		close(fd);
		unlink(path);
	}
	tr_tasklist_release(&tl);
	return test_done();
}
