/*
 * delaunay_internal: the insertion order's parts of delaunay.c, apart so
 * that tests/unit/test_delaunay.c checks them against their definitions
 * (the insertion order decides the triangulation of cocircular points, so
 * it must not change).  Only delaunay.c and its unit test use this header.
 */
#ifndef SK_DELAUNAY_INTERNAL_H
#define SK_DELAUNAY_INTERNAL_H

#include <stddef.h>

struct sk_delaunay;

/* A sort key s (below 2^52) and the index it belongs to. */
struct sk_dl_key {
	unsigned long long s;
	long i;
};

/* The index of (x, y) along the Hilbert curve over a 2^order x 2^order
 * lattice (x, y < 2^order, order <= 31). */
unsigned long long sk_dl_hilbert(unsigned long long x, unsigned long long y, int order);
/* Sorts k[0 .. n) by s, ties kept in their order (stable), through tmp (n
 * entries). */
void sk_dl_sort(struct sk_dl_key *k, struct sk_dl_key *tmp, long n);

/* The bytes of d's arrays sized by the points (the construction's too)
 * that were given plain 4 KiB pages rather than whole huge pages: those
 * below a quarter of a huge page. */
size_t sk_dl_plain_bytes(const struct sk_delaunay *d);

#endif
