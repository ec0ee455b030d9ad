/*
 * migrate: the streaming driver around the Kirchhoff kernel (migrate.h).
 */
#include "migrate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "hdr.h"
#include "ofile.h"

/* Sources of traces: the stream itself, or the spool a pipe was copied to
 * by the geometry scan (header block then ns floats per trace). */
struct src {
	struct sk_reader *r;
	FILE *spool;
	size_t hdrlen;
	long ns;
};

static int src_next(struct src *s, unsigned char *hdr, float *data, struct sk_error *err)
{
	if (!s->spool)
		return sk_reader_next(s->r, hdr, data, err);
	if (fread(hdr, 1, s->hdrlen, s->spool) != s->hdrlen)
		return ferror(s->spool) ? sk_error_sys(err, "spool file: read") : 0;
	if (fread(data, sizeof *data, (size_t)s->ns, s->spool) != (size_t)s->ns)
		return ferror(s->spool) ? sk_error_sys(err, "spool file: read")
					: sk_error_set(err, SK_EIO, "spool file: short read");
	return 1;
}

static FILE *spool_open(struct sk_error *err)
{
	const int fd = sk_ofile_spool("migrate-spool", err);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w+b");
	if (!f) {
		sk_error_sys(err, "spool file");
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

/* Source and receiver of a trace; returns 0 when every coordinate is 0
 * (the trace may still sit at the origin: only a stream where no trace has
 * a coordinate is refused). */
static int position(const unsigned char *h, double p[4])
{
	p[0] = sk_hdr_coord(h, SK_TR_SX);
	p[1] = sk_hdr_coord(h, SK_TR_SY);
	p[2] = sk_hdr_coord(h, SK_TR_GX);
	p[3] = sk_hdr_coord(h, SK_TR_GY);
	if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) {
		/* Post-stack data often carries only the CDP location. */
		p[0] = p[2] = sk_hdr_coord(h, SK_TR_CDPX);
		p[1] = p[3] = sk_hdr_coord(h, SK_TR_CDPY);
		return p[0] != 0 || p[1] != 0;
	}
	return 1;
}

static int live(const unsigned char *h)
{
	const int16_t trid = sk_hdr_i16(h, SK_TR_TRID);
	return trid != 2 && trid != 3;
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

/* Positions of the scanned traces: s and r, 4 doubles per trace. */
struct scan {
	double *p;
	size_t n, cap;
	size_t with_pos;   /* traces with a coordinate that is not 0 */
};

/*
 * The default grid: the line through every source and receiver (their
 * principal axis), from the first to the last projected midpoint, binned at
 * half the median receiver spacing.  SK_EARG when the survey is not a line.
 */
static int default_grid(const struct scan *sc, struct sk_grid *g, struct sk_error *err)
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
	if (ux < 0 || (ux == 0 && uy < 0)) {
		ux = -ux;
		uy = -uy;
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
	memset(g, 0, sizeof *g);
	g->x0 = cx + amin * ux;
	g->y0 = cy + amin * uy;
	if (ux == 1.0 && uy == 0.0)
		g->y0 = cy;
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
static int scan_input(struct src *s, const struct sk_info *info, struct scan *sc, int64_t *ntr,
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
	if (!seekable && !(s->spool = spool_open(err))) {
		rc = SK_EIO;
		goto done;
	}
	while ((rc = sk_reader_next(s->r, hdr, seekable ? NULL : data, err)) == 1) {
		double p[4];
		(*ntr)++;
		if (s->spool && (fwrite(hdr, 1, info->hdrlen, s->spool) != info->hdrlen ||
				 fwrite(data, sizeof *data, (size_t)info->ns, s->spool) != (size_t)info->ns)) {
			rc = sk_error_sys(err, "spool file: write");
			goto done;
		}
		if (!live(hdr))
			continue;
		sc->with_pos += position(hdr, p);
		if (sc->n == sc->cap) {
			const size_t cap = sc->cap ? 2 * sc->cap : 4096;
			double *q = realloc(sc->p, 4 * cap * sizeof *q);
			if (!q) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto done;
			}
			sc->p = q;
			sc->cap = cap;
		}
		memcpy(sc->p + 4 * sc->n++, p, sizeof p);
	}
	if (rc < 0)
		goto done;
	if (s->spool) {
		if (fflush(s->spool) != 0 || fseek(s->spool, 0, SEEK_SET) != 0) {
			rc = sk_error_sys(err, "spool file");
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

/* delrt in ms with the scalt that writes t0 (s) exactly when one does. */
static void set_delrt(unsigned char *h, double t0)
{
	static const int16_t sc[] = {1, -10, -100, -1000};
	for (int i = 0; i < 4; i++) {
		const double f = i == 0 ? 1.0 : (double)-sc[i];
		const double v = t0 * 1e3 * f;
		if (fabs(v - nearbyint(v)) < 1e-6 * f && fabs(v) <= 32767) {
			sk_hdr_set_i16(h, SK_TR_DELRT, (int16_t)nearbyint(v));
			sk_hdr_set_i16(h, SK_SCALT, sc[i]);
			return;
		}
	}
	sk_hdr_set_i16(h, SK_TR_DELRT, (int16_t)fmax(fmin(nearbyint(t0 * 1e3), 32767), -32768));
	sk_hdr_set_i16(h, SK_SCALT, 1);
}

static int write_image(const struct sk_migrate_job *job, const struct sk_info *in_info,
		       const struct sk_grid *g, int64_t first, int64_t last, long noff, long nt,
		       double dt, double t0, const float *img, struct sk_migrate_stats *st,
		       struct sk_error *err)
{
	struct sk_info like = *in_info;
	struct sk_writer *w;
	unsigned char hdr[SK_HDR_LEN];
	int rc;

	like.ns = nt;
	like.dt = dt * 1e6;
	like.hdrlen = SK_HDR_LEN;
	like.su_tail = 0;   /* image headers carry cdpx, cdpy, iline, xline */
	like.ntraces = (last - first) * noff;
	if ((rc = sk_writer_open(job->out, &like, &job->wopts, &w, err)) < 0)
		return rc;
	for (int64_t i = first; i < last; i++)
		for (long b = 0; b < noff; b++) {
			const int64_t seq = i * noff + b + 1;
			memset(hdr, 0, sizeof hdr);
			sk_grid_header(g, i, hdr);
			sk_hdr_set_i32(hdr, SK_TR_TRACL, (int32_t)seq);
			sk_hdr_set_i32(hdr, SK_TR_TRACR, (int32_t)seq);
			sk_hdr_set_i16(hdr, SK_TR_TRID, 1);
			if (job->have_offsets)
				sk_hdr_set_i32(hdr, SK_TR_OFFSET, (int32_t)nearbyint(job->o0 + (double)b * job->dof));
			set_delrt(hdr, t0);
			sk_hdr_set_i16(hdr, SK_TR_NS, (int16_t)(uint16_t)(nt > 65535 ? 0 : nt));
			sk_hdr_set_i16(hdr, SK_TR_DT, (int16_t)(uint16_t)nearbyint(dt * 1e6));
			if ((rc = sk_writer_put(w, hdr, img + ((size_t)(i - first) * (size_t)noff + (size_t)b) * (size_t)nt,
						err)) < 0) {
				sk_writer_abort(w);
				return rc;
			}
			st->outputs++;
		}
	return sk_writer_close(w, err);
}

int sk_migrate_run(const struct sk_migrate_job *job, struct sk_migrate_stats *st,
		   struct sk_error *err)
{
	struct src s = {0};
	const struct sk_info *info;
	struct scan sc = {0};
	struct sk_grid g;
	struct sk_kirch_par kp = job->kp;
	struct sk_kirch *k = NULL;
	struct sk_kirch_trace *tr = NULL;
	const struct sk_key *delrt = sk_hdr_key("delrt");
	unsigned char *hdr = NULL;
	float *data = NULL, *img = NULL, *vel = NULL;
	double *ox = NULL, *oy = NULL, t_start;
	int64_t first, last, nloc, ntotal = -1, with_pos = 0, nlive = 0;
	long block, nb = 0;
	int rc, per_loc = 0;
	const char *what;      /* the file an error is about */

	memset(st, 0, sizeof *st);
	what = sk_in_name(job->in);
	if ((rc = sk_reader_open(job->in, job->from, &s.r, err)) < 0)
		return rc;
	sk_reader_readahead(s.r, NULL);  /* the scan reads in order; without, as well */
	info = sk_reader_info(s.r);
	s.hdrlen = info->hdrlen;
	s.ns = info->ns;
	if (!(info->dt > 0)) {
		rc = sk_error_set(err, SK_EFMT, "sample interval %g is not positive", info->dt);
		goto done;
	}
	ntotal = info->ntraces;

	/* The output grid and the dimension. */
	if (job->have_grid) {
		g = job->grid;
	} else {
		if ((rc = scan_input(&s, info, &sc, &ntotal, err)) < 0)
			goto done;
		if (ntotal == 0) {
			rc = sk_error_set(err, SK_EFMT, "empty input (no traces)");
			goto done;
		}
		if (sc.n == 0) {
			rc = sk_error_set(err, SK_EFMT, "no live traces (all are dead or dummy: trid 2 or 3)");
			goto done;
		}
		if (sc.with_pos == 0) {
			rc = sk_error_set(err, SK_EFMT,
					  "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)");
			goto done;
		}
		if ((rc = default_grid(&sc, &g, err)) < 0) {
			what = NULL;
			goto done;
		}
	}
	st->grid = g;
	st->dim = kp.dim = g.is_line ? 2 : 3;
	if (job->part) {
		if ((rc = sk_grid_part(job->part, sk_grid_size(&g), &first, &last, err)) < 0) {
			what = NULL;
			goto done;
		}
	} else {
		first = 0;
		last = sk_grid_size(&g);
	}
	nloc = last - first;

	/* The first trace fixes the default output axis. */
	hdr = malloc(info->hdrlen);
	data = malloc((size_t)info->ns * sizeof *data);
	if (!hdr || !data) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = src_next(&s, hdr, data, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = sk_error_set(err, SK_EFMT, "empty input (no traces)");
		goto done;
	}
	kp.nt_in = info->ns;
	kp.dt_in = info->dt * 1e-6;
	kp.nt = job->nt > 0 ? job->nt : info->ns;
	kp.dt = job->dt > 0 ? job->dt : kp.dt_in;
	kp.t0 = job->have_t0 ? job->t0 : sk_key_value(hdr, delrt) * 1e-3;
	kp.dx = g.dx;
	kp.dy = g.dy;
	kp.noff = job->have_offsets ? job->no : 1;
	kp.off0 = job->have_offsets ? job->o0 : 0.0;
	kp.doff = job->have_offsets ? job->dof : 0.0;

	/* Velocity on the output axis. */
	if (job->vel.kind == SK_VEL_FILE) {
		what = job->vel.path;
		if ((rc = sk_vel_load(job->vel.path, &g, first, last, kp.nt, kp.t0, kp.dt, &vel, &per_loc,
				      err)) < 0)
			goto done;
		what = sk_in_name(job->in);
	} else {
		vel = malloc((size_t)kp.nt * sizeof *vel);
		if (!vel) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto done;
		}
		sk_vel_curve(&job->vel, kp.nt, kp.t0, kp.dt, vel);
	}

	/* Output locations in the grid's frame: metres along its axes. */
	ox = malloc((size_t)nloc * sizeof *ox);
	oy = malloc((size_t)nloc * sizeof *oy);
	if (!ox || !oy) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	for (int64_t i = first; i < last; i++) {
		ox[i - first] = (double)(i % g.nx) * g.dx;
		oy[i - first] = (double)(i / g.nx) * g.dy;
	}
	if ((rc = sk_kirch_new(&kp, (long)nloc, ox, oy, vel, per_loc, &k, err)) < 0) {
		what = NULL;
		goto done;
	}
	block = sk_kirch_chunk(k);
	img = calloc((size_t)nloc * (size_t)kp.noff * (size_t)kp.nt, sizeof *img);
	tr = malloc((size_t)block * sizeof *tr);
	{
		float *d = realloc(data, (size_t)block * (size_t)info->ns * sizeof *d);
		if (d)
			data = d;
		if (!img || !tr || !d) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory for an image of %lld x %ld x %ld samples",
					  (long long)nloc, kp.noff, kp.nt);
			goto done;
		}
	}

	/* The first trace is in slot 0 already. */
	rc = 1;
	t_start = omp_get_wtime();
	for (;;) {
		double p[4];
		if (rc == 1) {
			st->inputs++;
			if (live(hdr)) {
				double fx, fy;
				struct sk_kirch_trace *t = &tr[nb];
				nlive++;
				with_pos += position(hdr, p);
				sk_grid_locate(&g, p[0], p[1], &fx, &fy);
				t->sx = fx * g.dx;
				t->sy = fy * g.dy;
				sk_grid_locate(&g, p[2], p[3], &fx, &fy);
				t->rx = fx * g.dx;
				t->ry = fy * g.dy;
				t->t0 = sk_key_value(hdr, delrt) * 1e-3;
				nb++;
			}
		}
		if (nb == block || (rc == 0 && nb > 0)) {
			const int rc2 = sk_kirch_migrate(k, nb, tr, data, img, err);
			if (rc2 < 0) {
				rc = rc2;
				goto done;
			}
			nb = 0;
			if (job->progress)
				job->progress(job->progress_ctx, st->inputs, ntotal);
		}
		if (rc == 0)
			break;
		if ((rc = src_next(&s, hdr, data + (size_t)nb * (size_t)info->ns, err)) < 0)
			goto done;
	}
	st->seconds = omp_get_wtime() - t_start;
	if (nlive == 0) {
		rc = sk_error_set(err, SK_EFMT, "no live traces (all are dead or dummy: trid 2 or 3)");
		goto done;
	}
	if (with_pos == 0) {
		rc = sk_error_set(err, SK_EFMT,
				  "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)");
		goto done;
	}
	st->used = sk_kirch_used(k);
	st->updates = sk_kirch_updates(k);
	what = NULL;  /* the writer names its file */
	rc = write_image(job, info, &g, first, last, kp.noff, kp.nt, kp.dt, kp.t0, img, st, err);
done:
	sk_kirch_free(k);
	sk_reader_free(s.r);
	if (s.spool)
		fclose(s.spool);
	free(sc.p);
	free(hdr);
	free(data);
	free(img);
	free(vel);
	free(ox);
	free(oy);
	free(tr);
	return rc < 0 ? sk_error_at(err, rc, what) : 0;
}
