/*
 * psum_tree: sums of pieces that sit on hosts (a distributed manifest, or
 * taskrun's kept outputs), through taskrun's agents: segmerge --sum's policy,
 * with cmd/segmerge a thin caller.  One taskrun run (its launcher, agent
 * protocol, retries and journal; no ssh of its own) a round:
 *
 *	taskrun -H HOSTS -s STATE/rN --where {1} --stdin STATE/rN/{#}.list
 *	        --keep .segmerge/ID/rN-{#}.psum -- SEGMERGE --partial={1} :::: ARGS
 *
 * one task a host.  Each task sums on its host the pieces that host holds
 * (psum.h) and keeps that partial sum there (taskrun --keep); then, round by
 * round, pairs of hosts merge their partials (SEGMERGE --pair={1}), the first
 * reading the second's straight from its host through the launcher
 * (hostfetch.h, SEGMERGE --cat), until one partial is left, the image, which
 * this machine reads from its host and writes.  Pieces here (nat 0: a local
 * slot's kept output, a manifest's local piece) are summed by this machine
 * first, into a partial of its own (STATE/here.psum) that takes no part in
 * the pairs; the hosts' last partial then keeps its exact terms, and this
 * machine adds its own to it and rounds once.  Hosts that cannot reach one
 * another (a pair fails while both partials are in place as seen from here)
 * turn the rest into a star: every partial left is read here.  A piece goes
 * to the first of its hosts not known to be down.  A task that taskrun had
 * to run on another host (its own did not answer) sends back a skip: its
 * host is down, and its pieces go to their next copies in the next round.
 * The sum does not depend on which host summed which piece (the sums are
 * exact: xsum.h).
 *
 * The host's steps (sk_ptree_partial, _pair, _cat, _clean) are what SEGMERGE
 * runs there; they read their lists from in and write to out.  Relative
 * paths on a host start at its keep directory (taskrun's TASKRUN_KEEP_DIR,
 * passed as base), else at its working directory.
 */
#ifndef SK_PSUM_TREE_H
#define SK_PSUM_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "hostfetch.h"
#include "stream.h"

/* A piece to sum: its locations, its size and xxh64 when known. */
struct sk_ptree_piece {
	char **at;             /* "host:path" locations */
	int nat;               /* 0: a local file, its path in at[0] (kept lists) */
	int64_t bytes;         /* -1: not known */
	uint64_t xxh64;
	int has_xxh64;
};

struct sk_ptree_opts {
	const char *ssh, *agent;   /* taskrun's --ssh and --agent (NULL: its own) */
	const char *taskrun;       /* the taskrun program */
	const char *segmerge;      /* segmerge on the hosts */
	const char *state;         /* the state directory (kept), or NULL: a temporary */
	int verify;                /* check xxh64 on the hosts */
	int from;                  /* the pieces' format (SK_FMT_AUTO: detect) */
	int star;                  /* --reduce=star: each host's partial comes here */
	/* Called with what a user should know while the sum goes on (a host
	 * lost, the tree turned into a star), one line without the program's
	 * name; NULL: not said. */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
};

/* The longest word of a host command this module builds. */
#define SK_PTREE_WORDLEN 4200

/* The default launcher when opts->ssh is NULL. */
#define SK_PTREE_LAUNCHER SK_HOSTFETCH_LAUNCHER

/* Sums pieces[0..n-1] on their hosts into out (NULL or "-": standard
 * output; wopts: the output format), *traces the traces written.  Errors
 * name the piece (host:path) or the host. */
int sk_ptree_sum(const struct sk_ptree_opts *o, const struct sk_ptree_piece *pc, size_t n,
		 const struct sk_wopts *wopts, const char *out, int64_t *traces, struct sk_error *err);

struct sk_merge_opts;

/*
 * segmerge --sum of the pieces of the distributed manifest mpath, or (kept
 * not NULL) of the outputs taskrun kept in state directory kept (read with
 * ro->taskrun kept): summed on their hosts (sk_ptree_sum) with ro, or, when
 * every one is here (a local manifest, local slots' outputs), summed here
 * by sk_merge_run with o (its mode set to a sum); o's output and format
 * either way.  Some here and others on hosts: sk_ptree_sum, which sums
 * the ones here on this machine.
 */
int sk_ptree_sum_pieces(const struct sk_ptree_opts *ro, const char *kept, const char *mpath,
			const struct sk_merge_opts *o, struct sk_error *err);

/* Reads taskrun kept STATE's lines (taskrun: the program) into pieces, one
 * location each (a local slot's output: nat 0, its path).  *out malloc'd:
 * sk_ptree_pieces_free. */
int sk_ptree_kept(const char *taskrun, const char *state, struct sk_ptree_piece **out, size_t *n,
		  struct sk_error *err);
void sk_ptree_pieces_free(struct sk_ptree_piece *p, size_t n);

/* The words of SEGMERGE --cat=PATH --bytes=N --xxh64=HEX [--probe] for a
 * partial kept on a host (into w, at least 6 long, NULL-terminated; the
 * words live in b): what a host of a pair and this machine run there. */
void sk_ptree_cat_words(const char *segmerge, const char *path, int64_t bytes, uint64_t xxh64, int probe,
			char **w, char b[3][SK_PTREE_WORDLEN]);

/* A host's step.  me: the host it runs on (taskrun's TASKRUN_HOST); base:
 * its keep directory or NULL.  partial: the piece list on in (psum.h), the
 * partial sum on out; pair: a pair list on in, this host's partial and the
 * peer's merged onto out (a short "miss" partial when the peer cannot be
 * read); cat: a kept file checked (size, xxh64 as HEX, or NULL) then copied
 * to out (out NULL: the check alone); clean: the sum ID's kept partials
 * removed. */
int sk_ptree_partial(const char *want, const char *me, const char *base, int from, int verify, int final, FILE *in,
		     FILE *out, struct sk_error *err);
int sk_ptree_pair(const char *want, const char *me, const char *base, FILE *in, FILE *out, struct sk_error *err);
int sk_ptree_cat(const char *path, const char *base, int64_t bytes, const char *hash, FILE *out, struct sk_error *err);
int sk_ptree_clean(const char *id, const char *base, struct sk_error *err);

#endif
