/* Delaunay triangulation: the exact predicates at the edge of their range,
 * and for random, gridded (cocircular), clustered, duplicated and collinear
 * point sets: every triangle counter-clockwise, triangle areas summing to
 * the convex hull's area (hull by an independent monotone chain), the empty
 * circumcircle property checked by brute force, and interpolation that
 * reproduces linear fields and knows what is outside the hull. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "delaunay.h"
#include "delaunay_internal.h"
#include "dltri.h"

#include <omp.h>

/* Exact for integer coordinates below 2^13 (every product below 2^53). */
static double incircle_ld(const double *a, const double *b, const double *c, const double *d)
{
	const long double adx = a[0] - d[0], ady = a[1] - d[1], bdx = b[0] - d[0], bdy = b[1] - d[1];
	const long double cdx = c[0] - d[0], cdy = c[1] - d[1];
	return (double)((adx * adx + ady * ady) * (bdx * cdy - cdx * bdy) +
			(bdx * bdx + bdy * bdy) * (cdx * ady - adx * cdy) +
			(cdx * cdx + cdy * cdy) * (adx * bdy - bdx * ady));
}

static double cross(const double *o, const double *a, const double *b)
{
	return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

static int cmp_pt(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return (a[1] > b[1]) - (a[1] < b[1]);
}

/* Andrew's monotone chain; returns the hull (strictly convex) in h. */
static long hull(double (*p)[2], long n, double (*h)[2])
{
	long k = 0;
	qsort(p, (size_t)n, sizeof *p, cmp_pt);
	for (long i = 0; i < n; i++) {
		while (k >= 2 && cross(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		memcpy(h[k++], p[i], sizeof *h);
	}
	for (long i = n - 2, t = k + 1; i >= 0; i--) {
		while (k >= t && cross(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		memcpy(h[k++], p[i], sizeof *h);
	}
	return k - 1;
}

static double poly_area(double (*h)[2], long m)
{
	double a = 0;
	for (long i = 0; i < m; i++)
		a += h[i][0] * h[(i + 1) % m][1] - h[(i + 1) % m][0] * h[i][1];
	return a / 2;
}

static int inside_hull(double (*h)[2], long m, double x, double y)
{
	const double q[2] = {x, y};
	for (long i = 0; i < m; i++)
		if (cross(h[i], h[(i + 1) % m], q) < 0)
			return 0;
	return 1;
}

/* Checks a triangulation of integer points (< 2^13) exhaustively. */
static void check_set(const double *x, const double *y, long n, const char *what)
{
	struct sk_delaunay *d = NULL;
	struct sk_error err;
	double (*p)[2] = malloc((size_t)n * sizeof *p), (*h)[2] = malloc((size_t)(n + 1) * sizeof *h);
	long m, nt, bad_ccw = 0, bad_circle = 0, bad_interp = 0, bad_outside = 0, hint = -1;
	double area = 0;

	CHECKF(sk_delaunay_new(x, y, n, &d, &err) == 0, "%s", what);
	if (!d)
		return;
	for (long i = 0; i < n; i++) {
		p[i][0] = x[i];
		p[i][1] = y[i];
	}
	m = hull(p, n, h);
	CHECKF(sk_delaunay_dim(d) == 2, "%s", what);
	nt = sk_delaunay_ntriangles(d);
	for (long t = 0; t < nt; t++) {
		long v[3];
		double a[3][2];
		sk_delaunay_triangle(d, t, v);
		for (int k = 0; k < 3; k++) {
			a[k][0] = x[v[k]];
			a[k][1] = y[v[k]];
		}
		const double c = cross(a[0], a[1], a[2]);
		if (c <= 0)
			bad_ccw++;
		area += c / 2;
		for (long i = 0; i < n; i++) {
			const double q[2] = {x[i], y[i]};
			if (incircle_ld(a[0], a[1], a[2], q) > 0)
				bad_circle++;
		}
	}
	CHECKF(bad_ccw == 0, "%s: %ld triangles not counter-clockwise", what, bad_ccw);
	CHECKF(bad_circle == 0, "%s: %ld vertices inside circumcircles", what, bad_circle);
	CHECKF(fabs(area - poly_area(h, m)) <= 1e-9 * poly_area(h, m), "%s: area %g, hull %g", what,
	       area, poly_area(h, m));
	for (int q = 0; q < 2000; q++) {
		const double qx = -200 + 8600 * rng_unit(), qy = -200 + 8600 * rng_unit();
		long v[3];
		double w[3];
		const int r = sk_delaunay_locate(d, qx, qy, &hint, v, w);
		const int in = inside_hull(h, m, qx, qy);
		if (r != (in ? 3 : 0))
			bad_outside++;
		if (r == 3) {
			/* f = 3 + 2x - 5y is reproduced; weights are (nearly) non-negative. */
			double f = 0;
			for (int k = 0; k < 3; k++) {
				f += w[k] * (3 + 2 * x[v[k]] - 5 * y[v[k]]);
				if (w[k] < -1e-6)
					bad_interp++;
			}
			if (fabs(f - (3 + 2 * qx - 5 * qy)) > 1e-7 * (1 + fabs(qx) + fabs(qy)))
				bad_interp++;
		}
	}
	CHECKF(bad_outside == 0, "%s: %ld queries inside/outside wrong", what, bad_outside);
	CHECKF(bad_interp == 0, "%s: %ld bad interpolations", what, bad_interp);
	sk_delaunay_free(d);
	free(p);
	free(h);
}

static void count_beside(void *ctx)
{
	(*(int *)ctx)++;
}

/*
 * From 20,000 points the order's loops and the insertion run on two threads
 * (the groups and the caller's beside work next to the insertion): the
 * same triangulation as on one, triangle for triangle, the same groups
 * and the same located triangles and weights; beside runs once either
 * way, and once when the call fails.  60,000 points: a 200 x 200 lattice
 * of 10 m (cocircular everywhere) with every fifth point doubled, and
 * 16,000 random ones.
 */
static void test_threads(void)
{
	enum { G = 200, NG = G * G, M = NG + NG / 5 + 16000 };
	double *x = malloc(M * sizeof *x), *y = malloc(M * sizeof *y);
	struct sk_delaunay *d[2] = {NULL, NULL};
	struct sk_error err;
	const int nth = omp_get_max_threads();
	long diff = 0, qdiff = 0, gdiff = 0;
	int ran[2] = {0, 0};

	CHECK(x && y);
	if (!x || !y)
		goto out;
	for (long i = 0; i < NG; i++) {
		x[i] = 10.0 * (double)(i % G);
		y[i] = 10.0 * (double)(i / G);
	}
	for (long i = 0; i < NG / 5; i++) {
		x[NG + i] = x[5 * i];
		y[NG + i] = y[5 * i];
	}
	for (long i = NG + NG / 5; i < M; i++) {
		x[i] = 1990 * rng_unit();
		y[i] = 1990 * rng_unit();
	}
	for (int t = 0; t < 2; t++) {
		omp_set_num_threads(t + 1);
		CHECKF(sk_delaunay_new_beside(x, y, M, NULL, count_beside, &ran[t], &d[t], &err) == 0 && ran[t] == 1,
		       "%d threads: beside ran %d times", t + 1, ran[t]);
	}
	omp_set_num_threads(nth);
	if (!d[0] || !d[1])
		goto out;
	CHECK(sk_delaunay_dim(d[1]) == 2 && sk_delaunay_nvertices(d[1]) == NG + 16000 &&
	      sk_delaunay_ntriangles(d[0]) == sk_delaunay_ntriangles(d[1]));
	for (long t = 0; t < sk_delaunay_ntriangles(d[0]) && t < sk_delaunay_ntriangles(d[1]); t++) {
		long a[3], b[3];
		sk_delaunay_triangle(d[0], t, a);
		sk_delaunay_triangle(d[1], t, b);
		diff += a[0] != b[0] || a[1] != b[1] || a[2] != b[2];
	}
	for (long i = 0; i < M; i++) {
		long ca, cb;
		const long *ga = sk_delaunay_group(d[0], i, &ca), *gb = sk_delaunay_group(d[1], i, &cb);
		gdiff += ca != cb || ca != (i < NG / 5 * 5 && i % 5 == 0 ? 2 : i >= NG && i < NG + NG / 5 ? 2 : 1) ||
			 memcmp(ga, gb, (size_t)ca * sizeof *ga) != 0;
	}
	for (int q = 0; q < 20000; q++) {
		const double qx = -5 + 2000 * rng_unit(), qy = -5 + 2000 * rng_unit();
		long va[3] = {0, 0, 0}, vb[3] = {0, 0, 0}, ha = -1, hb = -1;
		double wa[3] = {0, 0, 0}, wb[3] = {0, 0, 0};
		const int ra = sk_delaunay_locate(d[0], qx, qy, &ha, va, wa);
		const int rb = sk_delaunay_locate(d[1], qx, qy, &hb, vb, wb);
		qdiff += ra != rb || memcmp(va, vb, sizeof va) != 0 || memcmp(wa, wb, sizeof wa) != 0;
	}
	CHECKF(diff == 0 && gdiff == 0 && qdiff == 0, "1 against 2 threads: %ld triangles, %ld groups, %ld queries differ",
	       diff, gdiff, qdiff);
	/* A failure (a point not finite): beside still runs, once. */
	ran[0] = 0;
	y[M - 1] = NAN;
	sk_delaunay_free(d[0]);
	omp_set_num_threads(2);
	CHECKF(sk_delaunay_new_beside(x, y, M, NULL, count_beside, &ran[0], &d[0], &err) == SK_EARG && d[0] == NULL &&
	       ran[0] == 1 && strcmp(err.msg, "point 64000: coordinate is not finite") == 0, "beside ran %d times: %s",
	       ran[0], err.msg);
	omp_set_num_threads(nth);
out:
	sk_delaunay_free(d[0]);
	sk_delaunay_free(d[1]);
	free(x);
	free(y);
}

/* FNV-1a over the triangles' representatives, each from its smallest
 * (counter-clockwise), the triangles sorted: the set, not the order. */
static unsigned long long tri_hash(const struct sk_delaunay *d)
{
	long nt;
	struct tri3 *t = tri_set(d, &nt);
	unsigned long long h = 1469598103934665603ULL;
	if (!t)
		return 0;
	for (long i = 0; i < nt; i++)
		for (int k = 0; k < 3; k++) {
			h ^= (unsigned long long)t[i].v[k];
			h *= 1099511628211ULL;
		}
	free(t);
	return h;
}

/* Ties: on a lattice every cell's four corners are cocircular and the
 * tie rule picks each diagonal, so a change of the construction (its
 * marks, its arrays, its order, its parts) must leave every triangle
 * where it was.  The fingerprints are of the triangle set (its order
 * changed with the two-part construction); the set changed once, when the
 * rule changed from the insertion order to the symbolic perturbation
 * (sk_delaunay_incircle_perturbed, a35ce52); they are that build's (one
 * part), on 1 and 2 threads alike (test_delaunay_pred shows the rule's
 * triangles against an oracle).  The lattice's triangle count follows
 * from Euler's formula (2 n - 2 - h for n points, h on the hull).  Set
 * 1's nudges (every third point a metre along x) fall on the diagonals
 * the rule picks: the same set as set 0's. */
static void test_ties(void)
{
	enum { NX = 180, NY = 130, N = NX * NY };
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	static const unsigned long long want[2] = {0x93a8afa7709fa026ULL, 0x93a8afa7709fa026ULL};
	const int nth = omp_get_max_threads();

	CHECK(x && y);
	if (!x || !y)
		return;
	for (int set = 0; set < 2; set++) {
		for (long i = 0; i < N; i++) {
			/* set 1: every third point nudged by a metre (ties broken there) */
			x[i] = 1000.0 + 12.5 * (double)(i % NX) + (set && i % 3 == 0 ? 1.0 : 0.0);
			y[i] = 2000.0 + 25.0 * (double)(i / NX);
		}
		for (int th = 1; th <= 2; th++) {
			struct sk_delaunay *d = NULL;
			struct sk_error err;
			omp_set_num_threads(th);
			CHECK(sk_delaunay_new(x, y, N, &d, &err) == 0);
			if (!d)
				continue;
			if (set == 0)
				CHECKF(sk_delaunay_ntriangles(d) == 2L * N - 2 - 2 * (NX + NY - 2), "%d threads: %ld triangles",
				       th, sk_delaunay_ntriangles(d));
			CHECKF(tri_hash(d) == want[set], "set %d, %d threads: triangles %016llx, expected %016llx", set, th,
			       tri_hash(d), want[set]);
			sk_delaunay_free(d);
		}
	}
	omp_set_num_threads(nth);
	free(x);
	free(y);
}

/* The arrays that scale with the points take whole huge pages from a
 * quarter of one (a 4 KiB page costs a fault, 11-14 us on this VM): none
 * of 100,000 points' in plain pages, on 1 or 2 threads; a small set's
 * all are (it would waste most of a huge page). */
static void test_pages(void)
{
	enum { M = 100000 };
	double *x = malloc(M * sizeof *x), *y = malloc(M * sizeof *y);
	const int nth = omp_get_max_threads();

	CHECK(x && y);
	if (!x || !y)
		return;
	for (long i = 0; i < M; i++) {
		x[i] = 5000 * rng_unit();
		y[i] = 5000 * rng_unit();
	}
	for (int th = 1; th <= 2; th++) {
		struct sk_delaunay *d = NULL;
		struct sk_error err;
		omp_set_num_threads(th);
		CHECK(sk_delaunay_new(x, y, M, &d, &err) == 0 && sk_delaunay_dim(d) == 2);
		if (d)
			CHECKF(sk_dl_plain_bytes(d) == 0, "%d threads: %zu bytes in plain pages", th, sk_dl_plain_bytes(d));
		sk_delaunay_free(d);
	}
	omp_set_num_threads(nth);
	{
		struct sk_delaunay *d = NULL;
		struct sk_error err;
		CHECK(sk_delaunay_new(x, y, 1000, &d, &err) == 0 && sk_delaunay_dim(d) == 2);
		/* 1,000 points: 48 + 8 + 8 + 32 (keys) bytes a point, the two
		 * regroupings' 24 + 16, the insertion's link, marks and list of real
		 * triangles: all below 512 KiB. */
		if (d)
			CHECKF(sk_dl_plain_bytes(d) > 1000 * 48, "%zu bytes in plain pages", sk_dl_plain_bytes(d));
		sk_delaunay_free(d);
	}
	free(x);
	free(y);
}

int main(void)
{
	enum { N = 600 };
	static double x[N], y[N];
	struct sk_delaunay *d = NULL;
	struct sk_error err;

	rng_seed(0x9E3779B97F4A7C15ULL);
	/* Predicates: signs, cocircular and collinear at the range's edge. */
	{
		const long long R = (1LL << 27) - 1;
		const long long a[2] = {R, 0}, b[2] = {0, R}, c[2] = {-R, 0}, e[2] = {0, -R};
		const long long in[2] = {1, 1}, out[2] = {R, R};
		CHECK(sk_delaunay_orient(a, b, c) == 1 && sk_delaunay_orient(a, c, b) == -1);
		CHECK(sk_delaunay_incircle(a, b, c, e) == 0);
		CHECK(sk_delaunay_incircle(a, b, c, in) == 1 && sk_delaunay_incircle(a, b, c, out) == -1);
		/* A Pythagorean point on the circle of radius 5 * 2^24 and its
		 * neighbour one unit inside: only exact arithmetic separates them. */
		{
			const long long s = 1LL << 24;
			const long long p0[2] = {5 * s, 0}, p1[2] = {0, 5 * s}, p2[2] = {-5 * s, 0};
			const long long on[2] = {3 * s, 4 * s}, inside[2] = {3 * s, 4 * s - 1};
			CHECK(sk_delaunay_incircle(p0, p1, p2, on) == 0);
			CHECK(sk_delaunay_incircle(p0, p1, p2, inside) == 1);
		}
		{
			const long long p0[2] = {-R, -R}, p1[2] = {R, R}, mid[2] = {1, 1}, off[2] = {1, 2};
			CHECK(sk_delaunay_orient(p0, p1, mid) == 0 && sk_delaunay_orient(p0, p1, off) == 1);
		}
	}

	/* Random integer points (corners pinned so the extent is 8191). */
	for (long i = 0; i < N; i++) {
		x[i] = floor(8192 * rng_unit());
		y[i] = floor(8192 * rng_unit());
	}
	x[0] = 0; y[0] = 0; x[1] = 8191; y[1] = 8191;
	check_set(x, y, N, "random");

	/* A full lattice: every cell's four corners are cocircular, and hull
	 * edges carry collinear vertices. */
	for (long i = 0; i < 400; i++) {
		x[i] = (double)(i % 20) * 431;
		y[i] = (double)(i / 20) * 431;
	}
	x[399] = 8191;
	y[399] = 8191;
	check_set(x, y, 400, "lattice");

	/* Points on a circle (all cocircular) plus its centre. */
	{
		static const int pyth[][2] = {{4095, 0}, {0, 4095}, {2457, 3276}, {3276, 2457}};
		long n = 0;
		for (int k = 0; k < 4; k++)
			for (int sx = -1; sx <= 1; sx += 2)
				for (int sy = -1; sy <= 1; sy += 2) {
					x[n] = 4096 + sx * pyth[k][0];
					y[n] = 4096 + sy * pyth[k][1];
					n++;
				}
		/* Remove the exact duplicates the signs produce on the axes. */
		{
			long m = 0;
			for (long i = 0; i < n; i++) {
				int dup = 0;
				for (long j = 0; j < m; j++)
					dup |= x[j] == x[i] && y[j] == y[i];
				if (!dup) {
					x[m] = x[i];
					y[m] = y[i];
					m++;
				}
			}
			n = m;
		}
		x[n] = 4096;
		y[n] = 4096;
		n++;
		check_set(x, y, n, "circle");
	}

	/* Clusters: many points in a few tight spots, and lines of points. */
	for (long i = 0; i < N; i++) {
		const int c = (int)(i % 4);
		if (c == 3) {
			x[i] = (double)(i * 13 % 8192);
			y[i] = 4000;
		} else {
			x[i] = floor(1000 + c * 3000 + 40 * rng_unit());
			y[i] = floor(2000 + c * 1500 + 40 * rng_unit());
		}
	}
	x[0] = 0; y[0] = 0; x[1] = 8191; y[1] = 8191;
	check_set(x, y, N, "clusters");

	/* Duplicates: groups, and their representative in triangles. */
	{
		double dx[6] = {0, 10, 0, 10, 0, 5}, dy[6] = {0, 0, 10, 10, 0, 5};
		long cnt, v[3];
		double w[3];
		long hint = -1;
		const long *g;
		CHECK(sk_delaunay_new(dx, dy, 6, &d, &err) == 0);
		CHECK(sk_delaunay_nvertices(d) == 5 && sk_delaunay_ntriangles(d) == 4);
		g = sk_delaunay_group(d, 4, &cnt);
		CHECK(cnt == 2 && g[0] == 0 && g[1] == 4);
		g = sk_delaunay_group(d, 3, &cnt);
		CHECK(cnt == 1 && g[0] == 3);
		CHECK(sk_delaunay_locate(d, 0, 0, &hint, v, w) == 3);
		{
			double at0 = 0;
			for (int k = 0; k < 3; k++)
				if (v[k] == 0)
					at0 = w[k];
			CHECK(fabs(at0 - 1) < 1e-12);
		}
		CHECK(sk_delaunay_locate(d, 10.0001, 5, &hint, v, w) == 0);
		CHECK(sk_delaunay_locate(d, 10, 5, &hint, v, w) == 3);
		sk_delaunay_free(d);
	}

	/* Collinear (exactly, as a line grid's projected positions are):
	 * 1-D interpolation between the neighbours along the line. */
	{
		double lx[5] = {30, 0, 10, 40, 10}, ly[5] = {30, 0, 10, 40, 10};
		long v[3], hint = -1;
		double w[3];
		CHECK(sk_delaunay_new(lx, ly, 5, &d, &err) == 0);
		CHECK(sk_delaunay_dim(d) == 1 && sk_delaunay_nvertices(d) == 4);
		CHECK(sk_delaunay_locate(d, 15, 15, &hint, v, w) == 2);
		CHECK(v[0] == 2 && v[1] == 0 && fabs(w[0] - 0.75) < 1e-12 && fabs(w[1] - 0.25) < 1e-12);
		CHECK(sk_delaunay_locate(d, 41, 41, &hint, v, w) == 0);
		CHECK(sk_delaunay_locate(d, -1, -1, &hint, v, w) == 0);
		CHECK(sk_delaunay_locate(d, 40, 40, &hint, v, w) == 2 &&
		      ((v[1] == 3 && fabs(w[1] - 1) < 1e-12) || (v[0] == 3 && fabs(w[0] - 1) < 1e-12)));
		sk_delaunay_free(d);
	}
	/* Fewer than two distinct points; non-finite input. */
	{
		double ox[2] = {3, 3}, oy[2] = {4, 4};
		long v[3], hint = -1;
		double w[3];
		CHECK(sk_delaunay_new(ox, oy, 2, &d, &err) == 0 && sk_delaunay_dim(d) == 0);
		CHECK(sk_delaunay_locate(d, 3, 4, &hint, v, w) == 1 && v[0] == 0 && w[0] == 1);
		CHECK(sk_delaunay_locate(d, 3, 5, &hint, v, w) == 0);
		sk_delaunay_free(d);
		CHECK(sk_delaunay_new(ox, oy, 0, &d, &err) == 0 && sk_delaunay_dim(d) == 0);
		CHECK(sk_delaunay_locate(d, 3, 4, &hint, v, w) == 0);
		sk_delaunay_free(d);
		oy[1] = INFINITY;
		CHECK(sk_delaunay_new(ox, oy, 2, &d, &err) == SK_EARG && d == NULL);
		CHECK(strcmp(err.msg, "point 2: coordinate is not finite") == 0);
	}
	/* A large random set with real coordinates: triangle count by Euler's
	 * formula is 2 n - 2 - h for points in general position. */
	{
		enum { M = 20000 };
		double *bx = malloc(M * sizeof *bx), *by = malloc(M * sizeof *by);
		double (*p)[2] = malloc(M * sizeof *p), (*h)[2] = malloc((M + 1) * sizeof *h);
		long hm;
		for (long i = 0; i < M; i++) {
			bx[i] = 500000 + 1200 * rng_unit();
			by[i] = 6000000 + 1200 * rng_unit();
			p[i][0] = bx[i];
			p[i][1] = by[i];
		}
		hm = hull(p, M, h);
		CHECK(sk_delaunay_new(bx, by, M, &d, &err) == 0);
		CHECKF(sk_delaunay_ntriangles(d) == 2 * M - 2 - hm, "%ld triangles, hull %ld",
		       sk_delaunay_ntriangles(d), hm);
		sk_delaunay_free(d);
		free(bx);
		free(by);
		free(p);
		free(h);
	}
	sk_delaunay_free(NULL);
	test_threads();
	test_ties();
	test_pages();
	return test_done();
}
