/* Delaunay ties: the triangulation is unique.  Cocircular points (every
 * cell of a lattice) are broken by a symbolic perturbation of the lifts
 * (sk_delaunay_incircle_perturbed), so the triangles depend on the points
 * alone.  Checked (a) by inserting lattices (plain, rotated, doubled, with
 * a collinear row) in many pseudo-random orders: one and the same triangle
 * set; (b) against a brute-force oracle on small sets: a triangle is in
 * the triangulation iff every other point lies outside its circle under
 * the perturbed predicate, written here independently (the sign of the
 * lifted 4 x 4 determinant, then of its cofactors in the points' order);
 * (c) on random points, where nothing ties, the triangles as the build of
 * b60ef3e (before the rule) made them, and the oracle again. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "delaunay.h"
#include "delaunay_internal.h"
#include "dltri.h"

__extension__ typedef __int128 i128;

/* A frame of 2^26 - 1 units: the lattice coordinates are the (integer,
 * non-negative) input coordinates themselves, so ties stay ties. */
#define L ((double)((1LL << 26) - 1))
static const double frame[4] = {0, L, 0, L};

static i128 det3(long long m[3][3])
{
	return (i128)m[0][0] * ((i128)m[1][1] * m[2][2] - (i128)m[1][2] * m[2][1]) -
	       (i128)m[0][1] * ((i128)m[1][0] * m[2][2] - (i128)m[1][2] * m[2][0]) +
	       (i128)m[0][2] * ((i128)m[1][0] * m[2][1] - (i128)m[1][1] * m[2][0]);
}

/* Rows (x, y, x^2 + y^2, 1) of p[0..3]: the determinant is > 0 when p[3]
 * lies inside the circle through the counter-clockwise p[0], p[1], p[2]
 * (checked below on the unit square's centre).  Exact for |coordinate| <
 * 2^13: each product of three entries stays below 2^80. */
static long long row(const long long *p, int col)
{
	return col == 0 ? p[0] : col == 1 ? p[1] : col == 2 ? p[0] * p[0] + p[1] * p[1] : 1;
}

/* The cofactor of entry (r, col) of the lifted matrix. */
static i128 cofactor(const long long p[4][2], int r, int col)
{
	long long m[3][3];
	for (int i = 0, a = 0; i < 4; i++) {
		if (i == r)
			continue;
		for (int j = 0, b = 0; j < 4; j++)
			if (j != col)
				m[a][b++] = row(p[i], j);
		a++;
	}
	return ((r + col) % 2 ? -1 : 1) * det3(m);
}

static int sgn(i128 v)
{
	return (v > 0) - (v < 0);
}

/* Simulation of Simplicity on the lifts, from its definition: the sign of
 * det(z + e) with e_i >> e_j when point i comes before point j in (x, y)
 * order: the determinant, else the cofactors of the lift column taken in
 * that order (the first that is not 0). */
static int oracle_incircle(const long long *a, const long long *b, const long long *c, const long long *d)
{
	const long long p[4][2] = {{a[0], a[1]}, {b[0], b[1]}, {c[0], c[1]}, {d[0], d[1]}};
	int ord[4] = {0, 1, 2, 3};
	i128 det = 0;
	for (int j = 0; j < 4; j++)
		det += (i128)row(p[0], j) * cofactor(p, 0, j);
	if (det != 0)
		return sgn(det);
	for (int i = 1; i < 4; i++)
		for (int j = i; j > 0; j--) {
			const long long *u = p[ord[j - 1]], *v = p[ord[j]];
			if (v[0] < u[0] || (v[0] == u[0] && v[1] < u[1])) {
				const int t = ord[j];
				ord[j] = ord[j - 1];
				ord[j - 1] = t;
			}
		}
	for (int i = 0; i < 4; i++) {
		const i128 cf = cofactor(p, ord[i], 2);
		if (cf != 0)
			return sgn(cf);
	}
	return 0;
}

/* The oracle's triangles of points (x, y) (integers below 2^13), by the
 * empty perturbed circle, over the first index of each location. */
static struct tri3 *oracle_set(const double *x, const double *y, long n, long *nt)
{
	long long (*p)[2] = malloc((size_t)n * sizeof *p);
	long *first = malloc((size_t)n * sizeof *first), m = 0, cap = 64, k = 0;
	struct tri3 *t = malloc((size_t)cap * sizeof *t);
	for (long i = 0; i < n; i++) {
		long j = 0;
		while (j < m && !(x[first[j]] == x[i] && y[first[j]] == y[i]))
			j++;
		if (j == m) {
			first[m] = i;
			p[m][0] = (long long)x[i];
			p[m][1] = (long long)y[i];
			m++;
		}
	}
	for (long a = 0; a < m; a++)
		for (long b = a + 1; b < m; b++)
			for (long c = b + 1; c < m; c++) {
				const i128 o = (i128)(p[b][0] - p[a][0]) * (p[c][1] - p[a][1]) -
					       (i128)(p[b][1] - p[a][1]) * (p[c][0] - p[a][0]);
				const long u = o > 0 ? b : c, w = o > 0 ? c : b;
				int empty = o != 0;
				for (long e = 0; e < m && empty; e++)
					if (e != a && e != b && e != c && oracle_incircle(p[a], p[u], p[w], p[e]) >= 0)
						empty = 0;
				if (!empty)
					continue;
				if (k == cap) {
					cap *= 2;
					t = realloc(t, (size_t)cap * sizeof *t);
				}
				{
					const long v[3] = {first[a], first[u], first[w]};
					t[k++] = tri_canon(v);
				}
			}
	qsort(t, (size_t)k, sizeof *t, cmp_tri);
	free(p);
	free(first);
	*nt = k;
	return t;
}

/* The two sets are the same: 0, else 1 + the first index that differs. */
static long set_diff(const struct tri3 *a, long na, const struct tri3 *b, long nb)
{
	for (long i = 0; i < na && i < nb; i++)
		if (cmp_tri(&a[i], &b[i]) != 0)
			return i + 1;
	return na == nb ? 0 : (na < nb ? na : nb) + 1;
}

/* The predicate against the oracle on all 36 integer points of the circle
 * of radius 65 (4225 = 5^2 13^2) and its centre, shifted by (100, 100):
 * every ordered triple turned counter-clockwise, every fourth point. */
static void test_predicate(void)
{
	long long p[37][2];
	long n = 0, bad = 0, zero = 0, tried = 0;
	{
		const long long sq[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
		/* The oracle's convention (> 0 inside) on points strictly inside
		 * and outside. */
		const long long big[3][2] = {{0, 0}, {4, 0}, {0, 4}}, in[2] = {1, 1}, out[2] = {5, 5};
		CHECK(oracle_incircle(big[0], big[1], big[2], in) == 1 && oracle_incircle(big[0], big[1], big[2], out) == -1);
		CHECK(sk_delaunay_incircle(sq[0], sq[1], sq[2], sq[3]) == 0);
		/* (0, 0) comes first: its lift decides, +orient((1,0), (1,1), (0,1)) = +1:
		 * the square's diagonal is (1, 0)-(0, 1). */
		CHECK(sk_delaunay_incircle_perturbed(sq[0], sq[1], sq[2], sq[3]) == 1);
		CHECK(sk_delaunay_incircle_perturbed(sq[0], sq[1], sq[3], sq[2]) == -1);
	}
	for (long long a = -65; a <= 65; a++)
		for (long long b = -65; b <= 65; b++)
			if (a * a + b * b == 4225) {
				p[n][0] = 100 + a;
				p[n][1] = 100 + b;
				n++;
			}
	CHECKF(n == 36, "%ld points on the circle", n);
	p[n][0] = 100;
	p[n][1] = 100;
	n++;
	for (long i = 0; i < n; i++)
		for (long j = 0; j < n; j++)
			for (long k = 0; k < n; k++) {
				if (i == j || j == k || i == k || sk_delaunay_orient(p[i], p[j], p[k]) <= 0)
					continue;
				for (long e = 0; e < n; e += 1 + (i + j + k) % 3) {
					int s;
					if (e == i || e == j || e == k)
						continue;
					s = sk_delaunay_incircle_perturbed(p[i], p[j], p[k], p[e]);
					tried++;
					zero += s == 0;
					bad += s != oracle_incircle(p[i], p[j], p[k], p[e]);
				}
			}
	CHECKF(tried > 100000 && bad == 0 && zero == 0, "%ld of %ld in-circle tests unlike the oracle, %ld zero", bad,
	       tried, zero);
}

static long nx_lcg(unsigned long long *s, long m)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (long)((*s >> 33) % (unsigned long long)m);
}

/* sk_delaunay against the oracle, and in 6 insertion orders. */
static void check_oracle(const double *x, const double *y, long n, const char *what)
{
	long no, nd;
	struct tri3 *o = oracle_set(x, y, n, &no);
	for (unsigned long long seed = 0; seed < 6; seed++) {
		struct sk_delaunay *d = NULL;
		struct sk_error err;
		struct tri3 *t;
		long at;
		CHECKF(sk_dl_new_shuffled(x, y, n, frame, seed * 0x51ed27ULL, 0, &d, &err) == 0, "%s", what);
		if (!d)
			continue;
		t = tri_set(d, &nd);
		at = set_diff(o, no, t, nd);
		CHECKF(no > 0 && at == 0, "%s, order %llu: %ld triangles, the oracle %ld, first difference at %ld", what,
		       seed, nd, no, at);
		free(t);
		sk_delaunay_free(d);
	}
	free(o);
}

/* (b), (c): small sets against the oracle. */
static void test_oracle(void)
{
	enum { M = 64 };
	double x[M], y[M];
	long n;
	unsigned long long s = 7;

	for (n = 0; n < 56; n++) {        /* an 8 x 7 lattice */
		x[n] = 10 + 3.0 * (double)(n % 8);
		y[n] = 20 + 3.0 * (double)(n / 8);
	}
	check_oracle(x, y, n, "lattice 8 x 7");
	for (n = 0; n < 56; n++) {        /* the same rotated by atan(4/3), scaled by 5 */
		const double i = (double)(n % 8), j = (double)(n / 8);
		x[n] = 100 + 3 * i - 4 * j;
		y[n] = 100 + 4 * i + 3 * j;
	}
	check_oracle(x, y, n, "rotated lattice");
	for (n = 0; n < 49; n++) {        /* 7 x 7 with 8 points doubled */
		x[n] = 5 + 2.0 * (double)(n % 7);
		y[n] = 5 + 2.0 * (double)(n / 7);
	}
	for (; n < 57; n++) {
		x[n] = x[(n * 5) % 49];
		y[n] = y[(n * 5) % 49];
	}
	check_oracle(x, y, n, "doubled lattice");
	for (n = 0; n < 48; n++) {        /* 6 x 8 and a collinear row below it */
		x[n] = 10 + 4.0 * (double)(n % 6);
		y[n] = 10 + 4.0 * (double)(n / 6);
	}
	for (; n < 58; n++) {
		x[n] = 7 + 3.0 * (double)(n - 48);
		y[n] = 2;
	}
	check_oracle(x, y, n, "lattice and a row");
	n = 0;                             /* a circle of 36 points and its centre */
	for (int a = -65; a <= 65; a++)
		for (int b = -65; b <= 65; b++)
			if (a * a + b * b == 4225) {
				x[n] = 100 + a;
				y[n] = 100 + b;
				n++;
			}
	x[n] = 100;
	y[n] = 100;
	n++;
	check_oracle(x, y, n, "circle");
	for (n = 0; n < 45; n++) {        /* three lines of 15 */
		x[n] = 3 + (double)((n % 15) * (2 + n / 15));
		y[n] = n < 15 ? 1 : n < 30 ? 9 : 4 + (double)(n % 15);
	}
	check_oracle(x, y, n, "three lines");
	for (n = 0; n < 60; n++) {        /* random integers */
		x[n] = (double)nx_lcg(&s, 8192);
		y[n] = (double)nx_lcg(&s, 8192);
	}
	check_oracle(x, y, n, "random");
}

/* (a): lattices of 40 x 30 inserted in 13 orders give one triangle set
 * (the Hilbert order's is the reference); a lattice's count follows from
 * Euler's formula (2 n - 2 - h, h points on the hull). */
static void test_orders(void)
{
	enum { NX = 40, NY = 30, NG = NX * NY, M = NG + NG / 7 + 60 };
	double *x = malloc(M * sizeof *x), *y = malloc(M * sizeof *y);

	CHECK(x && y);
	if (!x || !y)
		return;
	for (int set = 0; set < 4; set++) {
		long n = NG, nr = 0;
		struct tri3 *ref = NULL;
		for (long i = 0; i < NG; i++) {
			const double a = (double)(i % NX), b = (double)(i / NX);
			x[i] = set == 1 ? 200 + 3 * a - 4 * b : 30 + 7 * a;
			y[i] = set == 1 ? 10 + 4 * a + 3 * b : 40 + 7 * b;
		}
		if (set == 2)
			for (; n < NG + NG / 7; n++) {
				x[n] = x[7 * (n - NG)];
				y[n] = y[7 * (n - NG)];
			}
		if (set == 3)   /* a row below the lattice, collinear, on the hull */
			for (; n < NG + 60; n++) {
				x[n] = 25 + 5 * (double)(n - NG);
				y[n] = 31;
			}
		for (unsigned long long seed = 0; seed < 13; seed++) {
			struct sk_delaunay *d = NULL;
			struct sk_error err;
			struct tri3 *t;
			long nt;
			CHECK(sk_dl_new_shuffled(x, y, n, frame, seed * 0x9e3779b9ULL, 0, &d, &err) == 0);
			if (!d)
				continue;
			t = tri_set(d, &nt);
			if (seed == 0) {
				ref = t;
				nr = nt;
				if (set < 3)
					CHECKF(nt == 2L * NG - 2 - 2 * (NX + NY - 2), "set %d: %ld triangles", set, nt);
			} else {
				const long at = set_diff(ref, nr, t, nt);
				CHECKF(at == 0, "set %d, order %llu: %ld triangles against %ld, first difference at %ld", set,
				       seed, nt, nr, at);
				free(t);
			}
			sk_delaunay_free(d);
		}
		free(ref);
	}
	free(x);
	free(y);
}

/* (c): 20,000 random points, nothing cocircular: the triangle set (FNV-1a
 * over its sorted, canonical triangles) as the build of b60ef3e (the old
 * tie rule, one part) made it. */
static void test_generic(void)
{
	enum { M = 20000 };
	double *x = malloc(M * sizeof *x), *y = malloc(M * sizeof *y);
	unsigned long long s = 12345, h = 1469598103934665603ULL;
	struct sk_delaunay *d = NULL;
	struct sk_error err;

	CHECK(x && y);
	if (!x || !y)
		return;
	for (long i = 0; i < M; i++) {
		x[i] = 1000 + (double)nx_lcg(&s, 1L << 30) / 1024.0;
		y[i] = 2000 + (double)nx_lcg(&s, 1L << 30) / 2048.0;
	}
	CHECK(sk_delaunay_new(x, y, M, &d, &err) == 0);
	if (d) {
		long nt;
		struct tri3 *t = tri_set(d, &nt);
		for (long i = 0; t && i < nt; i++)
			for (int k = 0; k < 3; k++) {
				h ^= (unsigned long long)t[i].v[k];
				h *= 1099511628211ULL;
			}
		CHECKF(t && h == 0x3e2a116bfd36cc31ULL, "triangles %016llx, before 3e2a116bfd36cc31", h);
		free(t);
	}
	sk_delaunay_free(d);
	free(x);
	free(y);
}

int main(void)
{
	test_predicate();
	test_oracle();
	test_orders();
	test_generic();
	return test_done();
}
