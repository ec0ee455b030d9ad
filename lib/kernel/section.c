#include "section.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "segy.h"

static float pick(float a, float b)
{
	return fabsf(b) > fabsf(a) ? b : a;
}

/* Merges columns pairwise in place: column k becomes columns 2k and 2k+1. */
static void halve(struct sk_section *s)
{
	const long n = s->ncol;
	for (long k = 0; 2 * k < n; k++) {
		float *dst = s->data + (size_t)k * (size_t)s->nrow;
		const float *a = s->data + (size_t)(2 * k) * (size_t)s->nrow;
		if (2 * k + 1 < n) {
			const float *b = a + s->nrow;
			for (long i = 0; i < s->nrow; i++)
				dst[i] = pick(a[i], b[i]);
		} else if (dst != a) {
			memmove(dst, a, (size_t)s->nrow * sizeof *dst);
		}
		s->key[k] = s->key[2 * k];
	}
	s->ncol = (n + 1) / 2;
	s->xstride *= 2;
}

void sk_section_window_init(struct sk_section_window *w)
{
	memset(w, 0, sizeof *w);
	w->tmin = -HUGE_VAL;
	w->tmax = HUGE_VAL;
}

static int section_read(struct sk_reader *r, const struct sk_key *xkey, const struct sk_section_window *win,
			long max_cols, long max_rows, struct sk_section *s, struct sk_error *err);

int sk_section_read(struct sk_reader *r, const struct sk_key *xkey, const struct sk_section_window *win,
		    long max_cols, long max_rows, struct sk_section *s, struct sk_error *err)
{
	return sk_error_at(err, section_read(r, xkey, win, max_cols, max_rows, s, err), sk_reader_name(r));
}

/* The rows, once the first kept trace gives the start time: the samples
 * i0 .. i0 + s->ns - 1 of each trace are kept. */
static int layout(struct sk_section *s, const struct sk_info *info, const struct sk_section_window *win,
		  const unsigned char *hdr, long max_cols, long max_rows, long *i0, struct sk_error *err)
{
	const struct sk_key *d = sk_hdr_key("delrt");
	long i1 = info->ns - 1;

	if (s->dt <= 0)
		s->dt = sk_hdr_u16(hdr, SK_TR_DT) * 1e-6;
	s->t0 = d ? sk_key_value(hdr, d) * 1e-3 : 0;
	*i0 = 0;
	if (win && s->dt > 0) {
		if (win->tmin > -HUGE_VAL)
			*i0 = (long)fmax(0, ceil((win->tmin - s->t0) / s->dt - 1e-3));
		if (win->tmax < HUGE_VAL)
			i1 = (long)fmin((double)i1, floor((win->tmax - s->t0) / s->dt + 1e-3));
		if (i1 < *i0)
			return sk_error_set(err, SK_EARG, "no sample in the time window (the traces span %g to %g ms)",
					    s->t0 * 1e3, (s->t0 + (double)(info->ns - 1) * s->dt) * 1e3);
	}
	s->ns = i1 - *i0 + 1;
	s->t0 += (double)*i0 * s->dt;
	s->tstride = (s->ns + max_rows - 1) / max_rows;
	if (s->tstride < 1)
		s->tstride = 1;
	s->nrow = (s->ns + s->tstride - 1) / s->tstride;
	s->data = malloc((size_t)max_cols * (size_t)(s->nrow ? s->nrow : 1) * sizeof *s->data);
	s->key = malloc((size_t)max_cols * sizeof *s->key);
	if (!s->data || !s->key)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

static int section_read(struct sk_reader *r, const struct sk_key *xkey, const struct sk_section_window *win,
			long max_cols, long max_rows, struct sk_section *s, struct sk_error *err)
{
	const struct sk_info *info = sk_reader_info(r);
	unsigned char *hdr = malloc(info->hdrlen ? info->hdrlen : 240);
	float *tr = malloc((size_t)(info->ns > 0 ? info->ns : 1) * sizeof *tr);
	long i0 = 0;
	int rc;

	memset(s, 0, sizeof *s);
	if (max_cols < 2)
		max_cols = 2;
	if (max_rows < 1)
		max_rows = 1;
	s->ns = info->ns;
	s->xstride = 1;
	s->cap = max_cols;
	s->dt = info->dt * 1e-6;
	if (info->fmt == SK_FMT_SEGY && info->fhdr_len >= SK_SEGY_HDR) {
		struct sk_segy_bin b;
		struct sk_error e;
		/* Measurement system, binary header bytes 3255-3256: 2 is feet. */
		if (sk_segy_parse_bin(info->fhdr, &b, &e) == 0)
			s->feet = sk_segy_get(info->fhdr, 3255, 2, b.little) == 2;
	}
	if (!hdr || !tr) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto fail;
	}
	while ((rc = sk_reader_next(r, hdr, tr, err)) == 1) {
		const int64_t n = s->ntraces++, k = s->kept;
		int64_t c;
		float *col;
		int fresh = 0;
		if (win && win->first > 0 && n + 1 < win->first)
			continue;
		if (win && win->last > 0 && n + 1 > win->last) {
			s->ntraces--;
			break;    /* past the window: the rest is not read */
		}
		if (win && win->key) {
			const double v = sk_key_value(hdr, win->key);
			if (!(v >= win->klo && v <= win->khi))
				continue;
		}
		if (k == 0 && (rc = layout(s, info, win, hdr, max_cols, max_rows, &i0, err)) < 0)
			goto fail;
		if (k / s->xstride >= s->ncol && s->ncol == max_cols)
			halve(s);
		c = k / s->xstride;
		col = s->data + (size_t)c * (size_t)s->nrow;
		if (c >= s->ncol) {
			s->ncol = (long)c + 1;
			s->key[c] = xkey ? sk_key_value(hdr, xkey) : (double)(n + 1);
			fresh = 1;
		}
		for (long j = 0; j < s->ns; j++) {
			const float v = isfinite(tr[i0 + j]) ? tr[i0 + j] : 0;
			float *dst = &col[j / s->tstride];
			*dst = fresh && j % s->tstride == 0 ? v : pick(*dst, v);
		}
		s->kept++;
	}
	if (rc < 0)
		goto fail;
	if (s->ntraces == 0) {
		rc = sk_error_set(err, SK_EFMT, "no traces");
		goto fail;
	}
	if (s->kept == 0) {
		rc = sk_error_set(err, SK_EARG, "no trace in the window (%lld traces read)", (long long)s->ntraces);
		goto fail;
	}
	free(hdr);
	free(tr);
	return 0;
fail:
	free(hdr);
	free(tr);
	sk_section_release(s);
	return rc;
}

void sk_section_release(struct sk_section *s)
{
	free(s->data);
	free(s->key);
	s->data = NULL;
	s->key = NULL;
}

static int cmpf(const void *a, const void *b)
{
	const float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

double sk_section_percentile(const struct sk_section *s, double perc)
{
	const size_t n = (size_t)s->ncol * (size_t)s->nrow;
	float *a;
	double v;
	size_t k;

	if (n == 0)
		return 0;
	a = malloc(n * sizeof *a);
	if (!a)
		return 0;
	for (size_t i = 0; i < n; i++)
		a[i] = isfinite(s->data[i]) ? fabsf(s->data[i]) : 0;
	qsort(a, n, sizeof *a, cmpf);
	/* Nearest rank: the smallest value with at least perc% at or below it. */
	k = (size_t)ceil(perc / 100 * (double)n);
	k = k < 1 ? 0 : k > n ? n - 1 : k - 1;
	v = a[k];
	free(a);
	return v;
}

int sk_ticks(double lo, double hi, int target, double *out, int max)
{
	double span = hi - lo, step, mag, first;
	int n = 0;

	if (!(span > 0) || target < 1)
		return 0;
	step = span / target;
	mag = pow(10, floor(log10(step)));
	step = step / mag < 1.5 ? mag : step / mag < 3.5 ? 2 * mag : step / mag < 7.5 ? 5 * mag : 10 * mag;
	first = ceil(lo / step - 1e-9) * step;
	for (double t = first; t <= hi + step * 1e-9 && n < max; t = first + n * step) {
		out[n++] = fabs(t) < step * 1e-9 ? 0 : t;
	}
	return n;
}
