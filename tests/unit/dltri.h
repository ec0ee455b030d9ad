/* The triangle set of a triangulation, for the test_delaunay*.c files: each
 * triangle's representatives counter-clockwise from the smallest, the
 * triangles sorted, so that two triangulations compare (or hash) by their
 * sets, whatever the order of their triangles. */
#ifndef SK_TEST_DLTRI_H
#define SK_TEST_DLTRI_H

#include <stdlib.h>

#include "delaunay.h"

struct tri3 {
	long v[3];
};

static inline int cmp_tri(const void *pa, const void *pb)
{
	const struct tri3 *a = pa, *b = pb;
	for (int k = 0; k < 3; k++)
		if (a->v[k] != b->v[k])
			return a->v[k] < b->v[k] ? -1 : 1;
	return 0;
}

/* Counter-clockwise, the smallest index first. */
static inline struct tri3 tri_canon(const long v[3])
{
	const int r = v[0] < v[1] ? (v[0] < v[2] ? 0 : 2) : (v[1] < v[2] ? 1 : 2);
	struct tri3 t = {{v[r], v[(r + 1) % 3], v[(r + 2) % 3]}};
	return t;
}

/* d's triangles, canonical and sorted; *nt receives how many; NULL when
 * out of memory. */
static inline struct tri3 *tri_set(const struct sk_delaunay *d, long *nt)
{
	struct tri3 *t;
	*nt = sk_delaunay_ntriangles(d);
	t = malloc((size_t)(*nt > 0 ? *nt : 1) * sizeof *t);
	if (!t)
		return NULL;
	for (long i = 0; i < *nt; i++) {
		long v[3];
		sk_delaunay_triangle(d, i, v);
		t[i] = tri_canon(v);
	}
	qsort(t, (size_t)*nt, sizeof *t, cmp_tri);
	return t;
}

#endif
