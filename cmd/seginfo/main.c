/* seginfo: inspects SEG-Y, SU and sgk files and their headers. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "info.h"
#include "par.h"
#include "segy.h"
#include "stream.h"
#include "version.h"

/* -k: room for every named key (96) and more, as many as a user types. */
#define SEGINFO_MAXKEYS 256

static const char usage_text[] =
	"usage: seginfo [-bhjlNtV] [-k KEYS] [--from FMT] [FILE ...]\n"
	"Summarises each file (standard input when none): format, byte order,\n"
	"revision, text encoding, ns, dt, sample format, traces, key ranges.\n"
	"  -b, --binary      print the binary header fields\n"
	"      --from=FMT    read the files as segy, su or sgk (default: detect)\n"
	"  -h, --help        print this help and exit\n"
	"  -j, --json        print the summary as one JSON object per file\n"
	"  -k, --keys=KEYS   print header KEYS of every trace as tab-separated values\n"
	"                    (names such as cdp,offset or @BYTE:TYPE)\n"
	"  -l, --list-keys   print the table of header key names, bytes and types\n"
	"  -N, --no-filename with -k and several files: no file name before each row\n"
	"  -t, --text        print the textual header(s) as text\n"
	"  -V, --version     print the version and exit\n"
	"Operands key=value are aliases for the long options (keys=cdp,offset).\n";

static const char shortopts[] = "bhjk:lNtV";

static const struct option longopts[] = {
	{"binary", no_argument, NULL, 'b'},
	{"from", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},
	{"json", no_argument, NULL, 'j'},
	{"keys", required_argument, NULL, 'k'},
	{"list-keys", no_argument, NULL, 'l'},
	{"no-filename", no_argument, NULL, 'N'},
	{"text", no_argument, NULL, 't'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

struct opts {
	int binary, json, text, from, names;
	const char *keys;
};

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void summary(const char *name, const struct sk_info *in, const struct sk_summary *s, int json)
{
	const char *order = in->little ? "little" : "big";
	const int segy = in->fmt == SK_FMT_SEGY;

	if (json) {
		printf("{\"file\": ");
		json_str(name);
		printf(", \"format\": \"%s\", \"byte_order\": \"%s\"", sk_format_name(in->fmt), order);
		if (segy)
			printf(", \"revision\": \"%d.%d\", \"text\": \"%s\", \"extended_headers\": %d",
			       in->rev_major, in->rev_minor, in->ebcdic ? "ebcdic" : "ascii", in->next);
		if (in->fmt == SK_FMT_SGK)
			printf(", \"compressed\": %s, \"block\": %ld", in->compressed ? "true" : "false", in->block);
		printf(", \"sample_format\": %d, \"ns\": %ld, \"dt\": %.17g, \"traces\": %lld, "
		       "\"trailing_bytes\": %lld, \"header_length\": %zu, \"keys\": {",
		       in->sample_format, in->ns, in->dt, (long long)s->traces, (long long)in->trailing,
		       in->hdrlen);
		for (int i = 0, first = 1; i < s->nkeys; i++) {
			if (s->traces == 0)
				break;
			printf("%s\"%s\": [%.10g, %.10g]", first ? "" : ", ", s->keys[i]->name, s->min[i], s->max[i]);
			first = 0;
		}
		printf("}}\n");
		return;
	}
	printf("%s: %s", name, sk_format_name(in->fmt));
	if (segy)
		printf(" rev %d.%d, %s-endian, %s text, %d extended textual header%s%s\n", in->rev_major,
		       in->rev_minor, order, in->ebcdic ? "EBCDIC" : "ASCII", in->next, in->next == 1 ? "" : "s",
		       in->byte_order_word ? ", byte-order word" : "");
	else if (in->fmt == SK_FMT_SU)
		printf(", %s-endian\n", order);
	else
		printf(", %s, %ld traces per block%s\n", in->compressed ? "zstd-compressed" : "uncompressed",
		       in->block, in->fhdr_len ? ", carries a SEG-Y file header" : "");
	printf("  samples: format %d (%s), ns %ld, dt %g\n", in->sample_format, sk_fmt_name(in->sample_format),
	       in->ns, in->dt);
	printf("  traces:  %lld, %zu-byte headers", (long long)s->traces, in->hdrlen);
	if (in->trailing)
		printf(", %lld bytes after the last whole trace", (long long)in->trailing);
	putchar('\n');
	for (int pass = 0; pass < 2 && s->traces; pass++) {
		int shown = 0;
		for (int i = 0; i < s->nkeys; i++) {
			const int coord = s->keys[i]->scalar == 71;
			if (coord != pass || (s->min[i] == 0 && s->max[i] == 0))
				continue;
			printf("%s%s %.10g..%.10g", shown ? ", " : pass ? "  coords:  " : "  keys:    ", s->keys[i]->name,
			       s->min[i], s->max[i]);
			shown = 1;
		}
		if (shown)
			putchar('\n');
	}
}

static void binary(const struct sk_info *in)
{
	size_t n;
	const struct sk_binfield *f = sk_bin_fields(&n);
	struct sk_segy_bin b;
	struct sk_error e;
	const int little = in->fhdr_len >= SK_SEGY_HDR && sk_segy_parse_bin(in->fhdr, &b, &e) == 0 ? b.little : 0;

	for (size_t i = 0; i < n; i++) {
		const uint64_t u = sk_segy_get(in->fhdr, f[i].byte, f[i].size, f[i].size == 1 ? 0 : little);
		printf("%-10s %4u  ", f[i].name, f[i].byte);
		if (f[i].is_signed == 2) {
			double d;
			memcpy(&d, &u, 8);
			printf("%.17g\n", d);
		} else if (f[i].is_signed) {
			const int sh = 64 - 8 * f[i].size;
			printf("%lld\n", (long long)((int64_t)(u << sh) >> sh));
		} else {
			printf("%llu\n", (unsigned long long)u);
		}
	}
}

static int one(const char *path, const struct opts *o)
{
	struct sk_reader *r;
	struct sk_error err;
	const struct sk_info *in;
	int rc = 0;

	if (sk_reader_open(path, o->from, &r, &err) < 0)
		return sk_report(&err);
	in = sk_reader_info(r);
	if (o->text || o->binary) {
		if (in->fhdr_len < SK_SEGY_HDR) {
			sk_error_set(&err, SK_EFMT, "no SEG-Y file header (%s)", sk_format_name(in->fmt));
			sk_error_at(&err, err.code, sk_reader_name(r));
			sk_reader_free(r);
			return sk_report(&err);
		}
		if (o->text)
			sk_print_text(in->fhdr, in->fhdr_len, stdout);
		if (o->binary)
			binary(in);
	} else if (o->keys) {
		struct sk_key keys[SEGINFO_MAXKEYS];
		int n;
		if (sk_keys_parse(o->keys, in->hdrlen, keys, SEGINFO_MAXKEYS, &n, &err) < 0) {
			sk_reader_free(r);
			return sk_report(&err);
		}
		sk_reader_readahead(r, NULL);  /* reading overlaps the work; optional */
		rc = sk_dump_keys(r, keys, n, o->names ? sk_reader_name(r) : NULL, stdout, &err);
	} else {
		struct sk_summary s;
		sk_reader_readahead(r, NULL);
		rc = sk_summarize(r, &s, &err);
		summary(sk_reader_name(r), in, &s, o->json);
	}
	sk_reader_free(r);
	/* A write to stdout that failed is said once, by main's flush, as
	 * for every other output. */
	if (rc < 0 && err.code == SK_EIO && strcmp(err.file, sk_out_name(NULL)) == 0)
		return 1;
	return rc < 0 ? sk_report(&err) : 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0, 0, 0, SK_FMT_AUTO, 1, NULL};
	struct sk_error err;
	const char *bad;
	int c, status = 0;

	sk_init(argv[0]);
	if (sk_par_keyvals(argc, argv, longopts, &bad) < 0) {
		sk_par_keyval_fail(bad, longopts);
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.binary = 1; break;
		case 'F':
			if (sk_format_parse(optarg, &o.from, &err) < 0)
				exit(sk_report(&err));
			break;
		case 'h': fputs(usage_text, stdout); return sk_flush_stdout();
		case 'j': o.json = 1; break;
		case 'k': o.keys = optarg; break;
		case 'l': {
			size_t n;
			const struct sk_key *t = sk_hdr_table(&n);
			for (size_t i = 0; i < n; i++)
				printf("%s\t%u\t%s%s\n", t[i].name, t[i].byte, sk_type_name(t[i].type),
				       t[i].scalar == SK_SCALCO ? "\tscalco" : t[i].scalar == SK_SCALEL ? "\tscalel"
				       : t[i].scalar == SK_SCALT ? "\tscalt" : t[i].scalar == SK_SCALSP ? "\tscalsp" : "");
			t = sk_hdr_su_table(&n);
			for (size_t i = 0; i < n; i++)
				printf("%s\t%u\t%s\tsu\n", t[i].name, t[i].byte, sk_type_name(t[i].type));
			return sk_flush_stdout();
		}
		case 'N': o.names = 0; break;
		case 't': o.text = 1; break;
		case 'V': puts("seginfo " SK_VERSION); return sk_flush_stdout();
		default: sk_par_fail(argv, shortopts, longopts);
		}
	}
	if (o.keys) {
		struct sk_key k[SEGINFO_MAXKEYS];
		int n;
		if (sk_keys_parse(o.keys, 0, k, SEGINFO_MAXKEYS, &n, &err) < 0)
			exit(sk_report(&err));
	}
	/* As grep: rows say which file they are from when there are several. */
	if (argc - optind < 2)
		o.names = 0;
	if (optind == argc)
		status = one(NULL, &o);
	for (int i = optind; i < argc; i++) {
		const int rc = one(strcmp(argv[i], "-") ? argv[i] : NULL, &o);
		if (rc > status)
			status = rc;
	}
	if (sk_flush_stdout())
		status = 1;
	return status;
}
