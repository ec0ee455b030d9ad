/*
 * regrid core: the dip method.
 * - semblance (Neidell & Taner 1971): S = sum_t (sum_i a_i)^2 /
 *   (K sum_t sum_i a_i^2) over a window, the slope scan of notes/regrid.md.
 */
#include "regrid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regrid_internal.h"

/* Linear interpolation on an upsampled trace (the caller keeps x inside). */
static float lin(const float *b, double x)
{
	const double fl = floor(x);
	const long i = (long)fl;
	const float f = (float)(x - fl);
	return b[i] + f * (b[i + 1] - b[i]);
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

int sk_rgk_dip_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot,
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
		const int rc = sk_rgk_get_trace(rg, ws, slot, ws->idx[a], have_map, h0,
					 ws->tr + (size_t)a * (size_t)ns, err);
		if (rc < 0)
			return rc;
	}
	/* One coincident trace: that trace, unchanged. */
	if (ws->d2[0] <= ZERO_DIST * ZERO_DIST || m == 1) {
		memcpy(out, ws->tr, (size_t)ns * sizeof *out);
		return 0;
	}
	sk_rgk_idw_weights(ws->w, ws->d2, m, 2.0);
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

