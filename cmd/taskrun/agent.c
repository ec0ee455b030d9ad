/* wait4() (per-task rusage) and prctl() are not in POSIX; the rest is. */
#define _DEFAULT_SOURCE
#include "agent.h"

#include <errno.h>
#include <dirent.h>
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

#include "cpus.h"
#include "file.h"
#include "grow.h"
#include "manifest.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"
#include "watchdog.h"

#define OUT_HIGH (1u << 20)   /* stop reading task output above this backlog */
#define DRAIN_WAIT 2.0        /* seconds to wait for a dead task's pipes */

struct atask {
	uint32_t id;
	pid_t pid;
	int in_fd, out_fd, err_fd;
	struct tr_buf inq;
	int in_close;          /* close stdin once inq is written */
	double start, reaped_at, kill_at;
	int reaped, hard;
	int lost;              /* TR_LOST_*: killed because the controller was lost */
	int status;
	struct rusage ru;
	uint32_t chain;        /* the cluster it belongs to (its first id), or 0 */
	char *keep, *ktmp;     /* --keep: the file and its temporary, or NULL */
	int kfd;               /* the temporary, open for its fsync */
	char *rdir;            /* a relayed input piece's temporary directory
				  (removed with the piece at the end), or NULL */
};

/* An input piece (L frame) for a task not started yet: a copy on this
 * host, or one streamed here in I frames. */
struct pin {
	uint32_t id;
	int relay;
	unsigned long long size, got;
	char hash[17];
	char *path;            /* the copy, or the relayed temporary */
	char *dir;             /* relay: the temporary directory */
	int fd;                /* relay: the temporary, open for writing */
	int ended;             /* relay: the empty I came */
	char why[300];         /* relay: what went wrong, or "" */
	char *run;             /* the R payload once it came (malloc'd) */
	size_t len;
	char *keep;            /* its W path, or NULL */
};

/* A file a G frame asked for, sent in g frames as credit allows. */
struct aread {
	uint32_t id;
	int fd;
	long long credit;
};

struct agent {
	int in, out;
	struct tr_buf rbuf, wbuf;
	struct atask *t;
	int nt;
	long capt;
	double lease, grace, hb, last_rx, last_tx;
	char host[256];
	int quitting, out_dead;
	struct tr_watchdog wd;
	uint32_t keep_id;      /* the W frame waiting for its R */
	char *keep;
	struct qtask *q;       /* tasks of clusters waiting for their turn */
	int nq;
	long capq;
	struct pin *pin;       /* input pieces of tasks waiting for them */
	int npin;
	long cappin;
	struct aread *rd;      /* files being sent (G) */
	int nrd;
	long caprd;
};

/* A task of a cluster (B frame) that waits for the one before it. */
struct qtask {
	uint32_t id, chain;
	char *run;             /* the R payload */
	size_t len;
	char *keep;            /* its W path, or NULL */
};

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

static void send_frame(struct agent *a, int type, uint32_t id, const void *d, size_t n)
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
static void drop_queued(struct agent *a, uint32_t id, int all, int lost);

static void drop_pins(struct agent *a, uint32_t id, int all, int lost);

static void cancel_all(struct agent *a, int lost)
{
	drop_queued(a, 0, 1, lost);
	drop_pins(a, 0, 1, lost);
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

static struct atask *find(struct agent *a, uint32_t id)
{
	for (int i = 0; i < a->nt; i++)
		if (a->t[i].id == id)
			return &a->t[i];
	return NULL;
}

/* Where a --keep path is on this host: relative paths start at
 * $TASKRUN_KEEP_DIR when it is set (each host its own scratch directory),
 * else at the agent's working directory (malloc'd). */
static char *keep_path(const char *p, size_t n)
{
	const char *base = getenv("TASKRUN_KEEP_DIR");
	char *out;

	if (n > 0 && p[0] != '/' && base && *base) {
		const size_t nb = strlen(base);
		if ((out = malloc(nb + n + 2))) {
			memcpy(out, base, nb);
			out[nb] = '/';
			memcpy(out + nb + 1, p, n);
			out[nb + n + 1] = '\0';
		}
		return out;
	}
	return strndup(p, n);
}

/* Opens the temporary of t->keep (".NAME.XXXXXX" beside it, its directory
 * made when missing); 0, or -1 with errno set. */
static int keep_open(struct atask *t)
{
	const char *slash = strrchr(t->keep, '/');
	const size_t nd = slash ? (size_t)(slash - t->keep + 1) : 0;
	const char *base = t->keep + nd;

	if (!*base) {
		errno = EISDIR;
		return -1;
	}
	if (nd > 1) {
		char *dir = strndup(t->keep, nd - 1);
		struct sk_error e;
		const int rc = dir ? sk_file_mkdirs(dir, 0777, &e) : -1;
		free(dir);
		if (rc != 0) {
			if (!dir)
				errno = ENOMEM;
			else
				errno = e.errnum ? e.errnum : EIO;
			return -1;
		}
	}
	if (!(t->ktmp = malloc(nd + strlen(base) + 9))) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(t->ktmp, t->keep, nd);
	sprintf(t->ktmp + nd, ".%s.XXXXXX", base);
	if ((t->kfd = mkstemp(t->ktmp)) < 0) {
		const int e = errno;
		free(t->ktmp);
		t->ktmp = NULL;
		errno = e;
		return -1;
	}
	tr_set_cloexec(t->kfd);
	{
		/* As any file the task would create: 0666 less the umask. */
		const mode_t um = umask(0);
		umask(um);
		fchmod(t->kfd, 0666 & ~um);
	}
	return 0;
}

/* The end of a task with a --keep file: in place, its size and xxh64 to
 * the controller, when the task succeeded (status 0); else removed.
 * Returns the exit status to report (126 when the file could not be put in
 * place, with the reason on the task's stderr). */
static int keep_end(struct agent *a, struct atask *t, int status)
{
	struct sk_error e;
	uint64_t hash, size;

	if (!t->ktmp)
		return status;
	memset(&e, 0, sizeof e);
	if (status == 0 && t->lost == TR_LOST_NO && t->kill_at == 0) {
		if (fsync(t->kfd) != 0)
			sk_error_sys(&e, "fsync");
		else if (sk_file_xxh64(t->ktmp, &hash, &size, &e) == 0 && rename(t->ktmp, t->keep) != 0)
			sk_error_sys(&e, "rename");
		if (!e.code) {
			tr_proto_putf(&a->wbuf, TR_F_KEPT, t->id, "%llu %016llx", (unsigned long long)size,
				      (unsigned long long)hash);
		} else {
			char msg[600];
			const int n = snprintf(msg, sizeof msg, "taskrun agent: %s: %s\n", t->keep, e.msg);
			send_frame(a, TR_F_ERR, t->id, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
			status = 126;
		}
	}
	if (status != 0 || t->lost != TR_LOST_NO || t->kill_at != 0)
		unlink(t->ktmp);
	close(t->kfd);
	free(t->ktmp);
	t->ktmp = NULL;
	return status;
}

static void start_task(struct agent *a, uint32_t id, const char *data, size_t len);

static struct pin *find_pin(struct agent *a, uint32_t id)
{
	for (int i = 0; i < a->npin; i++)
		if (a->pin[i].id == id)
			return &a->pin[i];
	return NULL;
}

/* Forgets pin i (its relayed temporary removed unless kept for the task). */
static void drop_pin(struct agent *a, int i, int remove)
{
	struct pin *p = &a->pin[i];

	if (p->fd >= 0)
		close(p->fd);
	if (remove && p->relay && p->path)
		unlink(p->path);
	if (remove && p->dir)
		rmdir(p->dir);
	free(p->path);
	free(p->dir);
	free(p->run);
	free(p->keep);
	a->pin[i] = a->pin[--a->npin];
}

/* L: an input piece for the R of the same id that follows. */
static void add_pin(struct agent *a, uint32_t id, const char *data, size_t len)
{
	long long v[2];
	const char *rest, *nl = memchr(data, '\n', len);
	struct pin *p;

	if (!nl || find_pin(a, id) || sk_grow(&a->pin, &a->cappin, a->npin + 1L, sizeof *a->pin, 8) != 0)
		return;
	p = &a->pin[a->npin];
	memset(p, 0, sizeof *p);
	p->fd = -1;
	p->id = id;
	if (tr_proto_ints(data, (size_t)(nl - data), v, 2, &rest) != 2 || nl - rest != 16)
		return;
	p->relay = v[0] != 0;
	p->size = (unsigned long long)v[1];
	memcpy(p->hash, rest, 16);
	a->npin++;
	if (!p->relay) {
		p->path = keep_path(nl + 1, len - (size_t)(nl + 1 - data));
		return;
	}
	{
		/* A directory of its own, beside the task's files, so that
		 * the piece keeps its name ({/} in the command). */
		const char *base = getenv("TASKRUN_KEEP_DIR");
		const size_t nn = len - (size_t)(nl + 1 - data);
		char *dir = malloc((base && *base ? strlen(base) : 1) + 24);
		if (!dir) {
			snprintf(p->why, sizeof p->why, "out of memory");
			return;
		}
		sprintf(dir, "%s/.taskrun-in.XXXXXX", base && *base ? base : ".");
		if (!mkdtemp(dir)) {
			snprintf(p->why, sizeof p->why, "%s: %s", dir, strerror(errno));
			free(dir);
			return;
		}
		p->dir = dir;
		if (nn == 0 || memchr(nl + 1, '/', nn) || !(p->path = malloc(strlen(dir) + nn + 2))) {
			snprintf(p->why, sizeof p->why, "bad piece name");
			return;
		}
		sprintf(p->path, "%s/%.*s", dir, (int)nn, nl + 1);
		if ((p->fd = open(p->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0)
			snprintf(p->why, sizeof p->why, "%s: %s", p->path, strerror(errno));
	}
}

/* Relayed bytes of pin p: into its temporary, credited as they are
 * written (also when they cannot be, so the controller goes on to the
 * end and hears why). */
static void pin_data(struct agent *a, struct pin *p, const char *d, size_t n)
{
	if (n == 0) {
		p->ended = 1;
	} else {
		if (p->fd >= 0 && !p->why[0]) {
			struct sk_error e;
			if (sk_file_write_all(p->fd, d, n, &e) != 0)
				snprintf(p->why, sizeof p->why, "%.150s: %.140s", p->path, e.msg);
		}
		p->got += n;
		tr_proto_putf(&a->wbuf, TR_F_CREDIT, p->id, "%zu", n);
	}
}

/* Starts pin i's task when its piece is in place and its R came: with the
 * piece's directory in its command; or ends it with status 126 and why. */
static void pin_ready(struct agent *a, int i)
{
	struct pin *p = &a->pin[i];
	struct stat st;
	char why[400];

	if (!p->run || (p->relay && !p->ended))
		return;
	why[0] = '\0';
	if (p->why[0]) {
		snprintf(why, sizeof why, "%s", p->why);
	} else if (!p->path) {
		snprintf(why, sizeof why, "out of memory");
	} else if (p->relay) {
		struct sk_error e;
		uint64_t hash, size;
		char hex[17];
		if (p->fd >= 0 && close(p->fd) != 0)
			snprintf(why, sizeof why, "%s: %s", p->path, strerror(errno));
		p->fd = -1;
		if (!why[0] && sk_file_xxh64(p->path, &hash, &size, &e) != 0)
			snprintf(why, sizeof why, "%.300s", e.msg);
		snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
		if (!why[0] && (size != p->size || strcmp(hex, p->hash) != 0))
			snprintf(why, sizeof why, "%s: relayed %llu bytes with xxh64 %s, the manifest says %llu bytes, %s",
				 p->path, (unsigned long long)size, hex, p->size, p->hash);
	} else if (stat(p->path, &st) != 0) {
		snprintf(why, sizeof why, "%s: %s", p->path, strerror(errno));
	} else if ((unsigned long long)st.st_size != p->size) {
		snprintf(why, sizeof why, "%s: %llu bytes, the manifest says %llu", p->path,
			 (unsigned long long)st.st_size, p->size);
	} else {
		/* Its xxh64 too, so that a damaged copy of the right size is
		 * never used; the task's read then comes from the page cache
		 * this one filled. */
		struct sk_error e;
		uint64_t hash, size;
		char hex[17];
		if (sk_file_xxh64(p->path, &hash, &size, &e) != 0) {
			snprintf(why, sizeof why, "%.300s", e.msg);
		} else {
			snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
			if (strcmp(hex, p->hash) != 0)
				snprintf(why, sizeof why, "%s: xxh64 %s, the manifest says %s", p->path, hex, p->hash);
		}
	}
	if (why[0]) {
		char msg[460];
		const int n = snprintf(msg, sizeof msg, "taskrun agent: input piece: %s\n", why);
		tr_proto_putf(&a->wbuf, TR_F_INOK, p->id, "1 %s", why);
		send_frame(a, TR_F_ERR, p->id, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
		tr_proto_putf(&a->wbuf, TR_F_EXIT, p->id, "126 0 0 0 0 0 0");
		drop_pin(a, i, 1);
		return;
	}
	{
		const char *slash = strrchr(p->path, '/');
		char *dir = slash ? strndup(p->path, slash > p->path ? (size_t)(slash - p->path) : 1) : strdup(".");
		char *run = dir ? tr_piece_subst(p->run, dir) : NULL;
		char *const wkeep = a->keep;
		const uint32_t wid = a->keep_id, id = p->id;
		struct atask *t;
		free(dir);
		if (!run) {
			tr_proto_putf(&a->wbuf, TR_F_INOK, id, "1 out of memory");
			tr_proto_putf(&a->wbuf, TR_F_EXIT, id, "126 0 0 0 0 0 0");
			drop_pin(a, i, 1);
			return;
		}
		tr_proto_putf(&a->wbuf, TR_F_INOK, id, "0 %llu", p->relay ? p->got : p->size);
		/* Its W path, kept aside meanwhile (as a cluster's). */
		a->keep = p->keep;
		a->keep_id = id;
		p->keep = NULL;
		start_task(a, id, run, strlen(run));
		free(a->keep);
		a->keep = wkeep;
		a->keep_id = wid;
		free(run);
		/* The relayed piece goes when the task ends (finish_tasks). */
		if ((t = find(a, id)) && p->relay) {
			t->rdir = p->dir;
			p->dir = NULL;
			drop_pin(a, i, 0);
		} else {
			drop_pin(a, i, 1);
		}
	}
}

/* Ends the pin of id (cancelled) or every pin (the agent is going), as if
 * its task was killed by SIGTERM; lost says why. */
static void drop_pins(struct agent *a, uint32_t id, int all, int lost)
{
	for (int i = 0; i < a->npin; i++) {
		if (!all && a->pin[i].id != id)
			continue;
		tr_proto_putf(&a->wbuf, TR_F_EXIT, a->pin[i].id, "-1 %d 0 0 0 0 %d", SIGTERM, lost);
		drop_pin(a, i--, 1);
	}
}

/* G: a file to send. */
static void add_read(struct agent *a, uint32_t id, const char *data, size_t len)
{
	long long w;
	const char *rest, *nl = memchr(data, '\n', len);
	char *path;
	int fd;

	if (!nl || tr_proto_ints(data, (size_t)(nl - data) + 1, &w, 1, &rest) != 1)
		return;
	if (!(path = keep_path(nl + 1, len - (size_t)(nl + 1 - data))) ||
	    sk_grow(&a->rd, &a->caprd, a->nrd + 1L, sizeof *a->rd, 8) != 0) {
		free(path);
		tr_proto_putf(&a->wbuf, TR_F_GFAIL, id, "out of memory");
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		tr_proto_putf(&a->wbuf, TR_F_GFAIL, id, "%s: %s", path, strerror(errno));
		free(path);
		return;
	}
	free(path);
	a->rd[a->nrd].id = id;
	a->rd[a->nrd].fd = fd;
	a->rd[a->nrd++].credit = w;
}

static void drop_read(struct agent *a, int i)
{
	close(a->rd[i].fd);
	a->rd[i] = a->rd[--a->nrd];
}

/* Sends what the credit of each file being read allows, while the output
 * has room; returns 1 when one could send more now. */
static int pump_reads(struct agent *a)
{
	char buf[65536];
	int more = 0;

	for (int i = 0; i < a->nrd && !a->out_dead; i++) {
		struct aread *r = &a->rd[i];
		while (r->credit > 0 && tr_buf_used(&a->wbuf) < OUT_HIGH) {
			const size_t want = r->credit < (long long)sizeof buf ? (size_t)r->credit : sizeof buf;
			const ssize_t n = read(r->fd, buf, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				tr_proto_putf(&a->wbuf, TR_F_GFAIL, r->id, "read: %s", strerror(errno));
				drop_read(a, i--);
				break;
			}
			send_frame(a, TR_F_PIECE, r->id, buf, (size_t)n);
			if (n == 0) {
				drop_read(a, i--);
				break;
			}
			r->credit -= n;
		}
		if (i >= 0 && i < a->nrd && a->rd[i].credit > 0)
			more = 1;
	}
	return more;
}

/* Starts the next waiting task of every cluster that has none running. */
static void advance_clusters(struct agent *a)
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
			start_task(a, q.id, q.run, q.len);
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
static void drop_queued(struct agent *a, uint32_t id, int all, int lost)
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
static int queue_cluster(struct agent *a, const char *data, size_t len)
{
	struct tr_buf b = {(char *)(uintptr_t)data, 0, len, len, 1};
	struct tr_frame f;
	char *keep = NULL;
	uint32_t chain = 0;

	while (tr_proto_next(&b, &f, NULL) == 1) {
		if (f.type == TR_F_KEEP) {
			free(keep);
			keep = keep_path(f.data, f.len);
		} else if (f.type == TR_F_RUN && f.id != 0 && !find(a, f.id)) {
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
	advance_clusters(a);
	return 0;
}

static _Noreturn void child(const char *cmd, int in, int out, int errfd, const long long *hdr,
			    const char *host)
{
	char num[32];
	sigset_t set;

	setpgid(0, 0);
#ifdef __linux__
	/* If the agent dies without cleaning up (SIGKILL), the task's shell
	 * goes with it. */
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
	snprintf(num, sizeof num, "%lld", hdr[1]);
	setenv("TASKRUN_TASK", num, 1);
	setenv("PARALLEL_SEQ", num, 1);
	snprintf(num, sizeof num, "%lld", hdr[2]);
	setenv("TASKRUN_ATTEMPT", num, 1);
	snprintf(num, sizeof num, "%lld", hdr[3]);
	setenv("TASKRUN_SLOT", num, 1);
	snprintf(num, sizeof num, "%lld", hdr[4]);
	setenv("PARALLEL_JOBSLOT", num, 1);
	setenv("TASKRUN_HOST", host, 1);
	if (tr_tmpl_plain(cmd)) {
		char **w;
		if (tr_tmpl_words(cmd, &w, NULL) > 0) {
			execvp(w[0], w);
			/* Not a program (a shell builtin such as exit or cd, or
			 * a missing one): let the shell run it and say so. */
		}
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	dprintf(2, "taskrun agent: /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

static int make_pipe(int p[2])
{
	if (pipe(p) != 0)
		return -1;
	tr_set_cloexec(p[0]);
	tr_set_cloexec(p[1]);
	return 0;
}

static void start_task(struct agent *a, uint32_t id, const char *data, size_t len)
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
	if (!nl || (nh = tr_proto_ints(data, (size_t)(nl - data) + 1, hdr, 5, NULL)) < 4 || find(a, id)) {
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
		if (make_pipe(ip) != 0)
			goto spawn_fail;
	} else if ((ip[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		goto spawn_fail;
	}
	if (kt.keep ? keep_open(&kt) != 0 : make_pipe(op) != 0) {
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
	if (make_pipe(ep) != 0) {
		close(ip[0]);
		if (ip[1] >= 0)
			close(ip[1]);
		if (op[0] >= 0)
			close(op[0]);
		close(op[1]);
		goto spawn_fail;
	}
	pid = fork();
	if (pid == 0)
		child(cmd, ip[0], op[1], ep[1], hdr, a->host);
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
		send_frame(a, TR_F_ERR, id, msg, (size_t)n);
		tr_proto_putf(&a->wbuf, TR_F_EXIT, id, "126 0 0 0 0 0");
	}
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
			struct pin *p = find_pin(a, f->id);
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
				pin_ready(a, (int)(p - a->pin));
				break;
			}
		}
		start_task(a, f->id, f->data, f->len);
		break;
	case TR_F_INPUT:
		if (!a->quitting)
			add_pin(a, f->id, f->data, f->len);
		break;
	case TR_F_GET:
		if (!a->quitting)
			add_read(a, f->id, f->data, f->len);
		break;
	case TR_F_MORE:
		for (int i = 0; i < a->nrd; i++)
			if (a->rd[i].id == f->id && tr_proto_ints(f->data, f->len, v, 1, NULL) == 1)
				a->rd[i].credit += v[0];
		break;
	case TR_F_IN:
		{
			struct pin *p = find_pin(a, f->id);
			if (p && p->relay) {
				pin_data(a, p, f->data, f->len);
				if (f->len == 0)
					pin_ready(a, (int)(p - a->pin));
				break;
			}
		}
		t = find(a, f->id);
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
		if ((t = find(a, f->id)))
			cancel_task(t);
		else
			drop_queued(a, f->id, 0, TR_LOST_NO);
		drop_pins(a, f->id, 0, TR_LOST_NO);
		for (int i = 0; i < a->nrd; i++)
			if (a->rd[i].id == f->id)
				drop_read(a, i--);
		break;
	case TR_F_CLUSTER:
		if (!a->quitting && queue_cluster(a, f->data, f->len) != 0)
			return SK_ENOMEM;
		break;
	case TR_F_KEEP:
		free(a->keep);
		a->keep = keep_path(f->data, f->len);
		a->keep_id = f->id;
		break;
	case TR_F_DROP: {
		char *p = keep_path(f->data, f->len);
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
		for (int i = 0; i < a->nt; i++)
			if (a->t[i].pid == pid && !a->t[i].reaped) {
				a->t[i].reaped = 1;
				a->t[i].reaped_at = tr_mono();
				a->t[i].status = st;
				a->t[i].ru = ru;
			}
	}
}

/* Removes t's relayed input piece and its directory (the only file in
 * it, unless the task put more there). */
static void rdir_remove(struct atask *t)
{
	DIR *d;
	struct dirent *de;

	if (!t->rdir)
		return;
	if ((d = opendir(t->rdir))) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
				char *p = malloc(strlen(t->rdir) + strlen(de->d_name) + 2);
				if (p) {
					sprintf(p, "%s/%s", t->rdir, de->d_name);
					unlink(p);
					free(p);
				}
			}
		closedir(d);
	}
	rmdir(t->rdir);
	free(t->rdir);
	t->rdir = NULL;
}

/* Sends the exit frame of tasks that are reaped and whose output is all
 * forwarded (or that have waited long enough for it), and forgets them. */
static void finish_tasks(struct agent *a, double now)
{
	for (int i = 0; i < a->nt; i++) {
		struct atask *t = &a->t[i];
		int status, sig;
		if (!t->reaped)
			continue;
		if ((t->out_fd >= 0 || t->err_fd >= 0) && now - t->reaped_at < DRAIN_WAIT &&
		    !a->quitting)
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
			status = keep_end(a, t, sig ? -1 : status);
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
		rdir_remove(t);
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

static void pump_output(struct agent *a, int *fd, int type, uint32_t id)
{
	char buf[65536];
	ssize_t n;

	do
		n = read(*fd, buf, sizeof buf);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		send_frame(a, type, id, buf, (size_t)n);
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
	if (make_pipe(sp) != 0) {
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
		if (now - a.last_tx >= a.hb) {
			struct rusage ru;
			getrusage(RUSAGE_SELF, &ru);
			tr_proto_putf(&a.wbuf, TR_F_APING, 0, "%lld %lld", usec(&ru.ru_utime),
				      usec(&ru.ru_stime));
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
		}
		finish_tasks(&a, now);
		if (a.nq > 0 && !a.quitting)
			advance_clusters(&a);
		if (a.nrd > 0 && pump_reads(&a) && tr_buf_used(&a.wbuf) < OUT_HIGH)
			wake = now;
		if (!a.out_dead && tr_buf_flush(&a.wbuf, a.out) != 0) {
			a.out_dead = 1;
			if (!a.quitting) {
				char why[160];
				snprintf(why, sizeof why, "lost the controller: writing to it: %s", strerror(errno));
				lose_controller(&a, TR_LOST_OUTPUT, why);
			}
		}
		if (a.quitting && a.nt == 0 && (a.out_dead || tr_buf_used(&a.wbuf) == 0))
			break;

		free(pfd);
		pfd = calloc((size_t)(3 + 3 * a.nt), sizeof *pfd);
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
			} else {
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
		rdir_remove(&a.t[i]);
	while (a.npin > 0)
		drop_pin(&a, a.npin - 1, 1);
	free(a.pin);
	while (a.nrd > 0)
		drop_read(&a, a.nrd - 1);
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
