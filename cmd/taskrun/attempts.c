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

#include "hostfile.h"
#include "proto.h"
#include "tmpl.h"

void tr_set_pending(struct tr_ctl *c, long i)
{
	c->ts[i].st = TR_T_PENDING;
	c->npending++;
	if (i < c->lo)
		c->lo = i;
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
	tr_close_fd(&a->out_fd);
	tr_close_fd(&a->err_fd);
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
void tr_forget_attempt(struct tr_ctl *c, int k)
{
	struct tr_attempt *a = &c->a[k];
	struct tr_host *h = &c->h[a->host];
	struct tr_tstate *t = &c->ts[a->task];

	tr_drop_attempt_files(a);
	if (a->slot >= 1 && a->slot <= h->nbusy)
		h->busy[a->slot - 1] = 0;
	h->nrun--;
	t->nrun--;
	c->a[k] = c->a[--c->na];
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
	c->nfinal++;
	tr_event_init(&e, "failed");
	e.task = i + 1;
	e.attempt = t->attempts;
	snprintf(e.note, sizeof e.note, "%s", why);
	tr_jlog(c, &e);
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

char *tr_tmp_name(const char *target, int att)
{
	const size_t n = strlen(target) + 32;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s.taskrun-%d", target, att);
	return p;
}

void tr_start_attempt(struct tr_ctl *c, struct tr_host *h, long ti, int spec)
{
	const struct tr_task *task = &c->tl->t[ti];
	struct tr_tstate *t = &c->ts[ti];
	struct tr_attempt *a;
	struct tr_buf run = {0};
	char hdr[96];
	int in_fd = -1, out_fd = -1, slot = 0, n;
	char *tmp = NULL;
	struct tr_event e;

	if (task->in && (in_fd = open(task->in, O_RDONLY | O_CLOEXEC)) < 0) {
		char why[512];
		snprintf(why, sizeof why, "%s: %s", task->in, strerror(errno));
		if (t->st == TR_T_PENDING)
			c->npending--;
		tr_final_fail(c, ti, why);
		return;
	}
	if (task->out) {
		tmp = tr_tmp_name(task->out, t->attempts + 1);
		if (!tmp)
			sk_die(1, "out of memory");
		out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out_fd < 0 && errno == ENOENT && mkdir_parents(tmp) == 0)
			out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out_fd < 0) {
			char why[512];
			snprintf(why, sizeof why, "%s: %s", tmp, strerror(errno));
			free(tmp);
			tr_close_fd(&in_fd);
			if (t->st == TR_T_PENDING)
				c->npending--;
			tr_final_fail(c, ti, why);
			return;
		}
	}
	if (c->na == c->capa) {
		const int cap = c->capa ? c->capa * 2 : 16;
		struct tr_attempt *na = realloc(c->a, (size_t)cap * sizeof *na);
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
	if (t->st == TR_T_PENDING)
		c->npending--;
	t->st = TR_T_ACTIVE;
	t->nrun++;
	h->nrun++;
	n = snprintf(hdr, sizeof hdr, "%d %ld %d %d\n", in_fd >= 0, ti + 1, a->att, slot);
	if (tr_buf_put(&run, hdr, (size_t)n) || tr_buf_put(&run, task->cmd, strlen(task->cmd)))
		sk_die(1, "out of memory");
	tr_send_frame(c, h, TR_F_RUN, a->id, run.p, tr_buf_used(&run));
	tr_buf_release(&run);
	tr_attempt_event(c, a, &e, "start");
	snprintf(e.note, sizeof e.note, "slot=%d%s", slot, spec ? " speculative" : "");
	tr_jlog(c, &e);
}

struct tr_attempt *tr_find_attempt(struct tr_ctl *c, uint32_t id, int *k)
{
	for (int i = 0; i < c->na; i++)
		if (c->a[i].id == id) {
			*k = i;
			return &c->a[i];
		}
	return NULL;
}

void tr_cancel_attempt(struct tr_ctl *c, struct tr_attempt *a, int why)
{
	if (a->cancel)
		return;
	a->cancel = why;
	tr_send_frame(c, &c->h[a->host], TR_F_CANCEL, a->id, NULL, 0);
	tr_close_fd(&a->in_fd);
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
static int commit(struct tr_ctl *c, struct tr_attempt *a, char *why, size_t nwhy)
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

static void note_wall(struct tr_ctl *c, double w)
{
	double *nw = realloc(c->walls, (size_t)(c->nwalls + 1) * sizeof *nw);
	if (!nw)
		return;
	c->walls = nw;
	c->walls[c->nwalls++] = w;
	c->walls_dirty = 1;
}

void tr_attempt_exit(struct tr_ctl *c, int k, const struct tr_frame *f)
{
	struct tr_attempt *a = &c->a[k];
	struct tr_host *h = &c->h[a->host];
	struct tr_tstate *t = &c->ts[a->task];
	long long v[6] = {0, 0, 0, 0, 0, 0};
	struct tr_event e;
	const long ti = a->task;
	char why[512];
	int ok;

	tr_proto_ints(f->data, f->len, v, 6, NULL);
	tr_attempt_event(c, a, &e, "done");
	e.status = (int)v[0];
	e.sig = (int)v[1];
	e.wall = (double)v[2] / 1e6;
	e.user = (double)v[3] / 1e6;
	e.sys = (double)v[4] / 1e6;
	e.maxrss = (long)v[5];
	if (t->st == TR_T_DONE || t->st == TR_T_FAILED || a->cancel == C_LOSER) {
		strcpy(e.ev, "cancel");
		snprintf(e.note, sizeof e.note, "%s", t->st == TR_T_DONE ? "another attempt won" : "discarded");
		tr_jlog(c, &e);
		tr_forget_attempt(c, k);
		return;
	}
	ok = v[0] == 0 && v[1] == 0 && a->cancel == C_NONE;
	why[0] = '\0';
	if (ok && commit(c, a, why, sizeof why) != 0)
		ok = 0;
	if (ok) {
		tr_jlog(c, &e);
		t->st = TR_T_DONE;
		c->ndone++;
		tr_policy_success(&h->hl);
		c->last_success = tr_mono();
		note_wall(c, e.wall);
		tr_forget_attempt(c, k);
		for (int i = 0; i < c->na; i++)
			if (c->a[i].task == ti)
				tr_cancel_attempt(c, &c->a[i], C_LOSER);
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
	tr_jlog(c, &e);
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
	tr_forget_attempt(c, k);
	if (t->nrun == 0) {
		if (t->failures > c->o->retries)
			tr_final_fail(c, ti, why);
		else
			tr_set_pending(c, ti);
	}
}

void tr_attempt_data(struct tr_ctl *c, struct tr_attempt *a, int type, const char *d, size_t n)
{
	if (type == TR_F_OUT) {
		if (a->out_fd >= 0) {
			if (write_all(a->out_fd, d, n) != 0 && !a->cancel) {
				sk_warn("%s", a->out_tmp);
				tr_cancel_attempt(c, a, C_STDIN);
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

void tr_pump_stdin(struct tr_ctl *c)
{
	char buf[65536];

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
		}
	}
}

int tr_stdin_ready(const struct tr_ctl *c)
{
	for (int k = 0; k < c->na; k++) {
		const struct tr_attempt *a = &c->a[k];
		if (!a->in_done && a->window < WINDOW && c->h[a->host].wfd >= 0 &&
		    tr_buf_used(&c->h[a->host].wb) < HOST_WB_HIGH)
			return 1;
	}
	return 0;
}
