/* Read-ahead in io.c: files and pipes fed in small irregular chunks read
 * through sk_in_need / sk_in_skip with random request sizes give exactly
 * the source bytes; seeks, resizes, closes on an idle pipe, read errors. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "rng.h"
#include "io.h"
#include "mkstream.h"
#include "stream.h"

enum { N = 11 * 1000 * 1000 + 17 };   /* more than two 4 MiB slots */
#define H ((size_t)4 << 20)            /* the read-ahead unit for a default buffer */

static unsigned char *data;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A request size: mostly records, sometimes 0, up to H, beyond H (copied),
 * or beyond the end of the input. */
static size_t pick(uint64_t *s, size_t at, size_t len)
{
	switch (rng_step(s) % 16) {
	case 0:
		return 0;
	case 1:
		return (size_t)(rng_step(s) % H) + 1;
	case 2:
		return H + (size_t)(rng_step(s) % (2 * H));
	case 3:
		return len - at + (size_t)(rng_step(s) % 5000);
	case 4:
		return H;
	default:
		return (size_t)(rng_step(s) % 30000) + 1;
	}
}

/* Reads in from byte at (of src, len bytes) to the end with random requests
 * and skips; 1 when every byte, the end and eof are right. */
static int consume(struct sk_in *in, const unsigned char *src, size_t at, size_t len, uint64_t seed)
{
	struct sk_error err;
	int ok = 1;

	while (ok) {
		const size_t n = pick(&seed, at, len);
		const size_t want = n < len - at ? n : len - at;
		const int64_t got = sk_in_need(in, n, &err);
		size_t k;

		if (got != (int64_t)want) {
			printf("# need(%zu) at %zu: %lld, not %zu (%s)\n", n, at, (long long)got, want,
			       got < 0 ? err.msg : "");
			return 0;
		}
		ok &= memcmp(sk_in_ptr(in), src + at, want) == 0;
		ok &= in->pos == (int64_t)at;
		if (at == len)
			break;
		k = rng_step(&seed) % 3 ? want : (size_t)(rng_step(&seed) % (want + 1));
		sk_in_skip(in, k);
		at += k;
	}
	/* A file stops at its size, a pipe at the end of the input. */
	ok &= sk_in_need(in, 1, &err) == 0 && (in->eof || in->size >= 0);
	if (!ok)
		printf("# wrong bytes or end near byte %zu\n", at);
	return ok;
}

/* Reads on to byte at in steps of up to 64 KiB. */
static int advance(struct sk_in *in, size_t at)
{
	struct sk_error err;

	while (in->pos < (int64_t)at) {
		const size_t c = at - (size_t)in->pos < 65536 ? at - (size_t)in->pos : 65536;
		if (sk_in_need(in, c, &err) != (int64_t)c)
			return 0;
		sk_in_skip(in, c);
	}
	return 1;
}

static int write_file(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(p, 1, n, f) == n;
	if (f && fclose(f) != 0)
		ok = 0;
	return ok;
}

struct feeder {
	int fd;
	const unsigned char *p;
	size_t n;
	uint64_t seed;
	int slow;   /* pause now and then */
};

/* Writes p to the pipe in chunks of 1 to 997 bytes, then closes it. */
static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t at = 0;
	long k = 0;

	while (at < f->n) {
		size_t n = (size_t)(rng_step(&f->seed) % 997) + 1;
		if (n > f->n - at)
			n = f->n - at;
		if (write(f->fd, f->p + at, n) != (ssize_t)n)
			break;
		at += n;
		if (f->slow && ++k % 2000 == 0) {
			const struct timespec ms = {0, 2000000};
			nanosleep(&ms, NULL);
		}
	}
	close(f->fd);
	return NULL;
}

/* Opens the read end of a pipe fed by a thread as an sk_in. */
static int open_pipe(struct sk_in *in, struct feeder *f, pthread_t *th, const unsigned char *p, size_t n,
		     uint64_t seed, int slow)
{
	int fd[2];
	char path[32];
	struct sk_error err;

	if (pipe(fd) != 0)
		return -1;
	snprintf(path, sizeof path, "/dev/fd/%d", fd[0]);
	if (sk_in_open(in, path, &err) < 0)
		return -1;
	close(fd[0]);
	f->fd = fd[1];
	f->p = p;
	f->n = n;
	f->seed = seed;
	f->slow = slow;
	return pthread_create(th, NULL, feed, f) == 0 ? 0 : -1;
}

static void test_files(const char *path)
{
	struct sk_in in;
	struct sk_error err;

	/* From the start, and after reads that leave bytes buffered. */
	for (uint64_t seed = 1; seed <= 10; seed++) {
		/* Units: the buffer (4 MiB: two 8 MiB slots), a record (four
		 * 2 MiB slots), a large record (two 3 MiB slots). */
		const size_t unit = seed <= 6 ? 0 : seed <= 8 ? 10240 : 1500000;
		size_t at = 0;
		CHECK(sk_in_open(&in, path, &err) == 0);
		if (seed % 2 == 0) {
			CHECK(sk_in_need(&in, 5000 * seed, &err) == (int64_t)(5000 * seed));
			sk_in_skip(&in, 777 * seed);
			at = 777 * seed;
		}
		CHECK(sk_in_readahead(&in, unit, &err) == 0 && in.ra);
		CHECKF(consume(&in, data, at, N, seed * 7919), "seed %lu", (unsigned long)seed);
		sk_in_close(&in);
	}
	/* Started again, and twice. */
	CHECK(sk_in_open(&in, path, &err) == 0);
	CHECK(sk_in_readahead(&in, 0, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0);
	CHECK(consume(&in, data, 0, N, 99));
	CHECK(sk_in_readahead(&in, 0, &err) == 0);
	sk_in_close(&in);
}

static void test_small_file(void)
{
	char path[64];
	struct sk_in in;
	struct sk_error err;

	/* A file read whole by the first request starts no thread. */
	snprintf(path, sizeof path, "/tmp/test_io_ra_small_%ld", (long)getpid());
	CHECK(write_file(path, data, 1000));
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_need(&in, 10, &err) == 10);
	CHECK(sk_in_readahead(&in, 0, &err) == 0 && !in.ra);
	CHECK(sk_in_need(&in, 5000, &err) == 1000 && memcmp(sk_in_ptr(&in), data, 1000) == 0);
	sk_in_close(&in);
	/* Not yet read: a thread, the same bytes, the same short result. */
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0 && in.ra);
	CHECK(sk_in_need(&in, 0, &err) == 0);
	CHECK(sk_in_need(&in, 5000, &err) == 1000 && memcmp(sk_in_ptr(&in), data, 1000) == 0 && in.eof);
	sk_in_skip(&in, 1000);
	CHECK(sk_in_need(&in, 1, &err) == 0);
	sk_in_close(&in);
	/* Empty. */
	CHECK(write_file(path, data, 0));
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0 && !in.ra);
	CHECK(sk_in_need(&in, 10, &err) == 0);
	sk_in_close(&in);
	unlink(path);
}

static void test_pipes(void)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct sk_in in;
		struct sk_error err;
		struct feeder f;
		pthread_t th;
		size_t at = 0;

		CHECK(open_pipe(&in, &f, &th, data, N, seed, seed % 2 == 0) == 0);
		CHECK(!in.seekable && in.size == -1);
		if (seed > 2) {
			CHECK(sk_in_need(&in, 3600, &err) == 3600);
			sk_in_skip(&in, 1234);
			at = 1234;
		}
		CHECK(sk_in_readahead(&in, 0, &err) == 0 && in.ra);
		CHECKF(consume(&in, data, at, N, seed * 104729), "pipe seed %lu", (unsigned long)seed);
		sk_in_close(&in);
		pthread_join(th, NULL);
	}
	/* A resize while the thread reads keeps every byte (the thread stops
	 * after its read: nothing read from a pipe can be read again). */
	{
		struct sk_in in;
		struct sk_error err;
		struct feeder f;
		pthread_t th;

		CHECK(open_pipe(&in, &f, &th, data, N, 42, 1) == 0);
		CHECK(sk_in_readahead(&in, 0, &err) == 0);
		CHECK(sk_in_need(&in, 300000, &err) == 300000 && memcmp(sk_in_ptr(&in), data, 300000) == 0);
		sk_in_skip(&in, 100000);
		CHECK(sk_in_resize(&in, 1 << 20, &err) == 0 && !in.ra);
		CHECK(consume(&in, data, 100000, N, 43));
		sk_in_close(&in);
		pthread_join(th, NULL);
	}
}

static void test_seek(const char *path)
{
	struct sk_in in;
	struct sk_error err;
	uint64_t s = 5;

	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0);
	/* Well into the second slot (of 8 MiB for a 4 MiB unit). */
	CHECK(advance(&in, 9500000));
	CHECK(sk_in_need(&in, 20000, &err) == 20000 && memcmp(sk_in_ptr(&in), data + 9500000, 20000) == 0);
	sk_in_skip(&in, 10000);
	/* Back and forth inside the buffer: read-ahead goes on. */
	CHECK(sk_in_seek(&in, 9500000, &err) == 0 && in.ra);
	CHECK(sk_in_need(&in, 10, &err) == 10 && memcmp(sk_in_ptr(&in), data + 9500000, 10) == 0);
	CHECK(sk_in_seek(&in, 9515000, &err) == 0 && in.ra);
	CHECK(sk_in_need(&in, 5000, &err) == 5000 && memcmp(sk_in_ptr(&in), data + 9515000, 5000) == 0);
	/* Outside: it stops, and the bytes are right. */
	CHECK(sk_in_seek(&in, 17, &err) == 0 && !in.ra);
	CHECK(sk_in_need(&in, 100, &err) == 100 && memcmp(sk_in_ptr(&in), data + 17, 100) == 0);
	CHECK(sk_in_seek(&in, 9000000, &err) == 0);
	CHECK(sk_in_need(&in, 100, &err) == 100 && memcmp(sk_in_ptr(&in), data + 9000000, 100) == 0);
	/* Started again after the seek, to the end (all buffered: no thread). */
	CHECK(sk_in_readahead(&in, 0, &err) == 0 && !in.ra);
	CHECK(consume(&in, data, 9000000, N, 77));
	CHECK(sk_in_seek(&in, 5000000, &err) == 0 && sk_in_need(&in, 10, &err) == 10);
	CHECK(sk_in_readahead(&in, 0, &err) == 0);   /* the buffer grew: maybe all read */
	CHECK(consume(&in, data, 5000000, N, 79));
	/* Back to the start after the end. */
	CHECK(sk_in_seek(&in, 0, &err) == 0 && !in.eof);
	CHECK(sk_in_readahead(&in, 0, &err) == 0 && in.ra);
	CHECK(consume(&in, data, 0, N, 78));
	sk_in_close(&in);
	/* Stopped by a seek just after a slot change, many times: the fd is
	 * set back right whatever the thread had read. */
	for (int k = 0; k < 20; k++) {
		const size_t at = (size_t)(rng_step(&s) % (N - 100000));
		const size_t to = (size_t)(rng_step(&s) % (N - 100000));
		CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0);
		CHECK(advance(&in, at));
		CHECK(sk_in_need(&in, 50000, &err) == 50000 && memcmp(sk_in_ptr(&in), data + at, 50000) == 0);
		sk_in_skip(&in, 50000);
		CHECK(sk_in_seek(&in, (int64_t)to, &err) == 0);
		CHECK(sk_in_need(&in, 100000, &err) == 100000 && memcmp(sk_in_ptr(&in), data + to, 100000) == 0);
		/* A resize of a file keeps the buffered bytes, then reads on. */
		CHECK(sk_in_readahead(&in, 0, &err) == 0);
		sk_in_skip(&in, 99000);
		CHECK(sk_in_resize(&in, 65536, &err) == 0 && !in.ra);
		CHECK(sk_in_need(&in, 3000, &err) == 3000 && memcmp(sk_in_ptr(&in), data + to + 99000, 3000) == 0);
		sk_in_close(&in);
	}
}

/* Closing while the thread waits in read() on an idle pipe, or for a free
 * slot, returns at once. */
static void test_close(const char *path)
{
	struct sk_in in;
	struct sk_error err;
	int fd[2];
	char p[32];
	double t;

	CHECK(pipe(fd) == 0);
	snprintf(p, sizeof p, "/dev/fd/%d", fd[0]);
	CHECK(sk_in_open(&in, p, &err) == 0);
	close(fd[0]);
	CHECK(write(fd[1], "abcdef", 6) == 6);
	CHECK(sk_in_readahead(&in, 0, &err) == 0 && in.ra);
	CHECK(sk_in_need(&in, 3, &err) == 3 && memcmp(sk_in_ptr(&in), "abc", 3) == 0);
	t = now();
	sk_in_close(&in);
	CHECKF(now() - t < 1.0, "%.3f s", now() - t);
	close(fd[1]);
	/* Nothing read at all. */
	CHECK(pipe(fd) == 0);
	snprintf(p, sizeof p, "/dev/fd/%d", fd[0]);
	CHECK(sk_in_open(&in, p, &err) == 0);
	close(fd[0]);
	CHECK(sk_in_readahead(&in, 0, &err) == 0);
	t = now();
	sk_in_close(&in);
	CHECKF(now() - t < 1.0, "%.3f s", now() - t);
	close(fd[1]);
	/* A file: both slots full, the thread waiting. */
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0);
	CHECK(sk_in_need(&in, 10, &err) == 10);
	{
		const struct timespec ms = {0, 50000000};
		nanosleep(&ms, NULL);
	}
	t = now();
	sk_in_close(&in);
	CHECKF(now() - t < 1.0, "%.3f s", now() - t);
	/* Straight after the start. */
	for (int k = 0; k < 50; k++) {
		CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0);
		sk_in_close(&in);
	}
}

/* A read error after some bytes (reading /proc/self/mem into an unmapped
 * page) is reported as without read-ahead: at its byte, after those bytes. */
static void test_error(void)
{
	const long pg = sysconf(_SC_PAGESIZE);
	const int z = open("/dev/zero", O_RDONLY);
	unsigned char *m = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
	char msg[2][sizeof ((struct sk_error *)0)->msg];

	close(z);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	for (long i = 0; i < 2 * pg; i++)
		m[i] = (unsigned char)(i * 7);
	munmap(m + 2 * pg, (size_t)pg);
	for (int ra = 0; ra < 2; ra++) {
		struct sk_in in;
		struct sk_error err;
		const int64_t n = 2 * pg;

		if (sk_in_open(&in, "/proc/self/mem", &err) < 0) {
			printf("# no /proc/self/mem: %s\n", err.msg);
			munmap(m, 2 * (size_t)pg);
			return;
		}
		/* A stream starting at m. */
		in.seekable = 0;
		in.size = -1;
		CHECK(lseek(in.fd, (off_t)(uintptr_t)m, SEEK_SET) != (off_t)-1);
		if (ra)
			CHECK(sk_in_readahead(&in, 0, &err) == 0 && in.ra);
		CHECK(sk_in_need(&in, 100, &err) == 100 && memcmp(sk_in_ptr(&in), m, 100) == 0);
		sk_in_skip(&in, 50);
		CHECK(sk_in_need(&in, 20000, &err) == SK_EIO);
		snprintf(msg[ra], sizeof msg[ra], "%s", err.msg);
		CHECKF(err.errnum == EIO && strstr(err.msg, "read error at byte 8192: ") == err.msg, "%s", err.msg);
		/* The bytes before the error stay readable. */
		CHECK(sk_in_need(&in, (size_t)n - 50, &err) == n - 50 && memcmp(sk_in_ptr(&in), m + 50, (size_t)n - 50) == 0);
		CHECK(sk_in_need(&in, (size_t)n, &err) == SK_EIO);
		sk_in_close(&in);
	}
	CHECKF(strcmp(msg[0], msg[1]) == 0, "%s | %s", msg[0], msg[1]);
	munmap(m, 2 * (size_t)pg);
}

/* Traces read through a reader with read-ahead equal those without. */
static void test_reader(void)
{
	const int fmts[] = {SK_FMT_SEGY, SK_FMT_SU, SK_FMT_SGK};
	char path[64];

	snprintf(path, sizeof path, "/tmp/test_io_ra_stream_%ld", (long)getpid());
	for (int f = 0; f < 3; f++) {
		struct sk_reader *a, *b;
		struct sk_error err;
		const long ns = 1001, n = 3000;
		unsigned char ha[240], hb[240];
		float *da = malloc(ns * sizeof *da), *db = malloc(ns * sizeof *db);
		long k = 0;
		int ra = 1, rb = 1, same = 1;

		CHECK(mk_stream(path, fmts[f], n, ns, NULL) == 0);
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &a, &err) == 0);
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &b, &err) == 0 && sk_reader_readahead(b, &err) == 0);
		while (ra == 1 && rb == 1) {
			ra = sk_reader_next(a, ha, da, &err);
			rb = sk_reader_next(b, hb, db, &err);
			same &= ra == rb && (ra != 1 || (memcmp(ha, hb, 240) == 0 && memcmp(da, db, ns * sizeof *da) == 0));
			k += ra == 1;
			if (k == n / 2 && ra == 1 && f != 1) {
				/* A seek back (SEG-Y, sgk) ends the read-ahead. */
				same &= sk_reader_seek(a, 10, &err) == 0 && sk_reader_seek(b, 10, &err) == 0;
				same &= sk_reader_readahead(b, &err) == 0;
				k = n;
			}
		}
		CHECKF(same && ra == 0 && rb == 0, "format %d", fmts[f]);
		sk_reader_free(a);
		sk_reader_free(b);
		free(da);
		free(db);
	}
	unlink(path);
}

/*
 * Read-ahead by blocks (started at byte at): after the first unit of first
 * bytes taken in records of rec bytes, every unit is served whole and
 * in place: at a page-aligned slot start plus whole units (a unit copied
 * into a buffer of its own, or carried over, would not be), with exactly
 * the source's bytes; then the tail in records, and the end.
 */
static int blocks_consume(struct sk_in *in, size_t at, size_t unit, size_t first, size_t rec)
{
	const size_t buffered = in->end - in->beg;
	struct sk_error err;
	const size_t ustart = at + first;
	int ok = 1;
	long inplace = 0, units = 0;

	while (at < ustart && ok) {
		const size_t n = ustart - at < rec ? ustart - at : rec;
		ok &= sk_in_need(in, n, &err) == (int64_t)n && memcmp(sk_in_ptr(in), data + at, n) == 0;
		sk_in_skip(in, n);
		at += n;
	}
	while (ok && N - at >= unit) {
		const unsigned char *p;
		ok &= sk_in_need(in, unit, &err) == (int64_t)unit;
		p = sk_in_ptr(in);
		ok &= memcmp(p, data + at, unit) == 0;
		units++;
		inplace += (uintptr_t)in->buf % 4096 == 0 && in->beg % unit == 0;
		sk_in_skip(in, unit);
		at += unit;
	}
	while (ok && at < N) {
		const size_t n = N - at < rec ? N - at : rec;
		ok &= sk_in_need(in, rec, &err) == (int64_t)n && memcmp(sk_in_ptr(in), data + at, n) == 0;
		sk_in_skip(in, n);
		at += n;
	}
	ok &= sk_in_need(in, 1, &err) == 0;
	/* The units in the bytes buffered before, and those of the thread's
	 * first slot, which may follow bytes carried over (the slot's start
	 * is then not theirs), may not count; every later one is in place. */
	{
		const long per = (long)((((size_t)2 << 20) + unit - 1) / unit + buffered / unit + 1);
		if (inplace < units - per)
			printf("# %ld of %ld units in place\n", inplace, units);
		return ok && units >= 3 && inplace >= units - per && inplace >= 2;
	}
}

static void test_blocks(const char *path)
{
	/* unit, first, record, bytes read before; a slot holds one unit
	 * (2.1 MB), two (1.5 MB) or 21 (100 kB). */
	static const size_t cases[][4] = {
		{2100000, 2100000, 3000, 0}, {1500000, 1234567, 4244, 3600},
		{1500000, 1500000, 4244, 260000}, {100000, 100000, 1000, 777},
		{100000, 3000, 1000, 5000}, {2096720, 2096720, 4244, 3600},
	};
	struct sk_error err;

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const size_t unit = cases[c][0], first = cases[c][1], rec = cases[c][2], lead = cases[c][3];
		for (int pipe_in = 0; pipe_in < 2; pipe_in++) {
			struct sk_in in;
			struct feeder f;
			pthread_t th;
			if (pipe_in)
				CHECK(open_pipe(&in, &f, &th, data, N, c + 5, c % 2) == 0);
			else
				CHECK(sk_in_open(&in, path, &err) == 0);
			if (lead) {
				CHECK(sk_in_need(&in, lead + 100, &err) == (int64_t)(lead + 100));
				sk_in_skip(&in, lead);
			}
			CHECK(sk_in_readahead_blocks(&in, unit, first, &err) == 0 && in.ra);
			CHECK(sk_in_readahead_unit(&in) == unit);
			CHECKF(blocks_consume(&in, lead, unit, first, rec), "case %zu pipe %d", c, pipe_in);
			sk_in_close(&in);
			if (pipe_in)
				pthread_join(th, NULL);
		}
	}
	/* Random requests read the same bytes as ever; refusals. */
	{
		struct sk_in in;
		CHECK(sk_in_open(&in, path, &err) == 0);
		CHECK(sk_in_readahead_blocks(&in, 0, 0, &err) == SK_EARG && !in.ra);
		CHECK(sk_in_readahead_blocks(&in, 10, 11, &err) == SK_EARG && !in.ra);
		CHECK(sk_in_readahead_unit(&in) == 0);
		CHECK(sk_in_readahead_blocks(&in, 30000, 0, &err) == 0 && in.ra);
		CHECK(consume(&in, data, 0, N, 555));
		sk_in_close(&in);
	}
}

int main(void)
{
	char path[64];

	alarm(300);   /* a hang fails the test rather than make check */
	data = malloc(N);
	for (size_t i = 0; i < N; i++)
		data[i] = (unsigned char)(i * 131 + i / 4093 + (i >> 16));
	snprintf(path, sizeof path, "/tmp/test_io_ra_%ld", (long)getpid());
	CHECK(write_file(path, data, N));
	test_files(path);
	test_small_file();
	test_pipes();
	test_seek(path);
	test_close(path);
	test_error();
	test_reader();
	test_blocks(path);
	unlink(path);
	free(data);
	return test_done();
}
