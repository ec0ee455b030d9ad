#include "plot.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "ofile.h"

enum { ML = 72, MT = 36, MB = 48, MR = 24, CBAR = 88 };
#define FONT 12.0
#define MAXTICKS 64

void sk_plot_opts_init(struct sk_plot_opts *o)
{
	memset(o, 0, sizeof *o);
	o->width = 1000;
	o->height = 700;
	o->cmap = SK_CMAP_GREY;
	o->colorbar = 1;
	o->xlabel = "trace number";
}

int sk_plot_type_of(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (!dot)
		return SK_PLOT_AUTO;
	if (strcasecmp(dot, ".png") == 0)
		return SK_PLOT_PNG;
	if (strcasecmp(dot, ".svg") == 0)
		return SK_PLOT_SVG;
	if (strcasecmp(dot, ".pdf") == 0)
		return SK_PLOT_PDF;
	return SK_PLOT_AUTO;
}

int sk_plot_type_parse(const char *s, int *out, struct sk_error *err)
{
	if (strcmp(s, "png") == 0)
		*out = SK_PLOT_PNG;
	else if (strcmp(s, "svg") == 0)
		*out = SK_PLOT_SVG;
	else if (strcmp(s, "pdf") == 0)
		*out = SK_PLOT_PDF;
	else
		return sk_error_set(err, SK_EARG, "unknown picture type '%s' (expected png, svg or pdf)", s);
	return 0;
}

int sk_cmap_parse(const char *s, int *out, struct sk_error *err)
{
	if (strcmp(s, "grey") == 0 || strcmp(s, "gray") == 0)
		*out = SK_CMAP_GREY;
	else if (strcmp(s, "diverging") == 0)
		*out = SK_CMAP_DIVERGING;
	else if (strcmp(s, "none") == 0)
		*out = SK_CMAP_NONE;
	else
		return sk_error_set(err, SK_EARG, "unknown colour map '%s' (expected grey, diverging or none)", s);
	return 0;
}

void sk_plot_area(const struct sk_plot_opts *o, double *x, double *y, double *w, double *h)
{
	const double r = o->bare ? 0 : MR + (o->colorbar && o->cmap != SK_CMAP_NONE ? CBAR : 0);
	const double l = o->bare ? 0 : ML, t = o->bare ? 0 : MT, b = o->bare ? 0 : MB;

	*x = l;
	*y = t;
	*w = o->width - l - r;
	*h = o->height - t - b;
}

/* The default scale: linear up to the 99.5th percentile (KNEE_PERC), which
 * takes KNEE_FRAC of the colour range, logarithmic above it up to the
 * largest amplitude.  Chosen on the demo's migrated image (reflectors about
 * 3-5, the 99.5th percentile 5.5, focused diffractors 36-42 with side lobes
 * near 20) and on the real Alaska stack (99.5th percentile 2800, largest
 * 9852): with 75% of the range below the knee the reflectors of both keep
 * most of a percentile clip's contrast, and a diffractor shows as a point
 * with its lobes, not a saturated blob.  A knee fraction of 0.8 left the
 * demo's points looking saturated, 0.5 washed out the real stack. */
#define KNEE_PERC 99.5
#define KNEE_FRAC 0.75

void sk_plot_scale(const struct sk_section *s, const struct sk_plot_opts *o, struct sk_plot_scale *out)
{
	double k;

	out->frac = 1;
	if (o->clip > 0 || o->perc > 0) {
		k = o->clip > 0 ? o->clip : sk_section_percentile(s, o->perc);
		out->knee = out->top = k > 0 ? k : 1;
		return;
	}
	k = sk_section_percentile(s, KNEE_PERC);
	out->top = sk_section_percentile(s, 100);
	if (!(out->top > 0)) {
		out->knee = out->top = 1;
		return;
	}
	if (!(k > 0) || out->top < 1.25 * k) {
		out->knee = out->top;
		return;
	}
	out->knee = k;
	out->frac = KNEE_FRAC;
}

double sk_plot_level(const struct sk_plot_scale *sc, double a)
{
	const double m = fabs(a);
	double v;

	if (!(m > 0))
		return 0;
	if (m <= sc->knee || sc->top <= sc->knee)
		v = sc->frac * m / sc->knee;
	else
		v = sc->frac + (1 - sc->frac) * log(m / sc->knee) / log(sc->top / sc->knee);
	v = v > 1 ? 1 : v;
	return a < 0 ? -v : v;
}

const char *sk_plot_key_label(const struct sk_key *k, int feet, char *buf, size_t n)
{
	const char *unit = NULL;

	if (!k) {
		snprintf(buf, n, "trace number");
		return buf;
	}
	if (k->scalar == SK_SCALCO || k->scalar == SK_SCALEL || strcmp(k->name, "offset") == 0)
		unit = feet ? "ft" : "m";
	else if (k->scalar == SK_SCALT)
		unit = "ms";
	if (unit)
		snprintf(buf, n, "%s (%s)", k->name, unit);
	else
		snprintf(buf, n, "%s", k->name);
	return buf;
}

static void colour(int cmap, double v, double rgb[3])
{
	v = v > 1 ? 1 : v < -1 ? -1 : v;
	if (cmap == SK_CMAP_GREY) {
		rgb[0] = rgb[1] = rgb[2] = (1 - v) / 2;
	} else if (cmap == SK_CMAP_DIVERGING) {
		if (v >= 0) {
			rgb[0] = 1;
			rgb[1] = rgb[2] = 1 - v;
		} else {
			rgb[0] = rgb[1] = 1 + v;
			rgb[2] = 1;
		}
	} else {
		rgb[0] = rgb[1] = rgb[2] = 1;
	}
}

static unsigned char byte(double c)
{
	return (unsigned char)floor(c * 255 + 0.5);
}

/* An image surface of ncol x nrow pixels, one per cell. */
static cairo_surface_t *raster(const struct sk_section *s, int cmap, const struct sk_plot_scale *sc)
{
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)s->ncol, (int)s->nrow);
	unsigned char *px;
	int stride;

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS)
		return img;
	cairo_surface_flush(img);
	px = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	for (long j = 0; j < s->ncol; j++) {
		const float *col = s->data + (size_t)j * (size_t)s->nrow;
		for (long i = 0; i < s->nrow; i++) {
			double rgb[3];
			uint32_t p;
			colour(cmap, sk_plot_level(sc, col[i]), rgb);
			p = (uint32_t)byte(rgb[0]) << 16 | (uint32_t)byte(rgb[1]) << 8 | byte(rgb[2]);
			memcpy(px + (size_t)i * (size_t)stride + 4 * (size_t)j, &p, 4);
		}
	}
	cairo_surface_mark_dirty(img);
	return img;
}

static void draw_image(cairo_t *cr, cairo_surface_t *img, double x, double y, double w, double h,
		       long nx, long ny)
{
	cairo_save(cr);
	cairo_rectangle(cr, x, y, w, h);
	cairo_clip(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, w / (double)nx, h / (double)ny);
	cairo_set_source_surface(cr, img, 0, 0);
	cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
	cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
	cairo_paint(cr);
	cairo_restore(cr);
}

static void draw_wiggles(cairo_t *cr, const struct sk_section *s, const struct sk_plot_scale *sc, double x0,
			 double y0, double w, double h)
{
	const double cw = w / (double)s->ncol, rh = h / (double)s->nrow;

	cairo_save(cr);
	cairo_rectangle(cr, x0, y0, w, h);
	cairo_clip(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.6);
	for (long j = 0; j < s->ncol; j++) {
		const float *col = s->data + (size_t)j * (size_t)s->nrow;
		const double xc = x0 + ((double)j + 0.5) * cw;
		/* Positive lobes, filled against the zero line. */
		cairo_move_to(cr, xc, y0 + 0.5 * rh);
		for (long i = 0; i < s->nrow; i++) {
			const double v = fmax(0, sk_plot_level(sc, col[i]));
			cairo_line_to(cr, xc + v * cw, y0 + ((double)i + 0.5) * rh);
		}
		cairo_line_to(cr, xc, y0 + ((double)s->nrow - 0.5) * rh);
		cairo_close_path(cr);
		cairo_fill(cr);
		for (long i = 0; i < s->nrow; i++) {
			const double v = sk_plot_level(sc, col[i]);
			const double px = xc + v * cw, py = y0 + ((double)i + 0.5) * rh;
			if (i == 0)
				cairo_move_to(cr, px, py);
			else
				cairo_line_to(cr, px, py);
		}
		cairo_stroke(cr);
	}
	cairo_restore(cr);
}

/* What a picture is drawn with: cairo, and for SVG the text, kept as
 * <text> elements (cairo's SVG draws glyph outlines, which neither a
 * reader's search nor a test can read) and added before </svg>. */
struct canvas {
	cairo_t *cr;
	int svg;
	char *text;
	size_t len, cap;
	int nomem;
	double size;     /* font size */
	int bold;
};

static void font(struct canvas *c, double size, int bold)
{
	cairo_select_font_face(c->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(c->cr, size);
	c->size = size;
	c->bold = bold;
}

static void add(struct canvas *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct canvas *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->nomem)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (c->len + (size_t)n + 1 > c->cap) {
		const size_t cap = 2 * (c->len + (size_t)n + 1);
		char *t = realloc(c->text, cap);
		if (!t) {
			c->nomem = 1;
			return;
		}
		c->text = t;
		c->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(c->text + c->len, c->cap - c->len, fmt, ap);
	va_end(ap);
	c->len += (size_t)n;
}

/* Text s with its box's point (ax, ay) (0 left/top .. 1 right/bottom) at
 * (x, y), turned a quarter anticlockwise when up is set; cls names it in
 * SVG.  Returns the width it takes along its baseline. */
static double text(struct canvas *c, double x, double y, const char *s, double ax, double ay, int up,
		   const char *cls)
{
	cairo_t *cr = c->cr;
	cairo_text_extents_t e;
	double bx, by;

	cairo_text_extents(cr, s, &e);
	bx = -ax * e.width - e.x_bearing;
	by = -ay * e.height - e.y_bearing;
	if (!c->svg) {
		cairo_save(cr);
		cairo_translate(cr, x, y);
		if (up)
			cairo_rotate(cr, -1.57079632679489661923);
		cairo_move_to(cr, bx, by);
		cairo_show_text(cr, s);
		cairo_restore(cr);
		return e.x_advance;
	}
	add(c, "<text class=\"%s\" transform=\"translate(%.2f %.2f)%s\" x=\"%.2f\" y=\"%.2f\" "
	       "font-family=\"sans-serif\" font-size=\"%g\"%s fill=\"#000\">",
	    cls, x, y, up ? " rotate(-90)" : "", bx, by, c->size, c->bold ? " font-weight=\"bold\"" : "");
	for (const char *p = s; *p; p++) {
		if (*p == '&')
			add(c, "&amp;");
		else if (*p == '<')
			add(c, "&lt;");
		else if (*p == '>')
			add(c, "&gt;");
		else
			add(c, "%c", *p);
	}
	add(c, "</text>\n");
	return e.x_advance;
}

static void label(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.6g", fabs(v) < 1e-12 ? 0.0 : v);
}

static void tick(cairo_t *cr, double x, double y, double dx, double dy)
{
	cairo_move_to(cr, x, y);
	cairo_line_to(cr, x + dx, y + dy);
	cairo_stroke(cr);
}

/* The end (exclusive) of the monotonic run of keys starting at column j0:
 * values that only rise (or stay), or only fall (or stay). */
static long run_end(const double *k, long j0, long n)
{
	int dir = 0;
	long j = j0 + 1;

	for (; j < n; j++) {
		const int d = (k[j] > k[j - 1]) - (k[j] < k[j - 1]);
		if (d && dir && d != dir)
			break;
		if (d)
			dir = d;
	}
	return j;
}

/* A tick and its label v at x on the bottom axis, unless the label would
 * start left of *next (it would overlap the one before); *next then moves
 * past it. */
static void xtick(struct canvas *c, double x, double y, double v, double *next)
{
	char buf[64];
	cairo_text_extents_t e;

	label(buf, sizeof buf, v);
	cairo_text_extents(c->cr, buf, &e);
	if (x - e.width / 2 < *next)
		return;
	tick(c->cr, x, y, 0, 5);
	text(c, x, y + 8, buf, 0.5, 0, 0, "xtick");
	*next = x + e.width / 2 + 8;
}

/* Labels the columns j0 .. j1-1 (one monotonic run) along the bottom of the
 * data area: nice values where the run is wide enough for several, else
 * its first value; *next is the leftmost x a new label may start at, so
 * that labels never overlap and read left to right in trace order. */
static void label_run(struct canvas *c, const struct sk_section *s, long j0, long j1, double x0, double y,
		      double cw, double *next)
{
	const double *k = s->key;
	const double a = fmin(k[j0], k[j1 - 1]), b = fmax(k[j0], k[j1 - 1]);
	const double wr = (double)(j1 - j0) * cw;
	double tk[MAXTICKS];
	int n = 0;

	if (b > a && wr >= 100) {
		int integral = 1, m = 0;
		n = sk_ticks(a, b, (int)fmax(1, wr / 90), tk, MAXTICKS);
		/* Whole numbers (trace numbers, most keys) get whole ticks. */
		for (long j = j0; j < j1 && integral; j++)
			integral = k[j] == floor(k[j]);
		for (int i = 0; i < n; i++)
			if (!integral || tk[i] == floor(tk[i]))
				tk[m++] = tk[i];
		n = m;
	}
	if (n == 0) {
		xtick(c, x0 + ((double)j0 + 0.5) * cw, y, k[j0], next);
		return;
	}
	if (k[j1 - 1] < k[j0]) {
		/* A falling run: its ticks from left to right are descending. */
		for (int i = 0; i < n / 2; i++) {
			const double t = tk[i];
			tk[i] = tk[n - 1 - i];
			tk[n - 1 - i] = t;
		}
	}
	for (int i = 0; i < n; i++) {
		long j = j0;
		double x;
		/* The first pair of neighbouring columns that brackets the value. */
		while (j + 1 < j1 && !((tk[i] - k[j]) * (tk[i] - k[j + 1]) <= 0 && k[j] != k[j + 1]))
			j++;
		if (j + 1 >= j1 || k[j] == k[j + 1])
			x = x0 + ((double)j + 0.5) * cw;
		else
			x = x0 + ((double)j + 0.5 + (tk[i] - k[j]) / (k[j + 1] - k[j])) * cw;
		xtick(c, x, y, tk[i], next);
	}
}

static void draw_axes(struct canvas *c, const struct sk_section *s, const struct sk_plot_opts *o, double x0,
		      double y0, double w, double h)
{
	cairo_t *cr = c->cr;
	const double cw = w / (double)s->ncol;
	const double tmax = s->dt > 0 ? s->t0 + (double)(s->ns - 1) * s->dt : (double)(s->ns - 1);
	double tk[MAXTICKS], next = -HUGE_VAL;
	char buf[64];
	int n;

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x0, y0, w, h);
	cairo_stroke(cr);
	font(c, FONT, 0);
	/* Time axis: ms at the centre of each sample's cell. */
	{
		const double lo = s->dt > 0 ? s->t0 * 1000 : 0, hi = s->dt > 0 ? tmax * 1000 : tmax;
		n = sk_ticks(lo, hi, (int)fmax(2, h / 60), tk, MAXTICKS);
		for (int k = 0; k < n; k++) {
			const double samp = s->dt > 0 ? (tk[k] / 1000 - s->t0) / s->dt : tk[k];
			const double y = y0 + (samp + 0.5) / (double)s->tstride * (h / (double)s->nrow);
			tick(cr, x0, y, -5, 0);
			label(buf, sizeof buf, tk[k]);
			text(c, x0 - 8, y, buf, 1, 0.5, 0, "ttick");
		}
		text(c, 14, y0 + h / 2, s->dt > 0 ? "time (ms)" : "sample", 0.5, 0.5, 1, "tlabel");
	}
	/* Horizontal axis: each monotonic run of key values labelled on its
	 * own, in trace order; a longer tick where a new run starts (a new
	 * gather, when the key is offset). */
	for (long j0 = 0, j1; j0 < s->ncol; j0 = j1) {
		j1 = run_end(s->key, j0, s->ncol);
		if (j0 > 0)
			tick(cr, x0 + (double)j0 * cw, y0 + h, 0, 12);
		label_run(c, s, j0, j1, x0, y0 + h, cw, &next);
	}
	text(c, x0 + w / 2, o->height - 6, o->xlabel ? o->xlabel : "trace number", 0.5, 1, 0, "xlabel");
	if (o->title) {
		font(c, FONT + 2, 1);
		text(c, x0 + w / 2, y0 / 2, o->title, 0.5, 0.5, 0, "title");
	}
}

static void draw_colorbar(struct canvas *c, const struct sk_plot_opts *o, const struct sk_plot_scale *sc,
			  double x0, double y0, double h)
{
	enum { N = 256 };
	cairo_t *cr = c->cr;
	cairo_surface_t *bar = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, N);
	double tk[MAXTICKS + 2], last = -HUGE_VAL;
	char buf[64];
	int n;

	if (cairo_surface_status(bar) == CAIRO_STATUS_SUCCESS) {
		unsigned char *px;
		int stride;
		cairo_surface_flush(bar);
		px = cairo_image_surface_get_data(bar);
		stride = cairo_image_surface_get_stride(bar);
		for (int i = 0; i < N; i++) {
			double rgb[3];
			uint32_t p;
			colour(o->cmap, 1 - 2 * (i + 0.5) / N, rgb);
			p = (uint32_t)byte(rgb[0]) << 16 | (uint32_t)byte(rgb[1]) << 8 | byte(rgb[2]);
			memcpy(px + (size_t)i * (size_t)stride, &p, 4);
		}
		cairo_surface_mark_dirty(bar);
		draw_image(cr, bar, x0, y0, 16, h, 1, N);
	}
	cairo_surface_destroy(bar);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x0, y0, 16, h);
	cairo_stroke(cr);
	font(c, FONT - 2, 0);
	/* Nice values below the knee, the knee and the top of a soft scale;
	 * from the top of the bar down, skipping labels that would touch. */
	n = sk_ticks(-sc->knee, sc->knee, 4, tk + 1, MAXTICKS);
	if (sc->top > sc->knee) {
		tk[0] = sc->top;
		tk[n + 1] = -sc->top;
		n += 2;
	} else {
		memmove(tk, tk + 1, (size_t)n * sizeof *tk);
	}
	/* Descending: the bar runs from +top down to -top. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && tk[j] > tk[j - 1]; j--) {
			const double t = tk[j];
			tk[j] = tk[j - 1];
			tk[j - 1] = t;
		}
	for (int k = 0; k < n; k++) {
		const double y = y0 + (1 - sk_plot_level(sc, tk[k])) / 2 * h;
		if (y < last + FONT)
			continue;
		last = y;
		tick(cr, x0 + 16, y, 4, 0);
		snprintf(buf, sizeof buf, "%.4g", fabs(tk[k]) < sc->top * 1e-9 ? 0.0 : tk[k]);
		text(c, x0 + 23, y, buf, 0, 0.5, 0, "cbar");
	}
}

static void draw(struct canvas *c, const struct sk_section *s, const struct sk_plot_opts *o)
{
	cairo_t *cr = c->cr;
	struct sk_plot_scale sc;
	double x, y, w, h;

	sk_plot_scale(s, o, &sc);
	sk_plot_area(o, &x, &y, &w, &h);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	if (o->cmap != SK_CMAP_NONE) {
		cairo_surface_t *img = raster(s, o->cmap, &sc);
		if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS)
			draw_image(cr, img, x, y, w, h, s->ncol, s->nrow);
		cairo_surface_destroy(img);
	}
	if (o->wiggle)
		draw_wiggles(cr, s, &sc, x, y, w, h);
	if (!o->bare) {
		draw_axes(c, s, o, x, y, w, h);
		if (o->colorbar && o->cmap != SK_CMAP_NONE)
			draw_colorbar(c, o, &sc, x + w + MR, y, h);
	}
}

/* Where cairo's bytes go: a descriptor, and the first write error's errno
 * (cairo's own status says only "write error"). */
struct sink {
	int fd;
	int errnum;
	char *mem;       /* SVG: kept in memory until its text is added */
	size_t len, cap;
};

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *k = closure;
	struct sk_error e;

	if (k->errnum)
		return CAIRO_STATUS_WRITE_ERROR;
	if (k->cap) {
		if (k->len + len > k->cap) {
			const size_t cap = 2 * (k->len + len);
			char *m = realloc(k->mem, cap);
			if (!m) {
				k->errnum = ENOMEM;
				return CAIRO_STATUS_WRITE_ERROR;
			}
			k->mem = m;
			k->cap = cap;
		}
		memcpy(k->mem + k->len, data, len);
		k->len += len;
		return CAIRO_STATUS_SUCCESS;
	}
	if (sk_file_write_all(k->fd, data, len, &e) < 0) {
		k->errnum = e.errnum;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

static int plot_write(const struct sk_section *s, const struct sk_plot_opts *o, const char *path,
		      struct sk_error *err);

int sk_plot_write(const struct sk_section *s, const struct sk_plot_opts *o, const char *path,
		  struct sk_error *err)
{
	const int rc = plot_write(s, o, path, err);
	/* SK_EARG: the options cannot make a picture (no file's fault). */
	return rc == SK_EARG ? rc : sk_error_at(err, rc, sk_out_name(path));
}

static int plot_write(const struct sk_section *s, const struct sk_plot_opts *o, const char *path,
		      struct sk_error *err)
{
	const int to_stdout = !path || strcmp(path, "-") == 0;
	const int type = o->type ? o->type : sk_plot_type_of(path);
	struct sk_ofile f = {-1, NULL, NULL, -1};
	struct sink k = {STDOUT_FILENO, 0, NULL, 0, 0};
	struct canvas cv = {NULL, 0, NULL, 0, 0, 0, FONT, 0};
	cairo_surface_t *sf;
	cairo_status_t st;
	cairo_t *cr;
	int rc = 0;

	if (type == SK_PLOT_AUTO)
		return sk_error_set(err, SK_EARG, "unknown picture type (name the output .png, .svg or .pdf, or give --type)");
	if (o->width < 16 || o->height < 16 || o->width > 32768 || o->height > 32768)
		return sk_error_set(err, SK_EARG, "invalid size %dx%d (16 to 32768 on each side)", o->width, o->height);
	{
		double x, y, w, h;
		sk_plot_area(o, &x, &y, &w, &h);
		if (w < 1 || h < 1)
			return sk_error_set(err, SK_EARG, "size %dx%d leaves no room for the data", o->width, o->height);
	}
	if (to_stdout) {
		fflush(stdout);
	} else {
		if ((rc = sk_ofile_open(&f, path, err)) < 0)
			return rc;
		k.fd = f.fd;
	}
	if (type == SK_PLOT_SVG) {
		k.cap = 1 << 16;
		if (!(k.mem = malloc(k.cap)))
			k.cap = 0;   /* then straight to the file, without <text> */
	}
	if (type == SK_PLOT_PNG)
		sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, o->width, o->height);
	else if (type == SK_PLOT_SVG)
		sf = cairo_svg_surface_create_for_stream(write_fn, &k, o->width, o->height);
	else
		sf = cairo_pdf_surface_create_for_stream(write_fn, &k, o->width, o->height);
	cr = cairo_create(sf);
	cv.cr = cr;
	cv.svg = type == SK_PLOT_SVG;
	draw(&cv, s, o);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS && type == SK_PLOT_PNG)
		st = cairo_surface_write_to_png_stream(sf, write_fn, &k);
	cairo_surface_finish(sf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	if (cv.nomem && !k.errnum)
		k.errnum = ENOMEM;
	if (type == SK_PLOT_SVG && !k.errnum && st == CAIRO_STATUS_SUCCESS) {
		/* The text goes in before the closing tag. */
		static const char end[] = "</svg>";
		size_t at = k.len;
		const size_t len = k.len;
		char *mem = k.mem;
		while (at >= sizeof end - 1 && memcmp(mem + at - (sizeof end - 1), end, sizeof end - 1) != 0)
			at--;
		at = at >= sizeof end - 1 ? at - (sizeof end - 1) : len;
		k.cap = 0;
		k.mem = NULL;
		if (write_fn(&k, (const unsigned char *)mem, (unsigned)at) == CAIRO_STATUS_SUCCESS && cv.len)
			write_fn(&k, (const unsigned char *)cv.text, (unsigned)cv.len);
		if (!k.errnum)
			write_fn(&k, (const unsigned char *)mem + at, (unsigned)(len - at));
		free(mem);
	}
	free(k.mem);
	free(cv.text);
	if (k.errnum) {
		errno = k.errnum;
		rc = sk_error_sys(err, "%s", "");
	} else if (st != CAIRO_STATUS_SUCCESS) {
		rc = sk_error_set(err, SK_EIO, "cairo: %s", cairo_status_to_string(st));
	}
	if (to_stdout)
		return rc;
	if (rc == 0)
		return sk_ofile_commit(&f, err);
	sk_ofile_abort(&f);
	return rc;
}
