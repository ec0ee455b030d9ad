/* Unit tests of lib/flow/split_ranges.c: --ranges parsed (each refusal's
 * message word for word), the ranges put in the order of their lower
 * bounds, and the piece a key value goes to (a range holds a <= v < b; a
 * value in no range, or NaN, goes to the overflow piece nranges).
 * test_split.c parses a few lists on its way to a split; the lookup
 * (sk_split_range_order, sk_split_range_of) no unit test called.  Every
 * expected value is worked out by hand beside its check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "split.h"
#include "split_int.h"

static struct sk_split_opts o;
static struct sk_error err;

/* Parses arg into the file's o (freeing the last ranges first). */
static int parse(const char *arg)
{
	free(o.ranges);
	memset(&o, 0, sizeof o);
	memset(&err, 0, sizeof err);
	return sk_split_ranges_parse(arg, &o, &err);
}

/* arg is refused with SK_EARG and exactly msg, and leaves no ranges. */
static void refused(const char *arg, const char *msg)
{
	const int rc = parse(arg);

	CHECKF(rc == SK_EARG && o.ranges == NULL && o.nranges == 0, "%s: rc %d", arg, rc);
	CHECKF(strcmp(err.msg, msg) == 0 && err.file[0] == '\0', "%s: '%s'", arg, err.msg);
}

static int range_is(int i, int has_lo, double lo, int has_hi, double hi, const char *text)
{
	const struct sk_range *r = &o.ranges[i];

	return r->has_lo == has_lo && (!has_lo || r->lo == lo) && r->has_hi == has_hi && (!has_hi || r->hi == hi) &&
	       strcmp(r->text, text) == 0;
}

static void test_parse(void)
{
	/* The bounds as numbers strtod reads: signs, decimals, exponents,
	 * hex; the text kept as given. */
	CHECK(parse("offset=-12.5:3e2,300:0x200,512:") == 0 && o.nranges == 3);
	CHECK(o.keys.n == 1 && strcmp(o.keys.key[0].name, "offset") == 0);
	CHECK(range_is(0, 1, -12.5, 1, 300, "-12.5:3e2"));
	CHECK(range_is(1, 1, 300, 1, 512, "300:0x200"));
	CHECK(range_is(2, 1, 512, 0, 0, "512:"));
	/* One unbounded side each; ranges that touch do not overlap. */
	CHECK(parse("cdp=:5,5:") == 0 && o.nranges == 2 && range_is(0, 0, 0, 1, 5, ":5") &&
	      range_is(1, 1, 5, 0, 0, "5:"));
	/* ":" is every value: one range, allowed alone. */
	CHECK(parse("cdp=:") == 0 && o.nranges == 1 && range_is(0, 0, 0, 0, 0, ":"));
	/* A bound of 63 characters fits the 64-byte buffer. */
	{
		char arg[160];
		snprintf(arg, sizeof arg, "cdp=%063d:", 7);
		CHECK(parse(arg) == 0 && o.nranges == 1 && o.ranges[0].lo == 7);
		/* 64 do not: refused, not cut. */
		snprintf(arg, sizeof arg, "cdp=%064d:", 7);
		{
			char msg[400];
			snprintf(msg, sizeof msg, "invalid range '%064d:' in 'cdp=%064d:' (expected a:b, a: or :b)", 7,
				 7);
			refused(arg, msg);
		}
	}

	/* The key part. */
	refused("offset", "invalid ranges 'offset' (expected KEY=a:b,b:c,...)");
	refused("=1:2", "invalid ranges '=1:2' (expected KEY=a:b,b:c,...)");
	refused("offset=", "invalid ranges 'offset=' (expected KEY=a:b,b:c,...)");
	refused("cdp,offset=1:2", "invalid ranges 'cdp,offset=1:2' (one key only)");
	refused("bogus=1:2", "unknown header key 'bogus'");
	{
		/* A key name of 64 characters does not fit (63 would be
		 * parsed as a key). */
		char arg[100], msg[200];
		memset(arg, 'k', 64);
		snprintf(arg + 64, sizeof arg - 64, "=1:2");
		snprintf(msg, sizeof msg, "invalid ranges '%s' (expected KEY=a:b,b:c,...)", arg);
		refused(arg, msg);
	}

	/* The numbers. */
	refused("offset=1-2", "invalid range '1-2' in 'offset=1-2' (expected a:b, a: or :b)");
	refused("offset=a:2", "invalid range 'a:2' in 'offset=a:2' (expected a:b, a: or :b)");
	refused("offset=1:2x", "invalid range '1:2x' in 'offset=1:2x' (expected a:b, a: or :b)");
	refused("offset=1:2:3", "invalid range '1:2:3' in 'offset=1:2:3' (expected a:b, a: or :b)");
	refused("offset=nan:1", "invalid range 'nan:1' in 'offset=nan:1' (expected a:b, a: or :b)");
	refused("offset=:inf", "invalid range ':inf' in 'offset=:inf' (expected a:b, a: or :b)");
	refused("offset=1e999:", "invalid range '1e999:' in 'offset=1e999:' (expected a:b, a: or :b)");
	/* An empty item: a trailing comma, or two in a row. */
	refused("offset=1:2,", "invalid range '' in 'offset=1:2,' (expected a:b, a: or :b)");
	refused("offset=1:2,,3:4", "invalid range '' in 'offset=1:2,,3:4' (expected a:b, a: or :b)");

	/* Empty and reversed ranges. */
	refused("offset=5:5", "empty range '5:5' in 'offset=5:5' (a:b needs a < b)");
	refused("offset=0:1,9:-9", "empty range '9:-9' in 'offset=0:1,9:-9' (a:b needs a < b)");

	/* Overlaps, named in the order given, wherever they are. */
	refused("offset=0:100,50:150", "ranges '0:100' and '50:150' overlap");
	refused("offset=50:150,0:100", "ranges '50:150' and '0:100' overlap");
	refused("offset=0:10,20:30,:5", "ranges '0:10' and ':5' overlap");
	refused("offset=:5,:1", "ranges ':5' and ':1' overlap");
	refused("offset=100:,7:8,200:300", "ranges '100:' and '200:300' overlap");
	refused("offset=1:2,:", "ranges '1:2' and ':' overlap");
	/* A range inside another. */
	refused("offset=0:100,40:60", "ranges '0:100' and '40:60' overlap");

	/* At most SK_SPLIT_MAXRANGES (4096) ranges: k:k+1 for k = 0..N-1. */
	{
		const size_t cap = 4097 * 12 + 16;
		char *arg = malloc(cap);
		size_t len = (size_t)snprintf(arg, cap, "cdp=");
		for (int k = 0; k < 4096; k++)
			len += (size_t)snprintf(arg + len, cap - len, "%s%d:%d", k ? "," : "", k, k + 1);
		CHECK(parse(arg) == 0 && o.nranges == 4096 && range_is(4095, 1, 4095, 1, 4096, "4095:4096"));
		snprintf(arg + len, cap - len, ",4096:4097");
		refused(arg, "too many ranges (at most 4096)");
		free(arg);
	}
}

static void test_lookup(void)
{
	size_t *ord;

	/* Given out of order: index 0 100:200, 1 :0, 2 300:, 3 0:50.  By
	 * lower bound (none first): 1 (:0), 3 (0:50), 0 (100:200), 2 (300:).
	 * The overflow piece is 4. */
	CHECK(parse("offset=100:200,:0,300:,0:50") == 0 && o.nranges == 4);
	ord = sk_split_range_order(&o);
	CHECK(ord && ord[0] == 1 && ord[1] == 3 && ord[2] == 0 && ord[3] == 2);
	if (ord) {
		static const struct {
			double v;
			size_t piece;
		} want[] = {
			{-1e300, 1}, {-5, 1}, {-1e-9, 1},
			{0, 3},            /* 0 is not < 0 (:0) but >= 0 (0:50) */
			{49.999, 3}, {50, 4}, {99.5, 4}, /* the gap 50..100 */
			{100, 0}, {199.999, 0}, {200, 4}, {299, 4},
			{300, 2}, {1e300, 2},
		};
		for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
			CHECKF(sk_split_range_of(&o, ord, want[k].v) == want[k].piece, "v %g: %zu", want[k].v,
			       sk_split_range_of(&o, ord, want[k].v));
		/* -0 compares equal to 0: piece 3, not :0. */
		CHECK(sk_split_range_of(&o, ord, -0.0) == 3);
		/* NaN is in no range. */
		CHECK(sk_split_range_of(&o, ord, NAN) == 4);
		CHECK(sk_split_range_of(&o, ord, INFINITY) == 2 && sk_split_range_of(&o, ord, -INFINITY) == 1);
	}
	free(ord);

	/* Bounded both ways with gaps everywhere: 30:40 (0), 10:20 (1),
	 * 50:60 (2); order 1, 0, 2; below, between and above: overflow 3. */
	CHECK(parse("cdp=30:40,10:20,50:60") == 0);
	ord = sk_split_range_order(&o);
	CHECK(ord && ord[0] == 1 && ord[1] == 0 && ord[2] == 2);
	if (ord) {
		CHECK(sk_split_range_of(&o, ord, 9.99) == 3 && sk_split_range_of(&o, ord, 10) == 1 &&
		      sk_split_range_of(&o, ord, 20) == 3 && sk_split_range_of(&o, ord, 35) == 0 &&
		      sk_split_range_of(&o, ord, 45) == 3 && sk_split_range_of(&o, ord, 59.5) == 2 &&
		      sk_split_range_of(&o, ord, 60) == 3);
	}
	free(ord);

	/* Every value: the one range ":" takes even +-inf, not NaN. */
	CHECK(parse("cdp=:") == 0);
	ord = sk_split_range_order(&o);
	CHECK(ord && ord[0] == 0);
	if (ord)
		CHECK(sk_split_range_of(&o, ord, -INFINITY) == 0 && sk_split_range_of(&o, ord, 0) == 0 &&
		      sk_split_range_of(&o, ord, NAN) == 1);
	free(ord);

	/* 4096 ranges k:k+1 given backwards (k = 4095 down to 0): range
	 * index i is 4095-i:4096-i, so the order is 4095, 4094, ..., 0, and
	 * value v in [0, 4096) goes to index 4095 - floor(v). */
	{
		const size_t cap = 4097 * 12 + 16;
		char *arg = malloc(cap);
		size_t len = (size_t)snprintf(arg, cap, "cdp=");
		int bad = 0;
		for (int k = 4095; k >= 0; k--)
			len += (size_t)snprintf(arg + len, cap - len, "%s%d:%d", k < 4095 ? "," : "", k, k + 1);
		CHECK(parse(arg) == 0 && o.nranges == 4096);
		ord = sk_split_range_order(&o);
		CHECK(ord != NULL);
		for (size_t k = 0; ord && k < 4096; k++)
			bad += ord[k] != 4095 - k;
		for (int v = 0; ord && v < 4096; v++)
			bad += sk_split_range_of(&o, ord, v + 0.5) != (size_t)(4095 - v) ||
			       sk_split_range_of(&o, ord, v) != (size_t)(4095 - v);
		CHECKF(bad == 0, "%d wrong", bad);
		CHECK(ord && sk_split_range_of(&o, ord, -0.5) == 4096 && sk_split_range_of(&o, ord, 4096) == 4096);
		free(ord);
		free(arg);
	}
}

int main(void)
{
	test_parse();
	test_lookup();
	free(o.ranges);
	return test_done();
}
