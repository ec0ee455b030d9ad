/* Unit tests of lib/kernel/kirchhoff_model.c (sk_kirch_model, Kirchhoff
 * modelling: the adjoint of migration).  test_kirchhoff.c checks it only
 * through dot products with migration; here its output is worked out
 * independently, in double, from the formulas of kirchhoff.h:
 * - an image spike at (x, tau) on traces (s, r, t0) with linear
 *   interpolation, W = 1 and no rho filter: each trace is 1 - f and f at
 *   samples floor(p) and floor(p) + 1, p = (t - t0) / dt_in with t the
 *   double-square-root time, and exactly 0 elsewhere; 2-D and 3-D;
 * - with the triangle filter: the blend (1 - b) of the triangle of
 *   half-length kk and b of kk + 1, kk + b = aal dx / dt_in |dt/dx| (the
 *   moveout between neighbouring traces in samples, at least 1), each
 *   triangle k - |q - c| over k^2 around both neighbours of p, weighted
 *   1 - f and f (so every trace sums to 1);
 * - the rho filter after it: the causal filter (sk_kirch_rho's adjoint) of
 *   the trace without it; offset bins (a trace in no bin stays 0, a trace
 *   reads its own bin's image); 1 and 2 threads alike; the block limit's
 *   message.
 * The kernel computes times in float: a time of at most 1.2 s is 300
 * samples of 4 ms, and the chain tau^2/4 + d^2/v^2, sqrt, the sum of the
 * two legs, the scaling by 1/dt_in and the offset of the padding rounds
 * eight times at most, 2^-24 relative each: under 300 x 8 x 6e-8 = 1.5e-4
 * samples of position, so the weights f and 1 - f move by as much.  The
 * tolerance 1e-3 is that bound with a margin of 6; traces whose p lies
 * within 2e-3 of a whole sample (where floor could go either way) are left
 * out and counted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "check.h"
#include "kirchhoff.h"

#define NTI 300
#define NT 200
#define NO 5
#define NTR 12
#define DT 0.004
#define V 2000.0

static struct sk_kirch_par par(int dim, int aa)
{
	struct sk_kirch_par p;

	memset(&p, 0, sizeof p);
	p.dim = dim;
	p.antialias = aa;
	p.aal = 1.0;
	p.rho = SK_RHO_NONE;
	p.weights = SK_W_NONE;
	p.angle = 90.0;
	p.dx = 12.5;
	p.dy = 20.0;
	p.nt_in = NTI;
	p.dt_in = DT;
	p.nt = NT;
	p.dt = DT;
	p.noff = 1;
	return p;
}

static double dsr(const struct sk_kirch_trace *t, double x, double y, double tau)
{
	const double ds2 = (t->sx - x) * (t->sx - x) + (t->sy - y) * (t->sy - y);
	const double dr2 = (t->rx - x) * (t->rx - x) + (t->ry - y) * (t->ry - y);

	return sqrt(tau * tau / 4 + ds2 / (V * V)) + sqrt(tau * tau / 4 + dr2 / (V * V));
}

/* The triangle of half-length k around c, at sample q: (k - |q - c|) / k^2. */
static double tri(int k, double q, double c)
{
	return fmax(0.0, (double)k - fabs(q - c)) / ((double)k * (double)k);
}

/* Models the image into data (NTR x NTI) with p, locations x, y: 0 or
 * the error. */
static int model(const struct sk_kirch_par *p, const double *x, const double *y, const struct sk_kirch_trace *tr,
		 long ntr, const float *img, float *data)
{
	struct sk_kirch *k;
	struct sk_error err;
	float vel[NT];
	int rc;

	for (int j = 0; j < NT; j++)
		vel[j] = (float)V;
	if ((rc = sk_kirch_new(p, NO, x, y, vel, 0, &k, &err)) < 0)
		return rc;
	rc = sk_kirch_model(k, ntr, tr, img, data, &err);
	sk_kirch_free(k);
	return rc;
}

static void geometry(struct sk_kirch_trace *tr, double *x, double *y)
{
	for (int o = 0; o < NO; o++) {
		x[o] = 100.0 * o;
		y[o] = 50.0;
	}
	for (int i = 0; i < NTR; i++) {
		tr[i].sx = -200.0 + 37.0 * i;
		tr[i].rx = tr[i].sx + 150.0 + 11.0 * i;
		tr[i].sy = 10.0 * (i % 4);
		tr[i].ry = 90.0 - 15.0 * (i % 5);
		tr[i].t0 = 0.002 * i;
	}
}

/* An image spike at location 2 (x = 200, y = 50), tau = 0.4 s (j = 100):
 * each trace against the expected one; *used counts the traces compared. */
static void spike(int dim, int aa, int *bad, int *used)
{
	const struct sk_kirch_par p = par(dim, aa);
	struct sk_kirch_trace tr[NTR];
	double x[NO], y[NO];
	float *img = calloc((size_t)NO * NT, sizeof *img), *data = malloc((size_t)NTR * NTI * sizeof *data);

	*bad = *used = 0;
	geometry(tr, x, y);
	img[2 * NT + 100] = 1.0f;
	if (model(&p, x, y, tr, NTR, img, data) < 0) {
		*bad = 1;
		goto out;
	}
	for (int i = 0; i < NTR; i++) {
		const double yy = dim == 3 ? y[2] : 0.0;
		struct sk_kirch_trace t = tr[i];
		double pos, f, kf = 1.0, worst = 0.0;
		long i0;
		int kk = 1;
		if (dim == 2)
			t.sy = t.ry = 0.0;
		pos = (dsr(&t, x[2], yy, 0.4) - t.t0) / DT;
		i0 = (long)floor(pos);
		f = pos - (double)i0;
		if (f < 2e-3 || f > 1 - 2e-3)
			continue;
		if (aa) {
			/* |dt/dx| = |(s - x) / (v^2 ts) + (r - x) / (v^2 tr)|; in 3-D
			 * the y term with dy is added. */
			const double ts = sqrt(0.04 + ((t.sx - x[2]) * (t.sx - x[2]) + (t.sy - yy) * (t.sy - yy)) / (V * V));
			const double trr = sqrt(0.04 + ((t.rx - x[2]) * (t.rx - x[2]) + (t.ry - yy) * (t.ry - yy)) / (V * V));
			kf = p.aal * p.dx / DT * fabs((t.sx - x[2]) / (V * V * ts) + (t.rx - x[2]) / (V * V * trr));
			if (dim == 3)
				kf += p.aal * p.dy / DT * fabs((t.sy - yy) / (V * V * ts) + (t.ry - yy) / (V * V * trr));
			kf = fmin(fmax(kf, 1.0), SK_KIRCH_KMAX);
			kk = (int)fmin(floor(kf), SK_KIRCH_KMAX - 1);
		}
		++*used;
		for (long q = 0; q < NTI; q++) {
			double want;
			if (aa) {
				const double b = kf - kk;
				want = (1 - b) * ((1 - f) * tri(kk, (double)q, (double)i0) + f * tri(kk, (double)q, (double)i0 + 1)) +
				       b * ((1 - f) * tri(kk + 1, (double)q, (double)i0) + f * tri(kk + 1, (double)q, (double)i0 + 1));
			} else {
				want = q == i0 ? 1 - f : q == i0 + 1 ? f : 0.0;
			}
			worst = fmax(worst, fabs(data[i * NTI + q] - want));
			/* Linear interpolation touches two samples only: the
			 * others are exactly 0. */
			if (!aa && q != i0 && q != i0 + 1 && data[i * NTI + q] != 0.0f)
				worst = 1;
		}
		if (worst > 1e-3) {
			if (*bad < 3)
				printf("# %d-D aa %d trace %d (p %.4f, kf %.4f): off by %g\n", dim, aa, i, pos, kf, worst);
			++*bad;
		}
	}
out:
	free(img);
	free(data);
}

static void test_spikes(void)
{
	for (int dim = 2; dim <= 3; dim++)
		for (int aa = 0; aa <= 1; aa++) {
			int bad, used;
			spike(dim, aa, &bad, &used);
			/* Positions are spread over the sample: at most one of the
			 * 12 lies within 2e-3 of a whole sample. */
			CHECKF(bad == 0 && used >= NTR - 1, "%d-D, antialias %d: %d of %d traces off", dim, aa, bad, used);
		}
}

/* The rho filter is applied after the spreading, causal (the adjoint of
 * migration's anticausal filter): the trace modelled with it is
 * sk_kirch_rho's adjoint of the trace modelled without.  The model filters
 * its double trace, the test the float one: the inputs differ by 2^-24 of
 * their peak at most, which the filter carries at most l1 times (the sum of
 * its taps' magnitudes, measured here on an impulse), and each output is
 * rounded to float once more (2^-24 of its peak); the FFTs' own error in
 * double is 1e-13 of these.  The bound is their sum, doubled. */
static void test_rho(void)
{
	static const int modes[2] = {SK_RHO_HALF, SK_RHO_FIRST};
	struct sk_kirch_trace tr[NTR];
	double x[NO], y[NO];
	float *img = calloc((size_t)NO * NT, sizeof *img), *plain = malloc((size_t)NTR * NTI * sizeof *plain);
	float *filt = malloc((size_t)NTR * NTI * sizeof *filt);
	struct sk_error err;

	geometry(tr, x, y);
	img[2 * NT + 100] = 1.0f;
	img[4 * NT + 60] = -0.5f;
	for (int m = 0; m < 2; m++) {
		struct sk_kirch_par p = par(2, 1);
		double worst = 0.0, peak = 0.0, inpeak = 0.0, l1 = 0.0, imp[NTI] = {0};
		imp[NTI / 2] = 1.0;
		CHECK(sk_kirch_rho(modes[m], 1, NTI, imp, &err) == 0);
		for (int q = 0; q < NTI; q++)
			l1 += fabs(imp[q]);
		CHECK(model(&p, x, y, tr, NTR, img, plain) == 0);
		p.rho = modes[m];
		CHECK(model(&p, x, y, tr, NTR, img, filt) == 0);
		for (int i = 0; i < NTR; i++) {
			double d[NTI];
			for (int q = 0; q < NTI; q++) {
				d[q] = plain[i * NTI + q];
				inpeak = fmax(inpeak, fabs(d[q]));
			}
			CHECK(sk_kirch_rho(modes[m], 1, NTI, d, &err) == 0);
			for (int q = 0; q < NTI; q++) {
				worst = fmax(worst, fabs(d[q] - filt[i * NTI + q]));
				peak = fmax(peak, fabs(d[q]));
			}
		}
		CHECKF(peak > 1e-3 && worst <= 2 * 0x1p-24 * (l1 * inpeak + peak), "rho %d: off by %g of %g (l1 %g)",
		       modes[m], worst, peak, l1);
	}
	free(img);
	free(plain);
	free(filt);
}

/* Offset bins: centred on off0 + b doff.  Bins of 100 m from 100 m: a
 * trace of offset 160 m reads bin 1, one of 500 m no bin (all 0); the
 * same with 1 and 2 threads, byte for byte. */
static void test_bins_threads(void)
{
	struct sk_kirch_par p = par(2, 0);
	struct sk_kirch_trace tr[3] = {{0, 0, 90, 0, 0}, {0, 0, 160, 0, 0}, {0, 0, 500, 0, 0}};
	double x[NO], y[NO];
	float *img = calloc((size_t)NO * 2 * NT, sizeof *img), d1[3 * NTI], d2[3 * NTI];
	const int nth = omp_get_max_threads();

	for (int o = 0; o < NO; o++) {
		x[o] = 100.0 * o;
		y[o] = 0;
	}
	p.noff = 2;
	p.off0 = 100;
	p.doff = 100;
	/* Location 0, bin 0 has a spike at j 50, bin 1 at j 120. */
	img[(0 * 2 + 0) * NT + 50] = 1.0f;
	img[(0 * 2 + 1) * NT + 120] = 1.0f;
	omp_set_num_threads(1);
	CHECK(model(&p, x, y, tr, 3, img, d1) == 0);
	omp_set_num_threads(2);
	CHECK(model(&p, x, y, tr, 3, img, d2) == 0);
	omp_set_num_threads(nth);
	CHECK(memcmp(d1, d2, sizeof d1) == 0);
	{
		/* Trace 0 (offset 90: bin 0) sees the spike at tau 0.2 s, trace 1
		 * (160: bin 1) the one at 0.48 s; each at its DSR time from
		 * location 0, which both straddle. */
		const double t0 = sqrt(0.01) + sqrt(0.01 + 90.0 * 90.0 / (V * V)), p0 = t0 / DT;
		const double t1 = sqrt(0.0576) + sqrt(0.0576 + 160.0 * 160.0 / (V * V)), p1 = t1 / DT;
		const long i0 = (long)floor(p0), i1 = (long)floor(p1);
		double s0 = 0, s1 = 0, s2 = 0;
		for (int q = 0; q < NTI; q++) {
			s0 += fabs(d1[q]);
			s1 += fabs(d1[NTI + q]);
			s2 += fabs(d1[2 * NTI + q]);
		}
		CHECKF(fabs(d1[i0] - (1 - (p0 - (double)i0))) < 1e-3 && fabs(d1[i0 + 1] - (p0 - (double)i0)) < 1e-3,
		       "trace 0: %g %g at %ld (p %g)", d1[i0], d1[i0 + 1], i0, p0);
		CHECKF(fabs(d1[NTI + i1] - (1 - (p1 - (double)i1))) < 1e-3 &&
		       fabs(d1[NTI + i1 + 1] - (p1 - (double)i1)) < 1e-3, "trace 1: %g %g at %ld (p %g)", d1[NTI + i1],
		       d1[NTI + i1 + 1], i1, p1);
		/* Nothing else: one spike each (sums 1), none for trace 2. */
		CHECKF(fabs(s0 - 1) < 1e-3 && fabs(s1 - 1) < 1e-3 && s2 == 0, "sums %g %g %g", s0, s1, s2);
	}
	free(img);
}

/* A call of more traces than a block: refused, naming both; none: 0 and
 * nothing written. */
static void test_block(void)
{
	const struct sk_kirch_par p = par(2, 0);
	struct sk_kirch *k;
	struct sk_error err;
	double x[NO] = {0, 1, 2, 3, 4}, y[NO] = {0};
	float vel[NT], img[NO * NT] = {0}, data[4] = {7, 7, 7, 7};

	for (int j = 0; j < NT; j++)
		vel[j] = (float)V;
	CHECK(sk_kirch_new(&p, NO, x, y, vel, 0, &k, &err) == 0);
	{
		const long b = sk_kirch_chunk(k);
		struct sk_kirch_trace *tr = calloc((size_t)b + 1, sizeof *tr);
		char want[100];
		snprintf(want, sizeof want, "block of %ld traces exceeds %ld", b + 1, b);
		CHECK(tr && sk_kirch_model(k, b + 1, tr, img, data, &err) == SK_EARG);
		CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
		CHECK(sk_kirch_model(k, 0, tr, img, data, &err) == 0 && data[0] == 7 && data[3] == 7);
		free(tr);
	}
	sk_kirch_free(k);
}

int main(void)
{
	test_spikes();
	test_rho();
	test_bins_threads();
	test_block();
	return test_done();
}
