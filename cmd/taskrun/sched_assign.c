/* sched_assign: which task goes to which free slot.  The controller's open
 * files per host, --cluster, --where and --apart placement, copies of
 * stragglers (--speculate), and when housekeeping is next due.  Moved out
 * of sched.c as it was; the loop that calls these is there. */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "compat.h"
#include "piece.h"
#include "proto.h"

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
unsigned long tr_host_fds(const struct tr_host *h)
{
	const int slots = h->hello ? h->slots : h->slots_cfg > 0 ? h->slots_cfg : 1;
	return FD_PER_HOST + FD_PER_SLOT * (unsigned long)slots;
}

unsigned long tr_fd_used(const struct tr_ctl *c)
{
	unsigned long n = 0;

	for (int i = 0; i < c->nh; i++)
		if (c->h[i].st != HS_DOWN)
			n += tr_host_fds(&c->h[i]);
	return n;
}

int tr_fd_fits(const struct tr_ctl *c, const struct tr_host *h, unsigned long used)
{
	return c->fd_hard == 0 || used == 0 || FD_OWN + used + tr_host_fds(h) <= c->fd_hard;
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
	/* Counted once per call of tr_assign(), not per request. */
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
long tr_next_pending(const struct tr_ctl *c, long i)
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
		 * and once per call of tr_assign(). */
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
void tr_assign(struct tr_ctl *c, double now)
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
void tr_speculate(struct tr_ctl *c, double now)
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
double tr_hk_due(const struct tr_ctl *c, double now)
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

/* --apart: whether no host can ever take pending task ti: every host that
 * is up holds a copy of its group, and every other one was given up on. */
int tr_apart_stuck(const struct tr_ctl *c, long ti)
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
