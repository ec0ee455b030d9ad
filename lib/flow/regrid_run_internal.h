/*
 * regrid_run_internal: what the regrid driver's files share (the input
 * pass's results, the sample store, the reach of the grid).  This header
 * shall only be used by lib/flow/regrid_run.c, regrid_scan.c, regrid_seq.c
 * and regrid_reach.c, and by their unit tests (tests/unit/test_regrid_reach.c,
 * test_regrid_scan.c, test_regrid_run.c); everything else uses regrid.h.
 *
 * regrid_reach.c: the policy, pure functions of a trace header and the job
 *   (where a trace lies in the grid frame, what the pass counts, why traces
 *   miss the grid, which traces a --part slice keeps);
 * regrid_scan.c: the input pass over a file read at random by every thread
 *   (read the headers, classify, leave the samples in place) and the
 *   sample store behind the fetch callback;
 * regrid_seq.c: the pass from start to end (pipes, compressed sgk): one
 *   thread reads, every thread decodes; samples in memory or in a spool;
 * regrid_run.c: sk_regrid_run, the output loop and the fold table.
 */
#ifndef SK_REGRID_RUN_INTERNAL_H
#define SK_REGRID_RUN_INTERNAL_H

#include <stdint.h>

#include "diag.h"
#include "grid.h"
#include "regrid.h"
#include "stream.h"

/* Where the samples of the used traces live. */
struct store {
	long ns;
	int spool_fd;            /* raw float records, or -1 */
	char spool_path[SK_ERROR_FILE];   /* what errors about it name */
	/* In place: traces read from the reader with sk_reader_pread. */
	const struct sk_reader *r;
	unsigned char **raw;     /* one scratch buffer per thread */
	int nraw;
	/* In place, SEG-Y, SU or uncompressed sgk with io_uring: per thread, a batch reader,
	 * room for batch records and their trace indices (fetch_many). */
	struct sk_batchread **br;
	unsigned char **bscratch;
	int64_t **bidx;
	long batch;
	const int64_t *tidx;     /* used trace -> input trace index */
	/* The samples in memory, in chunks (the pass from start to end):
	 * chunk c holds used traces cstart[c] .. cstart[c + 1] - 1. */
	float **cs;
	int64_t *cstart;
	long nc;
};

/* The kept traces' positions, offsets, classes and input indices.  Grown
 * by doubling (five arrays), or packed: one block from u, sized once (the
 * parallel pass; huge pages, bigmem.h), or a view into another's block. */
struct grow {
	double *u, *v, *h;
	int64_t *tidx;
	int *cls;
	long n, cap;
	int packed;              /* 1: one block owned through u; 2: a view, owns nothing */
};

/* Where the used traces lie against the grid: some grid location has them
 * within the radius (with in_bin: some bin holds them) or not; of the
 * traces beyond, how many have the coordinates that are 0 that usually
 * explain it, and how near the nearest one comes. */
struct outside {
	int64_t n;               /* used traces beyond the grid's reach */
	int64_t r0, s0, zero;    /* of them: gx = gy = 0 (sources not), sx = sy = 0 (receivers not),
				    the position itself (0, 0) */
	int64_t inner;           /* of them: inside the outer bins (a radius below the gaps) */
	double nearest;          /* metres from the nearest grid location (in_bin: beyond the outer
				    bins) of the nearest of them */
	double nearest_r0, nearest_s0;
};

/* Which used traces a run keeps: all of them, or (--part) those inside a
 * box of the grid frame, the slice's locations widened by the support. */
struct keep {
	int on;
	double box[4];           /* umin, umax, vmin, vmax */
};

/* What the input pass counts over every used trace (kept or not). */
struct tally {
	int64_t inputs, used, zero_xy;
	double ext[4];           /* world x, y extents */
	double frame[4];         /* grid-frame u, v extents */
	struct outside ou;
	int64_t first;           /* input index of the first used trace, or -1 */
};

/* The result of one pass over the input. */
struct scan {
	struct grow g;           /* the kept traces */
	struct tally t;
	unsigned char *first_hdr;/* the first used trace's header */
	double (*hull)[2];       /* the used traces' convex hull (when asked) */
	long nh;
	int in_place;            /* samples are read in place */
	int spool_err;           /* the error is about the spool, not the input */
	long batch;              /* the pass from start to end: records per batch
				    (0: about 2 MiB of them); tests set it small */
};


/* regrid_reach.c */

/* The header keys --coords reads, for messages ("sx, sy, gx and gy"). */
const char *sk_rgrun_coords_keys(int coords);
/* Classifies one trace header (input index idx) and counts it in t: 0 when
 * the trace is not used, else 1 with its grid-frame position (u, v), offset
 * h and class. */
int sk_rgrun_classify(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const unsigned char *hdr,
		      int64_t idx, struct tally *t, double *u, double *v, double *h, int *cls);
void sk_rgrun_tally_init(struct tally *t);
/* Adds chunk c's counts to t; c follows t in input order. */
void sk_rgrun_tally_merge(struct tally *t, const struct tally *c);
/* SK_ESTATE when every used trace is at one position on a grid of more than
 * one location; 0 otherwise. */
int sk_rgrun_onepos_error(const struct sk_regrid_job *job, int64_t n, const double ext[4], struct sk_error *err);
/* SK_ESTATE naming the cause when most (or all) used traces miss the grid;
 * 0 otherwise. */
int sk_rgrun_outside_error(const struct sk_regrid_job *job, const struct sk_regrid_opts *o,
			   const struct outside *ou, int64_t used, const double ext[4], struct sk_error *err);
int sk_rgrun_keep_has(const struct keep *k, double u, double v);
/* Keeps the box of locations first .. last - 1 widened by mu, mv. */
void sk_rgrun_keep_set(struct keep *k, const struct sk_grid *gr, int64_t first, int64_t last, double mu,
		       double mv);

/* regrid_scan.c */

/* The kept traces' arrays: freed (none for a view) and emptied; one more
 * trace; c's traces after g's (g grown by doubling unless packed).
 * SK_ENOMEM. */
void sk_rgrun_grow_free(struct grow *g);
int sk_rgrun_grow_push(struct grow *g, double u, double v, double h, int cls, int64_t t);
int sk_rgrun_grow_append(struct grow *g, const struct grow *c);
/* Appends n bytes to the spool; errors name it. */
int sk_rgrun_spool_write(const struct store *s, const void *p, size_t n, struct sk_error *err);

/* The fetch callback (regrid.h sk_regrid_fetch_fn) over a struct store. */
int sk_rgrun_store_fetch(void *ctx, int slot, long idx, float *out, struct sk_error *err);
/* Prepares reading the input in place: one scratch buffer per thread, and
 * where the reader allows (sk_reader_batch_new) a batch reader per thread
 * (s->batch > 0 then). */
int sk_rgrun_in_place_open(struct store *s, const struct sk_reader *r, struct sk_error *err);
/* Frees what sk_rgrun_in_place_open made. */
void sk_rgrun_in_place_close(struct store *s);
/* The batch fetch (regrid.h fetch_many) over a store read in place. */
void sk_rgrun_store_fetch_many(void *ctx, int slot, long n, const long *idx, float *const *out, unsigned char *ok);
/* Frees what a pass kept (positions, hull, samples, spool). */
void sk_rgrun_scan_release(struct scan *sc, struct store *st);
/* The pass by every thread at once (a file that allows random reads): it
 * reads the headers alone (and decodes every trace's format 4 samples,
 * whose words can be bad: an error as from a pipe) and leaves the kept
 * traces' samples in place, whatever job->mem (sc->in_place set; the
 * store is opened on r by sk_rgrun_in_place_open).  The hull of the used
 * traces of class 0 when want_hull.  Errors: the first in input order. */
int sk_rgrun_scan_par(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const struct sk_reader *r,
		      const struct keep *kp, int want_hull, struct scan *sc, struct sk_error *err);

/* regrid_seq.c */

/* The pass from start to end (pipes, compressed sgk, a file with a cut last
 * trace): this thread reads the raw records in batches (sc->batch) and
 * every thread (omp_get_max_threads) decodes and classifies them, this one
 * too when it is ahead; the batches are merged in input order, so the kept
 * traces, counts and samples are the same for any number of threads and
 * batch size.  Every trace's samples are decoded (a bad one is an error,
 * used or not), and kept in memory chunks (store->cs) while the kept ones
 * fit in job->mem, then in a spool; or, for a file that allows random
 * reads and would not fit, left in place (not decoded).  Errors: the first
 * in input order, with the trace number as sk_reader_next's. */
int sk_rgrun_scan_seq(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, struct sk_reader *r,
		      const struct keep *kp, struct scan *sc, struct store *store, struct sk_error *err);
/* Records per batch of that pass when sc->batch does not say: about 2 MiB
 * of raw records of rawlen bytes, or, when the samples (ns a trace) are
 * decoded into memory, as many traces as fill one huge page with them
 * (bigmem.h would round a batch's samples up to whole huge pages: at 2 MiB
 * of raw records the samples of 500-sample traces were 1.79 MiB, kept in 2,
 * 12% more memory than --mem counts).  At least 1. */
long sk_rgrun_seq_per(size_t rawlen, long ns, int samples);

/* regrid_run.c */

/* The end of the output block that starts at location b0 (the next block's
 * start), of blocks of blk locations up to last.  The last block is written
 * alone, after all the work (nearest on 2 threads, 40,000 locations of 500
 * samples: 4-16 ms for a whole one): the last two blocks' worth of
 * locations go in halves (a half, a quarter, ...) down to a sixteenth of a
 * block (at least 16), so that each block's write overlaps the work of one
 * half its size and the write nothing overlaps is short.  What is computed
 * does not depend on the blocks: each trace is interpolated alone. */
int64_t sk_rgrun_block_end(int64_t b0, int64_t last, long blk);

#endif
