/*
 * spatial: a uniform grid-hash index of 2-D points for neighbour searches
 * (notes/regrid.md: cell about one output bin, ring search for the k
 * nearest).  The points are copied; the index is read-only after
 * sk_spatial_new, so any number of threads may query it at once.
 *
 * Results are deterministic: neighbours come sorted by squared distance,
 * ties broken by the smaller point index.
 */
#ifndef SK_SPATIAL_H
#define SK_SPATIAL_H

#include "diag.h"

struct sk_spatial;

/* Indexes the n points (x[i], y[i]) (metres).  cell is the preferred cell
 * size (metres, > 0); it is enlarged when the points' extent would need more
 * than about 4 n cells.  Coordinates must be finite (SK_EARG otherwise).
 * n may be 0.  SK_ENOMEM when out of memory. */
int sk_spatial_new(const double *x, const double *y, long n, double cell,
		   struct sk_spatial **out, struct sk_error *err);
void sk_spatial_free(struct sk_spatial *s);
long sk_spatial_count(const struct sk_spatial *s);

/* The k nearest points to (qx, qy) no farther than radius (radius < 0: no
 * limit), sorted by distance then index.  idx receives their indices and d2
 * (may be NULL) their squared distances; returns how many were found
 * (<= k). */
long sk_spatial_knn(const struct sk_spatial *s, double qx, double qy, long k, double radius,
		    long *idx, double *d2);

/* The points inside the half-open box [x0, x1) x [y0, y1), sorted by index
 * (half-open so that a point on a shared bin edge belongs to one bin).
 * Stores at most max of them in idx and returns how many there are (which
 * may be more than max: call again with a larger buffer). */
long sk_spatial_box(const struct sk_spatial *s, double x0, double x1, double y0, double y1,
		    long *idx, long max);

#endif
