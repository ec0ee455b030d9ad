/*
 * manifest: DIR/manifest.yaml, the record segsplit leaves beside its pieces
 * and segmerge -m reads back.  It names the source, the pieces' format, ns,
 * dt, header length and trace count, the split mode with its parameters,
 * and per piece its file (relative to the manifest), trace count, first
 * source trace index (0-based), byte size, xxh64 checksum of the file's
 * bytes, and the min/max of the split and sort keys.  A ranges split also
 * lists the order file that interleaves its pieces back into source order.
 *
 * Layout (YAML, written by sk_manifest_write, read through cfg.h):
 *
 *   manifest: segkit-split
 *   version: 1
 *   id: "5f0c9a3e1b2d4c67"
 *   source: "line.sgy"
 *   format: segy
 *   ns: 50
 *   dt: 4000
 *   hdrlen: 240
 *   traces: 25
 *   mode: count            count | parts | key | ranges | round-robin
 *   count: 10              the mode's parameter (count, parts, group, round-robin)
 *   keys: "cdp"            key: the gather keys; ranges: the key
 *   ranges: "1:3,3:6"      ranges only, as given
 *   sort: "cdp,offset"     only when the pieces were sorted
 *   order: {file: "order.tsv", runs: 7, bytes: 52, xxh64: "..."}   ranges only
 *   pieces:
 *     - file: "part-000001.sgy"
 *       traces: 10
 *       first: 0
 *       bytes: 7600
 *       xxh64: "0123456789abcdef"
 *       range: "1:3"       ranges only ("outside" for the overflow piece)
 *       min: {cdp: 1}
 *       max: {cdp: 3}
 *       at: ["node1:parts/part-000001.sgy", "node3:parts/part-000001.sgy"]
 *
 * A distributed split (segsplit --hosts) of a file also records its
 * lineage, what remakes a piece with no copy left from the source:
 *
 *   lineage: {source: "/data/line.sgy", from: segy, sample-format: 0, little: -1, zstd: 0}
 *
 * the source's absolute path and format and the options the pieces were
 * written with (sk_wopts); a piece's traces are its "first" and "traces".
 * A distributed split (segsplit --hosts) writes "version: 2" and gives each
 * piece its locations, "at": one "host:path" per copy, the host as named in
 * the host file and the path on that host (relative paths start at the
 * host's $TASKRUN_KEEP_DIR, else at its agent's working directory, as
 * taskrun --keep); such a piece is not in the manifest's directory.  A
 * version 1 manifest, or a piece without "at", is local as before.
 *
 * Errors: SK_EIO (errno), SK_EARG for a manifest that does not parse or
 * lacks a field ("line L, column C: ..."), SK_ESTATE for a piece that does
 * not match it.  Messages never name the manifest: the command does.
 */
#ifndef SK_MANIFEST_H
#define SK_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ofile.h"
#include "sortbuf.h"

enum sk_split_mode {
	SK_SPLIT_NONE = 0, SK_SPLIT_COUNT, SK_SPLIT_PARTS, SK_SPLIT_KEY, SK_SPLIT_RANGES,
	SK_SPLIT_RR
};

struct sk_mpiece {
	char *file;           /* relative to the manifest's directory */
	int64_t traces;
	int64_t first;        /* source index of the piece's first trace (0-based) */
	uint64_t bytes;
	uint64_t xxh64;
	char *range;          /* ranges mode: "a:b" or "outside"; else NULL */
	int has_minmax;       /* min/max hold codes (sortbuf.h) for the manifest's mm keys */
	uint64_t min[SK_SORT_MAXKEYS], max[SK_SORT_MAXKEYS];
	char **at;            /* its locations "host:path", one per copy (malloc'd) */
	int nat;              /* 0: the piece is the local file */
};

struct sk_manifest {
	char *path;           /* the file it was read from (NULL when made) */
	char *dir;            /* directory of the manifest ("." when none) */
	char id[17];          /* 16 hex digits naming this split */
	char *source;         /* the source as named on segsplit's command line */
	int fmt;              /* enum sk_format of the pieces */
	long ns;
	double dt;
	size_t hdrlen;
	int64_t traces;
	int mode;             /* enum sk_split_mode */
	long n;               /* count, parts, group or round-robin N */
	char *keys;           /* key: gather keys; ranges: the key; else NULL */
	char *ranges;         /* ranges: the list as given */
	char *sort;           /* sort keys, NULL when unsorted */
	char *order_file;     /* ranges: file of "piece<TAB>count" runs */
	int64_t order_runs;
	uint64_t order_bytes, order_xxh64;
	struct sk_keyset mm;  /* keys of the pieces' min/max (written only) */
	/* The lineage (version 2): what remakes a piece from the source
	 * (sk_split_remake).  lineage is the source's absolute path, NULL
	 * when there is none (a pipe, or a version 1 manifest); lin_from its
	 * format, lin_sample, lin_little and lin_zstd the pieces' write options
	 * (struct sk_wopts' sample_format, little and zstd), lin_block an sgk
	 * piece's traces per block (0: not recorded, a lineage written before
	 * it was, whose blocks follow the rule of then: sk_split_remake). */
	char *lineage;
	int lin_from, lin_sample, lin_little, lin_zstd;
	long lin_block;
	size_t npieces, cap;
	struct sk_mpiece *pieces;
};

void sk_manifest_init(struct sk_manifest *m);
void sk_manifest_release(struct sk_manifest *m);
/* Appends a copy of p (its strings are duplicated). */
int sk_manifest_add(struct sk_manifest *m, const struct sk_mpiece *p, struct sk_error *err);
/* Adds location "host:path" to piece i (duplicated). */
int sk_manifest_add_at(struct sk_manifest *m, size_t i, const char *host, const char *path,
		       struct sk_error *err);
/* Splits location loc ("host:path") into its host (into buf of len bytes)
 * and *path (pointing into loc); SK_EARG when it is not one. */
int sk_manifest_loc(const char *loc, char *buf, size_t len, const char **path, struct sk_error *err);
/* Writes the hosts of the nat locations at ("h1, h2", cut to fit) into
 * buf of len bytes, for a message naming them; returns buf. */
const char *sk_manifest_loc_hosts(char *const *at, int nat, char *buf, size_t len);
/* The number of pieces with locations (a distributed split when > 0). */
size_t sk_manifest_remote(const struct sk_manifest *m);
/* Sets a string field (duplicating s; NULL clears it). */
int sk_manifest_set_str(char **field, const char *s, struct sk_error *err);
/* A fresh split id from the clock, the pid and /dev/urandom. */
void sk_manifest_new_id(struct sk_manifest *m);

/* Writes m to path atomically (temporary file, fsync, rename: ofile.h); with
 * a set, the finished temporary joins it instead of being renamed. */
int sk_manifest_write(const struct sk_manifest *m, const char *path, struct sk_ofset *set,
		      struct sk_error *err);
/*
 * New copies of pieces, made after the split (taskrun places a piece that
 * was remade or streamed to a host as a copy there): piece (0-based), the
 * piece's xxh64 as the copier knew it, and the location "host:path".
 */
struct sk_mcopy {
	size_t piece;
	uint64_t xxh64;
	const char *loc;
};

/*
 * Adds the copies' locations to the distributed manifest at path, in place
 * (temporary, fsync, rename), under an exclusive lock of its directory so
 * that two writers lose nothing.  Only each piece's "at:" line changes (the
 * rest of the file is kept byte for byte); a location already listed is not
 * added again, nor any beyond max locations a piece (0: no
 * limit).  *added receives how many were added (0: the file is not
 * rewritten).  SK_ESTATE when a piece is not the one copied (another
 * xxh64: the manifest was replaced) or has no "at:" line; SK_EARG when the
 * manifest does not parse; SK_EIO.  Errors do not name the manifest.
 */
int sk_manifest_add_copies(const char *path, const struct sk_mcopy *c, size_t n, int max, size_t *added,
			   struct sk_error *err);

/* Reads path into m (initialised here); m->dir becomes path's directory. */
int sk_manifest_read(const char *path, struct sk_manifest *m, struct sk_error *err);
/* The path of piece i (dir/file) in buf; SK_EARG when it does not fit. */
int sk_manifest_piece_path(const struct sk_manifest *m, size_t i, char *buf, size_t len,
			   struct sk_error *err);

const char *sk_split_mode_name(int mode);
int sk_split_mode_parse(const char *s);  /* SK_SPLIT_NONE when unknown */

/* xxh64 (seed 0) of a whole file's bytes and its size. */
int sk_file_xxh64(const char *path, uint64_t *hash, uint64_t *size, struct sk_error *err);
/* The same hash of a stream, fed as it is read: new (NULL out of memory),
 * update with each piece in order, digest (any time), free (NULL: nothing). */
struct sk_xxh64;
struct sk_xxh64 *sk_xxh64_new(void);
void sk_xxh64_update(struct sk_xxh64 *h, const void *p, size_t n);
uint64_t sk_xxh64_digest(const struct sk_xxh64 *h);
void sk_xxh64_free(struct sk_xxh64 *h);

/*
 * Checks piece i against the manifest: that it exists, has the recorded
 * size, is a stream of the recorded format, ns, dt and header length with
 * the recorded trace count, and (when checksums) the recorded xxh64.  The
 * first difference is SK_ESTATE (SK_EIO for a missing file) with a message
 * that says what differs, e.g. "7000 bytes, the manifest says 7600
 * (truncated)".
 */
int sk_manifest_check(const struct sk_manifest *m, size_t i, int checksums,
		      struct sk_error *err);

#endif
