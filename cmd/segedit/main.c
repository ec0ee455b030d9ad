/* segedit: sets trace headers by expression or from a table, selects traces,
 * cuts a time window, scales samples (sushw, suchw, suwind in one pass). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "edit.h"
#include "expr.h"
#include "file.h"
#include "par.h"
#include "stream.h"
#include "version.h"

static const char usage_text[] =
	"usage: segedit [-hV] [-b KEYS] [-e big|little] [-f CODE] [-m error|keep|drop] [-o FILE]\n"
	"               [-s A] [-T FILE] [-t segy|su|sgk] [-W T0:T1] [-w EXPR] [-z[LEVEL]]\n"
	"               [--from FMT] ['KEY = EXPR' ...] [INPUT ...]\n"
	"Sets trace header keys by expression (left to right) or from a table, keeps\n"
	"the traces for which an expression holds, cuts a time window and scales the\n"
	"samples, in one pass over the inputs (standard input when none).\n"
	"  -b, --by=KEYS        the keys that pick a trace's row of --table\n"
	"  -e, --endian=ORDER   byte order of SEG-Y or SU output: big or little\n"
	"  -f, --format=CODE    SEG-Y sample format code or name (1 ibm, 5 ieee, ...)\n"
	"      --from=FMT       read the inputs as segy, su or sgk (default: detect)\n"
	"  -h, --help           print this help and exit\n"
	"  -m, --missing=WHAT   a trace without a table row: error (default), keep or drop\n"
	"  -o, --output=FILE    write FILE atomically instead of standard output\n"
	"  -s, --scale=A        multiply the samples by A\n"
	"  -T, --table=FILE     TSV whose header line names keys: each trace takes its row's values\n"
	"  -t, --to=FMT         output format: segy, su or sgk (default: the input's)\n"
	"  -V, --version        print the version and exit\n"
	"  -W, --time=T0:T1     keep the samples from T0 to T1 seconds (ns and delrt follow)\n"
	"  -w, --where=EXPR     keep only the traces for which EXPR is true\n"
	"  -z, --zstd[=LEVEL]   compress sgk output with zstd (level 1-19, default 3)\n"
	"Expressions: numbers, header keys (scaled) or @BYTE:TYPE, i (the trace index from 0),\n"
	"+ - * / % ( ) < <= > >= == != && || ! abs ceil floor max min round sqrt.\n"
	"Operands key=value are aliases for the long options (where=EXPR); other\n"
	"operands with '=' that name no file are assignments (offset=gx-sx).\n";

static const char shortopts[] = "b:e:f:hm:o:s:T:t:VW:w:z::";

static const struct option longopts[] = {
	{"by", required_argument, NULL, 'b'},
	{"endian", required_argument, NULL, 'e'},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},
	{"missing", required_argument, NULL, 'm'},
	{"output", required_argument, NULL, 'o'},
	{"scale", required_argument, NULL, 's'},
	{"table", required_argument, NULL, 'T'},
	{"time", required_argument, NULL, 'W'},
	{"to", required_argument, NULL, 't'},
	{"version", no_argument, NULL, 'V'},
	{"where", required_argument, NULL, 'w'},
	{"zstd", optional_argument, NULL, 'z'},
	{NULL, 0, NULL, 0},
};

static _Noreturn void usage_msg(const char *msg)
{
	sk_warnx("%s", msg);
	exit(2);
}

/* "name=..." whose name is no long option: an assignment ("offset=gx-sx",
 * or a misspelt key, which the expression parser names). */
static int is_key_assignment(const char *arg)
{
	const size_t n = strcspn(arg, "=");

	for (const struct option *o = longopts; o->name; o++)
		if (o->has_arg != no_argument && strlen(o->name) == n && strncmp(o->name, arg, n) == 0)
			return 0;
	return 1;
}

/* An operand holding '=' that names no file is an assignment. */
static int is_assignment(const char *arg)
{
	struct stat st;

	return strchr(arg, '=') && stat(arg, &st) != 0;
}

/* A syntax error: the message, then the text with a caret under the column. */
static _Noreturn void syntax_error(const char *what, const char *src, size_t col, const struct sk_error *err)
{
	size_t k;

	sk_warnx("%s%s", what, err->msg);
	fprintf(stderr, "  %s\n  ", src);
	for (k = 1; k < col && src[k - 1]; k++)
		fputc(src[k - 1] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
	exit(err->code == SK_EARG ? 2 : 1);
}

static void parse_time(const char *s, struct sk_edit_opts *o)
{
	char buf[128], *colon;
	struct sk_error err;
	static char msg[300];

	snprintf(msg, sizeof msg, "invalid --time '%s' (expected T0:T1 in seconds, T0 <= T1)", s);
	if (strlen(s) >= sizeof buf || !(colon = strchr(strcpy(buf, s), ':')))
		usage_msg(msg);
	*colon = '\0';
	if (sk_par_double("--time", buf, &o->t0, &err) < 0 || sk_par_double("--time", colon + 1, &o->t1, &err) < 0 ||
	    o->t0 > o->t1)
		usage_msg(msg);
	o->window = 1;
}

int main(int argc, char **argv)
{
	struct sk_edit_opts o;
	struct sk_edit_result res;
	struct sk_edit_table table;
	struct sk_edit_assign *assign;
	struct sk_expr *where = NULL;
	struct sk_error err;
	const char *bad = NULL, *by = NULL, *tpath = NULL, *wsrc = NULL, *missing = NULL;
	const char **inputs;
	static const char *stdin_only[] = {NULL};
	size_t nin = 0, nas = 0, col;
	int c, status = 0;

	sk_init(argv[0]);
	sk_edit_opts_init(&o);
	if (sk_par_keyvals_keep(argc, argv, longopts, is_key_assignment, &bad) < 0)
		sk_die(1, "out of memory");
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *name = NULL;
		switch (c) {
		case 'b': by = optarg; break;
		case 'e': name = "endian"; break;
		case 'f': name = "format"; break;
		case 't': name = "to"; break;
		case 'z': name = "zstd"; break;
		case 'F':
			if (sk_format_parse(optarg, &o.from, &err) < 0)
				usage_msg(err.msg);
			break;
		case 'h': fputs(usage_text, stdout); return sk_flush_stdout();
		case 'm': missing = optarg; break;
		case 'o': o.out = optarg; break;
		case 's':
			if (sk_par_double("--scale", optarg, &o.scale, &err) < 0)
				usage_msg(err.msg);
			o.scale_set = 1;
			break;
		case 'T': tpath = optarg; break;
		case 'V': puts("segedit " SK_VERSION); return sk_flush_stdout();
		case 'W': parse_time(optarg, &o); break;
		case 'w': wsrc = optarg; break;
		default: sk_par_fail(argv, shortopts, longopts);
		}
		if (name && sk_wopts_set(&o.wopts, name, optarg, &err) < 0)
			usage_msg(err.msg);
	}
	if (!tpath != !by)
		sk_par_usage_fail("%s", tpath ? "--table needs --by KEYS" : "--by needs --table FILE");
	if (missing) {
		if (!tpath)
			sk_par_usage_fail("--missing needs --table");
		if (strcmp(missing, "error") == 0)
			o.missing = SK_EDIT_MISSING_ERROR;
		else if (strcmp(missing, "keep") == 0)
			o.missing = SK_EDIT_MISSING_KEEP;
		else if (strcmp(missing, "drop") == 0)
			o.missing = SK_EDIT_MISSING_DROP;
		else {
			char m[300];
			snprintf(m, sizeof m, "invalid --missing '%s' (error, keep or drop)", missing);
			usage_msg(m);
		}
	}
	/* Operands: assignments in order, and inputs. */
	assign = calloc((size_t)(argc - optind) + 1, sizeof *assign);
	inputs = calloc((size_t)(argc - optind) + 1, sizeof *inputs);
	if (!assign || !inputs)
		sk_die(1, "out of memory");
	for (int k = optind; k < argc; k++) {
		if (!is_assignment(argv[k])) {
			inputs[nin++] = argv[k];
			continue;
		}
		if (sk_expr_parse_assign(argv[k], 0, &assign[nas].key, &assign[nas].expr, &col, &err) < 0)
			syntax_error("", argv[k], col, &err);
		assign[nas++].src = argv[k];
	}
	if (wsrc && sk_expr_parse(wsrc, 0, &where, &col, &err) < 0)
		syntax_error("--where: ", wsrc, col, &err);
	if (tpath) {
		if (sk_edit_table_load(tpath, by, 0, &table, &err) < 0) {
			status = sk_report(&err);
			tpath = NULL;
			goto out;
		}
		o.table = &table;
		o.table_path = tpath;
	}
	o.assign = assign;
	o.nassign = nas;
	o.where = where;
	o.where_src = wsrc;
	if (nin == 0) {
		free(inputs);
		inputs = stdin_only;
		nin = 1;
	}
	if (sk_edit_run(inputs, nin, &o, &res, &err) < 0)
		status = sk_report(&err);
out:
	if (tpath)
		sk_edit_table_release(&table);
	for (size_t k = 0; k < nas; k++)
		sk_expr_free(assign[k].expr);
	sk_expr_free(where);
	free(assign);
	if (inputs != stdin_only)
		free(inputs);
	return status;
}
