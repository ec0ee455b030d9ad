/* hosts: agents' connections (start, frames, stderr, loss), the host file
 * re-read, quarantine, and the reaping of agent processes. */
#include "sched_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

#include "hostfile.h"
#include "launcher.h"
#include "proto.h"
#include "slurm.h"
#include "subproc.h"
#include "tmpl.h"

extern char **environ;

int tr_usable(const struct tr_ctl *c, const struct tr_host *h, double now)
{
	(void)c;
	return !h->removed && !h->gone && h->hl.quar_until <= now &&
	       (h->st == HS_UP || h->st == HS_CONN);
}

void tr_quarantine(struct tr_ctl *c, struct tr_host *h, const char *why)
{
	const double d = tr_policy_quarantine(&h->hl, c->o->backoff, tr_mono());
	tr_jhost(c, "quarantine", h, "for %.1fs: %s", d, why);
	/* Synced before stderr says so (rare, unlike add, up and down). */
	tr_jsync(c);
	if (h->ever_up)
		tr_warnx(c, "%s: quarantined for %.1fs: %s", h->name, d, why);
	h->quar_open = 1;
}

void tr_quarantine_over(struct tr_ctl *c, struct tr_host *h, double now)
{
	if (!h->quar_open || h->hl.quar_until > now)
		return;
	h->quar_open = 0;
	tr_jhost(c, "release", h, "quarantine over");
	tr_jsync(c);
	if (h->ever_up && !h->removed && !h->gone)
		tr_warnx(c, "%s: quarantine over", h->name);
}

static void add_kid(struct tr_ctl *c, pid_t pid)
{
	struct tr_child *k = realloc(c->kids, (size_t)(c->nkids + 1) * sizeof *k);
	if (!k) {
		kill(pid, SIGKILL);
		return;
	}
	c->kids = k;
	kill(pid, SIGTERM);
	k[c->nkids].pid = pid;
	k[c->nkids++].kill_at = tr_mono() + 2;
}

void tr_reap_kids(struct tr_ctl *c)
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

/* Says a Slurm node's held loss (its step's end was not the allocation's). */
static void say_held(struct tr_ctl *c, struct tr_host *h)
{
	if (!h->held)
		return;
	tr_warnx(c, "%s: connection lost: %s", h->name, h->held);
	free(h->held);
	h->held = NULL;
}

/* The Slurm allocation is over: every node of it is given up at once (as
 * after its last quarantine), instead of each trying srun again through
 * its quarantines for minutes.  With no other host (a host file's
 * "slurm" beside others), the run stops as an interrupted one does: the
 * tasks not done stay to do, and the same command in a new allocation
 * resumes it (-s); what happened is said once, at the end (tr_slurm_end).
 * With others, it goes on on them, and says so now. */
static void slurm_give_up(struct tr_ctl *c, const struct tr_host *h, const char *why)
{
	int others = 0;

	for (int i = 0; i < c->nh; i++)
		others |= !c->h[i].slurm && !c->h[i].removed && !c->h[i].gone;
	if (!c->slurm_over) {
		snprintf(c->slurm_words, sizeof c->slurm_words, "%s: %s", h->name, why);
		if (others)
			tr_warnx(c, "the Slurm allocation has ended: %s: %s; the run goes on on the other hosts",
				 h->name, why);
	}
	c->slurm_over = 1;
	if (!c->stop && !others)
		c->stop = TR_STOP_SLURM;
	for (int i = 0; i < c->nh; i++) {
		struct tr_host *n = &c->h[i];
		if (!n->slurm)
			continue;
		if (n->hl.nquar < GIVE_UP)
			n->hl.nquar = GIVE_UP;
		n->hl.quar_until = HUGE_VAL;
		n->hl.probing = 0;
	}
}

void tr_slurm_end(struct tr_ctl *c)
{
	const char *id = getenv("SLURM_JOB_ID");
	struct tr_slurm_job job;
	int slurm = 0, held = 0, known = 0;

	for (int i = 0; i < c->nh; i++) {
		slurm |= c->h[i].slurm;
		held |= c->h[i].held != NULL;
	}
	if (!slurm || !(c->slurm_over || c->stop > 0 || held))
		return;
	if (id) {
		/* Its error ("Invalid job id specified" once the job left
		 * slurmctld's memory) is no JobState, not ours to print. */
		char *const argv[] = {(char *)(uintptr_t) "sh", (char *)(uintptr_t) "-c",
				      (char *)(uintptr_t) "exec scontrol show job -o \"$1\" 2>&1",
				      (char *)(uintptr_t) "sh", (char *)(uintptr_t)id, NULL};
		char *out = NULL;
		struct sk_error err;
		known = sk_subproc_run(argv, &out, &err) >= 0 && out && tr_slurm_job_parse(out, &job) == 0;
		free(out);
	}
	if (known ? !job.ended : !c->slurm_over) {
		for (int i = 0; i < c->nh; i++)
			say_held(c, &c->h[i]);
		return;
	}
	for (int i = 0; i < c->nh; i++) {
		free(c->h[i].held);
		c->h[i].held = NULL;
	}
	/* A run that other hosts finished was not ended by it. */
	if (!c->stop)
		return;
	c->slurm_end = known && job.timelimit ? 2 : 1;
	if (known)
		snprintf(c->slurm_why, sizeof c->slurm_why, "job %.20s: %s%s%s", id, job.state,
			 strcmp(job.reason, "None") ? ", reason " : "", strcmp(job.reason, "None") ? job.reason : "");
	else
		snprintf(c->slurm_why, sizeof c->slurm_why, "%.255s", c->slurm_words);
}

/* A host is gone (connection lost, agent dead, lease expired): its attempts
 * go back to the queue without spending retries, and it is quarantined,
 * unless the controller had just stalled (tr_note_stall). */
void tr_host_down(struct tr_ctl *c, struct tr_host *h, const char *why)
{
	const int hi = (int)(h - c->h);
	const int orderly = h->quit_sent && h->removed;
	const int nostart = !h->hello && !orderly;
	/* Its agent quit, or its link went, within a lease after the
	 * controller stalled: the controller's doing, not the host's (an
	 * agent that died is not excused). */
	const int stall = h->stalled && !h->died && tr_mono() - c->stall_end <= c->o->lease + 2;
	/* A Slurm node's srun that says the allocation is over. */
	const int over = nostart && h->slurm && tr_slurm_job_over(why);
	/* A Slurm node lost because its step was ended from outside, or
	 * while the run stops (in a batch script, Slurm's SIGTERM reaches
	 * taskrun and its sruns together): the allocation may be over.  Its
	 * agent starts again at once, with no quarantine: srun asks
	 * slurmctld, and either says the allocation is over, once for every
	 * node, or starts it (the loss is said then). */
	const int hold = h->slurm && h->hello && !orderly && !h->quit_sent && (c->stop || tr_slurm_step_ended(why));

	if (!h->hello && !orderly)
		h->nostart = 1;
	if (!h->hello && !orderly) {
		if (!over)
			say_held(c, h);
		if (!h->said_nostart && !over)
			tr_warnx(c, "%s: agent did not start: %s", h->name, why);
		h->said_nostart = 1;
	} else if (hold) {
		free(h->held);
		h->held = strdup(why);
	} else if (!orderly && !h->quit_sent) {
		if (stall)
			tr_warnx(c, "%s: connection lost: %s (the controller stalled for %.1fs: not the host's doing)",
				 h->name, why, c->stall_len);
		else
			tr_warnx(c, "%s: connection lost: %s", h->name, why);
	}
	tr_input_host_down(c, hi);
	/* Whose fault: an agent that died (not one that quit, was stopped,
	 * or lost its link: h->died) with one task counts against that task;
	 * with several, each runs alone next (tr_lose_attempt). */
	const int loss = !h->died || orderly ? TR_LOSS_HOST : h->nrun == 1 ? TR_LOSS_ALONE : TR_LOSS_SHARED;
	for (int k = 0; k < c->na; k++) {
		char note[384];
		if (c->a[k].host != hi)
			continue;
		snprintf(note, sizeof note, "host lost: %s", why);
		tr_lose_attempt(c, k--, note, loss, why);
	}
	h->died = 0;
	h->stalled = 0;
	if (c->drain == hi)
		c->drain = -1;
	tr_close_fd(&h->wfd);
	tr_close_fd(&h->rfd);
	tr_close_fd(&h->efd);
	tr_buf_release(&h->wb);
	tr_buf_release(&h->rb);
	if (h->pid > 0)
		add_kid(c, h->pid);
	h->pid = 0;
	if (h->hello || h->st != HS_DOWN) {
		if (h->ever_up)
			tr_jhost(c, "down", h, "%s; bytes rx=%lld tx=%lld stdin=%lld stdout=%lld requests=%ld relayed=%lld",
				 why, h->rx, h->tx, h->data_in, h->data_out, h->requests, h->relayed);
		else
			tr_jhost(c, "down", h, "%s", why);
	}
	h->rx = h->tx = h->data_in = h->data_out = h->relayed = 0;
	h->requests = 0;
	if (!orderly && h->ever_up)
		h->lost = 1;
	h->st = HS_DOWN;
	h->hello = 0;
	h->etail[0] = '\0';
	if (h->removed)
		h->gone = 1;
	else if (over)
		slurm_give_up(c, h, why);
	else if (hold)
		c->hk_next = 0;
	else if (!orderly && !stall)
		tr_quarantine(c, h, why);
}

void tr_note_stall(struct tr_ctl *c, double from, double expected)
{
	const double now = tr_mono(), late = now - from - expected;
	struct tr_event e;

	if (late <= c->o->lease / 2)
		return;
	c->stall_end = now;
	c->stall_len = late;
	for (int i = 0; i < c->nh; i++)
		c->h[i].stalled = c->h[i].st != HS_DOWN;
	/* Said on stderr only with the hosts it cost (tr_host_down). */
	tr_event_init(&e, "stall");
	snprintf(e.note, sizeof e.note, "for %.1fs (lease %gs): hosts lost in the next lease are not quarantined",
		 late, c->o->lease);
	tr_jlog(c, &e);
	/* What the agents said meanwhile, up to the end of those that quit,
	 * before anything is assigned to them. */
	for (int i = 0; i < c->nh; i++) {
		struct tr_host *h = &c->h[i];
		for (int k = 0; k < 64 && h->rfd >= 0 && (h->st == HS_UP || h->st == HS_CONN); k++) {
			const long long rx = h->rx;
			tr_host_read(c, h);
			if (h->rx == rx)
				break;
		}
	}
}

void tr_host_dirty(struct tr_ctl *c, struct tr_host *h)
{
	if (h->wdirty)
		return;
	/* dirty has room for every host (tr_host_arrays). */
	c->dirty[c->ndirty++] = (int)(h - c->h);
	h->wdirty = 1;
}

/* epoll's data: the host's index and which of its descriptors. */
#define EP_KEY(i, kind) (((uint64_t)(i) << 2) | (kind))

static void ep_ctl(struct tr_ctl *c, int op, int fd, uint32_t events, uint64_t key)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = key;
	if (c->ep >= 0 && fd >= 0 && epoll_ctl(c->ep, op, fd, &ev) != 0 && op != EPOLL_CTL_DEL)
		tr_fail(c, SK_EIO, "epoll_ctl: %s", strerror(errno));
}

void tr_host_watch(struct tr_ctl *c, struct tr_host *h)
{
	const int i = (int)(h - c->h);

	ep_ctl(c, EPOLL_CTL_ADD, h->rfd, EPOLLIN, EP_KEY(i, 0));
	ep_ctl(c, EPOLL_CTL_ADD, h->efd, EPOLLIN, EP_KEY(i, 1));
	ep_ctl(c, EPOLL_CTL_ADD, h->wfd, 0, EP_KEY(i, 2));
	h->wout = 0;
}

void tr_host_wout(struct tr_ctl *c, struct tr_host *h, int on)
{
	if (h->wfd < 0 || h->wout < 0 || h->wout == on)
		return;
	if (on < 0) {
		/* An error on a pipe is reported whatever is asked for: the
		 * next write finds it. */
		ep_ctl(c, EPOLL_CTL_DEL, h->wfd, 0, 0);
	} else {
		ep_ctl(c, EPOLL_CTL_MOD, h->wfd, on ? EPOLLOUT : 0, EP_KEY(h - c->h, 2));
	}
	h->wout = on;
}

void tr_send_frame(struct tr_ctl *c, struct tr_host *h, int type, uint32_t id, const void *d, size_t n)
{
	if (h->wfd < 0)
		return;
	if (tr_proto_put(&h->wb, type, id, d, n) != 0)
		tr_fail(c, SK_ENOMEM, "out of memory");
	h->tx += TR_PROTO_HDR + (long long)n;
	if (type == TR_F_IN)
		h->data_in += (long long)n;
	h->last_tx = tr_mono();
	tr_host_dirty(c, h);
}

/* Starts argv (searched in PATH) in a process group of its own with in,
 * out and err as its standard descriptors, the signals we catch or ignore
 * for ourselves back to their defaults and none blocked.  Returns 0 (*pid
 * set) or the errno of the failure, exec's included. */
static int spawn_agent(char **argv, int in, int out, int err, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGHUP);
	if (!(rc = posix_spawn_file_actions_adddup2(&fa, in, 0)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, out, 1)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, err, 2)) &&
	    !(rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						      POSIX_SPAWN_SETSIGDEF)) &&
	    !(rc = posix_spawnattr_setpgroup(&at, 0)) && !(rc = posix_spawnattr_setsigmask(&at, &none)) &&
	    !(rc = posix_spawnattr_setsigdefault(&at, &dfl)))
		rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

void tr_host_connect(struct tr_ctl *c, struct tr_host *h)
{
	int to[2] = {-1, -1}, from[2] = {-1, -1}, er[2] = {-1, -1};
	char **argv;
	int n = 0, k = 0, rc;
	pid_t pid = 0;
	char nostart[sizeof h->etail];
	struct sk_error err;
	char **hw = NULL;
	/* A Slurm node's agent starts through srun, another host's through
	 * ssh. */
	char **const launch = h->slurm ? c->o->srun : c->o->ssh;
	char **const agent = h->slurm ? c->o->srun_agent : c->o->agent;
	int own = 0;

	if (!h->local) {
		if (tr_tmpl_words(h->name, &hw, &err) < 0) {
			tr_fail(c, SK_EARG, "%s: %s", h->name, err.msg);
			return;
		}
	}
	/* As in GNU parallel, a host of several words that does not start
	 * with an option is the whole command that reaches it
	 * ("ssh -p 2222 node4"), in place of --ssh; "-p 2222 node4" is
	 * appended to --ssh. */
	if (hw && hw[0] && hw[1] && hw[0][0] != '-')
		own = 1;
	for (char **p = launch; !h->local && !own && *p; p++)
		n++;
	for (char **p = hw; p && *p; p++)
		n++;
	for (char **p = agent; !h->local && *p; p++)
		n++;
	argv = calloc((size_t)n + 3, sizeof *argv);
	if (!argv) {
		tr_tmpl_words_free(hw);
		tr_fail(c, SK_ENOMEM, "out of memory");
		return;
	}
	if (h->local) {
		argv[k++] = (char *)(uintptr_t)c->o->self;
		argv[k++] = (char *)(uintptr_t)"agent";
	} else {
		for (char **p = launch; !own && *p; p++)
			argv[k++] = *p;
		for (char **p = hw; *p; p++)
			argv[k++] = *p;
		for (char **p = agent; *p; p++)
			argv[k++] = *p;
	}
	argv[k] = NULL;
	/* Close-on-exec from the start: the agent must not hold the write
	 * end of its own stdin, or it would never see the controller go. */
	if (pipe(to) != 0 || pipe(from) != 0 || pipe(er) != 0) {
		tr_fail(c, SK_EIO, "pipe: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			tr_close_fd(&to[i]);
			tr_close_fd(&from[i]);
			tr_close_fd(&er[i]);
		}
		free(argv);
		tr_tmpl_words_free(hw);
		return;
	}
	for (int i = 0; i < 2; i++) {
		tr_set_cloexec(to[i]);
		tr_set_cloexec(from[i]);
		tr_set_cloexec(er[i]);
	}
	/* posix_spawn, not fork: the child shares our memory until it execs
	 * (vfork), where a fork copied the page tables of a controller that
	 * holds a million tasks and made every page we wrote afterwards a
	 * copy-on-write fault, for each of a thousand agents. */
	rc = spawn_agent(argv, to[0], from[1], er[1], &pid);
	if (rc != 0)
		snprintf(nostart, sizeof nostart, "%s: %s", argv[0], strerror(rc));
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
	h->pid = rc == 0 ? pid : 0;
	h->st = HS_CONN;
	h->hello = 0;
	h->quit_sent = 0;
	h->died = 0;
	h->conn_at = h->last_rx = tr_mono();
	h->etail[0] = '\0';
	if (rc != 0) {
		/* The launcher could not be run (not found, say): what a forked
		 * child said on its stderr before, as the agent's last words. */
		snprintf(h->etail, sizeof h->etail, "%s", nostart);
		tr_host_down(c, h, nostart);
		return;
	}
	tr_host_watch(c, h);
	tr_host_dirty(c, h);
	tr_proto_putf(&h->wb, TR_F_HELLO, 0, "%d %ld %ld %s", TR_PROTO_VERSION,
		      (long)(c->o->lease * 1000), (long)(c->grace * 1000), h->name);
	h->last_tx = tr_mono();
}

void tr_host_frame(struct tr_ctl *c, struct tr_host *h, const struct tr_frame *f)
{
	struct tr_attempt *a;
	long long v[4];
	int k;

	switch (f->type) {
	case TR_F_AHELLO:
		if (tr_proto_ints(f->data, f->len, v, 3, NULL) != 3 || v[0] != TR_PROTO_VERSION) {
			snprintf(h->why, sizeof h->why, "agent speaks another protocol version");
			return;
		}
		/* Its slots take work, and the hosts still to connect may. */
		tr_host_free(c, h);
		c->hk_next = 0;
		h->ever_up = 1;
		h->lost = 0;
		h->nostart = 0;
		h->st = HS_UP;
		h->slots = h->slots_cfg > 0 ? h->slots_cfg : (int)(v[2] > 0 ? v[2] : 1);
		/* Its step's end was its own: the allocation lives. */
		say_held(c, h);
		if (!h->hello)
			tr_fd_room(c, h->slots);
		h->hello = 1;
		if (h->hl.nquar > 0 && !h->hl.probing) {
			h->hl.probing = 1;
			tr_jhost(c, "probe", h, "after %d quarantine(s)", h->hl.nquar);
		}
		tr_jhost(c, "up", h, "slots=%d agent_pid=%lld", h->slots, v[1]);
		break;
	case TR_F_STARTED:
		if ((a = tr_find_attempt(c, f->id, &k)) && tr_proto_ints(f->data, f->len, v, 1, NULL) == 1) {
			a->pid = (long)v[0];
			/* A cluster's task waited for the ones before it: its
			 * time (--timeout, speculation) starts now. */
			if (a->queued) {
				a->start = tr_mono();
				a->wstart = tr_wall();
			}
		}
		break;
	case TR_F_KEPT:
		if ((a = tr_find_attempt(c, f->id, &k)) && f->len > 17 && f->len < 48) {
			char buf[48];
			unsigned long long size;
			memcpy(buf, f->data, f->len);
			buf[f->len] = '\0';
			if (sscanf(buf, "%llu %16[0-9a-f]", &size, a->khash) == 2 && strlen(a->khash) == 16) {
				a->ksize = size;
				a->kept = 1;
			}
		}
		break;
	case TR_F_OUT:
		h->data_out += (long long)f->len;
		/* fall through */
	case TR_F_ERR:
		if ((a = tr_find_attempt(c, f->id, &k)))
			tr_attempt_data(c, a, f->type, f->data, f->len);
		break;
	case TR_F_CREDIT:
		if ((a = tr_find_attempt(c, f->id, &k)) && tr_proto_ints(f->data, f->len, v, 1, NULL) == 1) {
			a->window -= (long)v[0];
			tr_input_credit(c, a, v[0]);
		}
		break;
	case TR_F_PIECE:
		tr_input_data(c, h, f);
		break;
	case TR_F_GFAIL:
		tr_input_gfail(c, h, f);
		break;
	case TR_F_FFAIL:
		tr_input_ffail(c, h, f);
		break;
	case TR_F_INOK:
		if ((a = tr_find_attempt(c, f->id, &k)) && a->host == (int)(h - c->h))
			tr_input_ok(c, a, f);
		break;
	case TR_F_EXIT:
		if (tr_find_attempt(c, f->id, &k))
			tr_attempt_exit(c, k, f);
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

/* Host h's frames are read through one buffer for every host, on the
 * stack (in, 64 KiB): see tr_frames_fill.  A buffer of 64 KiB per host cost
 * a thousand hosts 8 MiB of resident memory. */
void tr_host_read(struct tr_ctl *c, struct tr_host *h)
{
	char in[65536];
	struct tr_buf tmp = {in, 0, 0, sizeof in, 1}, *b;
	const ssize_t n = tr_frames_fill(h->rfd, &h->rb, in, sizeof in, &tmp, &b);
	struct tr_frame f;
	struct sk_error err;
	int r = 0;

	if (n < 0 && errno == ENOMEM) {
		tr_fail(c, SK_ENOMEM, "out of memory");
		return;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		/* Wait a moment for the process's last words on stderr. */
		tr_close_fd(&h->rfd);
		h->st = HS_CLOSING;
		h->closing_at = tr_mono();
		c->hk_next = 0;   /* the next pass looks at it */
		return;
	}
	if (n < 0)
		return;
	h->rx += n;
	h->last_rx = tr_mono();
	while (h->rfd >= 0 && (r = tr_proto_next(b, &f, &err)) == 1) {
		tr_host_frame(c, h, &f);
		tr_buf_consume(b, TR_PROTO_HDR + f.len);
		if (h->why[0]) {
			tr_host_down(c, h, h->why);
			h->why[0] = '\0';
			return;
		}
	}
	if (h->rfd >= 0 && r < 0) {
		tr_host_down(c, h, err.msg);
		return;
	}
	if (h->rfd >= 0 && tr_frames_keep(&h->rb, &tmp, b) != 0)
		tr_fail(c, SK_ENOMEM, "out of memory");
}

void tr_host_read_last(struct tr_ctl *c, struct tr_host *h)
{
	char in[65536];
	struct tr_buf tmp = {in, 0, 0, sizeof in, 1}, *b;
	const ssize_t n = tr_frames_fill(h->rfd, &h->rb, in, sizeof in, &tmp, &b);
	struct tr_frame f;

	if (n > 0)
		h->rx += n;
	while (tr_proto_next(b, &f, NULL) == 1) {
		if (f.type == TR_F_APING)
			tr_host_frame(c, h, &f);
		tr_buf_consume(b, TR_PROTO_HDR + f.len);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || tr_frames_keep(&h->rb, &tmp, b) != 0)
		tr_close_fd(&h->rfd);
}

void tr_host_stderr(struct tr_host *h)
{
	char buf[4096];
	const ssize_t n = read(h->efd, buf, sizeof buf);
	const size_t cap = sizeof h->etail - 1;
	size_t have = strlen(h->etail), add;
	const char *src = buf;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		tr_close_fd(&h->efd);
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

/* The launcher's last words on stderr, into why (n bytes); 0 if none. */
static int last_words(const struct tr_host *h, char *why, size_t n)
{
	return tr_launcher_lines(h->etail, TR_LAUNCHER_LINES, why, n);
}

/* Over ssh a link that drops silently ends like an agent's death: ssh
 * gives up (ServerAliveInterval) and exits 255, saying nothing at LogLevel
 * ERROR or with -q.  What came before tells them apart: an agent sends a
 * frame at least every heartbeat (a sixth of the lease) until it dies, and
 * the controller reads what arrived before it sees the end; a connection
 * from which nothing came for more than two heartbeats before it closed
 * lost its link (or its agent was stopped), which is no task's doing. */
static void silent_link(const struct tr_ctl *c, struct tr_host *h, char *why, size_t n)
{
	const double quiet = h->closing_at - h->last_rx;
	const size_t len = strlen(why);

	if (!h->died || quiet <= 2 * c->hb)
		return;
	h->died = 0;
	if (len + 1 < n)
		snprintf(why + len, n - len, " after %.1fs without a frame (a silent link)", quiet);
}

void tr_finish_closing(struct tr_ctl *c, struct tr_host *h, double now)
{
	int st;
	char why[600];

	if (h->efd >= 0 && now - h->closing_at < 1.0)
		return;
	if (h->pid > 0 && waitpid(h->pid, &st, WNOHANG) == h->pid) {
		h->pid = 0;
		/* The launcher's own words say more than its status.  Without
		 * them, a signal or an error status is the agent's death (ssh
		 * says nothing when the remote agent is killed, and exits
		 * 255); with them, the launcher explains a lost link, or the
		 * agent why it quit. */
		if (last_words(h, why, sizeof why) == 0 && WIFSIGNALED(st)) {
			snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(st));
			h->died = 1;
		} else if (why[0] == '\0') {
			snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(st));
			h->died = WEXITSTATUS(st) != 0;
		}
		silent_link(c, h, why, sizeof why);
	} else if (h->pid > 0 && now - h->closing_at < 1.0) {
		return;
	} else {
		if (last_words(h, why, sizeof why) == 0)
			snprintf(why, sizeof why, "connection closed");
	}
	tr_host_down(c, h, why);
}

int tr_host_arrays(struct tr_ctl *c)
{
	const size_t n = (size_t)(c->nh ? c->nh : 1);
	int *q, *d;
	unsigned char *u;

	if (c->capusable >= c->nh && c->usable)
		return 0;
	if (!(q = realloc(c->freeq, n * sizeof *q)))
		return SK_ENOMEM;
	c->freeq = q;
	if (!(d = realloc(c->dirty, n * sizeof *d)))
		return SK_ENOMEM;
	c->dirty = d;
	if (!(u = realloc(c->usable, n)))
		return SK_ENOMEM;
	c->usable = u;
	c->capusable = c->nh;
	return 0;
}

/* A host new in the host file: c->h, the name map and the arrays per host
 * grow by one (c->h by doubling). */
static int add_host(struct tr_ctl *c, const struct tr_hostent *e)
{
	struct tr_host *h;

	if ((c->nh & (c->nh - 1)) == 0) {
		struct tr_host *nh = realloc(c->h, (size_t)(c->nh ? 2 * c->nh : 1) * sizeof *nh);
		if (!nh)
			return SK_ENOMEM;
		c->h = nh;
	}
	h = &c->h[c->nh];
	memset(h, 0, sizeof *h);
	if (!(h->name = strdup(e->name)) || tr_strmap_put(&c->hostmap, e->name, c->nh) != 0) {
		free(h->name);
		return SK_ENOMEM;
	}
	h->local = e->local;
	h->slurm = e->slurm;
	h->slots_cfg = h->slots = e->slots;
	h->wfd = h->rfd = h->efd = -1;
	if (c->hw.next > 0)
		tr_jhost(c, "add", h, "new in %s", c->o->hostfile);
	c->nh++;
	return tr_host_arrays(c);
}

void tr_reload_hosts(struct tr_ctl *c, int force)
{
	struct stat st;
	struct tr_hostent *he;
	struct sk_error err;
	int n;

	if (!c->o->hostfile)
		return;
	if (stat(c->o->hostfile, &st) != 0) {
		/* At the start (nothing read yet) the caller reports it. */
		if (force && c->hw.ok)
			sk_warn("%s", c->o->hostfile);
		return;
	}
	/* A pipe (-H <(...)) can be read only once. */
	if (c->hw.ok && !S_ISREG(st.st_mode))
		return;
	if (!force && c->hw.ok && st.st_mtim.tv_sec == c->hw.st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == c->hw.st.st_mtim.tv_nsec && st.st_size == c->hw.st.st_size &&
	    st.st_ino == c->hw.st.st_ino)
		return;
	c->hw.st = st;
	c->hw.ok = 1;
	if (sk_error_at(&err, tr_hostfile_load(c->o->hostfile, &he, &n, &err), c->o->hostfile) != 0) {
		if (c->nh == 0 && !c->failed) {
			/* At the start: the run stops, with this message alone
			 * (not also "no hosts"). */
			tr_fail_err(c, &err);
			return;
		}
		tr_warnx(c, "%s: %s (keeping the hosts)", err.file, err.msg);
		return;
	}
	/* The file's hosts against ours by name (a map, not every host of
	 * one against every host of the other): seen marks ours that are
	 * still listed. */
	{
		unsigned char *seen = calloc((size_t)c->nh + 1, 1);
		const int known = c->nh;
		if (!seen) {
			tr_fail(c, SK_ENOMEM, "out of memory");
			tr_hostfile_free(he, n);
			return;
		}
		for (int k = 0; k < n && !c->failed; k++) {
			long i;
			struct tr_host *h;
			if (tr_strmap_get(&c->hostmap, he[k].name, &i)) {
				h = &c->h[i];
				if (i < known)
					seen[i] = 1;
				if (h->gone && !h->removed)
					continue;
				if (h->removed) {
					h->removed = 0;
					h->gone = 0;
					tr_jhost(c, "add", h, "back in %s", c->o->hostfile);
				}
				if (he[k].slots && he[k].slots != h->slots_cfg)
					h->slots_cfg = h->slots = he[k].slots;
				continue;
			}
			if (add_host(c, &he[k]) != 0)
				tr_fail(c, SK_ENOMEM, "out of memory");
		}
		for (int i = 0; i < known && !c->failed; i++) {
			struct tr_host *h = &c->h[i];
			if (seen[i] || h->removed || (h->gone && !h->removed))
				continue;
			h->removed = 1;
			tr_jhost(c, "drain", h, "removed from %s", c->o->hostfile);
		}
		free(seen);
	}
	tr_hostfile_free(he, n);
	tr_fd_room(c, 0);
}
