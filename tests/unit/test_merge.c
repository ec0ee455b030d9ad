#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "merge.h"
#include "mkstream.h"

static char dir[64];

static const char *path(int i)
{
	static char buf[8][128];
	snprintf(buf[i], sizeof buf[i], "%s/f%d.sgy", dir, i);
	return buf[i];
}

/* Inputs for the k-way merge: f1 has cdp 1,3,5,...; f2 cdp 1,2,3,...;
 * f3 cdp 2,2,2,...  xline marks the input (1, 2, 3) to check stability. */
static void in1(long t, struct mk_trace *tr) { tr->cdp = (int)(2 * t + 1); tr->xline = 1; tr->offset = 0; }
static void in2(long t, struct mk_trace *tr) { tr->cdp = (int)(t + 1); tr->xline = 2; tr->offset = 0; }
static void in3(long t, struct mk_trace *tr) { (void)t; tr->cdp = 2; tr->xline = 3; tr->offset = 0; }
static void half(long t, struct mk_trace *tr) { (void)t; tr->scale = 0.5; }
static void neg(long t, struct mk_trace *tr) { (void)t; tr->scale = -3; }
static void moved(long t, struct mk_trace *tr) { if (t == 4) tr->cdp = 99; }
static void unsorted(long t, struct mk_trace *tr) { tr->cdp = t == 3 ? 1 : (int)t + 1; tr->offset = 0; }

static int run(const int *ins, size_t n, int mode, const char *keys, struct sk_merge_result *res,
	       struct sk_error *err)
{
	struct sk_merge_opts o;
	const char *paths[8];

	sk_merge_opts_init(&o);
	o.mode = mode;
	o.out = path(0);
	if (keys)
		sk_keyset_parse(keys, 0, &o.keys, err);
	for (size_t i = 0; i < n; i++)
		paths[i] = path(ins[i]);
	return sk_merge_run(paths, n, &o, res, err);
}

/* Reads the output: cdp, xline and the first sample of each trace. */
static long output(int *cdp, int *xl, float *s0)
{
	struct sk_reader *r;
	struct sk_error err;
	unsigned char h[240];
	float d[8];
	long n = 0;

	if (sk_reader_open(path(0), SK_FMT_AUTO, &r, &err) < 0)
		return -1;
	while (sk_reader_next(r, h, d, &err) == 1) {
		cdp[n] = sk_hdr_i32(h, 21);
		xl[n] = sk_hdr_i32(h, 193);
		s0[n] = d[1];
		n++;
	}
	sk_reader_free(r);
	return n;
}

int main(void)
{
	struct sk_merge_result res;
	struct sk_error err;
	int cdp[64], xl[64];
	float s0[64];
	long n;

	CHECK(mk_tmpdir(dir, sizeof dir, "merge") != NULL);

	/* K-way merge: sorted, and ties in input order. */
	CHECK(mk_stream(path(1), SK_FMT_SEGY, 4, 4, in1) == 0);   /* 1 3 5 7 */
	CHECK(mk_stream(path(2), SK_FMT_SEGY, 5, 4, in2) == 0);   /* 1 2 3 4 5 */
	CHECK(mk_stream(path(3), SK_FMT_SEGY, 2, 4, in3) == 0);   /* 2 2 */
	{
		static const int ins[] = {1, 2, 3};
		static const int want_cdp[] = {1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 7};
		static const int want_xl[] = {1, 2, 2, 3, 3, 1, 2, 2, 1, 2, 1};
		int ok = 1;
		CHECK(run(ins, 3, SK_MERGE_KEY, "cdp", &res, &err) == 0 && res.traces == 11);
		n = output(cdp, xl, s0);
		CHECK(n == 11);
		for (long i = 0; i < n && i < 11; i++)
			if (cdp[i] != want_cdp[i] || xl[i] != want_xl[i])
				ok = 0;
		CHECK(ok);
		/* Descending keys need inputs sorted that way. */
		CHECK(run(ins, 3, SK_MERGE_KEY, "-cdp", &res, &err) == SK_EFMT && strcmp(err.file, path(ins[0])) == 0);
		CHECKF(strcmp(err.msg, "trace 2: not sorted by -cdp (cdp=3 after cdp=1)") == 0, "%s", err.msg);
	}
	CHECK(mk_stream(path(4), SK_FMT_SEGY, 5, 4, unsorted) == 0);  /* 1 2 3 1 5 */
	{
		static const int ins[] = {1, 4};
		CHECK(run(ins, 2, SK_MERGE_KEY, "cdp", &res, &err) == SK_EFMT && strcmp(err.file, path(ins[1])) == 0);
		CHECKF(strcmp(err.msg, "trace 4: not sorted by cdp (cdp=1 after cdp=3)") == 0, "%s", err.msg);
		CHECK(access(path(0), F_OK) == 0);  /* the earlier output stays: writes are atomic */
	}

	/* Sum: 1 + 0.5 - 3 times the base values, exactly. */
	CHECK(mk_stream(path(5), SK_FMT_SEGY, 6, 4, NULL) == 0);
	CHECK(mk_stream(path(6), SK_FMT_SEGY, 6, 4, half) == 0);
	CHECK(mk_stream(path(7), SK_FMT_SEGY, 6, 4, neg) == 0);
	{
		static const int ins[] = {5, 6, 7};
		int ok = 1;
		CHECK(run(ins, 3, SK_MERGE_SUM, NULL, &res, &err) == 0 && res.traces == 6);
		n = output(cdp, xl, s0);
		CHECK(n == 6);
		for (long i = 0; i < n; i++)
			if (s0[i] != (float)(-1.5 * ((double)(i + 1) * 1000 + 1)) || cdp[i] != (int)(i / 3 + 1))
				ok = 0;
		CHECK(ok);
	}
	CHECK(mk_stream(path(6), SK_FMT_SEGY, 6, 4, moved) == 0);
	{
		static const int ins[] = {5, 6};
		char want[300];
		CHECK(run(ins, 2, SK_MERGE_SUM, NULL, &res, &err) == SK_ESTATE && strcmp(err.file, path(ins[1])) == 0);
		snprintf(want, sizeof want, "trace 5: cdp 99 differs from %s (cdp 2): not the same traces", path(5));
		CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	}
	CHECK(mk_stream(path(6), SK_FMT_SEGY, 5, 4, NULL) == 0);
	{
		static const int ins[] = {5, 6};
		char want[300];
		CHECK(run(ins, 2, SK_MERGE_SUM, NULL, &res, &err) == SK_ESTATE && strcmp(err.file, path(ins[1])) == 0);
		snprintf(want, sizeof want, "5 traces, but %s has more", path(5));
		CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	}
	CHECK(mk_stream(path(6), SK_FMT_SEGY, 6, 5, NULL) == 0);
	{
		static const int ins[] = {5, 6};
		char want[300];
		CHECK(run(ins, 2, SK_MERGE_SUM, NULL, &res, &err) == SK_ESTATE && strcmp(err.file, path(ins[1])) == 0);
		snprintf(want, sizeof want, "ns=5 differs from %s's ns=4", path(5));
		CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	}

	/* Interleave gives back a round-robin split. */
	CHECK(mk_stream(path(4), SK_FMT_SEGY, 3, 4, in2) == 0);   /* 1 2 3 */
	{
		static const int ins[] = {4, 3};
		CHECK(run(ins, 2, SK_MERGE_INTERLEAVE, NULL, &res, &err) == 0 && res.traces == 5);
		n = output(cdp, xl, s0);
		CHECK(n == 5 && cdp[0] == 1 && cdp[1] == 2 && cdp[2] == 2 && cdp[3] == 2 && cdp[4] == 3);
		CHECK(xl[0] == 2 && xl[1] == 3 && xl[2] == 2);
	}
	{
		static const int ins[] = {3, 4};
		CHECK(run(ins, 2, SK_MERGE_INTERLEAVE, NULL, &res, &err) == SK_ESTATE && strcmp(err.file, path(ins[1])) == 0);
		CHECKF(strcmp(err.msg, "trace 3: more traces than a round-robin split gives") == 0, "%s", err.msg);
	}
	/* Concatenation, and standard input only once. */
	{
		static const int ins[] = {4, 3, 4};
		const char *twice[] = {"-", "-"};
		struct sk_merge_opts o;
		CHECK(run(ins, 3, SK_MERGE_CONCAT, NULL, &res, &err) == 0 && res.traces == 8);
		n = output(cdp, xl, s0);
		CHECK(n == 8 && cdp[3] == 2 && xl[3] == 3 && cdp[7] == 3);
		sk_merge_opts_init(&o);
		CHECK(sk_merge_run(twice, 2, &o, &res, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "standard input can be read only once") == 0);
	}
	for (int i = 0; i < 8; i++)
		unlink(path(i));
	rmdir(dir);
	return test_done();
}
