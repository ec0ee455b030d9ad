/*
 * stream_su: the Seismic Unix format of the stream layer
 * (stream_internal.h): no file header, 240-byte trace headers and float
 * samples in either byte order (detected from a plausible ns), ns and dt
 * kept in every trace header.  Traces are fixed-length records
 * (sk_stream_rec_*).
 */
#include <math.h>
#include <string.h>

#include "hdr.h"
#include "segy.h"
#include "stream_internal.h"

static long su_ns(const unsigned char *b, int little)
{
	return (long)sk_segy_get(b, SK_TR_NS, 2, little);
}

/* SU is plausible in one byte order when the first header's ns is non-zero,
 * the file size (when known) is a whole number of traces, and the second
 * header (when present) has the same ns.  A size that is not a whole number
 * of traces is an SU file cut short (an interrupted copy) when a second
 * header follows the first trace with the same ns and dt: it is read as SU,
 * as the same bytes through a pipe are, and fails at its last trace
 * ("trace 414 (from byte 223021) is truncated: 440 of 540 bytes") rather than
 * as no format at all. */
static int su_plausible(const unsigned char *b, size_t n, int64_t size, int little)
{
	long ns;
	size_t rec;

	if (n < 240 || (ns = su_ns(b, little)) <= 0)
		return 0;
	rec = 240 + 4 * (size_t)ns;
	if (size == 0)
		return 0;
	if (size > 0 && size % (int64_t)rec != 0)
		return n >= rec + 240 && su_ns(b + rec, little) == ns &&
		       sk_segy_get(b + rec, SK_TR_DT, 2, little) == sk_segy_get(b, SK_TR_DT, 2, little);
	if (n >= rec + 240)
		return su_ns(b + rec, little) == ns;
	/* One header of a stream of unknown size: ask for a dt as well. */
	return size >= 0 || sk_segy_get(b, SK_TR_DT, 2, little) != 0;
}

/* The byte order in which SU is plausible (1 little, 0 big), -1 for none;
 * when both are, the smaller ns wins (the other is a byte-swapped one). */
int sk_su_order(const unsigned char *b, size_t n, int64_t size)
{
	const int le = su_plausible(b, n, size, 1), be = su_plausible(b, n, size, 0);
	if (le && be)
		return su_ns(b, 1) <= su_ns(b, 0);
	return le ? 1 : be ? 0 : -1;
}

static int su_open(struct sk_reader *r, struct sk_error *err)
{
	const int64_t n = sk_in_need(&r->in, 240 + 4 * 65535 + 240, err);
	const unsigned char *b = sk_in_ptr(&r->in);
	int little;

	if (n < 0)
		return (int)n;
	if (n < 240)
		return sk_error_set(err, SK_EFMT, "truncated SU trace header: %lld of 240 bytes", (long long)n);
	little = sk_su_order(b, (size_t)n, r->in.size >= 0 ? r->in.size : r->in.eof ? n : -1);
	if (little < 0)
		return sk_error_set(err, SK_EFMT,
				    "not an SU file: ns=%ld (little-endian) or %ld (big-endian) at byte 115 does not fit",
				    su_ns(b, 1), su_ns(b, 0));
	r->info.little = r->hdr_little = r->samp_little = little;
	r->info.su_tail = 1;
	r->info.sample_format = r->samp_fmt = 5;
	r->bps = 4;
	r->info.ns = su_ns(b, little);
	r->info.dt = (double)sk_segy_get(b, SK_TR_DT, 2, little);
	r->info.hdrlen = 240;
	r->recsize = 240 + 4 * (size_t)r->info.ns;
	r->info.ntraces = r->in.size >= 0 ? r->in.size / (int64_t)r->recsize : -1;
	/* Bytes of a last trace cut short: read, and reported truncated, as
	 * SEG-Y's are (su_plausible). */
	r->info.trailing = r->in.size >= 0 ? r->in.size % (int64_t)r->recsize : 0;
	r->check_ns = 1;
	return 0;
}

static int su_seek(struct sk_reader *r, int64_t idx, struct sk_error *err)
{
	if (!r->in.seekable)
		return sk_error_set(err, SK_EARG, "random access needs a file (not a pipe)");
	return sk_stream_rec_seek(r, idx, err);
}

static int su_wopen(struct sk_writer *w, const struct sk_info *like, const struct sk_wopts *o,
		    struct sk_error *err)
{
	if (o->sample_format && o->sample_format != 5)
		return sk_error_set(err, SK_EARG, "SU holds float samples only (format 5, not %d)", o->sample_format);
	if (like->ns > 65535 || w->info.hdrlen != 240)
		return sk_error_set(err, SK_EARG, like->ns > 65535 ? "SU cannot hold ns=%ld (at most 65535)"
							 : "SU cannot hold rev 2 extra trace headers (ns=%ld)", like->ns);
	w->samp_little = o->little >= 0 ? o->little
			 : like->fmt == SK_FMT_SU || like->fmt == SK_FMT_SGK ? like->little : 1;
	w->hdr_little = w->samp_little;
	w->samp_fmt = 5;
	return 0;
}

static int su_put(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err)
{
	unsigned char *d = sk_stream_rec_begin(w, hdr, err);

	if (!d)
		return err->code;
	/* SU keeps ns and dt only in the trace headers. */
	sk_hdr_set_i16(d, SK_TR_NS, (int16_t)(uint16_t)w->info.ns);
	if (sk_hdr_u16(d, SK_TR_DT) == 0 && w->info.dt > 0 && w->info.dt <= 65535)
		sk_hdr_set_i16(d, SK_TR_DT, (int16_t)(uint16_t)lround(w->info.dt));
	sk_stream_rec_end(w, d, data);
	return 0;
}

const struct sk_format_ops sk_su_ops = {
	.open = su_open,
	.next_raw = sk_stream_rec_next_raw,
	.next = sk_stream_rec_next,
	.seek = su_seek,
	.pread_size = sk_stream_rec_pread_size,
	.pread = sk_stream_rec_pread,
	.pread_batch = sk_stream_rec_pread_batch,
	.release = NULL,
	.readahead = 1,
	.wopen = su_wopen,
	.whead = NULL,
	.put = su_put,
	.put_raw = sk_stream_rec_put_raw,
	.put_raw_hdr = sk_stream_rec_put_raw_hdr,
	.finish = NULL,
	.wrelease = NULL,
};
