#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/slurm.h"
#include "check.h"

/* The expansion of list, joined by blanks, or the error message. */
static const char *nodes(const char *list)
{
	static char out[4096];
	struct sk_error err;
	char **v;
	int n;

	if (tr_slurm_nodes(list, &v, &n, &err) != 0) {
		snprintf(out, sizeof out, "error: %s", err.msg);
		return out;
	}
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	tr_slurm_nodes_free(v, n);
	return out;
}

static const char *cpus(const char *spec, int n)
{
	static char out[1024];
	struct sk_error err;
	int c[64];

	if (tr_slurm_cpus(spec, n, c, &err) != 0) {
		snprintf(out, sizeof out, "error: %s", err.msg);
		return out;
	}
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%d", i ? " " : "", c[i]);
	return out;
}

#define NODES(list, want) CHECKF(strcmp(nodes(list), want) == 0, "%s -> '%s'", list, nodes(list))
#define CPUS(spec, n, want) CHECKF(strcmp(cpus(spec, n), want) == 0, "%s -> '%s'", spec, cpus(spec, n))

int main(void)
{
	struct tr_hostent *h;
	struct sk_error err;
	char **v;
	int n;

	/* The expansions scontrol show hostnames gives (Slurm 22.05). */
	NODES("n1", "n1");
	NODES("n[1-3,7]", "n1 n2 n3 n7");
	NODES("n[1-2],gpu[08-10],login", "n1 n2 gpu08 gpu09 gpu10 login");
	NODES("r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2");
	NODES("x[9-11]", "x9 x10 x11");
	NODES("n[001-3]", "n001 n002 n003");
	NODES("n[07]", "n07");
	NODES("[1-2]", "1 2");
	NODES("a,,b", "a b");
	NODES("a b", "a b");
	NODES("node-[1-2].cluster", "node-1.cluster node-2.cluster");
	/* A suffix after the brackets (newer Slurm's syntax). */
	NODES("a[01-03]b", "a01b a02b a03b");
	NODES("a[1-2]b,c[3]d", "a1b a2b c3d");
	NODES("n[0-2,5-6,9]", "n0 n1 n2 n5 n6 n9");
	NODES("n[3-1]", "error: invalid hostlist 'n[3-1]': invalid range");
	NODES("x[010-8]", "error: invalid hostlist 'x[010-8]': invalid range");
	NODES("n[]", "error: invalid hostlist 'n[]': invalid range");
	NODES("n[1-]", "error: invalid hostlist 'n[1-]': invalid range");
	NODES("n[a-b]", "error: invalid hostlist 'n[a-b]': invalid range");
	NODES("n[1,,2]", "error: invalid hostlist 'n[1,,2]': invalid range");
	NODES("n[1-2", "error: invalid hostlist 'n[1-2': unbalanced '['");
	NODES("n1-2]", "error: invalid hostlist 'n1-2]': unbalanced ']'");
	NODES("n[1[2]]", "error: invalid hostlist 'n[1[2]]': nested or unbalanced brackets");
	NODES("", "error: invalid hostlist '': no nodes");
	NODES(" , ", "error: invalid hostlist ' , ': no nodes");
	NODES("n[1-1000000000]", "error: invalid hostlist 'n[1-1000000000]': invalid range");
	NODES("n[0-99999]x[0-1]", "error: invalid hostlist 'n[0-99999]x[0-1]': more than 100000 nodes");
	CHECK(tr_slurm_nodes("n[1-99999]", &v, &n, &err) == 0 && n == 99999 &&
	      strcmp(v[99998], "n99999") == 0);
	tr_slurm_nodes_free(v, n);

	CPUS("2(x3),1", 4, "2 2 2 1");
	CPUS("1", 1, "1");
	CPUS("1(x3)", 3, "1 1 1");
	CPUS("4,2(x2),8(x1)", 4, "4 2 2 8");
	CPUS("72(x2)", 2, "72 72");
	CPUS("2(x3),1", 3, "error: '2(x3),1' gives more CPU counts than the 3 nodes");
	CPUS("2(x3)", 4, "error: '2(x3)' gives 3 CPU counts for 4 nodes");
	CPUS("2(x3", 3, "error: invalid CPU counts '2(x3' (expected N or N(xM), comma-separated)");
	CPUS("2(3)", 3, "error: invalid CPU counts '2(3)' (expected N or N(xM), comma-separated)");
	CPUS("0", 1, "error: invalid CPU counts '0' (expected N or N(xM), comma-separated)");
	CPUS("-1", 1, "error: invalid CPU counts '-1' (expected N or N(xM), comma-separated)");
	CPUS("2,", 2, "error: invalid CPU counts '2,' (expected N or N(xM), comma-separated)");
	CPUS("2;1", 2, "error: invalid CPU counts '2;1' (expected N or N(xM), comma-separated)");
	CPUS("", 1, "error: invalid CPU counts '' (expected N or N(xM), comma-separated)");
	CPUS("1(x0)", 1, "error: invalid CPU counts '1(x0)' (expected N or N(xM), comma-separated)");

	CHECK(tr_slurm_hosts("n[1-2],m7", "2,1(x2)", 0, &h, &n, &err) == 0 && n == 3);
	CHECK(strcmp(h[0].name, "n1") == 0 && h[0].slots == 2 && h[0].slurm && !h[0].local);
	CHECK(strcmp(h[1].name, "n2") == 0 && h[1].slots == 1 && h[1].slurm);
	CHECK(strcmp(h[2].name, "m7") == 0 && h[2].slots == 1 && h[2].slurm);
	tr_hostfile_free(h, n);
	CHECK(tr_slurm_hosts("n[1-2]", "2(x2)", 3, &h, &n, &err) == 0 && n == 2 && h[0].slots == 3 &&
	      h[1].slots == 3);
	tr_hostfile_free(h, n);
	CHECK(tr_slurm_hosts(NULL, "1", 0, &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "SLURM_JOB_NODELIST is not set: not inside a Slurm allocation") == 0);
	CHECK(tr_slurm_hosts("n1", NULL, 0, &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "SLURM_JOB_CPUS_PER_NODE is not set: not inside a Slurm allocation") == 0);
	CHECK(tr_slurm_hosts("n[1-2]", "1", 0, &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "SLURM_JOB_CPUS_PER_NODE: '1' gives 1 CPU count for 2 nodes") == 0);
	CHECK(tr_slurm_hosts("n[2-1]", "1", 0, &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "SLURM_JOB_NODELIST: invalid hostlist 'n[2-1]': invalid range") == 0);

	/* srun's last lines as taskrun_slurm.bats met them (Slurm 22.05). */
	CHECK(tr_slurm_job_over("srun: error: Slurm job 3 has expired; srun: Check SLURM_JOB_ID environment "
				"variable. Expired or invalid job 3"));
	CHECK(tr_slurm_job_over("srun: error: Unable to create step for job 5: Job/step already completing or "
				"completed"));
	CHECK(tr_slurm_job_over("srun: error: Unable to create step for job 5: Invalid job id specified"));
	CHECK(!tr_slurm_job_over("srun: job 7 queued and waiting for resources"));
	CHECK(!tr_slurm_job_over("slurmstepd-n2: error: *** STEP 3.1 ON n2 CANCELLED AT 2026-12-07T05:51:32 ***"));
	CHECK(tr_slurm_step_ended("srun: Job step aborted: Waiting up to 4 seconds for job step to finish.; "
				  "slurmstepd-n2: error: *** STEP 3.1 ON n2 CANCELLED AT 2026-12-07T05:51:32 ***; "
				  "srun: error: n2: task 0: Terminated"));
	CHECK(tr_slurm_step_ended("slurmstepd-n3: error: *** STEP 1.2 ON n3 CANCELLED AT 2026-12-07T05:53:53 DUE "
				  "TO TIME LIMIT ***"));
	CHECK(tr_slurm_step_ended("srun: got SIGCONT; srun: error: n1: task 0: Terminated; srun: forcing job "
				  "termination"));
	CHECK(tr_slurm_step_ended("srun: error: n1: task 0: Terminated"));
	CHECK(!tr_slurm_step_ended("srun: error: n2: task 0: Killed"));
	CHECK(!tr_slurm_step_ended("no heartbeat for 3s"));
	CHECK(!tr_slurm_step_ended("srun: error: Slurm job 3 has expired; srun: Check SLURM_JOB_ID environment "
				   "variable. Expired or invalid job 3"));

	/* scontrol show job -o, as Slurm 22.05 prints it (cut after
	 * RunTime), running, cancelled, at its time limit and after. */
	{
		static const char *const pre = "JobId=4 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A "
					       "Priority=4294901756 Nice=0 Account=(null) QOS=(null) ";
		static const struct {
			const char *rest;
			const char *state, *reason;
			int ended, timelimit;
		} jt[] = {
			{"JobState=RUNNING Reason=None Dependency=(null) Requeue=1", "RUNNING", "None", 0, 0},
			{"JobState=CANCELLED Reason=None Dependency=(null) ExitCode=0:15", "CANCELLED", "None", 1, 0},
			{"JobState=COMPLETING Reason=TimeLimit Dependency=(null)", "COMPLETING", "TimeLimit", 1, 1},
			{"JobState=TIMEOUT Reason=TimeLimit Dependency=(null)\n", "TIMEOUT", "TimeLimit", 1, 1},
			{"JobState=COMPLETING Reason=None Dependency=(null)", "COMPLETING", "None", 1, 0},
			{"JobState=NODE_FAIL Reason=NodeDown", "NODE_FAIL", "NodeDown", 1, 0},
			{"JobState=SUSPENDED Reason=None", "SUSPENDED", "None", 0, 0},
			{"JobState=TIMEOUT", "TIMEOUT", "None", 1, 1},
		};
		char line[512];
		struct tr_slurm_job job;
		for (size_t i = 0; i < sizeof jt / sizeof *jt; i++) {
			snprintf(line, sizeof line, "%s%s", pre, jt[i].rest);
			CHECK(tr_slurm_job_parse(line, &job) == 0);
			CHECK(strcmp(job.state, jt[i].state) == 0 && strcmp(job.reason, jt[i].reason) == 0);
			CHECK(job.ended == jt[i].ended && job.timelimit == jt[i].timelimit);
		}
		/* A key inside another's value is not it. */
		CHECK(tr_slurm_job_parse("JobName=xJobState=RUNNING JobState=TIMEOUT", &job) == 0 &&
		      strcmp(job.state, "TIMEOUT") == 0);
		CHECK(tr_slurm_job_parse("slurm_load_jobs error: Invalid job id specified\n", &job) == SK_EFMT);
		CHECK(tr_slurm_job_parse("", &job) == SK_EFMT);
		CHECK(tr_slurm_job_parse("JobState= Reason=None", &job) == SK_EFMT);
	}
	return test_done();
}
