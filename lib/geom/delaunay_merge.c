/*
 * Two parts and a merge (delaunay.c builds the parts): see below.
 */
#include "delaunay.h"

#include <stdlib.h>
#include <string.h>

#include "delaunay_internal.h"
#include "delaunay_mesh.h"

/*
 * Two parts and a merge.  The vertices are split at a lattice X (those
 * left of it, those at or right of it), each part is triangulated in the
 * global insertion order filtered to it, and the two are merged along the
 * seam as in Guibas & Stolfi (1985, "Primitives for the manipulation of
 * general subdivisions and the computation of Voronoi diagrams"): from the
 * lower common tangent upwards, each new triangle on the seam's edge
 * (l, r) takes as its third vertex the candidate whose circle through l
 * and r holds no other.  A triangle of the whole with vertices on both
 * sides has an empty circle, so its third vertex p is a neighbour of l in
 * the left part (if p is left) or of r in the right part: the neighbours
 * of l and r above the edge are the only candidates, and the perturbed
 * in-circle test orders them strictly.  The parts' triangles that the
 * seam covers are those on its side of the chain of part edges it
 * follows; their slots take the seam's triangles (as many: both
 * triangulations with their ghosts have 2 v - 2 triangles), and two more
 * ghosts close the hull at the tangents.  Everything depends on the
 * points alone, so the result is the same on 1 and 2 threads; with the
 * unique (perturbed) Delaunay triangulation it is that of the whole set.
 */

/* The split: the lattice X below which about DL_SPLIT_LEFT of the
 * vertices lie (two histogram passes on X's bits), the parts' ids in the
 * global order, each part's first non-collinear vertex moved to its
 * position 2.  0 when a part would be too small or collinear. */
#define DL_SPLIT_LEFT 0.42
int sk_dl_split(const struct sk_delaunay *d, long *ids, struct part *pa, struct part *pb)
{
	enum { NB = 2048 };
	long *cnt = calloc(NB, sizeof *cnt), want = (long)(DL_SPLIT_LEFT * (double)d->nv), below = 0, ml = 0, mr = 0;
	long long lo = 0;
	int sh = 15;

	if (!cnt)
		return 0;
	/* X < 2^26: bits 15..25, then 4..14 of the bin that holds the target */
	for (int pass = 0; pass < 2; pass++, sh -= 11) {
		long b = 0;
		memset(cnt, 0, NB * sizeof *cnt);
		for (long v = 0; v < d->nv; v++)
			if (d->p[v][0] >= lo && d->p[v][0] < lo + (2048LL << sh))
				cnt[(d->p[v][0] - lo) >> sh]++;
		while (b < NB - 1 && below + cnt[b] <= want)
			below += cnt[b++];
		lo += (long long)b << sh;
	}
	free(cnt);
	/* lo: the split X (a multiple of 16) */
	for (long v = 0; v < d->nv; v++)
		if (d->p[v][0] < lo)
			ids[ml++] = v;
	mr = ml;
	for (long v = 0; v < d->nv; v++)
		if (d->p[v][0] >= lo)
			ids[mr++] = v;
	mr -= ml;
	*pa = (struct part){ids, ml, 0, 0, 2 * ml + 16, 0, 0, NULL, NULL};
	*pb = (struct part){ids + ml, mr, pa->cap, pa->cap, pa->cap + 2 * mr + 16, 0, 0, NULL, NULL};
	for (int k = 0; k < 2; k++) {
		struct part *pt = k ? pb : pa;
		long *id = k ? ids + ml : ids, j = 2;
		if (pt->m < 3)
			return 0;
		while (j < pt->m && sk_delaunay_orient(d->p[id[0]], d->p[id[1]], d->p[id[j]]) == 0)
			j++;
		if (j == pt->m)
			return 0;
		{
			const long t = id[j];
			memmove(id + 3, id + 2, (size_t)(j - 2) * sizeof *id);
			id[2] = t;
		}
	}
	return 1;
}

/* After a part's construction: its unused slots dead, and a triangle of
 * each of its vertices (vt; the parts' vertices interleave in it, but the
 * smaller part's are written while the larger part is still being built,
 * and the larger's after). */
void sk_dl_part_done(struct sk_delaunay *d, const struct part *pt, long *vt)
{
	for (long t = pt->nt; t < pt->cap; t++)
		d->t[t].v[0] = -2;
	for (long t = pt->lo; t < pt->nt; t++)
		if (d->t[t].v[0] != -2)
			for (int k = 0; k < 3; k++)
				if (d->t[t].v[k] != GHOST)
					vt[d->t[t].v[k]] = t;
}

static int index_of(const struct tri *t, long v)
{
	return t->v[0] == v ? 0 : t->v[1] == v ? 1 : 2;
}

/* The triangle round vertex v (any of vt[v]'s fan) whose vertex after v
 * (counter-clockwise) is w (after = 1) or before v is w (after = 2);
 * -1 if none. */
static long tri_at(const struct sk_delaunay *d, const long *vt, long v, long w, int after)
{
	const long t0 = vt[v];
	long t = t0;
	do {
		const int k = index_of(&d->t[t], v);
		if (d->t[t].v[(k + after) % 3] == w)
			return t;
		t = d->t[t].n[(k + 1) % 3];
	} while (t != t0);
	return -1;
}

/* The hull neighbour of hull vertex v, clockwise (cw = 1) or counter-
 * clockwise: the ghost (v, w, G) or (w, v, G) round v gives w. */
static long hull_next(const struct sk_delaunay *d, const long *vt, long v, int cw)
{
	/* a ghost (a, b, G) with a hull edge a -> b, clockwise: b comes after
	 * a and G after b; round v: v then b (cw) or a then v (ccw) */
	const long t = tri_at(d, vt, v, GHOST, cw ? 2 : 1);
	if (t < 0)
		return -1;
	{
		const int k = index_of(&d->t[t], v);
		return d->t[t].v[(k + (cw ? 1 : 2)) % 3];
	}
}

/* A part's ghost whose hull edge starts (end = 0) or ends (end = 1) at v. */
static long ghost_at(const struct sk_delaunay *d, const long *vt, long v, int end)
{
	return tri_at(d, vt, v, GHOST, end ? 1 : 2);
}

struct seam {
	long l, r, p;   /* the triangle (l, r, p), counter-clockwise */
	int left;       /* p from the left part: edge (p, l) is the left chain's */
	long keep;      /* the part's triangle across the chain edge */
	long twin;      /* or the seam's triangle across it (the seam wound round a vertex) */
};

struct ekey {
	long a, b, i;
};

static int cmp_ekey(const void *pa, const void *pb)
{
	const struct ekey *a = pa, *b = pb;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

int sk_dl_merge(struct sk_delaunay *d, const struct part *pa, const struct part *pb, const long *vta,
		 const long *vtb, struct sk_error *err)
{
	long l = -1, r = -1, l0, r0, ns = 0, cap = 64, nfree = 0, nst = 0, top = pb->cap;
	struct seam *sm = malloc((size_t)cap * sizeof *sm);
	unsigned char *flag = calloc((size_t)pb->cap, 1);
	long *stack = malloc((size_t)(pb->cap > 0 ? pb->cap : 1) * sizeof *stack);
	long *slot = NULL;
	int rc = 0;

	if (!sm || !flag || !stack) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	/* the left part's last vertex in (X, Y) order, the right part's first */
	for (long i = 0; i < pa->m; i++)
		if (l < 0 || sk_dl_lex_before(d->p[l], d->p[pa->ids[i]]))
			l = pa->ids[i];
	for (long i = 0; i < pb->m; i++)
		if (r < 0 || sk_dl_lex_before(d->p[pb->ids[i]], d->p[r]))
			r = pb->ids[i];
	/* The lower common tangent: l clockwise down the left part's hull, r
	 * counter-clockwise down the right's, while the next lies below the
	 * line l -> r (or on it, between l and r: a hull edge holds no vertex). */
	for (int moved = 1; moved;) {
		const long ln = hull_next(d, vta, l, 1), rn = hull_next(d, vtb, r, 0);
		int o;
		moved = 0;
		if (ln < 0 || rn < 0) {
			rc = sk_error_set(err, SK_ESTATE, "delaunay: merge: no hull at a vertex");
			goto out;
		}
		o = sk_delaunay_orient(d->p[l], d->p[r], d->p[ln]);
		if (o < 0 || (o == 0 && (d->p[ln][0] - d->p[l][0]) * (d->p[r][0] - d->p[l][0]) +
						(d->p[ln][1] - d->p[l][1]) * (d->p[r][1] - d->p[l][1]) > 0)) {
			l = ln;
			moved = 1;
			continue;
		}
		o = sk_delaunay_orient(d->p[l], d->p[r], d->p[rn]);
		if (o < 0 || (o == 0 && (d->p[rn][0] - d->p[r][0]) * (d->p[l][0] - d->p[r][0]) +
						(d->p[rn][1] - d->p[r][1]) * (d->p[l][1] - d->p[r][1]) > 0)) {
			r = rn;
			moved = 1;
		}
	}
	l0 = l;
	r0 = r;
	/* Up the seam. */
	for (;;) {
		long best = -1;
		int left = 0;
		for (int side = 0; side < 2; side++) {
			const long v = side == 0 ? l : r, t0 = side == 0 ? vta[l] : vtb[r];
			long t = t0;
			do {
				const int k = index_of(&d->t[t], v);
				const long c = d->t[t].v[(k + 1) % 3];
				if (c != GHOST && sk_delaunay_orient(d->p[l], d->p[r], d->p[c]) > 0 &&
				    (best < 0 || sk_delaunay_incircle_perturbed(d->p[l], d->p[r], d->p[best], d->p[c]) > 0)) {
					best = c;
					left = side == 0;
				}
				t = d->t[t].n[(k + 1) % 3];
			} while (t != t0);
		}
		if (best < 0)
			break;
		if (ns == cap) {
			struct seam *s2 = realloc(sm, (size_t)(2 * cap) * sizeof *sm);
			if (!s2) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto out;
			}
			sm = s2;
			cap *= 2;
		}
		sm[ns] = (struct seam){l, r, best, left, -1, -1};
		ns++;
		if (left)
			l = best;
		else
			r = best;
	}
	/* Each chain edge's two triangles in its part: the one on the seam's
	 * side covered (the flood's seed), the other kept; unless the seam
	 * took the edge twice, from both sides (it wound round a vertex):
	 * then both are covered and the two seam triangles are neighbours. */
	{
		struct ekey *ek = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *ek);
		if (!ek) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		for (long i = 0; i < ns; i++) {
			const long a = sm[i].left ? sm[i].l : sm[i].r;
			ek[i] = (struct ekey){a < sm[i].p ? a : sm[i].p, a < sm[i].p ? sm[i].p : a, i};
		}
		qsort(ek, (size_t)ns, sizeof *ek, cmp_ekey);
		for (long j = 0; j + 1 < ns; j++)
			if (ek[j].a == ek[j + 1].a && ek[j].b == ek[j + 1].b) {
				sm[ek[j].i].twin = ek[j + 1].i;
				sm[ek[j + 1].i].twin = ek[j].i;
			}
		free(ek);
		for (long i = 0; i < ns; i++) {
			const int left = sm[i].left;
			const long a = left ? sm[i].l : sm[i].r, best = sm[i].p;
			const long seed = tri_at(d, left ? vta : vtb, a, best, left ? 2 : 1);
			const long keep = tri_at(d, left ? vta : vtb, a, best, left ? 1 : 2);
			if (seed < 0 || keep < 0) {
				rc = sk_error_set(err, SK_ESTATE, "delaunay: merge: a chain edge is not in its part");
				goto out;
			}
			if (sm[i].twin < 0) {
				sm[i].keep = keep;
				flag[keep] |= 1;
			}
			if (!sk_dl_is_ghost(&d->t[seed]) && !(flag[seed] & 2)) {
				flag[seed] |= 2;
				stack[nst++] = seed;
			}
		}
	}
	/* The covered triangles: flooded from the seeds up to the chain
	 * (kept: flag 1) and the hulls (ghosts). */
	while (nst > 0) {
		const long t = stack[--nst];
		for (int e = 0; e < 3; e++) {
			const long u = d->t[t].n[e];
			if (!flag[u] && !sk_dl_is_ghost(&d->t[u])) {
				flag[u] = 2;
				stack[nst++] = u;
			}
		}
	}
	/* The ghosts between the tangents on the seam's side: the left part's
	 * from l (the upper tangent's) clockwise to l0, the right's from r0
	 * clockwise to r (their hulls there are inside the whole's). */
	{
		const long ends[2][2] = {{l, l0}, {r0, r}};
		for (int k = 0; k < 2; k++) {
			long g = ghost_at(d, k ? vtb : vta, ends[k][0], 0);
			for (long steps = 0; g >= 0; steps++) {
				const int kg = index_of(&d->t[g], GHOST);
				if (steps > pb->cap || (flag[g] & 1)) {
					rc = sk_error_set(err, SK_ESTATE, "delaunay: merge: hull walk");
					goto out;
				}
				flag[g] |= 2;
				if (d->t[g].v[(kg + 2) % 3] == ends[k][1])
					break;
				g = d->t[g].n[(kg + 1) % 3];
			}
		}
	}
	for (long t = 0; t < pb->cap; t++)
		if (flag[t] == 3) {
			rc = sk_error_set(err, SK_ESTATE, "delaunay: merge: a triangle both kept and covered");
			goto out;
		}
	slot = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *slot);
	if (!slot) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (long t = 0; t < pb->cap; t++)
		if (flag[t] & 2) {
			if (nfree == ns) {
				nfree++;
				break;
			}
			slot[nfree++] = t;
		}
	if (nfree != ns) {
		rc = sk_error_set(err, SK_ESTATE, "delaunay: merge: %ld covered triangles for %ld seam triangles", nfree,
				  ns);
		goto out;
	}
	{
		const long lower = top, upper = top + 1;
		/* the kept ghosts next to the tangents, found before any slot is
		 * rewritten: (l0, y), (x, r0), (w, l), (r, z) */
		const long gl0 = ghost_at(d, vta, l0, 0), gr0 = ghost_at(d, vtb, r0, 1);
		const long gl = ghost_at(d, vta, l, 1), gr = ghost_at(d, vtb, r, 0);
		if (ns == 0 || gl0 < 0 || gr0 < 0 || gl < 0 || gr < 0 || (flag[gl0] | flag[gr0] | flag[gl] | flag[gr]) & 2) {
			rc = sk_error_set(err, SK_ESTATE, "delaunay: merge: the tangents' ghosts");
			goto out;
		}
		for (long i = 0; i < ns; i++) {
			const long t = slot[i], prev = i > 0 ? slot[i - 1] : lower, next = i + 1 < ns ? slot[i + 1] : upper;
			const long across = sm[i].twin >= 0 ? slot[sm[i].twin] : sm[i].keep;
			d->t[t] = (struct tri){{sm[i].l, sm[i].r, sm[i].p},
					       {sm[i].left ? next : across, sm[i].left ? across : next, prev}};
			if (sm[i].twin < 0) {
				/* the kept triangle has a -> p (left) or p -> a (right):
				 * the edge opposite the vertex after p, or after a */
				struct tri *k = &d->t[sm[i].keep];
				const long a = sm[i].left ? sm[i].l : sm[i].r;
				const int ka = index_of(k, a);
				k->n[sm[i].left ? (ka + 2) % 3 : (ka + 1) % 3] = t;
			}
		}
		d->t[lower] = (struct tri){{r0, l0, GHOST}, {gl0, gr0, slot[0]}};
		d->t[upper] = (struct tri){{l, r, GHOST}, {gr, gl, slot[ns - 1]}};
		{
			int kg = index_of(&d->t[gl0], GHOST);
			d->t[gl0].n[(kg + 2) % 3] = lower;
			kg = index_of(&d->t[gr0], GHOST);
			d->t[gr0].n[(kg + 1) % 3] = lower;
			kg = index_of(&d->t[gl], GHOST);
			d->t[gl].n[(kg + 1) % 3] = upper;
			kg = index_of(&d->t[gr], GHOST);
			d->t[gr].n[(kg + 2) % 3] = upper;
		}
		d->nt = top + 2;
		d->start = slot[0];
	}
out:
	free(sm);
	free(flag);
	free(stack);
	free(slot);
	return rc;
}

long sk_dl_check(const struct sk_delaunay *d)
{
	long bad = 0;
	if (d->dim != 2)
		return 0;
	for (long t = 0; t < d->nt; t++) {
		const struct tri *tr = &d->t[t];
		if (tr->v[0] == -2)
			continue;
		if (!sk_dl_is_ghost(tr) && sk_delaunay_orient(d->p[tr->v[0]], d->p[tr->v[1]], d->p[tr->v[2]]) <= 0)
			bad++;
		for (int e = 0; e < 3; e++) {
			const long u = tr->n[e], a = tr->v[(e + 1) % 3], b = tr->v[(e + 2) % 3];
			int k = 0;
			if (u < 0 || u >= d->nt || d->t[u].v[0] == -2) {
				bad++;
				continue;
			}
			while (k < 3 && d->t[u].n[k] != t)
				k++;
			/* across the edge (a, b): u holds it as (b, a) */
			if (k == 3 || d->t[u].v[(k + 1) % 3] != b || d->t[u].v[(k + 2) % 3] != a)
				bad++;
		}
	}
	return bad;
}
