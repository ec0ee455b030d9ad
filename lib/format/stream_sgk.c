/*
 * stream_sgk: segkit's native format in the stream layer
 * (stream_internal.h; man/sgk.5 is the specification, sgk.h the constants):
 * the stream header, blocks of traces (plain, or byte-shuffled in one zstd
 * frame) whose samples keep the source's encoding, the block index of a file
 * (for a count the writer could not record, and for seeking in compressed
 * files), random reads of uncompressed files, and the block fast paths that
 * sk_copy_traces uses.  Version 1 streams (float32 samples) are read too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "fmt.h"
#include "hdr.h"
#include "segy.h"
#include "sgk.h"
#include "stream_internal.h"
#include "zio.h"

/* A block's decoding buffers: the frame's output (shuffled) and the block
 * (headers, then samples), with the zstd context that fills them. */
struct zdec {
	struct sk_zio *z;
	unsigned char *zbuf, *blk;
	size_t zbuf_cap, blk_cap;
};

/* Reader state: the current block, decoded, and the block index. */
struct sgk_rd {
	struct zdec d;         /* the serial path's block */
	const unsigned char *bp; /* the current block: in the input buffer
	                        * (uncompressed) or d.blk */
	unsigned char *rec;
	long blk_n, blk_i;
	int done;
	int version;           /* of the stream: 1 or 2 */
	int indexed;           /* the block index below was built */
	int64_t *boff;         /* file offset of each block's header */
	int64_t nblk;
	struct iovec *iov;     /* sk_sgk_get_block_direct's pieces */
};

/* Writer state: the block being filled. */
struct sgk_wr {
	long B, blk_n;
	unsigned char *hbuf, *sbuf, *zraw, *zbuf;
	size_t zcap;
	struct sk_zio *z;
	int zlevel;
	float *tmp;            /* one trace, for records recoded on the way */
	struct iovec *iov;     /* sk_sgk_put_block_direct's pieces */
	int sized;             /* it set the reader's buffer to a block */
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)sk_segy_get(p, 1, 4, 1);
}

static uint64_t le64(const unsigned char *p)
{
	return sk_segy_get(p, 1, 8, 1);
}

static void put_le(unsigned char *p, int size, uint64_t v)
{
	sk_segy_put(p, 1, size, 1, v);
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
static int sgk_block_head(struct sk_reader *r, int payload, uint32_t *cnt, uint32_t *flags, uint64_t *raw,
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
static int block_decode(const struct sk_reader *r, struct zdec *d, const unsigned char *src, int64_t at,
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

static void zdec_release(struct zdec *d)
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
		rc = got < 0 ? (int)got : block_decode(r, &s->d, c, at, r->idx, cnt, flags, raw, stored, err);
		free(c);
		sk_zio_free(s->d.z);
		free(s->d.zbuf);
		s->d.z = NULL;
		s->d.zbuf = NULL;
		s->d.zbuf_cap = 0;
		if (rc < 0)
			return rc;
	} else {
		if ((rc = block_decode(r, &s->d, sk_in_ptr(&r->in), at, r->idx, cnt, flags, raw, stored, err)) < 0)
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

	/* A lean reader's buffer holds a compressed block's header alone. */
	rc = sgk_block_head(r, !r->lean, &cnt, &flags, &raw, &stored, err);
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

static void sgk_release(struct sk_reader *r)
{
	struct sgk_rd *const s = r->fs;

	if (!s)
		return;
	zdec_release(&s->d);
	free(s->rec);
	free(s->boff);
	free(s->iov);
	free(s);
}

/* ---- writer ------------------------------------------------------------- */

static void sgk_wrelease(struct sk_writer *w)
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
static int sgk_wopen(struct sk_writer *w, const struct sk_info *like, const struct sk_wopts *o,
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

static int sgk_whead(struct sk_writer *w, const struct sk_info *like, struct sk_error *err)
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
static void sgk_slot(const struct sk_writer *w, int64_t i, unsigned char **hdr, unsigned char **smp)
{
	const struct sgk_wr *const s = w->fs;
	const size_t sb = w->recsize - w->info.hdrlen;

	*hdr = s->hbuf + (size_t)(s->blk_n + i) * w->info.hdrlen;
	*smp = s->sbuf + (size_t)(s->blk_n + i) * sb;
}

static int sgk_commit(struct sk_writer *w, int64_t n, struct sk_error *err)
{
	struct sgk_wr *const s = w->fs;

	w->count += n;
	s->blk_n += (long)n;
	if (s->blk_n == s->B)
		return sgk_flush(w, err);
	return 0;
}

static int sgk_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err)
{
	/* A record is the header block and the samples in the stream's encoding. */
	unsigned char *h, *d;

	sgk_slot(w, 0, &h, &d);
	memcpy(h, rec, w->info.hdrlen);
	memcpy(d, rec + w->info.hdrlen, w->recsize - w->info.hdrlen);
	return sgk_commit(w, 1, err);
}

static int sgk_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			   struct sk_error *err)
{
	unsigned char *h, *d;

	sgk_slot(w, 0, &h, &d);
	memcpy(h, hdr, w->info.hdrlen);
	memcpy(d, rec + w->info.hdrlen, w->recsize - w->info.hdrlen);
	return sgk_commit(w, 1, err);
}

static int sgk_put(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err)
{
	unsigned char *h, *d;

	sgk_slot(w, 0, &h, &d);
	memcpy(h, hdr, w->info.hdrlen);
	sk_hdr_tail_convert(h, w->from_su_tail, w->info.su_tail);
	sk_fmt_encode(w->samp_fmt, w->samp_little, data, (size_t)w->info.ns, d);
	return sgk_commit(w, 1, err);
}

/* Writes the last block, the end marker (a block of 0 traces) and, into a
 * file, the trace count. */
static int sgk_finish(struct sk_writer *w, struct sk_error *err)
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

		sgk_slot(w, i, &h, &d);
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
	return sgk_commit(w, n, err);
}

/*
 * A whole block of SEG-Y or SU records straight from the reader's buffer:
 * the block header, the B trace headers and the B sample runs gathered by
 * writev, with no copy in user space (into /dev/null, IBM SEG-Y -> sgk then
 * costs what reading costs: it ran at 0.65x cat with the copy into the
 * block, on one core, as a copy into /dev/null starts no read-ahead).  The
 * first call sets the reader's buffer to one block's bytes, so that each
 * block is one read and nothing moves in the buffer.  The bytes written are
 * those of sgk_flush.
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
	if (s->zlevel || s->blk_n || r->in.ra || (r->info.ntraces >= 0 && r->info.ntraces - r->idx < s->B))
		return 0;
	if (!s->sized) {
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

	if (ws->zlevel || rs->blk_i != rs->blk_n || ws->blk_n != 0 || rs->done)
		return 0;
	if ((rc = sgk_block_head(r, !direct, &cnt, &flags, &raw, &stored, err)) <= 0)
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

		sgk_slot(w, 0, &hd, &sd);
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
		return (rc = sgk_commit(w, cnt, err)) < 0 ? rc : (int64_t)cnt;
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
	.release = sgk_release,
	/* Not for sgk: a block (about 4 MiB) spans read-ahead slots and would
	 * be copied together; the copy cost more than the overlap saved (sgk
	 * copies ran 1.25x slower). */
	.readahead = 0,
	.wopen = sgk_wopen,
	.whead = sgk_whead,
	.put = sgk_put,
	.put_raw = sgk_put_raw,
	.put_raw_hdr = sgk_put_raw_hdr,
	.finish = sgk_finish,
	.wrelease = sgk_wrelease,
};
