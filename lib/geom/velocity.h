/*
 * velocity: the RMS velocity migrate reads, in any of the three forms of
 * `--vel` (DESIGN.md, migrate):
 *   V              a constant (m/s);
 *   t:v,t:v,...    RMS velocity against two-way time (s), linearly
 *                  interpolated, constant beyond the first and last pair;
 *   FILE           a stream (any format) of RMS velocity traces: one trace,
 *                  v(t) everywhere, or one trace per location of the output
 *                  grid in its inline-major order, each on its own time axis
 *                  (ns, dt, delrt), resampled linearly onto the output's.
 */
#ifndef SK_VELOCITY_H
#define SK_VELOCITY_H

#include <stdint.h>

#include "diag.h"
#include "grid.h"

#define SK_VEL_MAXPAIRS 256

enum sk_vel_kind { SK_VEL_CONST, SK_VEL_PAIRS, SK_VEL_FILE };

struct sk_vel {
	int kind;              /* enum sk_vel_kind */
	int n;                 /* pairs (1 for a constant) */
	double t[SK_VEL_MAXPAIRS], v[SK_VEL_MAXPAIRS];
	const char *path;      /* SK_VEL_FILE: the argument itself */
};

/* Parses the --vel argument.  A number is a constant, a list of t:v pairs
 * is a function of time (times strictly increasing), anything else a file
 * name.  SK_EARG for a non-positive velocity, a malformed list, or a name
 * that begins as a number and names no file (sk_par_numlike: "25OO"), with
 * the text: "invalid vel '...' (...)". */
int sk_vel_parse(const char *arg, struct sk_vel *out, struct sk_error *err);
/* v(t) of a constant or a list of pairs. */
double sk_vel_at(const struct sk_vel *v, double t);
/* out[j] = v(t0 + j dt), j < nt, for a constant or a list of pairs. */
void sk_vel_curve(const struct sk_vel *v, long nt, double t0, double dt, float *out);

/*
 * Loads a velocity file for the output locations [first, last) of grid g
 * onto the output time axis (nt samples from t0 every dt seconds).  *out
 * receives nt floats (*per_loc 0: the file holds one trace) or (last -
 * first) x nt floats, location-major (*per_loc 1); the caller frees it.
 * A trace whose cdpx/cdpy are set must lie within half a grid spacing of
 * its location.  Errors: SK_EIO, SK_EFMT (bad stream, a trace count that is
 * neither 1 nor the grid size, a misplaced trace, a velocity <= 0) with the
 * trace number; the message does not name the file.
 */
int sk_vel_load(const char *path, const struct sk_grid *g, int64_t first, int64_t last, long nt,
		double t0, double dt, float **out, int *per_loc, struct sk_error *err);

#endif
