#include "spatial.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

/* Points are bucketed into cells of a uniform grid over their bounding box
 * and stored cell by cell (a CSR layout: start[c] .. start[c + 1]), each
 * cell's points in index order. */
struct sk_spatial {
	long n;
	double x0, y0, cell;
	long nx, ny;
	long *start;           /* nx * ny + 1 */
	long *idx;             /* point indices, cell by cell */
	double *px, *py;       /* coordinates in idx order, for locality; px,
				* py and idx share one block, freed through px */
};

long sk_spatial_count(const struct sk_spatial *s)
{
	return s ? s->n : 0;
}

void sk_spatial_free(struct sk_spatial *s)
{
	if (!s)
		return;
	free(s->start);
	free(s->px);
	free(s);
}

static long cell_of(double v, double v0, double cell, long nc)
{
	double c = floor((v - v0) / cell);
	if (c < 0)
		c = 0;
	if (c > (double)(nc - 1))
		c = (double)(nc - 1);
	return (long)c;
}

int sk_spatial_new(const double *x, const double *y, long n, double cell,
		   struct sk_spatial **out, struct sk_error *err)
{
	struct sk_spatial *s;
	double xmin = 0, xmax = 0, ymin = 0, ymax = 0;
	long *cnt = NULL;

	*out = NULL;
	if (!(cell > 0) || !isfinite(cell))
		return sk_error_set(err, SK_EARG, "spatial index: cell size %g is not positive", cell);
	for (long i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return sk_error_set(err, SK_EARG, "point %ld: coordinate is not finite", i + 1);
		if (i == 0 || x[i] < xmin) xmin = x[i];
		if (i == 0 || x[i] > xmax) xmax = x[i];
		if (i == 0 || y[i] < ymin) ymin = y[i];
		if (i == 0 || y[i] > ymax) ymax = y[i];
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	s->n = n;
	s->x0 = xmin;
	s->y0 = ymin;
	/* Enlarge the cell until the grid has at most about 4 n + 16 cells, so a
	 * few far outliers cannot blow up memory. */
	for (;;) {
		const double fx = floor((xmax - xmin) / cell) + 1, fy = floor((ymax - ymin) / cell) + 1;
		if (fx * fy <= 4.0 * (double)n + 16.0)
			break;
		cell *= 1.5;
	}
	s->cell = cell;
	s->nx = (long)floor((xmax - xmin) / cell) + 1;
	s->ny = (long)floor((ymax - ymin) / cell) + 1;
	s->start = calloc((size_t)(s->nx * s->ny + 1), sizeof *s->start);
	cnt = calloc((size_t)(s->nx * s->ny + 1), sizeof *cnt);
	{
		/* One block, huge pages from 2 MiB (bigmem.h): a fault per 4 KiB
		 * costs microseconds on a virtual machine, 600 for 100,000 points
		 * on the one thread that builds the index. */
		const size_t m = (size_t)(n > 0 ? n : 1);
		if ((s->px = sk_bigmem_alloc(m * (sizeof *s->px + sizeof *s->py + sizeof *s->idx)))) {
			s->py = s->px + m;
			s->idx = (long *)(void *)(s->py + m);
		}
	}
	if (!s->start || !cnt || !s->px) {
		free(cnt);
		sk_spatial_free(s);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (long i = 0; i < n; i++) {
		const long c = cell_of(y[i], ymin, cell, s->ny) * s->nx + cell_of(x[i], xmin, cell, s->nx);
		s->start[c + 1]++;
	}
	for (long c = 0; c < s->nx * s->ny; c++)
		s->start[c + 1] += s->start[c];
	for (long i = 0; i < n; i++) {
		const long c = cell_of(y[i], ymin, cell, s->ny) * s->nx + cell_of(x[i], xmin, cell, s->nx);
		const long at = s->start[c] + cnt[c]++;
		s->idx[at] = i;
		s->px[at] = x[i];
		s->py[at] = y[i];
	}
	free(cnt);
	*out = s;
	return 0;
}

/* Keeps the k best (d2, index) pairs sorted, by insertion. */
static void keep(long *idx, double *d2, long *m, long k, long i, double d)
{
	long j = *m;
	if (j == k) {
		if (d > d2[k - 1] || (d == d2[k - 1] && i > idx[k - 1]))
			return;
		j = k - 1;
	} else {
		(*m)++;
	}
	while (j > 0 && (d2[j - 1] > d || (d2[j - 1] == d && idx[j - 1] > i))) {
		d2[j] = d2[j - 1];
		idx[j] = idx[j - 1];
		j--;
	}
	d2[j] = d;
	idx[j] = i;
}

static void scan_cell(const struct sk_spatial *s, long c, double qx, double qy, double r2,
		      long *idx, double *d2, long *m, long k)
{
	for (long a = s->start[c]; a < s->start[c + 1]; a++) {
		const double ddx = s->px[a] - qx, ddy = s->py[a] - qy;
		const double d = ddx * ddx + ddy * ddy;
		if (r2 >= 0 && d > r2)
			continue;
		keep(idx, d2, m, k, s->idx[a], d);
	}
}

static long clampl(double v)
{
	if (v < -1e15)
		return (long)-1e15;
	if (v > 1e15)
		return (long)1e15;
	return (long)v;
}

long sk_spatial_knn(const struct sk_spatial *s, double qx, double qy, long k, double radius,
		    long *idx, double *d2)
{
	double dbuf[64];
	double *dd = d2;
	long m = 0;
	const double r2 = radius < 0 ? -1 : radius * radius;
	long cx, cy, r, rmax;

	if (!s || s->n == 0 || k <= 0)
		return 0;
	if (!dd) {
		if (k > 64)
			k = 64;
		dd = dbuf;
	}
	cx = clampl(floor((qx - s->x0) / s->cell));
	cy = clampl(floor((qy - s->y0) / s->cell));
	/* The first ring that touches the grid, and the last one needed to
	 * cover it all. */
	r = 0;
	if (cx < 0) r = -cx;
	if (cx >= s->nx && cx - (s->nx - 1) > r) r = cx - (s->nx - 1);
	if (cy < 0 && -cy > r) r = -cy;
	if (cy >= s->ny && cy - (s->ny - 1) > r) r = cy - (s->ny - 1);
	rmax = r;
	if (cx + 1 > rmax) rmax = cx + 1;
	if (s->nx - cx > rmax) rmax = s->nx - cx;
	if (cy + 1 > rmax) rmax = cy + 1;
	if (s->ny - cy > rmax) rmax = s->ny - cy;
	for (; r <= rmax; r++) {
		/* Points outside the block of rings 0..r-1 are at least this far. */
		if (r > 0) {
			const double bx0 = s->x0 + (double)(cx - r + 1) * s->cell;
			const double bx1 = s->x0 + (double)(cx + r) * s->cell;
			const double by0 = s->y0 + (double)(cy - r + 1) * s->cell;
			const double by1 = s->y0 + (double)(cy + r) * s->cell;
			double lb = qx - bx0;
			if (bx1 - qx < lb) lb = bx1 - qx;
			if (qy - by0 < lb) lb = qy - by0;
			if (by1 - qy < lb) lb = by1 - qy;
			if (lb < 0)
				lb = 0;
			if (r2 >= 0 && lb * lb > r2)
				break;
			if (m == k && lb * lb > dd[k - 1])
				break;
		}
		for (long j = cy - r; j <= cy + r; j++) {
			if (j < 0 || j >= s->ny)
				continue;
			if (j == cy - r || j == cy + r) {
				long i0 = cx - r, i1 = cx + r;
				if (i0 < 0) i0 = 0;
				if (i1 > s->nx - 1) i1 = s->nx - 1;
				for (long i = i0; i <= i1; i++)
					scan_cell(s, j * s->nx + i, qx, qy, r2, idx, dd, &m, k);
			} else {
				if (cx - r >= 0 && cx - r < s->nx)
					scan_cell(s, j * s->nx + cx - r, qx, qy, r2, idx, dd, &m, k);
				if (r > 0 && cx + r >= 0 && cx + r < s->nx)
					scan_cell(s, j * s->nx + cx + r, qx, qy, r2, idx, dd, &m, k);
			}
		}
	}
	return m;
}

static int cmp_long(const void *a, const void *b)
{
	const long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

long sk_spatial_box(const struct sk_spatial *s, double x0, double x1, double y0, double y1,
		    long *idx, long max)
{
	long m = 0, i0, i1, j0, j1;

	if (!s || s->n == 0 || !(x1 > x0) || !(y1 > y0))
		return 0;
	i0 = clampl(floor((x0 - s->x0) / s->cell));
	i1 = clampl(floor((x1 - s->x0) / s->cell));
	j0 = clampl(floor((y0 - s->y0) / s->cell));
	j1 = clampl(floor((y1 - s->y0) / s->cell));
	if (i0 < 0) i0 = 0;
	if (j0 < 0) j0 = 0;
	if (i1 > s->nx - 1) i1 = s->nx - 1;
	if (j1 > s->ny - 1) j1 = s->ny - 1;
	for (long j = j0; j <= j1; j++)
		for (long i = i0; i <= i1; i++) {
			const long c = j * s->nx + i;
			for (long a = s->start[c]; a < s->start[c + 1]; a++)
				if (s->px[a] >= x0 && s->px[a] < x1 && s->py[a] >= y0 && s->py[a] < y1) {
					if (m < max)
						idx[m] = s->idx[a];
					m++;
				}
		}
	if (m <= max)
		qsort(idx, (size_t)m, sizeof *idx, cmp_long);
	return m;
}
