/* segmerge: reassembles streams: concatenation (a format converter with one
 * input), manifests of segsplit with verification, k-way merge, stacking. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fdlimit.h"
#include "manifest.h"
#include "merge.h"
#include "merge_hosts.h"
#include "ofile.h"
#include "par.h"
#include "progress.h"
#include "psum_tree.h"
#include "subproc.h"
#include "stream.h"
#include "version.h"

static const char usage_text[] =
	"usage: segmerge [-bhnsV] [-e big|little] [-f CODE] [-k KEYS] [-m MANIFEST] [-o FILE]\n"
	"                [-t segy|su|sgk] [-z[LEVEL]] [--agent CMD] [--from FMT] [--kept DIR]\n"
	"                [--no-progress] [--reduce tree|star] [--remote CMD] [--ssh CMD]\n"
	"                [--state DIR] [--streams N] [INPUT ...]\n"
	"Concatenates the inputs (standard input when none) into one stream,\n"
	"converting it on the way; merges sorted inputs, stacks partial results,\n"
	"or reassembles the pieces of a segsplit manifest.\n"
	"      --agent=CMD      pieces on hosts: taskrun's agent command there\n"
	"  -b, --progress       report progress on standard error (a bar on a terminal,\n"
	"                       a line every 5 s into a file or pipe)\n"
	"  -e, --endian=ORDER   byte order of SEG-Y or SU output: big or little\n"
	"  -f, --format=CODE    SEG-Y sample format code or name (1 ibm, 5 ieee, ...)\n"
	"      --from=FMT       read the inputs as segy, su or sgk (default: detect)\n"
	"  -h, --help           print this help and exit\n"
	"      --kept=DIR       with --sum: the outputs taskrun --keep left on the hosts\n"
	"                       (state directory DIR), summed on their hosts first\n"
	"  -k, --key=KEYS       stable k-way merge of inputs sorted by KEYS (-key descending)\n"
	"  -m, --manifest=FILE  reassemble the pieces FILE lists, verified first (with\n"
	"                       --sum: sum them); pieces on hosts are read there\n"
	"  -n, --no-verify      with -m: skip the checksums (sizes and counts are still checked)\n"
	"      --no-progress    no progress report (default: one on a terminal)\n"
	"  -o, --output=FILE    write FILE atomically instead of standard output\n"
	"      --reduce=HOW     pieces on hosts, --sum: tree (default: hosts add their\n"
	"                       partial sums in pairs, reading one another's through\n"
	"                       --ssh; a star when they cannot) or star (each host's\n"
	"                       partial sum comes here)\n"
	"      --remote=CMD     pieces on hosts: the segmerge program there\n"
	"  -s, --sum            sum the inputs sample by sample (same traces, same geometry)\n"
	"      --ssh=CMD        pieces on hosts: the command that reaches a host\n"
	"      --streams=N      pieces on hosts, a merge that reads them all at once:\n"
	"                       at most N read from hosts at once (default 32); more\n"
	"                       pieces are brought here first, N at a time\n"
	"      --state=DIR      pieces on hosts: keep taskrun's state and the partial\n"
	"                       sums in DIR (default: a temporary, removed)\n"
	"  -t, --to=FMT         output format: segy, su or sgk (default: the input's)\n"
	"  -V, --version        print the version and exit\n"
	"  -z, --zstd[=LEVEL]   compress sgk output with zstd (level 1-19, default 3)\n"
	"Operands key=value are aliases for the long options (to=sgk).\n";

static const char shortopts[] = "be:f:hk:m:no:st:Vz::";

static const struct option longopts[] = {
	{"agent", required_argument, NULL, 3},
	{"progress", no_argument, NULL, 'b'},
	{"endian", required_argument, NULL, 'e'},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},
	{"kept", required_argument, NULL, 4},
	{"key", required_argument, NULL, 'k'},
	{"manifest", required_argument, NULL, 'm'},
	{"no-verify", no_argument, NULL, 'n'},
	{"no-progress", no_argument, NULL, 2},
	{"output", required_argument, NULL, 'o'},
	{"partial", required_argument, NULL, 7},
	{"pair", required_argument, NULL, 10},
	{"cat", required_argument, NULL, 11},
	{"bytes", required_argument, NULL, 12},
	{"xxh64", required_argument, NULL, 13},
	{"probe", no_argument, NULL, 14},
	{"clean", required_argument, NULL, 15},
	{"final", no_argument, NULL, 16},
	{"reduce", required_argument, NULL, 17},
	{"remote", required_argument, NULL, 5},
	{"ssh", required_argument, NULL, 6},
	{"state", required_argument, NULL, 8},
	{"streams", required_argument, NULL, 18},
	{"sum", no_argument, NULL, 's'},
	{"to", required_argument, NULL, 't'},
	{"version", no_argument, NULL, 'V'},
	{"zstd", optional_argument, NULL, 'z'},
	{NULL, 0, NULL, 0},
};

/* Bad option values and combinations: the message alone, status 2. */
static _Noreturn void usage_msg(const char *msg)
{
	sk_warnx("%s", msg);
	exit(2);
}

static void report_piece(void *ctx, const struct sk_error *err)
{
	(void)ctx;
	sk_report(err);
}

/* What the tree says while it goes on (psum_tree.h). */
static void warn_line(void *arg, const char *msg)
{
	(void)arg;
	sk_warnx("%s", msg);
}

/* The tree's steps on a host (psum_tree.h), as tasks of segmerge's taskrun
 * (--partial, --pair: lists on standard input) or through the launcher
 * (--cat, --clean). */
static int host_step(const char *partial, const char *pair, const char *cat, long long cat_bytes, const char *hash,
		     int probe, const char *clean, int final, const struct sk_merge_opts *o, int verify)
{
	const char *me = getenv("TASKRUN_HOST"), *base = getenv("TASKRUN_KEEP_DIR");
	struct sk_error err;
	int rc;

	if ((partial || pair) && (!me || !*me)) {
		sk_error_set(&err, SK_EARG, "--%s runs as a task of taskrun (TASKRUN_HOST is not set)",
			     partial ? "partial" : "pair");
		return sk_report(&err);
	}
	if (partial)
		rc = sk_ptree_partial(partial, me, base, o->from, verify, final, stdin, stdout, &err);
	else if (pair)
		rc = sk_ptree_pair(pair, me, base, stdin, stdout, &err);
	else if (cat)
		rc = sk_ptree_cat(cat, base, cat_bytes, hash, probe ? NULL : stdout, &err);
	else
		rc = sk_ptree_clean(clean, base, &err);
	return rc < 0 ? sk_report(&err) : 0;
}

static void progress(void *arg, int64_t done, int64_t total)
{
	sk_progress_update(arg, done, total);
}

int main(int argc, char **argv)
{
	struct sk_merge_opts o;
	struct sk_merge_result res;
	struct sk_manifest m;
	struct sk_error err;
	struct sk_fdlimit fd;
	const char *bad = NULL, *mpath = NULL, *keys = NULL, *kept = NULL, *partial = NULL, *pair = NULL;
	const char *cat = NULL, *hash = NULL, *clean = NULL;
	long long cat_bytes = -1;
	int probe = 0, final = 0;
	struct sk_ptree_opts ro = {NULL, NULL, "taskrun", "segmerge", NULL, 1, SK_FMT_AUTO, 0, warn_line, NULL};
	char self[PATH_MAX];
	char *stdin_only[] = {NULL};
	char **inputs, **plan = NULL, *order = NULL;
	struct sk_mhosts *mh = NULL;
	struct sk_ofile *spool = NULL;
	char **spooled = NULL;
	long streams = 32;
	size_t n;
	struct sk_progress pg;
	int c, status = 0, verify = 1, sum = 0, show = SK_PROGRESS_AUTO;

	sk_init(argv[0]);
	sk_merge_opts_init(&o);
	sk_manifest_init(&m);
	if (sk_par_keyvals(argc, argv, longopts, &bad) < 0) {
		sk_par_keyval_fail(bad, longopts);
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *name = NULL;
		switch (c) {
		case 'b': show = SK_PROGRESS_ON; break;
		case 2: show = SK_PROGRESS_OFF; break;
		case 'e': name = "endian"; break;
		case 'f': name = "format"; break;
		case 't': name = "to"; break;
		case 'z': name = "zstd"; break;
		case 'F':
			if (sk_format_parse(optarg, &o.from, &err) < 0)
				usage_msg(err.msg);
			break;
		case 3: ro.agent = optarg; break;
		case 4: kept = optarg; break;
		case 5: ro.segmerge = optarg; break;
		case 6: ro.ssh = optarg; break;
		case 7: partial = optarg; break;
		case 8: ro.state = optarg; break;
		case 10: pair = optarg; break;
		case 11: cat = optarg; break;
		case 12: cat_bytes = strtoll(optarg, NULL, 10); break;
		case 13: hash = optarg; break;
		case 14: probe = 1; break;
		case 15: clean = optarg; break;
		case 16: final = 1; break;
		case 17:
			if (strcmp(optarg, "star") == 0)
				ro.star = 1;
			else if (strcmp(optarg, "tree") == 0)
				ro.star = 0;
			else
				usage_msg("--reduce: expected tree or star");
			break;
		case 18: {
			char *end;
			streams = strtol(optarg, &end, 10);
			if (end == optarg || *end || streams < 1 || streams > 100000)
				usage_msg("--streams: expected a count from 1 to 100000");
			break;
		}
		case 'h': fputs(usage_text, stdout); return sk_flush_stdout();
		case 'k': keys = optarg; break;
		case 'm': mpath = optarg; break;
		case 'n': verify = 0; break;
		case 'o': o.out = optarg; break;
		case 's': sum = 1; break;
		case 'V': puts("segmerge " SK_VERSION); return sk_flush_stdout();
		default: sk_par_fail(argv, shortopts, longopts);
		}
		if (name && sk_wopts_set(&o.wopts, name, optarg, &err) < 0)
			usage_msg(err.msg);
	}
	if (keys && sum)
		sk_par_usage_fail("--key and --sum exclude each other");
	ro.verify = verify;
	ro.from = o.from;
	if (partial || pair || cat || clean)
		return host_step(partial, pair, cat, cat_bytes, hash, probe, clean, final, &o, verify);
	if (mpath && optind < argc)
		sk_par_usage_fail("-m takes no INPUT operands");
	if (kept && (!sum || mpath || optind < argc))
		sk_par_usage_fail("%s", !sum ? "--kept needs --sum" : "--kept takes no -m or INPUT operands");
	if (!verify && !mpath && !kept)
		sk_par_usage_fail("--no-verify needs -m");
	ro.taskrun = sk_subproc_sibling("taskrun", self, sizeof self);
	if (sum && (kept || mpath))
		return sk_ptree_sum_pieces(&ro, kept, mpath, &o, &err) < 0 ? sk_report(&err) : 0;
	if (keys) {
		o.mode = SK_MERGE_KEY;
		if (sk_keyset_parse(keys, 0, &o.keys, &err) < 0)
			usage_msg(err.msg);
	}
	if (sum)
		o.mode = SK_MERGE_SUM;
	if (mpath) {
		size_t bad_pieces;
		/* A manifest that does not parse is damaged data, not a usage error. */
		if (sk_manifest_read(mpath, &m, &err) < 0)
			return sk_report(&err), 1;
		if (sk_manifest_remote(&m) > 0) {
			/* Pieces on hosts: each streamed from a host that holds
			 * it (checked there) into the merge as planned. */
			struct sk_mhosts_opts mo = {ro.ssh, ro.segmerge, verify, warn_line, NULL};
			if (sk_manifest_remote(&m) < m.npieces) {
				sk_warnx("%s: %zu of %zu pieces are on hosts and the others here: -m takes pieces all on "
					 "hosts or all here", mpath, sk_manifest_remote(&m), m.npieces);
				sk_manifest_release(&m);
				return 1;
			}
			if (sk_mhosts_new(&m, &mo, &mh, &err) < 0 || sk_merge_plan(&m, &o, &plan, &n, &order, &err) < 0) {
				status = sk_report(&err);
				goto done;
			}
			if (o.mode != SK_MERGE_CONCAT && n == m.npieces && n > (size_t)streams) {
				/* Read all at once, more than --streams: here
				 * first, --streams at a time. */
				const char *tmp = getenv("TMPDIR");
				if (!(spool = calloc(n, sizeof *spool)) || !(spooled = calloc(n, sizeof *spooled))) {
					sk_error_set(&err, SK_ENOMEM, "out of memory");
					status = sk_report(&err);
					goto done;
				}
				if (sk_mhosts_spool(mh, (size_t)streams, tmp && *tmp ? tmp : "/tmp", spool, &err) < 0) {
					status = sk_report(&err);
					goto done;
				}
				for (size_t i = 0; i < n; i++)
					spooled[i] = spool[i].tmp;
				inputs = spooled;
				goto merge;
			}
			o.src = sk_mhosts_src(mh);
			inputs = (char **)(uintptr_t)sk_mhosts_names(mh);
			goto merge;
		}
		if ((bad_pieces = sk_merge_check(&m, verify, report_piece, NULL)) > 0) {
			sk_warnx("%s: %zu problem%s in a set of %zu pieces: nothing written", mpath, bad_pieces,
				 bad_pieces > 1 ? "s" : "", m.npieces);
			sk_manifest_release(&m);
			return 1;
		}
		if (sk_merge_plan(&m, &o, &plan, &n, &order, &err) < 0) {
			status = sk_report(&err) ? 1 : 0;
			goto done;
		}
		inputs = plan;
	} else {
		n = (size_t)(argc - optind);
		inputs = n ? argv + optind : stdin_only;
		n = n ? n : 1;
	}
merge:
	if (o.mode != SK_MERGE_CONCAT) {
		/* A piece read from a host holds two pipes (its bytes, what
		 * the launcher says). */
		if (sk_fdlimit_ensure(o.src ? 2 * n : n, "inputs", &fd, &err) < 0) {
			status = sk_report(&err);
			goto done;
		}
		if (fd.new_soft > fd.old_soft)
			sk_warnx("raised the open-file limit from %lu to %lu for %zu inputs", fd.old_soft,
				 fd.new_soft, n);
	}
	sk_progress_init(&pg, show, "traces");
	/* Unasked, on a terminal: only for work longer than a second. */
	sk_progress_lazy(&pg, show, 1.0);
	if (pg.on) {
		o.progress = progress;
		o.progress_arg = &pg;
	}
	if (sk_merge_run((const char *const *)inputs, n, &o, &res, &err) < 0) {
		sk_progress_clear(&pg);
		status = sk_report(&err);
	} else {
		sk_progress_finish(&pg);
	}
done:
	for (size_t i = 0; spool && i < n; i++)
		sk_ofile_abort(&spool[i]);
	free(spool);
	free(spooled);
	sk_merge_plan_free(plan, plan ? n : 0, order);
	sk_mhosts_free(mh);
	sk_manifest_release(&m);
	return status;
}
