/* Unit tests of lib/kernel/regrid_dip.c (the dip method's output trace,
 * sk_rgk_dip_trace, reached through sk_regrid_trace), for what
 * test_regrid.c's accuracy table (errors within bars on random fields) does
 * not pin down: answers exact by construction.
 * - An input at the output location (within 1e-6 m), or a single
 *   neighbour within the radius: that trace, byte for byte.
 * - Neighbours that are whole-sample shifts of one trace along a plane
 *   whose slope lies on the scan's grid (a line, and a surface dipping
 *   along both axes): aligned at that slope every neighbour reads the same
 *   float samples (a shift of s input samples is s x UPS upsampled ones,
 *   read at whole input samples where the upsampling returns the samples
 *   themselves), their semblance is 1, the highest, and the estimate is
 *   sum_a w_a x with sum_a w_a = 1 in double; the first component then
 *   explains all and the blending weights of the windows sum to 1.  The
 *   steps in double err by a few 2^-53 relative; the aligned reads go
 *   through a float linear interpolation b[i] + f (b[i+1] - b[i]), and the
 *   slope grid's values carry rounding, so a shift may fall a hair below a
 *   whole upsampled sample (f = 1 in float): then the difference's
 *   rounding, at most an ulp of 2 x the peak, enters.  The output is the
 *   trace at the output location within 2^-23 of itself (the last
 *   rounding) plus 2^-21 of the peak plus 1e-12 (windows far from the
 *   event hold samples near 1e-15 that fall under the energy floor): about
 *   5e-7 of the peak, where a wrong slope would be off by tenths.
 * - Neighbours that are all zero: a live trace of zeros. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "regrid.h"
#include "rng.h"

#define NS 120
#define DT 0.004
#define PI 3.14159265358979323846

struct mem {
	long n;
	float *tr;
};

static int fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err)
{
	const struct mem *m = ctx;

	(void)slot;
	(void)err;
	memcpy(out, m->tr + (size_t)idx * NS, NS * sizeof *out);
	return 0;
}

static struct sk_regrid_opts dip_opts(int line)
{
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;

	o.method = SK_REGRID_DIP;
	o.line = line;
	o.bin_dx = o.bin_dy = 10;
	o.ns = NS;
	o.dt = DT;
	o.dip_k = 4;
	/* Slopes -0.8 .. 0.8 ms/m in steps of 0.2 ms/m: 0.4 ms/m over 10 m
	 * is 4 ms, one input sample. */
	o.dip_np = 9;
	o.dip_pmax = 0.8e-3;
	o.dip_win = 0.064;
	return o;
}

/* The trace at the output location: a 25 Hz Ricker wavelet at 0.2 s. */
static void base_trace(float *b)
{
	for (int s = 0; s < NS; s++) {
		const double t = s * DT - 0.2, a = PI * PI * 625.0 * t * t;
		b[s] = (float)((1 - 2 * a) * exp(-a));
	}
}

/* sk_regrid_trace at (u, v) on the inputs: its return (-99 on a setup
 * failure). */
static int trace_at(const struct sk_regrid_opts *o, long n, const double *u, const double *v, struct mem *m,
		    double qu, double qv, float *out)
{
	const struct sk_regrid_input in = {n, u, v, NULL, NULL, 1, fetch, m, NULL, NULL, 0};
	struct sk_regrid *rg = NULL;
	struct sk_regrid_ws *ws = NULL;
	struct sk_error err;
	int rc = -99;

	if (sk_regrid_new(o, &in, &rg, &err) == 0 && (ws = sk_regrid_ws_new(rg)) != NULL)
		rc = sk_regrid_trace(rg, ws, 0, qu, qv, 0, 0, out, &err);
	else
		printf("# setup: %s\n", err.msg);
	sk_regrid_ws_free(ws);
	sk_regrid_free(rg);
	return rc;
}

/* The worst |out - want| over the allowance 2^-23 |want| + 2^-21 peak +
 * 1e-12 (<= 1 passes). */
static double off_by(const float *out, const float *want)
{
	double worst = 0, peak = 0;

	for (int s = 0; s < NS; s++)
		peak = fmax(peak, fabs(want[s]));
	for (int s = 0; s < NS; s++)
		worst = fmax(worst, fabs((double)out[s] - want[s]) / (0x1p-23 * fabs(want[s]) + 0x1p-21 * peak + 1e-12));
	return worst;
}

static void test_copies(void)
{
	enum { N = 6 };
	const double u[N] = {0, 10, -10, 20, -20, 5}, v[N] = {0, 0, 0, 3, -3, 8};
	float tr[N * NS], out[NS];
	struct mem m = {N, tr};
	struct sk_regrid_opts o = dip_opts(0);

	rng_seed(42);
	for (int i = 0; i < N * NS; i++)
		tr[i] = (float)(rng_unit() - 0.5);
	/* At input 3's location (20, 3), and 1e-7 m from it. */
	CHECK(trace_at(&o, N, u, v, &m, 20, 3, out) == 1 && memcmp(out, tr + 3 * NS, sizeof out) == 0);
	CHECK(trace_at(&o, N, u, v, &m, 20 + 1e-7, 3, out) == 1 && memcmp(out, tr + 3 * NS, sizeof out) == 0);
	/* One neighbour within 4 m of (6, 7): input 5 at (5, 8), 1.4 m. */
	o.radius = 4;
	CHECK(trace_at(&o, N, u, v, &m, 6, 7, out) == 1 && memcmp(out, tr + 5 * NS, sizeof out) == 0);
	/* None within it: dead. */
	CHECK(trace_at(&o, N, u, v, &m, 100, 100, out) == 0);
}

/* Neighbour a is the base trace shifted by sh[a] samples (zero outside). */
static void shifted(const float *b, const int *sh, int n, float *tr)
{
	for (int a = 0; a < n; a++)
		for (int s = 0; s < NS; s++)
			tr[a * NS + s] = s - sh[a] >= 0 && s - sh[a] < NS ? b[s - sh[a]] : 0.0f;
}

static void test_planes(void)
{
	float b[NS], tr[4 * NS], out[NS];
	struct mem m = {4, tr};

	base_trace(b);
	/* A line: T(u) = 0.2 s + 0.4 ms/m u, neighbours at +-10 and +-20 m:
	 * shifts of +-1 and +-2 samples; the output at u = 0. */
	{
		const double u[4] = {-20, -10, 10, 20}, v[4] = {0, 0, 0, 0};
		const int sh[4] = {-2, -1, 1, 2};
		const struct sk_regrid_opts o = dip_opts(1);
		double e;
		shifted(b, sh, 4, tr);
		CHECK(trace_at(&o, 4, u, v, &m, 0, 0, out) == 1);
		e = off_by(out, b);
		CHECKF(e <= 1, "line: off by %g of the allowance", e);
	}
	/* A surface: T = 0.2 s + 0.4 ms/m du - 0.4 ms/m dv; neighbours at
	 * (+-10, 0) and (0, +-10): shifts +1, -1 along u, -1, +1 along v. */
	{
		const double u[4] = {10, -10, 0, 0}, v[4] = {0, 0, 10, -10};
		const int sh[4] = {1, -1, -1, 1};
		const struct sk_regrid_opts o = dip_opts(0);
		double e;
		shifted(b, sh, 4, tr);
		CHECK(trace_at(&o, 4, u, v, &m, 0, 0, out) == 1);
		e = off_by(out, b);
		CHECKF(e <= 1, "surface: off by %g of the allowance", e);
	}
	/* All zero: live, zeros. */
	{
		const double u[4] = {-20, -10, 10, 20}, v[4] = {0, 0, 0, 0};
		const struct sk_regrid_opts o = dip_opts(1);
		int nz = 0;
		memset(tr, 0, sizeof tr);
		CHECK(trace_at(&o, 4, u, v, &m, 0, 0, out) == 1);
		for (int s = 0; s < NS; s++)
			nz += out[s] != 0.0f;
		CHECK(nz == 0);
	}
}

int main(void)
{
	test_copies();
	test_planes();
	return test_done();
}
