/* sgk version 2 (stream_sgk.c): samples kept in the source's encoding for
 * every sample format and byte order, byte-identical SEG-Y -> sgk -> SEG-Y,
 * float32 on request, version 1 streams still read, and a stream written to
 * a pipe and saved to a file read at random. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cpus.h"
#include "fmt.h"
#include "hdr.h"
#include "mkstream.h"
#include "segy.h"
#include "sgk.h"
#include "stream.h"
#include "tthreads.h"
#include "zio.h"

#define NS 13
#define NT 17

static char dir[64];

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* A SEG-Y file written byte by byte: format code, byte order, and samples
 * that are arbitrary words (for IBM: non-normalised ones too, which no float
 * encodes to). */
static int make_segy(const char *path, int code, int little, unsigned seed)
{
	const size_t w = (size_t)sk_fmt_size(code), rec = 240 + w * NS;
	unsigned char h[SK_SEGY_HDR], t[240 + 8 * NS];
	FILE *f = fopen(path, "wb");
	struct sk_error err;

	if (!f)
		return -1;
	sk_segy_default(h);
	if (sk_segy_set_bin(h, 0, little, code, NS, 2000, &err) < 0)
		return -1;
	fwrite(h, 1, sizeof h, f);
	for (int i = 0; i < NT; i++) {
		memset(t, 0, 240);
		sk_hdr_set_i32(t, SK_TR_TRACL, i + 1);
		sk_hdr_set_i32(t, SK_TR_CDPX, -1234567 * i);
		sk_hdr_set_i16(t, SK_TR_NS, NS);
		sk_hdr_set_i16(t, SK_TR_DT, 2000);
		if (little)
			sk_hdr_swap(t, 240);
		for (size_t k = 240; k < rec; k++) {
			seed = seed * 1103515245u + 12345u;
			t[k] = (unsigned char)(seed >> 16);
		}
		if (code == 1)
			t[240 + (little ? 2 : 1)] = 0x01;  /* a word with leading hex digit 0 */
		if (code == 4)    /* fixed point with gain: a zero first byte, G < 32 */
			for (size_t k = 240; k < rec; k += 4) {
				t[k + (little ? 3 : 0)] = 0;
				t[k + (little ? 2 : 1)] &= 0x1f;
			}
		fwrite(t, 1, rec, f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* Copies in to out with sk_copy_traces and the given options. */
static int convert(const char *in, const char *out, const struct sk_wopts *o)
{
	struct sk_reader *r;
	struct sk_writer *w;
	struct sk_error err;
	int rc;

	if (sk_reader_open(in, SK_FMT_AUTO, &r, &err) < 0) {
		printf("# %s: %s\n", in, err.msg);
		return -1;
	}
	if ((rc = sk_writer_open(out, sk_reader_info(r), o, &w, &err)) == 0 &&
	    (rc = sk_copy_traces(r, w, NULL, NULL, &err)) == 0)
		rc = sk_writer_close(w, &err);
	else if (rc < 0 && w)
		sk_writer_abort(w);
	if (rc < 0)
		printf("# %s -> %s: %s\n", in, out, err.msg);
	sk_reader_free(r);
	return rc;
}

/* Every trace of a and b decoded alike (bit for bit, NaNs included). */
static int same_traces(const char *a, const char *b)
{
	struct sk_reader *ra, *rb;
	struct sk_error err;
	unsigned char ha[240], hb[240];
	float da[NS], db[NS];
	int n = 0, bad = 0, x, y;

	if (sk_reader_open(a, SK_FMT_AUTO, &ra, &err) < 0 || sk_reader_open(b, SK_FMT_AUTO, &rb, &err) < 0)
		return 0;
	while ((x = sk_reader_next(ra, ha, da, &err)) == 1 && (y = sk_reader_next(rb, hb, db, &err)) == 1) {
		bad += memcmp(ha, hb, 240) != 0 || memcmp(da, db, sizeof da) != 0;
		n++;
	}
	sk_reader_free(ra);
	sk_reader_free(rb);
	return x == 0 && n == NT && bad == 0;
}

/* The sgk stream header's version, sample code and byte order. */
static int sgk_fields(const char *path, unsigned *version, unsigned *code, unsigned *order)
{
	unsigned char h[SK_SGK_HEAD];
	FILE *f = fopen(path, "rb");
	const size_t n = f ? fread(h, 1, sizeof h, f) : 0;

	if (f)
		fclose(f);
	if (n != sizeof h)
		return -1;
	*version = (unsigned)sk_segy_get(h, SK_SGK_H_VERSION + 1, 4, 1);
	*code = (unsigned)sk_segy_get(h, SK_SGK_H_CODE + 1, 2, 1);
	*order = h[SK_SGK_H_ORDER];
	return 0;
}

static void test_encodings(void)
{
	static const int codes[] = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16};
	char a[128], s[128], z[128], b[128], c[128];

	path_of(a, sizeof a, "a.sgy");
	path_of(s, sizeof s, "a.sgk");
	path_of(z, sizeof z, "z.sgk");
	path_of(b, sizeof b, "b.sgy");
	path_of(c, sizeof c, "c.sgy");
	for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++)
		for (int little = 0; little < 2; little++) {
			const int code = codes[k];
			struct sk_wopts o = SK_WOPTS_INIT;
			unsigned v, sc, so;

			CHECK(make_segy(a, code, little, (unsigned)(code * 7 + little)) == 0);
			o.fmt = SK_FMT_SGK;
			o.block = 5;
			CHECKF(convert(a, s, &o) == 0, "code %d little %d", code, little);
			CHECKF(sgk_fields(s, &v, &sc, &so) == 0 && v == 2 && sc == (unsigned)code &&
			       so == (unsigned)little, "code %d little %d: version %u code %u order %u", code, little, v, sc, so);
			o.zstd = 3;
			CHECK(convert(a, z, &o) == 0);
			/* Decoded alike, and back to the same bytes, plain and zstd. */
			CHECKF(same_traces(a, s) && same_traces(a, z), "code %d little %d decoded", code, little);
			o = (struct sk_wopts)SK_WOPTS_INIT;
			o.fmt = SK_FMT_SEGY;
			CHECK(convert(s, b, &o) == 0 && convert(z, c, &o) == 0);
			CHECKF(mk_same_file(a, b) && mk_same_file(a, c), "code %d little %d round trip", code, little);
			/* sgk -> sgk keeps the encoding too. */
			o.fmt = SK_FMT_SGK;
			CHECK(convert(z, s, &o) == 0);
			o.fmt = SK_FMT_SEGY;
			CHECK(convert(s, b, &o) == 0);
			CHECKF(mk_same_file(a, b), "code %d little %d via sgk -> sgk", code, little);
		}
	/* float32 on request: --format ieee (the byte order the source's, or
	 * --endian's); the values are the source's rounded to float. */
	{
		struct sk_wopts o = SK_WOPTS_INIT;
		unsigned v, sc, so;
		CHECK(make_segy(a, 3, 1, 5) == 0);
		o.fmt = SK_FMT_SGK;
		o.sample_format = 5;
		CHECK(convert(a, s, &o) == 0 && sgk_fields(s, &v, &sc, &so) == 0 && sc == 5 && so == 1);
		CHECK(same_traces(a, s));
		o.little = 0;
		CHECK(convert(a, s, &o) == 0 && sgk_fields(s, &v, &sc, &so) == 0 && sc == 5 && so == 0);
		CHECK(same_traces(a, s));
		o.sample_format = 4;
		CHECK(convert(a, s, &o) == SK_EARG);
	}
	/* Format 4 cannot be written: sgk stores it as float32. */
	{
		struct sk_wopts o = SK_WOPTS_INIT;
		unsigned v, sc, so;
		CHECK(make_segy(a, 4, 0, 11) == 0);
		o.fmt = SK_FMT_SGK;
		CHECK(convert(a, s, &o) == 0 && sgk_fields(s, &v, &sc, &so) == 0 && sc == 5);
		CHECK(same_traces(a, s));
	}
}

/* A version 1 stream, written here by the layout of man/sgk.5 version 1:
 * float32 little-endian samples, one plain block and one zstd block. */
static void test_version1(void)
{
	unsigned char h[SK_SGK_HEAD], bh[SK_SGK_BLOCK_HEAD], hdrs[3 * 240], smp[3 * NS * 4];
	unsigned char raw[sizeof hdrs + sizeof smp], zb[4096];
	struct sk_zio *zc = sk_zio_new(3);
	struct sk_reader *r;
	struct sk_error err;
	char p[128];
	size_t zn = 0;
	FILE *f;
	int ok = 1, i = 0, rc;
	unsigned char th[240];
	float d[NS];

	path_of(p, sizeof p, "v1.sgk");
	memset(h, 0, sizeof h);
	memcpy(h, SK_SGK_MAGIC, 8);
	sk_segy_put(h, 9, 4, 1, 1);
	sk_segy_put(h, 13, 4, 1, 1);
	sk_segy_put(h, 17, 4, 1, NS);
	sk_segy_put(h, 21, 4, 1, 240);
	{
		const double dt = 4000;
		uint64_t u;
		memcpy(&u, &dt, 8);
		sk_segy_put(h, 25, 8, 1, u);
	}
	sk_segy_put(h, 33, 4, 1, 3);
	sk_segy_put(h, 37, 4, 1, 1);
	sk_segy_put(h, 41, 8, 1, (uint64_t)(int64_t)-1);
	for (int t = 0; t < 3; t++) {
		memset(hdrs + 240 * t, 0, 240);
		sk_hdr_set_i32(hdrs + 240 * t, SK_TR_TRACL, t + 1);
		for (int k = 0; k < NS; k++) {
			const float v = (float)(t * 100 + k) + 0.25f;
			uint32_t u;
			memcpy(&u, &v, 4);
			sk_segy_put(smp, 4 * (t * NS + k) + 1, 4, 1, u);
		}
	}
	sk_sgk_shuffle(hdrs, smp, 3, 240, NS, 4, 0, raw);
	CHECK(zc && sk_zio_compress(zc, raw, sizeof raw, zb, sizeof zb, &zn, &err) == 0);
	f = fopen(p, "wb");
	fwrite(h, 1, sizeof h, f);
	for (int blk = 0; blk < 3; blk++) {
		const int z = blk == 1, n = blk == 2 ? 0 : 3;
		memset(bh, 0, sizeof bh);
		sk_segy_put(bh, 1, 4, 1, (uint64_t)n);
		sk_segy_put(bh, 5, 4, 1, (uint64_t)z);
		sk_segy_put(bh, 9, 8, 1, n ? sizeof raw : 0);
		sk_segy_put(bh, 17, 8, 1, n ? (z ? zn : sizeof raw) : 0);
		fwrite(bh, 1, sizeof bh, f);
		if (n && z)
			fwrite(zb, 1, zn, f);
		else if (n) {
			fwrite(hdrs, 1, sizeof hdrs, f);
			fwrite(smp, 1, sizeof smp, f);
		}
	}
	fclose(f);
	sk_zio_free(zc);
	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_reader_info(r)->sample_format == 5 && sk_reader_info(r)->ntraces == 6);
	while ((rc = sk_reader_next(r, th, d, &err)) == 1) {
		const int t = i % 3;
		ok &= sk_hdr_i32(th, SK_TR_TRACL) == t + 1 && d[NS - 1] == (float)(t * 100 + NS - 1) + 0.25f;
		i++;
	}
	CHECK(rc == 0 && ok && i == 6);
	sk_reader_free(r);
}

/* An sgk stream written to a pipe (count -1 in its header) and saved to a
 * file: the reader derives the count from the blocks, seeks, and reads at
 * random.  Cut short, it keeps the count unknown and reports the cut. */
static void test_from_pipe(int zstd)
{
	char a[128], p[128], cut[128], cmd[400];
	struct sk_reader *r;
	struct sk_error err;
	int fd[2], status;
	pid_t pid;
	FILE *f;
	unsigned char buf[4096], h[240], scratch[240 + 8 * NS];
	float d[NS], e[NS];
	size_t n;
	int ok = 1;

	path_of(a, sizeof a, "p.sgy");
	path_of(p, sizeof p, "p.sgk");
	path_of(cut, sizeof cut, "cut.sgk");
	CHECK(make_segy(a, 1, 0, 99) == 0);
	CHECK(pipe(fd) == 0);
	if ((pid = fork()) == 0) {
		struct sk_wopts o = SK_WOPTS_INIT;
		close(fd[0]);
		dup2(fd[1], 1);
		o.fmt = SK_FMT_SGK;
		o.block = 4;
		o.zstd = zstd;
		_exit(convert(a, NULL, &o) == 0 ? 0 : 1);
	}
	close(fd[1]);
	f = fopen(p, "wb");
	while ((n = (size_t)read(fd[0], buf, sizeof buf)) > 0 && n <= sizeof buf)
		fwrite(buf, 1, n, f);
	fclose(f);
	close(fd[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ntraces == NT);
	for (int i = NT - 1; i >= 0; i -= 2) {
		ok &= sk_reader_seek(r, i, &err) == 0 && sk_reader_next(r, h, d, &err) == 1 &&
		      sk_hdr_i32(h, SK_TR_TRACL) == i + 1;
		if (!zstd)
			ok &= sk_reader_pread(r, i, scratch, e, &err) == 0 && memcmp(d, e, sizeof d) == 0 &&
			      sk_reader_pread_hdrs_check(r, i, 1, scratch, sizeof scratch, h, NULL, &err) == 0 &&
			      sk_hdr_i32(h, SK_TR_TRACL) == i + 1;
	}
	CHECKF(ok, "zstd %d", zstd);
	CHECK(sk_reader_pread_size(r) == (zstd ? 0 : 240 + 4 * NS));
	sk_reader_free(r);

	/* Without its end marker: the count stays unknown, reading reports it. */
	{
		struct stat st;
		int rc;
		CHECK(stat(p, &st) == 0);
		snprintf(cmd, sizeof cmd, "head -c %lld %s > %s", (long long)st.st_size - 24, p, cut);
		CHECK(system(cmd) == 0);
		CHECK(sk_reader_open(cut, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ntraces == -1);
		CHECK(sk_reader_seek(r, 1, &err) == SK_EARG);
		while ((rc = sk_reader_next(r, h, d, &err)) == 1)
			;
		CHECK(rc == SK_EFMT && strncmp(err.msg, "truncated sgk stream: no end marker after trace 17", 50) == 0);
		sk_reader_free(r);
	}
}

/* Copies the inputs (a path, or "-" for src_fd as standard input) one after
 * the other into out with sk_copy_traces, as segmerge concatenates; the
 * error, if any, in err. */
static int copy_all(const char *const *in, int n, int src_fd, const char *out, int block, struct sk_error *err)
{
	struct sk_reader *r[4];
	struct sk_writer *w = NULL;
	struct sk_wopts o = SK_WOPTS_INIT;
	const int saved = dup(0);
	int rc = 0;

	o.fmt = SK_FMT_SGK;
	o.block = block;
	if (src_fd >= 0)
		dup2(src_fd, 0);
	for (int i = 0; i < n && rc == 0; i++) {
		if ((rc = sk_reader_open(in[i], SK_FMT_AUTO, &r[i], err)) < 0)
			break;
		if (i == 0 && (rc = sk_writer_open(out, sk_reader_info(r[0]), &o, &w, err)) < 0)
			w = NULL;
		if (rc == 0)
			rc = sk_copy_traces(r[i], w, NULL, NULL, err);
		sk_reader_free(r[i]);
	}
	if (rc == 0)
		rc = sk_writer_close(w, err);
	else if (w)
		sk_writer_abort(w);
	dup2(saved, 0);
	close(saved);
	return rc;
}

/* A pipe whose other end a child fills with the first n bytes of path. */
static int pipe_of(const char *path, long n, pid_t *pid)
{
	int fd[2];
	char cmd[200];

	if (pipe(fd) != 0)
		return -1;
	if ((*pid = fork()) == 0) {
		close(fd[0]);
		dup2(fd[1], 1);
		snprintf(cmd, sizeof cmd, "head -c %ld %s", n, path);
		_exit(system(cmd) == 0 ? 0 : 1);
	}
	close(fd[1]);
	return fd[0];
}

/*
 * SEG-Y -> sgk writes whole blocks straight from the reader's buffer
 * (sk_sgk_put_block_direct, writev); the bytes are checked against blocks
 * built here from the SEG-Y file: from a file and from a pipe, with the
 * last short block through the record path, and a bad ns or a cut trace
 * reported where they are, as the record path reports them.
 */
static void test_direct_blocks(void)
{
	enum { REC = 240 + 4 * NS, B = 4, DATA0 = SK_SGK_HEAD + SK_SEGY_HDR };
	enum { SIZE = DATA0 + 5 * SK_SGK_BLOCK_HEAD + NT * REC + SK_SGK_BLOCK_HEAD };
	char a[128], s[128], bad[128], cut[128], cmd[400];
	static unsigned char src[SK_SEGY_HDR + NT * REC], want[SIZE], got[SIZE + 1];
	const char *in[1] = {"-"};
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_reader *r;
	struct sk_writer *w;
	struct sk_error err;
	size_t at = DATA0;
	int64_t n = 0;
	pid_t pid;
	int fd;

	path_of(a, sizeof a, "direct.sgy");
	path_of(s, sizeof s, "direct.sgk");
	path_of(bad, sizeof bad, "direct-bad.sgy");
	path_of(cut, sizeof cut, "direct-cut.sgy");
	CHECK(make_segy(a, 1, 0, 7) == 0 && bytes_at(a, 0, src, sizeof src) == 0);
	for (int t0 = 0; t0 < NT; t0 += B) {
		const int c = NT - t0 < B ? NT - t0 : B;
		memset(want + at, 0, SK_SGK_BLOCK_HEAD);
		sk_segy_put(want + at, 1, 4, 1, (uint64_t)c);
		sk_segy_put(want + at + 8, 1, 8, 1, (uint64_t)c * REC);
		sk_segy_put(want + at + 16, 1, 8, 1, (uint64_t)c * REC);
		at += SK_SGK_BLOCK_HEAD;
		for (int t = t0; t < t0 + c; t++, at += 240)
			memcpy(want + at, src + SK_SEGY_HDR + (size_t)t * REC, 240);
		for (int t = t0; t < t0 + c; t++, at += REC - 240)
			memcpy(want + at, src + SK_SEGY_HDR + (size_t)t * REC + 240, REC - 240);
	}
	memset(want + at, 0, SK_SGK_BLOCK_HEAD);   /* the end marker */
	CHECK(at + SK_SGK_BLOCK_HEAD == SIZE);

	o.fmt = SK_FMT_SGK;
	o.block = B;
	CHECK(sk_reader_open(a, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_writer_open(s, sk_reader_info(r), &o, &w, &err) == 0);
	CHECK(sk_copy_traces(r, w, &n, NULL, &err) == 0 && n == NT);
	CHECK(sk_writer_close(w, &err) == 0);
	sk_reader_free(r);
	memset(got, 0, sizeof got);
	fd = open(s, O_RDONLY);
	CHECK(fd >= 0 && read(fd, got, sizeof got) == SIZE);
	close(fd);
	CHECK(memcmp(got + DATA0, want + DATA0, SIZE - DATA0) == 0);

	/* From a pipe: the same blocks. */
	fd = pipe_of(a, (long)sizeof src, &pid);
	CHECK(copy_all(in, 1, fd, s, B, &err) == 0);
	close(fd);
	waitpid(pid, NULL, 0);
	CHECK(bytes_at(s, 0, got, SIZE) == 0 && memcmp(got + DATA0, want + DATA0, SIZE - DATA0) == 0);

	/* Trace 6 (in the second block) with another ns in a file that does
	 * not declare fixed-length traces. */
	memcpy(got, src, sizeof src);
	sk_segy_put(got, 3501, 2, 0, 0x0100);         /* rev 1.0 */
	sk_segy_put(got, 3503, 2, 0, 0);              /* not fixed-length */
	sk_segy_put(got + SK_SEGY_HDR + 5 * REC, SK_TR_NS, 2, 0, 99);
	fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, got, sizeof src) == (ssize_t)sizeof src && close(fd) == 0);
	in[0] = bad;
	CHECK(copy_all(in, 1, -1, s, B, &err) == SK_EFMT);
	CHECKF(strcmp(err.msg, "trace 6 (byte 5175): ns=99 differs from the binary header's ns=13 and byte 3503 "
			       "does not declare fixed-length traces: variable-length traces are not supported") == 0,
	       "%s", err.msg);
	/* Cut 100 bytes into trace 10 (in the third block). */
	snprintf(cmd, sizeof cmd, "head -c %d %s > %s", SK_SEGY_HDR + 9 * REC + 100, a, cut);
	CHECK(system(cmd) == 0);
	in[0] = cut;
	CHECK(copy_all(in, 1, -1, s, B, &err) == SK_EFMT);
	CHECKF(strcmp(err.msg, "trace 10 (from byte 6229) is truncated: 100 of 292 bytes") == 0, "%s", err.msg);
}

/*
 * sgk -> sgk copies pass whole blocks (sk_sgk_pass_block): from a file in
 * pieces (sk_in_copy), from a pipe whole; a short last block goes into the
 * writer's block, which the next input fills up.  The bytes are those of
 * the trace-by-trace path: the input's, but for the origin field.
 */
static void test_pass_blocks(void)
{
	enum { REC = 240 + 4 * NS, BLK = 24 + 4 * REC, DATA0 = SK_SGK_HEAD + SK_SEGY_HDR };
	char a[128], s[128], b[128], c[128], cut[128], cmd[400];
	const char *two[2], *in[1];
	unsigned char x[DATA0 + 5 * BLK], y[sizeof x];
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_reader *r, *ra;
	struct sk_error err;
	const unsigned char *p, *q;
	struct stat st;
	pid_t pid;
	int fd, ok = 1, status;
	long size;

	path_of(a, sizeof a, "pass.sgy");
	path_of(s, sizeof s, "pass.sgk");
	path_of(b, sizeof b, "pass2.sgk");
	path_of(c, sizeof c, "pass3.sgk");
	path_of(cut, sizeof cut, "passcut.sgk");
	CHECK(make_segy(a, 1, 0, 7) == 0);
	o.fmt = SK_FMT_SGK;
	o.block = 4;
	CHECK(convert(a, s, &o) == 0);
	/* 17 traces in blocks of 4: four full blocks and one of 1 trace. */
	size = DATA0 + 4 * BLK + 24 + REC + 24;
	CHECK(stat(s, &st) == 0 && st.st_size == size);

	/* From a file and from a pipe: the same bytes but the origin (4 bytes
	 * at 36: sgk now, SEG-Y before). */
	in[0] = s;
	CHECK(copy_all(in, 1, -1, b, 4, &err) == 0);
	CHECK(bytes_at(s, 0, x, (size_t)size) == 0 && bytes_at(b, 0, y, (size_t)size) == 0);
	CHECK(stat(b, &st) == 0 && st.st_size == size);
	CHECK(memcmp(x, y, 36) == 0 && memcmp(x + 40, y + 40, (size_t)size - 40) == 0);
	CHECK(sk_segy_get(y, SK_SGK_H_ORIGIN + 1, 4, 1) == SK_FMT_SGK);
	in[0] = "-";
	fd = pipe_of(s, size, &pid);
	CHECK(copy_all(in, 1, fd, c, 4, &err) == 0 && mk_same_file(b, c));
	close(fd);
	waitpid(pid, &status, 0);
	/* Back to SEG-Y: the original bytes. */
	o.fmt = SK_FMT_SEGY;
	o.block = 0;
	CHECK(convert(b, c, &o) == 0 && mk_same_file(a, c));

	/* Two inputs: the short block of the first is filled up by the second,
	 * so that only the output's last block is short: 34 traces in 8 blocks
	 * of 4 and one of 2, each trace the input's. */
	two[0] = two[1] = s;
	CHECK(copy_all(two, 2, -1, c, 4, &err) == 0);
	CHECK(stat(c, &st) == 0 && st.st_size == DATA0 + 8 * BLK + 24 + 2 * REC + 24);
	for (int k = 0; k < 9; k++) {
		unsigned char bh[24];
		ok &= bytes_at(c, DATA0 + (long)k * BLK, bh, sizeof bh) == 0 &&
		      sk_segy_get(bh, 1, 4, 1) == (k < 8 ? 4u : 2u);
	}
	CHECK(ok);
	CHECK(sk_reader_open(c, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ntraces == 2 * NT);
	CHECK(sk_reader_open(s, SK_FMT_AUTO, &ra, &err) == 0);
	for (int i = 0; i < 2 * NT; i++) {
		static unsigned char want[REC];
		if (i == NT)
			ok &= sk_reader_seek(ra, 0, &err) == 0;
		ok &= sk_reader_next_raw(ra, &q, &err) == 1;
		memcpy(want, q, REC);
		ok &= sk_reader_next_raw(r, &p, &err) == 1 && memcmp(p, want, REC) == 0;
	}
	CHECKF(ok, "%s", err.msg);
	CHECK(sk_reader_next_raw(r, &p, &err) == 0);
	sk_reader_free(r);
	sk_reader_free(ra);

	/* Cut in a full block and in the short last one: the messages of the
	 * trace-by-trace path, from a file and from a pipe, and no output. */
	{
		static const struct { long at; const char *msg; } cuts[] = {
			{DATA0 + BLK + 24 + 100,
			 "truncated sgk stream: the block at byte 4856 (traces 5-8) has 100 of 1168 bytes"},
			{DATA0 + 4 * BLK + 24 + 10,
			 "truncated sgk stream: the block at byte 8432 (traces 17-17) has 10 of 292 bytes"},
		};
		CHECK(DATA0 + BLK == 4856 && DATA0 + 4 * BLK == 8432 && BLK - 24 == 1168);
		for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
			snprintf(cmd, sizeof cmd, "head -c %ld %s > %s", cuts[k].at, s, cut);
			CHECK(system(cmd) == 0);
			unlink(c);
			in[0] = cut;
			CHECK(copy_all(in, 1, -1, c, 4, &err) == SK_EFMT);
			CHECKF(strcmp(err.msg, cuts[k].msg) == 0, "%s", err.msg);
			CHECK(stat(c, &st) != 0);
			in[0] = "-";
			fd = pipe_of(s, cuts[k].at, &pid);
			CHECK(copy_all(in, 1, fd, c, 4, &err) == SK_EFMT);
			CHECKF(strcmp(err.msg, cuts[k].msg) == 0, "%s", err.msg);
			CHECK(stat(c, &st) != 0);
			close(fd);
			waitpid(pid, &status, 0);
		}
	}
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(UNDER_ASAN)
#define UNDER_ASAN 1
#endif

/*
 * A hostile compressed block: the largest ns the header allows (2^28) and 4
 * traces claim 4 GiB + 960 bytes of samples from a 17-byte zstd frame that
 * says so.  The reader refuses it from the frame, before allocating: in a
 * child whose address space is 512 MiB (not under ASan, whose shadow memory
 * needs terabytes of it), the message is that one, not "out of memory".
 */
static void test_hostile_block(void)
{
	static const unsigned char frame[17] = {0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0xc0, 0x03, 0x00, 0x00,
						0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00};
	unsigned char h[SK_SGK_HEAD + 24 + sizeof frame + 24];
	const double dt = 4000;
	char path[128];
	FILE *f;
	pid_t pid;
	int status;

	memset(h, 0, sizeof h);
	memcpy(h, SK_SGK_MAGIC, 8);
	sk_segy_put(h, SK_SGK_H_VERSION + 1, 4, 1, 2);
	sk_segy_put(h, SK_SGK_H_FLAGS + 1, 4, 1, 1);
	sk_segy_put(h, SK_SGK_H_NS + 1, 4, 1, 1u << 28);
	sk_segy_put(h, SK_SGK_H_HDRLEN + 1, 4, 1, 240);
	memcpy(h + SK_SGK_H_DT, &dt, 8);
	sk_segy_put(h, SK_SGK_H_BLOCK + 1, 4, 1, 4);
	sk_segy_put(h, SK_SGK_H_ORIGIN + 1, 4, 1, SK_FMT_SEGY);
	sk_segy_put(h, SK_SGK_H_COUNT + 1, 8, 1, (uint64_t)-1);
	sk_segy_put(h, SK_SGK_H_CODE + 1, 2, 1, 5);
	h[SK_SGK_H_ORDER] = 1;
	sk_segy_put(h, SK_SGK_HEAD + 1, 4, 1, 4);
	sk_segy_put(h, SK_SGK_HEAD + 5, 4, 1, 1);
	sk_segy_put(h, SK_SGK_HEAD + 9, 8, 1, 4 * (240 + 4 * ((uint64_t)1 << 28)));
	sk_segy_put(h, SK_SGK_HEAD + 17, 8, 1, sizeof frame);
	memcpy(h + SK_SGK_HEAD + 24, frame, sizeof frame);
	path_of(path, sizeof path, "hostile.sgk");
	CHECK((f = fopen(path, "wb")) && fwrite(h, 1, sizeof h, f) == sizeof h && fclose(f) == 0);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct sk_reader *r;
		struct sk_error err;
		const unsigned char *rec;
		int rc;
#ifndef UNDER_ASAN
		const struct rlimit lim = {512u << 20, 512u << 20};
		if (setrlimit(RLIMIT_AS, &lim) != 0)
			_exit(3);
#endif
		if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0) {
			printf("# open: %s\n", err.msg);
			fflush(stdout);
			_exit(2);
		}
		rc = sk_reader_next_raw(r, &rec, &err);
		if (rc != SK_EFMT ||
		    strcmp(err.msg, "sgk block at byte 64 (traces 1-4): zstd block of 17 bytes cannot expand to 4294968256") != 0 ||
		    strcmp(err.file, path) != 0) {
			printf("# rc %d: %s: %s\n", rc, err.file, err.msg);
			fflush(stdout);
			_exit(1);
		}
		sk_reader_free(r);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
#ifdef UNDER_ASAN
	printf("# skipped: the address space limit (under ASan); the message was checked\n");
#endif
}


/* Reads every trace of path (or of a pipe fed with it) with the default
 * buffer (lean 0), as one of many inputs (1: opened with a small buffer,
 * so compressed blocks are read past it) or with the default buffer and
 * sk_reader_readahead (2: compressed blocks decompressed ahead on two
 * cores): the traces into out (NT x (240 + 4 NS) bytes), the
 * count returned before the end or the error, whose code and message
 * (file name aside) are kept. */
static int read_all(const char *path, int from_pipe, int lean, unsigned char *out, int *count,
		    struct sk_error *err)
{
	struct sk_reader *r;
	pid_t pid = 0;
	char name[64];
	int rc, fd = -1;

	*count = 0;
	if (from_pipe) {
		fd = pipe_of(path, 1L << 30, &pid);
		snprintf(name, sizeof name, "/dev/fd/%d", fd);
	}
	rc = sk_reader_open_buf(from_pipe ? name : path, SK_FMT_AUTO, lean == 1 ? SK_MANY_BUF : 0, &r, err);
	if (rc == 0) {
		if (lean == 2)
			CHECK(sk_reader_readahead(r, err) == 0);
		while ((rc = sk_reader_next(r, out + (size_t)*count * (240 + 4 * NS),
					    (float *)(void *)(out + (size_t)*count * (240 + 4 * NS) + 240), err)) == 1)
			if (++*count == NT)
				break;
		if (rc == 1)
			rc = sk_reader_next(r, NULL, NULL, err);
		CHECK(sk_reader_tell(r) == *count);
		sk_reader_free(r);
	}
	if (from_pipe) {
		int status;
		close(fd);
		waitpid(pid, &status, 0);
	}
	return rc;
}

/*
 * Compressed blocks read past a small buffer by a reader opened as one of
 * many: the same traces as with the default buffer, from a file and a pipe, and a corrupt
 * or cut block in the middle reported as the serial path reports it, with
 * the same message (its byte and trace numbers), after the same traces.
 */
static void test_lean(void)
{
	enum { REC = 240 + 4 * NS };
	char a[128], z[128], bad[128], cut[128], hb[128];
	static unsigned char want[NT * REC], got[NT * REC], all[1 << 16];
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_error e1, e2;
	long off[NT], n = 0, at;
	int c1, c2, r1, r2;
	FILE *f;

	path_of(a, sizeof a, "ah.sgy");
	path_of(z, sizeof z, "ah.sgk");
	path_of(bad, sizeof bad, "ah_bad.sgk");
	path_of(cut, sizeof cut, "ah_cut.sgk");
	path_of(hb, sizeof hb, "ah_head.sgk");
	CHECK(make_segy(a, 1, 0, 7) == 0);
	o.fmt = SK_FMT_SGK;
	o.block = 2;   /* 9 blocks */
	o.zstd = 3;
	CHECK(convert(a, z, &o) == 0);
	CHECK((f = fopen(z, "rb")) != NULL && (n = (long)fread(all, 1, sizeof all, f)) > 0 && fclose(f) == 0);
	/* The blocks' offsets. */
	at = SK_SGK_HEAD + SK_SEGY_HDR;
	for (int k = 0; k < NT; k++) {
		off[k] = at;
		at += SK_SGK_BLOCK_HEAD + (long)sk_segy_get(all + at, SK_SGK_B_STORED + 1, 8, 1);
		if (sk_segy_get(all + at, SK_SGK_B_COUNT + 1, 4, 1) == 0)
			break;
	}
	for (int p = 0; p < 2; p++) {
		memset(got, 0, sizeof got);
		r1 = read_all(z, p, 0, want, &c1, &e1);
		r2 = read_all(z, p, 1, got, &c2, &e2);
		CHECKF(r1 == 0 && r2 == 0 && c1 == NT && c2 == NT && memcmp(want, got, sizeof want) == 0,
		       "pipe %d: %d %d, %d %d traces", p, r1, r2, c1, c2);
	}
	/* Block 5 (traces 9-10): its frame header's reserved bit set. */
	all[off[4] + SK_SGK_BLOCK_HEAD + 4] |= 0x08;
	CHECK((f = fopen(bad, "wb")) && fwrite(all, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0);
	all[off[4] + SK_SGK_BLOCK_HEAD + 4] &= (unsigned char)~0x08;
	/* Block 5's header claims a flag that does not exist. */
	all[off[4] + SK_SGK_B_FLAGS] |= 4;
	CHECK((f = fopen(hb, "wb")) && fwrite(all, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0);
	all[off[4] + SK_SGK_B_FLAGS] &= (unsigned char)~4;
	/* Cut in block 5's payload. */
	CHECK((f = fopen(cut, "wb")) && fwrite(all, 1, (size_t)off[4] + SK_SGK_BLOCK_HEAD + 5, f) ==
						  (size_t)off[4] + SK_SGK_BLOCK_HEAD + 5 && fclose(f) == 0);
	{
		const char *const files[3] = {bad, hb, cut};
		char exp[3][200];
		snprintf(exp[0], sizeof exp[0], "sgk block at byte %ld (traces 9-10): ", off[4]);
		snprintf(exp[1], sizeof exp[1], "corrupt sgk block header at byte %ld: 2 traces", off[4]);
		snprintf(exp[2], sizeof exp[2], "truncated sgk stream: the block at byte %ld (traces 9-10) has 5 of ",
			 off[4]);
		for (int i = 0; i < 3; i++)
			for (int p = 0; p < 2; p++) {
				memset(got, 0, sizeof got);
				r1 = read_all(files[i], p, 0, want, &c1, &e1);
				r2 = read_all(files[i], p, 1, got, &c2, &e2);
				CHECKF(r1 == SK_EFMT && r2 == r1 && c1 == 8 && c2 == 8 &&
				       memcmp(want, got, 8 * REC) == 0 && strcmp(e1.msg, e2.msg) == 0 &&
				       strncmp(e2.msg, exp[i], strlen(exp[i])) == 0,
				       "file %d pipe %d: rc %d %d, %d %d traces: '%s' / '%s'", i, p, r1, r2, c1, c2, e1.msg,
				       e2.msg);
			}
	}
}

/*
 * Compressed blocks decompressed ahead on two cores (sk_reader_readahead):
 * the same traces as the serial path from a file and a pipe, and a corrupt
 * or cut block in the middle reported as the serial path reports it, with
 * the same message (its byte and trace numbers), after the same traces.
 */
static void test_ahead(void)
{
	enum { REC = 240 + 4 * NS };
	char a[128], z[128], bad[128], cut[128], hb[128];
	static unsigned char want[NT * REC], got[NT * REC], all[1 << 16];
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_error e1, e2;
	long off[NT], n = 0, at;
	int c1, c2, r1, r2;
	FILE *f;

	if (sk_cpus_usable() < 2)
		printf("# one CPU: blocks ahead stay off, the serial path is compared with itself\n");
	path_of(a, sizeof a, "ah.sgy");
	path_of(z, sizeof z, "ah.sgk");
	path_of(bad, sizeof bad, "ah_bad.sgk");
	path_of(cut, sizeof cut, "ah_cut.sgk");
	path_of(hb, sizeof hb, "ah_head.sgk");
	CHECK(make_segy(a, 1, 0, 7) == 0);
	o.fmt = SK_FMT_SGK;
	o.block = 2;   /* 9 blocks */
	o.zstd = 3;
	CHECK(convert(a, z, &o) == 0);
	CHECK((f = fopen(z, "rb")) != NULL && (n = (long)fread(all, 1, sizeof all, f)) > 0 && fclose(f) == 0);
	/* The blocks' offsets. */
	at = SK_SGK_HEAD + SK_SEGY_HDR;
	for (int k = 0; k < NT; k++) {
		off[k] = at;
		at += SK_SGK_BLOCK_HEAD + (long)sk_segy_get(all + at, SK_SGK_B_STORED + 1, 8, 1);
		if (sk_segy_get(all + at, SK_SGK_B_COUNT + 1, 4, 1) == 0)
			break;
	}
	for (int p = 0; p < 2; p++) {
		memset(got, 0, sizeof got);
		r1 = read_all(z, p, 0, want, &c1, &e1);
		r2 = read_all(z, p, 2, got, &c2, &e2);
		CHECKF(r1 == 0 && r2 == 0 && c1 == NT && c2 == NT && memcmp(want, got, sizeof want) == 0,
		       "pipe %d: %d %d, %d %d traces", p, r1, r2, c1, c2);
	}
	/* Block 5 (traces 9-10): its frame header's reserved bit set. */
	all[off[4] + SK_SGK_BLOCK_HEAD + 4] |= 0x08;
	CHECK((f = fopen(bad, "wb")) && fwrite(all, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0);
	all[off[4] + SK_SGK_BLOCK_HEAD + 4] &= (unsigned char)~0x08;
	/* Block 5's header claims a flag that does not exist. */
	all[off[4] + SK_SGK_B_FLAGS] |= 4;
	CHECK((f = fopen(hb, "wb")) && fwrite(all, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0);
	all[off[4] + SK_SGK_B_FLAGS] &= (unsigned char)~4;
	/* Cut in block 5's payload. */
	CHECK((f = fopen(cut, "wb")) && fwrite(all, 1, (size_t)off[4] + SK_SGK_BLOCK_HEAD + 5, f) ==
						  (size_t)off[4] + SK_SGK_BLOCK_HEAD + 5 && fclose(f) == 0);
	{
		const char *const files[3] = {bad, hb, cut};
		char exp[3][200];
		snprintf(exp[0], sizeof exp[0], "sgk block at byte %ld (traces 9-10): ", off[4]);
		snprintf(exp[1], sizeof exp[1], "corrupt sgk block header at byte %ld: 2 traces", off[4]);
		snprintf(exp[2], sizeof exp[2], "truncated sgk stream: the block at byte %ld (traces 9-10) has 5 of ",
			 off[4]);
		for (int i = 0; i < 3; i++)
			for (int p = 0; p < 2; p++) {
				memset(got, 0, sizeof got);
				r1 = read_all(files[i], p, 0, want, &c1, &e1);
				r2 = read_all(files[i], p, 2, got, &c2, &e2);
				CHECKF(r1 == SK_EFMT && r2 == r1 && c1 == 8 && c2 == 8 &&
				       memcmp(want, got, 8 * REC) == 0 && strcmp(e1.msg, e2.msg) == 0 &&
				       strncmp(e2.msg, exp[i], strlen(exp[i])) == 0,
				       "file %d pipe %d: rc %d %d, %d %d traces: '%s' / '%s'", i, p, r1, r2, c1, c2, e1.msg,
				       e2.msg);
			}
	}
}


/* The helper thread runs while blocks are read ahead, and is gone after a
 * seek (which reads on serially) and at the end; a seek after blocks read
 * ahead, and a copy to SEG-Y, give the serial path's traces. */
static void test_ahead_seek(void)
{
	char a[128], z[128], back[128];
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_reader *r;
	struct sk_error err;
	unsigned char h1[240], h2[240];
	float d1[NS], d2[NS];
	const int two = sk_cpus_usable() >= 2;
	const int t0 = t_threads();

	path_of(a, sizeof a, "as.sgy");
	path_of(z, sizeof z, "as.sgk");
	path_of(back, sizeof back, "as_back.sgy");
	CHECK(make_segy(a, 1, 0, 11) == 0);
	o.fmt = SK_FMT_SGK;
	o.block = 3;
	o.zstd = 1;
	CHECK(convert(a, z, &o) == 0);
	CHECK(sk_reader_open(z, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_reader_readahead(r, &err) == 0);
	CHECKF(t_threads() == t0 + two, "threads %d, %d before", t_threads(), t0);
	for (int i = 0; i < 5; i++)
		CHECK(sk_reader_next(r, h1, d1, &err) == 1);
	CHECK(sk_reader_seek(r, 2, &err) == 0);
	CHECK(t_threads_gone(t0) == t0);
	{
		struct sk_reader *s;
		CHECK(sk_reader_open(z, SK_FMT_AUTO, &s, &err) == 0);
		for (int i = 0; i < 3; i++)
			CHECK(sk_reader_next(s, h2, d2, &err) == 1);
		CHECK(sk_reader_next(r, h1, d1, &err) == 1);
		CHECK(memcmp(h1, h2, 240) == 0 && memcmp(d1, d2, sizeof d1) == 0);
		sk_reader_free(s);
	}
	sk_reader_free(r);
	/* The copy path (blocks written by writev) back to the SEG-Y bytes. */
	o = (struct sk_wopts)SK_WOPTS_INIT;
	o.fmt = SK_FMT_SEGY;
	CHECK(sk_reader_open(z, SK_FMT_AUTO, &r, &err) == 0);
	{
		struct sk_writer *w;
		int64_t n = 0;
		CHECK(sk_writer_open(back, sk_reader_info(r), &o, &w, &err) == 0);
		CHECK(sk_copy_readahead(r, w, &err) == 0);
		CHECK(t_threads() == t0 + two);
		CHECK(sk_copy_traces(r, w, &n, NULL, &err) == 0 && n == NT);
		CHECK(sk_writer_close(w, &err) == 0);
	}
	sk_reader_free(r);
	CHECK(t_threads_gone(t0) == t0);
	CHECK(mk_same_file(a, back));
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_stream_sgk_%ld", (long)getpid());
	mkdir(dir, 0700);
	test_encodings();
	test_version1();
	test_from_pipe(0);
	test_from_pipe(3);
	test_pass_blocks();
	test_direct_blocks();
	test_hostile_block();
	test_lean();
	test_ahead();
	test_ahead_seek();
	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
	return test_done();
}
