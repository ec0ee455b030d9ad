/*
 * heap: binary heaps of indices with a context argument (heap.h).
 */
#include "heap.h"

/* The heap's order, or its reverse (heap sort builds a heap with the
 * greatest index on top, so that each one taken off lands at the end). */
struct order {
	sk_heap_less less;
	const void *ctx;
	int reverse;
};

static int before(const struct order *o, size_t a, size_t b)
{
	return o->reverse ? o->less(o->ctx, b, a) : o->less(o->ctx, a, b);
}

static void sift(size_t *h, size_t len, size_t pos, const struct order *o)
{
	for (;;) {
		const size_t l = 2 * pos + 1, r = l + 1;
		size_t m = pos;
		if (l < len && before(o, h[l], h[m]))
			m = l;
		if (r < len && before(o, h[r], h[m]))
			m = r;
		if (m == pos)
			return;
		{
			const size_t x = h[m];
			h[m] = h[pos];
			h[pos] = x;
		}
		pos = m;
	}
}

void sk_heap_sift(size_t *h, size_t len, size_t pos, sk_heap_less less, const void *ctx)
{
	const struct order o = {less, ctx, 0};

	sift(h, len, pos, &o);
}

void sk_heap_make(size_t *h, size_t len, sk_heap_less less, const void *ctx)
{
	const struct order o = {less, ctx, 0};

	for (size_t i = len / 2; i-- > 0;)
		sift(h, len, i, &o);
}

void sk_heap_sort(size_t *h, size_t len, sk_heap_less less, const void *ctx)
{
	const struct order o = {less, ctx, 1};

	for (size_t i = len / 2; i-- > 0;)
		sift(h, len, i, &o);
	for (size_t i = len; i-- > 1;) {
		const size_t x = h[0];
		h[0] = h[i];
		h[i] = x;
		sift(h, i, 0, &o);
	}
}
