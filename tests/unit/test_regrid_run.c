/* The regrid driver: a file in, a file out, in memory and read in place;
 * a compressed sgk input read from start to end, in memory and spooled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "mkstream.h"
#include "regrid.h"
#include "regrid_run_internal.h"
#include "stream.h"

#define NS 16

/* A 6 x 5 survey with one trace at every bin centre of a 10 m grid, trace
 * value 100 ix + iy at every sample, plus one trace far away, written as o
 * says. */
static void survey_trace(int i, unsigned char *h, float *d)
{
	const int ix = i % 6, iy = i / 6;
	const double x = i == 30 ? 5000 : 10.0 * ix, y = i == 30 ? 5000 : 10.0 * iy;

	sk_hdr_set_i32(h, 1, i + 1);
	sk_hdr_set_i16(h, SK_SCALCO, -10);
	sk_hdr_set_coord(h, 73, x);
	sk_hdr_set_coord(h, 77, y);
	sk_hdr_set_coord(h, 81, x);
	sk_hdr_set_coord(h, 85, y);
	sk_hdr_set_i16(h, 29, 1);
	for (int s = 0; s < NS; s++)
		d[s] = (float)(100 * ix + iy);
}

static int write_input(const char *path, const struct sk_wopts *o)
{
	return mk_write(path, o, NS, 4000, 31, survey_trace);
}

/* The file the last failed run's error named. */
static char err_file[SK_ERROR_FILE];

static int run(const char *in, const char *out, int method, uint64_t mem, struct sk_regrid_stats *st)
{
	struct sk_regrid_job job;
	struct sk_error err;
	const struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	const struct sk_wopts wo = SK_WOPTS_INIT;
	int rc;

	memset(&job, 0, sizeof job);
	job.in = in;
	job.out = out;
	job.from = SK_FMT_AUTO;
	job.wopts = wo;
	job.opts = o;
	job.opts.method = method;
	job.mem = mem;
	if (sk_grid_parse("0,10,6,0,10,5", &job.grid, &err) < 0)
		return -1;
	rc = sk_regrid_run(&job, st, &err);
	if (rc < 0) {
		printf("# %s: %s\n", err.file, err.msg);
		snprintf(err_file, sizeof err_file, "%s", err.file);
	}
	return rc;
}

/* 1 when the output has the 30 bin-centre traces with their exact values. */
static int exact(const char *path)
{
	struct sk_reader *r;
	struct sk_error err;
	unsigned char h[240];
	float d[NS];
	int i = 0, ok = 1;

	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return 0;
	while (sk_reader_next(r, h, d, &err) == 1) {
		const int ix = i % 6, iy = i / 6;
		for (int s = 0; s < NS; s++)
			ok &= d[s] == (float)(100 * ix + iy);
		ok &= sk_hdr_coord(h, 181) == 10.0 * ix && sk_hdr_coord(h, 185) == 10.0 * iy;
		i++;
	}
	sk_reader_free(r);
	return ok && i == 30;
}

/* The output blocks of first .. last - 1 in blocks of blk: written to b,
 * their count returned; every one checked to follow the last. */
static int blocks(int64_t first, int64_t last, long blk, int64_t *b, int max)
{
	int n = 0;
	for (int64_t b0 = first; b0 < last && n < max; n++) {
		b[n] = sk_rgrun_block_end(b0, last, blk);
		if (b[n] <= b0 || b[n] > last || b[n] - b0 > blk)
			return -1;
		b0 = b[n];
	}
	return n;
}

/* sk_rgrun_block_end: whole blocks, then the last two blocks' worth in
 * halves down to a sixteenth of a block (at least 16 locations). */
static void test_block_end(void)
{
	int64_t b[64];
	static const int64_t grid[] = {4000, 8000, 12000, 16000, 20000, 24000, 28000, 32000, 36000,
				       38000, 39000, 39500, 39750, 40000};
	static const int64_t part[] = {1050, 1075, 1091, 1100};
	static const int64_t small[] = {16, 20};
	int ok = 1;

	/* The benchmark's grid: 40,000 locations of 500 samples, blocks of
	 * 4,194 (BLOCK_SAMPLES / 500) rounded here to 4,000. */
	CHECK(blocks(0, 40000, 4000, b, 64) == 14 && memcmp(b, grid, sizeof grid) == 0);
	/* A --part slice: 100 locations from 1000, blocks of 64 (tail 16). */
	CHECK(blocks(1000, 1100, 64, b, 64) == 4 && memcmp(b, part, sizeof part) == 0);
	/* Blocks of the minimum 16: the tail is 16 too. */
	CHECK(blocks(0, 20, 16, b, 64) == 2 && memcmp(b, small, sizeof small) == 0);
	CHECK(blocks(7, 12, 16, b, 64) == 1 && b[0] == 12);
	{
		static const int64_t two[] = {4000, 6000, 7000, 7500, 7750, 8000};
		CHECK(blocks(0, 8000, 4000, b, 64) == 6 && memcmp(b, two, sizeof two) == 0);
	}
	/* Any size: the blocks cover it, none larger than blk, the last at
	 * most the tail when there was more than one block. */
	for (long blk = 16; blk <= 5000 && ok; blk += 331)
		for (int64_t len = 1; len <= 12 * blk && ok; len += 1 + len / 7) {
			const int n = blocks(5, 5 + len, blk, b, 64);
			const long tail = blk / 16 > 16 ? blk / 16 : 16;
			ok = n > 0 && n < 64 && b[n - 1] == 5 + len &&
			     (n == 1 || b[n - 1] - b[n - 2] <= tail);
		}
	CHECK(ok);
}

int main(void)
{
	char in[64], out[64], out2[64], z[64];
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_regrid_stats st;
	struct sk_regrid_job job;
	struct sk_error err;
	int c;

	test_block_end();

	snprintf(in, sizeof in, "/tmp/test_regrid_run_%ld.sgy", (long)getpid());
	snprintf(out, sizeof out, "/tmp/test_regrid_run_%ld.out", (long)getpid());
	snprintf(out2, sizeof out2, "/tmp/test_regrid_run_%ld.out2", (long)getpid());
	snprintf(z, sizeof z, "/tmp/test_regrid_run_%ld.sgk", (long)getpid());
	CHECK(write_input(in, &wo) == 0);
	for (int m = SK_REGRID_NEAREST; m <= SK_REGRID_LINEAR; m++) {
		CHECKF(run(in, out, m, 1 << 30, &st) == 0, "method %d", m);
		CHECKF(exact(out), "method %d reproduces the bin centres", m);
		CHECK(st.inputs == 31 && st.outputs == 30 && st.dead == 0);
	}
	/* Samples read in place (no memory budget) give the same bytes. */
	CHECK(run(in, out2, SK_REGRID_LINEAR, 0, &st) == 0);
	CHECK(mk_same_file(out, out2));
	/* Compressed sgk allows no random reads: the pass reads it from start
	 * to end (sk_rgrun_scan_seq), its samples in memory, or in a spool
	 * past a budget of 10 traces, which gives the same bytes. */
	wo.fmt = SK_FMT_SGK;
	wo.zstd = 1;
	wo.block = 4;
	CHECK(write_input(z, &wo) == 0);
	for (int m = SK_REGRID_NEAREST; m <= SK_REGRID_LINEAR; m++) {
		CHECKF(run(z, out, m, 1 << 30, &st) == 0 && exact(out), "method %d", m);
		CHECKF(st.inputs == 31 && st.used == 31 && st.outputs == 30 && st.dead == 0, "method %d", m);
		CHECKF(run(z, out2, m, 10 * NS * sizeof(float), &st) == 0 && mk_same_file(out, out2), "method %d", m);
	}
	/* A missing input names the input. */
	CHECK(run("/nonexistent.sgy", out, SK_REGRID_LINEAR, 0, &st) == SK_EIO && strcmp(err_file, "/nonexistent.sgy") == 0);
	/* Option parsers. */
	CHECK(sk_regrid_coords_parse("cdp", &c, &err) == 0 && c == SK_COORDS_CDP);
	CHECK(sk_regrid_coords_parse("middle", &c, &err) == SK_EARG);
	memset(&job, 0, sizeof job);
	/* --vel goes through lib/geom/velocity, as in migrate. */
	CHECK(sk_vel_parse("0:1500,2:2500", &job.vel, &err) == 0 && job.vel.n == 2 && job.vel.v[1] == 2500);
	CHECK(sk_vel_parse("2000", &job.vel, &err) == 0 && job.vel.kind == SK_VEL_CONST);
	CHECK(sk_vel_parse("0:-5", &job.vel, &err) == SK_EARG);
	unlink(in);
	unlink(out);
	unlink(out2);
	unlink(z);
	return test_done();
}
