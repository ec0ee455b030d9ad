#include "recio.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hdr.h"

size_t sk_rec_rawlen(const struct sk_info *info)
{
	return info->hdrlen + (size_t)info->ns * (size_t)sk_fmt_size(info->sample_format);
}

int sk_rec_init(struct sk_rec *s, struct sk_reader *r, int raw, struct sk_error *err)
{
	memset(s, 0, sizeof *s);
	s->r = r;
	s->info = sk_reader_info(r);
	s->raw = raw;
	/* sgk keeps header blocks canonical whatever the platform; SEG-Y and
	 * SU records carry them in the file's byte order. */
	s->swap = raw && s->info->little && s->info->fmt != SK_FMT_SGK;
	s->rawlen = sk_rec_rawlen(s->info);
	s->declen = s->info->hdrlen + (size_t)s->info->ns * sizeof(float);
	s->hdr = malloc(s->info->hdrlen);
	/* Samples are decoded only without pass-through: a merge of many
	 * raw inputs holds no float record for each. */
	if (!raw)
		s->data = malloc(((size_t)s->info->ns + 1) * sizeof(float));
	if (raw == SK_RAW_HSWAP)
		s->out = malloc(s->rawlen);
	if (!s->hdr || (!raw && !s->data) || (raw == SK_RAW_HSWAP && !s->out)) {
		sk_rec_release(s);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int sk_rec_next(struct sk_rec *s, int want_hdr, struct sk_error *err)
{
	int rc;

	if (!s->raw)
		return sk_reader_next(s->r, s->hdr, s->data, err);
	rc = sk_reader_next_raw(s->r, &s->rec, err);
	if (rc == 1 && want_hdr) {
		memcpy(s->hdr, s->rec, s->info->hdrlen);
		if (s->swap)
			sk_stream_swap(s->hdr, s->info);
	}
	return rc;
}

size_t sk_rec_len(const struct sk_rec *s)
{
	return s->raw ? s->rawlen : s->declen;
}

void sk_rec_copy(const struct sk_rec *s, unsigned char *out)
{
	if (s->raw) {
		memcpy(out, s->rec, s->rawlen);
	} else {
		memcpy(out, s->hdr, s->info->hdrlen);
		memcpy(out + s->info->hdrlen, s->data, (size_t)s->info->ns * sizeof(float));
	}
}

/* A raw record to w, its header block swapped in SK_RAW_HSWAP mode. */
static int put_raw(const struct sk_rec *s, const unsigned char *rec, struct sk_writer *w, struct sk_error *err)
{
	if (s->raw != SK_RAW_HSWAP)
		return sk_writer_put_raw(w, rec, err);
	memcpy(s->out, rec, s->rawlen);
	sk_stream_swap(s->out, s->info);
	return sk_writer_put_raw(w, s->out, err);
}

int sk_rec_put(const struct sk_rec *s, struct sk_writer *w, struct sk_error *err)
{
	sk_writer_source(w, s->info);
	return s->raw ? put_raw(s, s->rec, w, err) : sk_writer_put(w, s->hdr, s->data, err);
}

int sk_rec_put_saved(struct sk_rec *s, const unsigned char *rec, struct sk_writer *w,
		     struct sk_error *err)
{
	sk_writer_source(w, s->info);
	if (s->raw)
		return put_raw(s, rec, w, err);
	if (!s->wdata && !(s->wdata = malloc(((size_t)s->info->ns + 1) * sizeof(float))))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	/* Copied out rather than cast: the record buffer holds bytes. */
	memcpy(s->wdata, rec + s->info->hdrlen, (size_t)s->info->ns * sizeof(float));
	return sk_writer_put(w, rec, s->wdata, err);
}

void sk_rec_release(struct sk_rec *s)
{
	free(s->hdr);
	free(s->data);
	free(s->out);
	free(s->wdata);
	s->hdr = NULL;
	s->data = NULL;
	s->out = NULL;
	s->wdata = NULL;
}
