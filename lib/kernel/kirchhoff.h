/*
 * kirchhoff: the Kirchhoff prestack time migration kernel (notes/kirchhoff.md).
 *
 * Image point x (a location in the output's local frame, metres), output
 * two-way time tau, source s, receiver r, RMS velocity v = v(x, tau): the
 * double-square-root traveltime
 *     t = sqrt(tau^2/4 + |s-x|^2/v^2) + sqrt(tau^2/4 + |r-x|^2/v^2)
 * and image(x, tau) += W * d(s, r, t), summed over every input trace.
 *
 * Each input trace is prepared once: the anticausal rho filter (2-D half
 * derivative (-i omega)^(1/2), exact, without the quarter-sample advance of
 * the discrete (1 - rho/Z)^(1/2); 3-D first derivative -i omega; both
 * applied spectrally), then for antialiasing its double
 * integral S = anticausal(causal(sum)) kept in double, from which the
 * triangle of integer half-length k samples is picked with exactly 1/k^2
 * weight:
 *     T_k(f) = (2 S(f) - S(f-k) - S(f+k)) / k^2.
 * The half-length wanted, kf = aal |p| dx / dt_in with p the operator slope
 * (sum of the source and receiver terms with their signs; in 3-D
 * |p_x| dx + |p_y| dy), clipped to [1, SK_KIRCH_KMAX], is not rounded: the
 * two triangles either side of it are blended,
 *     (1 - b) T_kk(f) + b T_(kk+1)(f),  kk = floor(kf) (at most
 *     SK_KIRCH_KMAX - 1), b = kf - kk,
 * so the filter changes smoothly along the summation surface
 * (kirchhoff_tap_internal.h: tap, tri_weights).  Without antialiasing the
 * trace is read by linear interpolation.
 *
 * Work is done in the pull order: for a chunk of input traces (sized to stay
 * in the L2 cache), in parallel over output traces, for each input trace of
 * the chunk, a branch-free vectorised loop over output times, whose reads
 * of the input go by vector windows (loads and lane permutations, no
 * gathers; the same values as sample by sample).  No two
 * threads write the same image sample, so the image is bitwise the same for
 * any number of threads, and the image is a linear function of the input:
 * partial images of any split of the input sum to the image of the whole.
 *
 * Time is in seconds, distances in metres, velocities in metres per second.
 */
#ifndef SK_KIRCHHOFF_H
#define SK_KIRCHHOFF_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum sk_rho { SK_RHO_AUTO = 0, SK_RHO_NONE, SK_RHO_HALF, SK_RHO_FIRST };
enum sk_weights { SK_W_NONE = 0, SK_W_OBLIQUITY, SK_W_SPREADING, SK_W_BOTH };
/* Vector instructions of the migration loop: the best the CPU has, or at
 * most the level named; NONE reads the input sample by sample, without the
 * vector windows (the reference).  For tests: every level gives the same
 * bytes. */
enum sk_kirch_simd {
	SK_KIRCH_SIMD_BEST = 0, SK_KIRCH_SIMD_NONE, SK_KIRCH_SIMD_PORTABLE, SK_KIRCH_SIMD_AVX2,
	SK_KIRCH_SIMD_AVX512
};

/* Longest antialiasing triangle (half-length in input samples). */
#define SK_KIRCH_KMAX 64
/* Width of the cosine taper at the angle limit (degrees) and of the distance
 * aperture's taper (fraction of the aperture). */
#define SK_KIRCH_ANGLE_TAPER 10.0
#define SK_KIRCH_APER_TAPER 0.1

struct sk_kirch_par {
	int dim;              /* 2: a line (y ignored everywhere), 3: a surface */
	int antialias;        /* 1: triangle filter, 0: linear interpolation */
	double aal;           /* antialiasing factor (1) */
	int rho;              /* enum sk_rho; AUTO: HALF in 2-D, FIRST in 3-D */
	int weights;          /* enum sk_weights */
	double aperture;      /* largest |midpoint - x| in metres; 0: no limit */
	double angle;         /* largest angle from the vertical, degrees in (0, 90]; 90: none */
	double dx, dy;        /* input trace spacing along x and y for antialiasing (metres) */
	long nt_in;           /* input samples per trace */
	double dt_in;         /* input sample interval (s) */
	long nt;              /* output samples per trace */
	double dt, t0;        /* output sample interval and first time (s) */
	long noff;            /* offset bins per location (1: a stack) */
	double off0, doff;    /* offset of bin 0 and bin width (metres); doff 0 for a stack */
	long chunk;           /* input traces per cache tile; 0: sized for the L2 cache */
	int simd;             /* enum sk_kirch_simd; resolved to the level used */
};

/* An input trace: source and receiver in the output's local frame (the
 * frame of the locations given to sk_kirch_new) and its first sample time. */
struct sk_kirch_trace {
	double sx, sy, rx, ry;
	double t0;
};

struct sk_kirch;

/*
 * Sets up a migration onto nout locations (x[i], y[i]).  vel holds RMS
 * velocities on the output time axis: nt values for every location
 * (vel_per_loc 0) or nout x nt (location-major).  The context copies what it
 * needs.  SK_EARG for bad parameters or a non-positive velocity, SK_ENOMEM.
 */
int sk_kirch_new(const struct sk_kirch_par *p, long nout, const double *x, const double *y,
		 const float *vel, int vel_per_loc, struct sk_kirch **out, struct sk_error *err);
void sk_kirch_free(struct sk_kirch *k);
/* Input traces per call that sk_kirch_migrate and sk_kirch_model accept. */
long sk_kirch_chunk(const struct sk_kirch *k);
/* The resolved parameters (rho, chunk and simd filled in). */
const struct sk_kirch_par *sk_kirch_params(const struct sk_kirch *k);

/*
 * Migrates n (<= sk_kirch_chunk) traces, data n x nt_in floats, adding into
 * img: nout x noff x nt floats (location-major, then offset bin, then time).
 * A trace whose offset |r - s| falls in no bin is not used.  Runs in
 * parallel with OpenMP; SK_ENOMEM is the only error.
 */
int sk_kirch_migrate(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr,
		     const float *data, float *img, struct sk_error *err);
/*
 * The same, and the threads that run out of output traces of this block
 * prepare the traces of the next one meanwhile (n_next <= sk_kirch_chunk
 * traces; 0: none), instead of waiting for the others at the block's end.
 * The next call uses that work when it is given the same n_next, tr_next
 * and data_next, which must not change in between; any other call
 * prepares its block itself.  The image is the same bytes either way.
 */
int sk_kirch_migrate_next(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr, const float *data,
			  float *img, long n_next, const struct sk_kirch_trace *tr_next,
			  const float *data_next, struct sk_error *err);
/*
 * The adjoint of sk_kirch_migrate (Kirchhoff modelling with the same index
 * arithmetic and weights): writes n traces into data (n x nt_in) from img.
 */
int sk_kirch_model(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr,
		   const float *img, float *data, struct sk_error *err);

/* Sample updates (output samples times input traces summed) and traces
 * used so far. */
uint64_t sk_kirch_updates(const struct sk_kirch *k);
int64_t sk_kirch_used(const struct sk_kirch *k);
/* The farthest a midpoint can lie from a location and still contribute
 * (metres): the aperture, or the angle limit at the largest v tau / 2 on
 * the output axis; HUGE_VAL without either. */
double sk_kirch_reach(const struct sk_kirch *k);
/* Offset bin of a source-receiver pair, -1 when outside every bin. */
long sk_kirch_bin(const struct sk_kirch *k, const struct sk_kirch_trace *tr);

/*
 * Building blocks, public for the unit tests.
 * sk_kirch_rho: filters x (n samples, in place) with the anticausal rho
 * filter (mode HALF or FIRST; NONE leaves x), or with its adjoint, the causal
 * filter, when adjoint is 1.  Spectral, on a zero-padded FFT of length the
 * power of two >= 2n.  SK_ENOMEM, SK_EARG for a bad mode.
 */
int sk_kirch_rho(int mode, int adjoint, long n, double *x, struct sk_error *err);
/* S[i] = sum_{m >= i} sum_{q <= m} x[q], i < n: the double integral the
 * triangle filter picks from (its own transpose). */
void sk_kirch_integrate(long n, const double *x, double *S);
/* The triangle pick at fractional sample f with half-length k (1 <= k),
 * from S of n samples padded as the kernel does (S[0] before, 0 after). */
double sk_kirch_triangle(const double *S, long n, double f, int k);

#endif
