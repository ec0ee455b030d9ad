/* The test of one SIMD level of the Kirchhoff kernel's output-trace
 * functions against the reference, lib/kernel/kirchhoff_ref.c (NONE: every
 * read lane by lane), for test_kirchhoff_portable.c (PORTABLE,
 * kirchhoff_portable.c), test_kirchhoff_avx2.c and test_kirchhoff_avx512.c:
 * each level is an instance of
 * kirchhoff_kern_internal.h's out_trace_body.  Each level migrates random
 * inputs under random parameters (every flag of the kernel: 2-D and 3-D,
 * linear reads and the triangle filter with aal from 0.5 to 4, each rho
 * mode, each weighting, with and without an angle taper and a distance
 * aperture, one or several offset bins, one velocity function or one per
 * location, output samples 0.5 to 2.5 input samples apart, first times
 * not on the input's samples), and its image is compared with the
 * reference's.
 *
 * The bound is 0 ULP, byte for byte: every level computes each image sample
 * with the same IEEE operations on the same values in the same order (the
 * vectors run across output time, never across the sum over input traces;
 * square roots and quotients are correctly rounded; the build's -std=c11
 * makes GCC's -ffp-contract off, so no level fuses a multiply and an add
 * that another rounds twice); only which instructions load the values
 * differs.  A level this CPU lacks (sk_kirch_new resolves a lower one) is
 * said skipped, with its cases counted; the portable level runs everywhere. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kirchhoff.h"
#include "rng.h"

#define NCASE 16
#define NO 20
#define NTR 60

static const char *const level_name[] = {"best", "none", "portable", "AVX2", "AVX-512"};

struct kcase {
	struct sk_kirch_par p;
	double x[NO], y[NO];
	float *vel;
	int per_loc;
	struct sk_kirch_trace tr[NTR];
	float *data;
};

static double uni(double a, double b)
{
	return a + (b - a) * rng_unit();
}

/* Case c's random parameters and inputs (rng_seed'd by the caller). */
static void make_case(struct kcase *k, int c)
{
	struct sk_kirch_par *p = &k->p;
	static const double ratio[4] = {0.5, 1.0, 1.0, 2.5};

	memset(p, 0, sizeof *p);
	p->dim = 2 + (c & 1);
	p->antialias = (c >> 1) & 1;
	p->aal = uni(0.5, 4.0);
	p->rho = (int)(rng_u32() % 4);           /* AUTO NONE HALF FIRST */
	p->weights = (int)(rng_u32() % 4);
	p->angle = c % 3 == 0 ? 90.0 : uni(20.0, 80.0);
	p->aperture = c % 4 == 1 ? 0.0 : uni(150.0, 900.0);
	p->dx = uni(5.0, 30.0);
	p->dy = uni(5.0, 30.0);
	p->nt_in = 150 + (long)(rng_u32() % 100);
	p->dt_in = 0.004;
	p->dt = p->dt_in * ratio[rng_u32() % 4];
	p->nt = 60 + (long)(rng_u32() % 90);
	p->t0 = uni(0.0, 0.1);
	p->noff = c % 5 == 2 ? 3 : 1;
	p->off0 = p->noff > 1 ? 100.0 : 0.0;
	p->doff = p->noff > 1 ? 250.0 : 0.0;
	p->simd = SK_KIRCH_SIMD_NONE;
	k->per_loc = c % 3 == 1;
	k->vel = malloc((size_t)(k->per_loc ? NO : 1) * (size_t)p->nt * sizeof *k->vel);
	for (long i = 0; i < (k->per_loc ? NO : 1) * p->nt; i++)
		k->vel[i] = (float)(uni(1500.0, 1700.0) + 800.0 * (double)(i % p->nt) * p->dt);
	for (int o = 0; o < NO; o++) {
		k->x[o] = uni(0.0, 600.0);
		k->y[o] = uni(0.0, 300.0);
	}
	/* Shots in order (the kernel reuses a source leg along a shot). */
	for (int i = 0; i < NTR; i++) {
		k->tr[i].sx = i % 6 == 0 || i == 0 ? uni(-100.0, 700.0) : k->tr[i - 1].sx;
		k->tr[i].sy = i % 6 == 0 || i == 0 ? uni(0.0, 300.0) : k->tr[i - 1].sy;
		k->tr[i].rx = k->tr[i].sx + uni(-600.0, 600.0);
		k->tr[i].ry = k->tr[i].sy + uni(-100.0, 100.0);
		k->tr[i].t0 = uni(-0.01, 0.03);
	}
	k->data = malloc((size_t)NTR * (size_t)p->nt_in * sizeof *k->data);
	for (long i = 0; i < NTR * p->nt_in; i++)
		k->data[i] = (float)uni(-1.0, 1.0);
}

/* Migrates case k at level lv into img (zeroed here): the level used, or
 * -1 on an error. */
static int run(const struct kcase *k, int lv, float *img, long nimg)
{
	struct sk_kirch_par p = k->p;
	struct sk_kirch *kk;
	struct sk_error err;
	int got = -1;

	p.simd = lv;
	memset(img, 0, (size_t)nimg * sizeof *img);
	if (sk_kirch_new(&p, NO, k->x, k->y, k->vel, k->per_loc, &kk, &err) < 0) {
		printf("# sk_kirch_new: %s\n", err.msg);
		return -1;
	}
	got = sk_kirch_params(kk)->simd;
	for (long i = 0; i < NTR && got >= 0; i += sk_kirch_chunk(kk)) {
		const long n = NTR - i < sk_kirch_chunk(kk) ? NTR - i : sk_kirch_chunk(kk);
		if (sk_kirch_migrate(kk, n, k->tr + i, k->data + i * p.nt_in, img, &err) < 0) {
			printf("# sk_kirch_migrate: %s\n", err.msg);
			got = -1;
		}
	}
	sk_kirch_free(kk);
	return got;
}

/* Compares level lv with the reference on NCASE random cases. */
static int kirch_level_test(int lv)
{
	int skipped = 0, compared = 0;

	rng_seed(0x6b697263686f6666ULL);
	for (int c = 0; c < NCASE; c++) {
		struct kcase k;
		long nimg;
		float *ref, *img;
		double peak = 0.0;
		make_case(&k, c);
		nimg = NO * k.p.noff * k.p.nt;
		ref = malloc((size_t)nimg * sizeof *ref);
		img = malloc((size_t)nimg * sizeof *img);
		CHECK(run(&k, SK_KIRCH_SIMD_NONE, ref, nimg) == SK_KIRCH_SIMD_NONE);
		for (long i = 0; i < nimg; i++)
			peak = fmax(peak, fabs(ref[i]));
		/* An empty image would compare equal whatever the levels do. */
		CHECKF(peak > 0.0, "case %d: the reference image is empty", c);
		{
			const int got = run(&k, lv, img, nimg);
			CHECK(got >= SK_KIRCH_SIMD_PORTABLE && got <= lv);
			if (got != lv) {
				skipped++;
			} else {
				long first = 0, ndiff = 0;
				compared++;
				for (long i = nimg - 1; i >= 0; i--)
					if (memcmp(&img[i], &ref[i], sizeof *img) != 0) {
						first = i;
						ndiff++;
					}
				CHECKF(ndiff == 0, "case %d (%d-D, aa %d, aal %.2f, rho %d, weights %d, angle %.1f, aperture %.0f, "
				       "noff %ld, dt/dt_in %.2f, per-location v %d): level %s differs from the reference "
				       "in %ld of %ld samples, first %ld: %.9g against %.9g",
				       c, k.p.dim, k.p.antialias, k.p.aal, k.p.rho, k.p.weights, k.p.angle, k.p.aperture,
				       k.p.noff, k.p.dt / k.p.dt_in, k.per_loc, level_name[lv], ndiff, nimg, first,
				       img[first], ref[first]);
			}
		}
		free(ref);
		free(img);
		free(k.vel);
		free(k.data);
	}
	if (skipped)
		printf("# level %s: not on this CPU, %d of %d cases skipped\n", level_name[lv], skipped, NCASE);
	else
		printf("# level %s: %d cases compared with the reference\n", level_name[lv], compared);
	CHECK(lv != SK_KIRCH_SIMD_PORTABLE || compared == NCASE);
	return test_done();
}
