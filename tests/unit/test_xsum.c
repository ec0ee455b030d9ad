/* Unit tests of lib/kernel/xsum: exact float sums rounded once. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "xsum.h"

static uint32_t fbits(float x)
{
	uint32_t b;
	memcpy(&b, &x, sizeof b);
	return b;
}

static float sum_of(const float *x, size_t n)
{
	struct sk_xsum a;
	sk_xsum_zero(&a, 1);
	for (size_t i = 0; i < n; i++)
		sk_xsum_add_float(&a, x[i]);
	return sk_xsum_float(&a);
}

/* A float of random sign, exponent in [lo, hi] and mantissa. */
static float rnd_float(int lo, int hi)
{
	const int e = lo + (int)(rng_u32() % (uint32_t)(hi - lo + 1));
	const float m = 1.0f + (float)(rng_u32() >> 9) / 8388608.0f;
	const float x = ldexpf(m, e);
	return (rng_u32() & 1) ? -x : x;
}

/* The sum through terms: groups of addends summed apart, their terms added
 * to a second accumulator (what the hosts and the controller do). */
static float sum_grouped(const float *x, size_t n, size_t group)
{
	struct sk_xsum all, part;
	double t[SK_XSUM_MAXTERMS];

	sk_xsum_zero(&all, 1);
	for (size_t i = 0; i < n; i += group) {
		sk_xsum_zero(&part, 1);
		for (size_t k = i; k < i + group && k < n; k++)
			sk_xsum_add_float(&part, x[k]);
		const int nt = sk_xsum_terms(&part, t);
		for (int k = 0; k < nt; k++)
			if (sk_xsum_add_term(&all, t[k]) != 0)
				return NAN;
	}
	return sk_xsum_float(&all);
}

int main(void)
{
	/* Exact where a double is: small sets of nearby floats. */
	for (int r = 0; r < 20000; r++) {
		float x[4];
		double d = 0;
		for (int i = 0; i < 4; i++) {
			x[i] = rnd_float(-3, 3);
			d += x[i];  /* exact: 4 floats within 7 binades fit 53 bits */
		}
		CHECKF(fbits(sum_of(x, 4)) == fbits((float)d), "case %d: %a vs %a", r, (double)sum_of(x, 4), d);
	}
	/* What a double accumulator gets wrong: cancellation across a wide
	 * range. */
	{
		const float x[] = {1e30f, 1.0f, -1e30f};
		CHECK(sum_of(x, 3) == 1.0f);
		const float y[] = {FLT_MAX, FLT_MAX, -FLT_MAX};
		CHECK(sum_of(y, 3) == FLT_MAX);
		const float z[] = {ldexpf(1, 100), ldexpf(1, -100), -ldexpf(1, 100), ldexpf(1, -149)};
		CHECK(fbits(sum_of(z, 4)) == fbits(ldexpf(1, -100) + ldexpf(1, -149)) ||
		      sum_of(z, 4) == ldexpf(1, -100));
		/* 2^-100 + 2^-149 rounds to 2^-100 (49 bits apart). */
		CHECK(sum_of(z, 4) == ldexpf(1, -100));
	}
	/* Ties to even, and the sticky bit far below. */
	{
		const float a[] = {16777216.0f, 1.0f};
		CHECK(sum_of(a, 2) == 16777216.0f);
		const float b[] = {16777216.0f, 3.0f};
		CHECK(sum_of(b, 2) == 16777220.0f);
		const float c[] = {16777216.0f, 1.0f, ldexpf(1, -149)};
		CHECK(sum_of(c, 3) == 16777218.0f);
		const float d[] = {16777216.0f, 1.0f, -ldexpf(1, -149)};
		CHECK(sum_of(d, 3) == 16777216.0f);
		const float e[] = {-16777216.0f, -3.0f};
		CHECK(sum_of(e, 2) == -16777220.0f);
	}
	/* Subnormals, zeros and their signs, overflow, infinities, NaN. */
	{
		const float a[] = {ldexpf(1, -149), ldexpf(3, -149)};
		CHECK(sum_of(a, 2) == ldexpf(1, -147));
		const float b[] = {-0.0f, -0.0f};
		CHECK(fbits(sum_of(b, 2)) == 0x80000000u);
		const float c[] = {-0.0f, 0.0f};
		CHECK(fbits(sum_of(c, 2)) == 0);
		const float d[] = {1.5f, -1.5f};
		CHECK(fbits(sum_of(d, 2)) == 0);
		const float e[] = {FLT_MAX, FLT_MAX};
		CHECK(sum_of(e, 2) == INFINITY);
		const float f[] = {-FLT_MAX, -FLT_MAX};
		CHECK(sum_of(f, 2) == -INFINITY);
		/* FLT_MAX plus half an ulp rounds to infinity (ties to even). */
		const float g[] = {FLT_MAX, ldexpf(1, 103)};
		CHECK(sum_of(g, 2) == INFINITY);
		const float h[] = {FLT_MAX, ldexpf(1, 102)};
		CHECK(sum_of(h, 2) == FLT_MAX);
		const float i[] = {INFINITY, 1.0f};
		CHECK(sum_of(i, 2) == INFINITY);
		const float j[] = {INFINITY, -INFINITY};
		CHECK(isnan(sum_of(j, 2)));
		const float k[] = {1.0f, NAN};
		CHECK(isnan(sum_of(k, 2)));
		CHECK(fbits(sum_of(NULL, 0)) == 0);
	}
	/* Any grouping gives the same bits, over the whole float range. */
	for (int r = 0; r < 3000; r++) {
		float x[24];
		const size_t n = 2 + rng_u32() % 23;
		for (size_t i = 0; i < n; i++)
			x[i] = rnd_float(-149 + 23, 127);
		const uint32_t whole = fbits(sum_of(x, n));
		for (size_t g = 1; g <= n; g++)
			CHECKF(fbits(sum_grouped(x, n, g)) == whole, "case %d, groups of %zu", r, g);
		/* And the reverse order. */
		float y[24];
		for (size_t i = 0; i < n; i++)
			y[i] = x[n - 1 - i];
		CHECK(fbits(sum_of(y, n)) == whole);
	}
	/* Terms: at most SK_XSUM_MAXTERMS, their exact sum the accumulator's. */
	{
		struct sk_xsum a, b;
		double t[SK_XSUM_MAXTERMS];
		const float x[] = {FLT_MAX, ldexpf(1, 70), ldexpf(1, 10), ldexpf(1, -50), ldexpf(1, -149)};
		sk_xsum_zero(&a, 1);
		for (size_t i = 0; i < 5; i++)
			sk_xsum_add_float(&a, x[i]);
		const int nt = sk_xsum_terms(&a, t);
		CHECK(nt == 5);
		CHECK(t[0] == ldexp((double)(FLT_MAX / ldexpf(1, 104)) * ldexp(1, 29), 75));
		CHECK(t[nt - 1] == ldexp(1, -149));
		sk_xsum_zero(&b, 1);
		for (int k = 0; k < nt; k++)
			CHECK(sk_xsum_add_term(&b, t[k]) == 0);
		CHECK(memcmp(a.d, b.d, sizeof a.d) == 0 || sk_xsum_float(&a) == sk_xsum_float(&b));
		/* A value that is not a term: refused, nothing added. */
		CHECK(sk_xsum_add_term(&b, ldexp(1, -150)) == -1);
		CHECK(sk_xsum_add_term(&b, ldexp(1, 300)) == -1);
		CHECK(sk_xsum_float(&a) == sk_xsum_float(&b));
		/* A zero of either sign and the specials are one term. */
		sk_xsum_zero(&a, 1);
		sk_xsum_add_float(&a, -0.0f);
		CHECK(sk_xsum_terms(&a, t) == 1 && t[0] == 0 && signbit(t[0]));
		sk_xsum_add_float(&a, -INFINITY);
		CHECK(sk_xsum_terms(&a, t) == 1 && t[0] == -INFINITY);
	}
	/* Many addends: the carry-save digits are normalised on the way. */
	{
		struct sk_xsum a;
		sk_xsum_zero(&a, 1);
		for (long i = 0; i < (1L << 21); i++)
			sk_xsum_add_float(&a, FLT_MAX);
		for (long i = 0; i < (1L << 21); i++)
			sk_xsum_add_float(&a, -FLT_MAX);
		sk_xsum_add_float(&a, 0.25f);
		CHECK(sk_xsum_float(&a) == 0.25f);
		float v[3] = {1, 2, 3};
		struct sk_xsum arr[3];
		sk_xsum_zero(arr, 3);
		sk_xsum_add_floats(arr, v, 3);
		sk_xsum_add_floats(arr, v, 3);
		CHECK(sk_xsum_float(&arr[0]) == 2 && sk_xsum_float(&arr[1]) == 4 && sk_xsum_float(&arr[2]) == 6);
	}
	/* The fast path: where it says exact, (float)acc is the accumulator's
	 * float; the wide cases say inexact. */
	{
		int exact = 0, inexact = 0;
		for (int r = 0; r < 5000; r++) {
			float x[6];
			double acc;
			unsigned char bad;
			struct sk_xsum a;
			const int wide = r % 2;
			sk_xsum_fast_init(&acc, &bad, 1);
			sk_xsum_zero(&a, 1);
			for (int i = 0; i < 6; i++) {
				x[i] = wide ? rnd_float(-149 + 23, 127) : rnd_float(-5, 5);
				sk_xsum_fast_add_floats(&acc, &bad, &x[i], 1);
				sk_xsum_add_float(&a, x[i]);
			}
			if (!bad) {
				exact++;
				CHECK(fbits((float)acc) == fbits(sk_xsum_float(&a)));
			} else {
				inexact++;
			}
		}
		CHECK(exact >= 2500 && inexact >= 2000);
		/* -0 is the start: -0 + -0 stays -0, +0 + -0 is +0; an
		 * infinity or NaN is inexact. */
		double acc[4];
		unsigned char bad[4];
		const float z[4] = {-0.0f, 0.0f, INFINITY, NAN};
		sk_xsum_fast_init(acc, bad, 4);
		sk_xsum_fast_add_floats(acc, bad, z, 4);
		sk_xsum_fast_add_floats(acc, bad, (const float[4]){-0.0f, -0.0f, 1.0f, 1.0f}, 4);
		CHECK(signbit(acc[0]) && !signbit(acc[1]) && !bad[0] && !bad[1] && bad[2] && bad[3]);
		const double big[2] = {1e300, 1.0};
		sk_xsum_fast_init(acc, bad, 2);
		sk_xsum_fast_add_doubles(acc, bad, big, 2);
		sk_xsum_fast_add_doubles(acc, bad, (const double[2]){1.0, 1.0}, 2);
		CHECK(bad[0] && !bad[1] && acc[1] == 2.0);
	}
	return test_done();
}
