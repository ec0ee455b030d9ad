/*
 * edit: segedit's engine.  One pass over a stream (the inputs one after the
 * other, or standard input), trace by trace, in this order:
 *
 *   1. --table: the columns of the table row whose --by keys match the
 *      trace's, stored in the trace header;
 *   2. the assignments KEY = EXPR, left to right, each seeing the ones
 *      before it;
 *   3. --where EXPR: the trace is kept when EXPR is nonzero (on the edited
 *      header);
 *   4. --time T0:T1: the samples from T0 to T1 seconds (the nearest
 *      samples, as suwind's tmin and tmax), with ns and delrt set to match;
 *   5. --scale A: the samples multiplied by A.
 *
 * Values are in the keys' scaled units (hdr.h): a coordinate, elevation or
 * time is stored with the scalar its header holds when that writes it
 * exactly, else with the first of 1, -10, -100, -1000, -10000, 10, 100,
 * 1000, 10000 that writes every key of its group (sx sy gx gy cdpx cdpy for
 * scalco; the elevations for scalel; the times for scalt; sp for scalsp)
 * exactly, else the finest that holds them all; the group's other keys are
 * rewritten with it, unchanged in value.  Integer keys take integers (within
 * 1e-9 relative), in their type's range; f4 and ibm keys finite values that
 * a float holds.  A value that does not fit is an error naming the trace.
 *
 * When nothing touches the samples (no --time, no --scale) and the output
 * is encoded as the input, samples pass through raw, not decoded: a header
 * edit runs at the speed of a copy.  Errors in the message carry the trace
 * number (1-based in its input; the expressions' i counts from 0 over the
 * whole stream).
 */
#ifndef SK_EDIT_H
#define SK_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "expr.h"
#include "hdr.h"
#include "stream.h"

/* What --missing says about a trace without a table row. */
enum sk_edit_missing { SK_EDIT_MISSING_ERROR, SK_EDIT_MISSING_KEEP, SK_EDIT_MISSING_DROP };

#define SK_EDIT_MAX_BY 8

/*
 * A table of header values: TSV whose first line names keys (any of hdr.h),
 * one row a line; blank lines and lines starting with '#' are skipped, a
 * trailing CR is ignored.  The --by keys pick the row of a trace; the other
 * columns are stored in it, left to right.
 */
struct sk_edit_table {
	struct sk_key key[64];      /* the columns */
	int ncol;
	int by[SK_EDIT_MAX_BY];     /* column of each --by key */
	int nby;
	size_t nrow;
	double *val;                /* nrow x ncol values */
	long *line;                 /* 1-based line of each row */
	size_t *order;              /* rows sorted by the --by values */
};

/*
 * Parses a table from text (len bytes).  by is the comma-separated key list
 * of --by.  SK_EARG for an unknown key, a --by key that is no column, a
 * repeated column; SK_EFMT for a malformed line ("line N: ...") or two rows
 * with the same --by values ("line N: the same fldr 3, tracf 7 as line M").
 */
int sk_edit_table_parse(const char *text, size_t len, const char *by, size_t hdrlen,
			struct sk_edit_table *out, struct sk_error *err);
/* sk_edit_table_parse of the file at path; its errors name the file, and
 * what the parser calls SK_EARG is SK_EUSAGE (a usage error about a named
 * file: the table and --by do not go together). */
int sk_edit_table_load(const char *path, const char *by, size_t hdrlen, struct sk_edit_table *out,
		       struct sk_error *err);
/* The row matching hdr's --by keys, or NULL. */
const double *sk_edit_table_find(const struct sk_edit_table *t, const unsigned char *hdr);
/* The --by values v (one per --by key) as text, "fldr 3, tracf 7", into
 * buf (size bytes, cut when short): what messages about a row say. */
void sk_edit_table_by_text(const struct sk_edit_table *t, const double *v, char *buf, size_t size);
void sk_edit_table_release(struct sk_edit_table *t);

/*
 * Stores v in key k of the canonical header hdr (hdrlen bytes) as the
 * description above says.  su: the stream is SU, whose bytes 181-240 are
 * SU's own fields: the scalars there (scalt, scalsp) are left as they are.
 * SK_EFMT when the value does not fit ("offset = 2.5 is not an integer
 * (offset is i4)", "... is out of range").
 */
int sk_edit_store(unsigned char *hdr, size_t hdrlen, const struct sk_key *k, double v, int su,
		  struct sk_error *err);

struct sk_edit_assign {
	struct sk_key key;
	struct sk_expr *expr;
	const char *src;            /* the text, for messages */
};

struct sk_edit_opts {
	const struct sk_edit_assign *assign;
	size_t nassign;
	const struct sk_expr *where;
	const char *where_src;
	const struct sk_edit_table *table;  /* NULL: none */
	const char *table_path;
	int missing;                /* enum sk_edit_missing */
	int window;                 /* --time given */
	double t0, t1;              /* seconds, t0 <= t1 */
	int scale_set;
	double scale;
	int from;                   /* input format (SK_FMT_AUTO to detect) */
	struct sk_wopts wopts;      /* output format; AUTO: like the first input */
	const char *out;            /* output path; NULL or "-" for standard output */
};

void sk_edit_opts_init(struct sk_edit_opts *o);

struct sk_edit_result {
	int64_t read;               /* traces read */
	int64_t written;            /* traces written */
};

/* Edits the stream of paths[0..n-1] (n >= 1; "-" or NULL for standard
 * input) into o->out.  The inputs must agree in ns, dt and header length.
 * The output is committed only on success.  Errors name the input or the
 * output they are about; keys that the input's headers cannot hold are
 * SK_EUSAGE about the first input. */
int sk_edit_run(const char *const *paths, size_t n, const struct sk_edit_opts *o,
		struct sk_edit_result *res, struct sk_error *err);

#endif
