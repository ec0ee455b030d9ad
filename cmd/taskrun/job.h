/*
 * job: the YAML job file (-J FILE), read through lib/cfg.
 *
 *	command: "migrate --vel 1500:0,2500:2 {}"   # a template, with args
 *	args: [a.sgy, b.sgy]
 *	tasks:                                      # and/or command lines
 *	  - "gzip -9 < x > x.gz"
 *	  - {cmd: "wc -c", stdin: x, stdout: x.wc}
 *	hosts: ["2/node1", "4/node2", ":"]           # as in a hostfile
 *	options: {retries: 2, timeout: 10m, stdin: "parts/{}"}
 *
 * Option keys are taskrun's long option names; options given on the command
 * line take precedence.
 */
#ifndef TR_JOB_H
#define TR_JOB_H

#include "diag.h"

struct tr_jobtask {
	char *cmd, *in, *out;
};

struct tr_job {
	char *command;              /* template, or NULL */
	char **args;                /* its arguments */
	long nargs;
	struct tr_jobtask *tasks;   /* explicit tasks */
	long ntasks;
	char *hosts;                /* hostfile text, or NULL */
	char **optk, **optv;        /* options, in file order */
	int nopt;
};

/* Loads a job file; SK_EIO when unreadable, SK_EUSAGE with "line L, column
 * C: ..." for bad YAML or an unknown key; errors name path. */
int tr_job_load(const char *path, struct tr_job *job, struct sk_error *err);
void tr_job_release(struct tr_job *job);

#endif
