/* attempts: one run of a task on a slot: start, stdin streaming, output,
 * commit or failure, and the journal events that record them. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "grow.h"
#include "hostfile.h"
#include "ofile.h"
#include "proto.h"
#include "tmpl.h"

void tr_set_pending(struct tr_ctl *c, long i)
{
	c->ts[i].st = TR_T_PENDING;
	c->ts[i].pend_since = tr_mono();
	c->npending++;
	c->assign_dirty = 1;
	tr_bitset_add(c->ts[i].alone ? &c->alone : c->ts[i].nfo ? &c->retry : &c->fresh, i);
}

void tr_unpend(struct tr_ctl *c, long i)
{
	if (c->ts[i].st != TR_T_PENDING)
		return;
	c->npending--;
	tr_bitset_del(&c->fresh, i);
	tr_bitset_del(&c->retry, i);
	tr_bitset_del(&c->alone, i);
}

void tr_host_free(struct tr_ctl *c, struct tr_host *h)
{
	c->assign_dirty = 1;
	if (h->inq)
		return;
	/* freeq has room for every host (tr_reload_hosts and setup). */
	c->freeq[c->nfreeq++] = (int)(h - c->h);
	h->inq = 1;
}

void tr_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void tr_drop_attempt_files(struct tr_attempt *a)
{
	tr_close_fd(&a->in_fd);
	tr_close_fd(&a->err_fd);
	sk_ofile_abort(&a->out);
	if (a->spool) {
		fclose(a->spool);
		a->spool = NULL;
	}
	if (a->espool) {
		fclose(a->espool);
		a->espool = NULL;
	}
	tr_buf_release(&a->lbuf[0]);
	tr_buf_release(&a->lbuf[1]);
}

/* Job slots ({%}) over all hosts, as GNU parallel gives them: the one freed
 * first is taken first, a new number when none is free. */
static int jobslot_take(struct tr_ctl *c)
{
	int s;

	if (c->jn == 0)
		return ++c->njobslots;
	s = c->jfree[c->jhead];
	c->jhead = (c->jhead + 1) % c->jcap;
	c->jn--;
	return s;
}

static void jobslot_give(struct tr_ctl *c, int s)
{
	if (s <= 0)
		return;
	if (c->jn == c->jcap) {
		const int cap = c->jcap ? 2 * c->jcap : 16;
		int *nf = malloc((size_t)cap * sizeof *nf);
		if (!nf) {
			tr_fail(c, SK_ENOMEM, "out of memory");
			return;
		}
		for (int i = 0; i < c->jn; i++)
			nf[i] = c->jfree[(c->jhead + i) % c->jcap];
		free(c->jfree);
		c->jfree = nf;
		c->jcap = cap;
		c->jhead = 0;
	}
	c->jfree[(c->jhead + c->jn) % c->jcap] = s;
	c->jn++;
}

/* Removes attempt k from the table (after its files are dealt with). */
void tr_forget_attempt(struct tr_ctl *c, int k)
{
	struct tr_attempt *a = &c->a[k];
	struct tr_host *h = &c->h[a->host];
	struct tr_tstate *t = &c->ts[a->task];

	tr_input_stop(c, a);
	tr_drop_attempt_files(a);
	if (a->slot >= 1 && a->slot <= h->nbusy && h->busy[a->slot - 1] > 0 && --h->busy[a->slot - 1] == 0)
		h->slots_used--;
	/* The last attempt of a task that runs again (failed, lost, stopped)
	 * keeps its slot for the next one; done, or failed for good
	 * (tr_final_fail), gives it back. */
	if (!a->spec && a->jobslot > 0 && t->st == TR_T_ACTIVE && t->nrun == 1) {
		if (tr_idmap_put(&c->jheld, (uint64_t)a->task, a->jobslot) != 0)
			tr_fail(c, SK_ENOMEM, "out of memory");
	} else {
		jobslot_give(c, a->jobslot);
	}
	if (a->alone)
		h->alone_run = 0;
	h->nrun--;
	t->nrun--;
	tr_host_free(c, h);
	if (c->tl->t[a->task].in)
		c->nin--;
	tr_idmap_del(&c->ids, a->id);
	c->a[k] = c->a[--c->na];
	if (k < c->na && tr_idmap_put(&c->ids, c->a[k].id, k) != 0)
		tr_fail(c, SK_ENOMEM, "out of memory");
}

void tr_attempt_event(struct tr_ctl *c, const struct tr_attempt *a, struct tr_event *e, const char *ev)
{
	tr_event_init(e, ev);
	e->task = a->task + 1;
	e->attempt = a->att;
	snprintf(e->host, sizeof e->host, "%s", c->h[a->host].name);
}

void tr_final_fail(struct tr_ctl *c, long i, const char *why)
{
	struct tr_event e;
	struct tr_tstate *t = &c->ts[i];

	free(t->why);
	t->why = strdup(why);
	t->st = TR_T_FAILED;
	{
		long held;
		if (tr_idmap_get(&c->jheld, (uint64_t)i, &held)) {
			tr_idmap_del(&c->jheld, (uint64_t)i);
			jobslot_give(c, (int)held);
		}
	}
	c->nfinal++;
	tr_event_init(&e, "failed");
	e.task = i + 1;
	e.attempt = t->attempts;
	snprintf(e.note, sizeof e.note, "%s", why);
	tr_jlog(c, &e);
}

void tr_lose_attempt(struct tr_ctl *c, int k, const char *note, int loss, const char *why)
{
	const long ti = c->a[k].task;
	struct tr_tstate *t = &c->ts[ti];
	struct tr_event e;

	tr_attempt_event(c, &c->a[k], &e, "lost");
	if (loss == TR_LOSS_ALONE)
		snprintf(e.note, sizeof e.note, "%.300s; the agent died running this task alone (%d of %d)", note,
			 t->kills + 1, MAX_KILLS);
	else if (loss == TR_LOSS_SHARED)
		snprintf(e.note, sizeof e.note, "%.300s; the agent died running other tasks too: it runs alone next",
			 note);
	else
		snprintf(e.note, sizeof e.note, "%s", note);
	tr_jput(c, &e);
	tr_forget_attempt(c, k);
	if (loss == TR_LOSS_ALONE)
		t->kills++;
	else if (loss == TR_LOSS_SHARED)
		t->alone = 1;
	if (t->st == TR_T_ACTIVE && t->nrun == 0) {
		if (t->kills >= MAX_KILLS) {
			char msg[400];
			snprintf(msg, sizeof msg, "took its agent down %d times running alone (last on host '%.100s': %.200s)",
				 t->kills, e.host, why);
			tr_final_fail(c, ti, msg);
		} else {
			tr_set_pending(c, ti);
		}
	}
}

void tr_keep_note(struct tr_ctl *c, long ti, const char *host)
{
	char *dup;

	if (!c->keep_host && !(c->keep_host = calloc((size_t)c->tl->n, sizeof *c->keep_host))) {
		tr_fail(c, SK_ENOMEM, "out of memory");
		return;
	}
	if (!(dup = strdup(host))) {
		tr_fail(c, SK_ENOMEM, "out of memory");
		return;
	}
	free(c->keep_host[ti]);
	c->keep_host[ti] = dup;
}

/* The name of a --stdout temporary as the journal records it: the part
 * after the target's directory, which is the same. */
static const char *tmp_base(const char *tmp)
{
	const char *slash = strrchr(tmp, '/');
	return slash ? slash + 1 : tmp;
}

/* Opens the temporary of target (creating its directory when missing). */
static int open_output(struct sk_ofile *f, const char *target, struct sk_error *err)
{
	int rc = sk_ofile_open(f, target, err);

	if (rc == SK_EIO && err->errnum == ENOENT && strrchr(target, '/')) {
		const size_t n = (size_t)(strrchr(target, '/') - target);
		char *dir = strndup(target, n ? n : 1);
		if (!dir)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		rc = sk_file_mkdirs(dir, 0777, err);
		free(dir);
		if (rc == 0)
			rc = sk_ofile_open(f, target, err);
	}
	return rc;
}

void tr_start_attempt(struct tr_ctl *c, struct tr_host *h, long ti, int spec)
{
	const struct tr_task *task = &c->tl->t[ti];
	struct tr_tstate *t = &c->ts[ti];
	struct tr_attempt *a;
	struct tr_buf run = {0};
	struct sk_ofile out = {-1, NULL, NULL, -1};
	struct sk_error err;
	char hdr[96];
	int in_fd = -1, slot = 0, n;
	struct tr_event e;

	/* A piece that no holder can stream now (speculation's copies come
	 * here unchecked). */
	if (task->input && !tr_input_fit(c, ti, (int)(h - c->h)))
		return;
	if (sk_grow(&c->a, &c->capa, c->na + 1L, sizeof *c->a, 16) != 0) {
		tr_fail(c, SK_ENOMEM, "out of memory");
		return;
	}
	if (h->nbusy < h->slots) {
		unsigned char *b = realloc(h->busy, (size_t)h->slots);
		if (!b) {
			tr_fail(c, SK_ENOMEM, "out of memory");
			return;
		}
		memset(b + h->nbusy, 0, (size_t)(h->slots - h->nbusy));
		h->busy = b;
		h->nbusy = h->slots;
	}
	if (task->in && (in_fd = open(task->in, O_RDONLY | O_CLOEXEC)) < 0) {
		char why[512];
		snprintf(why, sizeof why, "%s: %s", task->in, strerror(errno));
		tr_unpend(c, ti);
		tr_final_fail(c, ti, why);
		return;
	}
	if (task->out && open_output(&out, task->out, &err) != 0) {
		char why[512];
		snprintf(why, sizeof why, "%.250s: %.250s", task->out, err.msg);
		tr_close_fd(&in_fd);
		if (err.code == SK_ENOMEM) {
			tr_fail(c, SK_ENOMEM, "out of memory");
			return;
		}
		tr_unpend(c, ti);
		tr_final_fail(c, ti, why);
		return;
	}
	if (c->batch && c->batch_slot > 0 && c->batch_slot <= h->nbusy) {
		/* The next task of a cluster: the same slot, after the others. */
		slot = c->batch_slot;
		h->busy[slot - 1]++;
	} else {
		for (int s = 0; s < h->nbusy; s++)
			if (!h->busy[s]) {
				h->busy[s] = 1;
				h->slots_used++;
				slot = s + 1;
				break;
			}
		if (c->batch)
			c->batch_slot = slot;
	}
	a = &c->a[c->na++];
	memset(a, 0, sizeof *a);
	a->id = c->next_id++;
	a->task = ti;
	a->att = ++t->attempts;
	a->host = (int)(h - c->h);
	a->slot = slot;
	{
		long held;
		if (!spec && tr_idmap_get(&c->jheld, (uint64_t)ti, &held)) {
			a->jobslot = (int)held;
			tr_idmap_del(&c->jheld, (uint64_t)ti);
		} else {
			a->jobslot = jobslot_take(c);
		}
	}
	a->spec = spec;
	a->start = tr_mono();
	a->wstart = tr_wall();
	a->in_fd = in_fd;
	a->in_done = in_fd < 0;
	a->out = out;
	a->err_fd = -1;
	a->queued = c->batch != NULL;
	a->src = -1;
	a->lfd = -1;
	if (t->alone && !spec) {
		a->alone = 1;
		h->alone_run = 1;
	}
	tr_unpend(c, ti);
	t->st = TR_T_ACTIVE;
	t->nrun++;
	h->nrun++;
	if (task->in)
		c->nin++;
	if (tr_idmap_put(&c->ids, a->id, c->na - 1) != 0)
		tr_fail(c, SK_ENOMEM, "out of memory");
	n = snprintf(hdr, sizeof hdr, "%d %ld %d %d %d\n", in_fd >= 0, ti + 1, a->att, slot, a->jobslot);
	{
		/* {%} is the job slot over all hosts. */
		char *cmd = tr_tmpl_has_slot(task->cmd) ? tr_tmpl_slot(task->cmd, a->jobslot) : NULL;
		const char *run_cmd = cmd ? cmd : task->cmd;
		if ((!cmd && tr_tmpl_has_slot(task->cmd)) || tr_buf_put(&run, hdr, (size_t)n) ||
		    tr_buf_put(&run, run_cmd, strlen(run_cmd))) {
			tr_fail(c, SK_ENOMEM, "out of memory");
		} else if (c->batch) {
			/* One request for the whole cluster (sched.c, assign). */
			if ((task->keep && tr_proto_put(c->batch, TR_F_KEEP, a->id, task->keep, strlen(task->keep))) ||
			    tr_proto_put(c->batch, TR_F_RUN, a->id, run.p, tr_buf_used(&run)))
				tr_fail(c, SK_ENOMEM, "out of memory");
		} else {
			if (task->keep)
				tr_send_frame(c, h, TR_F_KEEP, a->id, task->keep, strlen(task->keep));
			tr_input_start(c, h, a);
			tr_send_frame(c, h, TR_F_RUN, a->id, run.p, tr_buf_used(&run));
			h->requests++;
		}
		free(cmd);
	}
	tr_buf_release(&run);
	/* The journal names the temporary, so that a resume after kill -9
	 * removes it. */
	tr_attempt_event(c, a, &e, "start");
	snprintf(e.note, sizeof e.note, "slot=%d%s%s%s", slot, spec ? " speculative" : "",
		 a->out.tmp ? " tmp=" : "", a->out.tmp ? tmp_base(a->out.tmp) : "");
	tr_jput(c, &e);
	/* On disk before the host hears of it: after a crash of this machine
	 * the resume still finds the temporary to remove. */
	if (a->out.tmp)
		c->j.urgent = 1;
}

struct tr_attempt *tr_find_attempt(struct tr_ctl *c, uint32_t id, int *k)
{
	long i;

	if (!tr_idmap_get(&c->ids, id, &i))
		return NULL;
	*k = (int)i;
	return &c->a[i];
}

void tr_cancel_attempt(struct tr_ctl *c, struct tr_attempt *a, int why)
{
	if (a->cancel)
		return;
	a->cancel = why;
	tr_input_stop(c, a);
	tr_send_frame(c, &c->h[a->host], TR_F_CANCEL, a->id, NULL, 0);
	tr_close_fd(&a->in_fd);
	a->in_done = 1;
}

/*
 * Makes attempt a's --stdout file the task's, in two steps around the
 * journal line that says the task is done.  A --stdout file is synced (with
 * a state directory) before the line and renamed into place after it, so
 * that the file appears only once the journal says done, and a controller
 * killed in between leaves the temporary for the resume to rename (resume):
 * a task whose output is there never runs again, and none is committed
 * twice.  Output spooled for our stdout goes out (output.c) after the
 * line (tr_attempt_exit): a kill between the two loses it rather than
 * printing it twice, as with -k, where it may wait for earlier tasks.
 */
static int commit_prepare(struct tr_ctl *c, struct tr_attempt *a, char *why, size_t nwhy)
{
	const struct tr_task *task = &c->tl->t[a->task];

	if (task->out) {
		struct sk_error err;
		if (c->o->state && sk_ofile_sync(&a->out, &err) != 0) {
			snprintf(why, nwhy, "%.250s: %.250s", task->out, err.msg);
			sk_ofile_abort(&a->out);
			return -1;
		}
	}
	return 0;
}

static void note_wall(struct tr_ctl *c, double w)
{
	if (tr_median_add(&c->spec.walls, w) == 0)
		c->spec.dirty = 1;
}

void tr_attempt_exit(struct tr_ctl *c, int k, const struct tr_frame *f)
{
	struct tr_attempt *a = &c->a[k];
	struct tr_host *h = &c->h[a->host];
	struct tr_tstate *t = &c->ts[a->task];
	long long v[7] = {0, 0, 0, 0, 0, 0, 0};
	struct tr_event e;
	const long ti = a->task;
	char why[512];
	int ok;

	tr_proto_ints(f->data, f->len, v, 7, NULL);
	tr_attempt_event(c, a, &e, "done");
	e.status = (int)v[0];
	e.sig = (int)v[1];
	e.wall = (double)v[2] / 1e6;
	e.user = (double)v[3] / 1e6;
	e.sys = (double)v[4] / 1e6;
	e.maxrss = (long)v[5];
	if (a->cancel == C_STOP || a->cancel == C_HALT) {
		/* Not a failure of the task: a resume runs it again. */
		strcpy(e.ev, "cancel");
		snprintf(e.note, sizeof e.note, "%s",
			 a->cancel == C_HALT ? "halted" : tr_stop_note(c));
		tr_jlog(c, &e);
		tr_forget_attempt(c, k);
		if (t->st == TR_T_ACTIVE && t->nrun == 0)
			tr_set_pending(c, ti);
		return;
	}
	if (t->st == TR_T_DONE || t->st == TR_T_FAILED || a->cancel == C_LOSER) {
		/* A copy that finished too put its file in place: it goes,
		 * unless it is the winner's (the same host and path). */
		if (a->kept && !(t->st == TR_T_DONE && c->keep_host && c->keep_host[ti] &&
				 strcmp(c->keep_host[ti], h->name) == 0))
			tr_send_frame(c, h, TR_F_DROP, a->id, c->tl->t[ti].keep, strlen(c->tl->t[ti].keep));
		strcpy(e.ev, "cancel");
		snprintf(e.note, sizeof e.note, "%s", t->st == TR_T_DONE ? "another attempt won" : "discarded");
		tr_jlog(c, &e);
		tr_forget_attempt(c, k);
		return;
	}
	if (a->in_bad && t->st == TR_T_ACTIVE) {
		/* Its piece's copy was missing or bad (relay.c marked it):
		 * the task reads another, without spending a retry; with no
		 * copy left it fails as not run. */
		char note[320];
		snprintf(note, sizeof note, "%.300s", a->in_why);
		tr_lose_attempt(c, k, note, TR_LOSS_HOST, note);
		return;
	}
	if (v[6] != TR_LOST_NO && a->cancel == C_NONE) {
		/* The agent killed it because it lost us (sshd closed its
		 * input, say, while its output still reaches us): the host is
		 * lost, not the task failed. */
		static const char *const lost[] = {"", "its input closed", "no frame for the lease",
						   "a malformed frame", "its output failed"};
		/* The agent is going: no more work for it.  tr_host_read
		 * takes the host down after this frame, losing its attempts
		 * (this one too) without spending their retries. */
		snprintf(h->why, sizeof h->why, "the agent lost the controller: %s",
			 v[6] > 0 && v[6] <= TR_LOST_OUTPUT ? lost[v[6]] : "unknown reason");
		return;
	}
	/* Its agent lived through it. */
	t->alone = 0;
	ok = v[0] == 0 && v[1] == 0 && a->cancel == C_NONE;
	why[0] = '\0';
	if (ok && commit_prepare(c, a, why, sizeof why) != 0)
		ok = 0;
	if (ok && c->tl->t[ti].keep) {
		/* The file is in place on the host: the journal says where,
		 * and what it holds. */
		if (!a->kept) {
			snprintf(why, sizeof why, "%.250s: no kept file reported by the agent", c->tl->t[ti].keep);
			ok = 0;
		} else {
			snprintf(e.note, sizeof e.note, "size=%llu xxh64=%s keep=%.340s", a->ksize, a->khash,
				 c->tl->t[ti].keep);
			tr_keep_note(c, ti, h->name);
		}
	}
	if (ok) {
		struct sk_error err;
		int logged = 1;
		/* The line is written at once (a kill loses nothing).  It is
		 * synced now when something follows from it: the rename of a
		 * --stdout file, or output printed only once the journal says
		 * done; otherwise the pass's group commit syncs it (a sync per
		 * task was most of the controller's work). */
		if (c->tl->t[ti].out || a->spool || a->espool || tr_buf_used(&a->lbuf[0]) > 0 ||
		    tr_buf_used(&a->lbuf[1]) > 0)
			logged = tr_jlog(c, &e) == 0;
		else
			tr_jput(c, &e);
		/* A rename that fails after the line (rare: the temporary is
		 * beside the target) is journalled as this attempt's failure
		 * right after it, which a resume reads as not done. */
		sk_error_clear(&err);
		if (c->tl->t[ti].out && sk_ofile_commit(&a->out, &err) != 0) {
			/* A failed directory sync names the directory. */
			snprintf(why, sizeof why, "%.250s: %.250s", err.file[0] ? err.file : c->tl->t[ti].out,
				 err.msg);
			ok = 0;
		}
		/* A done line that did not reach the journal (its own write
		 * says so, also when an earlier one failed and the run is
		 * stopping: a task that ends in the stop's grace): the task is
		 * not done, as the resume that runs it again knows, and its
		 * output is printed then, not twice (it was printed here,
		 * and "stopped: N of M tasks done" counted it). */
		if (!logged) {
			tr_forget_attempt(c, k);
			if (t->nrun == 0)
				tr_set_pending(c, ti);
			return;
		}
	}
	if (ok) {
		t->st = TR_T_DONE;
		c->ndone++;
		c->nsucc++;
		/* Printed only now that the journal says done (synced), and
		 * the --stdout file is in place: a controller killed before
		 * this loses this task's printed output, and one killed after
		 * never prints it again: at most once (docs/taskrun.md). */
		if (c->stop_after_done == ti + 1) {
			/* Test hook (TASKRUN_TEST_STOP_AFTER_DONE=N): stops
			 * between task N's done line and its print. */
			fflush(stdout);
			raise(SIGSTOP);
		}
		const int slot = a->jobslot, host = a->host;
		tr_output_end(c, a, 1);
		tr_policy_success(&h->hl);
		note_wall(c, e.wall);
		tr_joblog_line(c, a, e.status, e.sig, e.wall);
		tr_forget_attempt(c, k);
		/* Copies (speculation) lose; a look at every running attempt
		 * only when there are some. */
		for (int i = 0; t->nrun > 0 && i < c->na; i++)
			if (c->a[i].task == ti)
				tr_cancel_attempt(c, &c->a[i], C_LOSER);
		tr_halt_check(c, 1, 0, 0, ti, slot, host, tr_mono());
		return;
	}
	if (!why[0] && a->in_why[0])
		snprintf(why, sizeof why, "%s", a->in_why);
	if (!why[0]) {
		if (a->cancel == C_OUTPUT)
			snprintf(why, sizeof why, "%.250s: %s", c->tl->t[ti].out, strerror(a->out_errnum));
		else if (a->cancel == C_TIMEOUT)
			snprintf(why, sizeof why, "timed out after %gs", c->o->timeout);
		else if (v[1])
			snprintf(why, sizeof why, "killed by signal %lld", v[1]);
		else
			snprintf(why, sizeof why, "exited with status %lld", v[0]);
	}
	strcpy(e.ev, "fail");
	snprintf(e.note, sizeof e.note, "%.*s", (int)sizeof e.note - 1, why);
	tr_jput(c, &e);
	t->failures++;
	if (!tr_policy_failed_on(t, a->host)) {
		int *fo = realloc(t->failed_on, (size_t)(t->nfo + 1) * sizeof *fo);
		if (fo) {
			t->failed_on = fo;
			fo[t->nfo++] = a->host;
		}
	}
	/* Blame the host when its failures come in a row while no other host
	 * fails (so the tasks are fine) and another host can take the work;
	 * a broken task fails everywhere and quarantines nobody. */
	{
		const double now = tr_mono();
		int other = 0;
		for (int g = 0; g < c->nh && !other; g++)
			other = &c->h[g] != h && tr_usable(c, &c->h[g], now);
		if (tr_policy_blame(&h->hl, &c->nfail, other)) {
			char q[64];
			snprintf(q, sizeof q, "%d task failures in a row", h->hl.cfail);
			tr_quarantine(c, h, q);
		}
	}
	{
		/* --retries N: N runs in all, as in GNU parallel (0: no limit,
		 * as in parallel); none after --halt. */
		const int final = t->nrun == 1 &&
				  ((c->o->retries > 0 && t->failures >= c->o->retries) || c->halted);
		const int status = e.status, sig = e.sig, slot = a->jobslot, host = a->host;
		tr_output_end(c, a, final);
		if (final)
			tr_joblog_line(c, a, status, sig, e.wall);
		tr_forget_attempt(c, k);
		if (final) {
			tr_final_fail(c, ti, why);
			tr_halt_check(c, 0, status, sig, ti, slot, host, tr_mono());
		} else if (t->nrun == 0) {
			tr_set_pending(c, ti);
		}
	}
}

void tr_attempt_data(struct tr_ctl *c, struct tr_attempt *a, int type, const char *d, size_t n)
{
	struct sk_error err;

	if (type == TR_F_OUT) {
		if (c->tl->t[a->task].out) {
			a->rx += (long long)n;
			if (a->out.fd >= 0 && !a->cancel && sk_ofile_write(&a->out, d, n, &err) != 0) {
				/* The attempt fails with the file's error (its
				 * exit names it, tr_attempt_exit). */
				a->out_errnum = err.errnum ? err.errnum : EIO;
				tr_cancel_attempt(c, a, C_OUTPUT);
			}
			return;
		}
		if (!a->cancel)
			tr_output_data(c, a, 1, d, n);
		return;
	}
	if (!c->o->state) {
		/* Grouped with the task's stdout (or line by line). */
		tr_output_data(c, a, 2, d, n);
		return;
	}
	if (a->err_fd < 0) {
		char name[64], *path;
		snprintf(name, sizeof name, "logs/%ld.%d.err", a->task + 1, a->att);
		path = sk_path_join(c->o->state, name);
		if (!path) {
			tr_fail(c, SK_ENOMEM, "out of memory");
			return;
		}
		a->err_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (a->err_fd < 0) {
			sk_error_sys_at(&err, path);
			tr_fail_err(c, &err);
			free(path);
			return;
		}
		free(path);
	}
	if (sk_file_write_all(a->err_fd, d, n, &err) != 0) {
		char name[64], *path;
		snprintf(name, sizeof name, "logs/%ld.%d.err", a->task + 1, a->att);
		path = sk_path_join(c->o->state, name);
		sk_error_at(&err, err.code, path ? path : c->o->state);
		free(path);
		tr_fail_err(c, &err);
		tr_close_fd(&a->err_fd);
	}
}

void tr_pump_stdin(struct tr_ctl *c)
{
	char buf[65536];

	if (c->nin == 0)
		return;
	for (int k = 0; k < c->na; k++) {
		struct tr_attempt *a = &c->a[k];
		struct tr_host *h = &c->h[a->host];
		while (!a->in_done && a->window < WINDOW && tr_buf_used(&h->wb) < HOST_WB_HIGH &&
		       h->wfd >= 0) {
			const ssize_t n = read(a->in_fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				sk_warn("%s", c->tl->t[a->task].in);
			if (n <= 0) {
				tr_send_frame(c, h, TR_F_IN, a->id, NULL, 0);
				tr_close_fd(&a->in_fd);
				a->in_done = 1;
				break;
			}
			tr_send_frame(c, h, TR_F_IN, a->id, buf, (size_t)n);
			a->window += n;
			a->tx += n;
		}
	}
}

int tr_stdin_ready(const struct tr_ctl *c)
{
	if (c->nin == 0)
		return 0;
	for (int k = 0; k < c->na; k++) {
		const struct tr_attempt *a = &c->a[k];
		if (!a->in_done && a->window < WINDOW && c->h[a->host].wfd >= 0 &&
		    tr_buf_used(&c->h[a->host].wb) < HOST_WB_HIGH)
			return 1;
	}
	return 0;
}
