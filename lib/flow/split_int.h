/*
 * split_int: what the splitter (split.c), its ranges (split_ranges.c) and
 * the remake of a piece (split_remake.c) share; not part of split.h.
 */
#ifndef SK_SPLIT_INT_H
#define SK_SPLIT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "recio.h"
#include "split.h"

/* The ranges' indices in the order of their lower bounds (malloc'd; NULL
 * when out of memory). */
size_t *sk_split_range_order(const struct sk_split_opts *o);
/* The piece (0-based) a value belongs to: the range that holds it, or the
 * overflow piece o->nranges; rorder from sk_split_range_order. */
size_t sk_split_range_of(const struct sk_split_opts *o, const size_t *rorder, double v);
/* The pieces' output buffer (0: the default), also an sgk piece's block
 * size: nouts pieces open at once, sorted or not, sgk or not. */
size_t sk_split_piece_bufsize(size_t nouts, int sorted, int sgk);

/*
 * A sorted piece written by a thread while the next one fills the sort
 * buffer (split_write.c).  The caller sets the job (rec: scratch of the
 * writer's own; w: the piece's writer, which the job then owns and closes
 * or aborts; the records at base + slots[i] x reclen for i < n, from
 * sk_sortbuf_take; path: the piece's name for errors), then starts it.
 */
struct sk_runw {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int active;              /* a thread writes (until sk_runw_wait) */
	int finished, rc;        /* the thread has ended, with rc (under mu) */
	struct sk_error err;     /* its error */
	atomic_size_t done;      /* records written */
	atomic_size_t want;      /* a filler waits for done >= want (0: none) */
	struct sk_rec *rec;
	struct sk_writer *w;
	const unsigned char *base;
	size_t reclen;
	const size_t *slots;
	size_t n;
	const char *path;
};

void sk_runw_init(struct sk_runw *q);
/* Starts writing the job: in a thread when thread is set (and one can be
 * had), else here, at once.  Returns 0, or the error of writing here. */
int sk_runw_start(struct sk_runw *q, int thread, struct sk_error *err);
/* Waits until the job's j-th slot has been written (at once when j is
 * beyond its list or no thread writes): 0, or the thread's error when it
 * failed before. */
int sk_runw_slot(struct sk_runw *q, size_t j, struct sk_error *err);
/* Waits for the thread to end: 0 (also when none ran) or its error. */
int sk_runw_wait(struct sk_runw *q, struct sk_error *err);
/* Waits for a thread still running; frees what init made. */
void sk_runw_release(struct sk_runw *q);

#endif
