/*
 * stream_segy: the SEG-Y format of the stream layer (stream_internal.h):
 * the file header on reading (binary header, extended textual headers,
 * first trace offset, trace count) and on writing (the carried header with
 * format, ns, dt and byte order set; the rev 2 count fixed at the end).
 * Traces are fixed-length records (sk_stream_rec_*).
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hdr.h"
#include "segy.h"
#include "stream_internal.h"

static int segy_open(struct sk_reader *r, struct sk_error *err)
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
			b.ns = (long)sk_segy_get(sk_in_ptr(&r->in) + start, SK_TR_NS, 2, b.little);
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

static int segy_seek(struct sk_reader *r, int64_t idx, struct sk_error *err)
{
	if (!r->in.seekable)
		return sk_error_set(err, SK_EARG, "random access needs a file (not a pipe)");
	return sk_stream_rec_seek(r, idx, err);
}

static int segy_wopen(struct sk_writer *w, const struct sk_info *like, const struct sk_wopts *o,
		      struct sk_error *err)
{
	struct sk_segy_bin cb;
	struct sk_error e;
	const int carried = like->fhdr_len >= SK_SEGY_HDR && sk_segy_parse_bin(like->fhdr, &cb, &e) == 0;

	w->samp_little = o->little >= 0 ? o->little : carried ? cb.little : 0;
	w->samp_fmt = o->sample_format ? o->sample_format
		    : carried && sk_fmt_writable(cb.format) ? cb.format : 5;
	if (!sk_fmt_writable(w->samp_fmt))
		return sk_error_set(err, SK_EARG, "sample format %d cannot be written (1-3, 5-12, 15, 16)",
				    o->sample_format);
	w->hdr_little = w->samp_little;
	return 0;
}

static int segy_whead(struct sk_writer *w, const struct sk_info *like, struct sk_error *err)
{
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
			w->fhdr[SK_BIN_REV_MAJOR - 1] = 2;
			sk_segy_put(w->fhdr, SK_BIN_EXTRA, 2, w->samp_little, (uint64_t)extra);
		}
	}
	/* A count known from the start goes into the header written now, so
	 * that a pipe carries it as a file does. */
	if (w->declared >= 0)
		sk_segy_set_count(w->fhdr, w->samp_little, (uint64_t)w->declared);
	w->info.fhdr = w->fhdr;
	return sk_out_write(&w->out, w->fhdr, w->info.fhdr_len, err);
}

/* Records the trace count at 3513 of a rev 2 file when it can be fixed. */
static int segy_finish(struct sk_writer *w, struct sk_error *err)
{
	unsigned char h[8];

	if (!w->out.seekable)
		return 0;
	memcpy(h, w->fhdr + SK_BIN_NTRACES - 1, 8);
	sk_segy_set_count(w->fhdr, w->samp_little, (uint64_t)w->count);
	if (memcmp(h, w->fhdr + SK_BIN_NTRACES - 1, 8) != 0)
		return sk_out_pwrite(&w->out, SK_BIN_NTRACES - 1, w->fhdr + SK_BIN_NTRACES - 1, 8, err);
	return 0;
}

const struct sk_format_ops sk_segy_ops = {
	.open = segy_open,
	.next_raw = sk_stream_rec_next_raw,
	.next = sk_stream_rec_next,
	.seek = segy_seek,
	.pread_size = sk_stream_rec_pread_size,
	.pread = sk_stream_rec_pread,
	.pread_batch = sk_stream_rec_pread_batch,
	.release = NULL,
	.readahead = 1,
	.wopen = segy_wopen,
	.whead = segy_whead,
	.put = sk_stream_rec_put,
	.put_raw = sk_stream_rec_put_raw,
	.put_raw_hdr = sk_stream_rec_put_raw_hdr,
	.finish = segy_finish,
	.wrelease = NULL,
};
