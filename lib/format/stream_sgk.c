/*
 * stream_sgk: segkit's native format in the stream layer
 * (stream_internal.h; man/sgk.5 is the specification, sgk.h the constants):
 * the reader: the stream header, blocks of traces (plain, or byte-shuffled
 * in one zstd frame) whose samples keep the source's encoding, the block
 * index of a file (for a count the writer could not record, and for seeking
 * in compressed files), random reads of uncompressed files, and the block
 * fast paths from an sgk reader that sk_copy_traces uses; the writer is
 * stream_sgk_write.c.  Version 1 streams (float32 samples) are read too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchread.h"
#include "file.h"
#include "fmt.h"
#include "hdr.h"
#include "segy.h"
#include "sgk.h"
#include "stream_internal.h"
#include "stream_sgk_internal.h"
#include "zio.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)sk_segy_get(p, 1, 4, 1);
}

static uint64_t le64(const unsigned char *p)
{
	return sk_segy_get(p, 1, 8, 1);
}

static int sgk_index(struct sk_reader *r, struct sk_error *err);

static int sgk_open(struct sk_reader *r, struct sk_error *err)
{
	struct sgk_rd *s = calloc(1, sizeof *s);
	int64_t n = sk_in_need(&r->in, SK_SGK_HEAD, err);
	const unsigned char *h = sk_in_ptr(&r->in);
	uint64_t flen, dtw;
	uint32_t version, ns, hl, B;
	int code = 5, order = 1;

	if (!s)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	r->fs = s;
	if (n < 0)
		return (int)n;
	if (n < SK_SGK_HEAD || memcmp(h, SK_SGK_MAGIC, 8) != 0)
		return sk_error_set(err, SK_EFMT, "truncated sgk stream header: %lld of %d bytes", (long long)n, SK_SGK_HEAD);
	version = le32(h + SK_SGK_H_VERSION);
	if (version != 1 && version != 2)
		return sk_error_set(err, SK_EFMT, "byte 9: unsupported sgk version %u", version);
	s->version = (int)version;
	ns = le32(h + SK_SGK_H_NS);
	hl = le32(h + SK_SGK_H_HDRLEN);
	B = le32(h + SK_SGK_H_BLOCK);
	dtw = le64(h + SK_SGK_H_DT);
	flen = le64(h + SK_SGK_H_FHDR);
	if (ns == 0 || ns > SK_MAX_NS)
		return sk_error_set(err, SK_EFMT, "byte 17: impossible ns=%u", ns);
	if (hl == 0 || hl % 240 || hl > 240 * 1001)
		return sk_error_set(err, SK_EFMT, "byte 21: impossible trace header length %u", hl);
	if (B == 0 || B > SK_SGK_MAX_BLOCK)
		return sk_error_set(err, SK_EFMT, "byte 33: impossible traces per block %u", B);
	if (flen > (1u << 30) || (flen && flen < SK_SEGY_HDR))
		return sk_error_set(err, SK_EFMT, "byte 49: impossible file header length %llu", (unsigned long long)flen);
	if (version >= 2) {
		code = (int)sk_segy_get(h, SK_SGK_H_CODE + 1, 2, 1);
		order = h[SK_SGK_H_ORDER];
		if (sk_fmt_size(code) == 0)
			return sk_error_set(err, SK_EFMT, "byte 57: impossible sample format code %d", code);
		if (order > 1)
			return sk_error_set(err, SK_EFMT, "byte 59: impossible byte order %d", order);
	}
	r->info.ns = ns;
	r->info.hdrlen = hl;
	memcpy(&r->info.dt, &dtw, sizeof dtw);
	if (!isfinite(r->info.dt) || r->info.dt < 0 || r->info.dt > 1e12)
		return sk_error_set(err, SK_EFMT, "byte 25: impossible sample interval %g", r->info.dt);
	r->info.block = B;
	r->info.ntraces = (int64_t)le64(h + SK_SGK_H_COUNT);
	r->info.compressed = (le32(h + SK_SGK_H_FLAGS) & 1) != 0;
	r->info.sample_format = code;
	/* Version 1: the byte order of the SEG-Y or SU stream it was made from,
	 * so that converting back looks like the original; version 2: the
	 * samples', which are the original's. */
	r->info.little = version >= 2 ? order : (int)((le32(h + SK_SGK_H_ORIGIN) >> 8) & 1);
	r->info.su_tail = (le32(h + SK_SGK_H_ORIGIN) & 0xff) == SK_FMT_SU;
	r->hdr_little = 0;   /* header blocks are canonical */
	r->samp_fmt = code;
	r->samp_little = order;
	r->bps = sk_fmt_size(code);
	r->recsize = hl + (size_t)r->bps * ns;
	sk_in_skip(&r->in, SK_SGK_HEAD);
	if (flen) {
		if ((n = sk_in_need(&r->in, flen, err)) < 0)
			return (int)n;
		if ((uint64_t)n < flen)
			return sk_error_set(err, SK_EFMT, "truncated sgk stream: file header has %lld of %llu bytes",
					    (long long)n, (unsigned long long)flen);
		if (!(r->info.fhdr = malloc(flen)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		memcpy(r->info.fhdr, sk_in_ptr(&r->in), flen);
		r->info.fhdr_len = flen;
		sk_in_skip(&r->in, flen);
	}
	r->data_start = SK_SGK_HEAD + (int64_t)flen;
	if (r->info.ntraces < -1 || r->info.ntraces > (INT64_MAX / 4) / (int64_t)r->recsize)
		return sk_error_set(err, SK_EFMT, "byte 41: the trace count %lld does not fit the stream",
				    (long long)r->info.ntraces);
	if (r->in.seekable && (r->info.ntraces < 0 || r->info.compressed))
		return sgk_index(r, err);
	return 0;
}

/*
 * The block index of a file: the block headers walked with pread from the
 * first block to the end marker, each checked as sequential reading checks
 * it.  It gives a stream written to a pipe and saved to a file its trace
 * count, and compressed files their block offsets for seeking.  A walk that
 * finds anything amiss leaves no index and the count as it was: sequential
 * reading then reports the fault where it is.  Only I/O errors fail.
 */
static int sgk_index(struct sk_reader *r, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	const uint64_t B = (uint64_t)r->info.block;
	int64_t at = r->data_start, total = 0, n = 0, cap = 0;
	int64_t *off = NULL;
	int ok = 0, rc = 0, short_seen = 0;

	for (;;) {
		unsigned char h[SK_SGK_BLOCK_HEAD];
		uint64_t cnt, flags, raw, stored;
		size_t got;

		if ((rc = sk_file_pread_all(r->in.fd, h, sizeof h, at, &got, err)) < 0 || got < sizeof h)
			break;
		cnt = le32(h + SK_SGK_B_COUNT);
		flags = le32(h + SK_SGK_B_FLAGS);
		raw = le64(h + SK_SGK_B_RAW);
		stored = le64(h + SK_SGK_B_STORED);
		if (cnt == 0) {
			ok = r->info.ntraces < 0 || r->info.ntraces == total;
			break;
		}
		if (short_seen || cnt > B || raw != cnt * r->recsize || (flags & ~1u) ||
		    (!(flags & 1) && stored != raw) || ((flags & 1) && stored > sk_zio_bound(raw)) ||
		    stored > (uint64_t)(r->in.size - at))
			break;
		short_seen = cnt < B;
		if (n == cap) {
			int64_t *const m = realloc(off, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *m);
			if (!m) {
				free(off);
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			}
			off = m;
		}
		off[n++] = at;
		total += (int64_t)cnt;
		at += SK_SGK_BLOCK_HEAD + (int64_t)stored;
	}
	if (!ok) {
		free(off);
		return rc;
	}
	s->indexed = 1;
	s->boff = off;
	s->nblk = n;
	r->info.ntraces = total;
	return 0;
}

/* The error of a block (at byte at) whose payload has n of its stored bytes. */
static int sgk_short_block(const struct sk_reader *r, int64_t at, uint32_t cnt, int64_t n, uint64_t stored,
			   struct sk_error *err)
{
	return sk_error_set(err, SK_EFMT,
			    "truncated sgk stream: the block at byte %lld (traces %lld-%lld) has %lld of %llu bytes",
			    (long long)at, (long long)r->idx + 1, (long long)r->idx + cnt, (long long)n,
			    (unsigned long long)stored);
}

/* Makes the stored bytes of the block at byte at available at sk_in_ptr. */
static int sgk_block_payload(struct sk_reader *r, int64_t at, uint32_t cnt, uint64_t stored, struct sk_error *err)
{
	const int64_t n = sk_in_need(&r->in, stored, err);

	if (n < 0)
		return (int)n;
	if ((uint64_t)n < stored)
		return sgk_short_block(r, at, cnt, n, stored, err);
	return 1;
}

/* Reads and checks the next sgk block header and, when payload is set,
 * makes its payload available at sk_in_ptr.  Returns 1 with the header's
 * fields, 0 at the end marker, or an error. */
int sk_sgk_block_head(struct sk_reader *r, int payload, uint32_t *cnt, uint32_t *flags, uint64_t *raw,
			  uint64_t *stored, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	const int64_t at = r->in.pos;
	int64_t n = sk_in_need(&r->in, SK_SGK_BLOCK_HEAD, err);
	const unsigned char *h = sk_in_ptr(&r->in);

	if (n < 0)
		return (int)n;
	if (n < SK_SGK_BLOCK_HEAD)
		return sk_error_set(err, SK_EFMT,
				    "truncated sgk stream: no end marker after trace %lld (the stream ends at byte %lld)",
				    (long long)r->idx, (long long)(at + n));
	*cnt = le32(h + SK_SGK_B_COUNT);
	*flags = le32(h + SK_SGK_B_FLAGS);
	*raw = le64(h + SK_SGK_B_RAW);
	*stored = le64(h + SK_SGK_B_STORED);
	if (*cnt == 0) {
		sk_in_skip(&r->in, SK_SGK_BLOCK_HEAD);
		s->done = 1;
		return 0;
	}
	if (*cnt > (uint32_t)r->info.block || *raw != (uint64_t)*cnt * r->recsize ||
	    (!(*flags & 1) && *stored != *raw) || ((*flags & 1) && *stored > sk_zio_bound(*raw)) || (*flags & ~1u))
		return sk_error_set(err, SK_EFMT,
				    "corrupt sgk block header at byte %lld: %u traces, %llu raw bytes, %llu stored, flags %u",
				    (long long)at, *cnt, (unsigned long long)*raw, (unsigned long long)*stored, *flags);
	sk_in_skip(&r->in, SK_SGK_BLOCK_HEAD);
	return payload ? sgk_block_payload(r, at, *cnt, *stored, err) : 1;
}

/* Decodes the stored bytes src of a block (at byte at) into d->blk:
 * headers, then samples. */
int sk_sgk_block_decode(const struct sk_reader *r, struct zdec *d, const unsigned char *src, int64_t at,
			int64_t first, uint32_t cnt, uint32_t flags, uint64_t raw, uint64_t stored, struct sk_error *err)
{
	const struct sgk_rd *const s = r->fs;
	int zrc;

	/* The header bounds raw (B traces of ns samples), but a hostile one
	 * can claim gigabytes: a compressed block's frame must record that
	 * size and be able to hold it before any of it is allocated. */
	if (flags & 1 && (zrc = sk_zio_check(src, stored, raw, err)) < 0) {
		char m[sizeof err->msg];
		snprintf(m, sizeof m, "%s", err->msg);
		return sk_error_set(err, zrc, "sgk block at byte %lld (traces %lld-%lld): %s", (long long)at,
				    (long long)first + 1, (long long)first + cnt, m);
	}
	if (d->blk_cap < raw) {
		free(d->blk);
		if (!(d->blk = malloc(raw))) {
			d->blk_cap = 0;
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		d->blk_cap = raw;
	}
	if (flags & 1) {
		if (d->zbuf_cap < raw) {
			free(d->zbuf);
			if (!(d->zbuf = malloc(raw))) {
				d->zbuf_cap = 0;
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			}
			d->zbuf_cap = raw;
		}
		if (!d->z && !(d->z = sk_zio_new(0)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		zrc = sk_zio_decompress(d->z, src, stored, d->zbuf, raw, err);
		if (zrc < 0) {
			char m[sizeof err->msg];
			snprintf(m, sizeof m, "%s", err->msg);
			return sk_error_set(err, zrc, "sgk block at byte %lld (traces %lld-%lld): %s", (long long)at,
					    (long long)first + 1, (long long)first + cnt, m);
		}
		sk_sgk_unshuffle(d->zbuf, cnt, r->info.hdrlen, (size_t)r->info.ns, (size_t)r->bps, s->version >= 2, d->blk);
	} else {
		memcpy(d->blk, src, raw);
	}
	return 0;
}

void sk_sgk_zdec_release(struct zdec *d)
{
	sk_zio_free(d->z);
	free(d->zbuf);
	free(d->blk);
	memset(d, 0, sizeof *d);
}

/* Loads the payload of a block whose header sgk_block_head read (at byte
 * at) into s->d.blk, the current block. */
static int sgk_block_load(struct sk_reader *r, int64_t at, uint32_t cnt, uint32_t flags, uint64_t raw,
			  uint64_t stored, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	int rc;

	/* An uncompressed block is used where it is, in the input buffer, which
	 * nothing reads into before the next block: a merge of many sgk inputs
	 * holds one block each, not two. */
	if (!(flags & 1)) {
		s->bp = sk_in_ptr(&r->in);
		sk_in_skip(&r->in, stored);
		s->blk_n = cnt;
		s->blk_i = 0;
		return 1;
	}
	if (r->lean) {
		/* One of many inputs: the stored bytes are read past the small
		 * input buffer into memory that, like the frame's output and
		 * the zstd context, goes back to the heap for the next input's
		 * block.  Only the decoded block stays (a merge of 1,000
		 * compressed runs held three blocks each). */
		unsigned char *const c = malloc(stored ? stored : 1);
		int64_t got = c ? sk_in_read(&r->in, c, stored, err) : sk_error_set(err, SK_ENOMEM, "out of memory");

		if (got >= 0 && (uint64_t)got < stored)
			got = sgk_short_block(r, at, cnt, got, stored, err);
		rc = got < 0 ? (int)got : sk_sgk_block_decode(r, &s->d, c, at, r->idx, cnt, flags, raw, stored, err);
		free(c);
		sk_zio_free(s->d.z);
		free(s->d.zbuf);
		s->d.z = NULL;
		s->d.zbuf = NULL;
		s->d.zbuf_cap = 0;
		if (rc < 0)
			return rc;
	} else {
		if ((rc = sk_sgk_block_decode(r, &s->d, sk_in_ptr(&r->in), at, r->idx, cnt, flags, raw, stored, err)) < 0)
			return rc;
		sk_in_skip(&r->in, stored);
	}
	s->bp = s->d.blk;
	s->blk_n = cnt;
	s->blk_i = 0;
	return 1;
}

/* Reads the next sgk block into s->bp; 0 at the end marker. */
static int sgk_block(struct sk_reader *r, struct sk_error *err)
{
	const int64_t at = r->in.pos;
	uint32_t cnt, flags;
	uint64_t raw, stored;
	int rc;

	if (((struct sgk_rd *)r->fs)->ah)
		return sk_sgk_ahead_block(r, err);

	/* A lean reader's buffer holds a compressed block's header alone. */
	rc = sk_sgk_block_head(r, !r->lean, &cnt, &flags, &raw, &stored, err);
	if (rc > 0 && r->lean && !(flags & 1))
		rc = sgk_block_payload(r, at, cnt, stored, err);

	return rc <= 0 ? rc : sgk_block_load(r, at, cnt, flags, raw, stored, err);
}

/* The next trace of an sgk stream, in place in the decoded block: its
 * header block and its samples.  1, 0 at the end, or an error. */
static int sgk_next(struct sk_reader *r, const unsigned char **hdr, const unsigned char **smp,
		    struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	const size_t hl = r->info.hdrlen, sb = r->recsize - hl;

	if (s->blk_i == s->blk_n && !s->done) {
		const int rc = sgk_block(r, err);
		if (rc < 0)
			return rc;
	}
	if (s->done) {
		if (r->info.ntraces >= 0 && r->idx != r->info.ntraces)
			return sk_error_set(err, SK_EFMT, "the sgk header declares %lld traces, the stream holds %lld",
					    (long long)r->info.ntraces, (long long)r->idx);
		return 0;
	}
	*hdr = s->bp + (size_t)s->blk_i * hl;
	*smp = s->bp + (size_t)s->blk_n * hl + (size_t)s->blk_i * sb;
	s->blk_i++;
	r->idx++;
	return 1;
}

static int sgk_next_raw(struct sk_reader *r, const unsigned char **rec, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	const unsigned char *h, *d;
	const int rc = sgk_next(r, &h, &d, err);

	if (rc <= 0)
		return rc;
	/* A raw record is contiguous: assemble it from the block, in a buffer
	 * made for the first trace (a header's ns alone, up to 2^28, is no
	 * reason for 1 GiB). */
	if (!s->rec && !(s->rec = malloc(r->recsize)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	memcpy(s->rec, h, r->info.hdrlen);
	memcpy(s->rec + r->info.hdrlen, d, r->recsize - r->info.hdrlen);
	*rec = s->rec;
	return 1;
}

static int sgk_read(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err)
{
	/* Straight from the block, without assembling a record. */
	const unsigned char *h, *d;
	int rc = sgk_next(r, &h, &d, err);

	if (rc <= 0)
		return rc;
	if ((rc = sk_stream_decode(r, r->idx - 1, h, d, hdr, data, err)) < 0)
		return rc;
	return 1;
}

/* The offset of block k of a file: from the index, or computed when every
 * block but the last holds B traces and none is compressed. */
static int64_t block_at(const struct sk_reader *r, int64_t k)
{
	const struct sgk_rd *const s = r->fs;

	if (s->indexed)
		return k < s->nblk ? s->boff[k] : -1;
	return r->data_start + k * (SK_SGK_BLOCK_HEAD + r->info.block * (int64_t)r->recsize);
}

static int sgk_seek(struct sk_reader *r, int64_t idx, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	const int64_t B = r->info.block, k = idx / B;
	int64_t off;
	int rc;

	if (!r->in.seekable || (!s->indexed && (r->info.compressed || r->info.ntraces < 0)))
		return sk_error_set(err, SK_EARG, "random access needs a file (not a pipe) holding a whole sgk stream");
	if ((rc = sk_stream_check_index(r, idx, err)) < 0)
		return rc;
	sk_sgk_ahead_free(r);   /* it read on from where the reader was */
	s->blk_n = s->blk_i = 0;
	if (idx == r->info.ntraces) {
		/* At the end: the next read returns none. */
		r->idx = idx;
		s->done = 1;
		return 0;
	}
	off = block_at(r, k);
	if ((rc = sk_in_seek(&r->in, off, err)) < 0)
		return rc;
	r->idx = k * B;
	s->done = 0;
	if ((rc = sgk_block(r, err)) < 0)
		return rc;
	if (rc == 0 || idx - k * B >= s->blk_n)
		return sk_error_set(err, SK_EFMT,
				    "corrupt sgk stream: the block at byte %lld holds %ld traces, not %lld, before the last",
				    (long long)off, rc == 0 ? 0L : s->blk_n, (long long)B);
	s->blk_i = (long)(idx - k * B);
	r->idx = idx;
	return 0;
}

static size_t sgk_pread_size(const struct sk_reader *r)
{
	return r->in.seekable && !r->info.compressed && r->info.ntraces >= 0 ? r->recsize : 0;
}

/* Trace idx of an uncompressed file: in block k = idx / B, its header and
 * its samples at offsets from the block's; the block header is read too, to
 * check them. */
static int sgk_pread(const struct sk_reader *r, int64_t idx, unsigned char *scratch, unsigned char *hdr,
		     float *data, struct sk_error *err)
{
	const int64_t B = r->info.block, k = idx / B, j = idx % B;
	const int64_t at = block_at(r, k);
	const int64_t cnt = r->info.ntraces - k * B < B ? r->info.ntraces - k * B : B;
	const size_t hl = r->info.hdrlen, sb = r->recsize - hl;
	unsigned char bh[SK_SGK_BLOCK_HEAD];
	size_t got, got2 = sb;
	int rc;

	if ((rc = sk_file_pread_all(r->in.fd, bh, sizeof bh, at, &got, err)) < 0)
		return rc;
	if (got < sizeof bh || le32(bh + SK_SGK_B_COUNT) != (uint64_t)cnt || le32(bh + SK_SGK_B_FLAGS) != 0)
		return sk_error_set(err, SK_EFMT,
				    "corrupt sgk stream: the block at byte %lld does not hold traces %lld-%lld",
				    (long long)at, (long long)(k * B + 1), (long long)(k * B + cnt));
	if ((rc = sk_file_pread_all(r->in.fd, scratch, hl, at + (int64_t)sizeof bh + j * (int64_t)hl, &got,
				    err)) < 0 ||
	    (data && (rc = sk_file_pread_all(r->in.fd, scratch + hl, sb,
					     at + (int64_t)sizeof bh + cnt * (int64_t)hl + j * (int64_t)sb, &got2,
					     err)) < 0))
		return rc;
	if (got < hl || got2 < sb)
		return sk_error_set(err, SK_EFMT, "truncated sgk stream: the block at byte %lld is cut short",
				    (long long)at);
	return sk_stream_decode(r, idx, scratch, scratch + hl, hdr, data, err);
}

/* The header blocks of traces idx .. idx + n - 1 (in range) into hdrs:
 * a run of them in one block is two reads, its block header (checked as
 * sgk_pread checks it) and its header blocks, as many as scratch holds;
 * with data, the run's samples a third read (scratch holds records then),
 * each trace's decoded into data.  A run that does not come whole (a block
 * header that is wrong, a file cut short, a scratch below one header) goes
 * to sgk_pread trace by trace from its first trace, which gives the same
 * error, in the same order, as reading every trace alone did. */
static int sgk_pread_hdrs(const struct sk_reader *r, int64_t idx, long n, unsigned char *scratch, size_t size,
			  unsigned char *hdrs, float *data, struct sk_error *err)
{
	const int64_t B = r->info.block;
	const size_t hl = r->info.hdrlen, sb = r->recsize - hl, per = data ? hl + sb : hl;
	int rc;

	for (long i = 0; i < n;) {
		const int64_t t = idx + i, k = t / B, j0 = t % B, at = block_at(r, k);
		const int64_t cnt = r->info.ntraces - k * B < B ? r->info.ntraces - k * B : B;
		long m = n - i < cnt - j0 ? n - i : (long)(cnt - j0);
		unsigned char bh[SK_SGK_BLOCK_HEAD];
		size_t got = 0, got2 = 0;
		int whole;
		if ((size_t)m > size / per)
			m = (long)(size / per);
		whole = m > 0 && at >= 0;
		if (whole && ((rc = sk_file_pread_all(r->in.fd, bh, sizeof bh, at, &got, err)) < 0 ||
			      (rc = sk_file_pread_all(r->in.fd, scratch, (size_t)m * hl,
						      at + (int64_t)sizeof bh + j0 * (int64_t)hl, &got, err)) < 0 ||
			      (data && (rc = sk_file_pread_all(r->in.fd, scratch + (size_t)m * hl, (size_t)m * sb,
							       at + (int64_t)sizeof bh + cnt * (int64_t)hl + j0 * (int64_t)sb,
							       &got2, err)) < 0)))
			return rc;
		whole = whole && le32(bh + SK_SGK_B_COUNT) == (uint64_t)cnt && le32(bh + SK_SGK_B_FLAGS) == 0 &&
			got == (size_t)m * hl && (!data || got2 == (size_t)m * sb);
		if (!whole) {
			/* Trace by trace: the first that fails says why. */
			if ((rc = sgk_pread(r, t, scratch, hdrs + (size_t)i * hl, data, err)) < 0)
				return rc;
			i++;
			continue;
		}
		for (long j = 0; j < m; j++)
			if ((rc = sk_stream_decode(r, t + j, scratch + (size_t)j * hl,
						   data ? scratch + (size_t)m * hl + (size_t)j * sb : NULL,
						   hdrs + (size_t)(i + j) * hl, data, err)) < 0)
				return rc;
		i += m;
	}
	return 0;
}

/* Traces of an uncompressed file in batches: a run of consecutive traces
 * in one block is three reads, its block header (checked as sgk_pread
 * checks it), its header blocks and its samples, all of a round's runs in
 * one sk_batchread_run.  scratch holds n records: the n header blocks
 * first, then the n traces' samples.  A trace not read whole, or in a
 * block whose header is wrong, or that does not decode, is left (ok 0)
 * to sgk_pread, which says why. */
static long sgk_pread_batch(const struct sk_reader *r, struct sk_batchread *b, long n, const int64_t *idx,
			    unsigned char *scratch, float *const *data, unsigned char *ok)
{
	enum { RUNS = SK_BATCHREAD_MAX / 3 };
	const int64_t B = r->info.block;
	const size_t hl = r->info.hdrlen, sb = r->recsize - hl;
	unsigned char bh[RUNS][SK_SGK_BLOCK_HEAD], *const samples = scratch + (size_t)n * hl;
	void *buf[3 * RUNS];
	size_t len[3 * RUNS];
	int64_t off[3 * RUNS], cnt[RUNS];
	long got[3 * RUNS], first[RUNS], nok = 0;

	memset(ok, 0, (size_t)n);
	for (long i = 0; i < n;) {
		long nr = 0;
		while (i < n && nr < RUNS) {
			const int64_t k = idx[i] / B, j0 = idx[i] % B, at = block_at(r, k);
			long j = i + 1;
			while (j < n && idx[j] == idx[j - 1] + 1 && idx[j] / B == k)
				j++;
			if (at < 0) { /* past the index: sgk_pread's error */
				i = j;
				continue;
			}
			cnt[nr] = r->info.ntraces - k * B < B ? r->info.ntraces - k * B : B;
			first[nr] = i;
			buf[3 * nr] = bh[nr];
			len[3 * nr] = SK_SGK_BLOCK_HEAD;
			off[3 * nr] = at;
			buf[3 * nr + 1] = scratch + (size_t)i * hl;
			len[3 * nr + 1] = (size_t)(j - i) * hl;
			off[3 * nr + 1] = at + SK_SGK_BLOCK_HEAD + j0 * (int64_t)hl;
			buf[3 * nr + 2] = samples + (size_t)i * sb;
			len[3 * nr + 2] = (size_t)(j - i) * sb;
			off[3 * nr + 2] = at + SK_SGK_BLOCK_HEAD + cnt[nr] * (int64_t)hl + j0 * (int64_t)sb;
			nr++;
			i = j;
		}
		if (sk_batchread_run(b, 3 * nr, buf, len, off, got) < 0)
			return nok;
		for (long q = 0; q < nr; q++) {
			const long m = (long)(len[3 * q + 1] / hl);
			if (got[3 * q] != SK_SGK_BLOCK_HEAD ||
			    le32(bh[q] + SK_SGK_B_COUNT) != (uint64_t)cnt[q] || le32(bh[q] + SK_SGK_B_FLAGS) != 0)
				continue;
			for (long j = 0; j < m; j++) {
				const long t = first[q] + j;
				struct sk_error e;
				if (got[3 * q + 1] < (long)((size_t)(j + 1) * hl) || got[3 * q + 2] < (long)((size_t)(j + 1) * sb) ||
				    sk_stream_decode(r, idx[t], scratch + (size_t)t * hl, samples + (size_t)t * sb, NULL, data[t],
						     &e) < 0)
					continue;
				ok[t] = 1;
				nok++;
			}
		}
	}
	return nok;
}

static void sgk_release(struct sk_reader *r)
{
	struct sgk_rd *const s = r->fs;

	if (!s)
		return;
	sk_sgk_ahead_free(r);
	sk_sgk_zdec_release(&s->d);
	free(s->rec);
	free(s->boff);
	free(s->iov);
	free(s);
}

/*
 * The next block of an sgk reader to a SEG-Y or SU writer that takes its
 * records unchanged: loaded (decompressed) as the trace path loads it, then
 * its traces written by writev, each header block followed by its samples,
 * with no record assembled and none copied into the output buffer (sgk+zstd
 * -> SEG-Y spent a third of its time in those two copies).
 */
int64_t sk_sgk_get_block_direct(struct sk_reader *r, struct sk_writer *w, int *wfail, struct sk_error *err)
{
	struct sgk_rd *const s = r->fs;
	const size_t hl = r->info.hdrlen, sb = r->recsize - hl;
	int rc;

	*wfail = 0;
	if (s->blk_i != s->blk_n || s->done)
		return 0;
	if (!s->iov && !(s->iov = malloc(2 * (size_t)r->info.block * sizeof *s->iov)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if ((rc = sgk_block(r, err)) <= 0)
		return rc;  /* at the end marker the trace path ends the stream */
	for (long k = 0; k < s->blk_n; k++) {
		s->iov[2 * k].iov_base = (unsigned char *)(uintptr_t)(s->bp + (size_t)k * hl);
		s->iov[2 * k].iov_len = hl;
		s->iov[2 * k + 1].iov_base = (unsigned char *)(uintptr_t)(s->bp + (size_t)s->blk_n * hl + (size_t)k * sb);
		s->iov[2 * k + 1].iov_len = sb;
	}
	if ((rc = sk_out_writev(&w->out, s->iov, 2 * (size_t)s->blk_n, err)) < 0) {
		*wfail = 1;
		return rc;
	}
	s->blk_i = s->blk_n;
	r->idx += s->blk_n;
	w->count += s->blk_n;
	return s->blk_n;
}

/*
 * Whole blocks from an sgk reader to an sgk writer of the same layout, when
 * both are at a block boundary.  A full uncompressed block is written as it
 * is: from a file, through sk_in_copy in cache-sized pieces (the whole block
 * read into the 4 MiB buffer first made sgk -> sgk copies run at 0.57x cat),
 * once the file is known to hold it; from a pipe, once it is read whole, so
 * that a cut block writes nothing of itself, as before.  A short
 * uncompressed block (a file's last) goes into the writer's block as it is,
 * which stays open for the traces of another input.  Any other block is
 * loaded for the trace-by-trace path.
 */
int64_t sk_sgk_pass_block(struct sk_reader *r, struct sk_writer *w, int *wfail, struct sk_error *err)
{
	const struct sgk_rd *const rs = r->fs;
	const struct sgk_wr *const ws = w->fs;
	const int64_t at = r->in.pos;
	const int direct = r->in.seekable && !r->in.ra;
	uint32_t cnt, flags;
	uint64_t raw, stored;
	unsigned char h[SK_SGK_BLOCK_HEAD];
	int64_t got;
	int rc;

	/* Blocks read ahead (compressed) go through sgk_block, to the trace
	 * path. */
	if (ws->zlevel || rs->blk_i != rs->blk_n || ws->blk_n != 0 || rs->done || rs->ah)
		return 0;
	if ((rc = sk_sgk_block_head(r, !direct, &cnt, &flags, &raw, &stored, err)) <= 0)
		return rc;
	if (flags & 1 || cnt > (uint32_t)ws->B) {
		if (direct && !(r->lean && flags & 1) && (rc = sgk_block_payload(r, at, cnt, stored, err)) < 0)
			return rc;
		return (rc = sgk_block_load(r, at, cnt, flags, raw, stored, err)) < 0 ? rc : 0;
	}
	if (direct && stored > (uint64_t)(r->in.size - r->in.pos))
		return sgk_short_block(r, at, cnt, r->in.size - r->in.pos, stored, err);
	if (cnt < (uint32_t)ws->B) {
		const size_t hb = (size_t)cnt * r->info.hdrlen;
		unsigned char *hd, *sd;

		sk_sgk_slot(w, 0, &hd, &sd);
		if (direct) {
			if ((got = sk_in_read(&r->in, hd, hb, err)) >= 0 && (uint64_t)got == hb &&
			    (got = sk_in_read(&r->in, sd, raw - hb, err)) >= 0 && (uint64_t)got == raw - hb)
				got = (int64_t)raw;
			else if (got >= 0)
				return sgk_short_block(r, at, cnt, r->in.pos - at - SK_SGK_BLOCK_HEAD, stored, err);
			if (got < 0)
				return got;
		} else {
			memcpy(hd, sk_in_ptr(&r->in), hb);
			memcpy(sd, sk_in_ptr(&r->in) + hb, raw - hb);
			sk_in_skip(&r->in, stored);
		}
		r->idx += cnt;
		*wfail = 1;
		return (rc = sk_sgk_commit(w, cnt, err)) < 0 ? rc : (int64_t)cnt;
	}
	put_le(h + SK_SGK_B_COUNT, 4, cnt);
	put_le(h + SK_SGK_B_FLAGS, 4, 0);
	put_le(h + SK_SGK_B_RAW, 8, raw);
	put_le(h + SK_SGK_B_STORED, 8, stored);
	if ((rc = sk_out_write(&w->out, h, sizeof h, err)) < 0)
		return *wfail = 1, rc;
	if (direct) {
		if ((got = sk_in_copy(&r->in, &w->out, stored, wfail, err)) < 0)
			return got;
		if ((uint64_t)got < stored)
			return sgk_short_block(r, at, cnt, got, stored, err);
	} else {
		if ((rc = sk_out_write(&w->out, sk_in_ptr(&r->in), stored, err)) < 0)
			return *wfail = 1, rc;
		sk_in_skip(&r->in, stored);
	}
	r->idx += cnt;
	w->count += cnt;
	return cnt;
}

const struct sk_format_ops sk_sgk_ops = {
	.open = sgk_open,
	.next_raw = sgk_next_raw,
	.next = sgk_read,
	.seek = sgk_seek,
	.pread_size = sgk_pread_size,
	.pread = sgk_pread,
	.pread_hdrs = sgk_pread_hdrs,
	.pread_batch = sgk_pread_batch,
	.release = sgk_release,
	/* Not io.c's record read-ahead for sgk: a block (about 4 MiB) would
	 * span its slots and be copied together (sgk copies ran 1.25x
	 * slower).  sk_reader_readahead reads uncompressed blocks ahead whole,
	 * one a slot, and decompresses compressed ones ahead
	 * (stream_sgk_ahead.c); copies that pass blocks unchanged read in
	 * place, without (sk_copy_readahead). */
	.readahead = 0,
	.wopen = sk_sgk_wopen,
	.whead = sk_sgk_whead,
	.put = sk_sgk_put,
	.put_raw = sk_sgk_put_raw,
	.put_raw_hdr = sk_sgk_put_raw_hdr,
	.finish = sk_sgk_finish,
	.wrelease = sk_sgk_wrelease,
};
