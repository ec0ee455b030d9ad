/* sched_resume: the controller's setup: the task states, the state
 * directory and the resume from its journal (attempts a killed controller
 * left behind, --stdout temporaries, --keep files), --where and --apart
 * rings, and the hosts.  Moved out of sched.c as it was. */
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
#include "file.h"
#include "grow.h"
#include "hostfile.h"
#include "idmap.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"

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
	} else if (strcmp(e->ev, "copy") == 0) {
		tr_copy_resumed(c, e);
		if (c->failed)
			return SK_ENOMEM;
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

int tr_sched_setup(struct tr_ctl *c, struct sk_error *err)
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
