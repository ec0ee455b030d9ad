/*
 * agent_int.h: the agent's state, shared by cmd/taskrun/agent.c,
 * agent_files.c and agent_start.c; for those files alone.
 */
#ifndef TR_AGENT_INT_H
#define TR_AGENT_INT_H

#include <poll.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "proto.h"
#include "watchdog.h"

#define OUT_HIGH (1u << 20)   /* stop reading task output above this backlog */

struct atask {
	uint32_t id;
	pid_t pid;
	int in_fd, out_fd, err_fd;
	struct tr_buf inq;
	int in_close;          /* close stdin once inq is written */
	double start, reaped_at, kill_at;
	int reaped, hard;
	int lost;              /* TR_LOST_*: killed because the controller was lost */
	int status;
	struct rusage ru;
	uint32_t chain;        /* the cluster it belongs to (its first id), or 0 */
	char *keep, *ktmp;     /* --keep: the file and its temporary, or NULL */
	int kfd;               /* the temporary, open for its fsync */
	char *rdir;            /* a relayed input piece's temporary directory
				  (removed with the piece at the end), or NULL */
};

/* An input piece (L frame) for a task not started yet: a copy on this
 * host, or one streamed here in I frames. */
struct pin {
	uint32_t id;
	int relay;
	unsigned long long size, got;
	char hash[17];
	char *path;            /* the copy, or the relayed temporary */
	char *dir;             /* relay: the temporary directory */
	int fd;                /* relay: the temporary, open for writing */
	int ended;             /* relay: the empty I came */
	char why[300];         /* relay: what went wrong, or "" */
	char *run;             /* the R payload once it came (malloc'd) */
	size_t len;
	char *keep;            /* its W path, or NULL */
	char *place;           /* relay: where to keep the piece as a new
				  copy once checked (this host's path), or NULL */
	int placed;            /* it is there: path is the copy, kept */
	int fetching;          /* relay: its bytes come host to host, over a
				  link to its holder (F) */
	char *fdata;           /* that F frame's payload (malloc'd), to ask
				  again on a new link when its link is cut */
	size_t flen;
	int refetch;           /* its link was cut: ask again (ag_fetch_finish) */
};

/* A connection to a piece holder's server ("AGENT --serve" through the
 * launcher), which serves every piece this agent fetches from that holder
 * (agent_fetch.c). */
struct flink {
	char *words;           /* the command, each word ended by a NUL: its key */
	size_t wlen;
	pid_t pid;             /* the launcher (its own process group); 0 once reaped */
	int status;            /* its wait status, once reaped */
	int to, from;          /* its standard input (requests) and output; -1: closed */
	int to_dead;           /* writing to it failed */
	int eof;               /* its output reached end of file */
	int errfd;             /* its standard error: an unlinked file */
	struct tr_buf req;     /* request lines not written yet */
	uint32_t *q;           /* the pins asked for, in order; q[0] is answered next */
	int nq;
	long capq;
	int body;              /* in the bytes of q[0]'s piece */
	unsigned long long left;  /* bytes of it still to come */
	char line[512];        /* the answer line so far */
	size_t nline;
	char why[300];         /* why the link was given up, or "" */
};

/* A file a G frame asked for, sent in g frames as credit allows. */
struct aread {
	uint32_t id;
	int fd;
	long long credit;
};

struct agent {
	int in, out;
	struct tr_buf rbuf, wbuf;
	struct atask *t;
	int nt;
	long capt;
	double lease, grace, hb, last_rx, last_tx;
	char host[256];
	int quitting, out_dead;
	int said_cpu;          /* quitting: its last heartbeat (CPU time) put */
	struct tr_watchdog wd;
	uint32_t keep_id;      /* the W frame waiting for its R */
	char *keep;
	struct qtask *q;       /* tasks of clusters waiting for their turn */
	int nq;
	long capq;
	struct pin *pin;       /* input pieces of tasks waiting for them */
	int npin;
	long cappin;
	struct aread *rd;      /* files being sent (G) */
	int nrd;
	long caprd;
	struct flink *fl;      /* connections to piece holders (F) */
	int nfl;
	long capfl;
};

/* A task of a cluster (B frame) that waits for the one before it. */
struct qtask {
	uint32_t id, chain;
	char *run;             /* the R payload */
	size_t len;
	char *keep;            /* its W path, or NULL */
};


/* agent.c */
/* Queues frame type for the controller (nothing once its pipe is dead). */
void ag_send_frame(struct agent *a, int type, uint32_t id, const void *d, size_t n);
/* The running task id, or NULL. */
struct atask *ag_find(struct agent *a, uint32_t id);
/* Sends the exit frames of the tasks that have ended, and forgets them. */
void ag_finish_tasks(struct agent *a, double now);

/* agent_files.c: --keep files, input pieces, files read for the
 * controller. */
char *ag_keep_path(const char *p, size_t n);
int ag_keep_open(struct atask *t);
int ag_keep_end(struct agent *a, struct atask *t, int status);
struct pin *ag_find_pin(struct agent *a, uint32_t id);
void ag_drop_pin(struct agent *a, int i, int remove);
void ag_add_pin(struct agent *a, uint32_t id, const char *data, size_t len);
void ag_pin_data(struct agent *a, struct pin *p, const char *d, size_t n);
void ag_pin_ready(struct agent *a, int i);
/* Ends the pin of id, or every pin, as ag_drop_queued ends a waiting
 * task. */
void ag_drop_pins(struct agent *a, uint32_t id, int all, int lost);
void ag_add_read(struct agent *a, uint32_t id, const char *data, size_t len);
void ag_drop_read(struct agent *a, int i);
/* Sends what credit allows of the files being read; 1 when more is
 * left. */
int ag_pump_reads(struct agent *a);
void ag_rdir_remove(struct atask *t);

/* agent_fetch.c: relayed pieces fetched host to host (F frames), over
 * one link per holder. */
void ag_fetch_start(struct agent *a, uint32_t id, const char *data, size_t len);
/* Whether pid was a link's launcher (its status kept for ag_fetch_finish). */
int ag_fetch_reaped(struct agent *a, pid_t pid, int status);
/* The pieces of links cut are asked again on new links; the links that
 * ended: the pieces they still owed are told to the controller (f
 * frames), and the links forgotten. */
void ag_fetch_finish(struct agent *a);
/* The links' descriptors to poll, into pfd (room for 2 * a->nfl); the
 * count added. */
int ag_fetch_fds(const struct agent *a, struct pollfd *pfd);
/* Serves fd if it is a link's (revents from poll); 1 if it was. */
int ag_fetch_io(struct agent *a, int fd, short revents);
/* Pin p no longer waits for its bytes: when its link is sending them, or
 * about to, the link is cut (its launcher killed, so its server stops) and
 * the pieces queued behind it are asked again on a new link. */
void ag_fetch_stop(struct agent *a, struct pin *p);
/* At the agent's end: every link's input closed (its server ends), its
 * launcher waited for a moment, then killed with its group. */
void ag_fetch_close(struct agent *a);

/* agent_start.c: clusters and task start. */
void ag_advance_clusters(struct agent *a);
/* Ends the waiting cluster task id, or all of them, with an exit as if
 * killed by SIGTERM; lost says why (TR_LOST_NO when the controller
 * asked). */
void ag_drop_queued(struct agent *a, uint32_t id, int all, int lost);
int ag_queue_cluster(struct agent *a, const char *data, size_t len);
/* A pipe with both ends close-on-exec; -1 on failure. */
int ag_make_pipe(int p[2]);
/* Starts words (execvpe; when words is NULL or no program, /bin/sh -c cmd
 * if cmd is given) in a process group of its own, with in, out and errfd
 * as its standard input, output and error, every signal at its default and
 * none blocked, killed when the agent dies (PR_SET_PDEATHSIG); env: its
 * environment, NULL for the agent's.  By vfork: the child touches no
 * memory of the agent's but its arguments.  The pid, or -1 (errno set). */
pid_t ag_spawn(char *const *words, const char *cmd, char *const *env, int in, int out, int errfd);
/* R: starts task id (its payload data); one that cannot start gets an
 * error frame and exit status 126. */
void ag_start_task(struct agent *a, uint32_t id, const char *data, size_t len);

#endif
