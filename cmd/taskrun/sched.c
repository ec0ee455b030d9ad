/* sched: the controller's main loop: setup and resume from the journal,
 * handing tasks to free slots, the poll loop, and the orderly end.  The
 * hosts, the attempts and the progress line are in their own files. */
#include "sched_int.h"

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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "file.h"
#include "grow.h"
#include "hostfile.h"
#include "idmap.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"

/*
 * Signals.  SIGINT, SIGTERM and SIGHUP stop the run: running attempts are
 * cancelled on their hosts, their partial outputs removed, every one of
 * them journalled, and the process dies of the signal.  A second one dies
 * at once through ofile's handler, which removes every registered
 * temporary (the --stdout files of running attempts).  SIGUSR1 re-reads
 * the host file.  Signal handlers can reach only file-scope state, so
 * these are the mutable globals STYLE section 7 allows: the write end of
 * the self-pipe that wakes poll(), what arrived, and ofile's handlers.
 */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])
static int sig_fd = -1;
static volatile sig_atomic_t got_stop, got_usr1;
static struct sigaction ofile_act[NSTOP];

static void on_signal(int sig)
{
	const int e = errno;

	if (sig == SIGUSR1) {
		got_usr1 = 1;
	} else if (sig != SIGCHLD && got_stop) {
		/* The signal stays blocked until this handler returns; then
		 * ofile's handler cleans up and re-raises it. */
		for (size_t i = 0; i < NSTOP; i++)
			if (stop_signals[i] == sig)
				sigaction(sig, &ofile_act[i], NULL);
		raise(sig);
	} else if (sig != SIGCHLD) {
		got_stop = sig;
	}
	if (sig_fd >= 0 && write(sig_fd, "s", 1) < 0) {
		/* The pipe is full: poll() wakes anyway. */
	}
	errno = e;
}

/* Installs the handlers, also over an inherited SIG_IGN of SIGINT (a
 * background job of a shell without job control still stops when told to),
 * except that an ignored SIGHUP stays ignored: nohup(1) asks for that. */
static void install_signals(void)
{
	struct sigaction sa, was;
	sigset_t set;
	int ign[NSTOP];

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSTOP; i++) {
		ign[i] = sigaction(stop_signals[i], NULL, &was) == 0 && was.sa_handler == SIG_IGN;
		sigaction(stop_signals[i], &sa, NULL);
	}
	/* ofile installs its handlers only where the default is in place. */
	sk_ofile_signals();
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], NULL, &ofile_act[i]);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&set);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	for (size_t i = 0; i < NSTOP; i++) {
		if (stop_signals[i] == SIGHUP && ign[i]) {
			signal(SIGHUP, SIG_IGN);
			continue;
		}
		sigaction(stop_signals[i], &sa, NULL);
		sigaddset(&set, stop_signals[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Back to ofile's handlers (or an ignored SIGHUP), and the default for the
 * rest. */
static void restore_signals(void)
{
	for (size_t i = 0; i < NSTOP; i++) {
		struct sigaction was;
		if (sigaction(stop_signals[i], NULL, &was) == 0 && was.sa_handler == on_signal)
			sigaction(stop_signals[i], &ofile_act[i], NULL);
	}
	signal(SIGUSR1, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
}

void tr_jlog(struct tr_ctl *c, struct tr_event *e)
{
	struct sk_error err;
	if (tr_journal_write(&c->j, e, &err) != 0)
		tr_fail_err(c, &err);
}

void tr_jput(struct tr_ctl *c, struct tr_event *e)
{
	struct sk_error err;
	if (tr_journal_put(&c->j, e, &err) != 0)
		tr_fail_err(c, &err);
}

void tr_jsync(struct tr_ctl *c)
{
	struct sk_error err;
	if (tr_journal_sync(&c->j, &err) != 0)
		tr_fail_err(c, &err);
}

void tr_jflush(struct tr_ctl *c, double now)
{
	struct sk_error err;
	double left;
	const int rc = tr_journal_due(&c->j, now, &left) ? tr_journal_sync(&c->j, &err)
							  : tr_journal_flush(&c->j, &err);
	if (rc != 0)
		tr_fail_err(c, &err);
}

void tr_fd_room(struct tr_ctl *c, int slots)
{
	unsigned long need;
	struct rlimit rl;

	c->fd_slots += slots;
	need = 3UL * (unsigned long)c->nh + 4UL * (unsigned long)c->fd_slots + 64;
	if (need <= c->fd_room || getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	c->fd_room = need;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		if (!c->fd_said)
			tr_warnx(c, "%d hosts need %lu open files or more, but the hard limit is %lu: running on the "
				 "hosts that fit (raise it: ulimit -Hn as root, or nofile in "
				 "/etc/security/limits.conf)", c->nh, need, (unsigned long)rl.rlim_max);
		c->fd_said = 1;
		c->fd_hard = (unsigned long)rl.rlim_max;
		rl.rlim_cur = rl.rlim_max;
	} else {
		rl.rlim_cur = need;
	}
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* A host's open files in the controller: its pipes, and per slot what an
 * attempt may hold; slots from its hello, else its N/, else one. */
static unsigned long host_fds(const struct tr_host *h)
{
	const int slots = h->hello ? h->slots : h->slots_cfg > 0 ? h->slots_cfg : 1;
	return FD_PER_HOST + FD_PER_SLOT * (unsigned long)slots;
}

unsigned long tr_fd_used(const struct tr_ctl *c)
{
	unsigned long n = 0;

	for (int i = 0; i < c->nh; i++)
		if (c->h[i].st != HS_DOWN)
			n += host_fds(&c->h[i]);
	return n;
}

int tr_fd_fits(const struct tr_ctl *c, const struct tr_host *h, unsigned long used)
{
	return c->fd_hard == 0 || used == 0 || FD_OWN + used + host_fds(h) <= c->fd_hard;
}

void tr_fail(struct tr_ctl *c, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof c->fatal.msg];

	if (!c->stop)
		c->stop = TR_STOP_ERROR;
	if (c->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sk_error_set(&c->fatal, code, "%s", msg);
	c->failed = 1;
}

void tr_fail_err(struct tr_ctl *c, const struct sk_error *e)
{
	if (!c->stop)
		c->stop = TR_STOP_ERROR;
	if (c->failed)
		return;
	c->fatal = *e;
	c->failed = 1;
}

void tr_jhost(struct tr_ctl *c, const char *ev, const struct tr_host *h, const char *fmt, ...)
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
	tr_jlog(c, &e);
}

/*
 * --cluster: how many tasks one request takes.  N as given; auto: one task
 * until a task has succeeded, then as many as take about TR_CLUSTER_SECS by
 * the median wall time of the tasks that succeeded, and no more than the
 * pending tasks shared among all the slots of the hosts that are up (so
 * that the tail of the run keeps every slot busy), at most TR_CLUSTER_MAX.
 */
#define TR_CLUSTER_SECS 1.0
static int cluster_size(struct tr_ctl *c)
{
	double med;
	long n, slots = 0;

	if (c->o->cluster != TR_CLUSTER_AUTO)
		return c->o->cluster > 1 ? c->o->cluster : 1;
	if (tr_median_count(&c->spec.walls) == 0)
		return 1;
	med = tr_median_get(&c->spec.walls);
	n = med > 0 ? (long)(TR_CLUSTER_SECS / med) : TR_CLUSTER_MAX;
	/* Counted once per call of assign(), not per request. */
	if (c->cl_slots < 0) {
		c->cl_slots = 0;
		for (int g = 0; g < c->nh; g++)
			if (c->h[g].st == HS_UP && !c->h[g].removed)
				c->cl_slots += c->h[g].slots;
	}
	slots = c->cl_slots;
	if (slots > 0 && n > c->npending / slots)
		n = c->npending / slots;
	return n < 1 ? 1 : n > TR_CLUSTER_MAX ? TR_CLUSTER_MAX : (int)n;
}

/* --apart: whether host hi holds a copy of task ti's group: a task of the
 * same --apart value runs there, or is done with its --keep file there. */
static int apart_clash(const struct tr_ctl *c, long ti, int hi)
{
	if (!c->apart_next)
		return 0;
	for (long s = c->apart_next[ti]; s != ti; s = c->apart_next[s]) {
		if (c->ts[s].st == TR_T_DONE && c->keep_host && c->keep_host[s] &&
		    strcmp(c->keep_host[s], c->h[hi].name) == 0)
			return 1;
		for (int k = 0; c->ts[s].nrun > 0 && k < c->na; k++)
			if (c->a[k].task == s && c->a[k].host == hi)
				return 1;
	}
	return 0;
}

/* Whether one of the hosts of a --where list is up or connecting, and not
 * quarantined: when none is, a task has nothing to wait for. */
static int where_alive(const struct tr_ctl *c, const char *where)
{
	for (int g = 0; g < c->nh; g++) {
		const struct tr_host *h = &c->h[g];
		if (h->removed || h->gone || (h->st != HS_UP && h->st != HS_CONN) || h->hl.quar_until > c->pick_now)
			continue;
		if (tr_policy_where(where, h->name, 0, 1) == TR_FIT_LOCAL)
			return 1;
	}
	return 0;
}

/* What host hi is to pending task ti (tr_policy_pick_local): never a host
 * with a copy of its --apart group, nor one it failed on while a usable
 * host it has not failed on remains; its --where hosts first, the others
 * once it has waited --locality-wait, or at once when none of them is up
 * or on its way up. */
static int task_fit(void *arg, long ti, int hi)
{
	struct tr_ctl *c = arg;
	const struct tr_task *t = &c->tl->t[ti];

	if (t->apart && apart_clash(c, ti, hi))
		return TR_FIT_NO;
	/* Its piece must reach hi: hi holds it, or a holder is up. */
	if (t->input && !tr_input_fit(c, ti, hi))
		return TR_FIT_NO;
	if (c->ts[ti].nfo && tr_policy_failed_on(&c->ts[ti], hi)) {
		for (int g = 0; g < c->nh; g++)
			if (g != hi && c->usable[g] && !tr_policy_failed_on(&c->ts[ti], g))
				return TR_FIT_NO;
	}
	{
		const int k = tr_policy_where(t->where, c->h[hi].name, c->pick_now - c->ts[ti].pend_since,
					      c->o->locwait);
		return k == TR_FIT_NO && !where_alive(c, t->where) ? TR_FIT_ANY : k;
	}
}

/* The task a free slot of host hi takes, or -1. */
static long pick_task(struct tr_ctl *c, int hi, int nusable)
{
	if (c->placed)
		return tr_policy_pick_local(&c->fresh, &c->retry, hi, task_fit, c);
	return tr_policy_pick(c->ts, &c->fresh, &c->retry, hi, c->usable, nusable < 0 ? 0 : nusable);
}

/* Starts task pick and up to n - 1 more pending tasks (none with --stdin,
 * which streams while the task runs) on one free slot of host h (index
 * hi), sent as one request: the agent runs them one after another.  Each
 * is an attempt of its own, journalled and ended on its own. */
static void start_cluster(struct tr_ctl *c, struct tr_host *h, int hi, long pick, int n, int nusable)
{
	struct tr_buf b = {0};
	int k = 1;

	c->batch = &b;
	c->batch_slot = 0;
	tr_start_attempt(c, h, pick, 0);
	while (k < n && c->npending > 0 && !c->stop && c->batch_slot > 0 && tr_buf_used(&b) < TR_PROTO_MAX / 2) {
		const long p = pick_task(c, hi, nusable);
		if (p < 0 || c->tl->t[p].in || c->tl->t[p].input)
			break;
		tr_start_attempt(c, h, p, 0);
		k++;
	}
	c->batch = NULL;
	c->batch_slot = 0;
	if (tr_buf_used(&b) > 0) {
		tr_send_frame(c, h, TR_F_CLUSTER, 0, b.p, tr_buf_used(&b));
		h->requests++;
	}
	tr_buf_release(&b);
}

/* The first pending task from i on, or -1. */
static long next_pending(const struct tr_ctl *c, long i)
{
	const long f = tr_bitset_next(&c->fresh, i), r = tr_bitset_next(&c->retry, i);
	const long fr = f < 0 ? r : r < 0 || f < r ? f : r, a = tr_bitset_next(&c->alone, i);
	return fr < 0 ? a : a < 0 || fr < a ? fr : a;
}

/* A task that runs alone (tr_tstate.alone) for empty host hi: the first
 * that may run there, or -1. */
static long pick_alone(struct tr_ctl *c, int hi)
{
	for (long i = tr_bitset_next(&c->alone, 0); i >= 0; i = tr_bitset_next(&c->alone, i + 1))
		if (!c->placed || task_fit(c, i, hi) != TR_FIT_NO)
			return i;
	return -1;
}

/* The usable hosts now, into c->usable; returns how many. */
static int count_usable(struct tr_ctl *c, double now)
{
	int n = 0;

	for (int g = 0; g < c->nh; g++)
		n += c->usable[g] = (unsigned char)tr_usable(c, &c->h[g], now);
	return n;
}

/* Fills the free slots of host i; returns 1 when it may still have one
 * because no task was left for it. */
static int fill_host(struct tr_ctl *c, int i, double now, int *nusable)
{
	struct tr_host *h = &c->h[i];
	const int cap = h->hl.probing ? 1 : h->slots;

	/* A quarantine whose end housekeeping has not yet journalled
	 * (release, probe) still holds. */
	if (h->st != HS_UP || h->removed || h->hl.quar_until > now || h->quar_open || h->alone_run)
		return 0;
	/* A task that runs alone takes an empty host.  Where none is, one
	 * host (c->drain) takes no more tasks until it is empty. */
	if (c->alone.count > 0) {
		if (h->slots_used == 0) {
			const long pick = pick_alone(c, i);
			if (pick >= 0) {
				if (c->drain == i)
					c->drain = -1;
				c->pick_now = now;
				tr_start_attempt(c, h, pick, 0);
				return 0;
			}
		} else if (c->drain < 0 || c->drain == i) {
			c->drain = i;
			return 0;
		}
	} else if (c->drain == i) {
		c->drain = -1;
	}
	while (h->slots_used < cap && !c->stop) {
		long pick;
		if (c->npending == 0)
			return 1;
		/* Who else could take a retry: only when there are retries,
		 * and once per call of assign(). */
		if ((c->retry.count > 0 || c->placed) && *nusable < 0)
			*nusable = count_usable(c, now);
		c->pick_now = now;
		pick = pick_task(c, i, *nusable);
		if (pick < 0)
			return 0;
		{
			const int n = !c->tl->t[pick].in && !c->tl->t[pick].input && !h->hl.probing ? cluster_size(c) : 1;
			if (n > 1)
				start_cluster(c, h, i, pick, n, *nusable);
			else
				tr_start_attempt(c, h, pick, 0);
		}
	}
	return 0;
}

/* Hands pending tasks to free slots: of the hosts whose slots came free
 * since the last call (freeq), or of every host at housekeeping (when
 * quarantines end), so that ending one task does not cost a look at every
 * host.  A host left with a free slot because nothing was pending stays in
 * the queue for the next task that becomes pending. */
static void assign(struct tr_ctl *c, double now)
{
	int nusable = -1, kept = 0;

	if (c->npending == 0 || c->halted || !c->assign_dirty)
		return;
	c->assign_dirty = 0;
	c->cl_slots = -1;
	if (c->assign_all) {
		c->assign_all = 0;
		for (int i = 0; i < c->nh && c->npending > 0; i++)
			if (fill_host(c, i, now, &nusable) && !c->h[i].inq) {
				c->h[i].inq = 1;
				c->freeq[c->nfreeq++] = i;
			}
	}
	for (int q = 0; q < c->nfreeq; q++) {
		const int i = c->freeq[q];
		if (c->npending > 0 && !fill_host(c, i, now, &nusable)) {
			c->h[i].inq = 0;
			continue;
		}
		c->freeq[kept++] = i;
	}
	c->nfreeq = kept;
}

static int cmp_run_start(const void *x, const void *y)
{
	const struct tr_run *a = x, *b = y;
	return (a->start > b->start) - (a->start < b->start);
}

/* Copies of stragglers into free slots, once nothing is pending.  The
 * attempts that a copy may be made of (old enough, alone, not cancelled)
 * are gathered once, oldest first; each free slot takes the first of them
 * on another host that has not failed on its host. */
static void speculate(struct tr_ctl *c, double now)
{
	struct tr_run *r;
	int nr = 0;

	if (!c->o->speculate || c->npending > 0 || tr_median_count(&c->spec.walls) == 0 || c->halted)
		return;
	if (c->spec.dirty) {
		c->spec.after = tr_policy_spec_after(&c->spec.walls);
		c->spec.dirty = 0;
	}
	if (c->spec.after < 0 || c->na == 0)
		return;
	if (!(r = malloc((size_t)c->na * sizeof *r)))
		return;
	for (int k = 0; k < c->na; k++) {
		const struct tr_attempt *a = &c->a[k];
		const struct tr_tstate *t = &c->ts[a->task];
		if (a->cancel || a->alone || !tr_input_clock(c, a) || now - a->start < c->spec.after || t->nrun != 1 ||
		    t->st != TR_T_ACTIVE)
			continue;
		r[nr].task = a->task;
		r[nr].host = a->host;
		r[nr].cancelled = 0;
		r[nr++].start = a->start;
	}
	qsort(r, (size_t)nr, sizeof *r, cmp_run_start);
	for (int i = 0; i < c->nh && nr > 0; i++) {
		struct tr_host *h = &c->h[i];
		while (h->st == HS_UP && !h->removed && h->hl.quar_until <= now && !h->hl.probing &&
		       h->slots_used < h->slots && !c->stop && nr > 0) {
			const int best = tr_policy_straggler(r, nr, c->ts, i, now, c->spec.after);
			if (best < 0)
				break;
			tr_start_attempt(c, h, r[best].task, 1);
			/* Copied: it has two attempts now. */
			memmove(&r[best], &r[best + 1], (size_t)(nr - best - 1) * sizeof *r);
			nr--;
		}
	}
	free(r);
}

/* When housekeeping is next due, after the one at now: the first of a
 * host's quarantine end, lease, heartbeat or answer deadline, an attempt's
 * --timeout or the time a copy of it may be made, a host waiting to
 * connect; HK_EVERY at the soonest (a quarter of
 * the heartbeat interval with a short lease), HK_IDLE at the latest. */
static double hk_due(const struct tr_ctl *c, double now)
{
	const double every = c->hb / 4 < HK_EVERY ? c->hb / 4 : HK_EVERY;
	const double wait = c->o->lease > 20 ? c->o->lease : 20;
	const unsigned long fd_used = c->fd_hard ? tr_fd_used(c) : 0;
	double due = now + HK_IDLE;

	/* A placed task may go to any host once it has waited
	 * --locality-wait: looked at as often as ever. */
	if (c->placed && c->npending > 0)
		return now + every;
#define HK_SOONER(t) do { if ((t) < due) due = (t); } while (0)
	for (int i = 0; i < c->nh && due > now + every; i++) {
		const struct tr_host *h = &c->h[i];
		if (h->gone)
			continue;
		if (h->quar_open || h->hl.quar_until > now)
			HK_SOONER(h->hl.quar_until);
		/* Left down with work to do: more agents than may start at
		 * once. */
		if (h->st == HS_DOWN && !h->removed && h->hl.quar_until <= now &&
		    (c->npending > 0 || (c->o->speculate && c->na > 0)) && tr_fd_fits(c, h, fd_used))
			HK_SOONER(now + every);
		if (h->st == HS_CONN)
			HK_SOONER(h->last_rx + wait);
		if (h->st == HS_UP)
			HK_SOONER(h->last_rx + c->o->lease);
		if (h->st == HS_UP || h->st == HS_CONN)
			HK_SOONER(h->last_tx + c->hb);
		if (h->st == HS_UP && h->removed && h->nrun == 0 && !h->quit_sent)
			HK_SOONER(now);
		if (h->st == HS_CLOSING)
			HK_SOONER(now);
	}
	for (int k = 0; k < c->na && due > now + every; k++) {
		const struct tr_attempt *a = &c->a[k];
		if (c->o->timeout > 0 && !a->cancel && tr_input_clock(c, a))
			HK_SOONER(a->start + c->o->timeout);
		if (c->o->speculate && c->npending == 0 && tr_median_count(&c->spec.walls) > 0 && c->spec.after >= 0 &&
		    !a->cancel)
			HK_SOONER(a->start + (c->spec.after > TR_SPEC_MIN ? c->spec.after : TR_SPEC_MIN));
	}
#undef HK_SOONER
	return due > now + every ? due : now + every;
}

/* The path of the --stdout temporary of target that a start event's note
 * names ("tmp=.NAME.XXXXXX", beside target), if the name is one (malloc'd),
 * or NULL. */
static char *tmp_path(const char *target, const char *note)
{
	const char *p = strstr(note, " tmp="), *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	const size_t nb = strlen(base), nd = slash ? (size_t)(slash - target + 1) : 0;
	char *path;

	if (!p)
		return NULL;
	p += 5;
	if (strchr(p, '/') || p[0] != '.' || strncmp(p + 1, base, nb) != 0 || p[1 + nb] != '.' ||
	    strlen(p + 2 + nb) != 6)
		return NULL;
	if ((path = malloc(nd + strlen(p) + 1))) {
		memcpy(path, target, nd);
		strcpy(path + nd, p);
	}
	return path;
}

static void remove_tmp(const char *target, const char *note)
{
	char *path = tmp_path(target, note);
	if (path)
		unlink(path);
	free(path);
}

/* What a resume gathers in one pass over the journal: the attempts started
 * and not ended yet, in journal order (an id map from task and attempt to
 * their place in open[]).  They are few (at most the slots of the runs
 * that a kill ended), whatever the journal's length. */
static int cmp_long(const void *x, const void *y)
{
	const long a = *(const long *)x, b = *(const long *)y;
	return (a > b) - (a < b);
}

/* An attempt started in the last run with a --stdout temporary. */
struct seg_start {
	long task;
	char *tmp;                /* its path, or NULL once it ended otherwise */
	int commit;               /* done: the rename is to be finished */
};

struct resume_scan {
	struct tr_ctl *c;
	struct tr_event *open;
	long nopen, capopen, seq;
	long *order;              /* per open[] entry, its journal position */
	struct tr_idmap where;
	/* The previous event, for a fail right after a done. */
	char prev_ev[16];
	long prev_task;
	int prev_attempt;
	/* The last run, while no end follows it: its attempts that have a
	 * --stdout temporary (key: task and attempt, value: index). */
	int seg;
	struct seg_start *ss;
	long nss, capss;
	struct tr_idmap segmap;
};

static void seg_reset(struct resume_scan *r, int seg)
{
	for (long i = 0; i < r->nss; i++)
		free(r->ss[i].tmp);
	r->nss = 0;
	tr_idmap_release(&r->segmap);
	r->seg = seg;
}

/* A controller killed between a done line and the rename of that attempt's
 * output (attempts.c, commit_prepare) left the temporary, named by the
 * attempt's start: the rename is finished here.  Only the last run can hold
 * such a line, and only when it did not end (a failed rename is journalled
 * as a fail at once).  Tracked as the scan goes: the starts with a
 * temporary of the current run, each until its attempt ends. */
static int seg_event(struct resume_scan *r, const struct tr_event *e, uint64_t key)
{
	const struct tr_task *t = &r->c->tl->t[e->task - 1];
	long k;

	if (!r->seg || !t->out)
		return 0;
	if (strcmp(e->ev, "start") == 0) {
		char *path = tmp_path(t->out, e->note);
		if (!path)
			return 0;
		if (sk_grow(&r->ss, &r->capss, r->nss + 1, sizeof *r->ss, 64) != 0) {
			free(path);
			return SK_ENOMEM;
		}
		if (tr_idmap_put(&r->segmap, key, r->nss) != 0) {
			free(path);
			return SK_ENOMEM;
		}
		r->ss[r->nss].task = e->task - 1;
		r->ss[r->nss].tmp = path;
		r->ss[r->nss++].commit = 0;
		return 0;
	}
	if (!tr_idmap_get(&r->segmap, key, &k))
		return 0;
	if (strcmp(e->ev, "done") == 0) {
		r->ss[k].commit = 1;
	} else if (strcmp(e->ev, "fail") == 0 && r->ss[k].commit) {
		/* The rename failed after the done line: nothing to finish. */
		r->ss[k].commit = 0;
	} else if (strcmp(e->ev, "fail") == 0 || strcmp(e->ev, "lost") == 0 ||
		   strcmp(e->ev, "cancel") == 0) {
		free(r->ss[k].tmp);
		r->ss[k].tmp = NULL;
		tr_idmap_del(&r->segmap, key);
	}
	return 0;
}

/* *d = *s, copying only the bytes of the strings that are used. */
static void copy_event(struct tr_event *d, const struct tr_event *s)
{
	d->t = s->t;
	memcpy(d->ev, s->ev, strlen(s->ev) + 1);
	d->task = s->task;
	d->attempt = s->attempt;
	memcpy(d->host, s->host, strlen(s->host) + 1);
	d->status = s->status;
	d->sig = s->sig;
	d->wall = s->wall;
	d->user = s->user;
	d->sys = s->sys;
	d->maxrss = s->maxrss;
	memcpy(d->note, s->note, strlen(s->note) + 1);
}

static uint64_t attempt_key(long task, int attempt)
{
	return ((uint64_t)task << 32) ^ (uint32_t)attempt;
}

static int resume_event(const struct tr_event *e, void *arg)
{
	struct resume_scan *r = arg;
	struct tr_ctl *c = r->c;
	const long ti = e->task - 1;
	const uint64_t key = attempt_key(e->task, e->attempt);
	long k;
	int rc;

	r->seq++;
	if (strcmp(e->ev, "run") == 0 || strcmp(e->ev, "end") == 0)
		seg_reset(r, e->ev[0] == 'r');
	if (ti < 0 || ti >= c->tl->n)
		goto out;
	if (e->attempt > c->ts[ti].attempts)
		c->ts[ti].attempts = e->attempt;
	if ((rc = seg_event(r, e, key)) != 0)
		return rc;
	if (strcmp(e->ev, "start") == 0) {
		if (r->nopen == r->capopen) {
			long cap = r->capopen, capo = r->capopen;
			if (sk_grow(&r->open, &cap, r->nopen + 1, sizeof *r->open, 64) != 0 ||
			    sk_grow(&r->order, &capo, cap, sizeof *r->order, 64) != 0)
				return SK_ENOMEM;
			r->capopen = cap;
		}
		/* Attempt numbers are not reused: a second start of one
		 * attempt (none is written) replaces the first. */
		if (!tr_idmap_get(&r->where, key, &k)) {
			if (tr_idmap_put(&r->where, key, r->nopen) != 0)
				return SK_ENOMEM;
			k = r->nopen++;
		}
		copy_event(&r->open[k], e);
		r->order[k] = r->seq;
		goto out;
	}
	if (strcmp(e->ev, "done") == 0) {
		c->ts[ti].st = TR_T_DONE;
		if (c->tl->t[ti].keep && strstr(e->note, " keep="))
			tr_keep_note(c, ti, e->host);
		if (c->failed)
			return SK_ENOMEM;
	} else if (strcmp(e->ev, "remake") == 0) {
		/* Its --keep file was lost with its host: it runs again. */
		c->ts[ti].st = TR_T_PENDING;
	}
	/* A commit that failed after its done line (attempts.c). */
	else if (strcmp(e->ev, "fail") == 0 && strcmp(r->prev_ev, "done") == 0 && r->prev_task == e->task &&
		 r->prev_attempt == e->attempt)
		c->ts[ti].st = TR_T_PENDING;
	if ((strcmp(e->ev, "done") == 0 || strcmp(e->ev, "fail") == 0 || strcmp(e->ev, "lost") == 0 ||
	     strcmp(e->ev, "cancel") == 0) &&
	    tr_idmap_get(&r->where, key, &k)) {
		tr_idmap_del(&r->where, key);
		if (k != --r->nopen) {
			copy_event(&r->open[k], &r->open[r->nopen]);
			r->order[k] = r->order[r->nopen];
			if (tr_idmap_put(&r->where, attempt_key(r->open[k].task, r->open[k].attempt), k) != 0)
				return SK_ENOMEM;
		}
	}
out:
	memcpy(r->prev_ev, e->ev, sizeof r->prev_ev);
	r->prev_task = e->task;
	r->prev_attempt = e->attempt;
	return 0;
}

/* Marks what the journal says: done tasks, attempt numbers, and attempts a
 * killed controller left behind (journalled as lost, in the order they
 * started, their files removed).  One pass, memory for the open attempts
 * only: a journal of millions of tasks resumes in about a second. */
static int resume(struct tr_ctl *c, struct sk_error *err)
{
	char *path = sk_path_join(c->o->state, "journal");
	struct resume_scan r;
	long *ix = NULL;
	int rc;

	if (!path)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	memset(&r, 0, sizeof r);
	r.c = c;
	tr_idmap_init(&r.where);
	rc = tr_journal_scan(path, resume_event, &r, err);
	free(path);
	if (rc == SK_ENOMEM)
		sk_error_set(err, SK_ENOMEM, "out of memory");
	if (!rc && r.nopen > 0 && !(ix = malloc((size_t)r.nopen * sizeof *ix)))
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
	/* From here the map goes from journal position to open[]. */
	tr_idmap_release(&r.where);
	for (long i = 0; !rc && i < r.nopen; i++)
		if (tr_idmap_put(&r.where, (uint64_t)r.order[i], i) != 0)
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
	for (long i = 0; !rc && r.seg && i < r.nss; i++)
		if (r.ss[i].tmp && r.ss[i].commit) {
			const char *out = c->tl->t[r.ss[i].task].out;
			if (rename(r.ss[i].tmp, out) != 0 && errno != ENOENT)
				sk_warn("%s", out);
		}
	seg_reset(&r, 0);
	free(r.ss);
	if (!rc) {
		/* Journal order: open[] was shuffled by the removals. */
		for (long i = 0; i < r.nopen; i++)
			ix[i] = r.order[i];
		if (r.nopen > 0)   /* ix is NULL then: qsort's pointer may not be */
			qsort(ix, (size_t)r.nopen, sizeof *ix, cmp_long);
		for (long i = 0; i < r.nopen; i++) {
			long k = 0;
			struct tr_event e;
			tr_idmap_get(&r.where, (uint64_t)ix[i], &k);
			e = r.open[k];
			const long ti = e.task - 1;
			struct tr_task *t = &c->tl->t[ti];
			if (t->out)
				remove_tmp(t->out, e.note);
			/* --keep: the agent may have renamed the file into
			 * place before the kill, ahead of its done line.  The
			 * task runs there again first (as --where waits for a
			 * host), so the file is replaced, never left on one host
			 * beside a new copy on another.  A task with --where
			 * hosts is pinned the same way to the one of them it
			 * ran on (another holder of its data would leave the
			 * file on this one); one that had run away from them
			 * keeps its list. */
			if (t->keep && e.host[0] && tr_policy_where(t->where, e.host, 0, 1) != TR_FIT_NO) {
				char *pin = strdup(e.host);
				if (!pin) {
					rc = sk_error_set(err, SK_ENOMEM, "out of memory");
					break;
				}
				free(t->where);
				t->where = pin;
			}
			e.t = tr_wall();
			strcpy(e.ev, "lost");
			snprintf(e.note, sizeof e.note, "controller stopped");
			tr_jput(c, &e);
		}
		tr_jsync(c);
	}
	free(ix);
	free(r.open);
	free(r.order);
	tr_idmap_release(&r.where);
	return rc;
}

/* --where and --apart: whether any task has a place, and the ring of each
 * --apart value's tasks. */
static int place_setup(struct tr_ctl *c, struct sk_error *err)
{
	struct tr_strmap last;
	int any_apart = 0;

	for (long i = 0; i < c->tl->n; i++) {
		c->placed |= c->tl->t[i].where || c->tl->t[i].apart;
		any_apart |= c->tl->t[i].apart != NULL;
	}
	if (!any_apart)
		return 0;
	if (!(c->apart_next = malloc((size_t)c->tl->n * sizeof *c->apart_next)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	tr_strmap_init(&last);
	/* Each task points to the one before it of its value; the first of
	 * each value, to the last (closing the ring). */
	for (long i = 0; i < c->tl->n; i++) {
		long prev;
		c->apart_next[i] = i;
		if (!c->tl->t[i].apart)
			continue;
		if (tr_strmap_get(&last, c->tl->t[i].apart, &prev)) {
			c->apart_next[i] = c->apart_next[prev];
			c->apart_next[prev] = i;
		}
		if (tr_strmap_put(&last, c->tl->t[i].apart, i) != 0) {
			tr_strmap_release(&last);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	}
	tr_strmap_release(&last);
	return 0;
}

/* --apart: whether no host can ever take pending task ti: every host that
 * is up holds a copy of its group, and every other one was given up on. */
static int apart_stuck(const struct tr_ctl *c, long ti)
{
	for (int g = 0; g < c->nh; g++) {
		const struct tr_host *h = &c->h[g];
		if (h->removed || h->gone)
			continue;
		if (h->st != HS_UP) {
			if (h->hl.nquar < (h->ever_up ? GIVE_UP : GIVE_UP_NEVER))
				return 0;
			continue;
		}
		if (!apart_clash(c, ti, g))
			return 0;
	}
	return 1;
}

static int setup(struct tr_ctl *c, struct sk_error *err)
{
	int rc;

	c->j.fd = -1;
	c->j.path = NULL;
	c->ts = calloc((size_t)(c->tl->n ? c->tl->n : 1), sizeof *c->ts);
	if (c->ts) {
		/* A write to every page first: a resume reads each task's
		 * entry before it writes it, and a page whose first touch is
		 * a read maps the shared zero page, which the write then
		 * copies (a second fault and a TLB flush on every CPU). */
		const size_t bytes = (size_t)(c->tl->n ? c->tl->n : 1) * sizeof *c->ts;
		const long pg = sysconf(_SC_PAGESIZE);
		for (size_t o = 0; o < bytes; o += (size_t)(pg > 0 ? pg : 4096))
			((volatile char *)c->ts)[o] = 0;
	}
	if (!c->ts || tr_bitset_init(&c->fresh, c->tl->n) != 0 || tr_bitset_init(&c->retry, c->tl->n) != 0 ||
	    tr_bitset_init(&c->alone, c->tl->n) != 0)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (c->o->state) {
		char *path;
		if ((rc = tr_state_open(&c->state, c->o->state, err)) != 0)
			return rc;
		if ((rc = tr_state_tasks(&c->state, c->tl, c->o->fresh, err)) != 0)
			return rc;
		if (!(path = sk_path_join(c->o->state, "journal")))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		rc = tr_journal_open(&c->j, path, 1, err);
		free(path);
		if (rc)
			return rc;
		if ((rc = resume(c, err)) != 0)
			return rc;
	}
	if ((rc = place_setup(c, err)) != 0)
		return rc;
	for (long i = 0; i < c->tl->n; i++)
		if (c->ts[i].st != TR_T_DONE)
			tr_set_pending(c, i);
		else
			c->ndone++;
	if (c->o->hostfile) {
		tr_reload_hosts(c, 1);
		/* A host file that cannot be used at the start stops the run
		 * with its one message. */
		if (c->failed) {
			*err = c->fatal;
			return err->code;
		}
		if (!c->hw.ok)
			return sk_error_sys_at(err, c->o->hostfile);
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
			c->h[i].slurm = he[i].slurm;
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
		return c->o->hostfile ? sk_error_at(err, sk_error_set(err, SK_EARG, "no hosts"), c->o->hostfile)
				      : sk_error_set(err, SK_EARG, "job file: no hosts");
	if (tr_host_arrays(c) != 0)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	tr_fd_room(c, 0);
	return tr_output_open(c, err);
}

/*
 * --keep files are where their tasks ran.  At the end of a run (nothing
 * else to do), a done task whose file is on a host lost for good is
 * requeued: the task that made the file makes it again (a remake event,
 * which a resume reads as not done), and its kept record moves to the host
 * of that new done.  Lost for good, decided: at that moment the host is not
 * in the host file (never listed, or removed: drained), or it was lost in
 * this run (its connection went down other than by finishing) and has not
 * come back, or it is quarantined.  A host that comes back before the end
 * keeps its files: losing a connection is not losing a disk.  Returns the
 * number requeued.
 */
/* The remake event's note for a host lost for good. */
static const char *lost_why(const struct tr_host *h)
{
	return h->lost ? "host lost" : h->removed || h->gone ? "host removed" : "host quarantined";
}

static long remake_lost(struct tr_ctl *c)
{
	long n = 0;
	const double now = tr_mono();

	if (!c->keep_host || c->stop || c->halted)
		return 0;
	for (int g = 0; g <= c->nh; g++) {
		long ng = 0;
		for (long i = 0; i < c->tl->n; i++) {
			const char *hn = c->keep_host[i];
			struct tr_event e;
			int k = 0;
			if (!hn || c->ts[i].st != TR_T_DONE)
				continue;
			while (k < c->nh && strcmp(c->h[k].name, hn) != 0)
				k++;
			/* Pass g takes host g's files; pass nh those of hosts
			 * not in the list. */
			if (k != g || (k < c->nh && !tr_host_lost(c, &c->h[k], now)))
				continue;
			tr_event_init(&e, "remake");
			e.task = i + 1;
			e.attempt = c->ts[i].attempts;
			snprintf(e.host, sizeof e.host, "%s", hn);
			snprintf(e.note, sizeof e.note, "%s: keep=%.300s", k < c->nh ? lost_why(&c->h[k]) : "host gone",
				 c->tl->t[i].keep);
			tr_jput(c, &e);
			free(c->keep_host[i]);
			c->keep_host[i] = NULL;
			c->ndone--;
			tr_set_pending(c, i);
			ng++;
		}
		if (ng > 0 && g < c->nh)
			tr_warnx(c, "%s: %ld kept output%s %s: remade", c->h[g].name, ng, ng == 1 ? "" : "s",
				 c->h[g].lost ? "lost with the host"
				 : c->h[g].removed ? "on a host removed from the host file" : "on a quarantined host");
		n += ng;
	}
	if (n > 0)
		tr_jsync(c);
	return n;
}

/* The final failure of task i: why, the log of its last attempt when it
 * wrote one, and its command line (shortened when long). */
static void say_failed(const struct tr_ctl *c, long i)
{
	const struct tr_tstate *t = &c->ts[i];
	/* A piece's {} as on its first copy's host. */
	char *shown = tr_piece_show(c->tl->t[i].cmd, c->tl->t[i].input, NULL);
	const char *cmd = shown ? shown : c->tl->t[i].cmd;
	char log[64], *path = NULL;
	struct stat st;
	const int cut = strlen(cmd) > 200;

	snprintf(log, sizeof log, "logs/%ld.%d.err", i + 1, t->attempts);
	if (c->o->state && t->attempts > 0 && (path = sk_path_join(c->o->state, log)) && stat(path, &st) != 0) {
		free(path);
		path = NULL;
	}
	sk_warnx("task %ld: %s%s%s%s: %.*s%s", i + 1, t->why ? t->why : "failed", path ? " (log " : "",
		 path ? path : "", path ? ")" : "", cut ? 197 : 200, cmd, cut ? "..." : "");
	free(path);
	free(shown);
}

static const char *sigabbrev(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

/* The run stops (a signal or an error): every running attempt is
 * cancelled on its host; the loop waits for them until the deadline. */
static void begin_stop(struct tr_ctl *c, double now)
{
	for (int k = 0; k < c->na; k++)
		tr_cancel_attempt(c, &c->a[k], C_STOP);
	c->stop_at = now + c->grace + 3;
}

/* Attempts whose host did not answer the cancel in time: journalled as
 * cancelled, their outputs removed; the agent's lease kills the task. */
static void abandon_attempts(struct tr_ctl *c)
{
	while (c->na > 0) {
		struct tr_event e;
		tr_attempt_event(c, &c->a[0], &e, "cancel");
		snprintf(e.note, sizeof e.note, "%s; no answer from the host",
			 c->stop > 0 ? "interrupted" : c->stop ? "stopped by an error" : "halted");
		tr_jlog(c, &e);
		tr_forget_attempt(c, 0);
	}
}

int tr_sched_run(const struct tr_sched_opts *o, const struct tr_tasklist *tasks,
		 struct tr_sched_result *res, struct sk_error *err)
{
	struct tr_ctl c;
	int sp[2] = {-1, -1}, rc;
	struct epoll_event evs[256];
	struct tr_event e;
	struct rusage ru;
	double t_end = 0;
	int stopping = 0, closing = 0;

	memset(&c, 0, sizeof c);
	c.o = o;
	c.tl = tasks;
	c.next_id = 1;
	c.hb = o->lease / 6;
	c.grace = o->lease / 2 < 2 ? o->lease / 2 : 2;
	c.state.lockfd = -1;
	c.ep = -1;
	c.drain = -1;
	tr_idmap_init(&c.ids);
	tr_idmap_init(&c.jheld);
	tr_strmap_init(&c.hostmap);
	tr_median_init(&c.spec.walls);
	memset(res, 0, sizeof *res);
	res->ntasks = tasks->n;
	res->halt_status = c.halt_status = -1;
	{
		/* For the tests: stop (SIGSTOP) between the done line of task
		 * N and the print of its output, where a kill -9 is to print
		 * it neither twice nor after a resume (attempts.c). */
		const char *hook = getenv("TASKRUN_TEST_STOP_AFTER_DONE");
		c.stop_after_done = hook ? strtol(hook, NULL, 10) : 0;
	}
	got_stop = got_usr1 = 0;
	/* The handlers come first: a signal during the setup (reading a long
	 * journal) stops the run as soon as it starts. */
	if (pipe(sp) != 0) {
		rc = sk_error_sys(err, "pipe");
		goto out;
	}
	tr_set_cloexec(sp[0]);
	tr_set_cloexec(sp[1]);
	tr_set_nonblock(sp[0]);
	tr_set_nonblock(sp[1]);
	sig_fd = sp[1];
	install_signals();
	/* The loop waits on every agent's descriptors: epoll, so that a pass
	 * costs what happened in it, not the number of hosts. */
	if ((c.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = sk_error_sys(err, "epoll_create1");
		goto out;
	}
	{
		struct epoll_event ev;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.u64 = UINT64_MAX;
		if (epoll_ctl(c.ep, EPOLL_CTL_ADD, sp[0], &ev) != 0) {
			rc = sk_error_sys(err, "epoll_ctl");
			goto out;
		}
	}
	if ((rc = setup(&c, err)) != 0)
		goto out;
	sk_progress_init(&c.pg, o->progress < 0 ? SK_PROGRESS_AUTO : o->progress ? SK_PROGRESS_ON : SK_PROGRESS_OFF,
			 "tasks");
	res->ran = 1;

	tr_event_init(&e, "run");
	snprintf(e.note, sizeof e.note, "pid=%ld tasks=%ld done=%ld hosts=%d", (long)getpid(),
		 tasks->n, c.ndone, c.nh);
	tr_jlog(&c, &e);
	c.hw.next = tr_mono() + 1;

	for (;;) {
		double now = tr_mono();
		int nev, timeout = 200, usable_hosts = 0, all_failing = 1, live = 0, connecting, hk;

		if (got_stop && c.stop <= 0)
			c.stop = got_stop;
		if (c.stop && !stopping) {
			stopping = 1;
			begin_stop(&c, now);
		}
		if (stopping && (c.na == 0 || now >= c.stop_at)) {
			abandon_attempts(&c);
			break;
		}
		if (c.halted && !stopping &&
		    (c.na == 0 || (o->halt.when == TR_HALT_NOW && now >= c.halt_at))) {
			abandon_attempts(&c);
			break;
		}
		if (!stopping && (got_usr1 || now >= c.hw.next)) {
			tr_reload_hosts(&c, got_usr1);
			got_usr1 = 0;
			c.hw.next = now + 1;
			/* New hosts connect at the next housekeeping. */
			if (c.hk_next > now + HK_EVERY)
				c.hk_next = now + HK_EVERY;
		}
		/* Housekeeping: what every host and attempt needs now and then
		 * (connects, leases, heartbeats, quarantines, timeouts,
		 * speculation) runs when the first of those is due (hk_due),
		 * HK_EVERY at the most often, not in every pass: a pass that
		 * only ends one task must not cost the number of hosts, nor a
		 * second of a long task twenty wake-ups. */
		hk = now >= c.hk_next || stopping || closing > 0;
		if (hk) {
			/* With a short hard limit on open files, only the hosts
			 * that fit connect. */
			unsigned long fd_used = c.fd_hard ? tr_fd_used(&c) : 0;
			c.assign_dirty = 1;
			c.assign_all = 1;
			closing = connecting = 0;
			for (int i = 0; i < c.nh; i++)
				connecting += c.h[i].st == HS_CONN;
			for (int i = 0; i < c.nh; i++) {
				struct tr_host *h = &c.h[i];
				if (h->gone)
					continue;
				tr_quarantine_over(&c, h, now);
				/* Pace new logins: sshd refuses bursts (MaxStartups). */
				if (h->st == HS_DOWN && !h->removed && h->hl.quar_until <= now && !stopping &&
				    !c.halted && (c.npending > 0 || (o->speculate && c.na > 0)) &&
				    connecting < MAX_CONNECTING && tr_fd_fits(&c, h, fd_used)) {
					if (c.fd_hard)
						fd_used += host_fds(h);
					tr_host_connect(&c, h);
					connecting++;
				}
				/* Past its lease, what waits in its pipe first: a
				 * controller that was stopped or starved itself must
				 * not blame the agent for frames it has not read (the
				 * agent may have said why it quit). */
				if ((h->st == HS_CONN || h->st == HS_UP) && h->rfd >= 0 &&
				    now - h->last_rx > (h->st == HS_UP ? o->lease : o->lease > 20 ? o->lease : 20))
					tr_host_read(&c, h);
				if (h->st == HS_CLOSING)
					tr_finish_closing(&c, h, now);
				else if (h->st == HS_CONN && now - h->last_rx > (o->lease > 20 ? o->lease : 20))
					tr_host_down(&c, h, "no answer from the agent");
				else if (h->st == HS_UP && now - h->last_rx > o->lease) {
					char why[64];
					snprintf(why, sizeof why, "no heartbeat for %gs", o->lease);
					tr_host_down(&c, h, why);
				}
				if (h->st == HS_UP && tr_policy_probe(&h->hl, now))
					tr_jhost(&c, "probe", h, "after %d quarantine(s)", h->hl.nquar);
				if (h->st == HS_UP && h->removed && h->nrun == 0 && !h->quit_sent) {
					tr_send_frame(&c, h, TR_F_QUIT, 0, NULL, 0);
					h->quit_sent = 1;
				}
				if ((h->st == HS_UP || h->st == HS_CONN) && now - h->last_tx >= c.hb)
					tr_send_frame(&c, h, TR_F_PING, 0, NULL, 0);
				/* A closing host is looked at in every pass until
				 * it is down, as its end may be the run's. */
				closing += h->st == HS_CLOSING;
			}
		}
		assign(&c, now);
		if (hk) {
			speculate(&c, now);
			for (int k = 0; k < c.na; k++)
				if (o->timeout > 0 && !c.a[k].cancel && tr_input_clock(&c, &c.a[k]) &&
				    now - c.a[k].start > o->timeout)
					tr_cancel_attempt(&c, &c.a[k], C_TIMEOUT);
			c.hk_next = hk_due(&c, now);
		}
		tr_pump_stdin(&c);
		tr_output_flush(&c, 0);
		/* The events of this pass (attempts started, failed, lost) are
		 * written before any host hears of them, in one write; synced
		 * by group commit at most TR_JOURNAL_DELAY later, or now when
		 * one must be (a start that creates a --stdout temporary). */
		tr_jflush(&c, now);
		/* Only the hosts that have frames to write. */
		for (int d = 0; d < c.ndirty; d++) {
			struct tr_host *h = &c.h[c.dirty[d]];
			if (h->wfd >= 0 && tr_buf_flush(&h->wb, h->wfd) != 0) {
				tr_close_fd(&h->wfd);
				if (h->st != HS_CLOSING) {
					h->st = HS_CLOSING;
					h->closing_at = now;
					c.hk_next = 0;
				}
			}
			if (h->quit_sent && h->wfd >= 0 && tr_buf_used(&h->wb) == 0)
				tr_close_fd(&h->wfd);
			if (h->wfd >= 0 && tr_buf_used(&h->wb) > 0) {
				tr_host_wout(&c, h, 1);
			} else {
				tr_host_wout(&c, h, 0);
				h->wdirty = 0;
				c.dirty[d--] = c.dirty[--c.ndirty];
			}
		}
		tr_show_progress(&c, now, 0);

		if (c.ndone + c.nfinal >= tasks->n && c.na == 0 && !c.stop && remake_lost(&c) == 0)
			break;
		for (int i = 0; c.na == 0 && i < c.nh; i++) {
			const struct tr_host *h = &c.h[i];
			if (h->removed || h->gone)
				continue;
			live++;
			if (h->st == HS_UP || h->st == HS_CONN || h->st == HS_CLOSING)
				usable_hosts++;
			/* Hosts that never came up are given up on sooner. */
			if (h->hl.nquar < (h->ever_up ? GIVE_UP : GIVE_UP_NEVER))
				all_failing = 0;
		}
		/* A copy that no host may take (each holds one of its
		 * group) would wait for ever. */
		if (c.na == 0 && c.apart_next && !stopping && !c.halted) {
			for (long i = next_pending(&c, 0); i >= 0; i = next_pending(&c, i + 1))
				if (c.tl->t[i].apart && apart_stuck(&c, i)) {
					tr_unpend(&c, i);
					tr_final_fail(&c, i, "not run: every host holds a task of its --apart group");
				}
		}
		/* A piece that no holder can ever send. */
		if (c.na == 0 && c.placed && !stopping && !c.halted) {
			for (long i = next_pending(&c, 0); i >= 0; i = next_pending(&c, i + 1))
				if (c.tl->t[i].input && tr_input_stuck(&c, i)) {
					tr_unpend(&c, i);
					tr_final_fail(&c, i, "not run: no holder of its input piece is left");
				}
		}
		if (c.na == 0 && live > 0 && usable_hosts == 0 && all_failing && !stopping) {
			for (long i = next_pending(&c, 0); i >= 0; i = next_pending(&c, i + 1)) {
				tr_unpend(&c, i);
				tr_final_fail(&c, i, "not run: no usable host");
			}
			tr_warnx(&c, "no usable host left");
			break;
		}

		if (tr_stdin_ready(&c) || (got_stop && !stopping) || (c.assign_dirty && c.npending > 0 && !c.halted)) {
			timeout = 0;
		} else {
			/* Nothing to do before the first of these (signals and
			 * agents' frames wake the loop by themselves). */
			double until = c.hk_next < c.hw.next ? c.hk_next : c.hw.next;
			if (stopping && c.stop_at < until)
				until = c.stop_at;
			if (c.halted && o->halt.when == TR_HALT_NOW && c.halt_at < until)
				until = c.halt_at;
			if (c.nkids > 0 && now + 0.5 < until)
				until = now + 0.5;
			timeout = until > now ? (int)((until - now) * 1000) + 1 : 0;
		}
		{
			/* The group commit's deadline. */
			double left;
			if (timeout > 0 && c.j.dirty && !tr_journal_due(&c.j, tr_mono(), &left) &&
			    left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		nev = epoll_wait(c.ep, evs, (int)(sizeof evs / sizeof evs[0]), timeout);
		if (nev < 0 && errno != EINTR) {
			tr_fail(&c, SK_EIO, "epoll_wait: %s", strerror(errno));
			continue;
		}
		for (int k = 0; k < nev; k++) {
			const uint64_t key = evs[k].data.u64;
			struct tr_host *h;
			if (key == UINT64_MAX) {
				char junk[64];
				while (read(sp[0], junk, sizeof junk) > 0)
					;
				continue;
			}
			if ((key >> 2) >= (uint64_t)c.nh)
				continue;
			h = &c.h[key >> 2];
			/* A descriptor closed while an agent being started held
			 * a copy can still report: its host's is -1 or new. */
			if ((key & 3) == 0 && h->rfd >= 0)
				tr_host_read(&c, h);
			else if ((key & 3) == 1 && h->efd >= 0) {
				tr_host_stderr(h);
				/* Its last words are in: a closing host ends. */
				if (h->efd < 0)
					c.hk_next = 0;
			}
			else if ((key & 3) == 2 && h->wfd >= 0) {
				if (evs[k].events & (EPOLLERR | EPOLLHUP))
					tr_host_wout(&c, h, -1);
				tr_host_dirty(&c, h);
			}
		}
		tr_reap_kids(&c);
	}
	tr_show_progress(&c, tr_mono(), 1);
	tr_output_flush(&c, 1);

	/* Orderly shutdown: ask every agent to quit and wait briefly. */
	for (int i = 0; i < c.nh; i++) {
		struct tr_host *h = &c.h[i];
		if (h->wfd >= 0) {
			tr_send_frame(&c, h, TR_F_QUIT, 0, NULL, 0);
			h->quit_sent = 1;
			tr_buf_flush(&h->wb, h->wfd);
			tr_close_fd(&h->wfd);
		}
	}
	t_end = tr_mono() + 3;
	for (;;) {
		int open = 0;
		for (int i = 0; i < c.nh; i++) {
			struct tr_host *h = &c.h[i];
			if (h->rfd >= 0) {
				struct pollfd p = {h->rfd, POLLIN, 0};
				if (poll(&p, 1, 50) > 0) {
					const ssize_t n = tr_buf_fill(&h->rb, h->rfd);
					struct tr_frame f;
					if (n > 0)
						h->rx += n;
					while (tr_proto_next(&h->rb, &f, NULL) == 1) {
						if (f.type == TR_F_APING)
							tr_host_frame(&c, h, &f);
						tr_buf_consume(&h->rb, TR_PROTO_HDR + f.len);
					}
					if (n == 0 || (n < 0 && errno != EAGAIN))
						tr_close_fd(&h->rfd);
				}
				open += h->rfd >= 0;
			}
		}
		if (!open || tr_mono() > t_end)
			break;
	}
	for (int i = 0; i < c.nh; i++) {
		struct tr_host *h = &c.h[i];
		if (h->st != HS_DOWN) {
			/* "finished" (status shows it) only for a host that was
			 * up; one still starting its agent was never up. */
			const int up = h->hello;
			h->removed = 1;
			h->quit_sent = 1;
			h->hello = 1;
			tr_host_down(&c, h, up ? "finished" : "the run ended while its agent was starting");
		}
	}
	while (c.nkids > 0 && tr_mono() < t_end + 2) {
		tr_reap_kids(&c);
		if (c.nkids)
			poll(NULL, 0, 20);
	}
	for (int i = 0; i < c.nkids; i++)
		kill(c.kids[i].pid, SIGKILL);

	getrusage(RUSAGE_SELF, &ru);
	tr_event_init(&e, "end");
	e.user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	e.sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	e.maxrss = ru.ru_maxrss;
	snprintf(e.note, sizeof e.note, "done=%ld failed=%ld%s%s", c.ndone, c.nfinal,
		 c.stop > 0 ? " interrupted by " : c.stop ? " stopped by an error" : "",
		 c.stop > 0 ? sigabbrev(c.stop) : "");
	tr_jlog(&c, &e);
	for (long i = 0; i < tasks->n; i++)
		if (c.ts[i].st == TR_T_FAILED)
			say_failed(&c, i);
	res->nfailed = c.nfinal;
	res->halt_status = c.halt_status;
	if (!c.halted)
		/* GNU parallel's: with a percentage, the share of failed
		 * tasks of those that ran to their end in this run. */
		res->halt_status = tr_halt_status(&o->halt, 0, 0, 0, c.nfinal, c.nsucc + c.nfinal);
	res->ndone = c.ndone;
	res->stopsig = got_stop;
	rc = 0;
	if (c.failed) {
		*err = c.fatal;
		rc = c.fatal.code ? c.fatal.code : SK_EIO;
	}
out:
	restore_signals();
	res->stopsig = got_stop;
	sig_fd = -1;
	if (sp[0] >= 0) {
		close(sp[0]);
		close(sp[1]);
	}
	if (c.ep >= 0)
		close(c.ep);
	tr_idmap_release(&c.ids);
	tr_idmap_release(&c.jheld);
	free(c.dirty);
	free(c.jfree);
	tr_output_close(&c);
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
		tr_drop_attempt_files(&c.a[k]);
	free(c.a);
	if (c.ts)
		for (long i = 0; i < tasks->n; i++) {
			free(c.ts[i].failed_on);
			free(c.ts[i].why);
		}
	free(c.ts);
	tr_median_release(&c.spec.walls);
	tr_bitset_release(&c.fresh);
	tr_bitset_release(&c.retry);
	tr_bitset_release(&c.alone);
	tr_strmap_release(&c.hostmap);
	free(c.freeq);
	free(c.apart_next);
	free(c.bad_loc);
	if (c.keep_host)
		for (long i = 0; i < tasks->n; i++)
			free(c.keep_host[i]);
	free(c.keep_host);
	free(c.usable);
	free(c.kids);
	return rc;
}
