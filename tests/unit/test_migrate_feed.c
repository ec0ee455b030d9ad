/* Unit tests of lib/flow/migrate_feed.c, the input side of the migrate
 * driver's loop, which no unit test called directly (test_migrate.c goes
 * through sk_migrate_run): blocks of live traces filled in turn (dead and
 * dummy traces read and counted but not kept, the trace already in hand
 * first), each placed in the grid's frame with its start time, the reach
 * counted; and the check pass of a given grid, from a file (read from the
 * start again) and from a pipe (spooled; the spool left after the first
 * trace), and a spool that cannot be made.  Expected values are worked
 * out by hand beside each check. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "migrate_internal.h"
#include "mkstream.h"

#define NSMP 4

static struct sk_error err;

/* The input (scalco 1: coordinates in metres; delrt in ms):
 *   0 live, source (0, 0), receiver (20, 0), delrt 100: midpoint 10
 *   1 dead (trid 2)
 *   2 live, (100, 0) - (140, 0): midpoint 120, 20 m past the grid's end
 *   3 live, (-30, 0) - (-10, 0): midpoint -20, 20 m before its start
 *   4 dummy (trid 3)
 *   5 live, offset 0, no receiver, source (50, 0): post-stack, at its source
 *   6 live, (0, 5) - (20, 5), delrt 40: 5 m off the line (a line's reach
 *     has no across)
 * Samples t * 10 + s. */
static void fill(int i, unsigned char *h, float *d)
{
	static const int32_t tab[7][7] = {
		/* trid sx  sy gx   gy offset delrt */
		{1, 0, 0, 20, 0, 20, 100},
		{2, 0, 0, 20, 0, 20, 0},
		{1, 100, 0, 140, 0, 40, 0},
		{1, -30, 0, -10, 0, 20, 0},
		{3, 0, 0, 20, 0, 20, 0},
		{1, 50, 0, 0, 0, 0, 0},
		{1, 0, 5, 20, 5, 20, 40},
	};
	const int32_t *t = tab[i];

	sk_hdr_set_i32(h, SK_TR_TRACL, i + 1);
	sk_hdr_set_i16(h, SK_SCALCO, 1);
	sk_hdr_set_i16(h, SK_TR_TRID, (int16_t)t[0]);
	sk_hdr_set_i32(h, SK_TR_SX, t[1]);
	sk_hdr_set_i32(h, SK_TR_SY, t[2]);
	sk_hdr_set_i32(h, SK_TR_GX, t[3]);
	sk_hdr_set_i32(h, SK_TR_GY, t[4]);
	sk_hdr_set_i32(h, SK_TR_OFFSET, t[5]);
	sk_hdr_set_i16(h, SK_TR_DELRT, (int16_t)t[6]);
	sk_hdr_set_i16(h, 115, NSMP);
	sk_hdr_set_i16(h, 117, 4000);
	for (int s = 0; s < NSMP; s++)
		d[s] = (float)(i * 10 + s);
}

/* A line grid x 0..100 every 10 m (azimuth 90), reach 15 m. */
static const struct sk_grid grid = {0, 0, 10, 10, 11, 1, 90, 1, 1, 1, 1, 1};

struct rig {
	struct src s;
	struct feed f;
	struct reach rc;
	unsigned char hdr[240];
	float data[2][3 * NSMP];
	struct sk_kirch_trace tr[2][3];
};

static void rig_init(struct rig *g, struct sk_reader *r, long block)
{
	memset(g, 0, sizeof *g);
	g->s.r = r;
	g->s.hdrlen = 240;
	g->s.ns = NSMP;
	g->f.s = &g->s;
	g->f.g = &grid;
	g->f.dim = 2;
	g->f.lim = 15;
	g->f.dt_in = 0.004;
	g->f.ns = NSMP;
	g->f.block = block;
	g->f.delrt = sk_hdr_key("delrt");
	g->f.hdr = g->hdr;
	g->f.rc = &g->rc;
	g->f.data[0] = g->data[0];
	g->f.data[1] = g->data[1];
	g->f.tr[0] = g->tr[0];
	g->f.tr[1] = g->tr[1];
	g->rc.mx0 = g->rc.my0 = g->rc.near_far = HUGE_VAL;
	g->rc.mx1 = g->rc.my1 = g->rc.tin1 = -HUGE_VAL;
}

static int tr_is(const struct sk_kirch_trace *t, double sx, double sy, double rx, double ry, double t0)
{
	return t->sx == sx && t->sy == sy && t->rx == rx && t->ry == ry && t->t0 == t0;
}

/* Samples of block slot's trace k are those of input trace t. */
static int data_is(const struct rig *g, int slot, int k, int t)
{
	for (int s = 0; s < NSMP; s++)
		if (g->data[slot][k * NSMP + s] != (float)(t * 10 + s))
			return 0;
	return 1;
}

/* The reach of the five live traces (0, 2, 3, 5, 6): 2 and 3 beyond it,
 * 20 m each (neither with a coordinate pair at the origin); 5 post-stack
 * with a source off the origin; midpoints x -20..120, y 0..5; the latest
 * time 0.1 + 3 * 0.004 = 0.112 s (trace 0). */
static int reach_ok(const struct reach *r)
{
	return r->live == 5 && r->pos == 5 && r->stack == 1 && r->stack_src == 1 && r->far == 2 && r->near_far == 20 &&
	       r->far_r0 == 0 && r->far_s0 == 0 && r->mx0 == -20 && r->mx1 == 120 && r->my0 == 0 && r->my1 == 5 &&
	       fabs(r->tin1 - 0.112) < 1e-12;
}

/* The blocks of 2 from the start: {0, 2}, {3, 5}, {6} then the end. */
static void check_blocks(struct rig *g)
{
	CHECK(sk_mig_feed_fill(&g->f, 0) == 1);
	CHECK(g->f.nb[0] == 2 && g->f.upto[0] == 3 && g->f.inputs == 3);
	CHECK(tr_is(&g->tr[0][0], 0, 0, 20, 0, 0.1) && tr_is(&g->tr[0][1], 100, 0, 140, 0, 0));
	CHECK(data_is(g, 0, 0, 0) && data_is(g, 0, 1, 2));
	g->f.slot = 1;
	CHECK(sk_mig_feed_thread(&g->f) == NULL && g->f.ret == 1);
	/* Traces 3, 4 (dummy) and 5 read. */
	CHECK(g->f.nb[1] == 2 && g->f.upto[1] == 6 && g->f.inputs == 6);
	CHECK(tr_is(&g->tr[1][0], -30, 0, -10, 0, 0) && tr_is(&g->tr[1][1], 50, 0, 50, 0, 0));
	CHECK(data_is(g, 1, 0, 3) && data_is(g, 1, 1, 5));
	/* The last block is short: the end, with its one trace. */
	CHECK(sk_mig_feed_fill(&g->f, 0) == 0);
	CHECK(g->f.nb[0] == 1 && g->f.upto[0] == 7 && g->f.inputs == 7);
	CHECK(tr_is(&g->tr[0][0], 0, 5, 20, 5, 0.04) && data_is(g, 0, 0, 6));
	CHECK(sk_mig_feed_fill(&g->f, 1) == 0 && g->f.nb[1] == 0 && g->f.upto[1] == 7);
	CHECKF(reach_ok(&g->rc), "live %lld far %lld near %g mx %g..%g my %g..%g tin1 %.17g", (long long)g->rc.live,
	       (long long)g->rc.far, g->rc.near_far, g->rc.mx0, g->rc.mx1, g->rc.my0, g->rc.my1, g->rc.tin1);
}

int main(void)
{
	const struct sk_wopts wo = SK_WOPTS_INIT;
	char path[160];
	struct rig g;
	struct sk_reader *r;
	struct reach pre;
	struct onepos one;
	int64_t ntotal;
	pid_t pid;
	int fd, st;

	signal(SIGPIPE, SIG_IGN);
	CHECK(mk_tmpdir(mk_dir, sizeof mk_dir, "migrate_feed") != NULL);
	snprintf(path, sizeof path, "%s/in.sgy", mk_dir);
	CHECK(mk_write(path, &wo, NSMP, 4000, 7, fill) == 0);

	/* The blocks, from a file, nothing in hand. */
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	rig_init(&g, r, 2);
	check_blocks(&g);
	sk_reader_free(r);

	/* The check pass of a file: the first trace in hand (as the driver
	 * reads it), every trace counted, the first in hand again after and
	 * the next read the second. */
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	rig_init(&g, r, 2);
	CHECK(sk_mig_src_next(&g.s, g.hdr, g.data[0], &err) == 1);
	pre = g.rc;
	memset(&one, 0, sizeof one);
	CHECK(sk_mig_check_pass(&g.f, sk_reader_info(r), g.hdr, g.data[0], &pre, &one, &ntotal, &err) == 0);
	CHECK(ntotal == 7 && one.n == 5 && one.varied && g.s.spool == NULL);
	CHECK(reach_ok(&pre) && g.rc.live == 0);
	CHECK(sk_hdr_i32(g.hdr, SK_TR_TRACL) == 1 && data_is(&g, 0, 0, 0));
	/* Then the blocks with the trace in hand. */
	g.f.have = 1;
	check_blocks(&g);
	sk_reader_free(r);

	/* From a pipe: spooled, the spool after the first trace. */
	fd = mk_pipe_of(path, &pid);
	CHECK(fd >= 0 && sk_reader_open_fd(fd, "<stdin>", SK_FMT_AUTO, 0, NULL, NULL, &r, &err) == 0);
	rig_init(&g, r, 2);
	CHECK(sk_mig_src_next(&g.s, g.hdr, g.data[0], &err) == 1);
	pre = g.rc;
	memset(&one, 0, sizeof one);
	CHECK(sk_mig_check_pass(&g.f, sk_reader_info(r), g.hdr, g.data[0], &pre, &one, &ntotal, &err) == 0);
	CHECK(ntotal == 7 && one.n == 5 && g.s.spool != NULL && reach_ok(&pre));
	CHECK(sk_hdr_i32(g.hdr, SK_TR_TRACL) == 1 && data_is(&g, 0, 0, 0));
	CHECK(ftello(g.s.spool) == 240 + NSMP * 4);
	g.f.have = 1;
	check_blocks(&g);
	fclose(g.s.spool);
	sk_reader_free(r);
	CHECK(waitpid(pid, &st, 0) == pid);

	/* No spool to be had: about its directory, nothing counted. */
	setenv("TMPDIR", "/nonexistent-segkit-dir", 1);
	fd = mk_pipe_of(path, &pid);
	CHECK(fd >= 0 && sk_reader_open_fd(fd, "<stdin>", SK_FMT_AUTO, 0, NULL, NULL, &r, &err) == 0);
	rig_init(&g, r, 2);
	CHECK(sk_mig_src_next(&g.s, g.hdr, g.data[0], &err) == 1);
	pre = g.rc;
	memset(&one, 0, sizeof one);
	memset(&err, 0, sizeof err);
	CHECK(sk_mig_check_pass(&g.f, sk_reader_info(r), g.hdr, g.data[0], &pre, &one, &ntotal, &err) == SK_EIO);
	CHECKF(strcmp(err.file, "/nonexistent-segkit-dir") == 0 && strcmp(err.msg, "No such file or directory") == 0 &&
	       ntotal == 0 && pre.live == 0, "%s: %s", err.file, err.msg);
	sk_reader_free(r);
	CHECK(waitpid(pid, &st, 0) == pid);
	unsetenv("TMPDIR");

	/* Blocks of 3 with the last trace cut short: the block so far, then
	 * the reader's error in f->err. */
	{
		char cut[160];
		size_t n = 0;
		unsigned char *b = mk_slurp(path, &n);
		FILE *fp;
		snprintf(cut, sizeof cut, "%s/cut.sgy", mk_dir);
		CHECK(b && (fp = fopen(cut, "wb")) && fwrite(b, 1, n - 3, fp) == n - 3 && fclose(fp) == 0);
		free(b);
		CHECK(sk_reader_open(cut, SK_FMT_AUTO, &r, &err) == 0);
		rig_init(&g, r, 3);
		CHECK(sk_mig_feed_fill(&g.f, 0) == 1 && g.f.nb[0] == 3 && g.f.inputs == 4);
		CHECK(sk_mig_feed_fill(&g.f, 1) < 0 && g.f.err.code < 0 && g.f.nb[1] == 1 && g.f.inputs == 6);
		/* Trace 7 starts at byte 3600 + 6 * 256 + 1 = 5137; 253 of its
		 * 256 bytes are there. */
		CHECKF(strcmp(g.f.err.msg, "trace 7 (from byte 5137) is truncated: 253 of 256 bytes") == 0 &&
		       strcmp(g.f.err.file, cut) == 0, "%s: %s", g.f.err.file, g.f.err.msg);
		sk_reader_free(r);
		unlink(cut);
	}
	unlink(path);
	CHECK(rmdir(mk_dir) == 0);
	return test_done();
}
