/*
 * The rho filter of the Kirchhoff kernel (an FFT), the double integral the
 * triangle filter picks from, and the reference triangle pick
 * (kirchhoff.h; the formulas of notes/kirchhoff.md).
 */
#include "kirchhoff_internal.h"

#include <math.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- FFT */

long sk_kirch_pow2_at_least(long n)
{
	long m = 1;
	while (m < n)
		m <<= 1;
	return m;
}

/* Twiddle factors stage by stage: for the butterflies of half-length h,
 * cos and sin of 2 pi q / (2h), q < h, at offset h - 1 (n - 1 values), so
 * the inner loop reads them contiguously and vectorises. */
int sk_kirch_twiddles(long n, double **cs, double **sn)
{
	*cs = malloc((size_t)n * sizeof **cs);
	*sn = malloc((size_t)n * sizeof **sn);
	if (!*cs || !*sn) {
		free(*cs);
		free(*sn);
		*cs = *sn = NULL;
		return SK_ENOMEM;
	}
	for (long h = 1; h < n; h <<= 1)
		for (long q = 0; q < h; q++) {
			const double a = PI * (double)q / (double)h;
			(*cs)[h - 1 + q] = cos(a);
			(*sn)[h - 1 + q] = sin(a);
		}
	return 0;
}

/* In-place radix-2 complex FFT of length n (a power of two); forward uses
 * exp(-i 2 pi k m / n), the inverse exp(+i ...) without the 1/n. */
KCLONES
static void fft(long n, double *re, double *im, const double *cs, const double *sn, int inv)
{
	const double sg = inv ? 1.0 : -1.0;

	for (long i = 1, j = 0; i < n; i++) {
		long bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j) {
			double t = re[i];
			re[i] = re[j];
			re[j] = t;
			t = im[i];
			im[i] = im[j];
			im[j] = t;
		}
	}
	for (long h = 1; h < n; h <<= 1) {
		const double *wc = cs + h - 1, *ws = sn + h - 1;
		for (long i = 0; i < n; i += 2 * h) {
			double *ar = re + i, *ai = im + i, *br = re + i + h, *bi = im + i + h;
#pragma omp simd
			for (long q = 0; q < h; q++) {
				const double wr = wc[q], wi = sg * ws[q];
				const double xr = br[q] * wr - bi[q] * wi, xi = br[q] * wi + bi[q] * wr;
				br[q] = ar[q] - xr;
				bi[q] = ai[q] - xi;
				ar[q] += xr;
				ai[q] += xi;
			}
		}
	}
}

/*
 * The rho filter's spectrum at bin q of an n-point DFT (X[q] = sum x[m]
 * exp(-i w m), w = 2 pi q / n taken in (-pi, pi], so a unit advance is
 * exp(+i w) and d/dt is +i w per sample).  HALF: (-i w)^(1/2) = |w|^(1/2)
 * exp(-i pi/4 sgn w), the exact anticausal half derivative, the adjoint of
 * the causal (i w)^(1/2): zero phase against the causal half derivative of
 * segsynth's 2-D diffractions, and no time shift.  (The discrete leaky
 * (1 - rho e^{iw})^(1/2) used before carries exp(i w/4), a quarter-sample
 * advance: events imaged 0.25 samples early.)  It is real at Nyquist.
 * FIRST: -i w (the anticausal first derivative, centred: no half-sample
 * shift), 0 at Nyquist.  The adjoint (causal) filter is the complex
 * conjugate.
 */
void sk_kirch_rho_spectrum(int mode, int adjoint, long n, double *hr, double *hi)
{
	for (long q = 0; q < n; q++) {
		const double w = 2.0 * PI * (double)q / (double)n;
		const double ws = q < n / 2 ? w : q == n / 2 ? 0.0 : w - 2.0 * PI;
		double r, i;
		if (mode == SK_RHO_HALF) {
			const double a = sqrt(0.5 * (q == n / 2 ? PI : fabs(ws)));
			r = a;
			i = ws > 0 ? -a : ws < 0 ? a : 0.0;
		} else {
			r = 0.0;
			i = -ws;
		}
		hr[q] = r;
		hi[q] = adjoint ? -i : i;
	}
}

/* Filters x1 and x2 (either may be NULL) of nt samples with the spectrum
 * (hr, hi) of length n, packing them as the real and imaginary parts of one
 * complex FFT: the filter is real, so they do not mix. */
void sk_kirch_filter_pair(long n, long nt, const double *cs, const double *sn, const double *hr,
			const double *hi, double *x1, double *x2, double *re, double *im)
{
	for (long m = 0; m < n; m++) {
		re[m] = (x1 && m < nt) ? x1[m] : 0.0;
		im[m] = (x2 && m < nt) ? x2[m] : 0.0;
	}
	fft(n, re, im, cs, sn, 0);
	for (long q = 0; q < n; q++) {
		const double r = re[q] * hr[q] - im[q] * hi[q];
		const double i = re[q] * hi[q] + im[q] * hr[q];
		re[q] = r;
		im[q] = i;
	}
	fft(n, re, im, cs, sn, 1);
	for (long m = 0; m < nt; m++) {
		if (x1)
			x1[m] = re[m] / (double)n;
		if (x2)
			x2[m] = im[m] / (double)n;
	}
}

int sk_kirch_rho(int mode, int adjoint, long n, double *x, struct sk_error *err)
{
	long nf;
	double *cs = NULL, *sn = NULL, *buf;

	if (mode == SK_RHO_NONE || n <= 0)
		return 0;
	if (mode != SK_RHO_HALF && mode != SK_RHO_FIRST)
		return sk_error_set(err, SK_EARG, "rho filter: unknown mode %d", mode);
	nf = sk_kirch_pow2_at_least(2 * n);
	buf = malloc(4 * nf * sizeof *buf);
	if (!buf || sk_kirch_twiddles(nf, &cs, &sn) < 0) {
		free(buf);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	sk_kirch_rho_spectrum(mode, adjoint, nf, buf + 2 * nf, buf + 3 * nf);
	sk_kirch_filter_pair(nf, n, cs, sn, buf + 2 * nf, buf + 3 * nf, x, NULL, buf, buf + nf);
	free(buf);
	free(cs);
	free(sn);
	return 0;
}

/* ------------------------------------------------------- integration */

void sk_kirch_integrate(long n, const double *x, double *S)
{
	double c = 0.0, s = 0.0;
	/* S[i] = sum_{m >= i} c[m], c[m] = sum_{q <= m} x[q]: first the causal
	 * running sum into S, then the anticausal one in place. */
	for (long i = 0; i < n; i++) {
		c += x[i];
		S[i] = c;
	}
	for (long i = n - 1; i >= 0; i--) {
		s += S[i];
		S[i] = s;
	}
}

static double sext(const double *S, long n, long i)
{
	return i < 0 ? (n > 0 ? S[0] : 0.0) : i >= n ? 0.0 : S[i];
}

double sk_kirch_triangle(const double *S, long n, double f, int k)
{
	const double fl = floor(f), fr = f - fl;
	const long i = (long)fl;
	const double s0 = sext(S, n, i) + fr * (sext(S, n, i + 1) - sext(S, n, i));
	const double sm = sext(S, n, i - k) + fr * (sext(S, n, i - k + 1) - sext(S, n, i - k));
	const double sp = sext(S, n, i + k) + fr * (sext(S, n, i + k + 1) - sext(S, n, i + k));
	return (2.0 * s0 - sm - sp) / ((double)k * (double)k);
}
