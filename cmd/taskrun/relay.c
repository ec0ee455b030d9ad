/* relay: a task's input piece (--input-manifest) on the controller's
 * side: read where it lies when the host that runs the task holds a copy,
 * else fetched by the runner from a holder host to host (an F frame: the
 * runner's agent asks the holder's "AGENT --serve", started through --ssh
 * once per holder), or,
 * where that is not possible or fails, streamed from a holder's agent
 * through the controller to the runner's (G, g and K frames in, I frames
 * out, the runner's credits passed back); and the journal's input events
 * that say which and how many bytes.  proto.c documents the frames,
 * piece.h the piece. */
#include "sched_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "grow.h"
#include "manifest.h"
#include "piece.h"
#include "subproc.h"
#include "tmpl.h"

/* bad_loc's bit for a piece's lineage: its remake failed, so it is not
 * remade again (piece.h keeps the last location free when there is one). */
#define LIN_BIT (TR_PIECE_MAXLOC - 1)

static void input_event(struct tr_ctl *c, const struct tr_attempt *a, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

int tr_host_lost(const struct tr_ctl *c, const struct tr_host *h, double now)
{
	(void)c;
	return h->lost || h->removed || h->gone || h->quar_open || h->hl.quar_until > now;
}

/* Host index of location k of piece p, or -1 when it is not in the list. */
static int loc_host(const struct tr_ctl *c, const struct tr_piece *p, int k)
{
	char name[256];
	long i;

	snprintf(name, sizeof name, "%.*s", (int)p->hostlen[k], p->host[k]);
	return tr_strmap_get(&c->hostmap, name, &i) ? (int)i : -1;
}

/* Whether location k of task ti's piece was found missing or bad. */
static int bad(const struct tr_ctl *c, long ti, int k)
{
	return c->bad_loc && k >= 0 && (c->bad_loc[ti] >> k & 1);
}

/* Location k of task ti's piece is missing or bad: not read again. */
static void mark_bad(struct tr_ctl *c, long ti, int k)
{
	if (k < 0)
		return;
	if (!c->bad_loc && !(c->bad_loc = calloc((size_t)c->tl->n, sizeof *c->bad_loc))) {
		tr_fail(c, SK_ENOMEM, "out of memory");
		return;
	}
	c->bad_loc[ti] |= (unsigned short)(1u << k);
}

/* The location of piece p on host g, or -1. */
static int loc_of(const struct tr_ctl *c, const struct tr_piece *p, int g)
{
	return g >= 0 ? tr_piece_on(p, c->h[g].name) : -1;
}

/* Relays running from host g now. */
static int relays_from(const struct tr_ctl *c, int g)
{
	int n = 0;

	for (int k = 0; k < c->na; k++)
		n += c->a[k].src == g && !c->a[k].src_done;
	return n;
}

/* Whether no holder of task ti's piece p can serve it: every one gone from
 * the host list or given up on, or its copy found bad; with now, also
 * every one whose last agent start failed (h->nostart: a holder killed or
 * unreachable while still listed), which may come back, so that only a
 * remake, which needs no holder, goes ahead at once on it. */
static int holders_gone(const struct tr_ctl *c, long ti, const struct tr_piece *p, int now)
{
	for (int k = 0; k < p->nloc; k++) {
		const int g = loc_host(c, p, k);
		const struct tr_host *h = g >= 0 ? &c->h[g] : NULL;
		if (!h || h->removed || h->gone || bad(c, ti, k))
			continue;
		if (now && h->nostart && h->st != HS_UP)
			continue;
		if (h->st == HS_UP || h->st == HS_CONN || h->hl.nquar < (h->ever_up ? GIVE_UP : GIVE_UP_NEVER))
			return 0;
	}
	return 1;
}

/* Whether task ti's piece is to be remade from its lineage: it has one,
 * no holder is left (a holder whose agent cannot start counts as gone),
 * and no remake of it failed. */
static int remake_due(const struct tr_ctl *c, long ti, const struct tr_piece *p)
{
	return p->lin && !bad(c, ti, LIN_BIT) && holders_gone(c, ti, p, 1);
}

/* Where task ti's piece comes from when host hi runs it: -2 when hi holds
 * a copy; else a holder that is up, of the least busy ones the one the
 * attempt number points at (a retry reads another copy when there is
 * one); -3 when no holder is left and the controller remakes the piece
 * from its lineage; -1 when none is up.  p is the parsed piece. */
static int source(const struct tr_ctl *c, long ti, const struct tr_piece *p, int hi, int att)
{
	int cand[TR_PIECE_MAXLOC], nc = 0, least = -1;
	const double now = tr_mono();
	const int here = tr_piece_on(p, c->h[hi].name);

	if (here >= 0 && !bad(c, ti, here))
		return -2;
	for (int k = 0; k < p->nloc; k++) {
		const int g = loc_host(c, p, k);
		const struct tr_host *h = g >= 0 ? &c->h[g] : NULL;
		int n;
		if (!h || g == hi || bad(c, ti, k) || h->st != HS_UP || h->removed || h->wfd < 0 ||
		    h->hl.quar_until > now)
			continue;
		n = relays_from(c, g);
		if (least < 0 || n < least) {
			least = n;
			nc = 0;
		}
		if (n == least)
			cand[nc++] = g;
	}
	if (nc == 0 && remake_due(c, ti, p))
		return -3;
	return nc ? cand[(att > 0 ? att - 1 : 0) % nc] : -1;
}

int tr_input_fit(const struct tr_ctl *c, long ti, int hi)
{
	struct tr_piece p;

	if (!c->tl->t[ti].input || tr_piece_parse(c->tl->t[ti].input, &p) != 0)
		return 1;
	return source(c, ti, &p, hi, c->ts[ti].attempts + 1) != -1;
}

int tr_input_stuck(const struct tr_ctl *c, long ti)
{
	struct tr_piece p;

	if (!c->tl->t[ti].input || tr_piece_parse(c->tl->t[ti].input, &p) != 0)
		return 0;
	return holders_gone(c, ti, &p, 0) && !remake_due(c, ti, &p);
}

/* Whether a copy of task ti's piece is lost: its holder lost (tr_host_lost)
 * or not in the host list, or the copy found missing or bad. */
static int copy_lost(const struct tr_ctl *c, long ti, const struct tr_piece *p)
{
	const double now = tr_mono();

	for (int k = 0; k < p->nloc; k++) {
		const int g = loc_host(c, p, k);
		if (g < 0 || bad(c, ti, k) || tr_host_lost(c, &c->h[g], now))
			return 1;
	}
	return 0;
}

/* Where a relayed piece stays on host h as a new copy: h's own location
 * when it has one (a bad copy is replaced), else the first copy's path
 * (the split's --remote-dir layout). */
static int place_loc(const struct tr_piece *p, const char *host)
{
	const int k = tr_piece_on(p, host);

	return k >= 0 ? k : 0;
}

/* Sends up to n bytes of a's remade piece to its runner, and the end. */
static void pump_remade(struct tr_ctl *c, struct tr_attempt *a, long long n)
{
	char buf[65536];

	while (a->lfd >= 0 && n > 0) {
		const ssize_t got = read(a->lfd, buf, n < (long long)sizeof buf ? (size_t)n : sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		/* An error ends the stream short: the runner's size check
		 * says so. */
		if (got <= 0) {
			tr_close_fd(&a->lfd);
			tr_send_frame(c, &c->h[a->host], TR_F_IN, a->id, NULL, 0);
			break;
		}
		tr_send_frame(c, &c->h[a->host], TR_F_IN, a->id, buf, (size_t)got);
		c->h[a->host].data_in -= (long long)got;
		c->h[a->host].relayed += (long long)got;
		a->relayed += (long long)got;
		n -= got;
	}
}

/* The piece of attempt a remade from its lineage into the state
 * directory (STATE/remade/NAME, kept for the retries and resumes of the
 * run: made once) by segsplit --remake, open for reading; -1 with why. */
static int remade_open(struct tr_ctl *c, const struct tr_piece *p, char *why, size_t n)
{
	char dir[4096], path[4400], num[32], prog[4096], man[4096];
	struct stat st;
	struct sk_error err;
	const char *sp;
	int fd, st_rc;

	snprintf(dir, sizeof dir, "%s/remade", c->o->state ? c->o->state : ".taskrun-remade");
	snprintf(path, sizeof path, "%s/%.*s", dir, (int)p->namelen, p->name);
	if (stat(path, &st) != 0 || (unsigned long long)st.st_size != p->size) {
		char *argv[8];
		if (!(sp = memchr(p->lin, ' ', p->linlen)) || (size_t)(sp - p->lin) >= sizeof num) {
			snprintf(why, n, "bad lineage");
			return -1;
		}
		snprintf(num, sizeof num, "%.*s", (int)(sp - p->lin), p->lin);
		snprintf(man, sizeof man, "%.*s", (int)(p->linlen - (size_t)(sp + 1 - p->lin)), sp + 1);
		argv[0] = (char *)(uintptr_t)sk_subproc_sibling("segsplit", prog, sizeof prog);
		argv[1] = (char *)(uintptr_t)"--remake";
		argv[2] = num;
		argv[3] = (char *)(uintptr_t)"-d";
		argv[4] = dir;
		argv[5] = man;
		argv[6] = NULL;
		/* The controller waits for it (one piece's read and write). */
		if ((st_rc = sk_subproc_run(argv, NULL, &err)) != 0) {
			if (st_rc < 0)
				snprintf(why, n, "segsplit --remake %s: %.200s", num, err.msg);
			else
				snprintf(why, n, "segsplit --remake %s %.200s exited with status %d", num, man, st_rc);
			return -1;
		}
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		snprintf(why, n, "%.200s: %.60s", path, strerror(errno));
	return fd;
}

/* " copy lost=H1,H2": the holders of p that are lost (tr_host_lost) or
 * not in the host list, when the piece is read from another copy. */
static void copy_note(const struct tr_ctl *c, const struct tr_piece *p, char *buf, size_t n)
{
	const double now = tr_mono();
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < p->nloc; k++) {
		const int g = loc_host(c, p, k);
		if (g >= 0 && !tr_host_lost(c, &c->h[g], now))
			continue;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%.*s", len ? "," : " copy lost=",
					(int)p->hostlen[k], p->host[k]);
		if (len >= n) {
			buf[n - 1] = '\0';
			return;
		}
	}
}

/* Streams attempt a's piece p from holder src through the controller:
 * the holder sends a window's worth ahead, then as the runner's credits
 * come back (tr_input_credit). */
static void send_get(struct tr_ctl *c, struct tr_attempt *a, const struct tr_piece *p, int src)
{
	char get[16 + 4096];
	int k;

	for (k = 0; k < p->nloc && loc_host(c, p, k) != src; k++)
		;
	if (k == p->nloc)
		k = 0;
	const int n = snprintf(get, sizeof get, "%ld\n%.*s", (long)WINDOW, (int)p->pathlen[k], p->path[k]);
	tr_send_frame(c, &c->h[src], TR_F_GET, a->id, get, (size_t)n < sizeof get ? (size_t)n : sizeof get - 1);
}

/* Whether runner h may fetch a piece from holder src itself: both are
 * reached by ssh (not the controller's own host, not Slurm nodes), and no
 * fetch of h's failed in this run. */
static int fetch_ok(const struct tr_ctl *c, const struct tr_host *h, int src)
{
	const struct tr_host *hs = &c->h[src];

	return !h->local && !h->slurm && !hs->local && !hs->slurm && !h->nofetch &&
	       c->o->ssh && c->o->agent;
}

/* Appends word w and its NUL to b; nonzero when out of memory. */
static int put_word(struct tr_buf *b, const char *w, size_t n)
{
	return tr_buf_put(b, w, n) | tr_buf_put(b, "", 1);
}

/* Sends runner h the fetch of attempt a's piece p from its holder a->src
 * (F frame): the request "SIZE XXH64 PATH" on a line (the path of the
 * holder's copy), then the command that starts the holder's server, reached
 * as its agent is (tr_host_connect: --ssh and the host's words, or the
 * host's own command) running "AGENT --serve".  The runner starts that
 * command once and sends it every request for that holder (agent_fetch.c).
 * 0, or -1 when the frame cannot be made (the controller's path then). */
static int fetch_start(struct tr_ctl *c, struct tr_host *h, struct tr_attempt *a, const struct tr_piece *p)
{
	const struct tr_host *hs = &c->h[a->src];
	struct tr_buf b = {0};
	struct sk_error err;
	char **hw = NULL, head[64];
	int rc = 0, own, k;

	for (k = 0; k < p->nloc && loc_host(c, p, k) != a->src; k++)
		;
	if (k == p->nloc)
		k = 0;
	/* A request is a line: a path with a line end is relayed. */
	if (memchr(p->path[k], '\n', p->pathlen[k]) || tr_tmpl_words(hs->name, &hw, &err) <= 0) {
		tr_tmpl_words_free(hw);
		return -1;
	}
	snprintf(head, sizeof head, "%llu %s ", p->size, p->hash);
	rc |= tr_buf_put(&b, head, strlen(head));
	rc |= tr_buf_put(&b, p->path[k], p->pathlen[k]);
	rc |= tr_buf_put(&b, "\n", 1);
	/* As tr_host_connect: a host of several words that does not start
	 * with an option is the whole command that reaches it. */
	own = hw[1] && hw[0][0] != '-';
	for (char **w = c->o->ssh; !own && *w; w++)
		rc |= put_word(&b, *w, strlen(*w));
	for (char **w = hw; *w; w++)
		rc |= put_word(&b, *w, strlen(*w));
	tr_tmpl_words_free(hw);
	for (char **w = c->o->agent; *w; w++)
		rc |= put_word(&b, *w, strlen(*w));
	rc |= put_word(&b, "--serve", 7);
	if (rc || tr_buf_used(&b) > TR_PROTO_MAX) {
		tr_buf_release(&b);
		return -1;
	}
	tr_send_frame(c, h, TR_F_FETCH, a->id, b.p, tr_buf_used(&b));
	tr_buf_release(&b);
	a->fetch = 1;
	return 0;
}

int tr_input_start(struct tr_ctl *c, struct tr_host *h, struct tr_attempt *a)
{
	const struct tr_task *t = &c->tl->t[a->task];
	struct tr_piece p;
	char head[64];
	struct tr_buf b = {0};
	int src, k, rc = 0;

	a->src = -1;
	a->fetch = 0;
	if (!t->input)
		return 0;
	if (tr_piece_parse(t->input, &p) != 0)
		return -1;
	src = source(c, a->task, &p, (int)(h - c->h), a->att);
	if (src == -1)
		return -1;
	snprintf(head, sizeof head, "%d %llu %s\n", src >= 0 || src == -3, p.size, p.hash);
	rc |= tr_buf_put(&b, head, strlen(head));
	if (src == -2) {
		k = tr_piece_on(&p, h->name);
		rc |= tr_buf_put(&b, p.path[k], p.pathlen[k]);
	} else {
		rc |= tr_buf_put(&b, p.name, p.namelen);
		/* A remade piece, or one streamed while a copy of it is lost,
		 * stays on the runner as a new copy (the manifest gains it at
		 * the end: tr_copies_flush), so that no later run remakes or
		 * streams it again for want of a copy.  A piece streamed only
		 * because its holders were busy is not kept (each locality
		 * miss would add a copy). */
		a->place = src == -3 || copy_lost(c, a->task, &p) || tr_piece_on(&p, h->name) >= 0;
		if (a->place) {
			k = place_loc(&p, h->name);
			rc |= tr_buf_put(&b, "\n", 1);
			rc |= tr_buf_put(&b, p.path[k], p.pathlen[k]);
		}
	}
	if (rc) {
		tr_buf_release(&b);
		tr_fail(c, SK_ENOMEM, "out of memory");
		return 0;
	}
	tr_send_frame(c, h, TR_F_INPUT, a->id, b.p, tr_buf_used(&b));
	tr_buf_release(&b);
	if (src == -3) {
		/* No copy left: the controller remakes the piece from its
		 * source and streams it as a holder would. */
		char why[300];
		a->remade = 1;
		if ((a->lfd = remade_open(c, &p, why, sizeof why)) < 0) {
			mark_bad(c, a->task, LIN_BIT);
			input_event(c, a, 1, "failed remade from=lineage: %s", why);
			tr_send_frame(c, h, TR_F_IN, a->id, NULL, 0);
		} else {
			pump_remade(c, a, WINDOW);
		}
		return 0;
	}
	if (src >= 0) {
		a->src = src;
		a->src_done = 0;
		a->fetch = 0;
		/* Host to host when the runner can reach the holder (the
		 * controller's path when it cannot: tr_input_ffail). */
		if (fetch_ok(c, h, src) && fetch_start(c, h, a, &p) == 0)
			return 0;
		send_get(c, a, &p, src);
	}
	return 0;
}

void tr_input_stop(struct tr_ctl *c, struct tr_attempt *a)
{
	tr_close_fd(&a->lfd);
	/* A fetch host to host is the runner's: cancelling the attempt
	 * stops it there. */
	if (a->src >= 0 && !a->src_done && !a->fetch)
		tr_send_frame(c, &c->h[a->src], TR_F_CANCEL, a->id, NULL, 0);
	a->src_done = 1;
}

void tr_input_ffail(struct tr_ctl *c, struct tr_host *h, const struct tr_frame *f)
{
	int k;
	struct tr_attempt *a = tr_find_attempt(c, f->id, &k);
	struct tr_piece p;
	struct tr_event e;

	if (!a || a->host != (int)(h - c->h) || !a->fetch || a->src_done || a->cancel ||
	    tr_piece_parse(c->tl->t[a->task].input, &p) != 0)
		return;
	/* This runner's pieces go through the controller for the rest of
	 * the run: its hosts may not reach one another (each try could
	 * cost a connection timeout). */
	a->fetch = 0;
	h->nofetch = 1;
	{
		/* "status message" */
		const char *msg = memchr(f->data, ' ', f->len);
		const size_t n = msg ? f->len - (size_t)(msg + 1 - f->data) : 0;
		tr_attempt_event(c, a, &e, "fetch");
		e.status = 1;
		snprintf(e.note, sizeof e.note, "failed from=%s status=%.*s, through the controller now: %.*s",
			 c->h[a->src].name, (int)(msg ? msg - f->data : 0), f->data, (int)(n < 300 ? n : 300),
			 msg ? msg + 1 : "");
		tr_jput(c, &e);
	}
	send_get(c, a, &p, a->src);
}

/* An input event of attempt a: status 0 or 1, and its note. */
static void input_event(struct tr_ctl *c, const struct tr_attempt *a, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void input_event(struct tr_ctl *c, const struct tr_attempt *a, int status, const char *fmt, ...)
{
	struct tr_event e;
	va_list ap;

	tr_attempt_event(c, a, &e, "input");
	e.status = status;
	va_start(ap, fmt);
	vsnprintf(e.note, sizeof e.note, fmt, ap);
	va_end(ap);
	tr_jput(c, &e);
}

void tr_input_data(struct tr_ctl *c, struct tr_host *hs, const struct tr_frame *f)
{
	int k;
	struct tr_attempt *a = tr_find_attempt(c, f->id, &k);

	if (!a || a->src != (int)(hs - c->h) || a->src_done || a->cancel) {
		/* Not wanted any more: the holder stops. */
		if (!a || a->src == (int)(hs - c->h))
			tr_send_frame(c, hs, TR_F_CANCEL, f->id, NULL, 0);
		return;
	}
	tr_send_frame(c, &c->h[a->host], TR_F_IN, a->id, f->data, f->len);
	c->h[a->host].data_in -= (long long)f->len;
	c->h[a->host].relayed += (long long)f->len;
	a->relayed += (long long)f->len;
	a->window += (long)f->len;
	if (f->len == 0)
		a->src_done = 1;
}

void tr_input_gfail(struct tr_ctl *c, struct tr_host *hs, const struct tr_frame *f)
{
	int k;
	struct tr_attempt *a = tr_find_attempt(c, f->id, &k);

	if (!a || a->src != (int)(hs - c->h) || a->src_done)
		return;
	a->src_done = 1;
	snprintf(a->in_why, sizeof a->in_why, "input piece: %s: %.*s", hs->name,
		 (int)(f->len < 200 ? f->len : 200), f->data);
	{
		/* That copy is not read again; the task reads another. */
		struct tr_piece p;
		if (tr_piece_parse(c->tl->t[a->task].input, &p) == 0)
			mark_bad(c, a->task, loc_of(c, &p, a->src));
		a->in_bad = 1;
	}
	input_event(c, a, 1, "failed moved bytes=%lld from=%s: %.*s", a->relayed, hs->name,
		    (int)(f->len < 200 ? f->len : 200), f->data);
	tr_cancel_attempt(c, a, C_INPUT);
}

void tr_input_credit(struct tr_ctl *c, struct tr_attempt *a, long long n)
{
	if (a->lfd >= 0 && n > 0)
		pump_remade(c, a, n);
	if (a->src >= 0 && !a->src_done && n > 0) {
		char s[32];
		const int len = snprintf(s, sizeof s, "%lld", n);
		tr_send_frame(c, &c->h[a->src], TR_F_MORE, a->id, s, (size_t)len);
	}
}

/* Keeps copy loc of task ti's piece (xxh64 hex) for the manifest. */
static void copy_add(struct tr_ctl *c, long ti, const char *hash, const char *loc)
{
	char *dup = strdup(loc);

	for (long i = 0; i < c->ncopies; i++)
		if (c->copies[i].task == ti && strcmp(c->copies[i].loc, loc) == 0) {
			free(dup);
			return;
		}
	if (!dup || sk_grow(&c->copies, &c->capcopies, c->ncopies + 1, sizeof *c->copies, 16) != 0) {
		free(dup);
		tr_fail(c, SK_ENOMEM, "out of memory");
		return;
	}
	c->copies[c->ncopies].task = ti;
	c->copies[c->ncopies].xxh64 = strtoull(hash, NULL, 16);
	c->copies[c->ncopies++].loc = dup;
}

/* Attempt a's runner kept its relayed piece p as a new copy: journalled
 * (host, path, size, xxh64) and kept for the manifest. */
static void placed(struct tr_ctl *c, const struct tr_attempt *a, const struct tr_piece *p)
{
	const int k = place_loc(p, c->h[a->host].name);
	struct tr_event e;
	char loc[4400];

	tr_attempt_event(c, a, &e, "copy");
	snprintf(e.note, sizeof e.note, "size=%llu xxh64=%s path=%.*s", p->size, p->hash, (int)p->pathlen[k],
		 p->path[k]);
	tr_jput(c, &e);
	snprintf(loc, sizeof loc, "%s:%.*s", c->h[a->host].name, (int)p->pathlen[k], p->path[k]);
	copy_add(c, a->task, p->hash, loc);
}

void tr_copy_resumed(struct tr_ctl *c, const struct tr_event *e)
{
	char hash[17], loc[4400];
	const char *path = strstr(e->note, " path=");

	if (!path || sscanf(e->note, "size=%*u xxh64=%16[0-9a-f]", hash) != 1)
		return;
	snprintf(loc, sizeof loc, "%s:%s", e->host, path + 6);
	copy_add(c, e->task - 1, hash, loc);
}

void tr_copies_flush(struct tr_ctl *c)
{
	struct sk_mcopy *mc;
	struct sk_error err;
	size_t added = 0;
	int rc;

	if (c->ncopies == 0 || !c->o || !c->o->manifest)
		return;
	if (!(mc = calloc((size_t)c->ncopies, sizeof *mc))) {
		tr_warnx(c, "%s: not updated with %ld new copies: out of memory", c->o->manifest, c->ncopies);
		return;
	}
	/* One task per piece, in the manifest's order (input.c). */
	for (long i = 0; i < c->ncopies; i++) {
		mc[i].piece = (size_t)c->copies[i].task;
		mc[i].xxh64 = c->copies[i].xxh64;
		mc[i].loc = c->copies[i].loc;
	}
	/* A piece's locations and its lineage fit field 7 (piece.h). */
	rc = sk_manifest_add_copies(c->o->manifest, mc, (size_t)c->ncopies, TR_PIECE_MAXLOC - 1, &added, &err);
	if (rc < 0)
		tr_warnx(c, "%s: not updated with %ld new copies: %s", c->o->manifest, c->ncopies, err.msg);
	free(mc);
}

void tr_input_ok(struct tr_ctl *c, struct tr_attempt *a, const struct tr_frame *f)
{
	const struct tr_task *t = &c->tl->t[a->task];
	struct tr_piece p;
	char copy[200];
	long long v[3];
	int nv;

	if (!t->input || tr_piece_parse(t->input, &p) != 0 || a->in_ok)
		return;
	/* A fetch host to host ends here, whichever way it went. */
	if (a->fetch)
		a->src_done = 1;
	if ((nv = tr_proto_ints(f->data, f->len, v, 3, NULL)) >= 2 && v[0] == 0) {
		copy_note(c, &p, copy, sizeof copy);
		a->in_ok = 1;
		/* The task starts now: its time (--timeout, speculation, the
		 * joblog's) is its own run, not the relay of its piece. */
		a->start = tr_mono();
		a->wstart = tr_wall();
		if (a->remade)
			input_event(c, a, 0, "remade bytes=%lld from=lineage%s", v[1], copy);
		else if (a->src >= 0)
			input_event(c, a, 0, "moved bytes=%lld from=%s%s%s", v[1], c->h[a->src].name,
				    a->fetch ? " direct" : "", copy);
		else
			input_event(c, a, 0, "local bytes=%lld from=%s%s", v[1], c->h[a->host].name, copy);
		if (a->place && nv == 3 && v[2] == 1)
			placed(c, a, &p);
		return;
	}
	{
		const char *msg = memchr(f->data, ' ', f->len);
		const size_t n = msg ? f->len - (size_t)(msg + 1 - f->data) : 0;
		snprintf(a->in_why, sizeof a->in_why, "input piece: %.*s", (int)(n < 200 ? n : 200), msg ? msg + 1 : "");
		/* The copy it read is missing or not what the manifest says:
		 * not read again (the task reads another copy, without
		 * spending a retry: tr_attempt_exit). */
		a->in_bad = 1;
		if (a->remade) {
			/* Not remade again (the failed remake itself is
			 * journalled where it failed). */
			mark_bad(c, a->task, LIN_BIT);
			if (a->relayed > 0)
				input_event(c, a, 1, "failed remade bytes=%lld from=lineage: %.*s", a->relayed,
					    (int)(n < 200 ? n : 200), msg ? msg + 1 : "");
			return;
		}
		mark_bad(c, a->task, loc_of(c, &p, a->src >= 0 ? a->src : a->host));
		if (a->src >= 0)
			input_event(c, a, 1, "failed moved bytes=%lld from=%s: %.*s", a->relayed, c->h[a->src].name,
				    (int)(n < 200 ? n : 200), msg ? msg + 1 : "");
		else
			input_event(c, a, 1, "failed local from=%s: %.*s", c->h[a->host].name, (int)(n < 200 ? n : 200),
				    msg ? msg + 1 : "");
	}
}

int tr_input_clock(const struct tr_ctl *c, const struct tr_attempt *a)
{
	return !c->tl->t[a->task].input || a->in_ok;
}

void tr_input_host_down(struct tr_ctl *c, int hi)
{
	for (int k = 0; k < c->na; k++) {
		struct tr_attempt *a = &c->a[k];
		char note[384];
		if (a->src != hi || a->src_done || a->host == hi)
			continue;
		/* Its task has not started: it goes back to the queue, to
		 * read another copy, without spending a retry. */
		a->src_done = 1;
		if (a->relayed > 0)
			input_event(c, a, 1, "aborted moved bytes=%lld from=%s: holder lost", a->relayed, c->h[hi].name);
		tr_send_frame(c, &c->h[a->host], TR_F_CANCEL, a->id, NULL, 0);
		snprintf(note, sizeof note, "its input's holder %s lost", c->h[hi].name);
		tr_lose_attempt(c, k--, note, TR_LOSS_HOST, note);
	}
}
