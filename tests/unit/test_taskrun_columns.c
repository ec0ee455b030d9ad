/* --colsep and --trim: the columns of a line as Perl's split /RE/, LINE, -1
 * makes them (each expected list below printed by perl 5.36 itself:
 * perl -e 'print join("|", split /RE/, LINE, -1)'), and GNU parallel's
 * trimming. */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/columns.h"
#include "check.h"

/* The columns of line split at re, joined by '|'. */
static int split_is(const char *re, const char *line, const char *want)
{
	struct tr_colsep *c;
	struct tr_strv v = {0};
	struct sk_error err;
	char got[256] = "";
	int ok;

	if (tr_colsep_new(re, &c, &err) != 0)
		return 0;
	ok = tr_colsep_split(c, line, &v, &err) == 0;
	for (long i = 0; ok && i < v.n; i++) {
		if (i)
			strcat(got, "|");
		strcat(got, v.v[i]);
	}
	if (ok && strcmp(got, want) != 0) {
		printf("# split /%s/ of '%s': '%s', not '%s'\n", re, line, got, want);
		ok = 0;
	}
	tr_strv_release(&v);
	tr_colsep_free(c);
	return ok;
}

int main(void)
{
	struct tr_colsep *c;
	struct tr_strv v = {0};
	struct sk_error err;
	char s[64];
	int mode = -1;

	CHECK(split_is(",", "a,b,,c,", "a|b||c|"));
	/* A match at the start makes an empty first column. */
	CHECK(split_is("\\s+", " a  b ", "|a|b|"));
	CHECK(split_is("\\d+", "12ab34", "|ab|"));
	CHECK(split_is(",", ",", "|"));
	/* An empty match splits between characters, never at a column's
	 * start; one at the end leaves an empty last column. */
	CHECK(split_is("", "abc", "a|b|c|"));
	CHECK(split_is("x*", "axxb", "a|b|"));
	CHECK(split_is("a|", "bab", "b|b|"));
	/* Groups are columns too, an unset one empty. */
	CHECK(split_is("(,)|(;)", "a,b;c", "a|,||b||;|c"));
	/* Perl's syntax: \t, inline flags. */
	CHECK(split_is("\\t", "a\tb", "a|b"));
	CHECK(split_is("(?i)X", "axbXc", "a|b|c"));
	/* No match: the line, one column; an empty line: one empty column. */
	CHECK(split_is(";", "a b", "a b"));
	CHECK(tr_colsep_new(";", &c, &err) == 0);
	CHECK(tr_colsep_split(c, "", &v, &err) == 0 && v.n == 1 && strcmp(v.v[0], "") == 0);
	/* Columns are appended. */
	CHECK(tr_colsep_split(c, "x;y", &v, &err) == 0 && v.n == 3 && strcmp(v.v[2], "y") == 0);
	tr_strv_clear(&v);
	CHECK(v.n == 0);
	tr_strv_release(&v);
	tr_colsep_free(c);
	tr_colsep_free(NULL);

	/* A bad expression: SK_EARG with PCRE2's reason and where. */
	CHECK(tr_colsep_new("a(b", &c, &err) == SK_EARG && c == NULL);
	CHECKF(strcmp(err.msg, "invalid --colsep 'a(b': missing closing parenthesis at offset 3") == 0, "%s",
	       err.msg);

	/* --trim: n l r lr rl, Perl's \s (blank \t \n \v \f \r). */
	CHECK(tr_trim_parse("n", &mode, &err) == 0 && mode == TR_TRIM_NONE);
	CHECK(tr_trim_parse("l", &mode, &err) == 0 && mode == TR_TRIM_LEFT);
	CHECK(tr_trim_parse("r", &mode, &err) == 0 && mode == TR_TRIM_RIGHT);
	CHECK(tr_trim_parse("lr", &mode, &err) == 0 && mode == TR_TRIM_BOTH);
	CHECK(tr_trim_parse("rl", &mode, &err) == 0 && mode == TR_TRIM_BOTH);
	CHECK(tr_trim_parse("both", &mode, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid trim 'both' (expected n, l, r, lr or rl)") == 0);
	strcpy(s, " \t\v\f\r\na b \t\v\f\r\n");
	CHECK(strcmp(tr_trim(s, TR_TRIM_LEFT), "a b \t\v\f\r\n") == 0);
	strcpy(s, " \t\v\f\r\na b \t\v\f\r\n");
	CHECK(strcmp(tr_trim(s, TR_TRIM_RIGHT), " \t\v\f\r\na b") == 0);
	strcpy(s, " \t\v\f\r\na b \t\v\f\r\n");
	CHECK(strcmp(tr_trim(s, TR_TRIM_BOTH), "a b") == 0);
	strcpy(s, "  ");
	CHECK(strcmp(tr_trim(s, TR_TRIM_BOTH), "") == 0);
	strcpy(s, " x ");
	CHECK(strcmp(tr_trim(s, TR_TRIM_NONE), " x ") == 0);
	/* Not Perl's \s on bytes: NBSP (0xa0), 0x1c. */
	strcpy(s, "\xa0x\x1c");
	CHECK(strcmp(tr_trim(s, TR_TRIM_BOTH), "\xa0x\x1c") == 0);
	return test_done();
}
