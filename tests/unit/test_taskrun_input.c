#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/taskrun/input.h"
#include "check.h"

#define W(s) ((char *)(uintptr_t)(s))

int main(void)
{
	struct tr_input in;
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
	char *nocmd2[] = {(char *)(uintptr_t)":::", (char *)(uintptr_t)"echo a", (char *)(uintptr_t)":::",
			  (char *)(uintptr_t)"b", (char *)(uintptr_t)"'c'"};

	/* A template without a placeholder gets the argument appended. */
	memset(&in, 0, sizeof in);
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
	/* --keep expands as --stdout does, into the task's keep field. */
	in.keep_tmpl = "k/{/.}.bin";
	CHECK(tr_input_tasks(&in, NULL, 5, args, &l, &err) == 0 && l.n == 2);
	CHECK(l.t[0].out == NULL && strcmp(l.t[0].keep, "k/a b.bin") == 0 && strcmp(l.t[1].keep, "k/c.bin") == 0);
	tr_tasklist_release(&l);
	in.keep_tmpl = NULL;
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

	/* Several sources: every combination, the last varying fastest. */
	CHECK(tr_input_tasks(&in, NULL, 5, bad, &l, &err) == 0 && l.n == 1);
	CHECK(strcmp(l.t[0].cmd, "a x y") == 0);
	tr_tasklist_release(&l);
	{
		char *grid[] = {W("e"), W("{2}{1}"), W(":::"), W("a"), W("b"), W(":::"), W("1"), W("2"), W("3")};
		static const char *const want[] = {"e 1a", "e 2a", "e 3a", "e 1b", "e 2b", "e 3b"};
		char *linked[] = {W("e"), W(":::"), W("a"), W("b"), W("c"), W(":::+"), W("1"), W("2"),
				  W(":::"), W("x"), W("y")};
		static const char *const lwant[] = {"e a 1 x", "e a 1 y", "e b 2 x", "e b 2 y"};
		char path[] = "/tmp/test_taskrun_input.XXXXXX";
		const int fd = mkstemp(path);
		char *files[] = {W("e"), W("{1}-{2}-{3}"), W(":::"), W("$"), W("::::"), path, path};
		char *nofile[] = {W("e"), W("::::")};
		char *missing[] = {W("e"), W("::::"), W("/nonexistent/list")};
		static const char *const fwant[] = {"e '$'-p-p", "e '$'-p-'q r'", "e '$'-'q r'-p",
						    "e '$'-'q r'-'q r'"};

		CHECK(tr_input_tasks(&in, NULL, 9, grid, &l, &err) == 0 && l.n == 6);
		for (long i = 0; i < l.n && i < 6; i++)
			CHECK(strcmp(l.t[i].cmd, want[i]) == 0);
		tr_tasklist_release(&l);
		/* Linked sources move together and stop at the shortest. */
		CHECK(tr_input_tasks(&in, NULL, 11, linked, &l, &err) == 0 && l.n == 4);
		for (long i = 0; i < l.n && i < 4; i++)
			CHECK(strcmp(l.t[i].cmd, lwant[i]) == 0);
		tr_tasklist_release(&l);
		/* :::: files: a source per file, a line per argument. */
		CHECK(fd >= 0 && write(fd, "p\nq r\n", 6) == 6 && close(fd) == 0);
		in.tag = 1;
		CHECK(tr_input_tasks(&in, NULL, 7, files, &l, &err) == 0 && l.n == 4);
		for (long i = 0; i < l.n && i < 4; i++)
			CHECK(strcmp(l.t[i].cmd, fwant[i]) == 0);
		CHECK(l.n == 4 && strcmp(l.t[3].tag, "$ q r q r") == 0);
		in.tag = 0;
		tr_tasklist_release(&l);
		unlink(path);
		CHECK(tr_input_tasks(&in, NULL, 2, nofile, &l, &err) == SK_EARG);
		CHECK(strcmp(err.msg, ":::: without a file") == 0);
		CHECK(tr_input_tasks(&in, NULL, 3, missing, &l, &err) == SK_EIO);
		CHECK(strcmp(err.file, "/nonexistent/list") == 0 && strcmp(err.msg, "No such file or directory") == 0);
		tr_tasklist_release(&l);
	}
	/* Without a command, the arguments are the command lines (GNU
	 * parallel's ::: cmd1 cmd2), a combination joined by blanks. */
	CHECK(tr_input_tasks(&in, NULL, 2, nocmd, &l, &err) == 0 && l.n == 1 && strcmp(l.t[0].cmd, "y") == 0);
	tr_tasklist_release(&l);
	CHECK(tr_input_tasks(&in, NULL, 5, nocmd2, &l, &err) == 0 && l.n == 2);
	CHECK(l.n == 2 && strcmp(l.t[0].cmd, "echo a b") == 0 && strcmp(l.t[1].cmd, "echo a 'c'") == 0);
	tr_tasklist_release(&l);
	{
		/* -a twice: two sources, before those of the command line,
		 * as GNU parallel's -a; with the command words, combined. */
		char p1[] = "/tmp/test_taskrun_input.a1.XXXXXX", p2[] = "/tmp/test_taskrun_input.a2.XXXXXX";
		const int f1 = mkstemp(p1), f2 = mkstemp(p2);
		const char *files2[] = {p1, p2};
		char *cmd2[] = {(char *)(uintptr_t)"echo", (char *)(uintptr_t)":::", (char *)(uintptr_t)"z"};
		CHECK(f1 >= 0 && write(f1, "x y\nw\n", 6) == 6 && close(f1) == 0);
		CHECK(f2 >= 0 && write(f2, "1\n", 2) == 2 && close(f2) == 0);
		in.argfiles = files2;
		in.nargfiles = 2;
		CHECK(tr_input_tasks(&in, NULL, 1, cmd2, &l, &err) == 0 && l.n == 2);
		CHECK(l.n == 2 && strcmp(l.t[0].cmd, "echo 'x y' 1") == 0 && strcmp(l.t[1].cmd, "echo w 1") == 0);
		tr_tasklist_release(&l);
		CHECK(tr_input_tasks(&in, NULL, 3, cmd2, &l, &err) == 0 && l.n == 2);
		CHECK(l.n == 2 && strcmp(l.t[0].cmd, "echo 'x y' 1 z") == 0 && strcmp(l.t[1].cmd, "echo w 1 z") == 0);
		tr_tasklist_release(&l);
		/* Without a command: the lines joined are the command lines. */
		CHECK(tr_input_tasks(&in, NULL, 0, NULL, &l, &err) == 0 && l.n == 2);
		CHECK(l.n == 2 && strcmp(l.t[0].cmd, "x y 1") == 0 && strcmp(l.t[1].cmd, "w 1") == 0);
		tr_tasklist_release(&l);
		/* One -a with :::: a source too. */
		in.nargfiles = 1;
		CHECK(tr_input_tasks(&in, NULL, 3, cmd2, &l, &err) == 0 && l.n == 2);
		CHECK(l.n == 2 && strcmp(l.t[0].cmd, "echo 'x y' z") == 0 && strcmp(l.t[1].cmd, "echo w z") == 0);
		tr_tasklist_release(&l);
		unlink(p1);
		unlink(p2);
	}
	{
		static const char *const missing1[] = {"/nonexistent/args"};
		in.argfiles = missing1;
		in.nargfiles = 1;
	}
	CHECK(tr_input_tasks(&in, NULL, 0, NULL, &l, &err) == SK_EIO);
	CHECK(strcmp(err.file, "/nonexistent/args") == 0 && strcmp(err.msg, "No such file or directory") == 0);
	tr_tasklist_release(&l);
	return test_done();
}
