/*
 * kirchhoff: Kirchhoff prestack time migration kernel.  The formulas are the
 * public ones of notes/kirchhoff.md (DSR traveltime; triangle antialiasing
 * after Lumley, Claerbout & Bevc 1994 with the exact 1/k^2 normalisation;
 * the rho filter as the exact anticausal half derivative (-i omega)^(1/2); the
 * obliquity (cos theta_s + cos theta_r)/2 and spreading weights).
 */
#include "kirchhoff.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

/*
 * The hot loop must vectorise under the project's strict IEEE flags (no
 * -ffast-math): square roots and quotients are IEEE's, exact and the same on
 * every machine (sqrtf vectorises because the Makefile gives
 * -fno-math-errno); minimum and maximum are integer operations on the bits
 * (below), because GCC keeps float ternaries as branches.  On x86-64 the
 * FFT is also built for AVX2 and picked at load time (GCC's target_clones),
 * and the output-trace function for AVX2 and for AVX-512 (x86-64-v4, whose
 * two-register permutations let the triangle filter read one window for
 * its three taps), picked once by sk_kirch_new.  Every version reads the
 * same values and does the same IEEE operations on them: the image is the
 * same bytes whichever runs.
 */
#define KINLINE static inline __attribute__((always_inline))
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KX86 1
#define KCLONES __attribute__((target_clones("avx2", "default")))
#else
#define KX86 0
#define KCLONES
#endif

/* Padding of an integrated trace: S[0] before, 0 after, so that a clamped
 * read position gives exactly the value of a triangle outside the trace. */
#define PADS (2 * SK_KIRCH_KMAX + 2)
/* Padding of a plain trace: one 0 before, two after. */
#define PADL_FRONT 1
#define PADL_BACK 2
/* Tables of the half-length 1 taps per prepared trace (tri_table), and
 * the bytes a prepared trace takes per sample with antialiasing: S, D and
 * those tables. */
#define TRI_NT 4
#define PREP_AA (sizeof(double) + (1 + TRI_NT) * sizeof(float))
/* Samples allocated past the last prepared trace for the window reads. */
#define WINPAD 32
#define BIG 1e30f
#define PI 3.14159265358979323846
#define TEPS 1e-12f

/* Per output trace arrays over output time j. */
struct tarr {
	float *a;   /* tau^2 / 4 */
	float *w;   /* 1 / v^2 */
	float *h;   /* max(tau, 0) / 2 */
	float *sv;  /* spreading: 1/sqrt(v) in 2-D, 1/v in 3-D */
	float *ia;  /* 2 / (v tau), BIG for tau <= 0: tan(angle) per metre */
	float *E;   /* running minimum of ia from j = 0 */
	float *F;   /* maximum of ia over j' >= j */
	float *mem;
};

/* A prepared input trace of the current block. */
struct tmeta {
	double sx, sy, rx, ry, mx, my;
	float goff;  /* read position = t / dt_in + goff */
	long jhi;    /* output samples j >= jhi read only zeros */
	long bin;    /* offset bin, -1 unused */
};

struct sk_kirch {
	struct sk_kirch_par p;
	long nout;
	double *x, *y;
	float *vel;        /* nt (shared) or nout x nt */
	int vel_per_loc;
	struct tarr shared;
	/* Angle limit: tan of the limit and of the start of its taper. */
	int angle_on;
	float tan0, tan1, itw;
	double aeff;       /* no pair farther apart than this contributes */
	/* FFT for the rho filter. */
	int rho;
	long nfft;
	double *cs, *sn, *hr, *hi;
	/* Chunk storage. */
	long chunk;        /* traces per tile (cache-sized) */
	long block;        /* traces per call: whole tiles, about 8 MiB prepared */
	long len;          /* padded samples per prepared trace */
	float *L;
	double *S;
	float *T;          /* antialiasing: the taps of half-length 1 (tri_table) */
	struct tmeta *meta;
	double *box;       /* per tile: bounding box of its midpoints x0 x1 y0 y1 */
	uint64_t updates;
	int64_t used;
	/* The output-trace function built for this CPU (out_trace_for). */
	uint64_t (*out_trace)(const struct sk_kirch *k, long m0, long m1, const double *box, long o,
			      float *img, struct tarr *scratch, float *tsrc, float *priv, unsigned char *touched);
};

static int out_trace_for(struct sk_kirch *k, int simd);

/* ---------------------------------------------------------------- FFT */

static long pow2_at_least(long n)
{
	long m = 1;
	while (m < n)
		m <<= 1;
	return m;
}

/* Twiddle factors stage by stage: for the butterflies of half-length h,
 * cos and sin of 2 pi q / (2h), q < h, at offset h - 1 (n - 1 values), so
 * the inner loop reads them contiguously and vectorises. */
static int twiddles(long n, double **cs, double **sn)
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
static void rho_spectrum(int mode, int adjoint, long n, double *hr, double *hi)
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
static void filter_pair(long n, long nt, const double *cs, const double *sn, const double *hr,
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
	nf = pow2_at_least(2 * n);
	buf = malloc(4 * nf * sizeof *buf);
	if (!buf || twiddles(nf, &cs, &sn) < 0) {
		free(buf);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	rho_spectrum(mode, adjoint, nf, buf + 2 * nf, buf + 3 * nf);
	filter_pair(nf, n, cs, sn, buf + 2 * nf, buf + 3 * nf, x, NULL, buf, buf + nf);
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

/* ------------------------------------------------------------ setup */

static int tarr_alloc(struct tarr *t, long nt)
{
	t->mem = malloc(7 * (size_t)nt * sizeof *t->mem);
	if (!t->mem)
		return SK_ENOMEM;
	t->a = t->mem;
	t->w = t->a + nt;
	t->h = t->w + nt;
	t->sv = t->h + nt;
	t->ia = t->sv + nt;
	t->E = t->ia + nt;
	t->F = t->E + nt;
	return 0;
}

static void tarr_fill(struct tarr *t, const struct sk_kirch_par *p, const float *v)
{
	const long nt = p->nt;
	for (long j = 0; j < nt; j++) {
		const double tau = p->t0 + (double)j * p->dt, vj = v[j];
		t->a[j] = (float)(0.25 * tau * tau);
		t->w[j] = (float)(1.0 / (vj * vj));
		t->h[j] = (float)(tau > 0 ? 0.5 * tau : 0.0);
		t->sv[j] = (float)(p->dim == 3 ? 1.0 / vj : 1.0 / sqrt(vj));
		t->ia[j] = tau > 0 ? (float)fmin(2.0 / (vj * tau), BIG) : BIG;
	}
	for (long j = 0; j < nt; j++)
		t->E[j] = j == 0 ? t->ia[0] : fminf(t->E[j - 1], t->ia[j]);
	for (long j = nt - 1; j >= 0; j--)
		t->F[j] = j == nt - 1 ? t->ia[j] : fmaxf(t->F[j + 1], t->ia[j]);
}

void sk_kirch_free(struct sk_kirch *k)
{
	if (!k)
		return;
	free(k->x);
	free(k->y);
	free(k->vel);
	free(k->shared.mem);
	free(k->cs);
	free(k->sn);
	free(k->hr);
	free(k->L);
	free(k->S);
	free(k->T);
	free(k->meta);
	free(k->box);
	free(k);
}

int sk_kirch_new(const struct sk_kirch_par *par, long nout, const double *x, const double *y,
		 const float *vel, int vel_per_loc, struct sk_kirch **out, struct sk_error *err)
{
	struct sk_kirch *k;
	struct sk_kirch_par p = *par;
	const size_t nv = (size_t)(vel_per_loc ? nout : 1) * (size_t)p.nt;
	double vmax = 0.0;

	*out = NULL;
	if (p.dim != 2 && p.dim != 3)
		return sk_error_set(err, SK_EARG, "dimension must be 2 or 3, not %d", p.dim);
	if (p.nt_in < 1 || p.nt < 1 || !(p.dt_in > 0) || !(p.dt > 0) || nout < 1)
		return sk_error_set(err, SK_EARG, "empty or invalid time axis or grid");
	if (!(p.angle > 0) || p.angle > 90)
		return sk_error_set(err, SK_EARG, "angle %g is not in (0, 90] degrees", p.angle);
	if (p.aperture < 0 || !isfinite(p.aperture))
		return sk_error_set(err, SK_EARG, "aperture %g is negative", p.aperture);
	if (p.noff < 1 || (p.noff > 1 && !(p.doff > 0)))
		return sk_error_set(err, SK_EARG, "offset bins need a positive width");
	if (p.antialias && (!(p.aal > 0) || !(p.dx > 0) || (p.dim == 3 && !(p.dy > 0))))
		return sk_error_set(err, SK_EARG, "antialiasing needs positive trace spacings");
	if (p.rho == SK_RHO_AUTO)
		p.rho = p.dim == 2 ? SK_RHO_HALF : SK_RHO_FIRST;
	for (size_t i = 0; i < nv; i++) {
		if (!(vel[i] > 0) || !isfinite(vel[i])) {
			const size_t j = i % (size_t)p.nt;
			return sk_error_set(err, SK_EARG,
					    "non-positive velocity %g at location %zu, time %g s",
					    (double)vel[i], i / (size_t)p.nt, p.t0 + (double)j * p.dt);
		}
	}
	k = calloc(1, sizeof *k);
	if (!k)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	k->nout = nout;
	k->vel_per_loc = vel_per_loc;
	k->rho = p.rho;
	k->x = malloc(nout * sizeof *k->x);
	k->y = malloc(nout * sizeof *k->y);
	k->vel = malloc(nv * sizeof *k->vel);
	if (!k->x || !k->y || !k->vel)
		goto nomem;
	memcpy(k->x, x, nout * sizeof *x);
	for (long i = 0; i < nout; i++)
		k->y[i] = p.dim == 3 && y ? y[i] : 0.0;
	memcpy(k->vel, vel, nv * sizeof *vel);
	if (!vel_per_loc) {
		if (tarr_alloc(&k->shared, p.nt) < 0)
			goto nomem;
		tarr_fill(&k->shared, &p, k->vel);
	}

	k->angle_on = p.angle < 90.0;
	if (k->angle_on) {
		const double a1 = p.angle * PI / 180.0;
		const double a0 = fmax(p.angle - SK_KIRCH_ANGLE_TAPER, 0.0) * PI / 180.0;
		k->tan1 = (float)tan(a1);
		k->tan0 = (float)tan(a0);
		k->itw = (float)(1.0 / (tan(a1) - tan(a0)));
	}
	for (size_t i = 0; i < nv; i++) {
		const double tau = p.t0 + (double)(i % (size_t)p.nt) * p.dt;
		vmax = fmax(vmax, 0.5 * vel[i] * tau);
	}
	k->aeff = p.aperture > 0 ? p.aperture : HUGE_VAL;
	if (k->angle_on)
		k->aeff = fmin(k->aeff, (double)k->tan1 * vmax * (1 + 1e-6) + 1e-3);

	if (k->rho != SK_RHO_NONE) {
		k->nfft = pow2_at_least(2 * p.nt_in);
		k->hr = malloc(2 * k->nfft * sizeof *k->hr);
		if (!k->hr || twiddles(k->nfft, &k->cs, &k->sn) < 0)
			goto nomem;
		k->hi = k->hr + k->nfft;
		rho_spectrum(k->rho, 0, k->nfft, k->hr, k->hi);
	}

	k->len = p.antialias ? p.nt_in + 2 * PADS : p.nt_in + PADL_FRONT + PADL_BACK;
	if (p.chunk <= 0) {
		/* About 256 KiB of prepared traces: half the L2 of this machine's
		 * cores, leaving room for the output trace and the time arrays. */
		const long bytes = k->len * (long)(p.antialias ? PREP_AA : sizeof(float));
		p.chunk = (256L << 10) / bytes;
		p.chunk = p.chunk < 16 ? 16 : p.chunk > 512 ? 512 : p.chunk;
	}
	k->chunk = p.chunk;
	{
		/* A block is what one parallel region works on: the threads
		 * meet at a barrier once per block, not once per tile. */
		const long bytes = k->len * (long)(p.antialias ? PREP_AA : sizeof(float));
		long tiles = (8L << 20) / (bytes * p.chunk);
		tiles = tiles < 1 ? 1 : tiles;
		k->block = tiles * p.chunk;
	}
	k->meta = malloc(k->block * sizeof *k->meta);
	k->box = malloc(4 * (size_t)(k->block / k->chunk + 1) * sizeof *k->box);
	/* Antialiasing keeps S (double), its first differences D (float,
	 * in L) and the tables of tri_table; linear interpolation the plain
	 * trace in L. */
	if (p.antialias) {
		k->S = calloc((size_t)k->block * (size_t)k->len + WINPAD, sizeof *k->S);
		k->T = calloc((size_t)k->block * (size_t)k->len * TRI_NT + WINPAD, sizeof *k->T);
	}
	/* All zeroed, and WINPAD samples longer: a window read of kern_lin
	 * or kern_aa may look up to WINPAD - 1 samples past the last trace. */
	k->L = calloc((size_t)k->block * (size_t)k->len + WINPAD, sizeof *k->L);
	if (!k->meta || !k->box || (p.antialias && (!k->S || !k->T)) || !k->L)
		goto nomem;
	p.simd = out_trace_for(k, p.simd);
	k->p = p;
	*out = k;
	return 0;
nomem:
	sk_kirch_free(k);
	return sk_error_set(err, SK_ENOMEM, "out of memory");
}

long sk_kirch_chunk(const struct sk_kirch *k)
{
	return k->block;
}

const struct sk_kirch_par *sk_kirch_params(const struct sk_kirch *k)
{
	return &k->p;
}

uint64_t sk_kirch_updates(const struct sk_kirch *k)
{
	return k->updates;
}

int64_t sk_kirch_used(const struct sk_kirch *k)
{
	return k->used;
}

double sk_kirch_reach(const struct sk_kirch *k)
{
	return k->aeff;
}

long sk_kirch_bin(const struct sk_kirch *k, const struct sk_kirch_trace *tr)
{
	const struct sk_kirch_par *p = &k->p;
	double off, b;

	if (p->noff == 1 && p->doff == 0)
		return 0;
	off = p->dim == 3 ? hypot(tr->rx - tr->sx, tr->ry - tr->sy) : fabs(tr->rx - tr->sx);
	b = floor((off - p->off0) / p->doff + 0.5);
	return b >= 0 && b < (double)p->noff ? (long)b : -1;
}

/* ------------------------------------------------------ the kernel */

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
 * Linear interpolation reads L at i0 and i0 + 1.  Where the moveout grows by
 * at most one input sample per output sample (dt <= dt_in, as usual), 8
 * neighbouring updates read within 9 neighbouring samples: two unaligned
 * vector loads and one lane permutation each (vpermps with AVX2) replace 16
 * single-float loads, which cost more than all the arithmetic.  Groups that
 * spread wider take the plain reads; the values read are the same.  So the
 * updates go by strips: positions and weights (vectorised), reads, sums.
 */
#define KSTRIP 64
/* Output traces per unit of work of a thread (sk_kirch_migrate). */
#define KGROUP 8
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

/*
 * The half-length 1 triangle (kf <= 2, the shortest, where the moveout
 * between neighbouring traces is below two samples: most updates of a
 * survey) reads, per whole sample n, the four values that tri_sum takes
 * besides f and the weights: a0 (the second difference of S, computed in
 * double), g, b0 and b1 (tri_parts).  They depend on the input trace alone,
 * so they are made once per trace here, with the same operations as the
 * reads at every output sample would make, and each output sample reads
 * them by one window each (tri_uni16, tri_uni8): four reads an update, not
 * eight, and no double arithmetic.  Tables a0, g, b0, b1 of len samples at
 * T, T + len, ...; the samples within 2 of either end are 0 (never read).
 */
static void tri_table(const double *S, const float *D, long len, float *T)
{
	float *A = T, *G = T + len, *B0 = T + 2 * len, *B1 = T + 3 * len;

	for (long n = 0; n < len; n++) {
		if (n < 2 || n + 2 >= len) {
			A[n] = G[n] = B0[n] = B1[n] = 0.0f;
			continue;
		}
		A[n] = (float)(2.0 * S[n] - S[n - 1] - S[n + 1]);
		tri_parts_float(D + n, D + n - 1, D + n + 1, D + n - 2, D + n + 2, G + n, B0 + n, B1 + n);
	}
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
 * of 8 floats, S by two-source permutations of 8 doubles in two halves. */
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

#define KFLAGS(aa, obl, spr, d3, tap) ((aa) | (obl) << 1 | (spr) << 2 | (d3) << 3 | (tap) << 4)
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

/* Modelling is for tests and small jobs: one generic loop, with the flags
 * as run-time values, is enough (the per-update arithmetic is the same). */
static void run_kern_adj(const struct tarr *ta, const struct pc *c, const float *acc, float *L,
			 double *S, long j0, long j1, int flags)
{
	kern_adj(ta, c, acc, L, S, j0, j1, flags & 1, flags >> 1 & 1, flags >> 2 & 1, flags >> 3 & 1,
		 flags >> 4 & 1);
}

/* First j of a non-increasing array with dist * e[j] <= lim (n if none). */
static long first_within(const float *e, long n, float dist, float lim)
{
	long lo = 0, hi = n;
	while (lo < hi) {
		const long mid = lo + (hi - lo) / 2;
		if (dist * e[mid] <= lim)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * Sets up the pair (output o, trace m) in *c and its time range; returns 0
 * when the pair does not contribute.  j-ranges: [jt0, jt1) with the angle
 * taper, [jf0, jf1) without.
 */
static int pair_setup(const struct sk_kirch *k, const struct tarr *ta, long o, long m,
		      struct pc *c, long *jt0, long *jt1, long *jf0, long *jf1)
{
	const struct sk_kirch_par *p = &k->p;
	const struct tmeta *t = &k->meta[m];
	const double x = k->x[o], y = k->y[o];
	const int d3 = p->dim == 3;
	const double dsx = t->sx - x, dsy = d3 ? t->sy - y : 0.0;
	const double drx = t->rx - x, dry = d3 ? t->ry - y : 0.0;
	const double dist = d3 ? hypot(t->mx - x, t->my - y) : fabs(t->mx - x);
	long jlo = 0, jfull = 0;
	const long jhi = t->jhi;

	if (t->bin < 0 || dist > k->aeff)
		return 0;
	c->wap = 1.0f;
	if (p->aperture > 0) {
		const double a0 = (1.0 - SK_KIRCH_APER_TAPER) * p->aperture;
		if (dist > a0)
			c->wap = (float)(0.5 + 0.5 * cos(PI * (dist - a0) / (p->aperture - a0)));
	}
	c->ds2 = (float)(dsx * dsx + dsy * dsy);
	c->dr2 = (float)(drx * drx + dry * dry);
	c->dsx = (float)dsx;
	c->dsy = (float)dsy;
	c->drx = (float)drx;
	c->dry = (float)dry;
	c->dist = (float)dist;
	c->tan0 = k->tan0;
	c->itw = k->itw;
	c->idt = (float)(1.0 / p->dt_in);
	c->goff = t->goff;
	if (p->antialias) {
		c->S = k->S + (size_t)m * (size_t)k->len;
		c->L = k->L + (size_t)m * (size_t)k->len;
		c->T = k->T + (size_t)m * (size_t)k->len * TRI_NT;
		c->tlen = k->len;
		c->glo = (float)SK_KIRCH_KMAX;
		c->ghi = (float)(k->len - SK_KIRCH_KMAX - 2);
		c->ax = (float)(p->aal * p->dx / p->dt_in);
		c->ay = (float)(p->aal * p->dy / p->dt_in);
		c->kmax = (float)SK_KIRCH_KMAX;
	} else {
		c->L = k->L + (size_t)m * (size_t)k->len;
		c->S = NULL;
		c->T = NULL;
		c->tlen = 0;
		c->glo = 0.0f;
		c->ghi = (float)(k->len - PADL_BACK);
		c->ax = c->ay = 0.0f;
		c->kmax = 1.0f;
	}
	if (k->angle_on) {
		jlo = first_within(ta->E, p->nt, c->dist, k->tan1);
		jfull = first_within(ta->F, p->nt, c->dist, k->tan0);
	}
	*jt0 = jlo;
	*jt1 = jfull < jhi ? jfull : jhi;
	*jf0 = jfull > jlo ? jfull : jlo;
	*jf1 = jhi;
	return jlo < jhi;
}

static int kflags(const struct sk_kirch *k, int tap)
{
	const int w = k->p.weights;
	return KFLAGS(k->p.antialias != 0, w == SK_W_OBLIQUITY || w == SK_W_BOTH,
		      w == SK_W_SPREADING || w == SK_W_BOTH, k->p.dim == 3, tap);
}

static void tarr_for(const struct sk_kirch *k, long o, struct tarr *scratch, const struct tarr **ta)
{
	if (k->vel_per_loc) {
		tarr_fill(scratch, &k->p, k->vel + (size_t)o * (size_t)k->p.nt);
		*ta = scratch;
	} else {
		*ta = &k->shared;
	}
}

static int tile_far(const struct sk_kirch *k, const double *box, long o)
{
	const double x = k->x[o], y = k->y[o];
	const double ex = fmax(fmax(box[0] - x, x - box[1]), 0.0);
	const double ey = k->p.dim == 3 ? fmax(fmax(box[2] - y, y - box[3]), 0.0) : 0.0;
	return hypot(ex, ey) > k->aeff;
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

	if (tile_far(k, box, o))
		return 0;
	tarr_for(k, o, scratch, &ta);
	memset(touched, 0, (size_t)k->p.noff);
	for (long m = m0; m < m1; m++) {
		const long bin = k->meta[m].bin;
		struct pc c;
		long jt0, jt1, jf0, jf1;
		float *acc;
		if (!pair_setup(k, ta, o, m, &c, &jt0, &jt1, &jf0, &jf1))
			continue;
		src_cache(ta, &c, k->meta[m].sx, k->meta[m].sy, &csx, &csy, tsrc, &c0, &c1, jt0, jf1);
		c.tsrc = tsrc;
		acc = priv + (size_t)bin * (size_t)nt;
		if (!touched[bin]) {
			memcpy(acc, img + (size_t)bin * (size_t)nt, row);
			touched[bin] = 1;
		}
		if (jt0 < jt1) {
			run_kern(ta, &c, acc, jt0, jt1, kflags(k, 1), wide);
			n += (uint64_t)(jt1 - jt0);
		}
		if (jf0 < jf1) {
			run_kern(ta, &c, acc, jf0, jf1, kflags(k, 0), wide);
			n += (uint64_t)(jf1 - jf0);
		}
	}
	for (long b = 0; b < k->p.noff; b++)
		if (touched[b])
			memcpy(img + (size_t)b * (size_t)nt, priv + (size_t)b * (size_t)nt, row);
	return n;
}

#define OUT_TRACE_ARGS const struct sk_kirch *k, long m0, long m1, const double *box, long o, float *img, \
		       struct tarr *scratch, float *tsrc, float *priv, unsigned char *touched
/* The reference: every read lane by lane, no windows. */
static uint64_t out_trace_ref(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, -1);
}

static uint64_t out_trace_base(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, 0);
}

#if KX86
__attribute__((target("avx2"))) static uint64_t out_trace_avx2(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, 0);
}

__attribute__((target("arch=x86-64-v4"))) static uint64_t out_trace_v4(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, 1);
}
#endif
#undef OUT_TRACE_ARGS

/* Picks the output-trace function for the level asked (enum
 * sk_kirch_simd; SK_KIRCH_SIMD_BEST: no limit), or the best below it this
 * CPU runs; returns the level picked. */
static int out_trace_for(struct sk_kirch *k, int simd)
{
	const int cap = simd == SK_KIRCH_SIMD_BEST ? SK_KIRCH_SIMD_AVX512 : simd;
	int got = SK_KIRCH_SIMD_PORTABLE;

	if (cap == SK_KIRCH_SIMD_NONE) {
		k->out_trace = out_trace_ref;
		return cap;
	}
	k->out_trace = out_trace_base;
#if KX86
	__builtin_cpu_init();
	if (cap >= SK_KIRCH_SIMD_AVX2 && __builtin_cpu_supports("avx2")) {
		k->out_trace = out_trace_avx2;
		got = SK_KIRCH_SIMD_AVX2;
	}
	if (cap >= SK_KIRCH_SIMD_AVX512 && __builtin_cpu_supports("x86-64-v4")) {
		k->out_trace = out_trace_v4;
		got = SK_KIRCH_SIMD_AVX512;
	}
#else
	(void)cap;
#endif
	return got;
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
		tarr_for(k, o, scratch, &ta);
		if (!pair_setup(k, ta, o, m, &c, &jt0, &jt1, &jf0, &jf1))
			continue;
		src_leg(ta, c.ds2, tsrc, jt0, jf1);
		c.tsrc = tsrc;
		if (jt0 < jt1)
			run_kern_adj(ta, &c, acc, L, S, jt0, jt1, kflags(k, 1));
		if (jf0 < jf1)
			run_kern_adj(ta, &c, acc, L, S, jf0, jf1, kflags(k, 0));
	}
}

/* ------------------------------------------------- chunk preparation */

static void meta_fill(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr)
{
	const struct sk_kirch_par *p = &k->p;
	const double pad = p->antialias ? PADS : PADL_FRONT;
	const double reach = p->antialias ? SK_KIRCH_KMAX + 1 : 1;

	for (long m = 0; m < n; m++) {
		struct tmeta *t = &k->meta[m];
		double *box = k->box + 4 * (m / k->chunk);
		/* t >= tau for every pair, so past the trace's end (plus the
		 * reach of the interpolation or triangle) nothing is read. */
		const double tend = tr[m].t0 + ((double)p->nt_in - 1 + reach) * p->dt_in;
		const double jh = floor((tend - p->t0) / p->dt) + 1;
		if (m % k->chunk == 0) {
			box[0] = box[2] = HUGE_VAL;
			box[1] = box[3] = -HUGE_VAL;
		}
		t->sx = tr[m].sx;
		t->sy = p->dim == 3 ? tr[m].sy : 0.0;
		t->rx = tr[m].rx;
		t->ry = p->dim == 3 ? tr[m].ry : 0.0;
		t->mx = 0.5 * (t->sx + t->rx);
		t->my = 0.5 * (t->sy + t->ry);
		t->goff = (float)(pad - tr[m].t0 / p->dt_in);
		t->jhi = jh < 0 ? 0 : jh > (double)p->nt ? p->nt : (long)jh;
		t->bin = sk_kirch_bin(k, &tr[m]);
		if (t->bin >= 0) {
			box[0] = fmin(box[0], t->mx);
			box[1] = fmax(box[1], t->mx);
			box[2] = fmin(box[2], t->my);
			box[3] = fmax(box[3], t->my);
		}
	}
}

/* Rho filter and integration of traces m and m+1 (when m + 1 < n). */
static void prep_pair(struct sk_kirch *k, long n, long m, const float *data, double *x1, double *x2,
		      double *re, double *im)
{
	const long nt = k->p.nt_in;
	const int two = m + 1 < n;

	for (long i = 0; i < nt; i++) {
		x1[i] = data[(size_t)m * (size_t)nt + i];
		if (two)
			x2[i] = data[(size_t)(m + 1) * (size_t)nt + i];
	}
	if (k->rho != SK_RHO_NONE)
		filter_pair(k->nfft, nt, k->cs, k->sn, k->hr, k->hi, x1, two ? x2 : NULL, re, im);
	for (int q = 0; q <= two; q++) {
		const double *x = q ? x2 : x1;
		const long mm = m + q;
		if (k->p.antialias) {
			double *S = k->S + (size_t)mm * (size_t)k->len;
			float *D = k->L + (size_t)mm * (size_t)k->len;
			sk_kirch_integrate(nt, x, S + PADS);
			for (long i = 0; i < PADS; i++) {
				S[i] = S[PADS];
				S[PADS + nt + i] = 0.0;
			}
			for (long i = 0; i + 1 < k->len; i++)
				D[i] = (float)(S[i + 1] - S[i]);
			D[k->len - 1] = 0.0f;
			tri_table(S, D, k->len, k->T + (size_t)mm * (size_t)k->len * TRI_NT);
		} else {
			float *L = k->L + (size_t)mm * (size_t)k->len;
			L[0] = 0.0f;
			for (long i = 0; i < nt; i++)
				L[PADL_FRONT + i] = (float)x[i];
			L[PADL_FRONT + nt] = L[PADL_FRONT + nt + 1] = 0.0f;
		}
	}
}

int sk_kirch_migrate(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr,
		     const float *data, float *img, struct sk_error *err)
{
	const long nt = k->p.nt, noff = k->p.noff, nti = k->p.nt_in;
	const long nf = k->nfft > nti ? k->nfft : nti, ntiles = (n + k->chunk - 1) / k->chunk;
	uint64_t upd = 0;
	int fail = 0;

	if (n <= 0)
		return 0;
	if (n > k->block)
		return sk_error_set(err, SK_EARG, "block of %ld traces exceeds %ld", n, k->block);
	meta_fill(k, n, tr);
	for (long m = 0; m < n; m++)
		k->used += k->meta[m].bin >= 0;

	/*
	 * One parallel region per block: prepare every trace, then every
	 * output trace, each through the tiles in order by one thread, so the
	 * image is the same whatever the number of threads.
	 */
#pragma omp parallel reduction(+:upd) reduction(|:fail)
	{
		struct tarr scratch = {0};
		const size_t prow = ((size_t)noff * (size_t)nt * sizeof(float) + 63) / 64 * 64;
		double *buf = malloc(4 * (size_t)nf * sizeof *buf);
		float *tsrc = malloc((size_t)nt * sizeof *tsrc);
		float *priv = aligned_alloc(64, prow);
		unsigned char *touched = malloc((size_t)noff);
		const int ok = buf && tsrc && priv && touched && (!k->vel_per_loc || tarr_alloc(&scratch, nt) == 0);
		if (!ok)
			fail = 1;
		/* Pairs of traces to whichever thread is free: on a shared
		 * machine a thread that lost its core for a while would hold
		 * the other at the barrier below under a static split. */
#pragma omp for schedule(dynamic, 4)
		for (long m = 0; m < n; m += 2)
			if (buf)
				prep_pair(k, n, m, data, buf, buf + nf, buf + 2 * nf, buf + 3 * nf);
		/* Groups of KGROUP output traces to whichever thread is free
		 * (the cores of a shared machine do not keep one speed), each
		 * group through every tile in order: each output trace still
		 * sums the tiles in input order, and a tile read into the cache
		 * serves the whole group. */
#pragma omp for schedule(dynamic, 1) nowait
		for (long g = 0; g < (k->nout + KGROUP - 1) / KGROUP; g++)
			for (long t = 0; t < ntiles; t++) {
				const long m0 = t * k->chunk, m1 = m0 + k->chunk < n ? m0 + k->chunk : n;
				const long o1 = (g + 1) * KGROUP < k->nout ? (g + 1) * KGROUP : k->nout;
				for (long o = g * KGROUP; o < o1 && ok; o++)
					upd += k->out_trace(k, m0, m1, k->box + 4 * t, o,
							 img + (size_t)o * (size_t)noff * (size_t)nt, &scratch, tsrc,
							 priv, touched);
			}
		free(touched);
		free(priv);
		free(tsrc);
		free(buf);
		free(scratch.mem);
	}
	if (fail)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	k->updates += upd;
	return 0;
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
	meta_fill(k, n, tr);
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
		if (!buf || !tsrc || (k->vel_per_loc && tarr_alloc(&scratch, k->p.nt) < 0))
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
				filter_pair(k->nfft, nt, k->cs, k->sn, hr, hi, x, NULL, re, im);
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
