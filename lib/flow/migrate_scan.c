/*
 * The migrate driver's trace source (the stream, or the spool a pipe was
 * copied to) and the scan of the input that makes the default grid and
 * carries cdp, iline and xline to it (migrate_internal.h).
 */
#include "migrate_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ofile.h"

int sk_mig_src_next(struct src *s, unsigned char *hdr, float *data, struct sk_error *err)
{
	if (!s->spool)
		return sk_reader_next(s->r, hdr, data, err);
	/* The end of the spool is the end of the input only between traces:
	 * one cut inside a header is as short as one cut inside samples. */
	const size_t got = fread(hdr, 1, s->hdrlen, s->spool);
	if (got == 0 && !ferror(s->spool))
		return 0;
	if (got != s->hdrlen || fread(data, sizeof *data, (size_t)s->ns, s->spool) != (size_t)s->ns)
		return sk_error_at(err, ferror(s->spool) ? sk_error_sys(err, "read error")
							 : sk_error_set(err, SK_EIO, "short read"),
				   s->spool_path);
	return 1;
}

FILE *sk_mig_spool_open(struct src *s, struct sk_error *err)
{
	const int fd = sk_ofile_spool_at("migrate-spool", s->spool_path, sizeof s->spool_path, err);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w+b");
	if (!f) {
		sk_error_at(err, sk_error_sys(err, "%s", ""), s->spool_path);
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

const int sk_mig_num_bytes[3] = {SK_TR_CDP, SK_TR_ILINE, SK_TR_XLINE};

/*
 * The default grid: the line through every source and receiver (their
 * principal axis), from the first to the last projected midpoint, binned at
 * half the median receiver spacing.  SK_EARG when the survey is not a line,
 * SK_ESTATE when every midpoint is the same.
 */
int sk_mig_default_grid(const struct scan *sc, struct sk_grid *g, struct sk_error *err)
{
	const size_t n = sc->n;
	double cx = 0, cy = 0, sxx = 0, syy = 0, sxy = 0, ux, uy, amin = HUGE_VAL, amax = -HUGE_VAL;
	double dev = 0, bin, *d;
	size_t nd = 0;

	for (size_t i = 0; i < n; i++) {
		cx += sc->p[4 * i] + sc->p[4 * i + 2];
		cy += sc->p[4 * i + 1] + sc->p[4 * i + 3];
	}
	cx /= (double)(2 * n);
	cy /= (double)(2 * n);
	for (size_t i = 0; i < 2 * n; i++) {
		const double x = sc->p[2 * i] - cx, y = sc->p[2 * i + 1] - cy;
		sxx += x * x;
		syy += y * y;
		sxy += x * y;
	}
	if (sxy == 0) {
		/* Axis-aligned lines get exact axes (and exact coordinates). */
		ux = sxx >= syy ? 1.0 : 0.0;
		uy = sxx >= syy ? 0.0 : 1.0;
	} else {
		/* The eigenvector of the larger eigenvalue of the covariance. */
		const double l = 0.5 * (sxx + syy) + sqrt(0.25 * (sxx - syy) * (sxx - syy) + sxy * sxy);
		const double m = hypot(l - syy, sxy);
		ux = (l - syy) / m;
		uy = sxy / m;
	}
	{
		/* The first trace first: the axis points from the first trace's
		 * midpoint towards the last one's (ties: towards +x, then +y). */
		const double *a = sc->p, *b = sc->p + 4 * (n - 1);
		const double along = 0.5 * ((b[0] + b[2] - a[0] - a[2]) * ux + (b[1] + b[3] - a[1] - a[3]) * uy);
		if (along < 0 || (along == 0 && (ux < 0 || (ux == 0 && uy < 0)))) {
			ux = -ux;
			uy = -uy;
		}
	}
	for (size_t i = 0; i < 2 * n; i++) {
		const double x = sc->p[2 * i] - cx, y = sc->p[2 * i + 1] - cy;
		dev = fmax(dev, fabs(-x * uy + y * ux));
	}
	if (dev > 1.0)
		return sk_error_set(err, SK_EARG,
				    "a 3-D survey (sources and receivers up to %g m off a line) needs --grid", dev);
	d = malloc((n + 1) * sizeof *d);
	if (!d)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	/* Receiver spacing: consecutive traces of one shot. */
	for (size_t i = 1; i < n; i++) {
		const double *a = sc->p + 4 * (i - 1), *b = sc->p + 4 * i;
		const double dr = fabs((b[2] - a[2]) * ux + (b[3] - a[3]) * uy);
		if (a[0] == b[0] && a[1] == b[1] && dr > 1e-6)
			d[nd++] = dr;
	}
	if (nd > 0) {
		bin = 0.5 * median(d, nd);
	} else {
		/* One trace per shot (stacked or zero-offset data): the
		 * midpoint spacing itself. */
		for (size_t i = 1; i < n; i++) {
			const double *a = sc->p + 4 * (i - 1), *b = sc->p + 4 * i;
			const double dm = fabs(0.5 * ((b[0] + b[2] - a[0] - a[2]) * ux + (b[1] + b[3] - a[1] - a[3]) * uy));
			if (dm > 1e-6)
				d[nd++] = dm;
		}
		bin = nd > 0 ? median(d, nd) : 1.0;
	}
	free(d);
	bin = round(bin * 1e3) / 1e3;
	if (!(bin > 0))
		bin = 1.0;
	for (size_t i = 0; i < n; i++) {
		const double mx = 0.5 * (sc->p[4 * i] + sc->p[4 * i + 2]) - cx;
		const double my = 0.5 * (sc->p[4 * i + 1] + sc->p[4 * i + 3]) - cy;
		const double a = mx * ux + my * uy;
		amin = fmin(amin, a);
		amax = fmax(amax, a);
	}
	if (amax == amin && n > 1)
		return sk_error_set(err, SK_ESTATE,
				    "all %zu live traces have the same midpoint (%g, %g): set their coordinates "
				    "(segedit) or give --grid", n, cx, cy);
	memset(g, 0, sizeof *g);
	g->x0 = cx + amin * ux;
	g->y0 = cy + amin * uy;
	if (uy == 0.0)
		g->y0 = cy;
	if (ux == 0.0)
		g->x0 = cx;
	g->dx = g->dy = bin;
	g->nx = (long)floor((amax - amin) / bin + 0.5) + 1;
	g->ny = 1;
	g->azimuth = atan2(ux, uy) * 180.0 / 3.14159265358979323846;
	g->il0 = g->dil = g->xl0 = g->dxl = 1;
	g->is_line = 1;
	return 0;
}

/* Reads every header (and, from a pipe, every trace into a spool) to get
 * the positions; leaves s ready to deliver the traces again. */
int sk_mig_scan_input(struct src *s, const struct sk_info *info, int zo, struct scan *sc, int64_t *ntr,
		      struct sk_error *err)
{
	unsigned char *hdr = malloc(info->hdrlen);
	float *data = malloc((size_t)info->ns * sizeof *data);
	const int seekable = sk_reader_seek(s->r, 0, NULL) == 0;
	int rc;

	*ntr = 0;
	if (!hdr || !data) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	if (!seekable && !(s->spool = sk_mig_spool_open(s, err))) {
		rc = SK_EIO;
		goto done;
	}
	while ((rc = sk_reader_next(s->r, hdr, seekable ? NULL : data, err)) == 1) {
		double p[4];
		int kind;
		(*ntr)++;
		if (s->spool && (fwrite(hdr, 1, info->hdrlen, s->spool) != info->hdrlen ||
				 fwrite(data, sizeof *data, (size_t)info->ns, s->spool) != (size_t)info->ns)) {
			rc = sk_error_at(err, sk_error_sys(err, "%s", ""), s->spool_path);
			goto done;
		}
		if (!sk_mig_live(hdr))
			continue;
		sc->with_pos += sk_mig_position_kind(hdr, zo, p, &kind);
		sk_mig_onepos_add(&sc->one, p, kind);
		sc->stack += sk_mig_stack_like(hdr);
		sc->r0 += sk_hdr_coord(hdr, SK_TR_GX) == 0 && sk_hdr_coord(hdr, SK_TR_GY) == 0 &&
			  (sk_hdr_coord(hdr, SK_TR_SX) != 0 || sk_hdr_coord(hdr, SK_TR_SY) != 0);
		if (sc->n == sc->cap) {
			const size_t cap = sc->cap ? 2 * sc->cap : 4096;
			double *q = realloc(sc->p, 4 * cap * sizeof *q);
			int32_t *u;
			if (q)
				sc->p = q;
			u = realloc(sc->num, 3 * cap * sizeof *u);
			if (u)
				sc->num = u;
			if (!q || !u) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto done;
			}
			sc->cap = cap;
		}
		for (int k = 0; k < 3; k++) {
			sc->num[3 * sc->n + k] = sk_hdr_i32(hdr, sk_mig_num_bytes[k]);
			sc->nonzero[k] |= sc->num[3 * sc->n + k] != 0;
		}
		memcpy(sc->p + 4 * sc->n++, p, sizeof p);
	}
	if (rc < 0)
		goto done;
	if (s->spool) {
		if (fflush(s->spool) != 0 || fseek(s->spool, 0, SEEK_SET) != 0) {
			rc = sk_error_at(err, sk_error_sys(err, "%s", ""), s->spool_path);
			goto done;
		}
	} else if ((rc = sk_reader_seek(s->r, 0, err)) < 0) {
		goto done;
	}
	rc = 0;
done:
	free(hdr);
	free(data);
	return rc;
}

struct along {
	double a;
	size_t i;
};

static int cmp_along(const void *x, const void *y)
{
	const struct along *a = x, *b = y;
	return a->a < b->a ? -1 : a->a > b->a ? 1 : (a->i > b->i) - (a->i < b->i);
}

/*
 * The cdp, iline and xline of the scanned trace nearest each location
 * [first, last) of the line grid g (by midpoint along the line; the earlier
 * trace on a tie), 3 per location into *out (the caller frees it).
 */
int sk_mig_carry_numbers(const struct scan *sc, const struct sk_grid *g, int64_t first, int64_t last,
			 int32_t **out, struct sk_error *err)
{
	struct along *v = malloc(sc->n * sizeof *v);
	int32_t *c = malloc(3 * (size_t)(last - first) * sizeof *c);

	*out = NULL;
	if (!v || !c) {
		free(v);
		free(c);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < sc->n; i++) {
		const double *q = sc->p + 4 * i;
		double fy;
		sk_grid_locate(g, 0.5 * (q[0] + q[2]), 0.5 * (q[1] + q[3]), &v[i].a, &fy);
		v[i].i = i;
	}
	qsort(v, sc->n, sizeof *v, cmp_along);
	for (int64_t j = first; j < last; j++) {
		const double a = (double)(j % g->nx);
		size_t lo = 0, hi = sc->n, best;
		while (lo < hi) {
			const size_t mid = lo + (hi - lo) / 2;
			if (v[mid].a < a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == sc->n) {
			best = lo - 1;
		} else if (lo == 0) {
			best = 0;
		} else {
			const double dl = a - v[lo - 1].a, dr = v[lo].a - a;
			/* The equal run below lo: its first trace is the earliest. */
			size_t l = lo - 1;
			while (l > 0 && v[l - 1].a == v[lo - 1].a)
				l--;
			best = dl < dr || (dl == dr && v[l].i < v[lo].i) ? l : lo;
		}
		memcpy(c + 3 * (j - first), sc->num + 3 * v[best].i, 3 * sizeof *c);
	}
	free(v);
	*out = c;
	return 0;
}

