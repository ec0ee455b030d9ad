/* taskrun's running median (speculation's wall times) against sorting: after
 * every value added, the value at index n/2 of the values sorted; random
 * values, many duplicates, ascending and descending runs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/median.h"
#include "check.h"
#include "rng.h"

static int cmp(const void *x, const void *y)
{
	const double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* Adds n values made by kind and checks the median after each. */
static void run(int kind, long n)
{
	struct tr_median m;
	double *all = malloc((size_t)n * sizeof *all), *sorted = malloc((size_t)n * sizeof *sorted);
	long bad = 0;

	tr_median_init(&m);
	CHECK(tr_median_count(&m) == 0 && tr_median_get(&m) == 0);
	for (long i = 0; i < n && all && sorted; i++) {
		double v;
		switch (kind) {
		case 0:
			v = (double)(rng_next() % 1000000) / 1000.0;
			break;
		case 1:
			v = (double)(rng_next() % 5);   /* duplicates */
			break;
		case 2:
			v = (double)i;
			break;
		default:
			v = (double)(n - i);
			break;
		}
		all[i] = v;
		if (tr_median_add(&m, v) != 0) {
			bad++;
			break;
		}
		memcpy(sorted, all, (size_t)(i + 1) * sizeof *sorted);
		qsort(sorted, (size_t)(i + 1), sizeof *sorted, cmp);
		bad += tr_median_get(&m) != sorted[(i + 1) / 2] || tr_median_count(&m) != i + 1;
	}
	CHECKF(bad == 0, "kind %d: %ld wrong medians", kind, bad);
	tr_median_release(&m);
	free(all);
	free(sorted);
}

int main(void)
{
	struct tr_median m;

	/* The examples of tr_policy_spec_after's test, by hand. */
	tr_median_init(&m);
	tr_median_add(&m, 10);
	CHECK(tr_median_get(&m) == 10);
	tr_median_add(&m, 1);
	CHECK(tr_median_get(&m) == 10);   /* 1 10: the greater middle */
	tr_median_add(&m, 3);
	CHECK(tr_median_get(&m) == 3);    /* 1 3 10 */
	tr_median_add(&m, 5);
	CHECK(tr_median_get(&m) == 5);    /* 1 3 5 10 */
	tr_median_release(&m);
	for (int kind = 0; kind < 4; kind++)
		run(kind, 1500);
	return test_done();
}
