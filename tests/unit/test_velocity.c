/* velocity: --vel parsing, v(t) curves, and velocity files on a grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "stream.h"
#include "velocity.h"

/* Writes an SU file of n velocity traces (ns samples from t0 every dt) with
 * v = v0 + dv * t, cdpx = x[i] (scalco -100) when x is given. */
static int write_vel(const char *path, long n, long ns, double t0, double dt, double v0, double dv,
		     const double *x, float bad)
{
	struct sk_info like;
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_writer *w;
	struct sk_error err;
	unsigned char h[SK_HDR_LEN];
	float *d = malloc(ns * sizeof *d);

	memset(&like, 0, sizeof like);
	like.fmt = SK_FMT_SEGY;   /* cdpx/cdpy are SEG-Y's (SU has d1 f1 there) */
	like.little = 1;
	like.sample_format = 5;
	like.ns = ns;
	like.dt = dt * 1e6;
	like.hdrlen = SK_HDR_LEN;
	like.ntraces = -1;
	if (sk_writer_open(path, &like, &o, &w, &err) < 0)
		return -1;
	for (long i = 0; i < n; i++) {
		memset(h, 0, sizeof h);
		sk_hdr_set_i32(h, 1, (int32_t)(i + 1));
		sk_hdr_set_i16(h, SK_SCALCO, -100);
		sk_hdr_set_i16(h, 109, (int16_t)lround(t0 * 1e3));
		sk_hdr_set_i16(h, 115, (int16_t)ns);
		sk_hdr_set_i16(h, 117, (int16_t)lround(dt * 1e6));
		if (x)
			sk_hdr_set_coord(h, 181, x[i]);
		for (long j = 0; j < ns; j++)
			d[j] = (float)(v0 + dv * (t0 + (double)j * dt));
		if (i == n - 1 && bad != 0)
			d[ns / 2] = bad;
		if (sk_writer_put(w, h, d, &err) < 0)
			return -1;
	}
	free(d);
	return sk_writer_close(w, &err);
}

int main(void)
{
	struct sk_vel v;
	struct sk_error err;
	struct sk_grid g;
	float c[5], *vel;
	double x[4];
	int per;
	char path[] = "/tmp/test_velocity_XXXXXX";
	const int fd = mkstemp(path);

	CHECK(sk_vel_parse("2500", &v, &err) == 0 && v.kind == SK_VEL_CONST && v.v[0] == 2500);
	CHECK(sk_vel_at(&v, 3.0) == 2500);
	CHECK(sk_vel_parse("0:1500,2:2500", &v, &err) == 0 && v.kind == SK_VEL_PAIRS && v.n == 2);
	CHECK(sk_vel_at(&v, -1) == 1500 && sk_vel_at(&v, 1) == 2000 && sk_vel_at(&v, 9) == 2500);
	sk_vel_curve(&v, 5, 0.0, 0.5, c);
	CHECK(c[0] == 1500 && c[1] == 1750 && c[2] == 2000 && c[4] == 2500);
	CHECK(sk_vel_parse("vrms.sgy", &v, &err) == 0 && v.kind == SK_VEL_FILE && strcmp(v.path, "vrms.sgy") == 0);
	CHECK(sk_vel_parse("0", &v, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid vel '0' (expected a positive velocity)") == 0);
	CHECK(sk_vel_parse("-2000", &v, &err) == SK_EARG);
	CHECK(sk_vel_parse("0:2000,1:0", &v, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid vel '0:2000,1:0' (non-positive velocity 0 at 1 s)") == 0);
	CHECK(sk_vel_parse("1:2000,1:2500", &v, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid vel '1:2000,1:2500' (times must increase)") == 0);
	CHECK(sk_vel_parse("0:2000,x:2500", &v, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid vel '0:2000,x:2500' (expected V, t:v,t:v,... or a file)") == 0);
	CHECK(sk_vel_parse("0:2000,", &v, &err) == SK_EARG);
	/* A mistyped number (no such file in the test's directory) is a bad
	 * value, a missing name a file to be opened (and found missing). */
	CHECK(sk_vel_parse("25OO", &v, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid vel '25OO' (not a number, and no file of that name)") == 0);
	CHECK(sk_vel_parse("vel.su", &v, &err) == 0 && v.kind == SK_VEL_FILE && strcmp(v.path, "vel.su") == 0);

	/* Files on a line grid of 4 locations. */
	CHECK(fd >= 0);
	close(fd);
	CHECK(sk_grid_parse("100,25,4", &g, &err) == 0);
	for (int i = 0; i < 4; i++)
		x[i] = 100 + 25 * i;
	/* One trace: v(t) everywhere, resampled from a 10 ms axis to 4 ms. */
	CHECK(write_vel(path, 1, 101, 0.0, 0.010, 2000.0, 500.0, NULL, 0) == 0);
	CHECK(sk_vel_load(path, &g, 0, 4, 250, 0.0, 0.004, &vel, &per, &err) == 0 && per == 0);
	CHECK(fabs(vel[0] - 2000) < 1e-3 && fabs(vel[125] - 2250) < 1e-3 && fabs(vel[249] - 2498) < 1e-3);
	free(vel);
	/* One per location, a part of the grid, cdpx checked. */
	CHECK(write_vel(path, 4, 101, 0.0, 0.010, 2000.0, 500.0, x, 0) == 0);
	CHECK(sk_vel_load(path, &g, 1, 3, 10, 0.0, 0.1, &vel, &per, &err) == 0 && per == 1);
	CHECK(fabs(vel[0] - 2000) < 1e-3 && fabs(vel[19] - 2450) < 1e-3);
	free(vel);
	CHECK(write_vel(path, 3, 101, 0.0, 0.010, 2000.0, 500.0, x, 0) == 0);
	CHECK(sk_vel_load(path, &g, 0, 4, 10, 0.0, 0.1, &vel, &per, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "3 velocity traces for a grid of 4 locations (expected 1 or 4)") == 0);
	x[2] += 20;
	CHECK(write_vel(path, 4, 101, 0.0, 0.010, 2000.0, 500.0, x, 0) == 0);
	CHECK(sk_vel_load(path, &g, 0, 4, 10, 0.0, 0.1, &vel, &per, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "trace 3: cdpx/cdpy (170, 0) is not grid location 3 (150, 0)") == 0);
	x[2] -= 20;
	CHECK(write_vel(path, 4, 101, 0.0, 0.010, 2000.0, 500.0, x, -3.0f) == 0);
	CHECK(sk_vel_load(path, &g, 0, 4, 10, 0.0, 0.1, &vel, &per, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "trace 4: non-positive velocity -3 at 0.5 s") == 0);
	unlink(path);
	CHECK(sk_vel_load(path, &g, 0, 4, 10, 0.0, 0.1, &vel, &per, &err) == SK_EIO);
	return test_done();
}
