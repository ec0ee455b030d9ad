/* Unit tests of lib/flow/psum: partial sums on hosts, added by the
 * controller, against the local sum (merge.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "merge.h"
#include "mkstream.h"
#include "psum.h"

static void big(long t, struct mk_trace *tr) { (void)t; tr->scale = 1e20; }
static void tiny(long t, struct mk_trace *tr) { (void)t; tr->scale = -1e-20; }
static void neg(long t, struct mk_trace *tr) { (void)t; tr->scale = -1e20; }
static void third(long t, struct mk_trace *tr) { (void)t; tr->scale = 1.0 / 3; }
static void moved(long t, struct mk_trace *tr) { if (t == 4) tr->cdp = 99; }

/* An end-to-end check that finds the bytes changed. */
static int refuse(void *arg, struct sk_error *err)
{
	(void)arg;
	return sk_error_at(err, sk_error_set(err, SK_ESTATE, "changed on the way"), "h:part0");
}

/* Sums the pieces named in[0..n-1] (files pK.su) grouped by group[] (a
 * partial per group value, hosts "h0", "h1", ...) into out. */
static int dsum(const int *in, size_t n, const size_t *group, size_t ngroups, const char *out,
		struct sk_error *err, const char **names)
{
	const struct sk_wopts wo = SK_WOPTS_INIT;
	const char *partials[8];
	int64_t traces;
	int rc;

	for (size_t g = 0; g < ngroups; g++) {
		struct sk_psum_piece pc[8];
		size_t np = 0;
		char host[24], pname[32];
		FILE *fp;
		snprintf(host, sizeof host, "h%zu", g);
		snprintf(pname, sizeof pname, "part%zu", g);
		partials[g] = mk_path(pname);
		for (size_t i = 0; i < n; i++) {
			char file[32];
			if (group[i] != g)
				continue;
			snprintf(file, sizeof file, "p%d.su", in[i]);
			pc[np].idx = i;
			pc[np].bytes = -1;
			pc[np].has_xxh64 = 0;
			pc[np].path = strdup(file);
			np++;
		}
		fp = fopen(partials[g], "wb");
		rc = sk_psum_host(host, host, pc, np, mk_dir, SK_FMT_AUTO, 1, 0, fp, err);
		fclose(fp);
		for (size_t k = 0; k < np; k++)
			free(pc[k].path);
		if (rc < 0)
			return rc;
	}
	return sk_psum_combine(partials, ngroups, group, names, n, &wo, out, &traces, err);
}

/* As dsum, then the partials merged in pairs, round by round, as hosts do
 * in a tree (the last merge final: rounded), and the one partial left
 * combined. */
static int tsum(const int *in, size_t n, const size_t *group, size_t ngroups, const char *out,
		struct sk_error *err, const char **names)
{
	const struct sk_wopts wo = SK_WOPTS_INIT;
	char cur[8][160], outp[160];
	size_t ncur = ngroups, round = 0;
	int64_t traces;
	int rc;

	snprintf(outp, sizeof outp, "%s", out);
	out = outp;

	if ((rc = dsum(in, n, group, ngroups, mk_path("unused.su"), err, names)) < 0 && rc != SK_ESTATE &&
	    rc != SK_EIO)
		return rc;
	for (size_t g = 0; g < ngroups; g++) {
		char pname[32];
		snprintf(pname, sizeof pname, "part%zu", g);
		snprintf(cur[g], sizeof cur[g], "%s", mk_path(pname));
	}
	while (ncur > 1) {
		size_t next = 0;
		round++;
		for (size_t k = 0; k < ncur; k += 2) {
			char name[48], host[16];
			FILE *in2[2], *fo;
			const char *labels[2];
			if (k + 1 == ncur) {
				memmove(cur[next++], cur[k], sizeof cur[k]);
				continue;
			}
			snprintf(name, sizeof name, "m%zu.%zu", round, k);
			snprintf(host, sizeof host, "h%u", (unsigned)k % 100);
			in2[0] = fopen(cur[k], "rb");
			in2[1] = fopen(cur[k + 1], "rb");
			fo = fopen(mk_path(name), "wb");
			labels[0] = cur[k];
			labels[1] = cur[k + 1];
			rc = sk_psum_merge(in2, labels, 2, n, host, ncur == 2, fo, err);
			fclose(in2[0]);
			fclose(in2[1]);
			fclose(fo);
			if (rc < 0)
				return rc;
			snprintf(cur[next++], sizeof cur[0], "%s", mk_path(name));
		}
		ncur = next;
	}
	{
		const char *one[1] = {cur[0]};
		size_t *part = calloc(n, sizeof *part);
		rc = part ? sk_psum_combine(one, 1, part, names, n, &wo, out, &traces, err) : SK_ENOMEM;
		free(part);
	}
	return rc;
}

static int lsum(const int *in, size_t n, const char *out, struct sk_error *err)
{
	struct sk_merge_opts o;
	struct sk_merge_result res;
	const char *paths[8];
	char buf[8][32];

	sk_merge_opts_init(&o);
	o.mode = SK_MERGE_SUM;
	o.out = out;
	for (size_t i = 0; i < n; i++) {
		snprintf(buf[i], sizeof buf[i], "p%d.su", in[i]);
		paths[i] = strdup(mk_path(buf[i]));
	}
	const int rc = sk_merge_run(paths, n, &o, &res, err);
	for (size_t i = 0; i < n; i++)
		free((char *)(uintptr_t)paths[i]);
	return rc;
}

int main(void)
{
	struct sk_error err;
	const char *names[6] = {"a:p", "b:q", "c:r", "d:s", "e:t", "f:u"};

	strcpy(mk_dir, "/tmp/test_psum.XXXXXX");
	if (!mkdtemp(mk_dir))
		return 1;
	/* Pieces: plain, 1e20, -1e-20, -1e20, a third, and a moved cdp. */
	CHECK(mk_stream(mk_path("p0.su"), SK_FMT_SU, 12, 16, NULL) == 0);
	CHECK(mk_stream(mk_path("p1.su"), SK_FMT_SU, 12, 16, big) == 0);
	CHECK(mk_stream(mk_path("p2.su"), SK_FMT_SU, 12, 16, tiny) == 0);
	CHECK(mk_stream(mk_path("p3.su"), SK_FMT_SU, 12, 16, neg) == 0);
	CHECK(mk_stream(mk_path("p4.su"), SK_FMT_SU, 12, 16, third) == 0);
	CHECK(mk_stream(mk_path("p5.su"), SK_FMT_SU, 12, 16, moved) == 0);
	CHECK(mk_stream(mk_path("p6.su"), SK_FMT_SU, 11, 16, NULL) == 0);

	/* Every grouping gives the local sum's bytes, cancellation and
	 * sums a double does not hold included. */
	{
		const int in[5] = {0, 1, 2, 3, 4};
		const size_t g1[5] = {0, 1, 0, 1, 0}, g2[5] = {0, 1, 1, 1, 1}, g3[5] = {0, 1, 2, 3, 4},
			     g4[5] = {0, 0, 0, 0, 0};
		CHECK(lsum(in, 5, mk_path("local.su"), &err) == 0);
		CHECK(dsum(in, 5, g1, 2, mk_path("d1.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local.su"), mk_path("d1.su")));
		CHECK(dsum(in, 5, g2, 2, mk_path("d2.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local.su"), mk_path("d2.su")));
		CHECK(dsum(in, 5, g3, 5, mk_path("d3.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local.su"), mk_path("d3.su")));
		CHECK(dsum(in, 5, g4, 1, mk_path("d4.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local.su"), mk_path("d4.su")));
		/* 1e20 x v + w on one host, -1e20 x v on another: the sum is w
		 * only if the first partial keeps every bit (extra terms). */
		const int in2[3] = {0, 1, 3};
		const size_t h2[3] = {0, 0, 1};
		CHECK(lsum(in2, 3, mk_path("local2.su"), &err) == 0);
		CHECK(dsum(in2, 3, h2, 2, mk_path("d5.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local2.su"), mk_path("d5.su")));
		CHECK(mk_same_file(mk_path("local2.su"), mk_path("p0.su")));
		/* The 1e20 and -1e20 pieces on one host: extra terms there. */
		size_t n;
		unsigned char *b = mk_slurp(mk_path("part1"), &n);
		CHECK(b && n > 12 * (1 + 240 + 8 * 16 + 4));
		free(b);
	}
	/* Partials merged in a tree (pairs, round by round, the last one
	 * rounded): the local sum's bytes, whatever the grouping. */
	{
		const int in[5] = {0, 1, 2, 3, 4};
		const size_t g1[5] = {0, 1, 0, 1, 0}, g3[5] = {0, 1, 2, 3, 4}, g5[5] = {0, 0, 1, 2, 2};
		CHECK(tsum(in, 5, g1, 2, mk_path("t1.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local.su"), mk_path("t1.su")));
		CHECK(tsum(in, 5, g3, 5, mk_path("t3.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local.su"), mk_path("t3.su")));
		CHECK(tsum(in, 5, g5, 3, mk_path("t5.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local.su"), mk_path("t5.su")));
		/* 1e20 on one host, -1e20 on another: the merge keeps the
		 * extra terms until the last, rounded, step. */
		const int in2[3] = {0, 1, 3};
		const size_t h2[3] = {0, 1, 2};
		CHECK(tsum(in2, 3, h2, 3, mk_path("t6.su"), &err, names) == 0);
		CHECK(mk_same_file(mk_path("local2.su"), mk_path("t6.su")));
		/* The final partial: 1 + 240 + 4 x 16 bytes a trace (the
		 * image), not 1 + 240 + 8 x 16 + 4. */
		size_t n1, n2;
		unsigned char *b1 = mk_slurp(mk_path("m1.0"), &n1), *b2 = mk_slurp(mk_path("m2.0"), &n2);
		CHECK(b1 && b2 && n2 < n1);
		CHECK(b2 && memchr(b2, 'F', n2) != NULL);
		free(b1);
		free(b2);
		/* A rounded partial is never added to another. */
		FILE *two[2] = {fopen(mk_path("m2.0"), "rb"), fopen(mk_path("m2.0"), "rb")};
		const char *lab[2] = {"x", "y"};
		FILE *fo = fopen(mk_path("bad"), "wb");
		CHECK(sk_psum_merge(two, lab, 2, 3, "h", 0, fo, &err) == SK_EFMT);
		CHECK(strcmp(err.msg, "a damaged partial sum") == 0 && strcmp(err.file, "x") == 0);
		fclose(two[0]);
		fclose(two[1]);
		fclose(fo);
	}
	/* A key mismatch, found on a host (piece 3 after piece 1 there) or
	 * here (piece 3 first on its host): the local sum's message, with the
	 * names given. */
	{
		const int in[4] = {0, 1, 4, 5};
		const size_t g1[4] = {0, 1, 0, 1}, g2[4] = {0, 0, 1, 2};
		struct sk_error le;
		char want[600];
		CHECK(lsum(in, 4, mk_path("x.su"), &le) == SK_ESTATE);
		CHECK(strcmp(le.file, mk_path("p5.su")) == 0);
		snprintf(want, sizeof want, "trace 5: cdp 99 differs from %s (cdp 2): not the same traces", mk_path("p0.su"));
		CHECK(strcmp(le.msg, want) == 0);
		CHECK(dsum(in, 4, g1, 2, mk_path("x1.su"), &err, names) == SK_ESTATE);
		CHECK(strcmp(err.file, "d:s") == 0);
		CHECKF(strcmp(err.msg, "trace 5: cdp 99 differs from a:p (cdp 2): not the same traces") == 0, "%s", err.msg);
		CHECK(dsum(in, 4, g2, 3, mk_path("x2.su"), &err, names) == SK_ESTATE);
		CHECK(strcmp(err.file, "d:s") == 0);
		CHECK(strcmp(err.msg, "trace 5: cdp 99 differs from a:p (cdp 2): not the same traces") == 0);
		CHECK(access(mk_path("x1.su"), F_OK) != 0 && access(mk_path("x2.su"), F_OK) != 0);
		/* In a tree: the same piece, the same message. */
		const size_t g3[4] = {0, 1, 2, 3}, g4[4] = {0, 1, 1, 0};
		CHECK(tsum(in, 4, g1, 2, mk_path("x3.su"), &err, names) == SK_ESTATE);
		CHECK(strcmp(err.file, "d:s") == 0);
		CHECK(strcmp(err.msg, "trace 5: cdp 99 differs from a:p (cdp 2): not the same traces") == 0);
		CHECK(tsum(in, 4, g3, 4, mk_path("x4.su"), &err, names) == SK_ESTATE);
		CHECK(strcmp(err.file, "d:s") == 0);
		CHECK(strcmp(err.msg, "trace 5: cdp 99 differs from a:p (cdp 2): not the same traces") == 0);
		CHECK(tsum(in, 4, g4, 2, mk_path("x5.su"), &err, names) == SK_ESTATE);
		CHECK(strcmp(err.file, "d:s") == 0);
		CHECK(strcmp(err.msg, "trace 5: cdp 99 differs from a:p (cdp 2): not the same traces") == 0);
		CHECK(access(mk_path("x3.su"), F_OK) != 0 && access(mk_path("x5.su"), F_OK) != 0);
	}
	/* Counts: a shorter piece, as the local sum says it. */
	{
		const int in[3] = {0, 4, 6};
		const size_t g[3] = {0, 1, 1};
		struct sk_error le;
		CHECK(lsum(in, 3, mk_path("y.su"), &le) == SK_ESTATE);
		char want[300];
		snprintf(want, sizeof want, "11 traces, but %s has more", mk_path("p0.su"));
		CHECK(strcmp(le.msg, want) == 0 && strcmp(le.file, mk_path("p6.su")) == 0);
		CHECK(dsum(in, 3, g, 2, mk_path("y1.su"), &err, names) == SK_ESTATE);
		CHECK(strcmp(err.file, "c:r") == 0 && strcmp(err.msg, "11 traces, but a:p has more") == 0);
		const size_t g3[3] = {0, 1, 2};
		CHECK(tsum(in, 3, g3, 3, mk_path("y2.su"), &err, names) == SK_ESTATE);
		CHECK(strcmp(err.file, "c:r") == 0 && strcmp(err.msg, "11 traces, but a:p has more") == 0);
	}
	/* A missing piece; a size that differs from the manifest's. */
	{
		const int in[2] = {0, 9};
		const size_t g[2] = {0, 1};
		CHECK(dsum(in, 2, g, 2, mk_path("z.su"), &err, names) < 0);
		CHECK(strcmp(err.file, "b:q") == 0 && strcmp(err.msg, "No such file or directory") == 0);
		struct sk_psum_piece pc = {0, 5, 0, 0, (char *)(uintptr_t)mk_path("p0.su")};
		FILE *fp = fopen(mk_path("part0"), "wb");
		CHECK(sk_psum_host("h", "h", &pc, 1, NULL, SK_FMT_AUTO, 1, 0, fp, &err) == 0);
		fclose(fp);
		const size_t g0[1] = {0};
		const char *parts[1] = {mk_path("part0")};
		int64_t tr;
		const struct sk_wopts wo = SK_WOPTS_INIT;
		CHECK(sk_psum_combine(parts, 1, g0, names, 1, &wo, mk_path("z1.su"), &tr, &err) == SK_ESTATE);
		CHECK(strcmp(err.file, "a:p") == 0);
		CHECK(strncmp(err.msg, "28864 bytes, the manifest says 5 (longer than written)", 60) == 0 ||
		      strstr(err.msg, ", the manifest says 5 (longer than written)") != NULL);
	}
	/* The end-to-end check of the streams read: its error fails the sum
	 * before the output is committed. */
	{
		struct sk_psum_piece pc = {0, -1, 0, 0, (char *)(uintptr_t)mk_path("p0.su")};
		FILE *fp = fopen(mk_path("part0"), "wb");
		const size_t g0[1] = {0};
		const char *lab[1] = {"h:part0"};
		const struct sk_wopts wo = SK_WOPTS_INIT;
		int64_t tr;
		CHECK(sk_psum_host("h", "h", &pc, 1, NULL, SK_FMT_AUTO, 1, 0, fp, &err) == 0);
		fclose(fp);
		fp = fopen(mk_path("part0"), "rb");
		CHECK(sk_psum_combine_fp(&fp, lab, 1, g0, names, 1, &wo, refuse, NULL, mk_path("z2.su"), &tr, &err) ==
		      SK_ESTATE);
		CHECK(strcmp(err.msg, "changed on the way") == 0 && strcmp(err.file, "h:part0") == 0);
		CHECK(access(mk_path("z2.su"), F_OK) != 0);
		rewind(fp);
		CHECK(sk_psum_combine_fp(&fp, lab, 1, g0, names, 1, &wo, NULL, NULL, mk_path("z2.su"), &tr, &err) == 0);
		CHECK(tr == 12 && access(mk_path("z2.su"), F_OK) == 0);
		fclose(fp);
		unlink(mk_path("z2.su"));
	}
	/* A task that ran on another host: a skip, with the host it ran on. */
	{
		struct sk_psum_piece pc = {0, -1, 0, 0, (char *)(uintptr_t)"p0.su"};
		FILE *fp = fopen(mk_path("skip"), "wb");
		char host[32];
		int skip = 0;
		CHECK(sk_psum_host("node3", "node1", &pc, 1, mk_dir, SK_FMT_AUTO, 1, 0, fp, &err) == 0);
		fclose(fp);
		CHECK(sk_psum_peek(mk_path("skip"), host, sizeof host, &skip, &err) == 0);
		CHECK(skip == 1 && strcmp(host, "node1") == 0);
		CHECK(sk_psum_peek(mk_path("p0.su"), host, sizeof host, &skip, &err) == SK_EFMT);
	}
	/* Piece lists. */
	{
		struct sk_psum_piece *p;
		size_t n;
		static const char list[] = "0\t10\t00000000000000ff\ta b\n3\t-\t-\t/x\n";
		FILE *fp = fmemopen((char *)(uintptr_t)list, strlen(list), "r");
		if (sk_psum_pieces_read(fp, &p, &n, &err) != 0 || n != 2) {
			CHECK(0);
			return test_done();
		}
		CHECK(p[0].idx == 0 && p[0].bytes == 10 && p[0].has_xxh64 && p[0].xxh64 == 255 &&
		      strcmp(p[0].path, "a b") == 0);
		CHECK(p[1].idx == 3 && p[1].bytes == -1 && !p[1].has_xxh64 && strcmp(p[1].path, "/x") == 0);
		sk_psum_pieces_free(p, n);
		fclose(fp);
		fp = fmemopen((char *)(uintptr_t)"0\t10\tzz\tp\n", 9, "r");
		CHECK(sk_psum_pieces_read(fp, &p, &n, &err) == SK_EFMT);
		CHECK(strcmp(err.msg, "piece list line 1: expected IDX<TAB>BYTES<TAB>XXH64<TAB>PATH") == 0);
		fclose(fp);
	}
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "%s %s", getenv("KEEPDIR") ? "echo" : "rm -rf", mk_dir);
		CHECK(system(cmd) == 0);
	}
	return test_done();
}
