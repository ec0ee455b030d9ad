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
 * Amplitude scale (sk_plot_scale): with --clip C (clip > 0) or --perc P
 * (perc > 0), linear: v = sample / C (or / the P-th percentile of
 * |sample|), clipped to [-1, 1].  By default, a soft clip that shows weak
 * reflectors beside strong focused points and clips nothing: below the knee
 * K, the 99.5th percentile of |sample|, v = 0.75 sample / K (linear, the
 * contrast of a 99.5% clip over 75% of the colour range); from K up to the
 * largest |sample| M, |v| = 0.75 + 0.25 ln(|sample| / K) / ln(M / K), so a
 * focused point keeps its shape with only its largest sample at the end of
 * the scale.  (When M < 1.25 K the scale is linear up to M.)
 *
 * Colours: v from the scale above.  grey: level (1 - v) / 2
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
	double perc;           /* > 0: linear clip at this percentile (default 0: soft clip) */
	double clip;           /* > 0: linear clip at this amplitude; overrides perc */
	int wiggle;            /* draw wiggle traces */
	int bare;              /* data area only */
	int colorbar;          /* default 1 */
	const char *title;     /* NULL: none */
	const char *xlabel;    /* default "trace number" */
};

/* The amplitude scale of a picture (see above). */
struct sk_plot_scale {
	double knee;           /* linear up to here: the clip of a linear scale */
	double top;            /* soft: the largest |sample|; linear: = knee */
	double frac;           /* the share of the colour range below the knee */
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
/* The scale the options give for s. */
void sk_plot_scale(const struct sk_section *s, const struct sk_plot_opts *o, struct sk_plot_scale *out);
/* The signed colour level in [-1, 1] of amplitude a on scale sc. */
double sk_plot_level(const struct sk_plot_scale *sc, double a);
/* The horizontal axis title for header key k: its name, with "(m)" or
 * "(ft)" (feet set) for lengths (coordinates, elevations, depths, offset)
 * and "(ms)" for times; "trace number" for k NULL.  Writes buf (n bytes). */
const char *sk_plot_key_label(const struct sk_key *k, int feet, char *buf, size_t n);
/* Draws s into path ("-" or NULL: standard output), atomically for a path:
 * a temporary file beside it, renamed when complete.  SK_EARG for an
 * unknown type or a bad size, SK_EIO for write failures. */
int sk_plot_write(const struct sk_section *s, const struct sk_plot_opts *o, const char *path,
		  struct sk_error *err);

#endif
