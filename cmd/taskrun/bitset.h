/*
 * bitset: a set of task indexes [0, n) that answers "the first member at or
 * after i" without a scan of the tasks in between: a bit per task, and above
 * it levels of summary bits (bit j of a level is set when word j of the level
 * below is not zero), so that a search climbs at most one word per level and
 * comes down one word per level: about eight word reads for a million tasks.
 * The controller keeps its pending tasks in two of these (never failed, and
 * failed before), so that picking a task costs the same at the start of a run
 * of a million tasks as at its end, and a task put back into the queue far
 * behind the others does not make the next pick walk over every task since.
 */
#ifndef TR_BITSET_H
#define TR_BITSET_H

#include <stdint.h>

#define TR_BITSET_LEVELS 7      /* 64^7 bits: more than any long count */

struct tr_bitset {
	uint64_t *w[TR_BITSET_LEVELS]; /* level 0: a bit per member */
	long nw[TR_BITSET_LEVELS];     /* words in each level */
	long n;                        /* members are 0 .. n-1 */
	long count;                    /* members in the set */
	int levels;
};

/* An empty set over [0, n) (n >= 0).  Returns 0 or SK_ENOMEM. */
int tr_bitset_init(struct tr_bitset *s, long n);
void tr_bitset_release(struct tr_bitset *s);
/* Adds or removes i (0 <= i < n); either is a no-op when nothing changes. */
void tr_bitset_add(struct tr_bitset *s, long i);
void tr_bitset_del(struct tr_bitset *s, long i);
int tr_bitset_has(const struct tr_bitset *s, long i);
/* The smallest member >= i, or -1 when there is none (any i >= 0). */
long tr_bitset_next(const struct tr_bitset *s, long i);

#endif
