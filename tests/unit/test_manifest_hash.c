/* Unit tests of lib/flow/manifest_hash.c beyond test_manifest.c: xxh64 of
 * files across the 32-byte stripe and the 1 MiB read buffer, and of the
 * same bytes fed in pieces (sk_xxh64_*), against tests/cli/xxh64.py (the
 * specification's algorithm, written apart from the library); and the
 * checks of a piece test_manifest.c does not make: a piece longer than
 * written, another dt or header length, a compressed sgk piece (its count,
 * a changed byte), and a piece path too long. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"
#include "mkstream.h"

static void fill(int i, unsigned char *h, float *d)
{
	sk_hdr_set_i32(h, SK_TR_TRACL, i + 1);
	for (int s = 0; s < 8; s++)
		d[s] = (float)(i * 10 + s);
}

static int write_bytes(const char *path, const unsigned char *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	const int ok = fp && fwrite(b, 1, n, fp) == n;

	return (fp && fclose(fp) == 0 && ok) ? 0 : -1;
}

int main(void)
{
	/* tests/cli/xxh64.py of files of mk_bytes(N) for these N, written by
	 * python3 -c "import sys; n = int(sys.argv[1]); open('b%d' % n, 'wb').write(
	 *   bytes((i * 31 + i // 977) & 255 for i in range(n)))" N */
	static const struct { size_t n; uint64_t h; } ref[] = {
		{0, 0xef46db3751d8e999ULL},       {3, 0xe5d2be4ae4b3469aULL},
		{31, 0xf9c815c599cbb32dULL},      {32, 0xba7bafd4734262ddULL},
		{33, 0x791cbe857e7fa007ULL},      {1048576, 0x3c6a307bf08b2aa0ULL},
		{1048577, 0x985135861d539457ULL}, {3000000, 0x3f00283280391641ULL},
	};
	unsigned char *b = mk_bytes(3000000);
	struct sk_manifest m;
	struct sk_mpiece p;
	struct sk_error err;
	char dir[64], piece[128], *longname;
	uint64_t h, size;

	CHECK(b != NULL && mk_tmpdir(dir, sizeof dir, "manifest_hash") != NULL);
	snprintf(piece, sizeof piece, "%s/p.bin", dir);
	for (size_t k = 0; k < sizeof ref / sizeof ref[0]; k++) {
		struct sk_xxh64 *x = sk_xxh64_new();
		size_t at = 0, step = 1;
		CHECK(write_bytes(piece, b, ref[k].n) == 0);
		CHECKF(sk_file_xxh64(piece, &h, &size, &err) == 0 && h == ref[k].h && size == ref[k].n,
		       "%zu bytes: %016llx", ref[k].n, (unsigned long long)h);
		/* In pieces of 1, 2, 4, ... 64 KiB bytes, then the rest. */
		CHECK(x != NULL);
		while (x && at < ref[k].n) {
			const size_t m1 = ref[k].n - at < step ? ref[k].n - at : step;
			sk_xxh64_update(x, b + at, m1);
			at += m1;
			step = step < 65536 ? 2 * step : step;
		}
		CHECKF(x && sk_xxh64_digest(x) == ref[k].h, "%zu bytes in pieces", ref[k].n);
		/* The digest leaves the state as it was: more bytes go on. */
		if (x && ref[k].n == 32) {
			sk_xxh64_update(x, b + 32, 1);
			CHECK(sk_xxh64_digest(x) == ref[4].h);
		}
		sk_xxh64_free(x);
	}
	sk_xxh64_free(NULL);
	unlink(piece);

	/* One piece of 5 traces of 8 samples, as the manifest says. */
	sk_manifest_init(&m);
	m.fmt = SK_FMT_SEGY;
	m.ns = 8;
	m.dt = 4000;
	m.hdrlen = 240;
	CHECK(sk_manifest_set_str(&m.dir, dir, &err) == 0);
	memset(&p, 0, sizeof p);
	p.file = (char *)(uintptr_t)"p.sgy";
	p.traces = 5;
	snprintf(piece, sizeof piece, "%s/p.sgy", dir);
	{
		struct sk_wopts o = SK_WOPTS_INIT;
		CHECK(mk_write(piece, &o, 8, 4000, 5, fill) == 0);
	}
	CHECK(sk_file_xxh64(piece, &p.xxh64, &p.bytes, &err) == 0 && p.bytes == 3600 + 5 * (240 + 32));
	CHECK(sk_manifest_add(&m, &p, &err) == 0);
	CHECK(sk_manifest_check(&m, 0, 1, &err) == 0);
	/* Longer than written: 2 bytes more. */
	{
		FILE *fp = fopen(piece, "ab");
		CHECK(fp && fwrite("xy", 1, 2, fp) == 2 && fclose(fp) == 0);
	}
	CHECK(sk_manifest_check(&m, 0, 1, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "4962 bytes, the manifest says 4960 (longer than written)") == 0 &&
	       strcmp(err.file, piece) == 0, "%s", err.msg);
	{
		struct sk_wopts o = SK_WOPTS_INIT;
		CHECK(mk_write(piece, &o, 8, 4000, 5, fill) == 0);
	}
	/* Another dt, another header length: said before the count. */
	m.dt = 2000;
	m.pieces[0].traces = 4;
	CHECK(sk_manifest_check(&m, 0, 1, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "dt 4000, the manifest says 2000") == 0 && strcmp(err.file, piece) == 0, "%s",
	       err.msg);
	m.dt = 4000;
	m.hdrlen = 480;
	CHECK(sk_manifest_check(&m, 0, 1, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "trace header length 240, the manifest says 480") == 0, "%s", err.msg);
	m.hdrlen = 240;
	m.pieces[0].traces = 5;
	CHECK(sk_manifest_check(&m, 0, 1, &err) == 0);

	/* A compressed sgk piece. */
	m.fmt = SK_FMT_SGK;
	snprintf(piece, sizeof piece, "%s/p.sgk", dir);
	free(m.pieces[0].file);
	m.pieces[0].file = strdup("p.sgk");
	{
		struct sk_wopts o = SK_WOPTS_INIT;
		o.fmt = SK_FMT_SGK;
		o.zstd = 3;
		o.block = 2;
		CHECK(mk_write(piece, &o, 8, 4000, 5, fill) == 0);
	}
	CHECK(sk_file_xxh64(piece, &m.pieces[0].xxh64, &m.pieces[0].bytes, &err) == 0);
	{
		/* A compressed file is walked at open (docs/sgk.md), so its
		 * count is known here too: the check's reading pass is for
		 * pipes. */
		struct sk_reader *r;
		CHECK(sk_reader_open(piece, SK_FMT_SGK, &r, &err) == 0 && sk_reader_info(r)->compressed &&
		      sk_reader_info(r)->ntraces == 5);
		sk_reader_free(r);
	}
	CHECK(sk_manifest_check(&m, 0, 1, &err) == 0);
	m.pieces[0].traces = 6;
	CHECK(sk_manifest_check(&m, 0, 0, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "5 traces, the manifest says 6") == 0 && strcmp(err.file, piece) == 0, "%s", err.msg);
	m.pieces[0].traces = 5;
	/* A byte in its middle changed: the size is right, reading it fails. */
	{
		size_t n;
		unsigned char *z = mk_slurp(piece, &n);
		CHECK(z != NULL && n > 100);
		if (z) {
			z[n / 2] ^= 0x55;
			CHECK(write_bytes(piece, z, n) == 0);
		}
		free(z);
	}
	CHECK(sk_manifest_check(&m, 0, 1, &err) < 0 && strcmp(err.file, piece) == 0);
	unlink(piece);

	/* A piece path past the buffer (4096 bytes). */
	longname = malloc(5000);
	CHECK(longname != NULL);
	if (longname) {
		memset(longname, 'a', 4999);
		longname[4999] = '\0';
		free(m.pieces[0].file);
		m.pieces[0].file = longname;
		CHECK(sk_manifest_check(&m, 0, 0, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "path of piece 1 is too long") == 0);
	}
	sk_manifest_release(&m);
	snprintf(piece, sizeof piece, "%s/p.sgy", dir);
	unlink(piece);
	CHECK(rmdir(dir) == 0);
	free(b);
	return test_done();
}
