/*
 * Incremental Delaunay triangulation (Bowyer 1981, Watson 1981: remove the
 * triangles whose circumcircle contains the new point, connect the point to
 * the boundary of that cavity), with
 * - exact predicates (delaunay_pred.c): the orientation determinant and the
 *   in-circle determinant of Guibas & Stolfi (1985), evaluated in integer
 *   arithmetic on lattice coordinates.  Shewchuk (1997, "Adaptive precision floating-point
 *   arithmetic and fast robust geometric predicates") explains why inexact
 *   predicates break incremental triangulators; snapping to a 2^26 lattice
 *   makes 64-bit (orientation) and 128-bit (in-circle) sums exact instead.
 * - ghost triangles (Shewchuk, "Triangle", 1996; also the "infinite vertex"
 *   of CGAL's design papers): every convex hull edge carries a triangle with a
 *   vertex at infinity, which conflicts with a new point strictly outside
 *   that edge (or on the edge's open segment).  No bounding super-triangle,
 *   so the hull is exactly the convex hull.
 * - points inserted along a Hilbert curve, each located by a visibility walk
 *   from the previous insertion (Devillers, Pion & Teillaud 2002, "Walking in
 *   a triangulation"), so location costs O(1) steps on average.
 * - cocircular ties broken by a symbolic perturbation (below), so the
 *   triangulation is unique and two parts built at once can be merged
 *   into it (delaunay_merge.c).
 * All of this is written from the published descriptions; no code copied.
 */
#include "delaunay.h"

#include "bigmem.h"
#include "delaunay_internal.h"
#include "delaunay_mesh.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define LATTICE ((1LL << 26) - 1)
/* Points from which the order's loops and the insertion share two threads
 * (below, a thread's start costs more than it saves). */
#define DL_PAR_MIN 20000
/* The loops' share a thread takes at a time: taken as threads come free,
 * so a thread the machine runs late (a busy host) holds no half of a loop
 * the other waits for; the results do not depend on who takes what. */
#define DL_CHUNK 2048
/* Vertices from which the triangulation is built as two parts and merged
 * (on any number of threads: the same triangles, in the same slots). */
#define DL_SPLIT_MIN DL_PAR_MIN
/* From this size (a quarter of a huge page) the arrays below take whole
 * huge pages (dl_big). */
#define DL_BIG_MIN (SK_BIGMEM_PAGE / 4)

struct sv_pair {
	double s;
	long v;
};

static int cmp_sv(const void *pa, const void *pb)
{
	const struct sv_pair *a = pa, *b = pb;
	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	return (a->v > b->v) - (a->v < b->v);
}

/*
 * An array of n bytes for the construction: from DL_BIG_MIN, whole huge
 * pages (sk_bigmem_alloc of n rounded up to them), else malloc; *plain
 * counts the bytes that went to plain pages.  A 4 KiB page costs a fault
 * on first touch, 11-14 us of CPU each on this project's VM (64 MiB
 * touched, load 6); the arrays of 100,000 points were about 3,000 faults,
 * 1,800 of them on the serial path (the grouping, the insertion's marks).
 * A whole huge page is one fault; the rounding adds less than one huge
 * page an array.
 */
static void *dl_big(size_t n, size_t *plain)
{
	if (n >= DL_BIG_MIN)
		return sk_bigmem_alloc((n + SK_BIGMEM_PAGE - 1) / SK_BIGMEM_PAGE * SK_BIGMEM_PAGE);
	*plain += n;
	return malloc(n > 0 ? n : 1);
}

size_t sk_dl_plain_bytes(const struct sk_delaunay *d)
{
	return d->plain + d->plain2;
}

void sk_delaunay_free(struct sk_delaunay *d)
{
	if (!d)
		return;
	free(d->pts);
	free(d->gstart);
	free(d->glist);
	free(d->t);
	free(d->real);
	free(d->order);
	free(d->s);
	free(d);
}

int sk_delaunay_dim(const struct sk_delaunay *d)
{
	return d->dim;
}

long sk_delaunay_nvertices(const struct sk_delaunay *d)
{
	return d->nv;
}

long sk_delaunay_ntriangles(const struct sk_delaunay *d)
{
	return d->nreal;
}

void sk_delaunay_triangle(const struct sk_delaunay *d, long t, long v[3])
{
	const struct tri *tr = &d->t[d->real[t]];
	for (int k = 0; k < 3; k++)
		v[k] = d->rep[tr->v[k]];
}

const long *sk_delaunay_group(const struct sk_delaunay *d, long i, long *count)
{
	const long v = d->vof[i];
	*count = d->gstart[v + 1] - d->gstart[v];
	return d->glist + d->gstart[v];
}

static long part_id(const struct part *pt, long i)
{
	return pt->ids ? pt->ids[i] : i;
}

static long new_tri(struct part *pt, long *freel, long *nfree)
{
	if (*nfree > 0)
		return freel[--*nfree];
	if (pt->nt == pt->cap)
		return -1;
	return pt->nt++;
}

/* Does triangle t conflict with (have in its circumcircle) vertex pv? */
static int conflict(const struct sk_delaunay *d, const struct tri *t, const long long *q)
{
	if (sk_dl_is_ghost(t)) {
		int k = 0;
		while (t->v[k] != GHOST)
			k++;
		{
			const long long *a = d->p[t->v[(k + 1) % 3]], *b = d->p[t->v[(k + 2) % 3]];
			const int o = sk_delaunay_orient(a, b, q);
			if (o != 0)
				return o > 0;
			/* On the hull edge's line: a conflict only strictly inside the segment. */
			return (q[0] - a[0]) * (b[0] - a[0]) + (q[1] - a[1]) * (b[1] - a[1]) > 0 &&
			       (q[0] - b[0]) * (a[0] - b[0]) + (q[1] - b[1]) * (a[1] - b[1]) > 0;
		}
	}
	return sk_delaunay_incircle_perturbed(d->p[t->v[0]], d->p[t->v[1]], d->p[t->v[2]], q) > 0;
}

/* Visibility walk from real triangle t towards q: returns a real triangle
 * containing q (closed), or a ghost triangle whose hull edge q lies strictly
 * outside.  Returns -1 after too many steps (never expected; the caller then
 * scans). */
static long walk(const struct sk_delaunay *d, long t, const long long *q, long cap)
{
	for (long step = 0; step < cap; step++) {
		const struct tri *tr = &d->t[t];
		int moved = 0;
		if (sk_dl_is_ghost(tr))
			return t;
		for (int e = 0; e < 3; e++) {
			const int k = (e + (int)(step % 3)) % 3;
			if (sk_delaunay_orient(d->p[tr->v[(k + 1) % 3]], d->p[tr->v[(k + 2) % 3]], q) < 0) {
				t = tr->n[k];
				moved = 1;
				break;
			}
		}
		if (!moved)
			return t;
	}
	return -1;
}

static long scan_conflict(const struct sk_delaunay *d, long lo, long hi, const long long *q)
{
	for (long t = lo; t < hi; t++)
		if (d->t[t].v[0] != -2 && conflict(d, &d->t[t], q))
			return t;
	return -1;
}

struct bedge {
	long a, b, outer;
	int oe;
};

/* The dimension, and for 2: the first vertex not collinear with vertices
 * 0 and 1 moved to position 2, the vertices between shifted up by one
 * (keeps the Hilbert order of the rest).  Vertex ids are final after it. */
static void place_third(struct sk_delaunay *d)
{
	long v2 = -1;
	for (long k = 2; k < d->nv; k++)
		if (sk_delaunay_orient(d->p[0], d->p[1], d->p[k]) != 0) {
			v2 = k;
			break;
		}
	if (v2 < 0) {
		d->dim = d->nv >= 2 ? 1 : 0;
		return;
	}
	d->dim = 2;
	{
		long long pt[2] = {d->p[v2][0], d->p[v2][1]};
		const long r = d->rep[v2];
		memmove(d->p + 3, d->p + 2, (size_t)(v2 - 2) * sizeof *d->p);
		memmove(d->rep + 3, d->rep + 2, (size_t)(v2 - 2) * sizeof *d->rep);
		d->p[2][0] = pt[0];
		d->p[2][1] = pt[1];
		d->rep[2] = r;
	}
}

/* Builds part pt's triangulation in its slots of d->t (its first three
 * vertices not collinear).  Reads p and rep only; writes only its own
 * slots, so two parts can be built at once. */
static int triangulate(struct sk_delaunay *d, struct part *pt, struct sk_error *err)
{
	long *stack = NULL, *cav = NULL, *freel = NULL, *const link = pt->link;
	long *const mark = pt->mark;
	struct bedge *be = NULL;
	const long lo = pt->lo, size = pt->cap - pt->lo;
	long ncap = 0, hint;
	int rc = 0;

	ncap = 64;
	stack = malloc((size_t)ncap * sizeof *stack);
	cav = malloc((size_t)ncap * sizeof *cav);
	freel = malloc((size_t)ncap * sizeof *freel);
	be = malloc((size_t)ncap * sizeof *be);
	/* One mark a triangle for both states (one array to fault in and to
	 * reach, not two): 2 i when tested by the i-th point and not in
	 * conflict, 2 i + 1 in conflict; marks of earlier points are smaller. */
	if (!stack || !cav || !freel || !be) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	memset(mark + lo, 0, (size_t)size * sizeof *mark);
	pt->nt = lo;
	{
		long a = part_id(pt, 0), b = part_id(pt, 1), c = part_id(pt, 2);
		long nfree = 0, ids[4];
		if (sk_delaunay_orient(d->p[a], d->p[b], d->p[c]) < 0) {
			const long t = b;
			b = c;
			c = t;
		}
		for (int k = 0; k < 4; k++)
			ids[k] = new_tri(pt, freel, &nfree);
		d->t[ids[0]] = (struct tri){{a, b, c}, {ids[1], ids[2], ids[3]}};
		/* Ghost across edge (b, c) is (c, b, G), and so on round the triangle. */
		d->t[ids[1]] = (struct tri){{c, b, GHOST}, {ids[3], ids[2], ids[0]}};
		d->t[ids[2]] = (struct tri){{a, c, GHOST}, {ids[1], ids[3], ids[0]}};
		d->t[ids[3]] = (struct tri){{b, a, GHOST}, {ids[2], ids[1], ids[0]}};
		hint = ids[0];
	}
	for (long i = 3; i < pt->m; i++) {
		const long pv = part_id(pt, i);
		const long long *q = d->p[pv];
		long t0 = walk(d, hint, q, 4 * (pt->nt - lo) + 16), ns = 0, nc = 0, nb = 0, nfree = 0;
		const long tested = 2 * i, inside = 2 * i + 1;
		if (t0 < 0 || !conflict(d, &d->t[t0], q))
			t0 = scan_conflict(d, lo, pt->nt, q);
		if (t0 < 0) {
			rc = sk_error_set(err, SK_ESTATE, "delaunay: no triangle conflicts with point %ld",
					  d->rep[pv] + 1);
			goto out;
		}
		/* Depth-first search of the cavity; mark[t] >= tested means tested,
		 * mark[t] == inside means in conflict. */
		mark[t0] = inside;
		stack[ns++] = t0;
		while (ns > 0) {
			const long t = stack[--ns];
			if (nc + 3 >= ncap || ns + 3 >= ncap || nb + 3 >= ncap) {
				const long cap2 = 2 * ncap;
				long *s2 = realloc(stack, (size_t)cap2 * sizeof *s2);
				if (s2) stack = s2;
				long *c2 = realloc(cav, (size_t)cap2 * sizeof *c2);
				if (c2) cav = c2;
				long *f2 = realloc(freel, (size_t)cap2 * sizeof *f2);
				if (f2) freel = f2;
				struct bedge *b2 = realloc(be, (size_t)cap2 * sizeof *b2);
				if (b2) be = b2;
				if (!s2 || !c2 || !f2 || !b2) {
					rc = sk_error_set(err, SK_ENOMEM, "out of memory");
					goto out;
				}
				ncap = cap2;
			}
			cav[nc++] = t;
			for (int e = 0; e < 3; e++) {
				const long u = d->t[t].n[e];
				if (mark[u] < tested) {
					mark[u] = conflict(d, &d->t[u], q) ? inside : tested;
					if (mark[u] == inside)
						stack[ns++] = u;
				}
				if (mark[u] != inside) {
					int oe = 0;
					while (d->t[u].n[oe] != t)
						oe++;
					be[nb++] = (struct bedge){d->t[t].v[(e + 1) % 3], d->t[t].v[(e + 2) % 3], u, oe};
				}
			}
		}
		for (long k = 0; k < nc; k++) {
			d->t[cav[k]].v[0] = -2; /* dead until reused */
			freel[nfree++] = cav[k];
		}
		for (long k = 0; k < nb; k++) {
			const long nt = new_tri(pt, freel, &nfree);
			if (nt < 0) {
				rc = sk_error_set(err, SK_ESTATE, "delaunay: more triangles than the bound");
				goto out;
			}
			d->t[nt] = (struct tri){{be[k].a, be[k].b, pv}, {-1, -1, be[k].outer}};
			d->t[be[k].outer].n[be[k].oe] = nt;
			link[be[k].a == GHOST ? d->nv : be[k].a] = nt;
			be[k].outer = nt;
			if (be[k].a != GHOST && be[k].b != GHOST)
				hint = nt;
		}
		for (long k = 0; k < nb; k++) {
			const long t = be[k].outer;
			const long t2 = link[be[k].b == GHOST ? d->nv : be[k].b];
			d->t[t].n[0] = t2;
			d->t[t2].n[1] = t;
		}
	}
	pt->start = hint;
out:
	free(stack);
	free(cav);
	free(freel);
	free(be);
	return rc;
}

/* Two threads when the caller's OpenMP allows two or more. */
static int par_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads() >= 2 ? 2 : 1;
#else
	return 1;
#endif
}

/* The groups rebuilt in final vertex order (after place_third): vertex v's
 * group is the one of its representative; vof follows.  Reads rep,
 * gstart and glist, writes vof and new gstart and glist: it runs beside
 * the insertion, which reads p and rep. */
static int regroup(struct sk_delaunay *d, struct sk_error *err)
{
	const long n = d->n;
	size_t plain = 0;
	long *gs = dl_big((size_t)(d->nv + 1) * sizeof *gs, &plain);
	long *gl = dl_big((size_t)(n > 0 ? n : 1) * sizeof *gl, &plain);
	long *where = dl_big((size_t)(n > 0 ? n : 1) * sizeof *where, &plain);
	if (!gs || !gl || !where) {
		free(gs);
		free(gl);
		free(where);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	/* where[rep] = old group index */
	for (long v = 0; v < d->nv; v++)
		where[d->glist[d->gstart[v]]] = v;
	gs[0] = 0;
	for (long v = 0; v < d->nv; v++) {
		const long old = where[d->rep[v]], a = d->gstart[old], b = d->gstart[old + 1];
		memcpy(gl + gs[v], d->glist + a, (size_t)(b - a) * sizeof *gl);
		gs[v + 1] = gs[v] + (b - a);
		for (long j = a; j < b; j++)
			d->vof[d->glist[j]] = v;
	}
	free(where);
	free(d->gstart);
	free(d->glist);
	d->gstart = gs;
	d->glist = gl;
	d->plain2 = plain;
	return 0;
}

static int build(const double *x, const double *y, long n, const double frame[4], void (*beside)(void *ctx),
		 void *ctx, unsigned long long seed, long par_min, int fail_merge, int *merge_failed,
		 struct sk_delaunay **out, struct sk_error *err);

/* A merge that fails (SK_ESTATE: the parts were not as it expects, which
 * no test has made happen) leaves the whole to one part, built again from
 * the start: the same triangles (the perturbed triangulation is unique) in
 * other slots, alike on any number of threads (the merge fails or not
 * whatever the threads).  beside has run. */
static int build_or_one(const double *x, const double *y, long n, const double frame[4],
			void (*beside)(void *ctx), void *ctx, unsigned long long seed, long par_min, int fail_merge,
			int *fell_back, struct sk_delaunay **out, struct sk_error *err)
{
	int failed = 0, rc = build(x, y, n, frame, beside, ctx, seed, par_min, fail_merge, &failed, out, err);

	if (rc < 0 && failed)
		rc = build(x, y, n, frame, NULL, NULL, seed, LONG_MAX, 0, &failed, out, err);
	if (fell_back)
		*fell_back = failed;
	return rc;
}

int sk_delaunay_new_beside(const double *x, const double *y, long n, const double frame[4],
			   void (*beside)(void *ctx), void *ctx, struct sk_delaunay **out, struct sk_error *err)
{
	return build_or_one(x, y, n, frame, beside, ctx, 0, DL_SPLIT_MIN, 0, NULL, out, err);
}

int sk_dl_new_shuffled(const double *x, const double *y, long n, const double frame[4], unsigned long long seed,
		       long split_min, struct sk_delaunay **out, struct sk_error *err)
{
	return build_or_one(x, y, n, frame, NULL, NULL, seed, split_min > 0 ? split_min : DL_SPLIT_MIN, 0, NULL, out,
			    err);
}

int sk_dl_new_merge_fails(const double *x, const double *y, long n, int *fell_back, struct sk_delaunay **out,
			  struct sk_error *err)
{
	return build_or_one(x, y, n, NULL, NULL, NULL, 0, DL_SPLIT_MIN, 1, fell_back, out, err);
}

int sk_delaunay_new(const double *x, const double *y, long n, struct sk_delaunay **out,
		    struct sk_error *err)
{
	return sk_delaunay_new_beside(x, y, n, NULL, NULL, NULL, out, err);
}

int sk_delaunay_new_frame(const double *x, const double *y, long n, const double frame[4],
			  struct sk_delaunay **out, struct sk_error *err)
{
	return sk_delaunay_new_beside(x, y, n, frame, NULL, NULL, out, err);
}

static int build(const double *x, const double *y, long n, const double frame[4], void (*beside)(void *ctx),
		 void *ctx, unsigned long long seed, long par_min, int fail_merge, int *merge_failed,
		 struct sk_delaunay **out, struct sk_error *err)
{
	struct sk_delaunay *d;
	struct sk_dl_key *k = NULL, *tmp = NULL;
	const int nth = n >= DL_PAR_MIN ? par_threads() : 1;
	double xmax = 0, ymax = 0, ext;
	int rc = 0;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (!d) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto fail;
	}
	d->n = n;
	for (long i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i])) {
			rc = sk_error_set(err, SK_EARG, "point %ld: coordinate is not finite", i + 1);
			goto fail;
		}
		if (i == 0 || x[i] < d->xmin) d->xmin = x[i];
		if (i == 0 || x[i] > xmax) xmax = x[i];
		if (i == 0 || y[i] < d->ymin) d->ymin = y[i];
		if (i == 0 || y[i] > ymax) ymax = y[i];
	}
	if (frame && n > 0) {
		if (!(frame[0] <= d->xmin && frame[1] >= xmax && frame[2] <= d->ymin && frame[3] >= ymax)) {
			rc = sk_error_set(err, SK_EARG, "the frame does not hold the points");
			goto fail;
		}
		d->xmin = frame[0];
		xmax = frame[1];
		d->ymin = frame[2];
		ymax = frame[3];
	}
	ext = xmax - d->xmin > ymax - d->ymin ? xmax - d->xmin : ymax - d->ymin;
	d->scale = ext > 0 ? (double)LATTICE / ext : 1.0;
	{
		const size_t m = (size_t)(n > 0 ? n : 1);
		/* x, y, p, rep and vof: one block, 48 bytes a point. */
		if ((d->pts = dl_big(m * (2 * sizeof *d->x + sizeof *d->p + sizeof *d->rep + sizeof *d->vof),
				     &d->plain))) {
			d->p = d->pts;
			d->x = (double *)(void *)(d->p + m);
			d->y = d->x + m;
			d->rep = (long *)(void *)(d->y + m);
			d->vof = d->rep + m;
		}
		d->glist = dl_big(m * sizeof *d->glist, &d->plain);
		d->gstart = dl_big((m + 1) * sizeof *d->gstart, &d->plain);
		/* k, then the sort's room: one block; after the sort (dead by
		 * then) the parts' ids, vt and links, 4 nv + 2 longs (faulted in
		 * already: on this VM a fresh 4 KiB page costs 11-14 us, a huge
		 * page's clearing about 0.2 ms). */
		k = dl_big((2 * m + 1) * sizeof *k, &d->plain);
		tmp = k + m;
	}
	if (!d->pts || !d->glist || !d->gstart || !k) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto fail;
	}
	if (n > 0) {
		memcpy(d->x, x, (size_t)n * sizeof *x);
		memcpy(d->y, y, (size_t)n * sizeof *y);
	}
	/* One sort by (Hilbert key, index): the key is a bijection of the
	 * lattice point (X, Y), so a run of equal keys is one vertex's group
	 * (ascending index: the first is the representative), and the runs
	 * come in the insertion order along the curve. */
#pragma omp parallel for num_threads(nth) schedule(dynamic, DL_CHUNK)
	for (long i = 0; i < n; i++) {
		const unsigned long long X = (unsigned long long)llround((x[i] - d->xmin) * d->scale);
		const unsigned long long Y = (unsigned long long)llround((y[i] - d->ymin) * d->scale);
		k[i].s = sk_dl_hilbert(X, Y, 26);
		k[i].i = i;
	}
	sk_dl_sort(k, tmp, n);
	d->nv = 0;
	for (long i = 0; i < n; i++) {
		if (i == 0 || k[i].s != k[i - 1].s) {
			d->rep[d->nv] = k[i].i;
			d->gstart[d->nv++] = i;
		}
		d->glist[i] = k[i].i;
	}
	d->gstart[d->nv] = n;
#pragma omp parallel for num_threads(nth) schedule(dynamic, DL_CHUNK)
	for (long v = 0; v < d->nv; v++) {
		/* Every point of a group snaps to the same lattice point. */
		const long r = d->rep[v];
		d->p[v][0] = llround((x[r] - d->xmin) * d->scale);
		d->p[v][1] = llround((y[r] - d->ymin) * d->scale);
	}
	/* Tests only: the vertices in a pseudo-random order (splitmix64,
	 * Steele, Lea & Flood 2014; a Fisher-Yates shuffle), to show that
	 * the triangles do not depend on the insertion order. */
	for (long v = d->nv - 1; seed != 0 && v > 0; v--) {
		unsigned long long z = (seed += 0x9e3779b97f4a7c15ULL);
		long u;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		u = (long)(z % (unsigned long long)(v + 1));
		{
			const long long px = d->p[v][0], py = d->p[v][1];
			const long r = d->rep[v];
			d->p[v][0] = d->p[u][0];
			d->p[v][1] = d->p[u][1];
			d->rep[v] = d->rep[u];
			d->p[u][0] = px;
			d->p[u][1] = py;
			d->rep[u] = r;
		}
	}
	/* Vertex ids move once (the third vertex, place_third); then the
	 * insertion (in one part or two), and beside it the groups in the
	 * final vertex order and the caller's work: no result depends on the
	 * threads. */
	place_third(d);
	{
		struct sk_error e2 = {0}, e3 = {0};
		struct part pa = {NULL, d->nv, 0, 0, 0, 0, 0, NULL, NULL}, pb = {NULL, 0, 0, 0, 0, 0, 0, NULL, NULL};
		long *const ids = (long *)(void *)k, *const vt = ids + d->nv, *mark = NULL;
		int rc2 = 0, rc3 = 0, two = 0;
		if (d->dim == 2 && d->nv >= par_min) {
			/* Two parts, built at once (on 1 thread one after the other:
			 * the same triangles in the same slots), then merged. */
			two = sk_dl_split(d, ids, &pa, &pb);
			if (!two)
				pa = (struct part){NULL, d->nv, 0, 0, 0, 0, 0, NULL, NULL};
		}
		if (d->dim == 2) {
			d->capt = two ? pb.cap + 2 : 2 * d->nv + 16;
			if (!two)
				pa.cap = d->capt;
			d->t = sk_bigmem_alloc((size_t)d->capt * sizeof *d->t);
			mark = dl_big((size_t)d->capt * sizeof *mark, &d->plain);
			if (!d->t || !mark) {
				free(mark);
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto fail;
			}
			/* the links after ids and vt (two parts) or at the start */
			pa.link = two ? vt + d->nv : (long *)(void *)k;
			pb.link = pa.link + d->nv + 1;
			pa.mark = pb.mark = mark;
		}
		/* Two parts: thread 0 the groups and the caller's work first
		 * (their arrays are fresh memory: before the parts', not after;
		 * after a part they took 10 ms, not 2, for 100,000 points), then
		 * the smaller part; thread 1 the larger part (split gives the
		 * left part DL_SPLIT_LEFT of the vertices).  One part: it on
		 * thread 0, the rest beside it on thread 1.  On one thread, all
		 * in turn: the same results. */
#pragma omp parallel num_threads(nth)
		{
			int id = 0, nthr = 1;
#ifdef _OPENMP
			id = omp_get_thread_num();
			nthr = omp_get_num_threads();
#endif
			if (id == 0) {
				if (two || nthr == 1) {
					rc2 = regroup(d, &e2);
					if (beside)
						beside(ctx);
				}
				if (d->dim == 2)
					rc = triangulate(d, &pa, err);
				if (rc >= 0 && two)
					sk_dl_part_done(d, &pa, vt);
			}
			if (id == 1 || nthr == 1) {
				if (two) {
					rc3 = triangulate(d, &pb, &e3);
					if (rc3 >= 0)
						sk_dl_part_done(d, &pb, vt);
				} else if (nthr > 1) {
					/* one part: the groups and the caller's work beside it */
					rc2 = regroup(d, &e2);
					if (beside)
						beside(ctx);
				}
			}
		}
		d->plain += pa.plain + pb.plain;
		if (rc >= 0 && rc3 < 0) {
			*err = e3;
			rc = rc3;
		}
		if (rc >= 0 && rc2 < 0) {
			*err = e2;
			rc = rc2;
		}
		beside = NULL; /* run */
		if (rc >= 0 && d->dim == 2) {
			if (two) {
				rc = fail_merge ? sk_error_set(err, SK_ESTATE, "delaunay: merge: failed for a test")
						: sk_dl_merge(d, &pa, &pb, vt, vt, err);
				*merge_failed = rc == SK_ESTATE;
			} else {
				d->nt = pa.nt;
				d->start = pa.start;
			}
		}
		free(mark);
		if (rc < 0)
			goto fail;
	}
	if (d->dim == 2) {
		d->real = dl_big((size_t)(d->nt > 0 ? d->nt : 1) * sizeof *d->real, &d->plain);
		if (!d->real) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto fail;
		}
		for (long t = 0; t < d->nt; t++)
			if (d->t[t].v[0] != -2 && !sk_dl_is_ghost(&d->t[t]))
				d->real[d->nreal++] = t;
	} else if (d->dim == 1) {
		/* Abscissa along the line through the first two vertices, from the
		 * original coordinates of the representatives. */
		double ux = x[d->rep[1]] - x[d->rep[0]], uy = y[d->rep[1]] - y[d->rep[0]];
		const double len = hypot(ux, uy);
		d->ux = ux / len;
		d->uy = uy / len;
		d->ox = x[d->rep[0]];
		d->oy = y[d->rep[0]];
		d->order = dl_big((size_t)d->nv * sizeof *d->order, &d->plain);
		d->s = dl_big((size_t)d->nv * sizeof *d->s, &d->plain);
		if (!d->order || !d->s) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto fail;
		}
		{
			struct sv_pair *pr = malloc((size_t)d->nv * sizeof *pr);
			if (!pr) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto fail;
			}
			for (long v = 0; v < d->nv; v++) {
				pr[v].s = (x[d->rep[v]] - d->ox) * d->ux + (y[d->rep[v]] - d->oy) * d->uy;
				pr[v].v = v;
			}
			qsort(pr, (size_t)d->nv, sizeof *pr, cmp_sv);
			for (long v = 0; v < d->nv; v++) {
				d->order[v] = pr[v].v;
				d->s[v] = pr[v].s;
			}
			free(pr);
		}
	}
	free(k);
	*out = d;
	return 0;
fail:
	if (beside)
		beside(ctx);
	free(k);
	sk_delaunay_free(d);
	return rc;
}

static int bary(const struct sk_delaunay *d, const struct tri *t, double qx, double qy, long v[3],
		double w[3])
{
	/* Starting from the smallest representative, so that a triangle gives
	 * the same weights, in the same order, whichever of its rotations was
	 * stored (a --part run triangulates a subset; regrid_run.c). */
	const int r = d->rep[t->v[0]] < d->rep[t->v[1]] ? (d->rep[t->v[0]] < d->rep[t->v[2]] ? 0 : 2)
							 : (d->rep[t->v[1]] < d->rep[t->v[2]] ? 1 : 2);
	const long a = d->rep[t->v[r]], b = d->rep[t->v[(r + 1) % 3]], c = d->rep[t->v[(r + 2) % 3]];
	const double x0 = d->x[a], y0 = d->y[a], x1 = d->x[b], y1 = d->y[b], x2 = d->x[c], y2 = d->y[c];
	const double det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2);
	w[0] = ((y1 - y2) * (qx - x2) + (x2 - x1) * (qy - y2)) / det;
	w[1] = ((y2 - y0) * (qx - x2) + (x0 - x2) * (qy - y2)) / det;
	w[2] = 1.0 - w[0] - w[1];
	v[0] = a;
	v[1] = b;
	v[2] = c;
	return 3;
}

int sk_delaunay_locate(const struct sk_delaunay *d, double qx, double qy, long *hint, long v[3],
		       double w[3])
{
	if (d->dim == 0) {
		if (d->nv == 1 && qx == d->x[d->rep[0]] && qy == d->y[d->rep[0]]) {
			v[0] = d->rep[0];
			w[0] = 1;
			return 1;
		}
		return 0;
	}
	if (d->dim == 1) {
		const double s = (qx - d->ox) * d->ux + (qy - d->oy) * d->uy;
		long lo = 0, hi = d->nv - 1;
		if (s < d->s[0] || s > d->s[d->nv - 1])
			return 0;
		while (hi - lo > 1) {
			const long mid = (lo + hi) / 2;
			if (d->s[mid] <= s)
				lo = mid;
			else
				hi = mid;
		}
		{
			const double span = d->s[hi] - d->s[lo];
			const double f = span > 0 ? (s - d->s[lo]) / span : 0;
			v[0] = d->rep[d->order[lo]];
			v[1] = d->rep[d->order[hi]];
			w[0] = 1 - f;
			w[1] = f;
		}
		return 2;
	}
	{
		const double fx = (qx - d->xmin) * d->scale, fy = (qy - d->ymin) * d->scale;
		long long q[2];
		long t;
		if (!(fx >= -0.5 && fy >= -0.5 && fx <= (double)LATTICE + 0.5 && fy <= (double)LATTICE + 0.5))
			return 0;
		q[0] = llround(fx);
		q[1] = llround(fy);
		t = (*hint >= 0 && *hint < d->nt && d->t[*hint].v[0] != -2 && !sk_dl_is_ghost(&d->t[*hint]))
			    ? *hint : d->start;
		t = walk(d, t, q, 4 * d->nt + 16);
		if (t < 0) {
			/* Not expected; fall back to testing every triangle. */
			for (long r = 0; r < d->nreal; r++) {
				const struct tri *tr = &d->t[d->real[r]];
				if (sk_delaunay_orient(d->p[tr->v[0]], d->p[tr->v[1]], q) >= 0 &&
				    sk_delaunay_orient(d->p[tr->v[1]], d->p[tr->v[2]], q) >= 0 &&
				    sk_delaunay_orient(d->p[tr->v[2]], d->p[tr->v[0]], q) >= 0) {
					t = d->real[r];
					break;
				}
			}
			if (t < 0)
				return 0;
		}
		if (sk_dl_is_ghost(&d->t[t]))
			return 0;
		*hint = t;
		return bary(d, &d->t[t], qx, qy, v, w);
	}
}
