/*
 * sched_int.h: the controller's state, shared by cmd/taskrun/sched.c,
 * sched_assign.c, sched_resume.c, hosts.c, attempts.c, relay.c, output.c
 * and progress.c; for those files alone.
 */
#ifndef TR_SCHED_INT_H
#define TR_SCHED_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "bitset.h"
#include "idmap.h"
#include "median.h"
#include "ofile.h"
#include "policy.h"
#include "progress.h"
#include "proto.h"
#include "sched.h"
#include "state.h"
#include "strmap.h"

#define WINDOW (1L << 20)        /* unacknowledged stdin bytes per attempt */
#define HOST_WB_HIGH (256u << 10) /* stop feeding stdin above this backlog */
#define GIVE_UP 5                /* quarantines in a row of every host: give up */
#define GIVE_UP_NEVER 3          /* the same for hosts that never came up */
#define MAX_KILLS 3              /* agents that died running the task alone:
				     a task failure */
#define MAX_CONNECTING 64        /* agents starting at once */
#define FD_PER_HOST 3UL          /* the controller's descriptors per agent */
#define FD_PER_SLOT 4UL          /* per running attempt, at most */
#define FD_OWN 16UL              /* the controller's own, with a margin */
#define HK_EVERY 0.05            /* seconds between looks at every host, at
				     the most often */
#define HK_IDLE 1.0              /* the same, at the least often */

#define TR_STOP_ERROR (-1)
#define TR_STOP_SLURM (-2)       /* the Slurm allocation ended (hosts.c) */

enum { HS_DOWN, HS_CONN, HS_UP, HS_CLOSING };
enum { C_NONE, C_TIMEOUT, C_LOSER, C_OUTPUT, C_STOP, C_HALT, C_INPUT };

struct tr_host {
	char *name;
	int local, slurm, slots_cfg, slots;
	int st, removed, gone;
	pid_t pid;
	int wfd, rfd, efd;
	struct tr_buf wb, rb;
	char etail[512];
	double last_rx, last_tx, conn_at, closing_at;
	struct tr_health hl;
	int nrun, hello, said_nostart, quit_sent, ever_up;
	int quar_open;            /* a quarantine is journalled, its release not yet */
	int wdirty;               /* wb holds frames: in the controller's dirty list */
	int wout;                 /* wfd watched for POLLOUT (1), not (0), dropped (-1) */
	int inq;                  /* in the controller's queue of hosts with a free slot */
	unsigned char *busy;
	int nbusy;
	double agent_user, agent_sys;
	char why[256];
	/* Bytes through this connection in its current session: all of
	 * them each way, and the task data among them (--stdin, and stdout
	 * without --keep); journalled with its down event. */
	long long rx, tx, data_in, data_out;
	long requests;            /* run requests sent: R frames and clusters */
	int slots_used;           /* slots with attempts (busy[] above 0); a
				     cluster's attempts share one */
	int lost;                 /* lost in this run and not up since: its
				     --keep files count as lost at the end */
	long long relayed;        /* input piece bytes relayed to it from
				     other hosts in this session (relay.c) */
	int died;                 /* the agent died (tr_finish_closing): killed
				     by a signal or an error status, with no
				     word from it or its launcher */
	int alone_run;            /* runs an attempt that must be alone there */
	int stalled;              /* its connection was open during the
				     controller's last stall (tr_note_stall) */
	int nofetch;              /* a fetch of a piece host to host failed on
				     it: its pieces come through the
				     controller for the rest of the run */
	int nostart;              /* its last agent start failed (no hello):
				     its copies count as gone (relay.c) until
				     an agent of it says hello */
	char *held;               /* a Slurm node's loss, not said yet (malloc'd):
				     its step was ended from outside, which may
				     be the allocation's end (said once for
				     all, tr_slurm_end) or its own scancel
				     (said when its next agent answers) */
};

/* A piece placed on a host as a new copy (relay.c): its task (the piece's
 * index in the manifest), its xxh64 and the location "host:path". */
struct tr_copy {
	long task;
	unsigned long long xxh64;
	char *loc;
};

struct tr_attempt {
	uint32_t id;
	long task;
	int att, host, slot, spec, cancel;
	int jobslot;               /* {%}: the slot over all hosts, as GNU
				      parallel numbers them */
	double start;
	int in_fd, in_done;
	long window;
	struct sk_ofile out;       /* the --stdout temporary, or none (tmp NULL) */
	int out_errnum;            /* errno of a failed write to it (C_OUTPUT) */
	FILE *spool;
	int err_fd;
	long pid;
	FILE *espool;              /* stderr, grouped (no state directory) */
	struct tr_buf lbuf[2];     /* --line-buffer: stdout's and stderr's
				      unfinished line */
	double wstart;             /* wall clock at the start (--joblog) */
	long long rx;              /* stdout bytes received (--joblog) */
	long long tx;              /* --stdin bytes sent (--joblog) */
	int alone;                 /* runs alone on its host (its task was in a
				      death of an agent with other tasks) */
	int queued;                /* sent in a cluster: starts when the agent
				      gets to it (its start is then reset) */
	int kept;                  /* --keep: the agent put the file in place */
	unsigned long long ksize;  /* its size and xxh64 */
	char khash[17];
	/* --input-manifest (relay.c): the host its piece is streamed from,
	 * or -1 (none, or read where it lies); the stream ended or stopped;
	 * its bytes forwarded so far; the piece is in place; why it is not. */
	int src, src_done, in_ok;
	int in_bad;                /* its piece's copy was missing or bad: the
				      attempt is lost, not failed */
	int remade, lfd;           /* its piece is remade from its lineage
				      and streamed from lfd (or -1) */
	int place;                 /* the runner keeps the relayed piece as a
				      new copy (relay.c) */
	int fetch;                 /* the runner fetches the piece from src
				      host to host (F frame), not through
				      the controller */
	long long relayed;
	char in_why[256];
};

/* A task's finished output, held for -k until the tasks before it are
 * finished (output.c). */
struct tr_held {
	FILE *out, *err;
};

struct tr_child {
	pid_t pid;
	double kill_at;
};

/* What speculation knows: the wall times of the attempts that succeeded. */
struct tr_spec {
	struct tr_median walls;
	int dirty;                /* after is to be computed again */
	double after;             /* tr_policy_spec_after of walls */
};

/* The host file, watched for changes. */
struct tr_hostwatch {
	struct stat st;           /* when it was last read */
	int ok;                   /* st is set */
	double next;              /* the next look, monotonic seconds */
};

struct tr_ctl {
	const struct tr_sched_opts *o;
	const struct tr_tasklist *tl;
	struct tr_tstate *ts;     /* per task */
	struct tr_bitset fresh;   /* pending tasks that never failed */
	struct tr_bitset retry;   /* pending tasks that failed before */
	struct tr_bitset alone;   /* pending tasks that run alone on a host */
	int slurm_over;           /* srun said the allocation is over: its
				     nodes are given up (hosts.c) */
	char slurm_words[512];    /* what that srun said */
	int slurm_end;            /* the allocation ended under the run: 1, 2
				     at its time limit (tr_slurm_end) */
	char slurm_why[256];      /* what Slurm said of it */
	int drain;                /* a host that takes no task until it is
				     empty, for a task of alone; or -1 */
	long ndone, nfinal, npending, nfail;
	struct tr_host *h;
	int nh;
	struct tr_attempt *a;     /* running attempts */
	int na;
	long capa;
	struct tr_child *kids;    /* agent processes being reaped */
	int nkids;
	uint32_t next_id;         /* of the next attempt */
	struct tr_journal j;
	struct tr_state state;
	double hb, grace;         /* heartbeat interval; the agents' kill grace */
	double stall_end;         /* when the controller's last stall past half
				     the lease ended (tr_note_stall), or 0 */
	double stall_len;         /* and how long it was, seconds */
	struct tr_spec spec;
	struct tr_hostwatch hw;
	struct sk_progress pg;    /* the shared progress report (progress.c) */
	int out_broken;           /* our stdout failed: task output is dropped */
	unsigned char *usable;    /* per host, for tr_policy_pick */
	int capusable;
	int stop;                 /* 0, a signal number, or TR_STOP_ERROR */
	double stop_at;           /* when stopping gives up on running attempts */
	FILE *joblog;             /* --joblog, or NULL */
	struct tr_held *held;     /* -k: per task, or NULL */
	long next_emit;           /* -k: the first task whose output is not out */
	long nsucc;               /* tasks that succeeded in this run */
	int halted;               /* --halt: no more tasks are started */
	double halt_at;           /* --halt now: when to give up on attempts */
	int halt_status;          /* the exit status --halt asks for, or -1 */
	/* What keeps a pass of the loop from costing hosts x tasks: */
	int ep;                   /* epoll: the agents' descriptors, or -1 */
	struct tr_idmap ids;      /* attempt id -> index in a[] */
	int *dirty;               /* hosts whose wb holds frames to write */
	int ndirty;
	int nin;                  /* running attempts that stream a --stdin file */
	int assign_dirty;         /* a slot or a task came free: tr_assign() looks */
	int assign_all;           /* tr_assign() looks at every host (housekeeping) */
	int *freeq;               /* hosts that may have a free slot, for tr_assign() */
	int nfreeq;
	struct tr_strmap hostmap; /* host name -> index in h[] */
	double hk_next;           /* the next look at every host (housekeeping) */
	struct tr_buf *batch;     /* --cluster: tr_start_attempt puts its frames
				     here, on slot batch_slot once chosen */
	int batch_slot;
	long cl_slots;            /* --cluster auto: slots of the hosts up, or
				     -1 (counted again) */
	char **keep_host;         /* --keep: per task, the host that holds its
				     file once done (malloc'd), or NULL */
	int failed;               /* fatal holds an error */
	unsigned short *bad_loc;  /* --input-manifest: per task, the copies of
				     its piece found missing or bad (bit k:
				     location k), or NULL (relay.c) */
	struct tr_copy *copies;   /* --input-manifest: pieces placed on hosts
				     as new copies (journalled "copy"), to be
				     added to the manifest at the end (relay.c) */
	long ncopies, capcopies;
	/* --where and --apart: some task has a place, so picks go through
	 * tr_policy_pick_local; the tasks of one --apart value in a ring
	 * (apart_next[t]: the next one, t itself when alone), or NULL. */
	int placed;
	long *apart_next;
	double pick_now;          /* the time of the current tr_assign() */
	long stop_after_done;
	long fd_slots;            /* slots of the hosts that came up */
	unsigned long fd_room;    /* open files made room for (tr_fd_room) */
	int fd_said;              /* the hard limit is short: said */
	unsigned long fd_hard;    /* the hard limit on open files, or 0 when it
				     is not short: only the hosts that fit
				     connect (tr_fd_fits) */
	/* {%}: free job slots over all hosts, first freed first taken (GNU
	 * parallel's order), in a ring; njobslots numbered so far. */
	int *jfree, jcap, jhead, jn, njobslots;
	/* A task to run again keeps its job slot, as in GNU parallel (the
	 * slot is not freed meanwhile): task index -> slot. */
	struct tr_idmap jheld;     /* test hook: SIGSTOP after this task's done line */
	struct sk_error fatal;    /* the first error that stops the run */
};

/* sched_resume.c */
/* Sets up a run: task states, the state directory and the resume from its
 * journal, --where and --apart, the hosts, the output. */
int tr_sched_setup(struct tr_ctl *c, struct sk_error *err);

/* sched_assign.c */
/* Makes room for the open files of every host (3) and slot (up to 4: a
 * --stdin file, a --stdout temporary, the stdout spool, the stderr log),
 * with slots more slots up: raises the soft limit as needed, up to the hard
 * one, and says once when even that is short. */
void tr_fd_room(struct tr_ctl *c, int slots);
/* With a short hard limit (fd_hard), whether host h may connect: the open
 * files of the hosts connected (used, from tr_fd_used) and h's fit in it.
 * The first host always may: a run with too few descriptors for even one
 * fails on its own error rather than waiting for ever. */
int tr_fd_fits(const struct tr_ctl *c, const struct tr_host *h, unsigned long used);
/* The open files the connected hosts may hold (FD_PER_HOST, FD_PER_SLOT). */
unsigned long tr_fd_used(const struct tr_ctl *c);
/* Host h's open files in the controller (FD_PER_HOST, FD_PER_SLOT). */
unsigned long tr_host_fds(const struct tr_host *h);
/* The first pending task from i on, or -1. */
long tr_next_pending(const struct tr_ctl *c, long i);
/* Hands pending tasks to free slots (of the hosts in freeq, or of every
 * host at housekeeping). */
void tr_assign(struct tr_ctl *c, double now);
/* Copies of stragglers into free slots, once nothing is pending. */
void tr_speculate(struct tr_ctl *c, double now);
/* When housekeeping is next due, after the one at now. */
double tr_hk_due(const struct tr_ctl *c, double now);
/* --apart: whether no host can ever take pending task ti. */
int tr_apart_stuck(const struct tr_ctl *c, long ti);

/* sched.c */

/* Records an error that stops the run (the first one is reported) and asks
 * the loop to stop: attempts are cancelled, their outputs removed, and the
 * run ends with the error. */
void tr_fail(struct tr_ctl *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* tr_fail with an error as the library gave it, its file included. */
void tr_fail_err(struct tr_ctl *c, const struct sk_error *e);
/* Journals e and syncs it (with every line before it); 0 when it is in
 * the journal, else the error (the run stops: tr_fail_err). */
int tr_jlog(struct tr_ctl *c, struct tr_event *e);
/* Journals e; the write waits for the end of the pass (tr_jflush, before
 * anything is sent to a host), the sync for the next tr_jlog, tr_jsync or
 * group commit (TR_JOURNAL_DELAY). */
void tr_jput(struct tr_ctl *c, struct tr_event *e);
void tr_jsync(struct tr_ctl *c);
/* Writes the lines put, and syncs them when due (tr_journal_due). */
void tr_jflush(struct tr_ctl *c, double now);
/* Journals a host's event (as tr_jput: by group commit). */
void tr_jhost(struct tr_ctl *c, const char *ev, const struct tr_host *h, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* hosts.c */
int tr_usable(const struct tr_ctl *c, const struct tr_host *h, double now);
/* Quarantines h (journalled; on stderr for a host that has been up: the
 * agent that never started is reported once, by "agent did not start"). */
void tr_quarantine(struct tr_ctl *c, struct tr_host *h, const char *why);
/* Ends h's quarantine once its time is over (at now): journals "release"
 * and says so on stderr as tr_quarantine did. */
void tr_quarantine_over(struct tr_ctl *c, struct tr_host *h, double now);
void tr_reap_kids(struct tr_ctl *c);
/* At the end of a run with Slurm nodes that lost their steps or stopped
 * by a signal: asks Slurm (scontrol) whether the allocation is over, and
 * why.  If it is (or srun said so), sets slurm_end and slurm_why and
 * forgets the nodes' held losses; if not, says them. */
void tr_slurm_end(struct tr_ctl *c);
/* Why the run stops, for the journal's notes of attempts it cancels:
 * "interrupted", "stopped by an error", "the Slurm allocation ended". */
const char *tr_stop_note(const struct tr_ctl *c);
void tr_host_down(struct tr_ctl *c, struct tr_host *h, const char *why);
/* The controller itself stalled (stopped, suspended or starved) when more
 * than half the lease passed since from beyond the expected seconds: its
 * agents may have quit for want of its frames.  Journals "stall" and marks
 * the hosts connected then: one lost within a lease
 * after it (not by a death of its agent) is not quarantined, and its
 * "connection lost" message says why. */
void tr_note_stall(struct tr_ctl *c, double from, double expected);
void tr_send_frame(struct tr_ctl *c, struct tr_host *h, int type, uint32_t id, const void *d, size_t n);
/* Puts h in the list of hosts whose frames the loop writes out. */
void tr_host_dirty(struct tr_ctl *c, struct tr_host *h);
/* Watches h's descriptors (after a connect): readable agent output and
 * stderr, and the agent's input when it cannot take more (tr_host_wout). */
void tr_host_watch(struct tr_ctl *c, struct tr_host *h);
void tr_host_wout(struct tr_ctl *c, struct tr_host *h, int on);
void tr_host_connect(struct tr_ctl *c, struct tr_host *h);
void tr_host_frame(struct tr_ctl *c, struct tr_host *h, const struct tr_frame *f);
void tr_host_read(struct tr_ctl *c, struct tr_host *h);
/* At the end of the run, after QUIT: reads once what the agent still says
 * (its heartbeats carry its CPU time) and closes the pipe at its end. */
void tr_host_read_last(struct tr_ctl *c, struct tr_host *h);
void tr_host_stderr(struct tr_host *h);
void tr_finish_closing(struct tr_ctl *c, struct tr_host *h, double now);
void tr_reload_hosts(struct tr_ctl *c, int force);
/* Sizes the arrays per host (freeq, dirty, usable) for c->nh hosts. */
int tr_host_arrays(struct tr_ctl *c);

/* attempts.c */
void tr_set_pending(struct tr_ctl *c, long i);
/* Task i leaves the pending tasks (when it is), before it starts or fails. */
void tr_unpend(struct tr_ctl *c, long i);
/* h may have a free slot: tr_assign() looks at it. */
void tr_host_free(struct tr_ctl *c, struct tr_host *h);
void tr_close_fd(int *fd);
void tr_drop_attempt_files(struct tr_attempt *a);
void tr_forget_attempt(struct tr_ctl *c, int k);
void tr_attempt_event(struct tr_ctl *c, const struct tr_attempt *a, struct tr_event *e, const char *ev);
void tr_final_fail(struct tr_ctl *c, long i, const char *why);
/* Why an attempt is lost (tr_lose_attempt). */
enum {
	TR_LOSS_HOST,    /* the host's doing (link, lease, the agent quit or was
			    stopped, an orderly end): nothing counts */
	TR_LOSS_ALONE,   /* the agent died running this task alone: it counts
			    toward MAX_KILLS */
	TR_LOSS_SHARED   /* the agent died running it and others: it runs alone
			    next, so that a task that kills its agent shows */
};

/* Attempt k is lost with its host: journalled as lost with note, forgotten,
 * and its task requeued without spending a retry.  A task whose agent died
 * under it alone MAX_KILLS times fails (why names the death). */
void tr_lose_attempt(struct tr_ctl *c, int k, const char *note, int loss, const char *why);
void tr_start_attempt(struct tr_ctl *c, struct tr_host *h, long ti, int spec);
/* --keep: task ti's file is on host (journalled done there). */
void tr_keep_note(struct tr_ctl *c, long ti, const char *host);
struct tr_attempt *tr_find_attempt(struct tr_ctl *c, uint32_t id, int *k);
void tr_cancel_attempt(struct tr_ctl *c, struct tr_attempt *a, int why);
void tr_attempt_exit(struct tr_ctl *c, int k, const struct tr_frame *f);
void tr_attempt_data(struct tr_ctl *c, struct tr_attempt *a, int type, const char *d, size_t n);
void tr_pump_stdin(struct tr_ctl *c);
int tr_stdin_ready(const struct tr_ctl *c);

/* relay.c: input pieces (--input-manifest). */
/* Whether h is lost for good now: not in the host file any more (removed),
 * lost in this run (its connection went down other than by finishing) and
 * not up since, or quarantined. */
int tr_host_lost(const struct tr_ctl *c, const struct tr_host *h, double now);
/* Whether host hi can run task ti as far as its piece goes: it holds a
 * copy, or a holder is up to stream one (always 1 without a piece). */
int tr_input_fit(const struct tr_ctl *c, long ti, int hi);
/* Whether no holder of task ti's piece can ever serve it (every one gone
 * from the host list or given up on, or its copy found bad). */
int tr_input_stuck(const struct tr_ctl *c, long ti);
/* Sends attempt a's L frame to its host h (and the G to the holder that
 * streams it), right before its R; sets a->src.  -1 when no holder can. */
int tr_input_start(struct tr_ctl *c, struct tr_host *h, struct tr_attempt *a);
/* The holder stops streaming a's piece (a ends or is cancelled). */
void tr_input_stop(struct tr_ctl *c, struct tr_attempt *a);
/* Frames about pieces: g and z from a holder hs, l from a runner, and the
 * runner's credits for a relayed piece (passed on to the holder). */
void tr_input_data(struct tr_ctl *c, struct tr_host *hs, const struct tr_frame *f);
void tr_input_gfail(struct tr_ctl *c, struct tr_host *hs, const struct tr_frame *f);
/* Runner h could not fetch its piece host to host (f frame): the piece
 * comes through the controller, and so do h's next ones. */
void tr_input_ffail(struct tr_ctl *c, struct tr_host *h, const struct tr_frame *f);
void tr_input_ok(struct tr_ctl *c, struct tr_attempt *a, const struct tr_frame *f);
/* Whether attempt a's clock (--timeout, speculation) runs: not while its
 * input piece is on its way (checked, read or streamed): the task's time
 * starts when its piece is in place (tr_input_ok sets a->start). */
int tr_input_clock(const struct tr_ctl *c, const struct tr_attempt *a);
void tr_input_credit(struct tr_ctl *c, struct tr_attempt *a, long long n);
/* Host hi is down: the attempts whose piece it was streaming go back to
 * the queue (without spending a retry) to read another copy. */
void tr_input_host_down(struct tr_ctl *c, int hi);
/* A copy journalled by an earlier controller of this state directory
 * (sched_resume.c): kept to be added to the manifest at the end. */
void tr_copy_resumed(struct tr_ctl *c, const struct tr_event *e);
/* Adds this run's new copies to the --input-manifest (at the end of the
 * run, whatever its status); a manifest that cannot take them is said on
 * standard error, the run's status unchanged. */
void tr_copies_flush(struct tr_ctl *c);

/* progress.c */
void tr_show_progress(struct tr_ctl *c, double now, int last);
/* Clears the bar from the terminal before something else is written there,
 * so that no output line is glued to it. */
void tr_progress_clear(struct tr_ctl *c);
/* sk_warnx on a line of its own, the bar cleared first. */
#define tr_warnx(c, ...) (tr_progress_clear(c), sk_warnx(__VA_ARGS__))

/* output.c: where task output goes (grouped per task, -k, --tag,
 * --line-buffer), --joblog and --halt. */
int tr_output_open(struct tr_ctl *c, struct sk_error *err);
void tr_output_close(struct tr_ctl *c);
/* Output of attempt a: fd 1 (its stdout) or 2 (its stderr). */
void tr_output_data(struct tr_ctl *c, struct tr_attempt *a, int fd, const char *d, size_t n);
/* Attempt a ended: its output goes out (final: the task is done or failed
 * for good) or is dropped (it will be retried). */
void tr_output_end(struct tr_ctl *c, struct tr_attempt *a, int final);
/* -k: writes the held output of the finished tasks in order; all: of every
 * task, finished or not (the end of the run). */
void tr_output_flush(struct tr_ctl *c, int all);
/* The --joblog line of task a->task's last attempt. */
void tr_joblog_line(struct tr_ctl *c, const struct tr_attempt *a, int status, int sig, double wall);
/* Task ti finished (ok or for good) in job slot slot on host host: checks
 * --halt, and says so in GNU parallel's words.  status and sig are the
 * failed attempt's. */
void tr_halt_check(struct tr_ctl *c, int ok, int status, int sig, long ti, int slot, int host, double now);

#endif
