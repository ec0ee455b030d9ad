/* The insertion order of delaunay_order.c: sk_dl_hilbert against the
 * Hilbert recursion and against what makes a Hilbert curve, sk_dl_sort
 * against qsort by (key, index). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "delaunay_internal.h"

/* The Hilbert index as delaunay.c computed it before (the rotate-and-reflect
 * recursion applied to x and y themselves): the insertion order, which
 * decides the triangulation of cocircular points, must not change. */
static unsigned long long hilbert_ref(unsigned long long x, unsigned long long y, int order)
{
	const unsigned long long n = 1ULL << order;
	unsigned long long d = 0;
	for (unsigned long long s = n >> 1; s > 0; s >>= 1) {
		const unsigned long long rx = (x & s) > 0, ry = (y & s) > 0;
		d += s * s * ((3 * rx) ^ ry);
		if (ry == 0) {
			if (rx == 1) {
				x = n - 1 - x;
				y = n - 1 - y;
			}
			{
				const unsigned long long t = x;
				x = y;
				y = t;
			}
		}
	}
	return d;
}

static int cmp_key(const void *pa, const void *pb)
{
	const struct sk_dl_key *a = pa, *b = pb;
	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* The insertion order's parts: sk_dl_hilbert against the recursion and
 * against what makes a Hilbert curve (every cell once, each step to a
 * side neighbour); sk_dl_sort against qsort by (key, index). */
static void test_order(void)
{
	enum { O = 4, C = 1 << O, M = 30000 };
	static unsigned long long at[C * C][2];
	static struct sk_dl_key k[M], t[M], q[M];
	int seen[C * C] = {0}, bad = 0;

	for (unsigned long long x = 0; x < C; x++)
		for (unsigned long long y = 0; y < C; y++) {
			const unsigned long long h = sk_dl_hilbert(x, y, O);
			if (h >= C * C || h != hilbert_ref(x, y, O) || seen[h]++) {
				bad++;
				continue;
			}
			at[h][0] = x;
			at[h][1] = y;
		}
	CHECKF(bad == 0, "%d cells of the 16 x 16 curve wrong", bad);
	for (int h = 1; h < C * C && bad == 0; h++) {
		const long long dx = (long long)at[h][0] - (long long)at[h - 1][0];
		const long long dy = (long long)at[h][1] - (long long)at[h - 1][1];
		if (llabs(dx) + llabs(dy) != 1)
			bad = h;
	}
	CHECKF(bad == 0, "step %d of the curve is not to a side neighbour", bad);
	CHECK(at[0][0] == 0 && at[0][1] == 0);
	bad = 0;
	for (long i = 0; i < 200000; i++) {
		const unsigned long long x = (unsigned long long)(rng_unit() * (double)(1 << 26));
		const unsigned long long y = (unsigned long long)(rng_unit() * (double)(1 << 26));
		bad += sk_dl_hilbert(x, y, 26) != hilbert_ref(x, y, 26);
	}
	bad += sk_dl_hilbert((1 << 26) - 1, (1 << 26) - 1, 26) != hilbert_ref((1 << 26) - 1, (1 << 26) - 1, 26);
	bad += sk_dl_hilbert((1 << 26) - 1, 0, 26) != hilbert_ref((1 << 26) - 1, 0, 26);
	CHECKF(bad == 0, "%d of 200,002 lattice points off the recursion's curve", bad);
	/* Keys: few distinct ones (long runs of ties), keys the same in their
	 * low digits (passes skipped), the full 52 bits; sizes 0, 1, 2, M. */
	for (int kind = 0; kind < 3; kind++)
		for (int sz = 0; sz < 4; sz++) {
			const long n = sz == 3 ? M : sz;
			for (long i = 0; i < n; i++) {
				const unsigned long long r = (unsigned long long)(rng_unit() * 4503599627370496.0);
				k[i].s = kind == 0 ? r % 7 : kind == 1 ? (r >> 30) << 30 : r;
				k[i].i = i;
				q[i] = k[i];
			}
			sk_dl_sort(k, t, n);
			qsort(q, (size_t)n, sizeof *q, cmp_key);
			CHECKF(n == 0 || memcmp(k, q, (size_t)n * sizeof *k) == 0, "keys %d, %ld of them: not qsort's order",
			       kind, n);
		}
}

int main(void)
{
	test_order();
	return test_done();
}
