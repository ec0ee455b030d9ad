/*
 * stream_sgk_write: the sgk writer in the stream layer (stream_sgk.c is
 * the reader; man/sgk.5 the specification): the stream header, blocks of
 * traces filled in place and written plain or byte-shuffled in one zstd
 * frame, the counts fixed at the end, and the block fast path from SEG-Y
 * and SU readers that sk_copy_traces uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "fmt.h"
#include "hdr.h"
#include "segy.h"
#include "sgk.h"
#include "stream_internal.h"
#include "stream_sgk_internal.h"
#include "zio.h"

void sk_sgk_wrelease(struct sk_writer *w)
{
	struct sgk_wr *const s = w->fs;

	if (!s)
		return;
	sk_zio_free(s->z);
	free(s->hbuf);
	free(s->sbuf);
	free(s->zraw);
	free(s->zbuf);
	free(s->tmp);
	free(s->iov);
	free(s);
	w->fs = NULL;
}

/* The encoding: the source's own (its sample format and byte order), so
 * that SEG-Y -> sgk -> SEG-Y gives back the same bytes, unless the options
 * ask for another; float32 for formats that cannot be written (4). */
int sk_sgk_wopen(struct sk_writer *w, const struct sk_info *like, const struct sk_wopts *o,
		     struct sk_error *err)
{
	struct sgk_wr *s;
	size_t hb, sb, bps;

	w->samp_fmt = o->sample_format ? o->sample_format
		    : like->sample_format && sk_fmt_writable(like->sample_format) ? like->sample_format : 5;
	if (!sk_fmt_writable(w->samp_fmt))
		return sk_error_set(err, SK_EARG, "sample format %d cannot be written (1-3, 5-12, 15, 16)",
				    o->sample_format);
	w->samp_little = o->little >= 0 ? o->little : like->little != 0;
	w->hdr_little = 0;   /* header blocks are canonical */
	bps = (size_t)sk_fmt_size(w->samp_fmt);
	if (!(s = w->fs = calloc(1, sizeof *s)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	s->zlevel = o->zstd;
	s->B = o->block > 0 ? o->block
			    : (long)((o->bufsize ? o->bufsize : 4u << 20) / (w->info.hdrlen + bps * (size_t)like->ns));
	if (s->B < 1)
		s->B = 1;
	if (s->B > SK_SGK_MAX_BLOCK)
		s->B = SK_SGK_MAX_BLOCK;
	w->info.block = s->B;
	w->info.compressed = s->zlevel != 0;
	hb = (size_t)s->B * w->info.hdrlen;
	sb = (size_t)s->B * bps * (size_t)like->ns;
	s->hbuf = malloc(hb);
	s->sbuf = malloc(sb);
	s->tmp = malloc((size_t)like->ns * sizeof *s->tmp);
	if (s->zlevel) {
		s->zraw = malloc(hb + sb);
		s->zcap = sk_zio_bound(hb + sb);
		s->zbuf = malloc(s->zcap);
		s->z = sk_zio_new(s->zlevel);
	}
	if (!s->hbuf || !s->sbuf || !s->tmp || (s->zlevel && (!s->zraw || !s->zbuf || !s->z)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

int sk_sgk_whead(struct sk_writer *w, const struct sk_info *like, struct sk_error *err)
{
	const struct sgk_wr *const s = w->fs;
	unsigned char h[SK_SGK_HEAD];
	uint64_t dtw;

	memset(h, 0, sizeof h);
	memcpy(h, SK_SGK_MAGIC, 8);
	put_le(h + SK_SGK_H_VERSION, 4, SK_SGK_VERSION);
	put_le(h + SK_SGK_H_FLAGS, 4, s->zlevel ? 1 : 0);
	put_le(h + SK_SGK_H_NS, 4, (uint64_t)w->info.ns);
	put_le(h + SK_SGK_H_HDRLEN, 4, w->info.hdrlen);
	memcpy(&dtw, &w->info.dt, 8);
	put_le(h + SK_SGK_H_DT, 8, dtw);
	put_le(h + SK_SGK_H_BLOCK, 4, (uint64_t)s->B);
	/* The origin says SU whenever the headers are SU's (an sgk copy of an
	 * sgk made from SU too), so that bytes 181-240 keep their meaning. */
	put_le(h + SK_SGK_H_ORIGIN, 4, (uint64_t)(unsigned)(like->su_tail ? SK_FMT_SU : like->fmt) |
					       (uint64_t)(like->little != 0) << 8);
	put_le(h + SK_SGK_H_COUNT, 8, (uint64_t)w->declared);   /* -1 when not known yet */
	put_le(h + SK_SGK_H_FHDR, 8, like->fhdr_len);
	put_le(h + SK_SGK_H_CODE, 2, (uint64_t)w->samp_fmt);
	h[SK_SGK_H_ORDER] = (unsigned char)w->samp_little;
	if (sk_out_write(&w->out, h, sizeof h, err) < 0)
		return err->code;
	if (like->fhdr_len)
		return sk_out_write(&w->out, like->fhdr, like->fhdr_len, err);
	return 0;
}

static int sgk_flush(struct sk_writer *w, struct sk_error *err)
{
	struct sgk_wr *const s = w->fs;
	unsigned char h[SK_SGK_BLOCK_HEAD];
	const size_t hl = w->info.hdrlen, sb = w->recsize - hl;
	const size_t raw = (size_t)s->blk_n * (hl + sb);
	size_t stored = raw;
	int rc;

	if (s->zlevel && s->blk_n) {
		sk_sgk_shuffle(s->hbuf, s->sbuf, (size_t)s->blk_n, hl, (size_t)w->info.ns, (size_t)w->bps, 1, s->zraw);
		if ((rc = sk_zio_compress(s->z, s->zraw, raw, s->zbuf, s->zcap, &stored, err)) < 0)
			return rc;
	}
	put_le(h + SK_SGK_B_COUNT, 4, (uint64_t)s->blk_n);
	put_le(h + SK_SGK_B_FLAGS, 4, s->zlevel && s->blk_n ? 1 : 0);
	put_le(h + SK_SGK_B_RAW, 8, raw);
	put_le(h + SK_SGK_B_STORED, 8, stored);
	if ((rc = sk_out_write(&w->out, h, sizeof h, err)) < 0)
		return rc;
	if (s->zlevel && s->blk_n)
		rc = sk_out_write(&w->out, s->zbuf, stored, err);
	else if (s->blk_n && (rc = sk_out_write(&w->out, s->hbuf, (size_t)s->blk_n * hl, err)) == 0)
		rc = sk_out_write(&w->out, s->sbuf, (size_t)s->blk_n * sb, err);
	s->blk_n = 0;
	return rc;
}

/* The header and sample slots of trace i of the writer's block from its
 * current fill: records go straight into them. */
void sk_sgk_slot(const struct sk_writer *w, int64_t i, unsigned char **hdr, unsigned char **smp)
{
	const struct sgk_wr *const s = w->fs;
	const size_t sb = w->recsize - w->info.hdrlen;

	*hdr = s->hbuf + (size_t)(s->blk_n + i) * w->info.hdrlen;
	*smp = s->sbuf + (size_t)(s->blk_n + i) * sb;
}

int sk_sgk_commit(struct sk_writer *w, int64_t n, struct sk_error *err)
{
	struct sgk_wr *const s = w->fs;

	w->count += n;
	s->blk_n += (long)n;
	if (s->blk_n == s->B)
		return sgk_flush(w, err);
	return 0;
}

int sk_sgk_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err)
{
	/* A record is the header block and the samples in the stream's encoding. */
	unsigned char *h, *d;

	sk_sgk_slot(w, 0, &h, &d);
	memcpy(h, rec, w->info.hdrlen);
	memcpy(d, rec + w->info.hdrlen, w->recsize - w->info.hdrlen);
	return sk_sgk_commit(w, 1, err);
}

int sk_sgk_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			   struct sk_error *err)
{
	unsigned char *h, *d;

	sk_sgk_slot(w, 0, &h, &d);
	memcpy(h, hdr, w->info.hdrlen);
	memcpy(d, rec + w->info.hdrlen, w->recsize - w->info.hdrlen);
	return sk_sgk_commit(w, 1, err);
}

int sk_sgk_put(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err)
{
	unsigned char *h, *d;

	sk_sgk_slot(w, 0, &h, &d);
	memcpy(h, hdr, w->info.hdrlen);
	sk_hdr_tail_convert(h, w->from_su_tail, w->info.su_tail);
	sk_fmt_encode(w->samp_fmt, w->samp_little, data, (size_t)w->info.ns, d);
	return sk_sgk_commit(w, 1, err);
}

/* Writes the last block, the end marker (a block of 0 traces) and, into a
 * file, the trace count. */
int sk_sgk_finish(struct sk_writer *w, struct sk_error *err)
{
	const struct sgk_wr *const s = w->fs;
	int rc = 0;

	if (s->blk_n)
		rc = sgk_flush(w, err);
	if (rc == 0)
		rc = sgk_flush(w, err);
	if (rc == 0 && w->out.seekable) {
		unsigned char c[8];
		put_le(c, 8, (uint64_t)w->count);
		rc = sk_out_pwrite(&w->out, SK_SGK_H_COUNT, c, 8, err);
	}
	return rc;
}

/* ---- fast paths for sk_copy_traces --------------------------------------- */

int64_t sk_sgk_room(const struct sk_writer *w)
{
	const struct sgk_wr *const s = w->fs;

	return s->B - s->blk_n;
}

/* One thread: the vectorised decoding outruns the kernel's copy from the
 * page cache, and a parallel region per buffer cost more than it saved
 * (0.41 s against 0.08 s for 200 MB of IBM SEG-Y on 2 threads).  Samples in
 * the writer's encoding (the default: the source's) are copied as they are;
 * others are decoded and encoded again. */
int sk_sgk_put_records(struct sk_writer *w, const struct sk_reader *r, const unsigned char *p, int64_t n,
		       int *wfail, struct sk_error *err)
{
	struct sgk_wr *const s = w->fs;
	const size_t hl = r->info.hdrlen, ns = (size_t)r->info.ns;
	const int same = r->samp_fmt == w->samp_fmt && r->samp_little == w->samp_little;

	for (int64_t i = 0; i < n; i++) {
		const unsigned char *rec = p + i * (int64_t)r->recsize;
		unsigned char *h, *d;

		sk_sgk_slot(w, i, &h, &d);
		memcpy(h, rec, hl);
		if (r->hdr_little)
			sk_stream_swap(h, &r->info);
		sk_hdr_tail_convert(h, r->info.su_tail, w->info.su_tail);
		if (same) {
			memcpy(d, rec + hl, r->recsize - hl);
		} else {
			const size_t bad = sk_fmt_decode(r->samp_fmt, r->samp_little, rec + hl, ns, s->tmp);
			if (bad) {
				*wfail = 0;
				return sk_stream_bad_fixed(r->idx - n + i + 1, bad, rec + hl, r->samp_little, err);
			}
			sk_fmt_encode(w->samp_fmt, w->samp_little, s->tmp, ns, d);
		}
	}
	*wfail = 1;
	return sk_sgk_commit(w, n, err);
}

int sk_sgk_readahead(struct sk_reader *r, const struct sk_writer *w, struct sk_error *err)
{
	const struct sgk_wr *const s = w->fs;

	if (w->info.fmt != SK_FMT_SGK || r->info.fmt == SK_FMT_SGK || s->zlevel ||
	    sk_stream_raw_mode(r, w) != SK_RAW_SAME)
		return 0;
	return sk_in_readahead_blocks(&r->in, (size_t)s->B * r->recsize, (size_t)(s->B - s->blk_n) * r->recsize, err);
}

/*
 * A whole block of SEG-Y or SU records straight from the reader's buffer:
 * the block header, the B trace headers and the B sample runs gathered by
 * writev, with no copy in user space (into /dev/null, IBM SEG-Y -> sgk then
 * costs what reading costs: it ran at 0.65x cat with the copy into the
 * block, on one core, as a copy into /dev/null starts no read-ahead).  The
 * first call sets the reader's buffer to one block's bytes, so that each
 * block is one read and nothing moves in the buffer; or, with read-ahead by
 * blocks (sk_sgk_readahead), each block lies whole in a slot the thread
 * filled, and the writev is the only copy (into a file or a pipe, the
 * records copied into the writer's block took a quarter of the time).
 * The bytes written are those of sgk_flush.
 */
int64_t sk_sgk_put_block_direct(struct sk_writer *w, struct sk_reader *r, int *wfail, struct sk_error *err)
{
	struct sgk_wr *const s = w->fs;
	const size_t hl = r->info.hdrlen, sb = r->recsize - hl, bytes = (size_t)s->B * r->recsize;
	unsigned char h[SK_SGK_BLOCK_HEAD];
	const unsigned char *p;
	int64_t n;
	int rc;

	*wfail = 0;
	if (s->zlevel || s->blk_n || (r->in.ra && sk_in_readahead_unit(&r->in) != bytes) ||
	    (r->info.ntraces >= 0 && r->info.ntraces - r->idx < s->B))
		return 0;
	if (!s->sized && !r->in.ra) {
		s->sized = 1;
		if ((rc = sk_in_resize(&r->in, bytes, err)) < 0)
			return rc;
	}
	if (!s->iov && !(s->iov = malloc((2 * (size_t)s->B + 1) * sizeof *s->iov)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if ((n = sk_in_need(&r->in, bytes, err)) < 0)
		return n;
	if ((size_t)n < bytes)
		return 0;  /* the last traces, or a truncated one: the record path */
	p = sk_in_ptr(&r->in);
	for (long k = 0; k < s->B && r->check_ns; k++) {
		struct sk_error e;
		if (sk_stream_check_record(r, p + (size_t)k * r->recsize, r->idx + k, 0, &e) < 0)
			return 0;  /* the record path reports it, where it is */
	}
	put_le(h + SK_SGK_B_COUNT, 4, (uint64_t)s->B);
	put_le(h + SK_SGK_B_FLAGS, 4, 0);
	put_le(h + SK_SGK_B_RAW, 8, bytes);
	put_le(h + SK_SGK_B_STORED, 8, bytes);
	s->iov[0].iov_base = h;
	s->iov[0].iov_len = sizeof h;
	for (long k = 0; k < s->B; k++) {
		unsigned char *const rec = (unsigned char *)(uintptr_t)(p + (size_t)k * r->recsize);
		s->iov[1 + k].iov_base = rec;
		s->iov[1 + k].iov_len = hl;
		s->iov[1 + s->B + k].iov_base = rec + hl;
		s->iov[1 + s->B + k].iov_len = sb;
	}
	if ((rc = sk_out_writev(&w->out, s->iov, 2 * (size_t)s->B + 1, err)) < 0) {
		*wfail = 1;
		return rc;
	}
	sk_in_skip(&r->in, bytes);
	r->idx += s->B;
	w->count += s->B;
	return s->B;
}
