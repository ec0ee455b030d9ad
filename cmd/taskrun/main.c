/* taskrun: fault-tolerant fan-out of command lines over hosts.  This file
 * parses options and builds the task list; sched.c runs it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "columns.h"
#include "compat.h"
#include "cpus.h"
#include "diag.h"
#include "group.h"
#include "hostfile.h"
#include "input.h"
#include "job.h"
#include "par.h"
#include "piece.h"
#include "report.h"
#include "sched.h"
#include "slurm.h"
#include "state.h"
#include "tmpl.h"
#include "version.h"

enum { O_AGENT = 256, O_BACKOFF, O_CLUSTER, O_DRYRUN, O_FRESH, O_HALT, O_JOBLOG, O_KEEP, O_LEASE, O_LINEBUF, O_LOCWAIT, O_APART, O_WHERE, O_INMAN,
       O_NOPROGRESS, O_NOSPEC, O_PROGRESS, O_SLURM, O_SPEC, O_SSH, O_STDIN, O_STDOUT, O_TAG, O_LINK, O_TRIM, O_MAXCHARS, O_XARGS, O_MAX };

static const struct option longopts[] = {
	{"arg-file", required_argument, NULL, 'a'},
	{"agent", required_argument, NULL, O_AGENT},
	{"apart", required_argument, NULL, O_APART},
	{"backoff", required_argument, NULL, O_BACKOFF},
	{"cluster", required_argument, NULL, O_CLUSTER},
	{"colsep", required_argument, NULL, 'C'},
	{"delimiter", required_argument, NULL, 'd'},
	{"dry-run", no_argument, NULL, O_DRYRUN},
	{"eof", required_argument, NULL, 'E'},
	{"fresh", no_argument, NULL, O_FRESH},
	{"halt", required_argument, NULL, O_HALT},
	{"help", no_argument, NULL, 'h'},
	{"hosts", required_argument, NULL, 'H'},
	{"input-manifest", required_argument, NULL, O_INMAN},
	{"job", required_argument, NULL, 'J'},
	{"joblog", required_argument, NULL, O_JOBLOG},
	{"jobs", required_argument, NULL, 'j'},
	{"keep", required_argument, NULL, O_KEEP},
	{"keep-order", no_argument, NULL, 'k'},
	{"lease", required_argument, NULL, O_LEASE},
	{"line-buffer", no_argument, NULL, O_LINEBUF},
	{"link", no_argument, NULL, O_LINK},
	{"locality-wait", required_argument, NULL, O_LOCWAIT},
	{"max-args", required_argument, NULL, 'n'},
	{"max-chars", required_argument, NULL, O_MAXCHARS},
	{"max-replace-args", required_argument, NULL, 'N'},
	{"no-progress", no_argument, NULL, O_NOPROGRESS},
	{"no-speculate", no_argument, NULL, O_NOSPEC},
	{"null", no_argument, NULL, '0'},
	{"progress", no_argument, NULL, O_PROGRESS},
	{"retries", required_argument, NULL, 'r'},
	{"slurm", no_argument, NULL, O_SLURM},
	{"speculate", no_argument, NULL, O_SPEC},
	{"ssh", required_argument, NULL, O_SSH},
	{"sshlogin", required_argument, NULL, 'S'},
	{"sshloginfile", required_argument, NULL, 'H'},
	{"state", required_argument, NULL, 's'},
	{"stdin", required_argument, NULL, O_STDIN},
	{"stdout", required_argument, NULL, O_STDOUT},
	{"tag", no_argument, NULL, O_TAG},
	{"timeout", required_argument, NULL, 't'},
	{"trim", required_argument, NULL, O_TRIM},
	{"version", no_argument, NULL, 'V'},
	{"where", required_argument, NULL, O_WHERE},
	{"xapply", no_argument, NULL, O_LINK},
	{"xargs", no_argument, NULL, O_XARGS},
	{NULL, 0, NULL, 0}};

static const char usage_text[] =
	"usage: taskrun [-0bhkmVX] [-a file] [-C regex] [-d delim] [-E eof]\n"
	"               [-H hostfile] [-I replace] [-J jobfile] [-j slots]\n"
	"               [-N args] [-n args] [-r retries] [-S hosts] [-s dir]\n"
	"               [-t duration] [--agent command] [--apart template]\n"
	"               [--backoff duration] [--cluster n|auto] [--dry-run]\n"
	"               [--fresh] [--halt when] [--input-manifest file]\n"
	"               [--joblog file] [--keep template] [--lease duration]\n"
	"               [--line-buffer] [--link] [--locality-wait duration]\n"
	"               [--max-chars n] [--[no-]progress] [--slurm]\n"
	"               [--[no-]speculate] [--ssh command] [--stdin template]\n"
	"               [--stdout template] [--tag] [--trim n|l|r|lr]\n"
	"               [--where template] [--xargs]\n"
	"               [key=value ...] [command [arg ...] [::: arg ... | :::: file ...] ...]\n"
	"       taskrun status dir\n"
	"       taskrun kept dir\n"
	"       taskrun report [--html] dir\n"
	"       taskrun agent\n";

static const char help_text[] =
	"\n"
	"Runs command lines (one per line on stdin or in -a file, or a command\n"
	"template applied to arguments) on local slots or on hosts over ssh.\n"
	"\n"
	"  -a, --arg-file=FILE    read command lines (or arguments) from FILE\n"
	"      --agent=COMMAND    remote agent command (default: taskrun agent)\n"
	"      --apart=TEMPLATE   tasks with equal values run on different hosts\n"
	"      --backoff=DUR      first quarantine of a failing host (default 5s)\n"
	"  -0, --null             input records end with a NUL byte (-d '\\0')\n"
	"      --cluster=N|auto   send up to N tasks to a slot as one request\n"
	"  -C, --colsep=REGEX     split each argument into columns {1} {2} ... at\n"
	"                         the matches of a Perl regular expression\n"
	"  -d, --delimiter=DELIM  input records end with DELIM, not a newline\n"
	"                         (\\t \\n \\r \\NNN read as in GNU parallel)\n"
	"      --dry-run          print the command lines, run nothing\n"
	"  -E, --eof=STR          a record STR ends its input\n"
	"      --fresh            start over when the task list changed\n"
	"      --halt=WHEN        now|soon,fail=N|success=N|done=N (N or N%): stop\n"
	"                         early\n"
	"  -H, --hosts=FILE       hosts, [N/]host per line, ':' for local\n"
	"                         (also --sshloginfile)\n"
	"  -h, --help             print this help and exit\n"
	"  -I REPLACE             REPLACE is the placeholder of the arguments, not\n"
	"                         {} ({} {N} {-N} are then text)\n"
	"      --input-manifest=FILE  one task per piece of a distributed manifest\n"
	"                         (segsplit --hosts): {} is the piece on the host\n"
	"                         that runs it, streamed from a holder when needed\n"
	"  -J, --job=FILE         YAML job file: tasks, hosts and options\n"
	"      --joblog=FILE      GNU parallel's job log of the finished tasks\n"
	"  -j, --jobs=N           local slots without hosts: N, N% or +N/-N of\n"
	"                         the CPUs, 0 one per task (default: CPUs)\n"
	"      --keep=TEMPLATE    each task's standard output kept in this file on\n"
	"                         the host that ran it\n"
	"  -k, --keep-order       output in task order\n"
	"      --lease=DUR        heartbeat lease of agents (default 30s)\n"
	"      --line-buffer      output line by line as it comes\n"
	"      --link             link the input sources (the shorter ones wrap)\n"
	"                         instead of taking every combination (also\n"
	"                         --xapply)\n"
	"      --locality-wait=DUR  how long a task waits for a --where host\n"
	"                         (default 3s)\n"
	"  -m                     as many arguments per task as fit --max-chars,\n"
	"                         spread over the slots at the end\n"
	"      --max-chars=N      with -N -n -X -m --xargs: a task's command line\n"
	"                         is shorter than N, counted as GNU parallel does\n"
	"                         (its -s; default 64035)\n"
	"  -N, --max-replace-args=N  N arguments per task, {1} ... {N}, each word\n"
	"                         with {} once per argument (0: none)\n"
	"  -n, --max-args=N       at most N arguments per task, {} all of them\n"
	;

/* Split in two: ISO C's longest string literal is 4095 bytes. */
static const char help_text2[] =
	"      --no-progress      no progress line\n"
	"      --no-speculate     never duplicate stragglers\n"
	"  -b, --progress         progress line on stderr (default on a terminal)\n"
	"  -r, --retries=N        runs of a failing task in all (default 4; 0: no\n"
	"                         limit)\n"
	"  -S, --sshlogin=HOSTS   hosts, [N/]host separated by commas\n"
	"      --slurm            the nodes of the Slurm allocation, one agent\n"
	"                         per node started with srun\n"
	"      --speculate        duplicate stragglers at the end (default)\n"
	"      --ssh=COMMAND      command that reaches a host (default: ssh with\n"
	"                         BatchMode, ConnectTimeout, ServerAliveInterval)\n"
	"  -s, --state=DIR        state directory: journal, logs, resume\n"
	"      --stdin=TEMPLATE   file streamed to each task's standard input\n"
	"      --stdout=TEMPLATE  file receiving each task's standard output\n"
	"      --tag              each output line starts with the task's arguments\n"
	"  -t, --timeout=DUR      time limit of one attempt\n"
	"      --trim=n|l|r|lr    trim white space of each argument: none, left,\n"
	"                         right or both (default: both with --colsep)\n"
	"  -V, --version          print the version and exit\n"
	"      --where=TEMPLATE   hosts (comma-separated) that hold the task's data:\n"
	"                         it runs there when one has a free slot\n"
	"  -X                     as -m, each word with {} once per argument\n"
	"      --xargs            as many arguments per task as fit --max-chars\n"
	"\n"
	"Placeholders: {} {.} {/} {//} {/.}, {N} {N.} {N/} {N//} {N/.} for the\n"
	"N-th input source ({-N} ... the N-th from the last), {#} the task\n"
	"number, {%} the slot; substituted arguments are shell-quoted.\n"
	"key=value operands are aliases of the long options.\n";

#define DEFAULT_SSH "ssh -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=10 -o ServerAliveCountMax=3"

#define TR_ARGFILES 32   /* -a files (GNU parallel's input sources) */

struct opts {
	const char *argfiles[TR_ARGFILES];  /* -a, each given */
	int nargfiles;
	const char *jobfile, *hostfile, *state, *in_tmpl, *out_tmpl, *keep_tmpl;
	const char *where_tmpl, *apart_tmpl, *manifest;
	const char *ssh, *agent, *joblog, *colsep, *eof, *rpl;
	char *delim;           /* -d, -0 (malloc'd) */
	size_t delimlen;
	char *sshlogin;        /* -S hosts, one per line (malloc'd) */
	long jobs, retries, cluster, maxn, maxN, max_chars;
	double timeout, lease, backoff, locwait;
	int fresh, progress, speculate, keep, tag, linebuf, dryrun, jobs_all, slurm, link, trim;
	int m, X, xargs;       /* -m, -X, --xargs */
	struct tr_halt halt;
	char set[O_MAX];
};

/* The CPUs this process may use (its affinity mask, its cgroup's quota),
 * not the machine's. */
static long cpu_count(void)
{
	return sk_cpus_usable();
}

/* Adds -S's comma-separated hosts to o->sshlogin, one per line. */
static int add_sshlogin(struct opts *o, const char *arg, struct sk_error *err)
{
	const size_t had = o->sshlogin ? strlen(o->sshlogin) : 0, n = strlen(arg);
	char *s = realloc(o->sshlogin, had + n + 2);

	if (!s)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	o->sshlogin = s;
	memcpy(s + had, arg, n);
	s[had + n] = '\n';
	s[had + n + 1] = '\0';
	for (char *p = s + had; *p; p++)
		if (*p == ',')
			*p = '\n';
	return 0;
}

static _Noreturn void usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (!status) {
		fputs(help_text, stdout);
		fputs(help_text2, stdout);
		status = sk_flush_stdout();
	}
	exit(status);
}

static int set_opt(struct opts *o, int c, const char *arg, struct sk_error *err)
{
	int rc = 0;

	switch (c) {
	case 'a':
		if (o->nargfiles == TR_ARGFILES)
			return sk_error_set(err, SK_EARG, "-a given more than %d times", TR_ARGFILES);
		o->argfiles[o->nargfiles++] = arg;
		break;
	case O_AGENT: o->agent = arg; break;
	case O_APART: o->apart_tmpl = arg; break;
	case O_WHERE: o->where_tmpl = arg; break;
	case O_INMAN: o->manifest = arg; break;
	case O_LOCWAIT: rc = sk_par_duration("locality wait", arg, &o->locwait, err); break;
	case O_CLUSTER:
		if (strcmp(arg, "auto") == 0)
			o->cluster = TR_CLUSTER_AUTO;
		else if (sk_par_long("cluster size", arg, 1, TR_CLUSTER_MAX, &o->cluster, err) != 0)
			rc = sk_error_set(err, SK_EARG,
					  "invalid cluster size '%s' (expected auto or an integer in 1..%d)", arg,
					  TR_CLUSTER_MAX);
		break;
	case O_BACKOFF: rc = sk_par_duration("backoff", arg, &o->backoff, err); break;
	case 'C': o->colsep = arg; break;
	case '0':
	case 'd': {
		char *d = NULL;
		size_t n = 1;
		if (c == '0' && !(d = calloc(1, 1)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		if (c == 'd' && (rc = tr_compat_delim(arg, &d, &n, err)) != 0)
			return rc;
		free(o->delim);
		o->delim = d;
		o->delimlen = n;
		break;
	}
	case 'E': o->eof = arg; break;
	case 'm': o->m = 1; break;
	case 'X': o->X = 1; break;
	case O_XARGS: o->xargs = 1; break;
	case 'N': rc = sk_par_long("argument count", arg, 0, 100000000, &o->maxN, err); break;
	case 'n': rc = sk_par_long("argument count", arg, 0, 100000000, &o->maxn, err); break;
	case O_MAXCHARS:
		rc = sk_par_long("line length", arg, 1, TR_GROUP_MAX_CHARS_LIMIT, &o->max_chars, err);
		break;
	case 'I':
		if (!*arg)
			return sk_error_set(err, SK_EARG, "invalid replacement string '' (-I needs one)");
		o->rpl = arg;
		break;
	case O_DRYRUN: o->dryrun = 1; break;
	case O_FRESH: o->fresh = 1; break;
	case O_HALT: rc = tr_compat_halt(arg, &o->halt, err); break;
	case O_JOBLOG: o->joblog = arg; break;
	case O_KEEP: o->keep_tmpl = arg; break;
	case 'k': o->keep = 1; break;
	case O_LINEBUF: o->linebuf = 1; break;
	case O_LINK: o->link = 1; break;
	case O_TRIM: rc = tr_trim_parse(arg, &o->trim, err); break;
	case 'S': rc = add_sshlogin(o, arg, err); break;
	case O_TAG: o->tag = 1; break;
	case 'H': o->hostfile = arg; break;
	case 'J': o->jobfile = arg; break;
	case 'j': rc = tr_compat_jobs(arg, cpu_count(), &o->jobs, &o->jobs_all, err); break;
	case O_LEASE:
		rc = sk_par_duration("lease", arg, &o->lease, err);
		if (!rc && o->lease < 0.5)
			rc = sk_error_set(err, SK_EARG, "invalid lease '%s' (at least 0.5s)", arg);
		break;
	case O_NOPROGRESS: o->progress = 0; break;
	case O_NOSPEC: o->speculate = 0; break;
	case O_PROGRESS: o->progress = 1; break;
	case 'r': rc = sk_par_long("retry count", arg, 0, 1000000, &o->retries, err); break;
	case O_SLURM: o->slurm = 1; break;
	case O_SPEC: o->speculate = 1; break;
	case O_SSH: o->ssh = arg; break;
	case 's': o->state = arg; break;
	case O_STDIN: o->in_tmpl = arg; break;
	case O_STDOUT: o->out_tmpl = arg; break;
	case 't': rc = sk_par_duration("timeout", arg, &o->timeout, err); break;
	default: return SK_EARG;
	}
	if (!rc && c >= 0 && c < O_MAX)
		o->set[c] = 1;
	return rc;
}

/* Options from the job file, unless the command line set them. */
static int job_opts(struct opts *o, const struct tr_job *job, struct sk_error *err)
{
	for (int i = 0; i < job->nopt; i++) {
		const struct option *lo;
		const char *k = job->optk[i], *v = job->optv[i];
		int no = strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "off") == 0;
		int rc;
		for (lo = longopts; lo->name && strcmp(lo->name, k) != 0; lo++)
			;
		if (!lo->name || lo->val == 'h' || lo->val == 'V' || lo->val == 'J')
			return sk_error_at(err, sk_error_set(err, SK_EUSAGE, "unknown option '%s'", k), o->jobfile);
		if (lo->has_arg == no_argument) {
			char name[64];
			if (!no && strcmp(v, "true") != 0 && strcmp(v, "yes") != 0 && strcmp(v, "on") != 0)
				return sk_error_at(err, sk_error_set(err, SK_EUSAGE, "option '%s' expects true or false", k),
						   o->jobfile);
			if (no) {
				snprintf(name, sizeof name, "no-%s", k);
				for (lo = longopts; lo->name && strcmp(lo->name, name) != 0; lo++)
					;
				if (!lo->name)
					continue;
			}
		}
		if (o->set[lo->val] || (lo->val == O_NOSPEC && o->set[O_SPEC]) ||
		    (lo->val == O_SPEC && o->set[O_NOSPEC]) ||
		    (lo->val == O_NOPROGRESS && o->set[O_PROGRESS]) ||
		    (lo->val == O_PROGRESS && o->set[O_NOPROGRESS]))
			continue;
		if ((rc = set_opt(o, lo->val, v, err)) != 0) {
			/* A bad value in the job file is a usage error there. */
			if (rc == SK_EARG)
				rc = err->code = SK_EUSAGE;
			return sk_error_at(err, rc, o->jobfile);
		}
	}
	return 0;
}

/*
 * Whether operand a is a key=value alias: returns the key length when a is
 * "key=value" with a lower-case key, and sets *known when the key names a
 * long option that takes a value.  An unknown key counts only when the
 * operand has no blank, so that a command such as 'i=0; while ...' or a
 * shell assignment followed by a command is not mistaken for one (start
 * the command with -- to be sure).
 */
static size_t keyval_len(const char *a, int *known)
{
	const char *eq = strchr(a, '=');
	const size_t k = strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789-_");

	*known = 0;
	if (!eq || k == 0 || a + k != eq || a[0] < 'a' || a[0] > 'z')
		return 0;
	for (const struct option *lo = longopts; lo->name; lo++)
		if (lo->has_arg != no_argument && strlen(lo->name) == k && strncmp(lo->name, a, k) == 0)
			*known = 1;
	if (!*known && strpbrk(a, " \t\n"))
		return 0;
	return k;
}

/* The slots that -X and -m spread the last arguments over, known before
 * the run as GNU parallel knows its jobs: -j without hosts; with hosts
 * (-H, -S, --slurm, a job file's), the sum of their N/, a host without one
 * counted as this machine's CPUs (its agent says its own only when it
 * starts).  A host file that cannot be read counts as no hosts here: the
 * run says why. */
static long spread_slots(const struct opts *o, const char *hosts_text)
{
	struct tr_hostent *h = NULL;
	struct sk_error err;
	long sum = 0;
	int n = 0, rc;

	if (o->slurm)
		rc = tr_slurm_hosts(getenv("SLURM_JOB_NODELIST"), getenv("SLURM_JOB_CPUS_PER_NODE"), 0, &h, &n, &err);
	else if (o->hostfile)
		rc = tr_hostfile_load(o->hostfile, &h, &n, &err);
	else if (hosts_text)
		rc = tr_hostfile_parse("hosts", hosts_text, &h, &n, &err);
	else
		return o->jobs_all ? 1000 : o->jobs;
	for (int i = 0; !rc && i < n; i++)
		sum += h[i].slots > 0 ? h[i].slots : cpu_count();
	if (!rc)
		tr_hostfile_free(h, n);
	return sum > 0 ? sum : o->jobs;
}

/* An unknown option that is GNU parallel's for what taskrun does under
 * another name: that name, as a usage error; else nothing (sk_par_fail
 * says the rest).  ind and opt as getopt_long left them. */
static void parallel_hint(char *const *argv, int ind, int opt)
{
	const char *a = ind > 0 ? argv[ind - 1] : "", *hint;
	char name[64];

	if (a[0] == '-' && a[1] == '-')
		snprintf(name, sizeof name, "%.*s", (int)strcspn(a, "="), a);
	else
		snprintf(name, sizeof name, "-%c", opt > 32 && opt < 127 ? opt : '?');
	if ((hint = tr_compat_hint(name)))
		sk_die(2, "unknown option '%s' (%s); try --help", name, hint);
}

/* --dry-run: the command lines on stdout.  {%} as GNU parallel's dry run
 * prints it: it runs each task as `true`, which ends about when the next
 * one starts, so with more than one slot the job slots are 1 and 2 in turn
 * (a task's slot is free again once the task after it has one), else 1.
 * parallel's own numbers depend on that timing (1 1 2 1 2 ... is as
 * common); the real slots depend on when the real tasks end. */
static int dry_run(const struct tr_tasklist *tl, int several)
{
	for (long i = 0; i < tl->n; i++) {
		char *cmd = tr_tmpl_slot(tl->t[i].cmd, several ? (int)(i % 2) + 1 : 1);
		/* A piece's {} as on its first copy's host. */
		char *shown = cmd ? tr_piece_show(cmd, tl->t[i].input, NULL) : NULL;
		if (!shown)
			sk_die(1, "out of memory");
		/* --tag: the arguments and a tab first, as GNU parallel. */
		if (tl->t[i].tag)
			printf("%s\t", tl->t[i].tag);
		puts(shown);
		free(shown);
		free(cmd);
	}
	return 0;
}

static int run(int argc, char **argv, int *stopsig)
{
	struct opts o;
	struct sk_error err;
	struct tr_job job;
	struct tr_tasklist tl = {0};
	struct tr_sched_opts so;
	struct tr_input in;
	char self[PATH_MAX];
	char **ssh = NULL, **agent = NULL, **srun = NULL, **srun_agent = NULL;
	struct tr_colsep *colsep = NULL;
	struct tr_group grp;
	int c, nkv = 0, rc, status = 0;
	struct tr_sched_result res = {0, 0, 0, 0, 0, -1, 0, 0, ""};
	const char *bad = NULL;
	int have_job = 0, known;
	ssize_t sl;

	memset(&o, 0, sizeof o);
	memset(&job, 0, sizeof job);
	o.jobs = cpu_count();
	o.retries = 4;
	o.cluster = 1;
	o.lease = 30;
	o.backoff = 5;
	o.locwait = 3;
	o.speculate = 1;
	o.progress = -1;
	o.ssh = DEFAULT_SSH;
	o.agent = "taskrun agent";

	while ((c = getopt_long(argc, argv, "+0a:bC:d:E:H:hI:J:j:kmN:n:r:S:s:t:VX", longopts, NULL)) != -1) {
		if (c == 'h')
			usage(0);
		if (c == 'V') {
			printf("taskrun %s\n", SK_VERSION);
			return 0;
		}
		if (c == '?')
			parallel_hint(argv, optind, optopt);
		if (c == '?' || c == ':')
			sk_par_fail(argv, "+0a:bC:d:E:H:hI:J:j:kmN:n:r:S:s:t:VX", longopts);
		if (c == 'b')
			c = O_PROGRESS;   /* -b/--progress, as in every command */
		if (set_opt(&o, c, optarg, &err) != 0) {
			free(o.sshlogin);
			free(o.delim);
			return sk_report(&err);
		}
	}
	/* Leading key=value operands are the long options' aliases (see
	 * keyval_len); the command starts at the first operand that is not
	 * one. */
	while (optind + nkv < argc && keyval_len(argv[optind + nkv], &known) > 0) {
		if (!known) {
			sk_par_keyval_fail(argv[optind + nkv], longopts);
		}
		nkv++;
	}
	if (nkv > 0) {
		/* The "--key=value" strings sk_par_keyvals makes live as long
		 * as the program (option values point into them): held here. */
		static char **kv;
		kv = calloc((size_t)nkv + 2, sizeof *kv);
		if (!kv)
			sk_die(1, "out of memory");
		kv[0] = argv[0];
		memcpy(kv + 1, argv + optind, (size_t)nkv * sizeof *kv);
		if (sk_par_keyvals(nkv + 1, kv, longopts, &bad) != 0) {
			sk_par_keyval_fail(bad, longopts);
		}
		for (int i = 1; i <= nkv; i++) {
			const char *eq = strchr(kv[i], '=');
			const struct option *lo;
			if (strncmp(kv[i], "--", 2) != 0) {
				nkv = i - 1;   /* an existing file: the command starts */
				break;
			}
			for (lo = longopts; lo->name; lo++)
				if (strlen(lo->name) == (size_t)(eq - kv[i] - 2) &&
				    strncmp(lo->name, kv[i] + 2, (size_t)(eq - kv[i] - 2)) == 0)
					break;
			if (lo->name && set_opt(&o, lo->val, eq + 1, &err) != 0)
				return sk_report(&err);
		}
		optind += nkv;
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;

	if (o.jobfile) {
		if ((rc = tr_job_load(o.jobfile, &job, &err)) != 0)
			return sk_report(&err);
		have_job = 1;
		if ((rc = job_opts(&o, &job, &err)) != 0) {
			tr_job_release(&job);
			return sk_report(&err);
		}
	}
	if (o.keep_tmpl && o.out_tmpl) {
		sk_par_usage_fail("--keep and --stdout both say where output goes: give one of them");
	}
	if (o.manifest && o.in_tmpl) {
		sk_par_usage_fail("--input-manifest and --stdin both give the tasks their input: give one of them");
	}
	if (o.manifest) {
		int sources = optind == argc;
		for (int i = optind; i < argc && !sources; i++)
			sources = strncmp(argv[i], ":::", 3) == 0 && strspn(argv[i], ":+") == strlen(argv[i]);
		if (sources)
			sk_par_usage_fail("--input-manifest gives one task per piece: give a command and no ::: or "
					  ":::: inputs");
	}
	if (o.hostfile && o.sshlogin) {
		sk_par_usage_fail("-S and -H both name hosts: give one of them");
	}
	if (o.hostfile && strcmp(o.hostfile, "-") == 0) {
		sk_par_usage_fail("-H: the host file must be a file (it is re-read)");
	}
	if (tr_tmpl_words(o.ssh, &ssh, &err) <= 0 || tr_tmpl_words(o.agent, &agent, &err) <= 0) {
		sk_warnx("%s", err.code ? err.msg : "empty --ssh or --agent command");
		status = 2;
		goto out;
	}
	if (o.slurm && (o.hostfile || o.sshlogin)) {
		sk_par_usage_fail("--slurm and -H or -S are exclusive (a host file may list the line 'slurm')");
	}
	if (o.slurm) {
		/* Said once, before anything starts. */
		struct tr_hostent *sh;
		int n;
		if (tr_slurm_hosts(getenv("SLURM_JOB_NODELIST"), getenv("SLURM_JOB_CPUS_PER_NODE"), 0, &sh, &n,
				   &err) != 0) {
			sk_warnx("--slurm: %s", err.msg);
			status = 1;
			goto out;
		}
		tr_hostfile_free(sh, n);
	}
	memset(&in, 0, sizeof in);
	in.argfiles = o.argfiles;
	in.nargfiles = o.nargfiles;
	in.in_tmpl = o.in_tmpl;
	in.out_tmpl = o.out_tmpl;
	in.keep_tmpl = o.keep_tmpl;
	in.where_tmpl = o.where_tmpl;
	in.apart_tmpl = o.apart_tmpl;
	in.manifest = o.manifest;
	in.tag = o.tag;
	in.link = o.link;
	in.delim = o.delim;
	in.delimlen = o.delimlen;
	in.eof = o.eof;
	in.rpl = o.rpl;
	if (o.set['N'] || o.set['n'] || o.m || o.X || o.xargs) {
		/* GNU parallel's reading: -N wins over -n; -N makes each word
		 * with {} a context (as -X does) unless -m or --xargs is given. */
		grp.max_args = o.set['N'] ? o.maxN : o.set['n'] ? o.maxn : 0;
		grp.noarg = (o.set['N'] || o.set['n']) && grp.max_args == 0;
		grp.context = o.X || (o.set['N'] && !o.m && !o.xargs);
		grp.spread = o.X || o.m;
		grp.slots = spread_slots(&o, o.sshlogin ? o.sshlogin : have_job ? job.hosts : NULL);
		grp.max_chars = o.set[O_MAXCHARS] ? o.max_chars : TR_GROUP_MAX_CHARS;
		in.group = &grp;
	} else if (o.set[O_MAXCHARS]) {
		sk_par_usage_fail("--max-chars is for -N, -n, -X, -m and --xargs: give one of them");
	}
	/* --colsep trims both ends unless --trim says otherwise, as in GNU
	 * parallel. */
	in.trim = o.set[O_TRIM] ? o.trim : o.colsep ? TR_TRIM_BOTH : TR_TRIM_NONE;
	if (o.colsep && tr_colsep_new(o.colsep, &colsep, &err) != 0) {
		status = sk_report(&err);
		goto out;
	}
	in.colsep = colsep;
	if ((rc = tr_input_tasks(&in, have_job ? &job : NULL, argc - optind, argv + optind, &tl, &err)) != 0) {
		status = sk_report(&err);
		goto out;
	}
	sl = readlink("/proc/self/exe", self, sizeof self - 1);
	if (sl > 0)
		self[sl] = '\0';
	else
		snprintf(self, sizeof self, "%s", argv[0]);
	/* The nodes of an allocation usually share this file system, and the
	 * agent should be this very program: by default srun starts it by
	 * its absolute path; --agent says otherwise. */
	if (tr_tmpl_words(TR_SLURM_SRUN, &srun, &err) <= 0) {
		status = sk_report(&err);
		goto out;
	}
	if (o.set[O_AGENT]) {
		rc = tr_tmpl_words(o.agent, &srun_agent, &err) <= 0;
	} else {
		if ((srun_agent = calloc(3, sizeof *srun_agent))) {
			srun_agent[0] = strdup(self);
			srun_agent[1] = strdup("agent");
		}
		rc = !srun_agent || !srun_agent[0] || !srun_agent[1];
		if (rc)
			sk_error_set(&err, SK_ENOMEM, "out of memory");
	}
	if (rc) {
		status = sk_report(&err);
		goto out;
	}

	memset(&so, 0, sizeof so);
	so.hostfile = o.hostfile;
	so.hosts_text = o.slurm ? "slurm\n" : o.sshlogin ? o.sshlogin : have_job ? job.hosts : NULL;
	/* -j 0: as many slots as tasks, within reason. */
	so.jobs = o.jobs_all ? (int)(tl.n < 1 ? 1 : tl.n > 1000 ? 1000 : tl.n) : (int)o.jobs;
	so.ssh = ssh;
	so.agent = agent;
	so.srun = srun;
	so.srun_agent = srun_agent;
	so.self = self;
	so.retries = (int)o.retries;
	so.timeout = o.timeout;
	so.lease = o.lease;
	so.backoff = o.backoff;
	so.locwait = o.locwait;
	so.speculate = o.speculate;
	so.cluster = (int)o.cluster;
	so.state = o.state;
	so.fresh = o.fresh;
	so.progress = o.progress;
	so.keep = o.keep;
	so.tag = o.tag;
	so.linebuf = o.linebuf;
	so.joblog = o.joblog;
	so.manifest = o.manifest;
	so.halt = o.halt;
	if (o.dryrun) {
		status = dry_run(&tl, so.jobs > 1 || so.hostfile || so.hosts_text);
		goto out;
	}
	if (tl.n == 0 && !o.state) {
		status = 0;
		goto out;
	}
	rc = tr_sched_run(&so, &tl, &res, &err);
	if (rc)
		status = sk_report(&err);
	else if (res.halt_status >= 0)
		status = res.halt_status;
	else
		status = res.nfailed > 101 ? 101 : (int)res.nfailed;
	/* Every task succeeded but what they printed was lost (a full disk,
	 * a reader gone): not a success. */
	if (status == 0 && res.out_broken)
		status = 1;
	if (!rc && res.slurm_end) {
		/* The allocation ended under the run, which stopped cleanly
		 * (with Slurm's SIGTERM too, in a batch script): said once,
		 * with how to go on; 124 (timeout(1)'s) at its time limit. */
		sk_warnx("the Slurm allocation %s (%s): %ld of %ld tasks done%s",
			 res.slurm_end == 2 ? "reached its time limit" : "has ended", res.slurm_why, res.ndone,
			 res.ntasks, o.state ? "; run the same command in a new allocation to resume" : "");
		status = res.slurm_end == 2 ? 124 : 1;
	} else if (res.stopsig || (rc && res.ran)) {
		/* How far the run got, and how to go on. */
		sk_warnx("%s: %ld of %ld tasks done%s", res.stopsig ? "interrupted" : "stopped", res.ndone,
			 res.ntasks, o.state ? "; run the same command again to resume" : "");
		*stopsig = res.stopsig;
	}
out:
	tr_tmpl_words_free(ssh);
	tr_tmpl_words_free(agent);
	tr_tmpl_words_free(srun);
	tr_tmpl_words_free(srun_agent);
	tr_tasklist_release(&tl);
	tr_colsep_free(colsep);
	free(o.delim);
	free(o.sshlogin);
	if (have_job)
		tr_job_release(&job);
	return status;
}

static int report_cmd(int argc, char **argv)
{
	static const struct option ropts[] = {
		{"help", no_argument, NULL, 'h'}, {"html", no_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
	struct sk_error err;
	int c, html = 0, rc;

	while ((c = getopt_long(argc, argv, "+h", ropts, NULL)) != -1) {
		if (c == 'h')
			usage(0);
		if (c == 'm')
			html = 1;
		else
			sk_par_fail(argv, "+h", ropts);
	}
	if (optind != argc - 1)
		sk_par_usage_fail("report needs one state directory (taskrun report [--html] DIR)");
	rc = html ? tr_report_html(argv[optind], stdout, &err) : tr_report_text(argv[optind], stdout, &err);
	if (rc)
		return sk_report(&err);
	return 0;
}

int main(int argc, char **argv)
{
	struct sk_error err;
	int status, stopsig = 0;

	sk_init(argv[0]);
	if (argc > 1 && strcmp(argv[1], "agent") == 0) {
		if (argc == 3 && strcmp(argv[2], "--serve") == 0) {
			/* A piece's holder, for the agents that fetch from it
			 * (agent_serve.c). */
			status = tr_agent_serve(stdin, stdout, &err) ? sk_report(&err) : 0;
		} else if (argc > 2) {
			sk_par_usage_fail("agent takes no operands ('%s' given)", argv[2]);
		} else {
			status = tr_agent_run(0, 1, &err) ? sk_report(&err) : 0;
		}
	} else if (argc > 1 && strcmp(argv[1], "status") == 0) {
		if (argc == 3 && strcmp(argv[2], "--help") == 0)
			usage(0);
		if (argc != 3)
			sk_par_usage_fail("status needs one state directory (taskrun status DIR)");
		if (argv[2][0] == '-')
			sk_par_usage_fail("unknown option '%s' of status (taskrun status DIR)", argv[2]);
		status = tr_report_status(argv[2], stdout, &err) ? sk_report(&err) : 0;
	} else if (argc > 1 && strcmp(argv[1], "kept") == 0) {
		if (argc != 3 || argv[2][0] == '-')
			usage(argc == 3 && strcmp(argv[2], "--help") == 0 ? 0 : 2);
		status = tr_report_kept(argv[2], stdout, &err) ? sk_report(&err) : 0;
	} else if (argc > 1 && strcmp(argv[1], "report") == 0) {
		status = report_cmd(argc - 1, argv + 1);
	} else {
		status = run(argc, argv, &stopsig);
	}
	if (sk_flush_stdout())
		status = 1;
	if (stopsig) {
		/* Die of the signal, as a shell expects of an interrupted
		 * command (status 128+n), now that nothing is left behind. */
		signal(stopsig, SIG_DFL);
		raise(stopsig);
		status = 128 + stopsig;
	}
	return status;
}
