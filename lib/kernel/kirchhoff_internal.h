/*
 * kirchhoff_internal: what the files of the Kirchhoff kernel share.  This
 * header shall only be used by lib/kernel/kirchhoff*.c; everything else uses
 * kirchhoff.h.
 *
 * kirchhoff.c: setup, the pair geometry (sk_kirch_pair_setup and its helpers), trace
 *   preparation and sk_kirch_migrate, the loop over blocks, tiles and output
 *   traces that calls the output-trace function of one SIMD level;
 * kirchhoff_rho.c: the rho filter (FFT), the double integral and the
 *   reference triangle pick;
 * kirchhoff_model.c: the adjoint, sk_kirch_model;
 * kirchhoff_ref.c, kirchhoff_portable.c, kirchhoff_avx2.c, kirchhoff_avx512.c:
 *   the output-trace function of each SIMD level (enum sk_kirch_simd), each
 *   an instance of kirchhoff_kern_internal.h's out_trace_body built for its
 *   target, so that the levels compile apart (and in parallel);
 * kirchhoff_tap_internal.h: the arithmetic of one sample update, shared by
 *   migration and modelling;
 * kirchhoff_kern_internal.h: the vectorised loops over output time.
 */
#ifndef SK_KIRCHHOFF_INTERNAL_H
#define SK_KIRCHHOFF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kirchhoff.h"

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
/* Prepared bytes of a block (sk_kirch_chunk's traces): whole tiles, at
 * most this, at least one tile. */
#define SK_KIRCH_BLOCK_BYTES (4L << 20)
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
	long block;        /* traces per call: whole tiles, about SK_KIRCH_BLOCK_BYTES prepared */
	long len;          /* padded samples per prepared trace */
	float *L;
	double *S;
	float *T;          /* antialiasing: the taps of half-length 1 (tri_table) */
	struct tmeta *meta;
	double *box;       /* per tile: bounding box of its midpoints x0 x1 y0 y1 */
	/* The same for the next block, prepared ahead by threads that have
	 * no output trace left in the current one (sk_kirch_migrate_next);
	 * swapped with the above when that block's call comes. */
	float *L2;
	double *S2;
	float *T2;
	struct tmeta *meta2;
	double *box2;
	/* The block promised for the next call (0 traces: none), and the
	 * first trace of it that no thread has taken to prepare yet. */
	long ahead_n;
	const struct sk_kirch_trace *ahead_tr;
	const float *ahead_data;
	long ahead_pos;
	uint64_t updates;
	int64_t used;
	/* The output-trace function built for this CPU (out_trace_for). */
	uint64_t (*out_trace)(const struct sk_kirch *k, long m0, long m1, const double *box, long o,
			      float *img, struct tarr *scratch, float *tsrc, float *priv, unsigned char *touched);
};

/* The output-trace function of one SIMD level (kirchhoff_kern_internal.h,
 * out_trace_body). */
#define OUT_TRACE_ARGS const struct sk_kirch *k, long m0, long m1, const double *box, long o, float *img, \
		       struct tarr *scratch, float *tsrc, float *priv, unsigned char *touched
uint64_t sk_kirch_out_trace_ref(OUT_TRACE_ARGS);
uint64_t sk_kirch_out_trace_base(OUT_TRACE_ARGS);
uint64_t sk_kirch_out_trace_avx2(OUT_TRACE_ARGS);
uint64_t sk_kirch_out_trace_v4(OUT_TRACE_ARGS);

/* The flags of one instance of the kernel (kflags): antialiasing,
 * obliquity, spreading, 3-D, angle taper. */
#define KFLAGS(aa, obl, spr, d3, tap) ((aa) | (obl) << 1 | (spr) << 2 | (d3) << 3 | (tap) << 4)

struct pc;
/* kirchhoff.c: the pair geometry and the time arrays. */
int sk_kirch_tarr_alloc(struct tarr *t, long nt);
int sk_kirch_pair_setup(const struct sk_kirch *k, const struct tarr *ta, long o, long m,
		      struct pc *c, long *jt0, long *jt1, long *jf0, long *jf1);
int sk_kirch_kflags(const struct sk_kirch *k, int tap);
void sk_kirch_tarr_for(const struct sk_kirch *k, long o, struct tarr *scratch, const struct tarr **ta);
int sk_kirch_tile_far(const struct sk_kirch *k, const double *box, long o);
void sk_kirch_meta_fill(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr);
/* kirchhoff_rho.c: the FFT of the rho filter. */
long sk_kirch_pow2_at_least(long n);
int sk_kirch_twiddles(long n, double **cs, double **sn);
void sk_kirch_rho_spectrum(int mode, int adjoint, long n, double *hr, double *hi);
void sk_kirch_filter_pair(long n, long nt, const double *cs, const double *sn, const double *hr,
			const double *hi, double *x1, double *x2, double *re, double *im);

#endif
