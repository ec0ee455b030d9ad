/*
 * slurm: the hosts of a Slurm allocation.  Slurm names the allocation's
 * nodes in SLURM_JOB_NODELIST with its hostlist syntax ("n[1-3,7]",
 * "gpu[08-10],login1", "r[1-2]n[1-2]") and their CPUs in
 * SLURM_JOB_CPUS_PER_NODE ("2(x3),1": three nodes of 2, then one of 1).
 * taskrun starts one agent per node with SRUN below, the node's name after
 * -w.  Pure functions: the caller passes the variables' values.
 */
#ifndef TR_SLURM_H
#define TR_SLURM_H

#include "diag.h"
#include "hostfile.h"

/* The launcher of an agent on node NODE of the allocation: srun's -u keeps
 * the protocol's frames flowing (without it, srun holds a task's output
 * until a newline); --whole gives the step every CPU the job has on the
 * node (steps are exclusive by default since Slurm 20.11). */
#define TR_SLURM_SRUN "srun -u -N1 -n1 --whole -w"

/* At most this many nodes in one list. */
#define TR_SLURM_MAX_NODES 100000

/*
 * Expands a hostlist: comma-separated names (blanks also separate), each
 * with any number of bracketed range lists "[a-b,c,...]" expanded in
 * order, the first bracket outermost; a range keeps the zero padding of
 * its lower bound ("[08-10]": 08 09 10).  *out is a malloc'd array of *n
 * malloc'd names (tr_slurm_nodes_free).  Returns 0, SK_EARG ("invalid
 * hostlist 'L': ...") or SK_ENOMEM.
 */
int tr_slurm_nodes(const char *list, char ***out, int *n, struct sk_error *err);
void tr_slurm_nodes_free(char **v, int n);

/*
 * Expands a per-node count list ("2(x3),1") into exactly n counts in out
 * (the caller's array of n ints).  Returns 0 or SK_EARG when it is
 * malformed or gives another number of counts than n.
 */
int tr_slurm_cpus(const char *spec, int n, int *out, struct sk_error *err);

/*
 * The hosts of an allocation, from the values of SLURM_JOB_NODELIST and
 * SLURM_JOB_CPUS_PER_NODE (either NULL: not in an allocation, SK_EARG).
 * Each entry is a node with slurm set and its CPU count as slots, or
 * slots when slots > 0 (a hostfile's "N/slurm").  *out is malloc'd
 * (tr_hostfile_free).
 */
int tr_slurm_hosts(const char *nodelist, const char *cpus, int slots, struct tr_hostent **out,
		   int *n, struct sk_error *err);

/*
 * Whether a launcher's words (srun's last lines) say that the job it was
 * to start a step in is over (its time limit, scancel, a node failure):
 * "Expired or invalid job N" (srun's allocation lookup), "Job/step already
 * completing or completed" and "Invalid job id specified" (the step
 * request).  No agent can start in that allocation again.
 */
int tr_slurm_job_over(const char *words);

/*
 * Whether they say that a step was ended from outside: its own scancel,
 * or its allocation's end (the job's scancel, its time limit, a
 * preemption), which these words do not tell apart: slurmstepd's "***
 * STEP N.M ON NODE CANCELLED AT ... ***", srun's "Job step aborted" or
 * "forcing job termination", or no more than that its task, the agent, was
 * terminated (SIGTERM: a step's end; a node that dies kills nothing so).
 */
int tr_slurm_step_ended(const char *words);

/* What Slurm says of a job ("scontrol show job -o ID"): its JobState and
 * Reason, and what taskrun makes of them. */
struct tr_slurm_job {
	char state[32];           /* "RUNNING", "COMPLETING", "TIMEOUT", ... */
	char reason[64];          /* "None", "TimeLimit", ... */
	int ended;                /* the allocation is over: no step can start
				     in it again (any state but RUNNING,
				     SUSPENDED, CONFIGURING) */
	int timelimit;            /* it ended at its time limit (TIMEOUT, or
				     Reason=TimeLimit while COMPLETING) */
};

/*
 * Reads scontrol's one-line record of a job (text, NUL-terminated) into
 * out.  Returns 0, or SK_EFMT when it holds no JobState (scontrol's error,
 * such as "slurm_load_jobs error: Invalid job id specified" once the job
 * has left slurmctld's memory).
 */
int tr_slurm_job_parse(const char *text, struct tr_slurm_job *out);

#endif
