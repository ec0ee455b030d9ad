#include "columns.h"

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct tr_colsep {
	pcre2_code *re;
	pcre2_match_data *md;
	unsigned groups;   /* capture groups of the pattern */
};

int tr_colsep_new(const char *regex, struct tr_colsep **out, struct sk_error *err)
{
	struct tr_colsep *c = calloc(1, sizeof *c);
	PCRE2_SIZE off;
	uint32_t groups = 0;
	int code;

	*out = NULL;
	if (!c)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (!(c->re = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL))) {
		PCRE2_UCHAR why[160];
		free(c);
		if (pcre2_get_error_message(code, why, sizeof why) < 0)
			strcpy((char *)why, "not a regular expression");
		return sk_error_set(err, SK_EARG, "invalid --colsep '%s': %s at offset %zu", regex, (char *)why,
				    (size_t)off);
	}
	if (!(c->md = pcre2_match_data_create_from_pattern(c->re, NULL))) {
		tr_colsep_free(c);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	pcre2_pattern_info(c->re, PCRE2_INFO_CAPTURECOUNT, &groups);
	c->groups = groups;
	*out = c;
	return 0;
}

void tr_colsep_free(struct tr_colsep *c)
{
	if (!c)
		return;
	pcre2_match_data_free(c->md);
	pcre2_code_free(c->re);
	free(c);
}

void tr_strv_clear(struct tr_strv *v)
{
	for (long i = 0; i < v->n; i++)
		free(v->v[i]);
	v->n = 0;
}

void tr_strv_release(struct tr_strv *v)
{
	tr_strv_clear(v);
	free(v->v);
	memset(v, 0, sizeof *v);
}

int tr_strv_push(struct tr_strv *v, const char *s, size_t len)
{
	char *p;

	if (v->n == v->cap) {
		const long cap = v->cap ? 2 * v->cap : 8;
		char **nv = realloc(v->v, (size_t)cap * sizeof *nv);
		if (!nv)
			return SK_ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	if (!(p = malloc(len + 1)))
		return SK_ENOMEM;
	memcpy(p, s, len);
	p[len] = '\0';
	v->v[v->n++] = p;
	return 0;
}

int tr_colsep_split(struct tr_colsep *c, const char *line, struct tr_strv *out, struct sk_error *err)
{
	const size_t len = strlen(line);
	size_t s = 0;
	long iters = 0;

	if (len == 0)
		return tr_strv_push(out, "", 0) ? sk_error_set(err, SK_ENOMEM, "out of memory") : 0;
	/* Perl's split (pp_split): the next match must end past the current
	 * column's start (PCRE2_NOTEMPTY_ATSTART is that: no empty match at
	 * the start offset); after the last match the rest is a column, even
	 * an empty one, since the limit is -1. */
	while (s < len) {
		const int rc = pcre2_match(c->re, (PCRE2_SPTR)line, len, s, PCRE2_NOTEMPTY_ATSTART, c->md, NULL);
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			PCRE2_UCHAR why[160];
			if (pcre2_get_error_message(rc, why, sizeof why) < 0)
				strcpy((char *)why, "match failed");
			return sk_error_set(err, SK_EARG, "--colsep: %s", (char *)why);
		}
		if (tr_strv_push(out, line + s, ov[0] - s) != 0)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		for (unsigned g = 1; g <= c->groups; g++) {
			const int set = (int)g < rc && ov[2 * g] != PCRE2_UNSET;
			if (tr_strv_push(out, set ? line + ov[2 * g] : "", set ? ov[2 * g + 1] - ov[2 * g] : 0) != 0)
				return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		s = ov[1];
		iters++;
	}
	if ((s < len || iters > 0) && tr_strv_push(out, line + s, len - s) != 0)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

int tr_trim_parse(const char *arg, int *out, struct sk_error *err)
{
	static const char *const names[] = {"n", "l", "r", "lr", "rl"};
	static const int modes[] = {TR_TRIM_NONE, TR_TRIM_LEFT, TR_TRIM_RIGHT, TR_TRIM_BOTH, TR_TRIM_BOTH};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(arg, names[i]) == 0) {
			*out = modes[i];
			return 0;
		}
	return sk_error_set(err, SK_EARG, "invalid trim '%s' (expected n, l, r, lr or rl)", arg);
}

/* Perl's \s on bytes: blank, \t \n \v \f \r (\v since Perl 5.18). */
static int perl_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

char *tr_trim(char *s, int mode)
{
	if (mode == TR_TRIM_RIGHT || mode == TR_TRIM_BOTH) {
		size_t n = strlen(s);
		while (n > 0 && perl_space(s[n - 1]))
			s[--n] = '\0';
	}
	if (mode == TR_TRIM_LEFT || mode == TR_TRIM_BOTH)
		while (perl_space(*s))
			s++;
	return s;
}
