/* Test helper for the stream tests (test_stream*.c): NT traces of NS
 * samples made by make_trace, written by write_stream and checked by
 * check_stream, in files under mk_dir (tdir_make, path_of). */
#ifndef SK_TEST_TSTREAM_H
#define SK_TEST_TSTREAM_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "mkstream.h"
#include "stream.h"

#define NS 37
#define NT 23

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
	return mk_write(path, o, NS, 2000, n, make_trace);
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
	snprintf(buf, n, "%s/%s", mk_dir, name);
}

/* Makes mk_dir /tmp/NAME_PID for the test's files. */
static inline void tdir_make(const char *name)
{
	snprintf(mk_dir, sizeof mk_dir, "/tmp/%s_%ld", name, (long)getpid());
	mkdir(mk_dir, 0700);
}

/* A file of the stream tests: format, sample format code, byte order
 * (-1: sgk's own), zstd level, name under mk_dir. */
struct tcase {
	int fmt, code, little, zstd;
	const char *name;
};

/* Writes each case's file of NT traces (sgk in blocks of 5: several and a
 * partial one) through o's other fields; with check, reads each back
 * against make_trace. */
static inline void write_cases(const struct tcase *c, size_t n, struct sk_wopts *o, int check)
{
	char p[128];

	for (size_t k = 0; k < n; k++) {
		o->fmt = c[k].fmt;
		o->sample_format = c[k].code;
		o->little = c[k].little;
		o->zstd = c[k].zstd;
		o->block = 5;
		path_of(p, sizeof p, c[k].name);
		CHECKF(write_stream(p, o, NT) == 0, "%s", c[k].name);
		if (check)
			CHECKF(check_stream(p, SK_FMT_AUTO, NT) == 0, "%s", c[k].name);
	}
}

/* Every format and byte order the stream tests read. */
__attribute__((unused)) static const struct tcase tcases[] = {
	{SK_FMT_SEGY, 5, 0, 0, "a.sgy"}, {SK_FMT_SEGY, 5, 1, 0, "b.sgy"}, {SK_FMT_SEGY, 6, 0, 0, "c.sgy"},
	{SK_FMT_SU, 0, 1, 0, "a.su"},    {SK_FMT_SU, 0, 0, 0, "b.su"},    {SK_FMT_SGK, 0, -1, 0, "a.sgk"},
	{SK_FMT_SGK, 0, -1, 5, "b.sgk"},
};

#endif
