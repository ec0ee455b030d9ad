/* batchread: reads in batches against pread of the same bytes: scattered,
 * overlapping and empty reads, more than one round, reads past the end of
 * the file (short, then none); without io_uring (SEGKIT_NO_URING, or a
 * system without it) no ring at all, which the test tells by asking the
 * kernel itself; and no ring for a file system whose cached reads block
 * (tmpfs here), told by preadv2's RWF_NOWAIT on the same file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "batchread.h"
#include "check.h"
#include "rng.h"

/* Whether this system sets up an io_uring at all. */
static int kernel_has_uring(void)
{
	struct io_uring_params p;
	int fd;
	memset(&p, 0, sizeof p);
	fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Whether fd's file system reads its first byte, just read so cached,
 * without blocking (preadv2 RWF_NOWAIT; tmpfs says EOPNOTSUPP on this
 * project's kernel): io_uring completes such a read in the call that
 * submits it, and hands any other to a worker thread. */
static int reads_nowait(int fd)
{
	char c;
	struct iovec io = {&c, 1};
	return pread(fd, &c, 1, 0) == 1 && preadv2(fd, &io, 1, 0, RWF_NOWAIT) == 1;
}

/* A file of a few bytes in dir: a ring for it exactly when its cached reads
 * do not block.  Whether or not a ring, 1 when the check holds. */
static int ring_iff_nowait(const char *dir)
{
	char path[256];
	int fd, ok;
	struct sk_batchread *b;

	snprintf(path, sizeof path, "%s/test_batchread_XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		return 1; /* no such directory here: nothing to check */
	unlink(path);
	ok = write(fd, "segkit", 6) == 6;
	b = sk_batchread_new(fd);
	ok = ok && (b != NULL) == reads_nowait(fd);
	if (!ok)
		printf("# %s: a ring %s, reads without blocking %s\n", dir, b ? "made" : "refused",
		       reads_nowait(fd) ? "yes" : "no");
	sk_batchread_free(b);
	close(fd);
	return ok;
}

int main(void)
{
	enum { SIZE = 300000, N = 3 * SK_BATCHREAD_MAX + 17 };
	char path[] = "/tmp/test_batchread_XXXXXX";
	unsigned char *data = malloc(SIZE), *want = malloc(64 << 10);
	static void *buf[N];
	static size_t len[N];
	static int64_t off[N];
	static long got[N];
	struct sk_batchread *b;
	int fd = mkstemp(path), bad = 0, uring;

	CHECK(fd >= 0 && data && want);
	for (long i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(rng_unit() * 256);
	CHECK(write(fd, data, SIZE) == SIZE);
	/* Asked not to, there is no ring, whatever the system. */
	setenv("SEGKIT_NO_URING", "1", 1);
	CHECK(sk_batchread_new(fd) == NULL);
	unsetenv("SEGKIT_NO_URING");
	b = sk_batchread_new(fd);
	uring = kernel_has_uring();
	/* A ring exactly where cached reads do not block: /dev/shm (tmpfs,
	 * none on this project's kernel) and /tmp (ext4 here, a ring). */
	if (uring) {
		CHECK(ring_iff_nowait("/dev/shm"));
		CHECK(ring_iff_nowait("/tmp"));
	}
	if (!uring || !reads_nowait(fd)) {
		/* The cases where the rest cannot run: said, and counted as
		 * passing only because the system refused a ring too. */
		printf("# %s: no ring, as expected\n",
		       uring ? "/tmp's cached reads block on this system" : "io_uring refused by this system");
		CHECK(b == NULL);
		unlink(path);
		free(data);
		free(want);
		return test_done();
	}
	CHECK(b != NULL);
	/* Scattered reads (overlapping, some empty, the last ones past the
	 * end: cut short, then none), more than two rounds of the ring. */
	for (long i = 0; i < N; i++) {
		len[i] = i % 50 == 7 ? 0 : (size_t)(1 + rng_unit() * 9000);
		off[i] = (int64_t)(rng_unit() * (SIZE - 9001));
		if (i == N - 2)
			off[i] = SIZE - 100, len[i] = 1000;
		if (i == N - 1)
			off[i] = SIZE + 5, len[i] = 10;
		buf[i] = malloc(len[i] ? len[i] : 1);
		if (buf[i])
			memset(buf[i], 0xAB, len[i]);
	}
	CHECK(sk_batchread_run(b, N, buf, len, off, got) == 0);
	for (long i = 0; i < N; i++) {
		const ssize_t p = pread(fd, want, len[i], off[i]);
		if (got[i] != (long)p || (p > 0 && memcmp(buf[i], want, (size_t)p) != 0))
			bad++;
	}
	CHECKF(bad == 0, "%d of %d reads differ from pread's", bad, N);
	CHECK(got[N - 2] == 100 && got[N - 1] == 0);
	/* A descriptor open for writing only: the probe read fails (EBADF),
	 * so there is no ring for it. */
	{
		int w = open(path, O_WRONLY);
		struct sk_batchread *bw = w >= 0 ? sk_batchread_new(w) : NULL;
		CHECK(w >= 0 && bw == NULL); /* its probe read fails */
		if (w >= 0)
			close(w);
	}
	/* Nothing to read: nothing done. */
	CHECK(sk_batchread_run(b, 0, buf, len, off, got) == 0);
	sk_batchread_free(b);
	sk_batchread_free(NULL);
	for (long i = 0; i < N; i++)
		free(buf[i]);
	close(fd);
	unlink(path);
	free(data);
	free(want);
	return test_done();
}
