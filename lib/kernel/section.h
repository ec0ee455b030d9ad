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

/* Which traces and samples to keep (sk_section_window_init: all). */
struct sk_section_window {
	int64_t first, last;      /* 1-based input trace numbers, inclusive (0: no limit) */
	const struct sk_key *key; /* NULL, or keep the traces whose value of key is */
	double klo, khi;          /* in [klo, khi] */
	double tmin, tmax;        /* seconds: the samples with tmin <= t <= tmax (within a
				     thousandth of a sample); -HUGE_VAL / HUGE_VAL: no limit */
};

struct sk_section {
	long ncol, nrow;       /* columns (trace groups) and rows (sample groups) kept */
	long xstride, tstride; /* input traces per column, input samples per row */
	int64_t ntraces;       /* input traces read */
	long ns;               /* samples kept per trace (all, or the time window's) */
	double dt;             /* input sample interval in seconds (0: unknown) */
	double t0;             /* time of the first kept sample (s), from delrt of
				  the first trace read */
	int64_t kept;          /* traces kept (the window's), <= ntraces */
	int feet;              /* the SEG-Y binary header says lengths are in feet */
	float *data;           /* ncol x nrow, column after column */
	double *key;           /* per column: the key value (or 1-based input trace
				  number) of its first trace */
	long cap;              /* max_cols */
};

void sk_section_window_init(struct sk_section_window *w);
/* Reads every remaining trace of r, keeping those and the samples that win
 * (NULL: all) selects.  xkey NULL labels columns by trace number.  A window
 * stops the read after its last trace number.  SK_EFMT/SK_EIO from the
 * reader, SK_EFMT "no traces" for an empty stream, SK_EARG "no trace in the
 * window" / "no sample in the time window (t0 .. t1 ms)" when it selects
 * nothing, SK_ENOMEM. */
int sk_section_read(struct sk_reader *r, const struct sk_key *xkey, const struct sk_section_window *win,
		    long max_cols, long max_rows, struct sk_section *out, struct sk_error *err);
void sk_section_release(struct sk_section *s);
/* The perc-th percentile (0-100] of |sample| over the section (NaN and
 * infinities count as 0); 0 for an all-zero section. */
double sk_section_percentile(const struct sk_section *s, double perc);
/* "Nice" tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi],
 * about target of them; returns the count (at most max). */
int sk_ticks(double lo, double hi, int target, double *out, int max);

#endif
