/* taskrun's id map: exact lookups against a plain table under random
 * insertions, replacements and deletions, and a bounded size for a map
 * whose live keys stay few while millions come and go. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/idmap.h"
#include "check.h"
#include "rng.h"

static void test_empty(void)
{
	struct tr_idmap m;
	long v = 7;

	tr_idmap_init(&m);
	CHECK(tr_idmap_get(&m, 0, &v) == 0 && v == 7);
	CHECK(tr_idmap_del(&m, 0) == 0);
	CHECK(m.n == 0 && m.cap == 0);
	tr_idmap_release(&m);
}

static void test_edges(void)
{
	struct tr_idmap m;
	long v = 0;

	tr_idmap_init(&m);
	CHECK(tr_idmap_put(&m, 0, 10) == 0);
	CHECK(tr_idmap_put(&m, UINT64_MAX, -1) == 0);
	CHECK(tr_idmap_put(&m, 0, 11) == 0);   /* replaces */
	CHECK(m.n == 2);
	CHECK(tr_idmap_get(&m, 0, &v) == 1 && v == 11);
	CHECK(tr_idmap_get(&m, UINT64_MAX, &v) == 1 && v == -1);
	CHECK(tr_idmap_get(&m, 1, &v) == 0);
	CHECK(tr_idmap_del(&m, 0) == 1);
	CHECK(tr_idmap_del(&m, 0) == 0);
	CHECK(tr_idmap_get(&m, 0, &v) == 0);
	CHECK(tr_idmap_get(&m, UINT64_MAX, &v) == 1 && v == -1);
	CHECK(m.n == 1);
	tr_idmap_release(&m);
}

/* Keys from a small range, so that inserts, replacements and deletions of
 * the same keys collide often and the probe runs wrap around. */
static void test_random(void)
{
	enum { K = 3000, OPS = 400000 };
	long *ref = malloc(K * sizeof *ref);
	struct tr_idmap m;
	int bad = 0;
	size_t live = 0;

	tr_idmap_init(&m);
	for (int i = 0; i < K; i++)
		ref[i] = -1;
	for (long op = 0; op < OPS; op++) {
		const uint64_t r = rng_next();
		const int k = (int)(r % K);
		/* Task-and-attempt style keys: high and low halves both used. */
		const uint64_t key = ((uint64_t)k << 32) | (uint64_t)(k % 7);
		long v;
		if ((r >> 32) % 3 != 0) {
			if (ref[k] < 0)
				live++;
			ref[k] = (long)(op & 0xffffff);
			bad += tr_idmap_put(&m, key, ref[k]) != 0;
		} else {
			const int had = tr_idmap_del(&m, key);
			bad += had != (ref[k] >= 0);
			if (ref[k] >= 0)
				live--;
			ref[k] = -1;
		}
		if (op % 1000 == 0)
			for (int i = 0; i < K; i++) {
				const uint64_t ki = ((uint64_t)i << 32) | (uint64_t)(i % 7);
				const int got = tr_idmap_get(&m, ki, &v);
				bad += got != (ref[i] >= 0) || (got && v != ref[i]);
			}
	}
	CHECK(bad == 0);
	CHECK(m.n == live);
	CHECK(m.cap <= 8192);
	tr_idmap_release(&m);
	free(ref);
}

/* A million attempt ids, at most 100 running at once (FIFO): the map stays
 * at the size of 100 keys. */
static void test_churn(void)
{
	struct tr_idmap m;
	int bad = 0;
	long v;

	tr_idmap_init(&m);
	for (long id = 1; id <= 1000000; id++) {
		bad += tr_idmap_put(&m, (uint64_t)id, id * 3) != 0;
		if (id > 100) {
			bad += tr_idmap_get(&m, (uint64_t)(id - 100), &v) != 1 || v != (id - 100) * 3;
			bad += tr_idmap_del(&m, (uint64_t)(id - 100)) != 1;
		}
	}
	CHECK(bad == 0);
	CHECK(m.n == 100);
	CHECK(m.cap == 256);
	CHECK(tr_idmap_get(&m, 999901, &v) == 1 && v == 999901 * 3);
	CHECK(tr_idmap_get(&m, 999900, &v) == 0);
	tr_idmap_release(&m);
}

int main(void)
{
	test_empty();
	test_edges();
	test_random();
	test_churn();
	return test_done();
}
