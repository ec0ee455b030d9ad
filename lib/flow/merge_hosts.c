#include "merge_hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hostfetch.h"
#include "ofile.h"
#include "stream.h"

struct mpiece {
	int loc;                  /* the location being read (or to try next) */
	int started;              /* f runs */
	struct sk_hostfetch f;
	char *name;               /* the location's name, room for any of them */
	struct sk_xxh64 *hash;    /* of the bytes received here, as read */
	uint64_t got;             /* their count */
};

struct sk_mhosts {
	const struct sk_manifest *m;
	struct sk_mhosts_opts o;
	struct sk_merge_src src;
	struct mpiece *p;
	const char **names;
	char **down;              /* hosts that did not answer */
	size_t ndown;
};

static void say(const struct sk_mhosts *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const struct sk_mhosts *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!s->o.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->o.warn(s->o.warn_arg, msg);
}

static int is_down(const struct sk_mhosts *s, const char *h)
{
	for (size_t k = 0; k < s->ndown; k++)
		if (strcmp(s->down[k], h) == 0)
			return 1;
	return 0;
}

static void set_down(struct sk_mhosts *s, const char *h)
{
	char **nd;

	if (is_down(s, h) || !(nd = realloc(s->down, (s->ndown + 1) * sizeof *nd)))
		return;
	s->down = nd;
	if ((s->down[s->ndown] = strdup(h)))
		s->ndown++;
}

/* The reader's tap: every byte of the piece received here. */
static void tap(void *arg, const void *buf, size_t n)
{
	struct mpiece *p = arg;

	sk_xxh64_update(p->hash, buf, n);
	p->got += n;
}

/* Starts piece i's sender at its location p->loc (the first whose host is
 * not down, from there): 0, 1 when no location is left, or an error. */
static int start(struct sk_mhosts *s, size_t i, struct sk_error *err)
{
	const struct sk_mpiece *mp = &s->m->pieces[i];
	struct mpiece *p = &s->p[i];
	char host[256], b[3][4200], *w[6];
	const char *path;
	int a = 0;

	for (; p->loc < mp->nat; p->loc++)
		if (sk_manifest_loc(mp->at[p->loc], host, sizeof host, &path, err) == 0 && !is_down(s, host))
			break;
	if (p->loc >= mp->nat)
		return 1;
	strcpy(p->name, mp->at[p->loc]);
	snprintf(b[0], sizeof b[0], "--cat=%s", path);
	snprintf(b[1], sizeof b[1], "--bytes=%" PRIu64, mp->bytes);
	snprintf(b[2], sizeof b[2], "--xxh64=%016" PRIx64, mp->xxh64);
	w[a++] = (char *)(uintptr_t)s->o.segmerge;
	w[a++] = b[0];
	w[a++] = b[1];
	if (s->o.verify)
		w[a++] = b[2];
	w[a] = NULL;
	sk_xxh64_free(p->hash);
	p->got = 0;
	if (!(p->hash = sk_xxh64_new()))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (sk_hostfetch_open(s->o.launcher, host, w, &p->f, err) < 0)
		return sk_error_at(err, err->code, p->name);
	p->started = 1;
	return 0;
}

/* Ends piece i's sender: with stop, at once (SIGTERM: the merge does not
 * want the rest); else after reading what is left.  Its exit status (-1
 * when it could not be waited for), what it said last into msg. */
static int finish(struct mpiece *p, int stop, char *msg, size_t len)
{
	struct sk_error e;
	char buf[4096];

	if (!p->started)
		return 0;
	p->started = 0;
	if (stop) {
		kill(p->f.pid, SIGTERM);
	} else {
		/* What the reader left (nothing, for a piece of a split),
		 * through the tap too. */
		const int fd = fileno(p->f.fp);
		ssize_t k;
		while ((k = read(fd, buf, sizeof buf)) > 0 || (k < 0 && errno == EINTR))
			if (k > 0)
				tap(p, buf, (size_t)k);
	}
	return sk_hostfetch_close(&p->f, msg, len, &e);
}

/* Whether the sender's stream has ended (its writing end closed: it
 * exited or is exiting), without waiting for more bytes. */
static int at_end(const struct mpiece *p)
{
	const int fd = fileno(p->f.fp), fl = fcntl(fd, F_GETFL);
	char c;
	ssize_t k;

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return 0;
	while ((k = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	fcntl(fd, F_SETFL, fl);
	return k == 0;
}

/* Every host of piece i is down: the error, naming them. */
static int none_left(const struct sk_mhosts *s, size_t i, struct sk_error *err)
{
	const struct sk_mpiece *mp = &s->m->pieces[i];
	char hosts[512];

	sk_error_set(err, SK_EIO, "none of its hosts answered (%s)",
		     sk_manifest_loc_hosts(mp->at, mp->nat, hosts, sizeof hosts));
	return sk_error_at(err, err->code, mp->at[0]);
}

static int src_open(void *arg, size_t i, size_t bufsize, struct sk_reader **r, struct sk_error *err)
{
	struct sk_mhosts *s = arg;
	struct mpiece *p = &s->p[i];
	int rc;

	for (;;) {
		char msg[512], host[256];
		const char *path;
		int st, stopped;
		if (!p->started) {
			if ((rc = start(s, i, err)) < 0)
				return rc;
			if (rc == 1)
				return none_left(s, i, err);
		}
		/* A concatenation reads one piece at a time: the next one's
		 * sender checks its copy and connects meanwhile. */
		if (i + 1 < s->m->npieces && !s->p[i + 1].started && s->p[i + 1].loc == 0) {
			struct sk_error e;
			start(s, i + 1, &e);
		}
		if ((rc = sk_reader_open_fd(fileno(p->f.fp), p->name, s->m->fmt, bufsize, tap, p, r, err)) == 0)
			return 0;
		/* Nothing readable came: the sender's failure, or the data's
		 * (the sender still sending: stopped here). */
		stopped = !at_end(p);
		st = finish(p, stopped, msg, sizeof msg);
		if (st == 0 || stopped)
			return sk_error_at(err, rc, p->name);
		sk_manifest_loc(s->m->pieces[i].at[p->loc], host, sizeof host, &path, err);
		if (p->loc + 1 >= s->m->pieces[i].nat) {
			sk_error_set(err, SK_EIO, "not read there: %s (status %d); no other copy",
				     *msg ? msg : "the sender failed", st);
			return sk_error_at(err, err->code, p->name);
		}
		/* The launcher's own failure (255: it did not reach the host):
		 * the host is down for the pieces after, said once; another
		 * failure is this copy's. */
		if (st == 255 && !is_down(s, host)) {
			set_down(s, host);
			say(s, "%s: %s: its pieces are read from their other copies", host, *msg ? msg : "no answer");
		} else if (st != 255) {
			say(s, "%s: not read there: %s: its next copy is read instead", p->name,
			    *msg ? msg : "the sender failed");
		}
		p->loc++;
	}
}

static int src_close(void *arg, size_t i, int whole, struct sk_error *err)
{
	struct sk_mhosts *s = arg;
	struct mpiece *p = &s->p[i];
	char msg[512] = "";
	int st, ended;

	if (!p->started)
		return 0;
	if (whole) {
		const struct sk_mpiece *mp = &s->m->pieces[i];
		uint64_t h;
		st = finish(p, 0, msg, sizeof msg);
		/* End to end: the bytes received here are the piece the
		 * manifest records (the sender checked its copy before); they
		 * are, whatever became of the sender after its last byte. */
		h = sk_xxh64_digest(p->hash);
		if (p->got == mp->bytes && (!s->o.verify || h == mp->xxh64))
			return 0;
		if (st != 0 && p->got < mp->bytes)
			sk_error_set(err, SK_EIO, "its sender stopped before the end (status %d)%s%s: the host or its link "
				     "was lost", st, *msg ? ": " : "", msg);
		else
			sk_error_set(err, SK_ESTATE, "received %" PRIu64 " bytes, xxh64 %016" PRIx64 ", but the manifest says %"
				     PRIu64 " bytes, xxh64 %016" PRIx64 ": changed on the way", p->got, h, mp->bytes,
				     mp->xxh64);
		return sk_error_at(err, err->code, p->name);
	}
	/* The merge stopped early: a lost sender explains its error better
	 * than the bytes that did not come. */
	ended = at_end(p);
	st = finish(p, !ended, msg, sizeof msg);
	if (err && ended && st != 0 && strcmp(err->file, p->name) == 0) {
		sk_error_set(err, SK_EIO, "its sender stopped before the end (status %d)%s%s: the host or its link was "
			     "lost", st, *msg ? ": " : "", msg);
		sk_error_at(err, err->code, p->name);
	}
	return 0;
}

/* Reads piece i whole from its sender (started) into f: 0; 1 when that
 * copy failed (said when another is left; its message and status in msg,
 * *st), so that the next copy is tried; or an error writing f. */
static int spool_one(struct sk_mhosts *s, size_t i, struct sk_ofile *f, char *msg, size_t len, int *st,
		     struct sk_error *err)
{
	const struct sk_mpiece *mp = &s->m->pieces[i];
	struct mpiece *p = &s->p[i];
	char buf[1 << 16], host[256];
	const char *path;
	size_t k;

	while ((k = fread(buf, 1, sizeof buf, p->f.fp)) > 0) {
		tap(p, buf, k);
		if (sk_ofile_write(f, buf, k, err) < 0) {
			finish(p, 1, NULL, 0);
			return err->code;
		}
	}
	*st = finish(p, 0, msg, len);
	if (*st == 0 && p->got == mp->bytes && (!s->o.verify || sk_xxh64_digest(p->hash) == mp->xxh64))
		return 0;
	if (*st == 0)
		snprintf(msg, len, "received %" PRIu64 " bytes, xxh64 %016" PRIx64 ", but the manifest says %" PRIu64
			 " bytes, xxh64 %016" PRIx64 ": changed on the way", p->got, sk_xxh64_digest(p->hash), mp->bytes,
			 mp->xxh64);
	if (p->loc + 1 < mp->nat && sk_manifest_loc(mp->at[p->loc], host, sizeof host, &path, err) == 0) {
		if (*st == 255 && !is_down(s, host)) {
			set_down(s, host);
			say(s, "%s: %s: its pieces are read from their other copies", host, *msg ? msg : "no answer");
		} else if (*st != 255) {
			say(s, "%s: not read there: %s: its next copy is read instead", p->name,
			    *msg ? msg : "the sender failed");
		}
	}
	p->loc++;
	return 1;
}

int sk_mhosts_spool(struct sk_mhosts *s, size_t width, const char *tmpdir, struct sk_ofile *files,
		    struct sk_error *err)
{
	const size_t n = s->m->npieces;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		files[i] = (struct sk_ofile){-1, NULL, NULL, -1};
	if (width < 1)
		width = 1;
	for (size_t i0 = 0; i0 < n && rc == 0; i0 += width) {
		const size_t i1 = i0 + width < n ? i0 + width : n;
		/* These pieces' senders start together (each checks its copy
		 * and connects meanwhile), then are read in turn. */
		for (size_t i = i0; i < i1; i++) {
			struct sk_error e;
			if (!s->p[i].started && start(s, i, &e) < 0) {
				*err = e;
				return e.code;
			}
		}
		for (size_t i = i0; i < i1 && rc == 0; i++) {
			char name[64], *target, msg[512] = "";
			int st = 0;
			snprintf(name, sizeof name, "segmerge-piece-%zu", i + 1);
			if (!(target = sk_path_join(tmpdir, name)))
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			for (;;) {
				if (!s->p[i].started) {
					if ((rc = start(s, i, err)) < 0)
						break;
					if (rc == 1) {
						if (*msg) {
							sk_error_set(err, SK_EIO, "not read there: %s (status %d); no other copy",
								     msg, st);
							rc = sk_error_at(err, err->code, s->p[i].name);
						} else {
							rc = none_left(s, i, err);
						}
						break;
					}
				}
				if ((rc = sk_ofile_open(&files[i], target, err)) < 0) {
					rc = sk_error_at(err, rc, tmpdir);
					break;
				}
				if ((rc = spool_one(s, i, &files[i], msg, sizeof msg, &st, err)) <= 0) {
					if (rc < 0)
						sk_error_at(err, rc, tmpdir);
					break;
				}
				/* That copy failed: its bytes go, the next copy's come. */
				sk_ofile_abort(&files[i]);
			}
			free(target);
		}
	}
	return rc;
}

int sk_mhosts_new(const struct sk_manifest *m, const struct sk_mhosts_opts *o, struct sk_mhosts **out,
		  struct sk_error *err)
{
	struct sk_mhosts *s = calloc(1, sizeof *s);

	*out = NULL;
	if (!s)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	s->m = m;
	s->o = *o;
	if (!s->o.launcher)
		s->o.launcher = SK_HOSTFETCH_LAUNCHER;
	s->src.open = src_open;
	s->src.close = src_close;
	s->src.arg = s;
	s->p = calloc(m->npieces ? m->npieces : 1, sizeof *s->p);
	s->names = calloc(m->npieces ? m->npieces : 1, sizeof *s->names);
	if (!s->p || !s->names)
		goto nomem;
	for (size_t i = 0; i < m->npieces; i++) {
		size_t len = 0;
		if (m->pieces[i].nat < 1) {
			sk_mhosts_free(s);
			return sk_error_set(err, SK_EARG, "piece %zu has no host", i + 1);
		}
		for (int k = 0; k < m->pieces[i].nat; k++)
			if (strlen(m->pieces[i].at[k]) > len)
				len = strlen(m->pieces[i].at[k]);
		if (!(s->p[i].name = malloc(len + 1)))
			goto nomem;
		strcpy(s->p[i].name, m->pieces[i].at[0]);
		s->names[i] = s->p[i].name;
	}
	*out = s;
	return 0;
nomem:
	sk_mhosts_free(s);
	return sk_error_set(err, SK_ENOMEM, "out of memory");
}

void sk_mhosts_free(struct sk_mhosts *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->p && i < s->m->npieces; i++) {
		finish(&s->p[i], 1, NULL, 0);
		free(s->p[i].name);
		sk_xxh64_free(s->p[i].hash);
	}
	for (size_t k = 0; k < s->ndown; k++)
		free(s->down[k]);
	free(s->down);
	free(s->p);
	free(s->names);
	free(s);
}

const struct sk_merge_src *sk_mhosts_src(const struct sk_mhosts *s)
{
	return &s->src;
}

const char *const *sk_mhosts_names(const struct sk_mhosts *s)
{
	return s->names;
}
