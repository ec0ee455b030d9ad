/*
 * regrid core: neighbour selection, weights and the dip scan on positions in
 * the grid's local frame.  notes/regrid.md describes the methods and the
 * accuracy they must reach; the formulas used are:
 * - inverse distance weighting (Shepard 1968): w_i = d_i^-p / sum d_j^-p;
 * - barycentric weights on a Delaunay triangle (see delaunay.c);
 * - semblance (Neidell & Taner 1971): S = sum_t (sum_i a_i)^2 /
 *   (K sum_t sum_i a_i^2) over a window, the slope scan of notes/regrid.md;
 * - NMO t(h) = sqrt(t0^2 + h^2 / v^2) (Dix 1955);
 * - Lanczos-windowed sinc interpolation (Duchon 1979), a = 4.
 */
#include "regrid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delaunay.h"
#include "spatial.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define SINC_HALF 4              /* taps each side: 8-point interpolator */
#define SINC_FRAC 512            /* tabulated fractional positions */
#define UPS 4                    /* dip scan: time upsampling factor */
#define DIP_NCOMP 3              /* dip: dips separated per window */
#define ZERO_DIST 1e-6           /* metres: coincident with the output location */
#define PI 3.14159265358979323846

static const char *const method_names[] = {"nearest", "bin", "idw", "linear", "dip"};

int sk_regrid_method_parse(const char *s, int *out, struct sk_error *err)
{
	for (int m = 0; m < 5; m++)
		if (strcmp(s, method_names[m]) == 0) {
			*out = m;
			return 0;
		}
	return sk_error_set(err, SK_EARG,
			    "invalid method '%s' (expected nearest, bin, idw, linear or dip)", s);
}

const char *sk_regrid_method_name(int method)
{
	return method >= 0 && method < 5 ? method_names[method] : "?";
}

struct cls {
	long n;                  /* inputs of this class */
	long *gid;               /* class index -> input index */
	double *u, *v;
	struct sk_spatial *sp;
	struct sk_delaunay *dl;  /* linear only */
};

struct sk_regrid {
	struct sk_regrid_opts o;
	struct sk_regrid_input in;
	int ncls;
	struct cls *c;
	float sinc[SINC_FRAC + 1][2 * SINC_HALF];
	/* dip: the slopes, sorted by |p| so ties go to the gentlest */
	long nslope, npu, npv;   /* slope s = a * npv + b: p_u index a, p_v index b */
	double *spu, *spv;
	long maxnb;              /* largest neighbour count any method asks for */
};

struct sk_regrid_ws {
	long cap;                /* neighbour capacity */
	long *idx;               /* global indices */
	long *cidx;              /* class-local indices */
	double *d2, *w;
	float *tr;               /* cap x ns: fetched (and moved-out) traces */
	float *raw;              /* ns: a fetched trace before moveout */
	double *tmap;            /* ns: moveout map, input sample position per output sample */
	float *up;               /* dip: upsampled traces */
	long upcap;
	long *shift;             /* dip: nslope x dip_k shifts */
	long shcap;
	double *bests;           /* dip: 2 x ns scratch */
	long bestcap;
	long *hint;              /* per class walk hint */
	/* a small direct-mapped cache of fetched raw traces */
	long cache_n;
	long *cache_id;
	float *cache;
};

static void sinc_table(struct sk_regrid *rg)
{
	for (int f = 0; f <= SINC_FRAC; f++) {
		const double frac = (double)f / SINC_FRAC;
		double sum = 0, w[2 * SINC_HALF];
		for (int j = 0; j < 2 * SINC_HALF; j++) {
			const double x = (double)(j - SINC_HALF + 1) - frac;
			double s;
			if (fabs(x) < 1e-12)
				s = 1;
			else if (fabs(x) >= SINC_HALF)
				s = 0;
			else
				s = sin(PI * x) / (PI * x) * sin(PI * x / SINC_HALF) / (PI * x / SINC_HALF);
			w[j] = s;
			sum += s;
		}
		for (int j = 0; j < 2 * SINC_HALF; j++)
			rg->sinc[f][j] = (float)(w[j] / sum);
	}
}

/* The value of tr (ns samples, zero outside) at fractional sample s. */
static float interp(const struct sk_regrid *rg, const float *tr, long ns, double s)
{
	double fl = floor(s);
	long i, f;
	float acc = 0;
	if (!(s > -SINC_HALF && s < (double)(ns + SINC_HALF)))
		return 0;
	f = lround((s - fl) * SINC_FRAC);
	i = (long)fl;
	if (f == SINC_FRAC) {
		f = 0;
		i++;
	}
	if (f == 0)
		return i >= 0 && i < ns ? tr[i] : 0.0f;
	{
		const float *w = rg->sinc[f];
		const long j0 = i - SINC_HALF + 1;
		if (j0 >= 0 && j0 + 2 * SINC_HALF <= ns) {
			for (int j = 0; j < 2 * SINC_HALF; j++)
				acc += w[j] * tr[j0 + j];
		} else {
			for (int j = 0; j < 2 * SINC_HALF; j++)
				if (j0 + j >= 0 && j0 + j < ns)
					acc += w[j] * tr[j0 + j];
		}
	}
	return acc;
}

/* Linear interpolation on an upsampled trace (the caller keeps x inside). */
static float lin(const float *b, double x)
{
	const double fl = floor(x);
	const long i = (long)fl;
	const float f = (float)(x - fl);
	return b[i] + f * (b[i + 1] - b[i]);
}

void sk_regrid_free(struct sk_regrid *rg)
{
	if (!rg)
		return;
	for (int c = 0; c < rg->ncls && rg->c; c++) {
		free(rg->c[c].gid);
		free(rg->c[c].u);
		free(rg->c[c].v);
		sk_spatial_free(rg->c[c].sp);
		sk_delaunay_free(rg->c[c].dl);
	}
	free(rg->c);
	free(rg->spu);
	free(rg->spv);
	free(rg);
}

int sk_regrid_new(const struct sk_regrid_opts *o, const struct sk_regrid_input *in,
		  struct sk_regrid **out, struct sk_error *err)
{
	struct sk_regrid *rg;
	int rc = 0;

	*out = NULL;
	if (o->method < 0 || o->method > SK_REGRID_DIP)
		return sk_error_set(err, SK_EARG, "invalid method %d", o->method);
	if (!(o->bin_dx > 0) || (!o->line && !(o->bin_dy > 0)))
		return sk_error_set(err, SK_EARG, "bin size must be positive");
	if (o->ns < 1 || !(o->dt > 0))
		return sk_error_set(err, SK_EARG, "invalid trace length %ld or sample interval %g", o->ns, o->dt);
	if (o->method == SK_REGRID_IDW && (o->k < 1 || o->k > 1000 || !(o->power >= 0)))
		return sk_error_set(err, SK_EARG, "idw needs 1 <= k <= 1000 and power >= 0");
	if (o->method == SK_REGRID_DIP && (o->dip_k < 2 || o->dip_k > 64 || o->dip_np < 1 ||
					   o->dip_np > 201 || !(o->dip_pmax >= 0) || !(o->dip_win > 0)))
		return sk_error_set(err, SK_EARG, "dip needs 2 <= k <= 64, 1 <= slopes <= 201, "
				    "pmax >= 0 and a positive window");
	rg = calloc(1, sizeof *rg);
	if (!rg)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	rg->o = *o;
	rg->in = *in;
	rg->ncls = in->ncls > 0 ? in->ncls : 1;
	sinc_table(rg);
	rg->c = calloc((size_t)rg->ncls, sizeof *rg->c);
	if (!rg->c) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto fail;
	}
	for (long i = 0; i < in->n; i++) {
		const int c = in->cls ? in->cls[i] : 0;
		if (c >= 0 && c < rg->ncls)
			rg->c[c].n++;
	}
	for (int c = 0; c < rg->ncls; c++) {
		struct cls *k = &rg->c[c];
		const size_t m = (size_t)(k->n > 0 ? k->n : 1);
		k->gid = malloc(m * sizeof *k->gid);
		k->u = malloc(m * sizeof *k->u);
		k->v = malloc(m * sizeof *k->v);
		if (!k->gid || !k->u || !k->v) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto fail;
		}
		k->n = 0;
	}
	for (long i = 0; i < in->n; i++) {
		const int c = in->cls ? in->cls[i] : 0;
		if (c >= 0 && c < rg->ncls) {
			struct cls *k = &rg->c[c];
			k->gid[k->n] = i;
			k->u[k->n] = in->u[i];
			k->v[k->n] = o->line ? 0.0 : in->v[i];
			k->n++;
		}
	}
	{
		const double cell = o->line ? o->bin_dx : (o->bin_dx > o->bin_dy ? o->bin_dx : o->bin_dy);
		for (int c = 0; c < rg->ncls; c++) {
			rc = sk_spatial_new(rg->c[c].u, rg->c[c].v, rg->c[c].n, cell, &rg->c[c].sp, err);
			if (rc < 0)
				goto fail;
			if (o->method == SK_REGRID_LINEAR) {
				rc = sk_delaunay_new_frame(rg->c[c].u, rg->c[c].v, rg->c[c].n, in->frame,
							   &rg->c[c].dl, err);
				if (rc < 0)
					goto fail;
			}
		}
	}
	if (o->method == SK_REGRID_DIP) {
		const long npu = o->dip_np, npv = o->line ? 1 : o->dip_np;
		rg->spu = malloc((size_t)(npu * npv) * sizeof *rg->spu);
		rg->spv = malloc((size_t)(npu * npv) * sizeof *rg->spv);
		if (!rg->spu || !rg->spv) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto fail;
		}
		for (long a = 0; a < npu; a++)
			for (long b = 0; b < npv; b++) {
				rg->spu[a * npv + b] = npu > 1 ? -o->dip_pmax + 2 * o->dip_pmax * (double)a / (double)(npu - 1) : 0;
				rg->spv[a * npv + b] = npv > 1 ? -o->dip_pmax + 2 * o->dip_pmax * (double)b / (double)(npv - 1) : 0;
			}
		rg->nslope = npu * npv;
		rg->npu = npu;
		rg->npv = npv;
	}
	rg->maxnb = o->method == SK_REGRID_IDW ? o->k : o->method == SK_REGRID_DIP ? o->dip_k : 3;
	*out = rg;
	return 0;
fail:
	sk_regrid_free(rg);
	return rc;
}

void sk_regrid_ws_free(struct sk_regrid_ws *ws)
{
	if (!ws)
		return;
	free(ws->idx);
	free(ws->cidx);
	free(ws->d2);
	free(ws->w);
	free(ws->tr);
	free(ws->raw);
	free(ws->tmap);
	free(ws->up);
	free(ws->shift);
	free(ws->bests);
	free(ws->hint);
	free(ws->cache_id);
	free(ws->cache);
	free(ws);
}

static int ws_grow(struct sk_regrid_ws *ws, long cap, long ns)
{
	long *a, *b;
	double *c, *d;
	float *t;
	if (cap <= ws->cap)
		return 0;
	a = realloc(ws->idx, (size_t)cap * sizeof *a);
	if (a) ws->idx = a;
	b = realloc(ws->cidx, (size_t)cap * sizeof *b);
	if (b) ws->cidx = b;
	c = realloc(ws->d2, (size_t)cap * sizeof *c);
	if (c) ws->d2 = c;
	d = realloc(ws->w, (size_t)cap * sizeof *d);
	if (d) ws->w = d;
	t = realloc(ws->tr, (size_t)cap * (size_t)ns * sizeof *t);
	if (t) ws->tr = t;
	if (!a || !b || !c || !d || !t)
		return SK_ENOMEM;
	ws->cap = cap;
	return 0;
}

struct sk_regrid_ws *sk_regrid_ws_new(const struct sk_regrid *rg)
{
	struct sk_regrid_ws *ws = calloc(1, sizeof *ws);
	const long ns = rg->o.ns;
	if (!ws)
		return NULL;
	ws->raw = malloc((size_t)ns * sizeof *ws->raw);
	ws->tmap = malloc((size_t)ns * sizeof *ws->tmap);
	ws->hint = malloc((size_t)rg->ncls * sizeof *ws->hint);
	/* Cache about 8 MiB of traces, at least 16, at most 1024. */
	ws->cache_n = (8L << 20) / (ns * (long)sizeof(float));
	if (ws->cache_n < 16) ws->cache_n = 16;
	if (ws->cache_n > 1024) ws->cache_n = 1024;
	ws->cache_id = malloc((size_t)ws->cache_n * sizeof *ws->cache_id);
	ws->cache = malloc((size_t)ws->cache_n * (size_t)ns * sizeof *ws->cache);
	if (!ws->raw || !ws->tmap || !ws->hint || !ws->cache_id || !ws->cache ||
	    ws_grow(ws, rg->maxnb > 16 ? rg->maxnb : 16, ns) < 0) {
		sk_regrid_ws_free(ws);
		return NULL;
	}
	for (int c = 0; c < rg->ncls; c++)
		ws->hint[c] = -1;
	for (long i = 0; i < ws->cache_n; i++)
		ws->cache_id[i] = -1;
	return ws;
}

/* Fetches input trace gi (cached) into dst, moved out from its offset to h0
 * when a velocity is given. */
static int get_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, long gi,
		     int have_map, double h0, float *dst, struct sk_error *err)
{
	const long ns = rg->o.ns, c = gi % ws->cache_n;
	float *src = ws->cache + (size_t)c * (size_t)ns;
	if (ws->cache_id[c] != gi) {
		const int rc = rg->in.fetch(rg->in.ctx, slot, gi, src, err);
		if (rc < 0) {
			ws->cache_id[c] = -1;
			return rc;
		}
		ws->cache_id[c] = gi;
	}
	if (!have_map || !rg->in.h || rg->in.h[gi] == h0) {
		memcpy(dst, src, (size_t)ns * sizeof *dst);
		return 0;
	}
	{
		const double hi2 = rg->in.h[gi] * rg->in.h[gi];
		const double *vr = rg->o.vrms;
		for (long s = 0; s < ns; s++) {
			const double t0 = ws->tmap[s];
			if (t0 < 0) {
				dst[s] = 0;
			} else {
				/* v at t0 by linear interpolation of the per-sample table. */
				const double fs = t0 / rg->o.dt;
				long j = (long)fs;
				double v;
				if (j >= ns - 1)
					v = vr[ns - 1];
				else
					v = vr[j] + (vr[j + 1] - vr[j]) * (fs - (double)j);
				dst[s] = interp(rg, src, ns, sqrt(t0 * t0 + hi2 / (v * v)) / rg->o.dt);
			}
		}
	}
	return 0;
}

/* Zero-offset times t0 of the output samples at offset h0: solves t^2 = t0^2 +
 * h0^2 / v(t0)^2 by fixed-point iteration (v varies slowly); -1 where t is
 * above the moveout curve's start (no t0 >= 0 maps there). */
static void moveout_map(const struct sk_regrid *rg, struct sk_regrid_ws *ws, double h0)
{
	const long ns = rg->o.ns;
	const double *vr = rg->o.vrms;
	for (long s = 0; s < ns; s++) {
		const double t = (double)s * rg->o.dt;
		double t0 = t;
		int ok = 1;
		for (int it = 0; it < 8; it++) {
			const double fs = t0 / rg->o.dt;
			const long j = (long)fs;
			const double v = j >= ns - 1 ? vr[ns - 1] : vr[j] + (vr[j + 1] - vr[j]) * (fs - (double)j);
			const double a = t * t - h0 * h0 / (v * v);
			if (a < 0) {
				ok = 0;
				break;
			}
			t0 = sqrt(a);
		}
		ws->tmap[s] = ok ? t0 : -1;
	}
}

long sk_regrid_fold(const struct sk_regrid *rg, double u, double v, int cls)
{
	const double hx = rg->o.bin_dx / 2, hy = rg->o.line ? INFINITY : rg->o.bin_dy / 2;
	long dummy;
	if (cls < 0 || cls >= rg->ncls)
		return 0;
	if (rg->o.line)
		return sk_spatial_box(rg->c[cls].sp, u - hx, u + hx, -1.0, 1.0, &dummy, 0);
	return sk_spatial_box(rg->c[cls].sp, u - hx, u + hx, v - hy, v + hy, &dummy, 0);
}

/* The inputs inside the bin at (u, v), into ws->cidx (class-local). */
static long in_bin(const struct sk_regrid *rg, struct sk_regrid_ws *ws, const struct cls *k,
		   double u, double v)
{
	const double hx = rg->o.bin_dx / 2, hy = rg->o.bin_dy / 2;
	const double y0 = rg->o.line ? -1.0 : v - hy, y1 = rg->o.line ? 1.0 : v + hy;
	for (;;) {
		const long m = sk_spatial_box(k->sp, u - hx, u + hx, y0, y1, ws->cidx, ws->cap);
		if (m <= ws->cap)
			return m;
		if (ws_grow(ws, m, rg->o.ns) < 0)
			return -1;
	}
}

/* The k nearest (class-local into cidx, squared distances into d2), within
 * the radius or inside the bin. */
static long nearest_k(const struct sk_regrid *rg, struct sk_regrid_ws *ws, const struct cls *k,
		      double u, double v, long kk)
{
	if (rg->o.in_bin) {
		const long m = in_bin(rg, ws, k, u, v);
		long *tmp;
		double *d;
		long got = 0;
		if (m <= 0)
			return m;
		/* Keep the kk nearest of the bin's traces, by (distance, index). */
		tmp = ws->cidx;
		d = ws->d2;
		for (long a = 0; a < m; a++) {
			const double du = k->u[tmp[a]] - u, dv = k->v[tmp[a]] - v;
			d[a] = du * du + dv * dv;
		}
		for (long a = 0; a < m && got < kk; a++) {
			long best = a;
			for (long b = a + 1; b < m; b++)
				if (d[b] < d[best] || (d[b] == d[best] && tmp[b] < tmp[best]))
					best = b;
			{
				const long ti = tmp[a];
				const double td = d[a];
				tmp[a] = tmp[best];
				d[a] = d[best];
				tmp[best] = ti;
				d[best] = td;
			}
			got++;
		}
		return got;
	}
	if (ws_grow(ws, kk, rg->o.ns) < 0)
		return -1;
	return sk_spatial_knn(k->sp, u, rg->o.line ? 0.0 : v, kk, rg->o.radius, ws->cidx, ws->d2);
}

static void idw_weights(double *w, const double *d2, long m, double power)
{
	double sum = 0;
	long nz = 0;
	for (long a = 0; a < m; a++)
		if (d2[a] <= ZERO_DIST * ZERO_DIST)
			nz++;
	for (long a = 0; a < m; a++) {
		if (nz > 0)
			w[a] = d2[a] <= ZERO_DIST * ZERO_DIST ? 1.0 : 0.0;
		else
			w[a] = pow(d2[a], -power / 2);
		sum += w[a];
	}
	for (long a = 0; a < m; a++)
		w[a] /= sum;
}

/* out = sum_a w[a] * trace(idx[a]). */
static int combine(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, long m,
		   int have_map, double h0, float *out, struct sk_error *err)
{
	const long ns = rg->o.ns;
	memset(out, 0, (size_t)ns * sizeof *out);
	for (long a = 0; a < m; a++) {
		const int rc = get_trace(rg, ws, slot, ws->idx[a], have_map, h0, ws->raw, err);
		const float wa = (float)ws->w[a];
		if (rc < 0)
			return rc;
		if (ws->w[a] == 0)
			continue;
		for (long s = 0; s < ns; s++)
			out[s] += wa * ws->raw[s];
	}
	return 0;
}

static int dip_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot,
		     const struct cls *k, double u, double v, long m, int have_map, double h0,
		     float *out, struct sk_error *err);

int sk_regrid_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, double u,
		    double v, int cls, double h0, float *out, struct sk_error *err)
{
	const struct sk_regrid_opts *o = &rg->o;
	const struct cls *k;
	const int have_map = o->vrms != NULL && rg->in.h != NULL;
	long m = 0;

	memset(out, 0, (size_t)o->ns * sizeof *out);
	if (cls < 0 || cls >= rg->ncls || rg->c[cls].n == 0)
		return 0;
	k = &rg->c[cls];
	if (o->line)
		v = 0;
	if (have_map)
		moveout_map(rg, ws, h0);
	switch (o->method) {
	case SK_REGRID_NEAREST:
		m = nearest_k(rg, ws, k, u, v, 1);
		if (m > 0)
			ws->w[0] = 1;
		break;
	case SK_REGRID_BIN:
		m = in_bin(rg, ws, k, u, v);
		for (long a = 0; a < m; a++)
			ws->w[a] = 1.0 / (double)m;
		break;
	case SK_REGRID_IDW:
		m = nearest_k(rg, ws, k, u, v, o->k);
		if (m > 0)
			idw_weights(ws->w, ws->d2, m, o->power);
		break;
	case SK_REGRID_LINEAR: {
		long vv[3];
		double w3[3];
		int r;
		/* Something must lie within the radius (or inside the bin). */
		m = nearest_k(rg, ws, k, u, v, 1);
		if (m <= 0)
			break;
		r = sk_delaunay_locate(k->dl, u, v, &ws->hint[cls], vv, w3);
		if (r > 1) {
			/* Expand each vertex into its group of coincident inputs. */
			long cnt = 0;
			for (int a = 0; a < r; a++) {
				long gn;
				const long *g = sk_delaunay_group(k->dl, vv[a], &gn);
				if (ws_grow(ws, cnt + gn, o->ns) < 0)
					return sk_error_set(err, SK_ENOMEM, "out of memory");
				for (long b = 0; b < gn; b++) {
					ws->cidx[cnt] = g[b];
					ws->w[cnt] = w3[a] / (double)gn;
					cnt++;
				}
			}
			m = cnt;
		} else {
			ws->w[0] = 1; /* outside the hull: the nearest trace */
		}
		break;
	}
	case SK_REGRID_DIP:
		m = nearest_k(rg, ws, k, u, v, o->dip_k);
		break;
	}
	if (m < 0)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (m == 0)
		return 0;
	for (long a = 0; a < m; a++)
		ws->idx[a] = k->gid[ws->cidx[a]];
	if (o->method == SK_REGRID_DIP) {
		const int rc = dip_trace(rg, ws, slot, k, u, v, m, have_map, h0, out, err);
		return rc < 0 ? rc : 1;
	}
	{
		const int rc = combine(rg, ws, slot, m, have_map, h0, out, err);
		return rc < 0 ? rc : 1;
	}
}

/*
 * dip: neighbours a = 0..m-1 at offsets (du_a, dv_a) from the output.  For
 * every output sample t, scan the slopes for the highest semblance of the
 * neighbours aligned by t + p . d_a over the window [t - H, t + H] (H = half
 * the window), on traces upsampled UPS times so that shifts are whole
 * upsampled samples and window sums are running sums; then the estimate is
 * sum_a w_a tr_a(t + p_t . d_a) with inverse-distance weights w_a.  Choosing
 * the slope per sample rather than per window keeps crossing events of
 * different dips apart.
 */
/* Semblance of slope s over samples t0..t1 of the residual traces; keeps
 * the best (ties: the smaller |p|, then the smaller index). */
static void try_slope(const struct sk_regrid *rg, const struct sk_regrid_ws *ws, const float *res,
		      long ulen, long pad, long m, long t0, long t1, long s, long *best, double *bests)
{
	const long *sh = ws->shift + s * m;
	double num = 0, den = 0, sem;
	for (long t = t0; t <= t1; t++) {
		double sum = 0;
		for (long a = 0; a < m; a++) {
			const float x = res[(size_t)a * (size_t)ulen + (size_t)(pad + t * UPS + sh[a])];
			sum += x;
			den += (double)x * x;
		}
		num += sum * sum;
	}
	if (!(den > 0))
		return;
	sem = num / den;
	if (sem > *bests || (sem == *bests && *best >= 0 &&
			     (rg->spu[s] * rg->spu[s] + rg->spv[s] * rg->spv[s] <
			      rg->spu[*best] * rg->spu[*best] + rg->spv[*best] * rg->spv[*best] ||
			      (rg->spu[s] * rg->spu[s] + rg->spv[s] * rg->spv[s] ==
			       rg->spu[*best] * rg->spu[*best] + rg->spv[*best] * rg->spv[*best] && s < *best)))) {
		*bests = sem;
		*best = s;
	}
}

static int dip_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot,
		     const struct cls *k, double u, double v, long m, int have_map, double h0,
		     float *out, struct sk_error *err)
{
	const struct sk_regrid_opts *o = &rg->o;
	const long ns = o->ns, nsl = rg->nslope;
	long H = lround(o->dip_win / o->dt / 2), pad = 0, ulen, S;
	double dmax = 0, *acc, *est;
	float *up, *res, *cb;

	if (H < 2)
		H = 2;
	/* Fetch the neighbours. */
	for (long a = 0; a < m; a++) {
		const int rc = get_trace(rg, ws, slot, ws->idx[a], have_map, h0,
					 ws->tr + (size_t)a * (size_t)ns, err);
		if (rc < 0)
			return rc;
	}
	/* One coincident trace: that trace, unchanged. */
	if (ws->d2[0] <= ZERO_DIST * ZERO_DIST || m == 1) {
		memcpy(out, ws->tr, (size_t)ns * sizeof *out);
		return 0;
	}
	idw_weights(ws->w, ws->d2, m, 2.0);
	/* |p . d| <= pmax (|du| + |dv|): the largest shift of any slope. */
	for (long a = 0; a < m; a++) {
		const long ci = ws->cidx[a];
		const double d = fabs(k->u[ci] - u) + (o->line ? 0.0 : fabs(k->v[ci] - v));
		if (d > dmax)
			dmax = d;
	}
	S = (long)ceil(o->dip_pmax * dmax / o->dt * UPS) + 2;
	pad = 3 * S + UPS * (2 * H + 4);
	ulen = ns * UPS + 2 * pad;
	if ((2 * m + 1) * ulen > ws->upcap) {
		float *nu = realloc(ws->up, (size_t)((2 * m + 1) * ulen) * sizeof *nu);
		if (!nu)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		ws->up = nu;
		ws->upcap = (2 * m + 1) * ulen;
	}
	if (nsl * m > ws->shcap) {
		long *sh = realloc(ws->shift, (size_t)(nsl * m) * sizeof *sh);
		if (!sh)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		ws->shift = sh;
		ws->shcap = nsl * m;
	}
	if (ns > ws->bestcap) {
		double *bs = realloc(ws->bests, (size_t)ns * 2 * sizeof *bs);
		if (!bs)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		ws->bests = bs;
		ws->bestcap = ns;
	}
	up = ws->up;
	res = ws->up + (size_t)m * (size_t)ulen;
	cb = ws->up + (size_t)(2 * m) * (size_t)ulen;
	acc = ws->bests;
	est = ws->bests + ns;
	for (long a = 0; a < m; a++) {
		float *ua = up + (size_t)a * (size_t)ulen;
		const float *tr = ws->tr + (size_t)a * (size_t)ns;
		memset(ua, 0, (size_t)ulen * sizeof *ua);
		for (long s = 0; s < ns * UPS; s++)
			ua[pad + s] = interp(rg, tr, ns, (double)s / UPS);
	}
	for (long s = 0; s < nsl; s++)
		for (long a = 0; a < m; a++) {
			const long ci = ws->cidx[a];
			const double du = k->u[ci] - u, dv = k->v[ci] - (o->line ? 0.0 : v);
			ws->shift[s * m + a] = lround((rg->spu[s] * du + rg->spv[s] * dv) / o->dt * UPS);
		}
	memset(acc, 0, (size_t)ns * sizeof *acc);
	for (long j = 0; j * H < ns + H; j++) {
		const long c = j * H, t0 = c - H < 0 ? 0 : c - H, t1 = c + H > ns - 1 ? ns - 1 : c + H;
		double e0 = -1;
		if (t0 > t1)
			break;
		memcpy(res, up, (size_t)m * (size_t)ulen * sizeof *res);
		for (long t = t0; t <= t1; t++)
			est[t] = 0;
		for (int comp = 0; comp < DIP_NCOMP; comp++) {
			long best = -1;
			double bests = -1, energy = 0, tau[64];
			for (long a = 0; a < m; a++)
				for (long t = t0; t <= t1; t++) {
					const double x = res[(size_t)a * (size_t)ulen + (size_t)(pad + t * UPS)];
					energy += x * x;
				}
			if (e0 < 0)
				e0 = energy;
			/* Nothing (left) to explain in this window. */
			if (!(energy > 1e-30) || energy < 1e-6 * e0)
				break;
			/* Coarse scan on every other slope, then the fine neighbours
			 * of the coarse best: semblance peaks are several fine steps
			 * wide (half a period over the neighbour distances). */
			{
				const long step = rg->npu > 5 ? 2 : 1;
				long ba = 0, bb = 0;
				for (long a = 0; a < rg->npu; a += step)
					for (long b = 0; b < rg->npv; b += (rg->npv > 5 ? 2 : 1))
						try_slope(rg, ws, res, ulen, pad, m, t0, t1, a * rg->npv + b, &best, &bests);
				if (best >= 0 && step > 1) {
					ba = best / rg->npv;
					bb = best % rg->npv;
					for (long a = ba - 1; a <= ba + 1; a++)
						for (long b = bb - 1; b <= bb + 1; b++)
							if (a >= 0 && a < rg->npu && b >= 0 && b < rg->npv &&
							    (a != ba || b != bb))
								try_slope(rg, ws, res, ulen, pad, m, t0, t1, a * rg->npv + b,
									  &best, &bests);
				}
			}
			if (best < 0)
				break;
			for (long a = 0; a < m; a++) {
				const long ci = ws->cidx[a];
				const double du = k->u[ci] - u, dv = k->v[ci] - (o->line ? 0.0 : v);
				tau[a] = (rg->spu[best] * du + rg->spv[best] * dv) / o->dt * UPS;
			}
			/* The component along the slope, at the output location. */
			for (long T = t0 * UPS - 2 * S - 1; T <= t1 * UPS + 2 * S + 1; T++) {
				double cv = 0;
				for (long a = 0; a < m; a++)
					cv += ws->w[a] * lin(res + (size_t)a * (size_t)ulen, (double)(pad + T) + tau[a]);
				cb[pad + T] = (float)cv;
			}
			for (long t = t0; t <= t1; t++)
				est[t] += cb[pad + t * UPS];
			if (comp + 1 < DIP_NCOMP)
				/* Remove it from the neighbours for the next slope. */
				for (long a = 0; a < m; a++) {
					float *ra = res + (size_t)a * (size_t)ulen;
					for (long T = t0 * UPS - S; T <= t1 * UPS + S; T++)
						ra[pad + T] -= lin(cb, (double)(pad + T) - tau[a]);
				}
		}
		for (long t = t0; t <= t1; t++)
			acc[t] += (1.0 - fabs((double)(t - c)) / (double)H) * est[t];
	}
	for (long t = 0; t < ns; t++)
		out[t] = (float)acc[t];
	return 0;
}

int sk_regrid_block(const struct sk_regrid *rg, const double *u, const double *v, const int *cls,
		    const double *h0, long n, float *out, int *live, struct sk_error *err)
{
	return sk_regrid_block_beside(rg, u, v, cls, h0, n, out, live, NULL, NULL, err);
}

int sk_regrid_block_beside(const struct sk_regrid *rg, const double *u, const double *v, const int *cls,
			   const double *h0, long n, float *out, int *live, void (*beside)(void *ctx),
			   void *ctx, struct sk_error *err)
{
	int nth = 1, failed = 0;
	long first_bad = n;
	struct sk_regrid_ws **ws;
	struct sk_error *errs;
	long *bad_at;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	ws = calloc((size_t)nth, sizeof *ws);
	errs = calloc((size_t)nth, sizeof *errs);
	bad_at = malloc((size_t)nth * sizeof *bad_at);
	if (!ws || !errs || !bad_at) {
		free(ws);
		free(errs);
		free(bad_at);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (int t = 0; t < nth; t++) {
		bad_at[t] = n;
		ws[t] = sk_regrid_ws_new(rg);
		if (!ws[t])
			failed = 1;
	}
	if (failed && beside)
		beside(ctx);
	if (!failed) {
#pragma omp parallel num_threads(nth)
	{
		/* The initial thread runs beside first (the driver writes the
		 * previous block there), then joins the traces the others have
		 * left: nothing waits for it. */
#pragma omp master
		if (beside)
			beside(ctx);
#pragma omp for schedule(dynamic, 4) nowait
		for (long i = 0; i < n; i++) {
			int t = 0;
#ifdef _OPENMP
			t = omp_get_thread_num();
#endif
			if (bad_at[t] < n)
				continue;
			{
				const int rc = sk_regrid_trace(rg, ws[t], t, u[i], v[i], cls ? cls[i] : 0,
							       h0 ? h0[i] : 0.0,
							       out + (size_t)i * (size_t)rg->o.ns, &errs[t]);
				if (rc < 0)
					bad_at[t] = i;
				else
					live[i] = rc;
			}
		}
	}
	}
	{
		int rc = 0;
		if (failed) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		} else {
			for (int t = 0; t < nth; t++)
				if (bad_at[t] < first_bad) {
					first_bad = bad_at[t];
					*err = errs[t];
					rc = errs[t].code ? errs[t].code : SK_EIO;
				}
		}
		for (int t = 0; t < nth; t++)
			sk_regrid_ws_free(ws[t]);
		free(ws);
		free(errs);
		free(bad_at);
		return rc;
	}
}

static int cmp_pt(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return (a[1] > b[1]) - (a[1] < b[1]);
}

static double cross3(const double *o, const double *a, const double *b)
{
	return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

long sk_regrid_hull(double (*p)[2], long n)
{
	double (*h)[2];
	long k = 0;

	if (n < 3)
		return n;
	qsort(p, (size_t)n, sizeof *p, cmp_pt);
	h = malloc((size_t)(2 * n) * sizeof *h);
	if (!h)
		return -1;
	for (long i = 0; i < n; i++) {
		while (k >= 2 && cross3(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		h[k][0] = p[i][0];
		h[k][1] = p[i][1];
		k++;
	}
	for (long i = n - 2, lo = k + 1; i >= 0; i--) {
		while (k >= lo && cross3(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		h[k][0] = p[i][0];
		h[k][1] = p[i][1];
		k++;
	}
	k--;   /* the first point again */
	memcpy(p, h, (size_t)k * sizeof *h);
	free(h);
	return k;
}

int sk_regrid_exact(const struct sk_regrid *rg, struct sk_regrid_ws *ws, double u, double v, int cls,
		    const double region[4], const double (*hull)[2], long nh)
{
	const struct sk_regrid_opts *o = &rg->o;
	const struct cls *k;
	const double *fr = rg->in.frame;
	/* Snapping moves points by half a lattice step (2^-27 of the frame):
	 * decisions nearer than this to a boundary are left undecided. */
	double eps = 1e-6, lo[2], hi[2];
	long vv[3], m;
	double w3[3];
	int r;

	if (o->method != SK_REGRID_LINEAR)
		return 1;
	if (!fr)
		return 0;
	eps += 1e-6 * fmax(fr[1] - fr[0], fr[3] - fr[2]);
	/* A side of the region at or beyond the data's extent bounds nothing. */
	lo[0] = region[0] <= fr[0] ? -INFINITY : region[0] + eps;
	hi[0] = region[1] >= fr[1] ? INFINITY : region[1] - eps;
	lo[1] = o->line || region[2] <= fr[2] ? -INFINITY : region[2] + eps;
	hi[1] = o->line || region[3] >= fr[3] ? INFINITY : region[3] - eps;
	if (cls < 0 || cls >= rg->ncls || rg->c[cls].n == 0)
		return 1;   /* nothing within the radius in S: nothing in the whole */
	k = &rg->c[cls];
	if (o->line)
		v = 0;
	m = nearest_k(rg, ws, k, u, v, 1);
	if (m < 0)
		return SK_ENOMEM;
	if (m == 0)
		return 1;   /* dead in both: S holds every input within the radius */
	r = sk_delaunay_locate(k->dl, u, v, &ws->hint[cls], vv, w3);
	if (r == 3) {
		const double ax = k->u[vv[0]], ay = k->v[vv[0]];
		const double bx = k->u[vv[1]] - ax, by = k->v[vv[1]] - ay;
		const double cx = k->u[vv[2]] - ax, cy = k->v[vv[2]] - ay;
		const double d = 2 * (bx * cy - by * cx);
		double ox, oy, rad;
		if (!(fabs(d) > 0))
			return 0;
		ox = (cy * (bx * bx + by * by) - by * (cx * cx + cy * cy)) / d;
		oy = (bx * (cx * cx + cy * cy) - cx * (bx * bx + by * by)) / d;
		rad = hypot(ox, oy) * (1 + 1e-9);
		ox += ax;
		oy += ay;
		return ox - rad > lo[0] && ox + rad < hi[0] && oy - rad > lo[1] && oy + rad < hi[1];
	}
	if (r == 2)
		/* 1-D on a line: S holds every input between the two neighbours. */
		return o->line && u > lo[0] && u < hi[0];
	if (r == 1)
		return 0;
	/* Outside S's hull: the whole run agrees when (u, v) lies outside the
	 * whole set's hull too. */
	if (o->line)
		return u < fr[0] - eps || u > fr[1] + eps;
	if (u < fr[0] - eps || u > fr[1] + eps || v < fr[2] - eps || v > fr[3] + eps)
		return 1;
	if (!hull || nh < 3)
		return 0;
	{
		const double q[2] = {u, v};
		for (long i = 0; i < nh; i++) {
			const double *a = hull[i], *b = hull[(i + 1) % nh];
			const double len = hypot(b[0] - a[0], b[1] - a[1]);
			if (cross3(a, b, q) < -eps * len)
				return 1;
		}
	}
	return 0;
}
