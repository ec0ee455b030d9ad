/* segsplit: partitions a stream into pieces plus DIR/manifest.yaml. */
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "file.h"
#include "par.h"
#include "progress.h"
#include "scatter.h"
#include "subproc.h"
#include "split.h"
#include "stream.h"
#include "version.h"

static const char usage_text[] =
	"usage: segsplit [-bhV] -d DIR (-c N | -k KEYS [-g G] | -p N | -R N | -r KEY=a:b,...)\n"
	"                [-s KEYS] [-e big|little] [-f CODE] [-t segy|su|sgk] [-z[LEVEL]]\n"
	"                [-H FILE [-C N] [--agent CMD] [--remote-dir DIR] [--ssh CMD]]\n"
	"                [--from FMT] [--no-progress] [INPUT]\n"
	"       segsplit --remake=N -d DIR MANIFEST\n"
	"Partitions a stream (standard input when no INPUT) into pieces DIR/part-NNNNNN.*,\n"
	"each a valid file on its own, and writes DIR/manifest.yaml for segmerge -m.\n"
	"With --remake, remakes piece N of a distributed split into DIR from its source.\n"
	"      --agent=CMD       with --hosts: taskrun's agent command on the hosts\n"
	"  -b, --progress        report progress on standard error (a bar on a terminal,\n"
	"                        a line every 5 s into a file or pipe)\n"
	"  -C, --copies=N        with --hosts: N copies of each piece, on different hosts\n"
	"  -c, --count=N         N traces per piece\n"
	"  -d, --dir=DIR         directory of the pieces (created when missing)\n"
	"  -e, --endian=ORDER    byte order of SEG-Y or SU pieces: big or little\n"
	"  -f, --format=CODE     SEG-Y sample format code or name of the pieces\n"
	"      --from=FMT        read the input as segy, su or sgk (default: detect)\n"
	"  -g, --group=G         with --key: G gathers per piece (default 1)\n"
	"  -H, --hosts=FILE      put the pieces on the hosts of a taskrun host file,\n"
	"                        streamed through taskrun's agents, spread by slots\n"
	"  -h, --help            print this help and exit\n"
	"  -k, --key=KEYS        a new gather when a key value changes (gathers are never split)\n"
	"      --no-progress     no progress report (default: one on a terminal)\n"
	"  -p, --parts=N         N pieces of equal size\n"
	"  -R, --round-robin=N   trace i goes to piece i mod N\n"
	"      --remake=N        remake piece N (from 1) of MANIFEST's split into DIR from\n"
	"                        the source its lineage names, checked by size and xxh64\n"
	"  -r, --ranges=KEY=a:b,...  a piece per value range a <= KEY < b, plus one for the rest\n"
	"      --remote-dir=DIR  with --hosts: the pieces' directory on the hosts\n"
	"                        (default: DIR; relative to $TASKRUN_KEEP_DIR there)\n"
	"  -s, --sort=KEYS       sort each piece by KEYS (stable; -key descending)\n"
	"      --ssh=CMD         with --hosts: the command that reaches a host\n"
	"  -t, --to=FMT          format of the pieces: segy, su or sgk (default: the input's)\n"
	"  -V, --version         print the version and exit\n"
	"  -z, --zstd[=LEVEL]    compress sgk pieces with zstd (level 1-19, default 3)\n"
	"Operands key=value are aliases for the long options (count=1000 dir=parts).\n";

static const char shortopts[] = "bC:c:d:e:f:g:H:hk:p:R:r:s:t:Vz::";

static const struct option longopts[] = {
	{"agent", required_argument, NULL, 3},
	{"progress", no_argument, NULL, 'b'},
	{"copies", required_argument, NULL, 'C'},
	{"count", required_argument, NULL, 'c'},
	{"dir", required_argument, NULL, 'd'},
	{"endian", required_argument, NULL, 'e'},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 'F'},
	{"group", required_argument, NULL, 'g'},
	{"help", no_argument, NULL, 'h'},
	{"hosts", required_argument, NULL, 'H'},
	{"key", required_argument, NULL, 'k'},
	{"no-progress", no_argument, NULL, 2},
	{"parts", required_argument, NULL, 'p'},
	{"round-robin", required_argument, NULL, 'R'},
	{"ranges", required_argument, NULL, 'r'},
	{"remake", required_argument, NULL, 6},
	{"remote-dir", required_argument, NULL, 4},
	{"ssh", required_argument, NULL, 5},
	{"sort", required_argument, NULL, 's'},
	{"to", required_argument, NULL, 't'},
	{"version", no_argument, NULL, 'V'},
	{"zstd", optional_argument, NULL, 'z'},
	{NULL, 0, NULL, 0},
};

/* Bad option values: the message alone, status 2 (as segmerge). */
static _Noreturn void bad_arg(const struct sk_error *err)
{
	sk_warnx("%s", err->msg);
	exit(2);
}

static void set_mode(struct sk_split_opts *o, int mode)
{
	if (o->mode != SK_SPLIT_NONE && o->mode != mode)
		sk_par_usage_fail("give one of --count, --key, --parts, --ranges and --round-robin");
	o->mode = mode;
}

/*
 * sk_par_keyvals also rewrites option arguments that look like key=value,
 * and the argument of "-r offset=0:100" does.  Such arguments are hidden
 * from it and put back.
 */
static int keyvals(int argc, char **argv, const char **bad)
{
	char *hidden = NULL;
	int at = -1, rc;

	for (int i = 1; i + 1 < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "--ranges") == 0) {
			at = i + 1;
			hidden = argv[at];
			argv[at] = (char *)(uintptr_t)"-";
			break;
		}
	rc = sk_par_keyvals(argc, argv, longopts, bad);
	if (at >= 0)
		argv[at] = hidden;
	return rc;
}

/* segsplit --remake=N -d DIR MANIFEST. */
static int remake_piece(const char *dir, long n, int nargs, char **args, int other)
{
	struct sk_manifest m;
	struct sk_error err;
	int rc;

	if (other)
		sk_par_usage_fail("--remake takes -d DIR and a manifest, no split mode or --hosts");
	if (!dir)
		sk_par_usage_fail("no output directory: give --dir");
	if (nargs != 1)
		sk_par_usage_fail("--remake needs one manifest");
	if ((rc = sk_manifest_read(args[0], &m, &err)) < 0) {
		sk_error_at(&err, rc, args[0]);
		return sk_report(&err);
	}
	rc = sk_split_remake(&m, (size_t)n - 1, dir, &err);
	if (rc == SK_EARG)
		sk_error_at(&err, rc, args[0]);
	sk_manifest_release(&m);
	return rc < 0 ? sk_report(&err) : 0;
}

static void progress(void *arg, int64_t done, int64_t total)
{
	sk_progress_update(arg, done, total);
}

int main(int argc, char **argv)
{
	struct sk_split_opts o;
	struct sk_split_result res;
	struct sk_error err;
	struct sk_reader *r = NULL;
	const char *bad = NULL, *input = NULL, *keys = NULL, *sort = NULL;
	const struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_progress pg;
	struct scatter_opts so;
	struct sk_manifest made;
	long group = 0, copies = 1, remake = 0;
	char self[PATH_MAX];
	int from = SK_FMT_AUTO, c, status = 0, show = SK_PROGRESS_AUTO;

	sk_init(argv[0]);
	memset(&o, 0, sizeof o);
	memset(&so, 0, sizeof so);
	sk_manifest_init(&made);
	o.wopts = wo;
	if (keyvals(argc, argv, &bad) < 0) {
		sk_par_keyval_fail(bad, longopts);
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *wname = NULL;
		switch (c) {
		case 'b': show = SK_PROGRESS_ON; break;
		case 2: show = SK_PROGRESS_OFF; break;
		case 3: so.agent = optarg; break;
		case 4: so.rdir = optarg; break;
		case 5: so.ssh = optarg; break;
		case 6:
			if (sk_par_long("remake", optarg, 1, 1000000000, &remake, &err) < 0)
				bad_arg(&err);
			break;
		case 'C':
			if (sk_par_long("copies", optarg, 1, 100, &copies, &err) < 0)
				bad_arg(&err);
			break;
		case 'H': so.hostfile = optarg; break;
		case 'c':
			set_mode(&o, SK_SPLIT_COUNT);
			if (sk_par_long("count", optarg, 1, 1L << 40, &o.n, &err) < 0)
				bad_arg(&err);
			break;
		case 'd': o.dir = optarg; break;
		case 'e': wname = "endian"; break;
		case 'f': wname = "format"; break;
		case 'F':
			if (sk_format_parse(optarg, &from, &err) < 0)
				bad_arg(&err);
			break;
		case 'g':
			if (sk_par_long("group", optarg, 1, 1L << 40, &group, &err) < 0)
				bad_arg(&err);
			break;
		case 'h': fputs(usage_text, stdout); return sk_flush_stdout();
		case 'k': set_mode(&o, SK_SPLIT_KEY); keys = optarg; break;
		case 'p':
			set_mode(&o, SK_SPLIT_PARTS);
			if (sk_par_long("parts", optarg, 1, 1000000, &o.n, &err) < 0)
				bad_arg(&err);
			break;
		case 'R':
			set_mode(&o, SK_SPLIT_RR);
			if (sk_par_long("round-robin", optarg, 1, 1000000, &o.n, &err) < 0)
				bad_arg(&err);
			break;
		case 'r':
			set_mode(&o, SK_SPLIT_RANGES);
			free(o.ranges);
			if (sk_split_ranges_parse(optarg, &o, &err) < 0)
				bad_arg(&err);
			o.keys_text = o.keys.key[0].name;
			o.ranges_text = strchr(optarg, '=') + 1;
			o.n = 1;
			break;
		case 's': sort = optarg; break;
		case 't': wname = "to"; break;
		case 'V': puts("segsplit " SK_VERSION); return sk_flush_stdout();
		case 'z': wname = "zstd"; break;
		default: sk_par_fail(argv, shortopts, longopts);
		}
		if (wname && sk_wopts_set(&o.wopts, wname, optarg, &err) < 0)
			bad_arg(&err);
	}
	if (remake)
		return remake_piece(o.dir, remake, argc - optind, argv + optind, o.mode != SK_SPLIT_NONE || so.hostfile);
	if (argc - optind > 1)
		sk_par_usage_fail("one input at most ('%s' and '%s' given)", argv[optind], argv[optind + 1]);
	if (o.mode == SK_SPLIT_NONE)
		sk_par_usage_fail("no split mode: give one of --count, --key, --parts, --ranges and --round-robin");
	if (!o.dir)
		sk_par_usage_fail("no output directory: give --dir");
	if (group && o.mode != SK_SPLIT_KEY)
		sk_par_usage_fail("--group needs --key");
	if (o.mode == SK_SPLIT_KEY) {
		o.n = group ? group : 1;
		o.keys_text = keys;
		if (sk_keyset_parse(keys, 0, &o.keys, &err) < 0)
			bad_arg(&err);
	}
	if (sort) {
		o.sort_text = sort;
		if (sk_keyset_parse(sort, 0, &o.sort, &err) < 0)
			bad_arg(&err);
	}
	if (!so.hostfile && (copies > 1 || so.rdir || so.ssh || so.agent)) {
		sk_par_usage_fail("--copies, --remote-dir, --ssh and --agent need --hosts");
	}
	if (so.hostfile) {
		so.dir = o.dir;
		so.copies = (int)copies;
		if (!so.rdir)
			so.rdir = o.dir;
		/* taskrun beside this program, else on PATH. */
		so.taskrun = sk_subproc_sibling("taskrun", self, sizeof self);
		/* A host file that cannot hold the copies fails before the
		 * split. */
		if (scatter_check(&so, &err) < 0) {
			if (err.code == SK_EUSAGE) {
				sk_report(&err);
				exit(2);
			}
			return sk_report(&err);
		}
	}
	if (so.hostfile)
		o.manifest_out = &made;
	input = optind < argc ? argv[optind] : "-";
	o.source = input;
	if (sk_reader_open(input, from, &r, &err) < 0)
		return sk_report(&err);
	sk_progress_init(&pg, show, "traces");
	/* Unasked, on a terminal: only for work longer than a second. */
	sk_progress_lazy(&pg, show, 1.0);
	if (pg.on) {
		o.progress = progress;
		o.progress_arg = &pg;
	}
	if (sk_split_run(r, &o, &res, &err) < 0) {
		sk_progress_clear(&pg);
		status = sk_report(&err);
	} else {
		sk_progress_finish(&pg);
		if (res.fd.new_soft > res.fd.old_soft)
			sk_warnx("raised the open-file limit from %lu to %lu for %zu pieces", res.fd.old_soft,
				 res.fd.new_soft, res.pieces);
		/* The lineage, when a piece can be remade from the source:
		 * a file (any mode: sk_split_remake). */
		struct stat st;
		char cwd[PATH_MAX];
		if (so.hostfile && sk_split_remakable(&made) && strcmp(input, "-") != 0 && stat(input, &st) == 0 &&
		    S_ISREG(st.st_mode) && (input[0] == '/' || getcwd(cwd, sizeof cwd))) {
			char *abs = input[0] == '/' ? NULL : sk_path_join(cwd, input);
			const int nomem = sk_manifest_set_str(&made.lineage, abs ? abs : input, &err) < 0;
			free(abs);
			if (nomem)
				return sk_report(&err);
			made.lin_from = sk_reader_info(r)->fmt;
			made.lin_sample = o.wopts.sample_format;
			made.lin_little = o.wopts.little;
			made.lin_zstd = o.wopts.zstd;
		}
		if (so.hostfile && scatter_run(&so, &made, &err) < 0)
			status = sk_report(&err);
	}
	sk_reader_free(r);
	sk_manifest_release(&made);
	free(o.ranges);
	return status;
}
