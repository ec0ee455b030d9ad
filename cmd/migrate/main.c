/* migrate: Kirchhoff prestack time migration, 2-D and 3-D. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "migrate.h"
#include "par.h"
#include "progress.h"
#include "stream.h"
#include "version.h"

static const char usage_text[] =
	"usage: migrate [-bhNVx] [-A DEG] [-a METRES] [-C N] [-d DT] [-e big|little] [-f CODE]\n"
	"               [-g GRID] [-K AAL] [-n NT] [-O o0,do,no] [-o FILE] [-P K/N]\n"
	"               [-r RHO] [-T T0] [-t segy|su|sgk] [-w WEIGHTS] [-Z] [-z[LEVEL]]\n"
	"               [--antialias] [--from FMT] [--no-progress] -v V|t:v,...|FILE [INPUT]\n"
	"Kirchhoff prestack time migration of a 2-D line or a 3-D survey.\n"
	"  -A, --angle=DEG       largest angle from the vertical (default 60; 90: none)\n"
	"  -a, --aperture=METRES largest midpoint distance (default 0: no limit)\n"
	"      --antialias       triangle-filter antialiasing (the default)\n"
	"  -b, --progress        report progress on standard error (a bar on a terminal,\n"
	"                        a line every 5 s otherwise) and the rate at the end\n"
	"  -C, --chunk=N         input traces per cache tile (default: fits 256 KiB)\n"
	"  -d, --dt=DT           output sample interval, s or with ms (default: the input's)\n"
	"  -e, --endian=ORDER    byte order of SEG-Y or SU output: big or little\n"
	"  -f, --format=CODE     SEG-Y sample format code or name (1 ibm, 5 ieee, ...)\n"
	"      --from=FMT        read the input as segy, su or sgk (default: detect)\n"
	"  -g, --grid=GRID       output grid: x0,dx,nx (2-D) or x0,dx,nx,y0,dy,ny[,azimuth]\n"
	"                        or a YAML grid file (default: the input's midpoint line)\n"
	"  -h, --help            print this help and exit\n"
	"  -K, --aal=AAL         antialiasing factor (default 1)\n"
	"  -N, --no-antialias    read samples by linear interpolation instead\n"
	"      --no-progress     no progress report (default: one on a terminal)\n"
	"  -n, --nt=NT           output samples per trace (default: the input's)\n"
	"  -O, --offsets=o0,do,no  write common-offset image gathers\n"
	"  -o, --output=FILE     write FILE atomically instead of standard output\n"
	"  -P, --part=K/N        compute the K-th of N slices of the output grid\n"
	"  -r, --rho=RHO         rho filter: auto (default), half, first or none\n"
	"  -T, --t0=T0           output first time, s or with ms (default: the input's)\n"
	"  -t, --to=FMT          output format: segy, su or sgk (default: the input's)\n"
	"  -V, --version         print the version and exit\n"
	"  -v, --vel=VEL         RMS velocity: V (m/s), t:v,t:v,... (s, m/s) or a file\n"
	"  -w, --weights=W       none, obliquity, spreading or both (default)\n"
	"  -x, --allow-outside   migrate even when most traces lie beyond the grid's\n"
	"                        reach (a grid over part of the data)\n"
	"  -Z, --zero-offset     post-stack data: each trace at its CMP (cdpx/cdpy, else sx/sy)\n"
	"  -z, --zstd[=LEVEL]    compress sgk output with zstd (level 1-19, default 3)\n"
	"Operands key=value are aliases for the long options (vel=2000).\n";

static const char shortopts[] = "A:a:bC:d:e:f:g:hK:Nn:O:o:P:r:T:t:Vv:w:xZz::";

static const struct option longopts[] = {
	{"aal", required_argument, NULL, 'K'},
	{"allow-outside", no_argument, NULL, 'x'},
	{"angle", required_argument, NULL, 'A'},
	{"antialias", no_argument, NULL, 2},
	{"aperture", required_argument, NULL, 'a'},
	{"chunk", required_argument, NULL, 'C'},
	{"dt", required_argument, NULL, 'd'},
	{"endian", required_argument, NULL, 'e'},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 1},
	{"grid", required_argument, NULL, 'g'},
	{"help", no_argument, NULL, 'h'},
	{"no-antialias", no_argument, NULL, 'N'},
	{"no-progress", no_argument, NULL, 3},
	{"nt", required_argument, NULL, 'n'},
	{"offsets", required_argument, NULL, 'O'},
	{"output", required_argument, NULL, 'o'},
	{"part", required_argument, NULL, 'P'},
	{"progress", no_argument, NULL, 'b'},
	{"rho", required_argument, NULL, 'r'},
	{"t0", required_argument, NULL, 'T'},
	{"to", required_argument, NULL, 't'},
	{"vel", required_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"weights", required_argument, NULL, 'w'},
	{"zero-offset", no_argument, NULL, 'Z'},
	{"zstd", optional_argument, NULL, 'z'},
	{NULL, 0, NULL, 0},
};

static const char *const rho_names[] = {"auto", "none", "half", "first", NULL};
static const char *const weight_names[] = {"none", "obliquity", "spreading", "both", NULL};

/* Usage errors: the message, then exit 2. */
static void check(int rc, const struct sk_error *err)
{
	if (rc < 0)
		exit(sk_report(err));
}

static int choice(const char *what, const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	sk_die(2, "invalid %s '%s'", what, s);
}

static double seconds(const char *what, const char *s)
{
	struct sk_error err;
	double d;
	const size_t n = strlen(s);
	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), s);
		check(sk_par_double(what, buf, &d, &err), &err);
		return d * 1e-3;
	}
	check(sk_par_double(what, s, &d, &err), &err);
	return d;
}

/* What the callbacks share: the input's name and the progress report. */
struct ui {
	const char *in;
	struct sk_progress pg;
};

/* The driver's notice, about the input: "migrate: FILE: msg". */
static void notice(void *ctx, const char *msg)
{
	struct ui *u = ctx;
	sk_progress_clear(&u->pg);
	sk_warnx("%s: %s", u->in && strcmp(u->in, "-") ? u->in : "<stdin>", msg);
}

static void progress(void *ctx, int64_t done, int64_t total)
{
	struct ui *u = ctx;
	sk_progress_update(&u->pg, done, total);
}

int main(int argc, char **argv)
{
	struct sk_migrate_job job;
	struct sk_migrate_stats st;
	struct sk_error err;
	struct ui ui;
	int show = SK_PROGRESS_AUTO;
	const char *grid = NULL, *bad = NULL;
	int c, rc, have_vel = 0;

	sk_init(argv[0]);
	memset(&job, 0, sizeof job);
	job.wopts = (struct sk_wopts)SK_WOPTS_INIT;
	job.kp.antialias = 1;
	job.kp.aal = 1.0;
	job.kp.rho = SK_RHO_AUTO;
	job.kp.weights = SK_W_BOTH;
	job.kp.angle = 60.0;
	if (sk_par_keyvals(argc, argv, longopts, &bad) < 0) {
		sk_par_keyval_fail(bad, longopts);
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts,
				NULL)) != -1) {
		double ov[3];
		int n;
		switch (c) {
		case 'A':
			check(sk_par_double("angle", optarg, &job.kp.angle, &err), &err);
			if (!(job.kp.angle > 0) || job.kp.angle > 90)
				sk_die(2, "invalid angle '%s' (expected degrees in (0, 90])", optarg);
			break;
		case 'a':
			check(sk_par_double("aperture", optarg, &job.kp.aperture, &err), &err);
			if (job.kp.aperture < 0)
				sk_die(2, "invalid aperture '%s' (expected metres >= 0)", optarg);
			break;
		case 'b': show = SK_PROGRESS_ON; break;
		case 3: show = SK_PROGRESS_OFF; break;
		case 'C': check(sk_par_long("chunk", optarg, 1, 65536, &job.kp.chunk, &err), &err); break;
		case 'd':
			job.dt = seconds("dt", optarg);
			if (!(job.dt > 0) || job.dt > 60)
				sk_die(2, "invalid dt '%s' (expected seconds in (0, 60])", optarg);
			break;
		case 'e': check(sk_wopts_set(&job.wopts, "endian", optarg, &err), &err); break;
		case 'f': check(sk_wopts_set(&job.wopts, "format", optarg, &err), &err); break;
		case 1: check(sk_format_parse(optarg, &job.from, &err), &err); break;
		case 2: job.kp.antialias = 1; break;
		case 'g': grid = optarg; break;
		case 'h': fputs(usage_text, stdout); return sk_flush_stdout();
		case 'K':
			check(sk_par_double("aal", optarg, &job.kp.aal, &err), &err);
			if (!(job.kp.aal > 0) || job.kp.aal > 100)
				sk_die(2, "invalid aal '%s' (expected a factor in (0, 100])", optarg);
			break;
		case 'N': job.kp.antialias = 0; break;
		case 'n': check(sk_par_long("nt", optarg, 1, 1L << 24, &job.nt, &err), &err); break;
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
		case 'r': job.kp.rho = choice("rho", optarg, rho_names); break;
		case 'T': job.t0 = seconds("t0", optarg); job.have_t0 = 1; break;
		case 't': check(sk_wopts_set(&job.wopts, "to", optarg, &err), &err); break;
		case 'V': puts("migrate " SK_VERSION); return sk_flush_stdout();
		case 'v': check(sk_vel_parse(optarg, &job.vel, &err), &err); have_vel = 1; break;
		case 'w': job.kp.weights = choice("weights", optarg, weight_names); break;
		case 'x': job.allow_outside = 1; break;
		case 'Z': job.zero_offset = 1; break;
		case 'z': check(sk_wopts_set(&job.wopts, "zstd", optarg, &err), &err); break;
		default: sk_par_fail(argv, shortopts, longopts);
		}
	}
	if (argc - optind > 1)
		sk_par_usage_fail("one input at most ('%s' and '%s' given)", argv[optind], argv[optind + 1]);
	if (!have_vel)
		sk_par_usage_fail("missing --vel");
	job.in = optind < argc ? argv[optind] : NULL;
	ui.in = job.in;
	job.notice = notice;
	job.notice_ctx = &ui;
	job.progress_ctx = &ui;
	sk_progress_init(&ui.pg, show, "traces");
	if (ui.pg.on)
		job.progress = progress;
	if (grid) {
		/* A grid file that is missing or malformed is a data error. */
		if (sk_grid_parse(grid, &job.grid, &err) < 0)
			return sk_report(&err);
		job.have_grid = 1;
	}
	rc = sk_migrate_run(&job, &st, &err);
	if (rc < 0) {
		sk_progress_clear(&ui.pg);
		if (job.progress && st.inputs > 0)
			sk_warnx("%lld traces read, %lld migrated: %.3g sample updates before the error",
				 (long long)st.inputs, (long long)st.used, (double)st.updates);
		return sk_report(&err);
	}
	sk_progress_finish(&ui.pg);
	if (job.progress)
		sk_warnx("%d-D, %lld of %lld traces migrated into %lld output traces: %.3g sample updates "
			 "in %.2f s, %.3g updates/s", st.dim, (long long)st.used, (long long)st.inputs,
			 (long long)st.outputs, (double)st.updates, st.seconds,
			 st.seconds > 0 ? (double)st.updates / st.seconds : 0.0);
	return 0;
}
