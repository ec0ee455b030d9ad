/*
 * summary: what a state directory says, per task and per host, read in one
 * pass over DIR/tasks and DIR/journal (report.h prints it).  Input events
 * (--input-manifest) give per host the piece bytes read where they lay and
 * moved to it, and per task the copy it read when a holder was lost.
 */
#ifndef TR_SUMMARY_H
#define TR_SUMMARY_H

#include "diag.h"
#include "state.h"

struct tr_rattempt {
	long task;
	int attempt, slot, host, spec;
	double start, end;          /* Unix seconds; end 0 while running */
	char ev[16];                /* done, fail, lost, cancel, or "" */
	double wall, user, sys;
	long maxrss;
};

struct tr_rtask {
	int state;                  /* 0 pending, 1 running, 2 done, 3 failed */
	int attempts, failures;
	int host;                   /* of the committed attempt, or -1 */
	double wall, cpu;
	long maxrss;
	int open;                   /* attempts started and not ended */
	char why[384];
	int kept;                   /* --keep: its file is in place on host */
	unsigned long long ksize;   /* the file's size and xxh64 */
	char khash[17];
	int remade;                 /* times its file was lost and remade */
	int remade_from;            /* the host of its last remake, or -1 */
	/* --input-manifest: its piece's last read that put it in place: from
	 * host in_src (-1: none yet), in_moved (else where it lay), and the
	 * first of its holders lost then (in_lost: read from a copy), or -1. */
	int in_src, in_moved, in_lost;
	int in_remade;          /* its piece was remade from its lineage (on in_src) */
};

struct tr_rhost {
	char name[128];
	int slots, state;           /* state: 0 down, 1 up, 2 quarantined, 3 drained,
	                               4 finished (up until the run ended) */
	long done, attempts, failed, lost, running;
	int quar;                   /* quarantined now: no release since */
	long nquar;                 /* quarantines, in every run */
	double alloc;               /* slot-seconds the host was connected */
	double wall;                /* seconds connected */
	double cpu, busy;
	double first, last;         /* first up, last event */
	/* Bytes through the controller's connection to this host (down
	 * events): all, each way, and the task data among them. */
	long long rx, tx, data_in, data_out;
	int traffic;                /* a down event carried those counts */
	long nkept;                 /* --keep files on this host */
	unsigned long long kept_bytes;
	/* --input-manifest: piece bytes its tasks read where they lay, and
	 * bytes moved to it from other hosts (input events), with counts. */
	unsigned long long in_local, in_moved;
	long n_local, n_moved;
};

struct tr_summary {
	struct tr_tasklist tl;
	struct tr_rtask *t;
	struct tr_rhost *h;
	int nh;
	struct tr_rattempt *a;      /* every attempt, with TR_SUMMARY_ATTEMPTS */
	long na;                    /* attempts (kept in a or not) */
	long done, failed, running, pending;
	long nfail, nlost, ncancel;
	int runs;
	double t0, t1;              /* first and last event */
	double task_user, task_sys, ctl_cpu, agent_cpu;
	double run_start;           /* start of the last run */
	long run_done;              /* tasks done in the last run */
	long holder;                /* pid of the running controller, or 0 */
	int inputs;                 /* the journal has input events */
};

/* tr_summary_load keeps every attempt in s->a (the HTML report draws
 * them); without it, only their count, so that status and the text report
 * hold per task and per host, not per event. */
#define TR_SUMMARY_ATTEMPTS 1

/* Reads DIR into s (release with tr_summary_release), in one pass over the
 * journal holding one event at a time. */
int tr_summary_load(const char *dir, struct tr_summary *s, int flags, struct sk_error *err);
void tr_summary_release(struct tr_summary *s);

#endif
