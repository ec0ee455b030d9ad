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

#include "file.h"
#include "hdr.h"
#include "io.h"
#include "ofile.h"
#include "par.h"

/* Output samples per parallel block (about 64 MiB of floats): few blocks, so
 * that thread start-up and workspaces are paid rarely, and bounded memory. */
#define BLOCK_SAMPLES (16L << 20)

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
};

static int store_fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err)
{
	struct store *s = ctx;
	const size_t rec = (size_t)s->ns * sizeof(float);
	if (s->mem) {
		memcpy(out, s->mem + (size_t)idx * (size_t)s->ns, rec);
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
 * More than one used trace, all at one position, on a grid of more than
 * one location: every location within the radius would be built from the
 * same traces, which hold nothing about the lateral variation (a stack
 * whose headers hold one constant cdpx/cdpy, left by a conversion).  A
 * grid of one location (a bin stack of one gather) is allowed.
 */
static int onepos_error(const struct sk_regrid_job *job, long n, int varied, double x, double y,
			struct sk_error *err)
{
	static const char *const kx[] = {"midpoint", "cdpx", "sx", "gx"}, *const ky[] = {"", " cdpy", " sy", " gy"};
	char at[96];

	if (n < 2 || varied || sk_grid_size(&job->grid) < 2)
		return 0;
	snprintf(at, sizeof at, "%s %g,%s %g", kx[job->coords], x, ky[job->coords], y);
	return sk_error_set(err, SK_ESTATE,
			    "all %ld live traces are at one position (%s in every trace), so every grid "
			    "location within reach would be built from the same traces: load the geometry "
			    "first (segedit) or give other --coords", n, at);
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

int sk_regrid_run(const struct sk_regrid_job *job, struct sk_regrid_stats *st,
		  struct sk_error *err)
{
	struct sk_reader *r = NULL;
	struct sk_writer *w = NULL;
	struct sk_regrid *rg = NULL;
	struct store store = {0};
	struct grow g = {0};
	struct sk_info like;
	const struct sk_info *info;
	const struct sk_grid *gr = &job->grid;
	struct sk_regrid_opts o = job->opts;
	unsigned char *hdr = NULL, *first_hdr = NULL;
	float *buf = NULL, *out = NULL;
	double *vr = NULL, *bu = NULL, *bv = NULL, *bh = NULL;
	int *bc = NULL, *live = NULL;
	FILE *fold = NULL;
	/* The output and the fold table commit together, or neither does. */
	struct sk_ofile fold_of = {-1, NULL, NULL, -1};
	struct sk_ofset set;
	struct sk_wopts wo = job->wopts;
	int64_t first = 0, last = sk_grid_size(gr), zero_xy = 0;
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	double x_first = 0, y_first = 0;
	int varied = 0;        /* the used traces are not all at one position */
	struct outside ou = {0, 0, 0, 0, 0, INFINITY, INFINITY, INFINITY};
	const long no = job->have_offsets ? job->no : 1;
	int rc = 0, in_place = 0;
	long blk;
	const char *what;      /* the file an error is about */

	memset(st, 0, sizeof *st);
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
	first_hdr = calloc(1, info->hdrlen);
	buf = malloc((size_t)info->ns * sizeof *buf);
	if (!hdr || !first_hdr || !buf) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	/* A large file that allows random reads is read in place. */
	in_place = info->ntraces >= 0 && sk_reader_pread_size(r) > 0 &&
		   (uint64_t)info->ntraces * (uint64_t)info->ns * sizeof(float) > job->mem;
	/* The first pass reads from start to end; the in-place reads later
	 * seek, which ends the read-ahead. */
	sk_reader_readahead(r, NULL);
	for (;;) {
		double x, y, fast, slow, h = 0;
		int cls = 0, trid;
		const int64_t t = sk_reader_tell(r);
		rc = sk_reader_next(r, hdr, in_place ? NULL : buf, err);
		if (rc == 0)
			break;
		if (rc < 0)
			goto done;
		st->inputs++;
		trid = sk_hdr_i16(hdr, SK_TR_TRID);
		if (trid == 2 || trid == 3)
			continue;
		position(hdr, job->coords, &x, &y);
		if (x == 0 && y == 0)
			zero_xy++;
		if (job->have_offsets) {
			const double ho = fabs((double)sk_hdr_i32(hdr, SK_TR_OFFSET));
			const double c = floor((ho - job->o0) / job->dof + 0.5);
			if (!(c >= 0 && c < (double)job->no))
				continue;
			cls = (int)c;
			h = ho;
		}
		if (g.n == 0) {
			memcpy(first_hdr, hdr, info->hdrlen);
			x_first = x;
			y_first = y;
		}
		varied |= x != x_first || y != y_first;
		if (x < xmin) xmin = x;
		if (x > xmax) xmax = x;
		if (y < ymin) ymin = y;
		if (y > ymax) ymax = y;
		sk_grid_locate(gr, x, y, &fast, &slow);
		{
			double dist;
			if (beyond(gr, &o, fast, slow, &dist))
				outside_add(&ou, hdr, x, y, dist, !beyond(gr, &o, fast, slow, NULL));
		}
		if (grow_push(&g, fast * gr->dx, gr->is_line ? 0.0 : slow * gr->dy, h, cls, t) < 0) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto done;
		}
		if (in_place)
			continue;
		/* Samples: memory while they fit, then the spool. */
		if (store.spool_fd < 0) {
			if ((uint64_t)g.n * (uint64_t)info->ns * sizeof(float) <= job->mem) {
				if ((size_t)g.n > (size_t)store.nmem) {
					const long cap = store.nmem ? 2 * store.nmem : 1024;
					float *m = realloc(store.mem, (size_t)cap * (size_t)info->ns * sizeof *m);
					if (!m) {
						rc = sk_error_set(err, SK_ENOMEM, "out of memory");
						goto done;
					}
					store.mem = m;
					store.nmem = cap;
				}
				memcpy(store.mem + (size_t)(g.n - 1) * (size_t)info->ns, buf,
				       (size_t)info->ns * sizeof *buf);
				continue;
			}
			if ((rc = sk_ofile_spool_at("regrid-spool", store.spool_path, sizeof store.spool_path, err)) < 0) {
				what = NULL;
				goto done;
			}
			store.spool_fd = rc;
			rc = spool_write(&store, store.mem,
					 (size_t)(g.n - 1) * (size_t)info->ns * sizeof(float), err);
			free(store.mem);
			store.mem = NULL;
			if (rc < 0) {
				what = NULL;
				goto done;
			}
		}
		if ((rc = spool_write(&store, buf, (size_t)info->ns * sizeof *buf, err)) < 0) {
			what = NULL;
			goto done;
		}
	}
	st->used = g.n;
	if (g.n == 0) {
		rc = sk_error_set(err, SK_EFMT, st->inputs ? "no live trace%s" : "no traces",
				  job->have_offsets ? " in the offset range" : "");
		goto done;
	}
	if (zero_xy == g.n) {
		rc = sk_error_set(err, SK_EFMT, "no coordinates: %s are 0 in all %ld traces (see --coords)",
				  coords_keys(job->coords), g.n);
		goto done;
	}
	if ((rc = onepos_error(job, g.n, varied, x_first, y_first, err)) < 0)
		goto done;
	/* Some trace must reach the grid's bins (or their radius), and most
	 * of them must unless allow_outside says otherwise. */
	st->outside = ou.n;
	st->radius = o.radius;
	{
		const double ext[4] = {xmin, xmax, ymin, ymax};
		if ((rc = outside_error(job, &o, &ou, g.n, ext, err)) < 0)
			goto done;
	}
	store.tidx = g.tidx;
	if (in_place && (rc = in_place_open(&store, r, err)) < 0)
		goto done;
	if (job->have_vel) {
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
		const struct sk_regrid_input in = {g.n, g.u, g.v, job->have_offsets ? g.h : NULL, g.cls,
						   (int)no, store_fetch, &store};
		what = NULL;
		if ((rc = sk_regrid_new(&o, &in, &rg, err)) < 0)
			goto done;
	}
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
		if ((rc = sk_ofile_open(&fold_of, job->fold, err)) < 0 || !(fold = fdopen(fold_of.fd, "w"))) {
			what = job->fold;
			if (rc == 0)
				rc = sk_error_sys(err, "%s", "");
			goto done;
		}
		fold_of.fd = -1;  /* fold's */
		fputs("cdp\tiline\txline\tcdpx\tcdpy\toffset\tfold\tlive\n", fold);
	}
	blk = BLOCK_SAMPLES / (info->ns * no);
	if (blk < 16)
		blk = 16;
	{
		const long nb = blk * no;
		bu = malloc((size_t)nb * sizeof *bu);
		bv = malloc((size_t)nb * sizeof *bv);
		bh = malloc((size_t)nb * sizeof *bh);
		bc = malloc((size_t)nb * sizeof *bc);
		live = malloc((size_t)nb * sizeof *live);
		out = malloc((size_t)nb * (size_t)info->ns * sizeof *out);
		if (!bu || !bv || !bh || !bc || !live || !out) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (int64_t b0 = first; b0 < last; b0 += blk) {
		const int64_t b1 = b0 + blk < last ? b0 + blk : last;
		long n = 0;
		for (int64_t i = b0; i < b1; i++)
			for (long j = 0; j < no; j++) {
				bu[n] = (double)(i % gr->nx) * gr->dx;
				bv[n] = gr->is_line ? 0.0 : (double)(i / gr->nx) * gr->dy;
				bc[n] = (int)j;
				bh[n] = job->have_offsets ? job->o0 + (double)j * job->dof : 0.0;
				n++;
			}
		what = sk_in_name(job->in);
		if ((rc = sk_regrid_block(rg, bu, bv, bc, bh, n, out, live, err)) < 0) {
			if (!in_place)
				what = NULL;
			goto done;
		}
		what = sk_out_name(job->out);
		n = 0;
		for (int64_t i = b0; i < b1; i++)
			for (long j = 0; j < no; j++, n++) {
				const long fold_n = sk_regrid_fold(rg, bu[n], bv[n], bc[n]);
				const int64_t seq = i * no + j + 1;
				double cx, cy;
				long il, xl;
				memset(hdr, 0, info->hdrlen);
				sk_grid_header(gr, i, hdr);
				sk_hdr_set_i32(hdr, SK_TR_TRACL, (int32_t)seq);
				sk_hdr_set_i32(hdr, SK_TR_TRACR, (int32_t)seq);
				sk_hdr_set_i16(hdr, SK_TR_TRID, (int16_t)(live[n] ? 1 : 2));
				sk_hdr_set_i16(hdr, SK_TR_NHS, (int16_t)(fold_n > 32767 ? 32767 : fold_n));
				sk_hdr_set_i32(hdr, SK_TR_OFFSET, (int32_t)lround(bh[n]));
				/* The first input's recording delay and its time scalar. */
				memcpy(hdr + SK_TR_DELRT - 1, first_hdr + SK_TR_DELRT - 1, 2);
				memcpy(hdr + SK_TR_SCALT - 1, first_hdr + SK_TR_SCALT - 1, 2);
				sk_hdr_set_i16(hdr, SK_TR_NS, (int16_t)(uint16_t)(info->ns <= 65535 ? info->ns : 0));
				sk_hdr_set_i16(hdr, SK_TR_DT, (int16_t)(uint16_t)(info->dt <= 65535 ? lround(info->dt) : 0));
				if (!live[n])
					st->dead++;
				st->outputs++;
				if ((rc = sk_writer_put(w, hdr, out + (size_t)n * (size_t)info->ns, err)) < 0)
					goto done;
				if (fold) {
					sk_grid_point(gr, i, &cx, &cy);
					sk_grid_numbers(gr, i, &il, &xl);
					fprintf(fold, "%lld\t%ld\t%ld\t%.10g\t%.10g\t%.10g\t%ld\t%d\n", (long long)i + 1, il,
						xl, cx, cy, bh[n], fold_n, live[n]);
				}
			}
		if (job->progress)
			job->progress(job->progress_ctx, b1 - first, last - first);
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
	free(store.mem);
	if (store.spool_fd >= 0)
		close(store.spool_fd);
	free(g.u);
	free(g.v);
	free(g.h);
	free(g.cls);
	free(g.tidx);
	free(hdr);
	free(first_hdr);
	free(buf);
	free(out);
	free(vr);
	free(bu);
	free(bv);
	free(bh);
	free(bc);
	free(live);
	return sk_error_at(err, rc, what);
}
