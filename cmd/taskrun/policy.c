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

long tr_policy_pick(const struct tr_tstate *ts, const struct tr_bitset *fresh, const struct tr_bitset *retry,
		    int h, const unsigned char *usable, int nusable)
{
	const long f = tr_bitset_next(fresh, 0);

	/* A retry before the first fresh task goes first, if h may take it. */
	for (long r = tr_bitset_next(retry, 0); r >= 0 && (f < 0 || r < f); r = tr_bitset_next(retry, r + 1)) {
		const struct tr_tstate *t = &ts[r];
		int others;
		if (!tr_policy_failed_on(t, h))
			return r;
		/* The usable hosts other than h that have not failed it. */
		others = nusable - (usable[h] != 0);
		for (int i = 0; i < t->nfo; i++)
			others -= t->failed_on[i] != h && usable[t->failed_on[i]];
		if (others <= 0)
			return r;
	}
	return f;
}

long tr_policy_pick_local(const struct tr_bitset *fresh, const struct tr_bitset *retry, int h,
			  int (*fit)(void *arg, long t, int h), void *arg)
{
	long f = tr_bitset_next(fresh, 0), r = tr_bitset_next(retry, 0), any = -1;

	while (f >= 0 || r >= 0) {
		const long t = r < 0 || (f >= 0 && f < r) ? f : r;
		const int k = fit(arg, t, h);
		if (k == TR_FIT_LOCAL)
			return t;
		if (k == TR_FIT_ANY && any < 0)
			any = t;
		if (t == f)
			f = tr_bitset_next(fresh, f + 1);
		else
			r = tr_bitset_next(retry, r + 1);
	}
	return any;
}

int tr_policy_where(const char *where, const char *name, double waited, double wait)
{
	const size_t n = strlen(name);

	if (!where || !*where)
		return TR_FIT_ANY;
	for (const char *p = where; *p;) {
		const char *e = strchr(p, ',');
		const size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return TR_FIT_LOCAL;
		if (!e)
			break;
		p = e + 1;
	}
	return waited >= wait ? TR_FIT_ANY : TR_FIT_NO;
}

double tr_policy_spec_after(const struct tr_median *m)
{
	double med;

	if (tr_median_count(m) == 0)
		return -1;
	med = tr_median_get(m);
	return 2 * med > TR_SPEC_MIN ? 2 * med : TR_SPEC_MIN;
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
