/*
 * psum_tree_int: the tree's state and its planning, the pure part of
 * psum_tree.c (what each round asks of which host, and what a failed pair
 * means), apart from the rounds that run taskrun, so that the policy has
 * unit tests.  For lib/flow/psum_tree*.c and tests/unit/test_psum_tree.c
 * alone.
 */
#ifndef SK_PSUM_TREE_INT_H
#define SK_PSUM_TREE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "psum_tree.h"

/* A list of host names: a set small enough to search. */
struct sk_hostset {
	char **name;
	size_t n, cap;
};

int sk_hostset_has(const struct sk_hostset *s, const char *h);
/* 0, or -1 out of memory. */
int sk_hostset_add(struct sk_hostset *s, const char *h);
void sk_hostset_free(struct sk_hostset *s);

/* A partial sum kept on a host: the pieces whose owner is its index. */
struct sk_ptree_unit {
	char *host, *path;    /* path as taskrun kept says it (from TASKRUN_KEEP_DIR) */
	int64_t bytes;
	uint64_t xxh64;
	int final, live;
	int here;             /* this machine's partial of the pieces here (host
				 ":", path a file in the state directory): in no
				 pair, never final, read here by the last step */
};

struct sk_ptree {
	const struct sk_ptree_opts *o;
	const struct sk_ptree_piece *pc;
	size_t n;
	size_t *owner;        /* per piece: its unit, or SIZE_MAX (to sum) */
	const char **names;   /* per piece: the location summed */
	struct sk_ptree_unit *u;
	size_t nu, ucap;
	struct sk_hostset down, used;
	struct sk_hostset noreach;   /* "A\tB": A could not read B's partial */
	char id[20];          /* this sum's directory on the hosts */
	char *dir;            /* the state directory here */
	int round, star;
};

/* Sets t up for pieces pc[0..n-1] (nothing summed yet); id: the sum's 16
 * hex digits.  SK_ENOMEM. */
int sk_ptree_init(struct sk_ptree *t, const struct sk_ptree_opts *o, const struct sk_ptree_piece *pc, size_t n,
		  const char *id, struct sk_error *err);
void sk_ptree_release(struct sk_ptree *t);

const char *sk_ptree_launcher(const struct sk_ptree_opts *o);

/* psum_clean.c: removes t's files on every host it used (SEGMERGE --clean);
 * a host that is down or does not answer keeps them, and is recorded in
 * STATE/leftovers ("HOST<TAB>ID") with a state directory, else said
 * (o->warn). */
void sk_ptree_clean_hosts(struct sk_ptree *t);
/* Removes the files of DIR/leftovers' sums from the hosts that answer now
 * (the file keeps the others' lines; removed when none is left). */
void sk_ptree_leftovers_retry(const struct sk_ptree_opts *o, const char *dir);

/* The index of the first of p's locations whose host is not down (the host
 * into host, *path into the location), or -1. */
int sk_ptree_pick(const struct sk_ptree_piece *p, const struct sk_hostset *down, char *host, size_t len,
		  const char **path);
/* The error of a piece none of whose hosts answered: "no host that holds
 * it answered (H1, H2)" about its first location. */
int sk_ptree_no_host(const struct sk_ptree_piece *p, struct sk_error *err);

/* A new unit (its host joins t->used): its index, or SIZE_MAX out of memory. */
size_t sk_ptree_add_unit(struct sk_ptree *t, const char *host, const char *path, int64_t bytes, uint64_t hash,
			 int final);
/* Unit k is gone (its host is down): its pieces are to be summed again. */
void sk_ptree_lose_unit(struct sk_ptree *t, size_t k);
size_t sk_ptree_live_units(const struct sk_ptree *t);
/* The live units on hosts (those a pair round can pair). */
size_t sk_ptree_host_units(const struct sk_ptree *t);
size_t sk_ptree_pending(const struct sk_ptree *t);
/* The unit of the pieces here (nat 0), summed into the file path by this
 * machine: it owns them, named by their paths, and is never paired nor
 * final, so the image is rounded only when it is added to the hosts' last
 * partial.  Its index, or SIZE_MAX out of memory. */
size_t sk_ptree_add_here(struct sk_ptree *t, const char *path);

/*
 * The leaf round's plan: each piece not summed yet on the first of its
 * hosts not down.  hosts (t->n long, calloc'd by the caller) gets the
 * distinct hosts (malloc'd) in order of first use, *nt their count,
 * task_of[i] piece i's task, locs[i] its location's index.  SK_EIO naming a
 * piece none of whose hosts is up; SK_ENOMEM.
 */
int sk_ptree_leaf_plan(const struct sk_ptree *t, char **hosts, size_t *nt, size_t *task_of, int *locs,
		       struct sk_error *err);
/* Task k's piece list (psum.h's lines: IDX, BYTES, XXH64, PATH), malloc'd
 * into *text. */
int sk_ptree_leaf_list(const struct sk_ptree *t, size_t k, const size_t *task_of, const int *locs, char **text,
		       struct sk_error *err);
/* The leaf task's command words into cmd (at least 6 long; fromf: a buffer
 * of 32 for --from): SEGMERGE --partial={1} [--no-verify] [--from=F]
 * [--final], --final when one host sums every piece.  Returns the count. */
int sk_ptree_leaf_words(const struct sk_ptree *t, size_t nt, char **cmd, char *fromf);

/*
 * A pair round's plan: the live units in pairs (live[2j], live[2j + 1]),
 * the first of a pair the one that reads the second, turned round when that
 * direction failed before and the other did not; an odd one waits.  live
 * (t->nu long) gets the units, *final whether this round's pairs make the
 * image (one pair, every piece summed, none here).  Units here are not
 * paired.  Returns the number of pairs.
 */
size_t sk_ptree_pair_plan(const struct sk_ptree *t, size_t *live, int *final);
/* Pair j's list for its first host (npieces, final, launcher, remote,
 * self and peer lines), malloc'd into *text. */
int sk_ptree_pair_list(const struct sk_ptree *t, size_t a, size_t b, int final, char **text, struct sk_error *err);
/* Parses a pair list (in); NULL fields when missing.  The caller frees
 * launch, rem, self, peer and ppath. */
struct sk_ptree_pairlist {
	size_t npieces;
	int final;
	char *launch, *rem, *self, *peer, *ppath;
	int64_t sbytes, pbytes;
	uint64_t shash, phash;
};
int sk_ptree_pair_read(FILE *in, struct sk_ptree_pairlist *pl, struct sk_error *err);
void sk_ptree_pair_release(struct sk_ptree_pairlist *pl);
/* The length of the "miss" partial host h writes when it cannot read its
 * peer's: how this machine tells one from a merged partial. */
int64_t sk_ptree_miss_bytes(const char *host);

/*
 * What a failed pair (a, b) means, from whether each partial is still
 * readable from here (oka, okb; wa, wb: why not): both there, first time:
 * the other direction next round; both there again: the hosts do not reach
 * one another, the tree becomes a star (said once, through o->warn); one
 * not there: that host is down and its unit lost (said).
 */
void sk_ptree_pair_failed(struct sk_ptree *t, size_t a, size_t b, int oka, const char *wa, int okb, const char *wb);
/* Unit k's partial cannot be read: its host is down, its pieces to be
 * summed again (said through o->warn). */
void sk_ptree_lost_unit(struct sk_ptree *t, size_t k, const char *why);

#endif
