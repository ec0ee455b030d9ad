#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"
#include "mkstream.h"
#include "split.h"

static char dir[64], src[128], out[128];

static int split(const char *mode, long n, const char *keys, const char *sort, struct sk_manifest *m)
{
	struct sk_split_opts o;
	struct sk_split_result res;
	struct sk_reader *r;
	struct sk_error err;
	const struct sk_wopts wo = SK_WOPTS_INIT;
	char mpath[160];
	int rc;

	memset(&o, 0, sizeof o);
	o.wopts = wo;
	o.mode = sk_split_mode_parse(mode);
	o.n = n;
	o.dir = out;
	o.source = src;
	if (o.mode == SK_SPLIT_RANGES) {
		if (sk_split_ranges_parse(keys, &o, &err) < 0)
			return -1;
		o.keys_text = o.keys.key[0].name;
		o.ranges_text = strchr(keys, '=') + 1;
	} else if (keys) {
		o.keys_text = keys;
		sk_keyset_parse(keys, 0, &o.keys, &err);
	}
	if (sort) {
		o.sort_text = sort;
		sk_keyset_parse(sort, 0, &o.sort, &err);
	}
	if (sk_reader_open(src, SK_FMT_AUTO, &r, &err) < 0)
		return -1;
	rc = sk_split_run(r, &o, &res, &err);
	sk_reader_free(r);
	free(o.ranges);
	if (rc < 0) {
		printf("# split: %s: %s\n", err.file, err.msg);
		return rc;
	}
	snprintf(mpath, sizeof mpath, "%s/manifest.yaml", out);
	return sk_manifest_read(mpath, m, &err);
}

/* Reads piece i's traces' (tracl, cdp, offset) into t (3 ints each). */
static long piece_traces(const struct sk_manifest *m, size_t i, int *t)
{
	char path[256];
	struct sk_reader *r;
	struct sk_error err;
	unsigned char h[240];
	long n = 0;

	sk_manifest_piece_path(m, i, path, sizeof path, &err);
	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return -1;
	while (sk_reader_next(r, h, NULL, &err) == 1) {
		t[3 * n] = sk_hdr_i32(h, 1);
		t[3 * n + 1] = sk_hdr_i32(h, 21);
		t[3 * n + 2] = sk_hdr_i32(h, 37);
		n++;
	}
	sk_reader_free(r);
	return n;
}

static void clean(struct sk_manifest *m)
{
	char path[256];
	struct sk_error err;

	for (size_t i = 0; i < m->npieces; i++)
		if (sk_manifest_piece_path(m, i, path, sizeof path, &err) == 0)
			unlink(path);
	snprintf(path, sizeof path, "%s/manifest.yaml", out);
	unlink(path);
	snprintf(path, sizeof path, "%s/order.tsv", out);
	unlink(path);
	sk_manifest_release(m);
}

/* Remakes every piece of m from src (its lineage set here, as segsplit
 * --hosts records it) into DIR/remade and compares the bytes; returns the
 * number of pieces remade identical. */
static size_t remake_all(struct sk_manifest *m)
{
	char rdir[160], a[256], b[256];
	struct sk_error err;
	size_t same = 0;

	snprintf(rdir, sizeof rdir, "%s/remade", dir);
	if (sk_manifest_set_str(&m->lineage, src, &err) < 0)
		return 0;
	m->lin_from = SK_FMT_SEGY;
	m->lin_sample = 0;
	m->lin_little = -1;
	m->lin_zstd = 0;
	for (size_t i = 0; i < m->npieces; i++) {
		if (sk_split_remake(m, i, rdir, &err) < 0) {
			printf("# remake %zu: %s\n", i + 1, err.msg);
			continue;
		}
		sk_manifest_piece_path(m, i, a, sizeof a, &err);
		snprintf(b, sizeof b, "%s/%s", rdir, m->pieces[i].file);
		same += mk_same_file(a, b);
		unlink(b);
	}
	rmdir(rdir);
	return same;
}

/* Odd traces carry offset 200, even ones 0; cdp = t / 3 + 1. */
static void alt(long t, struct mk_trace *tr)
{
	tr->offset = (int)(t % 2) * 200;
}

int main(void)
{
	struct sk_split_opts o;
	struct sk_error err;
	struct sk_manifest m;
	int t[3 * 64];

	/* Ranges parsing. */
	memset(&o, 0, sizeof o);
	CHECK(sk_split_ranges_parse("offset=:0,0:100,100:", &o, &err) == 0 && o.nranges == 3);
	CHECK(!o.ranges[0].has_lo && o.ranges[0].hi == 0 && o.ranges[2].lo == 100 && !o.ranges[2].has_hi);
	free(o.ranges);
	CHECK(sk_split_ranges_parse("offset=0:100,50:150", &o, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "ranges '0:100' and '50:150' overlap") == 0, "%s", err.msg);
	CHECK(sk_split_ranges_parse("offset=5:5", &o, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "empty range '5:5' in 'offset=5:5' (a:b needs a < b)") == 0, "%s", err.msg);
	CHECK(sk_split_ranges_parse("offset=1-2", &o, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "invalid range '1-2' in 'offset=1-2' (expected a:b, a: or :b)") == 0, "%s", err.msg);
	CHECK(sk_split_ranges_parse("bogus=1:2", &o, &err) == SK_EARG);
	CHECK(sk_split_ranges_parse("offset", &o, &err) == SK_EARG);

	CHECK(mk_tmpdir(dir, sizeof dir, "split") != NULL);
	snprintf(src, sizeof src, "%s/in.sgy", dir);
	snprintf(out, sizeof out, "%s/parts", dir);
	CHECK(mk_stream(src, SK_FMT_SEGY, 25, 6, alt) == 0);

	/* Parts: sizes differ by one at most; first indices follow. */
	CHECK(split("parts", 4, NULL, NULL, &m) == 0);
	CHECK(m.npieces == 4 && m.traces == 25);
	CHECK(m.pieces[0].traces == 6 && m.pieces[1].traces == 6 && m.pieces[2].traces == 6 &&
	      m.pieces[3].traces == 7);
	CHECK(m.pieces[3].first == 18 && piece_traces(&m, 3, t) == 7 && t[0] == 19);
	clean(&m);

	/* More parts than traces: no empty pieces. */
	CHECK(split("parts", 40, NULL, NULL, &m) == 0);
	CHECK(m.npieces == 25 && m.pieces[24].traces == 1 && strcmp(m.pieces[24].file, "part-000025.sgy") == 0);
	clean(&m);

	/* Key with groups: cdp gathers of 3 (the last of 1), 2 per piece,
	 * never split; the manifest's min/max are per piece. */
	CHECK(split("key", 2, "cdp", NULL, &m) == 0);
	CHECK(m.npieces == 5);
	for (size_t i = 0; i < m.npieces; i++) {
		const long n = piece_traces(&m, i, t);
		CHECK(n == (i < 4 ? 6 : 1));
		CHECK(t[1] == (int)(2 * i + 1) && t[3 * (n - 1) + 1] == (int)(i < 4 ? 2 * i + 2 : 9));
	}
	clean(&m);

	/* Round robin. */
	CHECK(split("round-robin", 4, NULL, NULL, &m) == 0);
	CHECK(m.npieces == 4 && m.pieces[0].traces == 7 && m.pieces[3].traces == 6);
	CHECK(piece_traces(&m, 1, t) == 6 && t[0] == 2 && t[3] == 6 && t[15] == 22);
	CHECK(m.pieces[1].first == 1);
	/* Remade from the source by stride: the same bytes. */
	CHECK(sk_split_remakable(&m) && remake_all(&m) == 4);
	clean(&m);

	/* Ranges: pieces by offset, the rest in the last; empty ranges give
	 * no piece, and the order file numbers follow the manifest. */
	CHECK(split("ranges", 1, "offset=0:100,300:400,100:201", NULL, &m) == 0);
	CHECK(m.npieces == 2 && m.pieces[0].traces == 13 && m.pieces[1].traces == 12);
	CHECK(strcmp(m.pieces[0].range, "0:100") == 0 && strcmp(m.pieces[1].range, "100:201") == 0);
	CHECK(strcmp(m.pieces[1].file, "part-000003.sgy") == 0);
	CHECK(m.order_file && m.order_runs == 25);
	{
		char path[200];
		size_t len;
		char *text;
		snprintf(path, sizeof path, "%s/order.tsv", out);
		text = (char *)mk_slurp(path, &len);
		CHECK(text && len == m.order_bytes && strncmp(text, "1\t1\n2\t1\n1\t1\n", 12) == 0);
		free(text);
	}
	/* Remade by their ranges (the empty one gave no piece, so the
	 * second piece is the third range's). */
	CHECK(remake_all(&m) == 2);
	clean(&m);
	CHECK(split("ranges", 1, "offset=100:150", NULL, &m) == 0);
	CHECK(m.npieces == 1 && strcmp(m.pieces[0].range, "outside") == 0 && remake_all(&m) == 1);
	clean(&m);

	/* Sorting: every piece ordered by -offset, cdp, ties in input order. */
	CHECK(split("count", 10, NULL, "-offset,cdp", &m) == 0);
	CHECK(m.npieces == 3 && m.sort && strcmp(m.sort, "-offset,cdp") == 0);
	for (size_t i = 0; i < m.npieces; i++) {
		const long n = piece_traces(&m, i, t);
		int ok = 1;
		for (long k = 1; k < n; k++) {
			const int *a = &t[3 * (k - 1)], *b = &t[3 * k];
			if (a[2] < b[2] || (a[2] == b[2] && (a[1] > b[1] || (a[1] == b[1] && a[0] > b[0]))))
				ok = 0;
		}
		CHECK(ok && n == (i < 2 ? 10 : 5));
	}
	/* Remade and sorted again: the same bytes. */
	CHECK(remake_all(&m) == 3);
	{
		/* The source changed inside piece 2's run (a sample of trace
		 * 12): refused, and no file left. */
		char rdir[160], rpath[256];
		struct stat st;
		FILE *fp = fopen(src, "r+b");
		const long at = 3600 + 11 * (240 + 6 * 4) + 240 + 8;
		CHECK(fp && fseek(fp, at, SEEK_SET) == 0 && fputc(0x55, fp) != EOF && fclose(fp) == 0);
		snprintf(rdir, sizeof rdir, "%s/remade", dir);
		CHECK(sk_split_remake(&m, 1, rdir, &err) == SK_ESTATE);
		CHECKF(strstr(err.msg, "part-000002.sgy: remade ") == err.msg &&
		       strstr(err.msg, " (has the source changed?)") != NULL, "%s", err.msg);
		snprintf(rpath, sizeof rpath, "%s/part-000002.sgy", rdir);
		CHECK(stat(rpath, &st) != 0);
		CHECK(sk_split_remake(&m, 0, rdir, &err) == 0);
		snprintf(rpath, sizeof rpath, "%s/part-000001.sgy", rdir);
		unlink(rpath);
		rmdir(rdir);
		CHECK(mk_stream(src, SK_FMT_SEGY, 25, 6, alt) == 0);
	}
	clean(&m);

	/* Sorted pieces of a mapped file, written from its pages: each
	 * piece's xxh64 and size in the manifest are its file's, in count mode
	 * (the header final from the start), in key mode (the count fixed at
	 * the close: read back) and for pieces of 1 MiB and more (written by
	 * the writer's thread): 2,000 traces of 250 samples, pieces of 1,000
	 * and 300. */
	{
		static const struct {
			const char *mode, *keys;
			long n, traces, ns;
			size_t pieces;
		} c[] = {
			{"count", NULL, 10, 25, 6, 3},
			{"key", "cdp", 2, 25, 6, 5},
			{"count", NULL, 300, 2000, 250, 7},
			{"count", NULL, 1000, 2000, 250, 2},
		};
		for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
			int ok = 1;
			CHECK(mk_stream(src, SK_FMT_SEGY, c[k].traces, c[k].ns, alt) == 0);
			CHECK(split(c[k].mode, c[k].n, c[k].keys, "-offset,cdp", &m) == 0);
			for (size_t i = 0; i < m.npieces; i++) {
				char path[256];
				uint64_t h = 0, bytes = 0;
				sk_manifest_piece_path(&m, i, path, sizeof path, &err);
				ok &= sk_file_xxh64(path, &h, &bytes, &err) == 0 && h == m.pieces[i].xxh64 &&
				      bytes == m.pieces[i].bytes;
			}
			CHECKF(ok && m.npieces == c[k].pieces, "case %zu: %zu pieces", k, m.npieces);
			clean(&m);
		}
		CHECK(mk_stream(src, SK_FMT_SEGY, 25, 6, alt) == 0);
	}

	/* A piece that cannot be written: the error names it and the pieces
	 * already written are removed, with no manifest. */
	{
		char blocker[200], p1[200];
		struct stat st;
		snprintf(blocker, sizeof blocker, "%s/part-000002.sgy", out);
		snprintf(p1, sizeof p1, "%s/part-000001.sgy", out);
		CHECK(mkdir(blocker, 0700) == 0);
		CHECK(split("count", 10, NULL, NULL, &m) < 0);
		CHECK(stat(p1, &st) != 0);
		rmdir(blocker);
	}
	rmdir(out);
	unlink(src);
	rmdir(dir);
	return test_done();
}
