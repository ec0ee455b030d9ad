/*
 * The regrid driver's policy: where a trace lies against the grid, what the
 * input pass counts, why traces miss the grid (the errors that name the
 * cause), which traces a --part slice keeps.  Pure functions of headers and
 * the job; regrid_run_internal.h has the contract.
 */
#include "regrid.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hdr.h"
#include "regrid_run_internal.h"

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

const char *sk_rgrun_coords_keys(int coords)
{
	static const char *const k[] = {"sx, sy, gx and gy", "cdpx and cdpy", "sx and sy", "gx and gy"};
	return k[coords];
}

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
int sk_rgrun_onepos_error(const struct sk_regrid_job *job, int64_t n, const double ext[4], struct sk_error *err)
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
int sk_rgrun_outside_error(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const struct outside *ou,
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
				    "other --coords", n, m, sk_rgrun_coords_keys(job->coords), (long long)ou->zero,
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

int sk_rgrun_keep_has(const struct keep *k, double u, double v)
{
	return !k->on || (u >= k->box[0] && u <= k->box[1] && v >= k->box[2] && v <= k->box[3]);
}

/* The locations first .. last - 1 (inline-major) lie in whole rows, or in
 * part of one row: their box widened by mu and mv (and a little more, so
 * that rounding never drops a trace at the edge). */
void sk_rgrun_keep_set(struct keep *k, const struct sk_grid *gr, int64_t first, int64_t last, double mu, double mv)
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

void sk_rgrun_tally_init(struct tally *t)
{
	memset(t, 0, sizeof *t);
	t->ext[0] = t->ext[2] = t->frame[0] = t->frame[2] = INFINITY;
	t->ext[1] = t->ext[3] = t->frame[1] = t->frame[3] = -INFINITY;
	t->ou.nearest = t->ou.nearest_r0 = t->ou.nearest_s0 = INFINITY;
	t->first = -1;
}

void sk_rgrun_tally_merge(struct tally *t, const struct tally *c)
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
int sk_rgrun_classify(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const unsigned char *hdr,
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
