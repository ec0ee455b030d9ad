/*
 * edit_store: how segedit stores a value in a header key (edit.h,
 * sk_edit_store): the key's type and range, and the scalar of its group
 * that writes the value exactly.
 */
#include "edit.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

static const double type_lo[] = {-128, -32768, -2147483648.0, -0x1p63, 0, 0, 0, 0};
static const double type_hi[] = {127, 32767, 2147483647.0, 0x1p63 - 1024, 255, 65535, 4294967295.0, 0x1p64 - 2048};

static int is_float_type(int t)
{
	return t == SK_T_F4 || t == SK_T_F8 || t == SK_T_IBM;
}

/* 1 when raw (a value in the key's own units) can be stored in its type. */
static int fits(const struct sk_key *k, double raw)
{
	if (!isfinite(raw))
		return 0;
	if (k->type == SK_T_F8)
		return 1;
	if (is_float_type(k->type))
		return fabs(raw) <= FLT_MAX;
	return raw >= type_lo[k->type] && raw <= type_hi[k->type];
}

static int near_integer(double v)
{
	return fabs(v - nearbyint(v)) <= 1e-9 * (fabs(v) > 1 ? fabs(v) : 1);
}

/* v in a scalar's raw units: s < 0 divides on reading, so multiply. */
static double to_raw(double v, int16_t s)
{
	return s < 0 ? v * -(double)s : s > 0 ? v / s : v;
}

static int not_fit(const struct sk_key *k, double v, const char *why, struct sk_error *err)
{
	return sk_error_set(err, SK_EFMT, "%s = %.15g %s (%s is %s)", k->name, v, why, k->name,
			    sk_type_name(k->type));
}

int sk_edit_store(unsigned char *hdr, size_t hdrlen, const struct sk_key *k, double v, int su,
		  struct sk_error *err)
{
	static const int16_t cands[] = {1, -10, -100, -1000, -10000, 10, 100, 1000, 10000};
	/* The same, finest first, for values no scalar writes exactly. */
	static const int16_t finest[] = {-10000, -1000, -100, -10, 1, 10, 100, 1000, 10000};
	const struct sk_key *grp[32];
	double val[32];
	size_t nt, ng = 0;
	const struct sk_key *tab;
	int16_t cur, use;
	int found = 0;

	if (!isfinite(v))
		return not_fit(k, v, "is not a finite number", err);
	if (!k->scalar) {
		if (!is_float_type(k->type) && !near_integer(v))
			return not_fit(k, v, "is not an integer", err);
		if (!fits(k, is_float_type(k->type) ? v : nearbyint(v)))
			return not_fit(k, v, "is out of range", err);
		sk_key_set(hdr, k, v);
		return 0;
	}
	/* The keys that share k's scalar; in SU streams only bytes 1-180,
	 * since SU keeps its own floats after them. */
	tab = sk_hdr_table(&nt);
	for (size_t j = 0; j < nt && ng < 32; j++) {
		const struct sk_key *g = &tab[j];
		if (g->scalar != k->scalar || g->byte - 1u + (size_t)sk_type_size(g->type) > hdrlen ||
		    (su && g->byte > 180 && g->byte != k->byte))
			continue;
		grp[ng] = g;
		val[ng] = g->byte == k->byte ? v : sk_key_value(hdr, g);
		ng++;
	}
	cur = sk_hdr_i16(hdr, k->scalar);
	for (size_t c = 0; c <= sizeof cands / sizeof cands[0] && !found; c++) {
		const int16_t s = c == 0 ? cur : cands[c - 1];
		size_t j;
		if (c > 0 && (s == cur || (su && k->scalar > 180)))
			continue;
		for (j = 0; j < ng; j++) {
			const double raw = to_raw(val[j], s);
			if (!fits(grp[j], nearbyint(raw)) || fabs(raw - nearbyint(raw)) > 1e-6)
				break;
		}
		if (j == ng) {
			use = s;
			found = 1;
		}
	}
	for (size_t c = 0; c < sizeof finest / sizeof finest[0] && !found; c++) {
		const int16_t s = su && k->scalar > 180 ? cur : finest[c];
		size_t j;
		for (j = 0; j < ng; j++)
			if (!fits(grp[j], round(to_raw(val[j], s))))
				break;
		if (j == ng) {
			use = s;
			found = 1;
		}
	}
	if (!found)
		return not_fit(k, v, "is out of range with any scalar", err);
	/* No scalar writes the group exactly.  Rounding the assigned value
	 * more coarsely than it needs on its own, because another key of the
	 * group (a leftover cdpx, say) forces a coarse scalar, would change it
	 * silently: refuse that, naming the key. */
	if (!(su && k->scalar > 180)) {
		for (size_t c = 0; c < sizeof finest / sizeof finest[0]; c++) {
			const double alone = round(to_raw(v, finest[c]));
			if (!fits(k, alone))
				continue;
			if (finest[c] != use && fabs(round(to_raw(v, use)) / to_raw(1, use) - v) >
						    fabs(alone / to_raw(1, finest[c]) - v) * (1 + 1e-9) + 1e-12) {
				size_t j = 0;
				while (j < ng && fits(grp[j], round(to_raw(val[j], finest[c]))))
					j++;
				return sk_error_set(err, SK_EFMT,
						    "%s = %.15g would be written as %.15g: the scalar at byte %d is shared "
						    "with %s = %.15g, which needs %d; set %s first",
						    k->name, v, round(to_raw(v, use)) / to_raw(1, use), k->scalar,
						    j < ng ? grp[j]->name : "?", j < ng ? val[j] : 0.0, use,
						    j < ng ? grp[j]->name : "it");
			}
			break;
		}
	}
	if (use != cur)
		sk_hdr_set_i16(hdr, k->scalar, use);
	for (size_t j = 0; j < ng; j++)
		if (use != cur || grp[j]->byte == k->byte)
			sk_key_set(hdr, grp[j], round(to_raw(val[j], use)));
	return 0;
}
