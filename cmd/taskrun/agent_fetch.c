/* agent_fetch: relayed input pieces fetched host to host, one connection
 * per holder.  The controller sends, after the L frame, an F frame: the
 * request "SIZE XXH64 PATH" (the piece on its holder) on a line, then the
 * words, each ended by a NUL, of the command that starts the holder's
 * server: the launcher that reaches the holder (its agent's: --ssh and the
 * host, or the host's own command) and "AGENT --serve".  The first F with
 * those words starts the command (a link); every F with the same words
 * writes its request line to the link's standard input, and the server
 * answers the requests in order (tr_agent_serve): "ok SIZE" and the bytes,
 * or "bad MESSAGE" (the copy is missing or not what the manifest says: the
 * piece fails as a bad copy and the task reads another copy), or "fail
 * MESSAGE".  So the pieces fetched from one holder cost one login (a fresh
 * ssh costs 0.3-0.5 s, notes/taskrun.md), whatever the launcher, and no
 * control socket or file is left anywhere.  The bytes go from the holder
 * into the piece's temporary, never through the controller, and the piece
 * is checked as a relayed one is (ag_pin_ready).  When a link cannot serve
 * a piece (it does not start, or ends: ssh's 255 when the runner cannot
 * reach the holder), the temporary is emptied and the controller told (f
 * frame): it streams the piece through itself.  Links live as long as the
 * agent: at its end their input is closed (the server ends at end of file);
 * a launcher dies with a killed agent (PR_SET_PDEATHSIG, and the watchdog
 * kills its group), its server with the connection.  A piece cancelled
 * while its link sends it, or is about to, cuts the link (link_cut): its
 * launcher is killed, the connection closes and the server stops at its
 * next write, so the rest of the piece does not cross the network; the
 * pieces queued behind it are asked again on a new link.  A cancel message
 * read by the server between chunks would keep the connection (one login
 * less), but the answer would need a framing that can end a piece early
 * (the protocol's "ok SIZE" then SIZE bytes cannot) and the server would
 * have to read its input while it sends; the bytes already on their way
 * (the pipes', ssh's and the socket's buffers) cross either way, and a
 * cancel is rare (a task no longer needed, a holder lost, whose connection
 * is suspect anyway).  The retired link of before cost that login too. */
/* mkostemp() is GNU; the rest is POSIX. */
#define _GNU_SOURCE
#include "agent_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "grow.h"
#include "proto.h"

#define CLOSE_WAIT 1.0   /* seconds the links' launchers get to end, at the agent's end */

/* Tells the controller that pin p's fetch failed (status, why), and makes
 * the pin ready for I frames again: its temporary empty. */
static void fetch_fail(struct agent *a, struct pin *p, int status, const char *why)
{
	if (p->fd >= 0 && (ftruncate(p->fd, 0) != 0 || lseek(p->fd, 0, SEEK_SET) != 0) && !p->why[0])
		snprintf(p->why, sizeof p->why, "%.150s: %.140s", p->path, strerror(errno));
	p->got = 0;
	p->fetching = 0;
	tr_proto_putf(&a->wbuf, TR_F_FFAIL, p->id, "%d %s", status, why);
}

/* The pin still waiting for the bytes of id, or NULL (cancelled). */
static struct pin *waiting(struct agent *a, uint32_t id)
{
	struct pin *p = ag_find_pin(a, id);

	return p && p->fetching ? p : NULL;
}

/* Starts a link: words (wlen bytes, each word ended by a NUL); NULL with
 * why set when it cannot. */
static struct flink *link_start(struct agent *a, const char *words, size_t wlen, char *why, size_t nwhy)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errfd = -1, n = 0;
	char **argv = NULL, tmp[4200];
	const char *dir = getenv("TMPDIR");
	struct flink *l;

	for (size_t i = 0; i < wlen; i++)
		n += words[i] == '\0';
	if (sk_grow(&a->fl, &a->capfl, a->nfl + 1L, sizeof *a->fl, 4) != 0 || !(argv = calloc((size_t)n + 1, sizeof *argv))) {
		snprintf(why, nwhy, "out of memory");
		free(argv);
		return NULL;
	}
	l = &a->fl[a->nfl];
	memset(l, 0, sizeof *l);
	l->to = l->from = l->errfd = -1;
	if (!(l->words = malloc(wlen))) {
		snprintf(why, nwhy, "out of memory");
		free(argv);
		return NULL;
	}
	memcpy(l->words, words, wlen);
	l->wlen = wlen;
	n = 0;
	for (size_t i = 0; i < wlen; i += strlen(l->words + i) + 1)
		argv[n++] = l->words + i;
	/* Its standard error into a file removed at once (read when it ends:
	 * a pipe could fill and stop it; nothing is left if the agent is
	 * killed). */
	snprintf(tmp, sizeof tmp, "%s/.taskrun-fetch.XXXXXX", dir && *dir ? dir : "/tmp");
	if ((errfd = mkostemp(tmp, O_CLOEXEC)) < 0 || unlink(tmp) != 0 || ag_make_pipe(in) != 0 ||
	    ag_make_pipe(out) != 0 || (l->pid = ag_spawn(argv, NULL, NULL, in[0], out[1], errfd)) < 0) {
		snprintf(why, nwhy, "%s", strerror(errno));
		for (int k = 0; k < 2; k++) {
			if (in[k] >= 0)
				close(in[k]);
			if (out[k] >= 0)
				close(out[k]);
		}
		if (errfd >= 0)
			close(errfd);
		free(l->words);
		free(argv);
		return NULL;
	}
	free(argv);
	close(in[0]);
	close(out[1]);
	setpgid(l->pid, l->pid);
	l->to = in[1];
	l->from = out[0];
	l->errfd = errfd;
	tr_set_nonblock(l->to);
	tr_set_nonblock(l->from);
	/* A killed agent's watchdog kills the launcher's group. */
	tr_watchdog_send(&a->wd, TR_WD_ADD, (long)l->pid);
	a->nfl++;
	return l;
}

void ag_fetch_start(struct agent *a, uint32_t id, const char *data, size_t len)
{
	struct pin *p = ag_find_pin(a, id);
	const char *nl = memchr(data, '\n', len);
	const char *words = nl ? nl + 1 : NULL;
	const size_t wlen = nl ? len - (size_t)(words - data) : 0;
	struct flink *l = NULL;
	char why[300];

	if (!p || !p->relay || p->fetching || p->ended)
		return;
	/* A piece that cannot be written here fails as it would with I
	 * frames (ag_pin_ready says why). */
	if (p->why[0] || p->fd < 0 || !p->dir) {
		fetch_fail(a, p, -1, p->why[0] ? p->why : "no temporary");
		return;
	}
	if (!nl || wlen == 0 || words[wlen - 1] != '\0') {
		fetch_fail(a, p, -1, "a fetch frame without a command");
		return;
	}
	for (int i = 0; i < a->nfl && !l; i++)
		if (!a->fl[i].why[0] && a->fl[i].pid > 0 && !a->fl[i].to_dead && a->fl[i].wlen == wlen &&
		    memcmp(a->fl[i].words, words, wlen) == 0)
			l = &a->fl[i];
	/* Kept to ask again on a new link if this one is cut (link_cut). */
	if (p->fdata != data) {
		free(p->fdata);
		p->flen = 0;
		if (!(p->fdata = malloc(len))) {
			fetch_fail(a, p, -1, "out of memory");
			return;
		}
		memcpy(p->fdata, data, len);
		p->flen = len;
	}
	if (!l && !(l = link_start(a, words, wlen, why, sizeof why))) {
		fetch_fail(a, p, -1, why);
		return;
	}
	if (sk_grow(&l->q, &l->capq, l->nq + 1L, sizeof *l->q, 8) != 0 ||
	    tr_buf_put(&l->req, data, (size_t)(nl - data) + 1) != 0) {
		fetch_fail(a, p, -1, "out of memory");
		return;
	}
	l->q[l->nq++] = id;
	p->fetching = 1;
	if (tr_buf_flush(&l->req, l->to) != 0)
		l->to_dead = 1;
}

/* The launcher of link l is gone: kills its group (a server that said
 * something that is no answer, or one that cannot be written to). */
static void link_kill(struct flink *l, const char *why)
{
	if (!l->why[0])
		snprintf(l->why, sizeof l->why, "%s", why);
	if (l->pid > 0) {
		kill(-l->pid, SIGKILL);
		kill(l->pid, SIGKILL);
	}
}

/* Cuts link l because a piece it is sending, or about to send, is no longer
 * waited for: its launcher is killed with its group, which closes the
 * connection, so the server's next write fails and it stops, instead of
 * sending the rest of the piece to be dropped here.  The pieces still
 * waiting on l (queued behind) start again from nothing on a new link
 * (ag_fetch_finish), which costs one more login to the holder. */
static void link_cut(struct agent *a, struct flink *l)
{
	for (int k = 0; k < l->nq; k++) {
		struct pin *p = waiting(a, l->q[k]);
		if (!p)
			continue;
		if (p->fd >= 0 && (ftruncate(p->fd, 0) != 0 || lseek(p->fd, 0, SEEK_SET) != 0) && !p->why[0])
			snprintf(p->why, sizeof p->why, "%.150s: %.140s", p->path, strerror(errno));
		p->got = 0;
		p->fetching = 0;
		p->refetch = 1;
	}
	l->nq = 0;
	l->body = 0;
	l->left = 0;
	link_kill(l, "cut: a fetch was cancelled");
}

/* q[0]'s answer is complete (its bytes, or "bad" with why): it leaves
 * the queue, and its piece, unless cancelled meanwhile, is checked (as a
 * relayed piece: size and xxh64) and its task started. */
static void link_piece_end(struct agent *a, struct flink *l, const char *why)
{
	struct pin *p = waiting(a, l->q[0]);

	memmove(l->q, l->q + 1, (size_t)(--l->nq) * sizeof *l->q);
	l->body = 0;
	l->left = 0;
	if (!p)
		return;
	if (why && !p->why[0])
		snprintf(p->why, sizeof p->why, "%s", why);
	p->fetching = 0;
	p->got = p->size;
	p->ended = 1;
	ag_pin_ready(a, (int)(p - a->pin));
}

/* The answer line of q[0] (without its line end). */
static void link_answer(struct agent *a, struct flink *l, const char *line)
{
	struct pin *p;
	char *end;
	unsigned long long n;

	if (l->nq == 0) {
		link_kill(l, "the holder's server said more than it was asked");
		return;
	}
	p = waiting(a, l->q[0]);
	if (strncmp(line, "ok ", 3) == 0) {
		errno = 0;
		n = strtoull(line + 3, &end, 10);
		if (errno || *end || end == line + 3 || line[3] == '-' || (p && n != p->size)) {
			link_kill(l, "the holder's server answered with another size");
			return;
		}
		/* A piece cancelled while queued: its bytes start now. */
		if (!p && n > 0) {
			link_cut(a, l);
			return;
		}
		l->body = 1;
		l->left = n;
		if (n == 0)
			link_piece_end(a, l, NULL);
	} else if (strncmp(line, "bad ", 4) == 0) {
		/* The holder's copy is bad: the piece fails as a bad copy
		 * (another is read), not through the controller. */
		link_piece_end(a, l, line[4] ? line + 4 : "the holder's copy is bad");
	} else if (strncmp(line, "fail ", 5) == 0) {
		memmove(l->q, l->q + 1, (size_t)(--l->nq) * sizeof *l->q);
		if (p)
			fetch_fail(a, p, 1, line + 5);
	} else {
		link_kill(l, "the holder's server said something that is no answer");
	}
}

/* Bytes from link l: answer lines and pieces. */
static void link_input(struct agent *a, struct flink *l, const char *d, size_t n)
{
	while (n > 0 && !l->why[0]) {
		if (l->body) {
			const size_t k = n < l->left ? n : (size_t)l->left;
			struct pin *p = waiting(a, l->q[0]);
			struct sk_error e;
			if (p && p->fd >= 0 && !p->why[0] && sk_file_write_all(p->fd, d, k, &e) != 0)
				snprintf(p->why, sizeof p->why, "%.150s: %.140s", p->path, e.msg);
			l->left -= k;
			d += k;
			n -= k;
			if (l->left == 0)
				link_piece_end(a, l, NULL);
			continue;
		}
		const char *nl = memchr(d, '\n', n);
		const size_t k = nl ? (size_t)(nl - d) + 1 : n;
		if (l->nline + k >= sizeof l->line) {
			link_kill(l, "the holder's server said a line too long");
			return;
		}
		memcpy(l->line + l->nline, d, k);
		l->nline += k;
		d += k;
		n -= k;
		if (nl) {
			l->line[l->nline - 1] = '\0';
			l->nline = 0;
			link_answer(a, l, l->line);
		}
	}
}

int ag_fetch_fds(const struct agent *a, struct pollfd *pfd)
{
	int np = 0;

	for (int i = 0; i < a->nfl; i++) {
		const struct flink *l = &a->fl[i];
		if (l->from >= 0 && !l->eof && !l->why[0]) {
			pfd[np].fd = l->from;
			pfd[np++].events = POLLIN;
		}
		if (l->to >= 0 && !l->to_dead && tr_buf_used(&l->req) > 0) {
			pfd[np].fd = l->to;
			pfd[np++].events = POLLOUT;
		}
	}
	return np;
}

int ag_fetch_io(struct agent *a, int fd, short revents)
{
	for (int i = 0; i < a->nfl; i++) {
		struct flink *l = &a->fl[i];
		if (fd == l->to && !l->to_dead) {
			if (tr_buf_flush(&l->req, l->to) != 0)
				l->to_dead = 1;
			return 1;
		}
		if (fd == l->from && !l->eof && !l->why[0]) {
			char buf[65536];
			ssize_t n;
			if (!(revents & (POLLIN | POLLHUP | POLLERR)))
				return 1;
			do
				n = read(l->from, buf, sizeof buf);
			while (n < 0 && errno == EINTR);
			if (n > 0)
				link_input(a, l, buf, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				l->eof = 1;   /* closed in ag_fetch_finish */
			return 1;
		}
	}
	return 0;
}

int ag_fetch_reaped(struct agent *a, pid_t pid, int status)
{
	for (int i = 0; i < a->nfl; i++)
		if (a->fl[i].pid == pid) {
			tr_watchdog_send(&a->wd, TR_WD_DEL, (long)pid);
			a->fl[i].pid = 0;
			a->fl[i].status = status;
			return 1;
		}
	return 0;
}

/* The last line of what link l's launcher said on its standard error (at
 * most the last 4 KiB of it), into msg. */
static void link_words(const struct flink *l, char *msg, size_t n)
{
	char buf[4097], *end, *start;
	ssize_t k = 0;
	const off_t size = l->errfd >= 0 ? lseek(l->errfd, 0, SEEK_END) : -1;
	size_t len;

	if (size > 0)
		k = pread(l->errfd, buf, sizeof buf - 1, size > 4096 ? size - 4096 : 0);
	buf[k > 0 ? k : 0] = '\0';
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	/* Cut to msg's size on purpose (memcpy, not snprintf, whose
	 * truncation GCC's -Wformat-truncation flags at -O1: make asan). */
	len = strlen(start);
	if (len >= n)
		len = n - 1;
	memcpy(msg, start, len);
	msg[len] = '\0';
}

static void link_free(struct flink *l)
{
	if (l->to >= 0)
		close(l->to);
	if (l->from >= 0)
		close(l->from);
	if (l->errfd >= 0)
		close(l->errfd);
	tr_buf_release(&l->req);
	free(l->q);
	free(l->words);
}

void ag_fetch_finish(struct agent *a)
{
	/* The pieces of links cut: asked again, on a new link. */
	for (int i = 0; i < a->npin; i++)
		if (a->pin[i].refetch) {
			a->pin[i].refetch = 0;
			ag_fetch_start(a, a->pin[i].id, a->pin[i].fdata, a->pin[i].flen);
		}
	for (int i = 0; i < a->nfl; i++) {
		struct flink *l = &a->fl[i];
		char msg[300];
		int status;
		/* Its input is gone: its server gets end of file and ends
		 * once it has answered what it was asked. */
		if (l->to_dead && l->to >= 0) {
			close(l->to);
			l->to = -1;
		}
		if ((l->eof || l->why[0]) && l->from >= 0) {
			close(l->from);
			l->from = -1;
		}
		/* A link ends once its output is at end of file (or given
		 * up) and its launcher is reaped. */
		if (l->from >= 0 || l->pid > 0)
			continue;
		status = WIFEXITED(l->status) ? WEXITSTATUS(l->status) : 128 + WTERMSIG(l->status);
		if (l->why[0])
			snprintf(msg, sizeof msg, "%s", l->why);
		else
			link_words(l, msg, sizeof msg);
		if (!msg[0])
			snprintf(msg, sizeof msg, "exit status %d", status);
		for (int k = 0; k < l->nq; k++) {
			struct pin *p = waiting(a, l->q[k]);
			if (p)
				fetch_fail(a, p, status, msg);
		}
		link_free(l);
		a->fl[i--] = a->fl[--a->nfl];
	}
}

void ag_fetch_stop(struct agent *a, struct pin *p)
{
	p->refetch = 0;
	if (!p->fetching)
		return;
	p->fetching = 0;
	/* A piece cancelled while its link sends it, or is about to (the
	 * controller cancels the fetches from a holder it lost, whose link
	 * may hang, and a task it no longer needs): the link is cut.  One
	 * queued behind: cut when its answer comes (link_answer). */
	for (int i = 0; i < a->nfl; i++)
		if (!a->fl[i].why[0] && a->fl[i].nq > 0 && a->fl[i].q[0] == p->id)
			link_cut(a, &a->fl[i]);
}

void ag_fetch_close(struct agent *a)
{
	const double until = tr_mono() + CLOSE_WAIT;

	/* End of file to each server, and nothing more read: a launcher
	 * still writing a piece gets EPIPE. */
	for (int i = 0; i < a->nfl; i++) {
		if (a->fl[i].to >= 0)
			close(a->fl[i].to);
		if (a->fl[i].from >= 0)
			close(a->fl[i].from);
		a->fl[i].to = a->fl[i].from = -1;
	}
	for (int i = 0; i < a->nfl; i++) {
		struct flink *l = &a->fl[i];
		while (l->pid > 0) {
			const pid_t r = waitpid(l->pid, NULL, WNOHANG);
			if (r == l->pid || (r < 0 && errno != EINTR)) {
				tr_watchdog_send(&a->wd, TR_WD_DEL, (long)l->pid);
				l->pid = 0;
			} else if (tr_mono() >= until) {
				kill(-l->pid, SIGKILL);
				kill(l->pid, SIGKILL);
				while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
					;
				tr_watchdog_send(&a->wd, TR_WD_DEL, (long)l->pid);
				l->pid = 0;
			} else {
				poll(NULL, 0, 10);
			}
		}
		link_free(l);
	}
	free(a->fl);
	a->fl = NULL;
	a->nfl = 0;
}
