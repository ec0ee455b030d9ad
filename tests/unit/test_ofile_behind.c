/* An output made durable behind its writer (io.h sk_out_sync_behind,
 * ofile_behind.c): a start of write-back (every 4 MiB written) has the
 * helper sync the file; the commit's fsync follows; a failed sync of the
 * helper is the close's error (the commit's fsync would not see it again),
 * with nothing committed; the helper ends at close and at abort; none for
 * stdout, without syncs (SEGKIT_TEST_FSYNC=0), or when not asked for. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "mkstream.h"
#include "tthreads.h"

/*
 * fsync and fdatasync, interposed (the test binary's definitions come before
 * libc's, for the library's calls too): they count the calls on regular
 * files, fdatasync fails with EIO when armed, and neither asks the disk
 * (what is tested is who syncs when, not the disk).  fdatasync runs on the
 * helper thread: its count is read under the lock, and a test waits for it
 * on the condition (a hang guard of 60 s, no bound on speed).
 */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long n_fsync, n_fdatasync;
static int fail_fdatasync;

int fsync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	pthread_mutex_lock(&mu);
	n_fsync += S_ISREG(st.st_mode);
	pthread_mutex_unlock(&mu);
	return 0;
}

int fdatasync(int fd)
{
	struct stat st;
	int fail;

	if (fstat(fd, &st) != 0)
		return -1;
	pthread_mutex_lock(&mu);
	n_fdatasync += S_ISREG(st.st_mode);
	fail = fail_fdatasync;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	if (fail) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static void counts(long *fs, long *fds)
{
	pthread_mutex_lock(&mu);
	*fs = n_fsync;
	*fds = n_fdatasync;
	pthread_mutex_unlock(&mu);
}

static void reset(int fail)
{
	pthread_mutex_lock(&mu);
	n_fsync = n_fdatasync = 0;
	fail_fdatasync = fail;
	pthread_mutex_unlock(&mu);
}

/* Waits until fdatasync has been called want times (or 60 s went by);
 * returns the count. */
static long wait_fdatasync(long want)
{
	struct timespec until;
	long n;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&mu);
	while (n_fdatasync < want && pthread_cond_timedwait(&cv, &mu, &until) == 0)
		;
	n = n_fdatasync;
	pthread_mutex_unlock(&mu);
	return n;
}

/* Bytes written: 5 MiB in pieces of 1 MiB (straight from the caller's
 * memory), so the 4 MiB mark starts write-back once, during the writes;
 * the last byte of each piece is its number. */
#define PIECE ((size_t)1 << 20)
#define PIECES 5

static int write_pieces(struct sk_out *out, unsigned char *buf, struct sk_error *err)
{
	for (int i = 0; i < PIECES; i++) {
		buf[PIECE - 1] = (unsigned char)i;
		if (sk_out_write(out, buf, PIECE, err) < 0)
			return -1;
	}
	return 0;
}

static int file_ok(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	int ok = fp && fstat(fileno(fp), &st) == 0 && st.st_size == (off_t)(PIECES * PIECE);

	for (int i = 0; ok && i < PIECES; i++)
		ok = fseek(fp, (long)((size_t)(i + 1) * PIECE - 1), SEEK_SET) == 0 && fgetc(fp) == i;
	if (fp)
		fclose(fp);
	return ok;
}

static int entries(const char *dir)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
	if ((p = popen(cmd, "r"))) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

int main(void)
{
	struct sk_out out;
	struct sk_error err;
	unsigned char *buf = calloc(1, PIECE);
	const int threads = t_threads();
	long fs, fds;
	const char *path;

	/* The syncs are what is tested: not turned off by the caller's
	 * environment (the bats suite's SEGKIT_TEST_FSYNC=0, exported). */
	CHECK(unsetenv("SEGKIT_TEST_FSYNC") == 0);
	CHECK(buf != NULL && mk_tmpdir(mk_dir, sizeof mk_dir, "ofile-behind") != NULL);
	path = mk_path("out.bin");

	/* Asked for: a helper thread; the write-back start at 4 MiB has it
	 * sync the file once; the commit's fsync follows, the helper gone. */
	reset(0);
	CHECK(sk_out_open(&out, path, &err) == 0);
	sk_out_sync_behind(&out);
	CHECK(out.behind != NULL && t_threads() == threads + 1);
	CHECK(write_pieces(&out, buf, &err) == 0);
	CHECK(wait_fdatasync(1) == 1);
	CHECK(sk_out_close(&out, &err) == 0 && file_ok(path));
	counts(&fs, &fds);
	CHECKF(fds == 1 && fs == 1, "fdatasync %ld, fsync %ld", fds, fs);
	CHECK(t_threads_gone(threads) == threads && entries(mk_dir) == 1);

	/* Its sync fails (a write-back error, reported once per descriptor):
	 * the close fails with it, naming the output; the old file stays,
	 * no temporary, no commit's fsync, the helper gone. */
	reset(1);
	CHECK(sk_out_open(&out, path, &err) == 0);
	sk_out_sync_behind(&out);
	buf[0] = 1;
	CHECK(write_pieces(&out, buf, &err) == 0);
	CHECK(wait_fdatasync(1) == 1);
	CHECK(sk_out_close(&out, &err) == SK_EIO && err.errnum == EIO);
	CHECKF(strcmp(err.msg, "Input/output error") == 0 && strcmp(err.file, path) == 0, "'%s' '%s'", err.file,
	       err.msg);
	counts(&fs, &fds);
	CHECKF(fds == 1 && fs == 0, "fdatasync %ld, fsync %ld", fds, fs);
	CHECK(file_ok(path) && entries(mk_dir) == 1);
	{
		FILE *fp = fopen(path, "rb");
		CHECK(fp && fgetc(fp) == 0);   /* the first file's bytes */
		if (fp)
			fclose(fp);
	}
	CHECK(t_threads_gone(threads) == threads);

	/* Into a set: the helper ends at the close, the set's commit syncs. */
	reset(0);
	{
		struct sk_ofset set;
		const char *other = mk_path("set.bin");
		sk_ofset_init(&set);
		CHECK(sk_out_open(&out, other, &err) == 0);
		out.set = &set;
		sk_out_sync_behind(&out);
		CHECK(write_pieces(&out, buf, &err) == 0);
		CHECK(wait_fdatasync(1) == 1);
		CHECK(sk_out_close(&out, &err) == 0 && t_threads_gone(threads) == threads);
		CHECK(access(other, F_OK) != 0);
		CHECK(sk_ofset_commit(&set, &err) == 0 && file_ok(other));
		sk_ofset_abort(&set);
		counts(&fs, &fds);
		CHECKF(fds == 1 && fs == 1, "fdatasync %ld, fsync %ld", fds, fs);
		CHECK(unlink(other) == 0);
	}

	/* Aborted: the helper ends, no temporary. */
	reset(0);
	CHECK(sk_out_open(&out, path, &err) == 0);
	sk_out_sync_behind(&out);
	CHECK(write_pieces(&out, buf, &err) == 0);
	CHECK(wait_fdatasync(1) == 1);
	sk_out_abort(&out);
	CHECK(t_threads_gone(threads) == threads && entries(mk_dir) == 1);

	/* Not asked for: no helper, no fdatasync, one fsync. */
	reset(0);
	CHECK(sk_out_open(&out, path, &err) == 0);
	CHECK(out.behind == NULL && write_pieces(&out, buf, &err) == 0);
	CHECK(sk_out_close(&out, &err) == 0);
	counts(&fs, &fds);
	CHECKF(fds == 0 && fs == 1, "fdatasync %ld, fsync %ld", fds, fs);

	/* Standard output: nothing to sync, no helper (nothing written). */
	CHECK(sk_out_open(&out, "-", &err) == 0);
	sk_out_sync_behind(&out);
	CHECK(out.behind == NULL);
	sk_out_abort(&out);

	/* Without syncs: no helper, no sync at all. */
	reset(0);
	setenv("SEGKIT_TEST_FSYNC", "0", 1);
	CHECK(sk_out_open(&out, path, &err) == 0);
	sk_out_sync_behind(&out);
	CHECK(out.behind == NULL && t_threads() == threads);
	CHECK(write_pieces(&out, buf, &err) == 0 && sk_out_close(&out, &err) == 0);
	counts(&fs, &fds);
	CHECKF(fds == 0 && fs == 0, "fdatasync %ld, fsync %ld", fds, fs);
	unsetenv("SEGKIT_TEST_FSYNC");

	CHECK(unlink(path) == 0 && rmdir(mk_dir) == 0);
	free(buf);
	return test_done();
}
