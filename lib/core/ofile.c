#define _GNU_SOURCE /* sync_file_range */
#include "ofile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "file.h"
#include "ofile_behind.h"

/*
 * The registry.  It is file-scope state, against the style guide's rule,
 * because a signal handler can reach nothing else.  Entries are name
 * pointers owned by their sk_ofile or sk_ofset (valid while registered),
 * with the pid that registered them, so that a forked child that has not
 * exec'd yet never removes its parent's files.  Every change happens with
 * SIGINT, SIGTERM and SIGHUP blocked in the changing thread and under
 * reg_busy; a handler (running in some other thread then) takes reg_busy
 * and keeps it until the process dies.
 */
enum { REG_FILE = 1, REG_DIR = 2 };

struct reg_entry {
	const char *path;
	pid_t pid;
	int kind;
};

static struct reg_entry *reg_e;
static size_t reg_cap, reg_n, reg_hint;
static int reg_atexit;
static atomic_flag reg_busy = ATOMIC_FLAG_INIT;

static const int reg_signals[] = {SIGHUP, SIGINT, SIGTERM};
/* The signals on_signal handles (bit i: reg_signals[i]), and whether it has
 * begun for one of them. */
static unsigned reg_handled;
static volatile sig_atomic_t reg_dying;

static void nap(void)
{
	const struct timespec ts = {0, 100000};
	nanosleep(&ts, NULL);
}

static void reg_lock(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	for (size_t i = 0; i < sizeof reg_signals / sizeof reg_signals[0]; i++)
		sigaddset(&s, reg_signals[i]);
	pthread_sigmask(SIG_BLOCK, &s, old);
	while (atomic_flag_test_and_set_explicit(&reg_busy, memory_order_acquire))
		nap();
}

static void reg_unlock(const sigset_t *old)
{
	atomic_flag_clear_explicit(&reg_busy, memory_order_release);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Removes this process's registered files, then its directories (deepest
 * first: a pass removes those that are empty by then).  Under the lock;
 * async-signal-safe. */
static void reg_remove_all(void)
{
	const pid_t me = getpid();
	int more = 1;

	for (size_t i = 0; i < reg_cap; i++)
		if (reg_e[i].path && reg_e[i].pid == me && reg_e[i].kind == REG_FILE) {
			unlink(reg_e[i].path);
			reg_e[i].path = NULL;
			reg_n--;
		}
	for (int pass = 0; pass < 64 && more; pass++) {
		more = 0;
		for (size_t i = 0; i < reg_cap; i++)
			if (reg_e[i].path && reg_e[i].pid == me && reg_e[i].kind == REG_DIR &&
			    rmdir(reg_e[i].path) == 0) {
				reg_e[i].path = NULL;
				reg_n--;
				more = 1;
			}
	}
}

static void on_signal(int sig)
{
	struct sigaction sa;
	sigset_t s;

	reg_dying = 1;
	while (atomic_flag_test_and_set_explicit(&reg_busy, memory_order_acquire))
		nap();
	reg_remove_all();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
}

/* The file a bus error comes from (sk_ofile_bus_name): file-scope, as the
 * registry, for the handler. */
static const char *volatile bus_name;

void sk_ofile_bus_name(const char *name)
{
	bus_name = name;
}

static void say(const char *s)
{
	ssize_t r = write(2, s, strlen(s));
	(void)r;
}

static void on_bus(int sig)
{
	const char *name = bus_name;

	if (name) {
		say(sk_progname());
		say(": ");
		say(name);
		say(": could not be read (a bus error): it was cut short while being read, or reading it failed\n");
	}
	on_signal(sig);
}

/* reg_lock for a commit, which must not begin once a stop is on its way:
 * the signal can be taken by another thread (a worker of regrid or
 * migrate), whose handler waits for the lock while the renames go on, so a
 * stop that came before the commit would end the process with the new
 * files in place.  Pending on the process or this thread, or its handler
 * begun: the lock is let go and the handler given time to end the process
 * (a signal blocked in every thread never ends it: after 2 s the commit
 * goes on, as without this check).  Once seen pending, the signal is waited
 * for even when it is pending no more: a thread that took it may not have
 * begun its handler yet (preempted between the two; 1 run in 37 of
 * test_ofile at load 4 committed in that gap and exited 0). */
static void reg_lock_commit(sigset_t *old)
{
	int seen = 0;

	reg_lock(old);
	for (int waited = 0; waited < 20000; waited++) {
		sigset_t p;
		if (!reg_dying && !seen && sigpending(&p) == 0)
			for (size_t i = 0; i < sizeof reg_signals / sizeof reg_signals[0]; i++)
				seen |= (reg_handled >> i & 1) && sigismember(&p, reg_signals[i]) == 1;
		if (!reg_dying && !seen)
			return;
		reg_unlock(old);
		nap();
		reg_lock(old);
	}
}

static void at_exit(void)
{
	sigset_t old;

	reg_lock(&old);
	reg_remove_all();
	reg_unlock(&old);
}

/* Grows the array to hold at least n more entries.  Under the lock. */
static int reg_reserve(size_t n)
{
	size_t cap = reg_cap ? reg_cap : 64;
	struct reg_entry *e;

	while (cap - reg_n < n)
		cap *= 2;
	if (cap == reg_cap)
		return 0;
	if (!(e = realloc(reg_e, cap * sizeof *e)))
		return -1;
	memset(e + reg_cap, 0, (cap - reg_cap) * sizeof *e);
	reg_hint = reg_cap;
	reg_e = e;
	reg_cap = cap;
	return 0;
}

/* Registers path; returns its slot, or -1 out of memory.  Under the lock. */
static int reg_add(const char *path, int kind)
{
	size_t i;

	if (reg_reserve(1) < 0)
		return -1;
	for (i = reg_hint; reg_e[i].path; i = (i + 1) % reg_cap)
		;
	reg_e[i].path = path;
	reg_e[i].pid = getpid();
	reg_e[i].kind = kind;
	reg_n++;
	reg_hint = (i + 1) % reg_cap;
	if (!reg_atexit)
		reg_atexit = atexit(at_exit) == 0;
	return (int)i;
}

static void reg_del(int slot)
{
	if (slot >= 0 && reg_e[slot].path) {
		reg_e[slot].path = NULL;
		reg_n--;
	}
}

int sk_ofile_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void on_xfsz(int sig)
{
	(void)sig;
}

void sk_ofile_signals(void)
{
	sigset_t old;

	reg_lock(&old);
	reg_reserve(64);
	reg_unlock(&old);
	for (size_t i = 0; i < sizeof reg_signals / sizeof reg_signals[0]; i++) {
		struct sigaction sa, was;
		if (sigaction(reg_signals[i], NULL, &was) != 0 || was.sa_handler == SIG_IGN)
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (size_t k = 0; k < sizeof reg_signals / sizeof reg_signals[0]; k++)
			sigaddset(&sa.sa_mask, reg_signals[k]);
		if (sigaction(reg_signals[i], &sa, NULL) == 0)
			reg_handled |= 1u << i;
	}
	/* A bus error, from a mapped file cut short: the same end, raised
	 * again by the handler with the default action.  Not one of
	 * reg_signals: a fault cannot be held off (blocked, it kills at once),
	 * and nothing under reg_lock touches a mapping. */
	{
		struct sigaction sa, was;
		if (sigaction(SIGBUS, NULL, &was) == 0 && was.sa_handler == SIG_DFL && !(was.sa_flags & SA_SIGINFO)) {
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_bus;
			sigemptyset(&sa.sa_mask);
			for (size_t k = 0; k < sizeof reg_signals / sizeof reg_signals[0]; k++)
				sigaddset(&sa.sa_mask, reg_signals[k]);
			sigaction(SIGBUS, &sa, NULL);
		}
	}
	/* A write past the file size limit (ulimit -f): SIGXFSZ would kill
	 * the command before it could remove its temporaries (or say why);
	 * caught by a handler that does nothing, the write fails with EFBIG
	 * and is reported as any failed write ("File too large", exit 1).
	 * The same then on every thread: one in which it is blocked (the
	 * helpers, ofile.h sk_ofile_thread) gets EFBIG too.  A handler, not
	 * SIG_IGN, so that the programs a command starts (taskrun's tasks)
	 * begin with the default again; left alone when it is ignored. */
	{
		struct sigaction sa, was;
		if (sigaction(SIGXFSZ, NULL, &was) == 0 && was.sa_handler == SIG_DFL && !(was.sa_flags & SA_SIGINFO)) {
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_xfsz;
			sigemptyset(&sa.sa_mask);
			sigaction(SIGXFSZ, &sa, NULL);
		}
	}
}

size_t sk_ofile_registered(void)
{
	const pid_t me = getpid();
	sigset_t old;
	size_t n = 0;

	reg_lock(&old);
	for (size_t i = 0; i < reg_cap; i++)
		n += reg_e[i].path && reg_e[i].pid == me;
	reg_unlock(&old);
	return n;
}

/* ---- one file ---- */

/* Whether this module syncs at all.  SEGKIT_TEST_FSYNC=0 turns its syncs
 * off for the test suite's speed (scripts/check.sh sets it; git's test
 * suite does the same with GIT_TEST_FSYNC): on this project's CI disk a sync
 * costs 7-14 ms, and the suite commits thousands of files.  The tests of
 * the syncs themselves run with it unset. */
static int sync_wanted(void)
{
	const char *v = getenv("SEGKIT_TEST_FSYNC");

	return !v || strcmp(v, "0") != 0;
}

/* fsync of the directory holding path, so that a rename into it lasts;
 * more says that other files were renamed with it (the message).  File
 * systems that cannot sync a directory (EINVAL) are fine.  When the sync
 * fails the rename has happened: the error is about the directory and says
 * that the file is in place. */
static int sync_dir(const char *path, int more, struct sk_error *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir = NULL;
	int fd, rc = 0;

	if (!sync_wanted())
		return 0;
	if (slash) {
		const size_t n = slash == path ? 1 : (size_t)(slash - path);
		if (!(dir = malloc(n + 1)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
			rc = sk_error_at(err, sk_error_sys(err, "%.300s%s in place, but syncing the directory failed "
							      "(a system crash may undo the rename%s)", base,
							      more ? " and the other files written are" : " is",
							      more ? "s" : ""),
					 dir ? dir : ".");
		close(fd);
	}
	/* A directory we may write but not read (fd < 0) has nothing to
	 * sync with. */
	free(dir);
	return rc;
}

int sk_ofile_open(struct sk_ofile *f, const char *path, struct sk_error *err)
{
	const char *slash = strrchr(path, '/');
	const size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
	const size_t n = strlen(path) + 9;
	struct stat st;
	sigset_t old;
	mode_t mask;
	int e = 0;

	f->fd = -1;
	f->slot = -1;
	f->path = f->tmp = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or a fifo is written as it is; a directory cannot be. */
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return sk_error_sys(err, "%s", "");
		}
		if ((f->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
			return sk_error_sys(err, "%s", "");
		return 0;
	}
	f->path = strdup(path);
	f->tmp = malloc(n);
	if (!f->path || !f->tmp) {
		free(f->path);
		free(f->tmp);
		f->path = f->tmp = NULL;
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	snprintf(f->tmp, n, "%.*s.%s.XXXXXX", (int)dlen, path, path + dlen);
	/* Made and registered in one step: a signal finds it registered. */
	reg_lock(&old);
	f->fd = mkstemp(f->tmp);
	if (f->fd < 0) {
		e = errno;
	} else if ((f->slot = reg_add(f->tmp, REG_FILE)) < 0) {
		unlink(f->tmp);
		close(f->fd);
		f->fd = -1;
		e = ENOMEM;
	}
	reg_unlock(&old);
	if (f->fd < 0) {
		free(f->path);
		free(f->tmp);
		f->path = f->tmp = NULL;
		if (e == ENOMEM)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		errno = e;
		return sk_error_sys(err, "%s", "");
	}
	/* mkstemp makes 0600 files; an output is as readable as any new file. */
	mask = umask(0);
	umask(mask);
	if (fchmod(f->fd, 0666 & ~mask) != 0 || fcntl(f->fd, F_SETFD, FD_CLOEXEC) != 0) {
		const int rc = sk_error_sys(err, "%s", "");
		sk_ofile_abort(f);
		return rc;
	}
	return 0;
}

int sk_ofile_write(struct sk_ofile *f, const void *p, size_t n, struct sk_error *err)
{
	return sk_file_write_all(f->fd, p, n, err);
}

int sk_ofile_sync(struct sk_ofile *f, struct sk_error *err)
{
	/* EINVAL: a file system that has nothing to sync. */
	if (f->fd >= 0 && f->tmp && sync_wanted() && fsync(f->fd) != 0 && errno != EINVAL)
		return sk_error_sys(err, "%s", "");
	return 0;
}

void sk_ofile_writeback(const struct sk_ofile *f, int64_t off, int64_t len)
{
#ifdef SYNC_FILE_RANGE_WRITE
	if (f->fd >= 0 && f->tmp && sync_wanted())
		sync_file_range(f->fd, off, len, SYNC_FILE_RANGE_WRITE);
#else
	(void)f;
	(void)off;
	(void)len;
#endif
}

int sk_ofile_close(struct sk_ofile *f, struct sk_error *err)
{
	int rc = sk_ofile_sync(f, err);

	if (f->fd >= 0) {
		if (close(f->fd) != 0 && rc == 0)
			rc = sk_error_sys(err, "%s", "");
		f->fd = -1;
	}
	return rc;
}

int sk_ofile_commit(struct sk_ofile *f, struct sk_error *err)
{
	int rc = sk_ofile_close(f, err);

	if (rc == 0 && f->tmp) {
		sigset_t old;
		reg_lock_commit(&old);
		if (rename(f->tmp, f->path) != 0) {
			rc = sk_error_sys(err, "%s", "");
		} else {
			reg_del(f->slot);
			f->slot = -1;
			free(f->tmp);
			f->tmp = NULL;
		}
		reg_unlock(&old);
		if (rc == 0)
			rc = sync_dir(f->path, 0, err);
	}
	sk_ofile_abort(f);
	return rc;
}

struct sk_syncbehind *sk_ofile_behind(const struct sk_ofile *f)
{
	return f->fd >= 0 && f->tmp && sync_wanted() ? sk_syncbehind_new(f->fd) : NULL;
}

void sk_ofile_abort(struct sk_ofile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp) {
		sigset_t old;
		reg_lock(&old);
		unlink(f->tmp);
		reg_del(f->slot);
		reg_unlock(&old);
	}
	free(f->tmp);
	free(f->path);
	f->tmp = f->path = NULL;
	f->fd = -1;
	f->slot = -1;
}

/* ---- sets ---- */

void sk_ofset_init(struct sk_ofset *s)
{
	memset(s, 0, sizeof *s);
	s->dir_slot = -1;
}

int sk_ofset_mkdir(struct sk_ofset *s, const char *dir, struct sk_error *err)
{
	struct stat st;
	sigset_t old;
	char *copy = strdup(dir);
	int made = 0, e = 0;

	if (!copy)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	reg_lock(&old);
	if (mkdir(dir, 0777) == 0) {
		made = 1;
		if ((s->dir_slot = reg_add(copy, REG_DIR)) < 0) {
			rmdir(dir);
			made = 0;
			e = ENOMEM;
		}
	} else {
		e = errno;
	}
	reg_unlock(&old);
	if (made) {
		free(s->dir);
		s->dir = copy;
		return 0;
	}
	free(copy);
	if (e == ENOMEM)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (e == EEXIST && stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		e = ENOTDIR;
	}
	errno = e;
	return sk_error_sys(err, "%s", "");
}

/*
 * A set syncs its files when it commits, not one by one as they are added:
 * each is sent on its way to the disk when added (sync_file_range, which
 * does not wait), so a split's pieces are written out while the next ones
 * are made and the commit waits once, for what is left.  At most OFSET_OPEN
 * stay open unsynced; beyond that the oldest is synced and closed then.
 */
#define OFSET_OPEN 16

/* Starts writing fd's dirty pages to the disk, without waiting for them. */
static void writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}

/* Syncs and closes the set's files from s->open on while more than keep
 * are open; a failure names its file and sets s->failed. */
static int ofset_sync(struct sk_ofset *s, size_t keep, struct sk_error *err)
{
	for (; s->n - s->open > keep; s->open++) {
		const int rc = sk_ofile_close(&s->f[s->open], err);
		if (rc < 0) {
			s->failed = (long)s->open;
			return sk_error_at(err, rc, s->f[s->open].path);
		}
	}
	return 0;
}

int sk_ofset_add(struct sk_ofset *s, struct sk_ofile *f, struct sk_error *err)
{
	int rc = 0;

	/* Without syncs (SEGKIT_TEST_FSYNC=0) nothing is kept open. */
	if (f->fd >= 0 && sync_wanted())
		writeback(f->fd);
	else
		rc = sk_ofile_close(f, err);
	if (rc == 0 && s->n == s->cap) {
		const size_t cap = s->cap ? 2 * s->cap : 16;
		struct sk_ofile *a = realloc(s->f, cap * sizeof *a);
		if (!a) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		} else {
			s->f = a;
			s->cap = cap;
		}
	}
	if (rc < 0) {
		sk_ofile_abort(f);
		return rc;
	}
	s->f[s->n++] = *f;
	f->fd = -1;
	f->slot = -1;
	f->path = f->tmp = NULL;
	return ofset_sync(s, OFSET_OPEN, err);
}

int sk_ofset_sync(struct sk_ofset *s, struct sk_error *err)
{
	return ofset_sync(s, 0, err);
}

/* Whether a and b are in the same directory (by their names). */
static int same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	const size_t na = sa ? (size_t)(sa - a) : 0, nb = sb ? (size_t)(sb - b) : 0;

	return (!sa) == (!sb) && na == nb && memcmp(a, b, na) == 0;
}

int sk_ofset_commit(struct sk_ofset *s, struct sk_error *err)
{
	char *made = NULL;
	sigset_t old;
	size_t i;
	int rc = 0;

	s->failed = -1;
	/* Every file synced before any is renamed. */
	if ((rc = ofset_sync(s, 0, err)) < 0)
		return rc;
	reg_lock_commit(&old);
	for (i = 0; i < s->n; i++)
		if (rename(s->f[i].tmp, s->f[i].path) != 0) {
			rc = sk_error_sys(err, "%s", "");
			s->failed = (long)i;
			break;
		}
	if (rc < 0) {
		/* Back as they were, as far as renaming can (a target that
		 * existed before has been replaced). */
		while (i-- > 0)
			rename(s->f[i].path, s->f[i].tmp);
	} else {
		for (i = 0; i < s->n; i++) {
			reg_del(s->f[i].slot);
			s->f[i].slot = -1;
			free(s->f[i].tmp);
			s->f[i].tmp = NULL;
		}
		reg_del(s->dir_slot);
		s->dir_slot = -1;
		made = s->dir;
		s->dir = NULL;
	}
	reg_unlock(&old);
	for (i = 0; rc == 0 && i < s->n; i++)
		if ((i == 0 || !same_dir(s->f[i].path, s->f[i - 1].path)) &&
		    (rc = sync_dir(s->f[i].path, s->n > 1, err)) < 0)
			s->failed = (long)i;
	/* A directory the set made is an entry of its parent, which lasts
	 * once the parent is synced. */
	if (rc == 0 && made) {
		size_t n = strlen(made);
		while (n > 1 && made[n - 1] == '/')
			made[--n] = '\0';
		if ((rc = sync_dir(made, 1, err)) < 0)
			s->failed = s->n ? 0 : -1;
	}
	free(made);
	return rc;
}

void sk_ofset_abort(struct sk_ofset *s)
{
	for (size_t i = 0; i < s->n; i++)
		sk_ofile_abort(&s->f[i]);
	if (s->dir) {
		sigset_t old;
		reg_lock(&old);
		rmdir(s->dir);
		reg_del(s->dir_slot);
		reg_unlock(&old);
	}
	free(s->dir);
	free(s->f);
	s->f = NULL;
	s->n = s->cap = 0;
	s->dir = NULL;
	s->dir_slot = -1;
}

/* ---- spool files ---- */

int sk_ofile_spool(const char *name, struct sk_error *err)
{
	char path[4096];

	return sk_ofile_spool_at(name, path, sizeof path, err);
}

int sk_ofile_spool_at(const char *name, char *where, size_t wn, struct sk_error *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	sigset_t old;
	int fd, e = 0;

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof path, "%s/%s-XXXXXX", dir, name) >= sizeof path) {
		errno = ENAMETOOLONG;
		return sk_error_at(err, sk_error_sys(err, "%s", ""), dir);
	}
	/* Made and unlinked with the signals held off: no moment exists when
	 * a signal could leave it behind. */
	reg_lock(&old);
	fd = mkstemp(path);
	if (fd < 0)
		e = errno;
	else
		unlink(path);
	reg_unlock(&old);
	if (fd < 0) {
		errno = e;
		return sk_error_at(err, sk_error_sys(err, "%s", ""), dir);
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (wn)
		snprintf(where, wn, "%s", path);
	return fd;
}
