/* IBM float conversion against the exact double formula (notes/segy.md). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "ibm.h"

/* The exact value, computed independently of lib/ibm.c with ldexp. */
static double exact(uint32_t w)
{
	const double v = ldexp((double)(w & 0xffffff), 4 * (int)((w >> 24) & 0x7f) - 256 - 24);
	return (w >> 31) ? -v : v;
}

static int same_float(float a, float b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Correct round-to-nearest-even of float x to IBM, by exhaustive reasoning
 * in long double: try the two neighbouring 24-bit fractions. */
static uint32_t ref_to_ibm(float x)
{
	const uint32_t sign = signbit(x) ? 0x80000000u : 0;
	long double a = fabsl((long double)x), F, lo;
	int E = -64;
	if (isnan(x))
		return 0x7fffffffu;
	if (isinf(x))
		return sign | 0x7fffffffu;
	if (a == 0)
		return sign;
	while (ldexpl(1.0L, 4 * E) <= a)  /* smallest E with a < 16^E */
		E++;
	F = ldexpl(a, 24 - 4 * E);       /* in [2^20, 2^24) */
	lo = floorl(F);
	if (F - lo > 0.5L || (F - lo == 0.5L && fmodl(lo, 2.0L) == 1.0L))
		lo += 1;
	if (lo >= 16777216.0L) {
		lo = 1048576.0L;
		E++;
	}
	return sign | (uint32_t)(E + 64) << 24 | (uint32_t)lo;
}

int main(void)
{
	static const struct { uint32_t w; double v; } vec[] = {
		{0x41100000u, 1.0}, {0xC1100000u, -1.0}, {0x42640000u, 100.0},
		{0xC276A000u, -118.625}, {0x40800000u, 0.5}, {0x3F100000u, 0.00390625},
		{0x46800000u, 8388608.0}, {0x40199999u, 0.09999996423721313},
		{0x4019999Au, 0.10000002384185791}, {0x60FFFFFFu, 3.4028234663852886e38},
		{0x61100000u, 0x1p128}, {0x7FFFFFFFu, 7.2370051459731155e75},
		{0x00100000u, 5.397605346934028e-79}, {0x21100000u, 0x1p-128},
		{0x21300000u, 8.816207631167156e-39}, {0x22100000u, 0x1p-124},
		{0x41000001u, 9.5367431640625e-7}, {0x41080000u, 0.5}, {0x42010000u, 1.0},
		{0x40000000u, 0.0}, {0x80000000u, 0.0},
	};
	long bad = 0;

	for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		CHECKF(sk_ibm_to_double(vec[i].w) == vec[i].v, "%08x", vec[i].w);
		CHECKF(exact(vec[i].w) == vec[i].v, "reference %08x", vec[i].w);
	}
	CHECK(sk_ibm_to_float(0x60FFFFFFu) == FLT_MAX);
	CHECK(isinf(sk_ibm_to_float(0x61100000u)) && sk_ibm_to_float(0x61100000u) > 0);
	CHECK(isinf(sk_ibm_to_float(0xE1100000u)) && sk_ibm_to_float(0xE1100000u) < 0);
	CHECK(sk_ibm_to_float(0x21100000u) == 0x1p-128f);           /* subnormal kept */
	CHECK(sk_ibm_to_float(0x00100000u) == 0.0f);                /* far below: 0 */
	CHECK(signbit(sk_ibm_to_float(0x80000000u)));               /* -0 keeps its sign */
	CHECK(sk_ibm_to_float(0x41080000u) == 0.5f && sk_ibm_to_float(0x42010000u) == 1.0f);

	/* float -> IBM rounding cases. */
	CHECK(sk_float_to_ibm(0.1f) == 0x4019999Au);
	CHECK(sk_float_to_ibm(1.0f) == 0x41100000u && sk_float_to_ibm(-118.625f) == 0xC276A000u);
	CHECK(sk_float_to_ibm(-0.0f) == 0x80000000u && sk_float_to_ibm(0.0f) == 0);
	CHECK(sk_float_to_ibm(INFINITY) == 0x7fffffffu && sk_float_to_ibm(-INFINITY) == 0xffffffffu);
	CHECK(sk_float_to_ibm(NAN) == 0x7fffffffu);
	CHECK(sk_float_to_ibm(FLT_MAX) == 0x60FFFFFFu);
	CHECK(sk_float_to_ibm(0x1p-149f) == ref_to_ibm(0x1p-149f));  /* smallest subnormal */
	/* Ties: 2^24 + 1 needs 25 bits; an IBM fraction with exponent 0x47 keeps
	 * 20 bits of it (leading hex digit 1), so 16777217 rounds to even. */
	CHECK(sk_float_to_ibm(16777216.0f) == 0x47100000u);
	CHECK(sk_float_to_ibm(33554436.0f) == ref_to_ibm(33554436.0f));
	{
		/* 0x47100001 x ... : 16777216 + 8 is exact in float but needs
		 * rounding in IBM with leading digit 1 (step 16): tie to even. */
		const float t = 16777224.0f;
		CHECK(sk_float_to_ibm(t) == 0x47100000u);
		CHECK(sk_float_to_ibm(16777240.0f) == 0x47100002u);
	}

	/* 10^7 random words against the exact double formula. */
	for (long i = 0; i < 10000000; i++) {
		const uint32_t w = rng_u32();
		const double e = exact(w);
		const float ref = fabs(e) > FLT_MAX ? (e < 0 ? -INFINITY : INFINITY) : (float)e;
		if (sk_ibm_to_double(w) != e || !same_float(sk_ibm_to_float(w), ref))
			bad++;
	}
	CHECKF(bad == 0, "%ld of 10^7 random IBM words decoded wrongly", bad);

	/* 10^6 random floats: correct rounding, and the round trip of normalised
	 * IBM words in float range is the identity. */
	bad = 0;
	for (long i = 0; i < 1000000; i++) {
		uint32_t b = rng_u32();
		float f;
		memcpy(&f, &b, sizeof f);
		if (isnan(f))
			continue;
		if (sk_float_to_ibm(f) != ref_to_ibm(f))
			bad++;
	}
	CHECKF(bad == 0, "%ld of 10^6 random floats rounded wrongly to IBM", bad);
	bad = 0;
	for (long i = 0; i < 1000000; i++) {
		const uint32_t w = (rng_u32() & 0x80ffffffu) | (uint32_t)(0x22 + i % 0x3e) << 24;
		if ((w & 0x00f00000u) == 0)
			continue;  /* not normalised */
		if (sk_float_to_ibm(sk_ibm_to_float(w)) != w)
			bad++;
	}
	CHECKF(bad == 0, "%ld normalised IBM words did not round-trip through float", bad);

	{
		const uint32_t in[3] = {0x41100000u, 0xC276A000u, 0x40800000u};
		float out[3];
		uint32_t back[3];
		sk_ibm_decode(in, 3, out);
		sk_ibm_encode(out, 3, back);
		CHECK(out[0] == 1.0f && out[1] == -118.625f && out[2] == 0.5f);
		CHECK(memcmp(in, back, sizeof in) == 0);
	}
	return test_done();
}
