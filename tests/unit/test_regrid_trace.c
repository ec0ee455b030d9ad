/* Unit tests of lib/kernel/regrid_trace.c's parts that test_regrid.c reaches
 * only through whole output traces: inverse-distance weights (a coincident
 * input takes all the weight), the k nearest inputs inside the bin (by
 * distance, ties to the lower index), and the fetch of one input trace
 * (its cache, an error that leaves no stale entry, the moveout from its
 * offset through a map of zero-offset times).  Expected values are worked
 * out by hand beside each check. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regrid.h"
#include "regrid_internal.h"

#define NSMP 8

static struct sk_error err;
static long nfetch, lastfetch;

/* Input trace idx: samples idx * 100 + s; trace 13 cannot be read. */
static int fetch(void *ctx, int slot, long idx, float *out, struct sk_error *e)
{
	(void)ctx;
	(void)slot;
	nfetch++;
	lastfetch = idx;
	if (idx == 13)
		return sk_error_set(e, SK_EIO, "trace 13 is gone");
	for (int s = 0; s < NSMP; s++)
		out[s] = (float)(idx * 100 + s);
	return 0;
}

static int same(double a, double b)
{
	return fabs(a - b) <= 1e-15;
}

static void test_idw(void)
{
	double w[4];

	/* Power 2: w ~ 1 / d^2 = 1 / d2: 1, 1/4, 1/16 over 21/16: 16/21,
	 * 4/21, 1/21. */
	{
		const double d2[] = {1, 4, 16};
		sk_rgk_idw_weights(w, d2, 3, 2.0);
		CHECKF(same(w[0], 16.0 / 21) && same(w[1], 4.0 / 21) && same(w[2], 1.0 / 21), "%.17g %.17g %.17g", w[0],
		       w[1], w[2]);
	}
	/* Power 1: 1, 1/2, 1/4 over 7/4: 4/7, 2/7, 1/7. */
	{
		const double d2[] = {1, 4, 16};
		sk_rgk_idw_weights(w, d2, 3, 1.0);
		CHECK(same(w[0], 4.0 / 7) && same(w[1], 2.0 / 7) && same(w[2], 1.0 / 7));
	}
	/* Power 0: equal weights. */
	{
		const double d2[] = {1, 9, 100, 2};
		sk_rgk_idw_weights(w, d2, 4, 0.0);
		CHECK(w[0] == 0.25 && w[1] == 0.25 && w[2] == 0.25 && w[3] == 0.25);
	}
	/* Within 1e-6 m (d2 <= 1e-12) an input is at the location: those
	 * share the weight, the others get none. */
	{
		const double d2[] = {1e-12, 4, 0, 1.0000001e-12};
		sk_rgk_idw_weights(w, d2, 4, 2.0);
		CHECK(w[0] == 0.5 && w[1] == 0 && w[2] == 0.5 && w[3] == 0);
	}
	{
		const double d2[] = {9, 0};
		sk_rgk_idw_weights(w, d2, 2, 2.0);
		CHECK(w[0] == 0 && w[1] == 1);
	}
	/* One input: all the weight. */
	{
		const double d2[] = {123.0};
		sk_rgk_idw_weights(w, d2, 1, 2.0);
		CHECK(w[0] == 1);
	}
}

static void test_nearest(void)
{
	/* Inputs 0-5 (exact binary fractions): d^2 from (0, 0) 0.25, 0.25,
	 * 1.125, 0.0625, 2.25 (1.5 m off: outside a 2 m bin), 0.25. */
	static const double u[] = {0.5, -0.5, 0.75, 0.25, 1.5, 0}, v[] = {0, 0, 0.75, 0, 0, -0.5};
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	struct sk_regrid_input in;
	struct sk_regrid *rg;
	struct sk_regrid_ws *ws;
	long m;

	memset(&in, 0, sizeof in);
	in.n = 6;
	in.u = u;
	in.v = v;
	in.ncls = 1;
	in.fetch = fetch;
	o.method = SK_REGRID_NEAREST;
	o.in_bin = 1;
	o.bin_dx = o.bin_dy = 2;
	o.ns = NSMP;
	CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
	ws = sk_regrid_ws_new(rg);
	CHECK(ws != NULL);
	/* The 3 nearest in the bin: 3 (0.0625), then 0, 1, 5 at 0.25: the
	 * lower indices first. */
	m = sk_rgk_nearest_k(rg, ws, &rg->c[0], 0, 0, 3);
	CHECKF(m == 3 && ws->cidx[0] == 3 && ws->cidx[1] == 0 && ws->cidx[2] == 1, "%ld: %ld %ld %ld", m, ws->cidx[0],
	       ws->cidx[1], ws->cidx[2]);
	CHECK(ws->d2[0] == 0.0625 && ws->d2[1] == 0.25 && ws->d2[2] == 0.25);
	/* More asked than the bin holds: all 5 in it, in that order. */
	m = sk_rgk_nearest_k(rg, ws, &rg->c[0], 0, 0, 10);
	CHECK(m == 5 && ws->cidx[0] == 3 && ws->cidx[1] == 0 && ws->cidx[2] == 1 && ws->cidx[3] == 5 &&
	      ws->cidx[4] == 2 && ws->d2[4] == 1.125);
	/* A bin at (3, 3) holds none. */
	CHECK(sk_rgk_nearest_k(rg, ws, &rg->c[0], 3, 3, 4) == 0);
	/* The bin at (1.375, 0) ([0.375, 2.375] x [-1, 1]) holds 0, 2 and 4:
	 * d^2 0.765625, 0.953125, 0.015625. */
	m = sk_rgk_nearest_k(rg, ws, &rg->c[0], 1.375, 0, 2);
	CHECK(m == 2 && ws->cidx[0] == 4 && ws->cidx[1] == 0 && ws->d2[0] == 0.015625 && ws->d2[1] == 0.765625);
	sk_regrid_ws_free(ws);
	sk_regrid_free(rg);

	/* Not in_bin: the k nearest within the radius (0.6 m: 3, 0, 1, 5). */
	o.in_bin = 0;
	o.radius = 0.6;
	CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
	ws = sk_regrid_ws_new(rg);
	m = sk_rgk_nearest_k(rg, ws, &rg->c[0], 0, 0, 10);
	CHECK(m == 4 && ws->cidx[0] == 3 && ws->d2[0] == 0.0625);
	m = sk_rgk_nearest_k(rg, ws, &rg->c[0], 0, 0, 2);
	CHECK(m == 2 && ws->cidx[0] == 3);
	sk_regrid_ws_free(ws);
	sk_regrid_free(rg);
}

static void test_fetch(void)
{
	/* Inputs 0..1099 along u; input 0 at offset 16.8 m, the others at 0;
	 * v 1400 m/s: h / v = 0.012 s, 3 samples of 4 ms.  A zero-offset
	 * time t0 maps to sqrt(t0^2 + 0.012^2): t0 0 to sample 3, t0 0.016
	 * (4 samples) to 0.02, sample 5 (a 3-4-5 triangle), both exact
	 * samples of the input. */
	enum { N = 1100 };
	double *u = calloc(N, sizeof *u), *v = calloc(N, sizeof *v), *h = calloc(N, sizeof *h), vr[NSMP];
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	struct sk_regrid_input in;
	struct sk_regrid *rg = NULL;
	struct sk_regrid_ws *ws = NULL;
	float dst[NSMP];
	long cn;

	CHECK(u && v && h);
	if (!u || !v || !h)
		goto out;
	for (int i = 0; i < N; i++)
		u[i] = i;
	h[0] = 16.8;
	for (int s = 0; s < NSMP; s++)
		vr[s] = 1400;
	memset(&in, 0, sizeof in);
	in.n = N;
	in.u = u;
	in.v = v;
	in.h = h;
	in.ncls = 1;
	in.fetch = fetch;
	o.method = SK_REGRID_NEAREST;
	o.ns = NSMP;
	o.dt = 0.004;
	o.vrms = vr;
	CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
	ws = rg ? sk_regrid_ws_new(rg) : NULL;
	/* 8 MiB of 32-byte traces, at most 1024 of them. */
	CHECK(ws != NULL && ws->cache_n == 1024);
	if (!ws)
		goto out;
	cn = ws->cache_n;

	/* No map: the trace as fetched; fetched once, then from the cache. */
	nfetch = 0;
	CHECK(sk_rgk_get_trace(rg, ws, 0, 0, 0, 0, dst, &err) == 0 && dst[0] == 0 && dst[7] == 7 && nfetch == 1);
	CHECK(sk_rgk_get_trace(rg, ws, 0, 0, 0, 0, dst, &err) == 0 && dst[7] == 7 && nfetch == 1);
	/* Trace 1024 takes the same cache slot (index mod 1024): fetched, and
	 * trace 0 fetched again after it. */
	CHECK(sk_rgk_get_trace(rg, ws, 0, cn, 0, 0, dst, &err) == 0 && dst[1] == 102401 && nfetch == 2);
	CHECK(sk_rgk_get_trace(rg, ws, 0, 0, 0, 0, dst, &err) == 0 && dst[1] == 1 && nfetch == 3 && lastfetch == 0);
	/* A fetch that fails: its error, and nothing cached: asked again, it
	 * is fetched again; the trace of its slot after it is fetched too. */
	memset(&err, 0, sizeof err);
	CHECK(sk_rgk_get_trace(rg, ws, 0, 13, 0, 0, dst, &err) == SK_EIO && strcmp(err.msg, "trace 13 is gone") == 0);
	CHECK(sk_rgk_get_trace(rg, ws, 0, 13, 0, 0, dst, &err) == SK_EIO && nfetch == 5);
	CHECK(sk_rgk_get_trace(rg, ws, 0, 13 + cn, 0, 0, dst, &err) == 0 && nfetch == 6 && dst[0] == 103700);

	/* The map: sample 0 at t0 0 -> input sample 3 (value 3), sample 1 at
	 * t0 0.016 -> sample 5, sample 2 with no t0 (-1) -> 0; the others
	 * at t0 0 as well.  Trace 0 is in the cache already. */
	for (int s = 0; s < NSMP; s++)
		ws->tmap[s] = 0;
	ws->tmap[1] = 0.016;
	ws->tmap[2] = -1;
	CHECK(sk_rgk_get_trace(rg, ws, 0, 0, 1, 0, dst, &err) == 0);
	CHECKF(dst[0] == 3 && dst[1] == 5 && dst[2] == 0 && dst[3] == 3 && dst[7] == 3 && nfetch == 6,
	       "%g %g %g %g", dst[0], dst[1], dst[2], dst[3]);
	/* At its own offset (h0 = 16.8): no moveout. */
	CHECK(sk_rgk_get_trace(rg, ws, 0, 0, 1, 16.8, dst, &err) == 0 && dst[0] == 0 && dst[1] == 1 && dst[7] == 7);
	/* Input 1 (offset 0) to offset 0 with the map: as it is. */
	CHECK(sk_rgk_get_trace(rg, ws, 0, 1, 1, 0, dst, &err) == 0 && dst[0] == 100 && dst[2] == 102 && nfetch == 7);
out:
	sk_regrid_ws_free(ws);
	sk_regrid_free(rg);
	free(u);
	free(v);
	free(h);
}

/* test_kept's fetches: fetch's samples, every trace readable. */
static int fetch_all(void *ctx, int slot, long idx, float *out, struct sk_error *e)
{
	(void)ctx;
	(void)slot;
	(void)e;
	for (int s = 0; s < NSMP; s++)
		out[s] = (float)(idx * 100 + s);
	return 0;
}

static void fetch_many(void *ctx, int slot, long n, const long *idx, float *const *out, unsigned char *ok)
{
	for (long i = 0; i < n; i++)
		ok[i] = fetch_all(ctx, slot, idx[i], out[i], NULL) == 0;
}

/*
 * A run's selections are made once (prefetch keeps them for the traces):
 * sk_rgk_run with fetch_many selects each live-class output trace once,
 * and builds the bytes sk_regrid_trace builds alone; with no room to keep
 * them (sel_max 0: only a dead trace's empty selection fits) or room for
 * a few (a trace past it selects again, its walk from the hint prefetch
 * started from), twice and the same bytes.  Inputs: a 12 x 12 lattice of
 * 10 m (cocircular quadruples everywhere: the walk decides which diagonal
 * a query on one meets) and a twin of input 14 (a group of 2); outputs on
 * the lattice's points, edges and centres, and outside it (dead, or the
 * nearest within the radius).
 */
static void test_kept(void)
{
	enum { SIDE = 12, NIN = SIDE * SIDE + 1, NOUT = 101 };
	static const int methods[] = {SK_REGRID_NEAREST, SK_REGRID_BIN, SK_REGRID_IDW, SK_REGRID_LINEAR, SK_REGRID_DIP};
	double u[NIN], v[NIN], qu[NOUT], qv[NOUT];
	int cls[NOUT];
	float *a = malloc((size_t)NOUT * NSMP * sizeof *a), *b = malloc((size_t)NOUT * NSMP * sizeof *b);
	int la[NOUT], lb[NOUT];

	CHECK(a && b);
	if (!a || !b)
		goto out;
	for (int i = 0; i < SIDE * SIDE; i++) {
		u[i] = 10.0 * (i % SIDE);
		v[i] = 10.0 * (i / SIDE);
	}
	u[SIDE * SIDE] = u[14];
	v[SIDE * SIDE] = v[14];
	for (int i = 0; i < NOUT; i++) {
		/* steps of 5 m and 2.5 m from the lattice: points, edges, centres */
		qu[i] = 5.0 * (i % 23) + 2.5 * (i % 3);
		qv[i] = 5.0 * (i / 23) + 2.5 * (i % 2);
		cls[i] = i == 7 ? 1 : 0; /* class 1 is empty: dead, never selected */
	}
	qu[NOUT - 1] = 300; /* outside the lattice and its radius */
	qv[NOUT - 1] = 300;
	for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++)
		for (long room = -1; room <= 3; room++) {
			struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
			struct sk_regrid_input in;
			struct sk_regrid *rg = NULL;
			struct sk_regrid_ws *ws = NULL, *w1 = NULL;
			long sel = 0, live = 0, dead = 0, bad = 0;
			memset(&in, 0, sizeof in);
			in.n = NIN;
			in.u = u;
			in.v = v;
			in.ncls = 2;
			in.fetch = fetch_all;
			in.fetch_many = fetch_many;
			in.batch = 8;
			o.method = methods[k];
			o.bin_dx = o.bin_dy = 10;
			o.radius = 20;
			o.ns = NSMP;
			o.dt = 0.004;
			o.dip_k = 4;
			o.dip_np = 3;
			o.dip_win = 0.008;
			if (sk_regrid_new(&o, &in, &rg, &err) < 0 || !(ws = sk_regrid_ws_new(rg)) ||
			    !(w1 = sk_regrid_ws_new(rg))) {
				CHECKF(0, "%s: set-up: %s", sk_regrid_method_name(methods[k]), err.msg);
				sk_regrid_ws_free(ws);
				sk_regrid_free(rg);
				continue;
			}
			/* room -1: as built; 0: nothing kept; 1-3: that many
			 * entries (a trace takes 1 to 8). */
			if (room >= 0)
				ws->sel_max = room;
			ws->hint[0] = ws->phint[0] = -1;
			w1->hint[0] = -1;
			for (long i0 = 0; i0 < NOUT && bad == 0; i0 += 32) {
				const long i1 = i0 + 32 < NOUT ? i0 + 32 : NOUT;
				bad = sk_rgk_run(rg, ws, 0, qu, qv, cls, NULL, i0, i1, a, la, &err) - i1;
			}
			for (long i = 0; i < NOUT; i++) {
				lb[i] = sk_regrid_trace(rg, w1, 0, qu[i], qv[i], cls[i], 0, b + i * NSMP, &err);
				sel += cls[i] == 0;
				live += lb[i] == 1;
				dead += cls[i] == 0 && lb[i] == 0;
			}
			CHECKF(bad == 0 && memcmp(a, b, (size_t)NOUT * NSMP * sizeof *a) == 0 &&
			       memcmp(la, lb, sizeof la) == 0, "%s, room %ld: not the bytes of sk_regrid_trace",
			       sk_regrid_method_name(methods[k]), room);
			/* Every method leaves dead traces here (class 1, the far
			 * output) and live ones. */
			CHECKF(live > 50 && live < NOUT - 1 && w1->nselect == sel, "%s: %ld live, %ld selections of %ld",
			       sk_regrid_method_name(methods[k]), live, w1->nselect, sel);
			if (room < 0)
				CHECKF(ws->nselect == sel, "%s: %ld selections for %ld traces (kept: once each)",
				       sk_regrid_method_name(methods[k]), ws->nselect, sel);
			else if (room == 0)
				CHECKF(ws->nselect == 2 * sel - dead, "%s: %ld selections for %ld traces, %ld dead "
				       "(nothing kept but the dead's: twice)", sk_regrid_method_name(methods[k]),
				       ws->nselect, sel, dead);
			else
				CHECKF(ws->nselect > sel && ws->nselect < 2 * sel, "%s, room %ld: %ld selections, %ld traces",
				       sk_regrid_method_name(methods[k]), room, ws->nselect, sel);
			sk_regrid_ws_free(ws);
			sk_regrid_ws_free(w1);
			sk_regrid_free(rg);
		}
out:
	free(a);
	free(b);
}

int main(void)
{
	test_idw();
	test_nearest();
	test_fetch();
	test_kept();
	return test_done();
}
