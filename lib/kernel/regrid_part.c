/*
 * regrid core: --part support, whether a slice's output trace is the whole
 * run's (sk_regrid_exact) and the convex hull it needs.
 */
#include "regrid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delaunay.h"
#include "regrid_internal.h"

static int cmp_pt(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return (a[1] > b[1]) - (a[1] < b[1]);
}

static double cross3(const double *o, const double *a, const double *b)
{
	return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

long sk_regrid_hull(double (*p)[2], long n)
{
	double (*h)[2];
	long k = 0;

	if (n < 3)
		return n;
	qsort(p, (size_t)n, sizeof *p, cmp_pt);
	h = malloc((size_t)(2 * n) * sizeof *h);
	if (!h)
		return -1;
	for (long i = 0; i < n; i++) {
		while (k >= 2 && cross3(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		h[k][0] = p[i][0];
		h[k][1] = p[i][1];
		k++;
	}
	for (long i = n - 2, lo = k + 1; i >= 0; i--) {
		while (k >= lo && cross3(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		h[k][0] = p[i][0];
		h[k][1] = p[i][1];
		k++;
	}
	k--;   /* the first point again */
	memcpy(p, h, (size_t)k * sizeof *h);
	free(h);
	return k;
}

int sk_regrid_exact(const struct sk_regrid *rg, struct sk_regrid_ws *ws, double u, double v, int cls,
		    const double region[4], const double (*hull)[2], long nh)
{
	const struct sk_regrid_opts *o = &rg->o;
	const struct cls *k;
	const double *fr = rg->in.frame;
	/* Snapping moves points by half a lattice step (2^-27 of the frame):
	 * decisions nearer than this to a boundary are left undecided. */
	double eps = 1e-6, lo[2], hi[2];
	long vv[3], m;
	double w3[3];
	int r;

	if (o->method != SK_REGRID_LINEAR)
		return 1;
	if (!fr)
		return 0;
	eps += 1e-6 * fmax(fr[1] - fr[0], fr[3] - fr[2]);
	/* A side of the region at or beyond the data's extent bounds nothing. */
	lo[0] = region[0] <= fr[0] ? -INFINITY : region[0] + eps;
	hi[0] = region[1] >= fr[1] ? INFINITY : region[1] - eps;
	lo[1] = o->line || region[2] <= fr[2] ? -INFINITY : region[2] + eps;
	hi[1] = o->line || region[3] >= fr[3] ? INFINITY : region[3] - eps;
	if (cls < 0 || cls >= rg->ncls || rg->c[cls].n == 0)
		return 1;   /* nothing within the radius in S: nothing in the whole */
	k = &rg->c[cls];
	if (o->line)
		v = 0;
	m = sk_rgk_nearest_k(rg, ws, k, u, v, 1);
	if (m < 0)
		return SK_ENOMEM;
	if (m == 0)
		return 1;   /* dead in both: S holds every input within the radius */
	r = sk_delaunay_locate(k->dl, u, v, &ws->hint[cls], vv, w3);
	if (r == 3) {
		const double ax = k->u[vv[0]], ay = k->v[vv[0]];
		const double bx = k->u[vv[1]] - ax, by = k->v[vv[1]] - ay;
		const double cx = k->u[vv[2]] - ax, cy = k->v[vv[2]] - ay;
		const double d = 2 * (bx * cy - by * cx);
		double ox, oy, rad;
		if (!(fabs(d) > 0))
			return 0;
		ox = (cy * (bx * bx + by * by) - by * (cx * cx + cy * cy)) / d;
		oy = (bx * (cx * cx + cy * cy) - cx * (bx * bx + by * by)) / d;
		rad = hypot(ox, oy) * (1 + 1e-9);
		ox += ax;
		oy += ay;
		return ox - rad > lo[0] && ox + rad < hi[0] && oy - rad > lo[1] && oy + rad < hi[1];
	}
	if (r == 2)
		/* 1-D on a line: S holds every input between the two neighbours. */
		return o->line && u > lo[0] && u < hi[0];
	if (r == 1)
		return 0;
	/* Outside S's hull: the whole run agrees when (u, v) lies outside the
	 * whole set's hull too. */
	if (o->line)
		return u < fr[0] - eps || u > fr[1] + eps;
	if (u < fr[0] - eps || u > fr[1] + eps || v < fr[2] - eps || v > fr[3] + eps)
		return 1;
	if (!hull || nh < 3)
		return 0;
	{
		const double q[2] = {u, v};
		for (long i = 0; i < nh; i++) {
			const double *a = hull[i], *b = hull[(i + 1) % nh];
			const double len = hypot(b[0] - a[0], b[1] - a[1]);
			if (cross3(a, b, q) < -eps * len)
				return 1;
		}
	}
	return 0;
}
