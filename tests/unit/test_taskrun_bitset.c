/* taskrun's bitset (the pending tasks): every answer of tr_bitset_next
 * against a linear scan of a plain array, under random additions and
 * removals, at sizes around the word and level boundaries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/bitset.h"
#include "check.h"
#include "rng.h"

static long ref_next(const unsigned char *ref, long n, long i)
{
	for (i = i < 0 ? 0 : i; i < n; i++)
		if (ref[i])
			return i;
	return -1;
}

/* ops random additions and removals over [0, n), members dense or sparse
 * (keep: the chance in 1000 that an operation adds). */
static void random_ops(long n, long ops, int keep)
{
	struct tr_bitset s;
	unsigned char *ref = calloc((size_t)(n ? n : 1), 1);
	long count = 0, bad = 0, badnext = 0;

	CHECK(ref != NULL && tr_bitset_init(&s, n) == 0);
	if (!ref)
		return;
	for (long k = 0; k < ops; k++) {
		const long i = n ? (long)(rng_next() % (uint64_t)n) : 0;
		if (n == 0)
			break;
		if ((int)(rng_next() % 1000) < keep) {
			count += !ref[i];
			ref[i] = 1;
			tr_bitset_add(&s, i);
		} else {
			count -= ref[i];
			ref[i] = 0;
			tr_bitset_del(&s, i);
		}
		bad += tr_bitset_has(&s, i) != ref[i];
		/* A search from a random place, and from 0. */
		if (k % 7 == 0) {
			const long j = (long)(rng_next() % (uint64_t)(n + 2)) - 1;
			badnext += tr_bitset_next(&s, j) != ref_next(ref, n, j);
			badnext += tr_bitset_next(&s, 0) != ref_next(ref, n, 0);
		}
	}
	CHECKF(bad == 0, "n %ld: %ld wrong has", n, bad);
	CHECKF(badnext == 0, "n %ld: %ld wrong next", n, badnext);
	CHECKF(s.count == count, "n %ld: count %ld, expected %ld", n, s.count, count);
	/* Every member in order, by walking next. */
	{
		long i = -1, walked = 0, wrong = 0;
		while ((i = tr_bitset_next(&s, i + 1)) >= 0) {
			wrong += !ref[i];
			walked++;
		}
		CHECKF(walked == count && wrong == 0, "n %ld: walked %ld of %ld, %ld wrong", n, walked, count,
		       wrong);
	}
	CHECK(tr_bitset_next(&s, n) == -1);
	CHECK(tr_bitset_next(&s, n + 1000) == -1);
	tr_bitset_release(&s);
	free(ref);
}

static void test_edges(void)
{
	struct tr_bitset s;

	CHECK(tr_bitset_init(&s, 0) == 0);
	CHECK(tr_bitset_next(&s, 0) == -1);
	tr_bitset_add(&s, 0);          /* out of range: nothing */
	CHECK(s.count == 0 && !tr_bitset_has(&s, 0));
	tr_bitset_release(&s);

	CHECK(tr_bitset_init(&s, 1) == 0 && s.levels == 1);
	tr_bitset_add(&s, 0);
	tr_bitset_add(&s, 0);
	CHECK(s.count == 1 && tr_bitset_next(&s, 0) == 0 && tr_bitset_next(&s, 1) == -1);
	CHECK(tr_bitset_next(&s, -5) == 0);
	tr_bitset_del(&s, 0);
	tr_bitset_del(&s, 0);
	CHECK(s.count == 0 && tr_bitset_next(&s, 0) == -1);
	tr_bitset_release(&s);

	/* A million: four levels; the last member found from the first. */
	CHECK(tr_bitset_init(&s, 1000000) == 0 && s.levels == 4);
	tr_bitset_add(&s, 999999);
	tr_bitset_add(&s, 3);
	CHECK(tr_bitset_next(&s, 0) == 3 && tr_bitset_next(&s, 4) == 999999);
	tr_bitset_del(&s, 3);
	CHECK(tr_bitset_next(&s, 0) == 999999 && tr_bitset_next(&s, 999999) == 999999);
	CHECK(tr_bitset_next(&s, 1000000) == -1);
	tr_bitset_add(&s, 262144);     /* 64^3: the first bit of a new top-level word */
	CHECK(tr_bitset_next(&s, 1) == 262144 && tr_bitset_next(&s, 262145) == 999999);
	tr_bitset_del(&s, 999999);
	CHECK(tr_bitset_next(&s, 262145) == -1);
	tr_bitset_release(&s);
}

int main(void)
{
	static const long sizes[] = {1, 2, 63, 64, 65, 127, 4095, 4096, 4097, 262144, 262145};

	rng_seed(2463534242ULL);
	test_edges();
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		random_ops(sizes[k], sizes[k] < 5000 ? 20000 : 60000, 500);
		random_ops(sizes[k], sizes[k] < 5000 ? 20000 : 60000, 5);
	}
	random_ops(0, 10, 500);
	return test_done();
}
