/* wait4() (per-task rusage) is not in POSIX; the rest is. */
#define _DEFAULT_SOURCE
#include "agent.h"
#include "agent_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpus.h"
#include "file.h"
#include "grow.h"
#include "manifest.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"
#include "watchdog.h"

#define DRAIN_WAIT 2.0        /* seconds to wait for a dead task's pipes */
#define SWEEP_WAIT 1.0        /* seconds before the death of a task killed
				 from outside is reported (swept) */

/* The SIGCHLD self-pipe: a signal handler can reach nothing but file-scope
 * state, so this one descriptor is the exception to "no mutable globals". */
static int chld_pipe = -1;

static void on_chld(int sig)
{
	const int e = errno;
	(void)sig;
	if (chld_pipe >= 0 && write(chld_pipe, "c", 1) < 0) {
		/* A full pipe already holds a wake-up. */
	}
	errno = e;
}

static long long usec(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

void ag_send_frame(struct agent *a, int type, uint32_t id, const void *d, size_t n)
{
	if (a->out_dead)
		return;
	if (tr_proto_put(&a->wbuf, type, id, d, n) != 0)
		a->out_dead = 1;
	a->last_tx = tr_mono();
}

static void cancel_task(struct atask *t)
{
	if (t->kill_at == 0 && !t->reaped) {
		kill(-t->pid, SIGTERM);
		t->kill_at = tr_mono();
	}
	if (t->in_fd >= 0) {
		close(t->in_fd);
		t->in_fd = -1;
	}
}

/* Cancels every task; lost says why when the controller is lost (its
 * tasks are then reported as lost, not failed), TR_LOST_NO when it asked. */
static void cancel_all(struct agent *a, int lost)
{
	ag_drop_queued(a, 0, 1, lost);
	ag_drop_pins(a, 0, 1, lost);
	while (a->nrd > 0) {
		close(a->rd[a->nrd - 1].fd);
		a->nrd--;
	}
	for (int i = 0; i < a->nt; i++) {
		if (!a->t[i].reaped && a->t[i].kill_at == 0)
			a->t[i].lost = lost;
		cancel_task(&a->t[i]);
	}
}

struct atask *ag_find(struct agent *a, uint32_t id)
{
	for (int i = 0; i < a->nt; i++)
		if (a->t[i].id == id)
			return &a->t[i];
	return NULL;
}

static int handle_frame(struct agent *a, const struct tr_frame *f)
{
	struct atask *t;
	long long v[4];

	switch (f->type) {
	case TR_F_HELLO:
		if (tr_proto_ints(f->data, f->len, v, 3, NULL) == 3 && v[1] > 0) {
			const char *sp = memchr(f->data, ' ', f->len);
			a->lease = (double)v[1] / 1000;
			a->grace = (double)v[2] / 1000;
			a->hb = a->lease / 6;
			tr_watchdog_send(&a->wd, TR_WD_LEASE, (long)v[1]);
			tr_watchdog_send(&a->wd, TR_WD_GRACE, (long)v[2]);
			/* The host name is the fourth field. */
			for (int k = 0; k < 2 && sp; k++)
				sp = memchr(sp + 1, ' ', f->len - (size_t)(sp + 1 - f->data));
			if (sp) {
				const size_t n = f->len - (size_t)(sp + 1 - f->data);
				snprintf(a->host, sizeof a->host, "%.*s", (int)n, sp + 1);
			}
		}
		break;
	case TR_F_RUN:
		if (a->quitting)
			break;
		{
			struct pin *p = ag_find_pin(a, f->id);
			if (p && !p->run) {
				/* It waits for its piece. */
				if (!(p->run = malloc(f->len + 1)))
					return SK_ENOMEM;
				memcpy(p->run, f->data, f->len);
				p->run[f->len] = '\0';
				p->len = f->len;
				if (a->keep && a->keep_id == f->id) {
					p->keep = a->keep;
					a->keep = NULL;
				}
				ag_pin_ready(a, (int)(p - a->pin));
				break;
			}
		}
		ag_start_task(a, f->id, f->data, f->len);
		break;
	case TR_F_INPUT:
		if (!a->quitting)
			ag_add_pin(a, f->id, f->data, f->len);
		break;
	case TR_F_GET:
		if (!a->quitting)
			ag_add_read(a, f->id, f->data, f->len);
		break;
	case TR_F_FETCH:
		if (!a->quitting)
			ag_fetch_start(a, f->id, f->data, f->len);
		break;
	case TR_F_MORE:
		for (int i = 0; i < a->nrd; i++)
			if (a->rd[i].id == f->id && tr_proto_ints(f->data, f->len, v, 1, NULL) == 1)
				a->rd[i].credit += v[0];
		break;
	case TR_F_IN:
		{
			struct pin *p = ag_find_pin(a, f->id);
			if (p && p->relay) {
				ag_pin_data(a, p, f->data, f->len);
				if (f->len == 0)
					ag_pin_ready(a, (int)(p - a->pin));
				break;
			}
		}
		t = ag_find(a, f->id);
		if (t && t->in_fd >= 0) {
			if (f->len == 0)
				t->in_close = 1;
			else if (tr_buf_put(&t->inq, f->data, f->len) != 0)
				return sk_error_set(NULL, SK_ENOMEM, "oom");
		} else if (f->len) {
			tr_proto_putf(&a->wbuf, TR_F_CREDIT, f->id, "%zu", f->len);
		}
		break;
	case TR_F_CANCEL:
		if ((t = ag_find(a, f->id)))
			cancel_task(t);
		else
			ag_drop_queued(a, f->id, 0, TR_LOST_NO);
		ag_drop_pins(a, f->id, 0, TR_LOST_NO);
		for (int i = 0; i < a->nrd; i++)
			if (a->rd[i].id == f->id)
				ag_drop_read(a, i--);
		break;
	case TR_F_CLUSTER:
		if (!a->quitting && ag_queue_cluster(a, f->data, f->len) != 0)
			return SK_ENOMEM;
		break;
	case TR_F_KEEP:
		free(a->keep);
		a->keep = ag_keep_path(f->data, f->len);
		a->keep_id = f->id;
		break;
	case TR_F_DROP: {
		char *p = ag_keep_path(f->data, f->len);
		if (p && f->len > 0)
			unlink(p);
		free(p);
		break;
	}
	case TR_F_QUIT:
		a->quitting = 1;
		cancel_all(a, TR_LOST_NO);
		break;
	default:
		break;
	}
	return 0;
}

static void reap(struct agent *a)
{
	for (;;) {
		int st;
		struct rusage ru;
		const pid_t pid = wait4(-1, &st, WNOHANG, &ru);
		if (pid <= 0)
			break;
		if (ag_fetch_reaped(a, pid, st))
			continue;
		for (int i = 0; i < a->nt; i++)
			if (a->t[i].pid == pid && !a->t[i].reaped) {
				a->t[i].reaped = 1;
				a->t[i].reaped_at = tr_mono();
				a->t[i].status = st;
				a->t[i].ru = ru;
			}
	}
}

/*
 * Whether task t was killed by a signal that the agent did not send, of
 * those that kill a whole process tree from outside: slurmstepd's SIGTERM
 * and SIGKILL when a step or its job is cancelled or reaches its time
 * limit, which go to the step's processes deepest first, the agent (their
 * top) last.  Reported at once, such a death reached the controller as the
 * task's failure whenever the agent ran between its task's signal and its
 * own.  Its exit waits SWEEP_WAIT instead: an agent killed by the same
 * sweep is dead by then, and the controller counts the task lost with its
 * host; a task killed alone (a user's kill, the OOM killer) is reported as
 * failed, a second later.
 */
static int swept(const struct atask *t)
{
	int sig;

	if (t->kill_at > 0 || !WIFSIGNALED(t->status))
		return 0;
	sig = WTERMSIG(t->status);
	return sig == SIGTERM || sig == SIGKILL || sig == SIGHUP || sig == SIGINT;
}

/* Sends the exit frame of tasks that are reaped and whose output is all
 * forwarded (or that have waited long enough for it), and forgets them. */
void ag_finish_tasks(struct agent *a, double now)
{
	for (int i = 0; i < a->nt; i++) {
		struct atask *t = &a->t[i];
		int status, sig;
		if (!t->reaped)
			continue;
		if ((t->out_fd >= 0 || t->err_fd >= 0) && now - t->reaped_at < DRAIN_WAIT &&
		    !a->quitting)
			continue;
		if (swept(t) && now - t->reaped_at < SWEEP_WAIT && !a->quitting)
			continue;
		/* A cancelled task's group goes with it: a process that
		 * ignored SIGTERM, or outlived its leader, is no orphan. */
		if (t->kill_at > 0)
			kill(-t->pid, SIGKILL);
		if (WIFSIGNALED(t->status)) {
			status = -1;
			sig = WTERMSIG(t->status);
		} else {
			status = WEXITSTATUS(t->status);
			sig = 0;
		}
		if (t->ktmp)
			status = ag_keep_end(a, t, sig ? -1 : status);
		tr_proto_putf(&a->wbuf, TR_F_EXIT, t->id, "%d %d %lld %lld %lld %ld %d", status, sig,
			      (long long)((t->reaped_at - t->start) * 1e6), usec(&t->ru.ru_utime),
			      usec(&t->ru.ru_stime), (long)t->ru.ru_maxrss, t->lost);
		tr_watchdog_send(&a->wd, TR_WD_DEL, (long)t->pid);
		if (t->in_fd >= 0)
			close(t->in_fd);
		if (t->out_fd >= 0)
			close(t->out_fd);
		if (t->err_fd >= 0)
			close(t->err_fd);
		tr_buf_release(&t->inq);
		free(t->keep);
		ag_rdir_remove(t);
		a->t[i--] = a->t[--a->nt];
	}
}

/* The controller is lost: every task is killed and reported lost (lost says
 * why), and the agent says why on its standard error, which reaches the
 * controller as the launcher's words: its message for this host shows them
 * (an agent that quits idle sends no frame that could). */
static void lose_controller(struct agent *a, int lost, const char *why)
{
	const int busy = a->nt + a->nq;

	a->quitting = 1;
	cancel_all(a, lost);
	if (busy)
		dprintf(2, "taskrun agent: %s: quitting, %d task%s killed\n", why, busy, busy == 1 ? "" : "s");
	else
		dprintf(2, "taskrun agent: idle, %s: quitting\n", why);
}

/* A heartbeat frame: the agent's own CPU time so far. */
static void put_cpu(struct agent *a)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	tr_proto_putf(&a->wbuf, TR_F_APING, 0, "%lld %lld", usec(&ru.ru_utime), usec(&ru.ru_stime));
}

static void pump_output(struct agent *a, int *fd, int type, uint32_t id)
{
	char buf[65536];
	ssize_t n;

	do
		n = read(*fd, buf, sizeof buf);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		ag_send_frame(a, type, id, buf, (size_t)n);
	} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		close(*fd);
		*fd = -1;
	}
}

static void pump_input(struct agent *a, struct atask *t)
{
	const size_t before = tr_buf_used(&t->inq);

	if (tr_buf_flush(&t->inq, t->in_fd) != 0) {
		/* The task closed its stdin: drop the rest, but credit it so the
		 * controller keeps going until the task exits. */
		tr_buf_consume(&t->inq, tr_buf_used(&t->inq));
		close(t->in_fd);
		t->in_fd = -1;
	}
	if (before > tr_buf_used(&t->inq))
		tr_proto_putf(&a->wbuf, TR_F_CREDIT, t->id, "%zu", before - tr_buf_used(&t->inq));
	if (t->in_fd >= 0 && t->in_close && tr_buf_used(&t->inq) == 0) {
		close(t->in_fd);
		t->in_fd = -1;
	}
}

int tr_agent_run(int in_fd, int out_fd, struct sk_error *err)
{
	struct agent a;
	struct pollfd *pfd = NULL;
	int sp[2], rc = 0;
	struct sigaction sa;
	/* The CPUs this agent may use (its affinity mask, its cgroup's
	 * quota), not the machine's: the slots of a host without N/. */
	const int ncpu = sk_cpus_usable();

	memset(&a, 0, sizeof a);
	a.in = in_fd;
	a.out = out_fd;
	a.lease = 60;
	a.grace = 2;
	a.hb = a.lease / 6;
	a.last_rx = tr_mono();
	if (gethostname(a.host, sizeof a.host) != 0)
		strcpy(a.host, "?");
	a.host[sizeof a.host - 1] = '\0';
	/* First, while the agent holds nothing the watchdog should not. */
	if ((rc = tr_watchdog_start(&a.wd, a.lease, a.grace, err)) != 0)
		return rc;
	if (ag_make_pipe(sp) != 0) {
		tr_watchdog_stop(&a.wd);
		return sk_error_sys(err, "pipe");
	}
	tr_set_nonblock(sp[0]);
	tr_set_nonblock(sp[1]);
	chld_pipe = sp[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	tr_set_nonblock(in_fd);
	tr_set_nonblock(out_fd);
	tr_proto_putf(&a.wbuf, TR_F_AHELLO, 0, "%d %ld %ld %s", TR_PROTO_VERSION, (long)getpid(),
		      (long)ncpu, a.host);

	for (;;) {
		const double now = tr_mono();
		double wake = now + a.hb;
		int np = 0, timeout;

		if (!a.quitting && now - a.last_rx > a.lease) {
			char why[96];
			snprintf(why, sizeof why, "nothing from the controller for %gs (the lease)", a.lease);
			lose_controller(&a, TR_LOST_LEASE, why);
		}
		if (now - a.wd.last >= a.hb)
			tr_watchdog_send(&a.wd, TR_WD_PING, 0);
		/* A heartbeat only when nothing else went to the controller
		 * for a sixth of the lease (any frame keeps the link alive):
		 * a busy agent's exit frames do, and a thousand agents' pings
		 * every few seconds were a wake-up of the controller each. */
		if (now - a.last_tx >= a.hb) {
			put_cpu(&a);
			a.last_tx = now;
		}
		for (int i = 0; i < a.nt; i++) {
			struct atask *t = &a.t[i];
			if (t->kill_at > 0 && !t->hard) {
				if (now >= t->kill_at + a.grace) {
					kill(-t->pid, SIGKILL);
					t->hard = 1;
				} else if (t->kill_at + a.grace < wake) {
					wake = t->kill_at + a.grace;
				}
			}
			if (t->reaped && now - t->reaped_at < DRAIN_WAIT &&
			    t->reaped_at + DRAIN_WAIT < wake)
				wake = t->reaped_at + DRAIN_WAIT;
			if (t->reaped && swept(t) && now - t->reaped_at < SWEEP_WAIT &&
			    t->reaped_at + SWEEP_WAIT < wake)
				wake = t->reaped_at + SWEEP_WAIT;
		}
		ag_finish_tasks(&a, now);
		ag_fetch_finish(&a);
		if (a.nq > 0 && !a.quitting)
			ag_advance_clusters(&a);
		if (a.nrd > 0 && ag_pump_reads(&a) && tr_buf_used(&a.wbuf) < OUT_HIGH)
			wake = now;
		/* Quitting, a last heartbeat carries the agent's final CPU
		 * time (journalled with the host's down event). */
		if (a.quitting && a.nt == 0 && !a.said_cpu && !a.out_dead) {
			put_cpu(&a);
			a.said_cpu = 1;
		}
		if (!a.out_dead && tr_buf_used(&a.wbuf) > 0) {
			const size_t before = tr_buf_used(&a.wbuf);
			if (tr_buf_flush(&a.wbuf, a.out) != 0) {
				a.out_dead = 1;
				if (!a.quitting) {
					char why[160];
					snprintf(why, sizeof why, "lost the controller: writing to it: %s",
						 strerror(errno));
					lose_controller(&a, TR_LOST_OUTPUT, why);
				}
			} else if (tr_buf_used(&a.wbuf) < before) {
				/* The controller heard from us: no heartbeat due. */
				a.last_tx = now;
			}
		}
		if (a.quitting && a.nt == 0 && (a.out_dead || tr_buf_used(&a.wbuf) == 0))
			break;

		free(pfd);
		pfd = calloc((size_t)(3 + 3 * a.nt + 2 * a.nfl), sizeof *pfd);
		if (!pfd) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			break;
		}
		pfd[np].fd = sp[0];
		pfd[np++].events = POLLIN;
		if (a.in >= 0) {
			pfd[np].fd = a.in;
			pfd[np++].events = POLLIN;
		}
		if (!a.out_dead && tr_buf_used(&a.wbuf) > 0) {
			pfd[np].fd = a.out;
			pfd[np++].events = POLLOUT;
		}
		for (int i = 0; i < a.nt; i++) {
			struct atask *t = &a.t[i];
			if (tr_buf_used(&a.wbuf) < OUT_HIGH || a.out_dead) {
				if (t->out_fd >= 0) {
					pfd[np].fd = t->out_fd;
					pfd[np++].events = POLLIN;
				}
				if (t->err_fd >= 0) {
					pfd[np].fd = t->err_fd;
					pfd[np++].events = POLLIN;
				}
			}
			if (t->in_fd >= 0 && (tr_buf_used(&t->inq) > 0 || t->in_close)) {
				pfd[np].fd = t->in_fd;
				pfd[np++].events = POLLOUT;
			}
		}
		np += ag_fetch_fds(&a, pfd + np);
		if (!a.quitting && a.last_rx + a.lease < wake)
			wake = a.last_rx + a.lease;
		timeout = (int)((wake - now) * 1000) + 1;
		if (timeout < 0)
			timeout = 0;
		if (poll(pfd, (nfds_t)np, timeout) < 0 && errno != EINTR) {
			rc = sk_error_sys(err, "poll");
			break;
		}
		for (int k = 0; k < np; k++) {
			const int fd = pfd[k].fd;
			if (!pfd[k].revents)
				continue;
			if (fd == sp[0]) {
				char junk[64];
				while (read(sp[0], junk, sizeof junk) > 0)
					;
				reap(&a);
			} else if (fd == a.in) {
				const ssize_t n = tr_buf_fill(&a.rbuf, a.in);
				if (n > 0) {
					struct tr_frame f;
					int r;
					a.last_rx = tr_mono();
					while ((r = tr_proto_next(&a.rbuf, &f, err)) == 1) {
						handle_frame(&a, &f);
						tr_buf_consume(&a.rbuf, TR_PROTO_HDR + f.len);
					}
					if (r < 0) {
						rc = r;
						a.in = -1;
						lose_controller(&a, TR_LOST_PROTO, "a malformed frame from the controller");
					}
				} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
					a.in = -1;
					lose_controller(&a, TR_LOST_INPUT, "lost the controller: its input closed");
				}
			} else if (fd == a.out) {
				/* Flushed at the top of the loop. */
			} else if (!ag_fetch_io(&a, fd, pfd[k].revents)) {
				for (int i = 0; i < a.nt; i++) {
					struct atask *t = &a.t[i];
					if (fd == t->out_fd)
						pump_output(&a, &t->out_fd, TR_F_OUT, t->id);
					else if (fd == t->err_fd)
						pump_output(&a, &t->err_fd, TR_F_ERR, t->id);
					else if (fd == t->in_fd)
						pump_input(&a, t);
				}
			}
		}
		reap(&a);
	}
	free(pfd);
	for (int i = 0; i < a.nt; i++) {
		tr_buf_release(&a.t[i].inq);
		if (a.t[i].ktmp) {
			close(a.t[i].kfd);
			unlink(a.t[i].ktmp);
			free(a.t[i].ktmp);
		}
		free(a.t[i].keep);
	}
	for (int i = 0; i < a.nt; i++)
		ag_rdir_remove(&a.t[i]);
	while (a.npin > 0)
		ag_drop_pin(&a, a.npin - 1, 1);
	ag_fetch_close(&a);
	free(a.pin);
	while (a.nrd > 0)
		ag_drop_read(&a, a.nrd - 1);
	free(a.rd);
	free(a.keep);
	for (int i = 0; i < a.nq; i++) {
		free(a.q[i].run);
		free(a.q[i].keep);
	}
	free(a.q);
	free(a.t);
	tr_buf_release(&a.rbuf);
	tr_buf_release(&a.wbuf);
	chld_pipe = -1;
	close(sp[0]);
	close(sp[1]);
	tr_watchdog_stop(&a.wd);
	return rc;
}
