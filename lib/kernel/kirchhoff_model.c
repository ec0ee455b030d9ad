/*
 * The adjoint of Kirchhoff migration: modelling with the same index
 * arithmetic and weights (kirchhoff.h, sk_kirch_model).
 */
#include "kirchhoff_internal.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "kirchhoff_tap_internal.h"

/* The adjoint of kern: spreads acc back into the padded trace. */
KINLINE void kern_adj(const struct tarr *ta, const struct pc *c, const float *acc, float *L,
		      double *S, long j0, long j1, const int aa, const int obl, const int spr,
		      const int d3, const int tap)
{
	for (long j = j0; j < j1; j++) {
		const struct tap q = tap_at(ta, c, j, aa, obl, spr, d3, tap);
		const float v = q.W * acc[j];
		if (aa) {
			const double fr = q.fr;
			const int i = q.i0;
			for (int e = 0; e < 2; e++) {
				const double vd = (double)v * (e ? q.c1 : q.c0);
				const int m = i - q.kk - e, p = i + q.kk + e;
				S[i] += 2.0 * vd * (1.0 - fr);
				S[i + 1] += 2.0 * vd * fr;
				S[m] -= vd * (1.0 - fr);
				S[m + 1] -= vd * fr;
				S[p] -= vd * (1.0 - fr);
				S[p + 1] -= vd * fr;
			}
		} else {
			L[q.i0] += (1.0f - q.fr) * v;
			L[q.i0 + 1] += q.fr * v;
		}
	}
}

/* Modelling is for tests and small jobs: one generic loop, with the flags
 * as run-time values, is enough (the per-update arithmetic is the same). */
static void run_kern_adj(const struct tarr *ta, const struct pc *c, const float *acc, float *L,
			 double *S, long j0, long j1, int flags)
{
	kern_adj(ta, c, acc, L, S, j0, j1, flags & 1, flags >> 1 & 1, flags >> 2 & 1, flags >> 3 & 1,
		 flags >> 4 & 1);
}

static void out_trace_adj(const struct sk_kirch *k, long m, long no, const float *img, struct tarr *scratch,
			  float *tsrc)
{
	const long nt = k->p.nt;
	float *L = k->L ? k->L + (size_t)m * (size_t)k->len : NULL;
	double *S = k->S ? k->S + (size_t)m * (size_t)k->len : NULL;

	for (long o = 0; o < no; o++) {
		const struct tarr *ta;
		struct pc c;
		long jt0, jt1, jf0, jf1;
		const float *acc = img + ((size_t)o * (size_t)k->p.noff + (size_t)k->meta[m].bin) * (size_t)nt;
		sk_kirch_tarr_for(k, o, scratch, &ta);
		if (!sk_kirch_pair_setup(k, ta, o, m, &c, &jt0, &jt1, &jf0, &jf1))
			continue;
		src_leg(ta, c.ds2, tsrc, jt0, jf1);
		c.tsrc = tsrc;
		if (jt0 < jt1)
			run_kern_adj(ta, &c, acc, L, S, jt0, jt1, sk_kirch_kflags(k, 1));
		if (jf0 < jf1)
			run_kern_adj(ta, &c, acc, L, S, jf0, jf1, sk_kirch_kflags(k, 0));
	}
}

int sk_kirch_model(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr,
		   const float *img, float *data, struct sk_error *err)
{
	const long nt = k->p.nt_in, nf = k->nfft > nt ? k->nfft : nt;
	int fail = 0;

	if (n <= 0)
		return 0;
	if (n > k->block)
		return sk_error_set(err, SK_EARG, "block of %ld traces exceeds %ld", n, k->block);
	sk_kirch_meta_fill(k, n, tr);
	if (k->S)
		memset(k->S, 0, (size_t)n * (size_t)k->len * sizeof *k->S);
	else
		memset(k->L, 0, (size_t)n * (size_t)k->len * sizeof *k->L);

#pragma omp parallel reduction(|:fail)
	{
		struct tarr scratch = {0};
		double *buf = malloc(5 * (size_t)nf * sizeof *buf);
		double *x = buf, *hr = buf + nf, *hi = buf + 2 * nf, *re = buf + 3 * nf, *im = buf + 4 * nf;
		float *tsrc = malloc((size_t)k->p.nt * sizeof *tsrc);
		if (!buf || !tsrc || (k->vel_per_loc && sk_kirch_tarr_alloc(&scratch, k->p.nt) < 0))
			fail = 1;
		/* The adjoint of the anticausal filter is the causal one: the
		 * conjugate spectrum. */
		for (long q = 0; buf && q < k->nfft; q++) {
			hr[q] = k->hr[q];
			hi[q] = -k->hi[q];
		}
#pragma omp for schedule(dynamic, 1)
		for (long m = 0; m < n; m++) {
			if (!buf || !tsrc || fail)
				continue;
			if (k->meta[m].bin >= 0)
				out_trace_adj(k, m, k->nout, img, &scratch, tsrc);
			/* The adjoint of the preparation: fold the padding
			 * (every read before the trace was a read of S[0]; the
			 * zeros after it are constants), integrate (the double
			 * integral is symmetric), then the causal rho filter. */
			if (k->S) {
				double *S = k->S + (size_t)m * (size_t)k->len;
				double s0 = 0.0;
				for (long i = 0; i <= PADS; i++)
					s0 += S[i];
				S[PADS] = s0;
				sk_kirch_integrate(nt, S + PADS, x);
			} else {
				const float *L = k->L + (size_t)m * (size_t)k->len;
				for (long i = 0; i < nt; i++)
					x[i] = L[PADL_FRONT + i];
			}
			if (k->rho != SK_RHO_NONE)
				sk_kirch_filter_pair(k->nfft, nt, k->cs, k->sn, hr, hi, x, NULL, re, im);
			for (long i = 0; i < nt; i++)
				data[(size_t)m * (size_t)nt + i] = (float)x[i];
		}
		free(buf);
		free(tsrc);
		free(scratch.mem);
	}
	if (fail)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}
