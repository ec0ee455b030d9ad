/* The grid-hash index against brute force: k nearest (with radius, ties and
 * queries far outside the data), half-open boxes, outliers, empty sets. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "spatial.h"

/* Brute force k nearest, sorted by (d2, index). */
static long brute_knn(const double *x, const double *y, long n, double qx, double qy, long k,
		      double radius, long *idx, double *d2)
{
	long m = 0;
	for (long i = 0; i < n; i++) {
		const double d = (x[i] - qx) * (x[i] - qx) + (y[i] - qy) * (y[i] - qy);
		long j;
		if (radius >= 0 && d > radius * radius)
			continue;
		if (m == k && (d > d2[k - 1] || (d == d2[k - 1] && i > idx[k - 1])))
			continue;
		j = m < k ? m++ : k - 1;
		while (j > 0 && (d2[j - 1] > d || (d2[j - 1] == d && idx[j - 1] > i))) {
			d2[j] = d2[j - 1];
			idx[j] = idx[j - 1];
			j--;
		}
		d2[j] = d;
		idx[j] = i;
	}
	return m;
}

static int same_knn(const struct sk_spatial *s, const double *x, const double *y, long n,
		    double qx, double qy, long k, double radius)
{
	long a[40], b[40];
	double da[40], db[40];
	const long ma = sk_spatial_knn(s, qx, qy, k, radius, a, da);
	const long mb = brute_knn(x, y, n, qx, qy, k, radius, b, db);
	if (ma != mb)
		return 0;
	for (long i = 0; i < ma; i++)
		if (a[i] != b[i] || da[i] != db[i])
			return 0;
	return 1;
}

int main(void)
{
	enum { N = 3000 };
	static double x[N], y[N];
	struct sk_spatial *s = NULL;
	struct sk_error err;
	long idx[N];
	int ok;

	for (long i = 0; i < N; i++) {
		x[i] = 1000.0 + 1200.0 * rng_unit();
		y[i] = -500.0 + 800.0 * rng_unit();
	}
	/* Exact duplicates and points on cell edges give ties. */
	for (long i = 0; i < 50; i++) {
		x[N - 1 - i] = x[i];
		y[N - 1 - i] = y[i];
	}
	CHECK(sk_spatial_new(x, y, N, 25.0, &s, &err) == 0);
	CHECK(sk_spatial_count(s) == N);
	ok = 1;
	for (int q = 0; q < 400 && ok; q++) {
		const double qx = 900.0 + 1400.0 * rng_unit(), qy = -600.0 + 1000.0 * rng_unit();
		const long k = 1 + q % 20;
		ok = same_knn(s, x, y, N, qx, qy, k, -1) && same_knn(s, x, y, N, qx, qy, k, 30.0) &&
		     same_knn(s, x, y, N, x[q], y[q], k, 0.0);
	}
	CHECK(ok);
	/* Far outside the data, and a radius that reaches nothing. */
	CHECK(same_knn(s, x, y, N, 1e7, -3e6, 5, -1));
	CHECK(same_knn(s, x, y, N, -1e9, 1e9, 1, -1));
	CHECK(sk_spatial_knn(s, 1e7, 0, 5, 100.0, idx, NULL) == 0);
	/* A duplicate's nearest is the lower index at distance 0. */
	{
		long id[2];
		double d[2];
		CHECK(sk_spatial_knn(s, x[3], y[3], 2, -1, id, d) == 2 && id[0] == 3 && id[1] == N - 4 &&
		      d[0] == 0 && d[1] == 0);
	}
	/* Boxes: half-open, sorted, count beyond max. */
	ok = 1;
	for (int q = 0; q < 200 && ok; q++) {
		const double bx0 = 950 + 1200 * rng_unit(), by0 = -550 + 800 * rng_unit();
		const double bx1 = bx0 + 60 * rng_unit(), by1 = by0 + 60 * rng_unit();
		long m = 0, ref[N];
		for (long i = 0; i < N; i++)
			if (x[i] >= bx0 && x[i] < bx1 && y[i] >= by0 && y[i] < by1)
				ref[m++] = i;
		ok = sk_spatial_box(s, bx0, bx1, by0, by1, idx, N) == m &&
		     (m == 0 || memcmp(idx, ref, (size_t)m * sizeof *idx) == 0);
	}
	CHECK(ok);
	CHECK(sk_spatial_box(s, x[7], x[7] + 1e-9, y[7], y[7] + 1e-9, idx, N) >= 1 && idx[0] == 7);
	CHECK(sk_spatial_box(s, x[7] - 1e-9, x[7], y[7] - 1e-9, y[7], idx, N) == 0);
	CHECK(sk_spatial_box(s, 0, 1e5, -1e5, 1e5, idx, 10) == N);
	sk_spatial_free(s);

	/* Far outliers do not blow the cell count up. */
	{
		double ox[4] = {0, 1, 1e9, -1e9}, oy[4] = {0, 1, 1e9, 5};
		long id[4];
		CHECK(sk_spatial_new(ox, oy, 4, 0.001, &s, &err) == 0);
		CHECK(sk_spatial_knn(s, 0.9, 0.9, 4, -1, id, NULL) == 4 && id[0] == 1 && id[1] == 0);
		sk_spatial_free(s);
	}
	/* Empty sets and bad input. */
	CHECK(sk_spatial_new(x, y, 0, 25.0, &s, &err) == 0);
	CHECK(sk_spatial_knn(s, 0, 0, 3, -1, idx, NULL) == 0 && sk_spatial_box(s, 0, 1, 0, 1, idx, 1) == 0);
	sk_spatial_free(s);
	{
		double bx[2] = {0, NAN}, by[2] = {0, 0};
		CHECK(sk_spatial_new(bx, by, 2, 25.0, &s, &err) == SK_EARG && s == NULL);
		CHECK(strcmp(err.msg, "point 2: coordinate is not finite") == 0);
		CHECK(sk_spatial_new(bx, by, 1, 0.0, &s, &err) == SK_EARG);
	}
	sk_spatial_free(NULL);
	return test_done();
}
