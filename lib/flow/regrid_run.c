/*
 * The regrid driver: input pass, sample storage (memory, in place, or a raw
 * spool), the grid frame, output headers, the fold table.  regrid.h has the
 * contract.
 */
#include "regrid.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bigmem.h"
#include "file.h"
#include "hdr.h"
#include "io.h"
#include "ofile.h"
#include "par.h"

/* Output samples per parallel block (8 MiB of floats; two blocks are held:
 * one interpolated while the other is written).  Small enough that writing
 * the last block alone, after the others overlapped, costs little; large
 * enough that thread start-up and workspaces are paid rarely. */
#define BLOCK_SAMPLES (2L << 20)

int sk_regrid_coords_parse(const char *s, int *out, struct sk_error *err)
{
	static const char *const names[] = {"mid", "cdp", "src", "rcv"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return sk_error_set(err, SK_EARG, "invalid coords '%s' (expected mid, cdp, src or rcv)", s);
}

/* Where the samples of the used traces live. */
struct store {
	long ns;
	float *mem;              /* used x ns, or NULL */
	int spool_fd;            /* raw float records, or -1 */
	char spool_path[SK_ERROR_FILE];   /* what errors about it name */
	long nmem;               /* traces in mem before spilling to the spool */
	/* In place: traces read from the reader with sk_reader_pread. */
	const struct sk_reader *r;
	unsigned char **raw;     /* one scratch buffer per thread */
	int nraw;
	const int64_t *tidx;     /* used trace -> input trace index */
	/* The parallel scan's samples: chunk c holds used traces cstart[c] ..
	 * cstart[c + 1] - 1. */
	float **cs;
	int64_t *cstart;
	long nc;
};

/* The chunk holding used trace idx. */
static long chunk_of(const struct store *s, long idx)
{
	long lo = 0, hi = s->nc - 1;
	while (lo < hi) {
		const long mid = (lo + hi + 1) / 2;
		if (s->cstart[mid] <= idx)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int store_fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err)
{
	struct store *s = ctx;
	const size_t rec = (size_t)s->ns * sizeof(float);
	if (s->mem) {
		memcpy(out, s->mem + (size_t)idx * (size_t)s->ns, rec);
		return 0;
	}
	if (s->cs) {
		const long c = chunk_of(s, idx);
		memcpy(out, s->cs[c] + (size_t)(idx - s->cstart[c]) * (size_t)s->ns, rec);
		return 0;
	}
	if (s->spool_fd >= 0) {
		size_t got;
		if (sk_file_pread_all(s->spool_fd, out, rec, (int64_t)((size_t)idx * rec), &got, err) < 0) {
			errno = err->errnum;
			return sk_error_at(err, sk_error_sys(err, "read error"), s->spool_path);
		}
		return got == rec ? 0 : sk_error_at(err, sk_error_set(err, SK_EIO, "short read"), s->spool_path);
	}
	return sk_reader_pread(s->r, s->tidx[idx], s->raw[slot], NULL, out, err);
}

static int spool_write(const struct store *s, const void *p, size_t n, struct sk_error *err)
{
	if (sk_file_write_all(s->spool_fd, p, n, err) < 0) {
		errno = err->errnum;
		return sk_error_at(err, sk_error_sys(err, "%s", ""), s->spool_path);
	}
	return 0;
}

static void position(const unsigned char *h, int coords, double *x, double *y)
{
	switch (coords) {
	case SK_COORDS_CDP:
		*x = sk_hdr_coord(h, SK_TR_CDPX);
		*y = sk_hdr_coord(h, SK_TR_CDPY);
		break;
	case SK_COORDS_SRC:
		*x = sk_hdr_coord(h, SK_TR_SX);
		*y = sk_hdr_coord(h, SK_TR_SY);
		break;
	case SK_COORDS_RCV:
		*x = sk_hdr_coord(h, SK_TR_GX);
		*y = sk_hdr_coord(h, SK_TR_GY);
		break;
	default:
		*x = (sk_hdr_coord(h, SK_TR_SX) + sk_hdr_coord(h, SK_TR_GX)) / 2;
		*y = (sk_hdr_coord(h, SK_TR_SY) + sk_hdr_coord(h, SK_TR_GY)) / 2;
	}
}

static const char *coords_keys(int coords)
{
	static const char *const k[] = {"sx, sy, gx and gy", "cdpx and cdpy", "sx and sy", "gx and gy"};
	return k[coords];
}

struct grow {
	double *u, *v, *h;
	int *cls;
	int64_t *tidx;
	long n, cap;
};

static int grow_push(struct grow *g, double u, double v, double h, int cls, int64_t t)
{
	if (g->n == g->cap) {
		const long cap = g->cap ? 2 * g->cap : 4096;
		double *nu = realloc(g->u, (size_t)cap * sizeof *nu);
		if (nu) g->u = nu;
		double *nv = realloc(g->v, (size_t)cap * sizeof *nv);
		if (nv) g->v = nv;
		double *nh = realloc(g->h, (size_t)cap * sizeof *nh);
		if (nh) g->h = nh;
		int *nc = realloc(g->cls, (size_t)cap * sizeof *nc);
		if (nc) g->cls = nc;
		int64_t *nt = realloc(g->tidx, (size_t)cap * sizeof *nt);
		if (nt) g->tidx = nt;
		if (!nu || !nv || !nh || !nc || !nt)
			return SK_ENOMEM;
		g->cap = cap;
	}
	g->u[g->n] = u;
	g->v[g->n] = v;
	g->h[g->n] = h;
	g->cls[g->n] = cls;
	g->tidx[g->n] = t;
	g->n++;
	return 0;
}

/* RMS velocity per sample of zero-offset time, from --vel through
 * lib/geom/velocity as migrate reads it.  regrid's moveout takes one v(t)
 * everywhere, so a file holds one trace. */
static int vel_table(const struct sk_regrid_job *job, double dt, long ns, double *vr, struct sk_error *err)
{
	float *v = NULL;
	int per = 0, rc;

	if (job->vel.kind != SK_VEL_FILE) {
		for (long s = 0; s < ns; s++)
			vr[s] = sk_vel_at(&job->vel, (double)s * dt);
		return 0;
	}
	if ((rc = sk_vel_load(job->vel.path, &job->grid, 0, 1, ns, 0.0, dt, &v, &per, err)) < 0)
		return sk_error_at(err, rc, job->vel.path);
	if (per) {
		free(v);
		return sk_error_at(err, sk_error_set(err, SK_EUSAGE, "regrid takes one velocity trace (v(t) "
						     "everywhere), not one per grid location"), job->vel.path);
	}
	for (long s = 0; s < ns; s++)
		vr[s] = v[s];
	free(v);
	return 0;
}

/* Prepares reading the input in place: one scratch buffer per thread. */
static int in_place_open(struct store *s, const struct sk_reader *r, struct sk_error *err)
{
	const size_t size = sk_reader_pread_size(r);
	int nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	s->r = r;
	if (!(s->raw = calloc((size_t)nth, sizeof *s->raw)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	s->nraw = nth;
	for (int t = 0; t < nth; t++)
		if (!(s->raw[t] = malloc(size)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

/* Where the used traces lie against the grid: some grid location has them
 * within the radius (with in_bin: some bin holds them) or not; of the
 * traces beyond, how many have the coordinates that are 0 that usually
 * explain it, and how near the nearest one comes. */
struct outside {
	int64_t n;               /* used traces beyond the grid's reach */
	int64_t r0, s0, zero;    /* of them: gx = gy = 0 (sources not), sx = sy = 0 (receivers not),
				    the position itself (0, 0) */
	int64_t inner;           /* of them: inside the outer bins (a radius below the gaps) */
	double nearest;          /* metres from the nearest grid location (in_bin: beyond the outer
				    bins) of the nearest of them */
	double nearest_r0, nearest_s0;
};

/* The nearest of n locations 0, 1, ..., n - 1 to f. */
static double nearest_index(double f, long n)
{
	return fmin(fmax(nearbyint(f), 0.0), (double)(n - 1));
}

/*
 * Whether the point at fractional grid coordinates (fast, slow) lies
 * beyond the reach of every grid location, by the distance the
 * interpolation's neighbour search uses (sk_spatial_knn in the grid's
 * frame, along the line alone on a line): more than the radius from the
 * nearest location, a circle about each one, into dist.  With in_bin (or
 * dist NULL): outside every bin, dist from the rectangle of the outer bins.
 */
static int beyond(const struct sk_grid *gr, const struct sk_regrid_opts *o, double fast, double slow,
		  double *dist)
{
	if (o->in_bin || !dist) {
		const double eu = fmax(fmax(-0.5 - fast, fast - (double)(gr->nx - 1) - 0.5), 0.0) * gr->dx;
		const double ev = gr->is_line ? 0.0
				  : fmax(fmax(-0.5 - slow, slow - (double)(gr->ny - 1) - 0.5), 0.0) * gr->dy;
		if (dist)
			*dist = hypot(eu, ev);
		return eu > 0 || ev > 0;
	}
	{
		/* As the search measures: metres in the frame, less the location's. */
		const double du = fast * gr->dx - nearest_index(fast, gr->nx) * gr->dx;
		const double dv = gr->is_line ? 0.0 : slow * gr->dy - nearest_index(slow, gr->ny) * gr->dy;
		*dist = hypot(du, dv);
		return du * du + dv * dv > o->radius * o->radius;
	}
}

/* How a distance from beyond() reads in a message. */
static const char *beyond_what(const struct sk_regrid_opts *o)
{
	return o->in_bin ? "beyond the outer bins" : "from the nearest grid location";
}

static void outside_add(struct outside *ou, const unsigned char *h, double x, double y, double dist, int inner)
{
	const int r0 = sk_hdr_coord(h, SK_TR_GX) == 0 && sk_hdr_coord(h, SK_TR_GY) == 0;
	const int s0 = sk_hdr_coord(h, SK_TR_SX) == 0 && sk_hdr_coord(h, SK_TR_SY) == 0;

	ou->n++;
	ou->nearest = fmin(ou->nearest, dist);
	if (r0 && !s0) {
		ou->r0++;
		ou->nearest_r0 = fmin(ou->nearest_r0, dist);
	}
	if (s0 && !r0) {
		ou->s0++;
		ou->nearest_s0 = fmin(ou->nearest_s0, dist);
	}
	ou->zero += x == 0 && y == 0;
	ou->inner += inner;
}

static const char *const coords_what[] = {"midpoints", "CDPs", "sources", "receivers"};

/*
 * More than one used trace, all at one position (the extents ext of their
 * positions are a point), on a grid of more than one location: every
 * location within reach would be built from the same traces, which hold
 * nothing about the lateral variation (a stack whose headers hold one
 * constant cdpx/cdpy, left by a conversion).  A grid of one location (a
 * bin stack of one gather) is allowed.
 */
static int onepos_error(const struct sk_regrid_job *job, int64_t n, const double ext[4], struct sk_error *err)
{
	static const char *const kx[] = {"midpoint", "cdpx", "sx", "gx"}, *const ky[] = {"", " cdpy", " sy", " gy"};
	char at[96];

	if (n < 2 || ext[0] != ext[1] || ext[2] != ext[3] || sk_grid_size(&job->grid) < 2)
		return 0;
	snprintf(at, sizeof at, "%s %g,%s %g", kx[job->coords], ext[0], ky[job->coords], ext[2]);
	return sk_error_set(err, SK_ESTATE,
			    "all %lld live traces are at one position (%s in every trace), so every grid "
			    "location within reach would be built from the same traces: load the geometry "
			    "first (segedit) or give other --coords", (long long)n, at);
}

/* The error for most (or all) used traces beyond the grid's reach, naming
 * the cause from the geometry; 0 when it is not one. */
static int outside_error(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const struct outside *ou,
			 int64_t used, const double ext[4], struct sk_error *err)
{
	const struct sk_grid *gr = &job->grid;
	const long long n = (long long)ou->n, m = (long long)used;
	char d[64], d2[64], r[160];

	if (2 * ou->n <= used || (job->allow_outside && ou->n < used))
		return 0;
	if (job->coords == SK_COORDS_MID && 2 * ou->r0 > ou->n)
		return sk_error_set(err, SK_ESTATE,
				    "%lld of %lld input traces lie outside the grid because gx/gy are 0 in %lld of "
				    "them: their midpoints fall halfway between source and origin, the nearest %s "
				    "%s; give --coords src or --coords cdp for post-stack data, or "
				    "set gx/gy (segedit)", n, m, (long long)ou->r0,
				    sk_distance_text(ou->nearest_r0, d, sizeof d), beyond_what(o));
	if (job->coords == SK_COORDS_MID && 2 * ou->s0 > ou->n)
		return sk_error_set(err, SK_ESTATE,
				    "%lld of %lld input traces lie outside the grid because sx/sy are 0 in %lld of "
				    "them: their midpoints fall halfway between receiver and origin, the nearest %s "
				    "%s; set sx/sy (segedit), or give --coords rcv", n, m,
				    (long long)ou->s0, sk_distance_text(ou->nearest_s0, d, sizeof d), beyond_what(o));
	if (2 * ou->zero > ou->n) {
		double f, sl, dist;
		sk_grid_locate(gr, 0.0, 0.0, &f, &sl);
		beyond(gr, o, f, sl, &dist);
		return sk_error_set(err, SK_ESTATE,
				    "%lld of %lld input traces lie outside the grid because %s are 0 in %lld "
				    "of them (the origin is %s %s); set them (segedit) or give "
				    "other --coords", n, m, coords_keys(job->coords), (long long)ou->zero,
				    sk_distance_text(dist, d, sizeof d), beyond_what(o));
	}
	if (2 * ou->inner > ou->n || (ou->n == used && ou->inner > 0))
		return sk_error_set(err, SK_ESTATE,
				    "%lld of %lld input traces lie more than %g m (--radius) from every grid "
				    "location, %lld of them inside the grid's outer bins (the nearest is %s from a "
				    "location): give a larger --radius", n, m, o->radius, (long long)ou->inner,
				    sk_distance_text(ou->nearest, d, sizeof d));
	{
		double gx0, gx1, gy0, gy1;
		sk_grid_extent(gr, &gx0, &gx1, &gy0, &gy1);
		if (ou->n == used)
			return sk_error_set(err, SK_ESTATE,
					    "the grid does not overlap the data: traces lie in x %.1f..%.1f, y %.1f..%.1f; "
					    "grid locations in x %.1f..%.1f, y %.1f..%.1f", ext[0], ext[1], ext[2], ext[3],
					    gx0, gx1, gy0, gy1);
		if (o->in_bin)
			snprintf(r, sizeof r, "outside its outer bins; the nearest is %s beyond them",
				 sk_distance_text(ou->nearest, d, sizeof d));
		else
			snprintf(r, sizeof r, "more than %s from every grid location; the nearest is %s from one",
				 sk_distance_text(o->radius, d, sizeof d),
				 sk_distance_text(ou->nearest, d2, sizeof d2));
		return sk_error_set(err, SK_ESTATE,
				    "%lld of %lld input traces lie outside the grid (%s): %s in x %.1f..%.1f, "
				    "y %.1f..%.1f, grid locations in x %.1f..%.1f, y %.1f..%.1f; a grid over part "
				    "of the data needs --allow-outside", n, m, r, coords_what[job->coords], ext[0],
				    ext[1], ext[2], ext[3], gx0, gx1, gy0, gy1);
	}
}

/* Which used traces a run keeps: all of them, or (--part) those inside a
 * box of the grid frame, the slice's locations widened by the support. */
struct keep {
	int on;
	double box[4];           /* umin, umax, vmin, vmax */
};

static int keep_has(const struct keep *k, double u, double v)
{
	return !k->on || (u >= k->box[0] && u <= k->box[1] && v >= k->box[2] && v <= k->box[3]);
}

/* The locations first .. last - 1 (inline-major) lie in whole rows, or in
 * part of one row: their box widened by mu and mv (and a little more, so
 * that rounding never drops a trace at the edge). */
static void keep_set(struct keep *k, const struct sk_grid *gr, int64_t first, int64_t last, double mu, double mv)
{
	const int64_t r0 = first / gr->nx, r1 = (last - 1) / gr->nx;
	const int64_t c0 = r0 == r1 ? first % gr->nx : 0, c1 = r0 == r1 ? (last - 1) % gr->nx : gr->nx - 1;
	const double u0 = fmin((double)c0 * gr->dx, (double)c1 * gr->dx);
	const double u1 = fmax((double)c0 * gr->dx, (double)c1 * gr->dx);
	const double v0 = gr->is_line ? 0.0 : fmin((double)r0 * gr->dy, (double)r1 * gr->dy);
	const double v1 = gr->is_line ? 0.0 : fmax((double)r0 * gr->dy, (double)r1 * gr->dy);
	const double tu = 1e-9 * (fabs(u0) + fabs(u1) + mu) + 1e-9, tv = 1e-9 * (fabs(v0) + fabs(v1) + mv) + 1e-9;

	k->on = 1;
	k->box[0] = u0 - mu - tu;
	k->box[1] = u1 + mu + tu;
	k->box[2] = gr->is_line ? -1.0 : v0 - mv - tv;
	k->box[3] = gr->is_line ? 1.0 : v1 + mv + tv;
}

/* What the input pass counts over every used trace (kept or not). */
struct tally {
	int64_t inputs, used, zero_xy;
	double ext[4];           /* world x, y extents */
	double frame[4];         /* grid-frame u, v extents */
	struct outside ou;
	int64_t first;           /* input index of the first used trace, or -1 */
};

static void tally_init(struct tally *t)
{
	memset(t, 0, sizeof *t);
	t->ext[0] = t->ext[2] = t->frame[0] = t->frame[2] = INFINITY;
	t->ext[1] = t->ext[3] = t->frame[1] = t->frame[3] = -INFINITY;
	t->ou.nearest = t->ou.nearest_r0 = t->ou.nearest_s0 = INFINITY;
	t->first = -1;
}

static void tally_merge(struct tally *t, const struct tally *c)
{
	t->inputs += c->inputs;
	t->used += c->used;
	t->zero_xy += c->zero_xy;
	for (int i = 0; i < 4; i += 2) {
		t->ext[i] = fmin(t->ext[i], c->ext[i]);
		t->ext[i + 1] = fmax(t->ext[i + 1], c->ext[i + 1]);
		t->frame[i] = fmin(t->frame[i], c->frame[i]);
		t->frame[i + 1] = fmax(t->frame[i + 1], c->frame[i + 1]);
	}
	t->ou.n += c->ou.n;
	t->ou.r0 += c->ou.r0;
	t->ou.s0 += c->ou.s0;
	t->ou.zero += c->ou.zero;
	t->ou.inner += c->ou.inner;
	t->ou.nearest = fmin(t->ou.nearest, c->ou.nearest);
	t->ou.nearest_r0 = fmin(t->ou.nearest_r0, c->ou.nearest_r0);
	t->ou.nearest_s0 = fmin(t->ou.nearest_s0, c->ou.nearest_s0);
	if (t->first < 0)
		t->first = c->first;
}

/* One trace's header: 0 when the trace is not used (dead or dummy, or
 * outside the offset axis); else 1 with its position in the grid frame
 * (u, v), offset h and class, counted in t. */
static int classify(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const unsigned char *hdr,
		    int64_t idx, struct tally *t, double *u, double *v, double *h, int *cls)
{
	const struct sk_grid *gr = &job->grid;
	const int trid = sk_hdr_i16(hdr, SK_TR_TRID);
	double x, y, fast, slow, dist;

	t->inputs++;
	if (trid == 2 || trid == 3)
		return 0;
	position(hdr, job->coords, &x, &y);
	*cls = 0;
	*h = 0;
	if (job->have_offsets) {
		const double ho = fabs((double)sk_hdr_i32(hdr, SK_TR_OFFSET));
		const double c = floor((ho - job->o0) / job->dof + 0.5);
		if (!(c >= 0 && c < (double)job->no))
			return 0;
		*cls = (int)c;
		*h = ho;
	}
	if (x == 0 && y == 0)
		t->zero_xy++;
	if (t->first < 0)
		t->first = idx;
	t->used++;
	t->ext[0] = fmin(t->ext[0], x);
	t->ext[1] = fmax(t->ext[1], x);
	t->ext[2] = fmin(t->ext[2], y);
	t->ext[3] = fmax(t->ext[3], y);
	sk_grid_locate(gr, x, y, &fast, &slow);
	if (beyond(gr, o, fast, slow, &dist))
		outside_add(&t->ou, hdr, x, y, dist, !beyond(gr, o, fast, slow, NULL));
	*u = fast * gr->dx;
	*v = gr->is_line ? 0.0 : slow * gr->dy;
	t->frame[0] = fmin(t->frame[0], *u);
	t->frame[1] = fmax(t->frame[1], *u);
	t->frame[2] = fmin(t->frame[2], *v);
	t->frame[3] = fmax(t->frame[3], *v);
	return 1;
}

/* The result of one pass over the input. */
struct scan {
	struct grow g;           /* the kept traces */
	struct tally t;
	unsigned char *first_hdr;/* the first used trace's header */
	double (*hull)[2];       /* the used traces' convex hull (when asked) */
	long nh;
	int in_place;            /* samples are read in place */
	int spool_err;           /* the error is about the spool, not the input */
};

static void scan_release(struct scan *sc, struct store *st)
{
	free(sc->g.u);
	free(sc->g.v);
	free(sc->g.h);
	free(sc->g.cls);
	free(sc->g.tidx);
	free(sc->hull);
	memset(&sc->g, 0, sizeof sc->g);
	sc->hull = NULL;
	sc->nh = 0;
	for (long c = 0; c < st->nc; c++)
		free(st->cs[c]);
	free(st->cs);
	free(st->cstart);
	st->cs = NULL;
	st->cstart = NULL;
	st->nc = 0;
	free(st->mem);
	st->mem = NULL;
	st->nmem = 0;
	if (st->spool_fd >= 0)
		close(st->spool_fd);
	st->spool_fd = -1;
}

/* The input read from start to end (pipes, compressed sgk): samples kept in
 * memory while they fit in job->mem, then spooled; or, for a large file
 * that allows random reads, left in place. */
static int scan_seq(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, struct sk_reader *r,
		    const struct keep *kp, struct scan *sc, struct store *store, struct sk_error *err)
{
	const struct sk_info *info = sk_reader_info(r);
	unsigned char *hdr = malloc(info->hdrlen);
	float *buf = malloc((size_t)info->ns * sizeof *buf);
	int rc = 0;

	if (!hdr || !buf) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	sc->in_place = info->ntraces >= 0 && sk_reader_pread_size(r) > 0 &&
		       (uint64_t)info->ntraces * (uint64_t)info->ns * sizeof(float) > job->mem;
	/* The first pass reads from start to end; the in-place reads later
	 * seek, which ends the read-ahead. */
	sk_reader_readahead(r, NULL);
	for (;;) {
		double u, v, h;
		int cls;
		const int64_t t = sk_reader_tell(r);
		rc = sk_reader_next(r, hdr, sc->in_place ? NULL : buf, err);
		if (rc == 0)
			break;
		if (rc < 0)
			goto out;
		if (!classify(job, o, hdr, t, &sc->t, &u, &v, &h, &cls))
			continue;
		if (sc->t.first == t)
			memcpy(sc->first_hdr, hdr, info->hdrlen);
		if (!keep_has(kp, u, v))
			continue;
		if (grow_push(&sc->g, u, v, h, cls, t) < 0) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		if (sc->in_place)
			continue;
		/* Samples: memory while they fit, then the spool. */
		if (store->spool_fd < 0) {
			if ((uint64_t)sc->g.n * (uint64_t)info->ns * sizeof(float) <= job->mem) {
				if ((size_t)sc->g.n > (size_t)store->nmem) {
					const long cap = store->nmem ? 2 * store->nmem : 1024;
					float *m = realloc(store->mem, (size_t)cap * (size_t)info->ns * sizeof *m);
					if (!m) {
						rc = sk_error_set(err, SK_ENOMEM, "out of memory");
						goto out;
					}
					store->mem = m;
					store->nmem = cap;
				}
				memcpy(store->mem + (size_t)(sc->g.n - 1) * (size_t)info->ns, buf,
				       (size_t)info->ns * sizeof *buf);
				continue;
			}
			if ((rc = sk_ofile_spool_at("regrid-spool", store->spool_path, sizeof store->spool_path, err)) < 0) {
				sc->spool_err = 1;
				goto out;
			}
			store->spool_fd = rc;
			rc = spool_write(store, store->mem, (size_t)(sc->g.n - 1) * (size_t)info->ns * sizeof(float), err);
			free(store->mem);
			store->mem = NULL;
			if (rc < 0) {
				sc->spool_err = 1;
				goto out;
			}
		}
		if ((rc = spool_write(store, buf, (size_t)info->ns * sizeof *buf, err)) < 0) {
			sc->spool_err = 1;
			goto out;
		}
	}
out:
	free(hdr);
	free(buf);
	return rc;
}

/* One chunk of the parallel pass: input traces t0 .. t1 - 1. */
struct chunk {
	int64_t t0, t1;
	struct grow g;
	float *s;                /* kept x ns samples, or NULL */
	struct tally t;
	unsigned char *first_hdr;
	double (*pts)[2];        /* hull of its used traces (class 0) */
	long nh;
	int rc;
	struct sk_error err;
};

struct par_ctx {
	const struct sk_regrid_job *job;
	const struct sk_regrid_opts *o;
	const struct sk_reader *r;
	const struct keep *kp;
	int want_hull;
	uint64_t held;           /* sample bytes reserved so far (atomic) */
	int over;                /* they would exceed job->mem: in place */
	int stop;                /* a chunk failed */
};

static int scan_chunk(struct par_ctx *pc, struct chunk *ck, unsigned char *scratch, unsigned char *hdr)
{
	const struct sk_info *info = sk_reader_info(pc->r);
	const long ns = info->ns, n = (long)(ck->t1 - ck->t0);
	const uint64_t bytes = (uint64_t)n * (uint64_t)ns * sizeof(float);
	long np = 0;
	int over, samples = 0;

	tally_init(&ck->t);
	#pragma omp atomic read
	over = pc->over;
	if (!over) {
		uint64_t held;
		#pragma omp atomic capture
		held = pc->held += bytes;
		if (held > pc->job->mem) {
			#pragma omp atomic write
			pc->over = 1;
		} else if (!(ck->s = sk_bigmem_alloc((size_t)bytes))) {
			return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
		} else {
			samples = 1;
		}
	}
	if (pc->want_hull && !(ck->pts = malloc((size_t)n * sizeof *ck->pts)))
		return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
	for (int64_t t = ck->t0; t < ck->t1; t++) {
		double u, v, h;
		int cls, rc;
		/* A slice decodes only the samples it keeps. */
		float *dst = samples && !pc->kp->on ? ck->s + (size_t)ck->g.n * (size_t)ns : NULL;
		if ((rc = sk_reader_pread(pc->r, t, scratch, hdr, dst, &ck->err)) < 0)
			return rc;
		if (!classify(pc->job, pc->o, hdr, t, &ck->t, &u, &v, &h, &cls))
			continue;
		if (ck->t.first == t) {
			if (!(ck->first_hdr = malloc(info->hdrlen)))
				return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
			memcpy(ck->first_hdr, hdr, info->hdrlen);
		}
		if (pc->want_hull && cls == 0) {
			ck->pts[np][0] = u;
			ck->pts[np][1] = v;
			np++;
		}
		if (!keep_has(pc->kp, u, v))
			continue;
		if (samples && pc->kp->on &&
		    (rc = sk_reader_pread(pc->r, t, scratch, NULL, ck->s + (size_t)ck->g.n * (size_t)ns, &ck->err)) < 0)
			return rc;
		if (grow_push(&ck->g, u, v, h, cls, t) < 0)
			return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
	}
	if (samples) {
		const uint64_t unused = (uint64_t)(n - ck->g.n) * (uint64_t)ns * sizeof(float);
		#pragma omp atomic update
		pc->held -= unused;
		if (ck->g.n == 0) {
			free(ck->s);
			ck->s = NULL;
		} else {
			float *m = realloc(ck->s, (size_t)ck->g.n * (size_t)ns * sizeof *m);
			if (m)
				ck->s = m;
		}
	}
	if (pc->want_hull) {
		ck->nh = sk_regrid_hull(ck->pts, np);
		if (ck->nh < 0)
			return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

static int grow_append(struct grow *g, const struct grow *c)
{
	for (long i = 0; i < c->n; i++)
		if (grow_push(g, c->u[i], c->v[i], c->h[i], c->cls[i], c->tidx[i]) < 0)
			return SK_ENOMEM;
	return 0;
}

/* A file that allows random reads, in chunks read and decoded by every
 * thread at once (sk_reader_pread), merged in input order: the same result
 * for any number of threads. */
static int scan_par(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const struct sk_reader *r,
		    const struct keep *kp, int want_hull, struct scan *sc, struct store *store, struct sk_error *err)
{
	const struct sk_info *info = sk_reader_info(r);
	const size_t psize = sk_reader_pread_size(r);
	int64_t per = (int64_t)((8u << 20) / psize);
	long nc, np = 0;
	struct chunk *ck;
	struct par_ctx pc = {job, o, r, kp, want_hull, 0, 0, 0};
	int rc = 0, nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	/* About 8 MiB a chunk, and at least four chunks a thread so that the
	 * threads finish together; the result does not depend on the split. */
	if (per > (info->ntraces + 4 * nth - 1) / (4 * nth))
		per = (info->ntraces + 4 * nth - 1) / (4 * nth);
	if (per < 16)
		per = 16;
	nc = (long)((info->ntraces + per - 1) / per);
	if (!(ck = calloc((size_t)(nc > 0 ? nc : 1), sizeof *ck)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (long c = 0; c < nc; c++) {
		ck[c].t0 = (int64_t)c * per;
		ck[c].t1 = ck[c].t0 + per < info->ntraces ? ck[c].t0 + per : info->ntraces;
	}
	#pragma omp parallel num_threads(nth)
	{
		unsigned char *scratch = malloc(psize), *hdr = malloc(info->hdrlen);
		#pragma omp for schedule(dynamic, 1)
		for (long c = 0; c < nc; c++) {
			int stop;
			#pragma omp atomic read
			stop = pc.stop;
			if (stop)
				continue;
			ck[c].rc = scratch && hdr ? scan_chunk(&pc, &ck[c], scratch, hdr)
						  : sk_error_set(&ck[c].err, SK_ENOMEM, "out of memory");
			if (ck[c].rc < 0) {
				#pragma omp atomic write
				pc.stop = 1;
			}
		}
		free(scratch);
		free(hdr);
	}
	/* In input order: the first failing chunk's error, the kept traces,
	 * the counts, the hull. */
	sc->in_place = pc.over;
	for (long c = 0; c < nc && rc == 0; c++) {
		if (ck[c].rc < 0) {
			*err = ck[c].err;
			rc = ck[c].rc;
			break;
		}
		if (sc->t.first < 0 && ck[c].first_hdr)
			memcpy(sc->first_hdr, ck[c].first_hdr, info->hdrlen);
		tally_merge(&sc->t, &ck[c].t);
		if (grow_append(&sc->g, &ck[c].g) < 0)
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		np += ck[c].nh;
	}
	if (rc == 0 && !sc->in_place) {
		store->cs = calloc((size_t)(nc > 0 ? nc : 1), sizeof *store->cs);
		store->cstart = calloc((size_t)(nc > 0 ? nc : 1) + 1, sizeof *store->cstart);
		if (!store->cs || !store->cstart) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		} else {
			store->nc = nc;
			for (long c = 0; c < nc; c++) {
				store->cs[c] = ck[c].s;
				ck[c].s = NULL;
				store->cstart[c + 1] = store->cstart[c] + ck[c].g.n;
			}
		}
	}
	if (rc == 0 && want_hull) {
		if (!(sc->hull = malloc((size_t)(np > 0 ? np : 1) * sizeof *sc->hull))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		} else {
			np = 0;
			for (long c = 0; c < nc; c++)
				for (long i = 0; i < ck[c].nh; i++, np++) {
					sc->hull[np][0] = ck[c].pts[i][0];
					sc->hull[np][1] = ck[c].pts[i][1];
				}
			sc->nh = sk_regrid_hull(sc->hull, np);
			if (sc->nh < 0)
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	}
	for (long c = 0; c < nc; c++) {
		free(ck[c].g.u);
		free(ck[c].g.v);
		free(ck[c].g.h);
		free(ck[c].g.cls);
		free(ck[c].g.tidx);
		free(ck[c].s);
		free(ck[c].first_hdr);
		free(ck[c].pts);
	}
	free(ck);
	return rc;
}

/* For linear on a slice: whether every location of the slice gets the
 * whole run's triangle (regrid.h sk_regrid_exact); 1, 0, or SK_ENOMEM. */
static int slice_exact(const struct sk_regrid *rg, const struct sk_grid *gr, int64_t first, int64_t last, long no,
		       const struct keep *kp, const struct scan *sc)
{
	struct sk_regrid_ws *ws = sk_regrid_ws_new(rg);
	int ok = 1;

	if (!ws)
		return SK_ENOMEM;
	for (int64_t i = first; i < last && ok == 1; i++)
		for (long j = 0; j < no && ok == 1; j++)
			ok = sk_regrid_exact(rg, ws, (double)(i % gr->nx) * gr->dx,
					     gr->is_line ? 0.0 : (double)(i / gr->nx) * gr->dy, (int)j, kp->box,
					     (const double (*)[2])sc->hull, sc->nh);
	sk_regrid_ws_free(ws);
	return ok;
}

/* A block of output written: grid locations b0 .. b1 - 1, each with its
 * offsets, their traces in out and live. */
struct wblock {
	const struct sk_regrid_job *job;
	const struct sk_grid *gr;
	const struct sk_info *info;
	const struct sk_regrid *rg;
	struct sk_regrid_stats *st;
	struct sk_writer *w;
	FILE *fold;
	const unsigned char *first_hdr;
	unsigned char *hdr;
	long no;
	int64_t first, last;
	int64_t b0, b1;
	const double *u, *v, *h;
	const float *out;
	const int *live;
	int rc;
	struct sk_error err;
};

/* Writes the block (headers, samples, fold lines) in output order; called
 * by one thread (sk_regrid_block_beside's initial thread) while the others
 * interpolate the next block, which is why the output is touched inside a
 * parallel region: still one thread, in order, as STYLE.md asks. */
static void write_block(void *ctx)
{
	struct wblock *wb = ctx;
	const struct sk_info *info = wb->info;
	const struct sk_grid *gr = wb->gr;
	long n = 0;

	if (wb->rc < 0)
		return;
	for (int64_t i = wb->b0; i < wb->b1; i++)
		for (long j = 0; j < wb->no; j++, n++) {
			const long fold_n = sk_regrid_fold(wb->rg, wb->u[n], wb->v[n], (int)j);
			const int64_t seq = i * wb->no + j + 1;
			unsigned char *hdr = wb->hdr;
			double cx, cy;
			long il, xl;
			memset(hdr, 0, info->hdrlen);
			sk_grid_header(gr, i, hdr);
			sk_hdr_set_i32(hdr, SK_TR_TRACL, (int32_t)seq);
			sk_hdr_set_i32(hdr, SK_TR_TRACR, (int32_t)seq);
			sk_hdr_set_i16(hdr, SK_TR_TRID, (int16_t)(wb->live[n] ? 1 : 2));
			sk_hdr_set_i16(hdr, SK_TR_NHS, (int16_t)(fold_n > 32767 ? 32767 : fold_n));
			sk_hdr_set_i32(hdr, SK_TR_OFFSET, (int32_t)lround(wb->h[n]));
			/* The first input's recording delay and its time scalar. */
			memcpy(hdr + SK_TR_DELRT - 1, wb->first_hdr + SK_TR_DELRT - 1, 2);
			memcpy(hdr + SK_TR_SCALT - 1, wb->first_hdr + SK_TR_SCALT - 1, 2);
			sk_hdr_set_i16(hdr, SK_TR_NS, (int16_t)(uint16_t)(info->ns <= 65535 ? info->ns : 0));
			sk_hdr_set_i16(hdr, SK_TR_DT, (int16_t)(uint16_t)(info->dt <= 65535 ? lround(info->dt) : 0));
			if (!wb->live[n])
				wb->st->dead++;
			wb->st->outputs++;
			if ((wb->rc = sk_writer_put(wb->w, hdr, wb->out + (size_t)n * (size_t)info->ns, &wb->err)) < 0)
				return;
			if (wb->fold) {
				sk_grid_point(gr, i, &cx, &cy);
				sk_grid_numbers(gr, i, &il, &xl);
				fprintf(wb->fold, "%lld\t%ld\t%ld\t%.10g\t%.10g\t%.10g\t%ld\t%d\n", (long long)i + 1, il,
					xl, cx, cy, wb->h[n], fold_n, wb->live[n]);
			}
		}
	if (wb->job->progress)
		wb->job->progress(wb->job->progress_ctx, wb->b1 - wb->first, wb->last - wb->first);
}

int sk_regrid_run(const struct sk_regrid_job *job, struct sk_regrid_stats *st,
		  struct sk_error *err)
{
	struct sk_reader *r = NULL;
	struct sk_writer *w = NULL;
	struct sk_regrid *rg = NULL;
	struct store store = {0};
	struct scan sc;
	struct keep kp = {0, {0, 0, 0, 0}};
	struct sk_info like;
	const struct sk_info *info;
	const struct sk_grid *gr = &job->grid;
	struct sk_regrid_opts o = job->opts;
	unsigned char *hdr = NULL;
	float *out[2] = {NULL, NULL};
	double *vr = NULL, *bu[2] = {NULL, NULL}, *bv[2] = {NULL, NULL}, *bh[2] = {NULL, NULL};
	int *bc[2] = {NULL, NULL}, *live[2] = {NULL, NULL};
	FILE *fold = NULL;
	/* The output and the fold table commit together, or neither does. */
	struct sk_ofile fold_of = {-1, NULL, NULL, -1};
	struct sk_ofset set;
	struct sk_wopts wo = job->wopts;
	int64_t first = 0, last = sk_grid_size(gr);
	const long no = job->have_offsets ? job->no : 1;
	int rc = 0, par, linear_part = 0;
	double mu = 0, mv = 0;
	long blk;
	const char *what;      /* the file an error is about */

	memset(st, 0, sizeof *st);
	memset(&sc, 0, sizeof sc);
	sk_ofset_init(&set);
	wo.set = &set;
	what = sk_in_name(job->in);
	store.spool_fd = -1;
	if (job->part && (rc = sk_grid_part(job->part, sk_grid_size(gr), &first, &last, err)) < 0)
		return rc;
	if ((rc = sk_reader_open(job->in, job->from, &r, err)) < 0)
		return rc;
	/* A terminal for the output is refused now, not after the work. */
	if ((rc = sk_out_check_tty(job->out, err)) < 0)
		goto done;
	info = sk_reader_info(r);
	store.ns = info->ns;
	o.ns = info->ns;
	o.dt = info->dt * 1e-6;
	o.line = gr->is_line;
	o.bin_dx = gr->dx;
	o.bin_dy = gr->is_line ? 0 : gr->dy;
	if (o.radius < 0 && !o.in_bin)
		o.radius = 2 * (gr->is_line || gr->dx > gr->dy ? gr->dx : gr->dy);
	if (!(o.dt > 0)) {
		rc = sk_error_set(err, SK_EFMT, "sample interval dt=%g is not positive", info->dt);
		goto done;
	}
	hdr = malloc(info->hdrlen);
	sc.first_hdr = calloc(1, info->hdrlen);
	if (!hdr || !sc.first_hdr) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	/* A file that allows random reads is read by every thread at once;
	 * one with a truncated last trace from start to end, which reports it. */
	par = info->ntraces >= 0 && sk_reader_pread_size(r) > 0 && info->trailing == 0;
	/* A slice keeps the traces within its support: the radius, the bins
	 * (the fold), and for linear the triangles around its locations,
	 * widened until they are certainly the whole run's (a file read again;
	 * a pipe keeps everything for linear). */
	if (job->part) {
		const double rad = o.in_bin ? 0.0 : fabs(o.radius);
		mu = fmax(rad, fabs(gr->dx) / 2);
		mv = gr->is_line ? 0.0 : fmax(rad, fabs(gr->dy) / 2);
		if (o.method != SK_REGRID_LINEAR) {
			keep_set(&kp, gr, first, last, mu, mv);
		} else if (par) {
			linear_part = 1;
			mu *= 2;
			mv *= 2;
			keep_set(&kp, gr, first, last, mu, mv);
		}
	}
	for (;;) {
		tally_init(&sc.t);
		rc = par ? scan_par(job, &o, r, &kp, linear_part && !job->have_offsets, &sc, &store, err)
			 : scan_seq(job, &o, r, &kp, &sc, &store, err);
		if (rc < 0) {
			if (sc.spool_err)
				what = NULL;
			goto done;
		}
		st->inputs = sc.t.inputs;
		st->used = sc.t.used;
		if (sc.t.used == 0) {
			rc = sk_error_set(err, SK_EFMT, st->inputs ? "no live trace%s" : "no traces",
					  job->have_offsets ? " in the offset range" : "");
			goto done;
		}
		if (sc.t.zero_xy == sc.t.used) {
			rc = sk_error_set(err, SK_EFMT, "no coordinates: %s are 0 in all %lld traces (see --coords)",
					  coords_keys(job->coords), (long long)sc.t.used);
			goto done;
		}
		if ((rc = onepos_error(job, sc.t.used, sc.t.ext, err)) < 0)
			goto done;
		/* Some trace must reach the grid's bins (or their radius), and most
		 * of them must unless allow_outside says otherwise. */
		st->outside = sc.t.ou.n;
		st->radius = o.radius;
		if ((rc = outside_error(job, &o, &sc.t.ou, sc.t.used, sc.t.ext, err)) < 0)
			goto done;
		store.tidx = sc.g.tidx;
		if (sc.in_place && !store.raw && (rc = in_place_open(&store, r, err)) < 0)
			goto done;
		if (job->have_vel && !vr) {
			vr = malloc((size_t)info->ns * sizeof *vr);
			if (!vr) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto done;
			}
			if ((rc = vel_table(job, o.dt, info->ns, vr, err)) < 0)
				goto done;
			o.vrms = vr;
		}
		{
			const struct sk_regrid_input in = {sc.g.n, sc.g.u, sc.g.v, job->have_offsets ? sc.g.h : NULL,
							   sc.g.cls, (int)no, store_fetch, &store, sc.t.frame};
			what = NULL;
			if ((rc = sk_regrid_new(&o, &in, &rg, err)) < 0)
				goto done;
		}
		if (!linear_part || !kp.on)
			break;
		if ((rc = slice_exact(rg, gr, first, last, no, &kp, &sc)) < 0) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto done;
		}
		if (rc == 1)
			break;
		/* Not certain: a wider box, read again; at the data's extent it
		 * keeps everything. */
		rc = 0;
		sk_regrid_free(rg);
		rg = NULL;
		scan_release(&sc, &store);
		mu *= 2;
		mv *= 2;
		keep_set(&kp, gr, first, last, mu, mv);
		if (kp.box[0] <= sc.t.frame[0] && kp.box[1] >= sc.t.frame[1] && kp.box[2] <= sc.t.frame[2] &&
		    kp.box[3] >= sc.t.frame[3])
			kp.on = 0;
		what = sk_in_name(job->in);
	}
	st->kept = sc.g.n;
	what = sk_out_name(job->out);
	like = *info;
	like.su_tail = 0;   /* output headers carry cdpx, cdpy, iline, xline */
	sk_wopts_computed(&wo, &like);
	if ((rc = sk_writer_open(job->out, &like, &wo, &w, err)) < 0) {
		w = NULL;
		if (err->code == SK_EARG)
			what = NULL;
		goto done;
	}
	if (job->fold) {
		/* stdio gets a copy of the descriptor: the ofile's own close
		 * syncs the file before the rename. */
		int fd = -1;
		if ((rc = sk_ofile_open(&fold_of, job->fold, err)) < 0 ||
		    (fd = fcntl(fold_of.fd, F_DUPFD_CLOEXEC, 0)) < 0 || !(fold = fdopen(fd, "w"))) {
			what = job->fold;
			if (rc == 0)
				rc = sk_error_sys(err, "%s", "");
			if (fd >= 0)
				close(fd);
			goto done;
		}
		fputs("cdp\tiline\txline\tcdpx\tcdpy\toffset\tfold\tlive\n", fold);
	}
	blk = BLOCK_SAMPLES / (info->ns * no);
	if (blk < 16)
		blk = 16;
	{
		const long nb = blk * no;
		for (int k = 0; k < 2; k++) {
			bu[k] = malloc((size_t)nb * sizeof *bu[k]);
			bv[k] = malloc((size_t)nb * sizeof *bv[k]);
			bh[k] = malloc((size_t)nb * sizeof *bh[k]);
			bc[k] = malloc((size_t)nb * sizeof *bc[k]);
			live[k] = malloc((size_t)nb * sizeof *live[k]);
			out[k] = sk_bigmem_alloc((size_t)nb * (size_t)info->ns * sizeof *out[k]);
			if (!bu[k] || !bv[k] || !bh[k] || !bc[k] || !live[k] || !out[k]) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	{
		struct wblock wb = {job, gr, info, rg, st, w, fold, sc.first_hdr, hdr, no, first, last,
				    0, 0, NULL, NULL, NULL, NULL, NULL, 0, {0}};
		int k = 0;
		/* Block b is interpolated while block b - 1 is written (by the
		 * initial thread, which then joins the interpolation): the
		 * output's conversion and writes overlap the work. */
		for (int64_t b0 = first; b0 < last; b0 += blk, k ^= 1) {
			const int64_t b1 = b0 + blk < last ? b0 + blk : last;
			long n = 0;
			for (int64_t i = b0; i < b1; i++)
				for (long j = 0; j < no; j++) {
					bu[k][n] = (double)(i % gr->nx) * gr->dx;
					bv[k][n] = gr->is_line ? 0.0 : (double)(i / gr->nx) * gr->dy;
					bc[k][n] = (int)j;
					bh[k][n] = job->have_offsets ? job->o0 + (double)j * job->dof : 0.0;
					n++;
				}
			rc = sk_regrid_block_beside(rg, bu[k], bv[k], bc[k], bh[k], n, out[k], live[k],
						    wb.b1 > wb.b0 ? write_block : NULL, &wb, err);
			if (wb.rc < 0) {
				*err = wb.err;
				rc = wb.rc;
				what = sk_out_name(job->out);
				goto done;
			}
			if (rc < 0) {
				what = sc.in_place ? sk_in_name(job->in) : NULL;
				goto done;
			}
			wb.b0 = b0;
			wb.b1 = b1;
			wb.u = bu[k];
			wb.v = bv[k];
			wb.h = bh[k];
			wb.out = out[k];
			wb.live = live[k];
		}
		if (wb.b1 > wb.b0)
			write_block(&wb);
		if (wb.rc < 0) {
			*err = wb.err;
			rc = wb.rc;
			what = sk_out_name(job->out);
			goto done;
		}
	}
	/* Not one grid location has an input trace in reach: all-dead output
	 * is no result (a --part slice may be empty on its own). */
	if (st->outputs > 0 && st->dead == st->outputs && !job->part) {
		what = sk_in_name(job->in);
		if (o.in_bin)
			rc = sk_error_set(err, SK_ESTATE, "all %lld output traces would be dead: no input trace lies inside "
					  "a bin of the grid", (long long)st->outputs);
		else
			rc = sk_error_set(err, SK_ESTATE, "all %lld output traces would be dead: no input trace lies "
					  "within %g m of a grid location (see --radius)", (long long)st->outputs,
					  o.radius);
		goto done;
	}
	if (fold) {
		const int bad = fflush(fold) != 0 || ferror(fold);
		const int e = errno ? errno : EIO;
		const int cbad = fclose(fold) != 0;
		fold = NULL;
		if (!bad && !cbad)
			rc = sk_ofset_add(&set, &fold_of, err);
		if (bad || cbad || rc < 0) {
			what = job->fold;
			if (bad)
				errno = e;
			if (bad || cbad)
				rc = sk_error_sys(err, "%s", "");
			goto done;
		}
	}
	what = sk_out_name(job->out);
	rc = sk_writer_close(w, err);
	w = NULL;
	if (rc == 0 && (rc = sk_ofset_commit(&set, err)) < 0 && job->fold &&
	    strcmp(set.f[set.failed].path, job->fold) == 0)
		what = job->fold;
done:
	sk_writer_abort(w);
	if (fold)
		fclose(fold);
	sk_ofile_abort(&fold_of);
	sk_ofset_abort(&set);
	sk_regrid_free(rg);
	sk_reader_free(r);
	for (int t = 0; t < store.nraw; t++)
		free(store.raw[t]);
	free(store.raw);
	scan_release(&sc, &store);
	free(sc.first_hdr);
	free(hdr);
	free(vr);
	for (int k = 0; k < 2; k++) {
		free(out[k]);
		free(bu[k]);
		free(bv[k]);
		free(bh[k]);
		free(bc[k]);
		free(live[k]);
	}
	return sk_error_at(err, rc, what);
}
