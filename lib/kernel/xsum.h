/*
 * xsum: exact sums of floats, rounded once.
 *
 * An accumulator holds the exact sum of the floats (and the exact terms,
 * sk_xsum_terms) added to it, as an integer count of 2^-149 (the smallest
 * float step) in SK_XSUM_LIMBS signed 32-bit digits kept in int64_t (carry
 * save: a digit takes 2^30 additions before sk_xsum_add* normalises it).
 * Exact sums are associative: any grouping and any order of the same
 * addends gives the same accumulator, hence the same rounded float.  That
 * is what lets segmerge --sum add pieces on their hosts first and the
 * hosts' partial sums afterwards (lib/flow/psum.h) with the bytes of a
 * local sum.
 *
 * sk_xsum_float rounds to the nearest float, ties to even, as IEEE 754
 * rounds one addition: the result is what a single rounding of the true sum
 * gives (+inf or -inf beyond FLT_MAX's rounding range).  Infinities and NaNs
 * follow IEEE addition: a NaN, or +inf with -inf, gives NaN; an infinity
 * otherwise that infinity.  A zero sum is -0 only when every addend was -0.
 * Range: up to 2^31 addends of any float, or terms of such sums.
 */
#ifndef SK_XSUM_H
#define SK_XSUM_H

#include <stddef.h>
#include <stdint.h>

#define SK_XSUM_LIMBS 10
/* Terms of one exact sum, at most (sk_xsum_terms): 320 bits / 53. */
#define SK_XSUM_MAXTERMS 7

struct sk_xsum {
	int64_t d[SK_XSUM_LIMBS];
	uint32_t adds;       /* additions since the last normalisation */
	uint8_t flags;       /* SK_XSUM_NAN, _PINF, _NINF, _NONNEG0 */
};

void sk_xsum_zero(struct sk_xsum *a, size_t n);
/* a[s] += x[s] for s < n. */
void sk_xsum_add_floats(struct sk_xsum *a, const float *x, size_t n);
void sk_xsum_add_float(struct sk_xsum *a, float x);
/* Adds a term of an exact sum (sk_xsum_terms).  Returns 0, or -1 when x is
 * not such a term (finite but not a multiple of 2^-149, or too large): the
 * accumulator is then unchanged. */
int sk_xsum_add_term(struct sk_xsum *a, double x);
/* The sum rounded to the nearest float (ties to even). */
float sk_xsum_float(const struct sk_xsum *a);
/* The exact sum as k doubles whose sum is exact (1 <= k <=
 * SK_XSUM_MAXTERMS): out[0] holds the top 53 bits (truncated), the others
 * the rest in the same way; a zero sum, an infinity or a NaN is one term.
 * Adding the terms to a zero accumulator gives this one's sum. */
int sk_xsum_terms(const struct sk_xsum *a, double *out);

/*
 * The fast path: most sums of a few floats are exact in double.  acc[s]
 * accumulates in double and inexact[s] records whether an addition was
 * rounded (Knuth's TwoSum error, or an infinity or NaN on the way); where it
 * was not, (float)acc[s] is the exact sum rounded once, as sk_xsum_float
 * would give, and acc[s] its one term.  Where it was, the caller sums that
 * sample again with an accumulator.  sk_xsum_fast_init sets acc to -0 (the
 * sum of nothing as IEEE adds: x + -0 is x for every x).
 */
void sk_xsum_fast_init(double *acc, unsigned char *inexact, size_t n);
void sk_xsum_fast_add_floats(double *acc, unsigned char *inexact, const float *x, size_t n);
void sk_xsum_fast_add_doubles(double *acc, unsigned char *inexact, const double *x, size_t n);

#endif
