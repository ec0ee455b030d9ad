/*
 * The body of the reader fuzz harnesses (fuzz_segy.c, fuzz_su.c,
 * fuzz_sgk.c).  Each input is written to a memfd (a seekable file of known
 * size) and to a pipe (standard input, no size).  The file is read forced to
 * the harness's format (every trace, with and without its header and
 * samples, then seeks), converted auto-detected to another format, and
 * converted forced to zstd sgk in blocks of 3 traces, both written to
 * /dev/null; the pipe is read forced.  Besides the sanitizers, it checks what the
 * interface promises: an error always carries a message, a reader that
 * reaches the end returned the trace count it announced, and a seek lands
 * where it was asked.
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

/* Inputs shorter than this skip sk_detect: build with -DFUZZ_DETECT_MIN=240
 * to fuzz past its read beyond short buffers (reported to the lead). */
#ifndef FUZZ_DETECT_MIN
#define FUZZ_DETECT_MIN 0
#endif

/* At most this many traces are read per pass (inputs are at most 256 KiB,
 * so only tiny traces come in larger numbers). */
#define FUZZ_MAX_TRACES 20000

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
	float *data = malloc(sizeof *data * (size_t)in->ns);
	struct sk_error err;
	int64_t n = 0;
	int rc = 0;

	if (!hdr || !data)
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

static void fuzz_seek(struct sk_reader *r)
{
	const struct sk_info *in = sk_reader_info(r);
	struct sk_error err;
	int64_t targets[4];
	int rc;

	if (in->ntraces < 0)
		return;
	targets[0] = in->ntraces / 2;
	targets[1] = 0;
	targets[2] = in->ntraces;
	targets[3] = in->ntraces > 0 ? in->ntraces - 1 : 0;
	for (int i = 0; i < 4; i++) {
		rc = sk_reader_seek(r, targets[i], &err);
		fuzz_check_err(rc, &err);
		if (rc < 0)
			continue;
		if (sk_reader_tell(r) != targets[i])
			fuzz_fail("sk_reader_tell is not where sk_reader_seek went");
		rc = sk_reader_next(r, NULL, NULL, &err);
		fuzz_check_err(rc, &err);
		if (rc > 0 && targets[i] >= in->ntraces)
			fuzz_fail("a trace after the last one");
	}
	rc = sk_reader_seek(r, in->ntraces + 1, &err);
	if (rc == 0)
		fuzz_fail("a seek beyond the end succeeded");
	fuzz_check_err(rc, &err);
}

/* Converts the stream to format `to` (with a SEG-Y sample format and zstd
 * level when they apply) into /dev/null. */
static void fuzz_convert(struct sk_reader *r, int to, int code, int zstd)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_writer *w;
	struct sk_error err;
	int64_t n;
	int rc;

	o.fmt = to;
	o.sample_format = code;
	o.zstd = zstd;
	o.block = zstd ? 3 : 0;
	rc = sk_writer_open("/dev/null", sk_reader_info(r), &o, &w, &err);
	fuzz_check_err(rc, &err);
	if (rc < 0)
		return;
	rc = sk_copy_traces(r, w, &n, &err);
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

static void fuzz_conv(const char *path, int fmt, int to, int code, int zstd)
{
	struct sk_reader *r = fuzz_open(path, fmt);

	if (!r)
		return;
	fuzz_convert(r, to, code, zstd);
	sk_reader_free(r);
}

/* Runs the input as a file (forced and detected) and as a pipe (forced). */
static int fuzz_input(const uint8_t *data, size_t size, int fmt, int to, int code)
{
	char path[64];
	int fd, p[2], saved;

	if (size >= FUZZ_DETECT_MIN)
		(void)sk_detect(data, size);
	fd = memfd_create("fuzz", 0);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		fuzz_fail("memfd");
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	fuzz_read(path, fmt, 1);
	fuzz_conv(path, SK_FMT_AUTO, to, code, 0);
	fuzz_conv(path, fmt, SK_FMT_SGK, 0, 1);
	close(fd);

	/* A pipe: the whole input fits in its buffer, so one write fills it. */
	if (pipe(p) < 0)
		fuzz_fail("pipe");
	if (size > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)size) < 0) {
		close(p[0]);
		close(p[1]);
		return 0;
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
	return 0;
}

#endif
