#include <string.h>

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
	return test_done();
}
