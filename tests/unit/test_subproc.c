/* subproc (lib/core/subproc.c): a helper program's exit status and output,
 * the program beside this one, and the start of a taskrun child's command
 * line that segsplit --hosts and segmerge's sums on hosts share. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "subproc.h"

int main(void)
{
	struct sk_error err;
	char *out = NULL, buf[4096];
	char sh[] = "sh", c[] = "-c", xy[] = "x y", none[] = "segkit-no-such-program";
	char s_echo[] = "printf 'a b\\n%s' \"$0\"", s_exit[] = "exit 7", s_kill[] = "kill -TERM $$";
	char *echo[] = {sh, c, s_echo, xy, NULL};
	char *fail[] = {sh, c, s_exit, NULL};
	char *killed[] = {sh, c, s_kill, NULL};
	char *missing[] = {none, NULL};
	char *argv[SK_SUBPROC_TASKRUN_ARGS + 1];
	const char *p;
	int n;

	/* Output read whole, arguments passed as they are. */
	CHECK(sk_subproc_run(echo, &out, &err) == 0 && out && strcmp(out, "a b\nx y") == 0);
	free(out);
	out = NULL;
	/* Exit status, and 128 + signal when killed. */
	CHECK(sk_subproc_run(fail, NULL, &err) == 7);
	CHECK(sk_subproc_run(killed, &out, &err) == 128 + 15);
	free(out);
	/* A program not on PATH: the shell's 127. */
	CHECK(sk_subproc_run(missing, NULL, &err) == 127);

	/* The sibling: none beside this test program, so the name itself. */
	p = sk_subproc_sibling("segkit-no-such-program", buf, sizeof buf);
	CHECK(strcmp(p, "segkit-no-such-program") == 0);

	/* taskrun's command line: the fixed options, then --ssh and --agent
	 * only when given. */
	n = sk_subproc_taskrun_argv(argv, "taskrun", "h", "s", NULL, NULL);
	argv[n] = NULL;
	CHECK(n == 8);
	CHECK(strcmp(argv[0], "taskrun") == 0 && strcmp(argv[1], "-H") == 0 && strcmp(argv[2], "h") == 0 &&
	      strcmp(argv[3], "-s") == 0 && strcmp(argv[4], "s") == 0 && strcmp(argv[5], "--no-progress") == 0 &&
	      strcmp(argv[6], "--fresh") == 0 && strcmp(argv[7], "--locality-wait=30s") == 0);
	n = sk_subproc_taskrun_argv(argv, "/x/taskrun", "h", "s", "ssh -p 2222", "/y/taskrun agent");
	CHECK(n == SK_SUBPROC_TASKRUN_ARGS);
	CHECK(strcmp(argv[0], "/x/taskrun") == 0 && strcmp(argv[8], "--ssh") == 0 &&
	      strcmp(argv[9], "ssh -p 2222") == 0 && strcmp(argv[10], "--agent") == 0 &&
	      strcmp(argv[11], "/y/taskrun agent") == 0);
	n = sk_subproc_taskrun_argv(argv, "t", "h", "s", NULL, "a");
	CHECK(n == 10 && strcmp(argv[8], "--agent") == 0 && strcmp(argv[9], "a") == 0);
	return test_done();
}
