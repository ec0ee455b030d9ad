#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/input.h"
#include "check.h"

int main(void)
{
	struct tr_input in = {NULL, NULL, NULL};
	struct tr_tasklist l = {0};
	struct sk_error err;
	struct tr_job job;
	struct tr_jobtask jt = {(char *)(uintptr_t)"echo job", NULL, NULL};
	char *args[] = {(char *)(uintptr_t)"gzip", (char *)(uintptr_t)"-c", (char *)(uintptr_t)":::",
			(char *)(uintptr_t)"a b", (char *)(uintptr_t)"c"};
	char *args2[] = {(char *)(uintptr_t)"wc", (char *)(uintptr_t)"{/}", (char *)(uintptr_t)":::",
			 (char *)(uintptr_t)"d/x.sgy"};
	char *bad[] = {(char *)(uintptr_t)"a", (char *)(uintptr_t)":::", (char *)(uintptr_t)"x",
		       (char *)(uintptr_t)":::", (char *)(uintptr_t)"y"};
	char *nocmd[] = {(char *)(uintptr_t)":::", (char *)(uintptr_t)"y"};

	/* A template without a placeholder gets the argument appended. */
	CHECK(tr_input_tasks(&in, NULL, 5, args, &l, &err) == 0 && l.n == 2);
	CHECK(strcmp(l.t[0].cmd, "gzip -c 'a b'") == 0 && strcmp(l.t[1].cmd, "gzip -c c") == 0);
	CHECK(l.t[0].in == NULL && l.t[0].out == NULL);
	tr_tasklist_release(&l);

	/* --stdin/--stdout templates are expanded unquoted; with --stdin
	 * nothing is appended. */
	in.in_tmpl = "parts/{}";
	in.out_tmpl = "img/{/.}.out";
	CHECK(tr_input_tasks(&in, NULL, 5, args, &l, &err) == 0 && l.n == 2);
	CHECK(strcmp(l.t[0].cmd, "gzip -c") == 0 && strcmp(l.t[0].in, "parts/a b") == 0 &&
	      strcmp(l.t[0].out, "img/a b.out") == 0);
	tr_tasklist_release(&l);
	in.in_tmpl = in.out_tmpl = NULL;
	CHECK(tr_input_tasks(&in, NULL, 4, args2, &l, &err) == 0 && l.n == 1 &&
	      strcmp(l.t[0].cmd, "wc x.sgy") == 0);
	tr_tasklist_release(&l);

	/* Job file tasks come first, then its command, then the command line. */
	memset(&job, 0, sizeof job);
	job.tasks = &jt;
	job.ntasks = 1;
	job.command = (char *)(uintptr_t)"echo {#}";
	CHECK(tr_input_tasks(&in, &job, 5, args, &l, &err) == 0 && l.n == 4);
	CHECK(strcmp(l.t[0].cmd, "echo job") == 0 && strcmp(l.t[1].cmd, "echo 2") == 0 &&
	      strcmp(l.t[2].cmd, "gzip -c 'a b'") == 0);
	tr_tasklist_release(&l);

	CHECK(tr_input_tasks(&in, NULL, 5, bad, &l, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "only one ::: group is supported") == 0);
	CHECK(tr_input_tasks(&in, NULL, 2, nocmd, &l, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "::: without a command") == 0);
	in.argfile = "/nonexistent/args";
	CHECK(tr_input_tasks(&in, NULL, 0, NULL, &l, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "/nonexistent/args: No such file or directory") == 0);
	tr_tasklist_release(&l);
	return test_done();
}
