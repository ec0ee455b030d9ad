/*
 * section: a stream read into memory for display, decimated to a bounded
 * size.  Traces become columns and samples rows.  When there are more than
 * max_cols traces, neighbouring columns are merged in pairs as they arrive
 * (so the input may be a pipe of unknown length), each merged sample keeping
 * the value of larger magnitude, so a single spike survives any decimation;
 * samples are merged the same way in groups of tstride = ceil(ns / max_rows).
 * Memory: at most max_cols x max_rows floats.
 */
#ifndef SK_SECTION_H
#define SK_SECTION_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hdr.h"
#include "stream.h"

struct sk_section {
	long ncol, nrow;       /* columns (trace groups) and rows (sample groups) kept */
	long xstride, tstride; /* input traces per column, input samples per row */
	int64_t ntraces;       /* input traces read */
	long ns;               /* input samples per trace */
	double dt;             /* input sample interval in seconds (0: unknown) */
	double t0;             /* time of the first sample (s), from delrt of trace 1 */
	float *data;           /* ncol x nrow, column after column */
	double *key;           /* per column: the key value (or 1-based trace number)
				  of its first trace */
	long cap;              /* max_cols */
};

/* Reads every remaining trace of r.  xkey NULL labels columns by trace
 * number.  SK_EFMT/SK_EIO from the reader, SK_EFMT "no traces" for an empty
 * stream, SK_ENOMEM. */
int sk_section_read(struct sk_reader *r, const struct sk_key *xkey, long max_cols, long max_rows,
		    struct sk_section *out, struct sk_error *err);
void sk_section_release(struct sk_section *s);
/* The perc-th percentile (0-100] of |sample| over the section (NaN and
 * infinities count as 0); 0 for an all-zero section. */
double sk_section_percentile(const struct sk_section *s, double perc);
/* "Nice" tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi],
 * about target of them; returns the count (at most max). */
int sk_ticks(double lo, double hi, int target, double *out, int max);

#endif
