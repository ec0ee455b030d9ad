/*
 * The regrid driver's input pass over a file that allows random reads: read
 * and classify the headers, keep the used traces, their samples left in
 * place; and the store the interpolation fetches them from (in place, or
 * the pass from start to end's memory chunks or spool: regrid_seq.c).
 * regrid_run_internal.h has the contract.
 */
#include "regrid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "batchread.h"
#include "bigmem.h"
#include "file.h"
#include "ofile.h"
#include "regrid_run_internal.h"

/* The chunk holding used trace idx. */
static long chunk_of(const struct store *s, long idx)
{
	long lo = 0, hi = s->nc - 1;
	while (lo < hi) {
		const long mid = (lo + hi + 1) / 2;
		if (s->cstart[mid] <= idx)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int sk_rgrun_store_fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err)
{
	struct store *s = ctx;
	const size_t rec = (size_t)s->ns * sizeof(float);
	int rc;

	if (s->cs) {
		const long c = chunk_of(s, idx);
		memcpy(out, s->cs[c] + (size_t)(idx - s->cstart[c]) * (size_t)s->ns, rec);
		return 0;
	}
	if (s->spool_fd >= 0) {
		size_t got;
		if (sk_file_pread_all(s->spool_fd, out, rec, (int64_t)((size_t)idx * rec), &got, err) < 0) {
			errno = err->errnum;
			return sk_error_at(err, sk_error_sys(err, "read error"), s->spool_path);
		}
		return got == rec ? 0 : sk_error_at(err, sk_error_set(err, SK_EIO, "short read"), s->spool_path);
	}
	if ((rc = sk_reader_pread(s->r, s->tidx[idx], s->raw[slot], out, err)) < 0) {
		/* The pass read this trace whole (or its header, which says
		 * where it is): failing now, the file most likely changed
		 * under us, which the message says when it can. */
		struct sk_error why = {0};
		if (sk_reader_check_same(s->r, &why) < 0) {
			const size_t l = strlen(err->msg);
			snprintf(err->msg + l, sizeof err->msg - l, "; the file %s", why.msg);
		}
	}
	return rc;
}

int sk_rgrun_spool_write(const struct store *s, const void *p, size_t n, struct sk_error *err)
{
	if (sk_file_write_all(s->spool_fd, p, n, err) < 0) {
		errno = err->errnum;
		return sk_error_at(err, sk_error_sys(err, "%s", ""), s->spool_path);
	}
	return 0;
}

void sk_rgrun_grow_free(struct grow *g)
{
	if (g->packed != 2) {
		free(g->u);
		if (!g->packed) {
			free(g->v);
			free(g->h);
			free(g->tidx);
			free(g->cls);
		}
	}
	memset(g, 0, sizeof *g);
}

/* An empty g with room for cap traces in one block: huge pages from 2 MiB
 * (bigmem.h); 36 bytes a trace in five arrays of malloc were a fault per
 * 4 KiB, 900 for 100,000 traces.  It does not grow. */
static int grow_pack(struct grow *g, long cap)
{
	const size_t m = (size_t)(cap > 0 ? cap : 1);
	double *b = sk_bigmem_alloc(m * (3 * sizeof *g->u + sizeof *g->tidx + sizeof *g->cls));
	sk_rgrun_grow_free(g);
	if (!b)
		return SK_ENOMEM;
	g->u = b;
	g->v = b + m;
	g->h = b + 2 * m;
	g->tidx = (int64_t *)(void *)(b + 3 * m);
	g->cls = (int *)(void *)(g->tidx + m);
	g->cap = (long)m;
	g->packed = 1;
	return 0;
}

/* Room for cap traces in g (cap > g->cap); a packed g does not grow. */
static int grow_reserve(struct grow *g, long cap)
{
	if (g->packed)
		return SK_ENOMEM;
	double *nu = realloc(g->u, (size_t)cap * sizeof *nu);
	if (nu) g->u = nu;
	double *nv = realloc(g->v, (size_t)cap * sizeof *nv);
	if (nv) g->v = nv;
	double *nh = realloc(g->h, (size_t)cap * sizeof *nh);
	if (nh) g->h = nh;
	int *nc = realloc(g->cls, (size_t)cap * sizeof *nc);
	if (nc) g->cls = nc;
	int64_t *nt = realloc(g->tidx, (size_t)cap * sizeof *nt);
	if (nt) g->tidx = nt;
	if (!nu || !nv || !nh || !nc || !nt)
		return SK_ENOMEM;
	g->cap = cap;
	return 0;
}

int sk_rgrun_grow_push(struct grow *g, double u, double v, double h, int cls, int64_t t)
{
	if (g->n == g->cap && grow_reserve(g, g->cap ? 2 * g->cap : 4096) < 0)
		return SK_ENOMEM;
	g->u[g->n] = u;
	g->v[g->n] = v;
	g->h[g->n] = h;
	g->cls[g->n] = cls;
	g->tidx[g->n] = t;
	g->n++;
	return 0;
}

static void batch_close(struct store *s);

void sk_rgrun_store_fetch_many(void *ctx, int slot, long n, const long *idx, float *const *out, unsigned char *ok)
{
	struct store *s = ctx;

	for (long i = 0; i < n; i++)
		s->bidx[slot][i] = s->tidx[idx[i]];
	sk_reader_pread_batch(s->r, s->br[slot], n, s->bidx[slot], s->bscratch[slot], out, ok);
}

/* Records a batch reads: up to 128 (SK_BATCHREAD_MAX), in at most 1 MiB,
 * at least 8. */
#define BATCH_BYTES (1L << 20)

int sk_rgrun_in_place_open(struct store *s, const struct sk_reader *r, struct sk_error *err)
{
	const size_t size = sk_reader_pread_size(r);
	int nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	s->r = r;
	if (!(s->raw = calloc((size_t)nth, sizeof *s->raw)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	s->nraw = nth;
	for (int t = 0; t < nth; t++)
		if (!(s->raw[t] = malloc(size)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
	/* Batches where the reader and the system allow them; without, the
	 * fetches go one by one, as fast as before. */
	s->batch = BATCH_BYTES / (long)size;
	if (s->batch > SK_BATCHREAD_MAX)
		s->batch = SK_BATCHREAD_MAX;
	if (s->batch < 8)
		s->batch = 8;
	s->br = calloc((size_t)nth, sizeof *s->br);
	s->bscratch = calloc((size_t)nth, sizeof *s->bscratch);
	s->bidx = calloc((size_t)nth, sizeof *s->bidx);
	if (!s->br || !s->bscratch || !s->bidx)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (int t = 0; t < nth; t++) {
		if (!(s->br[t] = sk_reader_batch_new(r))) {
			batch_close(s);
			return 0;
		}
		s->bscratch[t] = malloc((size_t)s->batch * size);
		s->bidx[t] = malloc((size_t)s->batch * sizeof *s->bidx[t]);
		if (!s->bscratch[t] || !s->bidx[t])
			return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

void sk_rgrun_in_place_close(struct store *s)
{
	batch_close(s);
	for (int t = 0; t < s->nraw && s->raw; t++)
		free(s->raw[t]);
	free(s->raw);
	s->raw = NULL;
	s->nraw = 0;
}

static void batch_close(struct store *s)
{
	for (int t = 0; t < s->nraw; t++) {
		if (s->br)
			sk_batchread_free(s->br[t]);
		if (s->bscratch)
			free(s->bscratch[t]);
		if (s->bidx)
			free(s->bidx[t]);
	}
	free(s->br);
	free(s->bscratch);
	free(s->bidx);
	s->br = NULL;
	s->bscratch = NULL;
	s->bidx = NULL;
	s->batch = 0;
}

void sk_rgrun_scan_release(struct scan *sc, struct store *st)
{
	sk_rgrun_grow_free(&sc->g);
	free(sc->hull);
	sc->hull = NULL;
	sc->nh = 0;
	for (long c = 0; c < st->nc; c++)
		free(st->cs[c]);
	free(st->cs);
	free(st->cstart);
	st->cs = NULL;
	st->cstart = NULL;
	st->nc = 0;
	if (st->spool_fd >= 0)
		close(st->spool_fd);
	st->spool_fd = -1;
}

/* One chunk of the parallel pass: input traces t0 .. t1 - 1. */
struct chunk {
	int64_t t0, t1;
	struct grow g;
	struct tally t;
	unsigned char *first_hdr;
	double (*pts)[2];        /* hull of its used traces (class 0) */
	long nh;
	int rc;
	struct sk_error err;
};

struct par_ctx {
	const struct sk_regrid_job *job;
	const struct sk_regrid_opts *o;
	const struct sk_reader *r;
	const struct keep *kp;
	int want_hull;
	int check;               /* format 4: every trace's samples decoded all the same (a word can be bad) */
	int stop;                /* a chunk failed */
};

/* Headers read in runs of about this many bytes of records (a system call
 * per record costs more than the copy), into one huge page a thread (in 4
 * KiB pages its first fill was 256 faults). */
#define HDR_RUN SK_BIGMEM_PAGE

static int scan_chunk(struct par_ctx *pc, struct chunk *ck, unsigned char *run, long nrun, unsigned char *hrun,
		      float *junk)
{
	const struct sk_info *info = sk_reader_info(pc->r);
	const long n = (long)(ck->t1 - ck->t0);
	long np = 0;

	sk_rgrun_tally_init(&ck->t);
	if (pc->want_hull && !(ck->pts = malloc((size_t)n * sizeof *ck->pts)))
		return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
	for (int64_t t = ck->t0; t < ck->t1; t++) {
		const long j = (long)((t - ck->t0) % nrun);
		const unsigned char *hdr;
		double u, v, h;
		int cls, rc;
		if (j == 0 && (rc = sk_reader_pread_hdrs_check(pc->r, t, ck->t1 - t < nrun ? (long)(ck->t1 - t) : nrun, run,
							       (size_t)nrun * sk_reader_pread_size(pc->r), hrun,
							       pc->check ? junk : NULL, &ck->err)) < 0)
			return rc;
		hdr = hrun + (size_t)j * info->hdrlen;
		if (!sk_rgrun_classify(pc->job, pc->o, hdr, t, &ck->t, &u, &v, &h, &cls))
			continue;
		if (ck->t.first == t) {
			if (!(ck->first_hdr = malloc(info->hdrlen)))
				return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
			memcpy(ck->first_hdr, hdr, info->hdrlen);
		}
		if (pc->want_hull && cls == 0) {
			ck->pts[np][0] = u;
			ck->pts[np][1] = v;
			np++;
		}
		if (!sk_rgrun_keep_has(pc->kp, u, v))
			continue;
		if (sk_rgrun_grow_push(&ck->g, u, v, h, cls, t) < 0)
			return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
	}
	if (pc->want_hull) {
		ck->nh = sk_regrid_hull(ck->pts, np);
		if (ck->nh < 0)
			return sk_error_set(&ck->err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int sk_rgrun_grow_append(struct grow *g, const struct grow *c)
{
	if (c->n == 0)
		return 0;
	if (g->n + c->n > g->cap && grow_reserve(g, g->n + c->n > 2 * g->cap ? g->n + c->n : 2 * g->cap) < 0)
		return SK_ENOMEM;
	memcpy(g->u + g->n, c->u, (size_t)c->n * sizeof *g->u);
	memcpy(g->v + g->n, c->v, (size_t)c->n * sizeof *g->v);
	memcpy(g->h + g->n, c->h, (size_t)c->n * sizeof *g->h);
	memcpy(g->cls + g->n, c->cls, (size_t)c->n * sizeof *g->cls);
	memcpy(g->tidx + g->n, c->tidx, (size_t)c->n * sizeof *g->tidx);
	g->n += c->n;
	return 0;
}

/* Appends the view c (into g's block, at or after g's end) to g: its
 * traces move down over the gap the unused traces before it left. */
static void grow_close_gap(struct grow *g, const struct grow *c)
{
	if (c->n > 0 && c->u != g->u + g->n) {
		memmove(g->u + g->n, c->u, (size_t)c->n * sizeof *g->u);
		memmove(g->v + g->n, c->v, (size_t)c->n * sizeof *g->v);
		memmove(g->h + g->n, c->h, (size_t)c->n * sizeof *g->h);
		memmove(g->tidx + g->n, c->tidx, (size_t)c->n * sizeof *g->tidx);
		memmove(g->cls + g->n, c->cls, (size_t)c->n * sizeof *g->cls);
	}
	g->n += c->n;
}

/* A file that allows random reads, in chunks whose headers every thread
 * reads at once (sk_reader_pread_hdrs_check), merged in input order: the
 * same result for any number of threads. */
int sk_rgrun_scan_par(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const struct sk_reader *r,
		      const struct keep *kp, int want_hull, struct scan *sc, struct sk_error *err)
{
	const struct sk_info *info = sk_reader_info(r);
	const size_t psize = sk_reader_pread_size(r);
	int64_t per = (int64_t)((8u << 20) / psize);
	long nc, np = 0;
	struct chunk *ck;
	/* The headers alone, each kept trace's samples read when the
	 * interpolation fetches them; only format 4 samples can fail to
	 * decode (sk_fmt_decode), so those are decoded here, every trace's,
	 * and a bad word is an error as from a pipe. */
	struct par_ctx pc = {job, o, r, kp, want_hull, info->sample_format == 4, 0};
	int rc = 0, nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	/* About 8 MiB of records a chunk, and at least four chunks a thread so
	 * that the threads finish together; the result does not depend on the
	 * split. */
	if (per > (info->ntraces + 4 * nth - 1) / (4 * nth))
		per = (info->ntraces + 4 * nth - 1) / (4 * nth);
	if (per < 16)
		per = 16;
	nc = (long)((info->ntraces + per - 1) / per);
	if (!(ck = calloc((size_t)(nc > 0 ? nc : 1), sizeof *ck)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	/* Without a slice every trace may be kept: each chunk writes its kept
	 * traces straight into the whole pass's block, from its first trace's
	 * place on (a view), and the merge closes the gaps the unused traces
	 * leave; no arrays per chunk, no copy of the whole.  A slice keeps few
	 * traces: arrays per chunk, merged into a block of their count. */
	if (!kp->on && grow_pack(&sc->g, (long)info->ntraces) < 0) {
		free(ck);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (long c = 0; c < nc; c++) {
		ck[c].t0 = (int64_t)c * per;
		ck[c].t1 = ck[c].t0 + per < info->ntraces ? ck[c].t0 + per : info->ntraces;
		if (!kp->on) {
			struct grow *g = &ck[c].g;
			g->u = sc->g.u + ck[c].t0;
			g->v = sc->g.v + ck[c].t0;
			g->h = sc->g.h + ck[c].t0;
			g->tidx = sc->g.tidx + ck[c].t0;
			g->cls = sc->g.cls + ck[c].t0;
			g->cap = (long)(ck[c].t1 - ck[c].t0);
			g->packed = 2;
		}
	}
	#pragma omp parallel num_threads(nth)
	{
		const long nrun = HDR_RUN / psize > 0 ? (long)(HDR_RUN / psize) : 1;
		unsigned char *run = sk_bigmem_alloc((size_t)nrun * psize), *hrun = malloc((size_t)nrun * info->hdrlen);
		float *junk = malloc((size_t)info->ns * sizeof *junk);
		#pragma omp for schedule(dynamic, 1)
		for (long c = 0; c < nc; c++) {
			int stop;
			#pragma omp atomic read
			stop = pc.stop;
			if (stop)
				continue;
			ck[c].rc = run && hrun && junk ? scan_chunk(&pc, &ck[c], run, nrun, hrun, junk)
						       : sk_error_set(&ck[c].err, SK_ENOMEM, "out of memory");
			if (ck[c].rc < 0) {
				#pragma omp atomic write
				pc.stop = 1;
			}
		}
		free(junk);
		free(run);
		free(hrun);
	}
	/* In input order: the first failing chunk's error, the kept traces,
	 * the counts, the hull. */
	sc->in_place = 1;
	if (kp->on) {
		long total = 0;
		for (long c = 0; c < nc; c++)
			total += ck[c].g.n;
		if (grow_pack(&sc->g, total) < 0)
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (long c = 0; c < nc && rc == 0; c++) {
		if (ck[c].rc < 0) {
			*err = ck[c].err;
			rc = ck[c].rc;
			break;
		}
		if (sc->t.first < 0 && ck[c].first_hdr)
			memcpy(sc->first_hdr, ck[c].first_hdr, info->hdrlen);
		sk_rgrun_tally_merge(&sc->t, &ck[c].t);
		if (ck[c].g.packed == 2)
			grow_close_gap(&sc->g, &ck[c].g);
		else if (sk_rgrun_grow_append(&sc->g, &ck[c].g) < 0)
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		np += ck[c].nh;
	}
	if (rc == 0 && want_hull) {
		if (!(sc->hull = malloc((size_t)(np > 0 ? np : 1) * sizeof *sc->hull))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		} else {
			np = 0;
			for (long c = 0; c < nc; c++)
				for (long i = 0; i < ck[c].nh; i++, np++) {
					sc->hull[np][0] = ck[c].pts[i][0];
					sc->hull[np][1] = ck[c].pts[i][1];
				}
			sc->nh = sk_regrid_hull(sc->hull, np);
			if (sc->nh < 0)
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	}
	for (long c = 0; c < nc; c++) {
		sk_rgrun_grow_free(&ck[c].g);
		free(ck[c].first_hdr);
		free(ck[c].pts);
	}
	free(ck);
	return rc;
}
