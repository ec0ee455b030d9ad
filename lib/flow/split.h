/*
 * split: segsplit's engine.  Partitions a stream into pieces, each a valid
 * file of the output format on its own (SEG-Y pieces carry the source's file
 * header; the writer fixes the rev 2 trace count), writes DIR/manifest.yaml
 * (manifest.h) last, and on any failure removes what it wrote.
 *
 * Modes (enum sk_split_mode in manifest.h):
 *   count N        N traces per piece (the last may have fewer).
 *   parts N        N pieces of equal size (sizes differ by at most one
 *                  trace); a pipe is spooled to DIR first to count it.
 *   key KEYS       a new gather when any key value changes; group G gathers
 *                  per piece.  Gathers are runs of equal values: never split.
 *   ranges KEY=... a piece per range a:b (a <= value < b; an empty side is
 *                  unbounded), plus a last piece for values outside every
 *                  range.  Ranges must not overlap.  DIR/order.tsv records
 *                  the runs that interleave the pieces back into source order.
 *   round-robin N  trace i goes to piece i mod N.
 * With sort keys (count, parts and key modes) each piece is sorted in memory,
 * stably, before it is written.  A stream with no traces gives one empty
 * piece, so its file header survives the round trip.
 *
 * Memory: one trace, or with sorting one piece (its records plus 8 bytes per
 * key and 16 per trace).  Pieces are named part-NNNNNN.{sgy,su,sgk}.
 */
#ifndef SK_SPLIT_H
#define SK_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fdlimit.h"
#include "manifest.h"
#include "sortbuf.h"
#include "stream.h"

#define SK_SPLIT_MAXRANGES 4096

struct sk_range {
	double lo, hi;         /* lo <= v < hi */
	int has_lo, has_hi;    /* an empty side is unbounded */
	char text[64];         /* "a:b" as given */
};

struct sk_split_opts {
	int mode;              /* enum sk_split_mode */
	long n;                /* count, parts, group (>= 1) or round-robin N */
	struct sk_keyset keys; /* key: gather keys; ranges: its one key */
	const char *keys_text;
	struct sk_range *ranges;
	int nranges;
	const char *ranges_text;
	struct sk_keyset sort; /* sort.n == 0: unsorted */
	const char *sort_text;
	const char *dir;       /* created when missing */
	const char *source;    /* the input as named by the user ("-" for stdin) */
	struct sk_wopts wopts; /* output format of the pieces */
	/* Called with the traces read so far and the input's count (-1 when
	 * unknown) every 1024 traces and at the end; may be NULL. */
	void (*progress)(void *arg, int64_t done, int64_t total);
	void *progress_arg;
	/* When set, receives the manifest written, after a split that
	 * succeeded (the caller releases it); may be NULL. */
	struct sk_manifest *manifest_out;
};

struct sk_split_result {
	size_t pieces;
	int64_t traces;
	struct sk_fdlimit fd;  /* fd.new_soft > fd.old_soft: the limit was raised */
	int spooled;           /* parts mode read a pipe through a spool file */
};

/*
 * Parses "KEY=a:b,b:c,..." into o->keys (one key) and a malloc'ed range
 * array (o->ranges, o->nranges; the caller frees it).  SK_EARG for a bad
 * key, a bad number, an empty or reversed range or overlapping ranges.
 */
int sk_split_ranges_parse(const char *arg, struct sk_split_opts *o, struct sk_error *err);

/* Splits r (owned by the caller) as o says.  Errors name the file they are
 * about: a piece, the order file, DIR, the manifest, or else the input
 * (o->source), with the trace number; bad options (SK_EARG) name none. */
int sk_split_run(struct sk_reader *r, const struct sk_split_opts *o, struct sk_split_result *res,
		 struct sk_error *err);

/*
 * Remakes piece i (0-based) of a distributed split from its lineage
 * (manifest.h): reads the piece's traces from m->lineage as the split took
 * them (a run from the piece's first trace in count, parts and key modes;
 * every N-th trace from it in round-robin N; the traces from it whose key
 * falls in the piece's range in ranges mode; sorted again by the same keys,
 * stably, after --sort) and writes them with the split's options and
 * buffer size (an sgk piece's blocks) into DIR/FILE (created; the file
 * replaces one of that name), then checks its size and xxh64 against the
 * manifest.  sk_split_remakable: a mode the remake knows.  Returns 0;
 * SK_EARG (no lineage, another mode, no such piece, a range not in the
 * split's list); SK_ESTATE when the source no longer gives the piece's
 * bytes (no file is left); SK_EIO.
 */
int sk_split_remakable(const struct sk_manifest *m);
int sk_split_remake(const struct sk_manifest *m, size_t i, const char *dir, struct sk_error *err);

#endif
