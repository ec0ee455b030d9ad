/*
 * merge: segmerge's engine.  Reads several streams (files, or "-" for
 * standard input once) and writes one, in one of these ways:
 *
 *   concat      the inputs one after the other (the converter, and -m for
 *               count, parts and key splits);
 *   key         a stable k-way merge of inputs each sorted by keys (ties
 *               keep input order), with a heap: the second half of an
 *               external sort.  An input that is not sorted is an error
 *               naming the trace and both key values;
 *   sum         the sample-wise sum of inputs holding the same traces (same
 *               count; cdp, iline, xline, offset, cdpx and cdpy equal trace
 *               by trace, coordinates compared with scalco applied), with
 *               the first input's headers; sums are exact and rounded to
 *               float once (xsum.h), so any order or grouping of the
 *               inputs gives the same bytes (segmerge's sums on hosts);
 *   interleave  trace i from input i mod N (-m for round-robin splits);
 *   runs        runs "PIECE<TAB>COUNT" from an order file (-m for ranges).
 *
 * Every input must agree with the first in ns, dt and trace header length.
 * Inputs may mix formats: each is read as its own, and its headers' bytes
 * 181-240 converted to the output's meaning (SU's or SEG-Y rev 1's fields,
 * stream.h sk_writer_source); key merges by keys in those bytes refuse such
 * a mix, and sum compares cdpx, cdpy, iline and xline only between inputs
 * of one meaning.
 * Records pass through unchanged when an input is encoded as the output is
 * (so merging SEG-Y pieces gives back the source's bytes); otherwise they
 * are decoded and re-encoded by the writer.  Memory: one trace per input.
 * The output is written atomically when it is a file.
 */
#ifndef SK_MERGE_H
#define SK_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fdlimit.h"
#include "manifest.h"
#include "sortbuf.h"
#include "stream.h"

enum sk_merge_mode { SK_MERGE_CONCAT, SK_MERGE_KEY, SK_MERGE_SUM, SK_MERGE_INTERLEAVE, SK_MERGE_RUNS };

/*
 * Inputs that are streams the caller opens (pieces read from the hosts that
 * hold them: merge_hosts.h) rather than files: each is opened once, when
 * the merge needs it (a concatenation: in turn; the other modes: all at the
 * start), so its header is read once and nothing is read twice.
 *   open   makes input i's reader (bufsize as sk_reader_open_buf's); its
 *          errors name the input;
 *   close  is called once for every input open succeeded for, after its
 *          reader is freed: with whole 1 when the merge read it to its end
 *          (an error then, such as the sender's failure, fails the merge),
 *          with whole 0 when the merge stopped early, err NULL or the error
 *          the merge stopped with if it is about input i (close may say
 *          better what happened: a holder lost).
 * A concatenation of such inputs checks each one's shape when it reaches
 * it: an output file is then removed, but what went to standard output
 * stays (as a read error part-way does).
 */
struct sk_merge_src {
	int (*open)(void *arg, size_t i, size_t bufsize, struct sk_reader **r, struct sk_error *err);
	int (*close)(void *arg, size_t i, int whole, struct sk_error *err);
	void *arg;
};

struct sk_merge_opts {
	int mode;              /* enum sk_merge_mode */
	struct sk_keyset keys; /* key mode */
	const char *order;     /* runs mode: the order file */
	int64_t total;         /* traces expected in all (-1 unknown): given to the writer */
	int from;              /* input format (SK_FMT_AUTO to detect) */
	struct sk_wopts wopts; /* output format; AUTO: like the first input */
	const char *out;       /* output path; NULL or "-" for standard output */
	const struct sk_merge_src *src; /* NULL: the paths are files (or "-") */
	/* Called with the traces written so far and the total when the inputs
	 * tell it (-1 when not) every 1024 traces, after each input copied
	 * whole, and at the end; may be NULL. */
	void (*progress)(void *arg, int64_t done, int64_t total);
	void *progress_arg;
};

struct sk_merge_result {
	int64_t traces;        /* traces written */
	struct sk_fdlimit fd;  /* fd.new_soft > fd.old_soft: the limit was raised */
};

void sk_merge_opts_init(struct sk_merge_opts *o);

/* Merges paths[0..n-1] as o says (n >= 1).  Errors name the input, the
 * output or the order file they are about (none for bad options). */
int sk_merge_run(const char *const *paths, size_t n, const struct sk_merge_opts *o,
		 struct sk_merge_result *res, struct sk_error *err);

/* The sum's geometry check of header h against the first input's h0: 1
 * when a key differs (its name in *key, the values in *a and *b), else 0.
 * segy_tails: both streams give bytes 181-240 SEG-Y rev 1's meaning (cdpx,
 * cdpy, iline, xline); else, in SU (d1, f1, d2, f2) or when the two
 * differ, those keys are not compared. */
int sk_merge_sum_differs(const unsigned char *h, const unsigned char *h0, int segy_tails, const char **key,
			 double *a, double *b);
/* The value of the sum's key named key in header h (0 for another name). */
double sk_merge_sum_value(const unsigned char *h, const char *key);

/*
 * Manifest support (segmerge -m).  sk_merge_check verifies every piece
 * (sk_manifest_check) and the order file, and calls report(ctx, path, err)
 * for each problem; it returns the number of problems (0: all is well).
 * sk_merge_plan fills the input list (malloc'ed paths, freed with
 * sk_merge_plan_free) and o's mode, order file and total from the
 * manifest: concat, interleave for round-robin, runs for ranges, and key by
 * the manifest's sort keys for sorted pieces; its errors name the manifest.
 */
typedef void (*sk_merge_report_fn)(void *ctx, const struct sk_error *err);
size_t sk_merge_check(const struct sk_manifest *m, int checksums, sk_merge_report_fn report,
		      void *ctx);
int sk_merge_plan(const struct sk_manifest *m, struct sk_merge_opts *o, char ***paths,
		  size_t *n, char **order_path, struct sk_error *err);
void sk_merge_plan_free(char **paths, size_t n, char *order_path);

#endif
