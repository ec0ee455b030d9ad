/*
 * regrid core: the index of the input positions (one spatial index, and for
 * linear one Delaunay triangulation, per offset class), the workspaces and
 * the output traces of a block built in parallel.  notes/regrid.md describes
 * the methods and the accuracy they must reach; regrid_trace.c builds one
 * trace, regrid_dip.c holds the dip scan, regrid_part.c the --part support.
 * - Lanczos-windowed sinc interpolation (Duchon 1979), a = 4.
 */
#include "regrid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "delaunay.h"
#include "regrid_internal.h"
#include "spatial.h"

#ifdef _OPENMP
#include <omp.h>
#endif

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

void sk_regrid_free(struct sk_regrid *rg)
{
	if (!rg)
		return;
	for (int c = 0; c < rg->ncls && rg->c; c++) {
		free(rg->c[c].u); /* u, v and gid share one block */
		sk_spatial_free(rg->c[c].sp);
		sk_delaunay_free(rg->c[c].dl);
	}
	free(rg->c);
	free(rg->spu);
	free(rg->spv);
	free(rg);
}

/* A class's spatial index (sk_delaunay_new_beside's beside work). */
struct spatial_job {
	struct cls *k;
	double cell;
	int rc;
	struct sk_error err;
};

static void spatial_build(void *ctx)
{
	struct spatial_job *j = ctx;
	j->rc = sk_spatial_new(j->k->u, j->k->v, j->k->n, j->cell, &j->k->sp, &j->err);
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
		/* One block (huge pages from 2 MiB, bigmem.h): three arrays of
		 * 800 KB for 100,000 traces were 600 faults of 4 KiB on the one
		 * thread that builds the index. */
		k->u = sk_bigmem_alloc(m * (sizeof *k->u + sizeof *k->v + sizeof *k->gid));
		if (!k->u) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto fail;
		}
		k->v = k->u + m;
		k->gid = (long *)(void *)(k->v + m);
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
			struct spatial_job sj = {&rg->c[c], cell, 0, {0}};
			if (o->method == SK_REGRID_LINEAR) {
				/* The spatial index is built beside the insertion
				 * (about 45 ms for 100,000 points on one thread; in
				 * two parts at once on two). */
				rc = sk_delaunay_new_beside(rg->c[c].u, rg->c[c].v, rg->c[c].n, in->frame, spatial_build,
							    &sj, &rg->c[c].dl, err);
				if (rc >= 0 && sj.rc < 0) {
					*err = sj.err;
					rc = sj.rc;
				}
			} else {
				spatial_build(&sj);
				if ((rc = sj.rc) < 0)
					*err = sj.err;
			}
			if (rc < 0)
				goto fail;
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

/* Output traces per run whose input traces are read at once (fetch_many)
 * before the run is built: about 2 traces to read an output trace for
 * linear on 2.5 inputs a bin, so some 70 reads a batch, where io_uring's
 * cost per read has levelled off (batchread.h); few enough that the run's
 * traces rarely share a cache slot (70 of 1,048: about 2 pairs). */
#define PF_RUN 32

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
	free(ws->phint);
	free(ws->claim);
	free(ws->pf_idx);
	free(ws->pf_dst);
	free(ws->pf_ok);
	free(ws->sel_m);
	free(ws->sel_at);
	free(ws->sel_hint);
	free(ws->sel_idx);
	free(ws->sel_cidx);
	free(ws->sel_w);
	free(ws->sel_d2);
	free(ws);
}

int sk_rgk_ws_grow(struct sk_regrid_ws *ws, long cap, long ns)
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
	{
		/* Whole huge pages when they add at most an eighth (bigmem.h): a
		 * cache of 1,024 traces of 500 samples is 1.95 MiB, 500 faults of
		 * 4 KiB in every thread, against one in a 2 MiB page that holds
		 * 1,048 of them.  The slot a trace takes changes, not the output. */
		const size_t rec = (size_t)ns * sizeof(float), want = (size_t)ws->cache_n * rec;
		const size_t whole = (want + SK_BIGMEM_PAGE - 1) / SK_BIGMEM_PAGE * SK_BIGMEM_PAGE;
		size_t bytes = want;
		if (whole - want <= want / 8) {
			ws->cache_n = (long)(whole / rec);
			bytes = whole;
		}
		ws->cache = sk_bigmem_alloc(bytes);
	}
	ws->cache_id = malloc((size_t)ws->cache_n * sizeof *ws->cache_id);
	if (!ws->raw || !ws->tmap || !ws->hint || !ws->cache_id || !ws->cache ||
	    sk_rgk_ws_grow(ws, rg->maxnb > 16 ? rg->maxnb : 16, ns) < 0) {
		sk_regrid_ws_free(ws);
		return NULL;
	}
	if (rg->in.fetch_many) {
		const long nb = rg->in.batch > 0 ? rg->in.batch : 1;
		ws->phint = malloc((size_t)rg->ncls * sizeof *ws->phint);
		ws->claim = calloc((size_t)ws->cache_n, sizeof *ws->claim);
		ws->pf_idx = malloc((size_t)nb * sizeof *ws->pf_idx);
		ws->pf_dst = malloc((size_t)nb * sizeof *ws->pf_dst);
		ws->pf_ok = malloc((size_t)nb);
		ws->sel_m = malloc(PF_RUN * sizeof *ws->sel_m);
		ws->sel_at = malloc(PF_RUN * sizeof *ws->sel_at);
		ws->sel_hint = malloc(PF_RUN * sizeof *ws->sel_hint);
		/* The selections a run keeps: room for PF_RUN traces of the
		 * method's neighbour count (at least 16 each: linear's 3 vertices
		 * and their coincident inputs); a trace past it selects again. */
		ws->sel_max = PF_RUN * (rg->maxnb > 16 ? rg->maxnb : 16);
		if (!ws->phint || !ws->claim || !ws->pf_idx || !ws->pf_dst || !ws->pf_ok || !ws->sel_m ||
		    !ws->sel_at || !ws->sel_hint) {
			sk_regrid_ws_free(ws);
			return NULL;
		}
	}
	for (int c = 0; c < rg->ncls; c++)
		ws->hint[c] = -1;
	for (long i = 0; i < ws->cache_n; i++)
		ws->cache_id[i] = -1;
	return ws;
}


static int cmp_long(const void *pa, const void *pb)
{
	const long a = *(const long *)pa, b = *(const long *)pb;
	return (a > b) - (a < b);
}

/* Reads the batch into the cache (their slots were claimed, and emptied). */
static void pf_flush(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, long n)
{
	const long ns = rg->o.ns;
	if (n == 0)
		return;
	qsort(ws->pf_idx, (size_t)n, sizeof *ws->pf_idx, cmp_long);
	for (long j = 0; j < n; j++)
		ws->pf_dst[j] = ws->cache + (size_t)(ws->pf_idx[j] % ws->cache_n) * (size_t)ns;
	rg->in.fetch_many(rg->in.ctx, slot, n, ws->pf_idx, ws->pf_dst, ws->pf_ok);
	for (long j = 0; j < n; j++)
		if (ws->pf_ok[j])
			ws->cache_id[ws->pf_idx[j] % ws->cache_n] = ws->pf_idx[j];
}

/* Keeps the selection sk_rgk_select just made (m inputs; -1 out of
 * memory) for run position r, when it fits in sel_max entries: the trace
 * then takes it instead of selecting again (the same walk from the same
 * hint: the same inputs and weights).  What the trace reads of it: idx and
 * w, and cidx and d2 for dip. */
static void keep_selection(const struct sk_regrid *rg, struct sk_regrid_ws *ws, long r, long m)
{
	const int dip = rg->o.method == SK_REGRID_DIP;
	const long need = ws->sel_used + m;
	if (m < 0 || need > ws->sel_max)
		return;
	if (need > ws->sel_cap) {
		long cap = ws->sel_cap ? 2 * ws->sel_cap : 256, *a, *b = NULL;
		double *c, *d = NULL;
		if (cap < need)
			cap = need;
		if (cap > ws->sel_max)
			cap = ws->sel_max;
		a = realloc(ws->sel_idx, (size_t)cap * sizeof *a);
		if (a) ws->sel_idx = a;
		c = realloc(ws->sel_w, (size_t)cap * sizeof *c);
		if (c) ws->sel_w = c;
		if (dip) {
			b = realloc(ws->sel_cidx, (size_t)cap * sizeof *b);
			if (b) ws->sel_cidx = b;
			d = realloc(ws->sel_d2, (size_t)cap * sizeof *d);
			if (d) ws->sel_d2 = d;
		}
		if (!a || !c || (dip && (!b || !d)))
			return; /* not kept: the trace selects (and fails) itself */
		ws->sel_cap = cap;
	}
	memcpy(ws->sel_idx + ws->sel_used, ws->idx, (size_t)m * sizeof *ws->idx);
	memcpy(ws->sel_w + ws->sel_used, ws->w, (size_t)m * sizeof *ws->w);
	if (dip) {
		memcpy(ws->sel_cidx + ws->sel_used, ws->cidx, (size_t)m * sizeof *ws->cidx);
		memcpy(ws->sel_d2 + ws->sel_used, ws->d2, (size_t)m * sizeof *ws->d2);
	}
	ws->sel_m[r] = m;
	ws->sel_at[r] = ws->sel_used;
	ws->sel_used = need;
}

/*
 * Before output traces i0 .. i1 - 1 are built: the input traces they take
 * (sk_rgk_select, as they will be selected; linear's walk from its own
 * hint, so the traces' own walks are not changed) that are not in the
 * cache, read in batches of sorted indices (file order: neighbouring
 * records one read).  A slot is taken once a run: a later trace of the run
 * that maps to it is left to its own fetch rather than evict one the run
 * needs.  The traces are then built from the selections kept here
 * (keep_selection: not made twice) and the cache; a trace not read here
 * (out of memory, a read that failed) is fetched then, and its error
 * reported there: the output does not depend on this.
 */
static void prefetch(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, const double *u,
		     const double *v, const int *cls, long i0, long i1)
{
	const long nb = rg->in.batch > 0 ? rg->in.batch : 1;
	long n = 0;

	ws->stamp++;
	ws->sel_i0 = i0;
	ws->sel_n = i1 - i0;
	ws->sel_used = 0;
	for (long i = i0; i < i1; i++) {
		const int c = cls ? cls[i] : 0;
		long m;
		ws->sel_m[i - i0] = -1;
		if (c < 0 || c >= rg->ncls || rg->c[c].n == 0)
			continue;
		ws->sel_hint[i - i0] = ws->phint[c];
		m = sk_rgk_select(rg, ws, u[i], rg->o.line ? 0.0 : v[i], c, &ws->phint[c]);
		keep_selection(rg, ws, i - i0, m);
		for (long a = 0; a < m; a++) {
			const long gi = ws->idx[a], cs = gi % ws->cache_n;
			if (ws->claim[cs] == ws->stamp)
				continue;
			ws->claim[cs] = ws->stamp;
			if (ws->cache_id[cs] == gi)
				continue;
			ws->cache_id[cs] = -1;
			ws->pf_idx[n++] = gi;
			if (n == nb) {
				pf_flush(rg, ws, slot, n);
				n = 0;
			}
		}
	}
	pf_flush(rg, ws, slot, n);
}

long sk_rgk_run(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, const double *u, const double *v,
		const int *cls, const double *h0, long i0, long i1, float *out, int *live, struct sk_error *err)
{
	if (rg->in.fetch_many)
		prefetch(rg, ws, slot, u, v, cls, i0, i1);
	for (long i = i0; i < i1; i++) {
		const int trc = sk_rgk_trace(rg, ws, slot, u[i], v[i], cls ? cls[i] : 0, h0 ? h0[i] : 0.0,
					     rg->in.fetch_many ? i - i0 : -1, out + (size_t)i * (size_t)rg->o.ns, err);
		if (trc < 0)
			return i;
		live[i] = trc;
	}
	return i1;
}

int sk_regrid_block(const struct sk_regrid *rg, const double *u, const double *v, const int *cls,
		    const double *h0, long n, float *out, int *live, struct sk_error *err)
{
	return sk_regrid_block_beside(rg, u, v, cls, h0, n, out, live, NULL, NULL, err);
}

struct sk_regrid_wsset {
	int n;                   /* threads */
	struct sk_regrid_ws **ws;
	struct sk_error *errs;
	long *bad_at;
};

void sk_regrid_wsset_free(struct sk_regrid_wsset *set)
{
	if (!set)
		return;
	for (int t = 0; t < set->n && set->ws; t++)
		sk_regrid_ws_free(set->ws[t]);
	free(set->ws);
	free(set->errs);
	free(set->bad_at);
	free(set);
}

struct sk_regrid_wsset *sk_regrid_wsset_new(const struct sk_regrid *rg)
{
	struct sk_regrid_wsset *set = calloc(1, sizeof *set);
	int nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	if (!set)
		return NULL;
	set->n = nth;
	set->ws = calloc((size_t)nth, sizeof *set->ws);
	set->errs = calloc((size_t)nth, sizeof *set->errs);
	set->bad_at = malloc((size_t)nth * sizeof *set->bad_at);
	if (!set->ws || !set->errs || !set->bad_at) {
		sk_regrid_wsset_free(set);
		return NULL;
	}
	for (int t = 0; t < nth; t++)
		if (!(set->ws[t] = sk_regrid_ws_new(rg))) {
			sk_regrid_wsset_free(set);
			return NULL;
		}
	return set;
}

int sk_regrid_block_beside(const struct sk_regrid *rg, const double *u, const double *v, const int *cls,
			   const double *h0, long n, float *out, int *live, void (*beside)(void *ctx),
			   void *ctx, struct sk_error *err)
{
	struct sk_regrid_wsset *set = sk_regrid_wsset_new(rg);
	int rc;

	if (!set) {
		if (beside)
			beside(ctx);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	rc = sk_regrid_block_ws(rg, set, u, v, cls, h0, n, out, live, beside, ctx, err);
	sk_regrid_wsset_free(set);
	return rc;
}

int sk_regrid_block_ws(const struct sk_regrid *rg, struct sk_regrid_wsset *set, const double *u, const double *v,
		       const int *cls, const double *h0, long n, float *out, int *live, void (*beside)(void *ctx),
		       void *ctx, struct sk_error *err)
{
	const int nth = set->n;
	struct sk_regrid_ws **ws = set->ws;
	struct sk_error *errs = set->errs;
	long *bad_at = set->bad_at, first_bad = n;
	/* Runs of output traces a thread takes at a time: 4 as before without
	 * fetch_many (the same walks), PF_RUN with it. */
	const long run = rg->in.fetch_many ? PF_RUN : 4, nrun = (n + run - 1) / run;
	int rc = 0;

	/* Each block starts its walks afresh, as with new workspaces; the
	 * caches of fetched traces carry over (their traces do not change). */
	for (int t = 0; t < nth; t++) {
		bad_at[t] = n;
		for (int c = 0; c < rg->ncls; c++) {
			ws[t]->hint[c] = -1;
			if (ws[t]->phint)
				ws[t]->phint[c] = -1;
		}
	}
#pragma omp parallel num_threads(nth)
	{
		/* The initial thread runs beside first (the driver writes the
		 * previous block there), then joins the traces the others have
		 * left: nothing waits for it. */
#pragma omp master
		if (beside)
			beside(ctx);
#pragma omp for schedule(dynamic, 1) nowait
		for (long r = 0; r < nrun; r++) {
			const long i0 = r * run, i1 = i0 + run < n ? i0 + run : n;
			int t = 0;
#ifdef _OPENMP
			t = omp_get_thread_num();
#endif
			if (bad_at[t] < n)
				continue;
			{
				const long bad = sk_rgk_run(rg, ws[t], t, u, v, cls, h0, i0, i1, out, live, &errs[t]);
				if (bad < i1)
					bad_at[t] = bad;
			}
		}
	}
	for (int t = 0; t < nth; t++)
		if (bad_at[t] < first_bad) {
			first_bad = bad_at[t];
			*err = errs[t];
			rc = errs[t].code ? errs[t].code : SK_EIO;
		}
	return rc;
}
