/*
 * delaunay_internal: the insertion order's parts of delaunay.c, apart so
 * that tests/unit/test_delaunay.c checks them against their definitions
 * (the order keeps the walks short; the triangles do not depend on it),
 * and a construction in another order for the test that shows the latter.
 * Only delaunay.c and its unit test use this header.
 */
#ifndef SK_DELAUNAY_INTERNAL_H
#define SK_DELAUNAY_INTERNAL_H

#include <stddef.h>

#include "diag.h"

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

/* sk_delaunay_new_frame (frame may be NULL) with the distinct points
 * inserted in a pseudo-random order drawn from seed (0: the usual order,
 * along the Hilbert curve), built in two parts and merged from split_min
 * distinct points (0: from 20,000, as sk_delaunay_new).  Tests only: the
 * triangles must be the same. */
int sk_dl_new_shuffled(const double *x, const double *y, long n, const double frame[4], unsigned long long seed,
		       long split_min, struct sk_delaunay **out, struct sk_error *err);

/* sk_delaunay_new with its merge taken as failed (when the points are
 * built in two parts): *fell_back is 1 when the whole was then built again
 * in one part.  Tests only: the triangles must be the same. */
int sk_dl_new_merge_fails(const double *x, const double *y, long n, int *fell_back, struct sk_delaunay **out,
			  struct sk_error *err);

/* The links that do not hold in d's triangles (dimension 2): a live
 * triangle not counter-clockwise, or a neighbour that is dead or does not
 * share the edge back.  0 for a sound triangulation; tests only. */
long sk_dl_check(const struct sk_delaunay *d);

/* The bytes of d's arrays sized by the points (the construction's too)
 * that were given plain 4 KiB pages rather than whole huge pages: those
 * below a quarter of a huge page. */
size_t sk_dl_plain_bytes(const struct sk_delaunay *d);

#endif
