#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "par.h"

int main(void)
{
	struct sk_error err;
	long l;
	double d, v[4];
	uint64_t sz;
	int n;
	const char *bad = NULL;

	/* A number mistyped (a missing name that begins as a number and
	 * reads as no file name) or a name: in a directory of one file,
	 * "25OO", which is then a name like any other. */
	{
		char dir[] = "/tmp/test_par.XXXXXX", old[4096];
		FILE *fp;
		CHECK(mkdtemp(dir) != NULL && getcwd(old, sizeof old) != NULL && chdir(dir) == 0);
		CHECK(sk_par_numlike("17x22") == 1 && sk_par_numlike("1e3x5") == 1 && sk_par_numlike("100") == 1);
		CHECK(sk_par_numlike("-5O") == 1 && sk_par_numlike("+.5O") == 1 && sk_par_numlike(".5,x") == 1);
		CHECK(sk_par_numlike("2.5O") == 1);
		CHECK(sk_par_numlike("abc") == 0 && sk_par_numlike("") == 0 && sk_par_numlike("-") == 0);
		CHECK(sk_par_numlike("-x") == 0 && sk_par_numlike(".x") == 0 && sk_par_numlike("x25") == 0);
		CHECK(sk_par_numlike("2d.yaml") == 0 && sk_par_numlike("2000.su") == 0);
		CHECK(sk_par_numlike("25/vel") == 0 && sk_par_numlike("./25OO") == 0);
		CHECK(sk_par_numlike("25OO") == 1);
		CHECK((fp = fopen("25OO", "w")) != NULL && fclose(fp) == 0);
		CHECK(sk_par_numlike("25OO") == 0);
		CHECK(unlink("25OO") == 0 && chdir(old) == 0 && rmdir(dir) == 0);
	}

	CHECK(sk_par_long("count", "42", 1, 100, &l, &err) == 0 && l == 42);
	CHECK(sk_par_long("count", "0", 1, 100, &l, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid count '0' (expected an integer in 1..100)") == 0);
	CHECK(sk_par_long("count", "12x", 1, 100, &l, &err) == SK_EARG);
	CHECK(sk_par_long("count", "", 1, 100, &l, &err) == SK_EARG);
	CHECK(sk_par_long("count", "99999999999999999999", 1, 100, &l, &err) == SK_EARG);
	CHECK(sk_par_double("dt", "0.004", &d, &err) == 0 && d == 0.004);
	CHECK(sk_par_double("dt", "nan", &d, &err) == SK_EARG);
	CHECK(sk_par_size("size", "64k", &sz, &err) == 0 && sz == 65536);
	CHECK(sk_par_size("size", "2G", &sz, &err) == 0 && sz == 2147483648ULL);
	CHECK(sk_par_size("size", "1MiB", &sz, &err) == 0 && sz == 1048576);
	CHECK(sk_par_size("size", "-1", &sz, &err) == SK_EARG);
	CHECK(sk_par_size("size", "5Q", &sz, &err) == SK_EARG);
	CHECK(sk_par_duration("timeout", "90", &d, &err) == 0 && d == 90);
	CHECK(sk_par_duration("timeout", "5m", &d, &err) == 0 && d == 300);
	CHECK(sk_par_duration("timeout", "250ms", &d, &err) == 0 && d == 0.25);
	CHECK(sk_par_duration("timeout", "5x", &d, &err) == SK_EARG);
	CHECK(sk_par_doubles("grid", "0,12.5,100", v, 4, &n, &err) == 0 && n == 3 && v[1] == 12.5);
	CHECK(sk_par_doubles("grid", "1,2,3,4,5", v, 4, &n, &err) == SK_EARG);
	CHECK(sk_par_doubles("grid", "1,,2", v, 4, &n, &err) == SK_EARG);
	{
		static const struct option opts[] = {
			{"count", required_argument, NULL, 'n'},
			{"verbose", no_argument, NULL, 'v'},
			{NULL, 0, NULL, 0}};
		char a0[] = "prog", a1[] = "count=5", a2[] = "in.sgy", a3[] = "bogus=1";
		char *argv[] = {a0, a1, a2, a3, NULL};
		CHECK(sk_par_keyvals(3, argv, opts, &bad) == 0);
		CHECK(strcmp(argv[1], "--count=5") == 0 && strcmp(argv[2], "in.sgy") == 0);
		CHECK(sk_par_keyvals(4, argv, opts, &bad) == SK_EARG && strcmp(bad, "bogus=1") == 0);
		/* The replaced strings are the caller's (a program keeps them). */
		free(argv[1]);
	}
	{
		static const struct option opts[] = {
			{"reflector", required_argument, NULL, 'r'},
			{"count", required_argument, NULL, 'n'},
			{NULL, 0, NULL, 0}};
		char a0[] = "prog", a1[] = "--reflector", a2[] = "z=600,x=500", a3[] = "-r", a4[] = "z=1",
		     a5[] = "count=3";
		char *argv[] = {a0, a1, a2, a3, a4, a5, NULL};
		CHECK(sk_par_keyvals(6, argv, opts, &bad) == 0);
		CHECK(strcmp(argv[2], "z=600,x=500") == 0 && strcmp(argv[4], "z=1") == 0);
		CHECK(strcmp(argv[5], "--count=3") == 0);
		free(argv[5]);
	}
	{
		static const struct option opts[] = {{"verbose", no_argument, NULL, 'v'}, {NULL, 0, NULL, 0}};
		char a0[] = "prog", a1[] = "verbose=1";
		char *argv[] = {a0, a1, NULL};
		CHECK(sk_par_keyvals(2, argv, opts, &bad) == SK_EARG);
	}
	{
		char buf[64], *items[4], *vals[4];
		int k;
		CHECK(sk_par_items("plane", "0.2,0.0001", buf, sizeof buf, items, vals, 4, &n, &k, &err) == 0);
		CHECK(n == 2 && !k && strcmp(items[1], "0.0001") == 0 && vals[0] == NULL);
		CHECK(sk_par_items("plane", "tau=0.2,px=1e-4", buf, sizeof buf, items, vals, 4, &n, &k, &err) == 0);
		CHECK(n == 2 && k && strcmp(items[1], "px") == 0 && strcmp(vals[1], "1e-4") == 0);
		CHECK(sk_par_items("plane", "tau=0.2,1", buf, sizeof buf, items, vals, 4, &n, &k, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "plane: mix of positional and key=value items in 'tau=0.2,1'") == 0);
		CHECK(sk_par_items("line", "1,2,3,4,5", buf, sizeof buf, items, vals, 4, &n, &k, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "line: too many values in '1,2,3,4,5'") == 0);
		CHECK(sk_par_items("line", "1,2", buf, 3, items, vals, 4, &n, &k, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "line: specification too long") == 0);
	}
	{
		/* Option errors, from getopt_long itself (opterr off). */
		static const struct option lo[] = {
			{"aal", required_argument, NULL, 'K'}, {"angle", required_argument, NULL, 'A'},
			{"antialias", no_argument, NULL, 2}, {"aperture", required_argument, NULL, 'a'},
			{"help", no_argument, NULL, 'h'}, {"vel", required_argument, NULL, 'v'},
			{"progress", no_argument, NULL, 'b'}, {NULL, 0, NULL, 0}};
		static const char so[] = "A:a:bhK:v:";
		static const struct {
			const char *args[3];
			const char *msg;
		} t[] = {
			{{"--aperature", "3"}, "unknown option '--aperature' (did you mean --aperture?); try --help"},
			{{"--aperature=3"}, "unknown option '--aperature' (did you mean --aperture?); try --help"},
			{{"--progess"}, "unknown option '--progess' (did you mean --progress?); try --help"},
			{{"--bogus"}, "unknown option '--bogus'; try --help"},
			{{"--vl", "1"}, "unknown option '--vl' (did you mean --vel?); try --help"},
			{{"-Q"}, "unknown option '-Q'; try --help"},
			{{"-bQ"}, "unknown option '-Q'; try --help"},
			{{"-v"}, "option '-v' needs an argument; try --help"},
			{{"-b", "--vel"}, "option '--vel' needs an argument; try --help"},
			{{"--help=1"}, "option '--help' takes no argument; try --help"},
			{{"--a", "1"}, "ambiguous option '--a' (--aal, --angle, --antialias, --aperture?); try --help"},
			{{"--an", "1"}, "ambiguous option '--an' (--angle, --antialias?); try --help"},
		};
		char buf[256];
		for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
			char *av[5] = {(char *)(uintptr_t)"prog"};
			int ac = 1, c;
			for (int j = 0; j < 3 && t[i].args[j]; j++)
				av[ac++] = (char *)(uintptr_t)t[i].args[j];
			opterr = 0;
			optind = 0;
			while ((c = getopt_long(ac, av, so, lo, NULL)) != -1 && c != '?')
				;
			if (c != '?')
				fprintf(stderr, "case %zu: getopt gave %d\n", i, c);
			CHECK(c == '?');
			sk_par_opterror(av, optind, optopt, so, lo, buf, sizeof buf);
			if (strcmp(buf, t[i].msg) != 0)
				fprintf(stderr, "case %zu: %s\n", i, buf);
			CHECK(strcmp(buf, t[i].msg) == 0);
		}
		CHECK(strcmp(sk_par_keyval_error("aperature=3", lo, buf, sizeof buf),
			     "unknown parameter 'aperature=3' (did you mean aperture=?); try --help") == 0);
		/* key=value aliases name options that take a value. */
		CHECK(strcmp(sk_par_keyval_error("progres=1", lo, buf, sizeof buf),
			     "unknown parameter 'progres=1'; try --help") == 0);
		CHECK(strcmp(sk_par_closest("angel", 5, lo, 0), "angle") == 0);
		CHECK(strcmp(sk_par_closest("aal", 3, lo, 0), "aal") == 0);
		CHECK(sk_par_closest("x", 1, lo, 0) == NULL);
		CHECK(sk_par_closest("velocity", 8, lo, 0) == NULL);
	}
	return test_done();
}
