/* segsynth: writes a synthetic prestack survey from an analytic model. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "par.h"
#include "progress.h"
#include "stream.h"
#include "synth.h"
#include "version.h"

static const char usage_text[] =
	"usage: segsynth [-bchV] [-A mode] [-a x0,x1,y0,y1] [-B dx[,dy]] [-D spec] [-d dt]\n"
	"                [-E spread] [-e endian] [-F kind] [-f code] [-G offset] [-H spec]\n"
	"                [-j nx,ny] [-l spec] [-m file] [-N snr] [-n nt] [-O min,max] [-o file]\n"
	"                [-p spec] [-R spec] [-r count] [-S spec] [-s seed] [-t fmt] [-v vel]\n"
	"                [-w wavelet] [-z[level]] [--no-progress] [key=value ...]\n"
	"geometry:\n"
	"  -l, --line=SPEC         2-D line: shots,shot_spacing,channels,receiver_spacing[,x0]\n"
	"  -E, --spread=SPREAD     split (default) or end-on\n"
	"  -G, --near=OFFSET       signed offset of channel 1 (m)\n"
	"  -S, --survey=SPEC       3-D orthogonal: shot_lines,shot_line_spacing,shots,shot_spacing,\n"
	"                          receiver_lines,receiver_line_spacing,receivers,receiver_spacing\n"
	"                          [,sx0,sy0,rx0,ry0]\n"
	"  -r, --random=COUNT      random midpoints (or pairs) inside --area\n"
	"  -j, --jitter=NX,NY      one midpoint jittered in each cell of an NX x NY grid on --area\n"
	"  -a, --area=X0,X1,Y0,Y1  the area of --random and --jitter (m)\n"
	"  -c, --pairs             --random draws source and receiver independently\n"
	"  -O, --offsets=MIN,MAX   --random/--jitter offset range (m; default zero offset)\n"
	"  -B, --bin=DX[,DY]       midpoint bin size for cdp (m)\n"
	"model:\n"
	"  -n, --nt=N              samples per trace (default 1001)\n"
	"  -d, --dt=DT             sample interval, seconds or with ms (default 0.004)\n"
	"  -v, --vel=V|t:v,...     RMS velocity (m/s) against two-way time (s) (default 2000)\n"
	"  -D, --diffractor=SPEC   point diffractor: x,tau or x,y,tau or x=,y=,tau=,amp=\n"
	"  -R, --reflector=SPEC    flat reflector tau, or plane in depth z=,x=,y=,dip=,az=,amp=\n"
	"  -p, --plane=SPEC        plane wave on midpoints: tau,px[,py] (s, s/m)\n"
	"  -H, --hyperbola=SPEC    hyperbola on midpoints: tau,v,x[,y]\n"
	"  -w, --wavelet=W         ricker:HZ (default ricker:25) or spike\n"
	"  -A, --amplitude=MODE    unit (default) or spreading\n"
	"  -F, --diffraction=KIND  diffractors as exact 2d or 3d diffractions, or the plain\n"
	"                          wavelet on the curve (auto: 2d on a line, else 3d)\n"
	"  -N, --noise=SNR         add Gaussian noise at this RMS signal-to-noise ratio\n"
	"  -s, --seed=N            seed of noise and random positions (default 1)\n"
	"  -m, --model=FILE        read settings and events from a YAML file first\n"
	"output:\n"
	"  -o, --output=FILE       write FILE (atomically) instead of standard output\n"
	"  -t, --to=FMT            segy, su or sgk (default: as -o's name says, else segy)\n"
	"  -f, --format=CODE       SEG-Y sample format code or name (default 5, ieee)\n"
	"  -e, --endian=ORDER      big or little (default big for SEG-Y, little for SU)\n"
	"  -z, --zstd[=LEVEL]      compress sgk output with zstd (level 1-19, default 3)\n"
	"  -b, --progress          report progress on standard error (a bar on a terminal,\n"
	"                          a line every 5 s otherwise)\n"
	"      --no-progress       no progress report (default: one on a terminal)\n"
	"  -h, --help              print this help and exit\n"
	"  -V, --version           print the version and exit\n";

static const char shortopts[] = "A:a:B:bcD:d:E:e:F:f:G:H:hj:l:m:N:n:O:o:p:R:r:S:s:t:Vv:w:z::";

static const struct option longopts[] = {
	{"amplitude", required_argument, NULL, 'A'}, {"area", required_argument, NULL, 'a'},
	{"bin", required_argument, NULL, 'B'}, {"pairs", no_argument, NULL, 'c'},
	{"diffractor", required_argument, NULL, 'D'}, {"dt", required_argument, NULL, 'd'},
	{"spread", required_argument, NULL, 'E'}, {"endian", required_argument, NULL, 'e'},
	{"diffraction", required_argument, NULL, 'F'},
	{"format", required_argument, NULL, 'f'}, {"near", required_argument, NULL, 'G'},
	{"hyperbola", required_argument, NULL, 'H'}, {"help", no_argument, NULL, 'h'},
	{"jitter", required_argument, NULL, 'j'}, {"line", required_argument, NULL, 'l'},
	{"model", required_argument, NULL, 'm'}, {"noise", required_argument, NULL, 'N'},
	{"nt", required_argument, NULL, 'n'}, {"offsets", required_argument, NULL, 'O'},
	{"output", required_argument, NULL, 'o'}, {"progress", no_argument, NULL, 'b'},
	{"no-progress", no_argument, NULL, 2},
	{"plane", required_argument, NULL, 'p'}, {"reflector", required_argument, NULL, 'R'},
	{"random", required_argument, NULL, 'r'}, {"survey", required_argument, NULL, 'S'},
	{"seed", required_argument, NULL, 's'}, {"to", required_argument, NULL, 't'},
	{"version", no_argument, NULL, 'V'}, {"vel", required_argument, NULL, 'v'},
	{"wavelet", required_argument, NULL, 'w'}, {"zstd", optional_argument, NULL, 'z'},
	{NULL, 0, NULL, 0}};

static _Noreturn void usage(void)
{
	fputs(usage_text, stdout);
	exit(sk_flush_stdout());
}

static void progress(void *arg, int64_t done, int64_t total)
{
	sk_progress_update(arg, done, total);
}

static const char *long_name(int c)
{
	for (const struct option *o = longopts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

struct opts {
	struct sk_wopts wo;
	const char *model, *out;
	const char *fmt_by;          /* the option that chose the format, or NULL */
	const char **keys, **vals;   /* settings in command-line order */
	int nset, show;
};

/* One getopt pass; returns the index of the first operand. */
static int parse(int argc, char **argv, struct opts *o)
{
	struct sk_error err;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, shortopts,
				longopts, NULL)) != -1) {
		switch (c) {
		case 'h': usage();
		case 'V': puts("segsynth " SK_VERSION); exit(sk_flush_stdout());
		case 'm': o->model = optarg; break;
		case 'o': o->out = optarg; break;
		case 'b': o->show = SK_PROGRESS_ON; break;
		case 2: o->show = SK_PROGRESS_OFF; break;
		case 'e': case 'f': case 't': case 'z':
			if (c == 't' || (c == 'z' && !o->fmt_by))
				o->fmt_by = c == 't' ? "--to" : "--zstd";
			if (sk_wopts_set(&o->wo, c == 'e' ? "endian" : c == 'f' ? "format" : c == 't' ? "to" : "zstd",
					 optarg, &err))
				exit(sk_report(&err));
			break;
		case 'c':
			o->keys[o->nset] = "pairs";
			o->vals[o->nset++] = "1";
			break;
		case '?':
			sk_par_fail(argv, shortopts, longopts);
		default:
			o->keys[o->nset] = long_name(c);
			o->vals[o->nset++] = optarg;
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	struct opts o = {SK_WOPTS_INIT, NULL, NULL, NULL, NULL, NULL, 0, SK_PROGRESS_AUTO};
	struct sk_synth s;
	struct sk_info info;
	struct sk_writer *w = NULL;
	struct sk_error err;
	const char *bad = NULL;
	/* The operands left after the options, moved up in argv itself. */
	char **ops = argv;
	struct sk_progress pg;
	int nops = 1, first, status = 0, named;

	sk_init(argv[0]);
	o.keys = calloc((size_t)argc + 1, sizeof *o.keys);
	o.vals = calloc((size_t)argc + 1, sizeof *o.vals);
	if (!o.keys || !o.vals)
		sk_die(1, "out of memory");
	/* Options first, then the key=value operands left over (only those:
	 * an option's own argument may contain '='). */
	first = parse(argc, argv, &o);
	for (int i = first; i < argc; i++)
		ops[nops++] = argv[i];
	ops[nops] = NULL;
	if (sk_par_keyvals(nops, ops, longopts, &bad)) {
		sk_par_keyval_fail(bad, longopts);
	}
	first = parse(nops, ops, &o);
	if (first < nops)
		sk_par_usage_fail("unexpected operand '%s' (segsynth reads no input)", ops[first]);
	/* With no input to look like, the output's name says its format (a
	 * user who names a file x.su expects SU, and SU's programs refuse
	 * SEG-Y); --to (or --zstd: sgk) says it first, and a name that says
	 * otherwise is refused rather than left to mislead. */
	named = sk_format_of_name(o.out);
	if (named != SK_FMT_AUTO && o.wo.fmt == SK_FMT_AUTO)
		o.wo.fmt = named;
	else if (named != SK_FMT_AUTO && o.wo.fmt != named)
		sk_par_usage_fail("-o %s: the name says %s, %s says %s", o.out, sk_format_name(named), o.fmt_by,
				  sk_format_name(o.wo.fmt));
	sk_synth_init(&s);
	/* A bad model file is a data error (exit 1): the error names it.
	 * Every way out releases what it holds (LeakSanitizer counts it). */
	if (o.model && sk_synth_load(&s, o.model, &err))
		goto fail;
	for (int i = 0; i < o.nset; i++)
		if (sk_synth_set(&s, o.keys[i], o.vals[i], &err))
			goto fail;
	if (sk_synth_check(&s, &err))
		goto fail;
	sk_synth_info(&s, &info);
	/* The count is known from the start: an sgk pipe carries it. */
	o.wo.count_known = 1;
	o.wo.count = info.ntraces;
	if (sk_writer_open(o.out, &info, &o.wo, &w, &err))
		goto fail;
	sk_progress_init(&pg, o.show, "traces");
	if (sk_synth_run(&s, w, pg.on ? progress : NULL, &pg, &err)) {
		sk_progress_clear(&pg);
		sk_writer_abort(w);
		goto fail;
	}
	sk_progress_finish(&pg);
	if (sk_writer_close(w, &err))
		goto fail;
	goto out;
fail:
	status = sk_report(&err);
out:
	sk_synth_release(&s);
	free(o.keys);
	free(o.vals);
	return status;
}
