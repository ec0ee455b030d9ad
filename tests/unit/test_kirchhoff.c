/*
 * Kirchhoff kernel tests on analytic synthetics computed here (Ricker
 * wavelets at exact DSR or reflection times), following the six tests of
 * notes/kirchhoff.md: point diffractors 2-D and 3-D, the flat reflector's
 * phase and amplitude, dipping reflectors at 15/30/45 degrees, the adjoint
 * (dot-product) test, the constant trace through the triangle pick, thread
 * determinism and split-sum equivalence.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "check.h"
#include "kirchhoff.h"
#include "model.h"

#define PI 3.14159265358979323846

static double ricker(double f, double t)
{
	const double a = PI * PI * f * f * t * t;
	return (1.0 - 2.0 * a) * exp(-a);
}

static double dsr(double sx, double sy, double rx, double ry, double x, double y, double tau, double v)
{
	const double ds2 = (sx - x) * (sx - x) + (sy - y) * (sy - y);
	const double dr2 = (rx - x) * (rx - x) + (ry - y) * (ry - y);
	return sqrt(0.25 * tau * tau + ds2 / (v * v)) + sqrt(0.25 * tau * tau + dr2 / (v * v));
}

static struct sk_kirch_par par2d(long nt_in, long nt, double t0)
{
	struct sk_kirch_par p;
	memset(&p, 0, sizeof p);
	p.dim = 2;
	p.antialias = 1;
	p.aal = 1.0;
	p.rho = SK_RHO_AUTO;
	p.weights = SK_W_BOTH;
	p.angle = 60.0;
	p.dx = p.dy = 12.5;
	p.nt_in = nt_in;
	p.dt_in = 0.004;
	p.nt = nt;
	p.dt = 0.004;
	p.t0 = t0;
	p.noff = 1;
	return p;
}

/* Migrates ntr traces chunk by chunk into img (zeroed here). */
static int migrate(const struct sk_kirch_par *p, long nout, const double *x, const double *y,
		   const float *vel, int per_loc, long ntr, const struct sk_kirch_trace *tr,
		   const float *data, float *img)
{
	struct sk_kirch *k;
	struct sk_error err;
	long ch;

	memset(img, 0, (size_t)nout * (size_t)p->noff * (size_t)p->nt * sizeof *img);
	if (sk_kirch_new(p, nout, x, y, vel, per_loc, &k, &err) < 0) {
		printf("# sk_kirch_new: %s\n", err.msg);
		return -1;
	}
	ch = sk_kirch_chunk(k);
	for (long i = 0; i < ntr; i += ch) {
		const long n = ntr - i < ch ? ntr - i : ch;
		if (sk_kirch_migrate(k, n, tr + i, data + (size_t)i * (size_t)p->nt_in, img, &err) < 0) {
			sk_kirch_free(k);
			return -1;
		}
	}
	sk_kirch_free(k);
	return 0;
}

static float *vconst(long nt, double v)
{
	float *a = malloc(nt * sizeof *a);
	for (long j = 0; j < nt; j++)
		a[j] = (float)v;
	return a;
}

/* Peak time of trace tr (nt samples from t0) by parabolic interpolation
 * around its largest sample; *amp gets the interpolated value. */
static double peak_time(const float *tr, long nt, double t0, double dt, long *jm, double *amp)
{
	long j = 1;
	for (long i = 1; i < nt - 1; i++)
		if (tr[i] > tr[j])
			j = i;
	{
		const double a = tr[j - 1], b = tr[j], c = tr[j + 1];
		const double den = a - 2 * b + c;
		const double d = den != 0 ? 0.5 * (a - c) / den : 0.0;
		*jm = j;
		*amp = b - 0.25 * (a - c) * d;
		return t0 + ((double)j + d) * dt;
	}
}

/* Side-lobe ratio (the minima before and after the peak at j). */
static double side_lobes(const float *tr, long nt, long j)
{
	long a, b;
	for (a = j; a > 0 && tr[a - 1] < tr[a]; a--)
		;
	for (b = j; b < nt - 1 && tr[b + 1] < tr[b]; b++)
		;
	return (double)tr[a] / tr[b];
}

/* ---------------------------------------------------- building blocks */

static void test_triangle(void)
{
	enum { N = 300 };
	double x[N], S[N];
	int ok = 1;

	for (int i = 0; i < N; i++)
		x[i] = 1.7;
	sk_kirch_integrate(N, x, S);
	/* A constant comes back for every k at integer and fractional f. */
	for (int k = 1; k <= SK_KIRCH_KMAX; k++)
		for (double f = 100.0; f < 102.0; f += 0.37) {
			const double v = sk_kirch_triangle(S, N, f, k);
			if (fabs(v - 1.7) > 1e-9)
				ok = 0;
		}
	CHECK(ok);
	/* The weights are the triangle k - |m - f| over k^2: an impulse at 150. */
	memset(x, 0, sizeof x);
	x[150] = 1.0;
	sk_kirch_integrate(N, x, S);
	CHECK(fabs(sk_kirch_triangle(S, N, 150.0, 4) - 4.0 / 16) < 1e-12);
	CHECK(fabs(sk_kirch_triangle(S, N, 151.0, 4) - 3.0 / 16) < 1e-12);
	CHECK(fabs(sk_kirch_triangle(S, N, 153.0, 4) - 1.0 / 16) < 1e-12);
	CHECK(fabs(sk_kirch_triangle(S, N, 154.0, 4)) < 1e-12);
	CHECK(fabs(sk_kirch_triangle(S, N, 151.5, 4) - 2.5 / 16) < 1e-12);
	CHECK(fabs(sk_kirch_triangle(S, N, 150.0, 1) - 1.0) < 1e-12);
	/* Zero outside the trace, with the padding (S[0] before, 0 after). */
	CHECK(fabs(sk_kirch_triangle(S, N, -80.0, 4)) < 1e-12);
	CHECK(fabs(sk_kirch_triangle(S, N, 400.0, 4)) < 1e-12);
}

static void test_rho(void)
{
	enum { N = 256 };
	double x[N], y[N], z[N], fx[N];
	struct sk_error err;
	double worst = 0.0, peak = 0.0, dot1 = 0.0, dot2 = 0.0;

	/* The anticausal half derivative of a Ricker (band-limited, so the
	 * discrete filter is the continuous one, per sample): the time reverse
	 * of segsynth's causal 2-D diffraction wavelet, sqrt(2 pi f dt)
	 * h2(-t) (model.h), on time (no quarter-sample advance). */
	for (int i = 0; i < N; i++)
		x[i] = ricker(25, (i - 128) * 0.004);
	CHECK(sk_kirch_rho(SK_RHO_HALF, 0, N, x, &err) == 0);
	for (int i = 0; i < N; i++) {
		const double want = sqrt(2 * PI * 25 * 0.004) * sk_ricker_half(25, -(i - 128) * 0.004);
		worst = fmax(worst, fabs(x[i] - want));
		peak = fmax(peak, fabs(want));
	}
	CHECKF(worst < 1e-6 * peak, "half derivative of a Ricker off by %g of %g", worst, peak);
	/* Then its adjoint, the causal one: |w|, zero phase, symmetric about
	 * the Ricker's peak (a quarter-sample shift each way would show). */
	CHECK(sk_kirch_rho(SK_RHO_HALF, 1, N, x, &err) == 0);
	worst = 0.0;
	for (int k = 1; k < 100; k++)
		worst = fmax(worst, fabs(x[128 + k] - x[128 - k]));
	CHECKF(worst < 1e-6 * fabs(x[128]), "half derivative and its adjoint are not zero phase: %g", worst);

	/* The first derivative, anticausal: -d/dt (per sample) of a Ricker. */
	worst = 0.0;
	for (int i = 0; i < N; i++) {
		const double t = (i - 128) * 0.004, a = PI * PI * 625 * t * t;
		x[i] = ricker(25, t);
		/* d/dt ricker = (-6 a / t + 4 a^2 / t) e^-a ... via its closed form. */
		y[i] = -0.004 * (2.0 * PI * PI * 625 * t) * (2.0 * a - 3.0) * exp(-a);
	}
	CHECK(sk_kirch_rho(SK_RHO_FIRST, 0, N, x, &err) == 0);
	for (int i = 0; i < N; i++)
		worst = fmax(worst, fabs(x[i] - y[i]));
	CHECKF(worst < 1e-6, "spectral derivative off by %g", worst);

	/* The adjoint flag gives the exact adjoint. */
	srand(7);
	for (int i = 0; i < N; i++) {
		x[i] = rand() / (double)RAND_MAX - 0.5;
		z[i] = rand() / (double)RAND_MAX - 0.5;
		fx[i] = x[i];
		y[i] = z[i];
	}
	for (int mode = SK_RHO_HALF; mode <= SK_RHO_FIRST; mode++) {
		memcpy(fx, x, sizeof x);
		memcpy(y, z, sizeof z);
		sk_kirch_rho(mode, 0, N, fx, &err);
		sk_kirch_rho(mode, 1, N, y, &err);
		dot1 = dot2 = 0.0;
		for (int i = 0; i < N; i++) {
			dot1 += fx[i] * z[i];
			dot2 += x[i] * y[i];
		}
		CHECKF(fabs(dot1 - dot2) < 1e-12 * fabs(dot1), "rho %d adjoint: %g vs %g", mode, dot1, dot2);
	}
	CHECK(sk_kirch_rho(99, 0, N, x, &err) == SK_EARG);
}

/* A constant trace through the kernel's triangle pick returns the constant,
 * whatever k the operator slope asks for. */
static void test_constant_trace(void)
{
	enum { NT = 400, NO = 41 };
	struct sk_kirch_par p = par2d(NT, NT, 0.0);
	struct sk_kirch_trace tr = {-300.0, 0.0, 500.0, 0.0, 0.0};
	float data[NT], img[NO * NT], *vel = vconst(NT, 2000.0);
	double x[NO];
	int ok = 1, kmax = 0;
	long n = 0;

	p.weights = SK_W_NONE;
	p.rho = SK_RHO_NONE;
	p.angle = 90.0;
	p.dx = 40.0;
	for (int i = 0; i < NT; i++)
		data[i] = 2.5f;
	for (int o = 0; o < NO; o++)
		x[o] = -2000.0 + 100.0 * o;
	CHECK(migrate(&p, NO, x, NULL, vel, 0, 1, &tr, data, img) == 0);
	for (int o = 0; o < NO; o++)
		for (int j = 0; j < NT; j++) {
			const double tau = j * p.dt, v = 2000.0;
			const double ts = sqrt(0.25 * tau * tau + (tr.sx - x[o]) * (tr.sx - x[o]) / (v * v));
			const double tt = sqrt(0.25 * tau * tau + (tr.rx - x[o]) * (tr.rx - x[o]) / (v * v));
			const double t = ts + tt, f = t / p.dt_in;
			const double pp = (tr.sx - x[o]) / (v * v * ts) + (tr.rx - x[o]) / (v * v * tt);
			const double kx = p.aal * fabs(pp) * p.dx / p.dt_in + 0.5;
			const int k = (int)fmin(fmax(floor(kx), 1), SK_KIRCH_KMAX);
			/* Interior reads only, away from rounding of k. */
			if (f < k + 2 || f > NT - k - 3 || tau < 0.02)
				continue;
			if (fabs(kx - floor(kx)) < 1e-3)
				continue;
			n++;
			kmax = k > kmax ? k : kmax;
			if (fabs(img[o * NT + j] - 2.5) > 2e-5 * 2.5) {
				if (ok)
					printf("# constant trace: o=%d j=%d k=%d got %.9g\n", o, j, k, (double)img[o * NT + j]);
				ok = 0;
			}
		}
	CHECK(ok);
	CHECKF(kmax >= 10 && n > 5000, "test covers k up to %d over %ld samples", kmax, n);
	free(vel);
}

/* --------------------------------------------------------- adjoint */

static double adjoint_error(struct sk_kirch_par p, long nout, const double *x, const double *y,
			    long ntr, const struct sk_kirch_trace *tr)
{
	const long nti = p.nt_in, nimg = nout * p.noff * p.nt;
	float *d = malloc(ntr * nti * sizeof *d), *md = malloc(ntr * nti * sizeof *md);
	float *m = malloc(nimg * sizeof *m), *dm = malloc(nimg * sizeof *dm);
	float *vel = vconst(p.nt, 2200.0);
	struct sk_kirch *k;
	struct sk_error err;
	double a = 0.0, b = 0.0;
	long ch;

	srand(11);
	for (long i = 0; i < ntr * nti; i++)
		d[i] = (float)(rand() / (double)RAND_MAX - 0.5);
	for (long i = 0; i < nimg; i++)
		m[i] = (float)(rand() / (double)RAND_MAX - 0.5);
	memset(dm, 0, nimg * sizeof *dm);
	if (sk_kirch_new(&p, nout, x, y, vel, 0, &k, &err) < 0)
		return 1.0;
	ch = sk_kirch_chunk(k);
	for (long i = 0; i < ntr; i += ch) {
		const long n = ntr - i < ch ? ntr - i : ch;
		sk_kirch_migrate(k, n, tr + i, d + i * nti, dm, &err);
		sk_kirch_model(k, n, tr + i, m, md + i * nti, &err);
	}
	sk_kirch_free(k);
	for (long i = 0; i < nimg; i++)
		a += (double)dm[i] * m[i];
	for (long i = 0; i < ntr * nti; i++)
		b += (double)d[i] * md[i];
	free(d);
	free(md);
	free(m);
	free(dm);
	free(vel);
	return fabs(a - b) / fabs(a);
}

static void test_adjoint(void)
{
	enum { NS = 6, NR = 24, NO = 60 };
	struct sk_kirch_trace tr[NS * NR], tr3[NS * NR];
	double x[NO], y[NO];
	struct sk_kirch_par p = par2d(301, 251, 0.0);
	double e;

	for (int s = 0; s < NS; s++)
		for (int r = 0; r < NR; r++) {
			struct sk_kirch_trace *t = &tr[s * NR + r], *t3 = &tr3[s * NR + r];
			t->sx = 200.0 * s;
			t->rx = t->sx - 300.0 + 25.0 * r;
			t->sy = t->ry = 0.0;
			t->t0 = 0.0;
			*t3 = *t;
			t3->sy = 30.0 * s;
			t3->ry = 50.0 * (r % 5);
		}
	for (int o = 0; o < NO; o++) {
		x[o] = -100.0 + 25.0 * (o % 30);
		y[o] = 50.0 * (o / 30);
	}
	/* The notes' test: W = 1, no rho filter. */
	p.weights = SK_W_NONE;
	p.rho = SK_RHO_NONE;
	p.angle = 90.0;
	p.antialias = 0;
	e = adjoint_error(p, NO, x, NULL, NS * NR, tr);
	CHECKF(e < 1e-5, "adjoint, linear interpolation: relative error %g", e);
	/* Output samples 2.5 input samples apart: the linear reads of 8
	 * neighbouring updates spread past one vector's window (the plain
	 * reads) at late times and stay within it early (the permuted ones). */
	p.dt = 0.010;
	e = adjoint_error(p, NO, x, NULL, NS * NR, tr);
	CHECKF(e < 1e-5, "adjoint, linear interpolation, coarse output: relative error %g", e);
	p.dt = 0.004;
	p.antialias = 1;
	e = adjoint_error(p, NO, x, NULL, NS * NR, tr);
	CHECKF(e < 1e-5, "adjoint, triangle filter: relative error %g", e);
	/* The whole operator, weights, rho filter, tapers and offset bins. */
	p.weights = SK_W_BOTH;
	p.rho = SK_RHO_AUTO;
	p.angle = 45.0;
	p.aperture = 500.0;
	e = adjoint_error(p, NO, x, NULL, NS * NR, tr);
	CHECKF(e < 1e-5, "adjoint, 2-D full operator: relative error %g", e);
	p.dim = 3;
	e = adjoint_error(p, NO, x, y, NS * NR, tr3);
	CHECKF(e < 1e-5, "adjoint, 3-D full operator: relative error %g", e);
	p.noff = 4;
	p.off0 = 0.0;
	p.doff = 100.0;
	p.t0 = 0.1;
	e = adjoint_error(p, NO, x, y, NS * NR, tr3);
	CHECKF(e < 1e-5, "adjoint, 3-D offset gathers: relative error %g", e);
}

/* ------------------------------------------------- point diffractors */

/* 2-D survey of the notes: 81 shots every 50 m, 61 receivers every 25 m
 * over +-750 m, v(tau) = 2000 + 500 tau, diffractor at (2000 m, 1.0 s). */
enum { D2S = 81, D2R = 61, D2NTI = 626, D2NO = 81, D2NT = 376 };

static void diffractor2d_data(struct sk_kirch_trace *tr, float *data)
{
	const double x0 = 2000.0, tau0 = 1.0, v0 = 2000.0 + 500.0 * tau0;
	for (int s = 0; s < D2S; s++)
		for (int r = 0; r < D2R; r++) {
			const long i = (long)s * D2R + r;
			double t;
			tr[i].sx = 50.0 * s;
			tr[i].rx = tr[i].sx - 750.0 + 25.0 * r;
			tr[i].sy = tr[i].ry = 0.0;
			tr[i].t0 = 0.0;
			t = dsr(tr[i].sx, 0, tr[i].rx, 0, x0, 0, tau0, v0);
			for (int j = 0; j < D2NTI; j++)
				data[i * D2NTI + j] = (float)ricker(25.0, j * 0.004 - t);
		}
}

static double peak_background(const float *img, long nx, long nt, double dxo, double x0,
			      double t0, double dt, double xd, double taud, long *ip, long *jp)
{
	double pk = -1e30, bg = 0.0;
	for (long o = 0; o < nx; o++)
		for (long j = 0; j < nt; j++) {
			const double v = img[o * nt + j];
			if (v > pk) {
				pk = v;
				*ip = o;
				*jp = j;
			}
		}
	for (long o = 0; o < nx; o++)
		for (long j = 0; j < nt; j++) {
			const double xx = x0 + (double)o * dxo, tt = t0 + (double)j * dt;
			if (fabs(xx - xd) <= 250.0 && fabs(tt - taud) <= 0.2)
				continue;
			bg = fmax(bg, fabs(img[o * nt + j]));
		}
	return pk / bg;
}

static void test_diffractor2d(void)
{
	struct sk_kirch_trace *tr = malloc(D2S * D2R * sizeof *tr);
	float *data = malloc((size_t)D2S * D2R * D2NTI * sizeof *data);
	float *img = malloc(D2NO * D2NT * sizeof *img), *img1 = malloc(D2NO * D2NT * sizeof *img1);
	float *h1 = malloc(D2NO * D2NT * sizeof *h1), *h2 = malloc(D2NO * D2NT * sizeof *h2);
	float *vel = malloc(D2NT * sizeof *vel), *vloc = malloc(D2NO * D2NT * sizeof *vloc);
	double x[D2NO];
	struct sk_kirch_par p = par2d(D2NTI, D2NT, 0.0);
	long ip = 0, jp = 0;
	double ratio, worst = 0.0, scale = 0.0;
	const long half = (D2S / 2) * D2R;
	const int nth = omp_get_max_threads();

	diffractor2d_data(tr, data);
	for (int o = 0; o < D2NO; o++)
		x[o] = 1500.0 + 12.5 * o;
	for (int j = 0; j < D2NT; j++)
		vel[j] = (float)(2000.0 + 500.0 * j * 0.004);
	/* A kinematic test (W = 1, no rho filter): these synthetics put the
	 * plain wavelet on the diffraction curve, which the sum focuses with
	 * no phase change at the apex; the rho filter is for reflectors and
	 * is tested on them. */
	p.weights = SK_W_NONE;
	p.rho = SK_RHO_NONE;

	for (int aa = 1; aa >= 0; aa--) {
		p.antialias = aa;
		CHECK(migrate(&p, D2NO, x, NULL, vel, 0, D2S * D2R, tr, data, img) == 0);
		ratio = peak_background(img, D2NO, D2NT, 12.5, 1500.0, 0.0, 0.004, 2000.0, 1.0, &ip, &jp);
		CHECKF(fabs(1500.0 + 12.5 * (double)ip - 2000.0) <= 12.5 && fabs((double)jp * 0.004 - 1.0) <= 0.004 + 1e-9,
		       "2-D diffractor (aa %d) peak at x %g, tau %g", aa, 1500.0 + 12.5 * (double)ip,
		       (double)jp * 0.004);
		CHECKF(ratio > 20, "2-D diffractor (aa %d) peak/background %g", aa, ratio);
		printf("# 2-D diffractor, antialias %d: peak/background %.1f\n", aa, ratio);
	}

	/* 1 and 2 threads give the same bits. */
	omp_set_num_threads(1);
	CHECK(migrate(&p, D2NO, x, NULL, vel, 0, D2S * D2R, tr, data, img1) == 0);
	omp_set_num_threads(2);
	CHECK(migrate(&p, D2NO, x, NULL, vel, 0, D2S * D2R, tr, data, img) == 0);
	omp_set_num_threads(nth);
	CHECK(memcmp(img, img1, D2NO * D2NT * sizeof *img) == 0);

	/* Velocities given per location: the same bits as the shared curve. */
	for (int o = 0; o < D2NO; o++)
		memcpy(vloc + o * D2NT, vel, D2NT * sizeof *vel);
	CHECK(migrate(&p, D2NO, x, NULL, vloc, 1, D2S * D2R, tr, data, img1) == 0);
	CHECK(memcmp(img, img1, D2NO * D2NT * sizeof *img) == 0);

	/* Two halves of the input sum to the whole. */
	CHECK(migrate(&p, D2NO, x, NULL, vel, 0, half, tr, data, h1) == 0);
	CHECK(migrate(&p, D2NO, x, NULL, vel, 0, D2S * D2R - half, tr + half,
		      data + (size_t)half * D2NTI, h2) == 0);
	for (long i = 0; i < D2NO * D2NT; i++) {
		worst = fmax(worst, fabs((double)h1[i] + h2[i] - img[i]));
		scale = fmax(scale, fabs(img[i]));
	}
	CHECKF(worst <= 1e-5 * scale, "split sum differs by %g of %g", worst, scale);

	free(tr);
	free(data);
	free(img);
	free(img1);
	free(h1);
	free(h2);
	free(vel);
	free(vloc);
}

/*
 * sk_kirch_migrate_next: the threads that run out of output traces of a
 * block prepare the traces of the next.  Blocks of 37, 64, 1 and 53 traces
 * in turn (a pair cut at a block's end, a block of one trace), each call
 * promising the next block: the same bytes as block by block without a
 * promise, on 1, 2 and 3 threads (groups of 20, 10 and 6 of the 81 output
 * traces a thread takes at a time), with the triangle filter and with
 * linear interpolation.  A call given another block than the one promised (other
 * samples behind the same geometry) prepares its own: the image is that of
 * the blocks it was given.
 */
enum { AHN = 1000 };
static int ahead_run(const struct sk_kirch_par *p, const double *x, const float *vel,
		     const struct sk_kirch_trace *tr, const float *data, float *img, int ahead)
{
	static const long sizes[] = {37, 64, 1, 53};
	struct sk_kirch *k;
	struct sk_error err;
	long i = 0, s = 0;
	int rc = 0;

	memset(img, 0, (size_t)D2NO * D2NT * sizeof *img);
	if (sk_kirch_new(p, D2NO, x, NULL, vel, 0, &k, &err) < 0)
		return -1;
	while (i < AHN && rc == 0) {
		const long n = AHN - i < sizes[s % 4] ? AHN - i : sizes[s % 4];
		const long i2 = i + n, n2 = AHN - i2 < sizes[(s + 1) % 4] ? AHN - i2 : sizes[(s + 1) % 4];
		const float *d = data + (size_t)i * D2NTI;
		if (ahead)
			rc = sk_kirch_migrate_next(k, n, tr + i, d, img, n2, tr + i2, data + (size_t)i2 * D2NTI, &err);
		else
			rc = sk_kirch_migrate(k, n, tr + i, d, img, &err);
		i = i2;
		s++;
	}
	sk_kirch_free(k);
	return rc;
}

static void test_prepare_ahead(void)
{
	struct sk_kirch_trace *tr = malloc(D2S * D2R * sizeof *tr);
	float *data = malloc((size_t)D2S * D2R * D2NTI * sizeof *data);
	float *ref = malloc(D2NO * D2NT * sizeof *ref), *img = malloc(D2NO * D2NT * sizeof *img);
	float vel[D2NT];
	double x[D2NO];
	struct sk_kirch_par p = par2d(D2NTI, D2NT, 0.0);
	const int nth = omp_get_max_threads();
	struct sk_kirch *k;
	struct sk_error err;

	diffractor2d_data(tr, data);
	for (int o = 0; o < D2NO; o++)
		x[o] = 1500.0 + 12.5 * o;
	for (int j = 0; j < D2NT; j++)
		vel[j] = (float)(2000.0 + 500.0 * j * 0.004);
	for (int aa = 1; aa >= 0; aa--) {
		p.antialias = aa;
		omp_set_num_threads(1);
		CHECK(ahead_run(&p, x, vel, tr, data, ref, 0) == 0);
		for (int th = 1; th <= 3; th++) {
			omp_set_num_threads(th);
			CHECK(ahead_run(&p, x, vel, tr, data, img, 1) == 0);
			CHECKF(memcmp(img, ref, D2NO * D2NT * sizeof *img) == 0,
			       "prepared ahead (antialias %d, %d threads): not the same bytes", aa, th);
		}
	}
	omp_set_num_threads(2);
	/* Traces 0-36, then 37-73 promised; given 37-73's geometry with the
	 * samples of 500-536 instead: the image of 0-36 and of those. */
	p.antialias = 1;
	memset(ref, 0, (size_t)D2NO * D2NT * sizeof *ref);
	memset(img, 0, (size_t)D2NO * D2NT * sizeof *img);
	CHECK(sk_kirch_new(&p, D2NO, x, NULL, vel, 0, &k, &err) == 0);
	CHECK(sk_kirch_migrate(k, 37, tr, data, ref, &err) == 0);
	CHECK(sk_kirch_migrate(k, 37, tr + 37, data + (size_t)500 * D2NTI, ref, &err) == 0);
	sk_kirch_free(k);
	CHECK(sk_kirch_new(&p, D2NO, x, NULL, vel, 0, &k, &err) == 0);
	CHECK(sk_kirch_migrate_next(k, 37, tr, data, img, 37, tr + 37, data + (size_t)37 * D2NTI, &err) == 0);
	CHECK(sk_kirch_migrate(k, 37, tr + 37, data + (size_t)500 * D2NTI, img, &err) == 0);
	CHECK(memcmp(img, ref, D2NO * D2NT * sizeof *img) == 0);
	/* The promised block's own samples give another image: the check
	 * above tells the two apart. */
	memset(img, 0, (size_t)D2NO * D2NT * sizeof *img);
	CHECK(sk_kirch_migrate(k, 37, tr, data, img, &err) == 0);
	CHECK(sk_kirch_migrate(k, 37, tr + 37, data + (size_t)37 * D2NTI, img, &err) == 0);
	CHECK(memcmp(img, ref, D2NO * D2NT * sizeof *img) != 0);
	/* A next block longer than a call takes. */
	{
		char want[80];
		snprintf(want, sizeof want, "block of %ld traces exceeds %ld", sk_kirch_chunk(k) + 1, sk_kirch_chunk(k));
		CHECK(sk_kirch_migrate_next(k, 1, tr, data, img, sk_kirch_chunk(k) + 1, tr, data, &err) == SK_EARG);
		CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	}
	sk_kirch_free(k);
	omp_set_num_threads(nth);
	free(tr);
	free(data);
	free(ref);
	free(img);
}

static void test_diffractor3d(void)
{
	enum { NS = 15, NR = 5, NTI = 376, NX = 17, NT = 251 };
	const double xd = 400.0, yd = 400.0, taud = 0.6, v = 2200.0;
	const long ntr = (long)NS * NS * NR * NR;
	struct sk_kirch_trace *tr = malloc(ntr * sizeof *tr);
	float *data = malloc((size_t)ntr * NTI * sizeof *data);
	float *img = malloc(NX * NX * NT * sizeof *img), *vel = vconst(NT, v);
	double x[NX * NX], y[NX * NX], pk = -1e30, bg = 0.0;
	struct sk_kirch_par p = par2d(NTI, NT, 0.0);
	long n = 0, ip = 0, jp = 0;

	/* Shots on a 15 x 15 grid every 50 m, each with a 5 x 5 patch of
	 * receivers every 50 m around it. */
	for (int a = 0; a < NS; a++)
		for (int b = 0; b < NS; b++)
			for (int c = 0; c < NR; c++)
				for (int d = 0; d < NR; d++, n++) {
					double t;
					tr[n].sx = 50.0 * a + 50.0;
					tr[n].sy = 50.0 * b + 50.0;
					tr[n].rx = tr[n].sx + 50.0 * (c - 2);
					tr[n].ry = tr[n].sy + 50.0 * (d - 2);
					tr[n].t0 = 0.0;
					t = dsr(tr[n].sx, tr[n].sy, tr[n].rx, tr[n].ry, xd, yd, taud, v);
					for (int j = 0; j < NTI; j++)
						data[n * NTI + j] = (float)ricker(25.0, j * 0.004 - t);
				}
	for (int i = 0; i < NX * NX; i++) {
		x[i] = 200.0 + 25.0 * (i % NX);
		y[i] = 200.0 + 25.0 * (i / NX);
	}
	p.dim = 3;
	p.dx = p.dy = 25.0;
	p.weights = SK_W_NONE;
	p.rho = SK_RHO_NONE;
	CHECK(migrate(&p, NX * NX, x, y, vel, 0, ntr, tr, data, img) == 0);
	for (long i = 0; i < NX * NX; i++)
		for (long j = 0; j < NT; j++)
			if (img[i * NT + j] > pk) {
				pk = img[i * NT + j];
				ip = i;
				jp = j;
			}
	for (long i = 0; i < NX * NX; i++)
		for (long j = 0; j < NT; j++)
			if (hypot(x[i] - xd, y[i] - yd) > 250.0 || fabs((double)j * 0.004 - taud) > 0.2)
				bg = fmax(bg, fabs(img[i * NT + j]));
	CHECKF(fabs(x[ip] - xd) <= 25.0 && fabs(y[ip] - yd) <= 25.0 && fabs((double)jp * 0.004 - taud) <= 0.004 + 1e-9,
	       "3-D diffractor peak at (%g, %g), tau %g", x[ip], y[ip], (double)jp * 0.004);
	CHECKF(pk / bg > 20, "3-D diffractor peak/background %g", pk / bg);
	printf("# 3-D diffractor: peak/background %.1f\n", pk / bg);
	free(tr);
	free(data);
	free(img);
	free(vel);
}

/* ---------------------------------------------------- reflectors */

/* A 2-D line over a reflector: shots every 50 m from 0, 61 receivers every
 * 25 m over +-750 m, traveltimes from time(). */
static long line_data(int nshots, long nti, double (*time)(double, double, const double *),
		      const double *arg, struct sk_kirch_trace **trp, float **datap)
{
	const long ntr = (long)nshots * 61;
	struct sk_kirch_trace *tr = malloc(ntr * sizeof *tr);
	float *data = malloc((size_t)ntr * nti * sizeof *data);
	for (long i = 0; i < ntr; i++) {
		double t;
		tr[i].sx = 50.0 * (double)(i / 61);
		tr[i].rx = tr[i].sx - 750.0 + 25.0 * (double)(i % 61);
		tr[i].sy = tr[i].ry = 0.0;
		tr[i].t0 = 0.0;
		t = time(tr[i].sx, tr[i].rx, arg);
		for (long j = 0; j < nti; j++)
			data[i * nti + j] = (float)ricker(25.0, (double)j * 0.004 - t);
	}
	*trp = tr;
	*datap = data;
	return ntr;
}

static double flat_time(double s, double r, const double *a)
{
	return sqrt(a[0] * a[0] + (r - s) * (r - s) / (a[1] * a[1]));
}

static void test_flat(void)
{
	enum { NO = 41, NT = 151 };
	const double arg[2] = {1.2, 2000.0};
	struct sk_kirch_trace *tr;
	float *data, *img = malloc(NO * NT * sizeof *img), *vel = vconst(NT, 2000.0);
	double x[NO], amin = 1e30, amax = 0.0, worst_t = 0.0, worst_r = 1.0;
	struct sk_kirch_par p = par2d(401, NT, 0.9);
	const long ntr = line_data(121, 401, flat_time, arg, &tr, &data);

	for (int o = 0; o < NO; o++)
		x[o] = 2500.0 + 25.0 * o;
	CHECK(migrate(&p, NO, x, NULL, vel, 0, ntr, tr, data, img) == 0);
	for (int o = 0; o < NO; o++) {
		long j;
		double amp;
		const double t = peak_time(img + o * NT, NT, p.t0, p.dt, &j, &amp);
		const double ratio = side_lobes(img + o * NT, NT, j);
		if (fabs(ratio - 1) > fabs(worst_r - 1))
			worst_r = ratio;
		worst_t = fmax(worst_t, fabs(t - 1.2));
		amin = fmin(amin, amp);
		amax = fmax(amax, amp);
	}
	printf("# flat reflector: peak time off by %.2f ms, worst side-lobe ratio %.3f, amplitude spread %.2f%%\n",
	       worst_t * 1e3, worst_r, 100 * (amax - amin) / amax);
	CHECKF(worst_t <= 0.0004, "flat reflector peak off by %g s", worst_t);  /* 0.1 sample */
	CHECKF(worst_r >= 0.85 && worst_r <= 1.15, "flat reflector side-lobe ratio %g", worst_r);
	CHECKF((amax - amin) / amax < 0.02, "flat reflector amplitude varies by %g", (amax - amin) / amax);
	free(tr);
	free(data);
	free(img);
	free(vel);
}

/* The 3-D phase: a flat reflector at 0.4 s under a 61 x 61 grid of
 * midpoints every 20 m, offsets 0 to 300 m along x, imaged at the centre
 * with the first-derivative rho filter and the default weights. */
static void test_flat3d(void)
{
	enum { NS = 61, NH = 4, NTI = 301, NT = 201 };
	const double v = 2000.0, taur = 0.4, xc = 600.0;
	const long ntr = (long)NS * NS * NH;
	struct sk_kirch_trace *tr = malloc(ntr * sizeof *tr);
	float *data = malloc((size_t)ntr * NTI * sizeof *data), img[NT], *vel = vconst(NT, v);
	struct sk_kirch_par p = par2d(NTI, NT, 0.0);
	long n = 0, j;
	double amp, t, ratio;

	for (int a = 0; a < NS; a++)
		for (int b = 0; b < NS; b++)
			for (int c = 0; c < NH; c++, n++) {
				const double h = 50.0 * c;
				tr[n].sx = 20.0 * a - h;
				tr[n].rx = 20.0 * a + h;
				tr[n].sy = tr[n].ry = 20.0 * b;
				tr[n].t0 = 0.0;
				t = sqrt(taur * taur + 4 * h * h / (v * v));
				for (int i = 0; i < NTI; i++)
					data[n * NTI + i] = (float)ricker(25.0, i * 0.004 - t);
			}
	p.dim = 3;
	p.dx = p.dy = 20.0;
	CHECK(migrate(&p, 1, &xc, &xc, vel, 0, ntr, tr, data, img) == 0);
	t = peak_time(img, NT, 0.0, 0.004, &j, &amp);
	ratio = side_lobes(img, NT, j);
	printf("# 3-D flat reflector: peak time off by %.2f ms, side-lobe ratio %.3f\n", (t - taur) * 1e3, ratio);
	CHECKF(fabs(t - taur) <= 0.0004, "3-D flat reflector peak off by %g s", t - taur);
	CHECKF(ratio >= 0.85 && ratio <= 1.15, "3-D flat reflector side-lobe ratio %g", ratio);
	/* Without the rho filter the 3-D sum integrates: the wavelet turns
	 * odd (the test discriminates). */
	p.rho = SK_RHO_NONE;
	CHECK(migrate(&p, 1, &xc, &xc, vel, 0, ntr, tr, data, img) == 0);
	CHECK(fabs(img[100]) < 0.3 * fabs(img[102]));
	free(tr);
	free(data);
	free(vel);
}

/* Dipping plane through (3000 m, 1500 m), dip a[0] radians, velocity a[1]:
 * the reflection time from the source mirrored in the plane. */
static double dip_time(double s, double r, const double *a)
{
	const double nx = -sin(a[0]), nz = cos(a[0]);
	const double d = nx * 3000.0 + nz * 1500.0;
	const double e = nx * s - d;  /* signed distance of the source (z = 0) */
	const double mx = s - 2 * e * nx, mz = -2 * e * nz;
	return hypot(r - mx, mz) / a[1];
}

static void test_dipping(void)
{
	enum { NO = 41, NT = 301 };
	const double v = 2500.0;
	float *img = malloc(NO * NT * sizeof *img), *vel = vconst(NT, v);
	double x[NO];

	for (int o = 0; o < NO; o++)
		x[o] = 2500.0 + 25.0 * o;
	for (int deg = 15; deg <= 45; deg += 15) {
		const double arg[2] = {deg * PI / 180.0, v};
		struct sk_kirch_trace *tr;
		float *data;
		struct sk_kirch_par p = par2d(1001, NT, 0.5);
		const long ntr = line_data(141, 1001, dip_time, arg, &tr, &data);
		double sx = 0, st = 0, sxx = 0, sxt = 0, worst = 0.0, slope, want;
		long j;
		double amp;

		CHECK(migrate(&p, NO, x, NULL, vel, 0, ntr, tr, data, img) == 0);
		for (int o = 0; o < NO; o++) {
			const double t = peak_time(img + o * NT, NT, p.t0, p.dt, &j, &amp);
			const double z = 1500.0 + (x[o] - 3000.0) * tan(arg[0]);
			worst = fmax(worst, fabs(t - 2 * z / v));
			sx += x[o];
			st += t;
			sxx += x[o] * x[o];
			sxt += x[o] * t;
		}
		slope = (NO * sxt - sx * st) / (NO * sxx - sx * sx);
		want = 2 * tan(arg[0]) / v;
		printf("# dip %d: slope error %.3f%%, worst time error %.2f ms\n", deg,
		       100 * fabs(slope / want - 1), worst * 1e3);
		CHECKF(fabs(slope / want - 1) < 0.01, "dip %d: slope %g, want %g", deg, slope, want);
		CHECKF(worst <= 0.0004, "dip %d: time off by %g s", deg, worst);
		free(tr);
		free(data);
	}
	free(img);
	free(vel);
}

/* Offset gathers stacked over offset equal the stack; a trace outside every
 * bin is not used. */
static void test_gathers(void)
{
	enum { NO = 21, NT = 201 };
	const double arg[2] = {0.5, 2000.0};
	struct sk_kirch_trace *tr;
	float *data, *vel = vconst(NT, 2000.0);
	float *st = malloc(NO * NT * sizeof *st), *g = malloc(NO * 4 * NT * sizeof *g);
	double x[NO], worst = 0.0, scale = 0.0;
	struct sk_kirch_par p = par2d(301, NT, 0.0);
	const long ntr = line_data(20, 301, flat_time, arg, &tr, &data);
	struct sk_kirch *k;
	struct sk_error err;
	const struct sk_kirch_trace far = {0.0, 0.0, 900.0, 0.0, 0.0};

	for (int o = 0; o < NO; o++)
		x[o] = 300.0 + 25.0 * o;
	CHECK(migrate(&p, NO, x, NULL, vel, 0, ntr, tr, data, st) == 0);
	p.noff = 4;
	p.off0 = 100.0;
	p.doff = 200.0;
	CHECK(migrate(&p, NO, x, NULL, vel, 0, ntr, tr, data, g) == 0);
	for (int o = 0; o < NO; o++)
		for (int j = 0; j < NT; j++) {
			double sum = 0.0;
			for (int b = 0; b < 4; b++)
				sum += g[(o * 4 + b) * NT + j];
			worst = fmax(worst, fabs(sum - st[o * NT + j]));
			scale = fmax(scale, fabs(st[o * NT + j]));
		}
	CHECKF(worst <= 1e-5 * scale, "gathers stacked differ by %g of %g", worst, scale);
	CHECK(sk_kirch_new(&p, NO, x, NULL, vel, 0, &k, &err) == 0);
	CHECK(sk_kirch_bin(k, &tr[0]) == 3);      /* offset 750 m */
	CHECK(sk_kirch_bin(k, &tr[30]) == 0);     /* offset 0 */
	CHECK(sk_kirch_bin(k, &far) == -1);       /* 900 m: past the last bin's edge */
	sk_kirch_free(k);
	free(tr);
	free(data);
	free(st);
	free(g);
	free(vel);
}

static void test_errors(void)
{
	struct sk_kirch_par p = par2d(100, 100, 0.0);
	float vel[100];
	double x[1] = {0.0};
	struct sk_kirch *k;
	struct sk_error err;

	for (int j = 0; j < 100; j++)
		vel[j] = 2000.0f;
	vel[37] = 0.0f;
	CHECK(sk_kirch_new(&p, 1, x, NULL, vel, 0, &k, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "non-positive velocity 0 at location 0, time 0.148 s") == 0);
	vel[37] = 2000.0f;
	p.angle = 95.0;
	CHECK(sk_kirch_new(&p, 1, x, NULL, vel, 0, &k, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "angle 95 is not in (0, 90] degrees") == 0);
	p.angle = 60.0;
	p.dim = 4;
	CHECK(sk_kirch_new(&p, 1, x, NULL, vel, 0, &k, &err) == SK_EARG);
	p.dim = 2;
	CHECK(sk_kirch_new(&p, 1, x, NULL, vel, 0, &k, &err) == 0);
	CHECK(sk_kirch_params(k)->rho == SK_RHO_HALF && sk_kirch_chunk(k) >= 16);
	sk_kirch_free(k);
	sk_kirch_free(NULL);
}

/*
 * A block (sk_kirch_chunk traces) is whole tiles of about 4 MiB prepared
 * (migrate(1)): with the triangle filter a trace takes S (double), its
 * differences D and four tap tables (floats) over nt_in samples padded by
 * 2 KMAX + 2 at each end; with linear interpolation the float trace padded
 * by 1 before and 2 after.  Tiles hold 256 KiB of prepared traces, at
 * least 16 traces: so at most 4 MiB, and less than one tile short of it.
 */
static void test_block_size(void)
{
	float vel[1001];
	double x[1] = {0.0};
	struct sk_kirch *k;
	struct sk_error err;

	for (int j = 0; j < 1001; j++)
		vel[j] = 2000.0f;
	for (int aa = 1; aa >= 0; aa--) {
		struct sk_kirch_par p = par2d(1001, 1001, 0.0);
		long per, tile, bytes;
		p.antialias = aa;
		per = aa ? (1001 + 2 * (2 * SK_KIRCH_KMAX + 2)) * (long)(sizeof(double) + 5 * sizeof(float))
			 : (1001 + 3) * (long)sizeof(float);
		CHECK(sk_kirch_new(&p, 1, x, NULL, vel, 0, &k, &err) == 0);
		tile = sk_kirch_params(k)->chunk;
		bytes = sk_kirch_chunk(k) * per;
		CHECKF(sk_kirch_chunk(k) % tile == 0 && bytes <= 4L << 20 && bytes > (4L << 20) - tile * per,
		       "antialias %d: a block of %ld traces in tiles of %ld: %ld bytes prepared", aa, sk_kirch_chunk(k),
		       tile, bytes);
		/* 35,308 bytes a trace, tiles of 16: 7 tiles; 4,016 bytes,
		 * tiles of 65: 16 tiles. */
		CHECK(sk_kirch_chunk(k) == (aa ? 112 : 1040));
		sk_kirch_free(k);
	}
}

/* ------------------------------------------------ vector levels */

/*
 * Every vector level reads the same values as the reference, which reads
 * the input sample by sample (SK_KIRCH_SIMD_NONE): the same bytes for
 * linear interpolation and the triangle filter, in 2-D and 3-D, with the
 * reads of 8 neighbouring updates within one window (dt = dt_in), spread
 * past it (output samples 2.5 input samples apart) and long triangles (aal
 * 4: half-lengths up to the limit, where the wide form's 16-sample window
 * does not hold the three taps).  Levels this CPU lacks are said skipped.
 */
static void test_simd_levels(void)
{
	enum { NS = 16, NR = 40, NTI = 401, NO = 48 };
	const long ntr = (long)NS * NR;
	struct sk_kirch_trace *tr = malloc(ntr * sizeof *tr);
	float *data = malloc((size_t)ntr * NTI * sizeof *data);
	double x[NO], y[NO];
	static const char *const name[] = {"best", "none", "portable", "AVX2", "AVX-512"};
	static const struct { int dim, aa; double dt, aal; } cs[] = {
		{2, 1, 0.004, 1.0}, {2, 1, 0.010, 1.0}, {2, 1, 0.004, 4.0}, {3, 1, 0.004, 1.0},
		{3, 1, 0.002, 2.0}, {2, 0, 0.004, 1.0}, {2, 0, 0.010, 1.0}, {3, 0, 0.004, 1.0},
	};

	srand(5);
	for (long i = 0; i < ntr; i++) {
		tr[i].sx = 50.0 * (double)(i / NR);
		tr[i].rx = tr[i].sx - 500.0 + 25.0 * (double)(i % NR);
		tr[i].sy = 20.0 * (double)(i / NR % 4);
		tr[i].ry = 25.0 * (double)(i % 7);
		tr[i].t0 = (double)(i % 3) * 0.002;
		for (long j = 0; j < NTI; j++)
			data[i * NTI + j] = (float)(rand() / (double)RAND_MAX - 0.5);
	}
	for (int o = 0; o < NO; o++) {
		x[o] = 100.0 + 12.5 * (o % 24);
		y[o] = 40.0 * (o / 24);
	}
	for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
		struct sk_kirch_par p = par2d(NTI, 301, 0.0);
		const long nimg = NO * p.nt;
		float *ref = malloc(nimg * sizeof *ref), *img = malloc(nimg * sizeof *img);
		float *vel = malloc(p.nt * sizeof *vel);
		double peak = 0.0;
		p.dim = cs[c].dim;
		p.antialias = cs[c].aa;
		p.dt = cs[c].dt;
		p.aal = cs[c].aal;
		p.aperture = 900.0;
		for (long j = 0; j < p.nt; j++)
			vel[j] = (float)(1800.0 + 400.0 * (double)j * p.dt);
		p.simd = SK_KIRCH_SIMD_NONE;
		CHECK(migrate(&p, NO, x, cs[c].dim == 3 ? y : NULL, vel, 0, ntr, tr, data, ref) == 0);
		for (long i = 0; i < nimg; i++)
			peak = fmax(peak, fabs(ref[i]));
		CHECKF(peak > 1e-3, "case %zu: the reference image is empty (peak %g)", c, peak);
		for (int lv = SK_KIRCH_SIMD_PORTABLE; lv <= SK_KIRCH_SIMD_AVX512; lv++) {
			struct sk_kirch *k;
			struct sk_error err;
			int got;
			p.simd = lv;
			CHECK(sk_kirch_new(&p, NO, x, y, vel, 0, &k, &err) == 0);
			got = sk_kirch_params(k)->simd;
			sk_kirch_free(k);
			if (got != lv) {
				if (c == 0)
					printf("# vector level %s: not on this CPU, skipped\n", name[lv]);
				continue;
			}
			CHECK(migrate(&p, NO, x, cs[c].dim == 3 ? y : NULL, vel, 0, ntr, tr, data, img) == 0);
			CHECKF(memcmp(img, ref, nimg * sizeof *img) == 0,
			       "case %zu (%d-D, antialias %d, dt %g, aal %g): level %s differs from the reference", c,
			       cs[c].dim, cs[c].aa, cs[c].dt, cs[c].aal, name[lv]);
		}
		free(ref);
		free(img);
		free(vel);
	}
	free(tr);
	free(data);
}

int main(void)
{
	test_triangle();
	test_rho();
	test_constant_trace();
	test_adjoint();
	test_errors();
	test_block_size();
	test_gathers();
	test_diffractor2d();
	test_prepare_ahead();
	test_diffractor3d();
	test_flat();
	test_flat3d();
	test_dipping();
	test_simd_levels();
	return test_done();
}
