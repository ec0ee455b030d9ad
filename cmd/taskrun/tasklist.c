/* tasklist: the tasks of a run and their frozen text (DIR/tasks). */
#include "tasklist.h"

#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* The strings of the tasks, packed in blocks: one allocation per block, not
 * per string, and no room to grow (builders hand over strings in buffers of
 * 4 KiB for a command of a few bytes). */
struct tr_strblk {
	struct tr_strblk *next;
	size_t used, cap;
	char data[];
};

#define STRBLK_SIZE (64u << 10)   /* bytes a block holds, unless a string is longer */

/* A copy of s in l's blocks, and s freed; NULL (s freed too) when out of
 * memory.  A NULL s is NULL. */
static char *pack(struct tr_tasklist *l, char *s, int *oom)
{
	struct tr_strblk *b = l->blk;
	size_t n;
	char *c;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	if (!b || b->cap - b->used < n) {
		/* A string longer than a quarter of a block gets one of its
		 * own, behind the current one, whose room stays in use. */
		const size_t cap = n > STRBLK_SIZE / 4 ? n : STRBLK_SIZE;
		struct tr_strblk *nb = malloc(sizeof *nb + cap);
		if (!nb) {
			free(s);
			*oom = 1;
			return NULL;
		}
		nb->used = 0;
		nb->cap = cap;
		if (b && cap != STRBLK_SIZE) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			l->blk = nb;
		}
		b = nb;
	}
	c = b->data + b->used;
	memcpy(c, s, n);
	b->used += n;
	free(s);
	return c;
}

int tr_tasklist_add(struct tr_tasklist *l, char *cmd, char *in, char *out)
{
	int oom = 0;

	if (!cmd)
		goto oom;
	if (l->n == l->cap) {
		const long cap = l->cap ? l->cap * 2 : 64;
		struct tr_task *t = realloc(l->t, (size_t)cap * sizeof *t);
		if (!t)
			goto oom;
		l->t = t;
		l->cap = cap;
	}
	l->t[l->n].cmd = pack(l, cmd, &oom);
	l->t[l->n].in = pack(l, in, &oom);
	l->t[l->n].out = pack(l, out, &oom);
	if (oom)
		return SK_ENOMEM;
	l->t[l->n].tag = NULL;
	l->t[l->n].keep = NULL;
	l->t[l->n].where = NULL;
	l->t[l->n].apart = NULL;
	l->t[l->n].input = NULL;
	l->n++;
	return 0;
oom:
	free(cmd);
	free(in);
	free(out);
	return SK_ENOMEM;
}

void tr_tasklist_release(struct tr_tasklist *l)
{
	for (long i = 0; i < l->n; i++) {
		free(l->t[i].tag);
		free(l->t[i].keep);
		free(l->t[i].where);
		free(l->t[i].apart);
		free(l->t[i].input);
	}
	while (l->blk) {
		struct tr_strblk *next = l->blk->next;
		free(l->blk);
		l->blk = next;
	}
	free(l->t);
	l->t = NULL;
	l->n = l->cap = 0;
}

static int put_escaped(struct tr_buf *b, const char *s)
{
	int rc = 0;
	while (s && *s) {
		/* The run of bytes that need no escape, at once. */
		const size_t n = strcspn(s, "\t\n\\");
		if (n > 0)
			rc |= tr_buf_put(b, s, n);
		s += n;
		if (*s == '\t')
			rc |= tr_buf_put(b, "\\t", 2);
		else if (*s == '\n')
			rc |= tr_buf_put(b, "\\n", 2);
		else if (*s == '\\')
			rc |= tr_buf_put(b, "\\\\", 2);
		else
			break;
		s++;
	}
	return rc;
}

char *tr_tasklist_format(const struct tr_tasklist *l)
{
	struct tr_buf b = {0};
	int rc = tr_buf_put(&b, "taskrun tasks 1\n", 16);

	for (long i = 0; i < l->n; i++) {
		rc |= put_escaped(&b, l->t[i].cmd);
		rc |= tr_buf_put(&b, "\t", 1);
		rc |= put_escaped(&b, l->t[i].in);
		rc |= tr_buf_put(&b, "\t", 1);
		rc |= put_escaped(&b, l->t[i].out);
		if (l->t[i].keep || l->t[i].where || l->t[i].apart || l->t[i].input) {
			rc |= tr_buf_put(&b, "\t", 1);
			rc |= put_escaped(&b, l->t[i].keep);
		}
		if (l->t[i].where || l->t[i].apart || l->t[i].input) {
			rc |= tr_buf_put(&b, "\t", 1);
			rc |= put_escaped(&b, l->t[i].where);
			rc |= tr_buf_put(&b, "\t", 1);
			rc |= put_escaped(&b, l->t[i].apart);
		}
		if (l->t[i].input) {
			rc |= tr_buf_put(&b, "\t", 1);
			rc |= put_escaped(&b, l->t[i].input);
		}
		rc |= tr_buf_put(&b, "\n", 1);
	}
	rc |= tr_buf_put(&b, "", 1);
	if (rc) {
		tr_buf_release(&b);
		return NULL;
	}
	return b.p;
}

/* Unescapes s[0..n) into a malloc'd string; NULL for an empty field when
 * empty_null. */
static char *unescape(const char *s, size_t n, int empty_null, int *oom)
{
	char *o, *q;
	if (n == 0 && empty_null)
		return NULL;
	o = q = malloc(n + 1);
	if (!o) {
		*oom = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			*q++ = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i];
		} else {
			*q++ = s[i];
		}
	}
	*q = '\0';
	return o;
}

int tr_tasklist_parse(const char *text, struct tr_tasklist *out, struct sk_error *err)
{
	const char *p = text;
	long lineno = 1;

	memset(out, 0, sizeof *out);
	if (strncmp(p, "taskrun tasks 1\n", 16) != 0)
		return sk_error_set(err, SK_EFMT, "not a taskrun task list");
	p += 16;
	while (*p) {
		const char *nl = strchr(p, '\n'), *t1, *t2, *t3, *t4 = NULL, *t5 = NULL, *t6 = NULL;
		int oom = 0;
		char *c, *i, *o, *k = NULL, *wh = NULL, *ap = NULL, *ip = NULL;
		lineno++;
		if (!nl)
			return sk_error_set(err, SK_EFMT, "line %ld: truncated", lineno);
		t1 = memchr(p, '\t', (size_t)(nl - p));
		t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
		if (!t2) {
			tr_tasklist_release(out);
			return sk_error_set(err, SK_EFMT, "line %ld: malformed", lineno);
		}
		/* A fourth field, --keep, only in lists that have one; a
		 * fifth and sixth, --where and --apart, likewise. */
		t3 = memchr(t2 + 1, '\t', (size_t)(nl - t2 - 1));
		if (t3)
			t4 = memchr(t3 + 1, '\t', (size_t)(nl - t3 - 1));
		if (t4 && !(t5 = memchr(t4 + 1, '\t', (size_t)(nl - t4 - 1)))) {
			tr_tasklist_release(out);
			return sk_error_set(err, SK_EFMT, "line %ld: malformed", lineno);
		}
		c = unescape(p, (size_t)(t1 - p), 0, &oom);
		i = unescape(t1 + 1, (size_t)(t2 - t1 - 1), 1, &oom);
		o = unescape(t2 + 1, (size_t)((t3 ? t3 : nl) - t2 - 1), 1, &oom);
		if (t3)
			k = unescape(t3 + 1, (size_t)((t4 ? t4 : nl) - t3 - 1), 1, &oom);
		/* A seventh, the input piece, likewise. */
		if (t5)
			t6 = memchr(t5 + 1, '\t', (size_t)(nl - t5 - 1));
		if (t5) {
			wh = unescape(t4 + 1, (size_t)(t5 - t4 - 1), 1, &oom);
			ap = unescape(t5 + 1, (size_t)((t6 ? t6 : nl) - t5 - 1), 1, &oom);
		}
		if (t6)
			ip = unescape(t6 + 1, (size_t)(nl - t6 - 1), 1, &oom);
		if (oom || tr_tasklist_add(out, c, i, o) != 0) {
			if (oom) {
				free(c);
				free(i);
				free(o);
			}
			free(k);
			free(wh);
			free(ap);
			free(ip);
			tr_tasklist_release(out);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		out->t[out->n - 1].keep = k;
		out->t[out->n - 1].where = wh;
		out->t[out->n - 1].apart = ap;
		out->t[out->n - 1].input = ip;
		p = nl + 1;
	}
	return 0;
}
