/* heap: sift, make and sort of index heaps against a plain insertion sort
 * and the heap property checked node by node. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "heap.h"

struct keys {
	const int *v;
	int desc;        /* order by descending value */
};

static long calls;   /* comparisons made */

/* By value, ties by index: a strict total order. */
static int by_value(const void *ctx, size_t a, size_t b)
{
	const struct keys *k = ctx;
	const int x = k->desc ? -k->v[a] : k->v[a], y = k->desc ? -k->v[b] : k->v[b];
	calls++;
	return x < y || (x == y && a < b);
}

/* Ties left unbroken: equal values in any order. */
static int by_value_only(const void *ctx, size_t a, size_t b)
{
	const struct keys *k = ctx;
	return k->v[a] < k->v[b];
}

static void reference(const int *v, size_t *o, size_t n, int desc)
{
	for (size_t i = 0; i < n; i++)
		o[i] = i;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			const int x = desc ? -v[o[j - 1]] : v[o[j - 1]], y = desc ? -v[o[j]] : v[o[j]];
			if (x < y || (x == y && o[j - 1] < o[j]))
				break;
			const size_t t = o[j];
			o[j] = o[j - 1];
			o[j - 1] = t;
		}
}

static int is_heap(const size_t *h, size_t len, sk_heap_less less, const void *ctx)
{
	for (size_t i = 1; i < len; i++)
		if (less(ctx, h[i], h[(i - 1) / 2]))
			return 0;
	return 1;
}

int main(void)
{
	enum { N = 1000 };
	static int v[N];
	static size_t h[N], ref[N];
	struct keys k = {v, 0};
	int bad;

	/* Empty and one element: nothing happens, nothing is compared. */
	sk_heap_sort(h, 0, by_value, &k);
	sk_heap_make(h, 0, by_value, &k);
	h[0] = 7;
	sk_heap_sort(h, 1, by_value, &k);
	sk_heap_sift(h, 1, 0, by_value, &k);
	CHECK(h[0] == 7 && calls == 0);

	/* A small case by hand: values 5 3 9 3 1, ties by index. */
	{
		const int w[5] = {5, 3, 9, 3, 1};
		const size_t want[5] = {4, 1, 3, 0, 2};
		struct keys kw = {w, 0};
		for (size_t i = 0; i < 5; i++)
			h[i] = i;
		sk_heap_sort(h, 5, by_value, &kw);
		CHECK(memcmp(h, want, sizeof want) == 0);
		/* The context decides the order: descending. */
		const size_t wantd[5] = {2, 0, 1, 3, 4};
		kw.desc = 1;
		for (size_t i = 0; i < 5; i++)
			h[i] = i;
		sk_heap_sort(h, 5, by_value, &kw);
		CHECK(memcmp(h, wantd, sizeof wantd) == 0);
		/* make puts the least on top. */
		kw.desc = 0;
		for (size_t i = 0; i < 5; i++)
			h[i] = i;
		sk_heap_make(h, 5, by_value, &kw);
		CHECK(h[0] == 4 && is_heap(h, 5, by_value, &kw));
	}

	/* Random sizes and value ranges (many ties when the range is small),
	 * both directions, against the insertion sort. */
	bad = 0;
	for (int round = 0; round < 200; round++) {
		const size_t n = 1 + rng_u32() % N;
		const uint32_t range = round % 3 == 0 ? 4 : round % 3 == 1 ? 100 : 1u << 30;
		k.desc = round % 2;
		for (size_t i = 0; i < n; i++) {
			v[i] = (int)(rng_u32() % range) - (int)(range / 2);
			h[i] = i;
		}
		calls = 0;
		sk_heap_sort(h, n, by_value, &k);
		reference(v, ref, n, k.desc);
		bad += memcmp(h, ref, n * sizeof *h) != 0;
		/* O(n log n): heap sort makes at most about 2 n log2 n comparisons. */
		{
			long lg = 1;
			while ((1L << lg) < (long)n)
				lg++;
			bad += calls > 2 * (long)n * lg + 2;
		}
	}
	CHECKF(bad == 0, "%d rounds differ from the reference", bad);

	/* Without a tie rule the values still come out in order. */
	for (size_t i = 0; i < N; i++) {
		v[i] = (int)(rng_u32() % 10);
		h[i] = i;
	}
	sk_heap_sort(h, N, by_value_only, &k);
	bad = 0;
	for (size_t i = 1; i < N; i++)
		bad += v[h[i - 1]] > v[h[i]];
	CHECK(bad == 0);

	/* A k-way merge as segmerge --key does it: 7 sorted runs, the heap
	 * holds each run's head; replace the top, sift it down, and the
	 * output is the sorted whole, runs in order on ties. */
	{
		enum { K = 7, PER = 60 };
		static int run[K][PER], cur[K];
		size_t pos[K], len = 0, out = 0;
		int prev_v = -1, ok = 1;
		size_t prev_r = 0;
		struct keys kk = {cur, 0};
		for (int r = 0; r < K; r++) {
			int x = 0;
			for (int i = 0; i < PER; i++)
				run[r][i] = x += (int)(rng_u32() % 3);
			pos[r] = 0;
			cur[r] = run[r][0];
			h[len++] = (size_t)r;
		}
		sk_heap_make(h, len, by_value, &kk);
		ok &= is_heap(h, len, by_value, &kk);
		while (len > 0) {
			const size_t r = h[0];
			if (cur[r] < prev_v || (cur[r] == prev_v && r < prev_r))
				ok = 0;
			prev_v = cur[r];
			prev_r = r;
			out++;
			if (++pos[r] < PER)
				cur[r] = run[r][pos[r]];
			else
				h[0] = h[--len];
			sk_heap_sift(h, len, 0, by_value, &kk);
			ok &= is_heap(h, len, by_value, &kk);
		}
		CHECK(ok && out == K * PER);
	}
	return test_done();
}
