/*
 * delaunay_mesh: the triangle mesh that delaunay.c builds and
 * delaunay_merge.c merges (two parts built at once, then one), shared by
 * those two files and delaunay_pred.c (the lattice order of its ties) only.
 */
#ifndef SK_DELAUNAY_MESH_H
#define SK_DELAUNAY_MESH_H

#include <stddef.h>

#include "diag.h"

#define GHOST (-1L)

struct tri {
	long v[3];  /* vertex ids, counter-clockwise; GHOST for the infinite vertex */
	long n[3];  /* neighbour across the edge opposite v[i] */
};

struct sk_delaunay {
	void *pts;              /* the block of x, y, p, rep and vof (dl_big) */
	size_t plain;           /* bytes of its arrays sized by the points in plain (4 KiB) pages */
	size_t plain2;          /* the same, of regroup's (beside the insertion) */
	int dim;
	long n;                 /* input points */
	long nv;                /* distinct vertices */
	long long (*p)[2];      /* lattice coordinates per vertex (in pts) */
	long *rep;              /* vertex -> representative input index (in pts) */
	long *vof;              /* input index -> vertex (in pts) */
	long *gstart, *glist;   /* vertex groups: glist[gstart[v] .. gstart[v + 1]) */
	double *x, *y;          /* original coordinates per input index (in pts) */
	double xmin, ymin, scale;
	struct tri *t;          /* triangles, real and ghost */
	long nt, capt;
	long *real;             /* ids of the real triangles (after building) */
	long nreal;
	long start;             /* a real triangle to start walks from */
	/* 1-D: vertices sorted along the line, their abscissae. */
	long *order;
	double *s;
	double ux, uy, ox, oy;
};

/* One construction: the vertices ids[0 .. m) (ids NULL: 0 .. m) inserted
 * in that order into the slots lo .. cap of d->t ([lo, nt) used).  Every
 * insertion frees its cavity's triangles and makes two more than it
 * freed: 4 + 2 (m - 3) triangles, real and ghost, at most, so cap = lo +
 * 2 m + 16 never fills; the two parts of a split share d->t, each in its
 * own slots. */
struct part {
	const long *ids;
	long m;
	long lo, nt, cap;
	long start;     /* a real triangle of it */
	size_t plain;   /* dl_big's count of its arrays */
	long *link;     /* room for nv + 1: a vertex's new triangle (its own) */
	long *mark;     /* the insertion's marks, indexed by slot (its slots) */
};

/* Lattice point order and ghost triangles. */
/* Does lattice point p come before q in (X, Y) order?  The earlier of
 * four cocircular points carries the larger lift (below). */
static inline int sk_dl_lex_before(const long long p[2], const long long q[2])
{
	return p[0] < q[0] || (p[0] == q[0] && p[1] < q[1]);
}

static inline int sk_dl_is_ghost(const struct tri *t)
{
	return t->v[0] == GHOST || t->v[1] == GHOST || t->v[2] == GHOST;
}

/* The split of the vertices into two parts (pa left, pb right; ids
 * receives their ids, nv of them): 1, or 0 when a part would be too small
 * or collinear (then one part). */
int sk_dl_split(const struct sk_delaunay *d, long *ids, struct part *pa, struct part *pb);
/* After a part's construction: its unused slots dead, vt[v] a triangle
 * of each of its vertices v. */
void sk_dl_part_done(struct sk_delaunay *d, const struct part *pt, long *vt);
/* The two parts' triangulations (vta, vtb: their sk_dl_part_done arrays)
 * made one, the whole set's: d->t, d->nt and d->start. */
int sk_dl_merge(struct sk_delaunay *d, const struct part *pa, const struct part *pb, const long *vta,
		const long *vtb, struct sk_error *err);

#endif
