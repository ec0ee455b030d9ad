#include <math.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "grid.h"
#include "hdr.h"

int main(void)
{
	struct sk_grid g;
	struct sk_error err;
	double x, y, f, s;
	long il, xl;
	int64_t a, b;
	unsigned char h[240];

	CHECK(sk_grid_parse("100,12.5,81", &g, &err) == 0);
	CHECK(g.is_line && g.nx == 81 && g.ny == 1 && sk_grid_size(&g) == 81);
	sk_grid_point(&g, 80, &x, &y);
	CHECK(x == 1100 && y == 0);
	CHECK(sk_grid_parse("0,25,4,1000,50,3", &g, &err) == 0);
	sk_grid_point(&g, 5, &x, &y);          /* fast index 1, slow 1 */
	CHECK(x == 25 && y == 1050);
	sk_grid_numbers(&g, 5, &il, &xl);
	CHECK(il == 2 && xl == 2);
	sk_grid_locate(&g, 25, 1050, &f, &s);
	CHECK(f == 1 && s == 1);
	/* Azimuth 0: the fast axis points north (+y), the slow axis west. */
	CHECK(sk_grid_parse("0,10,3,0,20,2,0", &g, &err) == 0);
	sk_grid_point(&g, 4, &x, &y);
	CHECK(x == -20 && y == 10);
	/* Rotated 30 degrees: locate inverts point. */
	CHECK(sk_grid_parse("500,10,30,700,20,20,30", &g, &err) == 0);
	sk_grid_point(&g, 7 * 30 + 11, &x, &y);
	sk_grid_locate(&g, x, y, &f, &s);
	CHECK(fabs(f - 11) < 1e-9 && fabs(s - 7) < 1e-9);
	CHECK(sk_grid_parse("0,-5,10", &g, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid grid '0,-5,10': spacings must be positive") == 0);
	CHECK(sk_grid_parse("0,5,10.5", &g, &err) == SK_EARG);
	CHECK(sk_grid_parse("0,5", &g, &err) == SK_EARG);
	/* A mistyped list that names no file (not in the test's directory) is
	 * a bad value; a missing file name is a missing file. */
	CHECK(sk_grid_parse("17x22", &g, &err) == SK_EARG && err.file[0] == '\0');
	CHECK(strcmp(err.msg, "invalid grid '17x22' (not x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth], "
			      "and no file of that name)") == 0);
	CHECK(sk_grid_parse("/nonexistent/17x22", &g, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0);
	CHECK(sk_grid_part("2/4", 10, &a, &b, &err) == 0 && a == 2 && b == 5);
	CHECK(sk_grid_part("4/4", 10, &a, &b, &err) == 0 && a == 7 && b == 10);
	CHECK(sk_grid_part("5/4", 10, &a, &b, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid part '5/4' (expected K/N with 1 <= K <= N)") == 0);
	CHECK(sk_grid_part("0/4", 10, &a, &b, &err) == SK_EARG);
	{
		/* Parts cover the whole grid without gaps or overlap. */
		int64_t next = 0;
		int ok = 1;
		for (int k = 1; k <= 7; k++) {
			char p[16];
			snprintf(p, sizeof p, "%d/7", k);
			ok &= sk_grid_part(p, 1000, &a, &b, &err) == 0 && a == next;
			next = b;
		}
		CHECK(ok && next == 1000);
	}
	{
		char path[64];
		int fd;
		snprintf(path, sizeof path, "/tmp/test_grid_%ld.yaml", (long)getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		const char doc[] = "x0: 1000\ny0: 2000\ndx: 12.5\ndy: 25\nnx: 10\nny: 5\n"
				   "iline: {first: 100, step: 2}\nxline: {first: 7, step: 1}\n";
		CHECK(fd >= 0 && write(fd, doc, sizeof doc - 1) == (ssize_t)sizeof doc - 1);
		close(fd);
		CHECK(sk_grid_parse(path, &g, &err) == 0);
		CHECK(g.x0 == 1000 && g.dx == 12.5 && g.nx == 10 && g.ny == 5 && g.il0 == 100 && g.dil == 2);
		sk_grid_numbers(&g, 23, &il, &xl);
		CHECK(il == 104 && xl == 10);
		memset(h, 0, sizeof h);
		sk_grid_header(&g, 23, h);
		CHECK(sk_hdr_i32(h, 21) == 24 && sk_hdr_i32(h, 189) == 104 && sk_hdr_i32(h, 193) == 10);
		CHECK(sk_hdr_i16(h, 71) == -10);                    /* 12.5 m steps need decimetres */
		CHECK(sk_hdr_coord(h, 181) == 1037.5 && sk_hdr_coord(h, 185) == 2050);
		{
			FILE *fp = fopen(path, "w");
			fputs("x0: 1\ndx: 5\nnx: 3\nbogus: 4\n", fp);
			fclose(fp);
		}
		CHECK(sk_grid_parse(path, &g, &err) == SK_EFMT);
		CHECKF(strstr(err.msg, "line 4, column 1: unknown grid key 'bogus'") != NULL, "%s", err.msg);
		unlink(path);
	}
	/* The extent of a grid: its corners; a line's y is its own. */
	{
		struct sk_grid gl;
		double x0, x1, y0, y1;
		char buf[64];
		CHECK(sk_grid_parse("3000,25,40", &gl, &err) == 0);
		sk_grid_extent(&gl, &x0, &x1, &y0, &y1);
		CHECK(x0 == 3000 && x1 == 3975 && y0 == 0 && y1 == 0);
		/* Azimuth 0 (fast axis north): the slow axis runs west, x 100 to 60. */
		CHECK(sk_grid_parse("100,10,5,200,20,3,0", &gl, &err) == 0);
		sk_grid_extent(&gl, &x0, &x1, &y0, &y1);
		CHECKF(fabs(x0 - 60) < 1e-9 && fabs(x1 - 100) < 1e-9 && fabs(y0 - 200) < 1e-9 && fabs(y1 - 240) < 1e-9,
		       "%g %g %g %g", x0, x1, y0, y1);
		/* Distances for messages. */
		CHECK(strcmp(sk_distance_text(755.6, buf, sizeof buf), "756 m") == 0);
		CHECK(strcmp(sk_distance_text(9999.4, buf, sizeof buf), "9999 m") == 0);
		CHECK(strcmp(sk_distance_text(1e4, buf, sizeof buf), "10 km") == 0);
		CHECK(strcmp(sk_distance_text(6021300, buf, sizeof buf), "6,021 km") == 0);
		CHECK(strcmp(sk_distance_text(1234567890, buf, sizeof buf), "1,234,568 km") == 0);
		CHECKF(strcmp(sk_distance_text(2e15, buf, sizeof buf), "2e+12 km") == 0, "%s", buf);
	}
	return test_done();
}
