/* Unit tests of lib/flow/migrate_scan.c, what the migrate driver's scan of
 * the input decides, which no unit test called directly (test_migrate.c
 * goes through sk_migrate_run): the default grid of a line (its axis, its
 * origin at the first midpoint, the bin of half the median receiver
 * spacing or the midpoint spacing of one trace a shot, the refusals of a
 * 3-D survey and of one midpoint), the cdp, iline and xline carried to each
 * grid location (nearest trace, the earliest on a tie), and the scan itself
 * from a file and from a pipe (its spool read back, a short spool, a spool
 * that cannot be made).  Every expected value is worked out by hand in the
 * comment beside it. */
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

static struct sk_error err;

/* A scan of n traces with source (sx, sy) and receiver (gx, gy) each. */
static void scan_of(struct scan *sc, double *p, size_t n)
{
	memset(sc, 0, sizeof *sc);
	sc->p = p;
	sc->n = sc->cap = n;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

static void test_default_grid(void)
{
	struct scan sc;
	struct sk_grid g;

	/* A line along x: shots at 0 and 50, receivers 100 m apart.
	 * Centre x (3 * 0 + 3 * 50 + 100 + ... + 350) / 12 = 1500 / 12 = 125;
	 * midpoints 50, 100, 150, 100, 150, 200; bin 100 / 2 = 50; origin at
	 * 50 (the first midpoint's end of the line), 150 / 50 + 1 = 4
	 * locations, azimuth 90 (east), numbered from 1. */
	{
		double p[] = {0, 0, 100, 0, 0, 0, 200, 0, 0, 0, 300, 0, 50, 0, 150, 0, 50, 0, 250, 0, 50, 0, 350, 0};
		scan_of(&sc, p, 6);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
		CHECKF(g.x0 == 50 && g.y0 == 0 && g.dx == 50 && g.dy == 50 && g.nx == 4 && g.ny == 1 && g.azimuth == 90,
		       "%g %g %g %ld %g", g.x0, g.y0, g.dx, g.nx, g.azimuth);
		CHECK(g.il0 == 1 && g.dil == 1 && g.xl0 == 1 && g.dxl == 1 && g.is_line == 1);
	}
	/* Along y, shot by shot towards -y: shots at y 1000 and 960,
	 * receivers 100 m behind each.  Centre y (2000 + 1920 + 900 + 800 +
	 * 860 + 760) / 8 = 905; midpoints 950, 900, 910, 860: the first is at
	 * the larger y, so the axis points to -y (azimuth 180, south), the
	 * origin is y 950, bin 50, (950 - 860) / 50 = 1.8 -> 2 + 1 = 3
	 * locations, at y 950, 900, 850 with x 0. */
	{
		double p[] = {0, 1000, 0, 900, 0, 1000, 0, 800, 0, 960, 0, 860, 0, 960, 0, 760};
		double x, y;
		scan_of(&sc, p, 4);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
		/* 180 and -180 are the same direction (the axis (-0, -1)). */
		CHECKF(g.x0 == 0 && g.y0 == 950 && g.dx == 50 && g.nx == 3 && fabs(g.azimuth) == 180, "%g %g %g %ld %g",
		       g.x0, g.y0, g.dx, g.nx, g.azimuth);
		sk_grid_point(&g, 0, &x, &y);
		CHECK(x == 0 && y == 950);
		sk_grid_point(&g, 2, &x, &y);
		CHECK(x == 0 && y == 850);
	}
	/* A line of direction (3, 4) / 5: a shot at the origin, receivers at
	 * 50, 100 and 150 m along it.  Centre (180 / 6, 240 / 6) = (30, 40);
	 * covariance sxx 7200, syy 12800, sxy 9600: its larger eigenvalue
	 * 10000 + sqrt(2800^2 + 9600^2) = 20000, eigenvector (7200, 9600) /
	 * 12000 = (0.6, 0.8).  Receivers 50 m apart: bin 25; midpoints at
	 * 25, 50, 75 m along: origin (15, 20), 3 locations; azimuth
	 * atan2(0.6, 0.8) = 36.86989764584402 degrees. */
	{
		double p[] = {0, 0, 30, 40, 0, 0, 60, 80, 0, 0, 90, 120};
		scan_of(&sc, p, 3);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
		CHECKF(near(g.x0, 15) && near(g.y0, 20) && g.dx == 25 && g.nx == 3 && near(g.azimuth, 36.86989764584402),
		       "%.17g %.17g %g %ld %.17g", g.x0, g.y0, g.dx, g.nx, g.azimuth);
	}
	/* Receivers 12.3456 m apart: the bin 6.1728 rounds to the millimetre,
	 * 6.173; the midpoints span 12.3456 m: 12.3456 / 6.173 = 1.99994 ->
	 * 2 + 1 = 3 locations. */
	{
		double p[] = {-100, 0, 0, 0, -100, 0, 12.3456, 0, -100, 0, 24.6912, 0};
		scan_of(&sc, p, 3);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
		CHECKF(g.dx == 6.173 && g.nx == 3 && near(g.x0, -50), "%.17g %ld %.17g", g.dx, g.nx, g.x0);
	}
	/* One trace a shot (stacked or zero-offset): no receiver spacing, the
	 * midpoint spacing itself, 25 m (median of 25, 25, 50: a missing
	 * trace between 50 and 100). */
	{
		double p[] = {0, 0, 0, 0, 25, 0, 25, 0, 50, 0, 50, 0, 100, 0, 100, 0};
		scan_of(&sc, p, 4);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
		CHECKF(g.dx == 25 && g.x0 == 0 && g.nx == 5, "%g %g %ld", g.dx, g.x0, g.nx);
	}
	/* Medians: of an even count, the mean of the middle two.  Receiver
	 * steps 10, 30, 20, 40 (two shots): median (20 + 30) / 2 = 25, bin
	 * 12.5. */
	{
		double p[] = {0, 0, 100, 0, 0, 0, 110, 0, 0, 0, 140, 0, 5, 0, 200, 0, 5, 0, 220, 0, 5, 0, 260, 0};
		scan_of(&sc, p, 6);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
		CHECKF(g.dx == 12.5, "%g", g.dx);
	}
	/* A single trace: a grid of one location at its midpoint, bin 1. */
	{
		double p[] = {10, 0, 30, 0};
		scan_of(&sc, p, 1);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
		CHECKF(g.x0 == 20 && g.y0 == 0 && g.nx == 1 && g.dx == 1 && g.azimuth == 90, "%g %g %ld %g", g.x0, g.y0,
		       g.nx, g.dx);
	}
	/* Off the line by 3 m (centre x 125, y 0; no x-y covariance, so the
	 * axis is x): refused, saying how far. */
	{
		double p[] = {0, 0, 300, 0, 100, 3, 100, -3};
		scan_of(&sc, p, 2);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == SK_EARG);
		CHECKF(strcmp(err.msg, "a 3-D survey (sources and receivers up to 3 m off a line) needs --grid") == 0, "%s",
		       err.msg);
	}
	/* 1 m off is still a line. */
	{
		double p[] = {0, 0, 300, 0, 100, 1, 100, -1};
		scan_of(&sc, p, 2);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == 0);
	}
	/* A CMP gather: every midpoint at (0, 0). */
	{
		double p[] = {-100, 0, 100, 0, -200, 0, 200, 0};
		scan_of(&sc, p, 2);
		CHECK(sk_mig_default_grid(&sc, &g, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "all 2 live traces have the same midpoint (0, 0): set their coordinates (segedit) "
				       "or give --grid") == 0, "%s", err.msg);
	}
}

static void test_carry(void)
{
	/* A line grid x 0..3 (1 m, azimuth 90).  Midpoints (source =
	 * receiver here) at x 0.5, 1.5, 0.5, 2.5 for traces 0-3, whose cdp,
	 * iline, xline are 10 + t, 20 + t, 30 + t. */
	double p[] = {0.5, 0, 0.5, 0, 1.5, 0, 1.5, 0, 0.5, 0, 0.5, 0, 2.5, 0, 2.5, 0};
	int32_t num[] = {10, 20, 30, 11, 21, 31, 12, 22, 32, 13, 23, 33};
	const struct sk_grid g = {0, 0, 1, 1, 4, 1, 90, 1, 1, 1, 1, 1};
	struct scan sc;
	int32_t *c = NULL;

	scan_of(&sc, p, 4);
	sc.num = num;
	/* Location 0: below every trace, the nearest is at 0.5, traces 0
	 * and 2: the earlier, 0.  Location 1: 0.5 (traces 0, 2) and 1.5
	 * (trace 1) are as near: the earliest of the three, 0.  Location 2:
	 * 1.5 and 2.5, traces 1 and 3: 1.  Location 3: 2.5 (trace 3) alone
	 * is nearest. */
	CHECK(sk_mig_carry_numbers(&sc, &g, 0, 4, &c, &err) == 0 && c);
	if (c) {
		static const int32_t want[] = {10, 20, 30, 10, 20, 30, 11, 21, 31, 13, 23, 33};
		CHECK(memcmp(c, want, sizeof want) == 0);
	}
	free(c);
	/* A part of the grid: locations 2 and 3. */
	CHECK(sk_mig_carry_numbers(&sc, &g, 2, 4, &c, &err) == 0 && c);
	if (c)
		CHECK(c[0] == 11 && c[3] == 13 && c[5] == 33);
	free(c);
	/* Trace 1 moved to 1.25: location 1 is nearer to it (0.25) than to
	 * 0.5 (0.5). */
	p[4] = p[6] = 1.25;
	CHECK(sk_mig_carry_numbers(&sc, &g, 1, 2, &c, &err) == 0 && c && c[0] == 11 && c[1] == 21 && c[2] == 31);
	free(c);
	/* Location 4 of a grid of nx 4 (its second line, were it 2-D) is
	 * location 0 of the line: j mod nx. */
	CHECK(sk_mig_carry_numbers(&sc, &g, 4, 5, &c, &err) == 0 && c && c[0] == 10);
	free(c);
}

/* The scanned input: scalco -10 (raw 1005 is 100.5 m); t says what each
 * trace is.
 *   0 live, source (0, 0), receiver (100, 0), offset 100, cdp 11
 *   1 dead (trid 2)
 *   2 live, receiver (200, 0), offset 200, cdp 12
 *   3 live, offset 0, no receiver, source (50, 0): post-stack, at its
 *     source (no cdpx/cdpy), cdp 13
 *   4 dummy (trid 3)
 *   5 live, offset 0, no coordinates but cdpx 250.5: at its CMP, iline 7
 * then, for the capacity, traces 6.. as trace 0 with cdp 11 + t. */
static void fill(int i, unsigned char *h, float *d)
{
	static const int32_t tab[6][9] = {
		/* trid sx    sy gx    gy offset cdpx  cdp  iline */
		{1, 0, 0, 1000, 0, 100, 0, 11, 0},
		{2, 5000, 0, 6000, 0, 100, 0, 99, 99},
		{1, 0, 0, 2000, 0, 200, 0, 12, 0},
		{1, 500, 0, 0, 0, 0, 0, 13, 0},
		{3, 0, 0, 0, 0, 0, 0, 98, 98},
		{1, 0, 0, 0, 0, 0, 2505, 0, 7},
	};
	const int32_t *t = tab[i < 6 ? i : 0];

	sk_hdr_set_i32(h, SK_TR_TRACL, i + 1);
	sk_hdr_set_i16(h, SK_SCALCO, -10);
	sk_hdr_set_i16(h, SK_TR_TRID, (int16_t)t[0]);
	sk_hdr_set_i32(h, SK_TR_SX, t[1]);
	sk_hdr_set_i32(h, SK_TR_SY, t[2]);
	sk_hdr_set_i32(h, SK_TR_GX, t[3]);
	sk_hdr_set_i32(h, SK_TR_GY, t[4]);
	sk_hdr_set_i32(h, SK_TR_OFFSET, t[5]);
	sk_hdr_set_i32(h, SK_TR_CDPX, t[6]);
	sk_hdr_set_i32(h, SK_TR_CDP, i < 6 ? t[7] : 11 + i);
	sk_hdr_set_i32(h, SK_TR_ILINE, t[8]);
	sk_hdr_set_i16(h, 115, 4);
	sk_hdr_set_i16(h, 117, 4000);
	for (int s = 0; s < 4; s++)
		d[s] = (float)(i * 10 + s);
}

static int row(const struct scan *sc, size_t k, double a, double b, double c, double d)
{
	const double *q = sc->p + 4 * k;
	return q[0] == a && q[1] == b && q[2] == c && q[3] == d;
}

static int nums(const struct scan *sc, size_t k, int32_t a, int32_t b, int32_t c)
{
	const int32_t *q = sc->num + 3 * k;
	return q[0] == a && q[1] == b && q[2] == c;
}

static void test_scan(void)
{
	const struct sk_wopts wo = SK_WOPTS_INIT;
	char path[160], big[160];
	struct src s;
	struct scan sc;
	unsigned char h[240];
	float d[4];
	int64_t ntr;
	pid_t pid;
	int fd, st;

	snprintf(path, sizeof path, "%s/in.sgy", mk_dir);
	snprintf(big, sizeof big, "%s/big.sgy", mk_dir);
	CHECK(mk_write(path, &wo, 4, 4000, 6, fill) == 0);
	CHECK(mk_write(big, &wo, 4, 4000, 5000, fill) == 0);

	/* From a file: the live traces' positions and numbers; read again
	 * from the start afterwards, without a spool. */
	memset(&s, 0, sizeof s);
	memset(&sc, 0, sizeof sc);
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &s.r, &err) == 0);
	s.hdrlen = 240;
	s.ns = 4;
	CHECK(sk_mig_scan_input(&s, sk_reader_info(s.r), 0, &sc, &ntr, &err) == 0);
	CHECK(ntr == 6 && sc.n == 4 && s.spool == NULL);
	CHECK(row(&sc, 0, 0, 0, 100, 0) && row(&sc, 1, 0, 0, 200, 0) && row(&sc, 2, 50, 0, 50, 0) &&
	      row(&sc, 3, 250.5, 0, 250.5, 0));
	CHECK(nums(&sc, 0, 11, 0, 0) && nums(&sc, 1, 12, 0, 0) && nums(&sc, 2, 13, 0, 0) && nums(&sc, 3, 0, 7, 0));
	/* All four have a coordinate; 3 and 5 are post-stack; 3 has no
	 * receiver and a source off the origin; cdp and iline are set
	 * somewhere, xline nowhere. */
	CHECKF(sc.with_pos == 4 && sc.stack == 2 && sc.r0 == 1, "%zu %zu %zu", sc.with_pos, sc.stack, sc.r0);
	CHECK(sc.nonzero[0] == 1 && sc.nonzero[1] == 1 && sc.nonzero[2] == 0 && sc.one.n == 4);
	CHECK(sk_mig_src_next(&s, h, d, &err) == 1 && sk_hdr_i32(h, SK_TR_TRACL) == 1 && d[3] == 3);
	sk_reader_free(s.r);
	free(sc.p);
	free(sc.num);

	/* Zero-offset (zo): every live trace at its CMP, else its source:
	 * traces 0 and 2 at (0, 0), without a coordinate. */
	memset(&s, 0, sizeof s);
	memset(&sc, 0, sizeof sc);
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &s.r, &err) == 0);
	s.hdrlen = 240;
	s.ns = 4;
	CHECK(sk_mig_scan_input(&s, sk_reader_info(s.r), 1, &sc, &ntr, &err) == 0);
	CHECK(sc.n == 4 && sc.with_pos == 2 && row(&sc, 0, 0, 0, 0, 0) && row(&sc, 1, 0, 0, 0, 0) &&
	      row(&sc, 2, 50, 0, 50, 0));
	sk_reader_free(s.r);
	free(sc.p);
	free(sc.num);

	/* From a pipe: each trace into the spool, read back from it, header
	 * and samples; 5000 traces, of them 4998 live (traces 1 and 4 are
	 * not), past the first 4096 rows. */
	memset(&s, 0, sizeof s);
	memset(&sc, 0, sizeof sc);
	fd = mk_pipe_of(big, &pid);
	CHECK(fd >= 0 && sk_reader_open_fd(fd, "<stdin>", SK_FMT_AUTO, 0, NULL, NULL, &s.r, &err) == 0);
	s.hdrlen = 240;
	s.ns = 4;
	CHECK(sk_mig_scan_input(&s, sk_reader_info(s.r), 0, &sc, &ntr, &err) == 0);
	CHECKF(ntr == 5000 && sc.n == 4998 && sc.cap == 8192 && s.spool != NULL, "%lld %zu %zu", (long long)ntr, sc.n,
	       sc.cap);
	/* Row 4997 is trace 4999: as trace 0, cdp 11 + 4999. */
	CHECK(row(&sc, 4997, 0, 0, 100, 0) && nums(&sc, 4997, 5010, 0, 0));
	{
		int bad = 0, t = 0, rc;
		while ((rc = sk_mig_src_next(&s, h, d, &err)) == 1) {
			unsigned char eh[240];
			float ed[4];
			memset(eh, 0, sizeof eh);
			fill(t, eh, ed);
			bad += memcmp(h, eh, 240) != 0 || memcmp(d, ed, sizeof d) != 0;
			t++;
		}
		CHECKF(rc == 0 && t == 5000 && bad == 0, "rc %d, %d traces, %d differ", rc, t, bad);
	}
	/* A spool cut inside trace 2's samples: a short read, about it. */
	CHECK(fseek(s.spool, 0, SEEK_SET) == 0 && ftruncate(fileno(s.spool), 2 * (240 + 16) + 240 + 8) == 0);
	CHECK(sk_mig_src_next(&s, h, d, &err) == 1 && sk_mig_src_next(&s, h, d, &err) == 1);
	memset(&err, 0, sizeof err);
	CHECK(sk_mig_src_next(&s, h, d, &err) == SK_EIO);
	{
		/* The spool's name: $TMPDIR (else /tmp) /migrate-spool-XXXXXX. */
		const char *tmp = getenv("TMPDIR");
		char want[300];
		snprintf(want, sizeof want, "%s/migrate-spool-", tmp && *tmp ? tmp : "/tmp");
		CHECKF(strcmp(err.msg, "short read") == 0 && strcmp(err.file, s.spool_path) == 0 &&
		       strncmp(s.spool_path, want, strlen(want)) == 0 && strlen(s.spool_path) == strlen(want) + 6,
		       "%s: %s", err.file, err.msg);
	}
	/* Cut inside trace 1's header: as short, not a clean end (it was). */
	CHECK(fseek(s.spool, 0, SEEK_SET) == 0 && ftruncate(fileno(s.spool), (240 + 16) + 100) == 0);
	CHECK(sk_mig_src_next(&s, h, d, &err) == 1);
	memset(&err, 0, sizeof err);
	CHECKF(sk_mig_src_next(&s, h, d, &err) == SK_EIO && strcmp(err.msg, "short read") == 0 &&
	       strcmp(err.file, s.spool_path) == 0, "%s: %s", err.file, err.msg);
	/* Cut between traces: the end of the input. */
	CHECK(fseek(s.spool, 0, SEEK_SET) == 0 && ftruncate(fileno(s.spool), 240 + 16) == 0);
	CHECK(sk_mig_src_next(&s, h, d, &err) == 1 && sk_mig_src_next(&s, h, d, &err) == 0);
	fclose(s.spool);
	sk_reader_free(s.r);
	CHECK(waitpid(pid, &st, 0) == pid);
	free(sc.p);
	free(sc.num);

	/* A spool that cannot be made: the error is about its directory. */
	setenv("TMPDIR", "/nonexistent-segkit-dir", 1);
	memset(&s, 0, sizeof s);
	memset(&sc, 0, sizeof sc);
	fd = mk_pipe_of(path, &pid);
	CHECK(fd >= 0 && sk_reader_open_fd(fd, "<stdin>", SK_FMT_AUTO, 0, NULL, NULL, &s.r, &err) == 0);
	s.hdrlen = 240;
	s.ns = 4;
	memset(&err, 0, sizeof err);
	CHECK(sk_mig_scan_input(&s, sk_reader_info(s.r), 0, &sc, &ntr, &err) == SK_EIO && s.spool == NULL);
	CHECKF(strcmp(err.file, "/nonexistent-segkit-dir") == 0 && strcmp(err.msg, "No such file or directory") == 0,
	       "%s: %s", err.file, err.msg);
	sk_reader_free(s.r);
	CHECK(waitpid(pid, &st, 0) == pid);
	unsetenv("TMPDIR");
	free(sc.p);
	free(sc.num);
	unlink(path);
	unlink(big);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_default_grid();
	test_carry();
	CHECK(mk_tmpdir(mk_dir, sizeof mk_dir, "migrate_scan") != NULL);
	test_scan();
	CHECK(rmdir(mk_dir) == 0);
	return test_done();
}
