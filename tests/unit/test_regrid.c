/*
 * regrid core on in-memory analytic wavefields (notes/regrid.md, "Tests
 * regrid must pass"): exact reproduction at bin centres, constant and linear
 * fields, error falling with trace density, Poisson bin fill, the accuracy
 * table within 25% per method, moveout, offsets classes, 1-D lines, and the
 * same output for 1 and 2 threads.
 *
 * The wavefield: Ricker events (25 Hz) u(x, y, t) = sum of plane waves
 * T = tau + p . (x - xc) and a hyperbola T = sqrt(t0^2 + |x - c|^2 / v^2), on
 * a grid of 48 x 48 bins of 25 m; E = sqrt(sum (u_hat - u)^2 / sum u^2) over
 * the interior 40 x 40 bins.  Gentle: |p| <= 0.23 ms/m; steep: |p| up to
 * 0.47 ms/m (aliased above ~43 Hz at 25 m).  Input positions are uniformly
 * random (or jittered: one per cell of a rho-density lattice, uniformly
 * inside it), seeded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "rng.h"
#include "regrid.h"

#define NB 48
#define BIN 25.0
#define BORDER 4
#define PI 3.14159265358979323846

struct event {
	double tau, px, py, a;   /* plane wave: T = tau + px (x - xc) + py (y - yc) */
};

struct scenario {
	const char *name;
	long ns;
	double dt, f;
	struct event pw[3];
	double t0, cx, cy, vel, ha; /* hyperbola */
};

static const struct scenario gentle = {
	"gentle", 160, 0.004, 25.0,
	{{0.20, 0.10e-3, 0.05e-3, 1.0}, {0.32, -0.15e-3, 0.12e-3, -0.7}, {0.45, 0.20e-3, -0.10e-3, 0.8}},
	0.25, 400, 700, 4500, 0.9};
static const struct scenario steep = {
	"steep", 250, 0.004, 25.0,
	{{0.45, 0.36e-3, 0.18e-3, 1.0}, {0.50, -0.26e-3, 0.30e-3, -0.7}, {0.55, 0.08e-3, -0.39e-3, 0.8}},
	0.20, 600, 600, 2200, 0.9};

static double ricker(double f, double t)
{
	const double a = PI * PI * f * f * t * t;
	return (1 - 2 * a) * exp(-a);
}

static void field(const struct scenario *sc, double x, double y, float *out)
{
	const double xc = (NB - 1) * BIN / 2, yc = xc;
	const double r2 = (x - sc->cx) * (x - sc->cx) + (y - sc->cy) * (y - sc->cy);
	const double th = sqrt(sc->t0 * sc->t0 + r2 / (sc->vel * sc->vel));
	for (long s = 0; s < sc->ns; s++) {
		const double t = (double)s * sc->dt;
		double v = sc->ha * ricker(sc->f, t - th);
		for (int e = 0; e < 3; e++)
			v += sc->pw[e].a * ricker(sc->f, t - (sc->pw[e].tau + sc->pw[e].px * (x - xc) +
							      sc->pw[e].py * (y - yc)));
		out[s] = (float)v;
	}
}

/* In-memory input: positions and all traces. */
struct mem {
	long n, ns;
	double *x, *y, *h;
	int *cls;
	float *tr;
};

static int mem_fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err)
{
	const struct mem *m = ctx;
	(void)slot;
	(void)err;
	memcpy(out, m->tr + (size_t)idx * (size_t)m->ns, (size_t)m->ns * sizeof *out);
	return 0;
}

/* rho traces per bin over the whole grid area, uniform or jittered. */
static void positions(struct mem *m, double rho, int jitter, unsigned long long seed)
{
	const double lo = -BIN / 2, ext = NB * BIN;
	rng_seed(seed);
	if (jitter) {
		const long side = lround(NB * sqrt(rho));
		const double cell = ext / (double)side;
		m->n = side * side;
		m->x = malloc((size_t)m->n * sizeof *m->x);
		m->y = malloc((size_t)m->n * sizeof *m->y);
		for (long i = 0; i < m->n; i++) {
			m->x[i] = lo + ((double)(i % side) + rng_unit()) * cell;
			m->y[i] = lo + ((double)(i / side) + rng_unit()) * cell;
		}
	} else {
		m->n = lround(rho * NB * NB);
		m->x = malloc((size_t)m->n * sizeof *m->x);
		m->y = malloc((size_t)m->n * sizeof *m->y);
		for (long i = 0; i < m->n; i++) {
			m->x[i] = lo + ext * rng_unit();
			m->y[i] = lo + ext * rng_unit();
		}
	}
	m->h = NULL;
	m->cls = NULL;
}

static void fill(struct mem *m, const struct scenario *sc)
{
	m->ns = sc->ns;
	m->tr = malloc((size_t)m->n * (size_t)m->ns * sizeof *m->tr);
	for (long i = 0; i < m->n; i++)
		field(sc, m->x[i], m->y[i], m->tr + (size_t)i * (size_t)m->ns);
}

static void mem_free(struct mem *m)
{
	free(m->x);
	free(m->y);
	free(m->h);
	free(m->cls);
	free(m->tr);
	memset(m, 0, sizeof *m);
}

static struct sk_regrid_opts base_opts(const struct scenario *sc, int method)
{
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	o.method = method;
	o.bin_dx = o.bin_dy = BIN;
	o.ns = sc->ns;
	o.dt = sc->dt;
	return o;
}

/* E over the interior bins (every step-th in each direction), and the
 * fraction of live output traces there. */
static double error_of(struct mem *m, const struct scenario *sc,
		       const struct sk_regrid_opts *o, int step, double *fill_out)
{
	struct sk_regrid *rg = NULL;
	struct sk_error err;
	const struct sk_regrid_input in = {m->n, m->x, m->y, m->h, m->cls, 1, mem_fetch, m, NULL, NULL, 0};
	long n = 0;
	double num = 0, den = 0;
	long live_n = 0;
	const long side = NB - 2 * BORDER;
	double *u = malloc((size_t)(side * side) * sizeof *u), *v = malloc((size_t)(side * side) * sizeof *v);
	float *out, *ref = malloc((size_t)sc->ns * sizeof *ref);
	int *live;

	if (sk_regrid_new(o, &in, &rg, &err) < 0) {
		printf("# sk_regrid_new: %s\n", err.msg);
		return 99;
	}
	for (long j = BORDER; j < NB - BORDER; j += step)
		for (long i = BORDER; i < NB - BORDER; i += step) {
			u[n] = (double)i * BIN;
			v[n] = (double)j * BIN;
			n++;
		}
	out = malloc((size_t)n * (size_t)sc->ns * sizeof *out);
	live = malloc((size_t)n * sizeof *live);
	if (sk_regrid_block(rg, u, v, NULL, NULL, n, out, live, &err) < 0) {
		printf("# sk_regrid_block: %s\n", err.msg);
		return 99;
	}
	for (long i = 0; i < n; i++) {
		field(sc, u[i], v[i], ref);
		live_n += live[i];
		for (long s = 0; s < sc->ns; s++) {
			const double d = (double)out[(size_t)i * (size_t)sc->ns + s] - ref[s];
			num += d * d;
			den += (double)ref[s] * ref[s];
		}
	}
	if (fill_out)
		*fill_out = (double)live_n / (double)n;
	sk_regrid_free(rg);
	free(u);
	free(v);
	free(out);
	free(ref);
	free(live);
	return sqrt(num / den);
}

static const double rhos[5] = {0.25, 0.5, 1, 2, 4};

struct row {
	const char *name;
	int method, in_bin, jitter, step;
	double radius;
	double g[5], s[5];
};

/* The accuracy table of notes/regrid.md (rows for the methods regrid has). */
static const struct row table[] = {
	{"nearest inside the bin", SK_REGRID_NEAREST, 1, 0, 1, -1,
	 {.89, .80, .63, .42, .20}, {.91, .83, .70, .52, .33}},
	{"nearest anywhere", SK_REGRID_NEAREST, 0, 0, 1, -1,
	 {.50, .37, .27, .19, .14}, {.97, .78, .59, .44, .31}},
	{"idw (k 4, p 2)", SK_REGRID_IDW, 0, 0, 1, -1,
	 {.41, .28, .19, .13, .09}, {.85, .68, .49, .34, .23}},
	{"linear (Delaunay)", SK_REGRID_LINEAR, 0, 0, 1, -1,
	 {.37, .23, .13, .07, .04}, {.86, .66, .45, .28, .16}},
	{"dip scan", SK_REGRID_DIP, 0, 0, 3, -1,
	 {.22, .16, .12, .08, .05}, {.26, .21, .17, .13, .10}},
	{"linear, jittered", SK_REGRID_LINEAR, 0, 1, 1, -1,
	 {.25, .14, .07, .04, .02}, {.75, .51, .27, .17, .10}},
	{"dip, jittered", SK_REGRID_DIP, 0, 1, 3, -1,
	 {.17, .12, .07, .05, .04}, {.23, .18, .12, .10, .08}},
};

static void accuracy_table(void)
{
	for (size_t r = 0; r < sizeof table / sizeof table[0]; r++) {
		const struct row *t = &table[r];
		for (int sci = 0; sci < 2; sci++) {
			const struct scenario *sc = sci ? &steep : &gentle;
			const double *bar = sci ? t->s : t->g;
			double e[5];
			char line[256];
			int len = snprintf(line, sizeof line, "# %-24s %-6s", t->name, sc->name);
			for (int k = 0; k < 5; k++) {
				struct mem m;
				struct sk_regrid_opts o = base_opts(sc, t->method);
				o.in_bin = t->in_bin;
				o.radius = t->radius;
				positions(&m, rhos[k], t->jitter, 12345 + (unsigned long long)k);
				fill(&m, sc);
				e[k] = error_of(&m, sc, &o, t->step, NULL);
				mem_free(&m);
				len += snprintf(line + len, sizeof line - (size_t)len, " %.3f(%.2f)", e[k], bar[k]);
			}
			printf("%s\n", line);
			for (int k = 0; k < 5; k++)
				CHECKF(e[k] <= 1.25 * bar[k], "%s %s rho %g: E %.3f above 1.25 x %.2f", t->name,
				       sc->name, rhos[k], e[k], bar[k]);
			/* The error falls monotonically with density. */
			for (int k = 1; k < 5; k++)
				CHECKF(e[k] < e[k - 1], "%s %s: E %.3f at rho %g not below %.3f", t->name,
				       sc->name, e[k], rhos[k], e[k - 1]);
		}
	}
}

/* Runs a method on m at the given output locations; returns out (n x ns). */
static float *run(struct mem *m, const struct sk_regrid_opts *o, const double *u, const double *v,
		  const int *cls, const double *h0, long n, int *live, int ncls)
{
	struct sk_regrid *rg = NULL;
	struct sk_error err;
	const struct sk_regrid_input in = {m->n, m->x, m->y, m->h, m->cls, ncls, mem_fetch, m, NULL, NULL, 0};
	float *out = malloc((size_t)n * (size_t)o->ns * sizeof *out);
	if (sk_regrid_new(o, &in, &rg, &err) < 0 ||
	    sk_regrid_block(rg, u, v, cls, h0, n, out, live, &err) < 0) {
		printf("# run: %s\n", err.msg);
		free(out);
		out = NULL;
	}
	sk_regrid_free(rg);
	return out;
}

static void interior(double *u, double *v, long *n)
{
	*n = 0;
	for (long j = BORDER; j < NB - BORDER; j++)
		for (long i = BORDER; i < NB - BORDER; i++) {
			u[*n] = (double)i * BIN;
			v[*n] = (double)j * BIN;
			(*n)++;
		}
}

/* Inputs at the bin centres: every method returns them (E < 1e-6). */
static void exact_at_centres(void)
{
	struct mem m = {0};
	m.n = NB * NB;
	m.x = malloc((size_t)m.n * sizeof *m.x);
	m.y = malloc((size_t)m.n * sizeof *m.y);
	for (long i = 0; i < m.n; i++) {
		m.x[i] = (double)(i % NB) * BIN;
		m.y[i] = (double)(i / NB) * BIN;
	}
	fill(&m, &steep);
	for (int method = 0; method <= SK_REGRID_DIP; method++) {
		struct sk_regrid_opts o = base_opts(&steep, method);
		const double e = error_of(&m, &steep, &o, method == SK_REGRID_DIP ? 3 : 1, NULL);
		CHECKF(e < 1e-6, "%s at bin centres: E %g", sk_regrid_method_name(method), e);
	}
	mem_free(&m);
}

/* The same trace everywhere is reproduced by every normalised method, and
 * a field linear in x and y by linear. */
static void constant_and_linear(void)
{
	static double u[1600], v[1600];
	static int live[1600];
	long n;
	struct mem m;
	interior(u, v, &n);
	positions(&m, 1.0, 0, 777);
	m.ns = 50;
	m.tr = malloc((size_t)m.n * 50 * sizeof *m.tr);
	for (long i = 0; i < m.n; i++)
		for (long s = 0; s < 50; s++)
			m.tr[i * 50 + s] = (float)ricker(25, (double)s * 0.004 - 0.1);
	for (int method = 0; method <= SK_REGRID_DIP; method++) {
		struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
		float *out;
		double worst = 0;
		long nlive = 0;
		o.method = method;
		o.bin_dx = o.bin_dy = BIN;
		o.ns = 50;
		out = run(&m, &o, u, v, NULL, NULL, n, live, 1);
		for (long i = 0; out && i < n; i++) {
			nlive += live[i];
			for (long s = 0; s < 50 && live[i]; s++) {
				const double d = fabs(out[i * 50 + s] - ricker(25, (double)s * 0.004 - 0.1));
				if (d > worst)
					worst = d;
			}
		}
		CHECKF(out && worst < 1e-5, "%s, constant field: error %g", sk_regrid_method_name(method), worst);
		CHECKF(nlive > n / 2, "%s: %ld live of %ld", sk_regrid_method_name(method), nlive, n);
		free(out);
	}
	/* Linear in x and y, a different plane per sample. */
	for (long i = 0; i < m.n; i++)
		for (long s = 0; s < 50; s++)
			m.tr[i * 50 + s] = (float)(0.5 + 0.01 * (double)s + 1e-3 * (double)(s - 20) * m.x[i] / 100 -
						   2e-3 * m.y[i] / 100);
	{
		struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
		float *out;
		double worst = 0;
		o.method = SK_REGRID_LINEAR;
		o.bin_dx = o.bin_dy = BIN;
		o.ns = 50;
		out = run(&m, &o, u, v, NULL, NULL, n, live, 1);
		for (long i = 0; out && i < n; i++)
			for (long s = 0; s < 50; s++) {
				const double ref = 0.5 + 0.01 * (double)s + 1e-3 * (double)(s - 20) * u[i] / 100 -
						   2e-3 * v[i] / 100;
				if (fabs(out[i * 50 + s] - ref) > worst)
					worst = fabs(out[i * 50 + s] - ref);
			}
		CHECKF(out && worst < 2e-6, "linear field: error %g", worst);
		free(out);
	}
	mem_free(&m);
}

/* Bin fill (live bins with the bin method) within 3 sigma of Poisson. */
static void poisson_fill(void)
{
	for (int k = 0; k < 5; k++) {
		struct mem m;
		struct sk_regrid_opts o = base_opts(&gentle, SK_REGRID_BIN);
		const double p = 1 - exp(-rhos[k]), sigma = sqrt(p * (1 - p) / 1600.0);
		double f;
		positions(&m, rhos[k], 0, 999 + (unsigned long long)k);
		fill(&m, &gentle);
		error_of(&m, &gentle, &o, 1, &f);
		CHECKF(fabs(f - p) <= 3 * sigma, "fill %.3f at rho %g, Poisson %.3f +- %.3f", f, rhos[k], p,
		       3 * sigma);
		mem_free(&m);
	}
}

/* Dead traces beyond the radius; fold; 1 and 2 threads identical. */
static void dead_fold_threads(void)
{
	static double u[1600], v[1600];
	static int live1[1600], live2[1600];
	long n;
	struct mem m;
	interior(u, v, &n);
	positions(&m, 0.5, 0, 4242);
	fill(&m, &steep);
	{
		struct sk_regrid_opts o = base_opts(&steep, SK_REGRID_IDW);
		float *out;
		long dead = 0, expect = 0, nonzero = 0;
		struct sk_regrid *rg = NULL;
		struct sk_error err;
		const struct sk_regrid_input in = {m.n, m.x, m.y, NULL, NULL, 1, mem_fetch, &m, NULL, NULL, 0};
		o.radius = 10;
		out = run(&m, &o, u, v, NULL, NULL, n, live1, 1);
		for (long i = 0; i < n; i++) {
			int any = 0;
			for (long j = 0; j < m.n; j++)
				any |= hypot(m.x[j] - u[i], m.y[j] - v[i]) <= 10;
			expect += !any;
			dead += !live1[i];
			if (!live1[i])
				for (long s = 0; s < steep.ns; s++)
					nonzero += out[i * steep.ns + s] != 0;
		}
		CHECKF(dead == expect && dead > 0, "dead %ld, expected %ld", dead, expect);
		CHECK(nonzero == 0);
		free(out);
		/* Fold: inputs inside the bin, by brute force. */
		CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
		{
			long bad = 0;
			for (long i = 0; i < n; i++) {
				long c = 0;
				for (long j = 0; j < m.n; j++)
					c += m.x[j] >= u[i] - BIN / 2 && m.x[j] < u[i] + BIN / 2 &&
					     m.y[j] >= v[i] - BIN / 2 && m.y[j] < v[i] + BIN / 2;
				bad += sk_regrid_fold(rg, u[i], v[i], 0) != c;
			}
			CHECKF(bad == 0, "%ld fold mismatches", bad);
		}
		sk_regrid_free(rg);
	}
	for (int method = 0; method <= SK_REGRID_DIP; method++) {
		struct sk_regrid_opts o = base_opts(&steep, method);
		const long nn = method == SK_REGRID_DIP ? 120 : n;
		float *a, *b;
#ifdef _OPENMP
		omp_set_num_threads(1);
#endif
		a = run(&m, &o, u, v, NULL, NULL, nn, live1, 1);
#ifdef _OPENMP
		omp_set_num_threads(2);
#endif
		b = run(&m, &o, u, v, NULL, NULL, nn, live2, 1);
		CHECKF(a && b && memcmp(a, b, (size_t)nn * (size_t)steep.ns * sizeof *a) == 0 &&
		       memcmp(live1, live2, (size_t)nn * sizeof *live1) == 0,
		       "%s: 1 and 2 threads differ", sk_regrid_method_name(method));
		free(a);
		free(b);
	}
	mem_free(&m);
}

/* What beside saw: how often it ran, and on which thread. */
struct beside_log {
	int calls, thread;
};

static void beside_count(void *ctx)
{
	struct beside_log *l = ctx;
	l->calls++;
#ifdef _OPENMP
	l->thread = omp_get_thread_num();
#endif
}

/* sk_regrid_block_beside: beside runs once, on the initial thread, and the
 * traces are sk_regrid_block's, for 1, 2 and 3 threads and every method. */
static void block_beside(void)
{
	static double u[1600], v[1600];
	static int live1[1600], live2[1600];
	long n;
	struct mem m;
	interior(u, v, &n);
	positions(&m, 0.5, 0, 777);
	fill(&m, &gentle);
	for (int method = 0; method <= SK_REGRID_DIP; method++) {
		struct sk_regrid_opts o = base_opts(&gentle, method);
		const long nn = method == SK_REGRID_DIP ? 60 : n;
		const struct sk_regrid_input in = {m.n, m.x, m.y, NULL, NULL, 1, mem_fetch, &m, NULL, NULL, 0};
		struct sk_regrid *rg = NULL;
		struct sk_error err;
		float *a = malloc((size_t)nn * (size_t)gentle.ns * sizeof *a);
		float *b = malloc((size_t)nn * (size_t)gentle.ns * sizeof *b);
		CHECK(a && b && sk_regrid_new(&o, &in, &rg, &err) == 0);
		if (!a || !b || !rg) {
			free(a);
			free(b);
			sk_regrid_free(rg);
			continue;
		}
#ifdef _OPENMP
		omp_set_num_threads(1);
#endif
		CHECK(sk_regrid_block(rg, u, v, NULL, NULL, nn, a, live1, &err) == 0);
		for (int t = 1; t <= 3; t++) {
			struct beside_log l = {0, -1};
#ifdef _OPENMP
			omp_set_num_threads(t);
#endif
			memset(b, 0xff, (size_t)nn * (size_t)gentle.ns * sizeof *b);
			CHECK(sk_regrid_block_beside(rg, u, v, NULL, NULL, nn, b, live2, beside_count, &l, &err) == 0);
			CHECKF(l.calls == 1 && l.thread <= 0, "%s, %d threads: beside ran %d times, on thread %d",
			       sk_regrid_method_name(method), t, l.calls, l.thread);
			CHECKF(memcmp(a, b, (size_t)nn * (size_t)gentle.ns * sizeof *a) == 0 &&
			       memcmp(live1, live2, (size_t)nn * sizeof *live1) == 0,
			       "%s: sk_regrid_block_beside on %d threads differs", sk_regrid_method_name(method), t);
		}
		free(a);
		free(b);
		sk_regrid_free(rg);
	}
#ifdef _OPENMP
	omp_set_num_threads(2);
#endif
	mem_free(&m);
}

/* Offsets: an event with hyperbolic moveout t(h) = sqrt(t0^2 + h^2 / v^2),
 * the same at every location.  Classes keep offsets apart; with the
 * velocity, traces of neighbouring offsets (one class spanning 100 m) are
 * moved out to the output offset first. */
static void offsets_moveout(void)
{
	enum { NS = 200 };
	const double vel = 2000, t0 = 0.3;
	static double u[100], v[100], h0[100];
	static int cls[100], live[100];
	static double vr[NS];
	struct mem m = {0};
	m.ns = NS;
	m.n = 2000;
	m.x = malloc((size_t)m.n * sizeof *m.x);
	m.y = malloc((size_t)m.n * sizeof *m.y);
	m.h = malloc((size_t)m.n * sizeof *m.h);
	m.cls = malloc((size_t)m.n * sizeof *m.cls);
	m.tr = malloc((size_t)m.n * NS * sizeof *m.tr);
	rng_seed(31337);
	for (long i = 0; i < m.n; i++) {
		m.x[i] = 1200 * rng_unit();
		m.y[i] = 1200 * rng_unit();
		m.h[i] = 1000 * rng_unit();
		m.cls[i] = (int)(m.h[i] / 100); /* 10 classes of 100 m */
		for (long s = 0; s < NS; s++)
			m.tr[i * NS + s] = (float)ricker(25, (double)s * 0.004 -
							     sqrt(t0 * t0 + m.h[i] * m.h[i] / (vel * vel)));
	}
	for (long s = 0; s < NS; s++)
		vr[s] = vel;
	for (long i = 0; i < 100; i++) {
		u[i] = 300 + 6 * (double)i;
		v[i] = 600;
		cls[i] = (int)(i % 10);
		h0[i] = 50 + 100 * (double)cls[i];
	}
	for (int withv = 0; withv < 2; withv++) {
		struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
		double num = 0, den = 0;
		float *out;
		o.method = SK_REGRID_IDW;
		o.bin_dx = o.bin_dy = BIN;
		o.ns = NS;
		o.vrms = withv ? vr : NULL;
		out = run(&m, &o, u, v, cls, h0, 100, live, 10);
		for (long i = 0; out && i < 100; i++)
			for (long s = 0; s < NS; s++) {
				const double ref = ricker(25, (double)s * 0.004 -
							  sqrt(t0 * t0 + h0[i] * h0[i] / (vel * vel)));
				num += (out[i * NS + s] - ref) * (out[i * NS + s] - ref);
				den += ref * ref;
			}
		if (withv)
			/* What remains is NMO stretch: the wavelet is not stretched
			 * with offset in this model, so moving out changes its shape. */
			CHECKF(out && sqrt(num / den) < 0.03, "moveout-aware: E %.4f", sqrt(num / den));
		else
			CHECKF(out && sqrt(num / den) > 0.1, "without moveout: E %.4f", sqrt(num / den));
		free(out);
	}
	/* A class with no traces gives dead traces. */
	for (long i = 0; i < m.n; i++)
		if (m.cls[i] == 3)
			m.cls[i] = -1;
	{
		struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
		float *out;
		long dead3 = 0, dead_other = 0;
		o.method = SK_REGRID_NEAREST;
		o.bin_dx = o.bin_dy = BIN;
		o.ns = NS;
		out = run(&m, &o, u, v, cls, h0, 100, live, 10);
		for (long i = 0; out && i < 100; i++) {
			if (cls[i] == 3)
				dead3 += !live[i];
			else
				dead_other += !live[i];
		}
		CHECK(out && dead3 == 10 && dead_other == 0);
		free(out);
	}
	mem_free(&m);
}

/* A line: positions on the u axis, linear between the two neighbours. */
static void line_mode(void)
{
	struct mem m = {0};
	static double u[200], v[200];
	static int live[200];
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	float *out;
	double worst = 0;
	m.ns = 10;
	m.n = 300;
	m.x = malloc(300 * sizeof *m.x);
	m.y = malloc(300 * sizeof *m.y);
	m.tr = malloc(300 * 10 * sizeof *m.tr);
	rng_seed(5);
	for (long i = 0; i < 300; i++) {
		m.x[i] = 2000 * rng_unit();
		m.y[i] = 30 * rng_unit() - 15; /* crooked line, ignored across */
		for (long s = 0; s < 10; s++)
			m.tr[i * 10 + s] = (float)(1 + (double)s * m.x[i] / 1000);
	}
	for (long i = 0; i < 200; i++) {
		u[i] = 100 + 9 * (double)i;
		v[i] = 0;
	}
	o.method = SK_REGRID_LINEAR;
	o.bin_dx = 10;
	o.bin_dy = 0;
	o.line = 1;
	o.ns = 10;
	out = run(&m, &o, u, v, NULL, NULL, 200, live, 1);
	for (long i = 0; out && i < 200; i++)
		for (long s = 0; s < 10; s++)
			if (fabs(out[i * 10 + s] - (1 + (double)s * u[i] / 1000)) > worst)
				worst = fabs(out[i * 10 + s] - (1 + (double)s * u[i] / 1000));
	CHECKF(out && worst < 1e-5, "line, linear: error %g", worst);
	free(out);
	o.method = SK_REGRID_DIP;
	out = run(&m, &o, u, v, NULL, NULL, 20, live, 1);
	CHECK(out != NULL && live[0] == 1);
	free(out);
	mem_free(&m);
}

static void options(void)
{
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	struct sk_regrid *rg = NULL;
	struct sk_error err;
	struct mem m = {0};
	const struct sk_regrid_input in = {0, NULL, NULL, NULL, NULL, 1, mem_fetch, &m, NULL, NULL, 0};
	int meth;
	CHECK(sk_regrid_method_parse("dip", &meth, &err) == 0 && meth == SK_REGRID_DIP);
	CHECK(sk_regrid_method_parse("cubic", &meth, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid method 'cubic' (expected nearest, bin, idw, linear or dip)") == 0);
	{
		struct sk_regrid_job job;
		int cs;
		memset(&job, 0, sizeof job);
		CHECK(sk_vel_parse("2000", &job.vel, &err) == 0 && job.vel.n == 1 && job.vel.v[0] == 2000);
		CHECK(sk_vel_parse("0:1500,2:2500", &job.vel, &err) == 0 && job.vel.n == 2 &&
		      job.vel.t[1] == 2 && job.vel.v[1] == 2500);
		CHECK(sk_vel_parse("1:1500,0.5:2500", &job.vel, &err) == SK_EARG);
		CHECK(sk_vel_parse("0:1500,2", &job.vel, &err) == SK_EARG);
		CHECK(sk_vel_parse("-3", &job.vel, &err) == SK_EARG);
		CHECK(sk_regrid_coords_parse("cdp", &cs, &err) == 0 && cs == SK_COORDS_CDP);
		CHECK(sk_regrid_coords_parse("gps", &cs, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "invalid coords 'gps' (expected mid, cdp, src or rcv)") == 0);
	}
	o.ns = 10;
	o.bin_dx = 0;
	CHECK(sk_regrid_new(&o, &in, &rg, &err) == SK_EARG && rg == NULL);
	o.bin_dx = o.bin_dy = 10;
	CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
	{
		float out[10];
		struct sk_regrid_ws *ws = sk_regrid_ws_new(rg);
		CHECK(sk_regrid_trace(rg, ws, 0, 0, 0, 0, 0, out, &err) == 0 && out[0] == 0);
		sk_regrid_ws_free(ws);
	}
	sk_regrid_free(rg);
}

/* --part support: the convex hull, and when a subset's answer is certainly
 * the whole set's (sk_regrid_exact). */
static void part_support(void)
{
	double p[12][2] = {{0, 0}, {100, 0}, {100, 100}, {0, 100}, {50, 0}, {50, 40}, {20, 70},
			   {100, 50}, {0, 0}, {30, 30}, {70, 10}, {60, 90}};
	const double corners[4][2] = {{0, 0}, {100, 0}, {100, 100}, {0, 100}};
	const double frame[4] = {0, 100, 0, 100};
	const double wide[4] = {-1000, 1000, -1000, 1000}, tight[4] = {40, 60, 40, 60};
	double two[2][2] = {{1, 2}, {3, 4}};
	long nh;
	/* Collinear (50,0), (100,50) and the duplicate corner are dropped;
	 * counter-clockwise from the smallest (x, y). */
	nh = sk_regrid_hull(p, 12);
	CHECK(nh == 4);
	for (long i = 0; i < 4 && nh == 4; i++)
		CHECK(p[i][0] == corners[i][0] && p[i][1] == corners[i][1]);
	CHECK(sk_regrid_hull(two, 2) == 2 && two[0][0] == 1);
	{
		/* S: three corners and an inside point of the whole square. */
		double su[4] = {0, 100, 0, 50}, sv[4] = {0, 0, 100, 40};
		struct mem m = {0};
		struct sk_regrid_opts o = base_opts(&gentle, SK_REGRID_LINEAR);
		struct sk_regrid_input in = {4, su, sv, NULL, NULL, 1, mem_fetch, &m, frame, NULL, 0};
		struct sk_regrid *rg = NULL;
		struct sk_regrid_ws *ws;
		struct sk_error err;
		m.n = 4;
		m.ns = o.ns;
		m.tr = calloc((size_t)4 * (size_t)o.ns, sizeof *m.tr);
		o.radius = 200;
		CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
		ws = sk_regrid_ws_new(rg);
		/* Inside a triangle whose circle lies in the region (sides beyond
		 * the frame bound nothing): certain; in a tight region: not. */
		CHECK(sk_regrid_exact(rg, ws, 30, 20, 0, wide, NULL, 0) == 1);
		CHECK(sk_regrid_exact(rg, ws, 50, 45, 0, tight, corners, 4) == 0);
		/* Outside S's hull at (80, 80): the whole square's hull holds it,
		 * so not certain; outside the frame, certain. */
		CHECK(sk_regrid_exact(rg, ws, 80, 80, 0, tight, corners, 4) == 0);
		CHECK(sk_regrid_exact(rg, ws, 80, 80, 0, tight, NULL, 0) == 0);
		CHECK(sk_regrid_exact(rg, ws, 110, 50, 0, tight, corners, 4) == 1);
		{
			/* A whole set whose hull is S's triangle (0,0) (100,0) (0,100):
			 * (80, 80) lies outside it too. */
			const double tri[3][2] = {{0, 0}, {100, 0}, {0, 100}};
			CHECK(sk_regrid_exact(rg, ws, 80, 80, 0, tight, tri, 3) == 1);
			/* Nothing within the radius: dead in both. */
			o.radius = 5;
			sk_regrid_ws_free(ws);
			sk_regrid_free(rg);
			CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
			ws = sk_regrid_ws_new(rg);
			CHECK(sk_regrid_exact(rg, ws, 80, 80, 0, tight, NULL, 0) == 1);
		}
		/* The other methods keep every trace in reach: always certain. */
		sk_regrid_ws_free(ws);
		sk_regrid_free(rg);
		o.method = SK_REGRID_NEAREST;
		CHECK(sk_regrid_new(&o, &in, &rg, &err) == 0);
		ws = sk_regrid_ws_new(rg);
		CHECK(sk_regrid_exact(rg, ws, 80, 80, 0, tight, NULL, 0) == 1);
		sk_regrid_ws_free(ws);
		sk_regrid_free(rg);
		/* A frame that does not hold the points is refused. */
		{
			const double small[4] = {0, 50, 0, 50};
			o.method = SK_REGRID_LINEAR;
			in.frame = small;
			CHECK(sk_regrid_new(&o, &in, &rg, &err) == SK_EARG && rg == NULL);
		}
		free(m.tr);
	}
}

/* fetch_many over struct mem (batch_fetch below): counts, checks that
 * each batch comes sorted and within its size, and (bad set) reports every
 * other trace unread, its slot filled with NaN that must not be used. */
struct counted {
	struct mem *m;
	long single, batches, batched, unread, order_bad;
	int bad;
};

static int counted_fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err)
{
	struct counted *c = ctx;
#pragma omp atomic
	c->single++;
	return mem_fetch(c->m, slot, idx, out, err);
}

static void counted_many(void *ctx, int slot, long n, const long *idx, float *const *out, unsigned char *ok)
{
	struct counted *c = ctx;
	long unread = 0, order_bad = n > 16 ? 1 : 0;
	(void)slot;
	for (long i = 0; i < n; i++) {
		order_bad += i > 0 && idx[i] <= idx[i - 1];
		ok[i] = !(c->bad && i % 2);
		if (ok[i])
			memcpy(out[i], c->m->tr + (size_t)idx[i] * (size_t)c->m->ns, (size_t)c->m->ns * sizeof *out[i]);
		else
			for (long s = 0; s < c->m->ns; s++)
				out[i][s] = NAN;
		unread += !ok[i];
	}
#pragma omp critical
	{
		c->batches++;
		c->batched += n;
		c->unread += unread;
		c->order_bad += order_bad;
	}
}

/* The same output with fetch_many as without, every method, 1 and 2
 * threads: with every trace read in batches, and with every other one
 * left unread (then fetched one by one).  On one thread (the counts do not
 * depend on the schedule there) most fetches go in batches: a trace is
 * fetched alone only when two traces of a run of 32 output traces share a
 * cache slot (1,024 slots; a run takes some 100 traces here, so about 5
 * pairs of 100), or when a run's trace was evicted by another's; a quarter
 * of the fetches without batches is far above that. */
static void batch_fetch(void)
{
	static double u[1600], v[1600];
	static int live0[1600], live1[1600];
	static const int methods[] = {SK_REGRID_NEAREST, SK_REGRID_BIN, SK_REGRID_IDW, SK_REGRID_LINEAR};
	const int nth = omp_get_max_threads();
	long n;
	struct mem m;
	interior(u, v, &n);
	positions(&m, 2.0, 0, 777);
	fill(&m, &steep);
	for (int th = 1; th <= 2; th++)
		for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++)
			for (int bad = 0; bad < 2; bad++) {
				struct sk_regrid_opts o = base_opts(&steep, methods[k]);
				struct counted c0 = {&m, 0, 0, 0, 0, 0, 0}, c1 = {&m, 0, 0, 0, 0, 0, bad};
				struct sk_regrid_input in = {m.n, m.x, m.y, NULL, NULL, 1, counted_fetch, &c0, NULL, NULL, 0};
				struct sk_regrid *r0 = NULL, *r1 = NULL;
				struct sk_error err;
				float *o0 = malloc((size_t)n * (size_t)o.ns * sizeof *o0);
				float *o1 = malloc((size_t)n * (size_t)o.ns * sizeof *o1);
				omp_set_num_threads(th);
				CHECK(o0 && o1 && sk_regrid_new(&o, &in, &r0, &err) == 0 &&
				      sk_regrid_block(r0, u, v, NULL, NULL, n, o0, live0, &err) == 0);
				in.ctx = &c1;
				in.fetch_many = counted_many;
				in.batch = 16;
				CHECK(sk_regrid_new(&o, &in, &r1, &err) == 0 &&
				      sk_regrid_block(r1, u, v, NULL, NULL, n, o1, live1, &err) == 0);
				CHECKF(memcmp(o0, o1, (size_t)n * (size_t)o.ns * sizeof *o0) == 0 &&
				       memcmp(live0, live1, (size_t)n * sizeof *live0) == 0,
				       "%s, %d threads, %s: not the same output", sk_regrid_method_name(methods[k]), th,
				       bad ? "half unread" : "all read");
				CHECKF(c1.batches > 0 && c1.order_bad == 0, "%ld batches, %ld unsorted or too long",
				       c1.batches, c1.order_bad);
				if (th == 1 && !bad)
					printf("# batches, %s: %ld traces in %ld batches, %ld alone; %ld without\n",
					       sk_regrid_method_name(methods[k]), c1.batched, c1.batches, c1.single, c0.single);
				if (th == 1 && !bad)
					CHECKF(c1.single * 4 < c0.single, "%s: %ld fetched alone (%ld in batches), %ld without",
					       sk_regrid_method_name(methods[k]), c1.single, c1.batched, c0.single);
				if (bad)
					CHECKF(c1.single >= c1.unread && c1.unread > 0, "%ld unread, %ld fetched alone",
					       c1.unread, c1.single);
				sk_regrid_free(r0);
				sk_regrid_free(r1);
				free(o0);
				free(o1);
			}
	omp_set_num_threads(nth);
	mem_free(&m);
}

int main(void)
{
	options();
	part_support();
	exact_at_centres();
	constant_and_linear();
	poisson_fill();
	dead_fold_threads();
	block_beside();
	batch_fetch();
	offsets_moveout();
	line_mode();
	accuracy_table();
	return test_done();
}
