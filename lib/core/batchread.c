/* batchread: see batchread.h.  The io_uring interface is used through its
 * system calls and the rings it maps (io_uring_setup(2), io_uring_enter(2),
 * the kernel's include/uapi/linux/io_uring.h), without liburing: a
 * submission queue of IORING_OP_READ entries, one io_uring_enter to submit
 * them and wait for their completions. */
#define _GNU_SOURCE

#include "batchread.h"

#include <assert.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

struct sk_batchread {
	int ring, fd;
	void *sq, *cq;
	size_t sqlen, cqlen;
	struct io_uring_sqe *sqes;
	size_t sqeslen;
	unsigned *shead, *stail, *smask, *sarr, *chead, *ctail, *cmask;
	struct io_uring_cqe *cqes;
};

void sk_batchread_free(struct sk_batchread *b)
{
	if (!b)
		return;
	if (b->sqes)
		munmap(b->sqes, b->sqeslen);
	if (b->cq)
		munmap(b->cq, b->cqlen);
	if (b->sq)
		munmap(b->sq, b->sqlen);
	if (b->ring >= 0)
		close(b->ring);
	free(b);
}

struct sk_batchread *sk_batchread_new(int fd)
{
	struct io_uring_params p;
	struct sk_batchread *b;
	const char *no = getenv("SEGKIT_NO_URING");
	unsigned char one;
	void *bufs[1] = {&one};
	const size_t len[1] = {1};
	const int64_t off[1] = {0};
	long got[1];

	if (no && *no)
		return NULL;
	/* A file system that cannot read from its cache without blocking
	 * (preadv2 RWF_NOWAIT: EOPNOTSUPP from tmpfs on this project's kernel,
	 * 6.18) has io_uring hand every read to a kernel worker thread, woken
	 * and waited for (regrid linear in /dev/shm: 17,000 context switches,
	 * 0.79 s against 0.51 s by pread).  No ring for it: pread is cheap
	 * there.  Asked of the first byte, which the caller has just read (so
	 * cached); the answer is the file system's, not the moment's, where a
	 * probe read through the ring that waited or not depended on whether
	 * the worker finished before the submitting call returned. */
	{
		struct iovec io = {&one, 1};
		if (preadv2(fd, &io, 1, 0, RWF_NOWAIT) < 0)
			return NULL;
	}
	if (!(b = calloc(1, sizeof *b)))
		return NULL;
	b->fd = fd;
	memset(&p, 0, sizeof p);
	b->ring = (int)syscall(__NR_io_uring_setup, SK_BATCHREAD_MAX, &p);
	if (b->ring < 0) {
		b->ring = -1;
		sk_batchread_free(b);
		return NULL;
	}
	b->sqlen = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	b->cqlen = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	b->sqeslen = p.sq_entries * sizeof(struct io_uring_sqe);
	b->sq = mmap(NULL, b->sqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, b->ring, IORING_OFF_SQ_RING);
	b->cq = mmap(NULL, b->cqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, b->ring, IORING_OFF_CQ_RING);
	b->sqes = mmap(NULL, b->sqeslen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, b->ring, IORING_OFF_SQES);
	if (b->sq == MAP_FAILED)
		b->sq = NULL;
	if (b->cq == MAP_FAILED)
		b->cq = NULL;
	if (b->sqes == MAP_FAILED)
		b->sqes = NULL;
	if (!b->sq || !b->cq || !b->sqes || p.sq_entries < SK_BATCHREAD_MAX) {
		sk_batchread_free(b);
		return NULL;
	}
	b->shead = (unsigned *)(void *)((char *)b->sq + p.sq_off.head);
	b->stail = (unsigned *)(void *)((char *)b->sq + p.sq_off.tail);
	b->smask = (unsigned *)(void *)((char *)b->sq + p.sq_off.ring_mask);
	b->sarr = (unsigned *)(void *)((char *)b->sq + p.sq_off.array);
	b->chead = (unsigned *)(void *)((char *)b->cq + p.cq_off.head);
	b->ctail = (unsigned *)(void *)((char *)b->cq + p.cq_off.tail);
	b->cmask = (unsigned *)(void *)((char *)b->cq + p.cq_off.ring_mask);
	b->cqes = (struct io_uring_cqe *)(void *)((char *)b->cq + p.cq_off.cqes);
	/* A kernel before 5.6 sets the ring up but fails IORING_OP_READ: one
	 * byte read (an empty file reads none, which is fine too). */
	if (sk_batchread_run(b, 1, bufs, len, off, got) < 0 || got[0] < 0) {
		sk_batchread_free(b);
		return NULL;
	}
	return b;
}

/* Reaps the completions there are: got[user_data] for each; how many. */
static long reap(struct sk_batchread *b, void *const *buf, long base, long *got)
{
	unsigned h = *b->chead;
	const unsigned t = __atomic_load_n(b->ctail, __ATOMIC_ACQUIRE);
	long n = 0;

	for (; h != t; h++, n++) {
		const struct io_uring_cqe *c = &b->cqes[h & *b->cmask];
		const long i = base + (long)c->user_data;
		got[i] = c->res;
		/* The kernel wrote the buffer behind valgrind's back. */
		if (c->res > 0)
			(void)VALGRIND_MAKE_MEM_DEFINED(buf[i], (size_t)c->res);
	}
	__atomic_store_n(b->chead, h, __ATOMIC_RELEASE);
	return n;
}

int sk_batchread_run(struct sk_batchread *b, long n, void *const *buf, const size_t *len, const int64_t *off,
		     long *got)
{
	int rc = 0;

	for (long base = 0; base < n; base += SK_BATCHREAD_MAX) {
		const long m = n - base < SK_BATCHREAD_MAX ? n - base : SK_BATCHREAD_MAX;
		const unsigned tail = *b->stail;
		long done = 0, left;

		for (long j = 0; j < m; j++) {
			const unsigned ix = (tail + (unsigned)j) & *b->smask;
			struct io_uring_sqe *e = &b->sqes[ix];
			memset(e, 0, sizeof *e);
			e->opcode = IORING_OP_READ;
			e->fd = b->fd;
			e->addr = (uint64_t)(uintptr_t)buf[base + j];
			e->len = (uint32_t)len[base + j];
			e->off = (uint64_t)off[base + j];
			e->user_data = (uint64_t)j;
			b->sarr[ix] = ix;
			got[base + j] = -EIO;
		}
		__atomic_store_n(b->stail, tail + (unsigned)m, __ATOMIC_RELEASE);
		/* Submit all, then wait for all; a signal (EINTR) or a full
		 * completion queue (EBUSY) only means: call again. */
		while (__atomic_load_n(b->shead, __ATOMIC_ACQUIRE) != tail + (unsigned)m) {
			const unsigned pending = tail + (unsigned)m - __atomic_load_n(b->shead, __ATOMIC_ACQUIRE);
			const long r = syscall(__NR_io_uring_enter, b->ring, pending, 0, 0, NULL, 0);
			if (r < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY) {
				rc = -errno;
				break;
			}
			done += reap(b, buf, base, got);
		}
		/* What was submitted must end before the buffers go back. */
		left = (long)(__atomic_load_n(b->shead, __ATOMIC_ACQUIRE) - tail) - done;
		while (left > 0) {
			const long r = syscall(__NR_io_uring_enter, b->ring, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
			/* Waiting fails only by a signal, or by a programmer's
			 * error (a bad ring): the reads in flight would land in
			 * buffers given back, so it waits on. */
			assert(r >= 0 || errno == EINTR || errno == EAGAIN || errno == EBUSY);
			left -= reap(b, buf, base, got);
		}
		if (rc < 0) {
			/* Entries the kernel did not take: withdraw them. */
			*b->stail = __atomic_load_n(b->shead, __ATOMIC_ACQUIRE);
			return rc;
		}
	}
	return rc;
}
