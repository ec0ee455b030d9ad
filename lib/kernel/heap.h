/*
 * heap: a binary heap of indices ordered by a caller's comparison, with a
 * context argument (C11's qsort has none).  segmerge --key keeps one input
 * per slot in a heap whose top is the next trace to write; segedit --table
 * heap-sorts its rows by the --by values.
 *
 * less(ctx, a, b) is nonzero when index a comes before index b; it must be
 * a strict weak order.  The heap h[0..len-1] keeps the least index on top
 * (h[0]).  Heap sort is not stable: make less break ties (by the index
 * itself, for instance) to get a stable order.
 */
#ifndef SK_HEAP_H
#define SK_HEAP_H

#include <stddef.h>

typedef int (*sk_heap_less)(const void *ctx, size_t a, size_t b);

/* Moves h[pos] down until neither child comes before it. */
void sk_heap_sift(size_t *h, size_t len, size_t pos, sk_heap_less less, const void *ctx);
/* Orders h[0..len-1] into a heap (h[0] the least). */
void sk_heap_make(size_t *h, size_t len, sk_heap_less less, const void *ctx);
/* Sorts h[0..len-1] ascending by less, in place, in O(len log len) time. */
void sk_heap_sort(size_t *h, size_t len, sk_heap_less less, const void *ctx);

#endif
