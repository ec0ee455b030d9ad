/* grow: capacities double from the first size, need wins when larger, the
 * contents survive, and an impossible size is SK_ENOMEM with the array
 * unchanged. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diag.h"
#include "grow.h"

int main(void)
{
	int *a = NULL;
	long cap = 0, seen = 0, grows = 0;
	int ok = 1;

	/* Nothing to do: no allocation. */
	CHECK(sk_grow(&a, &cap, 0, sizeof *a, 16) == 0 && a == NULL && cap == 0);
	CHECK(sk_grow(&a, &cap, 1, sizeof *a, 16) == 0 && a != NULL && cap == 16);
	/* One at a time to 100,000: doubling (16, 32, ... 131072), so 14
	 * reallocations, and every element kept. */
	for (long n = 0; n < 100000; n++) {
		if (sk_grow(&a, &cap, n + 1, sizeof *a, 16) != 0) {
			ok = 0;
			break;
		}
		if (cap != seen) {
			grows++;
			seen = cap;
		}
		a[n] = (int)(n * 7);
	}
	CHECK(ok && cap == 131072 && grows == 14);
	for (long n = 0; n < 100000; n++)
		ok &= a[n] == (int)(n * 7);
	CHECK(ok);
	/* A need beyond twice the capacity is met at once. */
	CHECK(sk_grow(&a, &cap, 1000000, sizeof *a, 16) == 0 && cap == 1048576 && a[99999] == 699993);
	/* Without a first size, from 1. */
	{
		char *b = NULL;
		long cb = 0;
		CHECK(sk_grow(&b, &cb, 1, 1, 0) == 0 && cb == 1);
		CHECK(sk_grow(&b, &cb, 3, 1, 0) == 0 && cb == 4);
		free(b);
	}
	/* Too large for size_t: refused, the array and its capacity kept. */
	{
		int *keep = a;
		const long was = cap;
		CHECK(sk_grow(&a, &cap, LONG_MAX / 2, SIZE_MAX / 4, 16) == SK_ENOMEM && a == keep && cap == was);
	}
	free(a);
	return test_done();
}
