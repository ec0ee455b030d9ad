/*
 * stream_dec: decoding ahead for SEG-Y and SU readers (stream_internal.h).
 * After sk_reader_parallel, the first sk_reader_next that asks for samples
 * starts it: this thread gathers a batch of raw records from the input (the
 * checks of sk_stream_rec_next_raw made on each), the worker decodes it
 * while this thread hands out the batch before it, so decoding runs beside
 * reading and beside whatever the caller does with the traces (encoding and
 * writing them, for a format conversion).
 *
 * Order is kept: a batch ends at the first record that gathering or decoding
 * finds wrong, and carries that error (made by the same code as the serial
 * path, with the record's own trace number and byte), which sk_reader_next
 * returns once the traces before it are handed out.  A batch's raw records
 * stay in the input buffer until it is decoded: the next batch is gathered
 * only after the worker is done with the last.
 */
#include <stdlib.h>
#include <string.h>

#include "stream_internal.h"
#include "worker.h"

/* Raw bytes per batch: small enough to stay in the cache between the two
 * threads, large enough that a hand-over is rare. */
#define DEC_BATCH ((size_t)1 << 20)

struct dec_batch {
	struct sk_job job;
	const struct sk_reader *r;
	const unsigned char *raw;  /* n records, in the input buffer */
	int64_t first;             /* 0-based index of the first */
	long n, good;              /* records gathered; decoded without error */
	unsigned char *hdr;
	float *data;
	int rc;                    /* after the good ones: 0 (none, or the end
	                            * when n == 0) or an error */
	int last;                  /* nothing follows: rc's error or the end */
	struct sk_error err;
};

struct sk_dec {
	struct sk_worker *w;
	struct dec_batch b[2];
	long max;                  /* records per batch */
	int cur;                   /* the batch handed out, -1 before the first */
	long pos;                  /* its next trace */
	int64_t cidx;              /* traces handed out */
};

static void dec_run(void *arg)
{
	struct dec_batch *const b = arg;
	const struct sk_reader *const r = b->r;
	const size_t hl = r->info.hdrlen, ns = (size_t)r->info.ns;
	long i;

	for (i = 0; i < b->n; i++) {
		const unsigned char *const rec = b->raw + (size_t)i * r->recsize;
		const int rc = sk_stream_decode(r, b->first + i, rec, rec + hl, b->hdr + (size_t)i * hl,
						b->data + (size_t)i * ns, &b->err);
		if (rc < 0) {
			b->rc = rc;
			b->last = 1;
			break;
		}
	}
	b->good = i;
}

/* Gathers the next records into b: the first by sk_stream_rec_next_raw
 * (its error or the end kept in b), then those whole in the buffer after
 * it and passing the same check, up to d->max. */
static void dec_gather(struct sk_reader *r, struct sk_dec *d, struct dec_batch *b)
{
	const unsigned char *p;
	int64_t more, k;
	int rc;

	sk_error_clear(&b->err);
	b->first = r->idx;
	b->n = b->good = 0;
	b->rc = 0;
	b->last = 0;
	if ((rc = sk_stream_rec_next_raw(r, &p, &b->err)) <= 0) {
		b->rc = rc;
		b->last = 1;
		return;
	}
	more = (int64_t)((r->in.end - r->in.beg) / r->recsize);
	if (more > d->max - 1)
		more = d->max - 1;
	if (r->info.ntraces >= 0 && more > r->info.ntraces - r->idx)
		more = r->info.ntraces - r->idx;
	for (k = 0; k < more && r->check_ns; k++) {
		struct sk_error e;
		if (sk_stream_check_record(r, sk_in_ptr(&r->in) + k * (int64_t)r->recsize, r->idx + k, 0, &e) < 0)
			break;  /* the next gathering reports it, where it is */
	}
	if (r->check_ns)
		more = k;
	sk_in_skip(&r->in, (size_t)more * r->recsize);
	r->idx += more;
	b->raw = p;
	b->n = (long)(1 + more);
}

static int dec_start(struct sk_reader *r, struct sk_error *err)
{
	struct sk_dec *d = calloc(1, sizeof *d);
	const size_t hl = r->info.hdrlen, ns = (size_t)r->info.ns;
	int rc;

	if (!d)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	d->max = (long)(DEC_BATCH / r->recsize);
	if (d->max < 1)
		d->max = 1;
	for (int i = 0; i < 2; i++) {
		d->b[i].job.fn = dec_run;
		d->b[i].job.arg = &d->b[i];
		d->b[i].r = r;
		d->b[i].hdr = malloc((size_t)d->max * hl);
		d->b[i].data = malloc((size_t)d->max * ns * sizeof(float));
		if (!d->b[i].hdr || !d->b[i].data) {
			free(d->b[0].hdr);
			free(d->b[0].data);
			free(d->b[1].hdr);
			free(d->b[1].data);
			free(d);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	}
	if ((rc = sk_worker_new(&d->w, err)) < 0) {
		for (int i = 0; i < 2; i++) {
			free(d->b[i].hdr);
			free(d->b[i].data);
		}
		free(d);
		return rc;
	}
	d->cur = -1;
	d->cidx = r->idx;
	r->dec = d;
	dec_gather(r, d, &d->b[0]);
	sk_worker_post(d->w, &d->b[0].job);
	return 0;
}

int sk_stream_dec_next(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err)
{
	struct sk_dec *d = r->dec;
	int rc;

	if (!d) {
		if ((rc = dec_start(r, err)) < 0) {
			/* Serially then, as without read-ahead. */
			r->dec_want = 0;
			return r->ops->next(r, hdr, data, err);
		}
		d = r->dec;
	}
	for (;;) {
		struct dec_batch *b = d->cur >= 0 ? &d->b[d->cur] : NULL;
		if (b && d->pos < b->good) {
			const size_t hl = r->info.hdrlen, ns = (size_t)r->info.ns;
			if (hdr)
				memcpy(hdr, b->hdr + (size_t)d->pos * hl, hl);
			if (data)
				memcpy(data, b->data + (size_t)d->pos * ns, ns * sizeof *data);
			d->pos++;
			d->cidx++;
			return 1;
		}
		if (b && b->last) {
			if (b->rc < 0)
				*err = b->err;
			return b->rc;
		}
		/* The next batch: decoded by now, or soon; then the one after
		 * it gathered (its raw records may replace these) and posted. */
		d->cur = d->cur < 0 ? 0 : 1 - d->cur;
		d->pos = 0;
		b = &d->b[d->cur];
		/* Not started: decoded here, rather than wait for the worker to
		 * wake (under load that wait costs more than the decoding). */
		if (b->n > 0 && sk_worker_take(d->w, &b->job))
			dec_run(b);
		else
			sk_worker_wait(d->w, &b->job);
		if (!b->last) {
			struct dec_batch *const nb = &d->b[1 - d->cur];
			dec_gather(r, d, nb);
			if (nb->n > 0)
				sk_worker_post(d->w, &nb->job);
		}
	}
}

int64_t sk_stream_dec_tell(const struct sk_reader *r)
{
	return r->dec->cidx;
}

int sk_stream_dec_stop(struct sk_reader *r, int restore, struct sk_error *err)
{
	struct sk_dec *const d = r->dec;
	const int64_t back = r->idx - d->cidx;
	int rc = 0;

	sk_worker_free(d->w);
	for (int i = 0; i < 2; i++) {
		free(d->b[i].hdr);
		free(d->b[i].data);
	}
	r->dec = NULL;
	if (restore && back > 0) {
		/* Back to the first trace not handed out: in the buffer when
		 * its bytes are still there, else by seeking. */
		const size_t bytes = (size_t)back * r->recsize;
		if (r->in.beg >= bytes) {
			r->in.beg -= bytes;
			r->in.pos -= (int64_t)bytes;
			r->idx = d->cidx;
		} else if (r->in.seekable) {
			rc = sk_stream_rec_seek(r, d->cidx, err);
		} else {
			rc = sk_error_set(err, SK_ESTATE,
					  "trace %lld: cannot go back %lld traces in a pipe after decoding ahead",
					  (long long)d->cidx + 1, (long long)back);
		}
	}
	free(d);
	return rc;
}
