/* The fixtures of test_regrid_scan.c (the parallel pass over a file, its
 * in-place reads) and test_regrid_seq.c (the pass from start to end): a
 * file of NTR traces, trace i at midpoint (1000 + 5 (i % 20), 2000 + 4
 * (i / 20)), dead when i % 7 == 3, samples 100 i + s; a job over its grid;
 * a scan and store set up and freed as regrid_run.c does; the check that
 * the kept traces are the expected ones with their own samples. */
#ifndef SK_TEST_RGSCAN_H
#define SK_TEST_RGSCAN_H

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hdr.h"
#include "regrid_run_internal.h"

#define NS 16
#define NTR 300

static inline void trace(int i, unsigned char *h, float *d)
{
	const int32_t x = 1000 + 5 * (i % 20), y = 2000 + 4 * (i / 20);

	sk_hdr_set_i32(h, SK_TR_TRACL, i + 1);
	sk_hdr_set_i16(h, SK_TR_TRID, (int16_t)(i % 7 == 3 ? 2 : 1));
	sk_hdr_set_i32(h, SK_TR_SX, x - 10);
	sk_hdr_set_i32(h, SK_TR_SY, y);
	sk_hdr_set_i32(h, SK_TR_GX, x + 10);
	sk_hdr_set_i32(h, SK_TR_GY, y);
	for (int s = 0; s < NS; s++)
		d[s] = (float)(100 * i + s);
}

/* The used traces' indices in order, inside box (u0..u1, v0..v1) when on. */
static inline long expected(int64_t *idx, int on, double u0, double u1, double v0, double v1)
{
	long n = 0;

	for (int i = 0; i < NTR; i++) {
		const double u = 5.0 * (i % 20), v = 4.0 * (i / 20);
		if (i % 7 != 3 && (!on || (u >= u0 && u <= u1 && v >= v0 && v <= v1)))
			idx[n++] = i;
	}
	return n;
}

static inline void job_init(struct sk_regrid_job *job, struct sk_regrid_opts *o, uint64_t mem)
{
	const struct sk_grid g = {1000, 2000, 5, 4, 20, 15, 90, 1, 1, 1, 1, 0};
	const struct sk_regrid_opts init = SK_REGRID_OPTS_INIT;

	memset(job, 0, sizeof *job);
	job->grid = g;
	job->coords = SK_COORDS_MID;
	job->mem = mem;
	*o = init;
	o->radius = 10;
	o->ns = NS;
}

static inline void scan_init(struct scan *sc, struct store *st)
{
	memset(sc, 0, sizeof *sc);
	memset(st, 0, sizeof *st);
	sk_rgrun_tally_init(&sc->t);
	sc->first_hdr = calloc(1, 240);
	st->spool_fd = -1;
	st->ns = NS;
}

static inline void scan_free(struct scan *sc, struct store *st)
{
	sk_rgrun_scan_release(sc, st);
	free(sc->first_hdr);
	for (int t = 0; t < st->nraw; t++)
		free(st->raw[t]);
	free(st->raw);
	st->raw = NULL;
	st->nraw = 0;
}

/* Every kept trace is the expected one, at its place, and the store hands
 * back its samples (slot 0). */
static inline int kept_right(const struct scan *sc, struct store *st, const int64_t *want, long n)
{
	float d[NS];
	struct sk_error err;

	if (sc->g.n != n)
		return printf("# kept %ld, want %ld\n", sc->g.n, n), 0;
	for (long k = 0; k < n; k++) {
		const int64_t i = want[k];
		if (sc->g.tidx[k] != i || sc->g.u[k] != 5.0 * (double)(i % 20) || sc->g.v[k] != 4.0 * (double)(i / 20) ||
		    sc->g.cls[k] != 0 || sc->g.h[k] != 0)
			return printf("# kept %ld: trace %lld\n", k, (long long)sc->g.tidx[k]), 0;
		if (sk_rgrun_store_fetch(st, 0, k, d, &err) != 0)
			return printf("# fetch %ld: %s\n", k, err.msg), 0;
		for (int s = 0; s < NS; s++)
			if (d[s] != (float)(100 * i + s))
				return printf("# fetch %ld: sample %d is %g\n", k, s, d[s]), 0;
	}
	return 1;
}

#endif
