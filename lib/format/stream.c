/*
 * stream: detection, opening and dispatch to the formats' operations
 * (stream_internal.h), the fixed-length records that SEG-Y and SU share, and
 * copying between streams.
 */
#include "stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "file.h"
#include "fmt.h"
#include "hdr.h"
#include "io.h"
#include "segy.h"
#include "sgk.h"
#include "stream_internal.h"

static const struct sk_format_ops *const format_ops[] = {
	[SK_FMT_SEGY] = &sk_segy_ops,
	[SK_FMT_SU] = &sk_su_ops,
	[SK_FMT_SGK] = &sk_sgk_ops,
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

int sk_format_of_name(const char *path)
{
	static const struct { const char *ext; int fmt; } names[] = {
		{"sgy", SK_FMT_SEGY}, {"segy", SK_FMT_SEGY}, {"su", SK_FMT_SU}, {"sgk", SK_FMT_SGK},
	};
	const char *slash, *dot;

	if (!path)
		return SK_FMT_AUTO;
	slash = strrchr(path, '/');
	dot = strrchr(slash ? slash + 1 : path, '.');
	if (!dot)
		return SK_FMT_AUTO;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(dot + 1, names[i].ext) == 0)
			return names[i].fmt;
	return SK_FMT_AUTO;
}

/* ---- detection ---------------------------------------------------------- */

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
	su = sk_su_order(b, n, size) >= 0;
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

int sk_reader_open(const char *path, int fmt, struct sk_reader **out, struct sk_error *err)
{
	return sk_reader_open_buf(path, fmt, 0, out, err);
}

static int reader_open(const char *path, int fmt, size_t bufsize, struct sk_reader **out,
		       struct sk_error *err);

/* The public reader and writer functions name the file in their errors
 * (sk_error_at); what they call leaves that to them. */
int sk_reader_open_buf(const char *path, int fmt, size_t bufsize, struct sk_reader **out,
		       struct sk_error *err)
{
	return sk_error_at(err, reader_open(path, fmt, bufsize, out, err), sk_in_name(path));
}

static int reader_start(struct sk_reader *r, int fmt, size_t bufsize, struct sk_reader **out,
			struct sk_error *err);

int sk_reader_open_fd(int fd, const char *name, int fmt, size_t bufsize, void (*tap)(void *, const void *, size_t),
		      void *tap_arg, struct sk_reader **out, struct sk_error *err)
{
	struct sk_reader *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if ((rc = sk_in_open_fd(&r->in, fd, name, err)) < 0) {
		free(r);
		return sk_error_at(err, rc, name);
	}
	r->in.tap = tap;
	r->in.tap_arg = tap_arg;
	return sk_error_at(err, reader_start(r, fmt, bufsize, out, err), name);
}

static int reader_open(const char *path, int fmt, size_t bufsize, struct sk_reader **out,
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
	return reader_start(r, fmt, bufsize, out, err);
}

/* The format detected (unless fmt says it) and opened on r's input. */
static int reader_start(struct sk_reader *r, int fmt, size_t bufsize, struct sk_reader **out,
			struct sk_error *err)
{
	int rc;

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
						  (int16_t)sk_segy_get(sk_in_ptr(&r->in), SK_BIN_FORMAT, 2, 0));
			sk_reader_free(r);
			return rc;
		}
	}
	r->info.fmt = fmt;
	r->ops = format_ops[fmt];
	/* segedit's cache-sized buffers are for one input at a time. */
	r->lean = bufsize != 0 && bufsize <= SK_MANY_BUF;
	rc = r->ops->open(r, err);
	if (rc == 0 && bufsize) {
		size_t cap = bufsize > r->recsize ? bufsize : r->recsize;
		/* Compressed sgk reads a block's stored bytes past the buffer
		 * (stream_sgk.c), which then only holds block headers. */
		if (r->lean && r->info.fmt == SK_FMT_SGK && r->info.compressed && cap > SK_LEAN_ZBUF)
			cap = SK_LEAN_ZBUF;
		rc = sk_in_resize(&r->in, cap, err);
	}
	if (rc < 0) {
		sk_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int sk_reader_readahead(struct sk_reader *r, struct sk_error *err)
{
	if (r->info.fmt == SK_FMT_SGK)
		return sk_error_at(err, sk_sgk_ahead_start(r, err), r->in.name);
	if (!r->ops->readahead)
		return 0;
	return sk_error_at(err, sk_in_readahead(&r->in, r->recsize, err), r->in.name);
}

int sk_copy_readahead(struct sk_reader *r, const struct sk_writer *w, struct sk_error *err)
{
	/* A raw copy into /dev/null only reads: a second thread adds its
	 * hand-overs and has nothing to overlap (1 GB IBM SEG-Y: 0.67x cat
	 * with it, 0.86x without).  Into a file or a pipe the writes cost a
	 * copy each and overlap the reads (tmpfs file 1.07x cat against
	 * 0.94x; through a pipe 0.82 s against 1.16 s for 512 MB). */
	struct stat o, null;
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
	return sk_reader_readahead(r, err);
}

const struct sk_info *sk_reader_info(const struct sk_reader *r)
{
	return &r->info;
}

const char *sk_reader_name(const struct sk_reader *r)
{
	return r->in.name;
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
	if (r->ops && r->ops->release)
		r->ops->release(r);
	free(r->info.fhdr);
	free(r);
}

/* ---- fixed-length records (SEG-Y, SU) ----------------------------------- */

/* The trace header's ns must agree with the stream's (SU always; SEG-Y when
 * the file does not declare fixed-length traces). */
int sk_stream_check_record(const struct sk_reader *r, const unsigned char *p, int64_t idx, int64_t at,
			   struct sk_error *err)
{
	const long tns = (long)sk_segy_get(p, SK_TR_NS, 2, r->hdr_little);

	if (r->info.fmt == SK_FMT_SU ? tns == r->info.ns : (tns == 0 || tns == r->info.ns || r->info.ns > 65535))
		return 0;
	if (r->info.fmt == SK_FMT_SU)
		return sk_error_set(err, SK_EFMT, "trace %lld (byte %lld): ns=%ld differs from the first trace's ns=%ld",
				    (long long)idx + 1, (long long)at + 115, tns, r->info.ns);
	return sk_error_set(err, SK_EFMT,
			    "trace %lld (byte %lld): ns=%ld differs from the binary header's ns=%ld and byte 3503 does not declare fixed-length traces: variable-length traces are not supported",
			    (long long)idx + 1, (long long)at + 115, tns, r->info.ns);
}

int sk_stream_bad_fixed(int64_t idx, size_t bad, const unsigned char *smp, int little, struct sk_error *err)
{
	return sk_error_set(err, SK_EFMT,
			    "trace %lld, sample %zu: word 0x%08x is not fixed point with gain (format 4 needs a zero first byte)",
			    (long long)idx, bad, (unsigned)sk_segy_get(smp + 4 * (bad - 1), 1, 4, little));
}

int sk_stream_rec_next_raw(struct sk_reader *r, const unsigned char **rec, struct sk_error *err)
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
	if (r->check_ns && (rc = sk_stream_check_record(r, p, r->idx, at, err)) < 0)
		return rc;
	sk_in_skip(&r->in, r->recsize);
	r->idx++;
	*rec = p;
	return 1;
}

int sk_stream_decode(const struct sk_reader *r, int64_t idx, const unsigned char *rec_hdr,
		     const unsigned char *rec_smp, unsigned char *hdr, float *data, struct sk_error *err)
{
	if (hdr) {
		memcpy(hdr, rec_hdr, r->info.hdrlen);
		if (r->hdr_little)
			sk_stream_swap(hdr, &r->info);
	}
	if (data) {
		const size_t bad = sk_fmt_decode(r->samp_fmt, r->samp_little, rec_smp, (size_t)r->info.ns, data);
		if (bad)
			return sk_stream_bad_fixed(idx + 1, bad, rec_smp, r->samp_little, err);
	}
	return 0;
}

int sk_stream_rec_next(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err)
{
	const unsigned char *rec;
	int rc;

	if ((rc = sk_stream_rec_next_raw(r, &rec, err)) <= 0)
		return rc;
	if ((rc = sk_stream_decode(r, r->idx - 1, rec, rec + r->info.hdrlen, hdr, data, err)) < 0)
		return rc;
	return 1;
}

size_t sk_stream_rec_pread_size(const struct sk_reader *r)
{
	return r->in.seekable && r->info.ntraces >= 0 ? r->recsize : 0;
}

int sk_stream_rec_pread(const struct sk_reader *r, int64_t idx, unsigned char *scratch, unsigned char *hdr,
			float *data, struct sk_error *err)
{
	const int64_t at = r->data_start + idx * (int64_t)r->recsize;
	size_t got;
	int rc;

	if ((rc = sk_file_pread_all(r->in.fd, scratch, r->recsize, at, &got, err)) < 0)
		return rc;
	if (got < r->recsize)
		return sk_error_set(err, SK_EFMT, "trace %lld (from byte %lld) is truncated: %zu of %zu bytes",
				    (long long)idx + 1, (long long)at + 1, got, r->recsize);
	if (r->check_ns && (rc = sk_stream_check_record(r, scratch, idx, at, err)) < 0)
		return rc;
	return sk_stream_decode(r, idx, scratch, scratch + r->info.hdrlen, hdr, data, err);
}

int sk_stream_check_index(const struct sk_reader *r, int64_t idx, struct sk_error *err)
{
	if (idx < 0 || (r->info.ntraces >= 0 && idx > r->info.ntraces))
		return sk_error_set(err, SK_EARG, "trace %lld is out of range (1-%lld)", (long long)idx + 1,
				    (long long)r->info.ntraces);
	return 0;
}

int sk_stream_rec_seek(struct sk_reader *r, int64_t idx, struct sk_error *err)
{
	int rc;

	if ((rc = sk_stream_check_index(r, idx, err)) < 0 ||
	    (rc = sk_in_seek(&r->in, r->data_start + idx * (int64_t)r->recsize, err)) < 0)
		return rc;
	r->idx = idx;
	return 0;
}

int sk_reader_next_raw(struct sk_reader *r, const unsigned char **rec, struct sk_error *err)
{
	return sk_error_at(err, r->ops->next_raw(r, rec, err), r->in.name);
}

int sk_reader_next(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err)
{
	return sk_error_at(err, r->ops->next(r, hdr, data, err), r->in.name);
}

int sk_reader_seek(struct sk_reader *r, int64_t idx, struct sk_error *err)
{
	return sk_error_at(err, r->ops->seek(r, idx, err), r->in.name);
}

void sk_stream_swap(unsigned char *hdr, const struct sk_info *info)
{
	if (info->su_tail)
		sk_hdr_swap_su(hdr);
	else
		sk_hdr_swap(hdr, info->hdrlen);
}

int sk_stream_key_flips(const struct sk_info *info, const struct sk_key *k)
{
	const size_t at = k->byte - 1u, n = (size_t)sk_type_size(k->type);
	unsigned char a[16], b[16];

	if (k->name[0] != '@' || n < 2 || !info->little || info->fmt == SK_FMT_SGK || at + n > info->hdrlen)
		return 0;
	/* The swap of a header whose neighbouring bytes all differ moves
	 * every byte it reorders: the key's bytes flip when none moves. */
	{
		unsigned char *h = malloc(info->hdrlen);
		if (!h)
			return 0;
		for (size_t i = 0; i < info->hdrlen; i++)
			h[i] = (unsigned char)(i % 8 + 1);
		memcpy(a, h + at, n);
		sk_stream_swap(h, info);
		memcpy(b, h + at, n);
		free(h);
	}
	return memcmp(a, b, n) == 0;
}

void sk_key_flip(unsigned char *hdr, const struct sk_key *k)
{
	unsigned char *const p = hdr + k->byte - 1;
	const size_t n = (size_t)sk_type_size(k->type);

	for (size_t i = 0; i < n / 2; i++) {
		const unsigned char t = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

size_t sk_reader_pread_size(const struct sk_reader *r)
{
	return r->ops->pread_size(r);
}

static int pread_trace(const struct sk_reader *r, int64_t idx, void *scratch, unsigned char *hdr, float *data,
		       struct sk_error *err)
{
	if (r->ops->pread_size(r) == 0)
		return sk_error_set(err, SK_EARG, "random access needs a file (not a pipe)%s",
				    r->info.fmt == SK_FMT_SGK ? " holding uncompressed sgk with a trace count" : "");
	if (idx < 0 || idx >= r->info.ntraces)
		return sk_error_set(err, SK_EARG, "trace %lld is out of range (1-%lld)", (long long)idx + 1,
				    (long long)r->info.ntraces);
	return r->ops->pread(r, idx, scratch, hdr, data, err);
}

int sk_reader_pread(const struct sk_reader *r, int64_t idx, void *scratch, unsigned char *hdr, float *data,
		    struct sk_error *err)
{
	return sk_error_at(err, pread_trace(r, idx, scratch, hdr, data, err), r->in.name);
}

/* SEG-Y and SU records: the header block's bytes alone (sgk's pread already
 * skips the samples when data is NULL). */
static int pread_hdr(const struct sk_reader *r, int64_t idx, unsigned char *scratch, unsigned char *hdr,
		     struct sk_error *err)
{
	const int64_t at = r->data_start + idx * (int64_t)r->recsize;
	const size_t hl = r->info.hdrlen;
	size_t got;
	int rc;

	if (r->ops->pread != sk_stream_rec_pread || r->ops->pread_size(r) == 0 || idx < 0 ||
	    idx >= r->info.ntraces)
		return pread_trace(r, idx, scratch, hdr, NULL, err);
	if ((rc = sk_file_pread_all(r->in.fd, scratch, hl, at, &got, err)) < 0)
		return rc;
	if (got < hl)
		return sk_error_set(err, SK_EFMT, "trace %lld (from byte %lld) is truncated: %zu of %zu bytes",
				    (long long)idx + 1, (long long)at + 1, got, r->recsize);
	if (r->check_ns && (rc = sk_stream_check_record(r, scratch, idx, at, err)) < 0)
		return rc;
	return sk_stream_decode(r, idx, scratch, scratch + hl, hdr, NULL, err);
}

int sk_reader_pread_hdr(const struct sk_reader *r, int64_t idx, void *scratch, unsigned char *hdr,
			struct sk_error *err)
{
	return sk_error_at(err, pread_hdr(r, idx, scratch, hdr, err), r->in.name);
}

/* SEG-Y and SU: runs of whole records, as many as scratch holds, in one
 * read each; other formats (and a scratch below a record) trace by trace. */
static int pread_hdrs(const struct sk_reader *r, int64_t idx, long n, unsigned char *scratch, size_t size,
		      unsigned char *hdrs, struct sk_error *err)
{
	const size_t hl = r->info.hdrlen, rs = r->recsize;
	int rc;

	if (r->ops->pread != sk_stream_rec_pread || r->ops->pread_size(r) == 0 || size < rs || idx < 0 || n < 0 ||
	    idx + n > r->info.ntraces) {
		for (long i = 0; i < n; i++)
			if ((rc = pread_hdr(r, idx + i, scratch, hdrs + (size_t)i * hl, err)) < 0)
				return rc;
		return 0;
	}
	for (long i = 0; i < n;) {
		const long m = n - i < (long)(size / rs) ? n - i : (long)(size / rs);
		const int64_t at = r->data_start + (idx + i) * (int64_t)rs;
		size_t got;
		if ((rc = sk_file_pread_all(r->in.fd, scratch, (size_t)m * rs, at, &got, err)) < 0)
			return rc;
		for (long j = 0; j < m; j++) {
			const unsigned char *p = scratch + (size_t)j * rs;
			const int64_t k = idx + i + j, pos = at + j * (int64_t)rs;
			if (got < (size_t)(j + 1) * rs)
				return sk_error_set(err, SK_EFMT, "trace %lld (from byte %lld) is truncated: %zu of %zu bytes",
						    (long long)k + 1, (long long)pos + 1, got - (size_t)j * rs, rs);
			if (r->check_ns && (rc = sk_stream_check_record(r, p, k, pos, err)) < 0)
				return rc;
			if ((rc = sk_stream_decode(r, k, p, p + hl, hdrs + (size_t)(i + j) * hl, NULL, err)) < 0)
				return rc;
		}
		i += m;
	}
	return 0;
}

int sk_reader_pread_hdrs(const struct sk_reader *r, int64_t idx, long n, void *scratch, size_t size,
			 unsigned char *hdrs, struct sk_error *err)
{
	return sk_error_at(err, pread_hdrs(r, idx, n, scratch, size, hdrs, err), r->in.name);
}

/* ---- writer ------------------------------------------------------------- */

void sk_wopts_computed(struct sk_wopts *o, const struct sk_info *like)
{
	const int f = like->sample_format;

	if (!o->sample_format && f != 1 && f != 4 && f != 5 && f != 6)
		o->sample_format = 5;
}

static int writer_open(const char *path, const struct sk_info *like, const struct sk_wopts *o,
		       struct sk_writer **out, struct sk_error *err);

int sk_writer_open(const char *path, const struct sk_info *like, const struct sk_wopts *o,
		   struct sk_writer **out, struct sk_error *err)
{
	const int rc = writer_open(path, like, o, out, err);
	/* SK_EARG: the options cannot hold the stream; not the file's fault. */
	return rc == SK_EARG ? rc : sk_error_at(err, rc, sk_out_name(path));
}

static int writer_open(const char *path, const struct sk_info *like, const struct sk_wopts *o,
		       struct sk_writer **out, struct sk_error *err)
{
	struct sk_writer *w = calloc(1, sizeof *w);
	int rc;

	*out = NULL;
	if (!w)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	w->out.fd = -1;
	w->info.fmt = o->fmt ? o->fmt : like->fmt ? like->fmt : SK_FMT_SEGY;
	w->ops = format_ops[w->info.fmt];
	w->info.ns = like->ns;
	w->info.dt = like->dt;
	w->info.hdrlen = like->hdrlen ? like->hdrlen : 240;
	w->info.ntraces = -1;
	/* sgk keeps its source's header bytes as they are; SEG-Y and SU hold
	 * their own meaning of bytes 181-240. */
	w->from_su_tail = like->su_tail;
	w->info.su_tail = w->info.fmt == SK_FMT_SU || (w->info.fmt == SK_FMT_SGK && like->su_tail);
	w->declared = o->count_known && o->count >= 0 ? o->count : -1;
	if (!isfinite(like->dt) || like->dt < 0) {
		sk_writer_abort(w);
		return sk_error_set(err, SK_EARG, "cannot write the sample interval %g", like->dt);
	}
	if (like->ns <= 0 || like->ns > SK_MAX_NS || w->info.hdrlen % 240) {
		const size_t hl = w->info.hdrlen;
		sk_writer_abort(w);
		return sk_error_set(err, SK_EARG, "cannot write ns=%ld with %zu-byte trace headers", like->ns, hl);
	}
	if (o->zstd && w->info.fmt != SK_FMT_SGK) {
		sk_writer_abort(w);
		return sk_error_set(err, SK_EARG, "--zstd needs sgk output");
	}
	if ((rc = w->ops->wopen(w, like, o, err)) < 0) {
		sk_writer_abort(w);
		return rc;
	}
	w->info.sample_format = w->samp_fmt;
	w->info.little = w->samp_little;
	w->bps = sk_fmt_size(w->samp_fmt);
	w->recsize = w->info.hdrlen + (size_t)like->ns * w->bps;
	if ((rc = sk_out_open(&w->out, path, err)) < 0) {
		sk_writer_abort(w);
		return rc;
	}
	w->out.set = o->set;
	if ((o->bufsize && (rc = sk_out_resize(&w->out, o->bufsize > w->recsize ? o->bufsize : w->recsize, err)) < 0) ||
	    (w->ops->whead && (rc = w->ops->whead(w, like, err)) < 0)) {
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

void sk_writer_source(struct sk_writer *w, const struct sk_info *src)
{
	w->from_su_tail = src->su_tail;
}

unsigned char *sk_stream_rec_begin(struct sk_writer *w, const unsigned char *hdr, struct sk_error *err)
{
	unsigned char *const d = sk_out_reserve(&w->out, w->recsize, err);

	if (d) {
		memcpy(d, hdr, w->info.hdrlen);
		sk_hdr_tail_convert(d, w->from_su_tail, w->info.su_tail);
	}
	return d;
}

void sk_stream_rec_end(struct sk_writer *w, unsigned char *d, const float *data)
{
	if (w->hdr_little)
		sk_stream_swap(d, &w->info);
	sk_fmt_encode(w->samp_fmt, w->samp_little, data, (size_t)w->info.ns, d + w->info.hdrlen);
	sk_out_advance(&w->out, w->recsize);
	w->count++;
}

int sk_stream_rec_put(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err)
{
	unsigned char *const d = sk_stream_rec_begin(w, hdr, err);

	if (!d)
		return err->code;
	sk_stream_rec_end(w, d, data);
	return 0;
}

int sk_stream_rec_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err)
{
	w->count++;
	return sk_out_write(&w->out, rec, w->recsize, err);
}

int sk_stream_rec_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			      struct sk_error *err)
{
	const size_t hl = w->info.hdrlen;
	unsigned char *d;

	/* Straight into the output buffer: the one copy of the samples. */
	if (!(d = sk_out_reserve(&w->out, w->recsize, err)))
		return err->code;
	memcpy(d, hdr, hl);
	memcpy(d + hl, rec + hl, w->recsize - hl);
	sk_out_advance(&w->out, w->recsize);
	w->count++;
	return 0;
}

int sk_writer_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err)
{
	return sk_error_at(err, w->ops->put_raw(w, rec, err), w->out.name);
}

int sk_writer_put(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err)
{
	return sk_error_at(err, w->ops->put(w, hdr, data, err), w->out.name);
}

int sk_writer_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			  struct sk_error *err)
{
	return sk_error_at(err, w->ops->put_raw_hdr(w, hdr, rec, err), w->out.name);
}

int sk_stream_raw_mode(const struct sk_reader *r, const struct sk_writer *w)
{
	if (r->info.ns != w->info.ns || r->info.hdrlen != w->info.hdrlen || r->samp_fmt != w->samp_fmt ||
	    r->samp_little != w->samp_little ||
	    r->info.su_tail != w->info.su_tail)
		return SK_RAW_NO;
	/* An SU writer sets ns and dt in every header. */
	if (w->info.fmt == SK_FMT_SU && r->info.fmt != SK_FMT_SU)
		return SK_RAW_NO;
	return r->hdr_little == w->hdr_little ? SK_RAW_SAME : SK_RAW_HSWAP;
}

int sk_stream_same_encoding(const struct sk_reader *r, const struct sk_writer *w)
{
	return sk_stream_raw_mode(r, w) == SK_RAW_SAME;
}

int sk_writer_close(struct sk_writer *w, struct sk_error *err)
{
	int rc = 0;

	if (w->declared >= 0 && w->count != w->declared)
		rc = sk_error_set(err, SK_ESTATE, "%lld traces written, the stream header declares %lld",
				  (long long)w->count, (long long)w->declared);
	if (rc == 0 && w->ops->finish)
		rc = w->ops->finish(w, err);

	sk_error_at(err, rc, w->out.name);
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
	if (w->ops && w->ops->wrelease)
		w->ops->wrelease(w);
	free(w->fhdr);
	free(w);
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
