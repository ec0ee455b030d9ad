/*
 * columns: GNU parallel's --colsep and --trim.  An input line is split into
 * columns by a Perl regular expression, as GNU parallel splits it (Perl's
 * split /RE/, LINE, -1, through PCRE2, which reads Perl's syntax); each
 * column may then be trimmed of white space.  The only file that includes
 * <pcre2.h>.
 */
#ifndef TR_COLUMNS_H
#define TR_COLUMNS_H

#include <stddef.h>

#include "diag.h"

struct tr_colsep;

/* Compiles regex (bytes, not UTF-8, as GNU parallel's Perl reads them).
 * Returns 0, or SK_EARG ("invalid --colsep 'RE': PCRE2's reason at offset
 * N") or SK_ENOMEM, with err set. */
int tr_colsep_new(const char *regex, struct tr_colsep **out, struct sk_error *err);
void tr_colsep_free(struct tr_colsep *c);

/* A growing vector of malloc'd strings. */
struct tr_strv {
	char **v;
	long n, cap;
};

/* Frees the strings and empties v (its room is kept). */
void tr_strv_clear(struct tr_strv *v);
void tr_strv_release(struct tr_strv *v);
/* Appends a malloc'd copy of the len bytes at s.  0 or SK_ENOMEM. */
int tr_strv_push(struct tr_strv *v, const char *s, size_t len);

/*
 * Appends the columns of line to out, as Perl's split /RE/, line, -1 makes
 * them: each match ends a column (a match must end past the column's start,
 * so an empty match splits between characters), the pattern's groups are
 * columns too (an unset group an empty one), and the text after the last
 * match is the last column, empty when the line ends with a match.  An
 * empty line is one empty column, as in GNU parallel.  Returns 0 or
 * SK_ENOMEM (SK_EARG when PCRE2 fails, its limits reached).
 */
int tr_colsep_split(struct tr_colsep *c, const char *line, struct tr_strv *out, struct sk_error *err);

/* --trim: none, left, right or both. */
enum { TR_TRIM_NONE, TR_TRIM_LEFT, TR_TRIM_RIGHT, TR_TRIM_BOTH };

/* Reads --trim's value as GNU parallel does: n, l, r, lr or rl.  Returns 0
 * or SK_EARG ("invalid trim ..."). */
int tr_trim_parse(const char *arg, int *out, struct sk_error *err);

/* Trims s in place of Perl's \s (blank, \t \n \v \f \r) at the start, the
 * end or both (mode); returns the first byte kept, within s. */
char *tr_trim(char *s, int mode);

#endif
