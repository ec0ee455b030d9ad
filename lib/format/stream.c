/*
 * stream: detection, opening the reader and dispatch to the formats'
 * operations (stream_internal.h), and the fixed-length records that SEG-Y
 * and SU read.  The writer is stream_write.c, random reads stream_pread.c,
 * copies between streams stream_copy.c.
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

int sk_not_text(const char *path, const char *what, int rc, struct sk_error *err)
{
	unsigned char b[SK_SEGY_HDR];
	char had[sizeof err->msg];
	struct stat st;
	ssize_t n = -1;
	int fmt = SK_FMT_AUTO;
	FILE *fp;

	if (rc != SK_EFMT)
		return rc;
	if ((fp = fopen(path, "rb")) != NULL) {
		n = (ssize_t)fread(b, 1, sizeof b, fp);
		if (fstat(fileno(fp), &st) == 0 && n > 0)
			fmt = detect(b, (size_t)n, S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1);
		fclose(fp);
	}
	snprintf(had, sizeof had, "%s", err->msg);
	if (fmt != SK_FMT_AUTO)
		sk_error_set(err, SK_EFMT, "not %s: a%s file", what,
			     fmt == SK_FMT_SEGY ? " SEG-Y" : fmt == SK_FMT_SU ? "n SU" : "n sgk");
	else
		sk_error_set(err, SK_EFMT, "not %s: %s", what, had);
	return sk_error_at(err, rc, path);
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
	struct stat st;
	int rc;

	if (r->in.seekable && fstat(r->in.fd, &st) == 0) {
		r->have_st = 1;
		r->size0 = (int64_t)st.st_size;
		r->mtim0 = st.st_mtim;
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

int sk_reader_map(struct sk_reader *r)
{
	return r->info.fmt != SK_FMT_SGK && sk_in_map(&r->in);
}

const struct sk_info *sk_reader_info(const struct sk_reader *r)
{
	return &r->info;
}

const char *sk_reader_name(const struct sk_reader *r)
{
	return r->in.name;
}

static int check_same(const struct sk_reader *r, struct sk_error *err)
{
	struct stat st;

	if (!r->have_st)
		return 0;
	if (fstat(r->in.fd, &st) < 0)
		return sk_error_sys(err, "%s", "");
	if ((int64_t)st.st_size != r->size0)
		return sk_error_set(err, SK_EFMT, "changed while it was read: %lld bytes, %lld when it was opened",
				    (long long)st.st_size, (long long)r->size0);
	if (st.st_mtim.tv_sec != r->mtim0.tv_sec || st.st_mtim.tv_nsec != r->mtim0.tv_nsec)
		return sk_error_set(err, SK_EFMT, "changed while it was read: modified after it was opened");
	return 0;
}

int sk_reader_check_same(const struct sk_reader *r, struct sk_error *err)
{
	return sk_error_at(err, check_same(r, err), r->in.name);
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

int sk_reader_decode(const struct sk_reader *r, int64_t idx, const unsigned char *rec, unsigned char *hdr,
		     float *data, struct sk_error *err)
{
	return sk_error_at(err, sk_stream_decode(r, idx, rec, rec + r->info.hdrlen, hdr, data, err), r->in.name);
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

const struct sk_format_ops *sk_stream_ops(int fmt)
{
	return format_ops[fmt];
}
