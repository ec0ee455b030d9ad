/*
 * kirchhoff: Kirchhoff prestack time migration kernel: setup, the geometry
 * of an (output, input) pair, trace preparation and the migration loop
 * (kirchhoff_internal.h has the other files).  The formulas are the
 * public ones of notes/kirchhoff.md (DSR traveltime; triangle antialiasing
 * after Lumley, Claerbout & Bevc 1994 with the exact 1/k^2 normalisation;
 * the rho filter as the exact anticausal half derivative (-i omega)^(1/2); the
 * obliquity (cos theta_s + cos theta_r)/2 and spreading weights).
 */
#include "kirchhoff_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "kirchhoff_kern_internal.h"

/*
 * Output traces per unit of work of a thread (sk_kirch_migrate): at most
 * KGROUP_MAX, and at least KGROUP_PER_THREAD groups a thread.  A group
 * reads each tile of the block into the L2 cache once and every one of its
 * output traces then reads the tile from there, so the traffic beyond L2
 * (shared by the cores: L3, memory, the host) falls with the group's size.
 * Cachegrind with this machine's caches (48 KiB L1d, 1 MiB L2), bench
 * size S, 96 of its output traces, antialiased, 1 thread: 27.4 M L2 misses
 * (20.0 M reads) with groups of 8, 14.9 M (7.4 M reads) with groups of 32;
 * the writes (7.5 M: the trace preparation) do not depend on it.  Enough
 * groups stay for the threads to balance (a thread that lost its core for
 * a while), and the last group's imbalance at the block's end goes to
 * preparing the next block.  The grouping does not change the image: each
 * output trace sums the tiles in order, by one thread.
 */
#define KGROUP_MAX 32
#define KGROUP_PER_THREAD 4

static long group_size(long nout, int threads)
{
	const long g = nout / ((long)KGROUP_PER_THREAD * (threads > 0 ? threads : 1));
	return g < 1 ? 1 : g > KGROUP_MAX ? KGROUP_MAX : g;
}

static int out_trace_for(struct sk_kirch *k, int simd);

/* ------------------------------------------------------------ setup */

int sk_kirch_tarr_alloc(struct tarr *t, long nt)
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
	free(k->L2);
	free(k->S2);
	free(k->T2);
	free(k->meta2);
	free(k->box2);
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
		if (sk_kirch_tarr_alloc(&k->shared, p.nt) < 0)
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
		k->nfft = sk_kirch_pow2_at_least(2 * p.nt_in);
		k->hr = malloc(2 * k->nfft * sizeof *k->hr);
		if (!k->hr || sk_kirch_twiddles(k->nfft, &k->cs, &k->sn) < 0)
			goto nomem;
		k->hi = k->hr + k->nfft;
		sk_kirch_rho_spectrum(k->rho, 0, k->nfft, k->hr, k->hi);
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
		 * meet at a barrier once per block, not once per tile.  About
		 * 4 MiB prepared: every group of output traces reads the whole
		 * block, and two sets of it are held (the next block's is
		 * written meanwhile), so the two should stay in a share of the
		 * last-level cache.  Cachegrind with a 16 MiB last level (half
		 * the 32 MiB L3 of this host's Zen 5 core complex, which its
		 * other tenants share), bench size S, 96 output traces, 1
		 * thread: 7.42 M misses beyond it (1.31 M reads, 6.11 M writes)
		 * with 8 MiB blocks, 0.23 M with 4 MiB, 0.15 M with 2 MiB. */
		const long bytes = k->len * (long)(p.antialias ? PREP_AA : sizeof(float));
		long tiles = (SK_KIRCH_BLOCK_BYTES) / (bytes * p.chunk);
		tiles = tiles < 1 ? 1 : tiles;
		k->block = tiles * p.chunk;
	}
	/* Two sets: the block being migrated and the next one, prepared
	 * ahead (sk_kirch_migrate_next). */
	k->meta = malloc(k->block * sizeof *k->meta);
	k->box = malloc(4 * (size_t)(k->block / k->chunk + 1) * sizeof *k->box);
	k->meta2 = malloc(k->block * sizeof *k->meta2);
	k->box2 = malloc(4 * (size_t)(k->block / k->chunk + 1) * sizeof *k->box2);
	/* Antialiasing keeps S (double), its first differences D (float,
	 * in L) and the tables of tri_table; linear interpolation the plain
	 * trace in L. */
	if (p.antialias) {
		k->S = calloc((size_t)k->block * (size_t)k->len + WINPAD, sizeof *k->S);
		k->T = calloc((size_t)k->block * (size_t)k->len * TRI_NT + WINPAD, sizeof *k->T);
		k->S2 = calloc((size_t)k->block * (size_t)k->len + WINPAD, sizeof *k->S2);
		k->T2 = calloc((size_t)k->block * (size_t)k->len * TRI_NT + WINPAD, sizeof *k->T2);
	}
	/* All zeroed, and WINPAD samples longer: a window read of kern_lin
	 * or kern_aa may look up to WINPAD - 1 samples past the last trace. */
	k->L = calloc((size_t)k->block * (size_t)k->len + WINPAD, sizeof *k->L);
	k->L2 = calloc((size_t)k->block * (size_t)k->len + WINPAD, sizeof *k->L2);
	if (!k->meta || !k->box || (p.antialias && (!k->S || !k->T)) || !k->L || !k->meta2 || !k->box2 ||
	    (p.antialias && (!k->S2 || !k->T2)) || !k->L2)
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
int sk_kirch_pair_setup(const struct sk_kirch *k, const struct tarr *ta, long o, long m,
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

int sk_kirch_kflags(const struct sk_kirch *k, int tap)
{
	const int w = k->p.weights;
	return KFLAGS(k->p.antialias != 0, w == SK_W_OBLIQUITY || w == SK_W_BOTH,
		      w == SK_W_SPREADING || w == SK_W_BOTH, k->p.dim == 3, tap);
}

void sk_kirch_tarr_for(const struct sk_kirch *k, long o, struct tarr *scratch, const struct tarr **ta)
{
	if (k->vel_per_loc) {
		tarr_fill(scratch, &k->p, k->vel + (size_t)o * (size_t)k->p.nt);
		*ta = scratch;
	} else {
		*ta = &k->shared;
	}
}

int sk_kirch_tile_far(const struct sk_kirch *k, const double *box, long o)
{
	const double x = k->x[o], y = k->y[o];
	const double ex = fmax(fmax(box[0] - x, x - box[1]), 0.0);
	const double ey = k->p.dim == 3 ? fmax(fmax(box[2] - y, y - box[3]), 0.0) : 0.0;
	return hypot(ex, ey) > k->aeff;
}

/* Picks the output-trace function for the level asked (enum
 * sk_kirch_simd; SK_KIRCH_SIMD_BEST: no limit), or the best below it this
 * CPU runs; returns the level picked. */
static int out_trace_for(struct sk_kirch *k, int simd)
{
	const int cap = simd == SK_KIRCH_SIMD_BEST ? SK_KIRCH_SIMD_AVX512 : simd;
	int got = SK_KIRCH_SIMD_PORTABLE;

	if (cap == SK_KIRCH_SIMD_NONE) {
		k->out_trace = sk_kirch_out_trace_ref;
		return cap;
	}
	k->out_trace = sk_kirch_out_trace_base;
#if KX86
	__builtin_cpu_init();
	if (cap >= SK_KIRCH_SIMD_AVX2 && __builtin_cpu_supports("avx2")) {
		k->out_trace = sk_kirch_out_trace_avx2;
		got = SK_KIRCH_SIMD_AVX2;
	}
	if (cap >= SK_KIRCH_SIMD_AVX512 && __builtin_cpu_supports("x86-64-v4")) {
		k->out_trace = sk_kirch_out_trace_v4;
		got = SK_KIRCH_SIMD_AVX512;
	}
#else
	(void)cap;
#endif
	return got;
}

/* ------------------------------------------------- chunk preparation */

/* sk_kirch_meta_fill into meta and box (the current block's or the next). */
static void meta_fill_into(const struct sk_kirch *k, struct tmeta *meta, double *boxes, long n,
			   const struct sk_kirch_trace *tr)
{
	const struct sk_kirch_par *p = &k->p;
	const double pad = p->antialias ? PADS : PADL_FRONT;
	const double reach = p->antialias ? SK_KIRCH_KMAX + 1 : 1;

	for (long m = 0; m < n; m++) {
		struct tmeta *t = &meta[m];
		double *box = boxes + 4 * (m / k->chunk);
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

void sk_kirch_meta_fill(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr)
{
	meta_fill_into(k, k->meta, k->box, n, tr);
}

/* Rho filter and integration of traces m and m+1 (when m + 1 < n) into
 * the set L, S, T (the current block's or the next). */
static void prep_pair(const struct sk_kirch *k, float *Lset, double *Sset, float *Tset, long n, long m,
		      const float *data, double *x1, double *x2, double *re, double *im)
{
	const long nt = k->p.nt_in;
	const int two = m + 1 < n;

	for (long i = 0; i < nt; i++) {
		x1[i] = data[(size_t)m * (size_t)nt + i];
		if (two)
			x2[i] = data[(size_t)(m + 1) * (size_t)nt + i];
	}
	if (k->rho != SK_RHO_NONE)
		sk_kirch_filter_pair(k->nfft, nt, k->cs, k->sn, k->hr, k->hi, x1, two ? x2 : NULL, re, im);
	for (int q = 0; q <= two; q++) {
		const double *x = q ? x2 : x1;
		const long mm = m + q;
		if (k->p.antialias) {
			double *S = Sset + (size_t)mm * (size_t)k->len;
			float *D = Lset + (size_t)mm * (size_t)k->len;
			sk_kirch_integrate(nt, x, S + PADS);
			for (long i = 0; i < PADS; i++) {
				S[i] = S[PADS];
				S[PADS + nt + i] = 0.0;
			}
			for (long i = 0; i + 1 < k->len; i++)
				D[i] = (float)(S[i + 1] - S[i]);
			D[k->len - 1] = 0.0f;
			tri_table(S, D, k->len, Tset + (size_t)mm * (size_t)k->len * TRI_NT);
		} else {
			float *L = Lset + (size_t)mm * (size_t)k->len;
			L[0] = 0.0f;
			for (long i = 0; i < nt; i++)
				L[PADL_FRONT + i] = (float)x[i];
			L[PADL_FRONT + nt] = L[PADL_FRONT + nt + 1] = 0.0f;
		}
	}
}

/* Swaps the current block's set with the next one's. */
static void set_swap(struct sk_kirch *k)
{
	float *L = k->L, *T = k->T;
	double *S = k->S, *box = k->box;
	struct tmeta *meta = k->meta;

	k->L = k->L2;
	k->S = k->S2;
	k->T = k->T2;
	k->meta = k->meta2;
	k->box = k->box2;
	k->L2 = L;
	k->S2 = S;
	k->T2 = T;
	k->meta2 = meta;
	k->box2 = box;
}

/* The first trace (even) of the next pair to prepare from *pos, shared by
 * the threads; n or more when none is left. */
static long take_pair(long *pos)
{
	return __atomic_fetch_add(pos, 2, __ATOMIC_RELAXED);
}

int sk_kirch_migrate(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr,
		     const float *data, float *img, struct sk_error *err)
{
	return sk_kirch_migrate_next(k, n, tr, data, img, 0, NULL, NULL, err);
}

int sk_kirch_migrate_next(struct sk_kirch *k, long n, const struct sk_kirch_trace *tr, const float *data,
			  float *img, long n_next, const struct sk_kirch_trace *tr_next,
			  const float *data_next, struct sk_error *err)
{
	const long nt = k->p.nt, noff = k->p.noff, nti = k->p.nt_in;
	const long nf = k->nfft > nti ? k->nfft : nti, ntiles = (n + k->chunk - 1) / k->chunk;
	const long grp = group_size(k->nout, omp_get_max_threads());
	const long ngrp = (k->nout + grp - 1) / grp;
	uint64_t upd = 0;
	long pos = 0;
	int fail = 0;

	if (n <= 0)
		return 0;
	if (n > k->block || n_next > k->block)
		return sk_error_set(err, SK_EARG, "block of %ld traces exceeds %ld", n > k->block ? n : n_next,
				    k->block);
	if (k->ahead_n > 0 && k->ahead_n == n && k->ahead_tr == tr && k->ahead_data == data) {
		/* The block promised by the last call: its geometry is filled
		 * and the pairs that call's threads took are prepared. */
		set_swap(k);
		pos = k->ahead_pos < n ? k->ahead_pos : n;
	} else {
		meta_fill_into(k, k->meta, k->box, n, tr);
	}
	k->ahead_n = 0;
	for (long m = 0; m < n; m++)
		k->used += k->meta[m].bin >= 0;
	if (n_next > 0) {
		meta_fill_into(k, k->meta2, k->box2, n_next, tr_next);
		k->ahead_n = n_next;
		k->ahead_tr = tr_next;
		k->ahead_data = data_next;
		k->ahead_pos = 0;
	}

	/*
	 * One parallel region per block: prepare every trace not prepared
	 * yet, then every output trace, each through the tiles in order by
	 * one thread, so the image is the same whatever the number of
	 * threads; then the next block's traces, while another thread still
	 * has output traces of this one (the wait at the end of the block
	 * becomes preparation).
	 */
#pragma omp parallel reduction(+:upd) reduction(|:fail)
	{
		struct tarr scratch = {0};
		const size_t prow = ((size_t)noff * (size_t)nt * sizeof(float) + 63) / 64 * 64;
		double *buf = malloc(4 * (size_t)nf * sizeof *buf);
		float *tsrc = malloc((size_t)nt * sizeof *tsrc);
		float *priv = aligned_alloc(64, prow);
		unsigned char *touched = malloc((size_t)noff);
		const int ok = buf && tsrc && priv && touched && (!k->vel_per_loc || sk_kirch_tarr_alloc(&scratch, nt) == 0);
		if (!ok)
			fail = 1;
		/* Pairs of traces to whichever thread is free, one at a time:
		 * on a shared machine a thread that lost its core for a while
		 * would hold the other at the barrier below under a static
		 * split.  A pair is always (m, m + 1) from an even m of the
		 * block: the rho filter transforms the two together. */
		for (long m; (m = take_pair(&pos)) < n;)
			if (buf)
				prep_pair(k, k->L, k->S, k->T, n, m, data, buf, buf + nf, buf + 2 * nf, buf + 3 * nf);
#pragma omp barrier
		/* Groups of grp output traces to whichever thread is free
		 * (the cores of a shared machine do not keep one speed), each
		 * group through every tile in order: each output trace still
		 * sums the tiles in input order, and a tile read into the cache
		 * serves the whole group. */
#pragma omp for schedule(dynamic, 1) nowait
		for (long g = 0; g < ngrp; g++)
			for (long t = 0; t < ntiles; t++) {
				const long m0 = t * k->chunk, m1 = m0 + k->chunk < n ? m0 + k->chunk : n;
				const long o1 = (g + 1) * grp < k->nout ? (g + 1) * grp : k->nout;
				for (long o = g * grp; o < o1 && ok; o++)
					upd += k->out_trace(k, m0, m1, k->box + 4 * t, o,
							 img + (size_t)o * (size_t)noff * (size_t)nt, &scratch, tsrc,
							 priv, touched);
			}
		/* No group left: the next block's pairs (into the other set,
		 * which no thread reads in this block). */
		for (long m; n_next > 0 && (m = take_pair(&k->ahead_pos)) < n_next;)
			if (buf)
				prep_pair(k, k->L2, k->S2, k->T2, n_next, m, data_next, buf, buf + nf, buf + 2 * nf,
					  buf + 3 * nf);
		free(touched);
		free(priv);
		free(tsrc);
		free(buf);
		free(scratch.mem);
	}
	if (fail) {
		k->ahead_n = 0;
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	k->updates += upd;
	return 0;
}
