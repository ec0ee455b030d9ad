/*
 * kirchhoff_kern_internal: the vectorised loops of migration over output
 * time (kern_lin, kern_aa) and out_trace_body, which each SIMD level's file
 * instantiates for its target.  This header shall only be used by
 * lib/kernel/kirchhoff*.c (kirchhoff_internal.h says which does what).
 */
#ifndef SK_KIRCHHOFF_KERN_INTERNAL_H
#define SK_KIRCHHOFF_KERN_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kirchhoff_internal.h"
#include "kirchhoff_tap_internal.h"

/*
 * Linear interpolation reads L at i0 and i0 + 1.  Where the moveout grows by
 * at most one input sample per output sample (dt <= dt_in, as usual), 8
 * neighbouring updates read within 9 neighbouring samples: two unaligned
 * vector loads and one lane permutation each (vpermps with AVX2) replace 16
 * single-float loads, which cost more than all the arithmetic.  Groups that
 * spread wider take the plain reads; the values read are the same.  So the
 * updates go by strips: positions and weights (vectorised), reads, sums.
 */
#define KSTRIP 64
typedef float kv8f __attribute__((vector_size(32)));
typedef int32_t kv8i __attribute__((vector_size(32)));
typedef float kv4f __attribute__((vector_size(16)));
typedef int32_t kv4i __attribute__((vector_size(16)));
typedef double kv4d __attribute__((vector_size(32)));
typedef int64_t kv4l __attribute__((vector_size(32)));
typedef double kv8d __attribute__((vector_size(64)));
typedef int64_t kv8l __attribute__((vector_size(64)));
typedef float kv16f __attribute__((vector_size(64)));
typedef int32_t kv16i __attribute__((vector_size(64)));

/* Lane permutation by a variable index vector (GCC: vpermps with AVX2;
 * clang has no variable-index shuffle builtin, so lane by lane there). */
#if defined(__clang__)
#define KPERM(v, d) kperm_lanes(&(v), &(d))
static inline void kperm_lanes(kv8f *v, const kv8i *d)
{
	kv8f r;
	for (int e = 0; e < 8; e++)
		r[e] = (*v)[(*d)[e] & 7];
	*v = r;
}
#define KPERM2(r, a, b, d) kperm2_lanes(&(r), &(a), &(b), &(d))
static inline void kperm2_lanes(kv4d *r, const kv4d *a, const kv4d *b, const kv4l *d)
{
	for (int e = 0; e < 4; e++)
		(*r)[e] = ((*d)[e] & 4) ? (*b)[(*d)[e] & 3] : (*a)[(*d)[e] & 3];
}
/* The wide path (x86-64-v4) is GCC's on x86-64 only; never used here. */
#define KPERM2_8D(r, a, b, d) ((void)(a), (void)(b), (void)(d), (r) = (kv8d){0})
#define KPERM2_8F(r, a, b, d) ((void)(a), (void)(b), (void)(d), (r) = (kv8f){0})
#define KPERM16(v, d) ((void)(d), (v) = (kv16f){0})
#else
#define KPERM(v, d) ((v) = __builtin_shuffle(v, d))
#define KPERM2(r, a, b, d) ((r) = __builtin_shuffle(a, b, d))
#define KPERM2_8D(r, a, b, d) ((r) = __builtin_shuffle(a, b, d))
#define KPERM2_8F(r, a, b, d) ((r) = __builtin_shuffle(a, b, d))
#define KPERM16(v, d) ((v) = __builtin_shuffle(v, d))
#endif

/* The plain read: L at i + f by linear interpolation. */
KINLINE float lin_at(const float *L, int32_t i, float f)
{
	return L[i] + f * (L[i + 1] - L[i]);
}

KINLINE void kern_lin(const struct tarr *ta, const struct pc *c, float *acc, long j0, long j1,
		      const int obl, const int spr, const int d3, const int tap, const int wide)
{
	const float *L = c->L;
	int32_t ix[KSTRIP];
	float fr[KSTRIP], W[KSTRIP], v[KSTRIP];

	for (long jb = j0; jb < j1; jb += KSTRIP) {
		const long n = j1 - jb < KSTRIP ? j1 - jb : KSTRIP;
		long l;
#pragma omp simd
		for (l = 0; l < n; l++) {
			const struct tap q = tap_at(ta, c, jb + l, 0, obl, spr, d3, tap);
			ix[l] = q.i0;
			fr[l] = q.fr;
			W[l] = q.W;
		}
		for (l = 0; wide >= 0 && l + 8 <= n; l += 8) {
			const int32_t b = ix[l];
			kv8i d;
			kv8f lo, hi, f;
			uint64_t out[4];
			memcpy(&d, ix + l, sizeof d);
			d -= b;
			/* Every lane within [b, b + 7]? */
			{
				const kv8i m = d & ~7;
				memcpy(out, &m, sizeof out);
			}
			if (out[0] | out[1] | out[2] | out[3]) {
				for (long e = l; e < l + 8; e++)
					v[e] = lin_at(L, ix[e], fr[e]);
				continue;
			}
			memcpy(&lo, L + b, sizeof lo);
			memcpy(&hi, L + b + 1, sizeof hi);
			memcpy(&f, fr + l, sizeof f);
			KPERM(lo, d);
			KPERM(hi, d);
			lo = lo + f * (hi - lo);
			memcpy(v + l, &lo, sizeof lo);
		}
		for (; l < n; l++)
			v[l] = lin_at(L, ix[l], fr[l]);
#pragma omp simd
		for (l = 0; l < n; l++)
			acc[jb + l] += W[l] * v[l];
	}
}

/* The plain triangle pick: the second difference of S at whole samples (in
 * double: S is large) plus fr times that of D[i] = S[i+1] - S[i] (small:
 * float is enough).  The triangle of half-length k + 1 needs S[m-1] and
 * S[p+1]: its second difference is that of k plus D[m-1] - D[p], so two
 * more float reads, not four; the two blend by c0 and c1 (tri_weights).
 * Every vector form below computes these same IEEE operations in this
 * order (tri_mix), so the image is the same bytes whichever runs. */
#define TRI_MIX(T)                                                                                      \
	KINLINE void tri_parts_##T(const T *li, const T *lm, const T *lp, const T *lm1, const T *lp1, T *g,  \
				   T *b0, T *b1)                                                        \
	{                                                                                               \
		*g = *lm1 - *lp;                                                                        \
		*b0 = 2.0f * *li - *lm - *lp;                                                           \
		*b1 = 2.0f * *li - *lm1 - *lp1;                                                         \
	}                                                                                               \
	KINLINE void tri_sum_##T(const T *a0, const T *g, const T *b0, const T *b1, const T *f, const T *c0, \
				 const T *c1, T *out)                                                   \
	{                                                                                               \
		const T a1 = *a0 + *g;                                                                  \
		*out = *c0 * (*a0 + *f * *b0) + *c1 * (a1 + *f * *b1);                                  \
	}                                                                                               \
	KINLINE void tri_mix_##T(const T *a0, const T *li, const T *lm, const T *lp, const T *lm1, const T *lp1, \
				 const T *f, const T *c0, const T *c1, T *out)                          \
	{                                                                                               \
		T g, b0, b1;                                                                            \
		tri_parts_##T(li, lm, lp, lm1, lp1, &g, &b0, &b1);                                      \
		tri_sum_##T(a0, &g, &b0, &b1, f, c0, c1, out);                                          \
	}
TRI_MIX(float)
TRI_MIX(kv8f)
TRI_MIX(kv16f)
#undef TRI_MIX

KINLINE float tri_at(const double *S, const float *D, int32_t i, int32_t kk, float f, float b)
{
	const int32_t m = i - kk, p = i + kk;
	const float a0 = (float)(2.0 * S[i] - S[m] - S[p]);
	const float li = D[i], lm = D[m], lp = D[p], lm1 = D[m - 1], lp1 = D[p + 1];
	float c0, c1, r;
	tri_weights(kk, b, &c0, &c1);
	tri_mix_float(&a0, &li, &lm, &lp, &lm1, &lp1, &f, &c0, &c1, &r);
	return r;
}

/* True when any lane of x is not zero. */
KINLINE int any8(const kv8i *x)
{
	uint64_t out[4];
	memcpy(out, x, sizeof out);
	return (out[0] | out[1] | out[2] | out[3]) != 0;
}

KINLINE int any16(const kv16i *x)
{
	const kv8i lo = __builtin_shufflevector(*x, *x, 0, 1, 2, 3, 4, 5, 6, 7);
	const kv8i hi = __builtin_shufflevector(*x, *x, 8, 9, 10, 11, 12, 13, 14, 15);
	const kv8i o = lo | hi;
	return any8(&o);
}

/* Lowest lane of an index vector that runs up or down (the lower end), and
 * whether every lane lies within [b, b + 7] of it: d = x - b. */
KINLINE int32_t win_base(const kv8i *x)
{
	return (*x)[0] < (*x)[7] ? (*x)[0] : (*x)[7];
}

/* Eight doubles S[b + d[e]] from the window S[b .. b + 7]: two halves, each
 * a two-source permutation of the window's two 4-double vectors (vpermt2pd
 * with AVX-512, two vpermd and a blend with AVX2). */
KINLINE void win_d(const double *S, int32_t b, const kv4l *il, const kv4l *ih, kv4d *lo, kv4d *hi)
{
	kv4d w0, w1;
	memcpy(&w0, S + b, sizeof w0);
	memcpy(&w1, S + b + 4, sizeof w1);
	KPERM2(*lo, w0, w1, *il);
	KPERM2(*hi, w0, w1, *ih);
}

KINLINE void win_d8(const double *S, int32_t b, const kv8i *d, kv4d *lo, kv4d *hi)
{
	const kv4i dl = {(*d)[0], (*d)[1], (*d)[2], (*d)[3]}, dh = {(*d)[4], (*d)[5], (*d)[6], (*d)[7]};
	const kv4l il = __builtin_convertvector(dl, kv4l), ih = __builtin_convertvector(dh, kv4l);
	win_d(S, b, &il, &ih, lo, hi);
}

/* Eight floats D[b + d[e]] from the window D[b .. b + 7]. */
KINLINE void win_f(const float *D, int32_t b, const kv8i *d, kv8f *out)
{
	memcpy(out, D + b, sizeof *out);
	KPERM(*out, *d);
}

/* Sixteen floats D[b + d[e]] from the window D[b .. b + 15] (vpermps). */
KINLINE void win_f16(const float *D, int32_t b, const kv16i *d, kv16f *out)
{
	memcpy(out, D + b, sizeof *out);
	KPERM16(*out, *d);
}

/* Sixteen doubles S[b + d[e]] from the window S[b .. b + 15], as the two
 * halves lo (lanes 0-7) and hi (8-15) (vpermi2pd, 64-bit indices xl, xh). */
KINLINE void win_d16(const double *S, int32_t b, const kv8l *xl, const kv8l *xh, kv8d *lo, kv8d *hi)
{
	kv8d w0, w1;
	memcpy(&w0, S + b, sizeof w0);
	memcpy(&w1, S + b + 8, sizeof w1);
	KPERM2_8D(*lo, w0, w1, *xl);
	KPERM2_8D(*hi, w0, w1, *xh);
}

/*
 * The common case: a group of neighbouring updates with one half-length kk
 * (it changes slowly along a summation curve) and every i0 within one
 * window from the lowest, b.  Then each of the eight taps is the window at
 * b + offset (0, -kk, +kk for S; also -kk-1, +kk+1 for D) read by the one
 * index vector i0 - b: an unaligned load and a permutation each, as the
 * linear path reads, with no index arithmetic per tap; and the blend
 * weights take the group's one quotient (tri_recip).  Wide (x86-64-v4):
 * 16 updates, D by single-source permutations of 16 floats, S by
 * two-source permutations of 16 doubles (vpermi2pd).  Returns 0, reading
 * nothing, when the group does not qualify.
 */
KINLINE int tri_uni16(const double *S, const float *D, const float *T, long len, const int32_t *ix,
		      const int32_t *kk, const float *fr, const float *bb, kv16f *v)
{
	const int32_t k = kk[0], b = ix[0] < ix[15] ? ix[0] : ix[15];
	kv16i I, K, d, o;
	kv8i il, ih;
	kv8l xl, xh;
	kv8d s0l, s0h, sml, smh, spl, sph;
	kv16f a0, li, lm, lp, lm1, lp1, F, B, C0, C1;
	float k0, k1, q;

	memcpy(&I, ix, sizeof I);
	memcpy(&K, kk, sizeof K);
	d = I - b;
	o = (K - k) | (d & ~15);
	if (any16(&o))
		return 0;
	memcpy(&F, fr, sizeof F);
	memcpy(&B, bb, sizeof B);
	if (k == 1) {
		/* The weights (1 - b) 4 / 4 and b 1 / 4 (tri_weights): the
		 * scalings by 4 and 1/4 are exact, so these are the same
		 * floats. */
		kv16f g, b0, b1;
		C0 = 1.0f - B;
		C1 = B * 0.25f;
		win_f16(T, b, &d, &a0);
		win_f16(T + len, b, &d, &g);
		win_f16(T + 2 * len, b, &d, &b0);
		win_f16(T + 3 * len, b, &d, &b1);
		tri_sum_kv16f(&a0, &g, &b0, &b1, &F, &C0, &C1, v);
		return 1;
	}
	q = tri_recip(k, &k0, &k1);
	C0 = (1.0f - B) * k1 * q;
	C1 = B * k0 * q;
	memcpy(&il, ix, sizeof il);
	memcpy(&ih, ix + 8, sizeof ih);
	il -= b;
	ih -= b;
	xl = __builtin_convertvector(il, kv8l);
	xh = __builtin_convertvector(ih, kv8l);
	win_d16(S, b, &xl, &xh, &s0l, &s0h);
	win_d16(S, b - k, &xl, &xh, &sml, &smh);
	win_d16(S, b + k, &xl, &xh, &spl, &sph);
	s0l = 2.0 * s0l - sml - spl;
	s0h = 2.0 * s0h - smh - sph;
	{
		const kv8f fl = __builtin_convertvector(s0l, kv8f), fh = __builtin_convertvector(s0h, kv8f);
		a0 = __builtin_shufflevector(fl, fh, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	}
	win_f16(D, b, &d, &li);
	win_f16(D, b - k, &d, &lm);
	win_f16(D, b + k, &d, &lp);
	win_f16(D, b - k - 1, &d, &lm1);
	win_f16(D, b + k + 1, &d, &lp1);
	tri_mix_kv16f(&a0, &li, &lm, &lp, &lm1, &lp1, &F, &C0, &C1, v);
	return 1;
}

/* The same for 8 updates (AVX2 and the portable build): D by permutations
 * of 8 floats, S by two-source permutations of 8 doubles in two halves.
 * tri_uni16 and tri_uni8 have one shape but stay two functions: every one
 * of their ten vector types and window reads differs in width (GCC's vector
 * types have no width parameter), so one body would be a macro over all of
 * them, as TRI_MIX is for the arithmetic they already share (tri_sum,
 * tri_mix); the window reads are what is left written twice. */
KINLINE int tri_uni8(const double *S, const float *D, const float *T, long len, const int32_t *ix,
		     const int32_t *kk, const float *fr, const float *bb, kv8f *v)
{
	const int32_t k = kk[0], b = ix[0] < ix[7] ? ix[0] : ix[7];
	kv8i I, K, d, o;
	kv4i dl, dh;
	kv4l il, ih;
	kv4d s0l, s0h, sml, smh, spl, sph;
	kv8f a0, li, lm, lp, lm1, lp1, F, B, C0, C1;
	float k0, k1, q;

	memcpy(&I, ix, sizeof I);
	memcpy(&K, kk, sizeof K);
	d = I - b;
	o = (K - k) | (d & ~7);
	if (any8(&o))
		return 0;
	memcpy(&F, fr, sizeof F);
	memcpy(&B, bb, sizeof B);
	if (k == 1) {
		kv8f g, b0, b1;
		C0 = 1.0f - B;
		C1 = B * 0.25f;
		win_f(T, b, &d, &a0);
		win_f(T + len, b, &d, &g);
		win_f(T + 2 * len, b, &d, &b0);
		win_f(T + 3 * len, b, &d, &b1);
		tri_sum_kv8f(&a0, &g, &b0, &b1, &F, &C0, &C1, v);
		return 1;
	}
	q = tri_recip(k, &k0, &k1);
	C0 = (1.0f - B) * k1 * q;
	C1 = B * k0 * q;
	memcpy(&dl, ix, sizeof dl);
	memcpy(&dh, ix + 4, sizeof dh);
	dl -= b;
	dh -= b;
	il = __builtin_convertvector(dl, kv4l);
	ih = __builtin_convertvector(dh, kv4l);
	win_d(S, b, &il, &ih, &s0l, &s0h);
	win_d(S, b - k, &il, &ih, &sml, &smh);
	win_d(S, b + k, &il, &ih, &spl, &sph);
	s0l = 2.0 * s0l - sml - spl;
	s0h = 2.0 * s0h - smh - sph;
	{
		const kv4f fl = __builtin_convertvector(s0l, kv4f), fh = __builtin_convertvector(s0h, kv4f);
		a0 = __builtin_shufflevector(fl, fh, 0, 1, 2, 3, 4, 5, 6, 7);
	}
	win_f(D, b, &d, &li);
	win_f(D, b - k, &d, &lm);
	win_f(D, b + k, &d, &lp);
	win_f(D, b - k - 1, &d, &lm1);
	win_f(D, b + k + 1, &d, &lp1);
	tri_mix_kv8f(&a0, &li, &lm, &lp, &lm1, &lp1, &F, &C0, &C1, v);
	return 1;
}

/*
 * Groups of 8 that are not uniform: the lane weights one by one, then the
 * wide form (x86-64-v4): the three taps of 8 updates all within the 16
 * samples from b, each one two-register permutation of S (vpermi2pd) and
 * one of D (vpermi2ps); else three windows of 8 (S[i], S[m], S[p] and D
 * around each); else lane by lane.
 */
KINLINE void tri_any8(const double *S, const float *D, const int32_t *ix, const int32_t *kk, const float *fr,
		      const float *bb, float *v, const int wide)
{
	float c0[8], c1[8];
	kv8i i, k, m, p;
	kv8f F, C0, C1, a0, li, lm, lp, lm1, lp1, r;

	for (int e = 0; e < 8; e++)
		tri_weights(kk[e], bb[e], c0 + e, c1 + e);
	memcpy(&i, ix, sizeof i);
	memcpy(&k, kk, sizeof k);
	memcpy(&F, fr, sizeof F);
	memcpy(&C0, c0, sizeof C0);
	memcpy(&C1, c1, sizeof C1);
	m = i - k;
	p = i + k;
	if (wide > 0) {
		const int32_t b = win_base(&m) - 1;
		const kv8i di = i - b, dm = m - b, dp = p - b, dm1 = dm - 1, dp1 = dp + 1;
		const kv8i o = (di | dm1 | dp1) & ~15;
		if (!any8(&o)) {
			const kv8l xi = __builtin_convertvector(di, kv8l), xk = __builtin_convertvector(k, kv8l);
			const kv8l xm = xi - xk, xp = xi + xk;
			kv8d w0, w1, a, sm, sp;
			kv8f x0, x1;
			memcpy(&w0, S + b, sizeof w0);
			memcpy(&w1, S + b + 8, sizeof w1);
			memcpy(&x0, D + b, sizeof x0);
			memcpy(&x1, D + b + 8, sizeof x1);
			KPERM2_8D(a, w0, w1, xi);
			KPERM2_8D(sm, w0, w1, xm);
			KPERM2_8D(sp, w0, w1, xp);
			a = 2.0 * a - sm - sp;
			a0 = __builtin_convertvector(a, kv8f);
			KPERM2_8F(li, x0, x1, di);
			KPERM2_8F(lm, x0, x1, dm);
			KPERM2_8F(lp, x0, x1, dp);
			KPERM2_8F(lm1, x0, x1, dm1);
			KPERM2_8F(lp1, x0, x1, dp1);
			tri_mix_kv8f(&a0, &li, &lm, &lp, &lm1, &lp1, &F, &C0, &C1, &r);
			memcpy(v, &r, sizeof r);
			return;
		}
	}
	{
		const int32_t bi = win_base(&i), bm = win_base(&m), bp = win_base(&p);
		const kv8i di = i - bi, dm = m - bm, dp = p - bp;
		const kv8i o = (di | dm | dp) & ~7;
		kv4d s0, s1, t0, t1;
		if (any8(&o)) {
			for (int e = 0; e < 8; e++)
				v[e] = tri_at(S, D, ix[e], kk[e], fr[e], bb[e]);
			return;
		}
		win_d8(S, bi, &di, &s0, &s1);
		s0 = 2.0 * s0;
		s1 = 2.0 * s1;
		win_d8(S, bm, &dm, &t0, &t1);
		s0 -= t0;
		s1 -= t1;
		win_d8(S, bp, &dp, &t0, &t1);
		s0 -= t0;
		s1 -= t1;
		{
			const kv4f h0 = __builtin_convertvector(s0, kv4f);
			const kv4f h1 = __builtin_convertvector(s1, kv4f);
			a0 = __builtin_shufflevector(h0, h1, 0, 1, 2, 3, 4, 5, 6, 7);
		}
		win_f(D, bi, &di, &li);
		win_f(D, bm, &dm, &lm);
		win_f(D, bp, &dp, &lp);
		win_f(D, bm - 1, &dm, &lm1);
		win_f(D, bp + 1, &dp, &lp1);
		tri_mix_kv8f(&a0, &li, &lm, &lp, &lm1, &lp1, &F, &C0, &C1, &r);
		memcpy(v, &r, sizeof r);
	}
}

/*
 * The triangle filter reads S and D at i0 and i0 -+ kk: eight reads an
 * update, which as gathers cost three times the arithmetic.  So the updates
 * go by strips, as in kern_lin: positions, half-lengths and weights
 * (vectorised), then the reads by groups (tri_uni16, tri_uni8, tri_any8),
 * then the sums.  The values read and the arithmetic on them are those of
 * tri_at, so the image is the same bytes any way.
 */
KINLINE void kern_aa(const struct tarr *ta, const struct pc *c, float *acc, long j0, long j1,
		     const int obl, const int spr, const int d3, const int tap, const int wide)
{
	const float *D = c->L;
	const double *S = c->S;
	const long len = c->tlen;
	int32_t ix[KSTRIP], kk[KSTRIP];
	float fr[KSTRIP], W[KSTRIP], v[KSTRIP], bb[KSTRIP];

	for (long jb = j0; jb < j1; jb += KSTRIP) {
		const long n = j1 - jb < KSTRIP ? j1 - jb : KSTRIP;
		long l = 0;
#pragma omp simd
		for (long e = 0; e < n; e++) {
			const struct tap q = tap_at(ta, c, jb + e, 1, obl, spr, d3, tap);
			ix[e] = q.i0;
			kk[e] = q.kk;
			fr[e] = q.fr;
			W[e] = q.W;
			bb[e] = q.b;
		}
		/* Each group's sums right after its reads: acc + W v, as the
		 * lane by lane loop at the end does. */
		for (; wide > 0 && l + 16 <= n; l += 16) {
			kv16f r, a, w;
			if (!tri_uni16(S, D, c->T, len, ix + l, kk + l, fr + l, bb + l, &r)) {
				tri_any8(S, D, ix + l, kk + l, fr + l, bb + l, v + l, wide);
				tri_any8(S, D, ix + l + 8, kk + l + 8, fr + l + 8, bb + l + 8, v + l + 8, wide);
				memcpy(&r, v + l, sizeof r);
			}
			memcpy(&a, acc + jb + l, sizeof a);
			memcpy(&w, W + l, sizeof w);
			a += w * r;
			memcpy(acc + jb + l, &a, sizeof a);
		}
		for (; wide >= 0 && l + 8 <= n; l += 8) {
			kv8f r, a, w;
			if (!tri_uni8(S, D, c->T, len, ix + l, kk + l, fr + l, bb + l, &r)) {
				tri_any8(S, D, ix + l, kk + l, fr + l, bb + l, v + l, wide);
				memcpy(&r, v + l, sizeof r);
			}
			memcpy(&a, acc + jb + l, sizeof a);
			memcpy(&w, W + l, sizeof w);
			a += w * r;
			memcpy(acc + jb + l, &a, sizeof a);
		}
		for (; l < n; l++)
			acc[jb + l] += W[l] * tri_at(S, D, ix[l], kk[l], fr[l], bb[l]);
	}
}

KINLINE void kern(const struct tarr *ta, const struct pc *c, float *acc, long j0, long j1,
		  const int aa, const int obl, const int spr, const int d3, const int tap, const int wide)
{
	if (aa)
		kern_aa(ta, c, acc, j0, j1, obl, spr, d3, tap, wide);
	else
		kern_lin(ta, c, acc, j0, j1, obl, spr, d3, tap, wide);
}

#define KCASE(aa, obl, spr, d3, tap, call) \
	case KFLAGS(aa, obl, spr, d3, tap): call(aa, obl, spr, d3, tap); break;
#define KCASES_TAP(aa, obl, spr, d3, call) KCASE(aa, obl, spr, d3, 0, call) KCASE(aa, obl, spr, d3, 1, call)
#define KCASES_D3(aa, obl, spr, call) KCASES_TAP(aa, obl, spr, 0, call) KCASES_TAP(aa, obl, spr, 1, call)
#define KCASES_SPR(aa, obl, call) KCASES_D3(aa, obl, 0, call) KCASES_D3(aa, obl, 1, call)
#define KCASES_OBL(aa, call) KCASES_SPR(aa, 0, call) KCASES_SPR(aa, 1, call)
#define KCASES(call) KCASES_OBL(0, call) KCASES_OBL(1, call)

KINLINE void run_kern(const struct tarr *ta, const struct pc *c, float *acc, long j0, long j1,
		      int flags, const int wide)
{
#define KCALL(aa, obl, spr, d3, tap) kern(ta, c, acc, j0, j1, aa, obl, spr, d3, tap, wide)
	switch (flags) {
		KCASES(KCALL)
	default:
		break;
	}
#undef KCALL
}

/* Keeps the cache [*c0, *c1) of the source leg of source (sx, sy) covering
 * [j0, j1). */
KINLINE void src_cache(const struct tarr *ta, const struct pc *c, double sx, double sy, double *csx,
		       double *csy, float *tsrc, long *c0, long *c1, long j0, long j1)
{
	if (sx != *csx || sy != *csy || *c0 >= *c1) {
		*csx = sx;
		*csy = sy;
		src_leg(ta, c->ds2, tsrc, j0, j1);
		*c0 = j0;
		*c1 = j1;
		return;
	}
	if (j0 < *c0) {
		src_leg(ta, c->ds2, tsrc, j0, *c0);
		*c0 = j0;
	}
	if (j1 > *c1) {
		src_leg(ta, c->ds2, tsrc, *c1, j1);
		*c1 = j1;
	}
}

/*
 * Adds the contributions of block traces [m0, m1) (a tile with bounding box
 * box) to output trace o (noff x nt floats at img).  The sums run in the
 * thread's own aligned rows (priv, noff x nt; touched marks the offset bins
 * copied in): a row of img shares its first and last cache lines with its
 * neighbours, which other threads write.
 */
KINLINE uint64_t out_trace_body(const struct sk_kirch *k, long m0, long m1, const double *box, long o,
				float *img, struct tarr *scratch, float *tsrc, float *priv,
				unsigned char *touched, const int wide)
{
	const struct tarr *ta;
	const long nt = k->p.nt;
	const size_t row = (size_t)nt * sizeof *img;
	uint64_t n = 0;
	double csx = HUGE_VAL, csy = HUGE_VAL;
	long c0 = 0, c1 = 0;

	if (sk_kirch_tile_far(k, box, o))
		return 0;
	sk_kirch_tarr_for(k, o, scratch, &ta);
	memset(touched, 0, (size_t)k->p.noff);
	for (long m = m0; m < m1; m++) {
		const long bin = k->meta[m].bin;
		struct pc c;
		long jt0, jt1, jf0, jf1;
		float *acc;
		if (!sk_kirch_pair_setup(k, ta, o, m, &c, &jt0, &jt1, &jf0, &jf1))
			continue;
		src_cache(ta, &c, k->meta[m].sx, k->meta[m].sy, &csx, &csy, tsrc, &c0, &c1, jt0, jf1);
		c.tsrc = tsrc;
		acc = priv + (size_t)bin * (size_t)nt;
		if (!touched[bin]) {
			memcpy(acc, img + (size_t)bin * (size_t)nt, row);
			touched[bin] = 1;
		}
		if (jt0 < jt1) {
			run_kern(ta, &c, acc, jt0, jt1, sk_kirch_kflags(k, 1), wide);
			n += (uint64_t)(jt1 - jt0);
		}
		if (jf0 < jf1) {
			run_kern(ta, &c, acc, jf0, jf1, sk_kirch_kflags(k, 0), wide);
			n += (uint64_t)(jf1 - jf0);
		}
	}
	for (long b = 0; b < k->p.noff; b++)
		if (touched[b])
			memcpy(img + (size_t)b * (size_t)nt, priv + (size_t)b * (size_t)nt, row);
	return n;
}

#endif
