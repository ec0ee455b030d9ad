#include "recio.h"

#include <stdlib.h>
#include <string.h>

#include "hdr.h"

static size_t sample_bytes(int code)
{
	switch (code) {
	case 3: case 11: return 2;
	case 6: case 9: case 12: return 8;
	case 7: case 15: return 3;
	case 8: case 16: return 1;
	default: return 4;  /* 1, 2, 4, 5, 10 */
	}
}

size_t sk_rec_rawlen(const struct sk_info *info)
{
	const size_t bps = info->fmt == SK_FMT_SEGY ? sample_bytes(info->sample_format) : 4;

	return info->hdrlen + (size_t)info->ns * bps;
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
	s->data = malloc(((size_t)s->info->ns + 1) * sizeof(float));
	if (!s->hdr || !s->data) {
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

int sk_rec_put(const struct sk_rec *s, struct sk_writer *w, struct sk_error *err)
{
	return s->raw ? sk_writer_put_raw(w, s->rec, err) : sk_writer_put(w, s->hdr, s->data, err);
}

int sk_rec_put_saved(struct sk_rec *s, const unsigned char *rec, struct sk_writer *w,
		     struct sk_error *err)
{
	if (s->raw)
		return sk_writer_put_raw(w, rec, err);
	/* Copied out rather than cast: the record buffer holds bytes. */
	memcpy(s->data, rec + s->info->hdrlen, (size_t)s->info->ns * sizeof(float));
	return sk_writer_put(w, rec, s->data, err);
}

void sk_rec_release(struct sk_rec *s)
{
	free(s->hdr);
	free(s->data);
	s->hdr = NULL;
	s->data = NULL;
}
