#include "median.h"

#include <stdlib.h>

#include "diag.h"

void tr_median_init(struct tr_median *m)
{
	m->lo = m->hi = NULL;
	m->nlo = m->nhi = m->caplo = m->caphi = 0;
}

void tr_median_release(struct tr_median *m)
{
	free(m->lo);
	free(m->hi);
	tr_median_init(m);
}

long tr_median_count(const struct tr_median *m)
{
	return m->nlo + m->nhi;
}

double tr_median_get(const struct tr_median *m)
{
	return m->nhi > 0 ? m->hi[0] : 0;
}

/* Heap order: sign 1 keeps the greatest on top, -1 the least. */
static int above(double a, double b, int sign)
{
	return sign > 0 ? a > b : a < b;
}

static void sift_up(double *h, long i, int sign)
{
	const double v = h[i];
	while (i > 0 && above(v, h[(i - 1) / 2], sign)) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static void sift_down(double *h, long n, long i, int sign)
{
	const double v = h[i];
	for (;;) {
		long c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && above(h[c + 1], h[c], sign))
			c++;
		if (!above(h[c], v, sign))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
}

static int reserve(double **h, long *cap, long n)
{
	double *nh;
	long nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 64;
	if (!(nh = realloc(*h, (size_t)nc * sizeof *nh)))
		return SK_ENOMEM;
	*h = nh;
	*cap = nc;
	return 0;
}

/* Pops the top of heap h (n values) and returns it. */
static double pop(double *h, long *n, int sign)
{
	const double top = h[0];
	if (--*n > 0) {
		h[0] = h[*n];
		sift_down(h, *n, 0, sign);
	}
	return top;
}

int tr_median_add(struct tr_median *m, double v)
{
	/* Room for the value and for the one that may move across. */
	if (reserve(&m->lo, &m->caplo, m->nlo + 1) || reserve(&m->hi, &m->caphi, m->nhi + 1))
		return SK_ENOMEM;
	/* Into the upper half unless it belongs below its least value. */
	if (m->nlo > 0 && v < m->lo[0]) {
		m->lo[m->nlo] = v;
		sift_up(m->lo, m->nlo++, 1);
	} else {
		m->hi[m->nhi] = v;
		sift_up(m->hi, m->nhi++, -1);
	}
	/* Balance: the upper half holds n - n/2 values. */
	if (m->nlo > m->nhi) {
		const double x = pop(m->lo, &m->nlo, 1);
		m->hi[m->nhi] = x;
		sift_up(m->hi, m->nhi++, -1);
	} else if (m->nhi > m->nlo + 1) {
		const double x = pop(m->hi, &m->nhi, -1);
		m->lo[m->nlo] = x;
		sift_up(m->lo, m->nlo++, 1);
	}
	return 0;
}
