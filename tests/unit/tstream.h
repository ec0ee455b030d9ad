/* Test helper for the stream tests (test_stream*.c): NT traces of NS
 * samples made by make_trace, written by write_stream and checked by
 * check_stream, in files under dir (path_of). */
#ifndef SK_TEST_TSTREAM_H
#define SK_TEST_TSTREAM_H

#include <stdio.h>
#include <string.h>

#include "hdr.h"
#include "stream.h"

#define NS 37
#define NT 23

static char dir[64];

static inline void make_trace(int i, unsigned char *h, float *d)
{
	memset(h, 0, 240);
	sk_hdr_set_i32(h, 1, i + 1);
	sk_hdr_set_i32(h, 21, 100 + i / 3);
	sk_hdr_set_i32(h, 37, (i % 3) * 25 - 25);
	sk_hdr_set_i16(h, 115, NS);
	sk_hdr_set_i16(h, 117, 2000);
	for (int s = 0; s < NS; s++)
		d[s] = (float)(i * 1000 + s) - 0.5f;
}

static inline int write_stream(const char *path, const struct sk_wopts *o, int n)
{
	struct sk_info like;
	struct sk_writer *w;
	struct sk_error err;
	unsigned char h[240];
	float d[NS];

	memset(&like, 0, sizeof like);
	like.fmt = SK_FMT_SEGY;
	like.ns = NS;
	like.dt = 2000;
	like.hdrlen = 240;
	if (sk_writer_open(path, &like, o, &w, &err) < 0) {
		printf("# %s\n", err.msg);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		make_trace(i, h, d);
		if (sk_writer_put(w, h, d, &err) < 0)
			return -1;
	}
	return sk_writer_close(w, &err);
}

/* Reads every trace and checks it against make_trace. */
static inline int check_stream(const char *path, int fmt, int n)
{
	struct sk_reader *r;
	struct sk_error err;
	unsigned char h[240], e[240];
	float d[NS], f[NS];
	int rc, i = 0, bad = 0;

	if (sk_reader_open(path, fmt, &r, &err) < 0) {
		printf("# %s: %s\n", path, err.msg);
		return -1;
	}
	if (sk_reader_info(r)->ns != NS || sk_reader_info(r)->dt != 2000)
		bad++;
	if (!path && sk_reader_pread_size(r) != 0)
		bad++;  /* a pipe cannot be read at random */
	while ((rc = sk_reader_next(r, h, d, &err)) > 0) {
		make_trace(i++, e, f);
		if (memcmp(h, e, 240) != 0 || memcmp(d, f, sizeof d) != 0)
			bad++;
	}
	if (rc < 0)
		printf("# %s: %s\n", path, err.msg);
	sk_reader_free(r);
	return rc < 0 || bad || i != n ? -1 : 0;
}

static inline void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

#endif
