/* Test helper: writes small synthetic streams through the library's writer.
 * Trace t (0-based) has tracl = t + 1, fldr = t / per_shot + 1, cdp and
 * offset as given by the caller's callback (or defaults), and samples
 * value(t, i) = (t + 1) * 1000 + i (integers: exact in every format). */
#ifndef SK_TEST_MKSTREAM_H
#define SK_TEST_MKSTREAM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "hdr.h"
#include "stream.h"

struct mk_trace { int cdp, offset, iline, xline; double scale; };
typedef void (*mk_fn)(long t, struct mk_trace *out);

/* Reads n bytes of path from offset off (0, or -1 when short). */
static inline int bytes_at(const char *path, long off, unsigned char *out, size_t n)
{
	FILE *f = fopen(path, "rb");
	const int ok = f && fseek(f, off, SEEK_SET) == 0 && fread(out, 1, n, f) == n;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static inline void mk_info(struct sk_info *like, int fmt, long ns)
{
	memset(like, 0, sizeof *like);
	like->fmt = fmt;
	like->ns = ns;
	like->dt = 4000;
	like->hdrlen = 240;
	like->ntraces = -1;
	like->sample_format = fmt == SK_FMT_SEGY ? 1 : 5;
	like->little = fmt == SK_FMT_SU;
}

static inline int mk_stream(const char *path, int fmt, long n, long ns, mk_fn fn)
{
	struct sk_info like;
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_writer *w;
	struct sk_error err;
	unsigned char h[240];
	float *d = malloc((size_t)ns * sizeof *d);

	mk_info(&like, fmt, ns);
	if (fmt == SK_FMT_SEGY)
		wo.sample_format = 1;
	if (!d || sk_writer_open(path, &like, &wo, &w, &err) < 0) {
		printf("# mk_stream: %s\n", err.msg);
		free(d);
		return -1;
	}
	for (long t = 0; t < n; t++) {
		struct mk_trace tr = {(int)(t / 3 + 1), (int)(t % 3) * 100, 1, (int)t + 1, 1.0};
		if (fn)
			fn(t, &tr);
		memset(h, 0, sizeof h);
		sk_hdr_set_i32(h, 1, (int32_t)(t + 1));
		sk_hdr_set_i32(h, 5, (int32_t)(t + 1));
		sk_hdr_set_i32(h, 9, (int32_t)(t / 4 + 1));
		sk_hdr_set_i32(h, 21, tr.cdp);
		sk_hdr_set_i32(h, 37, tr.offset);
		sk_hdr_set_i32(h, 189, tr.iline);
		sk_hdr_set_i32(h, 193, tr.xline);
		sk_hdr_set_i16(h, 115, (int16_t)ns);
		sk_hdr_set_i16(h, 117, 4000);
		for (long i = 0; i < ns; i++)
			d[i] = (float)(((double)(t + 1) * 1000 + (double)i) * tr.scale);
		if (sk_writer_put(w, h, d, &err) < 0) {
			printf("# mk_stream: %s\n", err.msg);
			sk_writer_abort(w);
			free(d);
			return -1;
		}
	}
	free(d);
	if (sk_writer_close(w, &err) < 0) {
		printf("# mk_stream: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Fills trace i's header block (zeroed first) and samples. */
typedef void (*mk_fill)(int i, unsigned char *h, float *d);

/* Writes n traces of ns samples (at most 1024) every dt us with 240-byte
 * headers, made by fill, as o says (like SEG-Y for the fields o leaves to
 * the input).  0, or the writer's SK_E* code (SK_EARG for ns) with the
 * message printed. */
static inline int mk_write(const char *path, const struct sk_wopts *o, long ns, double dt, int n, mk_fill fill)
{
	struct sk_info like;
	struct sk_writer *w;
	struct sk_error err;
	unsigned char h[240];
	float d[1024];
	int rc;

	memset(&like, 0, sizeof like);
	like.fmt = SK_FMT_SEGY;
	like.ns = ns;
	like.dt = dt;
	like.hdrlen = 240;
	if (ns > 1024) {
		printf("# mk_write: ns %ld > 1024\n", ns);
		return SK_EARG;
	}
	if ((rc = sk_writer_open(path, &like, o, &w, &err)) < 0) {
		printf("# mk_write: %s\n", err.msg);
		return rc;
	}
	for (int i = 0; i < n; i++) {
		memset(h, 0, sizeof h);
		fill(i, h, d);
		if ((rc = sk_writer_put(w, h, d, &err)) < 0) {
			printf("# mk_write: %s\n", err.msg);
			sk_writer_abort(w);
			return rc;
		}
	}
	if ((rc = sk_writer_close(w, &err)) < 0)
		printf("# mk_write: %s\n", err.msg);
	return rc < 0 ? rc : 0;
}

/* n bytes of a pattern that repeats no short period (byte i is
 * i * 31 + i / 977), malloc'd; NULL out of memory. */
static inline unsigned char *mk_bytes(size_t n)
{
	unsigned char *b = malloc(n ? n : 1);

	for (size_t i = 0; b && i < n; i++)
		b[i] = (unsigned char)(i * 31 + i / 977);
	return b;
}

/* Reads a whole file, NUL-terminated; *len receives its size.  NULL on
 * failure. */
static inline unsigned char *mk_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, fp) == (size_t)n) {
		buf[n] = '\0'; /* text files are read as strings too */
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* A pipe a child process fills with path's bytes, then exits: its read end
 * (-1 on failure); *pid is the child, for the caller to wait for. */
static inline int mk_pipe_of(const char *path, pid_t *pid)
{
	int fd[2];

	if (pipe(fd) != 0)
		return -1;
	if ((*pid = fork()) == 0) {
		size_t n = 0, at = 0;
		unsigned char *b = mk_slurp(path, &n);
		close(fd[0]);
		while (b && at < n) {
			const ssize_t k = write(fd[1], b + at, n - at);
			if (k <= 0)
				break;
			at += (size_t)k;
		}
		_exit(0);
	}
	close(fd[1]);
	return fd[0];
}

/* 1 when the files at a and b hold the same bytes (both readable). */
static inline int mk_same_file(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	unsigned char *x = mk_slurp(a, &na), *y = mk_slurp(b, &nb);
	const int same = x && y && na == nb && memcmp(x, y, na) == 0;

	free(x);
	free(y);
	return same;
}

/* The folder of a test binary's files (mk_tmpdir(mk_dir, sizeof mk_dir,
 * NAME) makes one), and a file in it by name: one of 16 buffers, used in
 * turn, so that a call may name several files. */
__attribute__((unused)) static char mk_dir[64];

static inline const char *mk_path(const char *name)
{
	static char buf[16][160];
	static int k;

	k = (k + 1) % 16;
	snprintf(buf[k], sizeof buf[k], "%s/%s", mk_dir, name);
	return buf[k];
}

/* A fresh directory under /tmp for one test binary. */
static inline const char *mk_tmpdir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/tmp/sk-%s-XXXXXX", name);
	return mkdtemp(buf);
}

#endif
