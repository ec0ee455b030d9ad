/*
 * median: the running median of the wall times of the attempts that
 * succeeded, for speculation (policy.h, tr_policy_spec_after), kept in two
 * heaps (the lower half in a max-heap, the upper half in a min-heap): an
 * attempt's end costs O(log n) and the median O(1), where sorting every
 * wall time after each end cost O(n log n) at the end of a long run.
 */
#ifndef TR_MEDIAN_H
#define TR_MEDIAN_H

struct tr_median {
	double *lo, *hi;   /* lo: max-heap of the smaller half; hi: min-heap of the rest */
	long nlo, nhi, caplo, caphi;
};

void tr_median_init(struct tr_median *m);
void tr_median_release(struct tr_median *m);
/* Adds a value.  Returns 0 or SK_ENOMEM (the value not added). */
int tr_median_add(struct tr_median *m, double v);
/* How many values were added. */
long tr_median_count(const struct tr_median *m);
/* The upper median: the value at index n/2 of the n values sorted (the
 * middle one of an odd count, the greater middle one of an even count);
 * 0 when there are none. */
double tr_median_get(const struct tr_median *m);

#endif
