/* journal: the events of a run (DIR/journal), their lines, and group
 * commit. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"

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

/* The error a write or sync has given, again. */
static int broken(const struct tr_journal *j, struct sk_error *err)
{
	errno = j->errnum;
	return sk_error_sys_at(err, j->path);
}

int tr_journal_put(struct tr_journal *j, const struct tr_event *e, struct sk_error *err)
{
	char line[1024];
	int n;

	if (j->fd < 0)
		return 0;
	if (j->errnum)
		return broken(j, err);
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

	if (j->fd >= 0 && j->errnum) {
		j->len = 0;
		return broken(j, err);
	}
	while (j->fd >= 0 && off < j->len) {
		const ssize_t w = write(j->fd, j->buf + off, j->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* What was written stays written; the rest is
			 * dropped with the error, which stops the run. */
			j->len = 0;
			j->errnum = w < 0 ? errno : ENOSPC;
			return broken(j, err);
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
	if (j->sync && fdatasync(j->fd) != 0) {
		j->errnum = errno;
		return broken(j, err);
	}
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
