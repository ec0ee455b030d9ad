/*
 * migrate_internal: what the migrate driver's files share (the trace
 * source, the input scan's results, the reach counts, the block feed).
 * This header shall only be used by lib/flow/migrate.c, migrate_reach.c,
 * migrate_scan.c and migrate_feed.c, and by their unit tests
 * (tests/unit/test_migrate_reach.c, test_migrate_scan.c,
 * test_migrate_feed.c); everything else uses migrate.h.
 *
 * migrate_reach.c: the policy, pure functions of a trace header and the
 *   job (where a trace's position comes from, whether all sit at one
 *   position, how far a midpoint lies from the grid, why the input is
 *   refused or the image would be empty);
 * migrate_scan.c: the trace source (stream or spool) and the scan that
 *   makes the default grid and carries cdp, iline and xline;
 * migrate_feed.c: the check pass of a given grid and the feed that fills
 *   the next block of traces while the kernel migrates the current one;
 * migrate.c: sk_migrate_run and the writing of the image.
 */
#ifndef SK_MIGRATE_INTERNAL_H
#define SK_MIGRATE_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "grid.h"
#include "hdr.h"
#include "kirchhoff.h"
#include "migrate.h"
#include "stream.h"

/* Sources of traces: the stream itself, or the spool a pipe was copied to
 * by the geometry scan (header block then ns floats per trace). */
struct src {
	struct sk_reader *r;
	FILE *spool;
	char spool_path[SK_ERROR_FILE];   /* what errors about it name */
	size_t hdrlen;
	long ns;
};

/* Where a trace's position comes from: its source and receiver, or (as a
 * zero-offset trace) its cdpx/cdpy, or its sx/sy. */
enum pos_kind { POS_SR, POS_CDP, POS_SRC };

/*
 * Traces that all sit at one position: every live trace has the same source
 * and the same receiver (for post-stack traces: the same CMP).  Migrated,
 * they all spread from that one place, an image of nothing (a stack whose
 * headers hold one constant cdpx/cdpy, left by a conversion).  A single
 * trace is an impulse response and allowed; a CMP gather has one midpoint
 * but many offsets, so its sources and receivers differ and it is allowed.
 */
struct onepos {
	int64_t n;         /* live traces seen */
	double p[4];       /* the first one's source and receiver */
	int kind;          /* the first one's enum pos_kind */
	int varied;        /* some trace sits elsewhere */
	int mixed;         /* some trace's position comes from other keys */
};

/* Positions of the scanned traces: s and r, 4 doubles per trace, and
 * their cdp, iline and xline. */
struct scan {
	double *p;
	int32_t *num;
	size_t n, cap;
	size_t with_pos;   /* traces with a coordinate that is not 0 */
	size_t stack;      /* traces with offset 0 and gx = gy = 0 */
	size_t r0;         /* traces with gx = gy = 0 and a source not at the origin */
	int nonzero[3];    /* some trace has a cdp, iline, xline that is not 0 */
	struct onepos one; /* whether they all sit at one position */
};

/* What the driver learns about the traces' reach, for the messages. */
struct reach {
	int64_t live, pos;       /* live traces, of them with a coordinate */
	int64_t stack;           /* live traces with offset 0 and gx = gy = 0 */
	int64_t stack_src;       /* of them with a source that is not at the origin */
	int64_t far;             /* traces whose midpoint is beyond the reach of the grid */
	int64_t far_r0, far_s0;  /* of them with gx = gy = 0 or sx = sy = 0 (not both) */
	double r0_dist, s0_dist; /* distance of the origin from the grid */
	double near_far;         /* nearest midpoint of a far trace */
	double mx0, mx1, my0, my1; /* midpoint extents (metres) */
	double tin1;             /* latest input time */
};

/*
 * The input side of the migration loop: fills blocks of live traces (data
 * and kernel positions) from the source, counting what it reads in inputs
 * and rc.  Two buffers: while the kernel migrates one block, a thread fills the
 * other (reading, decoding and locating traces overlap the computation).
 * The blocks are the same as when read in turn, so is the image.
 */
struct feed {
	struct src *s;
	const struct sk_grid *g;
	int dim, zero_offset;
	double lim, dt_in;
	long ns, block;
	const struct sk_key *delrt;
	unsigned char *hdr;             /* the last header read */
	int have;                       /* hdr and data[0]'s slot 0 hold a trace not yet counted */
	struct reach *rc;
	int64_t inputs;                 /* traces read */
	/* Three slots: the block being migrated, the next one (whose traces
	 * the kernel prepares ahead) and the one being read. */
	float *data[3];
	struct sk_kirch_trace *tr[3];
	long nb[3];
	int64_t upto[3];                /* inputs when the block was complete */
	/* The filling thread's result. */
	int ret;
	struct sk_error err;
	int slot;
};

/* migrate_scan.c */
extern const int sk_mig_num_bytes[3];
int sk_mig_src_next(struct src *s, unsigned char *hdr, float *data, struct sk_error *err);
FILE *sk_mig_spool_open(struct src *s, struct sk_error *err);
int sk_mig_default_grid(const struct scan *sc, struct sk_grid *g, struct sk_error *err);
int sk_mig_scan_input(struct src *s, const struct sk_info *info, int zo, struct scan *sc, int64_t *ntr,
		      struct sk_error *err);
int sk_mig_carry_numbers(const struct scan *sc, const struct sk_grid *g, int64_t first, int64_t last,
			 int32_t **out, struct sk_error *err);
/* migrate_reach.c */
int sk_mig_stack_like(const unsigned char *h);
int sk_mig_position_kind(const unsigned char *h, int zo, double p[4], int *kind);
void sk_mig_onepos_add(struct onepos *o, const double p[4], int kind);
int sk_mig_onepos_error(const struct onepos *o, struct sk_error *err);
int sk_mig_live(const unsigned char *h);
double sk_mig_grid_distance(const struct sk_grid *g, int dim, double u, double v);
void sk_mig_reach_add(struct reach *rc, const struct sk_grid *g, int dim, double lim, const unsigned char *h,
		      const double *p, int has_pos, const struct sk_kirch_trace *t, double tend);
int sk_mig_input_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct onepos *one,
		       const struct sk_grid *g, double lim, struct sk_error *err);
int sk_mig_empty_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct sk_grid *g,
		       double lim, const struct sk_kirch_par *kp, const struct sk_migrate_stats *st,
		       struct sk_error *err);
/* migrate_feed.c */
int sk_mig_feed_fill(struct feed *f, int slot);
void *sk_mig_feed_thread(void *arg);
int sk_mig_check_pass(struct feed *f, const struct sk_info *info, unsigned char *hdr, float *data,
		      struct reach *pre, struct onepos *one, int64_t *ntotal, struct sk_error *err);

#endif
