/*
 * sched: the controller.  Starts one agent per host (ssh, or directly for
 * local slots), hands tasks to free slots, streams task data, retries failed
 * tasks on other hosts, requeues the tasks of lost hosts, quarantines
 * failing hosts, duplicates stragglers, and records every event in the
 * journal of the state directory.
 */
#ifndef TR_SCHED_H
#define TR_SCHED_H

#include "diag.h"
#include "state.h"

#define TR_CLUSTER_AUTO (-1)
#define TR_CLUSTER_MAX 100      /* tasks in one request, at most */

/* --halt: when to stop early. */
enum { TR_HALT_NEVER, TR_HALT_SOON, TR_HALT_NOW };
struct tr_halt {
	int when;                 /* TR_HALT_*: soon starts no more tasks, now
				     also kills the running ones */
	int on;                   /* TR_HALT_FAIL, _SUCCESS or _DONE (either) */
	long n;                   /* that many tasks, or percent with pct */
	int pct;                  /* n is a percentage of all the tasks */
};
enum { TR_HALT_FAIL, TR_HALT_SUCCESS, TR_HALT_DONE };

struct tr_sched_opts {
	const char *hostfile;     /* -H FILE, re-read on change and SIGUSR1; or NULL */
	const char *hosts_text;   /* hosts from a job file when no -H; or NULL */
	int jobs;                 /* local slots when there are no hosts */
	char **ssh;               /* --ssh words */
	char **agent;             /* --agent words */
	char **srun;              /* the launcher of Slurm nodes' agents */
	char **srun_agent;        /* their agent command */
	const char *self;         /* this program, to start local agents */
	int retries;
	double timeout;           /* per attempt, seconds; 0: none */
	double lease;             /* seconds */
	double backoff;           /* first quarantine, seconds */
	double locwait;           /* --locality-wait: how long a task with
				     --where hosts waits for one, seconds */
	int speculate;
	int cluster;              /* --cluster: tasks per request (1: none), or
				     TR_CLUSTER_AUTO */
	const char *state;        /* -s DIR, or NULL */
	int fresh;
	int progress;             /* 1 on, 0 off, -1 on a terminal */
	int keep;                 /* -k: task output in task order */
	int tag;                  /* --tag: lines start with the task's tag */
	int linebuf;              /* --line-buffer: lines as they come */
	const char *joblog;       /* --joblog FILE, or NULL */
	const char *manifest;     /* --input-manifest FILE, or NULL: new
				     copies of its pieces are added to it */
	struct tr_halt halt;
};

struct tr_sched_result {
	long ntasks;     /* tasks in the list */
	long ndone;      /* tasks done, in this run or before */
	long nfailed;    /* tasks that finally failed or could not run */
	int stopsig;     /* the signal that stopped the run, or 0 */
	int ran;         /* the run started (setup succeeded) */
	int halt_status; /* the exit status that --halt asks for (see
			    tr_halt_check and tr_sched_run), else -1 */
	int out_broken;  /* a write of task output to stdout failed (said
			    once on stderr; the output after it dropped) */
	int slurm_end;   /* the Slurm allocation ended under the run, which
			    stopped: 1, or 2 at its time limit; else 0 */
	char slurm_why[256]; /* then what Slurm said ("job 4: TIMEOUT, reason
				TimeLimit"), or srun's words */
};

/*
 * Runs every task not already done in the state directory.  Prints
 * diagnostics, the progress line and the list of failed tasks to stderr
 * and task output (without --stdout) to stdout.  SIGINT, SIGTERM and SIGHUP
 * stop the run (res->stopsig; see sched.c), SIGUSR1 re-reads the host
 * file.  Returns 0 with res filled, or an error with err set: one that
 * prevented the run (state directory, hosts), or one that stopped it
 * (res filled too).  A stopped run has cancelled its running attempts,
 * removed their partial outputs and journalled them: a resume runs those
 * tasks again.
 */
int tr_sched_run(const struct tr_sched_opts *o, const struct tr_tasklist *tasks,
		 struct tr_sched_result *res, struct sk_error *err);

#endif
