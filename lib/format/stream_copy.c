/*
 * stream_copy: copying every trace of a reader to a writer (stream.h
 * sk_copy_traces), by the fastest path the pair allows: raw records in
 * batches, whole sgk blocks, or decoded and encoded again; and the
 * read-ahead that pays for such a copy.
 */
#include "stream.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"
#include "sgk.h"
#include "stream_internal.h"

int sk_copy_readahead(struct sk_reader *r, const struct sk_writer *w, struct sk_error *err)
{
	struct stat o, null;

	/* A raw copy into /dev/null only reads: a second thread adds its
	 * hand-overs and has nothing to overlap (1 GB IBM SEG-Y: 0.67x cat
	 * with it, 0.86x without).  Into a file or a pipe the writes cost a
	 * copy each and overlap the reads (tmpfs file 1.07x cat against
	 * 0.94x; through a pipe 0.82 s against 1.16 s for 512 MB). */
	if (sk_stream_same_encoding(r, w) && !r->info.compressed && fstat(w->out.fd, &o) == 0 && S_ISCHR(o.st_mode) &&
	    stat("/dev/null", &null) == 0 && o.st_rdev == null.st_rdev)
		return 0;
	/* SEG-Y or SU records into sgk blocks unchanged: read by whole
	 * blocks, written from where they were read. */
	if (r->ops->readahead && w->info.fmt == SK_FMT_SGK && r->info.fmt != SK_FMT_SGK &&
	    sk_stream_same_encoding(r, w)) {
		const int rc = sk_sgk_readahead(r, w, err);
		if (rc < 0 || r->in.ra)
			return sk_error_at(err, rc, r->in.name);
	}
	/* Uncompressed sgk blocks that pass unchanged (into an uncompressed
	 * sgk writer, or by writev to SEG-Y or SU) are read in place: read
	 * ahead, each would be copied once more (sgk -> sgk copies ran 1.25x
	 * slower).  Read-ahead is for the blocks whose samples are decoded. */
	if (r->info.fmt == SK_FMT_SGK && !r->info.compressed && !w->info.compressed && sk_stream_same_encoding(r, w))
		return 0;
	return sk_reader_readahead(r, err);
}

/*
 * Batches for sk_copy_traces.  raw_batch returns up to max whole records of a
 * SEG-Y or SU reader that lie one after another in its input buffer (at
 * least one unless the stream ends), each checked as sk_reader_next_raw
 * checks it: the copy then costs one write, or one decode, per buffer
 * rather than per trace.
 */
static int64_t raw_batch(struct sk_reader *r, int64_t max, const unsigned char **p, struct sk_error *err)
{
	const int rc = sk_reader_next_raw(r, p, err);
	int64_t more, k;

	if (rc <= 0)
		return rc;
	more = (int64_t)((r->in.end - r->in.beg) / r->recsize);
	if (more > max - 1)
		more = max - 1;
	if (r->info.ntraces >= 0 && more > r->info.ntraces - r->idx)
		more = r->info.ntraces - r->idx;
	for (k = 0; k < more && r->check_ns; k++) {
		struct sk_error e;
		if (sk_stream_check_record(r, sk_in_ptr(&r->in) + k * (int64_t)r->recsize, r->idx + k, 0, &e) < 0)
			break;  /* sk_reader_next_raw reports it on the next call */
	}
	if (r->check_ns)
		more = k;
	sk_in_skip(&r->in, (size_t)more * r->recsize);
	r->idx += more;
	return 1 + more;
}

int sk_copy_traces(struct sk_reader *r, struct sk_writer *w, int64_t *n, int *wfail,
		   struct sk_error *err)
{
	return sk_copy_traces_tick(r, w, n, wfail, NULL, NULL, err);
}

int sk_copy_traces_tick(struct sk_reader *r, struct sk_writer *w, int64_t *n, int *wfail,
			void (*tick)(void *arg, int64_t copied), void *arg, struct sk_error *err)
{
	const int mode = sk_stream_raw_mode(r, w);
	const int sgk_in = r->info.fmt == SK_FMT_SGK, sgk_out = w->info.fmt == SK_FMT_SGK;
	unsigned char *hdr = NULL, *rec = NULL;
	float *data = NULL;
	int64_t k = 0, got = 0;
	int rc = 0, side = 0;

	sk_writer_source(w, &r->info);
	if (mode == SK_RAW_HSWAP && (sgk_in || !sgk_out) && !(rec = malloc(r->recsize)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (mode == SK_RAW_NO && (sgk_in || !sgk_out)) {
		hdr = malloc(r->info.hdrlen);
		data = malloc(sizeof *data * (size_t)r->info.ns);
		if (!hdr || !data) {
			free(hdr);
			free(data);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	}
	/* got: traces read (or a read error); rc: the write's result. */
	for (;;) {
		const unsigned char *p;

		side = 0;
		if (mode == SK_RAW_SAME && sgk_in && sgk_out && (got = sk_sgk_pass_block(r, w, &side, err)) != 0) {
			if (got < 0 && side)
				rc = (int)got, got = 0;
		} else if (mode == SK_RAW_SAME && !sgk_in && !sgk_out) {
			if ((got = raw_batch(r, INT64_MAX, &p, err)) > 0) {
				rc = sk_out_write(&w->out, p, (size_t)got * r->recsize, err);
				w->count += got;
			}
		} else if (sgk_out && !sgk_in && mode == SK_RAW_SAME &&
			   (got = sk_sgk_put_block_direct(w, r, &side, err)) != 0) {
			if (got < 0 && side)
				rc = (int)got, got = 0;
		} else if (sgk_out && !sgk_in) {
			/* Whole buffers of records into the block, recoded as needed. */
			if ((got = raw_batch(r, sk_sgk_room(w), &p, err)) > 0 &&
			    (rc = sk_sgk_put_records(w, r, p, got, &side, err)) < 0 && !side)
				got = rc, rc = 0;
		} else if (mode == SK_RAW_SAME && sgk_in && !sgk_out &&
			   (got = sk_sgk_get_block_direct(r, w, &side, err)) != 0) {
			if (got < 0 && side)
				rc = (int)got, got = 0;
		} else if (mode == SK_RAW_SAME) {
			if ((got = sk_reader_next_raw(r, &p, err)) > 0)
				rc = sk_writer_put_raw(w, p, err);
		} else if (mode == SK_RAW_HSWAP) {
			if ((got = sk_reader_next_raw(r, &p, err)) > 0) {
				memcpy(rec, p, r->recsize);
				sk_stream_swap(rec, &r->info);
				rc = sk_writer_put_raw(w, rec, err);
			}
		} else {
			if ((got = sk_reader_next(r, hdr, data, err)) > 0)
				rc = sk_writer_put(w, hdr, data, err);
		}
		if (got <= 0 || rc < 0)
			break;
		k += got;
		if (tick)
			tick(arg, k);
	}
	free(hdr);
	free(data);
	free(rec);
	if (n)
		*n = k;
	if (wfail)
		*wfail = rc < 0;
	if (got < 0)
		return sk_error_at(err, (int)got, r->in.name);
	return sk_error_at(err, rc < 0 ? rc : 0, w->out.name);
}
