/* Unit tests of lib/flow/regrid_reach.c, the regrid driver's policy without
 * a stream: where a trace header lies in the grid frame and what the pass
 * counts (sk_rgrun_classify, the tallies), the errors that name why traces
 * miss the grid, and the box a --part slice keeps.  The grid: 5 x 3
 * locations 10 m apart on the fast axis (x, azimuth 90) and 20 m on the
 * slow one (y), the first at (1000, 2000). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "hdr.h"
#include "regrid_run_internal.h"

static const struct sk_grid grid = {1000, 2000, 10, 20, 5, 3, 90, 1, 1, 1, 1, 0};

static void trace(unsigned char *h, int trid, int32_t sx, int32_t sy, int32_t gx, int32_t gy, int32_t off)
{
	memset(h, 0, 240);
	sk_hdr_set_i16(h, SK_TR_TRID, (int16_t)trid);
	sk_hdr_set_i32(h, SK_TR_SX, sx);
	sk_hdr_set_i32(h, SK_TR_SY, sy);
	sk_hdr_set_i32(h, SK_TR_GX, gx);
	sk_hdr_set_i32(h, SK_TR_GY, gy);
	sk_hdr_set_i32(h, SK_TR_CDPX, (sx + gx) / 2);
	sk_hdr_set_i32(h, SK_TR_CDPY, (sy + gy) / 2);
	sk_hdr_set_i32(h, SK_TR_OFFSET, off);
}

/* sk_rgrun_outside_error's message (or "" for none) for the counts ou of
 * used traces at extents ext. */
static const char *outside(const struct sk_regrid_job *job, const struct sk_regrid_opts *o, const struct outside *ou,
			   int64_t used, struct sk_error *err)
{
	static const double ext[4] = {5000, 5100, 7000, 7200};
	const int rc = sk_rgrun_outside_error(job, o, ou, used, ext, err);

	if (rc == 0)
		return "";
	return rc == SK_ESTATE ? err->msg : "(not SK_ESTATE)";
}

static void test_classify(void)
{
	struct sk_regrid_job job;
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	struct tally t, c;
	unsigned char h[240];
	double u, v, off;
	int cls;

	memset(&job, 0, sizeof job);
	job.grid = grid;
	job.coords = SK_COORDS_MID;
	o.radius = 10;
	sk_rgrun_tally_init(&t);
	CHECK(t.first == -1 && isinf(t.ext[0]) && t.ext[0] > 0 && isinf(t.frame[3]) && t.frame[3] < 0 &&
	      isinf(t.ou.nearest));

	/* Dead (2) and dummy (3) traces are read, not used. */
	trace(h, 2, 1000, 2000, 1020, 2040, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 0, &t, &u, &v, &off, &cls) == 0);
	trace(h, 3, 1000, 2000, 1020, 2040, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 1, &t, &u, &v, &off, &cls) == 0);
	CHECK(t.inputs == 2 && t.used == 0 && t.first == -1);
	/* The midpoint (1010, 2020) is location (1, 1): u 10, v 20 m. */
	trace(h, 1, 1000, 2000, 1020, 2040, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 2, &t, &u, &v, &off, &cls) == 1);
	CHECK(u == 10 && v == 20 && off == 0 && cls == 0 && t.first == 2 && t.used == 1 && t.ou.n == 0);
	/* The other --coords read their own keys. */
	job.coords = SK_COORDS_RCV;
	CHECK(sk_rgrun_classify(&job, &o, h, 3, &t, &u, &v, &off, &cls) == 1 && u == 20 && v == 40);
	job.coords = SK_COORDS_SRC;
	CHECK(sk_rgrun_classify(&job, &o, h, 4, &t, &u, &v, &off, &cls) == 1 && u == 0 && v == 0);
	job.coords = SK_COORDS_CDP;
	CHECK(sk_rgrun_classify(&job, &o, h, 5, &t, &u, &v, &off, &cls) == 1 && u == 10 && v == 20);
	CHECK(t.ext[0] == 1000 && t.ext[1] == 1020 && t.ext[2] == 2000 && t.ext[3] == 2040);
	CHECK(t.frame[0] == 0 && t.frame[1] == 20 && t.frame[2] == 0 && t.frame[3] == 40 && t.zero_xy == 0);
	CHECK(t.inputs == 6 && t.used == 4 && t.first == 2);

	/* Offset classes: |offset| rounded to o0 + k dof; outside 0 .. no - 1
	 * the trace is not used. */
	job.coords = SK_COORDS_MID;
	job.have_offsets = 1;
	job.o0 = 100;
	job.dof = 50;
	job.no = 3;
	trace(h, 0, 1000, 2000, 1020, 2040, -160);
	CHECK(sk_rgrun_classify(&job, &o, h, 6, &t, &u, &v, &off, &cls) == 1 && cls == 1 && off == 160);
	trace(h, 0, 1000, 2000, 1020, 2040, 74);
	CHECK(sk_rgrun_classify(&job, &o, h, 7, &t, &u, &v, &off, &cls) == 0);
	trace(h, 0, 1000, 2000, 1020, 2040, 224);
	CHECK(sk_rgrun_classify(&job, &o, h, 8, &t, &u, &v, &off, &cls) == 1 && cls == 2);
	trace(h, 0, 1000, 2000, 1020, 2040, 225);
	CHECK(sk_rgrun_classify(&job, &o, h, 9, &t, &u, &v, &off, &cls) == 0);
	CHECK(t.inputs == 10 && t.used == 6);
	job.have_offsets = 0;

	/* Beyond the grid's reach: counted with what explains it.  gx = gy =
	 * 0 puts the midpoint at (500, 1000), 1118 m from location 0. */
	sk_rgrun_tally_init(&c);
	trace(h, 0, 1000, 2000, 0, 0, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 20, &c, &u, &v, &off, &cls) == 1 && u == -500 && v == -1000);
	CHECK(c.ou.n == 1 && c.ou.r0 == 1 && c.ou.s0 == 0 && c.ou.zero == 0 && c.ou.inner == 0);
	CHECKF(fabs(c.ou.nearest - sqrt(500.0 * 500 + 1000 * 1000)) < 1e-9 && c.ou.nearest_r0 == c.ou.nearest &&
	       isinf(c.ou.nearest_s0), "%.17g", c.ou.nearest);
	/* Both at 0: the position itself is (0, 0), neither r0 nor s0. */
	trace(h, 0, 0, 0, 0, 0, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 21, &c, &u, &v, &off, &cls) == 1 && c.zero_xy == 1);
	CHECK(c.ou.n == 2 && c.ou.r0 == 1 && c.ou.s0 == 0 && c.ou.zero == 1);
	/* sx = sy = 0. */
	trace(h, 0, 0, 0, 4000, 8000, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 22, &c, &u, &v, &off, &cls) == 1 && c.ou.s0 == 1);
	/* Inside the outer bins but more than the radius from a location: 4 m
	 * with a radius of 3 (inner); with in_bin, inside a bin is in reach. */
	o.radius = 3;
	trace(h, 0, 1004, 2000, 1004, 2000, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 23, &c, &u, &v, &off, &cls) == 1 && c.ou.n == 4 && c.ou.inner == 1);
	CHECK(fabs(c.ou.nearest - 4) < 1e-9);
	o.in_bin = 1;
	CHECK(sk_rgrun_classify(&job, &o, h, 24, &c, &u, &v, &off, &cls) == 1 && c.ou.n == 4);
	/* Half a bin beyond the last column, with in_bin: 5 m beyond. */
	trace(h, 0, 1050, 2000, 1050, 2000, 0);
	CHECK(sk_rgrun_classify(&job, &o, h, 25, &c, &u, &v, &off, &cls) == 1 && c.ou.n == 5 && c.ou.inner == 1);
	CHECK(c.first == 20 && c.used == 6 && c.inputs == 6);

	/* Merging a later chunk: sums, extents, and the first used trace the
	 * earlier chunk's. */
	sk_rgrun_tally_merge(&t, &c);
	CHECK(t.inputs == 16 && t.used == 12 && t.zero_xy == 1 && t.first == 2);
	CHECK(t.ext[0] == 0 && t.ext[1] == 2000 && t.ext[2] == 0 && t.ext[3] == 4000);
	CHECK(t.frame[0] == -1000 && t.frame[1] == 1000 && t.frame[2] == -2000 && t.frame[3] == 2000);
	CHECK(t.ou.n == 5 && t.ou.r0 == 1 && t.ou.s0 == 1 && t.ou.zero == 1 && t.ou.inner == 1);
	CHECK(t.ou.nearest == c.ou.nearest && t.ou.nearest_r0 == c.ou.nearest_r0 && t.ou.nearest_s0 == c.ou.nearest_s0);
	sk_rgrun_tally_init(&t);
	sk_rgrun_tally_merge(&t, &c);
	CHECK(t.first == 20 && t.used == 6);
}

static void test_errors(void)
{
	struct sk_regrid_job job;
	struct sk_regrid_opts o = SK_REGRID_OPTS_INIT;
	struct sk_error err;
	struct outside ou;
	const double point[4] = {1010, 1010, 2020, 2020}, line[4] = {1010, 1020, 2020, 2020};

	memset(&job, 0, sizeof job);
	job.grid = grid;
	job.coords = SK_COORDS_MID;
	o.radius = 10;

	CHECK(strcmp(sk_rgrun_coords_keys(SK_COORDS_MID), "sx, sy, gx and gy") == 0);
	CHECK(strcmp(sk_rgrun_coords_keys(SK_COORDS_CDP), "cdpx and cdpy") == 0);
	CHECK(strcmp(sk_rgrun_coords_keys(SK_COORDS_SRC), "sx and sy") == 0);
	CHECK(strcmp(sk_rgrun_coords_keys(SK_COORDS_RCV), "gx and gy") == 0);

	/* Every used trace at one position, on a grid of more than one. */
	CHECK(sk_rgrun_onepos_error(&job, 5, point, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "all 5 live traces are at one position (midpoint 1010, 2020 in every trace), so "
			       "every grid location within reach would be built from the same traces: load the "
			       "geometry first (segedit) or give other --coords") == 0, "%s", err.msg);
	job.coords = SK_COORDS_CDP;
	CHECKF(sk_rgrun_onepos_error(&job, 2, point, &err) == SK_ESTATE &&
	       strstr(err.msg, "all 2 live traces are at one position (cdpx 1010, cdpy 2020 in every trace), ") ==
	       err.msg, "%s", err.msg);
	CHECK(sk_rgrun_onepos_error(&job, 1, point, &err) == 0);
	CHECK(sk_rgrun_onepos_error(&job, 5, line, &err) == 0);
	job.grid.nx = job.grid.ny = 1;
	CHECK(sk_rgrun_onepos_error(&job, 5, point, &err) == 0);
	job.grid = grid;
	job.coords = SK_COORDS_MID;

	/* Half or fewer outside: no error; more, unless --allow-outside and
	 * some inside. */
	memset(&ou, 0, sizeof ou);
	ou.n = 2;
	ou.nearest = ou.nearest_r0 = ou.nearest_s0 = 12.4;
	CHECK(*outside(&job, &o, &ou, 4, &err) == '\0');
	ou.n = 3;
	job.allow_outside = 1;
	CHECK(*outside(&job, &o, &ou, 4, &err) == '\0');
	job.allow_outside = 0;
	CHECKF(strcmp(outside(&job, &o, &ou, 5, &err),
		      "3 of 5 input traces lie outside the grid (more than 10 m from every grid location; the "
		      "nearest is 12 m from one): midpoints in x 5000.0..5100.0, y 7000.0..7200.0, grid locations "
		      "in x 1000.0..1040.0, y 2000.0..2040.0; a grid over part of the data needs --allow-outside") == 0,
	       "%s", err.msg);
	o.in_bin = 1;
	job.coords = SK_COORDS_SRC;
	CHECKF(strcmp(outside(&job, &o, &ou, 5, &err),
		      "3 of 5 input traces lie outside the grid (outside its outer bins; the nearest is 12 m beyond "
		      "them): sources in x 5000.0..5100.0, y 7000.0..7200.0, grid locations in x 1000.0..1040.0, "
		      "y 2000.0..2040.0; a grid over part of the data needs --allow-outside") == 0, "%s", err.msg);
	/* All outside: even with --allow-outside. */
	job.allow_outside = 1;
	CHECKF(strcmp(outside(&job, &o, &ou, 3, &err),
		      "the grid does not overlap the data: traces lie in x 5000.0..5100.0, y 7000.0..7200.0; grid "
		      "locations in x 1000.0..1040.0, y 2000.0..2040.0") == 0, "%s", err.msg);
	job.allow_outside = 0;
	o.in_bin = 0;
	/* Receivers (or sources) at 0 explain midpoints outside. */
	job.coords = SK_COORDS_MID;
	ou.r0 = 2;
	ou.nearest_r0 = 1118.03;
	CHECKF(strcmp(outside(&job, &o, &ou, 4, &err),
		      "3 of 4 input traces lie outside the grid because gx/gy are 0 in 2 of them: their midpoints "
		      "fall halfway between source and origin, the nearest 1118 m from the nearest grid location; "
		      "give --coords src or --coords cdp for post-stack data, or set gx/gy (segedit)") == 0,
	       "%s", err.msg);
	ou.r0 = 1;
	ou.s0 = 2;
	ou.nearest_s0 = 20;
	o.in_bin = 1;
	CHECKF(strcmp(outside(&job, &o, &ou, 4, &err),
		      "3 of 4 input traces lie outside the grid because sx/sy are 0 in 2 of them: their midpoints "
		      "fall halfway between receiver and origin, the nearest 20 m beyond the outer bins; set sx/sy "
		      "(segedit), or give --coords rcv") == 0, "%s", err.msg);
	/* Only midpoints are explained by r0 and s0. */
	ou.r0 = ou.s0 = 3;
	job.coords = SK_COORDS_CDP;
	CHECK(strncmp(outside(&job, &o, &ou, 4, &err), "3 of 4 input traces lie outside the grid (outside", 49) == 0);
	/* Positions at (0, 0): the origin's distance, from the grid's frame:
	 * 2236 m from location 0, or 2225 m beyond the outer bins (half a bin
	 * less on each axis). */
	ou.r0 = ou.s0 = 0;
	ou.zero = 2;
	o.in_bin = 0;
	CHECKF(strcmp(outside(&job, &o, &ou, 3, &err),
		      "3 of 3 input traces lie outside the grid because cdpx and cdpy are 0 in 2 of them (the origin "
		      "is 2236 m from the nearest grid location); set them (segedit) or give other --coords") == 0,
	       "%s", err.msg);
	o.in_bin = 1;
	CHECKF(strstr(outside(&job, &o, &ou, 3, &err), "(the origin is 2225 m beyond the outer bins)") != NULL, "%s",
	       err.msg);
	o.in_bin = 0;
	/* Inside the outer bins, beyond the radius: most of them, or all
	 * outside and some of them. */
	ou.zero = 0;
	ou.inner = 2;
	ou.nearest = 4.4;
	o.radius = 3;
	CHECKF(strcmp(outside(&job, &o, &ou, 4, &err),
		      "3 of 4 input traces lie more than 3 m (--radius) from every grid location, 2 of them inside "
		      "the grid's outer bins (the nearest is 4 m from a location): give a larger --radius") == 0,
	       "%s", err.msg);
	ou.inner = 1;
	CHECK(strncmp(outside(&job, &o, &ou, 4, &err), "3 of 4 input traces lie outside the grid (more", 46) == 0);
	CHECK(strncmp(outside(&job, &o, &ou, 3, &err), "3 of 3 input traces lie more than 3 m", 37) == 0);
}

static void test_keep(void)
{
	struct sk_grid line = grid;
	struct keep k;

	/* Off: every trace. */
	memset(&k, 0, sizeof k);
	CHECK(sk_rgrun_keep_has(&k, -1e9, 1e9));
	/* Locations 6 .. 8, part of row 1: u 10 .. 30, v 20, widened by 5
	 * and 7 m (and a hair more). */
	sk_rgrun_keep_set(&k, &grid, 6, 9, 5, 7);
	CHECK(k.on && fabs(k.box[0] - 5) < 1e-6 && fabs(k.box[1] - 35) < 1e-6 && fabs(k.box[2] - 13) < 1e-6 &&
	      fabs(k.box[3] - 27) < 1e-6);
	CHECK(k.box[0] < 5 && k.box[1] > 35 && k.box[2] < 13 && k.box[3] > 27);
	CHECK(sk_rgrun_keep_has(&k, 5, 13) && sk_rgrun_keep_has(&k, 35, 27) && sk_rgrun_keep_has(&k, 20, 20));
	CHECK(!sk_rgrun_keep_has(&k, 4.99, 20) && !sk_rgrun_keep_has(&k, 35.01, 20));
	CHECK(!sk_rgrun_keep_has(&k, 20, 12.99) && !sk_rgrun_keep_has(&k, 20, 27.01));
	/* Locations 3 .. 10 span rows 0 to 2: whole rows, u 0 .. 40. */
	sk_rgrun_keep_set(&k, &grid, 3, 11, 0, 0);
	CHECK(fabs(k.box[0]) < 1e-6 && fabs(k.box[1] - 40) < 1e-6 && fabs(k.box[2]) < 1e-6 && fabs(k.box[3] - 40) < 1e-6);
	CHECK(sk_rgrun_keep_has(&k, 0, 0) && sk_rgrun_keep_has(&k, 40, 40) && !sk_rgrun_keep_has(&k, 40, 40.01));
	/* A line: v is 0 for every trace, the box holds it. */
	line.ny = 1;
	line.is_line = 1;
	sk_rgrun_keep_set(&k, &line, 1, 3, 2, 2);
	CHECK(fabs(k.box[0] - 8) < 1e-6 && fabs(k.box[1] - 22) < 1e-6 && k.box[2] == -1 && k.box[3] == 1);
	CHECK(sk_rgrun_keep_has(&k, 8, 0) && !sk_rgrun_keep_has(&k, 22.01, 0));
}

int main(void)
{
	test_classify();
	test_errors();
	test_keep();
	return test_done();
}
