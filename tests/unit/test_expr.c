#include <math.h>
#include <string.h>

#include "check.h"
#include "expr.h"

static unsigned char h[480];

/* The value of src on h at index i, or NAN when it does not parse or
 * evaluate. */
static double ev(const char *src, long i)
{
	struct sk_expr *e;
	struct sk_error err;
	double v;
	int rc;

	if (sk_expr_parse(src, 480, &e, NULL, &err) < 0)
		return NAN;
	rc = sk_expr_eval(e, h, i, &v, &err);
	sk_expr_free(e);
	return rc < 0 ? NAN : v;
}

/* 1 when src fails to parse at column col with message msg. */
static int bad(const char *src, size_t col, const char *msg)
{
	struct sk_expr *e = NULL;
	struct sk_error err;
	size_t c = 99;
	const int rc = sk_expr_parse(src, 240, &e, &c, &err);

	if (rc != SK_EARG || e || c != col || strcmp(err.msg, msg) != 0) {
		printf("# '%s': rc %d, column %zu, '%s'\n", src, rc, c, rc < 0 ? err.msg : "");
		return 0;
	}
	return 1;
}

/* 1 when src parses and fails to evaluate with msg. */
static int eval_fails(const char *src, const char *msg)
{
	struct sk_expr *e;
	struct sk_error err;
	double v;
	int rc;

	if (sk_expr_parse(src, 240, &e, NULL, &err) < 0)
		return 0;
	rc = sk_expr_eval(e, h, 0, &v, &err);
	sk_expr_free(e);
	if (rc != SK_EFMT || strcmp(err.msg, msg) != 0) {
		printf("# '%s': rc %d, '%s'\n", src, rc, rc < 0 ? err.msg : "");
		return 0;
	}
	return 1;
}

int main(void)
{
	struct sk_expr *e;
	struct sk_key key;
	struct sk_error err;
	size_t col;
	double v;

	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, 9, 7);          /* fldr */
	sk_hdr_set_i32(h, 13, 3);         /* tracf */
	sk_hdr_set_i32(h, 37, -250);      /* offset */
	sk_hdr_set_i16(h, SK_SCALCO, -100);
	sk_hdr_set_i32(h, 73, 123456);    /* sx = 1234.56 */
	sk_hdr_set_i32(h, 81, 100050);    /* gx = 1000.5 */
	sk_hdr_set_i32(h, 189, 42);       /* iline, @189:i4 */
	sk_hdr_set_i16(h, 109, -11);      /* delrt */

	/* Numbers, keys with their scalars, @BYTE:TYPE and i. */
	CHECK(ev("42", 0) == 42 && ev("0.5", 0) == 0.5 && ev(".25", 0) == 0.25 && ev("1e3", 0) == 1000);
	CHECK(ev("2.5E-1", 0) == 0.25 && ev("  7 ", 0) == 7);
	CHECK(ev("fldr", 0) == 7 && ev("offset", 0) == -250 && ev("delrt", 0) == -11);
	CHECK(ev("sx", 0) == 1234.56 && ev("gx", 0) == 1000.5 && ev("scalco", 0) == -100);
	CHECK(ev("@189:i4", 0) == 42 && ev("@9:i4 + @13:i4", 0) == 10 && ev("@372:i2", 0) == 0);
	CHECK(ev("i", 0) == 0 && ev("i", 12345) == 12345 && ev("i * 2 + 1", 4) == 9);

	/* Every operator, and precedence: * / % over + - over comparisons
	 * over == != over && over ||, all left-associative. */
	CHECK(ev("1 + 2 * 3", 0) == 7 && ev("(1 + 2) * 3", 0) == 9 && ev("10 - 4 - 3", 0) == 3);
	CHECK(ev("24 / 4 / 2", 0) == 3 && ev("7 % 4", 0) == 3 && ev("-7 % 4", 0) == -3 && ev("7.5 % 2", 0) == 1.5);
	CHECK(ev("2 * 3 % 4", 0) == 2 && ev("1 - 2 + 3", 0) == 2 && ev("-2 * -3", 0) == 6 && ev("+5", 0) == 5);
	CHECK(ev("--5", 0) == 5 && ev("-(1 + 2)", 0) == -3 && ev("- fldr", 0) == -7);
	CHECK(ev("1 < 2", 0) == 1 && ev("2 < 2", 0) == 0 && ev("2 <= 2", 0) == 1 && ev("3 > 2", 0) == 1);
	CHECK(ev("2 > 2", 0) == 0 && ev("2 >= 2", 0) == 1 && ev("2 == 2", 0) == 1 && ev("2 != 2", 0) == 0);
	CHECK(ev("1 + 1 == 2", 0) == 1 && ev("1 < 2 == 1", 0) == 1 && ev("3 > 2 > 1", 0) == 0);
	CHECK(ev("1 && 0", 0) == 0 && ev("2 && 3", 0) == 1 && ev("0 || 0", 0) == 0 && ev("0 || 5", 0) == 1);
	CHECK(ev("1 || 0 && 0", 0) == 1 && ev("(1 || 0) && 0", 0) == 0 && ev("!0", 0) == 1 && ev("!3", 0) == 0);
	CHECK(ev("!fldr == 0", 0) == 1 && ev("fldr % 2 == 1 && abs(offset) < 500", 0) == 1);
	CHECK(ev("1 != 2", 0) == 1 && ev("!(1 != 2)", 0) == 0);
	/* && and || do not evaluate their right side when the left decides. */
	CHECK(ev("0 && 1 / 0", 0) == 0 && ev("1 || 1 / 0", 0) == 1 && isnan(ev("1 && 1 / 0", 0)));

	/* Functions. */
	CHECK(ev("abs(-3.5)", 0) == 3.5 && ev("abs(offset)", 0) == 250 && ev("floor(-2.5)", 0) == -3);
	CHECK(ev("ceil(-2.5)", 0) == -2 && ev("ceil(2.1)", 0) == 3 && ev("round(2.5)", 0) == 3);
	CHECK(ev("round(-2.5)", 0) == -3 && ev("round(0.49)", 0) == 0 && ev("sqrt(16)", 0) == 4);
	CHECK(ev("min(3, 1, 2)", 0) == 1 && ev("max(3, 1, 2)", 0) == 3 && ev("max(-1, offset)", 0) == -1);
	CHECK(ev("min ( fldr , tracf )", 0) == 3 && ev("round((sx + gx) / 2 / 0.5)", 0) == 2235);
	CHECK(ev("gx - sx", 0) == 1000.5 - 1234.56);

	/* Evaluation errors. */
	CHECK(eval_fails("1 / 0", "division by zero at column 3"));
	CHECK(eval_fails("fldr % (tracf - 3)", "division by zero at column 6"));
	CHECK(eval_fails("sqrt(offset)", "square root of -250 at column 1"));

	/* Syntax errors, with the column. */
	CHECK(bad("", 1, "column 1: expected a number, a key, a function or '(' but found the end"));
	CHECK(bad("gx - * sx", 6, "column 6: expected a number, a key, a function or '(' but found '*'"));
	CHECK(bad("(1 + 2", 7, "column 7: expected ')' to close the '(' at column 1 but found the end"));
	CHECK(bad("1 + 2)", 6, "column 6: expected an operator but found ')'"));
	CHECK(bad("fldr tracf", 6, "column 6: expected an operator but found 'tracf'"));
	CHECK(bad("cdp = 3", 5, "column 5: '=' assigns only at the start; '==' compares"));
	CHECK(bad("1 & 2", 3, "column 3: expected an operator but found '&'"));
	CHECK(bad("ofset + 1", 1, "column 1: unknown header key 'ofset'"));
	CHECK(bad("2 * @300:i4", 5,
		  "column 5: invalid key '@300:i4': bytes 300-303 are outside the 240-byte trace header"));
	CHECK(bad("@5:q9", 1, "column 1: invalid key '@5:q9': unknown type 'q9' (i1 i2 i4 i8 u1 u2 u4 u8 f4 f8 ibm)"));
	CHECK(bad("log(2)", 1, "column 1: unknown function 'log' (abs ceil floor max min round sqrt)"));
	CHECK(bad("abs(1, 2)", 1, "column 1: abs takes 1 argument, not 2"));
	CHECK(bad("sqrt()", 1, "column 1: sqrt takes 1 argument, not 0"));
	CHECK(bad("min(1)", 1, "column 1: min takes 2 or more arguments, not 1"));
	CHECK(bad("max(1 2)", 7, "column 7: expected ',' or ')' but found '2'"));
	CHECK(bad("1.2.3", 1, "column 1: invalid number '1.2.'"));
	CHECK(bad("0x10", 1, "column 1: invalid number '0x'"));
	CHECK(bad("1e", 2, "column 2: invalid number '1e'"));
	CHECK(bad("3 + .", 5, "column 5: expected a digit after '.'"));
	CHECK(bad("1e999", 1, "column 1: number '1e999' out of range"));
	CHECK(bad("1 + \001", 5, "column 5: expected a number, a key, a function or '(' but found byte 0x01"));
	{
		/* Nesting is bounded; so is length. */
		char deep[1000], lng[40010];
		memset(deep, '(', 300);
		strcpy(deep + 300, "1");
		CHECK(bad(deep, 201, "column 201: nested more than 200 levels deep"));
		memset(deep, '-', 300);
		CHECK(bad(deep, 200, "column 200: nested more than 200 levels deep"));
		for (int k = 0; k < 10000; k++)
			memcpy(lng + 2 * k, "1+", 2);
		strcpy(lng + 20000, "1");
		CHECK(sk_expr_parse(lng, 240, &e, &col, &err) == SK_EARG && strstr(err.msg, "more than 10000"));
		lng[2 * 4000] = '\0';
		CHECK(sk_expr_parse(lng + 1, 240, &e, &col, &err) == SK_EARG);
		lng[2 * 4000 - 1] = '\0';
		CHECK(sk_expr_parse(lng, 240, &e, &col, &err) == 0 && sk_expr_eval(e, h, 0, &v, &err) == 0 && v == 4000);
		sk_expr_free(e);
	}

	/* Assignments. */
	CHECK(sk_expr_parse_assign(" offset = gx - sx", 240, &key, &e, &col, &err) == 0);
	CHECK(strcmp(key.name, "offset") == 0 && sk_expr_eval(e, h, 0, &v, &err) == 0 && v == 1000.5 - 1234.56);
	sk_expr_free(e);
	CHECK(sk_expr_parse_assign("@233:i2=i", 240, &key, &e, &col, &err) == 0 && key.byte == 233 &&
	      key.type == SK_T_I2);
	sk_expr_free(e);
	CHECK(sk_expr_parse_assign("cdp=(1)", 240, &key, &e, &col, &err) == 0);
	sk_expr_free(e);
	CHECK(sk_expr_parse_assign("cdp == 3", 240, &key, &e, &col, &err) == SK_EARG && col == 5 &&
	      strcmp(err.msg, "column 5: expected '=' after 'cdp' but found '=='") == 0);
	CHECK(sk_expr_parse_assign("cdp 3", 240, &key, &e, &col, &err) == SK_EARG && col == 5);
	CHECK(sk_expr_parse_assign("3 = cdp", 240, &key, &e, &col, &err) == SK_EARG && col == 1 &&
	      strcmp(err.msg, "column 1: expected a header key to assign to but found '3'") == 0);
	CHECK(sk_expr_parse_assign("i = 3", 240, &key, &e, &col, &err) == SK_EARG &&
	      strcmp(err.msg, "column 1: i is the trace index; it cannot be assigned") == 0);
	CHECK(sk_expr_parse_assign("cpd = 3", 240, &key, &e, &col, &err) == SK_EARG &&
	      strcmp(err.msg, "column 1: unknown header key 'cpd'") == 0);
	CHECK(sk_expr_parse_assign("cdp = ", 240, &key, &e, &col, &err) == SK_EARG && col == 7);
	CHECK(sk_expr_parse_assign("cdp = 1 = 2", 240, &key, &e, &col, &err) == SK_EARG && col == 9);

	/* What an expression reads. */
	CHECK(sk_expr_parse("fldr + i", 240, &e, NULL, &err) == 0 && sk_expr_hdr_end(e) == 12);
	{
		size_t pos = 0;
		const struct sk_key *k1 = sk_expr_next_key(e, &pos);
		CHECK(k1 && k1->byte == 9 && sk_expr_next_key(e, &pos) == NULL && sk_expr_next_key(e, &pos) == NULL);
	}
	sk_expr_free(e);
	CHECK(sk_expr_parse("gx", 240, &e, NULL, &err) == 0 && sk_expr_hdr_end(e) == 84);
	sk_expr_free(e);
	CHECK(sk_expr_parse("delrt + @300:f8", 0, &e, NULL, &err) == 0 && sk_expr_hdr_end(e) == 307);
	sk_expr_free(e);
	CHECK(sk_expr_parse("3", 240, &e, NULL, &err) == 0 && sk_expr_hdr_end(e) == 0);
	sk_expr_free(e);
	sk_expr_free(NULL);
	return test_done();
}
