#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "hostfile.h"
#include "ofile.h"
#include "piece.h"
#include "proto.h"

/* A copy of s at its size, and s freed: builders hand over strings in
 * buffers with room to grow (4 KiB for a command of a few bytes), and a list
 * of a million tasks keeps them all. */
static int fit(char **s)
{
	size_t n;
	char *c;

	if (!*s)
		return 0;
	n = strlen(*s) + 1;
	/* Already at its size (give or take malloc's rounding). */
	if (malloc_usable_size(*s) <= n + 32)
		return 0;
	if (!(c = malloc(n)))
		return SK_ENOMEM;
	memcpy(c, *s, n);
	free(*s);
	*s = c;
	return 0;
}

int tr_tasklist_add(struct tr_tasklist *l, char *cmd, char *in, char *out)
{
	if (!cmd || fit(&cmd) || fit(&in) || fit(&out))
		goto oom;
	if (l->n == l->cap) {
		const long cap = l->cap ? l->cap * 2 : 64;
		struct tr_task *t = realloc(l->t, (size_t)cap * sizeof *t);
		if (!t)
			goto oom;
		l->t = t;
		l->cap = cap;
	}
	l->t[l->n].cmd = cmd;
	l->t[l->n].in = in;
	l->t[l->n].out = out;
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
		free(l->t[i].cmd);
		free(l->t[i].in);
		free(l->t[i].out);
		free(l->t[i].tag);
		free(l->t[i].keep);
		free(l->t[i].where);
		free(l->t[i].apart);
		free(l->t[i].input);
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

void tr_event_init(struct tr_event *e, const char *ev)
{
	memset(e, 0, sizeof *e);
	e->t = tr_wall();
	snprintf(e->ev, sizeof e->ev, "%s", ev);
	strcpy(e->host, "-");
}

/* Appends s to *o (room is checked by the caller), with the journal's
 * separators (tab, newline, CR) turned into blanks; at most max bytes. */
static char *put_clean(char *o, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++)
		*o++ = s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
	return o;
}

/* Appends the decimal digits of v (>= 0) to o. */
static char *put_digits(char *o, unsigned long long v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		*o++ = d[--n];
	return o;
}

static char *put_long(char *o, long long v)
{
	if (v < 0) {
		*o++ = '-';
		return put_digits(o, (unsigned long long)(-(v + 1)) + 1);
	}
	return put_digits(o, (unsigned long long)v);
}

/* x as "%.6f" prints it, without printf's conversion of the whole binary
 * value (most of the cost of a journal line): the integer part and the
 * fraction apart (x - floor(x) is exact), the fraction scaled to
 * micro-units and rounded.  A fraction within a hair of a rounding tie,
 * and anything negative, huge or not finite, goes to snprintf. */
static char *put_fixed6(char *o, double x)
{
	if (x >= 0 && x < 1e15) {
		const double ip = floor(x), us = (x - ip) * 1e6, r = floor(us);
		const double f = us - r;
		if (f < 0.5 - 1e-6 || f > 0.5 + 1e-6) {
			unsigned long long u = (unsigned long long)r + (f > 0.5);
			unsigned long long i = (unsigned long long)ip;
			char d[6];
			if (u >= 1000000) {
				u -= 1000000;
				i++;
			}
			o = put_digits(o, i);
			*o++ = '.';
			for (int k = 5; k >= 0; k--, u /= 10)
				d[k] = (char)('0' + u % 10);
			memcpy(o, d, 6);
			return o + 6;
		}
	}
	return o + snprintf(o, 64, "%.6f", x);
}

int tr_event_format(const struct tr_event *e, char *buf, size_t n)
{
	/* The longest line: 4 numbers of up to 64 bytes, 5 integers of up to
	 * 20, the strings and 12 separators. */
	char line[4 * 64 + 5 * 21 + sizeof e->ev + sizeof e->host + sizeof e->note + 16];
	char *o = line;
	size_t len;

	o = put_fixed6(o, e->t);
	*o++ = '\t';
	o = put_clean(o, e->ev, sizeof e->ev - 1);
	*o++ = '\t';
	o = put_long(o, e->task);
	*o++ = '\t';
	o = put_long(o, e->attempt);
	*o++ = '\t';
	o = e->host[0] ? put_clean(o, e->host, sizeof e->host - 1) : put_clean(o, "-", 1);
	*o++ = '\t';
	o = put_long(o, e->status);
	*o++ = '\t';
	o = put_long(o, e->sig);
	*o++ = '\t';
	o = put_fixed6(o, e->wall);
	*o++ = '\t';
	o = put_fixed6(o, e->user);
	*o++ = '\t';
	o = put_fixed6(o, e->sys);
	*o++ = '\t';
	o = put_long(o, e->maxrss);
	*o++ = '\t';
	o = put_clean(o, e->note, sizeof e->note - 1);
	*o++ = '\n';
	len = (size_t)(o - line);
	/* As snprintf: what fits, terminated, and the whole length. */
	if (n > 0) {
		const size_t k = len < n ? len : n - 1;
		memcpy(buf, line, k);
		buf[k] = '\0';
	}
	return (int)len;
}

/* A number of the form taskrun writes ("%.6f": digits, a point, up to six
 * digits) without strtod: a resume reads millions.  The digits make an
 * exact integer and one division by a power of ten rounds it as strtod
 * does.  Anything else (signs, exponents, more digits) goes to strtod. */
static double fixed6(const char *s, size_t n, int *ok)
{
	static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
	long long v = 0;
	size_t i = 0, nd = 0, nf = 0;

	for (; i < n && s[i] >= '0' && s[i] <= '9' && nd < 12; i++, nd++)
		v = v * 10 + (s[i] - '0');
	if (nd > 0 && i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && nf < 6; i++, nf++)
			v = v * 10 + (s[i] - '0');
	}
	if (nd == 0 || nd == 12 || i != n) {
		char tmp[64], *end;
		double d;
		*ok = n > 0 && n < sizeof tmp;
		if (!*ok)
			return 0;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		d = strtod(tmp, &end);
		*ok = *end == '\0';
		return d;
	}
	*ok = 1;
	return (double)v / pow10[nf];
}

/* A decimal integer field (an optional '-', then digits, at most 18). */
static long long integer(const char *s, size_t n, int *ok)
{
	long long v = 0;
	size_t i = n > 0 && s[0] == '-';
	const int neg = (int)i;

	*ok = n > i && n - i <= 18;
	for (; *ok && i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			*ok = 0;
		else
			v = v * 10 + (s[i] - '0');
	}
	return neg ? -v : v;
}

int tr_event_parse(const char *line, struct tr_event *e)
{
	const char *f[12];
	size_t len[12];
	int k = 0, ok = 1, good;
	const char *p = line;

	/* Every field is set below: no memset of the whole event (a resume
	 * parses millions). */
	/* A byte loop: the fields are short, and a resume splits millions
	 * of lines (strchr's call cost more than its search). */
	while (k < 12) {
		const char *q = p;
		while (*q && *q != '\t')
			q++;
		f[k] = p;
		len[k++] = (size_t)(q - p);
		if (!*q)
			break;
		p = q + 1;
	}
	if (k != 12)
		return SK_EFMT;
	e->t = fixed6(f[0], len[0], &good), ok &= good;
	e->task = (long)integer(f[2], len[2], &good), ok &= good;
	e->attempt = (int)integer(f[3], len[3], &good), ok &= good;
	e->status = (int)integer(f[5], len[5], &good), ok &= good;
	e->sig = (int)integer(f[6], len[6], &good), ok &= good;
	e->wall = fixed6(f[7], len[7], &good), ok &= good;
	e->user = fixed6(f[8], len[8], &good), ok &= good;
	e->sys = fixed6(f[9], len[9], &good), ok &= good;
	e->maxrss = (long)integer(f[10], len[10], &good), ok &= good;
	if (!ok || len[1] == 0 || len[1] >= sizeof e->ev || len[4] >= sizeof e->host)
		return SK_EFMT;
	memcpy(e->ev, f[1], len[1]);
	e->ev[len[1]] = '\0';
	memcpy(e->host, f[4], len[4]);
	e->host[len[4]] = '\0';
	if (len[11] >= sizeof e->note)
		len[11] = sizeof e->note - 1;
	memcpy(e->note, f[11], len[11]);
	e->note[len[11]] = '\0';
	return 0;
}

int tr_journal_open(struct tr_journal *j, const char *path, int sync, struct sk_error *err)
{
	struct stat st;

	memset(j, 0, sizeof *j);
	j->sync = sync;
	if (!(j->path = strdup(path))) {
		j->fd = -1;
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return sk_error_sys_at(err, path);
	/* Terminate a line torn by a crash, so that the next event starts on
	 * a line of its own and the reader skips the torn one. */
	if (fstat(j->fd, &st) == 0 && st.st_size > 0) {
		const int rfd = open(path, O_RDONLY | O_CLOEXEC);
		char c = '\n';
		if (rfd >= 0) {
			if (pread(rfd, &c, 1, st.st_size - 1) != 1)
				c = '\n';
			close(rfd);
		}
		if (c != '\n' && write(j->fd, "\n", 1) != 1)
			return sk_error_sys_at(err, path);
	}
	return 0;
}

/* Lines put are written when this many bytes wait, or at a flush. */
#define JBUF_MAX (64u << 10)

int tr_journal_put(struct tr_journal *j, const struct tr_event *e, struct sk_error *err)
{
	char line[1024];
	int n;

	if (j->fd < 0)
		return 0;
	n = tr_event_format(e, line, sizeof line);
	if (n < 0 || (size_t)n >= sizeof line)
		return sk_error_at(err, sk_error_set(err, SK_EARG, "journal line too long"), j->path);
	if (j->len + (size_t)n > j->cap) {
		const size_t cap = j->cap ? 2 * j->cap : 2 * JBUF_MAX;
		char *b = realloc(j->buf, cap);
		if (!b)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, line, (size_t)n);
	j->len += (size_t)n;
	if (!j->dirty)
		j->since = tr_mono();
	j->dirty = 1;
	return j->len >= JBUF_MAX ? tr_journal_flush(j, err) : 0;
}

int tr_journal_flush(struct tr_journal *j, struct sk_error *err)
{
	size_t off = 0;

	while (j->fd >= 0 && off < j->len) {
		const ssize_t w = write(j->fd, j->buf + off, j->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* What was written stays written; the rest is
			 * dropped with the error, which stops the run. */
			j->len = 0;
			return sk_error_sys_at(err, j->path);
		}
		off += (size_t)w;
	}
	j->len = 0;
	return 0;
}

int tr_journal_sync(struct tr_journal *j, struct sk_error *err)
{
	int rc;

	if (j->fd < 0 || !j->dirty)
		return 0;
	if ((rc = tr_journal_flush(j, err)) != 0)
		return rc;
	if (j->sync && fdatasync(j->fd) != 0)
		return sk_error_sys_at(err, j->path);
	j->dirty = j->urgent = 0;
	return 0;
}

int tr_journal_due(const struct tr_journal *j, double now, double *left)
{
	*left = 0;
	if (j->fd < 0 || !j->dirty)
		return 0;
	if (j->urgent || now - j->since >= TR_JOURNAL_DELAY)
		return 1;
	*left = j->since + TR_JOURNAL_DELAY - now;
	return 0;
}

int tr_journal_write(struct tr_journal *j, const struct tr_event *e, struct sk_error *err)
{
	const int rc = tr_journal_put(j, e, err);
	return rc ? rc : tr_journal_sync(j, err);
}

void tr_journal_close(struct tr_journal *j)
{
	struct sk_error err;

	if (j->fd >= 0) {
		tr_journal_flush(j, &err);
		close(j->fd);
	}
	j->fd = -1;
	free(j->path);
	j->path = NULL;
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

int tr_journal_scan(const char *path, int (*fn)(const struct tr_event *e, void *arg), void *arg,
		    struct sk_error *err)
{
	size_t cap = 1 << 20, len = 0;
	char *buf;
	struct tr_event e;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : sk_error_sys_at(err, path);
	if (!(buf = malloc(cap))) {
		close(fd);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (;;) {
		char *p, *nl;
		ssize_t n;
		if (len == cap) {
			/* A line longer than the buffer (not one taskrun
			 * writes): make room for it. */
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				break;
			}
			buf = nb;
			cap *= 2;
		}
		do
			n = read(fd, buf + len, cap - len);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			rc = sk_error_sys_at(err, path);
			break;
		}
		if (n == 0)
			break;   /* what is left is a torn last line */
		len += (size_t)n;
		p = buf;
		while ((nl = memchr(p, '\n', len - (size_t)(p - buf)))) {
			*nl = '\0';
			if (tr_event_parse(p, &e) == 0 && (rc = fn(&e, arg)) != 0)
				break;
			p = nl + 1;
		}
		if (rc)
			break;
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
	}
	free(buf);
	close(fd);
	return rc;
}

struct jread {
	struct tr_event *ev;
	long n, cap;
};

static int jread_add(const struct tr_event *e, void *arg)
{
	struct jread *r = arg;

	if (r->n == r->cap) {
		const long cap = r->cap ? r->cap * 2 : 256;
		struct tr_event *ne = realloc(r->ev, (size_t)cap * sizeof *ne);
		if (!ne)
			return SK_ENOMEM;
		r->ev = ne;
		r->cap = cap;
	}
	r->ev[r->n++] = *e;
	return 0;
}

int tr_journal_read(const char *path, struct tr_event **out, long *n, struct sk_error *err)
{
	struct jread r = {NULL, 0, 0};
	int rc = tr_journal_scan(path, jread_add, &r, err);

	*out = NULL;
	*n = 0;
	if (rc) {
		free(r.ev);
		if (rc == SK_ENOMEM)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		return rc;
	}
	*out = r.ev;
	*n = r.n;
	return 0;
}

long tr_state_holder(const char *dir)
{
	char *path = sk_path_join(dir, "lock");
	struct flock fl;
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return fl.l_type == F_UNLCK ? 0 : (long)fl.l_pid;
}

int tr_state_open(struct tr_state *s, const char *dir, struct sk_error *err)
{
	struct stat st;
	struct flock fl;
	char *path;
	char pid[32];
	int n;

	s->dir = NULL;
	s->lockfd = -1;
	/* Missing parents too (-s runs/today/state), 0700 like the state. */
	if ((n = sk_file_mkdirs(dir, 0700, err)) != 0) {
		if (n != SK_EIO)
			return n;
		errno = err->errnum;
		return sk_error_sys_at(err, dir);
	}
	if (stat(dir, &st) != 0)
		return sk_error_sys_at(err, dir);
	if (!S_ISDIR(st.st_mode))
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "not a directory"), dir);
	if (st.st_uid != geteuid())
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "owned by another user"), dir);
	if (st.st_mode & 077)
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "accessible by other users (expected mode 0700)"),
				   dir);
	if (!(s->dir = strdup(dir)) || !(path = sk_path_join(dir, "lock")))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		sk_error_sys_at(err, path);
		free(path);
		return SK_EIO;
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(s->lockfd, F_SETLK, &fl) != 0) {
		const long holder = tr_state_holder(dir);
		free(path);
		close(s->lockfd);
		s->lockfd = -1;
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "in use by process %ld", holder), dir);
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(s->lockfd, 0) != 0 || pwrite(s->lockfd, pid, (size_t)n, 0) != n) {
		sk_error_sys_at(err, path);
		free(path);
		return SK_EIO;
	}
	free(path);
	if (!(path = sk_path_join(dir, "logs")))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		sk_error_sys_at(err, path);
		free(path);
		return SK_EIO;
	}
	free(path);
	return 0;
}

/* Writes data to path through a temporary (lib/core ofile, which syncs it
 * before the rename, so that the file outlasts a crash). */
static int write_synced(const char *path, const char *data, size_t n, struct sk_error *err)
{
	struct sk_ofile f = {-1, NULL, NULL, -1};
	struct sk_error e;
	int rc = sk_ofile_open(&f, path, &e);

	if (!rc)
		rc = sk_ofile_write(&f, data, n, &e);
	if (!rc)
		rc = sk_ofile_commit(&f, &e);
	else
		sk_ofile_abort(&f);
	if (rc && err)
		*err = e;
	return sk_error_at(err, rc, path);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether input piece b is input piece a with more copies (taskrun adds
 * the copies it places to the manifest: relay.c), and where b is its
 * holders when where a was a's. */
static int more_copies(const struct tr_task *a, const struct tr_task *b)
{
	struct tr_piece pa, pb;
	char *ha, *hb;
	int same;

	if (!a->input || !b->input || tr_piece_parse(a->input, &pa) != 0 || tr_piece_parse(b->input, &pb) != 0)
		return 0;
	if (pa.size != pb.size || strcmp(pa.hash, pb.hash) != 0 || pa.namelen != pb.namelen ||
	    memcmp(pa.name, pb.name, pa.namelen) != 0 || pa.linlen != pb.linlen ||
	    (pa.lin && memcmp(pa.lin, pb.lin, pa.linlen) != 0))
		return 0;
	for (int k = 0; k < pa.nloc; k++) {
		int found = 0;
		for (int j = 0; j < pb.nloc && !found; j++)
			found = pa.hostlen[k] == pb.hostlen[j] && pa.pathlen[k] == pb.pathlen[j] &&
				memcmp(pa.host[k], pb.host[j], pa.hostlen[k]) == 0 &&
				memcmp(pa.path[k], pb.path[j], pa.pathlen[k]) == 0;
		if (!found)
			return 0;
	}
	ha = tr_piece_hosts(&pa);
	hb = tr_piece_hosts(&pb);
	same = ha && hb && same_str(a->where, ha) && same_str(b->where, hb);
	free(ha);
	free(hb);
	return same || same_str(a->where, b->where);
}

/* Whether task list l is the frozen one (text) but for copies of input
 * pieces added since: the same run, resumed. */
static int same_but_copies(const char *text, const struct tr_tasklist *l)
{
	struct tr_tasklist o;
	struct sk_error e;
	int same;

	memset(&o, 0, sizeof o);
	if (tr_tasklist_parse(text, &o, &e) != 0)
		return 0;
	same = o.n == l->n;
	for (long i = 0; same && i < l->n; i++) {
		const struct tr_task *a = &o.t[i], *b = &l->t[i];
		same = same_str(a->cmd, b->cmd) && same_str(a->in, b->in) && same_str(a->out, b->out) &&
		       same_str(a->keep, b->keep) && same_str(a->apart, b->apart) &&
		       ((same_str(a->input, b->input) && same_str(a->where, b->where)) || more_copies(a, b));
	}
	tr_tasklist_release(&o);
	return same;
}

int tr_state_tasks(struct tr_state *s, const struct tr_tasklist *l, int fresh,
		   struct sk_error *err)
{
	char *path = sk_path_join(s->dir, "tasks");
	char *text = tr_tasklist_format(l), *old = NULL;
	size_t oldn;
	int rc = 0;

	if (!path || !text) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if (tr_read_file(path, &old, &oldn, err) == 0) {
		if (strcmp(old, text) == 0)
			goto out;
		/* The manifest gained copies since (relay.c): the same tasks,
		 * whose pieces now have more places; frozen as they are now. */
		if (!fresh && same_but_copies(old, l)) {
			rc = write_synced(path, text, strlen(text), err);
			goto out;
		}
		if (!fresh) {
			rc = sk_error_at(err, sk_error_set(err, SK_ESTATE, "the task list differs from the one in the "
							     "state directory (--fresh starts over)"), s->dir);
			goto out;
		}
		for (int k = 1; k < 10000; k++) {
			char name[32], *aside;
			snprintf(name, sizeof name, "old.%d", k);
			if (!(aside = sk_path_join(s->dir, name))) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto out;
			}
			if (mkdir(aside, 0700) == 0) {
				static const char *const move[] = {"tasks", "journal", "logs"};
				for (int i = 0; i < 3; i++) {
					char *from = sk_path_join(s->dir, move[i]);
					char *to = sk_path_join(aside, move[i]);
					if (from && to && rename(from, to) != 0 && errno != ENOENT)
						rc = sk_error_sys_at(err, from);
					free(from);
					free(to);
				}
				free(aside);
				break;
			}
			free(aside);
			if (errno != EEXIST) {
				rc = sk_error_sys_at(err, s->dir);
				break;
			}
		}
		if (rc)
			goto out;
		{
			char *logs = sk_path_join(s->dir, "logs");
			if (logs && mkdir(logs, 0700) != 0 && errno != EEXIST)
				rc = sk_error_sys_at(err, logs);
			free(logs);
			if (rc)
				goto out;
		}
	} else if (err && err->errnum != ENOENT) {
		rc = err->code;
		goto out;
	}
	/* The commit syncs the directory too. */
	rc = write_synced(path, text, strlen(text), err);
out:
	free(old);
	free(path);
	free(text);
	return rc;
}

void tr_state_close(struct tr_state *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd);
	s->lockfd = -1;
	free(s->dir);
	s->dir = NULL;
}
