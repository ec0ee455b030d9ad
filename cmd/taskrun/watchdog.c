/* close_range() is Linux's (glibc 2.34); a loop of close() where it is not. */
#define _GNU_SOURCE
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

#define MSG 8   /* op, three spare bytes, a 32-bit value in host order */

struct groups {
	pid_t *g;
	int n, cap;
};

static void add(struct groups *s, pid_t pg)
{
	if (s->n == s->cap) {
		const int cap = s->cap ? s->cap * 2 : 16;
		pid_t *ng = realloc(s->g, (size_t)cap * sizeof *ng);
		if (!ng) {
			/* Cannot watch it: better kill it now than leave an
			 * orphan later. */
			kill(-pg, SIGKILL);
			return;
		}
		s->g = ng;
		s->cap = cap;
	}
	s->g[s->n++] = pg;
}

static void del(struct groups *s, pid_t pg)
{
	for (int i = 0; i < s->n; i++)
		if (s->g[i] == pg) {
			s->g[i] = s->g[--s->n];
			return;
		}
}

static void nap(double sec)
{
	struct timespec ts;
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)((sec - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* SIGTERM to every group, and SIGKILL after the grace to those left. */
static void kill_all(struct groups *s, double grace)
{
	int any = 0;

	for (int i = 0; i < s->n; i++)
		any |= kill(-s->g[i], SIGTERM) == 0;
	if (any) {
		const double until = tr_mono() + grace;
		for (;;) {
			int left = 0;
			for (int i = 0; i < s->n; i++)
				left |= kill(-s->g[i], 0) == 0;
			if (!left || tr_mono() >= until)
				break;
			nap(0.05);
		}
		for (int i = 0; i < s->n; i++)
			kill(-s->g[i], SIGKILL);
	}
	s->n = 0;
}

void tr_watchdog_loop(int fd, double lease, double grace)
{
	struct groups s = {NULL, 0, 0};
	unsigned char buf[4096];
	size_t have = 0;
	double last = tr_mono();

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		const double now = tr_mono();
		const double left = last + lease - now;
		ssize_t n;

		if (left <= 0) {
			/* The agent said nothing for the lease: stopped or
			 * stuck.  Its controller has given up on it too. */
			kill_all(&s, grace);
			last = tr_mono();
			continue;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		if (!p.revents)
			continue;
		n = read(fd, buf + have, sizeof buf - have);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		last = tr_mono();
		have += (size_t)n;
		for (size_t k = 0; k + MSG <= have; k += MSG) {
			int32_t v;
			memcpy(&v, buf + k + 4, sizeof v);
			switch (buf[k]) {
			case TR_WD_ADD: add(&s, (pid_t)v); break;
			case TR_WD_DEL: del(&s, (pid_t)v); break;
			case TR_WD_LEASE: if (v > 0) lease = v / 1000.0; break;
			case TR_WD_GRACE: if (v >= 0) grace = v / 1000.0; break;
			default: break;
			}
		}
		if (have % MSG) {
			memmove(buf, buf + have - have % MSG, have % MSG);
			have %= MSG;
		} else {
			have = 0;
		}
	}
	/* The agent is gone (or closed the pipe when it ended). */
	kill_all(&s, grace);
	free(s.g);
}

int tr_watchdog_start(struct tr_watchdog *w, double lease, double grace, struct sk_error *err)
{
	int p[2];
	pid_t pid;

	w->pid = 0;
	w->fd = -1;
	w->last = tr_mono();
	if (pipe(p) != 0)
		return sk_error_sys(err, "watchdog pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return sk_error_sys(err, "watchdog fork");
	}
	if (pid == 0) {
		const long max = sysconf(_SC_OPEN_MAX);
		const int nul = open("/dev/null", O_RDWR);
		sigset_t set;

		setpgid(0, 0);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		for (int fd = 0; fd < 3; fd++)
			if (nul >= 0 && fd != nul)
				dup2(nul, fd);
		if (p[0] != 3 && dup2(p[0], 3) != 3)
			_exit(1);
		if (close_range(4, ~0U, 0) != 0)
			for (long fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
				close((int)fd);
		tr_watchdog_loop(3, lease, grace);
		_exit(0);
	}
	close(p[0]);
	tr_set_cloexec(p[1]);
	tr_set_nonblock(p[1]);
	w->pid = pid;
	w->fd = p[1];
	tr_watchdog_send(w, TR_WD_LEASE, (long)(lease * 1000));
	tr_watchdog_send(w, TR_WD_GRACE, (long)(grace * 1000));
	return 0;
}

void tr_watchdog_send(struct tr_watchdog *w, int op, long v)
{
	unsigned char m[MSG] = {0};
	const int32_t x = (int32_t)v;

	if (w->fd < 0)
		return;
	m[0] = (unsigned char)op;
	memcpy(m + 4, &x, sizeof x);
	/* Eight bytes are below PIPE_BUF: written whole or not at all. */
	if (write(w->fd, m, sizeof m) != (ssize_t)sizeof m) {
		/* Full (the watchdog is stopped) or gone: nothing to do. */
	}
	w->last = tr_mono();
}

void tr_watchdog_stop(struct tr_watchdog *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0)
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	w->pid = 0;
}
