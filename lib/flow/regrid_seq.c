/*
 * The regrid driver's pass from start to end (pipes, compressed sgk, a file
 * with a cut last trace) on every core: the calling thread reads raw
 * records into a ring of batches, every thread decodes and classifies the
 * oldest batch no one has taken (the reader too, when the ring is full or
 * the input has ended), and the reader merges the decoded batches in input
 * order: counts, kept traces, their samples as memory chunks or spooled.
 * regrid_run_internal.h has the contract.
 *
 * Reading a pipe is a copy; decoding and classifying every trace is the
 * larger part, and it was done on the reading thread alone (issue 17).
 * Compressed sgk blocks are decompressed by the reader's own read-ahead
 * (stream.h sk_reader_readahead: a helper thread and the reader's), so
 * here the samples' decoding is what moves to the other threads.
 */
#include "regrid.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bigmem.h"
#include "ofile.h"
#include "recio.h"
#include "regrid_run_internal.h"

/* Bytes per batch (sk_rgrun_seq_per): small enough that the threads take
 * turns often (and the ring stays a few MiB), large enough that the lock
 * and the per-batch arrays are paid rarely. */
#define SEQ_BATCH_BYTES ((size_t)2 << 20)
/* Records above this size are read one batch at a time (the ring would
 * hold several of them). */
#define SEQ_RING_MAX ((size_t)64 << 20)

enum { B_FREE, B_READ, B_BUSY, B_DONE };

struct batch {
	int state;               /* B_*, changed under the lock */
	int64_t t0;              /* input index of its first record */
	long n;                  /* records */
	unsigned char *raw;      /* n raw records (per x rawlen bytes) */
	int rd_rc;               /* reading failed after its records */
	struct sk_error rd_err;
	/* What decoding found. */
	struct grow g;           /* the kept traces */
	float *s;                /* their samples (g.n x ns), or NULL */
	struct tally t;
	unsigned char *first_hdr;/* the header of its first used trace, or NULL */
	int rc;
	struct sk_error err;
};

struct seq {
	const struct sk_regrid_job *job;
	const struct sk_regrid_opts *o;
	const struct sk_reader *r;
	const struct keep *kp;
	int samples;             /* decode samples (not left in place) */
	size_t rawlen;           /* bytes of a raw record */
	long per;                /* records per batch */
	int nslot;
	struct batch *b;         /* the ring: batch k in slot k % nslot */
	int64_t head, tail;      /* batches merged; batches read */
	int quit;                /* a merge failed: the batches left are not decoded */
	int stop;                /* the workers end */
	long ccap;               /* room in store->cs */
	pthread_mutex_t mu;
	pthread_cond_t work;     /* a batch was read, or stop */
	pthread_cond_t done;     /* a batch was decoded */
};

long sk_rgrun_seq_per(size_t rawlen, long ns, int samples)
{
	const long per = (long)(SEQ_BATCH_BYTES / (samples ? (size_t)ns * sizeof(float) : rawlen));

	return per > 0 ? per : 1;
}

/* Decodes and classifies batch b (taken: B_BUSY), without the lock; hdr
 * and junk are the thread's (a header block, ns floats). */
static int decode_batch(const struct seq *q, struct batch *b, unsigned char *hdr, float *junk)
{
	const struct sk_info *info = sk_reader_info(q->r);
	const size_t ns = (size_t)info->ns;
	int rc;

	sk_rgrun_tally_init(&b->t);
	if (q->samples && b->n > 0 && !(b->s = sk_bigmem_alloc((size_t)b->n * ns * sizeof *b->s)))
		return sk_error_set(&b->err, SK_ENOMEM, "out of memory");
	for (long i = 0; i < b->n; i++) {
		const int64_t t = b->t0 + i;
		const unsigned char *rec = b->raw + (size_t)i * q->rawlen;
		double u = 0, v = 0, h = 0;
		int cls = 0, used, keep;
		if ((rc = sk_reader_decode(q->r, t, rec, hdr, NULL, &b->err)) < 0)
			return rc;
		used = sk_rgrun_classify(q->job, q->o, hdr, t, &b->t, &u, &v, &h, &cls);
		keep = used && sk_rgrun_keep_has(q->kp, u, v);
		/* Every trace's samples, used or not: a bad one is an error. */
		if (q->samples && (rc = sk_reader_decode(q->r, t, rec, NULL, keep ? b->s + (size_t)b->g.n * ns : junk,
							 &b->err)) < 0)
			return rc;
		if (used && b->t.first == t) {
			if (!(b->first_hdr = malloc(info->hdrlen)))
				return sk_error_set(&b->err, SK_ENOMEM, "out of memory");
			memcpy(b->first_hdr, hdr, info->hdrlen);
		}
		if (keep && sk_rgrun_grow_push(&b->g, u, v, h, cls, t) < 0)
			return sk_error_set(&b->err, SK_ENOMEM, "out of memory");
	}
	if (b->s && b->g.n == 0) {
		free(b->s);
		b->s = NULL;
	} else if (b->s && b->g.n < b->n) {
		float *m = realloc(b->s, (size_t)b->g.n * ns * sizeof *m);
		if (m)
			b->s = m;
	}
	return 0;
}

/* The oldest batch read and not taken, or NULL; with the lock. */
static struct batch *untaken(struct seq *q)
{
	for (int64_t k = q->head; k < q->tail; k++)
		if (q->b[k % q->nslot].state == B_READ)
			return &q->b[k % q->nslot];
	return NULL;
}

/* Takes b (with the lock), decodes it without, and hands it back done. */
static void take(struct seq *q, struct batch *b, unsigned char *hdr, float *junk)
{
	const int quit = q->quit;
	b->state = B_BUSY;
	pthread_mutex_unlock(&q->mu);
	b->rc = quit ? 0 : decode_batch(q, b, hdr, junk);
	pthread_mutex_lock(&q->mu);
	b->state = B_DONE;
	pthread_cond_broadcast(&q->done);
}

/* A worker: decodes batches until the reader says stop. */
static void worker(struct seq *q)
{
	const struct sk_info *info = sk_reader_info(q->r);
	unsigned char *hdr = malloc(info->hdrlen);
	float *junk = malloc((size_t)info->ns * sizeof *junk);

	pthread_mutex_lock(&q->mu);
	/* Without its buffers it leaves the work to the reader. */
	while (hdr && junk) {
		struct batch *b = untaken(q);
		if (b)
			take(q, b, hdr, junk);
		else if (q->stop)
			break;
		else
			pthread_cond_wait(&q->work, &q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	free(hdr);
	free(junk);
}

/* Reads the next batch's records into b (at most q->per), without the
 * lock: n 0 and rd_rc 0 at the end of the input. */
static void read_batch(const struct seq *q, struct sk_reader *r, struct batch *b)
{
	b->t0 = sk_reader_tell(r);
	b->n = 0;
	b->rd_rc = 0;
	while (b->n < q->per) {
		const unsigned char *rec;
		const int rc = sk_reader_next_raw(r, &rec, &b->rd_err);
		if (rc == 0)
			break;
		if (rc < 0) {
			b->rd_rc = rc;
			break;
		}
		memcpy(b->raw + (size_t)b->n * q->rawlen, rec, q->rawlen);
		b->n++;
	}
}

/* Room for one more memory chunk of samples in the store. */
static int chunk_room(struct seq *q, struct store *st)
{
	if (st->cs && st->nc < q->ccap)
		return 0;
	{
		const long cap = q->ccap ? 2 * q->ccap : 64;
		float **cs = realloc(st->cs, (size_t)cap * sizeof *cs);
		int64_t *cstart;
		if (cs)
			st->cs = cs;
		cstart = realloc(st->cstart, ((size_t)cap + 1) * sizeof *cstart);
		if (cstart)
			st->cstart = cstart;
		if (!cs || !cstart)
			return SK_ENOMEM;
		if (q->ccap == 0)
			st->cstart[0] = 0;
		q->ccap = cap;
	}
	return 0;
}

/* Merges the decoded batch b after those before it (the reader's thread,
 * without the lock): its error, counts, kept traces and samples, then the
 * error that ended reading after its records. */
static int merge(struct seq *q, struct batch *b, struct scan *sc, struct store *st, struct sk_error *err)
{
	const struct sk_info *info = sk_reader_info(q->r);
	const size_t rec = (size_t)info->ns * sizeof(float);
	int rc;

	if (b->rc < 0) {
		*err = b->err;
		return b->rc;
	}
	if (sc->t.first < 0 && b->first_hdr)
		memcpy(sc->first_hdr, b->first_hdr, info->hdrlen);
	sk_rgrun_tally_merge(&sc->t, &b->t);
	if (sk_rgrun_grow_append(&sc->g, &b->g) < 0)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (q->samples && b->g.n > 0) {
		/* Memory while the kept samples fit, then the spool: what
		 * memory held first, in order, then each batch's. */
		if (st->spool_fd < 0 && (uint64_t)sc->g.n * rec <= q->job->mem) {
			if (chunk_room(q, st) < 0)
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			st->cs[st->nc] = b->s;
			st->cstart[st->nc + 1] = st->cstart[st->nc] + b->g.n;
			st->nc++;
			b->s = NULL;
		} else {
			if (st->spool_fd < 0) {
				if ((rc = sk_ofile_spool_at("regrid-spool", st->spool_path, sizeof st->spool_path, err)) < 0)
					return sc->spool_err = 1, rc;
				st->spool_fd = rc;
				for (long c = 0; c < st->nc; c++) {
					rc = sk_rgrun_spool_write(st, st->cs[c], (size_t)(st->cstart[c + 1] - st->cstart[c]) * rec,
								  err);
					free(st->cs[c]);
					st->cs[c] = NULL;
					if (rc < 0)
						return sc->spool_err = 1, rc;
				}
				free(st->cs);
				free(st->cstart);
				st->cs = NULL;
				st->cstart = NULL;
				st->nc = 0;
				q->ccap = 0;
			}
			if ((rc = sk_rgrun_spool_write(st, b->s, (size_t)b->g.n * rec, err)) < 0)
				return sc->spool_err = 1, rc;
		}
	}
	if (b->rd_rc < 0) {
		*err = b->rd_err;
		return b->rd_rc;
	}
	return 0;
}

/* Empties a merged batch for the next one (its raw buffer stays). */
static void batch_clear(struct batch *b)
{
	sk_rgrun_grow_free(&b->g);
	free(b->s);
	free(b->first_hdr);
	b->s = NULL;
	b->first_hdr = NULL;
	b->n = 0;
	b->rc = 0;
	b->rd_rc = 0;
}

/* The reader: reads batches while the ring has room, merges those decoded
 * in order, decodes the oldest untaken when it cannot read, until the
 * input ends (or an error) and every batch read is merged. */
static int reader(struct seq *q, struct sk_reader *r, struct scan *sc, struct store *st, unsigned char *hdr,
		  float *junk, struct sk_error *err)
{
	int end = 0, rc = 0;

	pthread_mutex_lock(&q->mu);
	while (!end || q->head < q->tail) {
		struct batch *b = &q->b[q->head % q->nslot];
		if (q->head < q->tail && b->state == B_DONE) {
			pthread_mutex_unlock(&q->mu);
			if (rc == 0)
				rc = merge(q, b, sc, st, err);
			batch_clear(b);
			pthread_mutex_lock(&q->mu);
			b->state = B_FREE;
			q->head++;
			if (rc < 0)
				end = q->quit = 1;
			continue;
		}
		if (!end && q->tail - q->head < q->nslot) {
			b = &q->b[q->tail % q->nslot];
			pthread_mutex_unlock(&q->mu);
			read_batch(q, r, b);
			pthread_mutex_lock(&q->mu);
			if (b->n == 0 && b->rd_rc == 0) {
				end = 1;
				continue;
			}
			end = b->rd_rc < 0;
			b->state = B_READ;
			q->tail++;
			pthread_cond_signal(&q->work);
			continue;
		}
		if ((b = untaken(q)))
			take(q, b, hdr, junk);
		else
			pthread_cond_wait(&q->done, &q->mu);
	}
	q->stop = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->mu);
	return rc;
}

int sk_rgrun_scan_seq(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, struct sk_reader *r,
		      const struct keep *kp, struct scan *sc, struct store *store, struct sk_error *err)
{
	const struct sk_info *info = sk_reader_info(r);
	struct seq q;
	unsigned char *hdr = malloc(info->hdrlen);
	float *junk = malloc((size_t)info->ns * sizeof *junk);
	int rc = 0, nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	memset(&q, 0, sizeof q);
	q.job = job;
	q.o = o;
	q.r = r;
	q.kp = kp;
	q.rawlen = sk_rec_rawlen(info);
	if (q.rawlen > SEQ_RING_MAX)
		nth = 1;
	/* One batch read while the others are decoded: two for each thread
	 * keep every thread busy; one thread reads a batch and decodes it. */
	q.nslot = nth > 1 ? 2 * nth : 1;
	sc->in_place = info->ntraces >= 0 && sk_reader_pread_size(r) > 0 &&
		       (uint64_t)info->ntraces * (uint64_t)info->ns * sizeof(float) > job->mem;
	q.samples = !sc->in_place;
	q.per = sc->batch > 0 ? sc->batch : sk_rgrun_seq_per(q.rawlen, info->ns, q.samples);
	q.b = calloc((size_t)q.nslot, sizeof *q.b);
	if (!hdr || !junk || !q.b) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (int k = 0; k < q.nslot; k++)
		if (!(q.b[k].raw = malloc((size_t)q.per * q.rawlen))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
	/* A pass from start to end; the in-place reads later seek, which
	 * ends the read-ahead. */
	sk_reader_readahead(r, NULL);
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.work, NULL);
	pthread_cond_init(&q.done, NULL);
	#pragma omp parallel num_threads(nth)
	{
		int me = 0;
#ifdef _OPENMP
		me = omp_get_thread_num();
#endif
		if (me == 0)
			rc = reader(&q, r, sc, store, hdr, junk, err);
		else
			worker(&q);
	}
	pthread_cond_destroy(&q.done);
	pthread_cond_destroy(&q.work);
	pthread_mutex_destroy(&q.mu);
	/* In memory: the store's chunks, none when nothing was kept. */
	if (rc == 0 && q.samples && store->spool_fd < 0 && chunk_room(&q, store) < 0)
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
out:
	if (q.b)
		for (int k = 0; k < q.nslot; k++) {
			batch_clear(&q.b[k]);
			free(q.b[k].raw);
		}
	free(q.b);
	free(hdr);
	free(junk);
	return rc;
}
