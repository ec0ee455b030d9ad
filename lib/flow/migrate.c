/*
 * migrate: the streaming driver around the Kirchhoff kernel (migrate.h).
 */
#include "migrate.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "hdr.h"
#include "io.h"
#include "ofile.h"

/* Sources of traces: the stream itself, or the spool a pipe was copied to
 * by the geometry scan (header block then ns floats per trace). */
struct src {
	struct sk_reader *r;
	FILE *spool;
	char spool_path[SK_ERROR_FILE];   /* what errors about it name */
	size_t hdrlen;
	long ns;
};

static int src_next(struct src *s, unsigned char *hdr, float *data, struct sk_error *err)
{
	if (!s->spool)
		return sk_reader_next(s->r, hdr, data, err);
	if (fread(hdr, 1, s->hdrlen, s->spool) != s->hdrlen)
		return ferror(s->spool) ? sk_error_at(err, sk_error_sys(err, "read error"), s->spool_path) : 0;
	if (fread(data, sizeof *data, (size_t)s->ns, s->spool) != (size_t)s->ns)
		return sk_error_at(err, ferror(s->spool) ? sk_error_sys(err, "read error")
							 : sk_error_set(err, SK_EIO, "short read"),
				   s->spool_path);
	return 1;
}

static FILE *spool_open(struct src *s, struct sk_error *err)
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

/*
 * Post-stack traces.  A trace with offset 0 and no receiver (gx = gy = 0)
 * cannot be prestack unless its source is at the origin too (its offset
 * would be |g - s| > 0): exporters of stacked data write such traces, with
 * the source or the CDP coordinates set to the CMP.  Such a trace, and every
 * trace under --zero-offset, is migrated as a zero-offset trace at its CMP m
 * (cdpx/cdpy, or sx/sy where those are 0): s = r = m in the kernel's
 * double-square-root time of notes/kirchhoff.md,
 *     t = sqrt(tau^2/4 + |s-x|^2/v^2) + sqrt(tau^2/4 + |r-x|^2/v^2)
 *       = 2 sqrt((tau/2)^2 + |m-x|^2/v^2) = sqrt(tau^2 + 4 |m-x|^2/v^2),
 * the post-stack (exploding reflector) time with v the RMS velocity.  The
 * kernel's weights reduce to the post-stack ones as well: the obliquity
 * (cos theta_s + cos theta_r)/2 = cos theta = tau/t, the spreading 1/sqrt(v t)
 * (2-D) or 1/(v t) (3-D), and the antialiasing slope (s-x)/(v^2 t_s) +
 * (r-x)/(v^2 t_r) = 4 (m-x)/(v^2 t), the notes' post-stack p.
 */
static int stack_like(const unsigned char *h)
{
	return sk_hdr_i32(h, SK_TR_OFFSET) == 0 && sk_hdr_coord(h, SK_TR_GX) == 0 && sk_hdr_coord(h, SK_TR_GY) == 0;
}

/* Where a trace's position comes from: its source and receiver, or (as a
 * zero-offset trace) its cdpx/cdpy, or its sx/sy. */
enum pos_kind { POS_SR, POS_CDP, POS_SRC };

/* Source and receiver of a trace (zo: as a zero-offset trace at its CMP),
 * and where they come from; returns 0 when every coordinate is 0 (the trace
 * may still sit at the origin: only a stream where no trace has a
 * coordinate is refused). */
static int position_kind(const unsigned char *h, int zo, double p[4], int *kind)
{
	p[0] = sk_hdr_coord(h, SK_TR_SX);
	p[1] = sk_hdr_coord(h, SK_TR_SY);
	p[2] = sk_hdr_coord(h, SK_TR_GX);
	p[3] = sk_hdr_coord(h, SK_TR_GY);
	*kind = POS_SR;
	if (zo || (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) || stack_like(h)) {
		/* Post-stack data often carries only the CDP location. */
		const double cx = sk_hdr_coord(h, SK_TR_CDPX), cy = sk_hdr_coord(h, SK_TR_CDPY);
		if (cx != 0 || cy != 0) {
			p[0] = p[2] = cx;
			p[1] = p[3] = cy;
			*kind = POS_CDP;
		} else {
			p[2] = p[0];
			p[3] = p[1];
			*kind = POS_SRC;
		}
		return p[0] != 0 || p[1] != 0;
	}
	return 1;
}

/*
 * Traces that all sit at one position: every live trace has the same source
 * and the same receiver (for post-stack traces: the same CMP).  Migrated,
 * they all spread from that one place, an image of nothing (a stack whose
 * headers hold one constant cdpx/cdpy, left by a conversion).  A single
 * trace is an impulse response and allowed; a CMP gather has one midpoint
 * but many offsets, so its sources and receivers differ and it is allowed.
 */
struct onepos {
	int64_t n;         /* live traces seen */
	double p[4];       /* the first one's source and receiver */
	int kind;          /* the first one's enum pos_kind */
	int varied;        /* some trace sits elsewhere */
	int mixed;         /* some trace's position comes from other keys */
};

static void onepos_add(struct onepos *o, const double p[4], int kind)
{
	if (o->n++ == 0) {
		memcpy(o->p, p, sizeof o->p);
		o->kind = kind;
		return;
	}
	o->varied |= p[0] != o->p[0] || p[1] != o->p[1] || p[2] != o->p[2] || p[3] != o->p[3];
	o->mixed |= kind != o->kind;
}

/* SK_ESTATE naming the one position when more than one live trace shares
 * it, else 0. */
static int onepos_error(const struct onepos *o, struct sk_error *err)
{
	char at[160];

	if (o->n < 2 || o->varied)
		return 0;
	if (o->mixed)
		snprintf(at, sizeof at, "source %g, %g and receiver %g, %g", o->p[0], o->p[1], o->p[2], o->p[3]);
	else if (o->kind == POS_CDP)
		snprintf(at, sizeof at, "cdpx %g, cdpy %g", o->p[0], o->p[1]);
	else if (o->kind == POS_SRC)
		snprintf(at, sizeof at, "sx %g, sy %g", o->p[0], o->p[1]);
	else
		snprintf(at, sizeof at, "sx %g, sy %g, gx %g, gy %g", o->p[0], o->p[1], o->p[2], o->p[3]);
	return sk_error_set(err, SK_ESTATE,
			    "all %lld live traces are at one position (%s in every trace), so all would be "
			    "migrated from one place: load the geometry first (segedit; for a stack, "
			    "segedit 'cdpx = cdp * SPACING' 'cdpy = 0')", (long long)o->n, at);
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

/* Positions of the scanned traces: s and r, 4 doubles per trace, and
 * their cdp, iline and xline. */
struct scan {
	double *p;
	int32_t *num;
	size_t n, cap;
	size_t with_pos;   /* traces with a coordinate that is not 0 */
	size_t stack;      /* traces with offset 0 and gx = gy = 0 */
	size_t r0;         /* traces with gx = gy = 0 and a source not at the origin */
	int nonzero[3];    /* some trace has a cdp, iline, xline that is not 0 */
	struct onepos one; /* whether they all sit at one position */
};

static const int num_bytes[3] = {SK_TR_CDP, SK_TR_ILINE, SK_TR_XLINE};

/*
 * The default grid: the line through every source and receiver (their
 * principal axis), from the first to the last projected midpoint, binned at
 * half the median receiver spacing.  SK_EARG when the survey is not a line,
 * SK_ESTATE when every midpoint is the same.
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
static int scan_input(struct src *s, const struct sk_info *info, int zo, struct scan *sc, int64_t *ntr,
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
	if (!seekable && !(s->spool = spool_open(s, err))) {
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
		if (!live(hdr))
			continue;
		sc->with_pos += position_kind(hdr, zo, p, &kind);
		onepos_add(&sc->one, p, kind);
		sc->stack += stack_like(hdr);
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
			sc->num[3 * sc->n + k] = sk_hdr_i32(hdr, num_bytes[k]);
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
static int carry_numbers(const struct scan *sc, const struct sk_grid *g, int64_t first, int64_t last,
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

/* Distance from a point in the grid's frame (metres along its axes) to the
 * whole grid: along the line only in 2-D, as the kernel measures. */
static double grid_distance(const struct sk_grid *g, int dim, double u, double v)
{
	const double eu = fmax(fmax(-u, u - (double)(g->nx - 1) * g->dx), 0.0);
	const double ev = dim == 3 ? fmax(fmax(-v, v - (double)(g->ny - 1) * g->dy), 0.0) : 0.0;
	return hypot(eu, ev);
}

/* What the driver learns about the traces' reach, for the messages. */
struct reach {
	int64_t live, pos;       /* live traces, of them with a coordinate */
	int64_t stack;           /* live traces with offset 0 and gx = gy = 0 */
	int64_t stack_src;       /* of them with a source that is not at the origin */
	int64_t far;             /* traces whose midpoint is beyond the reach of the grid */
	int64_t far_r0, far_s0;  /* of them with gx = gy = 0 or sx = sy = 0 (not both) */
	double r0_dist, s0_dist; /* distance of the origin from the grid */
	double near_far;         /* nearest midpoint of a far trace */
	double mx0, mx1, my0, my1; /* midpoint extents (metres) */
	double tin1;             /* latest input time */
};

/* Counts one live trace (frame positions in t, world ones in p). */
static void reach_add(struct reach *rc, const struct sk_grid *g, int dim, double lim, const unsigned char *h,
		      const double *p, int has_pos, const struct sk_kirch_trace *t, double tend)
{
	const double mx = 0.5 * (p[0] + p[2]), my = 0.5 * (p[1] + p[3]);
	const double d = grid_distance(g, dim, 0.5 * (t->sx + t->rx), 0.5 * (t->sy + t->ry));
	const int r0 = sk_hdr_coord(h, SK_TR_GX) == 0 && sk_hdr_coord(h, SK_TR_GY) == 0;
	const int s0 = sk_hdr_coord(h, SK_TR_SX) == 0 && sk_hdr_coord(h, SK_TR_SY) == 0;

	rc->live++;
	rc->pos += has_pos;
	if (stack_like(h)) {
		rc->stack++;
		rc->stack_src += !s0;
	}
	rc->mx0 = fmin(rc->mx0, mx);
	rc->mx1 = fmax(rc->mx1, mx);
	rc->my0 = fmin(rc->my0, my);
	rc->my1 = fmax(rc->my1, my);
	rc->tin1 = fmax(rc->tin1, tend);
	if (d > lim) {
		rc->far++;
		rc->near_far = fmin(rc->near_far, d);
		rc->far_r0 += r0 && !s0;
		rc->far_s0 += s0 && !r0;
	}
}

/*
 * The input side of the migration loop: fills blocks of live traces (data
 * and kernel positions) from the source, counting what it reads in inputs
 * and rc.  Two buffers: while the kernel migrates one block, a thread fills the
 * other (reading, decoding and locating traces overlap the computation).
 * The blocks are the same as when read in turn, so is the image.
 */
struct feed {
	struct src *s;
	const struct sk_grid *g;
	int dim, zero_offset;
	double lim, dt_in;
	long ns, block;
	const struct sk_key *delrt;
	unsigned char *hdr;             /* the last header read */
	int have;                       /* hdr and data[0]'s slot 0 hold a trace not yet counted */
	struct reach *rc;
	int64_t inputs;                 /* traces read */
	float *data[2];
	struct sk_kirch_trace *tr[2];
	long nb[2];
	int64_t upto[2];                /* inputs when the block was complete */
	/* The filling thread's result. */
	int ret;
	struct sk_error err;
	int slot;
};

/* Places the live trace h in the grid's frame (t) and counts it in rc
 * (and one, unless NULL). */
static void feed_locate(const struct feed *f, const unsigned char *h, struct sk_kirch_trace *t, struct reach *rc,
			struct onepos *one)
{
	double p[4], fx, fy;
	int kind;
	const int has_pos = position_kind(h, f->zero_offset, p, &kind);

	sk_grid_locate(f->g, p[0], p[1], &fx, &fy);
	t->sx = fx * f->g->dx;
	t->sy = fy * f->g->dy;
	sk_grid_locate(f->g, p[2], p[3], &fx, &fy);
	t->rx = fx * f->g->dx;
	t->ry = fy * f->g->dy;
	t->t0 = sk_key_value(h, f->delrt) * 1e-3;
	reach_add(rc, f->g, f->dim, f->lim, h, p, has_pos, t, t->t0 + (double)(f->ns - 1) * f->dt_in);
	if (one)
		onepos_add(one, p, kind);
}

/* Fills block slot: 1 when full, 0 at the end of the input (the block may
 * hold traces), or a negative code with f->err set. */
static int feed_fill(struct feed *f, int slot)
{
	float *const data = f->data[slot];
	long nb = 0;
	int rc = 1;

	for (;;) {
		if (!f->have && (rc = src_next(f->s, f->hdr, data + (size_t)nb * (size_t)f->ns, &f->err)) <= 0)
			break;
		f->have = 0;
		f->inputs++;
		if (live(f->hdr)) {
			feed_locate(f, f->hdr, &f->tr[slot][nb], f->rc, NULL);
			if (++nb == f->block)
				break;
		}
	}
	f->nb[slot] = nb;
	f->upto[slot] = f->inputs;
	return rc;
}

static void *feed_thread(void *arg)
{
	struct feed *f = arg;
	f->ret = feed_fill(f, f->slot);
	return NULL;
}

/*
 * The check pass of a run on a given grid, before any migration: every
 * live trace is counted in pre and one from the headers of a file (read
 * from the start again afterwards) or from a pipe, whose traces are spooled
 * on the way to a temporary file and then read from there.  hdr and data
 * hold the input's first trace, read already, and hold it again on return,
 * with the source positioned after it.  So input that is refused (most
 * traces beyond the reach, all at one position, no coordinates) is refused
 * before any migration, from a pipe as from a file, and ntotal is known.
 */
static int check_pass(struct feed *f, const struct sk_info *info, unsigned char *hdr, float *data,
		      struct reach *pre, struct onepos *one, int64_t *ntotal, struct sk_error *err)
{
	struct src *const s = f->s;
	const size_t nd = (size_t)info->ns;
	const int seekable = sk_reader_seek(s->r, 0, NULL) == 0;
	unsigned char *h = malloc(info->hdrlen);
	float *d = seekable ? NULL : malloc(nd * sizeof *d);
	struct sk_kirch_trace t;
	int rc;

	*ntotal = 0;
	if (!h || (!seekable && !d)) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	if (!seekable) {
		if (!(s->spool = spool_open(s, err))) {
			rc = SK_EIO;
			goto done;
		}
		if (fwrite(hdr, 1, info->hdrlen, s->spool) != info->hdrlen ||
		    fwrite(data, sizeof *data, nd, s->spool) != nd)
			goto spool_error;
		++*ntotal;
		if (live(hdr))
			feed_locate(f, hdr, &t, pre, one);
	}
	while ((rc = sk_reader_next(s->r, h, d, err)) == 1) {
		++*ntotal;
		if (!seekable && (fwrite(h, 1, info->hdrlen, s->spool) != info->hdrlen ||
				  fwrite(d, sizeof *d, nd, s->spool) != nd))
			goto spool_error;
		if (live(h))
			feed_locate(f, h, &t, pre, one);
	}
	if (rc < 0)
		goto done;
	if (seekable) {
		if ((rc = sk_reader_seek(s->r, 0, err)) < 0 || (rc = src_next(s, hdr, data, err)) < 0)
			goto done;
	} else if (fflush(s->spool) != 0 ||
		   fseeko(s->spool, (off_t)(info->hdrlen + nd * sizeof *data), SEEK_SET) != 0) {
		goto spool_error;
	}
	rc = 0;
	goto done;
spool_error:
	rc = sk_error_at(err, sk_error_sys(err, "%s", ""), s->spool_path);
done:
	free(h);
	free(d);
	return rc;
}

/*
 * Why the image would be empty or mostly unreached, or 0 when it is not:
 * more than half the live traces beyond the reach of the grid (receivers
 * or sources at the origin named as the cause), no trace in an offset
 * bin, input times that end before the output axis begins, or (whole
 * grids only) no sample updated at all.
 */
static int far_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct sk_grid *g,
		     double lim, struct sk_error *err)
{
	char d[64];

	if (rc->far > 0 && 2 * rc->far > rc->live && !(job->allow_outside && rc->far < rc->live)) {
		if (2 * rc->far_r0 > rc->far)
			return sk_error_set(err, SK_ESTATE,
					    "receivers %s from the grid because gx/gy are 0 (%lld of %lld traces); "
					    "give --zero-offset for post-stack data",
					    sk_distance_text(rc->r0_dist, d, sizeof d), (long long)rc->far_r0, (long long)rc->live);
		if (2 * rc->far_s0 > rc->far)
			return sk_error_set(err, SK_ESTATE,
					    "sources %s from the grid because sx/sy are 0 (%lld of %lld traces)",
					    sk_distance_text(rc->s0_dist, d, sizeof d), (long long)rc->far_s0, (long long)rc->live);
		{
			double gx0, gx1, gy0, gy1;
			char r[64];
			sk_grid_extent(g, &gx0, &gx1, &gy0, &gy1);
			return sk_error_set(err, SK_ESTATE,
					    "%lld of %lld traces lie beyond the migration's reach of the grid "
					    "(%s, from --aperture and --angle; the nearest is %s away): midpoints in "
					    "x %.1f..%.1f, y %.1f..%.1f, grid locations in x %.1f..%.1f, y %.1f..%.1f%s",
					    (long long)rc->far, (long long)rc->live, sk_distance_text(lim, r, sizeof r),
					    sk_distance_text(rc->near_far, d, sizeof d), rc->mx0, rc->mx1, rc->my0, rc->my1,
					    gx0, gx1, gy0, gy1,
					    rc->far < rc->live ? "; a grid over part of the data needs --allow-outside" : "");
		}
	}
	return 0;
}

/* What makes the input unfit before any migration, or 0. */
static int input_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct onepos *one,
		       const struct sk_grid *g, double lim, struct sk_error *err)
{
	int r;

	if (rc->live == 0)
		return sk_error_set(err, SK_EFMT, "no live traces (all are dead or dummy: trid 2 or 3)");
	if (rc->pos == 0)
		return sk_error_set(err, SK_EFMT,
				    "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)");
	if ((r = onepos_error(one, err)) < 0)
		return r;
	return far_cause(job, rc, g, lim, err);
}

static int empty_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct sk_grid *g,
		       double lim, const struct sk_kirch_par *kp, const struct sk_migrate_stats *st,
		       struct sk_error *err)
{
	int r;

	if ((r = far_cause(job, rc, g, lim, err)) < 0)
		return r;
	if (st->used == 0 && job->have_offsets)
		return sk_error_set(err, SK_ESTATE,
				    "no trace has an offset in the bins of --offsets (%g to %g m)",
				    job->o0 - 0.5 * job->dof, job->o0 + ((double)job->no - 0.5) * job->dof);
	if (rc->tin1 < kp->t0)
		return sk_error_set(err, SK_ESTATE,
				    "the input ends at %g s, before the output's first time %g s (--t0)", rc->tin1, kp->t0);
	if (st->updates == 0 && !job->part)
		return sk_error_set(err, SK_ESTATE,
				    "no output sample was updated: no trace is within the angle (--angle) of the "
				    "grid's locations at the output times");
	return 0;
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
		       double dt, double t0, const float *img, const int32_t *carry, const int *nonzero,
		       struct sk_migrate_stats *st, struct sk_error *err)
{
	struct sk_info like = *in_info;
	struct sk_wopts wo = job->wopts;
	struct sk_writer *w;
	unsigned char hdr[SK_HDR_LEN];
	int rc;

	like.ns = nt;
	like.dt = dt * 1e6;
	like.hdrlen = SK_HDR_LEN;
	like.su_tail = 0;   /* image headers carry cdpx, cdpy, iline, xline */
	like.ntraces = (last - first) * noff;
	sk_wopts_computed(&wo, &like);
	if ((rc = sk_writer_open(job->out, &like, &wo, &w, err)) < 0)
		return rc;
	for (int64_t i = first; i < last; i++)
		for (long b = 0; b < noff; b++) {
			const int64_t seq = i * noff + b + 1;
			memset(hdr, 0, sizeof hdr);
			sk_grid_header(g, i, hdr);
			for (int k = 0; carry && k < 3; k++)
				if (nonzero[k])
					sk_hdr_set_i32(hdr, num_bytes[k], carry[3 * (i - first) + k]);
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
	struct feed f = {0};
	const struct sk_key *delrt = sk_hdr_key("delrt");
	unsigned char *hdr = NULL;
	float *data = NULL, *img = NULL, *vel = NULL;
	double *ox = NULL, *oy = NULL, t_start, lim;
	int32_t *carry = NULL;
	int64_t first, last, nloc, ntotal = -1;
	struct reach rc_ = {0};
	long block;
	int rc, per_loc = 0, noticed = 0;
	static const char notice[] = "every trace has offset 0 and gx = gy = 0: migrating the input as "
				     "post-stack data, each trace at its CMP (--zero-offset)";
	const char *what;      /* the file an error is about */

	memset(st, 0, sizeof *st);
	what = sk_in_name(job->in);
	if ((rc = sk_reader_open(job->in, job->from, &s.r, err)) < 0)
		return rc;
	/* A terminal for the image is refused now, not after the work. */
	if ((rc = sk_out_check_tty(job->out, err)) < 0)
		goto done;
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
		if ((rc = scan_input(&s, info, job->zero_offset, &sc, &ntotal, err)) < 0)
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
		if (!job->zero_offset && sc.r0 == sc.n && sc.stack < sc.n) {
			rc = sk_error_set(err, SK_ESTATE,
					  "every trace has gx = gy = 0, and offsets that are not 0: the receivers "
					  "are missing; give --zero-offset for post-stack data, or set gx/gy");
			goto done;
		}
		if ((rc = onepos_error(&sc.one, err)) < 0)
			goto done;
		if (!job->zero_offset && sc.stack == sc.n) {
			if (job->notice)
				job->notice(job->notice_ctx, notice);
			noticed = 1;
		}
		if ((rc = default_grid(&sc, &g, err)) < 0) {
			if (rc == SK_EARG)
				what = NULL;  /* a usage error */
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
	if (!job->have_grid && (rc = carry_numbers(&sc, &g, first, last, &carry, err)) < 0)
		goto done;

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
	lim = sk_kirch_reach(k);
	rc_.mx0 = rc_.my0 = rc_.near_far = HUGE_VAL;
	rc_.mx1 = rc_.my1 = rc_.tin1 = -HUGE_VAL;
	{
		double fx, fy;
		sk_grid_locate(&g, 0.0, 0.0, &fx, &fy);
		rc_.r0_dist = rc_.s0_dist = grid_distance(&g, kp.dim, fx * g.dx, fy * g.dy);
	}
	img = calloc((size_t)nloc * (size_t)kp.noff * (size_t)kp.nt, sizeof *img);
	f.tr[0] = malloc((size_t)block * sizeof *f.tr[0]);
	f.tr[1] = malloc((size_t)block * sizeof *f.tr[1]);
	f.data[1] = malloc((size_t)block * (size_t)info->ns * sizeof *f.data[1]);
	{
		float *d = realloc(data, (size_t)block * (size_t)info->ns * sizeof *d);
		if (d)
			data = d;
		if (!img || !f.tr[0] || !f.tr[1] || !f.data[1] || !d) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory for an image of %lld x %ld x %ld samples",
					  (long long)nloc, kp.noff, kp.nt);
			goto done;
		}
	}
	f.s = &s;
	f.g = &g;
	f.dim = kp.dim;
	f.zero_offset = job->zero_offset;
	f.lim = lim;
	f.dt_in = kp.dt_in;
	f.ns = info->ns;
	f.block = block;
	f.delrt = delrt;
	f.hdr = hdr;
	f.rc = &rc_;
	f.data[0] = data;
	f.have = 1;  /* the first trace is in slot 0 of block 0 already */
	if (job->have_grid) {
		/* No scan made the grid: check the input before the work. */
		struct reach pre = rc_;
		struct onepos one = {0};
		rc = check_pass(&f, info, hdr, data, &pre, &one, &ntotal, err);
		st->inputs = ntotal;
		if (rc < 0 || (rc = input_cause(job, &pre, &one, &g, lim, err)) < 0)
			goto done;
	}

	t_start = omp_get_wtime();
	rc = feed_fill(&f, 0);
	for (int cur = 0; rc >= 0; cur = 1 - cur) {
		const int more = rc == 1;
		pthread_t th;
		int started = 0;
		if (more) {
			f.slot = 1 - cur;
			started = pthread_create(&th, NULL, feed_thread, &f) == 0;
		}
		if (f.nb[cur] > 0) {
			const int rc2 = sk_kirch_migrate(k, f.nb[cur], f.tr[cur], f.data[cur], img, err);
			if (rc2 < 0) {
				if (started)
					pthread_join(th, NULL);
				rc = rc2;
				goto done;
			}
			if (job->progress)
				job->progress(job->progress_ctx, f.upto[cur], ntotal);
		}
		if (!more)
			break;
		if (started)
			pthread_join(th, NULL);
		else  /* no thread to be had: read in turn */
			f.ret = feed_fill(&f, 1 - cur);
		rc = f.ret;
	}
	st->inputs = f.inputs;
	if (rc < 0) {
		*err = f.err;
		goto done;
	}
	st->seconds = omp_get_wtime() - t_start;
	if (rc_.live == 0) {
		rc = sk_error_set(err, SK_EFMT, "no live traces (all are dead or dummy: trid 2 or 3)");
		goto done;
	}
	if (rc_.pos == 0) {
		rc = sk_error_set(err, SK_EFMT,
				  "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)");
		goto done;
	}
	st->used = sk_kirch_used(k);
	st->updates = sk_kirch_updates(k);
	st->post_stack = job->zero_offset || rc_.stack == rc_.live;
	if (!job->zero_offset && rc_.stack == rc_.live && !noticed && job->notice)
		job->notice(job->notice_ctx, notice);
	if (!job->zero_offset && rc_.stack_src > 0 && rc_.stack < rc_.live) {
		rc = sk_error_set(err, SK_ESTATE,
				  "%lld traces have offset 0 and gx = gy = 0 beside %lld with receivers: "
				  "give --zero-offset for post-stack data, or set gx/gy",
				  (long long)rc_.stack, (long long)(rc_.live - rc_.stack));
		goto done;
	}
	if ((rc = empty_cause(job, &rc_, &g, lim, &kp, st, err)) < 0)
		goto done;
	what = NULL;  /* the writer names its file */
	rc = write_image(job, info, &g, first, last, kp.noff, kp.nt, kp.dt, kp.t0, img, carry, sc.nonzero, st,
			 err);
done:
	if (k) {
		/* Also on failure: how much was done before it. */
		st->used = sk_kirch_used(k);
		st->updates = sk_kirch_updates(k);
	}
	sk_kirch_free(k);
	sk_reader_free(s.r);
	if (s.spool)
		fclose(s.spool);
	free(sc.p);
	free(sc.num);
	free(carry);
	free(hdr);
	free(data);
	free(img);
	free(vel);
	free(ox);
	free(oy);
	free(f.tr[0]);
	free(f.tr[1]);
	free(f.data[1]);
	return rc < 0 ? sk_error_at(err, rc, what) : 0;
}
