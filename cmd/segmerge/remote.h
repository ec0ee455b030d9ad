/*
 * remote: segmerge's work on pieces that sit on hosts (a distributed
 * manifest, or taskrun's kept outputs), through taskrun's agents: segmerge
 * runs one taskrun (its launcher, agent protocol, retries and journal; no
 * ssh of its own) per round:
 *
 *	taskrun -H HOSTS -s STATE/rN --where {1} --stdin STATE/rN/{#}.list
 *	        --stdout STATE/rN/{#}.out -- SEGMERGE --partial={1} :::: ARGS
 *
 * one task per host.  For a sum, each task sums on its host the pieces that
 * host holds (lib/flow/psum.h) and keeps that partial sum there (taskrun
 * --keep); then, round by round, pairs of hosts merge their partials, the
 * first reading the second's straight from its host through the launcher
 * (lib/flow/hostfetch.h), until one partial is left, the image, which this
 * machine reads from its host and writes.  Hosts that cannot reach one
 * another (a pair fails while both partials are in place as seen from here)
 * turn the rest into a star: every partial left is read here.  For -m,
 * SEGMERGE --fetch sends a piece's bytes back, one task per piece.  A piece
 * goes to the first of its hosts not known to be down.  A task that taskrun
 * had to run on another host (its own did not answer) sends back a skip:
 * its host is down, and its pieces go to their next copies in the next
 * round.  The sum does not depend on which host summed which piece (the sums
 * are exact: xsum.h).
 */
#ifndef SEGMERGE_REMOTE_H
#define SEGMERGE_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "stream.h"

struct rpiece {
	char **at;             /* "host:path" locations */
	int nat;               /* 0: a local file, its path in at[0] (kept lists) */
	int64_t bytes;         /* -1: not known */
	uint64_t xxh64;
	int has_xxh64;
};

struct remote_opts {
	const char *ssh, *agent;   /* taskrun's --ssh and --agent (NULL: its own) */
	const char *taskrun;       /* the taskrun program */
	const char *segmerge;      /* segmerge on the hosts */
	const char *state;         /* the state directory (kept), or NULL: a temporary */
	int verify;                /* check xxh64 on the hosts */
	int from;
	int star;                  /* --reduce=star: each host's partial comes here */
};

/* Sums the pieces on their hosts into out (wopts: the output format). */
int remote_sum(const struct remote_opts *o, const struct rpiece *pc, size_t n, const struct sk_wopts *wopts,
	       const char *out, int64_t *traces, struct sk_error *err);

/* Copies every piece from a host that holds it into DIR/NNNNNN (DIR made
 * under the state directory; its path malloc'd into *dir) and returns their
 * paths (malloc'd, in piece order).  Each copy's size and xxh64 are checked
 * when known.  *tmpdir: the temporary state directory to remove with
 * remote_rmdir after the merge (NULL with o->state). */
int remote_fetch(const struct remote_opts *o, const struct rpiece *pc, size_t n, char ***paths,
		 char **tmpdir, struct sk_error *err);
/* Removes a temporary directory remote_fetch made (and frees its name;
 * NULL: nothing). */
void remote_rmdir(char *tmpdir);

/* Reads taskrun kept STATE's lines into pieces (one location each). */
int remote_kept(const char *taskrun, const char *state, struct rpiece **out, size_t *n, struct sk_error *err);
void remote_pieces_free(struct rpiece *p, size_t n);

/* The host side of --partial (lists on standard input, the partial sum on
 * standard output) and --fetch. */
int remote_partial(const char *want, int from, int verify, int final, struct sk_error *err);
int remote_fetch_one(struct sk_error *err);
/* The host side of the tree: --pair (a pair list on standard input: this
 * host's partial and a peer's, read through the launcher; the merged
 * partial on standard output), --cat (a kept file, checked first, to
 * standard output; with probe, the check alone) and --clean (a sum's
 * directory of kept partials removed). */
int remote_pair(const char *want, struct sk_error *err);
int remote_cat(const char *path, int64_t bytes, const char *hash, int probe, struct sk_error *err);
int remote_clean(const char *id, struct sk_error *err);

#endif
