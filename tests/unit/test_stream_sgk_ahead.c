/* Unit tests of lib/format/stream_sgk_ahead.c (compressed sgk blocks
 * decompressed ahead on two cores: sk_sgk_ahead_start through
 * sk_reader_readahead, sk_sgk_ahead_block through sk_reader_next,
 * sk_sgk_ahead_free through seeks and sk_reader_free), for what
 * test_stream_sgk.c's test_ahead and test_ahead_seek do not reach:
 * - when the helper is not started (the reader then reads serially, the
 *   same traces): an uncompressed stream, a reader opened as one of many
 *   (lean), in the middle of a block, at the end, a second time, and on
 *   one CPU (this process's affinity cut to one for the call);
 * - started at a block boundary in the middle of a stream: the traces that
 *   follow, and an error in a later block counted from the stream's first
 *   trace (its message the serial path's, word for word);
 * - more blocks than it reads ahead (14 of 3 traces), blocks cut in their
 *   header, a stream with no end marker, a stream of no trace, a reader
 *   freed with blocks in flight, and a seek then a restart.
 * Uncompressed blocks, read ahead whole by the input's thread (test_plain):
 * IBM samples in blocks of one read-ahead slot each (above 2 MiB) and of
 * 71 a slot, the last block short; started at every block boundary of the
 * first and at the slot boundaries of the second, not mid-block; from a
 * file and a pipe; cut in a block header, in a payload and before the end
 * marker, and a corrupt block header; a seek; copies that pass the blocks
 * unchanged start no thread, copies that decode them do.
 * The serial path (no sk_reader_readahead) is the reference for traces
 * and messages; the parts of messages worked out by hand are the block's
 * byte and its traces.  The helper's presence is seen as a thread of this
 * process (tthreads.h). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cpus.h"
#include "segy.h"
#include "sgk.h"
#include "tstream.h"
#include "tthreads.h"

#define N 40
#define B 3
#define REC (240 + 4 * NS)

struct got {
	int rc, count;
	struct sk_error err;
	unsigned char rec[N * REC];
};

/* Reads r to its end or error into g (from trace g->count on). */
static void read_rest(struct sk_reader *r, struct got *g)
{
	int rc = 0;

	while (g->count < N &&
	       (rc = sk_reader_next(r, g->rec + (size_t)g->count * REC,
				    (float *)(void *)(g->rec + (size_t)g->count * REC + 240), &g->err)) == 1)
		g->count++;
	if (g->count == N)
		rc = sk_reader_next(r, NULL, NULL, &g->err);
	g->rc = rc;
}

/* Opens path (buffer bufsize, 0 the default), reads skip traces, then
 * with ahead asks sk_reader_readahead and says in *started whether the
 * helper thread came (and, for the caller, *extra: threads beyond
 * before), then reads the rest into g. */
static void read_with(const char *path, size_t bufsize, int skip, int ahead, struct got *g, int *extra)
{
	struct sk_reader *r;
	const int t0 = t_threads();

	memset(g, 0, sizeof *g);
	*extra = 0;
	if ((g->rc = sk_reader_open_buf(path, SK_FMT_AUTO, bufsize, &r, &g->err)) < 0)
		return;
	for (; g->count < skip; g->count++)
		if (sk_reader_next(r, g->rec + (size_t)g->count * REC,
				   (float *)(void *)(g->rec + (size_t)g->count * REC + 240), &g->err) != 1)
			break;
	if (ahead) {
		CHECK(sk_reader_readahead(r, &g->err) == 0);
		*extra = t_threads() - t0;
	}
	read_rest(r, g);
	sk_reader_free(r);
	/* The helper stops with its reader. */
	CHECKF(t_threads_gone(t0) == t0, "%d threads after the reader, %d before", t_threads(), t0);
}

/* Two reads ended alike: the same end or error (rc, and the message of an
 * error) after the same count of the same records (rec bytes each). */
static int same_read(int rca, int rcb, int na, int nb, const unsigned char *a, const unsigned char *b, size_t rec,
		     const struct sk_error *ea, const struct sk_error *eb)
{
	if (rca != rcb || na != nb || memcmp(a, b, (size_t)na * rec) != 0 || (rca < 0 && strcmp(ea->msg, eb->msg) != 0)) {
		printf("# rc %d/%d, %d/%d traces, '%s' / '%s'\n", rca, rcb, na, nb, rca < 0 ? ea->msg : "",
		       rcb < 0 ? eb->msg : "");
		return 0;
	}
	return 1;
}

/* Same traces, same end or error (code and message) as the serial read. */
static int same_as(const struct got *a, const struct got *b)
{
	return same_read(a->rc, b->rc, a->count, b->count, a->rec, b->rec, REC, &a->err, &b->err);
}

/* The byte offsets of the blocks of the sgk stream in b (n bytes), up to
 * max; the end marker's is the last.  Returns how many. */
static int block_offsets(const unsigned char *b, size_t n, long *off, int max)
{
	/* After the stream header and the L bytes of the carried file header. */
	long at = SK_SGK_HEAD + (long)sk_segy_get(b + SK_SGK_H_FHDR, 1, 8, 1);
	int k = 0;

	while (k < max && at + SK_SGK_BLOCK_HEAD <= (long)n) {
		off[k++] = at;
		if (sk_segy_get(b + at, SK_SGK_B_COUNT + 1, 4, 1) == 0)
			break;
		at += SK_SGK_BLOCK_HEAD + (long)sk_segy_get(b + at, SK_SGK_B_STORED + 1, 8, 1);
	}
	return k;
}

static int put(const char *path, const unsigned char *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	return f && fwrite(b, 1, n, f) == n && fclose(f) == 0 ? 0 : -1;
}

static struct got ser, ah;
static int two;

/* ---- uncompressed blocks ---- */

#define UNS 1000
#define UREC (240 + 4 * UNS)
#define UN 2623

static void ufill(int i, unsigned char *h, float *d)
{
	sk_hdr_set_i32(h, 1, i + 1);
	sk_hdr_set_i32(h, 21, 100 + i / 7);
	sk_hdr_set_i16(h, 115, UNS);
	sk_hdr_set_i16(h, 117, 2000);
	for (int s = 0; s < UNS; s++)
		d[s] = (float)((i % 97) * 1000 + s) - 0.5f;   /* exact in IBM */
}

struct ugot {
	int rc, count, extra;
	struct sk_error err;
	unsigned char *rec;   /* UN records: header block, float samples */
};

/* Reads path (from a pipe fed with it when pipe is set), skip traces
 * serially, then with ahead asks sk_reader_readahead (*extra: the threads
 * it added), then the rest into g; the reader's threads gone after. */
static void uread(const char *path, int pipe, int skip, int ahead, struct ugot *g)
{
	struct sk_reader *r;
	const int t0 = t_threads();
	char name[64];
	pid_t pid = 0;
	int fd = -1, rc = 0;

	g->rc = g->count = g->extra = 0;
	if (pipe) {
		fd = mk_pipe_of(path, &pid);
		snprintf(name, sizeof name, "/dev/fd/%d", fd);
	}
	if ((g->rc = sk_reader_open(pipe ? name : path, SK_FMT_AUTO, &r, &g->err)) == 0) {
		for (;;) {
			unsigned char *const at = g->rec + (size_t)(g->count < UN ? g->count : UN - 1) * UREC;
			if (g->count == skip && ahead) {
				CHECK(sk_reader_readahead(r, &g->err) == 0);
				g->extra = t_threads() - t0;
			}
			if ((rc = sk_reader_next(r, at, (float *)(void *)(at + 240), &g->err)) != 1)
				break;
			g->count++;
		}
		g->rc = rc;
		sk_reader_free(r);
	}
	if (pipe) {
		int status;
		close(fd);
		waitpid(pid, &status, 0);
	}
	CHECKF(t_threads_gone(t0) == t0, "%d threads after the reader, %d before", t_threads(), t0);
}

static int usame(const struct ugot *a, const struct ugot *b)
{
	return same_read(a->rc, b->rc, a->count, b->count, a->rec, b->rec, UREC, &a->err, &b->err);
}

static struct ugot user, uah;

/* Serial and read ahead (from trace skip): the same traces and end; the
 * thread there when want is 1 (and two CPUs), not when 0, and either way
 * when -1: the rest of the input may have been read into the buffer by
 * then (it takes 4 MiB), which leaves nothing to read ahead. */
static void ucompare(const char *what, const char *path, int pipe, int skip, int want)
{
	uread(path, pipe, skip, 0, &user);
	uread(path, pipe, skip, 1, &uah);
	CHECKF(usame(&user, &uah), "%s", what);
	CHECKF(want < 0 ? uah.extra == 0 || uah.extra == two : uah.extra == (want && two), "%s: %d threads added",
	       what, uah.extra);
}

/* want for ucompare: 1 when more than 8 MiB of the n bytes follow byte at,
 * else -1. */
static int more_than_buffered(size_t n, long at)
{
	return n - (size_t)at > ((size_t)8 << 20) ? 1 : -1;
}

/* A copy of path into a writer of o (a file: into /dev/null raw copies
 * start none) after sk_copy_readahead: the threads it added. */
static int copy_threads(const char *path, const struct sk_wopts *o)
{
	char out[128];

	struct sk_reader *r;
	struct sk_writer *w;
	struct sk_error err;
	int64_t n = 0;
	int wfail = 0, extra = -1;
	const int t0 = t_threads();

	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	path_of(out, sizeof out, "ucopy");
	CHECK(sk_writer_open(out, sk_reader_info(r), o, &w, &err) == 0);
	CHECK(sk_copy_readahead(r, w, &err) == 0);
	extra = t_threads() - t0;
	CHECK(sk_copy_traces(r, w, &n, &wfail, &err) == 0 && n == UN);
	CHECK(sk_writer_close(w, &err) == 0);
	sk_reader_free(r);
	CHECK(t_threads_gone(t0) == t0);
	unlink(out);
	return extra;
}

static void test_plain(void)
{
	static const long blocks[] = {500, 7};
	char p[128], q[128];
	struct sk_wopts o = SK_WOPTS_INIT;

	user.rec = malloc((size_t)UN * UREC);
	uah.rec = malloc((size_t)UN * UREC);
	CHECK(user.rec && uah.rec);
	path_of(p, sizeof p, "u.sgk");
	path_of(q, sizeof q, "ucut.sgk");
	for (size_t c = 0; c < sizeof blocks / sizeof *blocks; c++) {
		const long B2 = blocks[c];
		const long nfull = UN / B2;
		unsigned char *b;
		size_t n = 0;
		long off[400];
		int nb;
		char what[96];

		o = (struct sk_wopts)SK_WOPTS_INIT;
		o.fmt = SK_FMT_SGK;
		o.sample_format = 1;
		o.little = 0;
		o.block = B2;
		CHECK(mk_write(p, &o, UNS, 2000, UN, ufill) == 0);
		CHECK((b = mk_slurp(p, &n)) != NULL);
		nb = block_offsets(b, n, off, 400);
		/* nfull full blocks, a short one, the end marker. */
		CHECKF(nb == nfull + 2 && sk_segy_get(b + off[nfull], SK_SGK_B_COUNT + 1, 4, 1) == (uint64_t)(UN % B2),
		       "%d blocks of %ld", nb, B2);

		/* The whole stream, against the traces as written (IBM words
		 * decoded: the values are exact in IBM). */
		ucompare("whole", p, 0, 0, 1);
		{
			int bad = 0;
			for (int i = 0; i < UN && uah.count == UN; i++) {
				unsigned char h[240] = {0};
				float d[UNS];
				ufill(i, h, d);
				bad += memcmp(uah.rec + (size_t)i * UREC, h, 240) != 0 ||
				       memcmp(uah.rec + (size_t)i * UREC + 240, d, sizeof d) != 0;
			}
			CHECKF(uah.rc == 0 && uah.count == UN && bad == 0, "blocks of %ld: %d traces, %d differ", B2,
			       uah.count, bad);
		}
		/* Started at block boundaries (every one of the big blocks; the
		 * slot boundaries of the small, 71 blocks a slot), before the
		 * end marker; not mid-block. */
		for (long k = 1; k <= nfull; k++) {
			if (B2 < 100 && k != 1 && k != 70 && k != 71 && k != 72 && k != 142 && k != nfull)
				continue;
			snprintf(what, sizeof what, "blocks of %ld, started after block %ld", B2, k);
			ucompare(what, p, 0, (int)(k * B2), more_than_buffered(n, off[k]));
		}
		snprintf(what, sizeof what, "blocks of %ld, started before the end marker", B2);
		ucompare(what, p, 0, UN, -1);
		snprintf(what, sizeof what, "blocks of %ld, started mid-block", B2);
		ucompare(what, p, 0, (int)B2 + 1, 0);
		/* A pipe, from the start and from block 2. */
		snprintf(what, sizeof what, "blocks of %ld, a pipe", B2);
		ucompare(what, p, 1, 0, 1);
		ucompare(what, p, 1, (int)(2 * B2), more_than_buffered(n, off[2]));

		/* Cut in block 3's header, in its payload, right before the
		 * end marker and in it; from a file and a pipe. */
		{
			const size_t cuts[] = {(size_t)off[2] + 10, (size_t)off[2] + SK_SGK_BLOCK_HEAD + 5000,
					       (size_t)off[nfull + 1], (size_t)off[nfull + 1] + 5,
					       (size_t)off[nfull] + SK_SGK_BLOCK_HEAD + 1};
			for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
				CHECK(put(q, b, cuts[k]) == 0);
				snprintf(what, sizeof what, "blocks of %ld, cut at byte %zu", B2, cuts[k]);
				ucompare(what, q, 0, 0, more_than_buffered(cuts[k], 0));
				CHECKF(uah.rc == SK_EFMT && strncmp(uah.err.msg, "truncated sgk stream: ", 22) == 0, "%s: %s",
				       what, uah.err.msg);
				ucompare(what, q, 1, 0, more_than_buffered(cuts[k], 0));
			}
			/* The message of a cut payload: its byte and traces. */
			{
				char want[160];
				CHECK(put(q, b, cuts[1]) == 0);
				ucompare("cut payload", q, 0, 0, more_than_buffered(cuts[1], 0));
				snprintf(want, sizeof want,
					 "truncated sgk stream: the block at byte %ld (traces %ld-%ld) has 5000 of %ld bytes",
					 off[2], 2 * B2 + 1, 3 * B2, B2 * UREC);
				CHECKF(uah.count == 2 * B2 && strcmp(uah.err.msg, want) == 0, "%d '%s'", uah.count,
				       uah.err.msg);
			}
		}
		/* Block 4's header claims one trace more than a block holds. */
		{
			unsigned char *const h = b + off[3] + SK_SGK_B_COUNT;
			const uint32_t cnt = (uint32_t)sk_segy_get(h, 1, 4, 1);
			char want[160];
			sk_segy_put(h, 1, 4, 1, cnt + 1);
			CHECK(put(q, b, n) == 0);
			sk_segy_put(h, 1, 4, 1, cnt);
			ucompare("corrupt block header", q, 0, 0, 1);   /* 11 MB */
			snprintf(want, sizeof want, "corrupt sgk block header at byte %ld: %ld traces, %ld raw bytes", off[3],
				 B2 + 1, B2 * UREC);
			CHECKF(uah.count == 3 * B2 && strncmp(uah.err.msg, want, strlen(want)) == 0, "%d '%s'", uah.count,
			       uah.err.msg);
			ucompare("corrupt block header, a pipe", q, 1, 0, 1);
		}
		/* A seek out of the buffer (from trace 1000 or more back to
		 * trace 3) ends the read-ahead; the traces after it are the
		 * file's. */
		{
			struct sk_reader *r;
			struct sk_error err;
			unsigned char h[240], e[240];
			static float d[UNS], f[UNS];
			const int t0 = t_threads();
			int bad = 0;
			CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
			CHECK(sk_reader_readahead(r, &err) == 0 && t_threads() == t0 + two);
			for (int i = 0; i < (3 * B2 > 1000 ? 3 * (int)B2 : 1000) + 3; i++)
				CHECK(sk_reader_next(r, h, d, &err) == 1);
			CHECK(sk_reader_seek(r, 2, &err) == 0 && t_threads_gone(t0) == t0);
			for (int i = 2; i < UN; i++) {
				memset(e, 0, sizeof e);
				ufill(i, e, f);
				bad += sk_reader_next(r, h, d, &err) != 1 || memcmp(h, e, 240) != 0 ||
				       memcmp(d, f, sizeof d) != 0;
			}
			CHECK(bad == 0 && sk_reader_next(r, h, d, &err) == 0);
			sk_reader_free(r);
		}
		/* Copies: blocks passed unchanged (to sgk, to SEG-Y of IBM
		 * words) read in place, no thread; decoded (to SU, to float
		 * sgk) or compressed, read ahead. */
		{
			struct sk_wopts w = SK_WOPTS_INIT;
			int extra;
			w.fmt = SK_FMT_SGK;
			CHECKF((extra = copy_threads(p, &w)) == 0, "%d", extra);
			w.fmt = SK_FMT_SEGY;
			w.sample_format = 1;
			CHECKF((extra = copy_threads(p, &w)) == 0, "%d", extra);
			w.sample_format = 0;
			w.fmt = SK_FMT_SU;
			CHECKF((extra = copy_threads(p, &w)) == two, "%d", extra);
			w = (struct sk_wopts)SK_WOPTS_INIT;
			w.fmt = SK_FMT_SGK;
			w.sample_format = 5;
			CHECKF((extra = copy_threads(p, &w)) == two, "%d", extra);
			w.sample_format = 0;
			w.zstd = 1;
			CHECKF((extra = copy_threads(p, &w)) == two, "%d", extra);
		}
		free(b);
	}
	unlink(p);
	unlink(q);
	free(user.rec);
	free(uah.rec);
}

/* Reads path serially and with the helper (started after skip traces,
 * expected to come when want and the machine has two CPUs): the same. */
static void compare(const char *what, const char *path, size_t bufsize, int skip, int want)
{
	int extra, dummy;

	read_with(path, bufsize, skip, 0, &ser, &dummy);
	read_with(path, bufsize, skip, 1, &ah, &extra);
	CHECKF(same_as(&ser, &ah), "%s", what);
	CHECKF(extra == (want && two), "%s: %d helper threads", what, extra);
}

int main(void)
{
	char z[128], plain[128], p[128];
	struct sk_wopts o = SK_WOPTS_INIT;
	unsigned char *b;
	size_t n = 0;
	long off[32];
	int nb;

	two = sk_cpus_usable() >= 2;
	if (!two)
		printf("# one CPU: the helper never starts; the checks that it does are made against none\n");
	tdir_make("test_stream_sgk_ahead");
	path_of(z, sizeof z, "z.sgk");
	path_of(plain, sizeof plain, "plain.sgk");
	o.fmt = SK_FMT_SGK;
	o.block = B;
	o.zstd = 3;
	CHECK(mk_write(z, &o, NS, 2000, N, make_trace) == 0);
	o.zstd = 0;
	CHECK(mk_write(plain, &o, NS, 2000, N, make_trace) == 0);
	CHECK((b = mk_slurp(z, &n)) != NULL);
	/* 40 traces in blocks of 3: 14 blocks (the last of 1), then the end
	 * marker. */
	nb = block_offsets(b, n, off, 32);
	CHECKF(nb == 15 && sk_segy_get(b + off[13], SK_SGK_B_COUNT + 1, 4, 1) == 1, "%d blocks", nb);

	/* The whole stream: every trace as written, with the helper. */
	compare("whole", z, 0, 0, 1);
	{
		int bad = 0;
		for (int i = 0; i < N; i++) {
			unsigned char h[240];
			float d[NS];
			make_trace(i, h, d);
			bad += memcmp(ah.rec + (size_t)i * REC, h, 240) != 0 ||
			       memcmp(ah.rec + (size_t)i * REC + 240, d, sizeof d) != 0;
		}
		CHECK(ah.rc == 0 && ah.count == N && bad == 0);
	}
	/* Not started: a small uncompressed file (read whole into the
	 * buffer at the open), lean, mid-block (1 trace into block 1), at the
	 * end (the end marker read). */
	compare("uncompressed, read whole", plain, 0, 0, 0);
	compare("lean", z, SK_MANY_BUF, 0, 0);
	compare("mid-block", z, 0, 1, 0);
	compare("at the end", z, 0, N + 1, 0);
	/* After the last trace, before the end marker is read: started (it
	 * reads the end marker). */
	compare("before the end marker", z, 0, N, 1);
	/* At a block boundary after 3 and 12 traces: started, the rest the
	 * same. */
	compare("after block 1", z, 0, 3, 1);
	compare("after block 4", z, 0, 12, 1);
	/* Asked twice: one helper. */
	{
		struct sk_reader *r;
		struct sk_error err;
		const int t0 = t_threads();
		CHECK(sk_reader_open(z, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_readahead(r, &err) == 0 && sk_reader_readahead(r, &err) == 0);
		CHECK(t_threads() == t0 + two);
		/* Freed at once, with blocks read ahead and in flight. */
		unsigned char h[240];
		float d[NS];
		CHECK(sk_reader_next(r, h, d, &err) == 1);
		sk_reader_free(r);
		CHECK(t_threads_gone(t0) == t0);
	}
	/* One CPU: not started. */
	{
		cpu_set_t all, one;
		CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
		CPU_ZERO(&one);
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &all)) {
				CPU_SET(c, &one);
				break;
			}
		CHECK(sched_setaffinity(0, sizeof one, &one) == 0 && sk_cpus_usable() == 1);
		compare("one CPU", z, 0, 0, 0);
		CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
	}

	/* Block 6 (traces 16-18) corrupt: its frame header's reserved bit.
	 * Started from the start and after 3 traces (messages count traces
	 * from the stream's first, not from where the helper started). */
	path_of(p, sizeof p, "bad.sgk");
	b[off[5] + SK_SGK_BLOCK_HEAD + 4] |= 0x08;
	CHECK(put(p, b, n) == 0);
	b[off[5] + SK_SGK_BLOCK_HEAD + 4] &= (unsigned char)~0x08;
	{
		char want[100];
		snprintf(want, sizeof want, "sgk block at byte %ld (traces 16-18): ", off[5]);
		compare("corrupt block 6", p, 0, 0, 1);
		CHECKF(ah.rc == SK_EFMT && ah.count == 15 && strncmp(ah.err.msg, want, strlen(want)) == 0, "%d %s",
		       ah.count, ah.err.msg);
		compare("corrupt block 6, started after 3", p, 0, 3, 1);
		CHECKF(ah.rc == SK_EFMT && ah.count == 15 && strncmp(ah.err.msg, want, strlen(want)) == 0, "%d %s",
		       ah.count, ah.err.msg);
	}
	/* Cut inside block 9's header (after 24 traces), and right after the
	 * last block (no end marker). */
	CHECK(put(p, b, (size_t)off[8] + 10) == 0);
	compare("cut in a block header", p, 0, 0, 1);
	CHECKF(ah.rc == SK_EFMT && ah.count == 24, "%d", ah.count);
	CHECK(put(p, b, (size_t)off[14]) == 0);
	compare("no end marker", p, 0, 0, 1);
	CHECKF(ah.rc == SK_EFMT && ah.count == N, "%d", ah.count);
	/* The stream header (its count made 0) and the end marker alone: no
	 * trace. */
	{
		unsigned char *e = malloc((size_t)off[0] + (n - (size_t)off[14]));
		memcpy(e, b, (size_t)off[0]);
		memset(e + SK_SGK_H_COUNT, 0, 8);
		memcpy(e + off[0], b + off[14], n - (size_t)off[14]);
		CHECK(put(p, e, (size_t)off[0] + (n - (size_t)off[14])) == 0);
		free(e);
		compare("no trace", p, 0, 0, 1);
		CHECKF(ah.rc == 0 && ah.count == 0, "%d %d %s", ah.rc, ah.count, ah.err.msg);
	}

	/* A seek stops the helper (the input stands after the blocks read
	 * ahead) and loads the block it lands in: asked there, the helper
	 * does not start (that block is read serially); asked at the next
	 * boundary, it does, and the traces are the file's throughout. */
	{
		struct sk_reader *r;
		struct sk_error err;
		unsigned char h[240], e[240];
		float d[NS], f[NS];
		const int t0 = t_threads();
		int bad = 0;
		CHECK(sk_reader_open(z, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_readahead(r, &err) == 0 && t_threads() == t0 + two);
		for (int i = 0; i < 20; i++)
			CHECK(sk_reader_next(r, h, d, &err) == 1);
		CHECK(sk_reader_seek(r, 6, &err) == 0 && t_threads_gone(t0) == t0);
		CHECK(sk_reader_readahead(r, &err) == 0 && t_threads() == t0);
		for (int i = 6; i < N; i++) {
			if (i == 9)
				CHECK(sk_reader_readahead(r, &err) == 0 && t_threads() == t0 + two);
			make_trace(i, e, f);
			bad += sk_reader_next(r, h, d, &err) != 1 || memcmp(h, e, 240) != 0 || memcmp(d, f, sizeof d) != 0;
		}
		CHECK(bad == 0 && sk_reader_next(r, h, d, &err) == 0);
		sk_reader_free(r);
		CHECK(t_threads_gone(t0) == t0);
	}
	free(b);
	unlink(z);
	unlink(plain);
	unlink(p);
	test_plain();
	CHECK(rmdir(mk_dir) == 0);
	return test_done();
}
