/* Unit tests of lib/flow/split_write.c (split_int.h sk_runw_*): a sorted
 * piece written by a thread of its own while the next piece fills the slots
 * behind it.  The records are made here (make_trace's header and big-endian
 * IEEE samples: a SEG-Y format 5 record, byte for byte what the reader gives
 * of write_stream's file, which is checked first), laid in slots of one
 * buffer and listed in a permuted order; the piece must hold them in that
 * order.  A pipe this file drains by hand, with its capacity and the
 * writer's buffer set small, holds the writer at a known point, so that a
 * filler must wait (or need not) by construction, never by a delay: no check
 * here depends on timing or scheduling.  The only clock is a hang guard
 * (HANG_S) on a filler that should have been woken; it bounds no speed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "split_int.h"
#include "tstream.h"
#include "tthreads.h"

#define N 1000          /* records of a piece: 388,000 bytes */
#define HANG_S 30       /* hang guard of a filler's wake-up (not a speed bound) */
#define SMALLBUF 4096   /* the writer's buffer in the pipe tests */
#define RECLEN (240 + NS * 4)
#define FILEHDR 3600    /* SEG-Y textual and binary headers */
#define BATCH ((size_t)(256 << 10) / RECLEN)  /* split_write.c RUNW_BATCH: 675 */

static struct sk_error err;
static struct sk_reader *src;   /* write_stream's file: the records' info */
static unsigned char *base;     /* the slots, N x RECLEN */
static size_t slots[N];         /* record i of the piece lies in slots[i] */

/* Record id as a SEG-Y format 5 record: make_trace's header and samples,
 * the samples' IEEE bits big-endian. */
static void make_rec(int id, unsigned char *out)
{
	float d[NS];

	make_trace(id, out, d);
	for (int s = 0; s < NS; s++) {
		uint32_t u;
		memcpy(&u, &d[s], 4);
		out[240 + 4 * s] = (unsigned char)(u >> 24);
		out[241 + 4 * s] = (unsigned char)(u >> 16);
		out[242 + 4 * s] = (unsigned char)(u >> 8);
		out[243 + 4 * s] = (unsigned char)u;
	}
}

/* Slot s holds record s; the piece lists slot (7 i + 3) mod N as its i-th
 * (7 and 1000 coprime: a permutation, no run in order). */
static void fill_slots(void)
{
	for (int s = 0; s < N; s++)
		make_rec(s, base + (size_t)s * RECLEN);
	for (size_t i = 0; i < N; i++)
		slots[i] = (i * 7 + 3) % N;
}

/* 0 when the piece's bytes after the file header are the listed slots'
 * records in list order, made again here (a filler may have overwritten
 * the slots since). */
static int same_piece(const unsigned char *b, size_t len, size_t n)
{
	unsigned char want[RECLEN];

	if (len != FILEHDR + n * RECLEN)
		return -1;
	for (size_t i = 0; i < n; i++) {
		make_rec((int)slots[i], want);
		if (memcmp(b + FILEHDR + i * RECLEN, want, RECLEN) != 0)
			return -1;
	}
	return 0;
}

/* A job of n records onto path (an sk_rec over src in raw mode; a small
 * writer buffer when bufsize is set).  0, or -1 when it cannot be set up. */
static int job(struct sk_runw *q, struct sk_rec *rec, const char *path, size_t n, size_t bufsize)
{
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_info like = *sk_reader_info(src);

	like.ntraces = -1;
	wo.bufsize = bufsize;
	sk_runw_init(q);
	if (sk_writer_open(path, &like, &wo, &q->w, &err) < 0) {
		printf("# %s: %s\n", path, err.msg);
		return -1;
	}
	CHECK(sk_stream_raw_mode(src, q->w) == SK_RAW_SAME);
	if (sk_rec_init(rec, src, SK_RAW_SAME, &err) < 0)
		return -1;
	q->rec = rec;
	q->base = base;
	q->reclen = RECLEN;
	q->slots = slots;
	q->n = n;
	q->path = path;
	return 0;
}

/* The records made here are what the library reads of write_stream's file
 * (a SEG-Y record of format 5), and raw records of that file pass to its
 * writer unchanged. */
static void test_records(void)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_rec rec;
	unsigned char want[RECLEN];
	int k = 0, same = 0;

	o.fmt = SK_FMT_SEGY;
	o.sample_format = 5;
	o.little = 0;
	CHECK(write_stream(mk_path("src.sgy"), &o, NT) == 0);
	CHECK(sk_reader_open(mk_path("src.sgy"), SK_FMT_AUTO, &src, &err) == 0);
	CHECK(sk_rec_init(&rec, src, SK_RAW_SAME, &err) == 0);
	CHECK(sk_rec_len(&rec) == RECLEN);
	while (sk_rec_next(&rec, 0, &err) == 1) {
		make_rec(k++, want);
		same += memcmp(rec.rec, want, RECLEN) == 0;
	}
	CHECK(k == NT && same == NT);
	sk_rec_release(&rec);
	sk_reader_free(src);
	CHECK(sk_reader_open(mk_path("src.sgy"), SK_FMT_AUTO, &src, &err) == 0);
}

/* Writes a piece into a file, here (thread 0) or in a thread; also read
 * back through the reader: trace i is record slots[i]. */
static void test_file(int thread)
{
	struct sk_runw q;
	struct sk_rec rec;
	const char *p = mk_path(thread ? "t.sgy" : "here.sgy");
	unsigned char *b;
	size_t len = 0;

	if (job(&q, &rec, p, N, 0) < 0) {
		CHECK(0);
		return;
	}
	memset(&err, 0, sizeof err);
	CHECK(sk_runw_start(&q, thread, &err) == 0);
	CHECK(q.active == thread);
	if (!thread)
		CHECK(atomic_load(&q.done) == N && q.w == NULL);  /* written and closed at once */
	/* The last slot, and one past the list: returned once written. */
	CHECK(sk_runw_slot(&q, N - 1, &err) == 0 && atomic_load(&q.done) == N);
	CHECK(sk_runw_slot(&q, N + 5, &err) == 0);
	CHECK(sk_runw_wait(&q, &err) == 0 && q.active == 0 && q.w == NULL);
	CHECK(sk_runw_wait(&q, &err) == 0);  /* none runs now */
	sk_runw_release(&q);
	sk_rec_release(&rec);
	b = mk_slurp(p, &len);
	CHECKF(b && same_piece(b, len, N) == 0, "%s: %zu bytes", p, len);
	free(b);

	struct sk_reader *r;
	unsigned char h[240], eh[240];
	float d[NS], ed[NS];
	size_t i = 0, bad = 0;
	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
	while (sk_reader_next(r, h, d, &err) == 1) {
		make_trace(i < N ? (int)slots[i] : 0, eh, ed);
		bad += memcmp(h, eh, 240) != 0 || memcmp(d, ed, sizeof d) != 0;
		i++;
	}
	CHECKF(i == N && bad == 0, "%zu traces, %zu differ", i, bad);
	sk_reader_free(r);
}

/* sk_runw_release with the thread still running (maybe): it waits for it,
 * and the piece is whole; an empty job and a job never started too. */
static void test_release(void)
{
	struct sk_runw q;
	struct sk_rec rec;
	const char *p = mk_path("rel.sgy");
	unsigned char *b;
	size_t len = 0;

	if (job(&q, &rec, p, N, 0) < 0) {
		CHECK(0);
		return;
	}
	CHECK(sk_runw_start(&q, 1, &err) == 0);
	sk_runw_release(&q);
	CHECK(atomic_load(&q.done) == N && q.finished == 1 && q.rc == 0 && q.active == 0);
	b = mk_slurp(p, &len);
	CHECK(b && same_piece(b, len, N) == 0);
	free(b);
	sk_rec_release(&rec);

	/* No records, in a thread: the file holds the file header alone. */
	p = mk_path("empty.sgy");
	if (job(&q, &rec, p, 0, 0) == 0) {
		CHECK(sk_runw_start(&q, 1, &err) == 0);
		CHECK(sk_runw_slot(&q, 0, &err) == 0);
		CHECK(sk_runw_wait(&q, &err) == 0);
		sk_runw_release(&q);
		sk_rec_release(&rec);
		b = mk_slurp(p, &len);
		CHECK(b && len == FILEHDR);
		free(b);
	}
	sk_runw_init(&q);
	CHECK(sk_runw_slot(&q, 0, &err) == 0 && sk_runw_wait(&q, &err) == 0);
	sk_runw_release(&q);
}

/* A filler in a thread of its own: reads done before its call (d0), calls
 * sk_runw_slot(j), then overwrites the slots 0..j hands it (as the next
 * piece's records would) and reports back. */
struct filler {
	struct sk_runw *q;
	size_t j, d0, d1;
	int rc;
	sem_t ready, back;
	pthread_t th;
};

static void *filler_main(void *arg)
{
	struct filler *f = arg;

	f->d0 = atomic_load(&f->q->done);
	sem_post(&f->ready);
	f->rc = sk_runw_slot(f->q, f->j, &err);
	f->d1 = atomic_load(&f->q->done);
	if (f->rc == 0)
		for (size_t i = 0; i <= f->j && i < f->q->n; i++)
			memset(base + slots[i] * RECLEN, 0xa5, RECLEN);
	sem_post(&f->back);
	return NULL;
}

static int filler_start(struct filler *f, struct sk_runw *q, size_t j)
{
	f->q = q;
	f->j = j;
	f->rc = 1;
	sem_init(&f->ready, 0, 0);
	sem_init(&f->back, 0, 0);
	if (pthread_create(&f->th, NULL, filler_main, f) != 0)
		return -1;
	while (sem_wait(&f->ready) != 0)
		;
	return 0;
}

/* 0 once the filler is back (joined); -1 after the hang guard, when it is
 * still waiting (the test has failed; the caller lets the writer on and
 * calls filler_join). */
static int filler_back(struct filler *f)
{
	struct timespec t;
	int rc;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += HANG_S;
	while ((rc = sem_timedwait(&f->back, &t)) != 0 && errno == EINTR)
		;
	if (rc != 0)
		return -1;
	pthread_join(f->th, NULL);
	sem_destroy(&f->ready);
	sem_destroy(&f->back);
	return 0;
}

/* Reads exactly n bytes of fd into out. */
static int read_n(int fd, unsigned char *out, size_t n)
{
	size_t at = 0;

	while (at < n) {
		const ssize_t k = read(fd, out + at, n - at);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		at += (size_t)k;
	}
	return 0;
}

/* The signals blocked in thread tid (SigBlk of its status), or 0 when
 * unreadable. */
static unsigned long long sigblk(long tid)
{
	char p[64], line[256];
	unsigned long long m = 0;
	FILE *f;

	snprintf(p, sizeof p, "/proc/self/task/%ld/status", tid);
	if (!(f = fopen(p, "r")))
		return 0;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "SigBlk:", 7) == 0)
			m = strtoull(line + 7, NULL, 16);
	fclose(f);
	return m;
}

/* The one thread of this process other than the caller (-1: none or
 * several). */
static long other_thread(void)
{
	DIR *d = opendir("/proc/self/task");
	const struct dirent *e;
	const long me = (long)syscall(SYS_gettid);
	long tid = -1;
	int k = 0;

	while (d && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && atol(e->d_name) != me) {
			tid = atol(e->d_name);
			k++;
		}
	if (d)
		closedir(d);
	return k == 1 ? tid : -1;
}

/*
 * The writer held by a pipe.  The pipe holds cap bytes and the writer's
 * buffer SMALLBUF: until this test reads, the writer has handed on at most
 * FILEHDR + SMALLBUF + cap bytes, so it has written fewer than
 * (FILEHDR + SMALLBUF + cap) / RECLEN + 1 records (about 31 with a 4 KiB
 * pipe), whatever the scheduling.  So a filler for slot J = 100 must wait.
 * Once this test has read FILEHDR + W x RECLEN bytes, W = J + BATCH (the
 * records up to W's end), the writer has put the W-th record and wakes the
 * filler with no more reading; it cannot finish, for the rest, (N - W) x
 * RECLEN = 87,300 bytes, exceeds what the buffer and pipe hold.  A filler
 * for a slot below done returns at once: the writer is held, so one that
 * waited would hang.
 */
static void test_pipe(void)
{
	struct sk_runw q;
	struct sk_rec rec;
	struct filler f;
	char p[64];
	unsigned char *got = malloc(FILEHDR + (size_t)N * RECLEN + 1);
	const size_t J = 100, W = J + BATCH;
	size_t cap, have;
	int fd[2], rc;

	signal(SIGPIPE, SIG_IGN);
	if (!got || pipe(fd) != 0 || (rc = fcntl(fd[1], F_SETPIPE_SZ, 4096)) < 0) {
		CHECK(0);
		free(got);
		return;
	}
	cap = (size_t)rc;
	snprintf(p, sizeof p, "/dev/fd/%d", fd[1]);
	if (job(&q, &rec, p, N, SMALLBUF) < 0) {
		CHECK(0);
		free(got);
		return;
	}
	close(fd[1]);
	CHECKF((FILEHDR + SMALLBUF + cap) / RECLEN + 1 <= J, "pipe of %zu bytes", cap);
	CHECK(W < N && (N - W) * RECLEN > SMALLBUF + cap);

	/* The caller's signal mask is its own again; the writer's blocks
	 * every signal a handler could take (bit s - 1 for signal s): 1-31
	 * but SIGKILL and SIGSTOP, which the kernel never blocks, and the
	 * real-time ones 34-63 (32 and 33 are glibc's own, 64 valgrind's:
	 * left out). */
	const unsigned long long mine = sigblk((long)syscall(SYS_gettid));
	/* The writers joined before may still be listed a moment (tthreads.h):
	 * gone first, so that the one other thread is this job's writer. */
	CHECK(t_threads_gone(1) == 1);
	CHECK(sk_runw_start(&q, 1, &err) == 0 && q.active == 1);
	CHECK(sigblk((long)syscall(SYS_gettid)) == mine);
	const long wt = other_thread();
	const unsigned long long all = (0x7fffffffULL & ~(1ULL << (SIGKILL - 1)) & ~(1ULL << (SIGSTOP - 1))) |
				       (~0ULL << 33 & ~(1ULL << 63));
	CHECKF(wt > 0 && (sigblk(wt) & all) == all, "writer %ld: SigBlk %016llx", wt,
	       wt > 0 ? sigblk(wt) : 0ULL);

	/* A filler that must wait. */
	CHECK(filler_start(&f, &q, J) == 0);
	CHECKF(f.d0 <= J, "done %zu before any read", f.d0);
	CHECK(read_n(fd[0], got, FILEHDR + W * RECLEN) == 0);
	have = FILEHDR + W * RECLEN;
	if (filler_back(&f) != 0) {
		CHECKF(0, "filler of slot %zu not woken after %zu records read", J, W);
		/* Let the writer finish, which wakes the filler, and clean up. */
		CHECK(read_n(fd[0], got + have, (size_t)N * RECLEN - W * RECLEN) == 0);
		while (sem_wait(&f.back) != 0)
			;
		pthread_join(f.th, NULL);
		sem_destroy(&f.ready);
		sem_destroy(&f.back);
		sk_runw_release(&q);
		sk_rec_release(&rec);
		close(fd[0]);
		free(got);
		fill_slots();
		return;
	}
	CHECK(f.rc == 0 && f.d1 > J);
	pthread_mutex_lock(&q.mu);
	CHECK(q.finished == 0);
	pthread_mutex_unlock(&q.mu);

	/* A filler that need not: slot done - 1 has been written. */
	const size_t d = atomic_load(&q.done);
	CHECK(d >= W && d < N);
	CHECK(filler_start(&f, &q, d - 1) == 0);
	CHECK(filler_back(&f) == 0 && f.rc == 0 && f.d0 >= d);

	/* The rest: the piece is whole though the filler overwrote slots. */
	CHECK(read_n(fd[0], got + have, (size_t)N * RECLEN - W * RECLEN) == 0);
	have = FILEHDR + (size_t)N * RECLEN;
	CHECK(read(fd[0], got + have, 1) == 0);  /* then the end */
	CHECK(sk_runw_wait(&q, &err) == 0);
	CHECK(same_piece(got, have, N) == 0);
	sk_runw_release(&q);
	sk_rec_release(&rec);
	close(fd[0]);
	free(got);
	fill_slots();
}

/*
 * A writer that fails: /dev/full with a 16 KiB buffer.  How many records it
 * takes before the failure (k) is counted here by putting them through the
 * same kind of writer by hand; the job must have handed out those k slots
 * and no more, and its every later slot, its wait and (written here) its
 * start return the error, which names the piece.
 */
static void test_fail(void)
{
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_info like = *sk_reader_info(src);
	struct sk_writer *w;
	struct sk_runw q;
	struct sk_rec rec;
	struct sk_error e2;
	size_t k = 0, bad = 0;

	like.ntraces = -1;
	wo.bufsize = 16384;
	CHECK(sk_writer_open("/dev/full", &like, &wo, &w, &err) == 0);
	CHECK(sk_rec_init(&rec, src, SK_RAW_SAME, &err) == 0);
	while (k < N && sk_rec_put_saved(&rec, base + slots[k] * RECLEN, w, &err) == 0)
		k++;
	sk_writer_abort(w);
	sk_rec_release(&rec);
	CHECKF(k > 0 && k < N, "%zu records before the failure", k);

	for (int thread = 0; thread <= 1; thread++) {
		if (job(&q, &rec, "/dev/full", N, 16384) < 0) {
			CHECK(0);
			continue;
		}
		memset(&err, 0, sizeof err);
		const int rc = sk_runw_start(&q, thread, &err);
		if (thread) {
			CHECK(rc == 0);
			memset(&err, 0, sizeof err);
			CHECK(sk_runw_slot(&q, N - 1, &err) < 0);
		} else {
			CHECK(rc < 0 && q.active == 0);
		}
		CHECKF(strcmp(err.file, "/dev/full") == 0 && strcmp(err.msg, "No space left on device") == 0,
		       "%s: %s", err.file, err.msg);
		CHECKF(atomic_load(&q.done) == k, "done %zu, %zu put by hand", atomic_load(&q.done), k);
		CHECK(q.w == NULL);  /* aborted */
		/* Slots written before the failure are handed out, none after. */
		CHECK(sk_runw_slot(&q, k - 1, &e2) == 0);
		for (size_t j = k; j < N; j++) {
			memset(&e2, 0, sizeof e2);
			bad += thread ? sk_runw_slot(&q, j, &e2) >= 0 || strcmp(e2.file, "/dev/full") != 0
				      : sk_runw_slot(&q, j, &e2) != 0;  /* no thread: none to wait for */
		}
		CHECKF(bad == 0, "%zu slots after the failure", bad);
		memset(&e2, 0, sizeof e2);
		if (thread)
			CHECK(sk_runw_wait(&q, &e2) < 0 && strcmp(e2.file, "/dev/full") == 0 &&
			      strcmp(e2.msg, "No space left on device") == 0);
		else
			CHECK(sk_runw_wait(&q, &e2) == 0);  /* the error was start's */
		sk_runw_release(&q);
		sk_rec_release(&rec);
	}
}

int main(void)
{
	if (!mk_tmpdir(mk_dir, sizeof mk_dir, "splitw") || !(base = malloc((size_t)N * RECLEN))) {
		printf("not ok - no directory\n");
		return 1;
	}
	fill_slots();
	test_records();
	test_file(0);
	test_file(1);
	test_release();
	test_pipe();
	test_fail();
	sk_reader_free(src);
	free(base);
	unlink(mk_path("src.sgy"));
	unlink(mk_path("here.sgy"));
	unlink(mk_path("t.sgy"));
	unlink(mk_path("rel.sgy"));
	unlink(mk_path("empty.sgy"));
	rmdir(mk_dir);
	return test_done();
}
