/* The sgk writer (stream_sgk_write.c): blocks of the traces-per-block asked,
 * the last one short, plain and zstd; the count fixed at the end; a declared
 * count that the traces do not match commits nothing.  Read back through the
 * reader (test_stream_sgk covers the reader and the conversions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "stream.h"

#define NS 11

static char dir[64];

static void make_trace(int i, unsigned char *h, float *d)
{
	memset(h, 0, 240);
	sk_hdr_set_i32(h, SK_TR_TRACL, i + 1);
	sk_hdr_set_i32(h, SK_TR_CDP, 1000 - i);
	sk_hdr_set_i16(h, SK_TR_NS, NS);
	for (int s = 0; s < NS; s++)
		d[s] = (float)(i * 100 + s) * 0.25f - 3.0f;
}

/* Writes n traces; declared >= 0 declares that count at the start. */
static int write_sgk(const char *path, int zstd, long block, int n, int declared, struct sk_error *err)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_info like;
	struct sk_writer *w;
	unsigned char h[240];
	float d[NS];
	int rc;

	memset(&like, 0, sizeof like);
	like.fmt = SK_FMT_SEGY;
	like.sample_format = 5;
	like.ns = NS;
	like.dt = 4000;
	like.hdrlen = 240;
	like.ntraces = -1;
	o.fmt = SK_FMT_SGK;
	o.zstd = zstd;
	o.block = block;
	if (declared >= 0) {
		o.count_known = 1;
		o.count = declared;
	}
	if ((rc = sk_writer_open(path, &like, &o, &w, err)) < 0)
		return rc;
	for (int i = 0; i < n; i++) {
		make_trace(i, h, d);
		if ((rc = sk_writer_put(w, h, d, err)) < 0) {
			sk_writer_abort(w);
			return rc;
		}
	}
	return sk_writer_close(w, err);
}

/* Reads the file back: every trace as written, the count and block size
 * in its header. */
static int read_back(const char *path, int n, long block, int compressed)
{
	struct sk_reader *r;
	struct sk_error err;
	const struct sk_info *in;
	unsigned char h[240], e[240];
	float d[NS], f[NS];
	int i = 0, rc, ok = 1;

	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return 0;
	in = sk_reader_info(r);
	ok = in->fmt == SK_FMT_SGK && in->ns == NS && in->dt == 4000 && in->ntraces == n &&
	     in->block == block && in->compressed == compressed && in->sample_format == 5;
	while ((rc = sk_reader_next(r, h, d, &err)) == 1) {
		make_trace(i, e, f);
		ok = ok && memcmp(h, e, 240) == 0 && memcmp(d, f, sizeof d) == 0;
		i++;
	}
	sk_reader_free(r);
	return ok && rc == 0 && i == n;
}

int main(void)
{
	char path[128];
	struct sk_error err;

	snprintf(dir, sizeof dir, "/tmp/test_sgk_write.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/a.sgk", dir);
	/* 23 traces in blocks of 5 (the last of 3), plain and compressed; one
	 * block exactly; no traces at all. */
	CHECK(write_sgk(path, 0, 5, 23, -1, &err) == 0 && read_back(path, 23, 5, 0));
	CHECK(write_sgk(path, 3, 5, 23, -1, &err) == 0 && read_back(path, 23, 5, 1));
	CHECK(write_sgk(path, 1, 23, 23, -1, &err) == 0 && read_back(path, 23, 23, 1));
	CHECK(write_sgk(path, 0, 4, 0, -1, &err) == 0 && read_back(path, 0, 4, 0));
	/* A declared count that holds, and one that does not: SK_ESTATE, and
	 * the file written before stays as it was. */
	CHECK(write_sgk(path, 3, 4, 9, 9, &err) == 0 && read_back(path, 9, 4, 1));
	CHECK(write_sgk(path, 0, 4, 7, 9, &err) == SK_ESTATE);
	CHECK(read_back(path, 9, 4, 1));
	CHECK(rmdir(dir) != 0);  /* the committed file is there, no temporary */
	unlink(path);
	CHECK(rmdir(dir) == 0);
	return test_done();
}
