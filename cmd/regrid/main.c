/* regrid: regularization of irregular traces onto a regular grid. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "par.h"
#include "progress.h"
#include "regrid.h"
#include "stream.h"
#include "version.h"

static const char usage_text[] =
	"usage: regrid [-bhVx] [-c mid|cdp|src|rcv] [-D PMAX] [-E POWER] [-e big|little]\n"
	"              [-F FILE] [-f CODE] [-k K] [-M SIZE] [-m METHOD] [-O o0,do,no]\n"
	"              [-o FILE] [-P K/N] [-r RADIUS|bin] [-s N] [-t segy|su|sgk]\n"
	"              [-v V|t:v,...|FILE] [-w MS] [-z[LEVEL]] [--from FMT] [--no-progress]\n"
	"              -g GRID [INPUT]\n"
	"Builds the traces of a regular grid from irregularly located traces.\n"
	"  -b, --progress        report progress on standard error (a bar on a terminal,\n"
	"                        a line every 5 s otherwise)\n"
	"  -c, --coords=WHICH    positions: mid (default), cdp, src or rcv\n"
	"  -D, --pmax=PMAX       dip: largest slope scanned, ms/m (default 0.6)\n"
	"  -E, --power=POWER     idw: distance power (default 2)\n"
	"  -e, --endian=ORDER    byte order of SEG-Y or SU output: big or little\n"
	"  -F, --fold=FILE       write the fold of every output trace as TSV to FILE\n"
	"  -f, --format=CODE     SEG-Y sample format code or name (1 ibm, 5 ieee, ...)\n"
	"      --from=FMT        read the input as segy, su or sgk (default: detect)\n"
	"  -g, --grid=GRID       output grid: x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth]\n"
	"                        or a YAML grid file\n"
	"  -h, --help            print this help and exit\n"
	"  -k, --k=K             neighbours: idw (default 4), dip (default 8)\n"
	"  -M, --mem=SIZE        samples kept in memory before spooling (default 1G)\n"
	"  -m, --method=METHOD   nearest, bin, idw, linear (default) or dip\n"
	"  -O, --offsets=o0,do,no  offset axis: interpolate within offset classes\n"
	"      --no-progress     no progress report (default: one for dip on a terminal)\n"
	"  -o, --output=FILE     write FILE atomically instead of standard output\n"
	"  -P, --part=K/N        build the K-th of N slices of the grid\n"
	"  -r, --radius=RADIUS   use traces within RADIUS metres (default two bins),\n"
	"                        or 'bin': only traces inside the output bin\n"
	"  -s, --slopes=N        dip: slopes scanned per axis (default 33)\n"
	"  -t, --to=FMT          output format: segy, su or sgk (default: the input's)\n"
	"  -V, --version         print the version and exit\n"
	"  -v, --vel=V|t:v,...|FILE  RMS velocity (m/s) for moveout-aware offset interpolation\n"
	"  -w, --window=MS       dip: semblance window, ms (default 64)\n"
	"  -x, --allow-outside   regrid even when most traces lie outside the grid\n"
	"                        (a grid over part of the data)\n"
	"  -z, --zstd[=LEVEL]    compress sgk output with zstd (level 1-19, default 3)\n"
	"Operands key=value are aliases for the long options (method=dip).\n";

static const char shortopts[] = "bc:D:E:e:F:f:g:hk:M:m:O:o:P:r:s:t:Vv:w:xz::";

static const struct option longopts[] = {
	{"allow-outside", no_argument, NULL, 'x'},
	{"coords", required_argument, NULL, 'c'},
	{"endian", required_argument, NULL, 'e'},
	{"fold", required_argument, NULL, 'F'},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 1},
	{"grid", required_argument, NULL, 'g'},
	{"help", no_argument, NULL, 'h'},
	{"k", required_argument, NULL, 'k'},
	{"mem", required_argument, NULL, 'M'},
	{"method", required_argument, NULL, 'm'},
	{"offsets", required_argument, NULL, 'O'},
	{"output", required_argument, NULL, 'o'},
	{"no-progress", no_argument, NULL, 2},
	{"part", required_argument, NULL, 'P'},
	{"pmax", required_argument, NULL, 'D'},
	{"power", required_argument, NULL, 'E'},
	{"progress", no_argument, NULL, 'b'},
	{"radius", required_argument, NULL, 'r'},
	{"slopes", required_argument, NULL, 's'},
	{"to", required_argument, NULL, 't'},
	{"vel", required_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"window", required_argument, NULL, 'w'},
	{"zstd", optional_argument, NULL, 'z'},
	{NULL, 0, NULL, 0},
};

/* Usage errors: the message, then exit 2. */
static void check(int rc, const struct sk_error *err)
{
	if (rc < 0)
		exit(sk_report(err));
}

static void progress(void *ctx, int64_t done, int64_t total)
{
	sk_progress_update(ctx, done, total);
}

int main(int argc, char **argv)
{
	struct sk_regrid_job job;
	struct sk_regrid_stats st;
	struct sk_error err;
	const char *grid = NULL, *bad = NULL;
	struct sk_progress pg;
	long k = -1;
	int c, show = SK_PROGRESS_AUTO;

	sk_init(argv[0]);
	memset(&job, 0, sizeof job);
	job.wopts = (struct sk_wopts)SK_WOPTS_INIT;
	job.opts = (struct sk_regrid_opts)SK_REGRID_OPTS_INIT;
	job.mem = 1ULL << 30;
	if (sk_par_keyvals(argc, argv, longopts, &bad) < 0) {
		sk_par_keyval_fail(bad, longopts);
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts,
				NULL)) != -1) {
		double d, ov[3];
		int n;
		switch (c) {
		case 'b': show = SK_PROGRESS_ON; break;
		case 2: show = SK_PROGRESS_OFF; break;
		case 'c': check(sk_regrid_coords_parse(optarg, &job.coords, &err), &err); break;
		case 'D':
			check(sk_par_double("pmax", optarg, &d, &err), &err);
			if (d < 0 || d > 100)
				sk_die(2, "invalid pmax '%s' (expected 0..100 ms/m)", optarg);
			job.opts.dip_pmax = d * 1e-3;
			break;
		case 'E':
			check(sk_par_double("power", optarg, &job.opts.power, &err), &err);
			if (job.opts.power < 0 || job.opts.power > 16)
				sk_die(2, "invalid power '%s' (expected 0..16)", optarg);
			break;
		case 'e': check(sk_wopts_set(&job.wopts, "endian", optarg, &err), &err); break;
		case 'F': job.fold = optarg; break;
		case 'f': check(sk_wopts_set(&job.wopts, "format", optarg, &err), &err); break;
		case 1: check(sk_format_parse(optarg, &job.from, &err), &err); break;
		case 'g': grid = optarg; break;
		case 'h': fputs(usage_text, stdout); return sk_flush_stdout();
		case 'k': check(sk_par_long("k", optarg, 1, 64, &k, &err), &err); break;
		case 'M': check(sk_par_size("mem", optarg, &job.mem, &err), &err); break;
		case 'm': check(sk_regrid_method_parse(optarg, &job.opts.method, &err), &err); break;
		case 'O':
			check(sk_par_doubles("offsets", optarg, ov, 3, &n, &err), &err);
			if (n != 3 || !(ov[1] > 0) || ov[2] < 1 || ov[2] > 100000 || ov[2] != (double)(long)ov[2])
				sk_die(2, "invalid offsets '%s' (expected o0,do,no with do > 0 and no >= 1)", optarg);
			job.have_offsets = 1;
			job.o0 = ov[0];
			job.dof = ov[1];
			job.no = (long)ov[2];
			break;
		case 'o': job.out = optarg; break;
		case 'P': job.part = optarg; break;
		case 'r':
			if (strcmp(optarg, "bin") == 0) {
				job.opts.in_bin = 1;
				break;
			}
			check(sk_par_double("radius", optarg, &job.opts.radius, &err), &err);
			if (job.opts.radius < 0)
				sk_die(2, "invalid radius '%s' (expected metres >= 0 or 'bin')", optarg);
			break;
		case 's': check(sk_par_long("slopes", optarg, 1, 201, &job.opts.dip_np, &err), &err); break;
		case 't': check(sk_wopts_set(&job.wopts, "to", optarg, &err), &err); break;
		case 'V': puts("regrid " SK_VERSION); return sk_flush_stdout();
		case 'v': check(sk_vel_parse(optarg, &job.vel, &err), &err); job.have_vel = 1; break;
		case 'w':
			check(sk_par_double("window", optarg, &d, &err), &err);
			if (!(d > 0) || d > 10000)
				sk_die(2, "invalid window '%s' (expected 0..10000 ms)", optarg);
			job.opts.dip_win = d * 1e-3;
			break;
		case 'x': job.allow_outside = 1; break;
		case 'z': check(sk_wopts_set(&job.wopts, "zstd", optarg, &err), &err); break;
		default: sk_par_fail(argv, shortopts, longopts);
		}
	}
	if (argc - optind > 1)
		sk_par_usage_fail("one input at most ('%s' and '%s' given)", argv[optind], argv[optind + 1]);
	if (!grid)
		sk_par_usage_fail("missing --grid");
	if (job.have_vel && !job.have_offsets)
		sk_par_usage_fail("--vel needs --offsets");
	if (k > 0) {
		job.opts.k = k;
		job.opts.dip_k = k < 2 ? 2 : k;
	}
	job.in = optind < argc ? argv[optind] : NULL;
	/* On a terminal, long work (dip) shows its progress unasked. */
	sk_progress_init(&pg, show == SK_PROGRESS_AUTO && job.opts.method != SK_REGRID_DIP ? SK_PROGRESS_OFF : show,
			 "locations");
	if (pg.on) {
		job.progress = progress;
		job.progress_ctx = &pg;
	}
	/* A grid file that is missing or malformed is a data error. */
	if (sk_grid_parse(grid, &job.grid, &err) < 0 || sk_regrid_run(&job, &st, &err) < 0) {
		sk_progress_clear(&pg);
		return sk_report(&err);
	}
	sk_progress_finish(&pg);
	if (st.dead > 0)
		sk_warnx("%lld of %lld output traces are dead (no input trace %s)", (long long)st.dead,
			 (long long)st.outputs, job.opts.in_bin ? "inside the bin" : "within the radius");
	return 0;
}
