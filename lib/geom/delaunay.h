/*
 * delaunay: the Delaunay triangulation of 2-D points, for linear
 * (barycentric) interpolation (notes/regrid.md, method linear).
 *
 * Points are snapped to an integer lattice of 2^26 steps across their
 * bounding box, and the orientation and in-circle predicates are evaluated
 * exactly on those integers (64- and 128-bit arithmetic), so the
 * triangulation is valid whatever the input: collinear runs, cocircular
 * points and duplicates included.
 *
 * From 20,000 distinct points the triangulation is built as two parts
 * (left and right of a lattice X), on two threads when the caller's OpenMP
 * allows, and merged along the seam; on any number of threads the same
 * triangles in the same order.
 *
 * It is unique: where four or more points are cocircular (every cell of a
 * regular survey), the tie is broken by a fixed rule on the points
 * (sk_delaunay_incircle_perturbed: the lattice point that comes first in
 * (X, Y) order is taken as lifted the most), so the triangles are those of
 * the perturbed Delaunay triangulation, whatever the order of the input
 * points or of their insertion, and a triangle whose circumcircle holds
 * the same points in a subset (on the same frame) is the same triangle
 * there.  Points that snap to the same lattice
 * point are one vertex; sk_delaunay_group lists the input points behind a
 * vertex, so callers can average them.  Barycentric weights are computed
 * from the original (unsnapped) coordinates, so a field linear in x and y is
 * reproduced to rounding.
 *
 * When every point lies on one line the triangulation is 1-D: sk_delaunay_dim
 * returns 1 and sk_delaunay_locate interpolates linearly between the two
 * neighbours of the query's projection on that line.
 *
 * The structure is read-only after sk_delaunay_new; concurrent queries are
 * fine, each thread with its own hint.
 */
#ifndef SK_DELAUNAY_H
#define SK_DELAUNAY_H

#include "diag.h"

struct sk_delaunay;

/* Triangulates the n points (x[i], y[i]).  SK_EARG for a non-finite
 * coordinate (naming the point, 1-based), SK_ENOMEM. */
int sk_delaunay_new(const double *x, const double *y, long n, struct sk_delaunay **out,
		    struct sk_error *err);
/* The same with the snapping lattice spread over frame (xmin, xmax, ymin,
 * ymax; it must hold every point) instead of the points' bounding box: the
 * triangulations of subsets of one point set then share lattice coordinates,
 * so a subset's triangle that is Delaunay in the whole set is found with the
 * same weights (regrid --part).  SK_EARG when a point lies outside frame. */
int sk_delaunay_new_frame(const double *x, const double *y, long n, const double frame[4],
			  struct sk_delaunay **out, struct sk_error *err);
/* The same, with beside(ctx) run once on a second thread while the points
 * are inserted (from 20,000 points: beside runs first on one thread, then
 * the smaller of two parts; the other thread builds the larger part; the
 * two are then merged), or on the
 * calling thread when there is none or the call fails first: the caller's
 * work that does not need the triangulation.  Every result is the same
 * whatever the threads. */
int sk_delaunay_new_beside(const double *x, const double *y, long n, const double frame[4],
			   void (*beside)(void *ctx), void *ctx, struct sk_delaunay **out, struct sk_error *err);
void sk_delaunay_free(struct sk_delaunay *d);

/* 0: fewer than two distinct points; 1: all collinear; 2: a triangulation. */
int sk_delaunay_dim(const struct sk_delaunay *d);
/* Distinct vertices, and (dim 2) triangles. */
long sk_delaunay_nvertices(const struct sk_delaunay *d);
long sk_delaunay_ntriangles(const struct sk_delaunay *d);
/* Triangle t (0 <= t < ntriangles) as the input indices of the
 * representatives (the smallest input index of each vertex's group) of its
 * three vertices, counter-clockwise. */
void sk_delaunay_triangle(const struct sk_delaunay *d, long t, long v[3]);
/* The input indices snapped onto the same vertex as input point i (i
 * included), ascending; *count receives how many. */
const long *sk_delaunay_group(const struct sk_delaunay *d, long i, long *count);

/*
 * Locates (qx, qy) and gives the interpolation: v[] receives representative
 * input indices and w[] their weights (summing to 1).  Returns 3 inside (or
 * on) a triangle, 2 between two neighbours of a 1-D set, 1 on the only point,
 * 0 outside the convex hull.  A triangle's vertices come counter-clockwise
 * from the smallest representative.  *hint is the caller's walk start (set it to -1
 * before the first call; queries near the previous one are then found in a
 * few steps).
 */
int sk_delaunay_locate(const struct sk_delaunay *d, double qx, double qy, long *hint, long v[3],
		       double w[3]);

/* The exact predicates on lattice coordinates (|coordinate| < 2^28):
 * orientation > 0 when a, b, c turn counter-clockwise; in-circle > 0 when d
 * lies inside the circle through the counter-clockwise a, b, c. */
int sk_delaunay_orient(const long long a[2], const long long b[2], const long long c[2]);
int sk_delaunay_incircle(const long long a[2], const long long b[2], const long long c[2],
			 const long long d[2]);
/* The in-circle test with ties broken (the triangulation's): the exact
 * sign when it is not 0; for four distinct cocircular points, the sign
 * after lifting each point by an infinitesimal that is larger the earlier
 * the point comes in (X, Y) order (symbolic perturbation).  Never 0 for a
 * counter-clockwise a, b, c and d distinct from them. */
int sk_delaunay_incircle_perturbed(const long long a[2], const long long b[2], const long long c[2],
				   const long long d[2]);

#endif
