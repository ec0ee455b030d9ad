/* segmerge: reassembles streams; with one input it converts between formats. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "par.h"
#include "stream.h"
#include "version.h"

static const char usage_text[] =
	"usage: segmerge [-hV] [-e big|little] [-f CODE] [-o FILE] [-t segy|su|sgk]\n"
	"                [-z[LEVEL]] [--from FMT] [INPUT ...]\n"
	"Concatenates the inputs (standard input when none) into one stream,\n"
	"converting it on the way.\n"
	"  -e, --endian=ORDER   byte order of SEG-Y or SU output: big or little\n"
	"  -f, --format=CODE    SEG-Y sample format code or name (1 ibm, 5 ieee, ...)\n"
	"      --from=FMT       read the inputs as segy, su or sgk (default: detect)\n"
	"  -h, --help           print this help and exit\n"
	"  -o, --output=FILE    write FILE atomically instead of standard output\n"
	"  -t, --to=FMT         output format: segy, su or sgk (default: the input's)\n"
	"  -V, --version        print the version and exit\n"
	"  -z, --zstd[=LEVEL]   compress sgk output with zstd (level 1-19, default 3)\n"
	"Operands key=value are aliases for the long options (to=sgk).\n";

static const struct option longopts[] = {
	{"endian", required_argument, NULL, 'e'},
	{"format", required_argument, NULL, 'f'},
	{"from", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},
	{"output", required_argument, NULL, 'o'},
	{"to", required_argument, NULL, 't'},
	{"version", no_argument, NULL, 'V'},
	{"zstd", optional_argument, NULL, 'z'},
	{NULL, 0, NULL, 0},
};

static _Noreturn void usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static const char *name_of(const char *path)
{
	return path && strcmp(path, "-") != 0 ? path : "<stdin>";
}

int main(int argc, char **argv)
{
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_error err;
	struct sk_reader **rd;
	struct sk_writer *w = NULL;
	const char *out = NULL, *bad = NULL;
	char *stdin_only[] = {NULL};
	char **inputs;
	int from = SK_FMT_AUTO, c, n, status = 0;

	sk_init(argv[0]);
	if (sk_par_keyvals(argc, argv, longopts, &bad) < 0) {
		sk_warnx("unknown operand '%s'", bad);
		usage();
	}
	while ((c = getopt_long(argc, argv, "e:f:ho:t:Vz::", longopts, NULL)) != -1) {
		const char *name = NULL;
		switch (c) {
		case 'e': name = "endian"; break;
		case 'f': name = "format"; break;
		case 't': name = "to"; break;
		case 'z': name = "zstd"; break;
		case 'F':
			if (sk_format_parse(optarg, &from, &err) < 0)
				exit(sk_report(NULL, &err));
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'o': out = optarg; break;
		case 'V': puts("segmerge " SK_VERSION); return 0;
		default: usage();
		}
		if (name && sk_wopts_set(&wo, name, optarg, &err) < 0)
			exit(sk_report(NULL, &err));
	}
	n = argc - optind;
	inputs = n ? argv + optind : stdin_only;
	if (!n)
		n = 1;
	if (!(rd = calloc((size_t)n, sizeof *rd)))
		sk_die(1, "out of memory");
	/* Open and check every input before writing anything. */
	for (int i = 0; i < n; i++) {
		const struct sk_info *a, *b;
		if (sk_reader_open(inputs[i], from, &rd[i], &err) < 0) {
			status = sk_report(name_of(inputs[i]), &err);
			goto done;
		}
		if (i == 0)
			continue;
		a = sk_reader_info(rd[0]);
		b = sk_reader_info(rd[i]);
		if (a->ns != b->ns || a->dt != b->dt || a->hdrlen != b->hdrlen) {
			if (a->ns != b->ns)
				sk_warnx("%s: ns=%ld differs from %s's ns=%ld", name_of(inputs[i]), b->ns,
					 name_of(inputs[0]), a->ns);
			else if (a->dt != b->dt)
				sk_warnx("%s: dt=%g differs from %s's dt=%g", name_of(inputs[i]), b->dt,
					 name_of(inputs[0]), a->dt);
			else
				sk_warnx("%s: trace header length %zu differs from %s's %zu", name_of(inputs[i]),
					 b->hdrlen, name_of(inputs[0]), a->hdrlen);
			status = 1;
			goto done;
		}
	}
	if (sk_writer_open(out, sk_reader_info(rd[0]), &wo, &w, &err) < 0) {
		status = sk_report(err.code == SK_EARG ? NULL : name_of(out), &err);
		w = NULL;
		goto done;
	}
	for (int i = 0; i < n; i++)
		if (sk_copy_traces(rd[i], w, NULL, &err) < 0) {
			status = sk_report(name_of(inputs[i]), &err);
			goto done;
		}
	c = sk_writer_close(w, &err);
	w = NULL;
	if (c < 0)
		status = sk_report(out ? out : "<stdout>", &err);
done:
	sk_writer_abort(w);
	for (int i = 0; i < n; i++)
		sk_reader_free(rd[i]);
	free(rd);
	return status;
}
