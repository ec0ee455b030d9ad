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

char *tr_tmpl_quote(const char *s)
{
	size_t n = 0, extra = 0;
	const char *p;
	char *q, *o;
	int plain = *s != '\0';

	for (p = s; *p; p++, n++) {
		if (!safe_char((unsigned char)*p))
			plain = 0;
		if (*p == '\'')
			extra += 3;
	}
	/* Bytes >= 0x80 are safe for sh unquoted, but a leading '~' or '=' is
	 * not; safe_char excludes those already. */
	if (plain)
		return strdup(s);
	q = malloc(n + extra + 3);
	if (!q)
		return NULL;
	o = q;
	*o++ = '\'';
	for (p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* The placeholders, longest first so that "{/.}" is not read as "{/}". */
static const char *const placeholders[] = {"{/.}", "{//}", "{}", "{.}", "{/}", "{#}"};

static int placeholder_at(const char *p)
{
	for (int i = 0; i < (int)(sizeof placeholders / sizeof *placeholders); i++)
		if (strncmp(p, placeholders[i], strlen(placeholders[i])) == 0)
			return i;
	return -1;
}

int tr_tmpl_has_placeholder(const char *tmpl)
{
	for (const char *p = strchr(tmpl, '{'); p; p = strchr(p + 1, '{'))
		if (placeholder_at(p) >= 0)
			return 1;
	return 0;
}

static char *value(int which, const char *arg, long seq)
{
	const char *base = strrchr(arg, '/');
	const char *dot;
	char num[32];

	base = base ? base + 1 : arg;
	switch (which) {
	case 0: /* {/.} */
		dot = strrchr(base, '.');
		return strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
	case 1: /* {//} */
		return base == arg ? strdup(".") : strndup(arg, base - arg > 1 ? (size_t)(base - arg - 1) : 1);
	case 2: /* {} */
		return strdup(arg);
	case 3: /* {.} */
		dot = strrchr(base, '.');
		return strndup(arg, dot && dot != base ? (size_t)(dot - arg) : strlen(arg));
	case 4: /* {/} */
		return strdup(base);
	default: /* {#} */
		snprintf(num, sizeof num, "%ld", seq);
		return strdup(num);
	}
}

char *tr_tmpl_expand(const char *tmpl, const char *arg, long seq, int quote)
{
	struct tr_buf b = {0};
	const char *p = tmpl;

	while (*p) {
		const char *q = strchr(p, '{');
		int which;
		char *v, *qv;

		if (!q) {
			if (tr_buf_put(&b, p, strlen(p)) != 0)
				goto oom;
			break;
		}
		if (tr_buf_put(&b, p, (size_t)(q - p)) != 0)
			goto oom;
		which = placeholder_at(q);
		if (which < 0) {
			if (tr_buf_put(&b, "{", 1) != 0)
				goto oom;
			p = q + 1;
			continue;
		}
		v = value(which, arg, seq);
		if (!v)
			goto oom;
		qv = quote ? tr_tmpl_quote(v) : v;
		if (!qv || tr_buf_put(&b, qv, strlen(qv)) != 0) {
			if (qv != v)
				free(qv);
			free(v);
			goto oom;
		}
		if (qv != v)
			free(qv);
		free(v);
		p = q + strlen(placeholders[which]);
	}
	if (tr_buf_put(&b, "", 1) != 0)
		goto oom;
	return b.p;
oom:
	tr_buf_release(&b);
	return NULL;
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
