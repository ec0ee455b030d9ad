/*
 * edit_table: segedit's --table (edit.h): the TSV parsed into rows, sorted
 * by the --by keys, and the row of a trace found by binary search.
 */
#include "edit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "heap.h"

static int cmp_rows(const struct sk_edit_table *t, size_t a, size_t b)
{
	for (int j = 0; j < t->nby; j++) {
		const double x = t->val[a * (size_t)t->ncol + (size_t)t->by[j]];
		const double y = t->val[b * (size_t)t->ncol + (size_t)t->by[j]];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* The row order by --by values, ties by line (heap.h: qsort has no context
 * argument in C11). */
static int row_less(const void *ctx, size_t a, size_t b)
{
	const int c = cmp_rows(ctx, a, b);
	return c < 0 || (c == 0 && a < b);
}

static void sort_rows(struct sk_edit_table *t)
{
	for (size_t i = 0; i < t->nrow; i++)
		t->order[i] = i;
	sk_heap_sort(t->order, t->nrow, row_less, t);
}

void sk_edit_table_by_text(const struct sk_edit_table *t, const double *v, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int j = 0; j < t->nby && len < size; j++) {
		const int n = snprintf(buf + len, size - len, "%s%s %.15g", j ? ", " : "",
				       t->key[t->by[j]].name, v[j]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* Splits line (NUL-terminated, modified) at tabs into at most max fields,
 * blanks around each trimmed; returns the count, or max + 1 for too many. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	for (char *p = line;;) {
		char *tab = strchr(p, '\t');
		char *e;
		if (n == max)
			return max + 1;
		if (tab)
			*tab = '\0';
		while (*p == ' ')
			p++;
		for (e = p + strlen(p); e > p && e[-1] == ' ';)
			*--e = '\0';
		f[n++] = p;
		if (!tab)
			return n;
		p = tab + 1;
	}
}

int sk_edit_table_load(const char *path, const char *by, size_t hdrlen, struct sk_edit_table *out,
		       struct sk_error *err)
{
	char *text;
	size_t len;
	int rc = sk_file_read_all(path, &text, &len, err);

	if (rc == 0) {
		rc = sk_edit_table_parse(text, len, by, hdrlen, out, err);
		free(text);
	}
	if (rc == SK_EARG)
		rc = err->code = SK_EUSAGE;
	return sk_error_at(err, rc, path);
}

int sk_edit_table_parse(const char *text, size_t len, const char *by, size_t hdrlen,
			struct sk_edit_table *t, struct sk_error *err)
{
	enum { MAXCOL = sizeof t->key / sizeof t->key[0] };
	struct sk_key bykeys[SK_EDIT_MAX_BY];
	char *buf = malloc(len + 1), *p, *f[MAXCOL + 1];
	size_t cap = 0;
	long lineno = 0;
	int rc = 0, nbk = 0, header = 0;

	memset(t, 0, sizeof *t);
	if (!buf)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	memcpy(buf, text, len);
	buf[len] = '\0';
	if ((rc = sk_keys_parse(by, hdrlen, bykeys, SK_EDIT_MAX_BY, &nbk, err)) < 0)
		goto out;
	for (p = buf; *p || p < buf + len;) {
		char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		char *line = p;
		int nf;

		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : buf + len;
		lineno++;
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (strlen(line) != (size_t)((nl ? nl : buf + len) - line) && strlen(line) + 1 != (size_t)((nl ? nl : buf + len) - line)) {
			rc = sk_error_set(err, SK_EFMT, "line %ld: a NUL byte: not a text table", lineno);
			goto out;
		}
		if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
			continue;
		nf = split_tabs(line, f, MAXCOL);
		if (!header) {
			if (nf > MAXCOL) {
				rc = sk_error_set(err, SK_EARG, "line %ld: more than %d columns", lineno, MAXCOL);
				goto out;
			}
			for (int j = 0; j < nf; j++) {
				if ((rc = sk_key_parse(f[j], hdrlen, &t->key[j], err)) < 0) {
					char m[sizeof err->msg];
					snprintf(m, sizeof m, "%s", err->msg);
					rc = sk_error_set(err, SK_EARG, "line %ld, column %d: %s", lineno, j + 1, m);
					goto out;
				}
				if (t->key[j].desc) {
					rc = sk_error_set(err, SK_EARG, "line %ld, column %d: unknown header key '%s'",
							  lineno, j + 1, f[j]);
					goto out;
				}
				for (int i = 0; i < j; i++)
					if (t->key[i].byte == t->key[j].byte) {
						rc = sk_error_set(err, SK_EARG, "line %ld: columns %d and %d both name %s",
								  lineno, i + 1, j + 1, t->key[j].name);
						goto out;
					}
			}
			t->ncol = nf;
			for (int b = 0; b < nbk; b++) {
				int j;
				for (j = 0; j < nf; j++)
					if (t->key[j].byte == bykeys[b].byte && t->key[j].type == bykeys[b].type)
						break;
				if (j == nf) {
					rc = sk_error_set(err, SK_EARG, "--by key %s is not a column of the table", bykeys[b].name);
					goto out;
				}
				t->by[b] = j;
			}
			t->nby = nbk;
			header = 1;
			continue;
		}
		if (nf != t->ncol) {
			rc = sk_error_set(err, SK_EFMT, "line %ld has %s%d fields, the header line %d", lineno,
					  nf > MAXCOL ? "more than " : "", nf > MAXCOL ? MAXCOL : nf, t->ncol);
			goto out;
		}
		if (t->nrow == cap) {
			const size_t nc = cap ? 2 * cap : 256;
			double *v = realloc(t->val, nc * (size_t)t->ncol * sizeof *v);
			long *l;
			if (v)
				t->val = v;
			l = v ? realloc(t->line, nc * sizeof *l) : NULL;
			if (!l) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto out;
			}
			t->line = l;
			cap = nc;
		}
		for (int j = 0; j < nf; j++) {
			char *end;
			double x;
			errno = 0;
			x = strtod(f[j], &end);
			if (end == f[j] || *end != '\0' || !isfinite(x)) {
				rc = sk_error_set(err, SK_EFMT, "line %ld, column %d: '%s' is not a number", lineno, j + 1,
						  f[j]);
				goto out;
			}
			t->val[t->nrow * (size_t)t->ncol + (size_t)j] = x;
		}
		t->line[t->nrow++] = lineno;
	}
	if (!header) {
		rc = sk_error_set(err, SK_EFMT, "no header line naming keys");
		goto out;
	}
	if (!(t->order = malloc((t->nrow ? t->nrow : 1) * sizeof *t->order))) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	sort_rows(t);
	{
		/* Report the duplicate that comes first in the file. */
		size_t bad = 0;
		long first = 0;
		for (size_t k = 1; k < t->nrow; k++)
			if (cmp_rows(t, t->order[k - 1], t->order[k]) == 0 &&
			    (!first || t->line[t->order[k]] < first)) {
				first = t->line[t->order[k]];
				bad = k;
			}
		if (first) {
			double v[SK_EDIT_MAX_BY];
			char what[256];
			size_t k0 = bad;
			while (k0 > 0 && cmp_rows(t, t->order[k0 - 1], t->order[bad]) == 0)
				k0--;
			for (int j = 0; j < t->nby; j++)
				v[j] = t->val[t->order[bad] * (size_t)t->ncol + (size_t)t->by[j]];
			sk_edit_table_by_text(t, v, what, sizeof what);
			rc = sk_error_set(err, SK_EFMT, "line %ld: the same %s as line %ld", first, what,
					  t->line[t->order[k0]]);
		}
	}
out:
	free(buf);
	if (rc < 0)
		sk_edit_table_release(t);
	return rc;
}

const double *sk_edit_table_find(const struct sk_edit_table *t, const unsigned char *hdr)
{
	double key[SK_EDIT_MAX_BY];
	size_t lo = 0, hi = t->nrow;

	for (int j = 0; j < t->nby; j++)
		key[j] = sk_key_value(hdr, &t->key[t->by[j]]);
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const double *row = t->val + t->order[mid] * (size_t)t->ncol;
		int c = 0;
		for (int j = 0; j < t->nby && c == 0; j++) {
			const double x = row[t->by[j]];
			c = x < key[j] ? -1 : x > key[j] ? 1 : 0;
		}
		if (c == 0)
			return row;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void sk_edit_table_release(struct sk_edit_table *t)
{
	free(t->val);
	free(t->line);
	free(t->order);
	t->val = NULL;
	t->line = NULL;
	t->order = NULL;
	t->nrow = 0;
}
