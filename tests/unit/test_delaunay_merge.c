/* Delaunay in two parts and a merge (from 20,000 vertices, on any number of
 * threads): the same triangle set as the one-part construction (whose
 * triangles test_delaunay_pred checks against an oracle), a sound mesh
 * (every link shared back, every triangle counter-clockwise), and on 1 and
 * 2 threads the same triangles in the same order and the same located
 * triangles and weights, bit for bit, over dense query grids (a fresh walk
 * per query and a walk carried along each row).  The sets are those that
 * stress a merge: random, a lattice (cocircular everywhere), a rotated
 * lattice, a doubled lattice, tight clusters, two far clusters side by
 * side and one above the other, a crescent whose hull bends across the
 * split, all points on three lines, and a lattice plus a sparse far row.
 * Small sets are split from 8 vertices and checked against the one-part
 * construction too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "check.h"
#include "delaunay.h"
#include "delaunay_internal.h"
#include "dltri.h"

static unsigned long long st = 88172645463325252ULL;

static double unit(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return (double)(st >> 11) / 9007199254740992.0;
}

/* Set k (0..9) of about n points into x, y; returns the count. */
static long make_set(int k, long n, double *x, double *y)
{
	long m = 0;
	const long g = (long)sqrt((double)n);
	switch (k) {
	case 0: /* random */
		for (; m < n; m++) {
			x[m] = 1000 + 5000 * unit();
			y[m] = 2000 + 3000 * unit();
		}
		break;
	case 1: /* a lattice of 12.5 x 25 m */
	case 3: /* the same with every fourth point doubled */
		for (; m < g * g; m++) {
			x[m] = 500 + 12.5 * (double)(m % g);
			y[m] = 700 + 25.0 * (double)(m / g);
		}
		if (k == 3)
			for (long i = 0; i < g * g; i += 4, m++) {
				x[m] = x[i];
				y[m] = y[i];
			}
		break;
	case 2: /* a lattice rotated by atan(4/3) */
		for (; m < g * g; m++) {
			const double a = (double)(m % g), b = (double)(m / g);
			x[m] = 10000 + 3 * a - 4 * b;
			y[m] = 10000 + 4 * a + 3 * b;
		}
		break;
	case 4: /* 40 tight clusters */
		for (; m < n; m++) {
			const long c = m % 40;
			x[m] = 100 * (double)(c % 8) + 0.5 * unit();
			y[m] = 100 * (double)(c / 8) + 0.5 * unit();
		}
		break;
	case 5: /* two far clusters side by side */
	case 6: /* and one above the other (the split cuts both) */
		for (; m < n; m++) {
			const double off = (m % 2) ? 1e5 : 0;
			x[m] = (k == 5 ? off : 0) + 100 * unit();
			y[m] = (k == 6 ? off : 0) + 100 * unit();
		}
		break;
	case 7: /* a crescent: its hull bends across the split */
		for (; m < n; m++) {
			const double t = 0.2 + 5.9 * unit(), r = 1000 + 30 * unit();
			x[m] = 5000 + r * cos(t);
			y[m] = 5000 + r * sin(t);
		}
		break;
	case 8: /* three lines, crossing the split */
		for (; m < n; m++) {
			const double t = (double)(m / 3);
			x[m] = m % 3 == 0 ? t : m % 3 == 1 ? 2 * t : 0.5 * t;
			y[m] = m % 3 == 0 ? 10 : m % 3 == 1 ? t : 50000 - t;
		}
		break;
	default: /* a lattice and a far row of few points below it */
		for (; m < g * g; m++) {
			x[m] = 10 * (double)(m % g);
			y[m] = 10 * (double)(m / g);
		}
		for (long i = 0; i < 7; i++, m++) {
			x[m] = 300 * (double)i;
			y[m] = -5000;
		}
		break;
	}
	return m;
}

static const char *const names[] = {"random",   "lattice",      "rotated lattice", "doubled lattice",
				    "clusters", "side by side", "one above",       "crescent",
				    "three lines", "lattice and a far row"};

/* Locations over a grid of q x q queries across the set's box (and 5%
 * beyond): on 1 and on 2 threads, bit for bit; walks carried along each
 * row, and fresh on every eighth row. */
static long locate_diff(const struct sk_delaunay *a, const struct sk_delaunay *b, const double *x, const double *y,
			long n, int q)
{
	double x0 = x[0], x1 = x[0], y0 = y[0], y1 = y[0];
	long diff = 0;
	for (long i = 1; i < n; i++) {
		x0 = fmin(x0, x[i]);
		x1 = fmax(x1, x[i]);
		y0 = fmin(y0, y[i]);
		y1 = fmax(y1, y[i]);
	}
	for (int carry = 0; carry < 2; carry++)
		for (int j = 0; j < q; j += carry ? 1 : 8) {
			/* a fresh walk crosses the mesh: every eighth row */
			long ha = -1, hb = -1;
			for (int i = 0; i < q; i++) {
				const double qx = x0 - 0.05 * (x1 - x0) + 1.1 * (x1 - x0) * i / (q - 1);
				const double qy = y0 - 0.05 * (y1 - y0) + 1.1 * (y1 - y0) * j / (q - 1);
				long va[3] = {0, 0, 0}, vb[3] = {0, 0, 0};
				double wa[3] = {0, 0, 0}, wb[3] = {0, 0, 0};
				int ra, rb;
				if (!carry)
					ha = hb = -1;
				ra = sk_delaunay_locate(a, qx, qy, &ha, va, wa);
				rb = sk_delaunay_locate(b, qx, qy, &hb, vb, wb);
				diff += ra != rb || memcmp(va, vb, sizeof va) != 0 || memcmp(wa, wb, sizeof wa) != 0;
			}
		}
	return diff;
}

static void test_sets(void)
{
	enum { N = 30000 };
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	const int nth = omp_get_max_threads();

	CHECK(x && y);
	if (!x || !y)
		return;
	for (int k = 0; k < 10; k++) {
		const long n = make_set(k, 24000, x, y);
		struct sk_delaunay *one = NULL, *th[2] = {NULL, NULL};
		struct sk_error err;
		struct tri3 *a = NULL, *b = NULL;
		long na = 0, nb = 0, tdiff = 0;
		CHECKF(n >= 20000 && n <= N, "%s: %ld points", names[k], n);
		/* one part (a split only from 10^9 vertices) */
		CHECKF(sk_dl_new_shuffled(x, y, n, NULL, 0, 1000000000L, &one, &err) == 0, "%s", names[k]);
		for (int t = 0; t < 2; t++) {
			omp_set_num_threads(t + 1);
			CHECKF(sk_delaunay_new(x, y, n, &th[t], &err) == 0, "%s, %d threads", names[k], t + 1);
		}
		omp_set_num_threads(nth);
		if (!one || !th[0] || !th[1])
			goto next;
		CHECKF(sk_dl_check(th[0]) == 0 && sk_dl_check(th[1]) == 0 && sk_dl_check(one) == 0,
		       "%s: %ld and %ld bad links", names[k], sk_dl_check(th[0]), sk_dl_check(one));
		a = tri_set(one, &na);
		b = tri_set(th[1], &nb);
		CHECKF(a && b && na == nb && na > 0 && memcmp(a, b, (size_t)na * sizeof *a) == 0,
		       "%s: %ld triangles in two parts, %ld in one: not the same set", names[k], nb, na);
		CHECKF(sk_delaunay_ntriangles(th[0]) == sk_delaunay_ntriangles(th[1]), "%s", names[k]);
		for (long t = 0; t < sk_delaunay_ntriangles(th[0]) && t < sk_delaunay_ntriangles(th[1]); t++) {
			long u[3], v[3];
			sk_delaunay_triangle(th[0], t, u);
			sk_delaunay_triangle(th[1], t, v);
			tdiff += memcmp(u, v, sizeof u) != 0;
		}
		CHECKF(tdiff == 0, "%s: %ld triangles differ between 1 and 2 threads", names[k], tdiff);
		{
			const long ld = locate_diff(th[0], th[1], x, y, n, 200);
			CHECKF(ld == 0, "%s: %ld of 45,000 locations differ between 1 and 2 threads", names[k], ld);
		}
		/* A merge that fails: the whole built again in one part, the
		 * same set (on 1 and 2 threads, whose triangles are the same). */
		for (int t = 0; t < 2; t++) {
			struct sk_delaunay *f = NULL;
			struct tri3 *c = NULL;
			long nc = 0;
			int fell = 0;
			omp_set_num_threads(t + 1);
			CHECKF(sk_dl_new_merge_fails(x, y, n, &fell, &f, &err) == 0 && fell == 1, "%s, %d threads: fell back %d",
			       names[k], t + 1, fell);
			if (f && (c = tri_set(f, &nc)))
				CHECKF(sk_dl_check(f) == 0 && nc == na && memcmp(a, c, (size_t)na * sizeof *a) == 0,
				       "%s, %d threads: the fallback's %ld triangles are not the set", names[k], t + 1, nc);
			else
				CHECKF(0, "%s, %d threads: no fallback triangulation", names[k], t + 1);
			free(c);
			sk_delaunay_free(f);
		}
		omp_set_num_threads(nth);
next:
		free(a);
		free(b);
		sk_delaunay_free(one);
		sk_delaunay_free(th[0]);
		sk_delaunay_free(th[1]);
	}
	free(x);
	free(y);
}

/* Small sets split from 8 vertices, in 5 insertion orders: the one-part
 * construction's triangle set, a sound mesh. */
static void test_small(void)
{
	double x[400], y[400];
	long bad = 0, tried = 0;
	for (int k = 0; k < 10; k++)
		for (long n = 20; n <= 400; n += n < 100 ? 7 : 60) {
			const long m = make_set(k, n, x, y);
			for (unsigned long long seed = 0; seed < 5; seed++) {
				struct sk_delaunay *a = NULL, *b = NULL;
				struct sk_error err;
				struct tri3 *ta = NULL, *tb = NULL;
				long na = 0, nb = 0;
				if (sk_dl_new_shuffled(x, y, m, NULL, seed * 977, 1000000000L, &a, &err) != 0 ||
				    sk_dl_new_shuffled(x, y, m, NULL, seed * 977, 8, &b, &err) != 0) {
					bad++;
					CHECKF(0, "%s, %ld points, order %llu: %s", names[k], m, seed, err.msg);
				} else if (sk_delaunay_dim(a) == 2) {
					ta = tri_set(a, &na);
					tb = tri_set(b, &nb);
					tried++;
					if (sk_dl_check(b) != 0 || !ta || !tb || na != nb ||
					    memcmp(ta, tb, (size_t)na * sizeof *ta) != 0) {
						bad++;
						CHECKF(0, "%s, %ld points, order %llu: %ld triangles split, %ld not, %ld bad links",
						       names[k], m, seed, nb, na, sk_dl_check(b));
					}
				}
				free(ta);
				free(tb);
				sk_delaunay_free(a);
				sk_delaunay_free(b);
			}
		}
	CHECKF(bad == 0 && tried > 500, "%ld of %ld small sets differ when split", bad, tried);
}

int main(void)
{
	test_small();
	test_sets();
	return test_done();
}
