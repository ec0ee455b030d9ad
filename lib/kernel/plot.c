#include "plot.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
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
	o->perc = 99;
	o->colorbar = 1;
	o->xlabel = "trace";
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

double sk_plot_clip(const struct sk_section *s, const struct sk_plot_opts *o)
{
	const double c = o->clip > 0 ? o->clip : sk_section_percentile(s, o->perc);
	return c > 0 ? c : 1;
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
static cairo_surface_t *raster(const struct sk_section *s, int cmap, double clip)
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
			colour(cmap, col[i] / clip, rgb);
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

static void draw_wiggles(cairo_t *cr, const struct sk_section *s, double clip, double x0, double y0,
			 double w, double h)
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
			const double v = fmax(0, fmin(col[i] / clip, 1.5));
			cairo_line_to(cr, xc + v * cw, y0 + ((double)i + 0.5) * rh);
		}
		cairo_line_to(cr, xc, y0 + ((double)s->nrow - 0.5) * rh);
		cairo_close_path(cr);
		cairo_fill(cr);
		for (long i = 0; i < s->nrow; i++) {
			const double v = fmax(-1.5, fmin(col[i] / clip, 1.5));
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

static void text(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - ax * e.width - e.x_bearing, y - ay * e.height - e.y_bearing);
	cairo_show_text(cr, s);
}

static void label(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.6g", fabs(v) < 1e-12 ? 0.0 : v);
}

static int monotonic(const double *k, long n)
{
	int up = 1, down = 1;

	for (long j = 1; j < n; j++) {
		up &= k[j] > k[j - 1];
		down &= k[j] < k[j - 1];
	}
	return up || down;
}

static void draw_axes(cairo_t *cr, const struct sk_section *s, const struct sk_plot_opts *o, double x0,
		      double y0, double w, double h)
{
	const double cw = w / (double)s->ncol;
	const double tmax = s->dt > 0 ? s->t0 + (double)(s->ns - 1) * s->dt : (double)(s->ns - 1);
	double tk[MAXTICKS];
	char buf[64];
	int n;

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x0, y0, w, h);
	cairo_stroke(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, FONT);
	/* Time axis: ms at the centre of each sample's cell. */
	{
		const double lo = s->dt > 0 ? s->t0 * 1000 : 0, hi = s->dt > 0 ? tmax * 1000 : tmax;
		n = sk_ticks(lo, hi, (int)fmax(2, h / 60), tk, MAXTICKS);
		for (int k = 0; k < n; k++) {
			const double samp = s->dt > 0 ? (tk[k] / 1000 - s->t0) / s->dt : tk[k];
			const double y = y0 + (samp + 0.5) / (double)s->tstride * (h / (double)s->nrow);
			cairo_move_to(cr, x0, y);
			cairo_line_to(cr, x0 - 5, y);
			cairo_stroke(cr);
			label(buf, sizeof buf, tk[k]);
			text(cr, x0 - 8, y, buf, 1, 0.5);
		}
		cairo_save(cr);
		cairo_translate(cr, 14, y0 + h / 2);
		cairo_rotate(cr, -1.57079632679489661923);
		text(cr, 0, 0, s->dt > 0 ? "time (ms)" : "sample", 0.5, 0.5);
		cairo_restore(cr);
	}
	/* Horizontal axis: key values, placed between column centres when they
	 * run monotonically, else at columns. */
	if (monotonic(s->key, s->ncol) && s->ncol > 1) {
		const double a = fmin(s->key[0], s->key[s->ncol - 1]), b = fmax(s->key[0], s->key[s->ncol - 1]);
		n = sk_ticks(a, b, (int)fmax(2, w / 90), tk, MAXTICKS);
		for (int k = 0; k < n; k++) {
			long j = 0;
			double x;
			while (j + 2 < s->ncol && !((tk[k] - s->key[j + 1]) * (tk[k] - s->key[j]) <= 0))
				j++;
			x = x0 + ((double)j + 0.5 + (tk[k] - s->key[j]) / (s->key[j + 1] - s->key[j])) * cw;
			cairo_move_to(cr, x, y0 + h);
			cairo_line_to(cr, x, y0 + h + 5);
			cairo_stroke(cr);
			label(buf, sizeof buf, tk[k]);
			text(cr, x, y0 + h + 8, buf, 0.5, 0);
		}
	} else {
		n = sk_ticks(1, (double)s->ncol, (int)fmax(1, w / 90), tk, MAXTICKS);
		for (int k = 0; k < n; k++) {
			const long j = (long)tk[k] - 1;
			const double x = x0 + ((double)j + 0.5) * cw;
			cairo_move_to(cr, x, y0 + h);
			cairo_line_to(cr, x, y0 + h + 5);
			cairo_stroke(cr);
			label(buf, sizeof buf, s->key[j]);
			text(cr, x, y0 + h + 8, buf, 0.5, 0);
		}
	}
	text(cr, x0 + w / 2, o->height - 6, o->xlabel ? o->xlabel : "trace", 0.5, 1);
	if (o->title) {
		cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
		cairo_set_font_size(cr, FONT + 2);
		text(cr, x0 + w / 2, y0 / 2, o->title, 0.5, 0.5);
	}
}

static void draw_colorbar(cairo_t *cr, const struct sk_plot_opts *o, double clip, double x0, double y0,
			  double h)
{
	enum { N = 256 };
	cairo_surface_t *bar = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, N);
	double tk[MAXTICKS];
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
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, FONT - 2);
	n = sk_ticks(-clip, clip, 4, tk, MAXTICKS);
	for (int k = 0; k < n; k++) {
		const double y = y0 + (clip - tk[k]) / (2 * clip) * h;
		cairo_move_to(cr, x0 + 16, y);
		cairo_line_to(cr, x0 + 20, y);
		cairo_stroke(cr);
		snprintf(buf, sizeof buf, "%.4g", fabs(tk[k]) < clip * 1e-9 ? 0.0 : tk[k]);
		text(cr, x0 + 23, y, buf, 0, 0.5);
	}
}

static void draw(cairo_t *cr, const struct sk_section *s, const struct sk_plot_opts *o)
{
	const double clip = sk_plot_clip(s, o);
	double x, y, w, h;

	sk_plot_area(o, &x, &y, &w, &h);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	if (o->cmap != SK_CMAP_NONE) {
		cairo_surface_t *img = raster(s, o->cmap, clip);
		if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS)
			draw_image(cr, img, x, y, w, h, s->ncol, s->nrow);
		cairo_surface_destroy(img);
	}
	if (o->wiggle)
		draw_wiggles(cr, s, clip, x, y, w, h);
	if (!o->bare) {
		draw_axes(cr, s, o, x, y, w, h);
		if (o->colorbar && o->cmap != SK_CMAP_NONE)
			draw_colorbar(cr, o, clip, x + w + MR, y, h);
	}
}

/* Where cairo's bytes go: a descriptor, and the first write error's errno
 * (cairo's own status says only "write error"). */
struct sink {
	int fd;
	int errnum;
};

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *k = closure;
	struct sk_error e;

	if (k->errnum)
		return CAIRO_STATUS_WRITE_ERROR;
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
	struct sink k = {STDOUT_FILENO, 0};
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
	if (type == SK_PLOT_PNG)
		sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, o->width, o->height);
	else if (type == SK_PLOT_SVG)
		sf = cairo_svg_surface_create_for_stream(write_fn, &k, o->width, o->height);
	else
		sf = cairo_pdf_surface_create_for_stream(write_fn, &k, o->width, o->height);
	cr = cairo_create(sf);
	draw(cr, s, o);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS && type == SK_PLOT_PNG)
		st = cairo_surface_write_to_png_stream(sf, write_fn, &k);
	cairo_surface_finish(sf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
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
