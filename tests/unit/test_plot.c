/* plot unit test: reads the pictures back with cairo's own PNG reader. */
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plot.h"

static void section(struct sk_section *s, long ncol, long nrow)
{
	memset(s, 0, sizeof *s);
	s->ncol = ncol;
	s->nrow = nrow;
	s->ns = nrow;
	s->xstride = s->tstride = 1;
	s->ntraces = ncol;
	s->dt = 0.004;
	s->data = calloc((size_t)(ncol * nrow), sizeof *s->data);
	s->key = malloc((size_t)ncol * sizeof *s->key);
	for (long j = 0; j < ncol; j++)
		s->key[j] = (double)(j + 1);
}

static uint32_t pixel(cairo_surface_t *img, int x, int y)
{
	uint32_t p;
	memcpy(&p, cairo_image_surface_get_data(img) + y * cairo_image_surface_get_stride(img) + 4 * x, 4);
	return p & 0xffffff;
}

static int starts(const char *path, const char *magic)
{
	char buf[16] = {0};
	FILE *fp = fopen(path, "rb");
	size_t n;
	if (!fp)
		return 0;
	n = fread(buf, 1, strlen(magic), fp);
	fclose(fp);
	return n == strlen(magic) && memcmp(buf, magic, n) == 0;
}

int main(void)
{
	char dir[] = "/tmp/test_plot.XXXXXX", png[256], svg[256], pdf[256];
	struct sk_section s;
	struct sk_plot_opts o;
	struct sk_error err;
	cairo_surface_t *img;
	double x, y, w, h;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(png, sizeof png, "%s/a.png", dir);
	snprintf(svg, sizeof svg, "%s/a.svg", dir);
	snprintf(pdf, sizeof pdf, "%s/a.pdf", dir);

	/* Bare: the data fill the picture, 20 x 5 pixels per cell. */
	section(&s, 10, 20);
	s.data[3 * 20 + 7] = 1;
	sk_plot_opts_init(&o);
	o.width = 200;
	o.height = 100;
	o.bare = 1;
	o.clip = 1;
	CHECK(sk_plot_write(&s, &o, png, &err) == 0);
	img = cairo_image_surface_create_from_png(png);
	CHECK(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
	CHECK(cairo_image_surface_get_width(img) == 200 && cairo_image_surface_get_height(img) == 100);
	CHECK(pixel(img, 60, 35) == 0 && pixel(img, 79, 39) == 0);
	CHECK(pixel(img, 59, 37) == 0x808080 && pixel(img, 80, 37) == 0x808080);
	CHECK(pixel(img, 70, 34) == 0x808080 && pixel(img, 70, 40) == 0x808080);
	cairo_surface_destroy(img);

	/* Diverging: +1 red, -1 blue, 0 white. */
	s.data[5 * 20 + 2] = -1;
	o.cmap = SK_CMAP_DIVERGING;
	CHECK(sk_plot_write(&s, &o, png, &err) == 0);
	img = cairo_image_surface_create_from_png(png);
	CHECK(pixel(img, 70, 37) == 0xff0000 && pixel(img, 110, 12) == 0x0000ff && pixel(img, 5, 5) == 0xffffff);
	cairo_surface_destroy(img);
	free(s.data);
	free(s.key);

	/* With axes and colour bar: the documented data area. */
	section(&s, 12, 18);
	s.data[5 * 18 + 9] = 3;
	sk_plot_opts_init(&o);
	o.width = 400;
	o.height = 300;
	o.clip = 3;
	o.title = "spike";
	sk_plot_area(&o, &x, &y, &w, &h);
	CHECK(x == 72 && y == 36 && w == 216 && h == 216);
	CHECK(sk_plot_write(&s, &o, png, &err) == 0);
	img = cairo_image_surface_create_from_png(png);
	CHECK(cairo_image_surface_get_width(img) == 400 && cairo_image_surface_get_height(img) == 300);
	/* Column 5 of 12 is x in [162, 180), row 9 of 18 is y in [144, 156). */
	CHECK(pixel(img, 163, 145) == 0 && pixel(img, 178, 154) == 0);
	CHECK(pixel(img, 160, 150) == 0x808080 && pixel(img, 182, 150) == 0x808080);
	CHECK(pixel(img, 170, 142) == 0x808080 && pixel(img, 170, 158) == 0x808080);
	cairo_surface_destroy(img);

	/* SVG and PDF, by name. */
	CHECK(sk_plot_write(&s, &o, svg, &err) == 0 && starts(svg, "<?xml"));
	o.wiggle = 1;
	CHECK(sk_plot_write(&s, &o, pdf, &err) == 0 && starts(pdf, "%PDF-"));
	CHECK(sk_plot_type_of("x.PNG") == SK_PLOT_PNG && sk_plot_type_of("x.gif") == SK_PLOT_AUTO);

	/* Errors. */
	CHECK(sk_plot_write(&s, &o, "x.gif", &err) == SK_EARG);
	o.width = 10;
	CHECK(sk_plot_write(&s, &o, png, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid size 10x300 (16 to 32768 on each side)") == 0);
	o.width = 400;
	CHECK(sk_plot_write(&s, &o, "/nonexistent/dir/a.png", &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0);
	CHECK(sk_cmap_parse("jet", &o.cmap, &err) == SK_EARG);
	free(s.data);
	free(s.key);
	unlink(png);
	unlink(svg);
	unlink(pdf);
	rmdir(dir);
	return test_done();
}
