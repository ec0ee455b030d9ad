/*
 * grid: regular output grids for regrid and migrate (DESIGN.md, Grids).
 * `--grid x0,dx,nx` is a line; `--grid x0,dx,nx,y0,dy,ny[,azimuth_deg]` a
 * rectangle rotated by azimuth (degrees clockwise from north, i.e. the
 * inline axis direction is (sin az, cos az); 90 = along +x, the default);
 * `--grid FILE.yaml` gives origin, spacings, counts, azimuth and the inline
 * and crossline numbering of the axes.  Output traces are ordered
 * inline-major (the slow axis is the inline number, the fast axis the
 * crossline); trace i has iline = il0 + (i / nx) * dil, xline = xl0 +
 * (i % nx) * dxl, cdp = i + 1, and cdpx, cdpy from the geometry.
 * --part K/N takes the K-th (1-based) of N contiguous slices of that order.
 */
#ifndef SK_GRID_H
#define SK_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct sk_grid {
	double x0, y0;         /* origin: the location of trace 0 (metres) */
	double dx, dy;         /* spacing along the fast and slow axes (metres) */
	long nx, ny;           /* counts along the fast and slow axes (ny = 1 for a line) */
	double azimuth;        /* fast-axis direction, degrees clockwise from north (+y) */
	long il0, dil, xl0, dxl; /* numbering: iline on the slow axis, xline on the fast */
	int is_line;           /* given as x0,dx,nx */
};

/* Parses the --grid argument: a list of numbers or a YAML file name.  A bad
 * list, or a name that begins as a number and names no file
 * (sk_par_numlike: "17x22"), is SK_EARG; a file that cannot be read SK_EIO; bad file contents
 * SK_EFMT, "FILE: line L, column C: ...". */
int sk_grid_parse(const char *arg, struct sk_grid *out, struct sk_error *err);
/* Number of output locations (nx * ny). */
int64_t sk_grid_size(const struct sk_grid *g);
/* Location and numbering of output trace i (0-based, inline-major). */
void sk_grid_point(const struct sk_grid *g, int64_t i, double *x, double *y);
void sk_grid_numbers(const struct sk_grid *g, int64_t i, long *iline, long *xline);
/* Fractional grid coordinates (fast, slow) of a point: the inverse of
 * sk_grid_point, so (0,0) is trace 0 and (1,0) its neighbour on the fast axis. */
void sk_grid_locate(const struct sk_grid *g, double x, double y, double *fast, double *slow);
/* The smallest box (world x and y) holding every location of the grid. */
void sk_grid_extent(const struct sk_grid *g, double *x0, double *x1, double *y0, double *y1);
/* A distance for a message, into buf: whole metres below 10 km ("756 m"),
 * else kilometres with thousands separators ("6,021 km"); returns buf. */
const char *sk_distance_text(double metres, char *buf, size_t len);
/* Parses "K/N" and gives the half-open range [first, last) of trace indices. */
int sk_grid_part(const char *arg, int64_t total, int64_t *first, int64_t *last,
		 struct sk_error *err);
/* Fills the header block of output trace i: cdp (i + 1), cdpx, cdpy with a
 * scalco that keeps them exact, iline, xline, and for lines also the
 * midpoint in sx/gx is left untouched. */
void sk_grid_header(const struct sk_grid *g, int64_t i, unsigned char *hdr);

#endif
