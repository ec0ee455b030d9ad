#include "grid.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "hdr.h"
#include "par.h"
#include "stream.h"

static int check(struct sk_grid *g, const char *arg, struct sk_error *err)
{
	if (!(g->dx > 0) || !(g->dy > 0))
		return sk_error_set(err, SK_EARG, "invalid grid '%s': spacings must be positive", arg);
	if (g->nx < 1 || g->ny < 1 || (double)g->nx * (double)g->ny > 1e12)
		return sk_error_set(err, SK_EARG, "invalid grid '%s': counts must be at least 1", arg);
	if (!isfinite(g->azimuth))
		return sk_error_set(err, SK_EARG, "invalid grid '%s': azimuth", arg);
	if (g->dil == 0 || g->dxl == 0)
		return sk_error_set(err, SK_EARG, "invalid grid '%s': numbering steps must not be 0", arg);
	return 0;
}

static int num(const struct sk_cfg *n, const char *what, double *out, struct sk_error *err)
{
	return sk_cfg_double(n, what, out, err);
}

static int parse_file(const char *path, struct sk_grid *g, struct sk_error *err)
{
	struct sk_cfg *c;
	int rc;
	int seen_nx = 0, seen_dx = 0;

	if ((rc = sk_cfg_load(path, &c, err)) < 0)
		return sk_not_text(path, "a YAML grid file", rc, err);
	if (sk_cfg_kind(c) != SK_CFG_MAP) {
		sk_cfg_free(c);
		return sk_error_set(err, SK_EARG, "line 1, column 1: a grid file is a map of x0, y0, dx, dy, nx, ny, azimuth, iline, xline");
	}
	for (size_t i = 0; i < sk_cfg_len(c) && rc == 0; i++) {
		const char *k = sk_cfg_key_at(c, i);
		const struct sk_cfg *v = sk_cfg_at(c, i);
		long l;
		if (strcmp(k, "x0") == 0) rc = num(v, k, &g->x0, err);
		else if (strcmp(k, "y0") == 0) rc = num(v, k, &g->y0, err);
		else if (strcmp(k, "dx") == 0) { rc = num(v, k, &g->dx, err); seen_dx = 1; }
		else if (strcmp(k, "dy") == 0) rc = num(v, k, &g->dy, err);
		else if (strcmp(k, "azimuth") == 0) rc = num(v, k, &g->azimuth, err);
		else if (strcmp(k, "nx") == 0) { rc = sk_cfg_long(v, k, &g->nx, err); seen_nx = 1; }
		else if (strcmp(k, "ny") == 0) rc = sk_cfg_long(v, k, &g->ny, err);
		else if (strcmp(k, "iline") == 0 || strcmp(k, "xline") == 0) {
			const struct sk_cfg *f = sk_cfg_get(v, "first"), *s = sk_cfg_get(v, "step");
			long *first = k[0] == 'i' ? &g->il0 : &g->xl0, *step = k[0] == 'i' ? &g->dil : &g->dxl;
			if (sk_cfg_kind(v) != SK_CFG_MAP || sk_cfg_len(v) != (size_t)(!!f + !!s))
				rc = sk_error_set(err, SK_EARG, "line %d, column %d: %s: expected a map of first and step",
						  sk_cfg_line(v), sk_cfg_column(v), k);
			if (rc == 0 && f && (rc = sk_cfg_long(f, "first", &l, err)) == 0)
				*first = l;
			if (rc == 0 && s && (rc = sk_cfg_long(s, "step", &l, err)) == 0)
				*step = l;
		} else {
			int line, col;
			sk_cfg_key_pos(c, i, &line, &col);
			rc = sk_error_set(err, SK_EARG, "line %d, column %d: unknown grid key '%s'", line, col, k);
		}
	}
	if (rc == 0 && (!seen_nx || !seen_dx))
		rc = sk_error_set(err, SK_EARG, "grid file needs at least dx and nx");
	if (rc == 0 && g->dy == 0)
		g->dy = g->dx;
	sk_cfg_free(c);
	return rc;
}

int sk_grid_parse(const char *arg, struct sk_grid *g, struct sk_error *err)
{
	double v[7];
	int n, rc;

	memset(g, 0, sizeof *g);
	g->ny = 1;
	g->azimuth = 90;
	g->il0 = g->dil = g->xl0 = g->dxl = 1;
	if (strchr(arg, ',') == NULL || strstr(arg, ".yaml") || strstr(arg, ".yml")) {
		if (sk_par_numlike(arg))
			return sk_error_set(err, SK_EARG,
					    "invalid grid '%s' (not x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth], "
					    "and no file of that name)", arg);
		if ((rc = parse_file(arg, g, err)) < 0) {
			/* A bad grid file is bad data (exit 1), not a bad option. */
			if (rc == SK_EARG)
				rc = err->code = SK_EFMT;
			return sk_error_at(err, rc, arg);
		}
		if ((rc = check(g, arg, err)) == SK_EARG)
			rc = err->code = SK_EFMT;
		return rc;
	}
	if ((rc = sk_par_doubles("grid", arg, v, 7, &n, err)) < 0)
		return rc;
	if (n != 3 && n != 6 && n != 7)
		return sk_error_set(err, SK_EARG,
				    "invalid grid '%s' (expected x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth] or a YAML file)", arg);
	if (v[2] != floor(v[2]) || (n > 3 && v[5] != floor(v[5])))
		return sk_error_set(err, SK_EARG, "invalid grid '%s': counts must be integers", arg);
	g->x0 = v[0];
	g->dx = v[1];
	g->nx = (long)v[2];
	if (n == 3) {
		g->is_line = 1;
		g->dy = g->dx;
	} else {
		g->y0 = v[3];
		g->dy = v[4];
		g->ny = (long)v[5];
		if (n == 7)
			g->azimuth = v[6];
	}
	return check(g, arg, err);
}

int64_t sk_grid_size(const struct sk_grid *g)
{
	return (int64_t)g->nx * g->ny;
}

static void axes(const struct sk_grid *g, double *ux, double *uy, double *vx, double *vy)
{
	const double a = g->azimuth * 3.14159265358979323846 / 180;
	/* Exact values for the axis-aligned azimuths keep coordinates exact. */
	double s = sin(a), c = cos(a);
	if (fmod(g->azimuth, 90) == 0) {
		s = nearbyint(s);
		c = nearbyint(c);
	}
	*ux = s;
	*uy = c;
	*vx = -c;
	*vy = s;
}

void sk_grid_extent(const struct sk_grid *g, double *x0, double *x1, double *y0, double *y1)
{
	/* The four corners: the grid is a rotated rectangle. */
	const int64_t corner[4] = {0, g->nx - 1, sk_grid_size(g) - g->nx, sk_grid_size(g) - 1};

	*x0 = *y0 = HUGE_VAL;
	*x1 = *y1 = -HUGE_VAL;
	for (int k = 0; k < 4; k++) {
		double x, y;
		sk_grid_point(g, corner[k], &x, &y);
		*x0 = fmin(*x0, x);
		*x1 = fmax(*x1, x);
		*y0 = fmin(*y0, y);
		*y1 = fmax(*y1, y);
	}
}

const char *sk_distance_text(double d, char *buf, size_t len)
{
	if (d < 1e4) {
		snprintf(buf, len, "%.0f m", d);
	} else if (d >= 1e15) {
		snprintf(buf, len, "%.3g km", d * 1e-3);
	} else {
		char digits[32];
		size_t n, o = 0;
		snprintf(digits, sizeof digits, "%.0f", d * 1e-3);
		n = strlen(digits);
		for (size_t i = 0; i < n && o + 2 < len; i++) {
			if (i > 0 && (n - i) % 3 == 0)
				buf[o++] = ',';
			buf[o++] = digits[i];
		}
		snprintf(buf + o, len - o, " km");
	}
	return buf;
}

void sk_grid_point(const struct sk_grid *g, int64_t i, double *x, double *y)
{
	double ux, uy, vx, vy;
	const double f = (double)(i % g->nx), s = (double)(i / g->nx);
	axes(g, &ux, &uy, &vx, &vy);
	*x = g->x0 + f * g->dx * ux + s * g->dy * vx;
	*y = g->y0 + f * g->dx * uy + s * g->dy * vy;
}

void sk_grid_numbers(const struct sk_grid *g, int64_t i, long *iline, long *xline)
{
	*iline = g->il0 + (long)(i / g->nx) * g->dil;
	*xline = g->xl0 + (long)(i % g->nx) * g->dxl;
}

void sk_grid_locate(const struct sk_grid *g, double x, double y, double *fast, double *slow)
{
	double ux, uy, vx, vy;
	const double dx = x - g->x0, dy = y - g->y0;
	axes(g, &ux, &uy, &vx, &vy);
	*fast = (dx * ux + dy * uy) / g->dx;
	*slow = (dx * vx + dy * vy) / g->dy;
}

int sk_grid_part(const char *arg, int64_t total, int64_t *first, int64_t *last, struct sk_error *err)
{
	char *end;
	long k, n;

	errno = 0;
	k = strtol(arg, &end, 10);
	if (end == arg || *end != '/')
		goto bad;
	n = strtol(end + 1, &end, 10);
	if (*end || errno || n < 1 || k < 1 || k > n)
		goto bad;
	*first = total * (k - 1) / n;
	*last = total * k / n;
	return 0;
bad:
	return sk_error_set(err, SK_EARG, "invalid part '%s' (expected K/N with 1 <= K <= N)", arg);
}

void sk_grid_header(const struct sk_grid *g, int64_t i, unsigned char *hdr)
{
	double c[8], x, y;
	long il, xl;
	int16_t sc;

	/* One scalco for the whole grid: the one that keeps its corners and
	 * steps exact. */
	sk_grid_point(g, 0, &c[0], &c[1]);
	sk_grid_point(g, g->nx > 1 ? 1 : 0, &c[2], &c[3]);
	sk_grid_point(g, g->ny > 1 ? g->nx : 0, &c[4], &c[5]);
	sk_grid_point(g, sk_grid_size(g) - 1, &c[6], &c[7]);
	sc = sk_scalco_for(c, 8);
	sk_grid_point(g, i, &x, &y);
	sk_grid_numbers(g, i, &il, &xl);
	sk_hdr_set_i32(hdr, SK_TR_CDP, (int32_t)(i + 1));
	sk_hdr_set_i16(hdr, SK_SCALCO, sc);
	sk_hdr_set_coord(hdr, SK_TR_CDPX, x);
	sk_hdr_set_coord(hdr, SK_TR_CDPY, y);
	sk_hdr_set_i32(hdr, SK_TR_ILINE, (int32_t)il);
	sk_hdr_set_i32(hdr, SK_TR_XLINE, (int32_t)xl);
}
