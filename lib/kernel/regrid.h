/*
 * regrid: regularization, building the traces of a regular grid from traces
 * at irregular locations (DESIGN.md, regrid; notes/regrid.md).
 *
 * Two layers.  The core (sk_regrid_new ... sk_regrid_block) works on
 * positions in the grid's local frame (metres along the fast and slow axes,
 * so output bins are axis-aligned rectangles bin_dx x bin_dy centred on the
 * output locations) and fetches input samples through a callback, so it runs
 * on in-memory data as well as on files.  The driver (sk_regrid_run) reads a
 * stream, spools a pipe to a temporary file, maps coordinates into the grid
 * frame, and writes the output stream.
 *
 * Methods:
 *   nearest  the nearest input trace (within the radius, or inside the bin);
 *   bin      the mean of the input traces inside the bin;
 *   idw      inverse-distance weights 1/d^power of the k nearest;
 *   linear   barycentric weights on the Delaunay triangulation of the input
 *            positions (1-D: between the two neighbours); outside the convex
 *            hull, the nearest trace;
 *   dip      per time window, the slope (p_u, p_v) of highest semblance among
 *            the dip_k nearest traces, scanned over dip_np x dip_np slopes in
 *            [-dip_pmax, dip_pmax]; then inverse-distance interpolation of
 *            the traces shifted along that slope.  Overlapping windows are
 *            blended with triangular weights.
 * An output trace is dead (all zero) when no input trace lies within the
 * radius (or, with in_bin, inside its bin).
 *
 * Offset classes: each input trace has a class (an offset bin) and each
 * output trace takes only inputs of its own class.  With a velocity, inputs
 * are moved out to the output offset first: the sample at output time t
 * comes from t_i = sqrt(t0^2 + h_i^2 / v(t0)^2) where t^2 = t0^2 + h0^2 /
 * v(t0)^2 (NMO to the output offset, interpolate, inverse NMO in one step).
 * Time interpolation is an 8-point Lanczos-windowed sinc (normalised, so a
 * constant stays exact).
 *
 * Everything is deterministic: the same output for any number of threads.
 */
#ifndef SK_REGRID_H
#define SK_REGRID_H

#include <stdint.h>

#include "diag.h"
#include "grid.h"
#include "stream.h"
#include "velocity.h"

enum sk_regrid_method {
	SK_REGRID_NEAREST, SK_REGRID_BIN, SK_REGRID_IDW, SK_REGRID_LINEAR, SK_REGRID_DIP
};

/* Parses a method name; SK_EARG naming the choices otherwise. */
int sk_regrid_method_parse(const char *s, int *out, struct sk_error *err);
const char *sk_regrid_method_name(int method);

struct sk_regrid_opts {
	int method;            /* enum sk_regrid_method */
	double radius;         /* metres; < 0: no limit */
	int in_bin;            /* only inputs inside the output bin count */
	double bin_dx, bin_dy; /* bin size along the local axes (metres) */
	int line;              /* 1-D: inputs and outputs lie on the local u axis */
	long k;                /* idw: neighbours */
	double power;          /* idw: distance power */
	long dip_k;            /* dip: neighbours in the semblance */
	long dip_np;           /* dip: slopes per axis */
	double dip_pmax;       /* dip: largest slope (s/m) */
	double dip_win;        /* dip: window length (s) */
	long ns;               /* samples per trace */
	double dt;             /* sample interval (s) */
	const double *vrms;    /* ns RMS velocities (m/s) against zero-offset time, or NULL */
};
#define SK_REGRID_OPTS_INIT { SK_REGRID_LINEAR, -1.0, 0, 1.0, 1.0, 0, 4, 2.0, 8, 33, 0.6e-3, \
			      0.064, 0, 0.004, NULL }

/* Fills out (ns floats) with input trace idx.  slot is the calling thread's
 * number (0 .. threads-1), so a callback may keep one reader per thread. */
typedef int (*sk_regrid_fetch_fn)(void *ctx, int slot, long idx, float *out, struct sk_error *err);

struct sk_regrid_input {
	long n;                /* input traces */
	const double *u, *v;   /* positions in the local frame (metres) */
	const double *h;       /* offsets (metres), or NULL */
	const int *cls;        /* offset class per trace (< 0: not used), or NULL (all 0) */
	int ncls;              /* number of classes (1 without offsets) */
	sk_regrid_fetch_fn fetch;
	void *ctx;
	/* linear: the box (umin, umax, vmin, vmax) the triangulations snap
	 * their lattice to (delaunay.h sk_delaunay_new_frame), or NULL for the
	 * points' own; a --part run gives the whole input's, so that its
	 * triangles are the whole run's. */
	const double *frame;
	/* Optional, for the fetches of many output traces at once: reads the
	 * n input traces idx[0 .. n) (ascending, n <= batch) into out[i],
	 * ok[i] = 1 for each trace read.  A trace it did not read is fetched
	 * again by fetch, which says why; so nothing but speed depends on it.
	 * NULL: fetch alone. */
	void (*fetch_many)(void *ctx, int slot, long n, const long *idx, float *const *out, unsigned char *ok);
	long batch;
};

struct sk_regrid;
struct sk_regrid_ws;

/* Builds the indexes (and triangulations for linear) of every class.  The
 * input arrays must outlive the result.  SK_EARG for bad options. */
int sk_regrid_new(const struct sk_regrid_opts *o, const struct sk_regrid_input *in,
		  struct sk_regrid **out, struct sk_error *err);
void sk_regrid_free(struct sk_regrid *rg);

/*
 * --part support.  A run on a subset S of the inputs (all inputs inside the
 * box region = umin, umax, vmin, vmax; the whole input's extent is frame)
 * builds the same output trace at (u, v, cls) as a run on every input when
 * the trace's support lies in S.  For nearest, bin, idw and dip that is
 * every input within the radius (or the bin), which the caller keeps; for
 * linear it is the Delaunay triangle holding (u, v), which is the whole
 * set's when its circumcircle lies inside region (no input outside S can lie
 * in it), and the nearest trace outside the hull, which is the whole set's
 * when (u, v) lies outside the whole set's convex hull (hull: nh vertices
 * counter-clockwise, sk_regrid_hull; NULL when unknown).  sk_regrid_exact
 * returns 1 when that holds (always for the other methods), 0 when it cannot
 * tell (the caller widens the region), SK_ENOMEM.
 */
int sk_regrid_exact(const struct sk_regrid *rg, struct sk_regrid_ws *ws, double u, double v, int cls,
		    const double region[4], const double (*hull)[2], long nh);
/* The convex hull of the n points p, in place: returns the number of
 * vertices left at the start of p, counter-clockwise (Andrew's monotone
 * chain; collinear points dropped). */
long sk_regrid_hull(double (*p)[2], long n);

/* A workspace for one thread. */
struct sk_regrid_ws *sk_regrid_ws_new(const struct sk_regrid *rg);
void sk_regrid_ws_free(struct sk_regrid_ws *ws);

/* Builds the output trace at local (u, v) of class cls and offset h0 into
 * out (ns floats).  Returns 1 for a live trace, 0 for a dead one (out
 * zeroed), or a negative error from the fetch callback. */
int sk_regrid_trace(const struct sk_regrid *rg, struct sk_regrid_ws *ws, int slot, double u,
		    double v, int cls, double h0, float *out, struct sk_error *err);

/* Input traces of class cls inside the bin centred on (u, v). */
long sk_regrid_fold(const struct sk_regrid *rg, double u, double v, int cls);

/* Builds n output traces (at u[i], v[i], class cls[i] or 0 when cls is NULL,
 * offset h0[i] or 0) into out (n x ns floats) with OpenMP over the traces;
 * live[i] receives 1 or 0.  On error, the error of the first failing trace
 * in output order. */
int sk_regrid_block(const struct sk_regrid *rg, const double *u, const double *v, const int *cls,
		    const double *h0, long n, float *out, int *live, struct sk_error *err);
/* The same, while the calling (initial) thread first runs beside(ctx), when
 * not NULL, and then joins the traces left: other work (the driver writes
 * the previous block's output) overlaps the interpolation instead of
 * leaving the other threads idle.  beside runs exactly once, even when the
 * workspaces cannot be made; it reports its own errors through ctx.  The
 * traces do not depend on it: the same output for any number of threads. */
int sk_regrid_block_beside(const struct sk_regrid *rg, const double *u, const double *v, const int *cls,
			   const double *h0, long n, float *out, int *live, void (*beside)(void *ctx),
			   void *ctx, struct sk_error *err);
/* The workspaces of every thread (omp_get_max_threads() when made), kept
 * for the blocks of one run: each holds a cache of fetched traces (about 8
 * MiB) whose fresh pages sk_regrid_block_beside faults in again for every
 * block.  NULL when out of memory. */
struct sk_regrid_wsset;
struct sk_regrid_wsset *sk_regrid_wsset_new(const struct sk_regrid *rg);
void sk_regrid_wsset_free(struct sk_regrid_wsset *set);
/* sk_regrid_block_beside on the workspaces of set (made from rg, one call
 * at a time); the same output. */
int sk_regrid_block_ws(const struct sk_regrid *rg, struct sk_regrid_wsset *set, const double *u, const double *v,
		       const int *cls, const double *h0, long n, float *out, int *live, void (*beside)(void *ctx),
		       void *ctx, struct sk_error *err);

/*
 * The driver behind the regrid command.  It reads the input once: headers
 * (coordinates, offset, trid; dead and dummy traces, trid 2 and 3, are not
 * used) and samples.  Samples are kept in memory when they fit in mem bytes;
 * otherwise a file that allows random reads (SEG-Y, SU, uncompressed sgk:
 * stream.h sk_reader_pread) is read in place, and anything else (pipes,
 * compressed sgk) is spooled as raw floats to an unlinked temporary file in
 * $TMPDIR (default /tmp).
 *
 * A file that allows random reads (a known trace count) is read and decoded
 * by every thread at once, in chunks merged in input order; a pipe or
 * compressed sgk from start to end.  Such a file's headers are read by the
 * pass, and the kept traces' samples read back in place when the output
 * traces need them: for SEG-Y and SU, those of each run of output traces
 * in batches (fetch_many; batchread.h).  With --part, only the used traces
 * that can reach the slice are kept (their positions, samples and index):
 * within the radius (and the bins, for the fold) of its locations; for
 * linear, inside a box widened until every location's triangle is certainly
 * the whole run's (sk_regrid_exact; the file is read again each time), so the
 * N slices of a run concatenate to the whole run's output byte for byte.
 * Linear from a pipe or compressed sgk keeps every trace.
 *
 * No silent partial result: when more than half the used traces lie
 * farther than the radius from every location of the whole grid (the
 * distance of the neighbour search; outside every bin with in_bin), the run
 * fails (SK_ESTATE, nothing written) with a message naming the cause from
 * the geometry (receivers, sources or positions at the origin, a radius
 * below the gaps, else the extents of data and grid), unless allow_outside
 * is set; when all of them do, it fails regardless.  More than one used
 * trace, all at one position, on a grid of more than one location fails
 * the same way.
 *
 * Output traces: the grid's locations in inline-major order (--part: a
 * slice of them), each with its offsets when there is an offset axis.
 * Headers: tracl and tracr (running number over the whole output, so parts
 * concatenate to the whole), cdp, cdpx, cdpy, scalco, iline, xline (grid.h),
 * offset, trid (1 live, 2 dead), nhs (the fold: input traces in the bin),
 * delrt and scalt of the first input trace, ns, dt.
 */
enum sk_regrid_coords { SK_COORDS_MID, SK_COORDS_CDP, SK_COORDS_SRC, SK_COORDS_RCV };
/* Parses mid, cdp, src or rcv. */
int sk_regrid_coords_parse(const char *s, int *out, struct sk_error *err);

struct sk_regrid_job {
	const char *in;            /* input path, NULL or "-" for stdin */
	const char *out;           /* output path, NULL or "-" for stdout */
	const char *fold;          /* fold TSV path, or NULL */
	int from;                  /* enum sk_format, SK_FMT_AUTO to detect */
	struct sk_wopts wopts;
	struct sk_grid grid;
	int coords;                /* enum sk_regrid_coords */
	int have_offsets;          /* offset axis o0, dof, no */
	double o0, dof;
	long no;
	const char *part;          /* "K/N" or NULL */
	struct sk_regrid_opts opts;/* ns, dt, vrms, line and the bin sizes are set by the driver;
				      radius < 0 here means the default, two bins */
	struct sk_vel vel;         /* --vel (lib/geom/velocity: a constant, t:v pairs or a file
				      of one trace), when have_vel */
	int have_vel;              /* 0: no moveout */
	uint64_t mem;              /* bytes of samples to keep in memory */
	int allow_outside;         /* most used traces outside the grid is not an error */
	void (*progress)(void *ctx, int64_t done, int64_t total);
	void *progress_ctx;
};


struct sk_regrid_stats {
	int64_t inputs;            /* traces read */
	int64_t used;              /* traces with a position and an offset class */
	int64_t outputs, dead;     /* traces written, of them dead */
	int64_t outside;           /* used traces farther than the radius from every
	                            * grid location (more than half: an error unless
	                            * allow_outside, all: an error) */
	double radius;             /* the radius used, metres (its default resolved) */
	int64_t kept;              /* used traces kept for the slice (--part: those
	                            * within reach of it; else all used) */
};

/* Runs a job.  Returns 0 or a negative SK_E* code with err set, naming the
 * file it concerns (none for a usage error). */
int sk_regrid_run(const struct sk_regrid_job *job, struct sk_regrid_stats *st,
		  struct sk_error *err);

#endif
