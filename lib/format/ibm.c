#include "ibm.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* 2^k as a double, for -1022 <= k <= 1023, built from its bits. */
static inline double pow2(int k)
{
	const uint64_t bits = (uint64_t)(k + 1023) << 52;
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

double sk_ibm_to_double(uint32_t w)
{
	const int e = (int)((w >> 24) & 0x7f);
	const double v = (double)(w & 0xffffff) * pow2(4 * (e - 64) - 24);
	return (w & 0x80000000u) ? -v : v;
}

/* F x 2^(4(E-64)-24) is exact in double (24-bit F, exponent in -280..228),
 * so one rounding to float gives the correctly rounded result.  The cast is
 * only made in range (an out-of-range cast is undefined in C). */
static inline float ibm1(uint32_t w)
{
	const double v = sk_ibm_to_double(w);
	const double a = fabs(v);
	return a > (double)FLT_MAX ? (v < 0 ? -INFINITY : INFINITY) : (float)v;
}

float sk_ibm_to_float(uint32_t w)
{
	return ibm1(w);
}

void sk_ibm_decode(const uint32_t *in, size_t n, float *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = ibm1(in[i]);
}

uint32_t sk_float_to_ibm(float x)
{
	uint32_t bits, sign, m;
	int eb, x2, E, shift;

	memcpy(&bits, &x, sizeof bits);
	sign = bits & 0x80000000u;
	eb = (int)((bits >> 23) & 0xff);
	if (eb == 0xff)
		return (bits & 0x7fffff) ? 0x7fffffffu : sign | 0x7fffffffu;
	if (eb == 0) {
		/* Zero or subnormal: frexp normalises it exactly. */
		int e2;
		const double mm = frexp(fabs((double)x), &e2);
		if (mm == 0)
			return sign;
		E = (e2 + 256 + 3) / 4 - 64;          /* ceil(e2 / 4) */
		{
			double F = rint(ldexp(mm, e2 - 4 * E + 24));
			if (F >= 16777216.0) {
				F = 1048576.0;
				E++;
			}
			return sign | (uint32_t)(E + 64) << 24 | (uint32_t)F;
		}
	}
	/* Normal: value = m / 2^24 x 2^x2 with m the 24-bit significand. */
	m = (bits & 0x7fffff) | 0x800000;
	x2 = eb - 126;
	E = (x2 + 256 + 3) / 4 - 64;                  /* ceil(x2 / 4) */
	shift = 4 * E - x2;                           /* 0..3 */
	if (shift) {
		/* Round half to even on the bits shifted out; m >> shift < 2^23,
		 * so the carry cannot reach 2^24. */
		const uint32_t half = 1u << (shift - 1);
		const uint32_t rem = m & ((1u << shift) - 1);
		m >>= shift;
		if (rem > half || (rem == half && (m & 1)))
			m++;
	}
	return sign | (uint32_t)(E + 64) << 24 | m;
}

void sk_ibm_encode(const float *in, size_t n, uint32_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = sk_float_to_ibm(in[i]);
}
