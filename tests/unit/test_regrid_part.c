/* Unit tests of lib/kernel/regrid_part.c (--part support), for what
 * test_regrid.c's part_support does not reach:
 * - sk_regrid_hull on fewer than three points, a clockwise triangle, a
 *   collinear run, one point repeated, and 60 random lattice points
 *   (duplicates and collinear triples among them) against a brute-force
 *   hull worked out here: a point is a vertex when it lies in no closed
 *   triangle (degenerate ones too) of three other distinct points;
 * - sk_regrid_exact's answer checked against its meaning: wherever it says
 *   "certain", the output trace of a run on the subset S (the inputs inside
 *   the region) is the whole run's, byte for byte, for slices inside the
 *   data and at its edge (a region past the frame, locations outside the
 *   whole hull); and the cases it decides without a triangle: no frame, a
 *   class out of range or empty, the only point of a class, a line (1-D)
 *   between two inputs and past its ends. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regrid.h"
#include "rng.h"

/* ------------------------------------------------------------- hull */

static long cross(const double *o, const double *a, const double *b)
{
	/* Lattice points below 2^10: the products are exact. */
	return (long)((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]));
}

static int same(const double *a, const double *b)
{
	return a[0] == b[0] && a[1] == b[1];
}

/* 1 when q lies in the closed triangle a b c (any orientation, degenerate
 * ones: a segment or a point). */
static int in_tri(const double *q, const double *a, const double *b, const double *c)
{
	const long d1 = cross(a, b, q), d2 = cross(b, c, q), d3 = cross(c, a, q);
	const int neg = d1 < 0 || d2 < 0 || d3 < 0, pos = d1 > 0 || d2 > 0 || d3 > 0;

	if (neg && pos)
		return 0;
	if (cross(a, b, c) != 0)
		return 1;
	/* Degenerate: on the line through them; inside their bounding box. */
	return q[0] >= fmin(a[0], fmin(b[0], c[0])) && q[0] <= fmax(a[0], fmax(b[0], c[0])) &&
	       q[1] >= fmin(a[1], fmin(b[1], c[1])) && q[1] <= fmax(a[1], fmax(b[1], c[1]));
}

static void test_hull(void)
{
	double none[1][2] = {{5, 5}}, two[2][2] = {{3, 4}, {1, 2}};
	double cw[3][2] = {{0, 0}, {0, 10}, {10, 0}};
	double line[5][2] = {{2, 2}, {4, 4}, {0, 0}, {3, 3}, {1, 1}};
	double one[4][2] = {{7, 8}, {7, 8}, {7, 8}, {7, 8}};

	/* Fewer than three: as they are, not even sorted. */
	CHECK(sk_regrid_hull(none, 0) == 0 && sk_regrid_hull(none, 1) == 1 && none[0][0] == 5);
	CHECK(sk_regrid_hull(two, 2) == 2 && two[0][0] == 3 && two[1][0] == 1);
	/* Counter-clockwise from the smallest (x, y). */
	CHECK(sk_regrid_hull(cw, 3) == 3);
	CHECK(cw[0][0] == 0 && cw[0][1] == 0 && cw[1][0] == 10 && cw[1][1] == 0 && cw[2][0] == 0 && cw[2][1] == 10);
	/* A collinear run: its two ends; one point repeated: it, twice (no
	 * polygon: sk_regrid_exact takes fewer than 3 as no hull). */
	CHECK(sk_regrid_hull(line, 5) == 2 && same(line[0], (const double[2]){0, 0}) &&
	      same(line[1], (const double[2]){4, 4}));
	CHECK(sk_regrid_hull(one, 4) == 2 && same(one[0], (const double[2]){7, 8}) &&
	      same(one[1], (const double[2]){7, 8}));

	/* Random lattice points in 0..15: many duplicates and collinear
	 * triples. */
	rng_seed(0x5eed1234);
	for (int round = 0; round < 20; round++) {
		enum { N = 60 };
		double p[N][2], q[N][2], want[N][2];
		long nw = 0, nh;
		int ok = 1;
		for (int i = 0; i < N; i++) {
			p[i][0] = q[i][0] = (double)(rng_u32() % 16);
			p[i][1] = q[i][1] = (double)(rng_u32() % 16);
		}
		/* The brute-force vertices, each distinct point once. */
		for (int i = 0; i < N; i++) {
			int inside = 0, seen = 0;
			for (long w = 0; w < nw; w++)
				seen |= same(want[w], q[i]);
			for (int a = 0; a < N && !inside && !seen; a++)
				for (int b = a; b < N && !inside; b++)
					for (int c = b; c < N && !inside; c++)
						inside = !same(q[a], q[i]) && !same(q[b], q[i]) && !same(q[c], q[i]) &&
							 in_tri(q[i], q[a], q[b], q[c]);
			if (!inside && !seen) {
				want[nw][0] = q[i][0];
				want[nw][1] = q[i][1];
				nw++;
			}
		}
		nh = sk_regrid_hull(p, N);
		ok &= nh == nw && nh >= 3;
		/* Each vertex wanted, strictly left turns (counter-clockwise,
		 * no collinear vertex), starting at the smallest (x, y). */
		for (long i = 0; ok && i < nh; i++) {
			int found = 0;
			for (long w = 0; w < nw; w++)
				found |= same(want[w], p[i]);
			ok &= found && cross(p[i], p[(i + 1) % nh], p[(i + 2) % nh]) > 0;
			ok &= p[0][0] < p[i][0] || (p[0][0] == p[i][0] && p[0][1] <= p[i][1]);
		}
		CHECKF(ok, "round %d: %ld vertices, brute force %ld", round, nh, nw);
	}
}

/* ------------------------------------------------------------ exact */

#define NS 4

/* Input trace i (its index in the whole set, through map) has samples
 * 7 i + s + 1: any two traces differ. */
struct src {
	const long *map;
};

static int fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err)
{
	const struct src *s = ctx;

	(void)slot;
	(void)err;
	for (int k = 0; k < NS; k++)
		out[k] = (float)(7 * s->map[idx] + k + 1);
	return 0;
}

static struct sk_regrid_opts lin_opts(void)
{
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;

	o.method = SK_REGRID_LINEAR;
	o.bin_dx = o.bin_dy = 10;
	o.ns = NS;
	o.dt = 0.004;
	return o;
}

/* The whole set W and the locations of a slice (every 7.5 m in the box q):
 * the caller's contract (regrid_run.c) keeps S = W inside the box widened
 * by the radius, and where sk_regrid_exact says certain, the run on S gives
 * the whole run's trace.  Returns how many of the queries were certain (-1
 * when a setup failed); *wrong counts the certain ones that differ. */
static long soundness(long n, const double *u, const double *v, const double *fr, const double q[4], double radius,
		      const double (*hull)[2], long nh, long *wrong, long *queries)
{
	const double region[4] = {q[0] - radius, q[1] + radius, q[2] - radius, q[3] + radius};
	struct sk_regrid_opts o = lin_opts();
	long *all = malloc((size_t)n * sizeof *all), *sub = malloc((size_t)n * sizeof *sub), ns = 0, certain = 0;
	double *su = malloc((size_t)n * sizeof *su), *sv = malloc((size_t)n * sizeof *sv);
	struct src ws_src = {all}, s_src = {sub};
	struct sk_regrid *rw = NULL, *rs = NULL;
	struct sk_regrid_ws *ww = NULL, *wsub = NULL;
	struct sk_error err;

	*wrong = *queries = 0;
	o.radius = radius;
	for (long i = 0; i < n; i++) {
		all[i] = i;
		if (u[i] >= region[0] && u[i] <= region[1] && v[i] >= region[2] && v[i] <= region[3]) {
			su[ns] = u[i];
			sv[ns] = v[i];
			sub[ns++] = i;
		}
	}
	{
		const struct sk_regrid_input iw = {n, u, v, NULL, NULL, 1, fetch, &ws_src, fr, NULL, 0};
		const struct sk_regrid_input is = {ns, su, sv, NULL, NULL, 1, fetch, &s_src, fr, NULL, 0};
		if (sk_regrid_new(&o, &iw, &rw, &err) < 0 || sk_regrid_new(&o, &is, &rs, &err) < 0 ||
		    !(ww = sk_regrid_ws_new(rw)) || !(wsub = sk_regrid_ws_new(rs))) {
			printf("# soundness setup: %s\n", err.msg);
			certain = -1;
			goto out;
		}
	}
	for (double a = q[0]; a <= q[1]; a += 7.5)
		for (double b = q[2]; b <= q[3]; b += 7.5) {
			float tw[NS], ts[NS];
			const int e = sk_regrid_exact(rs, wsub, a, b, 0, region, hull, nh);
			++*queries;
			if (e != 1)
				continue;
			certain++;
			if (sk_regrid_trace(rw, ww, 0, a, b, 0, 0, tw, &err) !=
				    sk_regrid_trace(rs, wsub, 0, a, b, 0, 0, ts, &err) ||
			    memcmp(tw, ts, sizeof tw) != 0) {
				if (*wrong < 3)
					printf("# (%g, %g): certain, but the slice's trace %g %g differs from the whole's %g %g\n",
					       a, b, ts[0], ts[1], tw[0], tw[1]);
				++*wrong;
			}
		}
out:
	sk_regrid_ws_free(ww);
	sk_regrid_ws_free(wsub);
	sk_regrid_free(rw);
	sk_regrid_free(rs);
	free(all);
	free(sub);
	free(su);
	free(sv);
	return certain;
}

static void test_exact_sound(void)
{
	enum { N = 300 };
	double u[N], v[N], h[N][2], fr[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
	long nh, wrong, queries, c;

	rng_seed(0xfeedbeefULL);
	for (int i = 0; i < N; i++) {
		u[i] = h[i][0] = 1000 * rng_unit();
		v[i] = h[i][1] = 800 * rng_unit();
		fr[0] = fmin(fr[0], u[i]);
		fr[1] = fmax(fr[1], u[i]);
		fr[2] = fmin(fr[2], v[i]);
		fr[3] = fmax(fr[3], v[i]);
	}
	nh = sk_regrid_hull(h, N);
	CHECK(nh >= 3);
	/* Inside the data, 60 m of radius: the certain traces are the whole
	 * run's.  Random points 52 m apart on average (300 in 1000 x 800 m)
	 * have circumcircles of about that radius, so a location's circle
	 * mostly fits in the kept box, which is 60 m wider than the slice on
	 * each side; a quarter of the slice is asked for, so that the check
	 * cannot pass by saying "not certain" everywhere. */
	{
		const double q[4] = {300, 700, 250, 550};
		c = soundness(N, u, v, fr, q, 60, (const double(*)[2])h, nh, &wrong, &queries);
		CHECKF(c >= 0 && wrong == 0 && c * 4 >= queries, "inside: %ld of %ld certain, %ld wrong", c, queries,
		       wrong);
	}
	/* At the data's edge: the kept box's east, north and south sides lie
	 * beyond the frame (they bound nothing), and the locations run 150 m
	 * past the data, outside the whole hull (the nearest trace within the
	 * radius, or dead: certain outside the whole set's hull).  The
	 * locations past the frame, 150 of 350 m, are all certain: a quarter is
	 * asked for. */
	{
		const double q[4] = {800, 1150, 0, 800};
		c = soundness(N, u, v, fr, q, 60, (const double(*)[2])h, nh, &wrong, &queries);
		CHECKF(c >= 0 && wrong == 0 && c * 4 >= queries, "edge: %ld of %ld certain, %ld wrong", c, queries, wrong);
		/* Without the whole hull: outside S's hull but inside the frame is
		 * never certain; what is said certain is still right. */
		c = soundness(N, u, v, fr, q, 60, NULL, 0, &wrong, &queries);
		CHECKF(c >= 0 && wrong == 0, "edge, no hull: %ld of %ld certain, %ld wrong", c, queries, wrong);
	}
}

/* The answers sk_regrid_exact gives without a triangle. */
static void test_exact_cases(void)
{
	const double u[5] = {0, 10, 20, 30, 40}, v[5] = {0, 0, 0, 0, 0}, frl[4] = {0, 40, -1, 1};
	const double fr[4] = {0, 100, 0, 100}, wide[4] = {-1e9, 1e9, -1e9, 1e9};
	const double sq[4][2] = {{0, 0}, {100, 0}, {100, 100}, {0, 100}};
	const long map[5] = {0, 1, 2, 3, 4};
	const int cls2[5] = {0, 0, 0, 0, 0};
	struct src s = {map};
	struct sk_regrid_opts o = lin_opts();
	struct sk_regrid *rg = NULL;
	struct sk_regrid_ws *ws = NULL;
	struct sk_error err;

	/* Without a frame (the whole input's extent unknown): never. */
	{
		const double pu[3] = {0, 100, 0}, pv[3] = {0, 0, 100};
		const struct sk_regrid_input in = {3, pu, pv, NULL, NULL, 1, fetch, &s, NULL, NULL, 0};
		CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0 && (ws = sk_regrid_ws_new(rg)) != NULL);
		CHECK(sk_regrid_exact(rg, ws, 20, 20, 0, wide, NULL, 0) == 0);
		sk_regrid_ws_free(ws);
		sk_regrid_free(rg);
	}
	/* Classes: out of range (-1, 2) or empty (1 of 2): nothing within
	 * reach in S, nothing in the whole: certain. */
	{
		const double pu[3] = {0, 100, 0}, pv[3] = {0, 0, 100};
		const struct sk_regrid_input in = {3, pu, pv, NULL, cls2, 2, fetch, &s, fr, NULL, 0};
		CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0 && (ws = sk_regrid_ws_new(rg)) != NULL);
		CHECK(sk_regrid_exact(rg, ws, 20, 20, -1, wide, NULL, 0) == 1);
		CHECK(sk_regrid_exact(rg, ws, 20, 20, 2, wide, NULL, 0) == 1);
		CHECK(sk_regrid_exact(rg, ws, 20, 20, 1, wide, NULL, 0) == 1);
		/* Class 0, inside its one triangle whose circle (centre (50,
		 * 50), radius 70.7) lies inside no finite region but the wide
		 * one: certain; in a region 50 m around (20, 20): not. */
		CHECK(sk_regrid_exact(rg, ws, 20, 20, 0, wide, NULL, 0) == 1);
		{
			const double near[4] = {-30, 70, -30, 70};
			CHECK(sk_regrid_exact(rg, ws, 20, 20, 0, near, NULL, 0) == 0);
		}
		sk_regrid_ws_free(ws);
		sk_regrid_free(rg);
	}
	/* One point in S: on it, not certain (the whole may have a triangle
	 * there); elsewhere outside S's hull: certain only when outside the
	 * whole hull (sq) or the frame. */
	{
		const double pu[1] = {50}, pv[1] = {50};
		const struct sk_regrid_input in = {1, pu, pv, NULL, NULL, 1, fetch, &s, fr, NULL, 0};
		CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0 && (ws = sk_regrid_ws_new(rg)) != NULL);
		CHECK(sk_regrid_exact(rg, ws, 50, 50, 0, wide, sq, 4) == 0);
		CHECK(sk_regrid_exact(rg, ws, 60, 50, 0, wide, sq, 4) == 0);
		CHECK(sk_regrid_exact(rg, ws, 60, 50, 0, wide, NULL, 0) == 0);
		CHECK(sk_regrid_exact(rg, ws, 150, 50, 0, wide, NULL, 0) == 1);
		{
			/* A hull of the whole set that leaves (90, 90) out: certain. */
			const double tri[3][2] = {{0, 0}, {100, 0}, {0, 100}};
			CHECK(sk_regrid_exact(rg, ws, 90, 90, 0, wide, tri, 3) == 1);
			/* On the hull's side x + y = 100: not certain. */
			CHECK(sk_regrid_exact(rg, ws, 40, 60, 0, wide, tri, 3) == 0);
		}
		sk_regrid_ws_free(ws);
		sk_regrid_free(rg);
	}
	/* A line (1-D): between two inputs, certain when the location lies
	 * inside the region (10 < 15 < 20 with eps 1e-6 + 1e-6 x 40); past
	 * the ends of the line: certain (the nearest end, the whole's too). */
	o.line = 1;
	{
		const struct sk_regrid_input in = {5, u, v, NULL, NULL, 1, fetch, &s, frl, NULL, 0};
		const double r1[4] = {10, 20, 0, 0}, r2[4] = {16, 40, 0, 0}, r3[4] = {0, 14.99999, 0, 0};
		CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0 && (ws = sk_regrid_ws_new(rg)) != NULL);
		CHECK(sk_regrid_exact(rg, ws, 15, 0, 0, wide, NULL, 0) == 1);
		CHECK(sk_regrid_exact(rg, ws, 15, 0, 0, r1, NULL, 0) == 1);
		CHECK(sk_regrid_exact(rg, ws, 15, 0, 0, r2, NULL, 0) == 0);
		CHECK(sk_regrid_exact(rg, ws, 15, 0, 0, r3, NULL, 0) == 0);
		/* v is not looked at on a line. */
		CHECK(sk_regrid_exact(rg, ws, 15, 1e6, 0, r1, NULL, 0) == 1);
		CHECK(sk_regrid_exact(rg, ws, -5, 0, 0, r1, NULL, 0) == 1);
		CHECK(sk_regrid_exact(rg, ws, 45, 0, 0, r1, NULL, 0) == 1);
		sk_regrid_ws_free(ws);
		sk_regrid_free(rg);
	}
}

int main(void)
{
	test_hull();
	test_exact_sound();
	test_exact_cases();
	return test_done();
}
