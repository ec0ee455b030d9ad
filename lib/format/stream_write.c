/*
 * stream_write: the writer of stream.h (opening, dispatch to the format's
 * operations, closing), the fixed-length records that SEG-Y and SU write,
 * and the output options of the command line.
 */
#include "stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hdr.h"
#include "io.h"
#include "segy.h"
#include "stream_internal.h"

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
	w->ops = sk_stream_ops(w->info.fmt);
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
	if (o->sync_behind)
		sk_out_sync_behind(&w->out);
	if ((o->bufsize && (rc = sk_out_resize(&w->out, o->bufsize > w->recsize ? o->bufsize : w->recsize, err)) < 0) ||
	    (o->write_behind && w->info.fmt != SK_FMT_SGK && (rc = sk_out_write_behind(&w->out, err)) < 0) ||
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

int sk_writer_tap(struct sk_writer *w, void (*tap)(void *arg, const void *p, size_t n), void *arg)
{
	return sk_out_tap(&w->out, tap, arg);
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
