/* sched: the controller's main loop: signals, the journal and the error
 * that stops a run, the poll loop, --keep outputs remade, and the orderly
 * end.  The setup and resume (sched_resume.c), handing tasks to free slots
 * (sched_assign.c), the hosts, the attempts and the progress line are in
 * their own files. */
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

int tr_jlog(struct tr_ctl *c, struct tr_event *e)
{
	struct sk_error err;
	const int rc = tr_journal_write(&c->j, e, &err);
	if (rc != 0)
		tr_fail_err(c, &err);
	return rc;
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
	/* By group commit, as a pass's task events: nothing irreversible
	 * follows from a host's event, and a sync for each (a thousand hosts
	 * added, up and down) cost the controller more than its tasks. */
	tr_jput(c, &e);
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

const char *tr_stop_note(const struct tr_ctl *c)
{
	return c->stop > 0 ? "interrupted" : c->stop == TR_STOP_SLURM ? "the Slurm allocation ended" : "stopped by an error";
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
		snprintf(e.note, sizeof e.note, "%s; no answer from the host", c->stop ? tr_stop_note(c) : "halted");
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
	if ((rc = tr_sched_setup(&c, err)) != 0)
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
						fd_used += tr_host_fds(h);
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
		tr_assign(&c, now);
		if (hk) {
			tr_speculate(&c, now);
			for (int k = 0; k < c.na; k++)
				if (o->timeout > 0 && !c.a[k].cancel && tr_input_clock(&c, &c.a[k]) &&
				    now - c.a[k].start > o->timeout)
					tr_cancel_attempt(&c, &c.a[k], C_TIMEOUT);
			c.hk_next = tr_hk_due(&c, now);
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
				/* An idle host holds no buffer (a thousand of 4 KiB
				 * each were 4 MiB resident). */
				if (tr_buf_used(&h->wb) == 0)
					tr_buf_release(&h->wb);
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
		/* (c.stop too: a stop asked in this pass, by a Slurm
		 * allocation's end, leaves the tasks to do.) */
		if (c.na == 0 && c.apart_next && !stopping && !c.stop && !c.halted) {
			for (long i = tr_next_pending(&c, 0); i >= 0; i = tr_next_pending(&c, i + 1))
				if (c.tl->t[i].apart && tr_apart_stuck(&c, i)) {
					tr_unpend(&c, i);
					tr_final_fail(&c, i, "not run: every host holds a task of its --apart group");
				}
		}
		/* A piece that no holder can ever send. */
		if (c.na == 0 && c.placed && !stopping && !c.stop && !c.halted) {
			for (long i = tr_next_pending(&c, 0); i >= 0; i = tr_next_pending(&c, i + 1))
				if (c.tl->t[i].input && tr_input_stuck(&c, i)) {
					tr_unpend(&c, i);
					tr_final_fail(&c, i, "not run: no holder of its input piece is left");
				}
		}
		if (c.na == 0 && live > 0 && usable_hosts == 0 && all_failing && !stopping && !c.stop) {
			for (long i = tr_next_pending(&c, 0); i >= 0; i = tr_next_pending(&c, i + 1)) {
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
		/* Stopped or starved past half the lease, before the agents'
		 * frames are read (their losses may be its doing). */
		tr_note_stall(&c, now, timeout / 1000.0);
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
	tr_slurm_end(&c);

	/* Orderly shutdown: ask every agent to quit and wait briefly. */
	for (int i = 0; i < c.nh; i++) {
		struct tr_host *h = &c.h[i];
		if (h->wfd >= 0) {
			tr_send_frame(&c, h, TR_F_QUIT, 0, NULL, 0);
			h->quit_sent = 1;
			tr_buf_flush(&h->wb, h->wfd);
			tr_close_fd(&h->wfd);
			tr_buf_release(&h->wb);
		}
	}
	t_end = tr_mono() + 3;
	for (;;) {
		int open = 0;
		for (int i = 0; i < c.nh; i++) {
			struct tr_host *h = &c.h[i];
			if (h->rfd >= 0) {
				struct pollfd p = {h->rfd, POLLIN, 0};
				if (poll(&p, 1, 50) > 0)
					tr_host_read_last(&c, h);
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
	if (c.slurm_end)
		snprintf(e.note, sizeof e.note, "done=%ld failed=%ld the Slurm allocation ended: %s", c.ndone,
			 c.nfinal, c.slurm_why);
	else
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
	res->out_broken = c.out_broken;
	res->stopsig = got_stop;
	res->slurm_end = c.slurm_end;
	snprintf(res->slurm_why, sizeof res->slurm_why, "%s", c.slurm_why);
	rc = 0;
	if (c.failed) {
		*err = c.fatal;
		rc = c.fatal.code ? c.fatal.code : SK_EIO;
	}
out:
	tr_copies_flush(&c);
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
		free(c.h[i].held);
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
	for (long i = 0; i < c.ncopies; i++)
		free(c.copies[i].loc);
	free(c.copies);
	if (c.keep_host)
		for (long i = 0; i < tasks->n; i++)
			free(c.keep_host[i]);
	free(c.keep_host);
	free(c.usable);
	free(c.kids);
	return rc;
}
