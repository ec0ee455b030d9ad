#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/taskrun/job.h"
#include "check.h"

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	snprintf(path, sizeof path, "/tmp/test_taskrun_job.%ld.yaml", (long)getpid());
	f = fopen(path, "w");
	if (!f)
		exit(1);
	fputs(text, f);
	fclose(f);
	return path;
}

int main(void)
{
	struct tr_job job;
	struct sk_error err;
	const char *p;

	p = write_tmp("command: \"migrate {}\"\nargs: [a.sgy, \"b c.sgy\"]\n"
		      "tasks:\n  - echo one\n  - {cmd: wc -c, stdin: in, stdout: out}\n"
		      "hosts: [\"2/node1\", \":\"]\noptions:\n  retries: 2\n  speculate: false\n");
	CHECK(tr_job_load(p, &job, &err) == 0);
	CHECK(strcmp(job.command, "migrate {}") == 0 && job.nargs == 2 && strcmp(job.args[1], "b c.sgy") == 0);
	CHECK(job.ntasks == 2 && strcmp(job.tasks[0].cmd, "echo one") == 0 && job.tasks[0].in == NULL);
	CHECK(strcmp(job.tasks[1].in, "in") == 0 && strcmp(job.tasks[1].out, "out") == 0);
	CHECK(job.hosts && strcmp(job.hosts, "2/node1\n:\n") == 0);
	CHECK(job.nopt == 2 && strcmp(job.optk[0], "retries") == 0 && strcmp(job.optv[0], "2") == 0 &&
	      strcmp(job.optv[1], "false") == 0);
	tr_job_release(&job);

	p = write_tmp("tasks:\n  - {cmd: x, bogus: 1}\n");
	CHECK(tr_job_load(p, &job, &err) == SK_EUSAGE);
	CHECK(strcmp(err.msg, "line 2, column 14: unknown task key (expected cmd, stdin or stdout)") == 0);
	CHECK(strcmp(err.file, p) == 0);
	p = write_tmp("args: [a]\n");
	CHECK(tr_job_load(p, &job, &err) == SK_EUSAGE && strcmp(err.msg, "args without command") == 0);
	p = write_tmp("- a\n");
	CHECK(tr_job_load(p, &job, &err) == SK_EUSAGE);
	CHECK(strcmp(err.msg, "line 1, column 1: expected a mapping (command, args, tasks, hosts, options)") == 0);
	p = write_tmp("tasks: [a\n");
	CHECK(tr_job_load(p, &job, &err) == SK_EUSAGE && strncmp(err.msg, "line 2, column 1: ", 18) == 0);
	unlink(p);
	CHECK(tr_job_load("/nonexistent.yaml", &job, &err) == SK_EIO);
	CHECK(strcmp(err.file, "/nonexistent.yaml") == 0 && strcmp(err.msg, "No such file or directory") == 0);
	return test_done();
}
