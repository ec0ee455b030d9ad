/*
 * regrid core: one output trace, from neighbour selection, weights,
 * moveout and the fetched input traces.  The formulas used are:
 * - inverse distance weighting (Shepard 1968): w_i = d_i^-p / sum d_j^-p;
 * - barycentric weights on a Delaunay triangle (see delaunay.c);
 * - NMO t(h) = sqrt(t0^2 + h^2 / v^2) (Dix 1955).
 */
#include "regrid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delaunay.h"
#include "regrid_internal.h"
#include "spatial.h"

/* Fetches input trace gi (cached) into dst, moved out from its offset to h0
 * when a velocity is given. */
int sk_rgk_get_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, long gi,
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
		if (sk_rgk_ws_grow(ws, m, rg->o.ns) < 0)
			return -1;
	}
}

/* The k nearest (class-local into cidx, squared distances into d2), within
 * the radius or inside the bin. */
long sk_rgk_nearest_k(const struct sk_regrid *rg, struct sk_regrid_ws *ws, const struct cls *k,
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
	if (sk_rgk_ws_grow(ws, kk, rg->o.ns) < 0)
		return -1;
	return sk_spatial_knn(k->sp, u, rg->o.line ? 0.0 : v, kk, rg->o.radius, ws->cidx, ws->d2);
}

void sk_rgk_idw_weights(double *w, const double *d2, long m, double power)
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
		const int rc = sk_rgk_get_trace(rg, ws, slot, ws->idx[a], have_map, h0, ws->raw, err);
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

long sk_rgk_select(const struct sk_regrid *rg, struct sk_regrid_ws *ws, double u, double v, int cls, long *hint)
{
	const struct sk_regrid_opts *o = &rg->o;
	const struct cls *k = &rg->c[cls];
	long m = 0;

	ws->nselect++;
	switch (o->method) {
	case SK_REGRID_NEAREST:
		m = sk_rgk_nearest_k(rg, ws, k, u, v, 1);
		if (m > 0)
			ws->w[0] = 1;
		break;
	case SK_REGRID_BIN:
		m = in_bin(rg, ws, k, u, v);
		for (long a = 0; a < m; a++)
			ws->w[a] = 1.0 / (double)m;
		break;
	case SK_REGRID_IDW:
		m = sk_rgk_nearest_k(rg, ws, k, u, v, o->k);
		if (m > 0)
			sk_rgk_idw_weights(ws->w, ws->d2, m, o->power);
		break;
	case SK_REGRID_LINEAR: {
		long vv[3];
		double w3[3];
		int r;
		/* Something must lie within the radius (or inside the bin). */
		m = sk_rgk_nearest_k(rg, ws, k, u, v, 1);
		if (m <= 0)
			break;
		r = sk_delaunay_locate(k->dl, u, v, hint, vv, w3);
		if (r > 1) {
			/* Expand each vertex into its group of coincident inputs. */
			long cnt = 0;
			for (int a = 0; a < r; a++) {
				long gn;
				const long *g = sk_delaunay_group(k->dl, vv[a], &gn);
				if (sk_rgk_ws_grow(ws, cnt + gn, o->ns) < 0)
					return -1;
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
		m = sk_rgk_nearest_k(rg, ws, k, u, v, o->dip_k);
		break;
	}
	for (long a = 0; a < m; a++)
		ws->idx[a] = k->gid[ws->cidx[a]];
	return m;
}

int sk_regrid_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, double u,
		    double v, int cls, double h0, float *out, struct sk_error *err)
{
	return sk_rgk_trace(rg, ws, slot, u, v, cls, h0, -1, out, err);
}

/* The selection prefetch kept for run position r into ws's arrays, as
 * sk_rgk_select leaves what the trace then reads (idx and w; cidx and d2
 * for dip); -1 when none was kept (the trace selects), -2 out of memory. */
static long kept_selection(const struct sk_regrid *rg, struct sk_regrid_ws *ws, long r, int cls)
{
	const long m = ws->sel_m[r], at = ws->sel_at[r];
	if (m < 0) {
		/* Its walk starts where prefetch's did: the same triangle. */
		ws->hint[cls] = ws->sel_hint[r];
		return -1;
	}
	if (sk_rgk_ws_grow(ws, m, rg->o.ns) < 0)
		return -2;
	memcpy(ws->idx, ws->sel_idx + at, (size_t)m * sizeof *ws->idx);
	memcpy(ws->w, ws->sel_w + at, (size_t)m * sizeof *ws->w);
	if (rg->o.method == SK_REGRID_DIP) {
		memcpy(ws->cidx, ws->sel_cidx + at, (size_t)m * sizeof *ws->cidx);
		memcpy(ws->d2, ws->sel_d2 + at, (size_t)m * sizeof *ws->d2);
	}
	return m;
}

int sk_rgk_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, double u, double v, int cls,
		 double h0, long r, float *out, struct sk_error *err)
{
	const struct sk_regrid_opts *o = &rg->o;
	const int have_map = o->vrms != NULL && rg->in.h != NULL;
	long m = -1;

	memset(out, 0, (size_t)o->ns * sizeof *out);
	if (cls < 0 || cls >= rg->ncls || rg->c[cls].n == 0)
		return 0;
	if (o->line)
		v = 0;
	if (have_map)
		moveout_map(rg, ws, h0);
	if (r >= 0)
		m = kept_selection(rg, ws, r, cls);
	if (m == -1)
		m = sk_rgk_select(rg, ws, u, v, cls, &ws->hint[cls]);
	if (m < 0)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (m == 0)
		return 0;
	if (o->method == SK_REGRID_DIP) {
		const int rc = sk_rgk_dip_trace(rg, ws, slot, &rg->c[cls], u, v, m, have_map, h0, out, err);
		return rc < 0 ? rc : 1;
	}
	{
		const int rc = combine(rg, ws, slot, m, have_map, h0, out, err);
		return rc < 0 ? rc : 1;
	}
}
