/* agent_start: how an agent starts tasks: clusters (B frames) run one
 * after another, and each task forked in its own process group with its
 * pipes and TASKRUN_* environment.  Moved out of agent.c as it was. */
/* prctl(), vfork() and execvpe() are not in POSIX; the rest is. */
#define _GNU_SOURCE
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
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "file.h"
#include "grow.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"

/* Starts the next waiting task of every cluster that has none running. */
void ag_advance_clusters(struct agent *a)
{
	for (int i = 0; i < a->nq; i++) {
		struct qtask q = a->q[i];
		int running = 0;
		for (int k = 0; k < a->nt && !running; k++)
			running = a->t[k].chain == q.chain;
		if (running)
			continue;
		memmove(&a->q[i], &a->q[i + 1], (size_t)(a->nq - i - 1) * sizeof *a->q);
		a->nq--;
		{
			/* A W frame may wait for its R (not of a cluster):
			 * kept aside meanwhile. */
			char *const wkeep = a->keep;
			const uint32_t wid = a->keep_id;
			a->keep = q.keep;
			a->keep_id = q.id;
			ag_start_task(a, q.id, q.run, q.len);
			free(a->keep);
			a->keep = wkeep;
			a->keep_id = wid;
		}
		free(q.run);
		/* Its time (--timeout, speculation) starts now: the
		 * controller hears so.  A task started at once by its request
		 * is not announced, which would cost the controller a wake-up
		 * per task. */
		for (int k = 0; k < a->nt; k++)
			if (a->t[k].id == q.id) {
				a->t[k].chain = q.chain;
				tr_proto_putf(&a->wbuf, TR_F_STARTED, q.id, "%ld", (long)a->t[k].pid);
			}
		/* Started (or failed to start: its exit is sent); look again
		 * from the start, as the queue moved. */
		i = -1;
	}
}

/* Ends waiting cluster tasks without running them (cancelled, or the
 * agent is going): an exit as if killed by SIGTERM, lost says why. */
void ag_drop_queued(struct agent *a, uint32_t id, int all, int lost)
{
	for (int i = 0; i < a->nq; i++) {
		if (!all && a->q[i].id != id)
			continue;
		tr_proto_putf(&a->wbuf, TR_F_EXIT, a->q[i].id, "-1 %d 0 0 0 0 %d", SIGTERM, lost);
		free(a->q[i].run);
		free(a->q[i].keep);
		memmove(&a->q[i], &a->q[i + 1], (size_t)(a->nq - i - 1) * sizeof *a->q);
		a->nq--;
		i--;
	}
}

/* A cluster: W and R frames; the first task starts now, the others wait
 * for the one before them. */
int ag_queue_cluster(struct agent *a, const char *data, size_t len)
{
	struct tr_buf b = {(char *)(uintptr_t)data, 0, len, len, 1};
	struct tr_frame f;
	char *keep = NULL;
	uint32_t chain = 0;

	while (tr_proto_next(&b, &f, NULL) == 1) {
		if (f.type == TR_F_KEEP) {
			free(keep);
			keep = ag_keep_path(f.data, f.len);
		} else if (f.type == TR_F_RUN && f.id != 0 && !ag_find(a, f.id)) {
			struct qtask *q;
			if (sk_grow(&a->q, &a->capq, a->nq + 1L, sizeof *a->q, 16) != 0) {
				free(keep);
				return SK_ENOMEM;
			}
			q = &a->q[a->nq];
			if (!(q->run = malloc(f.len ? f.len : 1))) {
				free(keep);
				return SK_ENOMEM;
			}
			memcpy(q->run, f.data, f.len);
			q->len = f.len;
			q->id = f.id;
			if (!chain)
				chain = f.id;
			q->chain = chain;
			q->keep = keep;
			keep = NULL;
			a->nq++;
		}
		tr_buf_consume(&b, TR_PROTO_HDR + f.len);
	}
	free(keep);
	ag_advance_clusters(a);
	return 0;
}

/* The environment of a task: the agent's, with its TASKRUN_* and PARALLEL_*
 * variables set (replacing any of the same names), built before vfork so
 * that the child writes no memory it shares with the agent.  One block:
 * the pointers, then the six strings. */
static const char *const task_vars[] = {"TASKRUN_TASK", "PARALLEL_SEQ", "TASKRUN_ATTEMPT", "TASKRUN_SLOT",
					"PARALLEL_JOBSLOT", "TASKRUN_HOST"};
#define NVARS (sizeof task_vars / sizeof task_vars[0])

static int is_task_var(const char *kv)
{
	for (size_t i = 0; i < NVARS; i++) {
		const size_t n = strlen(task_vars[i]);
		if (strncmp(kv, task_vars[i], n) == 0 && kv[n] == '=')
			return 1;
	}
	return 0;
}

static char **task_env(const long long *hdr, const char *host)
{
	const size_t hlen = strlen(host), each = 48;
	size_t n = 0, k = 0;
	char **env, *o;

	for (char **e = environ; *e; e++)
		n++;
	env = malloc((n + NVARS + 1) * sizeof *env + NVARS * each + hlen);
	if (!env)
		return NULL;
	o = (char *)(env + n + NVARS + 1);
	for (char **e = environ; *e; e++)
		if (!is_task_var(*e))
			env[k++] = *e;
	for (size_t i = 0; i < NVARS; i++) {
		env[k++] = o;
		if (i == NVARS - 1) /* the host */
			o += sprintf(o, "%s=%s", task_vars[i], host) + 1;
		else /* TASK and SEQ: hdr[1]; then attempt, slot, jobslot */
			o += sprintf(o, "%s=%lld", task_vars[i], hdr[i < 2 ? 1 : i]) + 1;
	}
	env[k] = NULL;
	return env;
}

/* What the child of ag_spawn does between vfork and exec: only system
 * calls on its own process (its group, death signal, descriptors, signals)
 * and exec, reading its arguments and writing nothing in the memory it
 * shares with the agent until then (errno aside, which the agent does not
 * read after a vfork that succeeded).  The agent blocked every signal for
 * the vfork (no handler of the agent may run in the child); the child's
 * mask is emptied before exec. */
static _Noreturn void child(char *const *words, const char *cmd, char *const *env, int in, int out, int errfd)
{
	static const char msg[] = "taskrun agent: ";
	sigset_t set;
	const char *why, *what;

	setpgid(0, 0);
#ifdef __linux__
	/* If the agent dies without cleaning up (SIGKILL), the child goes
	 * with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (!env)
		env = environ;
	if (words)
		execvpe(words[0], words, env);
	/* A task that is not a program (a shell builtin such as exit or cd,
	 * or a missing one): the shell runs it and says so. */
	if (cmd) {
		execve("/bin/sh", (char *const[]){(char *)(uintptr_t)"sh", (char *)(uintptr_t)"-c",
						  (char *)(uintptr_t)cmd, NULL}, env);
		what = "/bin/sh";
	} else {
		what = words[0];
	}
	why = strerror(errno);
	if (write(2, msg, sizeof msg - 1) >= 0 && write(2, what, strlen(what)) >= 0 && write(2, ": ", 2) >= 0 &&
	    write(2, why, strlen(why)) >= 0 && write(2, "\n", 1) >= 0)
		_exit(127);
	_exit(127);
}

/* vfork, not fork: the agent's page tables are not copied for every task,
 * nor its pages made copy-on-write (most of an agent's CPU per trivial
 * task went there).  Every signal is blocked around it, so that none of
 * the agent's handlers runs in the child. */
pid_t ag_spawn(char *const *words, const char *cmd, char *const *env, int in, int out, int errfd)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		child(words, cmd, env, in, out, errfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

int ag_make_pipe(int p[2])
{
	if (pipe(p) != 0)
		return -1;
	tr_set_cloexec(p[0]);
	tr_set_cloexec(p[1]);
	return 0;
}

void ag_start_task(struct agent *a, uint32_t id, const char *data, size_t len)
{
	long long hdr[5] = {0, 0, 0, 0, 0};
	const char *const nl = memchr(data, '\n', len);
	char *cmd;
	int ip[2] = {-1, -1}, op[2], ep[2], nh;
	struct atask *t;
	pid_t pid;

	struct atask kt;

	memset(&kt, 0, sizeof kt);
	kt.kfd = -1;
	if (a->keep && a->keep_id == id) {
		kt.keep = a->keep;
		a->keep = NULL;
	}
	/* "stdin task attempt slot [jobslot]\n": the slot on this host and
	 * the slot over all hosts ({%}, PARALLEL_JOBSLOT); a controller that
	 * sends no jobslot means the same slot. */
	if (!nl || (nh = tr_proto_ints(data, (size_t)(nl - data) + 1, hdr, 5, NULL)) < 4 || ag_find(a, id)) {
		free(kt.keep);
		return;
	}
	if (nh == 4)
		hdr[4] = hdr[3];
	cmd = strndup(nl + 1, len - (size_t)(nl + 1 - data));
	if (!cmd) {
		free(kt.keep);
		return;
	}
	if (sk_grow(&a->t, &a->capt, a->nt + 1L, sizeof *a->t, 8) != 0) {
		free(cmd);
		return;
	}
	if (hdr[0]) {
		if (ag_make_pipe(ip) != 0)
			goto spawn_fail;
	} else if ((ip[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		goto spawn_fail;
	}
	if (kt.keep ? ag_keep_open(&kt) != 0 : ag_make_pipe(op) != 0) {
		const int e = errno;
		close(ip[0]);
		if (ip[1] >= 0)
			close(ip[1]);
		errno = e;
		goto spawn_fail;
	}
	if (kt.keep) {
		/* The task writes its file itself: no byte of it passes
		 * through the agent or the controller. */
		op[0] = -1;
		op[1] = kt.kfd;
	}
	if (ag_make_pipe(ep) != 0) {
		close(ip[0]);
		if (ip[1] >= 0)
			close(ip[1]);
		if (op[0] >= 0)
			close(op[0]);
		close(op[1]);
		goto spawn_fail;
	}
	{
		char **words = NULL, **env = task_env(hdr, a->host);
		int serr = ENOMEM;
		if (env && tr_tmpl_plain(cmd) && tr_tmpl_words(cmd, &words, NULL) <= 0) {
			tr_tmpl_words_free(words);
			words = NULL;
		}
		pid = env ? ag_spawn(words, cmd, env, ip[0], op[1], ep[1]) : -1;
		if (env)
			serr = errno;
		tr_tmpl_words_free(words);
		free(env);
		errno = serr;
	}
	close(ip[0]);
	if (!kt.keep)
		close(op[1]);
	close(ep[1]);
	if (pid < 0) {
		if (ip[1] >= 0)
			close(ip[1]);
		if (op[0] >= 0)
			close(op[0]);
		close(ep[0]);
		goto spawn_fail;
	}
	setpgid(pid, pid);
	tr_watchdog_send(&a->wd, TR_WD_ADD, (long)pid);
	free(cmd);
	t = &a->t[a->nt++];
	memset(t, 0, sizeof *t);
	t->id = id;
	t->pid = pid;
	t->in_fd = ip[1];
	t->out_fd = op[0];
	t->err_fd = ep[0];
	t->keep = kt.keep;
	t->ktmp = kt.ktmp;
	t->kfd = kt.kfd;
	if (t->in_fd >= 0)
		tr_set_nonblock(t->in_fd);
	if (t->out_fd >= 0)
		tr_set_nonblock(t->out_fd);
	tr_set_nonblock(t->err_fd);
	t->start = tr_mono();
	return;
spawn_fail:
	{
		char msg[256];
		const int n = snprintf(msg, sizeof msg, "taskrun agent: cannot start task: %s\n",
				       strerror(errno));
		free(cmd);
		if (kt.ktmp) {
			close(kt.kfd);
			unlink(kt.ktmp);
			free(kt.ktmp);
		}
		free(kt.keep);
		ag_send_frame(a, TR_F_ERR, id, msg, (size_t)n);
		tr_proto_putf(&a->wbuf, TR_F_EXIT, id, "126 0 0 0 0 0");
	}
}
