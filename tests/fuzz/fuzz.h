/*
 * The body of the reader fuzz harnesses (fuzz_segy.c, fuzz_su.c,
 * fuzz_sgk.c).  Each input is written to a memfd (a seekable file of known
 * size) and read forced to the harness's format: every trace, with and
 * without its header and samples, then seeks.  The input's last byte then
 * picks one more pass: the file converted auto-detected to another format,
 * converted forced to zstd sgk in blocks of 3 traces, converted forced to
 * SEG-Y in a sample format and byte order the byte also picks, or read
 * forced from a pipe (standard input, no size).  Output goes to /dev/null.
 * One pass per input rather than all four keeps an execution to a few
 * hundred microseconds: the fuzzer mutates the last byte as any other.
 * FUZZ_ALL_PASSES=1 in the environment runs all four.
 * Besides the sanitizers, it checks what the interface promises: an error
 * always carries a message, a reader that reaches the end returned the
 * trace count it announced, and a seek lands where it was asked.
 */
#ifndef FUZZ_H
#define FUZZ_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream.h"

/* At most this many traces are read per pass (run.sh caps inputs at a few
 * KiB; an input kept from a finding may be larger). */
#define FUZZ_MAX_TRACES 20000

/* Samples are decoded, and streams converted, for traces of up to this
 * many samples (above 65535, SEG-Y needs rev 2's extended ns).  Inputs of
 * a few KiB hold more only in a zstd block, or announce more in a header
 * whose trace is cut short; buffers for 2^28 samples would make those
 * inputs a thousand times slower than the rest.  Longer traces are read
 * headers only. */
#define FUZZ_MAX_NS (1L << 17)

static void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz invariant broken: %s\n", what);
	abort();
}

/* An error must say what is wrong. */
static void fuzz_check_err(int rc, const struct sk_error *err)
{
	if (rc < 0 && (err->code != rc || err->msg[0] == '\0'))
		fuzz_fail("an error without its code or message");
}

/* Reads every trace, decoding headers and samples, headers only, samples
 * only or neither in turn. */
static void fuzz_read_all(struct sk_reader *r)
{
	const struct sk_info *in = sk_reader_info(r);
	unsigned char *hdr = malloc(in->hdrlen);
	float *data = in->ns <= FUZZ_MAX_NS ? malloc(sizeof *data * (size_t)in->ns) : NULL;
	struct sk_error err;
	int64_t n = 0;
	int rc = 0;

	if (!hdr || (!data && in->ns <= FUZZ_MAX_NS))
		fuzz_fail("out of memory for one trace");
	while (n < FUZZ_MAX_TRACES) {
		const int mode = (int)(n % 4);
		rc = sk_reader_next(r, mode & 1 ? NULL : hdr, mode & 2 ? NULL : data, &err);
		if (rc <= 0)
			break;
		n++;
		if (sk_reader_tell(r) != n)
			fuzz_fail("sk_reader_tell is not the count of traces read");
	}
	fuzz_check_err(rc, &err);
	if (rc == 0 && in->ntraces >= 0 && n != in->ntraces)
		fuzz_fail("the reader ended after a trace count other than the one it announced");
	free(hdr);
	free(data);
}

/* Reads trace idx by seeking to it and by reading from trace 0 after a seek
 * to 0: both must give the same bytes. */
static void fuzz_seek_same(struct sk_reader *r, int64_t idx, unsigned char *h1, float *d1,
			   unsigned char *h2, float *d2)
{
	const struct sk_info *in = sk_reader_info(r);
	struct sk_error err;
	int rc = sk_reader_seek(r, idx, &err);

	fuzz_check_err(rc, &err);
	if (rc < 0)
		return;
	if (sk_reader_tell(r) != idx)
		fuzz_fail("sk_reader_tell is not where sk_reader_seek went");
	rc = sk_reader_next(r, h1, d1, &err);
	fuzz_check_err(rc, &err);
	if (rc > 0 && idx >= in->ntraces)
		fuzz_fail("a trace after the last one");
	if (rc <= 0 || idx > FUZZ_MAX_TRACES)
		return;
	rc = sk_reader_seek(r, 0, &err);
	fuzz_check_err(rc, &err);
	/* A seek reads only the block it lands in, so a damaged first block
	 * may be found only now: that must be a data error, nothing else. */
	if (rc < 0 && err.code != SK_EFMT)
		fuzz_fail("a seek to trace 0 failed after a seek that worked");
	if (rc < 0)
		return;
	for (int64_t i = 0; i <= idx; i++) {
		rc = sk_reader_next(r, h2, d2, &err);
		fuzz_check_err(rc, &err);
		if (rc <= 0)
			return;  /* a bad trace before idx: sequential reading stops there */
	}
	if (memcmp(h1, h2, in->hdrlen) != 0 || (d1 && memcmp(d1, d2, sizeof *d1 * (size_t)in->ns) != 0))
		fuzz_fail("a trace read after a seek differs from the same trace read in sequence");
}

static void fuzz_seek(struct sk_reader *r)
{
	const struct sk_info *in = sk_reader_info(r);
	unsigned char *h1, *h2;
	float *d1, *d2;
	struct sk_error err;
	int rc;

	if (in->ntraces < 0)
		return;
	h1 = malloc(in->hdrlen);
	h2 = malloc(in->hdrlen);
	d1 = in->ns <= FUZZ_MAX_NS ? malloc(sizeof *d1 * (size_t)in->ns) : NULL;
	d2 = in->ns <= FUZZ_MAX_NS ? malloc(sizeof *d2 * (size_t)in->ns) : NULL;
	if (!h1 || !h2 || ((!d1 || !d2) && in->ns <= FUZZ_MAX_NS))
		fuzz_fail("out of memory for one trace");
	fuzz_seek_same(r, in->ntraces / 2, h1, d1, h2, d2);
	fuzz_seek_same(r, in->ntraces > 0 ? in->ntraces - 1 : 0, h1, d1, h2, d2);
	fuzz_seek_same(r, in->ntraces, h1, d1, h2, d2);
	fuzz_seek_same(r, 0, h1, d1, h2, d2);
	rc = sk_reader_seek(r, in->ntraces + 1, &err);
	if (rc == 0)
		fuzz_fail("a seek beyond the end succeeded");
	fuzz_check_err(rc, &err);
	free(h1);
	free(h2);
	free(d1);
	free(d2);
}

/* Converts the stream to format `to` (with a SEG-Y sample format and zstd
 * level when they apply) into /dev/null. */
static void fuzz_convert(struct sk_reader *r, int to, int code, int little, int zstd)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_writer *w;
	struct sk_error err;
	int64_t n;
	int rc;

	o.fmt = to;
	o.sample_format = code;
	o.little = little;
	o.zstd = zstd;
	o.block = zstd ? 3 : 0;
	/* The writer allocates its blocks when it opens: with zstd, three
	 * buffers of 3 traces, so only traces of up to FUZZ_MAX_NS samples
	 * are converted (at SK_MAX_NS they would pass libFuzzer's 2 GB malloc
	 * limit). */
	if (sk_reader_info(r)->ns > FUZZ_MAX_NS)
		return;
	rc = sk_writer_open("/dev/null", sk_reader_info(r), &o, &w, &err);
	fuzz_check_err(rc, &err);
	if (rc < 0)
		return;
	rc = sk_copy_traces(r, w, &n, NULL, &err);
	fuzz_check_err(rc, &err);
	if (rc < 0) {
		sk_writer_abort(w);
		return;
	}
	rc = sk_writer_close(w, &err);
	fuzz_check_err(rc, &err);
}

/* One reader over path (NULL: standard input) forced to fmt. */
static struct sk_reader *fuzz_open(const char *path, int fmt)
{
	struct sk_reader *r = NULL;
	struct sk_error err;
	const int rc = sk_reader_open(path, fmt, &r, &err);

	fuzz_check_err(rc, &err);
	if (rc < 0 && r)
		fuzz_fail("a reader returned with an error");
	if (rc == 0) {
		const struct sk_info *in = sk_reader_info(r);
		if (in->ns <= 0 || in->ns > SK_MAX_NS || in->hdrlen < 240 || in->hdrlen % 240)
			fuzz_fail("a reader opened with an impossible ns or header length");
		if (fmt != SK_FMT_AUTO && in->fmt != fmt)
			fuzz_fail("a reader of another format than the one forced");
	}
	return rc == 0 ? r : NULL;
}

/* Reads path (NULL: standard input) forced to fmt, then seeks when it can. */
static void fuzz_read(const char *path, int fmt, int seekable)
{
	struct sk_reader *r = fuzz_open(path, fmt);

	if (!r)
		return;
	fuzz_read_all(r);
	if (seekable)
		fuzz_seek(r);
	sk_reader_free(r);
}

static void fuzz_conv(const char *path, int fmt, int to, int code, int little, int zstd)
{
	struct sk_reader *r = fuzz_open(path, fmt);

	if (!r)
		return;
	fuzz_convert(r, to, code, little, zstd);
	sk_reader_free(r);
}

/* Reads data from a pipe as standard input, forced to fmt. */
static void fuzz_pipe(const uint8_t *data, size_t size, int fmt)
{
	int p[2], saved;

	if (pipe(p) < 0)
		fuzz_fail("pipe");
	/* The whole input fits in the pipe's buffer, so one write fills it. */
	if (size > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)size) < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (size && write(p[1], data, size) != (ssize_t)size)
		fuzz_fail("pipe write");
	close(p[1]);
	saved = dup(STDIN_FILENO);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	fuzz_read(NULL, fmt, 0);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

/* Runs the input as a file read forced, then the pass its last byte picks,
 * or every pass when FUZZ_ALL_PASSES is set (to measure what a corpus
 * reaches: mkcorpus.py). */
static int fuzz_input(const uint8_t *data, size_t size, int fmt, int to, int code)
{
	/* SEG-Y sample formats a writer takes. */
	static const int codes[] = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16};
	static int all = -1;
	const unsigned k = size ? data[size - 1] : 0;
	char path[64];
	int fd;

	if (all < 0)
		all = getenv("FUZZ_ALL_PASSES") != NULL;
	(void)sk_detect(data, size);
	fd = memfd_create("fuzz", 0);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		fuzz_fail("memfd");
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	fuzz_read(path, fmt, 1);
	if (all || k % 4 == 0)
		fuzz_conv(path, SK_FMT_AUTO, to, code, -1, 0);
	if (all || k % 4 == 1)
		fuzz_conv(path, fmt, SK_FMT_SGK, 0, -1, 1);
	if (all || k % 4 == 2)
		fuzz_conv(path, fmt, SK_FMT_SEGY, codes[k / 4 % 13], (int)(k >> 7), 0);
	if (all || k % 4 == 3)
		fuzz_pipe(data, size, fmt);
	close(fd);
	return 0;
}

#endif
