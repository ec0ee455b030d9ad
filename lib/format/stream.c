#include "stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fmt.h"
#include "hdr.h"
#include "io.h"
#include "segy.h"
#include "sgk.h"
#include "zio.h"

struct sk_reader {
	struct sk_in in;
	struct sk_info info;
	int hdr_little;        /* header block byte order in the file */
	int samp_fmt, samp_little, bps;
	size_t recsize;        /* raw record: header block + encoded samples */
	int64_t idx;           /* traces returned */
	int64_t data_start;    /* offset of the first trace (SEG-Y, SU) */
	int check_ns;          /* trace header ns must equal info.ns */
	/* sgk */
	struct sk_zio *z;
	unsigned char *blk, *zbuf, *rec;
	size_t blk_cap, zbuf_cap;
	long blk_n, blk_i;
	int done;
};

struct sk_writer {
	struct sk_out out;
	struct sk_info info;
	int hdr_little, samp_fmt, samp_little, bps;
	size_t recsize;
	int64_t count;
	unsigned char *fhdr;   /* SEG-Y: the file header as written */
	int su_fix;            /* SU: set ns and a missing dt in each header */
	/* sgk */
	long B, blk_n;
	unsigned char *hbuf, *sbuf, *zraw, *zbuf;
	size_t zcap;
	struct sk_zio *z;
	int zlevel;
};

const char *sk_format_name(int fmt)
{
	static const char *const names[] = {"unknown", "segy", "su", "sgk"};
	return fmt >= 0 && fmt <= SK_FMT_SGK ? names[fmt] : "unknown";
}

int sk_format_parse(const char *s, int *out, struct sk_error *err)
{
	if (strcmp(s, "segy") == 0 || strcmp(s, "sgy") == 0)
		*out = SK_FMT_SEGY;
	else if (strcmp(s, "su") == 0)
		*out = SK_FMT_SU;
	else if (strcmp(s, "sgk") == 0)
		*out = SK_FMT_SGK;
	else
		return sk_error_set(err, SK_EARG, "unknown format '%s' (segy, su or sgk)", s);
	return 0;
}

/* ---- detection ---------------------------------------------------------- */

static long su_ns(const unsigned char *b, int little)
{
	return (long)sk_segy_get(b, 115, 2, little);
}

/* SU is plausible in one byte order when the first header's ns is non-zero,
 * the file size (when known) is a whole number of traces, and the second
 * header (when present) has the same ns. */
static int su_plausible(const unsigned char *b, size_t n, int64_t size, int little)
{
	long ns;
	size_t rec;

	if (n < 240 || (ns = su_ns(b, little)) <= 0)
		return 0;
	rec = 240 + 4 * (size_t)ns;
	if (size >= 0 && (size == 0 || size % (int64_t)rec != 0))
		return 0;
	if (n >= rec + 240)
		return su_ns(b + rec, little) == ns;
	/* One header of a stream of unknown size: ask for a dt as well. */
	return size >= 0 || sk_segy_get(b, 117, 2, little) != 0;
}

/* The byte order in which SU is plausible (1 little, 0 big), -1 for none;
 * when both are, the smaller ns wins (the other is a byte-swapped one). */
static int su_order(const unsigned char *b, size_t n, int64_t size)
{
	const int le = su_plausible(b, n, size, 1), be = su_plausible(b, n, size, 0);
	if (le && be)
		return su_ns(b, 1) <= su_ns(b, 0);
	return le ? 1 : be ? 0 : -1;
}

static int text_evidence(const unsigned char *t)
{
	long good = 0;
	for (size_t i = 0; i < SK_SEGY_TEXT; i++) {
		const unsigned char c = t[i];
		if (c == 0x20 || c == 0x40 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 0xc1 && c <= 0xe9) || (c >= 0xf0 && c <= 0xf9))
			good++;
	}
	return good > SK_SEGY_TEXT / 2;
}

static int detect(const unsigned char *b, size_t n, int64_t size)
{
	struct sk_segy_bin bin;
	struct sk_error e;
	int segy = 0, segy_fit = 0, su;

	if (n >= 8 && memcmp(b, SK_SGK_MAGIC, 8) == 0)
		return SK_FMT_SGK;
	if (n >= SK_SEGY_HDR && sk_segy_parse_bin(b, &bin, &e) == 0) {
		segy = 1;
		if (size >= 0 && bin.ns > 0 && bin.next >= 0) {
			const int64_t rec = 240 * (1 + bin.extra) + (int64_t)bin.ns * sk_fmt_size(bin.format);
			const int64_t data = size - SK_SEGY_HDR - (int64_t)SK_SEGY_TEXT * bin.next;
			segy_fit = data >= 0 && data % rec == 0;
		}
	}
	su = su_order(b, n, size) >= 0;
	if (segy && (!su || text_evidence(b) || (segy_fit && size >= 0)))
		return SK_FMT_SEGY;
	if (su)
		return SK_FMT_SU;
	return SK_FMT_AUTO;
}

int sk_detect(const unsigned char *buf, size_t n)
{
	return detect(buf, n, -1);
}

/* ---- reader ------------------------------------------------------------- */

static int open_segy(struct sk_reader *r, struct sk_error *err)
{
	struct sk_segy_bin b;
	int64_t n = sk_in_need(&r->in, SK_SEGY_HDR, err);
	int64_t start;
	int rc, next;

	if (n < 0)
		return (int)n;
	if (n < SK_SEGY_HDR)
		return sk_error_set(err, SK_EFMT, "truncated SEG-Y header: %lld of 3600 bytes", (long long)n);
	if ((rc = sk_segy_parse_bin(sk_in_ptr(&r->in), &b, err)) < 0)
		return rc;
	r->info.ebcdic = sk_segy_text_is_ebcdic(sk_in_ptr(&r->in), SK_SEGY_TEXT);
	next = b.next;
	if (next == -1) {
		/* Count stanzas up to and including ((SEG: EndText)). */
		next = 0;
		for (;;) {
			const size_t want = SK_SEGY_HDR + (size_t)SK_SEGY_TEXT * (next + 1);
			if ((n = sk_in_need(&r->in, want, err)) < 0)
				return (int)n;
			if ((size_t)n < want)
				return sk_error_set(err, SK_EFMT,
						    "byte 3505: extended textual headers (count -1) end without a ((SEG: EndText)) stanza");
			next++;
			if (sk_segy_is_endtext(sk_in_ptr(&r->in) + want - SK_SEGY_TEXT))
				break;
			if (next > 10000)
				return sk_error_set(err, SK_EFMT, "byte 3505: no ((SEG: EndText)) in 10000 extended textual headers");
		}
	}
	start = SK_SEGY_HDR + (int64_t)SK_SEGY_TEXT * next;
	if (b.rev2 && b.first_trace > 0) {
		if (b.first_trace < SK_SEGY_HDR || b.first_trace > (uint64_t)1 << 40)
			return sk_error_set(err, SK_EFMT, "byte 3521: impossible first trace offset %llu",
					    (unsigned long long)b.first_trace);
		start = (int64_t)b.first_trace;
	}
	if (r->in.size >= 0 && start > r->in.size)
		return sk_error_set(err, SK_EFMT,
				    "byte 3505: %d extended textual headers need %lld bytes, the file has %lld",
				    next, (long long)start, (long long)r->in.size);
	if ((n = sk_in_need(&r->in, (size_t)start, err)) < 0)
		return (int)n;
	if (n < start)
		return sk_error_set(err, SK_EFMT, "truncated extended textual header: %lld of %lld bytes",
				    (long long)n, (long long)start);
	if (b.ns == 0) {
		/* Some writers leave the binary header's ns zero: take the first
		 * trace header's. */
		if ((n = sk_in_need(&r->in, (size_t)start + 240, err)) < 0)
			return (int)n;
		if (n >= start + 240)
			b.ns = (long)sk_segy_get(sk_in_ptr(&r->in) + start, 115, 2, b.little);
		if (b.ns == 0)
			return sk_error_set(err, SK_EFMT, "byte 3221: ns=0 in the binary header and in the first trace header");
	}
	if (b.ns > SK_MAX_NS)
		return sk_error_set(err, SK_EFMT, "byte 3269: impossible ns=%ld (at most %ld)", b.ns, SK_MAX_NS);
	r->info.fhdr_len = (size_t)start;
	r->info.fhdr = malloc(r->info.fhdr_len);
	if (!r->info.fhdr)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	memcpy(r->info.fhdr, sk_in_ptr(&r->in), r->info.fhdr_len);
	sk_in_skip(&r->in, (size_t)start);

	r->info.little = b.little;
	r->info.sample_format = b.format;
	r->info.ns = b.ns;
	r->info.dt = b.dt;
	r->info.hdrlen = 240 * (1 + (size_t)b.extra);
	r->info.rev_major = b.rev_major;
	r->info.rev_minor = b.rev_minor;
	r->info.next = next;
	r->info.fixed_length = b.fixed_length;
	r->info.byte_order_word = b.byte_order_word;
	r->hdr_little = r->samp_little = b.little;
	r->samp_fmt = b.format;
	r->bps = sk_fmt_size(b.format);
	r->recsize = r->info.hdrlen + (size_t)b.ns * r->bps;
	r->data_start = start;
	r->check_ns = (b.rev_major == 1 || b.rev_major == 2) && b.fixed_length == 0;
	if (r->in.size >= 0) {
		const int64_t data = r->in.size - start;
		r->info.ntraces = data / (int64_t)r->recsize;
		r->info.trailing = data % (int64_t)r->recsize;
		/* A rev 2 count that fits means what follows are trailer stanzas. */
		if (b.rev2 && b.ntraces > 0 && b.ntraces <= (uint64_t)r->info.ntraces &&
		    r->info.trailing && (int64_t)b.ntraces < r->info.ntraces + 1) {
			r->info.trailing = data - (int64_t)b.ntraces * (int64_t)r->recsize;
			r->info.ntraces = (int64_t)b.ntraces;
		}
	} else {
		r->info.ntraces = -1;
	}
	return 0;
}

static int open_su(struct sk_reader *r, struct sk_error *err)
{
	const int64_t n = sk_in_need(&r->in, 240 + 4 * 65535 + 240, err);
	const unsigned char *b = sk_in_ptr(&r->in);
	int little;

	if (n < 0)
		return (int)n;
	if (n < 240)
		return sk_error_set(err, SK_EFMT, "truncated SU trace header: %lld of 240 bytes", (long long)n);
	little = su_order(b, (size_t)n, r->in.size >= 0 ? r->in.size : r->in.eof ? n : -1);
	if (little < 0)
		return sk_error_set(err, SK_EFMT,
				    "not an SU file: ns=%ld (little-endian) or %ld (big-endian) at byte 115 does not fit",
				    su_ns(b, 1), su_ns(b, 0));
	r->info.little = r->hdr_little = r->samp_little = little;
	r->info.sample_format = r->samp_fmt = 5;
	r->bps = 4;
	r->info.ns = su_ns(b, little);
	r->info.dt = (double)sk_segy_get(b, 117, 2, little);
	r->info.hdrlen = 240;
	r->recsize = 240 + 4 * (size_t)r->info.ns;
	r->info.ntraces = r->in.size >= 0 ? r->in.size / (int64_t)r->recsize : -1;
	r->check_ns = 1;
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)sk_segy_get(p, 1, 4, 1);
}

static uint64_t le64(const unsigned char *p)
{
	return sk_segy_get(p, 1, 8, 1);
}

static int open_sgk(struct sk_reader *r, struct sk_error *err)
{
	int64_t n = sk_in_need(&r->in, SK_SGK_HEAD, err);
	const unsigned char *h = sk_in_ptr(&r->in);
	uint64_t flen, dtw;
	uint32_t ns, hl, B;

	if (n < 0)
		return (int)n;
	if (n < SK_SGK_HEAD || memcmp(h, SK_SGK_MAGIC, 8) != 0)
		return sk_error_set(err, SK_EFMT, "truncated sgk stream header: %lld of %d bytes", (long long)n, SK_SGK_HEAD);
	if (le32(h + 8) != 1)
		return sk_error_set(err, SK_EFMT, "byte 9: unsupported sgk version %u", le32(h + 8));
	ns = le32(h + 16);
	hl = le32(h + 20);
	B = le32(h + 32);
	dtw = le64(h + 24);
	flen = le64(h + 48);
	if (ns == 0 || ns > SK_MAX_NS)
		return sk_error_set(err, SK_EFMT, "byte 17: impossible ns=%u", ns);
	if (hl == 0 || hl % 240 || hl > 240 * 1001)
		return sk_error_set(err, SK_EFMT, "byte 21: impossible trace header length %u", hl);
	if (B == 0 || B > SK_SGK_MAX_BLOCK)
		return sk_error_set(err, SK_EFMT, "byte 33: impossible traces per block %u", B);
	if (flen > (1u << 30) || (flen && flen < SK_SEGY_HDR))
		return sk_error_set(err, SK_EFMT, "byte 49: impossible file header length %llu", (unsigned long long)flen);
	r->info.ns = ns;
	r->info.hdrlen = hl;
	memcpy(&r->info.dt, &dtw, sizeof dtw);
	if (!isfinite(r->info.dt) || r->info.dt < 0 || r->info.dt > 1e12)
		return sk_error_set(err, SK_EFMT, "byte 25: impossible sample interval %g", r->info.dt);
	r->info.block = B;
	r->info.ntraces = (int64_t)le64(h + 40);
	r->info.compressed = (le32(h + 12) & 1) != 0;
	r->info.sample_format = 5;
	/* The byte order of the SEG-Y or SU stream it was made from, so that
	 * converting back looks like the original. */
	r->info.little = (le32(h + 36) >> 8) & 1;
	r->samp_fmt = 5;
	r->samp_little = 1;
	r->bps = 4;
	r->recsize = hl + 4 * (size_t)ns;
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
	if (!(r->rec = malloc(r->recsize)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

int sk_reader_open(const char *path, int fmt, struct sk_reader **out, struct sk_error *err)
{
	return sk_reader_open_buf(path, fmt, 0, out, err);
}

int sk_reader_open_buf(const char *path, int fmt, size_t bufsize, struct sk_reader **out,
		       struct sk_error *err)
{
	struct sk_reader *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if ((rc = sk_in_open(&r->in, path, err)) < 0) {
		free(r);
		return rc;
	}
	if (fmt == SK_FMT_AUTO) {
		/* Enough for a SEG-Y header and two SU trace headers of any ns. */
		const int64_t n = sk_in_need(&r->in, SK_SEGY_HDR + 240 + 4 * 65535 + 240, err);
		if (n < 0) {
			sk_reader_free(r);
			return (int)n;
		}
		if (n == 0) {
			sk_reader_free(r);
			return sk_error_set(err, SK_EFMT, "empty file");
		}
		/* A pipe that ended within the first read has a known size. */
		fmt = detect(sk_in_ptr(&r->in), (size_t)n, r->in.size >= 0 ? r->in.size : r->in.eof ? n : -1);
		if (fmt == SK_FMT_AUTO) {
			if (n < SK_SEGY_HDR)
				rc = sk_error_set(err, SK_EFMT,
						  "not a SEG-Y, SU or sgk file: %lld bytes, shorter than a 3600-byte SEG-Y header, and no SU trace fits",
						  (long long)n);
			else
				rc = sk_error_set(err, SK_EFMT,
						  "not a SEG-Y, SU or sgk file: byte 3225 holds no sample format code (%d) and no SU trace fits",
						  (int16_t)sk_segy_get(sk_in_ptr(&r->in), 3225, 2, 0));
			sk_reader_free(r);
			return rc;
		}
	}
	r->info.fmt = fmt;
	rc = fmt == SK_FMT_SEGY ? open_segy(r, err) : fmt == SK_FMT_SU ? open_su(r, err) : open_sgk(r, err);
	if (rc == 0 && bufsize)
		rc = sk_in_resize(&r->in, bufsize > r->recsize ? bufsize : r->recsize, err);
	if (rc < 0) {
		sk_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int sk_reader_readahead(struct sk_reader *r, struct sk_error *err)
{
	/* Not for sgk: a block (about 4 MiB) spans read-ahead slots and would
	 * be copied together; the copy cost more than the overlap saved (sgk
	 * copies ran 1.25x slower), and sgk input needs no sample decoding. */
	if (r->info.fmt == SK_FMT_SGK)
		return 0;
	return sk_in_readahead(&r->in, r->recsize, err);
}

int sk_copy_readahead(struct sk_reader *r, const struct sk_writer *w, struct sk_error *err)
{
	/* A raw copy into /dev/null only reads: a second thread adds its
	 * hand-overs and has nothing to overlap (1 GB IBM SEG-Y: 0.67x cat
	 * with it, 0.86x without).  Into a file or a pipe the writes cost a
	 * copy each and overlap the reads (tmpfs file 1.07x cat against
	 * 0.94x; through a pipe 0.82 s against 1.16 s for 512 MB). */
	struct stat o, null;
	if (sk_stream_same_encoding(r, w) && fstat(w->out.fd, &o) == 0 && S_ISCHR(o.st_mode) &&
	    stat("/dev/null", &null) == 0 && o.st_rdev == null.st_rdev)
		return 0;
	return sk_reader_readahead(r, err);
}

const struct sk_info *sk_reader_info(const struct sk_reader *r)
{
	return &r->info;
}

int64_t sk_reader_tell(const struct sk_reader *r)
{
	return r->idx;
}

void sk_reader_free(struct sk_reader *r)
{
	if (!r)
		return;
	sk_in_close(&r->in);
	sk_zio_free(r->z);
	free(r->info.fhdr);
	free(r->blk);
	free(r->zbuf);
	free(r->rec);
	free(r);
}

/* Reads the next sgk block header and payload into r->blk. */
/* Reads and checks the next sgk block header and makes its payload available
 * at sk_in_ptr.  Returns 1 with the header's fields, 0 at the end marker, or
 * an error. */
static int sgk_block_head(struct sk_reader *r, uint32_t *cnt, uint32_t *flags, uint64_t *raw,
			  uint64_t *stored, struct sk_error *err)
{
	const int64_t at = r->in.pos;
	int64_t n = sk_in_need(&r->in, SK_SGK_BLOCK_HEAD, err);
	const unsigned char *h = sk_in_ptr(&r->in);

	if (n < 0)
		return (int)n;
	if (n < SK_SGK_BLOCK_HEAD)
		return sk_error_set(err, SK_EFMT,
				    "truncated sgk stream: no end marker after trace %lld (the stream ends at byte %lld)",
				    (long long)r->idx, (long long)(at + n));
	*cnt = le32(h);
	*flags = le32(h + 4);
	*raw = le64(h + 8);
	*stored = le64(h + 16);
	if (*cnt == 0) {
		sk_in_skip(&r->in, SK_SGK_BLOCK_HEAD);
		r->done = 1;
		return 0;
	}
	if (*cnt > (uint32_t)r->info.block || *raw != (uint64_t)*cnt * r->recsize ||
	    (!(*flags & 1) && *stored != *raw) || ((*flags & 1) && *stored > sk_zio_bound(*raw)) || (*flags & ~1u))
		return sk_error_set(err, SK_EFMT,
				    "corrupt sgk block header at byte %lld: %u traces, %llu raw bytes, %llu stored, flags %u",
				    (long long)at, *cnt, (unsigned long long)*raw, (unsigned long long)*stored, *flags);
	sk_in_skip(&r->in, SK_SGK_BLOCK_HEAD);
	if ((n = sk_in_need(&r->in, *stored, err)) < 0)
		return (int)n;
	if ((uint64_t)n < *stored)
		return sk_error_set(err, SK_EFMT,
				    "truncated sgk stream: the block at byte %lld (traces %lld-%lld) has %lld of %llu bytes",
				    (long long)at, (long long)r->idx + 1, (long long)r->idx + *cnt, (long long)n,
				    (unsigned long long)*stored);
	return 1;
}

/* Loads the payload of a block whose header sgk_block_head read (at byte
 * at) into r->blk: headers, then samples. */
static int sgk_block_load(struct sk_reader *r, int64_t at, uint32_t cnt, uint32_t flags, uint64_t raw,
			  uint64_t stored, struct sk_error *err)
{
	if (r->blk_cap < raw) {
		free(r->blk);
		if (!(r->blk = malloc(raw)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		r->blk_cap = raw;
	}
	if (flags & 1) {
		int zrc;
		if (r->zbuf_cap < raw) {
			free(r->zbuf);
			if (!(r->zbuf = malloc(raw)))
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			r->zbuf_cap = raw;
		}
		if (!r->z && !(r->z = sk_zio_new(0)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		zrc = sk_zio_decompress(r->z, sk_in_ptr(&r->in), stored, r->zbuf, raw, err);
		if (zrc < 0) {
			char m[sizeof err->msg];
			snprintf(m, sizeof m, "%s", err->msg);
			return sk_error_set(err, zrc, "sgk block at byte %lld: %s", (long long)at, m);
		}
		sk_sgk_unshuffle(r->zbuf, cnt, r->info.hdrlen, (size_t)r->info.ns, r->blk);
	} else {
		memcpy(r->blk, sk_in_ptr(&r->in), raw);
	}
	sk_in_skip(&r->in, stored);
	r->blk_n = cnt;
	r->blk_i = 0;
	return 1;
}

/* Reads the next sgk block into r->blk; 0 at the end marker. */
static int sgk_block(struct sk_reader *r, struct sk_error *err)
{
	const int64_t at = r->in.pos;
	uint32_t cnt, flags;
	uint64_t raw, stored;
	const int rc = sgk_block_head(r, &cnt, &flags, &raw, &stored, err);

	return rc <= 0 ? rc : sgk_block_load(r, at, cnt, flags, raw, stored, err);
}

/* The trace header's ns must agree with the stream's (SU always; SEG-Y when
 * the file does not declare fixed-length traces).  idx is 0-based, at the
 * record's offset. */
static int check_record(const struct sk_reader *r, const unsigned char *p, int64_t idx, int64_t at,
			struct sk_error *err)
{
	const long tns = (long)sk_segy_get(p, 115, 2, r->hdr_little);

	if (r->info.fmt == SK_FMT_SU ? tns == r->info.ns : (tns == 0 || tns == r->info.ns || r->info.ns > 65535))
		return 0;
	if (r->info.fmt == SK_FMT_SU)
		return sk_error_set(err, SK_EFMT, "trace %lld (byte %lld): ns=%ld differs from the first trace's ns=%ld",
				    (long long)idx + 1, (long long)at + 115, tns, r->info.ns);
	return sk_error_set(err, SK_EFMT,
			    "trace %lld (byte %lld): ns=%ld differs from the binary header's ns=%ld and byte 3503 does not declare fixed-length traces: variable-length traces are not supported",
			    (long long)idx + 1, (long long)at + 115, tns, r->info.ns);
}

/* The next trace of an sgk stream, in place in the decoded block: its
 * header block and its samples.  1, 0 at the end, or an error. */
static int sgk_next(struct sk_reader *r, const unsigned char **hdr, const unsigned char **smp,
		    struct sk_error *err)
{
	const size_t hl = r->info.hdrlen, sb = 4 * (size_t)r->info.ns;

	if (r->blk_i == r->blk_n && !r->done) {
		const int rc = sgk_block(r, err);
		if (rc < 0)
			return rc;
	}
	if (r->done) {
		if (r->info.ntraces >= 0 && r->idx != r->info.ntraces)
			return sk_error_set(err, SK_EFMT, "the sgk header declares %lld traces, the stream holds %lld",
					    (long long)r->info.ntraces, (long long)r->idx);
		return 0;
	}
	*hdr = r->blk + (size_t)r->blk_i * hl;
	*smp = r->blk + (size_t)r->blk_n * hl + (size_t)r->blk_i * sb;
	r->blk_i++;
	r->idx++;
	return 1;
}

int sk_reader_next_raw(struct sk_reader *r, const unsigned char **rec, struct sk_error *err)
{
	if (r->info.fmt == SK_FMT_SGK) {
		const unsigned char *h, *d;
		const int rc = sgk_next(r, &h, &d, err);
		if (rc <= 0)
			return rc;
		/* A raw record is contiguous: assemble it from the block. */
		memcpy(r->rec, h, r->info.hdrlen);
		memcpy(r->rec + r->info.hdrlen, d, 4 * (size_t)r->info.ns);
		*rec = r->rec;
		return 1;
	}
	{
		const int64_t at = r->in.pos;
		const int64_t n = sk_in_need(&r->in, r->recsize, err);
		const unsigned char *p;
		int rc;

		if (n < 0)
			return (int)n;
		if (n == 0 || (r->info.ntraces >= 0 && r->idx >= r->info.ntraces && r->info.trailing == 0)) {
			if (r->idx == 0 && r->info.fmt == SK_FMT_SEGY)
				return sk_error_set(err, SK_EFMT, "no traces: the file ends at byte %lld, after its headers",
						    (long long)at);
			return 0;
		}
		if (r->info.ntraces >= 0 && r->idx >= r->info.ntraces && (size_t)n == r->recsize)
			return 0;  /* trailer stanzas follow the declared traces */
		if ((size_t)n < r->recsize)
			return sk_error_set(err, SK_EFMT, "trace %lld (from byte %lld) is truncated: %lld of %zu bytes",
					    (long long)r->idx + 1, (long long)at + 1, (long long)n, r->recsize);
		p = sk_in_ptr(&r->in);
		if (r->check_ns && (rc = check_record(r, p, r->idx, at, err)) < 0)
			return rc;
		sk_in_skip(&r->in, r->recsize);
		r->idx++;
		*rec = p;
		return 1;
	}
}

int sk_reader_next(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err)
{
	const unsigned char *rec;
	int rc;

	if (r->info.fmt == SK_FMT_SGK) {
		/* Straight from the block, without assembling a record. */
		const unsigned char *h, *d;
		if ((rc = sgk_next(r, &h, &d, err)) <= 0)
			return rc;
		if (hdr)
			memcpy(hdr, h, r->info.hdrlen);
		if (data)
			memcpy(data, d, 4 * (size_t)r->info.ns);
		return 1;
	}
	if ((rc = sk_reader_next_raw(r, &rec, err)) <= 0)
		return rc;
	if (hdr) {
		memcpy(hdr, rec, r->info.hdrlen);
		if (r->hdr_little)
			sk_hdr_swap(hdr, r->info.hdrlen);
	}
	if (data) {
		const size_t bad = sk_fmt_decode(r->samp_fmt, r->samp_little, rec + r->info.hdrlen,
						 (size_t)r->info.ns, data);
		if (bad)
			return sk_error_set(err, SK_EFMT,
					    "trace %lld, sample %zu: word 0x%08x is not fixed point with gain (format 4 needs a zero first byte)",
					    (long long)r->idx, bad,
					    (unsigned)sk_segy_get(rec + r->info.hdrlen + 4 * (bad - 1), 1, 4, r->samp_little));
	}
	return 1;
}

int sk_reader_seek(struct sk_reader *r, int64_t idx, struct sk_error *err)
{
	int64_t off;
	int rc;

	if (!r->in.seekable || (r->info.fmt == SK_FMT_SGK && (r->info.compressed || r->info.ntraces < 0)))
		return sk_error_set(err, SK_EARG, "random access needs a file (not a pipe)%s",
				    r->info.fmt == SK_FMT_SGK ? " holding uncompressed sgk with a trace count" : "");
	if (idx < 0 || (r->info.ntraces >= 0 && idx > r->info.ntraces))
		return sk_error_set(err, SK_EARG, "trace %lld is out of range (1-%lld)", (long long)idx + 1,
				    (long long)r->info.ntraces);
	if (r->info.fmt != SK_FMT_SGK) {
		off = r->data_start + idx * (int64_t)r->recsize;
		if ((rc = sk_in_seek(&r->in, off, err)) < 0)
			return rc;
		r->idx = idx;
		return 0;
	}
	{
		const int64_t B = r->info.block, k = idx / B;
		off = r->data_start + k * (SK_SGK_BLOCK_HEAD + B * (int64_t)r->recsize);
		if ((rc = sk_in_seek(&r->in, off, err)) < 0)
			return rc;
		r->blk_n = r->blk_i = 0;
		if (idx == r->info.ntraces) {
			/* At the end: the next read returns none. */
			r->idx = idx;
			r->done = 1;
			return 0;
		}
		r->idx = k * B;
		r->done = 0;
		if ((rc = sgk_block(r, err)) < 0)
			return rc;
		if (rc == 0 || idx - k * B >= r->blk_n)
			return sk_error_set(err, SK_EFMT,
					    "corrupt sgk stream: the block at byte %lld holds %ld traces, not %lld, before the last",
					    (long long)off, rc == 0 ? 0L : r->blk_n, (long long)B);
		r->blk_i = (long)(idx - k * B);
		r->idx = idx;
		return 0;
	}
}

/* ---- writer ------------------------------------------------------------- */

static int writer_header(struct sk_writer *w, const struct sk_info *like, struct sk_error *err)
{
	if (w->info.fmt == SK_FMT_SEGY) {
		struct sk_segy_bin cb;
		struct sk_error e;
		int have = 0, rc;

		w->info.fhdr_len = like->fhdr_len >= SK_SEGY_HDR ? like->fhdr_len : SK_SEGY_HDR;
		if (!(w->fhdr = malloc(w->info.fhdr_len)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		if (like->fhdr_len >= SK_SEGY_HDR) {
			memcpy(w->fhdr, like->fhdr, like->fhdr_len);
			have = sk_segy_parse_bin(w->fhdr, &cb, &e) == 0;
		} else {
			sk_segy_default(w->fhdr);
		}
		if ((rc = sk_segy_set_bin(w->fhdr, have ? cb.little : 0, w->samp_little, w->samp_fmt,
					  like->ns, like->dt, err)) < 0)
			return rc;
		if (w->info.hdrlen > 240) {
			/* Rev 2 extra trace headers must be declared at 3507. */
			const int extra = (int)(w->info.hdrlen / 240 - 1);
			struct sk_segy_bin nb;
			if (sk_segy_parse_bin(w->fhdr, &nb, &e) != 0 || nb.extra != extra) {
				w->fhdr[3500] = 2;
				sk_segy_put(w->fhdr, 3507, 2, w->samp_little, (uint64_t)extra);
			}
		}
		w->info.fhdr = w->fhdr;
		return sk_out_write(&w->out, w->fhdr, w->info.fhdr_len, err);
	}
	if (w->info.fmt == SK_FMT_SGK) {
		unsigned char h[SK_SGK_HEAD];
		uint64_t dtw;
		memset(h, 0, sizeof h);
		memcpy(h, SK_SGK_MAGIC, 8);
		sk_segy_put(h, 9, 4, 1, 1);
		sk_segy_put(h, 13, 4, 1, w->zlevel ? 1 : 0);
		sk_segy_put(h, 17, 4, 1, (uint64_t)w->info.ns);
		sk_segy_put(h, 21, 4, 1, w->info.hdrlen);
		memcpy(&dtw, &w->info.dt, 8);
		sk_segy_put(h, 25, 8, 1, dtw);
		sk_segy_put(h, 33, 4, 1, (uint64_t)w->B);
		sk_segy_put(h, 37, 4, 1, (uint64_t)(unsigned)like->fmt | (uint64_t)(like->little != 0) << 8);
		sk_segy_put(h, 41, 8, 1, (uint64_t)(int64_t)-1);
		sk_segy_put(h, 49, 8, 1, like->fhdr_len);
		if (sk_out_write(&w->out, h, sizeof h, err) < 0)
			return err->code;
		if (like->fhdr_len)
			return sk_out_write(&w->out, like->fhdr, like->fhdr_len, err);
	}
	return 0;
}

int sk_writer_open(const char *path, const struct sk_info *like, const struct sk_wopts *o,
		   struct sk_writer **out, struct sk_error *err)
{
	struct sk_writer *w = calloc(1, sizeof *w);
	struct sk_segy_bin cb;
	struct sk_error e;
	const int carried = like->fhdr_len >= SK_SEGY_HDR && sk_segy_parse_bin(like->fhdr, &cb, &e) == 0;
	int rc;

	*out = NULL;
	if (!w)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	w->out.fd = -1;
	w->info.fmt = o->fmt ? o->fmt : like->fmt ? like->fmt : SK_FMT_SEGY;
	w->info.ns = like->ns;
	w->info.dt = like->dt;
	w->info.hdrlen = like->hdrlen ? like->hdrlen : 240;
	w->info.ntraces = -1;
	if (!isfinite(like->dt) || like->dt < 0) {
		free(w);
		return sk_error_set(err, SK_EARG, "cannot write the sample interval %g", like->dt);
	}
	if (like->ns <= 0 || like->ns > SK_MAX_NS || w->info.hdrlen % 240) {
		const size_t hl = w->info.hdrlen;
		free(w);
		return sk_error_set(err, SK_EARG, "cannot write ns=%ld with %zu-byte trace headers", like->ns, hl);
	}
	if (o->zstd && w->info.fmt != SK_FMT_SGK) {
		free(w);
		return sk_error_set(err, SK_EARG, "--zstd needs sgk output");
	}
	switch (w->info.fmt) {
	case SK_FMT_SEGY:
		w->samp_little = o->little >= 0 ? o->little : carried ? cb.little : 0;
		w->samp_fmt = o->sample_format ? o->sample_format
			    : carried && sk_fmt_writable(cb.format) ? cb.format : 5;
		if (!sk_fmt_writable(w->samp_fmt)) {
			free(w);
			return sk_error_set(err, SK_EARG, "sample format %d cannot be written (1-3, 5-12, 15, 16)",
					    o->sample_format);
		}
		w->hdr_little = w->samp_little;
		break;
	case SK_FMT_SU:
		if (o->sample_format && o->sample_format != 5) {
			free(w);
			return sk_error_set(err, SK_EARG, "SU holds float samples only (format 5, not %d)", o->sample_format);
		}
		if (like->ns > 65535 || w->info.hdrlen != 240) {
			free(w);
			return sk_error_set(err, SK_EARG, like->ns > 65535 ? "SU cannot hold ns=%ld (at most 65535)"
								 : "SU cannot hold rev 2 extra trace headers (ns=%ld)", like->ns);
		}
		w->samp_little = o->little >= 0 ? o->little
				 : like->fmt == SK_FMT_SU || like->fmt == SK_FMT_SGK ? like->little : 1;
		w->hdr_little = w->samp_little;
		w->samp_fmt = 5;
		w->su_fix = 1;
		break;
	default:
		if (o->sample_format && o->sample_format != 5) {
			free(w);
			return sk_error_set(err, SK_EARG, "sgk holds float samples only (format 5, not %d)", o->sample_format);
		}
		w->samp_little = like->little;   /* recorded as the origin's byte order */
		w->samp_fmt = 5;
		w->zlevel = o->zstd;
		w->B = o->block > 0 ? o->block
				    : (long)((o->bufsize ? o->bufsize : 4u << 20) / (w->info.hdrlen + 4 * (size_t)like->ns));
		if (w->B < 1)
			w->B = 1;
		if (w->B > SK_SGK_MAX_BLOCK)
			w->B = SK_SGK_MAX_BLOCK;
		w->info.block = w->B;
		w->info.compressed = w->zlevel != 0;
		break;
	}
	w->info.sample_format = w->samp_fmt;
	w->info.little = w->samp_little;
	w->bps = sk_fmt_size(w->samp_fmt);
	w->recsize = w->info.hdrlen + (size_t)like->ns * w->bps;
	if (w->info.fmt == SK_FMT_SGK) {
		const size_t hb = (size_t)w->B * w->info.hdrlen, sb = (size_t)w->B * 4 * (size_t)like->ns;
		w->hbuf = malloc(hb);
		w->sbuf = malloc(sb);
		if (w->zlevel) {
			w->zraw = malloc(hb + sb);
			w->zcap = sk_zio_bound(hb + sb);
			w->zbuf = malloc(w->zcap);
			w->z = sk_zio_new(w->zlevel);
		}
		if (!w->hbuf || !w->sbuf || (w->zlevel && (!w->zraw || !w->zbuf || !w->z))) {
			sk_writer_abort(w);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	}
	if ((rc = sk_out_open(&w->out, path, err)) < 0) {
		sk_writer_abort(w);
		return rc;
	}
	w->out.set = o->set;
	if (o->bufsize && (rc = sk_out_resize(&w->out, o->bufsize > w->recsize ? o->bufsize : w->recsize, err)) < 0) {
		sk_writer_abort(w);
		return rc;
	}
	if ((rc = writer_header(w, like, err)) < 0) {
		sk_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}

const struct sk_info *sk_writer_info(const struct sk_writer *w)
{
	return &w->info;
}

static int sgk_flush(struct sk_writer *w, struct sk_error *err)
{
	unsigned char h[SK_SGK_BLOCK_HEAD];
	const size_t hl = w->info.hdrlen, sb = 4 * (size_t)w->info.ns;
	const size_t raw = (size_t)w->blk_n * (hl + sb);
	size_t stored = raw;
	int rc;

	if (w->zlevel && w->blk_n) {
		sk_sgk_shuffle(w->hbuf, w->sbuf, (size_t)w->blk_n, hl, (size_t)w->info.ns, w->zraw);
		if ((rc = sk_zio_compress(w->z, w->zraw, raw, w->zbuf, w->zcap, &stored, err)) < 0)
			return rc;
	}
	sk_segy_put(h, 1, 4, 1, (uint64_t)w->blk_n);
	sk_segy_put(h, 5, 4, 1, w->zlevel && w->blk_n ? 1 : 0);
	sk_segy_put(h, 9, 8, 1, raw);
	sk_segy_put(h, 17, 8, 1, stored);
	if ((rc = sk_out_write(&w->out, h, sizeof h, err)) < 0)
		return rc;
	if (w->zlevel && w->blk_n)
		rc = sk_out_write(&w->out, w->zbuf, stored, err);
	else if (w->blk_n && (rc = sk_out_write(&w->out, w->hbuf, (size_t)w->blk_n * hl, err)) == 0)
		rc = sk_out_write(&w->out, w->sbuf, (size_t)w->blk_n * sb, err);
	w->blk_n = 0;
	return rc;
}

/* The header and sample slots of the next trace in an sgk writer's block:
 * decoding straight into them saves a copy of every sample. */
static void sgk_slot(struct sk_writer *w, unsigned char **hdr, float **data)
{
	*hdr = w->hbuf + (size_t)w->blk_n * w->info.hdrlen;
	*data = (float *)(void *)(w->sbuf + (size_t)w->blk_n * 4 * (size_t)w->info.ns);
}

static int sgk_commit_slot(struct sk_writer *w, struct sk_error *err)
{
	w->count++;
	if (++w->blk_n == w->B)
		return sgk_flush(w, err);
	return 0;
}

int sk_writer_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err)
{
	if (w->info.fmt == SK_FMT_SGK) {
		/* An sgk record is the header block and little-endian floats. */
		unsigned char *h;
		float *d;
		sgk_slot(w, &h, &d);
		memcpy(h, rec, w->info.hdrlen);
		memcpy(d, rec + w->info.hdrlen, 4 * (size_t)w->info.ns);
		return sgk_commit_slot(w, err);
	}
	w->count++;
	return sk_out_write(&w->out, rec, w->recsize, err);
}

int sk_writer_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			  struct sk_error *err)
{
	const size_t hl = w->info.hdrlen;
	unsigned char *d;

	if (w->info.fmt == SK_FMT_SGK) {
		unsigned char *h;
		float *s;
		sgk_slot(w, &h, &s);
		memcpy(h, hdr, hl);
		memcpy(s, rec + hl, 4 * (size_t)w->info.ns);
		return sgk_commit_slot(w, err);
	}
	/* Straight into the output buffer: the one copy of the samples. */
	if (!(d = sk_out_reserve(&w->out, w->recsize, err)))
		return err->code;
	memcpy(d, hdr, hl);
	memcpy(d + hl, rec + hl, w->recsize - hl);
	sk_out_advance(&w->out, w->recsize);
	w->count++;
	return 0;
}

int sk_writer_put(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err)
{
	const size_t hl = w->info.hdrlen;
	unsigned char *d;

	if (w->info.fmt == SK_FMT_SGK) {
		unsigned char *h;
		float *s;
		sgk_slot(w, &h, &s);
		memcpy(h, hdr, hl);
		memcpy(s, data, 4 * (size_t)w->info.ns);
		return sgk_commit_slot(w, err);
	}
	if (!(d = sk_out_reserve(&w->out, w->recsize, err)))
		return err->code;
	memcpy(d, hdr, hl);
	if (w->su_fix) {
		/* SU keeps ns and dt only in the trace headers. */
		sk_hdr_set_i16(d, 115, (int16_t)(uint16_t)w->info.ns);
		if (sk_hdr_u16(d, 117) == 0 && w->info.dt > 0 && w->info.dt <= 65535)
			sk_hdr_set_i16(d, 117, (int16_t)(uint16_t)lround(w->info.dt));
	}
	if (w->hdr_little)
		sk_hdr_swap(d, hl);
	sk_fmt_encode(w->samp_fmt, w->samp_little, data, (size_t)w->info.ns, d + hl);
	sk_out_advance(&w->out, w->recsize);
	w->count++;
	return 0;
}

int sk_stream_same_encoding(const struct sk_reader *r, const struct sk_writer *w)
{
	if (r->info.ns != w->info.ns || r->info.hdrlen != w->info.hdrlen || r->samp_fmt != w->samp_fmt)
		return 0;
	if ((r->info.fmt == SK_FMT_SGK) != (w->info.fmt == SK_FMT_SGK))
		return 0;
	if (w->su_fix && r->info.fmt != SK_FMT_SU)
		return 0;
	return r->info.fmt == SK_FMT_SGK ||
	       (r->hdr_little == w->hdr_little && r->samp_little == w->samp_little);
}

int sk_writer_close(struct sk_writer *w, struct sk_error *err)
{
	int rc = 0;

	if (w->info.fmt == SK_FMT_SGK) {
		if (w->blk_n)
			rc = sgk_flush(w, err);
		if (rc == 0)
			rc = sgk_flush(w, err);  /* the end marker: a block of 0 traces */
		if (rc == 0 && w->out.seekable) {
			unsigned char c[8];
			sk_segy_put(c, 1, 8, 1, (uint64_t)w->count);
			rc = sk_out_pwrite(&w->out, 40, c, 8, err);
		}
	} else if (w->info.fmt == SK_FMT_SEGY && w->out.seekable) {
		unsigned char h[8];
		memcpy(h, w->fhdr + 3512, 8);
		sk_segy_set_count(w->fhdr, w->samp_little, (uint64_t)w->count);
		if (memcmp(h, w->fhdr + 3512, 8) != 0)
			rc = sk_out_pwrite(&w->out, 3512, w->fhdr + 3512, 8, err);
	}
	if (rc == 0)
		rc = sk_out_close(&w->out, err);
	else
		sk_out_abort(&w->out);
	sk_writer_abort(w);
	return rc;
}

void sk_writer_abort(struct sk_writer *w)
{
	if (!w)
		return;
	sk_out_abort(&w->out);
	sk_zio_free(w->z);
	free(w->fhdr);
	free(w->hbuf);
	free(w->sbuf);
	free(w->zraw);
	free(w->zbuf);
	free(w);
}

/*
 * Batches for sk_copy_traces.  raw_batch returns up to max whole records of a
 * SEG-Y or SU reader that lie one after another in its input buffer (at
 * least one unless the stream ends), each checked as sk_reader_next_raw
 * checks it: the copy then costs one write, or one parallel decode, per
 * buffer rather than per trace.
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
		if (check_record(r, sk_in_ptr(&r->in) + k * (int64_t)r->recsize, r->idx + k, 0, &e) < 0)
			break;  /* sk_reader_next_raw reports it on the next call */
	}
	if (r->check_ns)
		more = k;
	sk_in_skip(&r->in, (size_t)more * r->recsize);
	r->idx += more;
	return 1 + more;
}

/* Decodes n raw records into the next n slots of an sgk writer's block.  One
 * thread: the vectorised decoding outruns the kernel's copy from the page
 * cache, and a parallel region per buffer cost more than it saved (0.41 s
 * against 0.08 s for 200 MB of IBM SEG-Y on 2 threads). */
static int decode_into_block(struct sk_reader *r, struct sk_writer *w, const unsigned char *p, int64_t n,
			     int *wfail, struct sk_error *err)
{
	const size_t hl = r->info.hdrlen, ns = (size_t)r->info.ns;
	size_t bad_at = 0;
	int64_t bad_i = -1;

	for (int64_t i = 0; i < n; i++) {
		const unsigned char *rec = p + i * (int64_t)r->recsize;
		unsigned char *h = w->hbuf + (size_t)(w->blk_n + i) * hl;
		float *d = (float *)(void *)(w->sbuf + (size_t)(w->blk_n + i) * 4 * ns);
		size_t bad;

		memcpy(h, rec, hl);
		if (r->hdr_little)
			sk_hdr_swap(h, hl);
		bad = sk_fmt_decode(r->samp_fmt, r->samp_little, rec + hl, ns, d);
		if (bad) {
			bad_i = i;
			bad_at = bad;
			break;
		}
	}
	if (bad_i >= 0)
		return *wfail = 0, sk_error_set(err, SK_EFMT,
				    "trace %lld, sample %zu: word 0x%08x is not fixed point with gain (format 4 needs a zero first byte)",
				    (long long)(r->idx - n + bad_i + 1), bad_at,
				    (unsigned)sk_segy_get(p + bad_i * (int64_t)r->recsize + hl + 4 * (bad_at - 1), 1, 4,
							  r->samp_little));
	w->blk_n += (long)n;
	w->count += n;
	*wfail = 1;
	return w->blk_n == w->B ? sgk_flush(w, err) : 0;
}

/* Passes a full uncompressed sgk block through unchanged (the writer's block
 * is empty and has the reader's shape); any other block is loaded for the
 * trace-by-trace path, so that only the last block of the output is short.
 * Returns the traces passed (0 when none was), or an error. */
static int64_t sgk_pass_block(struct sk_reader *r, struct sk_writer *w, int *wfail, struct sk_error *err)
{
	const int64_t at = r->in.pos;
	uint32_t cnt, flags;
	uint64_t raw, stored;
	unsigned char h[SK_SGK_BLOCK_HEAD];
	int rc = sgk_block_head(r, &cnt, &flags, &raw, &stored, err);

	if (rc <= 0)
		return rc;
	if ((flags & 1) || cnt != (uint32_t)w->B)
		return (rc = sgk_block_load(r, at, cnt, flags, raw, stored, err)) < 0 ? rc : 0;
	sk_segy_put(h, 1, 4, 1, cnt);
	sk_segy_put(h, 5, 4, 1, 0);
	sk_segy_put(h, 9, 8, 1, raw);
	sk_segy_put(h, 17, 8, 1, stored);
	if ((rc = sk_out_write(&w->out, h, sizeof h, err)) < 0 ||
	    (rc = sk_out_write(&w->out, sk_in_ptr(&r->in), stored, err)) < 0)
		return *wfail = 1, rc;
	sk_in_skip(&r->in, stored);
	r->idx += cnt;
	w->count += cnt;
	return cnt;
}

int sk_copy_traces(struct sk_reader *r, struct sk_writer *w, int64_t *n, int *wfail,
		   struct sk_error *err)
{
	const int raw = sk_stream_same_encoding(r, w);
	const int sgk_in = r->info.fmt == SK_FMT_SGK, sgk_out = w->info.fmt == SK_FMT_SGK;
	unsigned char *hdr = NULL;
	float *data = NULL;
	int64_t k = 0, got = 0;
	int rc = 0, side = 0;

	if (!raw && (sgk_in || !sgk_out)) {
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
		if (raw && sgk_in && !w->zlevel && r->blk_i == r->blk_n && w->blk_n == 0 && !r->done &&
		    (got = sgk_pass_block(r, w, &side, err)) != 0) {
			if (got < 0 && side)
				rc = (int)got, got = 0;
		} else if (raw && !sgk_in) {
			if ((got = raw_batch(r, INT64_MAX, &p, err)) > 0) {
				rc = sk_out_write(&w->out, p, (size_t)got * r->recsize, err);
				w->count += got;
			}
		} else if (raw) {
			if ((got = sk_reader_next_raw(r, &p, err)) > 0)
				rc = sk_writer_put_raw(w, p, err);
		} else if (sgk_out && !sgk_in) {
			if ((got = raw_batch(r, w->B - w->blk_n, &p, err)) > 0 &&
			    (rc = decode_into_block(r, w, p, got, &side, err)) < 0 && !side)
				got = rc, rc = 0;
		} else {
			if ((got = sk_reader_next(r, hdr, data, err)) > 0)
				rc = sk_writer_put(w, hdr, data, err);
		}
		if (got <= 0 || rc < 0)
			break;
		k += got;
	}
	free(hdr);
	free(data);
	if (n)
		*n = k;
	if (wfail)
		*wfail = rc < 0;
	if (got < 0)
		return (int)got;
	return rc < 0 ? rc : 0;
}

int sk_wopts_set(struct sk_wopts *o, const char *name, const char *val, struct sk_error *err)
{
	if (strcmp(name, "to") == 0)
		return sk_format_parse(val, &o->fmt, err);
	if (strcmp(name, "endian") == 0) {
		if (strcmp(val, "big") == 0)
			o->little = 0;
		else if (strcmp(val, "little") == 0)
			o->little = 1;
		else
			return sk_error_set(err, SK_EARG, "invalid endian '%s' (big or little)", val);
		return 0;
	}
	if (strcmp(name, "format") == 0) {
		char *end;
		const long code = strtol(val, &end, 10);
		if (end != val && *end == '\0' && sk_fmt_writable((int)code) && code == (int)code) {
			o->sample_format = (int)code;
			return 0;
		}
		for (int c = 1; c <= 16; c++)
			if (sk_fmt_writable(c) && strcmp(val, sk_fmt_name(c)) == 0) {
				o->sample_format = c;
				return 0;
			}
		return sk_error_set(err, SK_EARG,
				    "invalid sample format '%s' (1 ibm, 2 int32, 3 int16, 5 ieee, 6 double, 7 int24, 8 int8, 9 int64, 10 uint32, 11 uint16, 12 uint64, 15 uint24, 16 uint8)",
				    val);
	}
	if (strcmp(name, "zstd") == 0) {
		long level = 3;
		if (val) {
			char *end;
			level = strtol(val, &end, 10);
			if (end == val || *end || level < 1 || level > 19)
				return sk_error_set(err, SK_EARG, "invalid zstd level '%s' (1-19)", val);
		}
		o->zstd = (int)level;
		if (!o->fmt)
			o->fmt = SK_FMT_SGK;
		return 0;
	}
	return sk_error_set(err, SK_EARG, "unknown output option '%s'", name);
}
