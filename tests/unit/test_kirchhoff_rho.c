/* Unit tests of lib/kernel/kirchhoff_rho.c's building blocks that
 * test_kirchhoff.c reaches only through sk_kirch_rho and migration
 * (kirchhoff_internal.h, the kernel's private header, is read for their
 * declarations): the FFT length (sk_kirch_pow2_at_least), the twiddle
 * table against long double cosl/sinl, the rho spectrum at n = 8 against
 * values worked out by hand (and the half derivative squared being the
 * first), the pair filter against a direct O(n^2) DFT in long double, and
 * sk_kirch_rho's refusal and no-ops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kirchhoff_internal.h"
#include "rng.h"

static const long double PIL = 3.141592653589793238462643383279502884L;

static void test_pow2(void)
{
	static const long in[] = {0, 1, 2, 3, 5, 1000, 1024, 1025, 65537};
	static const long want[] = {1, 1, 2, 4, 8, 1024, 1024, 2048, 131072};

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
		CHECKF(sk_kirch_pow2_at_least(in[i]) == want[i], "%ld: %ld", in[i], sk_kirch_pow2_at_least(in[i]));
}

/* Stage h (half-length of its butterflies) holds cos and sin of pi q / h,
 * q < h, at h - 1 + q.  The angle PI q / h in double is within 1.2e-16
 * (PI's own error, times q / h < 1) plus half an ulp of the product (1.8e-16
 * below pi) of the true one; cos and sin move no faster than it, and libm
 * adds under one ulp (1.1e-16): 4.1e-16 in all; 1e-15 is asked. */
static void test_twiddles(void)
{
	double *cs, *sn;
	int ok = 1;

	CHECK(sk_kirch_twiddles(64, &cs, &sn) == 0);
	for (long h = 1; h < 64; h <<= 1)
		for (long q = 0; q < h; q++) {
			const long double a = PIL * (long double)q / (long double)h;
			if (fabsl(cs[h - 1 + q] - cosl(a)) > 1e-15L || fabsl(sn[h - 1 + q] - sinl(a)) > 1e-15L) {
				printf("# h %ld q %ld: %.17g %.17g\n", h, q, cs[h - 1 + q], sn[h - 1 + q]);
				ok = 0;
			}
		}
	CHECK(ok);
	/* Exact where the angle is: 0 and, at h = 2, pi / 2 (sin 1). */
	CHECK(cs[0] == 1.0 && sn[0] == 0.0 && sn[2] == 1.0 && cs[1] == 1.0 && fabs(cs[2]) < 1e-16);
	free(cs);
	free(sn);
	/* n = 1: no stage; the table is made (one unused slot each). */
	CHECK(sk_kirch_twiddles(1, &cs, &sn) == 0 && cs && sn);
	free(cs);
	free(sn);
}

/* n = 8, w = 2 pi q / 8 taken in (-pi, pi]: 0, pi/4, pi/2, 3pi/4, (Nyquist),
 * -3pi/4, -pi/2, -pi/4.  HALF: |w / 2|^(1/2) (1 - i sgn w) = sqrt(|w|/2),
 * imaginary part -sgn(w) times it; at Nyquist sqrt(pi / 2), real.  FIRST:
 * -i w, 0 at Nyquist.  The adjoint conjugates.  The angles in double are
 * within 4 ulps of pi: 4e-15 is asked. */
static void test_spectrum(void)
{
	const double P = 3.14159265358979323846;
	const double ws[8] = {0, P / 4, P / 2, 3 * P / 4, 0, -3 * P / 4, -P / 2, -P / 4};
	double hr[8], hi[8];
	int ok = 1;

	for (int adj = 0; adj <= 1; adj++) {
		sk_kirch_rho_spectrum(SK_RHO_HALF, adj, 8, hr, hi);
		for (int q = 0; q < 8; q++) {
			const double a = q == 4 ? sqrt(P / 2) : sqrt(fabs(ws[q]) / 2);
			const double im = q == 4 ? 0.0 : ws[q] > 0 ? -a : ws[q] < 0 ? a : 0.0;
			ok &= fabs(hr[q] - a) < 4e-15 && fabs(hi[q] - (adj ? -im : im)) < 4e-15;
			/* The half derivative applied twice is the first: (hr + i
			 * hi)^2 = -i w (conjugated for the adjoint). */
			if (q != 4)
				ok &= fabs(hr[q] * hr[q] - hi[q] * hi[q]) < 1e-14 &&
				      fabs(2 * hr[q] * hi[q] - (adj ? ws[q] : -ws[q])) < 1e-14;
		}
		CHECKF(ok, "HALF, adjoint %d", adj);
		sk_kirch_rho_spectrum(SK_RHO_FIRST, adj, 8, hr, hi);
		for (int q = 0; q < 8; q++)
			ok &= hr[q] == 0.0 && fabs(hi[q] - (adj ? ws[q] : -ws[q])) < 4e-15;
		CHECKF(ok, "FIRST, adjoint %d", adj);
	}
}

/* y = the first nt samples of IDFT(H . DFT(x padded to n)) / n, directly
 * in long double. */
static void direct(long n, long nt, const double *hr, const double *hi, const double *x, double *y)
{
	long double *Xr = calloc((size_t)n, sizeof *Xr), *Xi = calloc((size_t)n, sizeof *Xi);

	for (long q = 0; q < n; q++) {
		long double r = 0, i = 0;
		for (long m = 0; m < nt; m++) {
			const long double a = -2 * PIL * (long double)((q * m) % n) / (long double)n;
			r += x[m] * cosl(a);
			i += x[m] * sinl(a);
		}
		Xr[q] = r * hr[q] - i * hi[q];
		Xi[q] = r * hi[q] + i * hr[q];
	}
	for (long m = 0; m < nt; m++) {
		long double r = 0;
		for (long q = 0; q < n; q++) {
			const long double a = 2 * PIL * (long double)((q * m) % n) / (long double)n;
			r += Xr[q] * cosl(a) - Xi[q] * sinl(a);
		}
		y[m] = (double)(r / (long double)n);
	}
	free(Xr);
	free(Xi);
}

/* Two real traces filtered as one complex FFT come out as each alone,
 * against the direct DFT.  The radix-2 FFT's error in double is about
 * log2(n) x 2^-53 x sqrt(n) of the data's size per transform; for n = 64,
 * two transforms and a spectrum below pi: 2 x 6 x 1.1e-16 x 8 x 3.2 = 3.4e-14
 * of max |x| x nt; 1e-12 x max |x| is asked. */
static void test_filter_pair(void)
{
	enum { N = 64, NT = 29 };
	double *cs, *sn, hr[N], hi[N], re[N], im[N], x1[NT], x2[NT], y1[NT], y2[NT], a[NT], b[NT];
	static const int modes[2] = {SK_RHO_HALF, SK_RHO_FIRST};

	rng_seed(77);
	CHECK(sk_kirch_twiddles(N, &cs, &sn) == 0);
	for (int m = 0; m < 2; m++)
		for (int adj = 0; adj <= 1; adj++) {
			double worst = 0;
			for (int i = 0; i < NT; i++) {
				x1[i] = a[i] = 2 * rng_unit() - 1;
				x2[i] = b[i] = 2 * rng_unit() - 1;
			}
			sk_kirch_rho_spectrum(modes[m], adj, N, hr, hi);
			direct(N, NT, hr, hi, x1, y1);
			direct(N, NT, hr, hi, x2, y2);
			sk_kirch_filter_pair(N, NT, cs, sn, hr, hi, x1, x2, re, im);
			for (int i = 0; i < NT; i++)
				worst = fmax(worst, fmax(fabs(x1[i] - y1[i]), fabs(x2[i] - y2[i])));
			/* Each alone (the other NULL). */
			sk_kirch_filter_pair(N, NT, cs, sn, hr, hi, a, NULL, re, im);
			sk_kirch_filter_pair(N, NT, cs, sn, hr, hi, NULL, b, re, im);
			for (int i = 0; i < NT; i++)
				worst = fmax(worst, fmax(fabs(a[i] - y1[i]), fabs(b[i] - y2[i])));
			CHECKF(worst < 1e-12, "mode %d adjoint %d: off by %g", modes[m], adj, worst);
		}
	free(cs);
	free(sn);
}

static void test_rho_calls(void)
{
	double x[4] = {1, 2, 3, 4};
	struct sk_error err;

	CHECK(sk_kirch_rho(7, 0, 4, x, &err) == SK_EARG && strcmp(err.msg, "rho filter: unknown mode 7") == 0);
	/* NONE and an empty trace: nothing done, nothing said. */
	memset(&err, 0, sizeof err);
	CHECK(sk_kirch_rho(SK_RHO_NONE, 0, 4, x, &err) == 0 && x[0] == 1 && x[3] == 4);
	CHECK(sk_kirch_rho(SK_RHO_HALF, 1, 0, x, &err) == 0 && x[0] == 1 && err.msg[0] == '\0');
	CHECK(sk_kirch_rho(99, 0, 0, x, &err) == 0);
}

int main(void)
{
	test_pow2();
	test_twiddles();
	test_spectrum();
	test_filter_pair();
	test_rho_calls();
	return test_done();
}
