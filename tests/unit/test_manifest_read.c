/* Unit tests of lib/flow/manifest_read.c beyond test_manifest.c: the
 * errors of a damaged manifest that test_manifest.c does not reach, each
 * at its line and column (counted by hand in the base text below), and the
 * refusals of sk_manifest_add_copies (a piece the manifest lacks, another
 * xxh64, a piece with no locations, a flow-style file it did not write),
 * the file unchanged after each. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"
#include "mkstream.h"

/* Lines 1-24; a piece's keys start at column 5, their values after "KEY: ". */
static const char base[] =
	"manifest: segkit-split\n"
	"version: 2\n"
	"id: \"00000000000000a1\"\n"
	"source: \"line.sgy\"\n"
	"format: segy\n"
	"ns: 8\n"
	"dt: 4000\n"
	"hdrlen: 240\n"
	"traces: 10\n"
	"mode: count\n"
	"count: 5\n"
	"pieces:\n"
	"  - file: \"p1.sgy\"\n"
	"    traces: 5\n"
	"    first: 0\n"
	"    bytes: 100\n"
	"    xxh64: \"00000000000000ff\"\n"
	"    at: [\"node1:p/p1.sgy\"]\n"
	"  - file: \"p2.sgy\"\n"
	"    traces: 5\n"
	"    first: 5\n"
	"    bytes: 100\n"
	"    xxh64: \"00000000000000fe\"\n"
	"    at: [\"node2:p/p2.sgy\"]\n";

static char path[128];

static void put(const char *text)
{
	FILE *fp = fopen(path, "w");

	CHECK(fp != NULL);
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* The base text with its first "from" replaced by "to", read: the error's
 * message, or "" when it reads. */
static const char *read_with(const char *from, const char *to)
{
	static char msg[sizeof ((struct sk_error *)0)->msg];
	char text[2048];
	const char *at = strstr(base, from);
	struct sk_manifest m;
	struct sk_error err;

	if (!at)
		return "(not in the base text)";
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	put(text);
	if (sk_manifest_read(path, &m, &err) == 0) {
		sk_manifest_release(&m);
		return "";
	}
	snprintf(msg, sizeof msg, "%s", err.code == SK_EFMT || err.code == SK_EARG ? err.msg : "(another code)");
	return msg;
}

#define READS(from, to, want) CHECKF(strcmp(read_with(from, to), want) == 0, "%s", read_with(from, to))

int main(void)
{
	char dir[64];
	struct sk_manifest m;
	struct sk_error err;
	size_t added;

	CHECK(mk_tmpdir(dir, sizeof dir, "manifest_read") != NULL);
	snprintf(path, sizeof path, "%s/manifest.yaml", dir);

	READS("id:", "id:", "");
	READS("    traces: 5\n    first: 0", "    traces: -1\n    first: 0", "line 14, column 13: traces: out of range");
	READS("count: 5", "count: 0", "line 11, column 8: count: out of range");
	READS("    bytes: 100\n", "", "line 13, column 5: no 'bytes' field");
	READS("\"00000000000000ff\"", "\"xyz\"", "line 17, column 12: xxh64: expected 16 hex digits");
	READS("source: \"line.sgy\"", "source: [1]", "line 4, column 9: source: expected a string");
	READS("format: segy", "format: segz", "line 5, column 9: format: unknown format 'segz'");
	READS("mode: count", "mode: cunt", "line 10, column 7: mode: unknown split mode 'cunt'");
	READS("[\"node1:p/p1.sgy\"]", "[]", "line 18, column 9: at: expected a list of host:path locations");
	READS("[\"node1:p/p1.sgy\"]", "\"node1:p/p1.sgy\"", "line 18, column 9: at: expected a list of host:path locations");
	READS("  - file: \"p2.sgy\"\n    traces: 5\n    first: 5\n    bytes: 100\n    xxh64: \"00000000000000fe\"\n"
	      "    at: [\"node2:p/p2.sgy\"]\n", "  - 7\n", "line 19, column 5: a piece must be a map");
	READS("pieces:\n", "pieces: 3\nother:\n", "line 12, column 9: pieces: expected a list");

	/* Copies added: refused for a piece the manifest lacks, another
	 * xxh64, a piece without locations; the file stays as it was. */
	put(base);
	{
		const struct sk_mcopy bad1 = {2, 0xfe, "node3:q/p3.sgy"}, bad2 = {1, 0xff, "node3:q/p2.sgy"};
		size_t n;
		unsigned char *before = mk_slurp(path, &n), *after;
		CHECK(sk_manifest_add_copies(path, &bad1, 1, 0, &added, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "piece 3: the manifest has 2") == 0, "%s", err.msg);
		CHECK(sk_manifest_add_copies(path, &bad2, 1, 0, &added, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "p2.sgy: xxh64 00000000000000fe, the copy's is 00000000000000ff (has the manifest "
				       "been replaced?)") == 0, "%s", err.msg);
		after = mk_slurp(path, &n);
		CHECK(before && after && strcmp((char *)before, (char *)after) == 0);
		free(before);
		free(after);
	}
	{
		char text[2048];
		const char *at = strstr(base, "    at: [\"node2:p/p2.sgy\"]\n");
		const struct sk_mcopy c = {1, 0xfe, "node3:q/p2.sgy"};
		snprintf(text, sizeof text, "%.*s", (int)(at - base), base);
		put(text);
		CHECK(sk_manifest_add_copies(path, &c, 1, 0, &added, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "p2.sgy: not a distributed piece (no 'at')") == 0, "%s", err.msg);
	}
	/* A list in flow style, which segsplit never writes: the pieces are
	 * not found line by line, and nothing is written. */
	{
		const char flow[] = "manifest: segkit-split\nversion: 2\nid: \"00000000000000a1\"\nsource: \"x\"\n"
				    "format: segy\nns: 8\ndt: 4000\nhdrlen: 240\ntraces: 5\nmode: count\ncount: 5\npieces: [{file: "
				    "\"p1.sgy\", traces: 5, first: 0, bytes: 100, xxh64: \"00000000000000ff\", at: "
				    "[\"node1:p/p1.sgy\"]}]\n";
		const struct sk_mcopy c = {0, 0xff, "node3:q/p1.sgy"};
		size_t n;
		unsigned char *after;
		put(flow);
		CHECK(sk_manifest_read(path, &m, &err) == 0 && m.npieces == 1 && m.pieces[0].nat == 1);
		sk_manifest_release(&m);
		CHECK(sk_manifest_add_copies(path, &c, 1, 0, &added, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "0 piece entries, 1 pieces: not a manifest segsplit wrote") == 0, "%s", err.msg);
		after = mk_slurp(path, &n);
		CHECK(after && strcmp((char *)after, flow) == 0);
		free(after);
	}
	/* A copy at the limit of locations (max 1) is not added: nothing
	 * written. */
	put(base);
	{
		const struct sk_mcopy c = {0, 0xff, "node3:q/p1.sgy"};
		CHECK(sk_manifest_add_copies(path, &c, 1, 1, &added, &err) == 0 && added == 0);
		CHECK(sk_manifest_read(path, &m, &err) == 0 && m.pieces[0].nat == 1);
		sk_manifest_release(&m);
		CHECK(sk_manifest_add_copies(path, &c, 1, 2, &added, &err) == 0 && added == 1);
		CHECK(sk_manifest_read(path, &m, &err) == 0 && m.pieces[0].nat == 2 &&
		      strcmp(m.pieces[0].at[1], "node3:q/p1.sgy") == 0 && m.pieces[1].nat == 1);
		sk_manifest_release(&m);
	}
	unlink(path);
	CHECK(rmdir(dir) == 0);
	return test_done();
}
