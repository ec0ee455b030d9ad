/*
 * migrate: the driver behind the migrate command (DESIGN.md, migrate): it
 * streams an input once through the Kirchhoff kernel (kirchhoff.h) and
 * writes the image.
 *
 * Geometry: sources and receivers from sx sy gx gy with scalco applied (a
 * trace with all four zero uses cdpx cdpy as a zero-offset position).
 * Post-stack data (zero_offset, or detected: every live trace has offset 0
 * and gx = gy = 0) migrate each trace as a zero-offset trace at its CMP:
 * cdpx cdpy, or sx sy where those are 0.  With
 * --grid, a line grid (x0,dx,nx) makes a 2-D migration, every position
 * projected on the line; any other grid a 3-D one.  Without --grid the input
 * is scanned first (a pipe is spooled to an unlinked temporary file in
 * $TMPDIR): when all sources and receivers lie on a straight line (within
 * 1 m), the grid is that line, from the first to the last midpoint, binned
 * at half the median receiver spacing (or the median midpoint spacing when
 * shots have one trace), oriented so that the first trace comes first; a
 * 3-D survey needs --grid.  Dead and dummy traces (trid 2, 3) are not used.
 *
 * No silent empty result: the run fails (SK_ESTATE, nothing written) when
 * no output sample is updated (with a part: when the whole grid would not
 * be either) or when more than half the live traces have their midpoint
 * beyond the migration's reach (aperture and angle) of the whole grid,
 * unless allow_outside is set and some trace is within reach, or when more
 * than one live trace is used and all sit at one position (the same source
 * and receiver, for post-stack traces the same CMP); the message names the
 * cause from the geometry (coordinates that are 0, the one position, the
 * extents of data and grid, the time axes).  With a grid given, a first
 * pass over the headers (a pipe spooled on the way) makes these checks
 * before any migration.
 *
 * Output: the grid's locations in inline-major order (--part K/N: a slice),
 * with noff offset bins each for gathers.  Headers: tracl and tracr (running
 * number over the whole output, so parts concatenate), cdp, cdpx, cdpy,
 * scalco, iline, xline (grid.h), offset (gathers: the bin centre), trid 1,
 * delrt (+ scalt) of the output axis, ns, dt; on the default grid, cdp,
 * iline and xline are those of the input trace nearest each location
 * (each key that is 0 in every input trace keeps the grid's numbering).
 * The carried file header of the input is kept; samples from integer
 * input are written as IEEE float (format 5) unless wopts asks otherwise.
 */
#ifndef SK_MIGRATE_H
#define SK_MIGRATE_H

#include <stdint.h>

#include "diag.h"
#include "grid.h"
#include "kirchhoff.h"
#include "stream.h"
#include "velocity.h"

struct sk_migrate_job {
	const char *in;            /* input path, NULL or "-" for stdin */
	const char *out;           /* output path, NULL or "-" for stdout */
	int from;                  /* enum sk_format, SK_FMT_AUTO to detect */
	struct sk_wopts wopts;
	int have_grid;
	struct sk_grid grid;
	const char *part;          /* "K/N" or NULL */
	struct sk_vel vel;
	struct sk_kirch_par kp;    /* antialias, aal, rho, weights, aperture, angle, chunk;
				      the rest is set by the driver */
	long nt;                   /* output samples, 0: the input's */
	double dt;                 /* output interval (s), 0: the input's */
	int have_t0;
	double t0;                 /* output first time (s), default the first trace's */
	int have_offsets;
	double o0, dof;
	long no;
	int zero_offset;           /* migrate every trace as zero-offset at its CMP */
	int allow_outside;         /* most traces beyond the grid's reach is not an error */
	/* Called once (outside any parallel region) when the input is found
	 * to be post-stack without zero_offset; msg says so. */
	void (*notice)(void *ctx, const char *msg);
	void *notice_ctx;
	void (*progress)(void *ctx, int64_t done, int64_t total);
	void *progress_ctx;
};

/* On failure, inputs, used and updates say how far the run got. */
struct sk_migrate_stats {
	int64_t inputs;            /* traces read */
	int64_t used;              /* traces migrated (live, with a position and an offset bin) */
	int64_t outputs;           /* traces written */
	uint64_t updates;          /* sample updates */
	double seconds;            /* wall time of the migration */
	int dim;                   /* 2 or 3 */
	int post_stack;            /* traces migrated as zero-offset (by request or detected) */
	struct sk_grid grid;       /* the grid used (the default one when none was given) */
};

/* Runs a job.  0, or a negative SK_E* code with err set, naming the file it
 * concerns (none for a usage error). */
int sk_migrate_run(const struct sk_migrate_job *job, struct sk_migrate_stats *st,
		   struct sk_error *err);

#endif
