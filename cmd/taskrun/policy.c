#include "policy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tr_policy_failed_on(const struct tr_tstate *t, int h)
{
	for (int i = 0; i < t->nfo; i++)
		if (t->failed_on[i] == h)
			return 1;
	return 0;
}

long tr_policy_pick(const struct tr_tstate *ts, long n, long *lo, int h, const unsigned char *usable,
		    int nh)
{
	while (*lo < n && ts[*lo].st != TR_T_PENDING)
		(*lo)++;
	for (long ti = *lo; ti < n; ti++) {
		const struct tr_tstate *t = &ts[ti];
		int other = 0;
		if (t->st != TR_T_PENDING)
			continue;
		if (tr_policy_failed_on(t, h))
			for (int g = 0; g < nh && !other; g++)
				other = g != h && usable[g] && !tr_policy_failed_on(t, g);
		if (!other)
			return ti;
	}
	return -1;
}

static int cmp_double(const void *x, const void *y)
{
	const double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

double tr_policy_spec_after(const double *walls, long n)
{
	double *w, m;

	if (n <= 0 || !(w = malloc((size_t)n * sizeof *w)))
		return -1;
	memcpy(w, walls, (size_t)n * sizeof *w);
	qsort(w, (size_t)n, sizeof *w, cmp_double);
	m = w[n / 2];
	free(w);
	return 2 * m > TR_SPEC_MIN ? 2 * m : TR_SPEC_MIN;
}

int tr_policy_straggler(const struct tr_run *r, int nr, const struct tr_tstate *ts, int h, double now,
			double after)
{
	int best = -1;

	for (int k = 0; k < nr; k++) {
		const struct tr_tstate *t = &ts[r[k].task];
		if (r[k].host == h || r[k].cancelled || t->nrun != 1 || t->st != TR_T_ACTIVE ||
		    tr_policy_failed_on(t, h) || now - r[k].start < after)
			continue;
		if (best < 0 || r[k].start < r[best].start)
			best = k;
	}
	return best;
}

double tr_policy_backoff(double first, int nquar)
{
	const double d = first * pow(2, nquar);
	return d > TR_QUAR_MAX ? TR_QUAR_MAX : d;
}

int tr_policy_blame(struct tr_health *h, long *total, int other_usable)
{
	if (h->cfail == 0 || *total - h->nfail != h->others) {
		h->cfail = 0;
		h->others = *total - h->nfail;
	}
	h->cfail++;
	h->nfail++;
	(*total)++;
	return (h->probing || h->cfail >= TR_QUAR_AFTER) && other_usable;
}

double tr_policy_quarantine(struct tr_health *h, double first, double now)
{
	const double d = tr_policy_backoff(first, h->nquar);
	h->quar_until = now + d;
	h->nquar++;
	h->probing = 0;
	h->cfail = 0;
	return d;
}

void tr_policy_success(struct tr_health *h)
{
	h->cfail = 0;
	h->nquar = 0;
	h->probing = 0;
}

int tr_policy_probe(struct tr_health *h, double now)
{
	if (h->probing || h->nquar == 0 || h->cfail != 0 || h->quar_until <= 0 || h->quar_until > now)
		return 0;
	h->probing = 1;
	h->quar_until = 0;
	return 1;
}
