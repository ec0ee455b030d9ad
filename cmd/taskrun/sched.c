#include "sched.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostfile.h"
#include "proto.h"
#include "tmpl.h"

#define WINDOW (1L << 20)        /* unacknowledged stdin bytes per attempt */
#define HOST_WB_HIGH (256u << 10) /* stop feeding stdin above this backlog */
#define QUAR_AFTER 3             /* consecutive task failures that quarantine */
#define QUAR_MAX 600.0           /* longest quarantine, seconds */
#define GIVE_UP 5                /* quarantines in a row of every host: give up */
#define GIVE_UP_NEVER 3          /* the same for hosts that never came up */
#define MAX_LOSSES 3             /* host losses that turn into a task failure */
#define MAX_CONNECTING 8         /* agents starting at once */

enum { HS_DOWN, HS_CONN, HS_UP, HS_CLOSING };
enum { T_PENDING, T_ACTIVE, T_DONE, T_FAILED };
enum { C_NONE, C_TIMEOUT, C_LOSER, C_STDIN };

struct host {
	char *name;
	int local, slots_cfg, slots;
	int st, removed, gone;
	pid_t pid;
	int wfd, rfd, efd;
	struct tr_buf wb, rb;
	char etail[512];
	double last_rx, last_tx, conn_at, closing_at;
	double quar_until, streak_start;
	int nquar, probing, cfail, nrun, hello, said_nostart, quit_sent, ever_up;
	long nfail, others_at_streak;
	unsigned char *busy;
	int nbusy;
	double agent_user, agent_sys;
	char why[256];
};

struct attempt {
	uint32_t id;
	long task;
	int att, host, slot, spec, cancel;
	double start;
	int in_fd, in_done;
	long window;
	int out_fd;
	char *out_tmp;
	FILE *spool;
	int err_fd;
	long pid;
};

struct tstate {
	int st, failures, attempts, nrun, losses;
	int *failed_on;
	int nfo;
	char *why;
};

struct child {
	pid_t pid;
	double kill_at;
};

struct ctl {
	const struct tr_sched_opts *o;
	const struct tr_tasklist *tl;
	struct tstate *ts;
	long lo, ndone, nfinal, npending, nfail;
	struct host *h;
	int nh;
	struct attempt *a;
	int na, capa;
	struct child *kids;
	int nkids;
	uint32_t next_id;
	struct tr_journal j;
	struct tr_state state;
	double hb, grace, last_success, median;
	double *walls;
	long nwalls;
	int median_dirty;
	struct stat hst;
	int hst_ok;
	double next_hcheck;
	int tty, progress;
	double next_progress;
	char last_line[256];
	int out_broken;
};

/* Signal handlers can reach only file-scope state: the write end of the
 * self-pipe that wakes poll() is the one mutable global (STYLE section 7). */
static int sig_fd = -1;
static volatile sig_atomic_t got_hup;

static void on_signal(int sig)
{
	const int e = errno;
	if (sig == SIGHUP)
		got_hup = 1;
	if (sig_fd >= 0 && write(sig_fd, "s", 1) < 0) {
		/* The pipe is full: poll() wakes anyway. */
	}
	errno = e;
}

static void jlog(struct ctl *c, struct tr_event *e)
{
	struct sk_error err;
	if (tr_journal_write(&c->j, e, &err) != 0)
		sk_die(1, "%s/journal: %s", c->o->state, err.msg);
}

static void jhost(struct ctl *c, const char *ev, const struct host *h, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void jhost(struct ctl *c, const char *ev, const struct host *h, const char *fmt, ...)
{
	struct tr_event e;
	va_list ap;

	tr_event_init(&e, ev);
	snprintf(e.host, sizeof e.host, "%s", h->name);
	va_start(ap, fmt);
	vsnprintf(e.note, sizeof e.note, fmt, ap);
	va_end(ap);
	if (strcmp(ev, "down") == 0) {
		e.user = h->agent_user;
		e.sys = h->agent_sys;
	}
	jlog(c, &e);
}

static int failed_on(const struct tstate *t, int h)
{
	for (int i = 0; i < t->nfo; i++)
		if (t->failed_on[i] == h)
			return 1;
	return 0;
}

static void set_pending(struct ctl *c, long i)
{
	c->ts[i].st = T_PENDING;
	c->npending++;
	if (i < c->lo)
		c->lo = i;
}

static int usable(const struct ctl *c, const struct host *h, double now)
{
	(void)c;
	return !h->removed && !h->gone && h->quar_until <= now &&
	       (h->st == HS_UP || h->st == HS_CONN);
}

static void quarantine(struct ctl *c, struct host *h, const char *why)
{
	const double now = tr_mono();
	double d = c->o->backoff * pow(2, h->nquar);
	if (d > QUAR_MAX)
		d = QUAR_MAX;
	h->quar_until = now + d;
	h->nquar++;
	h->probing = 0;
	h->cfail = 0;
	jhost(c, "quarantine", h, "for %.1fs: %s", d, why);
}

static void add_kid(struct ctl *c, pid_t pid)
{
	struct child *k = realloc(c->kids, (size_t)(c->nkids + 1) * sizeof *k);
	if (!k) {
		kill(pid, SIGKILL);
		return;
	}
	c->kids = k;
	kill(pid, SIGTERM);
	k[c->nkids].pid = pid;
	k[c->nkids++].kill_at = tr_mono() + 2;
}

static void reap_kids(struct ctl *c)
{
	const double now = tr_mono();
	for (int i = 0; i < c->nkids; i++) {
		if (waitpid(c->kids[i].pid, NULL, WNOHANG) == c->kids[i].pid ||
		    (kill(c->kids[i].pid, 0) != 0 && errno == ESRCH)) {
			c->kids[i--] = c->kids[--c->nkids];
			continue;
		}
		if (now >= c->kids[i].kill_at) {
			kill(c->kids[i].pid, SIGKILL);
			c->kids[i].kill_at = now + 3600;
		}
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void drop_attempt_files(struct attempt *a)
{
	close_fd(&a->in_fd);
	close_fd(&a->out_fd);
	close_fd(&a->err_fd);
	if (a->out_tmp) {
		unlink(a->out_tmp);
		free(a->out_tmp);
		a->out_tmp = NULL;
	}
	if (a->spool) {
		fclose(a->spool);
		a->spool = NULL;
	}
}

/* Removes attempt k from the table (after its files are dealt with). */
static void forget_attempt(struct ctl *c, int k)
{
	struct attempt *a = &c->a[k];
	struct host *h = &c->h[a->host];
	struct tstate *t = &c->ts[a->task];

	drop_attempt_files(a);
	if (a->slot >= 1 && a->slot <= h->nbusy)
		h->busy[a->slot - 1] = 0;
	h->nrun--;
	t->nrun--;
	c->a[k] = c->a[--c->na];
}

static void attempt_event(struct ctl *c, const struct attempt *a, struct tr_event *e, const char *ev)
{
	tr_event_init(e, ev);
	e->task = a->task + 1;
	e->attempt = a->att;
	snprintf(e->host, sizeof e->host, "%s", c->h[a->host].name);
}

static void final_fail(struct ctl *c, long i, const char *why)
{
	struct tr_event e;
	struct tstate *t = &c->ts[i];

	free(t->why);
	t->why = strdup(why);
	t->st = T_FAILED;
	c->nfinal++;
	tr_event_init(&e, "failed");
	e.task = i + 1;
	e.attempt = t->attempts;
	snprintf(e.note, sizeof e.note, "%s", why);
	jlog(c, &e);
}

/* A host is gone (connection lost, agent dead, lease expired): its attempts
 * go back to the queue without spending retries, and it is quarantined. */
static void host_down(struct ctl *c, struct host *h, const char *why)
{
	const int hi = (int)(h - c->h);
	const int orderly = h->quit_sent && h->removed;

	if (!h->hello && !orderly) {
		if (!h->said_nostart)
			sk_warnx("%s: agent did not start: %s", h->name, why);
		h->said_nostart = 1;
	} else if (!orderly && !h->quit_sent) {
		sk_warnx("%s: connection lost: %s", h->name, why);
	}
	for (int k = 0; k < c->na; k++) {
		struct attempt *a = &c->a[k];
		struct tr_event e;
		long ti;
		if (a->host != hi)
			continue;
		ti = a->task;
		attempt_event(c, a, &e, "lost");
		snprintf(e.note, sizeof e.note, "host lost: %s", why);
		jlog(c, &e);
		forget_attempt(c, k--);
		if (c->ts[ti].st == T_ACTIVE && c->ts[ti].nrun == 0) {
			if (++c->ts[ti].losses >= MAX_LOSSES && !orderly) {
				char msg[96];
				snprintf(msg, sizeof msg, "lost with its host %d times", c->ts[ti].losses);
				final_fail(c, ti, msg);
			} else {
				set_pending(c, ti);
			}
		}
	}
	close_fd(&h->wfd);
	close_fd(&h->rfd);
	close_fd(&h->efd);
	tr_buf_release(&h->wb);
	tr_buf_release(&h->rb);
	if (h->pid > 0)
		add_kid(c, h->pid);
	h->pid = 0;
	if (h->hello || h->st != HS_DOWN)
		jhost(c, "down", h, "%s", why);
	h->st = HS_DOWN;
	h->hello = 0;
	h->etail[0] = '\0';
	if (h->removed)
		h->gone = 1;
	else if (!orderly)
		quarantine(c, h, why);
}

static void send_frame(struct ctl *c, struct host *h, int type, uint32_t id, const void *d, size_t n)
{
	(void)c;
	if (h->wfd < 0)
		return;
	if (tr_proto_put(&h->wb, type, id, d, n) != 0)
		sk_die(1, "out of memory");
	h->last_tx = tr_mono();
}

static void host_connect(struct ctl *c, struct host *h)
{
	int to[2], from[2], er[2];
	char **argv;
	int n = 0, k = 0;
	pid_t pid;
	struct sk_error err;
	char **hw = NULL;

	if (!h->local) {
		if (tr_tmpl_words(h->name, &hw, &err) < 0)
			sk_die(1, "%s: %s", h->name, err.msg);
	}
	for (char **p = c->o->ssh; !h->local && *p; p++)
		n++;
	for (char **p = hw; p && *p; p++)
		n++;
	for (char **p = c->o->agent; !h->local && *p; p++)
		n++;
	argv = calloc((size_t)n + 3, sizeof *argv);
	if (!argv)
		sk_die(1, "out of memory");
	if (h->local) {
		argv[k++] = (char *)(uintptr_t)c->o->self;
		argv[k++] = (char *)(uintptr_t)"agent";
	} else {
		for (char **p = c->o->ssh; *p; p++)
			argv[k++] = *p;
		for (char **p = hw; *p; p++)
			argv[k++] = *p;
		for (char **p = c->o->agent; *p; p++)
			argv[k++] = *p;
	}
	argv[k] = NULL;
	/* Close-on-exec from the start: the agent must not hold the write
	 * end of its own stdin, or it would never see the controller go. */
	if (pipe(to) != 0 || pipe(from) != 0 || pipe(er) != 0)
		sk_die(1, "pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		tr_set_cloexec(to[i]);
		tr_set_cloexec(from[i]);
		tr_set_cloexec(er[i]);
	}
	pid = fork();
	if (pid < 0)
		sk_die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		sigset_t set;
		setpgid(0, 0);
		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0 || dup2(er[1], 2) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	close(er[1]);
	free(argv);
	tr_tmpl_words_free(hw);
	h->wfd = to[1];
	h->rfd = from[0];
	h->efd = er[0];
	tr_set_nonblock(h->wfd);
	tr_set_nonblock(h->rfd);
	tr_set_nonblock(h->efd);
	h->pid = pid;
	h->st = HS_CONN;
	h->hello = 0;
	h->quit_sent = 0;
	h->conn_at = h->last_rx = tr_mono();
	h->etail[0] = '\0';
	tr_proto_putf(&h->wb, TR_F_HELLO, 0, "%d %ld %ld %s", TR_PROTO_VERSION,
		      (long)(c->o->lease * 1000), (long)(c->grace * 1000), h->name);
	h->last_tx = tr_mono();
}

static int mkdir_parents(char *path)
{
	char *slash = strrchr(path, '/');
	int rc = 0;

	if (!slash || slash == path)
		return 0;
	*slash = '\0';
	if (mkdir(path, 0777) != 0) {
		if (errno == ENOENT && mkdir_parents(path) == 0)
			rc = mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
		else if (errno != EEXIST)
			rc = -1;
	}
	*slash = '/';
	return rc;
}

static char *tmp_name(const char *target, int att)
{
	const size_t n = strlen(target) + 32;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s.taskrun-%d", target, att);
	return p;
}

static void start_attempt(struct ctl *c, struct host *h, long ti, int spec)
{
	const struct tr_task *task = &c->tl->t[ti];
	struct tstate *t = &c->ts[ti];
	struct attempt *a;
	struct tr_buf run = {0};
	char hdr[96];
	int in_fd = -1, out_fd = -1, slot = 0, n;
	char *tmp = NULL;
	struct tr_event e;

	if (task->in && (in_fd = open(task->in, O_RDONLY | O_CLOEXEC)) < 0) {
		char why[512];
		snprintf(why, sizeof why, "%s: %s", task->in, strerror(errno));
		if (t->st == T_PENDING)
			c->npending--;
		final_fail(c, ti, why);
		return;
	}
	if (task->out) {
		tmp = tmp_name(task->out, t->attempts + 1);
		if (!tmp)
			sk_die(1, "out of memory");
		out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out_fd < 0 && errno == ENOENT && mkdir_parents(tmp) == 0)
			out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out_fd < 0) {
			char why[512];
			snprintf(why, sizeof why, "%s: %s", tmp, strerror(errno));
			free(tmp);
			close_fd(&in_fd);
			if (t->st == T_PENDING)
				c->npending--;
			final_fail(c, ti, why);
			return;
		}
	}
	if (c->na == c->capa) {
		const int cap = c->capa ? c->capa * 2 : 16;
		struct attempt *na = realloc(c->a, (size_t)cap * sizeof *na);
		if (!na)
			sk_die(1, "out of memory");
		c->a = na;
		c->capa = cap;
	}
	if (h->nbusy < h->slots) {
		unsigned char *b = realloc(h->busy, (size_t)h->slots);
		if (!b)
			sk_die(1, "out of memory");
		memset(b + h->nbusy, 0, (size_t)(h->slots - h->nbusy));
		h->busy = b;
		h->nbusy = h->slots;
	}
	for (int s = 0; s < h->nbusy; s++)
		if (!h->busy[s]) {
			h->busy[s] = 1;
			slot = s + 1;
			break;
		}
	a = &c->a[c->na++];
	memset(a, 0, sizeof *a);
	a->id = c->next_id++;
	a->task = ti;
	a->att = ++t->attempts;
	a->host = (int)(h - c->h);
	a->slot = slot;
	a->spec = spec;
	a->start = tr_mono();
	a->in_fd = in_fd;
	a->in_done = in_fd < 0;
	a->out_fd = out_fd;
	a->out_tmp = tmp;
	a->err_fd = -1;
	if (t->st == T_PENDING)
		c->npending--;
	t->st = T_ACTIVE;
	t->nrun++;
	h->nrun++;
	n = snprintf(hdr, sizeof hdr, "%d %ld %d %d\n", in_fd >= 0, ti + 1, a->att, slot);
	if (tr_buf_put(&run, hdr, (size_t)n) || tr_buf_put(&run, task->cmd, strlen(task->cmd)))
		sk_die(1, "out of memory");
	send_frame(c, h, TR_F_RUN, a->id, run.p, tr_buf_used(&run));
	tr_buf_release(&run);
	attempt_event(c, a, &e, "start");
	snprintf(e.note, sizeof e.note, "slot=%d%s", slot, spec ? " speculative" : "");
	jlog(c, &e);
}

static struct attempt *find_attempt(struct ctl *c, uint32_t id, int *k)
{
	for (int i = 0; i < c->na; i++)
		if (c->a[i].id == id) {
			*k = i;
			return &c->a[i];
		}
	return NULL;
}

static void cancel_attempt(struct ctl *c, struct attempt *a, int why)
{
	if (a->cancel)
		return;
	a->cancel = why;
	send_frame(c, &c->h[a->host], TR_F_CANCEL, a->id, NULL, 0);
	close_fd(&a->in_fd);
	a->in_done = 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		const ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes attempt a's output the task's: renames the --stdout file into
 * place, or copies the spooled output to our stdout. */
static int commit(struct ctl *c, struct attempt *a, char *why, size_t nwhy)
{
	const struct tr_task *task = &c->tl->t[a->task];

	if (task->out) {
		if ((c->o->state && fsync(a->out_fd) != 0) || close(a->out_fd) != 0) {
			a->out_fd = -1;
			snprintf(why, nwhy, "%s: %s", a->out_tmp, strerror(errno));
			return -1;
		}
		a->out_fd = -1;
		if (rename(a->out_tmp, task->out) != 0) {
			snprintf(why, nwhy, "%s: %s", task->out, strerror(errno));
			return -1;
		}
		free(a->out_tmp);
		a->out_tmp = NULL;
	} else if (a->spool) {
		char buf[65536];
		size_t n;
		fflush(stdout);
		rewind(a->spool);
		while ((n = fread(buf, 1, sizeof buf, a->spool)) > 0)
			if (!c->out_broken && write_all(1, buf, n) != 0) {
				sk_warn("stdout");
				c->out_broken = 1;
			}
	}
	return 0;
}

static void note_wall(struct ctl *c, double w)
{
	double *nw = realloc(c->walls, (size_t)(c->nwalls + 1) * sizeof *nw);
	if (!nw)
		return;
	c->walls = nw;
	c->walls[c->nwalls++] = w;
	c->median_dirty = 1;
}

static int cmp_double(const void *x, const void *y)
{
	const double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static void attempt_exit(struct ctl *c, int k, const struct tr_frame *f)
{
	struct attempt *a = &c->a[k];
	struct host *h = &c->h[a->host];
	struct tstate *t = &c->ts[a->task];
	long long v[6] = {0, 0, 0, 0, 0, 0};
	struct tr_event e;
	const long ti = a->task;
	char why[512];
	int ok;

	tr_proto_ints(f->data, f->len, v, 6, NULL);
	attempt_event(c, a, &e, "done");
	e.status = (int)v[0];
	e.sig = (int)v[1];
	e.wall = (double)v[2] / 1e6;
	e.user = (double)v[3] / 1e6;
	e.sys = (double)v[4] / 1e6;
	e.maxrss = (long)v[5];
	if (t->st == T_DONE || t->st == T_FAILED || a->cancel == C_LOSER) {
		strcpy(e.ev, "cancel");
		snprintf(e.note, sizeof e.note, "%s", t->st == T_DONE ? "another attempt won" : "discarded");
		jlog(c, &e);
		forget_attempt(c, k);
		return;
	}
	ok = v[0] == 0 && v[1] == 0 && a->cancel == C_NONE;
	why[0] = '\0';
	if (ok && commit(c, a, why, sizeof why) != 0)
		ok = 0;
	if (ok) {
		jlog(c, &e);
		t->st = T_DONE;
		c->ndone++;
		h->cfail = 0;
		h->nquar = 0;
		if (h->probing) {
			h->probing = 0;
		}
		c->last_success = tr_mono();
		note_wall(c, e.wall);
		forget_attempt(c, k);
		for (int i = 0; i < c->na; i++)
			if (c->a[i].task == ti)
				cancel_attempt(c, &c->a[i], C_LOSER);
		return;
	}
	if (!why[0]) {
		if (a->cancel == C_TIMEOUT)
			snprintf(why, sizeof why, "timed out after %gs", c->o->timeout);
		else if (v[1])
			snprintf(why, sizeof why, "killed by signal %lld", v[1]);
		else
			snprintf(why, sizeof why, "exited with status %lld", v[0]);
	}
	strcpy(e.ev, "fail");
	snprintf(e.note, sizeof e.note, "%.*s", (int)sizeof e.note - 1, why);
	jlog(c, &e);
	t->failures++;
	if (!failed_on(t, a->host)) {
		int *fo = realloc(t->failed_on, (size_t)(t->nfo + 1) * sizeof *fo);
		if (fo) {
			t->failed_on = fo;
			fo[t->nfo++] = a->host;
		}
	}
	/* A streak is failures on this host with none elsewhere in between. */
	if (h->cfail == 0 || c->nfail - h->nfail != h->others_at_streak) {
		h->cfail = 0;
		h->others_at_streak = c->nfail - h->nfail;
	}
	h->cfail++;
	c->nfail++;
	h->nfail++;
	/* Blame the host when its failures come in a row while no other host
	 * fails (so the tasks are fine) and another host can take the work;
	 * a broken task fails everywhere and quarantines nobody. */
	if (h->probing || h->cfail >= QUAR_AFTER) {
		int other = 0;
		const double now = tr_mono();
		for (int g = 0; g < c->nh && !other; g++)
			other = &c->h[g] != h && usable(c, &c->h[g], now);
		if (other) {
			char q[64];
			snprintf(q, sizeof q, "%d task failures in a row", h->cfail);
			quarantine(c, h, q);
		}
	}
	forget_attempt(c, k);
	if (t->nrun == 0) {
		if (t->failures > c->o->retries)
			final_fail(c, ti, why);
		else
			set_pending(c, ti);
	}
}

static void attempt_data(struct ctl *c, struct attempt *a, int type, const char *d, size_t n)
{
	if (type == TR_F_OUT) {
		if (a->out_fd >= 0) {
			if (write_all(a->out_fd, d, n) != 0 && !a->cancel) {
				sk_warn("%s", a->out_tmp);
				cancel_attempt(c, a, C_STDIN);
			}
			return;
		}
		if (!a->spool && !(a->spool = tmpfile()))
			sk_die(1, "tmpfile: %s", strerror(errno));
		if (fwrite(d, 1, n, a->spool) != n)
			sk_die(1, "tmpfile: %s", strerror(errno));
		return;
	}
	if (!c->o->state) {
		fflush(stdout);
		if (write_all(2, d, n) != 0) {
			/* Nowhere left to report it. */
		}
		return;
	}
	if (a->err_fd < 0) {
		char name[64], *path;
		snprintf(name, sizeof name, "logs/%ld.%d.err", a->task + 1, a->att);
		path = tr_state_path(c->o->state, name);
		if (!path)
			sk_die(1, "out of memory");
		a->err_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (a->err_fd < 0)
			sk_die(1, "%s: %s", path, strerror(errno));
		free(path);
	}
	if (write_all(a->err_fd, d, n) != 0)
		sk_die(1, "%s/logs: %s", c->o->state, strerror(errno));
}

static void host_frame(struct ctl *c, struct host *h, const struct tr_frame *f)
{
	struct attempt *a;
	long long v[4];
	int k;

	switch (f->type) {
	case TR_F_AHELLO:
		if (tr_proto_ints(f->data, f->len, v, 3, NULL) != 3 || v[0] != TR_PROTO_VERSION) {
			snprintf(h->why, sizeof h->why, "agent speaks another protocol version");
			return;
		}
		h->hello = 1;
		h->ever_up = 1;
		h->st = HS_UP;
		h->slots = h->slots_cfg > 0 ? h->slots_cfg : (int)(v[2] > 0 ? v[2] : 1);
		if (h->nquar > 0 && !h->probing) {
			h->probing = 1;
			jhost(c, "probe", h, "after %d quarantine(s)", h->nquar);
		}
		jhost(c, "up", h, "slots=%d agent_pid=%lld", h->slots, v[1]);
		break;
	case TR_F_STARTED:
		if ((a = find_attempt(c, f->id, &k)) && tr_proto_ints(f->data, f->len, v, 1, NULL) == 1)
			a->pid = (long)v[0];
		break;
	case TR_F_OUT:
	case TR_F_ERR:
		if ((a = find_attempt(c, f->id, &k)))
			attempt_data(c, a, f->type, f->data, f->len);
		break;
	case TR_F_CREDIT:
		if ((a = find_attempt(c, f->id, &k)) && tr_proto_ints(f->data, f->len, v, 1, NULL) == 1)
			a->window -= (long)v[0];
		break;
	case TR_F_EXIT:
		if (find_attempt(c, f->id, &k))
			attempt_exit(c, k, f);
		break;
	case TR_F_APING:
		if (tr_proto_ints(f->data, f->len, v, 2, NULL) == 2) {
			h->agent_user = (double)v[0] / 1e6;
			h->agent_sys = (double)v[1] / 1e6;
		}
		break;
	default:
		break;
	}
}

static void host_read(struct ctl *c, struct host *h)
{
	const ssize_t n = tr_buf_fill(&h->rb, h->rfd);
	struct tr_frame f;
	struct sk_error err;
	int r;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		/* Wait a moment for the process's last words on stderr. */
		close_fd(&h->rfd);
		h->st = HS_CLOSING;
		h->closing_at = tr_mono();
		return;
	}
	if (n < 0)
		return;
	h->last_rx = tr_mono();
	while (h->rfd >= 0 && (r = tr_proto_next(&h->rb, &f, &err)) == 1) {
		host_frame(c, h, &f);
		tr_buf_consume(&h->rb, TR_PROTO_HDR + f.len);
		if (h->why[0]) {
			host_down(c, h, h->why);
			h->why[0] = '\0';
			return;
		}
	}
	if (h->rfd >= 0 && r < 0)
		host_down(c, h, err.msg);
}

static void host_stderr(struct host *h)
{
	char buf[4096];
	const ssize_t n = read(h->efd, buf, sizeof buf);
	const size_t cap = sizeof h->etail - 1;
	size_t have = strlen(h->etail), add;
	const char *src = buf;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close_fd(&h->efd);
		return;
	}
	if (n < 0)
		return;
	/* Keep the last bytes, for "agent did not start" and "connection
	 * lost" messages. */
	add = (size_t)n;
	if (add >= cap) {
		src += add - cap;
		add = cap;
		have = 0;
	} else if (have + add > cap) {
		const size_t drop = have + add - cap;
		memmove(h->etail, h->etail + drop, have - drop);
		have -= drop;
	}
	memcpy(h->etail + have, src, add);
	h->etail[have + add] = '\0';
}

/* The last non-empty line of a host's stderr. */
static const char *last_line(struct host *h)
{
	char *e = h->etail + strlen(h->etail), *s;
	while (e > h->etail && (e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	s = strrchr(h->etail, '\n');
	return s ? s + 1 : h->etail;
}

static void finish_closing(struct ctl *c, struct host *h, double now)
{
	int st;
	char why[600];

	if (h->efd >= 0 && now - h->closing_at < 1.0)
		return;
	if (h->pid > 0 && waitpid(h->pid, &st, WNOHANG) == h->pid) {
		h->pid = 0;
		if (*last_line(h))
			snprintf(why, sizeof why, "%s", last_line(h));
		else if (WIFSIGNALED(st))
			snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(st));
		else
			snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(st));
	} else if (h->pid > 0 && now - h->closing_at < 1.0) {
		return;
	} else {
		snprintf(why, sizeof why, "%s", *last_line(h) ? last_line(h) : "connection closed");
	}
	host_down(c, h, why);
}

static void reload_hosts(struct ctl *c, int force)
{
	struct stat st;
	struct tr_hostent *he;
	struct sk_error err;
	int n;

	if (!c->o->hostfile)
		return;
	if (stat(c->o->hostfile, &st) != 0) {
		if (force)
			sk_warn("%s", c->o->hostfile);
		return;
	}
	/* A pipe (-H <(...)) can be read only once. */
	if (c->hst_ok && !S_ISREG(st.st_mode))
		return;
	if (!force && c->hst_ok && st.st_mtim.tv_sec == c->hst.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == c->hst.st_mtim.tv_nsec && st.st_size == c->hst.st_size &&
	    st.st_ino == c->hst.st_ino)
		return;
	c->hst = st;
	c->hst_ok = 1;
	if (tr_hostfile_load(c->o->hostfile, &he, &n, &err) != 0) {
		sk_warnx("%s: %s (keeping the hosts)", c->o->hostfile, err.msg);
		return;
	}
	for (int i = 0; i < c->nh; i++) {
		struct host *h = &c->h[i];
		int keep = 0;
		if (h->gone && !h->removed)
			continue;
		for (int k = 0; k < n; k++)
			if (strcmp(he[k].name, h->name) == 0) {
				keep = 1;
				if (h->removed) {
					h->removed = 0;
					h->gone = 0;
					jhost(c, "add", h, "back in %s", c->o->hostfile);
				}
				if (he[k].slots && he[k].slots != h->slots_cfg) {
					h->slots_cfg = h->slots = he[k].slots;
				}
			}
		if (!keep && !h->removed) {
			h->removed = 1;
			jhost(c, "drain", h, "removed from %s", c->o->hostfile);
		}
	}
	for (int k = 0; k < n; k++) {
		int found = 0;
		for (int i = 0; i < c->nh; i++)
			if (strcmp(c->h[i].name, he[k].name) == 0)
				found = 1;
		if (!found) {
			struct host *nh = realloc(c->h, (size_t)(c->nh + 1) * sizeof *nh);
			if (!nh)
				sk_die(1, "out of memory");
			c->h = nh;
			memset(&nh[c->nh], 0, sizeof *nh);
			nh[c->nh].name = strdup(he[k].name);
			if (!nh[c->nh].name)
				sk_die(1, "out of memory");
			nh[c->nh].local = he[k].local;
			nh[c->nh].slots_cfg = nh[c->nh].slots = he[k].slots;
			nh[c->nh].wfd = nh[c->nh].rfd = nh[c->nh].efd = -1;
			if (c->next_hcheck > 0)
				jhost(c, "add", &nh[c->nh], "new in %s", c->o->hostfile);
			c->nh++;
		}
	}
	tr_hostfile_free(he, n);
}

static void assign(struct ctl *c, double now)
{
	for (int i = 0; i < c->nh; i++) {
		struct host *h = &c->h[i];
		const int cap = h->probing ? 1 : h->slots;
		if (h->st != HS_UP || h->removed || h->quar_until > now)
			continue;
		while (h->nrun < cap && c->npending > 0) {
			long pick = -1;
			while (c->lo < c->tl->n && c->ts[c->lo].st != T_PENDING)
				c->lo++;
			for (long ti = c->lo; ti < c->tl->n; ti++) {
				const struct tstate *t = &c->ts[ti];
				int other = 0;
				if (t->st != T_PENDING)
					continue;
				if (failed_on(t, i))
					for (int g = 0; g < c->nh && !other; g++)
						other = g != i && usable(c, &c->h[g], now) && !failed_on(t, g);
				if (!other) {
					pick = ti;
					break;
				}
			}
			if (pick < 0)
				break;
			start_attempt(c, h, pick, 0);
		}
	}
}

static void speculate(struct ctl *c, double now)
{
	double thr;

	if (!c->o->speculate || c->npending > 0 || c->nwalls == 0)
		return;
	if (c->median_dirty) {
		double *w = malloc((size_t)c->nwalls * sizeof *w);
		if (!w)
			return;
		memcpy(w, c->walls, (size_t)c->nwalls * sizeof *w);
		qsort(w, (size_t)c->nwalls, sizeof *w, cmp_double);
		c->median = w[c->nwalls / 2];
		free(w);
		c->median_dirty = 0;
	}
	thr = 2 * c->median > 1.0 ? 2 * c->median : 1.0;
	for (int i = 0; i < c->nh; i++) {
		struct host *h = &c->h[i];
		while (h->st == HS_UP && !h->removed && h->quar_until <= now && !h->probing &&
		       h->nrun < h->slots) {
			int best = -1;
			for (int k = 0; k < c->na; k++) {
				const struct attempt *a = &c->a[k];
				const struct tstate *t = &c->ts[a->task];
				if (a->host == i || a->cancel || t->nrun != 1 || t->st != T_ACTIVE ||
				    failed_on(t, i) || now - a->start < thr)
					continue;
				if (best < 0 || a->start < c->a[best].start)
					best = k;
			}
			if (best < 0)
				break;
			start_attempt(c, h, c->a[best].task, 1);
		}
	}
}

static void pump_stdin(struct ctl *c)
{
	char buf[65536];

	for (int k = 0; k < c->na; k++) {
		struct attempt *a = &c->a[k];
		struct host *h = &c->h[a->host];
		while (!a->in_done && a->window < WINDOW && tr_buf_used(&h->wb) < HOST_WB_HIGH &&
		       h->wfd >= 0) {
			const ssize_t n = read(a->in_fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				sk_warn("%s", c->tl->t[a->task].in);
			if (n <= 0) {
				send_frame(c, h, TR_F_IN, a->id, NULL, 0);
				close_fd(&a->in_fd);
				a->in_done = 1;
				break;
			}
			send_frame(c, h, TR_F_IN, a->id, buf, (size_t)n);
			a->window += n;
		}
	}
}

static int stdin_ready(const struct ctl *c)
{
	for (int k = 0; k < c->na; k++) {
		const struct attempt *a = &c->a[k];
		if (!a->in_done && a->window < WINDOW && c->h[a->host].wfd >= 0 &&
		    tr_buf_used(&c->h[a->host].wb) < HOST_WB_HIGH)
			return 1;
	}
	return 0;
}

static void show_progress(struct ctl *c, double now, int last)
{
	char line[256];
	int up = 0, quar = 0, running = c->na;
	const long n = c->tl->n;

	if (!c->progress || (!last && now < c->next_progress))
		return;
	c->next_progress = now + (c->tty ? 0.2 : 1.0);
	for (int i = 0; i < c->nh; i++) {
		up += c->h[i].st == HS_UP && !c->h[i].removed;
		quar += c->h[i].quar_until > now && !c->h[i].removed;
	}
	snprintf(line, sizeof line, "%ld/%ld done, %ld failed, %d running, %d host%s up%s", c->ndone, n,
		 c->nfinal, running, up, up == 1 ? "" : "s", quar ? ", some quarantined" : "");
	if (c->tty) {
		char bar[32];
		const int w = 20;
		const int fill = n ? (int)((c->ndone + c->nfinal) * w / n) : w;
		for (int i = 0; i < w; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[w] = '\0';
		fprintf(stderr, "\r%s: [%s] %s\033[K", sk_progname(), bar, line);
		if (last)
			fputs("\r\033[K", stderr);
		fflush(stderr);
	} else if (strcmp(line, c->last_line) != 0 || last) {
		if (strcmp(line, c->last_line) != 0)
			fprintf(stderr, "%s: %s\n", sk_progname(), line);
		snprintf(c->last_line, sizeof c->last_line, "%s", line);
	}
}

/* Marks what the journal says: done tasks, attempt numbers, and attempts a
 * killed controller left behind (journalled as lost, their files removed). */
static int resume(struct ctl *c, struct sk_error *err)
{
	char *path = tr_state_path(c->o->state, "journal");
	struct tr_event *ev;
	long n;
	int rc;

	if (!path)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	rc = tr_journal_read(path, &ev, &n, err);
	free(path);
	if (rc)
		return rc;
	for (long i = 0; i < n; i++) {
		const long ti = ev[i].task - 1;
		if (ti < 0 || ti >= c->tl->n)
			continue;
		if (ev[i].attempt > c->ts[ti].attempts)
			c->ts[ti].attempts = ev[i].attempt;
		if (strcmp(ev[i].ev, "done") == 0)
			c->ts[ti].st = T_DONE;
	}
	for (long i = 0; i < n; i++) {
		const long ti = ev[i].task - 1;
		int open = 1;
		struct tr_event e;
		if (ti < 0 || ti >= c->tl->n || strcmp(ev[i].ev, "start") != 0)
			continue;
		for (long k = i + 1; k < n && open; k++)
			if (ev[k].task == ev[i].task && ev[k].attempt == ev[i].attempt &&
			    (strcmp(ev[k].ev, "done") == 0 || strcmp(ev[k].ev, "fail") == 0 ||
			     strcmp(ev[k].ev, "lost") == 0 || strcmp(ev[k].ev, "cancel") == 0))
				open = 0;
		if (!open)
			continue;
		if (c->tl->t[ti].out) {
			char *tmp = tmp_name(c->tl->t[ti].out, ev[i].attempt);
			if (tmp)
				unlink(tmp);
			free(tmp);
		}
		e = ev[i];
		e.t = tr_wall();
		strcpy(e.ev, "lost");
		snprintf(e.note, sizeof e.note, "controller stopped");
		jlog(c, &e);
	}
	free(ev);
	return 0;
}

static int setup(struct ctl *c, struct sk_error *err)
{
	int rc;

	c->j.fd = -1;
	c->ts = calloc((size_t)(c->tl->n ? c->tl->n : 1), sizeof *c->ts);
	if (!c->ts)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (c->o->state) {
		char *path;
		if ((rc = tr_state_open(&c->state, c->o->state, err)) != 0)
			return rc;
		if ((rc = tr_state_tasks(&c->state, c->tl, c->o->fresh, err)) != 0)
			return rc;
		if (!(path = tr_state_path(c->o->state, "journal")))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		rc = tr_journal_open(&c->j, path, 1, err);
		free(path);
		if (rc)
			return rc;
		if ((rc = resume(c, err)) != 0)
			return rc;
	}
	for (long i = 0; i < c->tl->n; i++)
		if (c->ts[i].st != T_DONE)
			set_pending(c, i);
		else
			c->ndone++;
	if (c->o->hostfile) {
		reload_hosts(c, 1);
		if (!c->hst_ok)
			return sk_error_sys(err, "%s", c->o->hostfile);
	} else if (c->o->hosts_text) {
		struct tr_hostent *he;
		int n;
		if ((rc = tr_hostfile_parse("hosts", c->o->hosts_text, &he, &n, err)) != 0)
			return rc;
		c->h = calloc((size_t)(n ? n : 1), sizeof *c->h);
		if (!c->h)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		for (int i = 0; i < n; i++) {
			c->h[i].name = he[i].name;
			he[i].name = NULL;
			c->h[i].local = he[i].local;
			c->h[i].slots_cfg = c->h[i].slots = he[i].slots;
			c->h[i].wfd = c->h[i].rfd = c->h[i].efd = -1;
		}
		c->nh = n;
		tr_hostfile_free(he, n);
	} else {
		c->h = calloc(1, sizeof *c->h);
		if (!c->h || !(c->h[0].name = strdup(":")))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		c->h[0].local = 1;
		c->h[0].slots_cfg = c->h[0].slots = c->o->jobs;
		c->h[0].wfd = c->h[0].rfd = c->h[0].efd = -1;
		c->nh = 1;
	}
	if (c->nh == 0)
		return sk_error_set(err, SK_EARG, "%s: no hosts", c->o->hostfile ? c->o->hostfile : "job file");
	return 0;
}

int tr_sched_run(const struct tr_sched_opts *o, const struct tr_tasklist *tasks, long *nfailed,
		 struct sk_error *err)
{
	struct ctl c;
	int sp[2], rc;
	struct sigaction sa;
	struct pollfd *pfd = NULL;
	struct tr_event e;
	struct rusage ru;
	double t_end = 0;

	memset(&c, 0, sizeof c);
	c.o = o;
	c.tl = tasks;
	c.next_id = 1;
	c.hb = o->lease / 6;
	c.grace = o->lease / 2 < 2 ? o->lease / 2 : 2;
	c.last_success = -1;
	c.state.lockfd = -1;
	*nfailed = 0;
	if ((rc = setup(&c, err)) != 0)
		goto out;
	c.tty = isatty(2);
	c.progress = o->progress < 0 ? c.tty : o->progress;

	if (pipe(sp) != 0) {
		rc = sk_error_sys(err, "pipe");
		goto out;
	}
	tr_set_cloexec(sp[0]);
	tr_set_cloexec(sp[1]);
	tr_set_nonblock(sp[0]);
	tr_set_nonblock(sp[1]);
	sig_fd = sp[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	tr_event_init(&e, "run");
	snprintf(e.note, sizeof e.note, "pid=%ld tasks=%ld done=%ld hosts=%d", (long)getpid(),
		 tasks->n, c.ndone, c.nh);
	jlog(&c, &e);
	c.next_hcheck = tr_mono() + 1;

	for (;;) {
		double now = tr_mono();
		int np = 0, timeout = 200, usable_hosts = 0, all_failing = 1, live = 0, connecting;

		if (got_hup || now >= c.next_hcheck) {
			reload_hosts(&c, got_hup);
			got_hup = 0;
			c.next_hcheck = now + 1;
		}
		connecting = 0;
		for (int i = 0; i < c.nh; i++)
			connecting += c.h[i].st == HS_CONN;
		for (int i = 0; i < c.nh; i++) {
			struct host *h = &c.h[i];
			if (h->gone)
				continue;
			/* Pace new logins: sshd refuses bursts (MaxStartups). */
			if (h->st == HS_DOWN && !h->removed && h->quar_until <= now &&
			    (c.npending > 0 || (o->speculate && c.na > 0)) && connecting < MAX_CONNECTING) {
				host_connect(&c, h);
				connecting++;
			}
			if (h->st == HS_CLOSING)
				finish_closing(&c, h, now);
			else if (h->st == HS_CONN && now - h->last_rx > (o->lease > 20 ? o->lease : 20))
				host_down(&c, h, "no answer from the agent");
			else if (h->st == HS_UP && now - h->last_rx > o->lease) {
				char why[64];
				snprintf(why, sizeof why, "no heartbeat for %gs", o->lease);
				host_down(&c, h, why);
			}
			if (h->st == HS_UP && h->probing == 0 && h->nquar > 0 && h->quar_until <= now &&
			    h->cfail == 0 && h->quar_until > 0) {
				h->probing = 1;
				h->quar_until = 0;
				jhost(&c, "probe", h, "after %d quarantine(s)", h->nquar);
			}
			if (h->st == HS_UP && h->removed && h->nrun == 0 && !h->quit_sent) {
				send_frame(&c, h, TR_F_QUIT, 0, NULL, 0);
				h->quit_sent = 1;
			}
			if ((h->st == HS_UP || h->st == HS_CONN) && now - h->last_tx >= c.hb)
				send_frame(&c, h, TR_F_PING, 0, NULL, 0);
		}
		assign(&c, now);
		speculate(&c, now);
		for (int k = 0; k < c.na; k++)
			if (o->timeout > 0 && !c.a[k].cancel && now - c.a[k].start > o->timeout)
				cancel_attempt(&c, &c.a[k], C_TIMEOUT);
		pump_stdin(&c);
		for (int i = 0; i < c.nh; i++) {
			struct host *h = &c.h[i];
			if (h->wfd >= 0 && tr_buf_flush(&h->wb, h->wfd) != 0) {
				close_fd(&h->wfd);
				if (h->st != HS_CLOSING) {
					h->st = HS_CLOSING;
					h->closing_at = now;
				}
			}
			if (h->quit_sent && h->wfd >= 0 && tr_buf_used(&h->wb) == 0)
				close_fd(&h->wfd);
		}
		show_progress(&c, now, 0);

		if (c.ndone + c.nfinal >= tasks->n && c.na == 0)
			break;
		for (int i = 0; i < c.nh; i++) {
			const struct host *h = &c.h[i];
			if (h->removed || h->gone)
				continue;
			live++;
			if (h->st == HS_UP || h->st == HS_CONN || h->st == HS_CLOSING)
				usable_hosts++;
			/* Hosts that never came up are given up on sooner. */
			if (h->nquar < (h->ever_up ? GIVE_UP : GIVE_UP_NEVER))
				all_failing = 0;
		}
		if (c.na == 0 && live > 0 && usable_hosts == 0 && all_failing) {
			for (long i = 0; i < tasks->n; i++)
				if (c.ts[i].st == T_PENDING) {
					c.npending--;
					final_fail(&c, i, "not run: no usable host");
				}
			sk_warnx("no usable host left");
			break;
		}

		free(pfd);
		pfd = calloc((size_t)(1 + 3 * c.nh), sizeof *pfd);
		if (!pfd)
			sk_die(1, "out of memory");
		pfd[np].fd = sp[0];
		pfd[np++].events = POLLIN;
		for (int i = 0; i < c.nh; i++) {
			const struct host *h = &c.h[i];
			if (h->rfd >= 0) {
				pfd[np].fd = h->rfd;
				pfd[np++].events = POLLIN;
			}
			if (h->efd >= 0) {
				pfd[np].fd = h->efd;
				pfd[np++].events = POLLIN;
			}
			if (h->wfd >= 0 && tr_buf_used(&h->wb) > 0) {
				pfd[np].fd = h->wfd;
				pfd[np++].events = POLLOUT;
			}
		}
		if (stdin_ready(&c))
			timeout = 0;
		if (poll(pfd, (nfds_t)np, timeout) < 0 && errno != EINTR)
			sk_die(1, "poll: %s", strerror(errno));
		for (int k = 0; k < np; k++) {
			if (!pfd[k].revents)
				continue;
			if (pfd[k].fd == sp[0]) {
				char junk[64];
				while (read(sp[0], junk, sizeof junk) > 0)
					;
				continue;
			}
			for (int i = 0; i < c.nh; i++) {
				struct host *h = &c.h[i];
				if (pfd[k].fd == h->rfd)
					host_read(&c, h);
				else if (pfd[k].fd == h->efd)
					host_stderr(h);
			}
		}
		reap_kids(&c);
	}
	show_progress(&c, tr_mono(), 1);

	/* Orderly shutdown: ask every agent to quit and wait briefly. */
	for (int i = 0; i < c.nh; i++) {
		struct host *h = &c.h[i];
		if (h->wfd >= 0) {
			send_frame(&c, h, TR_F_QUIT, 0, NULL, 0);
			h->quit_sent = 1;
			tr_buf_flush(&h->wb, h->wfd);
			close_fd(&h->wfd);
		}
	}
	t_end = tr_mono() + 3;
	for (;;) {
		int open = 0;
		for (int i = 0; i < c.nh; i++) {
			struct host *h = &c.h[i];
			if (h->rfd >= 0) {
				struct pollfd p = {h->rfd, POLLIN, 0};
				if (poll(&p, 1, 50) > 0) {
					const ssize_t n = tr_buf_fill(&h->rb, h->rfd);
					struct tr_frame f;
					while (tr_proto_next(&h->rb, &f, NULL) == 1) {
						if (f.type == TR_F_APING)
							host_frame(&c, h, &f);
						tr_buf_consume(&h->rb, TR_PROTO_HDR + f.len);
					}
					if (n == 0 || (n < 0 && errno != EAGAIN))
						close_fd(&h->rfd);
				}
				open += h->rfd >= 0;
			}
		}
		if (!open || tr_mono() > t_end)
			break;
	}
	for (int i = 0; i < c.nh; i++) {
		struct host *h = &c.h[i];
		if (h->st != HS_DOWN) {
			h->removed = 1;
			h->quit_sent = 1;
			h->hello = 1;
			host_down(&c, h, "finished");
		}
	}
	while (c.nkids > 0 && tr_mono() < t_end + 2) {
		reap_kids(&c);
		if (c.nkids)
			poll(NULL, 0, 20);
	}
	for (int i = 0; i < c.nkids; i++)
		kill(c.kids[i].pid, SIGKILL);

	getrusage(RUSAGE_SELF, &ru);
	tr_event_init(&e, "end");
	e.user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	e.sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	snprintf(e.note, sizeof e.note, "done=%ld failed=%ld", c.ndone, c.nfinal);
	jlog(&c, &e);
	for (long i = 0; i < tasks->n; i++)
		if (c.ts[i].st == T_FAILED)
			sk_warnx("task %ld: %s", i + 1, c.ts[i].why ? c.ts[i].why : "failed");
	*nfailed = c.nfinal;
	rc = 0;
	sig_fd = -1;
	close(sp[0]);
	close(sp[1]);
out:
	free(pfd);
	tr_journal_close(&c.j);
	tr_state_close(&c.state);
	for (int i = 0; i < c.nh; i++) {
		free(c.h[i].name);
		free(c.h[i].busy);
		tr_buf_release(&c.h[i].wb);
		tr_buf_release(&c.h[i].rb);
	}
	free(c.h);
	for (int k = 0; k < c.na; k++)
		drop_attempt_files(&c.a[k]);
	free(c.a);
	if (c.ts)
		for (long i = 0; i < tasks->n; i++) {
			free(c.ts[i].failed_on);
			free(c.ts[i].why);
		}
	free(c.ts);
	free(c.walls);
	free(c.kids);
	return rc;
}
