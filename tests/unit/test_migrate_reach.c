/* Unit tests of lib/flow/migrate_reach.c, the migrate driver's policy, on
 * headers written here: which traces are post-stack and live, where a
 * trace's position comes from, whether all traces sit at one place, how far
 * a midpoint lies from the grid, and why the input is refused or the image
 * would be empty (the messages, word for word).  Every expected value is
 * worked out by hand in the comments beside it. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "hdr.h"
#include "migrate_internal.h"

/* A header: scalco -10, so a raw coordinate 1005 is 100.5 m. */
static void hdr(unsigned char *h, int32_t sx, int32_t sy, int32_t gx, int32_t gy, int32_t offset, int32_t cdpx,
		int32_t cdpy)
{
	memset(h, 0, SK_HDR_LEN);
	sk_hdr_set_i16(h, SK_SCALCO, -10);
	sk_hdr_set_i16(h, SK_TR_TRID, 1);
	sk_hdr_set_i32(h, SK_TR_SX, sx);
	sk_hdr_set_i32(h, SK_TR_SY, sy);
	sk_hdr_set_i32(h, SK_TR_GX, gx);
	sk_hdr_set_i32(h, SK_TR_GY, gy);
	sk_hdr_set_i32(h, SK_TR_OFFSET, offset);
	sk_hdr_set_i32(h, SK_TR_CDPX, cdpx);
	sk_hdr_set_i32(h, SK_TR_CDPY, cdpy);
}

static int eq4(const double *p, double a, double b, double c, double d)
{
	return p[0] == a && p[1] == b && p[2] == c && p[3] == d;
}

static void test_stack_live(void)
{
	unsigned char h[SK_HDR_LEN];

	/* Offset 0 and no receiver: post-stack, whatever the source. */
	hdr(h, 5000, 0, 0, 0, 0, 0, 0);
	CHECK(sk_mig_stack_like(h) == 1);
	hdr(h, 0, 0, 0, 0, 0, 0, 0);
	CHECK(sk_mig_stack_like(h) == 1);
	/* A receiver 0.1 m off the origin (raw 1 at scalco -10) is a receiver. */
	hdr(h, 5000, 0, 0, 1, 0, 0, 0);
	CHECK(sk_mig_stack_like(h) == 0);
	hdr(h, 5000, 0, 0, 0, 250, 0, 0);
	CHECK(sk_mig_stack_like(h) == 0);
	/* trid 2 (dead) and 3 (dummy) are not live; 0, 1, 4 and -1 are. */
	CHECK(sk_mig_live(h) == 1);
	sk_hdr_set_i16(h, SK_TR_TRID, 2);
	CHECK(sk_mig_live(h) == 0);
	sk_hdr_set_i16(h, SK_TR_TRID, 3);
	CHECK(sk_mig_live(h) == 0);
	sk_hdr_set_i16(h, SK_TR_TRID, 0);
	CHECK(sk_mig_live(h) == 1);
	sk_hdr_set_i16(h, SK_TR_TRID, 4);
	CHECK(sk_mig_live(h) == 1);
	sk_hdr_set_i16(h, SK_TR_TRID, -1);
	CHECK(sk_mig_live(h) == 1);
}

static void test_position(void)
{
	unsigned char h[SK_HDR_LEN];
	double p[4];
	int kind = -1;

	/* Prestack: source and receiver as they are (100.5, 2.5 and 300.5,
	 * -4), the CDP ignored. */
	hdr(h, 1005, 25, 3005, -40, 2000, 7770, 8880);
	CHECK(sk_mig_position_kind(h, 0, p, &kind) == 1);
	CHECK(kind == POS_SR && eq4(p, 100.5, 2.5, 300.5, -4));
	/* --zero-offset: the CDP (777, 888) is source and receiver. */
	CHECK(sk_mig_position_kind(h, 1, p, &kind) == 1);
	CHECK(kind == POS_CDP && eq4(p, 777, 888, 777, 888));
	/* --zero-offset without a CDP: the source is the receiver too. */
	hdr(h, 1005, 25, 3005, -40, 2000, 0, 0);
	CHECK(sk_mig_position_kind(h, 1, p, &kind) == 1);
	CHECK(kind == POS_SRC && eq4(p, 100.5, 2.5, 100.5, 2.5));
	/* Post-stack by its headers (offset 0, no receiver), source at 500 m. */
	hdr(h, 5000, 0, 0, 0, 0, 0, 0);
	CHECK(sk_mig_position_kind(h, 0, p, &kind) == 1);
	CHECK(kind == POS_SRC && eq4(p, 500, 0, 500, 0));
	/* The same with a CDP: the CDP wins over the source. */
	hdr(h, 5000, 0, 0, 0, 0, -120, 30);
	CHECK(sk_mig_position_kind(h, 0, p, &kind) == 1);
	CHECK(kind == POS_CDP && eq4(p, -12, 3, -12, 3));
	/* Only a receiver (shot at the origin, offset 300 m): prestack. */
	hdr(h, 0, 0, 3000, 0, 3000, 0, 0);
	CHECK(sk_mig_position_kind(h, 0, p, &kind) == 1);
	CHECK(kind == POS_SR && eq4(p, 0, 0, 300, 0));
	/* No coordinate at all: 0, the source (the origin) standing in. */
	hdr(h, 0, 0, 0, 0, 0, 0, 0);
	CHECK(sk_mig_position_kind(h, 0, p, &kind) == 0);
	CHECK(kind == POS_SRC && eq4(p, 0, 0, 0, 0));
	/* A CDP at the origin and no source under --zero-offset: also 0. */
	hdr(h, 0, 0, 3000, 0, 3000, 0, 0);
	CHECK(sk_mig_position_kind(h, 1, p, &kind) == 0);
	CHECK(kind == POS_SRC && eq4(p, 0, 0, 0, 0));
}

static void test_onepos(void)
{
	struct onepos o;
	struct sk_error err;
	const double a[4] = {777, 888, 777, 888}, b[4] = {777, 888, 777, 889};
	const double s[4] = {100.5, 2.5, 300.5, -4};
	const char *tail = " in every trace), so all would be migrated from one place: load the geometry first "
			   "(segedit; for a stack, segedit 'cdpx = cdp * SPACING' 'cdpy = 0')";
	char want[400];

	/* None and one trace: fine (an impulse response). */
	memset(&o, 0, sizeof o);
	CHECK(sk_mig_onepos_error(&o, &err) == 0);
	sk_mig_onepos_add(&o, a, POS_CDP);
	CHECK(o.n == 1 && o.kind == POS_CDP && eq4(o.p, 777, 888, 777, 888) && !o.varied && !o.mixed);
	CHECK(sk_mig_onepos_error(&o, &err) == 0);
	/* Three at one CDP. */
	sk_mig_onepos_add(&o, a, POS_CDP);
	sk_mig_onepos_add(&o, a, POS_CDP);
	CHECK(o.n == 3 && !o.varied && !o.mixed);
	CHECK(sk_mig_onepos_error(&o, &err) == SK_ESTATE && err.code == SK_ESTATE);
	snprintf(want, sizeof want, "all 3 live traces are at one position (cdpx 777, cdpy 888%s", tail);
	CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	/* One receiver 1 m off: the traces vary, whatever comes after. */
	sk_mig_onepos_add(&o, b, POS_CDP);
	sk_mig_onepos_add(&o, a, POS_CDP);
	CHECK(o.n == 5 && o.varied && !o.mixed && eq4(o.p, 777, 888, 777, 888));
	CHECK(sk_mig_onepos_error(&o, &err) == 0);
	/* The same numbers from other keys: said as source and receiver. */
	memset(&o, 0, sizeof o);
	sk_mig_onepos_add(&o, a, POS_CDP);
	sk_mig_onepos_add(&o, a, POS_SR);
	CHECK(o.n == 2 && !o.varied && o.mixed);
	CHECK(sk_mig_onepos_error(&o, &err) == SK_ESTATE);
	snprintf(want, sizeof want,
		 "all 2 live traces are at one position (source 777, 888 and receiver 777, 888%s", tail);
	CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	memset(&o, 0, sizeof o);
	sk_mig_onepos_add(&o, a, POS_SRC);
	sk_mig_onepos_add(&o, a, POS_SRC);
	CHECK(sk_mig_onepos_error(&o, &err) == SK_ESTATE);
	snprintf(want, sizeof want, "all 2 live traces are at one position (sx 777, sy 888%s", tail);
	CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	memset(&o, 0, sizeof o);
	for (int k = 0; k < 4; k++)
		sk_mig_onepos_add(&o, s, POS_SR);
	CHECK(sk_mig_onepos_error(&o, &err) == SK_ESTATE);
	snprintf(want, sizeof want, "all 4 live traces are at one position (sx 100.5, sy 2.5, gx 300.5, gy -4%s",
		 tail);
	CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
}

static void test_distance(void)
{
	struct sk_grid g;

	/* A surface 0..100 m (11 x 10 m) by 0..80 m (5 x 20 m). */
	memset(&g, 0, sizeof g);
	g.nx = 11;
	g.dx = 10;
	g.ny = 5;
	g.dy = 20;
	g.azimuth = 90;
	CHECK(sk_mig_grid_distance(&g, 3, 50, 40) == 0);
	CHECK(sk_mig_grid_distance(&g, 3, 0, 0) == 0);
	CHECK(sk_mig_grid_distance(&g, 3, 100, 80) == 0);
	/* Beyond a corner: a 3-4-5 triangle either side. */
	CHECK(sk_mig_grid_distance(&g, 3, -30, -40) == 50);
	CHECK(sk_mig_grid_distance(&g, 3, 130, 120) == 50);
	/* Beyond an edge: straight across. */
	CHECK(sk_mig_grid_distance(&g, 3, 50, -7) == 7);
	CHECK(sk_mig_grid_distance(&g, 3, 112.5, 40) == 12.5);
	/* A line (2-D) measures along itself only. */
	CHECK(sk_mig_grid_distance(&g, 2, 50, 1000) == 0);
	CHECK(sk_mig_grid_distance(&g, 2, -3, -1000) == 3);
	CHECK(sk_mig_grid_distance(&g, 2, 160, 40) == 60);
}

/* A reach as the driver starts it (migrate.c). */
static void reach_init(struct reach *rc)
{
	memset(rc, 0, sizeof *rc);
	rc->mx0 = rc->my0 = rc->near_far = HUGE_VAL;
	rc->mx1 = rc->my1 = rc->tin1 = -HUGE_VAL;
}

/* Adds a trace of world source (sx, 0) and receiver (gx, 0) in metres to
 * rc, in the frame of a line starting at the origin (frame = world). */
static void add(struct reach *rc, const struct sk_grid *g, double lim, double sx, double gx, int32_t offset,
		double tend)
{
	unsigned char h[SK_HDR_LEN];
	double p[4];
	int kind, has;
	struct sk_kirch_trace t;

	hdr(h, (int32_t)(sx * 10), 0, (int32_t)(gx * 10), 0, offset, 0, 0);
	has = sk_mig_position_kind(h, 0, p, &kind);
	t.sx = p[0];
	t.sy = p[1];
	t.rx = p[2];
	t.ry = p[3];
	t.t0 = 0;
	sk_mig_reach_add(rc, g, 2, lim, h, p, has, &t, tend);
}

static void test_reach(void)
{
	struct sk_grid g;
	struct sk_error err;
	struct reach rc, r2;
	struct onepos one;
	struct sk_migrate_job job;
	struct sk_kirch_par kp;
	struct sk_migrate_stats st;
	const double lim = 100;

	/* A line of 11 locations, 0..100 m along x; a reach of 100 m. */
	CHECK(sk_grid_parse("0,10,11", &g, &err) == 0);
	reach_init(&rc);
	/* A: source 0 m, receiver 40 m: midpoint 20, on the grid. */
	add(&rc, &g, lim, 0, 40, 40, 1.5);
	CHECK(rc.live == 1 && rc.pos == 1 && rc.far == 0 && rc.stack == 0);
	CHECK(rc.mx0 == 20 && rc.mx1 == 20 && rc.my0 == 0 && rc.my1 == 0 && rc.tin1 == 1.5);
	CHECK(rc.near_far == HUGE_VAL);
	/* B: 300 and 340 m: midpoint 320, 220 m beyond the last location. */
	add(&rc, &g, lim, 300, 340, 40, 2.0);
	CHECK(rc.far == 1 && rc.near_far == 220 && rc.far_r0 == 0 && rc.far_s0 == 0);
	/* C: post-stack at 500 m (no receiver, offset 0): far by 400 m, and
	 * counted as a receiver at the origin with a source that is not. */
	add(&rc, &g, lim, 500, 0, 0, 1.0);
	CHECK(rc.stack == 1 && rc.stack_src == 1 && rc.far == 2 && rc.far_r0 == 1 && rc.far_s0 == 0);
	CHECK(rc.near_far == 220 && rc.mx1 == 500 && rc.tin1 == 2.0);
	/* D: shot at the origin, receiver 600 m: midpoint 300, 200 m off. */
	add(&rc, &g, lim, 0, 600, 6000, 0.5);
	CHECK(rc.far == 3 && rc.far_s0 == 1 && rc.near_far == 200);
	/* E: midpoint 199.5 m, 99.5 m off: within the reach (100 m). */
	add(&rc, &g, lim, 190, 209, 19, 0.5);
	CHECK(rc.live == 5 && rc.pos == 5 && rc.far == 3);
	CHECK(rc.mx0 == 20 && rc.mx1 == 500 && rc.my0 == 0 && rc.my1 == 0 && rc.tin1 == 2.0);

	memset(&job, 0, sizeof job);
	memset(&one, 0, sizeof one);
	one.varied = 1;
	one.n = 5;
	/* 3 of 5 beyond the reach, none of the causes a majority (1 and 1 of
	 * 3): the general message; the extents printed to 0.1 m. */
	CHECK(sk_mig_input_cause(&job, &rc, &one, &g, lim, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "3 of 5 traces lie beyond the migration's reach of the grid (100 m, from --aperture "
			       "and --angle; the nearest is 200 m away): midpoints in x 20.0..500.0, y 0.0..0.0, "
			       "grid locations in x 0.0..100.0, y 0.0..0.0; a grid over part of the data needs "
			       "--allow-outside") == 0, "%s", err.msg);
	/* --allow-outside: some trace within reach, so allowed. */
	job.allow_outside = 1;
	CHECK(sk_mig_input_cause(&job, &rc, &one, &g, lim, &err) == 0);
	/* ... but not when every trace is beyond it (and no hint then). */
	r2 = rc;
	r2.far = r2.live = 3;
	CHECK(sk_mig_input_cause(&job, &r2, &one, &g, lim, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "3 of 3 traces lie beyond the migration's reach of the grid (100 m, from --aperture "
			       "and --angle; the nearest is 200 m away): midpoints in x 20.0..500.0, y 0.0..0.0, "
			       "grid locations in x 0.0..100.0, y 0.0..0.0") == 0, "%s", err.msg);
	job.allow_outside = 0;
	/* Exactly half beyond: not a majority, fine. */
	r2 = rc;
	r2.live = 6;
	CHECK(sk_mig_input_cause(&job, &r2, &one, &g, lim, &err) == 0);
	/* Most of the far ones have no receiver: named as the cause, with the
	 * origin's distance (1234 m; 25 km past 10 km). */
	r2 = rc;
	r2.far_r0 = 2;
	r2.r0_dist = 1234;
	CHECK(sk_mig_input_cause(&job, &r2, &one, &g, lim, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "receivers 1234 m from the grid because gx/gy are 0 (2 of 5 traces); give "
			       "--zero-offset for post-stack data") == 0, "%s", err.msg);
	r2 = rc;
	r2.far_s0 = 2;
	r2.s0_dist = 25000;
	CHECK(sk_mig_input_cause(&job, &r2, &one, &g, lim, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "sources 25 km from the grid because sx/sy are 0 (2 of 5 traces)") == 0, "%s",
	       err.msg);
	/* Checked first: no live trace, no coordinate, one position. */
	r2 = rc;
	r2.live = 0;
	CHECK(sk_mig_input_cause(&job, &r2, &one, &g, lim, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "no live traces (all are dead or dummy: trid 2 or 3)") == 0);
	r2 = rc;
	r2.pos = 0;
	CHECK(sk_mig_input_cause(&job, &r2, &one, &g, lim, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)") == 0);
	one.varied = 0;
	one.kind = POS_SRC;
	CHECK(sk_mig_input_cause(&job, &rc, &one, &g, lim, &err) == SK_ESTATE);
	{
		static const char w[] = "all 5 live traces are at one position (sx 0, sy 0 in every trace)";
		CHECKF(strncmp(err.msg, w, sizeof w - 1) == 0, "%s", err.msg);
	}

	/* After the migration: the reach first, then the offsets, the times,
	 * and an image no sample of which was updated. */
	memset(&kp, 0, sizeof kp);
	memset(&st, 0, sizeof st);
	kp.t0 = 0.5;
	st.used = 5;
	st.updates = 1;
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == SK_ESTATE);
	CHECK(strncmp(err.msg, "3 of 5 traces lie beyond", strlen("3 of 5 traces lie beyond")) == 0);
	rc.far = 2;
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == 0);
	/* Bins 100, 150, 200, 250 m, 50 m wide: 75 to 275 m. */
	job.have_offsets = 1;
	job.o0 = 100;
	job.dof = 50;
	job.no = 4;
	st.used = 0;
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "no trace has an offset in the bins of --offsets (75 to 275 m)") == 0, "%s", err.msg);
	job.have_offsets = 0;
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == 0);
	kp.t0 = 2.5;
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == SK_ESTATE);
	CHECKF(strcmp(err.msg, "the input ends at 2 s, before the output's first time 2.5 s (--t0)") == 0, "%s",
	       err.msg);
	kp.t0 = 2.0;
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == 0);
	st.updates = 0;
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == SK_ESTATE);
	CHECK(strcmp(err.msg, "no output sample was updated: no trace is within the angle (--angle) of the grid's "
			      "locations at the output times") == 0);
	/* A part of the grid may well be reached by nothing. */
	job.part = "3/4";
	CHECK(sk_mig_empty_cause(&job, &rc, &g, lim, &kp, &st, &err) == 0);
}

int main(void)
{
	test_stack_live();
	test_position();
	test_onepos();
	test_distance();
	test_reach();
	return test_done();
}
