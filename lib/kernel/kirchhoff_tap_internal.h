/*
 * kirchhoff_tap_internal: the arithmetic of one sample update (position,
 * triangle half-length, weight), shared by migration and modelling so that
 * the two are exact adjoints.  This header shall only be used by
 * lib/kernel/kirchhoff*.c (kirchhoff_internal.h says which does what).
 */
#ifndef SK_KIRCHHOFF_TAP_INTERNAL_H
#define SK_KIRCHHOFF_TAP_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kirchhoff_internal.h"

/*
 * Branch-free float minimum and maximum on the bits: non-negative IEEE
 * floats order like their bit patterns read as int32, and a negative float
 * reads as a negative int32.  So max_f(a, b) is exact for any a when b >= 0,
 * and min_f(a, b) when both are >= 0: every bound in the kernel is.  (GCC
 * turns float ternaries into branches it cannot if-convert under the
 * default -ftrapping-math; integer max and min are single instructions.)
 */
KINLINE int32_t fbits(float a)
{
	int32_t i;
	memcpy(&i, &a, sizeof i);
	return i;
}

KINLINE float bitsf(int32_t i)
{
	float a;
	memcpy(&a, &i, sizeof a);
	return a;
}

KINLINE float max_f(float a, float b)
{
	const int32_t x = fbits(a), y = fbits(b);
	return bitsf(x > y ? x : y);
}

KINLINE float min_f(float a, float b)
{
	const int32_t x = fbits(a), y = fbits(b);
	return bitsf(x < y ? x : y);
}

/* Constants of one (output, input) pair. */
struct pc {
	const float *L;
	const double *S;
	const float *T;           /* tri_table's tables (antialiasing), */
	long tlen;                /* each of tlen samples */
	const float *tsrc;        /* t_s over output time: the source leg, cached */
	float ds2, dr2;           /* |s-x|^2, |r-x|^2 */
	float dsx, dsy, drx, dry; /* s - x, r - x for the slope */
	float idt, goff, glo, ghi;
	float ax, ay;             /* aal dx / dt_in, aal dy / dt_in */
	float kmax;
	float wap, dist, tan0, itw;
};

struct tap {
	int i0, kk;
	float fr, W;
	float b;       /* blend fraction of the triangles kk and kk + 1 */
	float c0, c1;  /* their weights (tri_weights) */
};

/* The weights of the triangles of half-lengths kk and kk + 1 blended by b:
 * (1 - b) / kk^2 and b / (kk + 1)^2 with one division.  The quotient
 * depends on kk alone (kk^2 (kk + 1)^2 is exact in float up to
 * SK_KIRCH_KMAX), so a group of updates with one kk takes it once, the
 * same value. */
KINLINE float tri_recip(int32_t kk, float *k0, float *k1)
{
	*k0 = (float)kk * (float)kk;
	*k1 = (float)(kk + 1) * (float)(kk + 1);
	return 1.0f / (*k0 * *k1);
}

KINLINE void tri_weights(int32_t kk, float b, float *c0, float *c1)
{
	float k0, k1;
	const float r = tri_recip(kk, &k0, &k1);
	*c0 = (1.0f - b) * k1 * r;
	*c1 = b * k0 * r;
}

/*
 * The arithmetic of one sample update, shared by migration and modelling so
 * that the two are exact adjoints: read position (i0 + fr in the padded
 * trace), triangle half-length kk and weight W.  The flags are constants at
 * every call, so each combination compiles to its own branch-free loop.
 */
KINLINE struct tap tap_at(const struct tarr *ta, const struct pc *c, long j, const int aa,
			  const int obl, const int spr, const int d3, const int tap)
{
	struct tap q;
	const float wj = ta->w[j];
	const float ts = c->tsrc[j], tr = sqrtf(ta->a[j] + c->dr2 * wj + TEPS);
	const float t = ts + tr;
	const float g = min_f(max_f(t * c->idt + c->goff, c->glo), c->ghi);
	float W = c->wap;

	q.i0 = (int)g;
	q.fr = g - (float)q.i0;
	q.kk = 1;
	q.b = 0.0f;
	q.c0 = 1.0f;
	q.c1 = 0.0f;
	if (aa) {
		/* |dt/dx| = w |dsx / ts + drx / tr| over one product. */
		const float itt = 1.0f / (ts * tr);
		/* Half-length: the moveout between neighbouring traces in
		 * samples, at least 1 (Lumley, Claerbout & Bevc), and not
		 * rounded: a length between two whole ones blends their two
		 * triangles, so the filter changes smoothly along the
		 * summation surface.  Whole lengths changed in steps, and in
		 * 3-D (where every ring of the surface weighs the same) each
		 * step left a ghost of the wavelet's derivative a few samples
		 * from the apex of a flat reflector, moving it by up to 0.2
		 * samples, late or early with the geometry. */
		float kf = c->ax * fabsf(wj * (c->dsx * tr + c->drx * ts)) * itt;
		if (d3)
			kf += c->ay * fabsf(wj * (c->dsy * tr + c->dry * ts)) * itt;
		kf = min_f(max_f(kf, 1.0f), c->kmax);
		q.kk = (int)min_f(kf, c->kmax - 1.0f);
		q.b = kf - (float)q.kk;
		tri_weights(q.kk, q.b, &q.c0, &q.c1);
	}
	if (obl || spr) {
		/* W = num / sqrt(den).  Obliquity: (cos theta_s + cos theta_r)
		 * / 2 = (h/ts + h/tr) / 2 with h = tau/2, that is h t / (2 ts
		 * tr): the cosine of the mean angle, cos((theta_s + theta_r)/2),
		 * times the cosine of the half opening angle, cos((theta_s -
		 * theta_r)/2).  The second factor is what keeps the image of a
		 * flat reflector as strong at every offset and time: at the
		 * specular point the summation gathers an amplitude that grows
		 * as t/tau = 1/cos((theta_s - theta_r)/2), and, varying with tau
		 * across the (stretched) wavelet, that growth skewed it early,
		 * by -0.33 samples at 0.3 s with a 750 m offset at 2000 m/s
		 * (docs/migration.md).  Spreading multiplies by sv and divides
		 * by sqrt(t) (2-D) or t (3-D).  The floor keeps den a normal
		 * float at tau = 0 on a source or receiver (then h = 0, so W =
		 * 0). */
		float num = 1.0f, den = 1.0f;
		if (obl) {
			const float h = ta->h[j], tt = ts * tr;
			num = h * t;
			den = max_f(4.0f * tt * tt, 1e-30f);
		}
		if (spr) {
			num *= ta->sv[j];
			den *= d3 ? t * t : t;
		}
		W *= num / sqrtf(den);
	}
	if (tap) {
		/* Cosine taper 0.5 + 0.5 cos(pi u) = 0.5 - 0.5 sin(pi (u - 1/2)),
		 * sin by its Taylor series to z^11 (error < 6e-8 on [-pi/2, pi/2]). */
		const float u = min_f(max_f((c->dist * ta->ia[j] - c->tan0) * c->itw, 0.0f), 1.0f);
		const float z = 3.14159265f * (u - 0.5f), z2 = z * z;
		const float s = z * (1.0f + z2 * (-1.0f / 6 + z2 * (1.0f / 120 + z2 * (-1.0f / 5040 +
				z2 * (1.0f / 362880 + z2 * (-1.0f / 39916800))))));
		W *= 0.5f - 0.5f * s;
	}
	q.W = W;
	return q;
}

/*
 * The source leg t_s = sqrt(tau^2/4 + |s-x|^2/v^2 + eps) over [j0, j1),
 * computed once for all the traces of a shot (input in shot order shares it
 * trace after trace), with the arithmetic the receiver leg uses.
 */
KINLINE void src_leg(const struct tarr *ta, float ds2, float *tsrc, long j0, long j1)
{
#pragma omp simd
	for (long j = j0; j < j1; j++)
		tsrc[j] = sqrtf(ta->a[j] + ds2 * ta->w[j] + TEPS);
}

#endif
