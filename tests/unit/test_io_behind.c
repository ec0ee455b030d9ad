/* An output written behind its writer (io.h sk_out_write_behind,
 * io_behind.c): the file's bytes are the writer's, in order,
 * whichever way they leave (full buffers behind, large writes, writev,
 * pwrite, a record larger than the buffer); full buffers are written by
 * another thread, in buffers of at least 4 MiB, while nothing is, with no
 * helper, for an output that fits in its buffer or a pipe; a failed write of the
 * helper is the next flush's or the close's error, which names the output,
 * and nothing is committed; abort with a buffer in flight leaves nothing. */
#define _DEFAULT_SOURCE /* syscall */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "mkstream.h"
#include "tthreads.h"

/*
 * write(2), interposed (the test binary's definition comes before libc's,
 * for the library's calls too): the writes to the watched descriptor are
 * counted by the thread that made them, and the armed one (the n-th) fails
 * with ENOSPC, as a full disk's.  The helper's writes are counted under
 * the lock.
 */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int watched = -1;
static pthread_t main_thread;
static long n_main, n_other, fail_at;

ssize_t write(int fd, const void *p, size_t n)
{
	int fail = 0;

	if (fd == watched) {
		pthread_mutex_lock(&mu);
		if (pthread_equal(pthread_self(), main_thread))
			n_main++;
		else
			n_other++;
		fail = fail_at > 0 && n_main + n_other == fail_at;
		pthread_mutex_unlock(&mu);
	}
	if (fail) {
		errno = ENOSPC;
		return -1;
	}
	return syscall(SYS_write, fd, p, n);
}

static void watch(int fd, long fail)
{
	pthread_mutex_lock(&mu);
	watched = fd;
	n_main = n_other = 0;
	fail_at = fail;
	pthread_mutex_unlock(&mu);
}

/* 30 MB in records of 4,240 bytes (reserve and advance, as the stream
 * writers do), with a large write, a writev, a pwrite of the same bytes and
 * a record of 5 MiB among them: the file holds them in order, and the full
 * buffers went out on another thread. */
static void test_bytes(const char *path, const unsigned char *data, size_t n)
{
	struct sk_out out;
	struct sk_error err;
	unsigned char *back;
	size_t at = 0, len = 0;
	int ok = 1;

	CHECK(sk_out_open(&out, path, &err) == 0);
	CHECK(sk_out_write_behind(&out, &err) == 0);
	watch(out.fd, 0);
	while (at < n) {
		size_t k = n - at < 4240 ? n - at : 4240;
		if (at >= 10000000 && at < 10000000 + 4240) {
			/* large, straight from the caller */
			k = 3000000;
			ok &= sk_out_write(&out, data + at, k, &err) == 0;
		} else if (at >= 15000000 && at < 15000000 + 4240) {
			struct iovec v[2] = {{(void *)(uintptr_t)(data + at), 1000},
					     {(void *)(uintptr_t)(data + at + 1000), 99000}};
			k = 100000;
			ok &= sk_out_writev(&out, v, 2, &err) == 0;
			ok &= sk_out_pwrite(&out, 12345, data + 12345, 40, &err) == 0;
		} else {
			if (at >= 20000000 && at < 20000000 + 4240)
				k = (size_t)5 << 20;  /* more than the buffer */
			unsigned char *d = sk_out_reserve(&out, k, &err);
			ok &= d != NULL;
			if (!d)
				break;
			memcpy(d, data + at, k);
			sk_out_advance(&out, k);
		}
		at += k;
	}
	CHECK(ok && at == n);
	CHECK(sk_out_close(&out, &err) == 0);
	pthread_mutex_lock(&mu);
	/* The large write, here; the buffers, behind (the writev and pwrite
	 * are not write(2)). */
	CHECKF(n_other >= 6 && n_main == 1, "%ld behind, %ld here", n_other, n_main);
	pthread_mutex_unlock(&mu);
	watch(-1, 0);
	CHECK((back = mk_slurp(path, &len)) && len == n && memcmp(back, data, n) == 0);
	free(back);
	unlink(path);
}

/* No helper: the output fits in its buffer (set to 4 MiB), or the output
 * is a pipe (its buffer as it was). */
static void test_none(const char *path, const unsigned char *data)
{
	struct sk_out out;
	struct sk_error err;
	unsigned char *back;
	size_t len = 0;
	int fd[2];
	const int threads = t_threads();

	CHECK(sk_out_open(&out, path, &err) == 0);
	CHECK(sk_out_write_behind(&out, &err) == 0);
	watch(out.fd, 0);
	CHECK(sk_out_write(&out, data, 1000, &err) == 0 && sk_out_write(&out, data + 1000, 100, &err) == 0);
	CHECK(sk_out_close(&out, &err) == 0 && n_other == 0 && n_main == 1);
	CHECK((back = mk_slurp(path, &len)) && len == 1100 && memcmp(back, data, 1100) == 0);
	free(back);

	/* A smaller buffer is set to 4 MiB: 4,000,000 bytes fit in it. */
	CHECK(sk_out_open(&out, path, &err) == 0);
	CHECK(sk_out_resize(&out, (size_t)256 << 10, &err) == 0);
	CHECK(sk_out_write_behind(&out, &err) == 0 && out.cap == (size_t)4 << 20);
	watch(out.fd, 0);
	for (int i = 0; i < 40; i++) {
		unsigned char *d = sk_out_reserve(&out, 100000, &err);
		CHECK(d != NULL);
		memcpy(d, data + (size_t)i * 100000, 100000);
		sk_out_advance(&out, 100000);
	}
	CHECK(t_threads() == threads);
	CHECK(sk_out_close(&out, &err) == 0 && n_other == 0 && n_main == 1);
	CHECK((back = mk_slurp(path, &len)) && len == 4000000 && memcmp(back, data, 4000000) == 0);
	free(back);
	unlink(path);

	CHECK(pipe(fd) == 0);
	{
		const int saved = dup(1);
		dup2(fd[1], 1);
		close(fd[1]);
		CHECK(sk_out_open(&out, "-", &err) == 0 && sk_out_resize(&out, 1000, &err) == 0);
		CHECK(sk_out_write_behind(&out, &err) == 0);
		CHECK(out.wb_want == 0 && out.cap == 1000);
		sk_out_abort(&out);
		dup2(saved, 1);
		close(saved);
		close(fd[0]);
	}
	watch(-1, 0);
}

/* The helper's third write fails (ENOSPC): the writer hears of it at its
 * next full buffer or at the close, the error names the output, and
 * nothing is committed; the writes handed over after it are dropped. */
static void test_fail(const char *path, const unsigned char *data, int at_close)
{
	struct sk_out out;
	struct sk_error err;
	struct stat st;
	int rc = 0, i;
	const int fill = at_close ? 3 : 40;

	memset(&err, 0, sizeof err);
	CHECK(sk_out_open(&out, path, &err) == 0);
	CHECK(sk_out_write_behind(&out, &err) == 0);
	watch(out.fd, 3);
	for (i = 0; i < fill * 4 && rc == 0; i++) {
		unsigned char *d = sk_out_reserve(&out, (size_t)1 << 20, &err);
		if (!d) {
			rc = -1;
			break;
		}
		memcpy(d, data, (size_t)1 << 20);
		sk_out_advance(&out, (size_t)1 << 20);
	}
	if (at_close) {
		CHECK(rc == 0);
		rc = sk_out_close(&out, &err);
	} else {
		/* The third buffer fails; the writer hears of it while handing
		 * over the fourth or fifth. */
		CHECKF(i >= 16 && i <= 21, "failed at the %d-th MiB", i);
		sk_out_abort(&out);
	}
	CHECK(rc < 0 && err.code == SK_EIO && err.errnum == ENOSPC);
	CHECKF(strstr(err.msg, "No space left on device") && strcmp(err.file, path) == 0, "%s: %s", err.file,
	       err.msg);
	CHECK(stat(path, &st) != 0 && errno == ENOENT);
	pthread_mutex_lock(&mu);
	CHECKF(n_other == 3 && n_main == 0, "%ld behind, %ld here", n_other, n_main);
	pthread_mutex_unlock(&mu);
	watch(-1, 0);
}

/* Abort with a buffer in flight: nothing left, the helper gone. */
static void test_abort(const char *path, const unsigned char *data)
{
	struct sk_out out;
	struct sk_error err;
	struct stat st;
	const int threads = t_threads();

	CHECK(sk_out_open(&out, path, &err) == 0);
	CHECK(sk_out_write_behind(&out, &err) == 0);
	for (int i = 0; i < 5; i++) {
		unsigned char *d = sk_out_reserve(&out, (size_t)1 << 20, &err);
		CHECK(d != NULL);
		memcpy(d, data, (size_t)1 << 20);
		sk_out_advance(&out, (size_t)1 << 20);
	}
	CHECK(out.wb != NULL && t_threads() == threads + 1);
	sk_out_abort(&out);
	CHECK(stat(path, &st) != 0 && errno == ENOENT);
	CHECK(t_threads_gone(threads) == threads);
}

int main(void)
{
	enum { N = 30 * 1000 * 1000 };
	unsigned char *data = mk_bytes(N + ((size_t)5 << 20));
	char path[64];

	main_thread = pthread_self();
	snprintf(path, sizeof path, "/tmp/test_io_behind_%ld.bin", (long)getpid());
	CHECK(data != NULL);
	test_bytes(path, data, N);
	test_none(path, data);
	test_fail(path, data, 0);
	test_fail(path, data, 1);
	test_abort(path, data);
	free(data);
	return test_done();
}
