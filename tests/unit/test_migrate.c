/* migrate: the streaming driver, on small SU files written here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "migrate.h"
#include "stream.h"

#define PI 3.14159265358979323846

/* n shots every 50 m along a line at angle az (degrees from +x), 8
 * receivers every 25 m from the shot (s, r in metres along the line), a
 * diffractor at 200 m, 0.3 s, v 2000; ys offsets every receiver by that
 * much off the line (3-D); coords 0 writes no coordinates. */
static int write_line(const char *path, int n, double az, double ys, int coords)
{
	struct sk_info like;
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_writer *w;
	struct sk_error err;
	unsigned char h[SK_HDR_LEN];
	float d[200];
	const double ca = cos(az * PI / 180), sa = sin(az * PI / 180);

	memset(&like, 0, sizeof like);
	like.fmt = SK_FMT_SU;
	like.little = 1;
	like.sample_format = 5;
	like.ns = 200;
	like.dt = 4000;
	like.hdrlen = SK_HDR_LEN;
	like.ntraces = -1;
	if (sk_writer_open(path, &like, &o, &w, &err) < 0)
		return -1;
	for (int s = 0; s < n; s++)
		for (int r = 0; r < 8; r++) {
			const double a = 50.0 * s, b = a + 25.0 * r, x0 = 200.0, v = 2000.0;
			const double t = sqrt(0.0225 + (a - x0) * (a - x0) / (v * v)) +
					 sqrt(0.0225 + (b - x0) * (b - x0) / (v * v));
			memset(h, 0, sizeof h);
			sk_hdr_set_i32(h, 1, s * 8 + r + 1);
			sk_hdr_set_i16(h, 29, 1);
			sk_hdr_set_i16(h, SK_SCALCO, -100);
			sk_hdr_set_i16(h, 115, 200);
			sk_hdr_set_i16(h, 117, 4000);
			if (coords) {
				sk_hdr_set_coord(h, 73, a * ca);
				sk_hdr_set_coord(h, 77, a * sa);
				sk_hdr_set_coord(h, 81, b * ca - ys * r * sa);
				sk_hdr_set_coord(h, 85, b * sa + ys * r * ca);
			}
			for (int j = 0; j < 200; j++) {
				const double u = PI * 25 * (j * 0.004 - t);
				d[j] = (float)((1 - 2 * u * u) * exp(-u * u));
			}
			if (sk_writer_put(w, h, d, &err) < 0)
				return -1;
		}
	return sk_writer_close(w, &err);
}

static void job_init(struct sk_migrate_job *job, const char *in, const char *out)
{
	struct sk_error err;
	memset(job, 0, sizeof *job);
	job->in = in;
	job->out = out;
	job->wopts = (struct sk_wopts)SK_WOPTS_INIT;
	job->kp.antialias = 1;
	job->kp.aal = 1;
	job->kp.rho = SK_RHO_NONE;
	job->kp.weights = SK_W_NONE;
	job->kp.angle = 60;
	sk_vel_parse("2000", &job->vel, &err);
}

/* The image's peak: output trace and sample. */
static void peak(const char *path, long *tr, long *j)
{
	struct sk_reader *r;
	struct sk_error err;
	unsigned char h[SK_HDR_LEN];
	float d[200], best = -1;
	long i = 0;
	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return;
	while (sk_reader_next(r, h, d, &err) == 1) {
		for (int k = 0; k < 200; k++)
			if (d[k] > best) {
				best = d[k];
				*tr = i;
				*j = k;
			}
		i++;
	}
	sk_reader_free(r);
}

int main(void)
{
	char in[] = "/tmp/test_migrate_in_XXXXXX", out[] = "/tmp/test_migrate_out_XXXXXX";
	const int fi = mkstemp(in), fo = mkstemp(out);
	struct sk_migrate_job job;
	struct sk_migrate_stats st;
	struct sk_error err;
	long tr = -1, j = -1;

	CHECK(fi >= 0 && fo >= 0);
	close(fi);
	close(fo);

	/* A line along x: the default grid is its midpoints at 12.5 m. */
	CHECK(write_line(in, 9, 0.0, 0.0, 1) == 0);
	job_init(&job, in, out);
	CHECK(sk_migrate_run(&job, &st, &err) == 0);
	CHECK(st.dim == 2 && st.inputs == 72 && st.used == 72 && st.outputs == st.grid.nx);
	CHECK(st.grid.x0 == 0 && st.grid.y0 == 0 && st.grid.dx == 12.5 && st.grid.azimuth == 90);
	CHECK(st.grid.nx == 40);  /* midpoints 0 .. 487.5 m */
	CHECK(st.updates > 0);
	peak(out, &tr, &j);
	CHECKF(tr == 16 && labs(j - 75) <= 1, "peak at trace %ld, sample %ld", tr, j);

	/* The same line turned by 30 degrees: the grid follows it. */
	CHECK(write_line(in, 9, 30.0, 0.0, 1) == 0);
	CHECK(sk_migrate_run(&job, &st, &err) == 0);
	CHECKF(st.dim == 2 && st.grid.nx == 40 && fabs(st.grid.azimuth - 60) < 1e-3,
	       "nx %ld azimuth %g", st.grid.nx, st.grid.azimuth);
	peak(out, &tr, &j);
	CHECKF(tr == 16 && labs(j - 75) <= 1, "peak at trace %ld, sample %ld", tr, j);

	/* Offsets off the line make a 3-D survey: a grid is needed. */
	CHECK(write_line(in, 9, 0.0, 5.0, 1) == 0);
	CHECK(sk_migrate_run(&job, &st, &err) == SK_EARG && err.file[0] == 0);
	CHECKF(strncmp(err.msg, "a 3-D survey (sources and receivers up to ", 42) == 0 && strstr(err.msg, " m off a line) needs --grid"), "%s", err.msg);
	CHECK(sk_grid_parse("0,25,9,-50,25,5", &job.grid, &err) == 0);
	job.have_grid = 1;
	CHECK(sk_migrate_run(&job, &st, &err) == 0 && st.dim == 3 && st.outputs == 45);

	/* No coordinates. */
	CHECK(write_line(in, 3, 0.0, 0.0, 0) == 0);
	CHECK(sk_migrate_run(&job, &st, &err) == SK_EFMT && strcmp(err.file, job.in) == 0);
	CHECK(strcmp(err.msg, "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)") == 0);
	job.have_grid = 0;
	CHECK(sk_migrate_run(&job, &st, &err) == SK_EFMT && strcmp(err.file, job.in) == 0);

	/* Parts and gathers. */
	CHECK(write_line(in, 9, 0.0, 0.0, 1) == 0);
	job.part = "2/3";
	CHECK(sk_migrate_run(&job, &st, &err) == 0 && st.outputs == 40 * 2 / 3 - 40 / 3);
	job.part = "3/2";
	CHECK(sk_migrate_run(&job, &st, &err) == SK_EARG && err.file[0] == 0);
	job.part = NULL;
	job.have_offsets = 1;
	job.o0 = 0;
	job.dof = 50;
	job.no = 2;
	CHECK(sk_migrate_run(&job, &st, &err) == 0 && st.outputs == 80 && st.used == 27);
	unlink(in);
	unlink(out);
	return test_done();
}
