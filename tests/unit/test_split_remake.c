/* Unit tests of lib/flow/split_remake.c: a lost piece of a distributed split
 * made again from its lineage, byte for byte.  Unlike test_split.c (which
 * remakes what sk_split_run wrote), the pieces here are written by this
 * file: the traces a piece must hold are listed by hand (a run, every N-th,
 * the traces of a range, sorted again), written through the plain writer
 * with the options the lineage names, and the manifest is built around
 * their sizes and checksums.  So a remake that reads other traces, sorts
 * them otherwise or writes other sgk blocks fails here whatever the
 * splitter does.  The sgk block rule: a lineage's block: is used as it is;
 * a lineage without it (written before it was recorded) follows the old
 * rule, 64 KiB blocks with more than 16 pieces open or sorted compressed
 * pieces, else about 4 MiB (4194304 / 264-byte records = 15887 traces, 65536
 * / 264 = 248 here, ns 6 with 4-byte samples).  Also every refusal's message,
 * word for word, and a source that is a pipe (no seek: reading up to each
 * trace). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "manifest.h"
#include "mkstream.h"
#include "split.h"
#include "split_int.h"

#define NTR 25
#define OLD_BIG 15887   /* (4 << 20) / (240 + 6 * 4) */
#define OLD_SMALL 248   /* (64 << 10) / (240 + 6 * 4) */

static char src[160], out[160], rdir[160];
static struct sk_error err;

/* Odd traces carry offset 200, even ones 0; cdp = t / 3 + 1 (mkstream.h). */
static void alt(long t, struct mk_trace *tr)
{
	tr->offset = (int)(t % 2) * 200;
}

/* Writes traces idx[0..n) of the stream at from (0-based, in that order)
 * to path with the lineage's options and sgk block: what a piece holds. */
static int write_piece(const char *from, const char *path, int fmt, int zstd, long block, const int *idx, int n)
{
	struct sk_reader *r;
	struct sk_writer *w;
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_info like;
	unsigned char (*h)[240] = malloc(1000 * sizeof *h);
	float *d = malloc(1000 * 1000 * sizeof *d);
	int nt = 0, rc = -1;
	long ns = 0;

	if (!h || !d || sk_reader_open(from, SK_FMT_AUTO, &r, &err) < 0)
		goto out;
	ns = sk_reader_info(r)->ns;
	while (nt < 1000 && ns <= 1000 && sk_reader_next(r, h[nt], d + (size_t)nt * 1000, &err) == 1)
		nt++;
	like = *sk_reader_info(r);
	like.ntraces = -1;
	wo.fmt = fmt;
	wo.zstd = zstd;
	wo.block = block;
	if (sk_writer_open(path, &like, &wo, &w, &err) == 0) {
		rc = 0;
		for (int k = 0; k < n && rc == 0; k++)
			rc = idx[k] < nt ? sk_writer_put(w, h[idx[k]], d + (size_t)idx[k] * 1000, &err) : -1;
		if (rc < 0)
			sk_writer_abort(w);
		else
			rc = sk_writer_close(w, &err);
	}
	sk_reader_free(r);
out:
	if (rc < 0)
		printf("# write_piece %s: %s\n", path, err.msg);
	free(h);
	free(d);
	return rc;
}

/* A distributed manifest of a split of src in mode/n into pieces of fmt,
 * the lineage the options segsplit --hosts records (samples, byte order
 * like the source; zstd; block 0: not recorded). */
static void man_init(struct sk_manifest *m, int mode, long n, int fmt, const char *sort, int zstd, long block)
{
	sk_manifest_init(m);
	m->mode = mode;
	m->n = n;
	m->fmt = fmt;
	m->ns = 6;
	m->dt = 4000;
	m->hdrlen = 240;
	m->traces = NTR;
	sk_manifest_set_str(&m->dir, out, &err);
	sk_manifest_set_str(&m->sort, sort, &err);
	sk_manifest_set_str(&m->lineage, src, &err);
	m->lin_from = SK_FMT_SEGY;
	m->lin_sample = 0;
	m->lin_little = -1;
	m->lin_zstd = zstd;
	m->lin_block = block;
}

/* Adds piece `file` (its first source trace, its range) with the size and
 * xxh64 of the file of that name in out, written by write_piece. */
static void man_piece(struct sk_manifest *m, const char *file, int64_t first, int64_t traces, const char *range)
{
	struct sk_mpiece p;
	char path[256];

	memset(&p, 0, sizeof p);
	p.file = (char *)(uintptr_t)file;
	p.first = first;
	p.traces = traces;
	p.range = (char *)(uintptr_t)range;
	snprintf(path, sizeof path, "%s/%s", out, file);
	CHECKF(sk_file_xxh64(path, &p.xxh64, &p.bytes, &err) == 0, "%s: %s", path, err.msg);
	CHECK(sk_manifest_add(m, &p, &err) == 0);
}

/* Piece i remade into rdir: 0 and the bytes of the piece in out (removed
 * after), else the error code. */
static int remade_same(const struct sk_manifest *m, size_t i)
{
	char a[256], b[256];
	int rc, same;

	memset(&err, 0, sizeof err);
	if ((rc = sk_split_remake(m, i, rdir, &err)) < 0) {
		printf("# remake %zu: %s: %s\n", i + 1, err.file, err.msg);
		return rc;
	}
	snprintf(a, sizeof a, "%s/%s", out, m->pieces[i].file);
	snprintf(b, sizeof b, "%s/%s", rdir, m->pieces[i].file);
	same = mk_same_file(a, b);
	unlink(b);
	return same ? 0 : 1;
}

/* Traces per sgk block of a file (its header's). */
static long block_of(const char *path)
{
	struct sk_reader *r;
	long b;

	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return -1;
	b = sk_reader_info(r)->block;
	sk_reader_free(r);
	return b;
}

static int no_file(const char *name)
{
	char p[400];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", rdir, name);
	return stat(p, &st) != 0 && errno == ENOENT;
}

static void test_remakable(void)
{
	struct sk_manifest m;

	/* Every mode without --sort; with it only the runs (count, parts,
	 * key), whose traces a stable sort of the run puts back. */
	sk_manifest_init(&m);
	for (int mode = SK_SPLIT_NONE; mode <= SK_SPLIT_RR + 1; mode++) {
		m.mode = mode;
		m.sort = NULL;
		CHECKF(sk_split_remakable(&m) == (mode >= SK_SPLIT_COUNT && mode <= SK_SPLIT_RR), "mode %d", mode);
		m.sort = (char *)(uintptr_t)"cdp";
		CHECKF(sk_split_remakable(&m) == (mode == SK_SPLIT_COUNT || mode == SK_SPLIT_PARTS || mode == SK_SPLIT_KEY),
		       "mode %d sorted", mode);
	}
}

static void test_bufsize(void)
{
	/* 64 KiB (SK_MANY_BUF) past 16 pieces open or for sorted sgk pieces;
	 * sgk pieces otherwise the writer's default (0: about 4 MiB blocks);
	 * other pieces 256 KiB (SK_CACHE_BUF). */
	CHECK(sk_split_piece_bufsize(1, 0, 0) == 262144 && sk_split_piece_bufsize(16, 1, 0) == 262144);
	CHECK(sk_split_piece_bufsize(17, 0, 0) == 65536 && sk_split_piece_bufsize(4096, 1, 0) == 65536);
	CHECK(sk_split_piece_bufsize(1, 0, 1) == 0 && sk_split_piece_bufsize(16, 0, 1) == 0);
	CHECK(sk_split_piece_bufsize(1, 1, 1) == 65536 && sk_split_piece_bufsize(17, 0, 1) == 65536);
}

/* Count, parts and key pieces: runs from their first trace; round-robin:
 * every N-th from it; sorted runs sorted again, ties in source order. */
static void test_runs(void)
{
	static const int r1[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, r3[] = {20, 21, 22, 23, 24};
	/* --sort cdp,-offset over traces 0-9: cdp 1 (0, 1, 2), 2 (3, 4, 5),
	 * 3 (6, 7, 8), 4 (9); offsets 200 on odd traces first, ties in order. */
	static const int s1[] = {1, 0, 2, 3, 5, 4, 7, 6, 8, 9};
	/* Round-robin 4, piece 2 (first 1) and piece 1 (first 0). */
	static const int rr2[] = {1, 5, 9, 13, 17, 21}, rr1[] = {0, 4, 8, 12, 16, 20, 24};
	/* Key cdp, group 2: piece 2 holds cdp 3 and 4, traces 6-11. */
	static const int k2[] = {6, 7, 8, 9, 10, 11};
	struct sk_manifest m;
	char p[400];

	snprintf(p, sizeof p, "%s/part-000001.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, r1, 10) == 0);
	snprintf(p, sizeof p, "%s/part-000003.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, r3, 5) == 0);
	man_init(&m, SK_SPLIT_COUNT, 10, SK_FMT_SEGY, NULL, 0, 0);
	man_piece(&m, "part-000001.sgy", 0, 10, NULL);
	man_piece(&m, "part-000003.sgy", 20, 5, NULL);
	CHECK(remade_same(&m, 0) == 0 && remade_same(&m, 1) == 0);
	/* A file of the piece's name already there is replaced. */
	{
		FILE *f;
		snprintf(p, sizeof p, "%s/part-000003.sgy", rdir);
		CHECK(sk_file_mkdirs(rdir, 0777, &err) == 0 && (f = fopen(p, "w")) && fputs("junk", f) >= 0 &&
		      fclose(f) == 0);
		CHECK(remade_same(&m, 1) == 0);
	}
	/* The source ends first: piece 2 of 10 traces from trace 20 (5
	 * there): the message names the source and the first trace missing,
	 * the 6th; no file is left. */
	m.pieces[1].traces = 10;
	memset(&err, 0, sizeof err);
	CHECK(sk_split_remake(&m, 1, rdir, &err) == SK_ESTATE);
	snprintf(p, sizeof p, "%s: the source ends before the piece's trace 6 (has it changed?)", src);
	CHECKF(strcmp(err.msg, p) == 0 && err.file[0] == '\0', "%s: %s", err.file, err.msg);
	CHECK(no_file("part-000003.sgy"));
	m.pieces[1].traces = 5;
	/* A size not the manifest's: the message gives both, and the xxh64
	 * of the bytes made (the piece's own). */
	{
		char want[400];
		const uint64_t bytes = m.pieces[0].bytes, hash = m.pieces[0].xxh64;
		m.pieces[0].bytes = bytes + 1;
		m.pieces[0].xxh64 = 0x0123456789abcdefULL;
		CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_ESTATE);
		snprintf(want, sizeof want, "part-000001.sgy: remade %" PRIu64 " bytes with xxh64 %016" PRIx64
			 ", the manifest says %" PRIu64 " bytes, 0123456789abcdef (has the source changed?)", bytes, hash,
			 bytes + 1);
		CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
		CHECK(bytes == 3600 + 10 * 264 && no_file("part-000001.sgy"));
		m.pieces[0].bytes = bytes;
		m.pieces[0].xxh64 = hash;
	}
	/* Piece numbers are 1-based in the message. */
	CHECK(sk_split_remake(&m, 2, rdir, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "piece 3: the manifest has 2") == 0, "%s", err.msg);
	/* A directory that cannot be made is named. */
	{
		char bad[200];
		snprintf(bad, sizeof bad, "%s/part-000001.sgy/x", out);
		memset(&err, 0, sizeof err);
		CHECK(sk_split_remake(&m, 0, bad, &err) == SK_EIO);
		CHECKF(strcmp(err.msg, "Not a directory") == 0 && strcmp(err.file, bad) == 0, "%s: %s", err.file,
		       err.msg);
	}
	/* A source that is gone: named. */
	snprintf(p, sizeof p, "%s/gone.sgy", out);
	sk_manifest_set_str(&m.lineage, p, &err);
	memset(&err, 0, sizeof err);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EIO);
	CHECKF(strcmp(err.file, p) == 0 && strcmp(err.msg, "No such file or directory") == 0, "%s: %s", err.file,
	       err.msg);
	/* No lineage. */
	sk_manifest_set_str(&m.lineage, NULL, &err);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "the manifest records no lineage (segsplit --hosts of a file does)") == 0, "%s",
	       err.msg);
	sk_manifest_release(&m);

	/* Parts (2 of 13 and 12): the second a run of 12 from trace 13. */
	{
		int r[12];
		for (int k = 0; k < 12; k++)
			r[k] = 13 + k;
		snprintf(p, sizeof p, "%s/part-000002.sgy", out);
		CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, r, 12) == 0);
		man_init(&m, SK_SPLIT_PARTS, 2, SK_FMT_SEGY, NULL, 0, 0);
		man_piece(&m, "part-000001.sgy", 0, 13, NULL);
		man_piece(&m, "part-000002.sgy", 13, 12, NULL);
		CHECK(remade_same(&m, 1) == 0);
		sk_manifest_release(&m);
	}
	/* Key. */
	snprintf(p, sizeof p, "%s/part-000002.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, k2, 6) == 0);
	man_init(&m, SK_SPLIT_KEY, 2, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.keys, "cdp", &err);
	man_piece(&m, "part-000001.sgy", 0, 6, NULL);
	man_piece(&m, "part-000002.sgy", 6, 6, NULL);
	CHECK(remade_same(&m, 1) == 0);
	sk_manifest_release(&m);

	/* Sorted. */
	snprintf(p, sizeof p, "%s/part-000001.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, s1, 10) == 0);
	man_init(&m, SK_SPLIT_COUNT, 10, SK_FMT_SEGY, "cdp,-offset", 0, 0);
	man_piece(&m, "part-000001.sgy", 0, 10, NULL);
	CHECK(remade_same(&m, 0) == 0);
	/* Sorted by another key than the split's: not these bytes. */
	sk_manifest_set_str(&m.sort, "cdp,offset", &err);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_ESTATE && no_file("part-000001.sgy"));
	sk_manifest_set_str(&m.sort, "cdp,-offset", &err);
	m.mode = SK_SPLIT_RANGES;
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "a ranges split with --sort: no remake is known for its pieces") == 0, "%s", err.msg);
	m.mode = SK_SPLIT_RR;
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "a round-robin split with --sort: no remake is known for its pieces") == 0, "%s",
	       err.msg);
	m.mode = SK_SPLIT_NONE;
	sk_manifest_set_str(&m.sort, NULL, &err);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "a none split: no remake is known for its pieces") == 0, "%s", err.msg);
	sk_manifest_release(&m);

	/* Round-robin. */
	snprintf(p, sizeof p, "%s/part-000001.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, rr1, 7) == 0);
	snprintf(p, sizeof p, "%s/part-000002.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, rr2, 6) == 0);
	man_init(&m, SK_SPLIT_RR, 4, SK_FMT_SEGY, NULL, 0, 0);
	man_piece(&m, "part-000001.sgy", 0, 7, NULL);
	man_piece(&m, "part-000002.sgy", 1, 6, NULL);
	CHECK(remade_same(&m, 0) == 0 && remade_same(&m, 1) == 0);
	/* Piece 2 said to hold 7: the 7th would be trace 25, past the end. */
	m.pieces[1].traces = 7;
	CHECK(sk_split_remake(&m, 1, rdir, &err) == SK_ESTATE);
	snprintf(p, sizeof p, "%s: the source ends before the piece's trace 7 (has it changed?)", src);
	CHECKF(strcmp(err.msg, p) == 0, "%s", err.msg);
	sk_manifest_release(&m);
}

/* sgk pieces: the lineage's block, else the old rule. */
static void test_blocks(void)
{
	static const int s1[] = {1, 0, 2, 3, 5, 4, 7, 6, 8, 9};
	struct sk_manifest m;
	char p[400], q[400];

	snprintf(p, sizeof p, "%s/part-000001.sgk", out);
	snprintf(q, sizeof q, "%s/part-000001.sgk", rdir);
	/* Recorded: 3 traces a block (no rule gives 3). */
	CHECK(write_piece(src, p, SK_FMT_SGK, 0, 3, s1, 10) == 0 && block_of(p) == 3);
	man_init(&m, SK_SPLIT_COUNT, 10, SK_FMT_SGK, "cdp,-offset", 0, 3);
	man_piece(&m, "part-000001.sgk", 0, 10, NULL);
	CHECK(remade_same(&m, 0) == 0);
	sk_manifest_release(&m);
	/* Not recorded, sorted, uncompressed: about 4 MiB (15887 traces). */
	CHECK(write_piece(src, p, SK_FMT_SGK, 0, OLD_BIG, s1, 10) == 0);
	man_init(&m, SK_SPLIT_COUNT, 10, SK_FMT_SGK, "cdp,-offset", 0, 0);
	man_piece(&m, "part-000001.sgk", 0, 10, NULL);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == 0 && block_of(q) == OLD_BIG && mk_same_file(p, q));
	unlink(q);
	sk_manifest_release(&m);
	/* Not recorded, sorted, compressed: 64 KiB (248 traces). */
	CHECK(write_piece(src, p, SK_FMT_SGK, 1, OLD_SMALL, s1, 10) == 0);
	man_init(&m, SK_SPLIT_COUNT, 10, SK_FMT_SGK, "cdp,-offset", 1, 0);
	man_piece(&m, "part-000001.sgk", 0, 10, NULL);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == 0 && block_of(q) == OLD_SMALL && mk_same_file(p, q));
	unlink(q);
	/* Recorded, compressed: the record wins. */
	CHECK(write_piece(src, p, SK_FMT_SGK, 1, 4, s1, 10) == 0);
	sk_manifest_release(&m);
	man_init(&m, SK_SPLIT_COUNT, 10, SK_FMT_SGK, "cdp,-offset", 1, 4);
	man_piece(&m, "part-000001.sgk", 0, 10, NULL);
	CHECK(remade_same(&m, 0) == 0);
	sk_manifest_release(&m);
	/* Not recorded, unsorted: 16 pieces open (round-robin 16) about 4
	 * MiB, 17 pieces 64 KiB.  RR 16, piece 1: traces 0, 16; RR 17: 0, 17. */
	{
		static const int a[] = {0, 16}, b[] = {0, 17};
		CHECK(write_piece(src, p, SK_FMT_SGK, 0, OLD_BIG, a, 2) == 0);
		man_init(&m, SK_SPLIT_RR, 16, SK_FMT_SGK, NULL, 0, 0);
		man_piece(&m, "part-000001.sgk", 0, 2, NULL);
		CHECK(sk_split_remake(&m, 0, rdir, &err) == 0 && block_of(q) == OLD_BIG && mk_same_file(p, q));
		unlink(q);
		sk_manifest_release(&m);
		CHECK(write_piece(src, p, SK_FMT_SGK, 0, OLD_SMALL, b, 2) == 0);
		man_init(&m, SK_SPLIT_RR, 17, SK_FMT_SGK, NULL, 0, 0);
		man_piece(&m, "part-000001.sgk", 0, 2, NULL);
		CHECK(sk_split_remake(&m, 0, rdir, &err) == 0 && block_of(q) == OLD_SMALL && mk_same_file(p, q));
		unlink(q);
		sk_manifest_release(&m);
	}
	/* Ranges: the pieces open are the ranges in the list and the
	 * overflow one, empty or not: 15 ranges (16 open) about 4 MiB, 16
	 * ranges 64 KiB.  Piece 1 (0:100) holds the even traces. */
	{
		int even[13];
		char list[400];
		size_t len = (size_t)snprintf(list, sizeof list, "0:100,100:201");
		for (int k = 0; k < 13; k++)
			even[k] = 2 * k;
		for (int k = 1; k <= 13; k++)
			len += (size_t)snprintf(list + len, sizeof list - len, ",%d:%d", 1000 * k, 1000 * k + 1);
		CHECK(write_piece(src, p, SK_FMT_SGK, 0, OLD_BIG, even, 13) == 0);
		man_init(&m, SK_SPLIT_RANGES, 1, SK_FMT_SGK, NULL, 0, 0);
		sk_manifest_set_str(&m.keys, "offset", &err);
		sk_manifest_set_str(&m.ranges, list, &err);
		man_piece(&m, "part-000001.sgk", 0, 13, "0:100");
		CHECK(sk_split_remake(&m, 0, rdir, &err) == 0 && block_of(q) == OLD_BIG && mk_same_file(p, q));
		unlink(q);
		sk_manifest_release(&m);
		snprintf(list + len, sizeof list - len, ",14000:14001");
		CHECK(write_piece(src, p, SK_FMT_SGK, 0, OLD_SMALL, even, 13) == 0);
		man_init(&m, SK_SPLIT_RANGES, 1, SK_FMT_SGK, NULL, 0, 0);
		sk_manifest_set_str(&m.keys, "offset", &err);
		sk_manifest_set_str(&m.ranges, list, &err);
		man_piece(&m, "part-000001.sgk", 0, 13, "0:100");
		CHECK(sk_split_remake(&m, 0, rdir, &err) == 0 && block_of(q) == OLD_SMALL && mk_same_file(p, q));
		unlink(q);
		sk_manifest_release(&m);
	}
	unlink(p);
}

static int write_order(const char *text)
{
	char p[400];
	FILE *f;

	snprintf(p, sizeof p, "%s/order.tsv", out);
	return (f = fopen(p, "w")) && fputs(text, f) >= 0 && fclose(f) == 0 ? 0 : -1;
}

/* Ranges pieces: by their runs in the order file when there is one, else
 * by key from their first trace. */
static void test_ranges(void)
{
	static const int odd[] = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23}, two[] = {2};
	struct sk_manifest m;
	char p[400], ord[256], want[400], all[128];
	size_t len = 0;

	snprintf(p, sizeof p, "%s/part-000002.sgy", out);
	snprintf(ord, sizeof ord, "%s/order.tsv", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, odd, 12) == 0);
	/* offset=0:100,100:201: the odd traces (offset 200) are piece 2;
	 * without an order file, by key from trace 1. */
	man_init(&m, SK_SPLIT_RANGES, 1, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.keys, "offset", &err);
	sk_manifest_set_str(&m.ranges, "0:100,100:201", &err);
	man_piece(&m, "part-000002.sgy", 1, 12, "100:201");
	/* (piece 1's entry, not remade here: the list's first.) */
	CHECK(remade_same(&m, 0) == 0);
	/* An order file named but missing: by key as well. */
	sk_manifest_set_str(&m.order_file, "order.tsv", &err);
	CHECK(remade_same(&m, 0) == 0);
	/* The order file's runs (a 1-trace run each, pieces 1 and 2 in turn)
	 * give the same traces; this manifest's piece 1 is the piece the
	 * file numbers 1. */
	for (int t = 0; t < NTR; t++)
		len += (size_t)snprintf(all + len, sizeof all - len, "%d\t1\n", t % 2 ? 1 : 2);
	CHECK(write_order(all) == 0 && remade_same(&m, 0) == 0);
	/* The runs are what is read: a file whose piece 1 is trace 2 alone
	 * (offset 0, outside the piece's range, which a key scan from its
	 * first trace would never take). */
	CHECK(write_order("2\t2\n1\t1\n2\t22\n") == 0);
	snprintf(p, sizeof p, "%s/part-000001.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, two, 1) == 0);
	sk_manifest_release(&m);
	man_init(&m, SK_SPLIT_RANGES, 1, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.keys, "offset", &err);
	sk_manifest_set_str(&m.ranges, "0:100,100:201", &err);
	sk_manifest_set_str(&m.order_file, "order.tsv", &err);
	man_piece(&m, "part-000001.sgy", 2, 1, "100:201");
	CHECK(remade_same(&m, 0) == 0);
	sk_manifest_release(&m);

	/* The odd traces again as piece 1, and errors of the order file. */
	snprintf(p, sizeof p, "%s/part-000001.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, odd, 12) == 0);
	man_init(&m, SK_SPLIT_RANGES, 1, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.keys, "offset", &err);
	sk_manifest_set_str(&m.ranges, "0:100,100:201", &err);
	sk_manifest_set_str(&m.order_file, "order.tsv", &err);
	man_piece(&m, "part-000001.sgy", 1, 12, "100:201");
	/* Short: 2 of its 12 traces. */
	CHECK(write_order("2\t1\n1\t1\n2\t1\n1\t1\n") == 0);
	memset(&err, 0, sizeof err);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "it gives piece 1 2 traces, the manifest says 12") == 0 && strcmp(err.file, ord) == 0,
	       "%s: %s", err.file, err.msg);
	CHECK(no_file("part-000001.sgy"));
	/* A line that is not two counts of 1 or more. */
	static const char *const bad[][2] = {
		{"2\t1\n1\tx\n", "line 2: bad run '1\tx'"},
		{"0\t1\n", "line 1: bad run '0\t1'"},
		{"2\t1\n1\t0\n", "line 2: bad run '1\t0'"},
		{"\n", "line 1: bad run ''"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		CHECK(write_order(bad[k][0]) == 0);
		memset(&err, 0, sizeof err);
		CHECKF(sk_split_remake(&m, 0, rdir, &err) == SK_EFMT && strcmp(err.msg, bad[k][1]) == 0 &&
		       strcmp(err.file, ord) == 0, "%zu: %s: %s", k, err.file, err.msg);
	}
	/* A run past the source's end. */
	CHECK(write_order("2\t30\n1\t12\n") == 0);
	memset(&err, 0, sizeof err);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_ESTATE);
	snprintf(want, sizeof want, "%s: the source ends before the piece's trace 1 (has it changed?)", src);
	CHECKF(strcmp(err.msg, want) == 0, "%s: %s", err.file, err.msg);
	unlink(ord);

	/* The piece's range must be one of the list, or "outside". */
	free(m.pieces[0].range);
	m.pieces[0].range = strdup("5:7");
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "part-000001.sgy: range '5:7' is not one of the split's '0:100,100:201'") == 0, "%s",
	       err.msg);
	sk_manifest_set_str(&m.ranges, "0:100,50:150", &err);
	CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "ranges '0:100' and '50:150' overlap") == 0, "%s", err.msg);
	/* "outside": the traces in no range.  offset=0:100 leaves the odd
	 * ones (200) outside. */
	sk_manifest_set_str(&m.ranges, "0:100", &err);
	free(m.pieces[0].range);
	m.pieces[0].range = strdup("outside");
	CHECK(remade_same(&m, 0) == 0);
	/* A ranges manifest without its key, its list or the piece's range. */
	{
		char *keep = m.keys;
		m.keys = NULL;
		CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
		CHECKF(strcmp(err.msg, "part-000001.sgy: a ranges split without its key, ranges or the piece's range") ==
		       0, "%s", err.msg);
		m.keys = keep;
		free(m.pieces[0].range);
		m.pieces[0].range = NULL;
		CHECK(sk_split_remake(&m, 0, rdir, &err) == SK_EARG);
		CHECKF(strcmp(err.msg, "part-000001.sgy: a ranges split without its key, ranges or the piece's range") ==
		       0, "%s", err.msg);
	}
	sk_manifest_release(&m);
}

/* The source through a FIFO (no seek): a child writes it once.  The remake
 * reads up to the piece's first trace and, in round-robin, up to each
 * next one. */
static pid_t feed_fifo(const char *fifo)
{
	const pid_t pid = fork();

	if (pid == 0) {
		size_t n = 0;
		unsigned char *b;
		int fd;
		alarm(20);
		signal(SIGPIPE, SIG_DFL);
		b = mk_slurp(src, &n);
		fd = open(fifo, O_WRONLY);
		while (b && fd >= 0 && n > 0) {
			const ssize_t k = write(fd, b, n);
			if (k <= 0)
				break;
			b += k;
			n -= (size_t)k;
		}
		_exit(0);
	}
	return pid;
}

static void test_pipe(void)
{
	static const int rr2[] = {1, 5, 9, 13, 17, 21}, r2[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
	struct sk_manifest m;
	char fifo[200], p[400];
	pid_t pid;
	int st;

	snprintf(fifo, sizeof fifo, "%s/fifo", out);
	CHECK(mkfifo(fifo, 0600) == 0);
	snprintf(p, sizeof p, "%s/part-000002.sgy", out);
	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, rr2, 6) == 0);
	man_init(&m, SK_SPLIT_RR, 4, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.lineage, fifo, &err);
	man_piece(&m, "part-000001.sgy", 0, 7, NULL);
	man_piece(&m, "part-000002.sgy", 1, 6, NULL);
	pid = feed_fifo(fifo);
	CHECK(pid > 0 && remade_same(&m, 1) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	sk_manifest_release(&m);

	CHECK(write_piece(src, p, SK_FMT_SEGY, 0, 0, r2, 10) == 0);
	man_init(&m, SK_SPLIT_COUNT, 10, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.lineage, fifo, &err);
	man_piece(&m, "part-000001.sgy", 0, 10, NULL);
	man_piece(&m, "part-000002.sgy", 10, 10, NULL);
	pid = feed_fifo(fifo);
	CHECK(pid > 0 && remade_same(&m, 1) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	sk_manifest_release(&m);
	unlink(fifo);
	unlink(p);
}

/* Round-robin pieces whose traces lie 1 MiB or more apart are read a trace
 * at a time (a buffer of one record): 744 traces of 240 + 4 * 1000 = 4240
 * bytes; 248 pieces put a piece's traces 1,051,520 bytes apart (>= 1 MiB),
 * 247 pieces 1,047,280 (below). */
static void test_far(void)
{
	static const int a[] = {4, 252, 500}, b[] = {247, 495, 743}, c[] = {0, 247, 494, 741};
	struct sk_manifest m;
	char big[200], p[400];

	snprintf(big, sizeof big, "%s/big.sgy", out);
	CHECK(mk_stream(big, SK_FMT_SEGY, 744, 1000, NULL) == 0);
	snprintf(p, sizeof p, "%s/part-000005.sgy", out);
	CHECK(write_piece(big, p, SK_FMT_SEGY, 0, 0, a, 3) == 0);
	snprintf(p, sizeof p, "%s/part-000248.sgy", out);
	CHECK(write_piece(big, p, SK_FMT_SEGY, 0, 0, b, 3) == 0);
	man_init(&m, SK_SPLIT_RR, 248, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.lineage, big, &err);
	man_piece(&m, "part-000005.sgy", 4, 3, NULL);
	man_piece(&m, "part-000248.sgy", 247, 3, NULL);
	CHECK(remade_same(&m, 0) == 0 && remade_same(&m, 1) == 0);
	/* Trace 744 (the 4th of piece 248) is past the end. */
	m.pieces[1].traces = 4;
	CHECK(sk_split_remake(&m, 1, rdir, &err) == SK_ESTATE);
	snprintf(p, sizeof p, "%s: the source ends before the piece's trace 4 (has it changed?)", big);
	CHECKF(strcmp(err.msg, p) == 0, "%s", err.msg);
	sk_manifest_release(&m);
	snprintf(p, sizeof p, "%s/part-000005.sgy", out);
	unlink(p);
	snprintf(p, sizeof p, "%s/part-000248.sgy", out);
	unlink(p);

	snprintf(p, sizeof p, "%s/part-000001.sgy", out);
	CHECK(write_piece(big, p, SK_FMT_SEGY, 0, 0, c, 4) == 0);
	man_init(&m, SK_SPLIT_RR, 247, SK_FMT_SEGY, NULL, 0, 0);
	sk_manifest_set_str(&m.lineage, big, &err);
	man_piece(&m, "part-000001.sgy", 0, 4, NULL);
	CHECK(remade_same(&m, 0) == 0);
	sk_manifest_release(&m);
	unlink(p);
	unlink(big);
}

int main(void)
{
	char dir[64];
	char p[400];

	signal(SIGPIPE, SIG_IGN);
	CHECK(mk_tmpdir(dir, sizeof dir, "split_remake") != NULL);
	snprintf(src, sizeof src, "%s/in.sgy", dir);
	snprintf(out, sizeof out, "%s/parts", dir);
	snprintf(rdir, sizeof rdir, "%s/remade", dir);
	CHECK(mkdir(out, 0700) == 0);
	CHECK(mk_stream(src, SK_FMT_SEGY, NTR, 6, alt) == 0);

	test_remakable();
	test_bufsize();
	test_runs();
	test_blocks();
	test_ranges();
	test_pipe();
	test_far();

	for (int k = 1; k <= 3; k++) {
		snprintf(p, sizeof p, "%s/part-%06d.sgy", out, k);
		unlink(p);
	}
	rmdir(rdir);
	rmdir(out);
	unlink(src);
	rmdir(dir);
	return test_done();
}
