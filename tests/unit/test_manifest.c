#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"
#include "mkstream.h"

static int write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

int main(void)
{
	struct sk_manifest m, r;
	struct sk_mpiece p;
	struct sk_error err;
	char dir[64], path[128], piece[128];
	uint64_t h, size;

	CHECK(mk_tmpdir(dir, sizeof dir, "manifest") != NULL);
	snprintf(path, sizeof path, "%s/manifest.yaml", dir);
	snprintf(piece, sizeof piece, "%s/part-000001.sgy", dir);

	/* xxh64 of a known input: XXH64("", 0) and XXH64("abc", 0), the
	 * reference values of the xxHash specification. */
	CHECK(write_text(piece, "") == 0);
	CHECK(sk_file_xxh64(piece, &h, &size, &err) == 0 && h == 0xEF46DB3751D8E999ULL && size == 0);
	CHECK(write_text(piece, "abc") == 0);
	CHECK(sk_file_xxh64(piece, &h, &size, &err) == 0 && h == 0x44BC2CF5AD770999ULL && size == 3);
	CHECK(sk_file_xxh64("/nonexistent/x", &h, &size, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0);

	/* Write, read back. */
	CHECK(mk_stream(piece, SK_FMT_SEGY, 5, 8, NULL) == 0);
	sk_manifest_init(&m);
	sk_manifest_new_id(&m);
	CHECK(strlen(m.id) == 16);
	CHECK(sk_manifest_set_str(&m.source, "in \"quoted\".sgy", &err) == 0);
	m.fmt = SK_FMT_SEGY;
	m.ns = 8;
	m.dt = 4000;
	m.hdrlen = 240;
	m.traces = 5;
	m.mode = SK_SPLIT_RANGES;
	CHECK(sk_manifest_set_str(&m.keys, "cdp", &err) == 0);
	CHECK(sk_manifest_set_str(&m.ranges, "1:3,3:", &err) == 0);
	CHECK(sk_manifest_set_str(&m.order_file, "order.tsv", &err) == 0);
	m.order_runs = 2;
	m.order_bytes = 8;
	m.order_xxh64 = 0x0123456789abcdefULL;
	CHECK(sk_keyset_parse("cdp", 0, &m.mm, &err) == 0);
	memset(&p, 0, sizeof p);
	p.file = (char *)(uintptr_t)"part-000001.sgy";
	p.range = (char *)(uintptr_t)"1:3";
	p.traces = 5;
	CHECK(sk_file_xxh64(piece, &p.xxh64, &p.bytes, &err) == 0);
	p.has_minmax = 1;
	sk_keyset_eval(&m.mm, (const unsigned char *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", p.min);
	p.max[0] = p.min[0] + 2;
	CHECK(sk_manifest_add(&m, &p, &err) == 0);
	CHECK(sk_manifest_write(&m, path, NULL, &err) == 0);
	/* Errors name the manifest through err.file, not in the text. */
	CHECK(sk_manifest_write(&m, "/nonexistent-dir/m.yaml", NULL, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0 && strcmp(err.file, "/nonexistent-dir/m.yaml") == 0);
	CHECK(sk_manifest_write(&m, "/dev/full", NULL, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No space left on device") == 0 && strcmp(err.file, "/dev/full") == 0);
	CHECK(sk_manifest_read(path, &r, &err) == 0);
	CHECK(strcmp(r.id, m.id) == 0 && strcmp(r.source, "in \"quoted\".sgy") == 0);
	CHECK(r.fmt == SK_FMT_SEGY && r.ns == 8 && r.dt == 4000 && r.hdrlen == 240 && r.traces == 5);
	CHECK(r.mode == SK_SPLIT_RANGES && strcmp(r.keys, "cdp") == 0 && strcmp(r.ranges, "1:3,3:") == 0);
	CHECK(r.order_file && strcmp(r.order_file, "order.tsv") == 0 && r.order_runs == 2 &&
	      r.order_bytes == 8 && r.order_xxh64 == 0x0123456789abcdefULL);
	CHECK(r.npieces == 1 && strcmp(r.pieces[0].file, "part-000001.sgy") == 0 &&
	      strcmp(r.pieces[0].range, "1:3") == 0 && r.pieces[0].traces == 5 &&
	      r.pieces[0].bytes == p.bytes && r.pieces[0].xxh64 == p.xxh64);
	CHECK(strcmp(r.dir, dir) == 0);
	/* The piece as written passes every check. */
	CHECK(sk_manifest_check(&r, 0, 1, &err) == 0);
	{
		char *text;
		size_t len;
		text = (char *)mk_slurp(path, &len);
		CHECK(text && strstr(text, "    min: {\"cdp\": 1}\n    max: {\"cdp\": 3}\n") != NULL);
		free(text);
	}

	/* Damage: a changed byte, a truncation, a missing piece, a wrong count. */
	{
		size_t len;
		unsigned char *b = mk_slurp(piece, &len);
		FILE *fp;
		CHECK(b != NULL);
		b[len - 1] ^= 1;
		fp = fopen(piece, "wb");
		fwrite(b, 1, len, fp);
		fclose(fp);
		CHECK(sk_manifest_check(&r, 0, 0, &err) == 0);  /* --no-verify */
		CHECK(sk_manifest_check(&r, 0, 1, &err) == SK_ESTATE);
		CHECKF(strstr(err.msg, "the manifest says") && strstr(err.msg, "(changed since the split, or a piece of another split)"),
		       "%s", err.msg);
		fp = fopen(piece, "wb");
		fwrite(b, 1, len - 10, fp);
		fclose(fp);
		CHECK(sk_manifest_check(&r, 0, 1, &err) == SK_ESTATE);
		snprintf(path, sizeof path, "%zu bytes, the manifest says %zu (truncated)", len - 10, len);
		CHECKF(strcmp(err.msg, path) == 0, "%s", err.msg);
		free(b);
		CHECK(mk_stream(piece, SK_FMT_SEGY, 4, 8, NULL) == 0);
		r.pieces[0].bytes = 3600 + 4 * (240 + 32);
		CHECK(sk_manifest_check(&r, 0, 1, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "4 traces, the manifest says 5") == 0, "%s", err.msg);
		CHECK(mk_stream(piece, SK_FMT_SEGY, 4, 9, NULL) == 0);
		r.pieces[0].bytes = 3600 + 4 * (240 + 36);
		CHECK(sk_manifest_check(&r, 0, 1, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "ns 9, the manifest says 8") == 0, "%s", err.msg);
		unlink(piece);
		CHECK(sk_manifest_check(&r, 0, 1, &err) == SK_EIO);
		CHECK(strcmp(err.msg, "No such file or directory") == 0);
	}
	sk_manifest_release(&r);
	sk_manifest_release(&m);

	/* Bad manifests say where. */
	snprintf(path, sizeof path, "%s/manifest.yaml", dir);
	CHECK(write_text(path, "manifest: segkit-split\nversion: 1\nid: [unclosed\n") == 0);
	CHECK(sk_manifest_read(path, &r, &err) == SK_EARG);
	CHECKF(strncmp(err.msg, "line ", 5) == 0, "%s", err.msg);
	CHECK(write_text(path, "manifest: other\n") == 0);
	CHECK(sk_manifest_read(path, &r, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "line 1, column 1: not a segsplit manifest (no 'manifest: segkit-split')") == 0, "%s", err.msg);
	CHECK(write_text(path, "manifest: segkit-split\nversion: 1\nid: \"x\"\nsource: \"-\"\nformat: segy\n"
			       "ns: 8\ndt: 4000\nhdrlen: 240\ntraces: 1\nmode: count\ncount: 1\n") == 0);
	CHECK(sk_manifest_read(path, &r, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "line 1, column 1: no 'pieces' field") == 0, "%s", err.msg);
	CHECK(write_text(path, "manifest: segkit-split\nversion: 1\nid: \"x\"\nsource: \"-\"\nformat: segy\n"
			       "ns: 8\ndt: 4000\nhdrlen: 240\ntraces: 1\nmode: count\ncount: 1\n"
			       "pieces:\n  - file: \"../etc/passwd\"\n    traces: 1\n    first: 0\n"
			       "    bytes: 1\n    xxh64: \"0000000000000000\"\n") == 0);
	CHECK(sk_manifest_read(path, &r, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "line 13, column 11: file: '../etc/passwd' is not a file name in the manifest's directory") == 0,
	       "%s", err.msg);
	CHECK(write_text(path, "manifest: segkit-split\nversion: 3\n") == 0);
	CHECK(sk_manifest_read(path, &r, &err) == SK_EARG);
	CHECKF(strcmp(err.msg, "line 2, column 10: version 3 is not supported (1 and 2 are)") == 0, "%s", err.msg);

	/* Distributed pieces: "at" locations, written as version 2 and read
	 * back; a version 1 manifest with them, or a bad location, is
	 * refused. */
	{
		static const char head[] = "manifest: segkit-split\nversion: %d\nid: \"x\"\nsource: \"-\"\n"
					   "format: segy\nns: 8\ndt: 4000\nhdrlen: 240\ntraces: 1\nmode: count\n"
					   "count: 1\npieces:\n  - file: \"part-000001.sgy\"\n    traces: 1\n"
					   "    first: 0\n    bytes: 1\n    xxh64: \"0000000000000000\"\n    at: %s\n";
		char text[1024], host[16], *back = NULL;
		const char *rp;
		struct sk_manifest d;
		size_t blen = 0;
		FILE *fp;

		snprintf(text, sizeof text, head, 2, "[\"node1:parts/part-000001.sgy\", \"n3:/abs/p 1.sgy\"]");
		CHECK(write_text(path, text) == 0);
		CHECK(sk_manifest_read(path, &d, &err) == 0);
		CHECK(d.npieces == 1 && d.pieces[0].nat == 2 && sk_manifest_remote(&d) == 1);
		CHECK(strcmp(d.pieces[0].at[0], "node1:parts/part-000001.sgy") == 0);
		CHECK(sk_manifest_loc(d.pieces[0].at[1], host, sizeof host, &rp, &err) == 0);
		CHECK(strcmp(host, "n3") == 0 && strcmp(rp, "/abs/p 1.sgy") == 0);
		CHECK(sk_manifest_add_at(&d, 0, "node2", "x/y", &err) == 0 && d.pieces[0].nat == 3);
		CHECK(sk_manifest_write(&d, path, NULL, &err) == 0);
		CHECK((fp = fopen(path, "r")) != NULL);
		CHECK(getdelim(&back, &blen, '\0', fp) > 0);
		fclose(fp);
		CHECK(back && strstr(back, "\nversion: 2\n") != NULL);
		CHECKF(back && strstr(back, "\n    at: [\"node1:parts/part-000001.sgy\", \"n3:/abs/p 1.sgy\", \"node2:x/y\"]\n") != NULL,
		       "%s", back);
		free(back);
		sk_manifest_release(&d);
		snprintf(text, sizeof text, head, 1, "[\"node1:p\"]");
		CHECK(write_text(path, text) == 0);
		CHECK(sk_manifest_read(path, &d, &err) == SK_EARG);
		CHECKF(strcmp(err.msg, "line 18, column 9: at: piece locations need version 2") == 0, "%s", err.msg);
		snprintf(text, sizeof text, head, 2, "[\"node1\"]");
		CHECK(write_text(path, text) == 0);
		CHECK(sk_manifest_read(path, &d, &err) == SK_EARG);
		CHECKF(strcmp(err.msg, "line 18, column 10: at: 'node1' is not a location (host:path)") == 0, "%s", err.msg);
		CHECK(sk_manifest_loc(":p", host, sizeof host, &rp, &err) == SK_EARG);
		CHECK(sk_manifest_loc("h:", host, sizeof host, &rp, &err) == SK_EARG);
		{
			/* The hosts of a list of locations, for messages:
			 * bad ones skipped, cut to the buffer. */
			char l0[] = "n1:/a", l1[] = "bad", l2[] = "node22:/b", l3[] = "n3:/c";
			char *locs[] = {l0, l1, l2, l3};
			char hb[12];
			CHECK(strcmp(sk_manifest_loc_hosts(locs, 4, text, sizeof text), "n1, node22, n3") == 0);
			CHECK(strcmp(sk_manifest_loc_hosts(locs + 1, 1, text, sizeof text), "") == 0);
			CHECK(strcmp(sk_manifest_loc_hosts(locs, 4, hb, sizeof hb), "n1, node22") == 0);
			CHECK(strcmp(sk_manifest_loc_hosts(locs, 0, hb, sizeof hb), "") == 0);
		}

		/* The lineage: written with the locations, read back; a
		 * relative source or an option out of range is refused. */
		snprintf(text, sizeof text, head, 2, "[\"node1:p/part-000001.sgy\"]");
		CHECK(write_text(path, text) == 0);
		CHECK(sk_manifest_read(path, &d, &err) == 0 && d.lineage == NULL);
		CHECK(sk_manifest_set_str(&d.lineage, "/data/a \"b\".sgy", &err) == 0);
		d.lin_from = SK_FMT_SU;
		d.lin_sample = 5;
		d.lin_little = 1;
		d.lin_zstd = 3;
		CHECK(sk_manifest_write(&d, path, NULL, &err) == 0);
		sk_manifest_release(&d);
		CHECK(sk_manifest_read(path, &d, &err) == 0);
		CHECKF(d.lineage && strcmp(d.lineage, "/data/a \"b\".sgy") == 0, "%s", d.lineage ? d.lineage : "(none)");
		CHECK(d.lin_from == SK_FMT_SU && d.lin_sample == 5 && d.lin_little == 1 && d.lin_zstd == 3);
		{
			/* What a remake reads is named in the lineage: a run
			 * (sorted again when the split sorted), a stride, a
			 * key's range; one that disagrees with the split's
			 * fields is refused. */
			size_t len;
			char *t, *at;
			CHECK(sk_manifest_set_str(&d.sort, "cdp,-offset", &err) == 0);
			CHECK(sk_manifest_write(&d, path, NULL, &err) == 0);
			t = (char *)mk_slurp(path, &len);
			CHECK(t && strstr(t, "zstd: 3, read: run, sort: \"cdp,-offset\"}\n"));
			free(t);
			sk_manifest_release(&d);
			CHECK(sk_manifest_read(path, &d, &err) == 0 && d.sort && strcmp(d.sort, "cdp,-offset") == 0);
			sk_manifest_set_str(&d.sort, NULL, &err);
			d.mode = SK_SPLIT_RR;
			d.n = 3;
			CHECK(sk_manifest_write(&d, path, NULL, &err) == 0);
			t = (char *)mk_slurp(path, &len);
			CHECK(t && (at = strstr(t, "zstd: 3, read: stride, stride: 3}\n")));
			if (t && at) {
				at[31] = '4';
				CHECK(write_text(path, t) == 0);
				sk_manifest_release(&d);
				CHECK(sk_manifest_read(path, &d, &err) == SK_EARG);
				CHECKF(strstr(err.msg, ": stride: 4, but the split's is 3") != NULL, "%s", err.msg);
			}
			free(t);
			sk_manifest_release(&d);
		}
		{
			char t2[1200];
			snprintf(t2, sizeof t2, "%.*slineage: {source: \"rel.sgy\", from: segy, sample-format: 0, little: -1, zstd: 0}\n%s",
				 (int)(strstr(text, "pieces:") - text), text, strstr(text, "pieces:"));
			CHECK(write_text(path, t2) == 0);
			CHECK(sk_manifest_read(path, &d, &err) == SK_EARG);
			CHECKF(strcmp(err.msg, "line 12, column 19: source: 'rel.sgy' is not an absolute path") == 0, "%s", err.msg);
			snprintf(t2, sizeof t2, "%.*slineage: {source: \"/a\", from: segy, sample-format: 0, little: 2, zstd: 0}\n%s",
				 (int)(strstr(text, "pieces:") - text), text, strstr(text, "pieces:"));
			CHECK(write_text(path, t2) == 0);
			CHECK(sk_manifest_read(path, &d, &err) == SK_EARG);
			CHECKF(strcmp(err.msg, "line 12, column 10: lineage: write options out of range") == 0, "%s", err.msg);
		}
	}
	{
		/* New copies after the split: only the at: lines change; a
		 * location listed is not added twice; the limit holds; a
		 * piece of another xxh64 is refused and nothing written. */
		static const char text[] = "manifest: segkit-split\nversion: 2\nid: \"x\"\nsource: \"-\"\n"
					   "format: segy\nns: 8\ndt: 4000\nhdrlen: 240\ntraces: 2\nmode: count\n"
					   "count: 1\npieces:\n  - file: \"part-000001.sgy\"\n    traces: 1\n"
					   "    first: 0\n    bytes: 1\n    xxh64: \"00000000000000aa\"\n    min: {cdp: 1}\n"
					   "    at: [\"node1:p/part-000001.sgy\"]\n  - file: \"part-000002.sgy\"\n"
					   "    traces: 1\n    first: 1\n    bytes: 1\n    xxh64: \"00000000000000bb\"\n"
					   "    at: [\"node2:p/part-000002.sgy\"]\n";
		const struct sk_mcopy c[3] = {{1, 0xbb, "node3:p/part-000002.sgy"}, {0, 0xaa, "node1:p/part-000001.sgy"},
					      {1, 0xbb, "n 4:/x/part-000002.sgy"}};
		const struct sk_mcopy wrong = {0, 0xab, "node3:p/part-000001.sgy"};
		size_t added, len;
		char *back;
		CHECK(write_text(path, text) == 0);
		CHECK(sk_manifest_add_copies(path, c, 3, 0, &added, &err) == 0 && added == 2);
		back = (char *)mk_slurp(path, &len);
		CHECKF(back && strstr(back, "    xxh64: \"00000000000000bb\"\n    at: [\"node2:p/part-000002.sgy\", "
				      "\"node3:p/part-000002.sgy\", \"n 4:/x/part-000002.sgy\"]\n") &&
		       len == strlen(text) + 53 && strncmp(back, text, 300) == 0, "%s", back ? back : "");
		free(back);
		CHECK(sk_manifest_add_copies(path, c, 3, 0, &added, &err) == 0 && added == 0);
		CHECK(write_text(path, text) == 0);
		CHECK(sk_manifest_add_copies(path, c, 3, 2, &added, &err) == 0 && added == 1);
		CHECK(sk_manifest_add_copies(path, &wrong, 1, 0, &added, &err) == SK_ESTATE && added == 0);
		CHECKF(strcmp(err.msg, "part-000001.sgy: xxh64 00000000000000aa, the copy's is 00000000000000ab "
				       "(has the manifest been replaced?)") == 0, "%s", err.msg);
		CHECK(sk_manifest_read(path, &r, &err) == 0 && r.pieces[1].nat == 2 && r.pieces[0].nat == 1);
		sk_manifest_release(&r);
	}
	unlink(path);
	CHECK(sk_manifest_read(path, &r, &err) == SK_EIO);
	CHECK(sk_split_mode_parse("round-robin") == SK_SPLIT_RR && sk_split_mode_parse("x") == SK_SPLIT_NONE);
	CHECK(strcmp(sk_split_mode_name(SK_SPLIT_PARTS), "parts") == 0);
	rmdir(dir);
	return test_done();
}
