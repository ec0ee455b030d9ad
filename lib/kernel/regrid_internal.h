/*
 * regrid_internal: what the regrid core's files share (the index, a thread's
 * workspace, the sinc interpolator and the calls between the files).  This
 * header shall only be used by lib/kernel/regrid.c, regrid_trace.c,
 * regrid_dip.c and regrid_part.c, and by the unit tests of their parts
 * (tests/unit/test_regrid_trace.c); everything else uses regrid.h.
 *
 * regrid.c: method names, the index (sk_regrid_new), workspaces and the
 *   parallel block of output traces;
 * regrid_trace.c: one output trace: neighbours, weights, moveout, fetching;
 * regrid_dip.c: the dip method's slope scan;
 * regrid_part.c: --part support, the convex hull and sk_regrid_exact.
 */
#ifndef SK_REGRID_INTERNAL_H
#define SK_REGRID_INTERNAL_H

#include <math.h>

#include "delaunay.h"
#include "regrid.h"
#include "spatial.h"

#define SINC_HALF 4              /* taps each side: 8-point interpolator */
#define SINC_FRAC 512            /* tabulated fractional positions */
#define UPS 4                    /* dip scan: time upsampling factor */
#define DIP_NCOMP 3              /* dip: dips separated per window */
#define ZERO_DIST 1e-6           /* metres: coincident with the output location */
#define PI 3.14159265358979323846

struct cls {
	long n;                  /* inputs of this class */
	long *gid;               /* class index -> input index */
	double *u, *v;           /* u, v and gid: one block, freed through u */
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
	/* with fetch_many: the traces of a run of output traces read into the
	 * cache at once, before the run (regrid.c prefetch) */
	long *phint;             /* per class: the walk hint of that pass */
	long *claim;             /* per cache slot: the run that took it */
	long stamp;              /* the run's number */
	long *pf_idx;            /* batch: the traces to read */
	float **pf_dst;          /* batch: their cache slots */
	unsigned char *pf_ok;
	/* with fetch_many: each output trace's selection in the run, made by
	 * prefetch and taken by the trace instead of selecting again */
	long sel_i0;             /* the run's first output trace */
	long sel_n;              /* output traces of the run in sel_m / sel_at / sel_hint */
	long *sel_m;             /* per trace: inputs, or -1: not kept (the trace selects) */
	long *sel_at;            /* per trace: its first entry */
	long *sel_hint;          /* per trace: its class's walk hint before its selection */
	long sel_used, sel_cap;  /* entries kept, room (at most sel_max) */
	long sel_max;
	long *sel_idx, *sel_cidx;
	double *sel_w, *sel_d2;
	long nselect;            /* sk_rgk_select calls (the unit tests count them) */
};

/* The value of tr (ns samples, zero outside) at fractional sample s. */
static inline float interp(const struct sk_regrid *rg, const float *tr, long ns, double s)
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

/* regrid.c */

/* Output traces i0 .. i1 - 1 (at u[i], v[i], class cls[i] or 0, offset
 * h0[i] or 0) into out + i * ns and live[i], as one run of a block: with
 * fetch_many, their inputs read in batches first and each trace's
 * selection made once.  Returns i1, or the first trace that failed (err
 * set; the traces after it not built). */
long sk_rgk_run(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, const double *u, const double *v,
		const int *cls, const double *h0, long i0, long i1, float *out, int *live, struct sk_error *err);

/* Makes room for cap neighbours of ns samples in ws; SK_ENOMEM. */
int sk_rgk_ws_grow(struct sk_regrid_ws *ws, long cap, long ns);

/* regrid_trace.c */

/* Fetches input trace gi (cached) into dst, moved out from its offset to h0
 * when a velocity is given. */
int sk_rgk_get_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, long gi,
		     int have_map, double h0, float *dst, struct sk_error *err);
/* The inputs the output trace at (u, v) of class cls (0 <= cls < ncls,
 * the class not empty; v = 0 on a line) takes: m global indices in
 * ws->idx (class-local in ws->cidx), their weights in ws->w; returns m (0:
 * none, a dead trace), or -1 out of memory.  hint: linear's walk start
 * (sk_delaunay_locate). */
long sk_rgk_select(const struct sk_regrid *rg, struct sk_regrid_ws *ws, double u, double v, int cls, long *hint);
/* sk_regrid_trace, with run position r of the selections prefetch kept
 * (sel_*), or r < 0: none; the bytes are the same either way. */
int sk_rgk_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, double u, double v, int cls,
		 double h0, long r, float *out, struct sk_error *err);
/* The k nearest (class-local into cidx, squared distances into d2), within
 * the radius or inside the bin. */
long sk_rgk_nearest_k(const struct sk_regrid *rg, struct sk_regrid_ws *ws, const struct cls *k,
		      double u, double v, long kk);
/* Inverse-distance weights d^-power of m squared distances, normalised; a
 * coincident input (within ZERO_DIST) takes all the weight. */
void sk_rgk_idw_weights(double *w, const double *d2, long m, double power);

/* regrid_dip.c */

/* The dip method's output trace from the m neighbours in ws (idx, cidx,
 * d2); 0 or the fetch callback's error. */
int sk_rgk_dip_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot,
		     const struct cls *k, double u, double v, long m, int have_map, double h0,
		     float *out, struct sk_error *err);

#endif
