/*
 * split_write: a sorted piece written out by a thread of its own while the
 * next piece fills the sort buffer behind it (split_int.h sk_runw_*).
 *
 * The records go out in sorted order from their slots in the one sort
 * buffer (sortbuf.h sk_sortbuf_take); record j of the next piece goes into
 * the j-th slot written, so the filler waits only when it catches up with
 * the writer, and memory stays one piece (plus 16 bytes a record for the
 * slot lists).  done counts the records written; a filler that needs more
 * sets want and sleeps on cv; the writer, after each record, wakes it once
 * done reaches want.  Both are sequentially consistent atomics, so either
 * the writer sees want or the filler sees the new done (no lost wake-up),
 * and the wake-up itself is sent under mu, which the filler holds from its
 * last check to its wait.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ofile.h"
#include "split_int.h"

/* The records a waiting filler is woken for: 256 KiB of them (at least
 * one), so a waiter pays its sleep and wake-up once for many records. */
#define RUNW_BATCH(q) ((q)->reclen < ((size_t)256 << 10) ? ((size_t)256 << 10) / (q)->reclen : 1)

/* Writes the job's records, then closes the writer (into the split's set);
 * on a failure aborts it.  The error names the piece. */
static int write_run(struct sk_runw *q, struct sk_error *err)
{
	int rc = 0;

	for (size_t i = 0; i < q->n; i++) {
		rc = sk_rec_put_saved(q->rec, q->base + q->slots[i] * q->reclen, q->w, err);
		if (rc < 0)
			break;
		atomic_store(&q->done, i + 1);
		if (atomic_load(&q->want) != 0 && i + 1 >= atomic_load(&q->want)) {
			pthread_mutex_lock(&q->mu);
			pthread_cond_broadcast(&q->cv);
			pthread_mutex_unlock(&q->mu);
		}
	}
	if (rc < 0) {
		sk_writer_abort(q->w);
		q->w = NULL;
		return sk_error_at(err, rc, q->path);
	}
	rc = sk_writer_close(q->w, err);
	q->w = NULL;
	return sk_error_at(err, rc, q->path);
}

static void *runw_main(void *arg)
{
	struct sk_runw *q = arg;
	const int rc = write_run(q, &q->err);

	pthread_mutex_lock(&q->mu);
	q->rc = rc;
	q->finished = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

void sk_runw_init(struct sk_runw *q)
{
	memset(q, 0, sizeof *q);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

int sk_runw_start(struct sk_runw *q, int thread, struct sk_error *err)
{
	atomic_store(&q->done, 0);
	atomic_store(&q->want, 0);
	q->finished = 0;
	q->rc = 0;
	if (thread) {
		/* Signals go to the caller's thread, not to the writer (the
		 * handlers that remove the temporaries run there). */
		if (sk_ofile_thread(&q->th, runw_main, q) == 0) {
			q->active = 1;
			return 0;
		}
	}
	/* Written here and now (a small piece, or no thread to be had). */
	return write_run(q, err);
}

int sk_runw_slot(struct sk_runw *q, size_t j, struct sk_error *err)
{
	int rc = 0;

	if (!q->active || j >= q->n || atomic_load(&q->done) > j)
		return 0;
	pthread_mutex_lock(&q->mu);
	/* Woken for a batch of slots, not each one: a filler faster than
	 * the writer would otherwise sleep and wake once a record. */
	atomic_store(&q->want, j + RUNW_BATCH(q) < q->n ? j + RUNW_BATCH(q) : q->n);
	while (atomic_load(&q->done) <= j && !q->finished)
		pthread_cond_wait(&q->cv, &q->mu);
	atomic_store(&q->want, 0);
	/* A writer that failed frees no more slots: its error is the
	 * split's. */
	if (atomic_load(&q->done) <= j && q->rc < 0) {
		if (err)
			*err = q->err;
		rc = q->rc;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

int sk_runw_wait(struct sk_runw *q, struct sk_error *err)
{
	int rc;

	if (!q->active)
		return 0;
	pthread_join(q->th, NULL);
	q->active = 0;
	rc = q->rc;
	if (rc < 0 && err)
		*err = q->err;
	return rc;
}

void sk_runw_release(struct sk_runw *q)
{
	(void)sk_runw_wait(q, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}
