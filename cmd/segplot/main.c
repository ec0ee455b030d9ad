/* segplot: draws a section or gather as a PNG, SVG or PDF picture. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hdr.h"
#include "par.h"
#include "plot.h"
#include "section.h"
#include "stream.h"
#include "version.h"

static const char usage_text[] =
	"usage: segplot [-bhNVw] [-C clip] [-c cmap] [-F fmt] [-n first:last] [-p perc]\n"
	"               [-r key=lo:hi] [-s WxH] [-T title] [-t type] [-x key] [--tmin t]\n"
	"               [--tmax t] -o file [input] [key=value ...]\n"
	"  -o, --output=FILE     the picture: FILE.png, FILE.svg or FILE.pdf (- for stdout with --type)\n"
	"  -t, --type=TYPE       png, svg or pdf (default: from the output name)\n"
	"  -s, --size=WxH        picture size in pixels or points (default 1000x700)\n"
	"  -c, --cmap=CMAP       grey (default), diverging or none\n"
	"  -p, --perc=P          clip at the P-th percentile of |amplitude| (default: a soft\n"
	"                        clip, linear to the 99.5th percentile, compressed above)\n"
	"  -C, --clip=C          clip at amplitude C instead\n"
	"  -w, --wiggle          draw wiggle traces over the colours (for small gathers)\n"
	"  -x, --xkey=KEY        label the horizontal axis with header KEY (default: trace number)\n"
	"  -n, --traces=A:B      only input traces A to B (1-based; A: or :B leave an end open)\n"
	"  -r, --range=KEY=LO:HI only the traces whose KEY is in LO..HI\n"
	"      --tmin=T          start at time T (seconds, or with ms)\n"
	"      --tmax=T          end at time T (seconds, or with ms)\n"
	"  -T, --title=TEXT      title (default: the input name)\n"
	"  -N, --no-colorbar     leave the colour bar out\n"
	"  -b, --bare            the data only: no axes, title or colour bar\n"
	"  -F, --from=FMT        input format: segy, su or sgk (default: detected)\n"
	"  -h, --help            print this help and exit\n"
	"  -V, --version         print the version and exit\n";

static const char shortopts[] = "bC:c:F:hNn:o:p:r:s:T:t:Vwx:";

static const struct option longopts[] = {
	{"bare", no_argument, NULL, 'b'}, {"clip", required_argument, NULL, 'C'},
	{"cmap", required_argument, NULL, 'c'}, {"from", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'}, {"no-colorbar", no_argument, NULL, 'N'},
	{"output", required_argument, NULL, 'o'}, {"perc", required_argument, NULL, 'p'},
	{"range", required_argument, NULL, 'r'}, {"tmax", required_argument, NULL, 2},
	{"tmin", required_argument, NULL, 1}, {"traces", required_argument, NULL, 'n'},
	{"size", required_argument, NULL, 's'}, {"title", required_argument, NULL, 'T'},
	{"type", required_argument, NULL, 't'}, {"version", no_argument, NULL, 'V'},
	{"wiggle", no_argument, NULL, 'w'}, {"xkey", required_argument, NULL, 'x'},
	{NULL, 0, NULL, 0}};

struct opts {
	struct sk_plot_opts plot;
	struct sk_section_window win;
	struct sk_key rkey;
	const char *out, *xkey;
	int from, title_set;
};

/* A time: seconds, or milliseconds with "ms". */
static double seconds(const char *what, const char *s)
{
	struct sk_error err;
	char buf[64];
	double d;
	const size_t n = strlen(s);
	const int ms = n > 2 && n < sizeof buf && strcmp(s + n - 2, "ms") == 0;

	snprintf(buf, sizeof buf, "%.*s", ms ? (int)(n - 2) : (int)n, s);
	if (sk_par_double(what, buf, &d, &err))
		sk_die(2, "invalid %s '%s' (expected seconds, or milliseconds with ms)", what, s);
	return ms ? d * 1e-3 : d;
}

/* --traces A:B, 1-based, either end open. */
static void traces(const char *s, struct sk_section_window *w)
{
	const char *colon = strchr(s, ':');
	struct sk_error err;
	char a[32];
	long v;

	if (!colon || (size_t)(colon - s) >= sizeof a)
		sk_die(2, "invalid traces '%s' (expected FIRST:LAST, 1-based)", s);
	snprintf(a, sizeof a, "%.*s", (int)(colon - s), s);
	w->first = w->last = 0;
	if (*a && sk_par_long("traces", a, 1, LONG_MAX, &v, &err) == 0)
		w->first = v;
	else if (*a)
		sk_die(2, "invalid traces '%s' (expected FIRST:LAST, 1-based)", s);
	if (colon[1] && sk_par_long("traces", colon + 1, 1, LONG_MAX, &v, &err) == 0)
		w->last = v;
	else if (colon[1])
		sk_die(2, "invalid traces '%s' (expected FIRST:LAST, 1-based)", s);
	if (w->last && w->first > w->last)
		sk_die(2, "invalid traces '%s' (FIRST is after LAST)", s);
}

/* --range KEY=LO:HI. */
static void range(const char *s, struct opts *o)
{
	const char *eq = strchr(s, '='), *colon = eq ? strchr(eq, ':') : NULL;
	struct sk_error err;
	char k[64], lo[64], hi[64];

	if (!eq || !colon || (size_t)(eq - s) >= sizeof k || (size_t)(colon - eq) >= sizeof lo ||
	    strlen(colon) >= sizeof hi)
		sk_die(2, "invalid range '%s' (expected KEY=LO:HI)", s);
	snprintf(k, sizeof k, "%.*s", (int)(eq - s), s);
	snprintf(lo, sizeof lo, "%.*s", (int)(colon - eq - 1), eq + 1);
	snprintf(hi, sizeof hi, "%s", colon + 1);
	if (sk_key_parse(k, 0, &o->rkey, &err))
		exit(sk_report(&err));
	if (sk_par_double("range", lo, &o->win.klo, &err) || sk_par_double("range", hi, &o->win.khi, &err) ||
	    o->win.klo > o->win.khi)
		sk_die(2, "invalid range '%s' (expected KEY=LO:HI with LO <= HI)", s);
	o->win.key = &o->rkey;
}

static _Noreturn void usage(void)
{
	fputs(usage_text, stdout);
	exit(sk_flush_stdout());
}

static void size(const char *s, struct sk_plot_opts *o)
{
	long w, h;
	char a[32], *x;
	struct sk_error err;

	if (strlen(s) >= sizeof a || !(x = strchr(strcpy(a, s), 'x')))
		sk_die(2, "invalid size '%s' (expected WxH, as in 1000x700)", s);
	*x = '\0';
	if (sk_par_long("width", a, 16, 32768, &w, &err) || sk_par_long("height", x + 1, 16, 32768, &h, &err))
		sk_die(2, "invalid size '%s' (expected WxH, each 16 to 32768)", s);
	o->width = (int)w;
	o->height = (int)h;
}

static int parse(int argc, char **argv, struct opts *o)
{
	struct sk_error err;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->plot.bare = 1; break;
		case 'C':
			if (sk_par_double("clip", optarg, &o->plot.clip, &err))
				exit(sk_report(&err));
			if (!(o->plot.clip > 0))
				sk_die(2, "invalid clip '%s' (expected a positive amplitude)", optarg);
			break;
		case 'c':
			if (sk_cmap_parse(optarg, &o->plot.cmap, &err))
				exit(sk_report(&err));
			break;
		case 'F':
			if (sk_format_parse(optarg, &o->from, &err))
				exit(sk_report(&err));
			break;
		case 'h': usage();
		case 'N': o->plot.colorbar = 0; break;
		case 'n': traces(optarg, &o->win); break;
		case 'r': range(optarg, o); break;
		case 1: o->win.tmin = seconds("tmin", optarg); break;
		case 2: o->win.tmax = seconds("tmax", optarg); break;
		case 'o': o->out = optarg; break;
		case 'p':
			if (sk_par_double("perc", optarg, &o->plot.perc, &err))
				exit(sk_report(&err));
			if (!(o->plot.perc > 0 && o->plot.perc <= 100))
				sk_die(2, "invalid perc '%s' (expected a percentile in (0, 100])", optarg);
			break;
		case 's': size(optarg, &o->plot); break;
		case 'T': o->plot.title = optarg; o->title_set = 1; break;
		case 't':
			if (sk_plot_type_parse(optarg, &o->plot.type, &err))
				exit(sk_report(&err));
			break;
		case 'V': puts("segplot " SK_VERSION); exit(sk_flush_stdout());
		case 'w': o->plot.wiggle = 1; break;
		case 'x': o->xkey = optarg; break;
		default: sk_par_fail(argv, shortopts, longopts);
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sk_reader *r;
	struct sk_section sec;
	struct sk_key key;
	struct sk_error err;
	const char *in = NULL, *bad = NULL;
	char xlabel[64];
	/* The operands left after the options, moved up in argv itself (no
	 * copy to free on every way out: LeakSanitizer counts it). */
	char **ops = argv;
	int nops = 1, first, rc;

	sk_init(argv[0]);
	memset(&o, 0, sizeof o);
	sk_plot_opts_init(&o.plot);
	sk_section_window_init(&o.win);
	first = parse(argc, argv, &o);
	for (int i = first; i < argc; i++)
		ops[nops++] = argv[i];
	ops[nops] = NULL;
	if (sk_par_keyvals(nops, ops, longopts, &bad)) {
		sk_par_keyval_fail(bad, longopts);
	}
	first = parse(nops, ops, &o);
	if (nops - first > 1)
		sk_par_usage_fail("one input at most ('%s' and '%s' given)", ops[first], ops[first + 1]);
	if (first < nops)
		in = ops[first];
	if (!o.out)
		sk_par_usage_fail("no output: give -o FILE.png, FILE.svg or FILE.pdf");
	if (!o.plot.type && sk_plot_type_of(o.out) == SK_PLOT_AUTO)
		sk_die(2, "%s: unknown picture type (name it .png, .svg or .pdf, or give --type)", o.out);
	if (o.xkey && sk_key_parse(o.xkey, 0, &key, &err))
		return sk_report(&err);
	if (o.win.tmin > o.win.tmax)
		sk_die(2, "invalid time window: --tmin is after --tmax");
	if (!o.title_set)
		o.plot.title = in && strcmp(in, "-") ? in : "stdin";
	if (sk_reader_open(in, o.from, &r, &err) < 0)
		return sk_report(&err);
	{
		double x, y, w, h;
		sk_plot_area(&o.plot, &x, &y, &w, &h);
		/* Two data cells per pixel at most: finer detail cannot show. */
		rc = sk_section_read(r, o.xkey ? &key : NULL, &o.win, (long)(w > 32 ? 2 * w : 64),
				     (long)(h > 32 ? 2 * h : 64), &sec, &err);
	}
	sk_reader_free(r);
	if (rc)
		return sk_report(&err);
	o.plot.xlabel = sk_plot_key_label(o.xkey ? &key : NULL, sec.feet, xlabel, sizeof xlabel);
	rc = sk_plot_write(&sec, &o.plot, o.out, &err);
	sk_section_release(&sec);
	return rc ? sk_report(&err) : 0;
}
