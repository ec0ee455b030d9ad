/*
 * Unit test of lib/kernel/kirchhoff_ref.c, the Kirchhoff kernel's reference
 * output-trace function (SIMD level NONE: every read lane by lane), which
 * the other levels are compared with byte for byte (kirch_level.h).  Here
 * the reference itself is held to values worked out in this file from
 * notes/kirchhoff.md's formulas, in double, never from the kernel's code:
 *
 * - traveltime: the double square root t = sqrt(tau^2/4 + |s-x|^2/v^2) +
 *   sqrt(tau^2/4 + |r-x|^2/v^2), read at f = (t - t0_trace) / dt_in samples;
 * - linear interpolation: L(f) = sum_q x[q] max(0, 1 - |f - q|), zero
 *   outside the trace (the kernel pads it with zeros);
 * - the triangle (antialiasing): S[i] = sum_{m >= i} sum_{q <= m} x[q],
 *   padded with S[0] before and 0 after, S linearly interpolated, and the
 *   pick P_k(f) = (2 S(f) - S(f-k) - S(f+k)) / k^2; the half-length kf =
 *   aal |p| dx / dt_in (3-D: aal (|p_x| dx + |p_y| dy) / dt_in), p the
 *   operator slope (s-x)/(v^2 t_s) + (r-x)/(v^2 t_r), at least 1 and
 *   clipped to SK_KIRCH_KMAX; a length between two whole ones blends their
 *   picks, (1 - b) P_kk + b P_kk+1 with kk = floor(kf) (at most KMAX - 1),
 *   b = kf - kk (kirchhoff_tap_internal.h, tap_at: "not rounded");
 * - the distance aperture A with its cosine taper over the last
 *   SK_KIRCH_APER_TAPER of it, the angle limit |x - m| <= tan(angle) v tau/2
 *   with its taper over the last SK_KIRCH_ANGLE_TAPER degrees;
 * - the weights at zero offset (where the notes' cos((theta_s+theta_r)/2)
 *   and the kernel's (cos theta_s + cos theta_r)/2 agree): obliquity
 *   cos theta = (tau/2)/t_s = tau/t, spreading 1/sqrt(v t) in 2-D, 1/(v t)
 *   in 3-D.
 *
 * The kernel computes in float, so away from the exact cases a value is
 * compared within a bound derived from its float arithmetic (tol_at):
 * with v = 2048 m/s (1/v^2 = 2^-22, exact) and dt_in = 1/256 s, each leg
 * sqrt(a + d^2 w) takes at most about 3 roundings of u = 2^-24 relative
 * and their sum one more, so t is within 4u t; t/dt_in is then within
 * 4u 700 = 1.7e-4 samples for the times here (t < 2.7 s), and the read
 * position (at most 1024 with the padding) is rounded once more, 3e-5:
 * within 2e-4 samples.  We allow 1e-3 samples (5 times that) times the
 * local slope of the expected value, plus 1e-5 of the largest input sample
 * for the rounding of the value's own arithmetic (a few roundings of u,
 * 30 times that).  Where every operand is a binary fraction (test_exact)
 * no rounding happens and the image is compared bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kirchhoff.h"
#include "rng.h"

#define PI 3.14159265358979323846
#define DT (1.0 / 256)   /* input (and often output) sample interval: binary */
#define V 2048.0         /* 1 / V^2 = 2^-22: exact in float */

static struct sk_kirch_par par(int dim, int aa, long nt_in, long nt, double dt, double t0)
{
	struct sk_kirch_par p;
	memset(&p, 0, sizeof p);
	p.dim = dim;
	p.antialias = aa;
	p.aal = 1.0;
	p.rho = SK_RHO_NONE;
	p.weights = SK_W_NONE;
	p.angle = 90.0;
	p.dx = p.dy = 25.0;
	p.nt_in = nt_in;
	p.dt_in = DT;
	p.nt = nt;
	p.dt = dt;
	p.t0 = t0;
	p.noff = 1;
	p.simd = SK_KIRCH_SIMD_NONE;
	return p;
}

/* Migrates ntr traces at level NONE into img (zeroed here); -1 when the
 * kernel fails or resolves another level (then this file tests nothing). */
static int run(const struct sk_kirch_par *p, long nout, const double *x, const double *y, long ntr,
	       const struct sk_kirch_trace *tr, const float *data, float *img)
{
	struct sk_kirch *k;
	struct sk_error err;
	const float vel = (float)V;
	float *vel_all = malloc((size_t)p->nt * sizeof *vel_all);
	int rc = 0;

	memset(img, 0, (size_t)nout * (size_t)p->noff * (size_t)p->nt * sizeof *img);
	for (long j = 0; j < p->nt; j++)
		vel_all[j] = vel;
	if (sk_kirch_new(p, nout, x, y, vel_all, 0, &k, &err) < 0) {
		printf("# sk_kirch_new: %s\n", err.msg);
		free(vel_all);
		return -1;
	}
	if (sk_kirch_params(k)->simd != SK_KIRCH_SIMD_NONE)
		rc = -1;
	for (long i = 0; i < ntr && rc == 0; i += sk_kirch_chunk(k)) {
		const long n = ntr - i < sk_kirch_chunk(k) ? ntr - i : sk_kirch_chunk(k);
		if (sk_kirch_migrate(k, n, tr + i, data + (size_t)i * (size_t)p->nt_in, img, &err) < 0)
			rc = -1;
	}
	sk_kirch_free(k);
	free(vel_all);
	return rc;
}

/* ------------------------------------------- the notes' formulas, in double */

/* One leg of the DSR time and its part of the operator slope. */
static double leg(double tau, double dx, double dy)
{
	return sqrt(0.25 * tau * tau + (dx * dx + dy * dy) / (V * V));
}

/* Read position (input samples) of trace tr at image point (x, y), time tau,
 * and the antialiasing half-length kf for aal, dx, dy (before clipping). */
static double pos(const struct sk_kirch_trace *tr, int dim, double x, double y, double tau, double aal, double dx,
		  double dy, double *kf)
{
	const double ey = dim == 3 ? 1.0 : 0.0;
	const double dsx = tr->sx - x, dsy = ey * (tr->sy - y), drx = tr->rx - x, dry = ey * (tr->ry - y);
	const double ts = leg(tau, dsx, dsy), trr = leg(tau, drx, dry);
	const double px = dsx / (V * V * ts) + drx / (V * V * trr), py = dsy / (V * V * ts) + dry / (V * V * trr);

	*kf = aal * (fabs(px) * dx + ey * fabs(py) * dy) / DT;
	return (ts + trr - tr->t0) / DT;
}

static double lin_read(const float *x, long n, double f)
{
	double v = 0.0;
	for (long q = 0; q < n; q++)
		v += (double)x[q] * fmax(0.0, 1.0 - fabs(f - (double)q));
	return v;
}

/* S by its definition, each sum from its terms: c[m] = sum_{q <= m} x[q],
 * S[i] = sum_{m >= i} c[m] (n^2 additions, no running sums). */
static void s_of(const float *x, long n, double *S)
{
	double *c = malloc((size_t)n * sizeof *c);
	for (long m = 0; m < n; m++) {
		c[m] = 0.0;
		for (long q = 0; q <= m; q++)
			c[m] += x[q];
	}
	for (long i = 0; i < n; i++) {
		S[i] = 0.0;
		for (long m = i; m < n; m++)
			S[i] += c[m];
	}
	free(c);
}

/* S at u, padded (S[0] before, 0 from n on) and linearly interpolated. */
static double s_at(const double *S, long n, double u)
{
	const double fl = floor(u);
	const long i = (long)fl;
	const double a = i < 0 ? S[0] : i >= n ? 0.0 : S[i];
	const double b = i + 1 < 0 ? S[0] : i + 1 >= n ? 0.0 : S[i + 1];
	return a + (u - fl) * (b - a);
}

static double pick(const double *S, long n, double f, int k)
{
	return (2.0 * s_at(S, n, f) - s_at(S, n, f - k) - s_at(S, n, f + k)) / ((double)k * (double)k);
}

/* The blended triangle at f for a half-length kf; *kk gets its whole part. */
static double tri_read(const double *S, long n, double f, double kf, int *kk)
{
	double b;
	kf = fmin(fmax(kf, 1.0), SK_KIRCH_KMAX);
	*kk = (int)fmin(floor(kf), SK_KIRCH_KMAX - 1);
	b = kf - *kk;
	return (1.0 - b) * pick(S, n, f, *kk) + b * pick(S, n, f, *kk + 1);
}

/* ----------------------------------------------------------- comparison */

struct want {
	int dim, aa;
	double aal, dx, dy;
	long ntr, nt_in;
	const struct sk_kirch_trace *tr;
	const float *data;
	double *S;           /* ntr x nt_in, antialiasing only */
	double scale;        /* largest |input sample| */
};

/* The expected image sample at (x, y, tau): every trace's read summed;
 * *kmin gets the least whole half-length of the reads (0 when none). */
static double expect(const struct want *w, double x, double y, double tau, double df, int *kmin)
{
	double v = 0.0;
	*kmin = 0;
	for (long m = 0; m < w->ntr; m++) {
		double kf;
		const double f = pos(&w->tr[m], w->dim, x, y, tau, w->aal, w->dx, w->dy, &kf) + df;
		const float *d = w->data + m * w->nt_in;
		if (w->aa) {
			int kk;
			v += tri_read(w->S + m * w->nt_in, w->nt_in, f, kf, &kk);
			*kmin = *kmin == 0 || kk < *kmin ? kk : *kmin;
		} else {
			v += lin_read(d, w->nt_in, f);
		}
	}
	return v;
}

/* The bound of the file's comment: 1e-3 samples times the local slope of
 * the expected value (the larger side: it is piecewise linear), plus 1e-5
 * of the largest input sample. */
static double tol_at(const struct want *w, double x, double y, double tau, double e)
{
	const double h = 1e-2;
	int k;
	const double lo = expect(w, x, y, tau, -h, &k), hi = expect(w, x, y, tau, h, &k);
	return 1e-3 * fmax(fabs(hi - e), fabs(e - lo)) / h + 1e-5 * w->scale;
}

/* Migrates w's traces onto nout points, compares every image sample with
 * its expected value; returns how many differ beyond the bound (the first
 * printed), with the samples whose expected value is at least big in *nbig
 * and the least and largest whole half-lengths read in kr[0], kr[1]. */
static long compare(const struct sk_kirch_par *p, const struct want *w, long nout, const double *x, const double *y,
		    const char *what, long *nbig, double big, int *kr)
{
	float *img = malloc((size_t)nout * (size_t)p->nt * sizeof *img);
	long bad = 0;

	*nbig = 0;
	kr[0] = SK_KIRCH_KMAX + 1;
	kr[1] = 0;
	if (run(p, nout, x, y, w->ntr, w->tr, w->data, img) < 0) {
		free(img);
		return -1;
	}
	for (long o = 0; o < nout; o++)
		for (long j = 0; j < p->nt; j++) {
			const double tau = p->t0 + (double)j * p->dt, yo = y ? y[o] : 0.0;
			int kk;
			const double e = expect(w, x[o], yo, tau, 0.0, &kk), got = img[o * p->nt + j];
			const double tol = tol_at(w, x[o], yo, tau, e);
			*nbig += fabs(e) >= big;
			if (w->aa && fabs(e) >= big) {
				kr[0] = kk < kr[0] ? kk : kr[0];
				kr[1] = kk > kr[1] ? kk : kr[1];
			}
			if (fabs(got - e) > tol && bad++ == 0)
				printf("# %s: point %ld (%g, %g), tau %g s: %.9g, expected %.9g (bound %.3g)\n", what, o, x[o],
				       yo, tau, got, e, tol);
		}
	free(img);
	return bad;
}

/* ----------------------------------------------------------------- tests */

/*
 * Every operand a binary fraction: dt = dt_in = 1/256 s, v = 2048 m/s,
 * output time t0 0.  Under a zero-offset trace's midpoint the time is
 * t = 2 sqrt(tau^2/4) = tau, so image sample j reads input sample j
 * exactly (position j, fraction 0): the image is the trace, bit for bit,
 * from tau = 0.1 s on (there the kernel's 1e-12 s^2 guard in the square
 * root is below half an ulp of tau^2/4 and vanishes).  At a distance d =
 * 32 n m the legs are a 3-4-5 triangle at tau = 6n/256 s: tau/2 = 3n/256,
 * d/v = 4n/256, so t = 10n/256 and image sample 6n is input sample 10n,
 * exactly (n = 4, 8, 12: every sum fits float's 24 bits).
 */
static void test_exact(void)
{
	enum { NT = 200 };
	const struct sk_kirch_par p = par(2, 0, NT, NT, DT, 0.0);
	const struct sk_kirch_trace tr = {0.0, 0.0, 0.0, 0.0, 0.0};
	const double x[4] = {0.0, 128.0, 256.0, 384.0};
	float data[NT], img[4 * NT];
	int same = 1;

	rng_seed(0x7265666b6972ULL);
	for (int i = 0; i < NT; i++)
		data[i] = (float)(rng_unit() * 2.0 - 1.0) + 3.0f;   /* never 0: no -0 to tell apart */
	CHECK(run(&p, 4, x, NULL, 1, &tr, data, img) == 0);
	for (int j = 26; j < NT; j++)
		same &= memcmp(&img[j], &data[j], sizeof *img) == 0;
	CHECK(same);
	for (int n = 4; n <= 12; n += 4)
		CHECKF(memcmp(&img[(n / 4) * NT + 6 * n], &data[10 * n], sizeof *img) == 0, "n = %d: %.9g, not %.9g", n,
		       (double)img[(n / 4) * NT + 6 * n], (double)data[10 * n]);
}

/*
 * Spikes through linear interpolation and through the triangle: one at
 * sample 150 (interior), one at sample 0 and one at the last sample (the
 * boundaries: the triangle's padding is S[0] before the trace, 0 after
 * it); a zero-offset trace starting at 0.05 s (so that early output times
 * read before its first sample) and a trace with offset in the same call;
 * output samples half an input sample apart from 4 ms; image points from
 * the midpoint out to where the half-length is clipped to SK_KIRCH_KMAX.
 * In 3-D the same with crossline distances.  The half-length reaches
 * aal |p| dx / dt_in <= aal (2 / v) 25 m 256 / s = 6.25 aal (|p| < 2/v:
 * each leg's slope is below 1/v), so aal 12 reaches the clipping; with
 * aal 1, kk 6 at most (and, on these geometries, 6 is read).
 */
static void spikes(int dim, int aa, double aal)
{
	enum { NTI = 300, NT = 520, NO = 8, NTR = 2 };
	struct sk_kirch_par p = par(dim, aa, NTI, NT, DT / 2, 0.004);
	const struct sk_kirch_trace tr[NTR] = {{10.0, 5.0, 10.0, 5.0, 0.05}, {-200.0, -40.0, 300.0, 60.0, 0.0}};
	const double x[NO] = {10.0, 60.0, 250.0, 700.0, -350.0, 1400.0, 2900.0, 35.0};
	const double y[NO] = {5.0, 0.0, 90.0, -300.0, 40.0, 10.0, 0.0, 700.0};
	float *data = calloc(NTR * NTI, sizeof *data);
	double *S = malloc(NTR * NTI * sizeof *S);
	struct want w = {dim, aa, aal, 25.0, 25.0, NTR, NTI, tr, data, S, 2.0};
	long bad, nbig;
	int kr[2];
	char what[64];

	p.aal = aal;
	data[150] = 1.0f;
	data[0] = 0.5f;
	data[NTI - 1] = -2.0f;
	data[NTI + 100] = 1.5f;
	data[NTI + 1] = -1.0f;
	for (int m = 0; m < NTR; m++)
		s_of(data + m * NTI, NTI, S + m * NTI);
	snprintf(what, sizeof what, "spikes %d-D, %s, aal %g", dim, aa ? "triangle" : "linear", aal);
	bad = compare(&p, &w, NO, x, dim == 3 ? y : NULL, what, &nbig, aa ? 1e-3 : 0.25, kr);
	CHECKF(bad == 0, "%s: %ld samples off", what, bad);
	/* Not an empty test: many samples near a spike's peak, and with the
	 * triangle, half-lengths from 1 to the clipped KMAX - 1 (b = 1). */
	if (aa)
		printf("# %s: %ld samples near a peak, half-lengths %d to %d\n", what, nbig, kr[0], kr[1]);
	else
		printf("# %s: %ld samples near a peak\n", what, nbig);
	CHECKF(nbig > (aa ? 100 : 30), "%s: %ld samples", what, nbig);
	if (aa)
		CHECKF(kr[0] == 1 && kr[1] == (aal > 11 ? SK_KIRCH_KMAX - 1 : (int)(6.25 * aal)), "%s: half-lengths %d to %d",
		       what, kr[0], kr[1]);
	free(data);
	free(S);
}

/* The triangle's taps: the pick of a spike is (k - |f - q|) / k^2 for
 * |f - q| < k (height 1/k, area 1), checked here for the expected values
 * the other tests use, so that they stand on the notes' triangle and not
 * only on the S formula. */
static void test_taps(void)
{
	enum { N = 300 };
	float x[N] = {0};
	double S[N];
	int ok = 1;

	x[150] = 1.0f;
	s_of(x, N, S);
	for (int k = 1; k <= SK_KIRCH_KMAX; k++)
		for (double f = 150.0 - k - 1; f <= 150.0 + k + 1; f += 0.125)
			ok &= fabs(pick(S, N, f, k) - fmax(0.0, k - fabs(f - 150.0)) / ((double)k * k)) < 1e-12;
	CHECK(ok);
	/* A constant comes back whole for every k and blend (area 1). */
	for (int i = 0; i < N; i++)
		x[i] = 2.5f;
	s_of(x, N, S);
	ok = 1;
	for (double kf = 1.0; kf <= SK_KIRCH_KMAX; kf += 0.37) {
		int kk;
		ok &= fabs(tri_read(S, N, 100.3, kf, &kk) - 2.5) < 1e-9;
	}
	CHECK(ok);
}

/*
 * A constant trace through the triangle: the constant itself wherever the
 * triangle lies inside the trace, whatever the half-length and blend, and
 * less near the ends (the padding); through linear interpolation the
 * constant from sample 0 to the last and less within a sample outside.
 */
static void constant(int aa)
{
	enum { NTI = 300, NT = 330, NO = 6 };
	const struct sk_kirch_trace tr = {-40.0, 0.0, 60.0, 0.0, 0.02};
	const double x[NO] = {10.0, 100.0, 400.0, 900.0, 1600.0, 3000.0};
	float data[NTI];
	double S[NTI];
	struct sk_kirch_par p = par(2, aa, NTI, NT, DT, 0.0);
	struct want w = {2, aa, 12.0, 25.0, 25.0, 1, NTI, &tr, data, S, 2.5};
	long bad, nbig;
	int kr[2];

	p.aal = 12.0;   /* half-lengths up to the clipping (spikes) */
	for (int i = 0; i < NTI; i++)
		data[i] = 2.5f;
	s_of(data, NTI, S);
	bad = compare(&p, &w, NO, x, NULL, aa ? "constant, triangle" : "constant, linear", &nbig, 2.4999, kr);
	CHECKF(bad == 0, "constant %d: %ld samples off", aa, bad);
	CHECKF(nbig > 1000, "constant %d: %ld samples", aa, nbig);
	if (aa)
		CHECKF(kr[0] == 1 && kr[1] == SK_KIRCH_KMAX - 1, "constant: half-lengths %d to %d", kr[0], kr[1]);
}

/*
 * The distance aperture and the angle limit on a constant trace read by
 * linear interpolation (2.5 wherever the time falls inside the trace):
 * the image is 2.5 times the taper.  Aperture A = 400 m: weight 1 to
 * 0.9 A, then 0.5 + 0.5 cos(pi (d - 0.9 A) / (0.1 A)), 0 beyond A.  Angle
 * 45 degrees: with u = (d / (v tau / 2) - tan 35) / (tan 45 - tan 35)
 * clipped to [0, 1], weight 0.5 + 0.5 cos(pi u); 0 at tau = 0.  The
 * bound: the taper's argument is within about 1e-6 relative in float and
 * the kernel's sine series within 6e-8, so a weight is within 1e-5
 * (derivative at most pi/2 / (tan 45 - tan 35) = 5.2 on u); we allow 1e-4.
 */
static void test_limits(void)
{
	enum { NTI = 400, NT = 300, NO = 7 };
	const struct sk_kirch_trace tr = {0.0, 0.0, 0.0, 0.0, 0.0};
	const double x[NO] = {200.0, 370.0, 380.0, 399.0, 400.0, 401.0, -390.0};
	const double wap[NO] = {1.0, 0.5 + 0.5 * cos(PI * 10 / 40), 0.5, 0.5 + 0.5 * cos(PI * 39 / 40), 0.0, 0.0,
				0.5 + 0.5 * cos(PI * 30 / 40)};
	float data[NTI], img[NO * NT];
	long bad = 0, ntaper = 0, nzero = 0;

	for (int i = 0; i < NTI; i++)
		data[i] = 2.5f;
	for (int lim = 0; lim < 2; lim++) {
		struct sk_kirch_par p = par(2, 0, NTI, NT, DT, 0.0);
		if (lim == 0)
			p.aperture = 400.0;
		else
			p.angle = 45.0;
		CHECK(run(&p, NO, x, NULL, 1, &tr, data, img) == 0);
		for (int o = 0; o < NO; o++)
			for (int j = 0; j < NT; j++) {
				const double tau = j * DT, d = fabs(x[o]);
				const double t = 2.0 * leg(tau, d, 0.0);
				double wt, e;
				if (t / DT > NTI - 1)
					continue;   /* past the trace: not the taper's case */
				if (lim == 0) {
					wt = wap[o];
				} else {
					const double t0 = tan(35 * PI / 180), t1 = tan(45 * PI / 180);
					const double u = tau > 0 ? fmin(fmax((d / (V * tau / 2) - t0) / (t1 - t0), 0.0), 1.0) : 1.0;
					wt = 0.5 + 0.5 * cos(PI * u);
				}
				e = 2.5 * wt;
				ntaper += e > 0.01 && e < 2.49;
				nzero += e == 0.0;
				if (fabs(img[o * NT + j] - e) > 1e-4 * 2.5 && bad++ == 0)
					printf("# %s: x %g, tau %g: %.9g, expected %.9g\n", lim ? "angle" : "aperture", x[o], tau,
					       (double)img[o * NT + j], e);
			}
	}
	CHECKF(bad == 0, "%ld samples off", bad);
	CHECKF(ntaper > 500 && nzero > 400, "%ld tapered, %ld zero", ntaper, nzero);
}

/*
 * The weights at zero offset, on a constant trace read by linear
 * interpolation: obliquity tau / t, spreading 1 / sqrt(v t) (2-D) or
 * 1 / (v t) (3-D), both their product.  A handful of float operations
 * each: within 1e-5 relative.
 */
static void test_weights(void)
{
	enum { NTI = 400, NT = 300, NO = 4 };
	const struct sk_kirch_trace tr = {50.0, 20.0, 50.0, 20.0, 0.0};
	const double x[NO] = {50.0, 120.0, 400.0, -300.0}, y[NO] = {20.0, -60.0, 20.0, 300.0};
	float data[NTI], img[NO * NT];
	long bad = 0, n = 0;

	for (int i = 0; i < NTI; i++)
		data[i] = 2.5f;
	for (int dim = 2; dim <= 3; dim++)
		for (int wt = SK_W_OBLIQUITY; wt <= SK_W_BOTH; wt++) {
			struct sk_kirch_par p = par(dim, 0, NTI, NT, DT, 0.0);
			p.weights = wt;
			CHECK(run(&p, NO, x, y, 1, &tr, data, img) == 0);
			for (int o = 0; o < NO; o++)
				for (int j = 1; j < NT; j++) {   /* tau 0 at the midpoint: t = 0 */
					const double tau = j * DT, dx = x[o] - 50.0, dy = dim == 3 ? y[o] - 20.0 : 0.0;
					const double t = 2.0 * leg(tau, dx, dy);
					const double obl = tau / t, spr = dim == 3 ? 1.0 / (V * t) : 1.0 / sqrt(V * t);
					const double e = 2.5 * (wt == SK_W_OBLIQUITY ? obl : wt == SK_W_SPREADING ? spr : obl * spr);
					if (t / DT > NTI - 1)
						continue;
					n++;
					if (fabs(img[o * NT + j] - e) > 1e-5 * fabs(e) + 1e-12 && bad++ == 0)
						printf("# weights %d, %d-D: x %g, tau %g: %.9g, expected %.9g\n", wt, dim, x[o],
						       tau, (double)img[o * NT + j], e);
				}
		}
	CHECKF(bad == 0 && n > 3000, "%ld of %ld samples off", bad, n);
}

int main(void)
{
	test_exact();
	test_taps();
	for (int dim = 2; dim <= 3; dim++) {
		spikes(dim, 0, 1.0);
		spikes(dim, 1, 1.0);
		spikes(dim, 1, 12.0);
	}
	constant(0);
	constant(1);
	test_limits();
	test_weights();
	return test_done();
}
