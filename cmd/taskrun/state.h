/*
 * state: the state directory of a run (-s DIR) and its journal.
 *
 *	DIR/lock      held (fcntl write lock) by the one controller using DIR
 *	DIR/tasks     the frozen task list: "taskrun tasks 1", then per task
 *	              "command<TAB>stdin<TAB>stdout[<TAB>keep[<TAB>where<TAB>apart[<TAB>input]]]"
 *	              with \t \n \\ escaped (the --keep field only when a task
 *	              has one, where and apart only when it has one of them or
 *	              an input, the input (piece.h) only when it has one)
 *	DIR/journal   append-only, one event per line, written once a pass and
 *	              synced by group commit (TR_JOURNAL_DELAY)
 *	DIR/logs/T.A.err  standard error of attempt A of task T
 *
 * Journal lines are tab-separated: time (Unix seconds), event, task (0:
 * none), attempt, host ("-": none), status, signal, wall, user and sys CPU
 * seconds, max RSS (KiB), and a note.  Events: run, end, up, down, add,
 * drain, quarantine, release, probe (hosts); start, input, done, fail, lost,
 * cancel, failed, remake (attempts and tasks).  A torn last line (a crash mid-write) is ignored.
 */
#ifndef TR_STATE_H
#define TR_STATE_H

#include <stddef.h>

#include "diag.h"

struct tr_task {
	char *cmd;
	char *in;    /* controller-side file for stdin, or NULL */
	char *out;   /* controller-side file for stdout, or NULL */
	char *keep;  /* --keep: the file on the host that runs it, or NULL */
	char *tag;   /* --tag: the task's arguments joined by blanks, or NULL */
	char *where; /* --where: the hosts that hold its data, comma-separated,
			or NULL */
	char *apart; /* --apart: tasks with equal values run on different
			hosts (the copies of one piece), or NULL */
	char *input; /* --input-manifest: its piece (piece.h), or NULL */
};

struct tr_tasklist {
	struct tr_task *t;
	long n, cap;
};

int tr_tasklist_add(struct tr_tasklist *l, char *cmd, char *in, char *out);
void tr_tasklist_release(struct tr_tasklist *l);
/* The DIR/tasks text of l (malloc'd). */
char *tr_tasklist_format(const struct tr_tasklist *l);
int tr_tasklist_parse(const char *text, struct tr_tasklist *out, struct sk_error *err);

struct tr_event {
	double t;
	char ev[16];
	long task;
	int attempt;
	char host[128];
	int status, sig;
	double wall, user, sys;
	long maxrss;
	char note[384];
};

void tr_event_init(struct tr_event *e, const char *ev);
/* One journal line (with '\n') for e into buf of size n. */
int tr_event_format(const struct tr_event *e, char *buf, size_t n);
/* Parses one line (without '\n'); 0 or SK_EFMT. */
int tr_event_parse(const char *line, struct tr_event *e);

/* Group commit: a line put in the journal is synced at most this long
 * after it was written (seconds), unless something follows from it sooner
 * (taskrun(1) states the bound). */
#define TR_JOURNAL_DELAY 0.5

struct tr_journal {
	int fd;
	char *path;  /* its errors name it */
	int sync;    /* fdatasync after every event (tr_journal_write) */
	int dirty;   /* lines put and not synced yet */
	int urgent;  /* one of them is to be synced before anything is sent */
	double since; /* tr_mono() when the oldest of them was put */
	char *buf;   /* lines put and not written yet (one write(2) for all) */
	size_t len, cap;
};

int tr_journal_open(struct tr_journal *j, const char *path, int sync, struct sk_error *err);
/* Writes one event and syncs it with every line before it (when j->sync). */
int tr_journal_write(struct tr_journal *j, const struct tr_event *e, struct sk_error *err);
/* Adds one event to the lines to write; tr_journal_flush writes them (in
 * one write(2): a killed process loses none of the lines written), and
 * tr_journal_sync, tr_journal_write or a due group commit syncs them. */
int tr_journal_put(struct tr_journal *j, const struct tr_event *e, struct sk_error *err);
/* Writes the lines put since the last flush. */
int tr_journal_flush(struct tr_journal *j, struct sk_error *err);
/* Writes and syncs the lines put since the last sync, if any. */
int tr_journal_sync(struct tr_journal *j, struct sk_error *err);
/* Whether the lines put are due for their sync at now (tr_mono()): one is
 * urgent, or the oldest is TR_JOURNAL_DELAY old.  Returns the seconds left
 * until then in *left (when not due and dirty), else 0. */
int tr_journal_due(const struct tr_journal *j, double now, double *left);
/* Writes what was put (best effort) and closes. */
void tr_journal_close(struct tr_journal *j);
/* Reads every complete event of a journal file (a missing file is empty). */
int tr_journal_read(const char *path, struct tr_event **out, long *n, struct sk_error *err);
/* Calls fn on every complete event of a journal file in order, holding one
 * event and a read buffer at a time (a missing file is empty); fn returns 0
 * to go on, or an error code that ends the scan and is returned. */
int tr_journal_scan(const char *path, int (*fn)(const struct tr_event *e, void *arg), void *arg,
		    struct sk_error *err);

struct tr_state {
	char *dir;
	int lockfd;
};

/* Creates DIR (0700) or opens it, refusing one owned by another user, and
 * takes its lock (SK_ESTATE when another controller holds it). */
int tr_state_open(struct tr_state *s, const char *dir, struct sk_error *err);
/* Freezes l as DIR/tasks, or checks that it equals the frozen list.  A
 * different list is SK_ESTATE unless fresh, which moves the old list,
 * journal and logs aside (DIR/old.N/) and starts over. */
int tr_state_tasks(struct tr_state *s, const struct tr_tasklist *l, int fresh,
		   struct sk_error *err);
void tr_state_close(struct tr_state *s);
/* Whether a controller holds DIR's lock: its pid, 0 if none, or -1. */
long tr_state_holder(const char *dir);

#endif
