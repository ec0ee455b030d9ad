#include <string.h>

#include "../../cmd/taskrun/launcher.h"
#include "check.h"

static const char *lines(const char *text, int max, size_t n)
{
	static char out[512];
	tr_launcher_lines(text, max, out, n);
	return out;
}

#define LINES(text, max, n, want) \
	CHECKF(strcmp(lines(text, max, n), want) == 0, "'%s'", lines(text, max, n))

int main(void)
{
	char out[64];
	const char *srun = "srun: job 5 queued and waiting for resources\n"
			   "slurmstepd: error: execve(): taskrun: No such file or directory\n"
			   "srun: error: n1: task 0: Exited with exit code 2\n";

	LINES(srun, 3, 512,
	      "srun: job 5 queued and waiting for resources; slurmstepd: error: execve(): taskrun: No such "
	      "file or directory; srun: error: n1: task 0: Exited with exit code 2");
	LINES(srun, 2, 512,
	      "slurmstepd: error: execve(): taskrun: No such file or directory; srun: error: n1: task 0: "
	      "Exited with exit code 2");
	LINES(srun, 1, 512, "srun: error: n1: task 0: Exited with exit code 2");
	LINES("a\r\n\n  \nb  \n\n\n", 3, 512, "a; b");
	LINES("only", 3, 512, "only");
	/* slurmstepd says the cancellation twice. */
	LINES("x\nslurmstepd-n2: error: *** STEP 8.0 ON n2 CANCELLED ***\n"
	      "slurmstepd-n2: error: *** STEP 8.0 ON n2 CANCELLED ***\nsrun: error: n2: task 0: Killed\n",
	      3, 512, "x; slurmstepd-n2: error: *** STEP 8.0 ON n2 CANCELLED ***; srun: error: n2: task 0: Killed");
	LINES("a\nb\na\n", 3, 512, "a; b; a");
	LINES("a\na\n\na\n", 3, 512, "a");
	LINES("\n\n", 3, 512, "");
	LINES("", 3, 512, "");
	LINES("x\ny\nz\n", 3, 6, "x; y;");
	LINES("x\ny\nz\n", 0, 512, "");
	CHECK(tr_launcher_lines(srun, 3, out, sizeof out) == 3 && strlen(out) == sizeof out - 1);
	CHECK(tr_launcher_lines("a\n\nb\n", 5, out, sizeof out) == 2 && strcmp(out, "a; b") == 0);
	return test_done();
}
