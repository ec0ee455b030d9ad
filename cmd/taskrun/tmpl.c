#include "tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static int safe_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_-+./,:@%^", c) != NULL || c >= 0x80;
}

/* What GNU parallel leaves unquoted: anything else is quoted, so that the
 * command lines of both tools are the same text. */
static int bare_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("_-+./", c) != NULL);
}

char *tr_tmpl_quote(const char *s)
{
	struct tr_buf b = {0};
	const char *p;
	int bare = *s != '\0', rc = 0;

	for (p = s; *p; p++)
		if (!bare_char((unsigned char)*p))
			bare = 0;
	if (bare)
		return strdup(s);
	/* '...' with each quote as '"'"' (GNU parallel's form), and the empty
	 * '' that a leading or trailing quote leaves dropped. */
	if (*s != '\'')
		rc |= tr_buf_put(&b, "'", 1);
	for (p = s; *p; p++) {
		if (*p != '\'')
			rc |= tr_buf_put(&b, p, 1);
		else if (p == s && p[1] == '\0')
			rc |= tr_buf_put(&b, "\"'\"", 3);
		else if (p == s)
			rc |= tr_buf_put(&b, "\"'\"'", 4);
		else if (p[1] == '\0')
			rc |= tr_buf_put(&b, "'\"'\"", 4);
		else
			rc |= tr_buf_put(&b, "'\"'\"'", 5);
	}
	if (p == s || p[-1] != '\'')
		rc |= tr_buf_put(&b, "'", 1);
	rc |= tr_buf_put(&b, "", 1);
	if (rc) {
		tr_buf_release(&b);
		return NULL;
	}
	return b.p;
}


/* Parses a placeholder at p ('{'): {} {.} {/} {//} {/.} with an optional
 * input number before the operator ({2/.}), counted from the last input
 * when negative ({-1} the last, {-2/} as GNU parallel), {#} and {%}.
 * Returns its length and sets *op and *num (0: every input), or 0. */
static size_t placeholder_at(const char *p, int *op, long *num)
{
	static const char *const ops[] = {"}", ".}", "/}", "//}", "/.}"};
	const char *q = p + 1;
	long n = 0;
	int neg = 0;

	if (strncmp(q, "#}", 2) == 0 || strncmp(q, "%}", 2) == 0) {
		*op = q[0] == '#' ? TR_OP_SEQ : TR_OP_SLOT;
		*num = 0;
		return 3;
	}
	if (*q == '-' && q[1] >= '1' && q[1] <= '9') {
		neg = 1;
		q++;
	}
	if (*q >= '1' && *q <= '9') {
		while (*q >= '0' && *q <= '9' && n < 1000000)
			n = n * 10 + (*q++ - '0');
		if (*q >= '0' && *q <= '9')
			return 0;
	}
	for (int i = (int)(sizeof ops / sizeof *ops) - 1; i >= 0; i--)
		if (strncmp(q, ops[i], strlen(ops[i])) == 0) {
			*op = i;
			*num = neg ? -n : n;
			return (size_t)(q - p) + strlen(ops[i]);
		}
	return 0;
}

/* The next placeholder of p, or NULL: its length in *len, its operator
 * and input in *op and *num.  With rpl (-I), rpl is {} (TR_OP_ALL of every
 * input), and {} {N} {-N} are text, as GNU parallel reads them then. */
const char *tr_tmpl_next(const char *p, const char *rpl, size_t *len, int *op, long *num)
{
	const char *r = rpl ? strstr(p, rpl) : NULL;

	for (const char *q = strchr(p, '{'); q && (!r || q < r); q = strchr(q + 1, '{'))
		if ((*len = placeholder_at(q, op, num)) > 0 && (!rpl || *op != TR_OP_ALL))
			return q;
	if (r) {
		*len = strlen(rpl);
		*op = TR_OP_ALL;
		*num = 0;
	}
	return r;
}

int tr_tmpl_has_placeholder_r(const char *tmpl, const char *rpl)
{
	size_t len;
	int op;
	long num;

	return tr_tmpl_next(tmpl, rpl, &len, &op, &num) != NULL;
}

int tr_tmpl_has_placeholder(const char *tmpl)
{
	return tr_tmpl_has_placeholder_r(tmpl, NULL);
}

int tr_tmpl_has_slot(const char *tmpl)
{
	return strchr(tmpl, TR_TMPL_SLOT) != NULL;
}

/* {//}: the directory of arg as GNU parallel gives it, which is Perl's
 * File::Basename::dirname and dirname(1): trailing slashes are dropped,
 * then the last part, then the slashes before it ("a/" and "../" give
 * ".", "a//b" and "a/b//" "a", "//a//" "/"). */
static char *dir_of(const char *arg)
{
	size_t n = strlen(arg);

	while (n > 1 && arg[n - 1] == '/')
		n--;
	while (n > 0 && arg[n - 1] != '/')
		n--;
	if (n == 0)
		return strdup(".");
	while (n > 1 && arg[n - 1] == '/')
		n--;
	return strndup(arg, n);
}

char *tr_tmpl_value(int which, const char *arg)
{
	const char *base = strrchr(arg, '/');
	const char *dot;

	base = base ? base + 1 : arg;
	switch (which) {
	/* The extension goes as GNU parallel removes it (s/\.[^\/.]*$//):
	 * from the last dot of the base name, even its first character. */
	case TR_OP_BASENOEXT:
		dot = strrchr(base, '.');
		return strndup(base, dot ? (size_t)(dot - base) : strlen(base));
	case TR_OP_DIR:
		return dir_of(arg);
	case TR_OP_NOEXT:
		dot = strrchr(base, '.');
		return strndup(arg, dot ? (size_t)(dot - arg) : strlen(arg));
	case TR_OP_BASE:
		return strdup(base);
	default:
		return strdup(arg);
	}
}

/* Appends op of arg, quoted when asked. */
static int put_value(struct tr_buf *b, int op, const char *arg, int quote)
{
	char *v = tr_tmpl_value(op, arg), *qv;
	int rc;

	if (!v)
		return -1;
	qv = quote ? tr_tmpl_quote(v) : v;
	rc = !qv || tr_buf_put(b, qv, strlen(qv)) != 0;
	if (qv != v)
		free(qv);
	free(v);
	return rc ? -1 : 0;
}

/* Appends tmpl expanded to b: {} and the other placeholders without an
 * input number take the ncur inputs cur (each in turn, joined by blanks),
 * {N} and {-N} the N-th of the nall inputs all.  With noarg (GNU
 * parallel's -N 0) every input is nothing, not even quotes. */
static int expand_into(struct tr_buf *b, const char *tmpl, const char *rpl, const char *const *all, int nall,
		       const char *const *cur, int ncur, long seq, int quote, int noarg)
{
	const char *p = tmpl;

	while (*p) {
		int op, rc = 0;
		long num;
		size_t len;
		const char *q = tr_tmpl_next(p, rpl, &len, &op, &num);

		if (!q)
			return tr_buf_put(b, p, strlen(p)) != 0 ? -1 : 0;
		if (tr_buf_put(b, p, (size_t)(q - p)) != 0)
			return -1;
		if (op == TR_OP_SEQ) {
			char n[32];
			snprintf(n, sizeof n, "%ld", seq);
			rc = tr_buf_put(b, n, strlen(n));
		} else if (op == TR_OP_SLOT) {
			/* Known when the task starts (tr_tmpl_slot). */
			const char m = TR_TMPL_SLOT;
			rc = tr_buf_put(b, &m, 1);
		} else if (noarg) {
			for (int i = 1; i < ncur && num == 0 && !rc; i++)
				rc = tr_buf_put(b, " ", 1);
		} else if (num > 0) {
			/* An input beyond the last one is empty, as in GNU
			 * parallel. */
			if (num <= nall)
				rc = put_value(b, op, all[num - 1], quote);
		} else if (num < 0) {
			/* Counted from the last input; empty before the first
			 * (where GNU parallel 20221122 wraps around oddly:
			 * {-3} of two inputs is the second). */
			if (-num <= nall)
				rc = put_value(b, op, all[nall + num], quote);
		} else {
			for (int i = 0; i < ncur && !rc; i++)
				rc = (i && tr_buf_put(b, " ", 1)) || put_value(b, op, cur[i], quote);
		}
		if (rc)
			return -1;
		p = q + len;
	}
	return 0;
}

/* The buffer's string, malloc'd at its size (NULL when out of memory). */
static char *buf_string(struct tr_buf *b, const char *stack)
{
	if (tr_buf_put(b, "", 1) != 0) {
		tr_buf_release(b);
		return NULL;
	}
	if (b->borrowed) {
		char *r = malloc(b->len);
		if (r)
			memcpy(r, stack, b->len);
		return r;
	}
	return b->p;
}

char *tr_tmpl_expandr(const char *tmpl, const char *rpl, const char *const *args, int nargs, long seq, int quote)
{
	/* Built on the stack while it fits, and returned at its size: a list
	 * of a million tasks expands a million templates. */
	char stack[256];
	struct tr_buf b = {stack, 0, 0, sizeof stack, 1};

	if (expand_into(&b, tmpl, rpl, args, nargs, args, nargs, seq, quote, 0) != 0) {
		tr_buf_release(&b);
		return NULL;
	}
	return buf_string(&b, stack);
}

char *tr_tmpl_expandg(const char *tmpl, const char *rpl, const char *const *args, int nargs, long seq, int quote,
		      int context, int noarg)
{
	char stack[256];
	struct tr_buf b = {stack, 0, 0, sizeof stack, 1};
	const char *p = tmpl;
	char *word = NULL;

	if (!context) {
		if (expand_into(&b, tmpl, rpl, args, nargs, args, nargs, seq, quote, noarg) != 0)
			goto oom;
		return buf_string(&b, stack);
	}
	/* GNU parallel's context replace: a word (up to a blank or a tab)
	 * that holds a placeholder of the inputs is written once per input,
	 * the copies separated by blanks; a word with only {N} {-N} {#} {%}
	 * once. */
	while (*p) {
		const size_t gap = strspn(p, " \t"), wl = strcspn(p + gap, " \t");
		size_t len;
		int op, each = 0, any = 0, rc = 0;
		long num;

		if (tr_buf_put(&b, p, gap) != 0)
			goto oom;
		p += gap;
		if (!wl)
			break;
		free(word);
		if (!(word = strndup(p, wl)))
			goto oom;
		p += wl;
		for (const char *q = word; (q = tr_tmpl_next(q, rpl, &len, &op, &num)) != NULL; q += len) {
			any = 1;
			each |= num == 0 && op != TR_OP_SEQ && op != TR_OP_SLOT;
		}
		if (!any) {
			rc = tr_buf_put(&b, word, wl);
		} else if (!each) {
			rc = expand_into(&b, word, rpl, args, nargs, args, nargs, seq, quote, noarg);
		} else if (nargs == 0) {
			rc = expand_into(&b, word, rpl, args, nargs, args, 0, seq, quote, noarg);
		} else {
			for (int i = 0; i < nargs && !rc; i++)
				rc = (i && tr_buf_put(&b, " ", 1)) ||
				     expand_into(&b, word, rpl, args, nargs, args + i, 1, seq, quote, noarg);
		}
		if (rc)
			goto oom;
	}
	free(word);
	return buf_string(&b, stack);
oom:
	free(word);
	tr_buf_release(&b);
	return NULL;
}

char *tr_tmpl_expandv(const char *tmpl, const char *const *args, int nargs, long seq, int quote)
{
	return tr_tmpl_expandr(tmpl, NULL, args, nargs, seq, quote);
}

char *tr_tmpl_expand(const char *tmpl, const char *arg, long seq, int quote)
{
	return tr_tmpl_expandv(tmpl, &arg, 1, seq, quote);
}

char *tr_tmpl_slot(const char *cmd, int slot)
{
	struct tr_buf b = {0};
	char n[32];
	const char *p;
	int rc = 0;

	snprintf(n, sizeof n, "%d", slot);
	for (p = cmd; *p; p++)
		rc |= *p == TR_TMPL_SLOT ? tr_buf_put(&b, n, strlen(n)) : tr_buf_put(&b, p, 1);
	rc |= tr_buf_put(&b, "", 1);
	if (rc) {
		tr_buf_release(&b);
		return NULL;
	}
	return b.p;
}

void tr_tmpl_words_free(char **w)
{
	if (!w)
		return;
	for (char **p = w; *p; p++)
		free(*p);
	free(w);
}

int tr_tmpl_words(const char *s, char ***out, struct sk_error *err)
{
	char **w = NULL;
	int n = 0;
	const char *p = s;

	for (;;) {
		struct tr_buf word = {0};
		char **nw;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			int rc = 0;
			if (*p == '\'' || *p == '"') {
				const char qc = *p++;
				while (*p && *p != qc) {
					if (qc == '"' && *p == '\\' && p[1] && strchr("\\\"$`", p[1]))
						p++;
					rc |= tr_buf_put(&word, p++, 1);
				}
				if (!*p) {
					tr_buf_release(&word);
					tr_tmpl_words_free(w);
					return sk_error_set(err, SK_EARG, "unclosed quote in '%s'", s);
				}
				p++;
			} else if (*p == '\\' && p[1]) {
				rc |= tr_buf_put(&word, p + 1, 1);
				p += 2;
			} else {
				rc |= tr_buf_put(&word, p++, 1);
			}
			if (rc) {
				tr_buf_release(&word);
				goto oom;
			}
		}
		if (tr_buf_put(&word, "", 1) != 0 ||
		    !(nw = realloc(w, (size_t)(n + 2) * sizeof *w))) {
			tr_buf_release(&word);
			goto oom;
		}
		w = nw;
		w[n++] = word.p;
		w[n] = NULL;
	}
	if (!w && !(w = calloc(1, sizeof *w)))
		goto oom;
	*out = w;
	return n;
oom:
	tr_tmpl_words_free(w);
	return sk_error_set(err, SK_ENOMEM, "out of memory");
}

int tr_tmpl_plain(const char *cmd)
{
	const unsigned char *p = (const unsigned char *)cmd;
	int words = 0;

	/* '=' is excluded so that "VAR=x cmd" keeps going through the shell. */
	for (; *p; p++) {
		if (*p == ' ')
			continue;
		if (!safe_char(*p) || *p == '%' || *p == '^')
			return 0;
		if (p == (const unsigned char *)cmd || p[-1] == ' ')
			words++;
	}
	return words > 0;
}
