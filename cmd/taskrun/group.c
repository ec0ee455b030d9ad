#include "group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

/* A distinct placeholder of the template (parallel's replacement string),
 * how often it occurs, and the length of its values in the task so far. */
struct key {
	int op;
	long num;
	long count, len;
};

/* The template as parallel measures it (replacement_counts_and_lengths):
 * the bytes outside words that hold a placeholder, the bytes of those
 * words besides their placeholders, how many such words. */
struct measure {
	long noncontext, context, groups;
	struct key *k;
	int nk;
};

static int is_space(char c)
{
	/* Perl's \s. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int measure(const char *tmpl, const char *rpl, struct measure *m)
{
	const char *p = tmpl;

	memset(m, 0, sizeof *m);
	while (*p) {
		const char *w = p, *q;
		size_t len;
		long phlen = 0;
		int op, any = 0;
		long num;

		if (is_space(*p)) {
			m->noncontext++;
			p++;
			continue;
		}
		while (*p && !is_space(*p))
			p++;
		/* The placeholders of the word w..p. */
		for (q = w; (q = tr_tmpl_next(q, rpl, &len, &op, &num)) != NULL && q + len <= p; q += len) {
			int i;
			any = 1;
			phlen += (long)len;
			for (i = 0; i < m->nk && (m->k[i].op != op || m->k[i].num != num); i++)
				;
			if (i == m->nk) {
				struct key *nk = realloc(m->k, (size_t)(m->nk + 1) * sizeof *nk);
				if (!nk)
					return -1;
				m->k = nk;
				memset(&m->k[m->nk], 0, sizeof *nk);
				m->k[m->nk].op = op;
				m->k[m->nk].num = num;
				m->nk++;
			}
			m->k[i].count++;
		}
		if (any) {
			m->context += (long)(p - w) - phlen;
			m->groups++;
		} else {
			m->noncontext += (long)(p - w);
		}
	}
	return 0;
}

/* The length of op of arg as parallel substitutes it, -1 when out of
 * memory. */
static long value_len(int op, const char *arg, int quote)
{
	char *v = tr_tmpl_value(op, arg), *qv;
	long n;

	if (!v)
		return -1;
	qv = quote ? tr_tmpl_quote(v) : v;
	n = qv ? (long)strlen(qv) : -1;
	if (qv != v)
		free(qv);
	free(v);
	return n;
}

static int digits(long n)
{
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Adds (sign 1) or takes away (-1) the record's values, as parallel's
 * CommandLine::push counts them: a positional placeholder ({N}, {-N}, and
 * {#} {%}, which parallel writes as positional) the record's N-th input, any
 * other every input of the record. */
static int push(struct measure *m, const char *const *a, long n, long seq, int quote, int sign)
{
	for (int i = 0; i < m->nk; i++) {
		struct key *k = &m->k[i];
		if (k->op == TR_OP_SEQ || k->op == TR_OP_SLOT) {
			if (n > 0)
				k->len += sign * (k->op == TR_OP_SEQ ? digits(seq) : 1);
		} else if (k->num != 0) {
			const long col = k->num > 0 ? k->num - 1 : n + k->num;
			long l;
			if (col < 0 || col >= n)
				continue;
			if ((l = value_len(k->op, a[col], quote)) < 0)
				return -1;
			k->len += sign * l;
		} else {
			for (long j = 0; j < n; j++) {
				const long l = value_len(k->op, a[j], quote);
				if (l < 0)
					return -1;
				k->len += sign * l;
			}
		}
	}
	return 0;
}

/* Parallel's CommandLine::len of a task of recargs inputs. */
static long line_len(const struct measure *m, int context, long recargs)
{
	long len = m->noncontext;

	if (context) {
		len += recargs * m->context + (recargs - 1) * m->groups;
		for (int i = 0; i < m->nk; i++)
			len += m->k[i].len * m->k[i].count;
	} else {
		len += m->context;
		for (int i = 0; i < m->nk; i++)
			len += (recargs - 1 + m->k[i].len) * m->k[i].count;
	}
	return len;
}

int tr_group_split(const struct tr_group *g, const char *tmpl, const char *rpl, int quote,
		   const char *const *args, const long *off, long nrec, long seq0, long **count, long *ntask,
		   struct sk_error *err)
{
	struct measure m;
	long *c = NULL, n = 0, cap = 0, i = 0, max_args = g->noarg ? 1 : g->max_args;
	int spread_done = 0, rc = 0;

	*count = NULL;
	*ntask = 0;
	if (measure(tmpl ? tmpl : "{}", tmpl ? rpl : NULL, &m) != 0) {
		free(m.k);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	if (!tmpl)
		quote = 0;
	while (i < nrec) {
		const long start = i, seq = seq0 + n;
		long nr = 0;
		for (int k = 0; k < m.nk; k++)
			m.k[k].len = 0;
		while (i < nrec) {
			const char *const *a = args + off[i];
			const long na = off[i + 1] - off[i];
			long len;
			if (!g->noarg && push(&m, a, na, seq, quote, 1) != 0)
				goto oom;
			nr++;
			i++;
			/* The inputs of a task: its records times the first
			 * one's inputs (parallel's number_of_recargs). */
			len = g->noarg ? 0 : line_len(&m, g->context, nr * (off[start + 1] - off[start]));
			if (len >= g->max_chars) {
				if (nr > 1) {
					nr--;
					i--;
					break;
				}
				{
					char shown[64];
					size_t sl = 0;
					for (long j = 0; j < na && sl < 50; j++)
						sl += (size_t)snprintf(shown + sl, sizeof shown - sl, "%s%s", j ? " " : "",
								       a[j]);
					if (sl > 50)
						strcpy(shown + 50, "...");
					rc = sk_error_set(err, SK_EFMT,
							  "command line too long (%ld >= %ld, --max-chars) at input %ld: %s",
							  len, g->max_chars, i, shown);
				}
				goto out;
			}
			if (max_args > 0 && nr >= max_args)
				break;
		}
		/* -X and -m, as parallel: when the input ends within a task,
		 * once, its records are spread over the slots, and no later
		 * task takes more than that. */
		if (g->spread && !spread_done && i == nrec && g->slots > 0) {
			spread_done = 1;
			if (nr > 1) {
				max_args = (nr + g->slots - 1) / g->slots;
				nr = max_args;
				i = start + nr;
			}
		}
		if (n == cap) {
			long *nc = realloc(c, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *nc);
			if (!nc)
				goto oom;
			c = nc;
		}
		c[n++] = nr;
	}
out:
	free(m.k);
	if (rc) {
		free(c);
		return rc;
	}
	*count = c;
	*ntask = n;
	return 0;
oom:
	free(m.k);
	free(c);
	return sk_error_set(err, SK_ENOMEM, "out of memory");
}
