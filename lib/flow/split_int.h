/*
 * split_int: what the splitter (split.c), its ranges (split_ranges.c) and
 * the remake of a piece (split_remake.c) share; not part of split.h.
 */
#ifndef SK_SPLIT_INT_H
#define SK_SPLIT_INT_H

#include <stddef.h>

#include "split.h"

/* The ranges' indices in the order of their lower bounds (malloc'd; NULL
 * when out of memory). */
size_t *sk_split_range_order(const struct sk_split_opts *o);
/* The piece (0-based) a value belongs to: the range that holds it, or the
 * overflow piece o->nranges; rorder from sk_split_range_order. */
size_t sk_split_range_of(const struct sk_split_opts *o, const size_t *rorder, double v);
/* The pieces' output buffer (0: the default), also an sgk piece's block
 * size: nouts pieces open at once, sorted or not, sgk or not. */
size_t sk_split_piece_bufsize(size_t nouts, int sorted, int sgk);

#endif
