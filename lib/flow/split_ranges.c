/* --ranges: parsed, ordered by lower bound, and the piece of a value (split.h). */
#include "split.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "split_int.h"

/* ---- ranges ---- */

/* One side of a:b; -1 when it is not a number. */
static int parse_bound(const char *s, size_t len, double *v, int *has)
{
	char buf[64], *end;

	if (len == 0) {
		*has = 0;
		return 0;
	}
	if (len >= sizeof buf)
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtod(buf, &end);
	if (end == buf || *end != '\0' || errno == ERANGE || !isfinite(*v))
		goto bad;
	*has = 1;
	return 0;
bad:
	return -1;
}

static int range_lo_cmp(const struct sk_range *a, const struct sk_range *b)
{
	if (!a->has_lo || !b->has_lo)
		return a->has_lo - b->has_lo;
	return (a->lo > b->lo) - (a->lo < b->lo);
}

int sk_split_ranges_parse(const char *arg, struct sk_split_opts *o, struct sk_error *err)
{
	const char *eq = strchr(arg, '=');
	char keyname[64];
	struct sk_range *rg = NULL;
	int n = 0, rc;
	const char *p;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof keyname || !eq[1])
		return sk_error_set(err, SK_EARG, "invalid ranges '%s' (expected KEY=a:b,b:c,...)", arg);
	memcpy(keyname, arg, (size_t)(eq - arg));
	keyname[eq - arg] = '\0';
	if ((rc = sk_keyset_parse(keyname, 0, &o->keys, err)) < 0)
		return rc;
	if (o->keys.n != 1)
		return sk_error_set(err, SK_EARG, "invalid ranges '%s' (one key only)", arg);
	for (p = eq + 1;;) {
		const char *comma = strchr(p, ',');
		const size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		struct sk_range *r;

		if (n == SK_SPLIT_MAXRANGES) {
			free(rg);
			return sk_error_set(err, SK_EARG, "too many ranges (at most %d)", SK_SPLIT_MAXRANGES);
		}
		if (!(r = realloc(rg, (size_t)(n + 1) * sizeof *rg))) {
			free(rg);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		rg = r;
		r = &rg[n];
		memset(r, 0, sizeof *r);
		snprintf(r->text, sizeof r->text, "%.*s", (int)len, p);
		if (!colon || parse_bound(p, (size_t)(colon - p), &r->lo, &r->has_lo) < 0 ||
		    parse_bound(colon + 1, len - (size_t)(colon - p) - 1, &r->hi, &r->has_hi) < 0) {
			rc = sk_error_set(err, SK_EARG, "invalid range '%.*s' in '%s' (expected a:b, a: or :b)",
					  (int)len, p, arg);
			free(rg);
			return rc;
		}
		if (r->has_lo && r->has_hi && r->lo >= r->hi) {
			rc = sk_error_set(err, SK_EARG, "empty range '%s' in '%s' (a:b needs a < b)", r->text, arg);
			free(rg);
			return rc;
		}
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	/* Overlaps: compare every pair (ranges are few; this keeps the check
	 * independent of the lookup's sorted copy). */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			const struct sk_range *a = &rg[i], *b = &rg[j];
			const struct sk_range *lo = range_lo_cmp(a, b) <= 0 ? a : b, *hi = lo == a ? b : a;
			if (!lo->has_hi || !hi->has_lo || lo->hi > hi->lo) {
				rc = sk_error_set(err, SK_EARG, "ranges '%s' and '%s' overlap", a->text, b->text);
				free(rg);
				return rc;
			}
		}
	o->ranges = rg;
	o->nranges = n;
	return 0;
}

/* The ranges' indices in the order of their lower bounds, for range_of
 * (malloc'd; NULL when out of memory). */
size_t *sk_split_range_order(const struct sk_split_opts *o)
{
	size_t *r = malloc(((size_t)o->nranges + 1) * sizeof *r);

	for (size_t k = 0; r && k < (size_t)o->nranges; k++) {
		size_t j = k;
		while (j > 0 && range_lo_cmp(&o->ranges[r[j - 1]], &o->ranges[k]) > 0) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = k;
	}
	return r;
}

/* The piece (0-based) a value belongs to: the range that holds it, or the
 * overflow piece nranges. */
size_t sk_split_range_of(const struct sk_split_opts *o, const size_t *rorder, double v)
{
	size_t lo = 0, hi = (size_t)o->nranges;

	if (isnan(v))
		return (size_t)o->nranges;
	/* Last range (in lo order) whose lower bound is <= v. */
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const struct sk_range *r = &o->ranges[rorder[mid]];
		if (!r->has_lo || r->lo <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		const struct sk_range *r = &o->ranges[rorder[lo - 1]];
		if (!r->has_hi || v < r->hi)
			return rorder[lo - 1];
	}
	return (size_t)o->nranges;
}
