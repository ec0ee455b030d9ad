/*
 * journal: DIR/journal of the state directory (state.h), append-only, one
 * event per line, written once a pass and synced by group commit
 * (TR_JOURNAL_DELAY).
 *
 * Journal lines are tab-separated: time (Unix seconds), event, task (0:
 * none), attempt, host ("-": none), status, signal, wall, user and sys CPU
 * seconds, max RSS (KiB), and a note.  Events: run, end, up, down, add,
 * drain, quarantine, release, probe (hosts); start, input, done, fail, lost,
 * cancel, failed, remake (attempts and tasks).  A torn last line (a crash mid-write) is ignored.
 */
#ifndef TR_JOURNAL_H
#define TR_JOURNAL_H

#include <stddef.h>

#include "diag.h"

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
	int errnum;  /* a write or sync failed with it: nothing more is written */
};

int tr_journal_open(struct tr_journal *j, const char *path, int sync, struct sk_error *err);
/* Writes one event and syncs it with every line before it (when j->sync). */
int tr_journal_write(struct tr_journal *j, const struct tr_event *e, struct sk_error *err);
/* Adds one event to the lines to write; tr_journal_flush writes them (in
 * one write(2): a killed process loses none of the lines written), and
 * tr_journal_sync, tr_journal_write or a due group commit syncs them. */
int tr_journal_put(struct tr_journal *j, const struct tr_event *e, struct sk_error *err);
/* Writes the lines put since the last flush.  Once a write or sync has
 * failed (a full disk), every later put, flush and sync fails with the same
 * error and writes nothing: the file stays the lines before, and at most
 * one torn line the reader skips, never a torn line with later ones run
 * into it (a line that parses as an event no one wrote). */
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

#endif
