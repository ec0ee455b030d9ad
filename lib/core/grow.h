/*
 * grow: room in a growing array.  Queues and tables that take one element
 * at a time (taskrun's attempts, its agent's task table and cluster queue,
 * a resume's open attempts) double their capacity when full, so that n
 * additions cost O(n) copies in all; this is the one place that does it.
 */
#ifndef SK_GROW_H
#define SK_GROW_H

#include <stddef.h>

/*
 * Makes room for need elements of elem bytes in the array *p of capacity
 * *cap (elements): when *cap < need, reallocates *p to the larger of
 * first, twice *cap and need, and sets *cap.  *p may be NULL with *cap 0.
 * Returns 0, or SK_ENOMEM with *p and *cap unchanged (still the caller's
 * to free).  p is a pointer to the caller's pointer, passed as void *.
 */
int sk_grow(void *p, long *cap, long need, size_t elem, long first);

#endif
