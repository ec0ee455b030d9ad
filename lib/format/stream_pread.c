/*
 * stream_pread: random reads of a seekable input's traces by pread (stream.h
 * sk_reader_pread, sk_reader_pread_hdrs_check), from any number of threads
 * at once.
 */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "batchread.h"
#include "file.h"
#include "io.h"
#include "stream_internal.h"

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

int sk_reader_pread(const struct sk_reader *r, int64_t idx, void *scratch, float *data, struct sk_error *err)
{
	return sk_error_at(err, pread_trace(r, idx, scratch, NULL, data, err), r->in.name);
}

/* One record's header block without its samples: for SEG-Y and SU the
 * header block's bytes alone (sgk's pread already skips the samples when
 * data is NULL). */
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

/* SEG-Y and SU: runs of whole records, as many as scratch holds, in one
 * read each; sgk its own way (pread_hdrs); other formats (and a scratch
 * below a record) trace by trace.
 * With data, each record's samples are decoded there too. */
static int pread_hdrs(const struct sk_reader *r, int64_t idx, long n, unsigned char *scratch, size_t size,
		      unsigned char *hdrs, float *data, struct sk_error *err)
{
	const size_t hl = r->info.hdrlen, rs = r->recsize;
	int rc;

	if (r->ops->pread_hdrs && r->ops->pread_size(r) > 0 && idx >= 0 && n >= 0 && idx + n <= r->info.ntraces)
		return r->ops->pread_hdrs(r, idx, n, scratch, size, hdrs, data, err);
	if (r->ops->pread != sk_stream_rec_pread || r->ops->pread_size(r) == 0 || size < rs || idx < 0 || n < 0 ||
	    idx + n > r->info.ntraces) {
		for (long i = 0; i < n; i++)
			if ((rc = data ? pread_trace(r, idx + i, scratch, hdrs + (size_t)i * hl, data, err)
				       : pread_hdr(r, idx + i, scratch, hdrs + (size_t)i * hl, err)) < 0)
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
			if ((rc = sk_stream_decode(r, k, p, p + hl, hdrs + (size_t)(i + j) * hl, data, err)) < 0)
				return rc;
		}
		i += m;
	}
	return 0;
}

int sk_reader_pread_hdrs_check(const struct sk_reader *r, int64_t idx, long n, void *scratch, size_t size,
			       unsigned char *hdrs, float *data, struct sk_error *err)
{
	return sk_error_at(err, pread_hdrs(r, idx, n, scratch, size, hdrs, data, err), r->in.name);
}

struct sk_batchread *sk_reader_batch_new(const struct sk_reader *r)
{
	if (!r->ops->pread_batch || r->ops->pread_size(r) == 0)
		return NULL;
	return sk_batchread_new(r->in.fd);
}

long sk_reader_pread_batch(const struct sk_reader *r, struct sk_batchread *b, long n, const int64_t *idx,
			   unsigned char *scratch, float *const *data, unsigned char *ok)
{
	return r->ops->pread_batch(r, b, n, idx, scratch, data, ok);
}

/* Runs of consecutive traces are one read each (at most SK_BATCHREAD_MAX
 * runs a round; sk_batchread_run takes any number). */
long sk_stream_rec_pread_batch(const struct sk_reader *r, struct sk_batchread *b, long n, const int64_t *idx,
			       unsigned char *scratch, float *const *data, unsigned char *ok)
{
	const size_t rs = r->recsize, hl = r->info.hdrlen;
	void *buf[SK_BATCHREAD_MAX];
	size_t len[SK_BATCHREAD_MAX];
	int64_t off[SK_BATCHREAD_MAX];
	long got[SK_BATCHREAD_MAX], first[SK_BATCHREAD_MAX], nok = 0;

	memset(ok, 0, (size_t)n);
	for (long i = 0; i < n;) {
		long nr = 0;
		/* Up to SK_BATCHREAD_MAX runs of consecutive traces. */
		while (i < n && nr < SK_BATCHREAD_MAX) {
			long j = i + 1;
			while (j < n && idx[j] == idx[j - 1] + 1)
				j++;
			buf[nr] = scratch + (size_t)i * rs;
			len[nr] = (size_t)(j - i) * rs;
			off[nr] = r->data_start + idx[i] * (int64_t)rs;
			first[nr] = i;
			nr++;
			i = j;
		}
		if (sk_batchread_run(b, nr, buf, len, off, got) < 0)
			return nok;
		for (long k = 0; k < nr; k++) {
			const long m = (long)(len[k] / rs);
			for (long j = 0; j < m; j++) {
				const long t = first[k] + j;
				const unsigned char *p = scratch + (size_t)t * rs;
				struct sk_error e;
				if (got[k] < (long)((size_t)(j + 1) * rs) ||
				    (r->check_ns && sk_stream_check_record(r, p, idx[t], off[k] + j * (int64_t)rs, &e) < 0) ||
				    sk_stream_decode(r, idx[t], p, p + hl, NULL, data[t], &e) < 0)
					continue;
				ok[t] = 1;
				nok++;
			}
		}
	}
	return nok;
}
