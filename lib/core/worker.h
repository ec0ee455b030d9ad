/*
 * worker: one helper thread that runs jobs in the order they were posted,
 * for work a caller splits into pieces whose results it takes back in order
 * (blocks decompressed, traces decoded ahead of their reader).  Each job
 * carries its own result: the worker never reports anything itself, so an
 * error found in a job is reported by the caller when it reaches that job,
 * exactly where the serial path would report it.
 *
 * A job is owned by the caller; between sk_worker_post and the
 * sk_worker_wait that returns for it, only the worker touches it (and what
 * its fn touches).  The worker thread blocks every signal.
 */
#ifndef SK_WORKER_H
#define SK_WORKER_H

#include "diag.h"

struct sk_job {
	void (*fn)(void *arg);
	void *arg;
	/* The worker's bookkeeping: */
	int state;             /* 0 idle, 1 queued or running, 2 done */
	struct sk_job *next;
};

struct sk_worker;

/* Starts the thread.  SK_ENOMEM, or SK_EIO (with errno) when no thread can
 * start. */
int sk_worker_new(struct sk_worker **out, struct sk_error *err);
/* Queues j (idle or done) to run after the jobs posted before it. */
void sk_worker_post(struct sk_worker *w, struct sk_job *j);
/* Waits until j, which was posted, has run; j is then done. */
void sk_worker_wait(struct sk_worker *w, struct sk_job *j);
/* Takes back a posted j that the worker has not started: 1 (j is idle
 * again, for the caller to run itself: under load, waking a sleeping thread
 * costs more than the job), or 0 when it runs or ran. */
int sk_worker_take(struct sk_worker *w, struct sk_job *j);
/* Whether a posted j has run (without waiting). */
int sk_worker_done(struct sk_worker *w, const struct sk_job *j);
/* Jobs queued or running. */
int sk_worker_busy(struct sk_worker *w);
/* Runs the jobs already posted to the end, stops the thread and frees w;
 * NULL is fine. */
void sk_worker_free(struct sk_worker *w);

#endif
