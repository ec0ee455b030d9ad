#include "xsum.h"

#include <math.h>
#include <string.h>

enum { F_NAN = 1, F_PINF = 2, F_NINF = 4, F_NONNEG0 = 8, F_ANY = 16 };

void sk_xsum_zero(struct sk_xsum *a, size_t n)
{
	memset(a, 0, n * sizeof *a);
}

/* Carries every digit but the top one into [0, 2^32). */
static void norm(int64_t *d)
{
	for (int k = 0; k < SK_XSUM_LIMBS - 1; k++) {
		/* An arithmetic shift: the digits may be negative. */
		const int64_t c = (d[k] - (int64_t)(uint32_t)d[k]) / ((int64_t)1 << 32);
		d[k] -= c * ((int64_t)1 << 32);
		d[k + 1] += c;
	}
}

/* Adds sign * m * 2^s (m < 2^53, the top bit s + 52 at most
 * SK_XSUM_TOPBIT): the digits from s>>5 up that m << (s & 31) reaches. */
#define SK_XSUM_TOPBIT (32 * SK_XSUM_LIMBS - 20)
static void add_shifted(struct sk_xsum *a, uint64_t m, int s, int neg)
{
	const int k = s >> 5, sh = s & 31;
	/* m << sh spans at most 85 bits: three digits, the ones past the top
	 * bit zero. */
	const uint64_t part[3] = {(m << sh) & 0xffffffffu, (sh ? m >> (32 - sh) : m >> 32) & 0xffffffffu,
				  sh ? m >> (64 - sh) : 0};

	for (int j = 0; j < 3 && k + j < SK_XSUM_LIMBS; j++)
		a->d[k + j] += neg ? -(int64_t)part[j] : (int64_t)part[j];
	if (++a->adds >= (1u << 30)) {
		norm(a->d);
		a->adds = 0;
	}
}

void sk_xsum_add_float(struct sk_xsum *a, float x)
{
	uint32_t b;
	uint32_t e, m;

	memcpy(&b, &x, sizeof b);
	e = (b >> 23) & 0xff;
	m = b & 0x7fffff;
	a->flags |= F_ANY;
	if (e == 0xff) {
		a->flags |= m ? F_NAN : (b >> 31) ? F_NINF : F_PINF;
		a->flags |= F_NONNEG0;
		return;
	}
	if (b != 0x80000000u)
		a->flags |= F_NONNEG0;
	if (e == 0 && m == 0)
		return;
	/* A normal float is (2^23 + m) * 2^(e - 150) = (2^23 + m) *
	 * 2^-149 * 2^(e - 1); a subnormal m * 2^-149. */
	if (e)
		add_shifted(a, m | 0x800000u, (int)e - 1, (int)(b >> 31));
	else
		add_shifted(a, m, 0, (int)(b >> 31));
}

void sk_xsum_add_floats(struct sk_xsum *a, const float *x, size_t n)
{
	for (size_t s = 0; s < n; s++)
		sk_xsum_add_float(&a[s], x[s]);
}

int sk_xsum_add_term(struct sk_xsum *a, double x)
{
	uint64_t b, m;
	int e, s;

	memcpy(&b, &x, sizeof b);
	e = (int)((b >> 52) & 0x7ff);
	m = b & 0xfffffffffffffull;
	if (e == 0x7ff) {
		a->flags |= F_ANY;
		a->flags |= m ? F_NAN : (b >> 63) ? F_NINF : F_PINF;
		a->flags |= F_NONNEG0;
		return 0;
	}
	if (e == 0 && m == 0) {
		a->flags |= F_ANY | (b >> 63 ? 0 : F_NONNEG0);
		return 0;
	}
	if (e == 0)
		return -1;  /* a subnormal double is far below 2^-149 */
	m |= 1ull << 52;
	/* x = m * 2^(e - 1075) = m * 2^-149 * 2^(e - 926). */
	s = e - 926;
	if (s + 52 > SK_XSUM_TOPBIT)
		return -1;
	while (!(m & 1)) {
		m >>= 1;
		s++;
	}
	if (s < 0)
		return -1;
	a->flags |= F_ANY | F_NONNEG0;
	add_shifted(a, m, s, (int)(b >> 63));
	return 0;
}

/* The magnitude of a's value in 32-bit digits (d), and its sign. */
static int magnitude(const struct sk_xsum *a, uint32_t *d)
{
	int64_t t[SK_XSUM_LIMBS];
	int neg;

	memcpy(t, a->d, sizeof t);
	norm(t);
	neg = t[SK_XSUM_LIMBS - 1] < 0;
	if (neg) {
		for (int k = 0; k < SK_XSUM_LIMBS; k++)
			t[k] = -t[k];
		norm(t);
	}
	for (int k = 0; k < SK_XSUM_LIMBS; k++)
		d[k] = (uint32_t)t[k];
	return neg;
}

/* The highest set bit of d, or -1 when d is 0. */
static int top_bit(const uint32_t *d)
{
	for (int k = SK_XSUM_LIMBS - 1; k >= 0; k--)
		if (d[k]) {
			int p = 31;
			while (!(d[k] >> p))
				p--;
			return 32 * k + p;
		}
	return -1;
}

/* n <= 56 bits of d from bit lo up (bits below 0 read as 0). */
static uint64_t bits(const uint32_t *d, int lo, int n)
{
	uint64_t v = 0;
	int b = 0;

	if (lo < 0) {
		b = -lo;
		lo = 0;
		if (b >= n)
			return 0;
		n -= b;
		/* Bits below 0 are zeros: the value starts b bits up. */
		v = bits(d, 0, n) << b;
		return v;
	}
	while (b < n) {
		const int j = (lo + b) >> 5, off = (lo + b) & 31;
		const int take = 32 - off < n - b ? 32 - off : n - b;
		const uint64_t chunk = ((uint64_t)d[j] >> off) & (((uint64_t)1 << take) - 1);
		v |= chunk << b;
		b += take;
	}
	return v;
}

/* Any bit of d below bit lo set. */
static int any_below(const uint32_t *d, int lo)
{
	const int j = lo >> 5, off = lo & 31;

	for (int k = 0; k < j; k++)
		if (d[k])
			return 1;
	return off && (d[j] & ((1u << off) - 1));
}

static float special(const struct sk_xsum *a)
{
	if ((a->flags & F_NAN) || ((a->flags & F_PINF) && (a->flags & F_NINF)))
		return NAN;
	return (a->flags & F_PINF) ? INFINITY : -INFINITY;
}

float sk_xsum_float(const struct sk_xsum *a)
{
	uint32_t d[SK_XSUM_LIMBS];
	int neg, p;
	uint64_t m;
	float r;

	if (a->flags & (F_NAN | F_PINF | F_NINF))
		return special(a);
	neg = magnitude(a, d);
	p = top_bit(d);
	if (p < 0)
		return (a->flags & (F_ANY | F_NONNEG0)) == F_ANY ? -0.0f : 0.0f;
	if (p < 24) {
		/* Below 2^-125: exactly a float (normal or subnormal). */
		r = ldexpf((float)d[0], -149);
	} else {
		m = bits(d, p - 23, 24);
		if (bits(d, p - 24, 1) && (any_below(d, p - 24) || (m & 1)))
			m++;
		/* m may reach 2^24: still exact as a float. */
		r = ldexpf((float)m, p - 23 - 149);
	}
	return neg ? -r : r;
}

int sk_xsum_terms(const struct sk_xsum *a, double *out)
{
	uint32_t d[SK_XSUM_LIMBS];
	int neg, k = 0;

	if (a->flags & (F_NAN | F_PINF | F_NINF)) {
		out[0] = (double)special(a);
		return 1;
	}
	neg = magnitude(a, d);
	if (top_bit(d) < 0) {
		out[0] = (a->flags & (F_ANY | F_NONNEG0)) == F_ANY ? -0.0 : 0.0;
		return 1;
	}
	for (int p; (p = top_bit(d)) >= 0 && k < SK_XSUM_MAXTERMS; k++) {
		const int lo = p - 52 > 0 ? p - 52 : 0;
		const uint64_t m = bits(d, lo, p - lo + 1);
		out[k] = ldexp((double)m, lo - 149);
		if (neg)
			out[k] = -out[k];
		/* Clear the bits taken. */
		for (int b = lo; b <= p; b++)
			d[b >> 5] &= ~(1u << (b & 31));
	}
	return k;
}

void sk_xsum_fast_init(double *acc, unsigned char *inexact, size_t n)
{
	for (size_t s = 0; s < n; s++)
		acc[s] = -0.0;
	memset(inexact, 0, n);
}

/* One TwoSum step: *acc += b, and the rounding error's presence. */
static inline unsigned char two_sum(double *acc, double b)
{
	const double a = *acc, t = a + b, bb = t - a;
	const double e = (a - (t - bb)) + (b - bb);

	*acc = t;
	/* e is NaN after an infinity or a NaN: also "not exact". */
	return e != 0 || e != e;
}

void sk_xsum_fast_add_floats(double *acc, unsigned char *inexact, const float *x, size_t n)
{
	for (size_t s = 0; s < n; s++)
		inexact[s] |= two_sum(&acc[s], (double)x[s]);
}

void sk_xsum_fast_add_doubles(double *acc, unsigned char *inexact, const double *x, size_t n)
{
	for (size_t s = 0; s < n; s++)
		inexact[s] |= two_sum(&acc[s], x[s]);
}
