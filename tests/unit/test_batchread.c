/* batchread: reads in batches against pread of the same bytes: scattered,
 * overlapping and empty reads, more than one round, reads past the end of
 * the file (short, then none); without io_uring (SEGKIT_NO_URING, or a
 * system without it) no ring at all, which the test tells by asking the
 * kernel itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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
	int fd = mkstemp(path), bad = 0;

	CHECK(fd >= 0 && data && want);
	for (long i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(rng_unit() * 256);
	CHECK(write(fd, data, SIZE) == SIZE);
	/* Asked not to, there is no ring, whatever the system. */
	setenv("SEGKIT_NO_URING", "1", 1);
	CHECK(sk_batchread_new(fd) == NULL);
	unsetenv("SEGKIT_NO_URING");
	b = sk_batchread_new(fd);
	if (!kernel_has_uring()) {
		/* The one case where the rest cannot run: said, and counted
		 * as passing only because the kernel refused it too. */
		printf("# io_uring refused by this system: no ring, as expected\n");
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
