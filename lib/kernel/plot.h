/*
 * plot: draws a section (section.h) as a PNG, SVG or PDF picture through
 * cairo (the only module that includes <cairo.h>).
 *
 * Layout, in pixels (PNG) or points (SVG, PDF), for a picture W x H: the
 * data area spans x in [L, W - R] and y in [T, H - B] with L = 72, T = 36,
 * B = 48 and R = 24 (112 with the colour bar); with bare set there are no
 * margins, axes, title or colour bar.  Column j of n covers x in
 * [L + j w/n, L + (j+1) w/n) and row i of m covers y in [T + i h/m,
 * T + (i+1) h/m) (w, h the data area's size), drawn without smoothing.
 *
 * Colours: v = sample / clip, clipped to [-1, 1].  grey: level (1 - v) / 2
 * (positive black, negative white, zero mid grey); diverging: red
 * (1, 1-v, 1-v) for v > 0, blue (1+v, 1+v, 1) for v < 0, white at 0; none:
 * white (wiggles only).  Wiggles: one line per column around its centre,
 * deflection v times the column width, positive lobes filled black.
 */
#ifndef SK_PLOT_H
#define SK_PLOT_H

#include "diag.h"
#include "section.h"

enum sk_plot_type { SK_PLOT_AUTO, SK_PLOT_PNG, SK_PLOT_SVG, SK_PLOT_PDF };
enum sk_cmap { SK_CMAP_GREY, SK_CMAP_DIVERGING, SK_CMAP_NONE };

struct sk_plot_opts {
	int width, height;     /* default 1000 x 700 */
	int type;              /* enum sk_plot_type; AUTO: by the file name */
	int cmap;              /* enum sk_cmap */
	double perc;           /* percentile clip (default 99) */
	double clip;           /* explicit clip; > 0 overrides perc */
	int wiggle;            /* draw wiggle traces */
	int bare;              /* data area only */
	int colorbar;          /* default 1 */
	const char *title;     /* NULL: none */
	const char *xlabel;    /* default "trace" */
};

void sk_plot_opts_init(struct sk_plot_opts *o);
/* The type named by a file name's extension (.png .svg .pdf, any case), or
 * SK_PLOT_AUTO when it names none. */
int sk_plot_type_of(const char *path);
/* Parses "png", "svg" or "pdf". */
int sk_plot_type_parse(const char *s, int *out, struct sk_error *err);
/* Parses "grey" (or "gray"), "diverging" or "none". */
int sk_cmap_parse(const char *s, int *out, struct sk_error *err);
/* The data area (see above). */
void sk_plot_area(const struct sk_plot_opts *o, double *x, double *y, double *w, double *h);
/* The clip the options give for s. */
double sk_plot_clip(const struct sk_section *s, const struct sk_plot_opts *o);
/* Draws s into path ("-" or NULL: standard output), atomically for a path:
 * a temporary file beside it, renamed when complete.  SK_EARG for an
 * unknown type or a bad size, SK_EIO for write failures. */
int sk_plot_write(const struct sk_section *s, const struct sk_plot_opts *o, const char *path,
		  struct sk_error *err);

#endif
