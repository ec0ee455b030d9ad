/* Random reads (sk_reader_pread, sk_reader_pread_hdrs_check) from threads,
 * beside sequential reading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "batchread.h"
#include "check.h"
#include "tstream.h"

/* Reads every trace of path with sk_reader_pread and its header with
 * sk_reader_pread_hdrs_check (alone and in runs) from several OpenMP threads
 * at once, in an order that jumps around, while the reader also reads on
 * sequentially; checks each against make_trace.  Returns the traces that
 * differ or failed, or -1 when the file cannot be read at random. */
static int pread_stream(const char *path, int n)
{
	struct sk_reader *r;
	struct sk_error err;
	size_t size;
	int bad = 0, seq = 0;

	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return -1;
	if ((size = sk_reader_pread_size(r)) == 0) {
		sk_reader_free(r);
		return -1;
	}
#pragma omp parallel num_threads(4) reduction(+ : bad)
	{
		unsigned char *scratch = malloc(size), h[240], e[240];
		float d[NS], f[NS];
		struct sk_error terr;
#pragma omp for schedule(dynamic, 1)
		for (int k = 0; k < 4 * n; k++) {
			const int i = (k * 7 + 3) % n;
			make_trace(i, e, f);
			if (!scratch || sk_reader_pread(r, i, scratch, d, &terr) != 0 || memcmp(d, f, sizeof d) != 0)
				bad++;
			/* The header alone: read by itself (a scratch below a
			 * record: its header bytes only) and as a run of one
			 * record, without the samples. */
			memset(h, 0, sizeof h);
			if (!scratch || sk_reader_pread_hdrs_check(r, i, 1, scratch, 240, h, NULL, &terr) != 0 ||
			    memcmp(h, e, 240) != 0)
				bad++;
			memset(h, 0, sizeof h);
			if (!scratch || sk_reader_pread_hdrs_check(r, i, 1, scratch, size, h, NULL, &terr) != 0 ||
			    memcmp(h, e, 240) != 0)
				bad++;
			/* Runs of up to 5 headers through a scratch of two
			 * records (three reads for five). */
			{
				const int m = n - i < 5 ? n - i : 5;
				unsigned char *two = malloc(2 * size), hs[5 * 240];
				float last[NS];
				if (!two || sk_reader_pread_hdrs_check(r, i, m, two, 2 * size, hs, NULL, &terr) != 0)
					bad++;
				for (int j = 0; two && j < m; j++) {
					make_trace(i + j, e, f);
					bad += memcmp(hs + 240 * j, e, 240) != 0;
				}
				/* The same runs decoding the samples too: the
				 * last record's are left in last. */
				memset(hs, 0, sizeof hs);
				if (!two || sk_reader_pread_hdrs_check(r, i, m, two, 2 * size, hs, last, &terr) != 0)
					bad++;
				for (int j = 0; two && j < m; j++) {
					make_trace(i + j, e, f);
					bad += memcmp(hs + 240 * j, e, 240) != 0;
				}
				bad += memcmp(last, f, sizeof last) != 0;
				free(two);
			}
		}
#pragma omp single nowait
		{
			unsigned char h2[240];
			float d2[NS];
			while (sk_reader_next(r, h2, d2, &terr) > 0) {
				make_trace(seq, e, f);
				bad += memcmp(h2, e, 240) != 0 || memcmp(d2, f, sizeof d2) != 0;
				seq++;
			}
		}
		free(scratch);
	}
	bad += seq != n;
	sk_reader_free(r);
	return bad;
}


/* sk_reader_pread_batch of path: traces in runs (0-2, 5, 9-10, the last)
 * against make_trace, through a batch reader; 0, the traces wrong, or -1
 * when path has no batch reader (then with_ring must be 0). */
static int batch_stream(const char *path, int with_ring)
{
	static const int64_t idx[] = {0, 1, 2, 5, 9, 10, NT - 1};
	enum { M = sizeof idx / sizeof idx[0] };
	struct sk_reader *r;
	struct sk_batchread *b;
	struct sk_error err;
	unsigned char *scratch, h[240], ok[M];
	float d[M][NS], f[NS], *dst[M];
	int bad = 0;

	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return 100;
	if (!(b = sk_reader_batch_new(r))) {
		sk_reader_free(r);
		return with_ring ? 100 : -1;
	}
	scratch = malloc(M * sk_reader_pread_size(r));
	for (int i = 0; i < M; i++)
		dst[i] = d[i];
	memset(d, 0, sizeof d);
	if (!scratch || sk_reader_pread_batch(r, b, M, idx, scratch, dst, ok) != M)
		bad++;
	for (int i = 0; i < M; i++) {
		make_trace((int)idx[i], h, f);
		bad += !ok[i] || memcmp(d[i], f, sizeof f) != 0;
	}
	free(scratch);
	sk_batchread_free(b);
	sk_reader_free(r);
	return bad;
}


int main(void)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_error err;
	struct sk_reader *r;
	char p[128], q[128];

	tdir_make("test_stream_pread");

	/* The files read below (test_stream checks every format). */
	write_cases(tcases, sizeof tcases / sizeof tcases[0], &o, 0);
	/* Random reads from threads: every file but compressed sgk. */
	{
		static const char *const files[] = {"a.sgy", "b.sgy", "c.sgy", "a.su", "b.su", "a.sgk"};
		unsigned char h[240], h2[2 * 240], scratch[2 * (240 + 8 * NS)];
		float d[NS];
		for (size_t c = 0; c < sizeof files / sizeof files[0]; c++) {
			path_of(p, sizeof p, files[c]);
			CHECKF(pread_stream(p, NT) == 0, "%s", files[c]);
		}
		/* Batches: SEG-Y, SU and uncompressed sgk (blocks of 5: the
		 * runs 0-2, 5, 9 | 10, 22 cross them) where the system has
		 * io_uring. */
		{
			struct sk_batchread *probe = NULL;
			int fd = open("/dev/zero", O_RDONLY), ring;
			ring = fd >= 0 && (probe = sk_batchread_new(fd)) != NULL;
			sk_batchread_free(probe);
			if (fd >= 0)
				close(fd);
			if (!ring)
				printf("# io_uring refused by this system: no batch readers, as expected\n");
			for (size_t c = 0; c < sizeof files / sizeof files[0]; c++) {
				path_of(p, sizeof p, files[c]);
				CHECKF(batch_stream(p, ring) == (ring ? 0 : -1), "%s", files[c]);
			}
			/* Compressed sgk has none. */
			path_of(p, sizeof p, "b.sgk");
			CHECK(batch_stream(p, 0) == -1);
		}
		path_of(p, sizeof p, "b.sgk");
		CHECK(pread_stream(p, NT) == -1);
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_pread(r, 0, scratch, d, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "random access needs a file (not a pipe) holding uncompressed sgk with a trace count") == 0);
		sk_reader_free(r);
		path_of(p, sizeof p, "a.sgy");
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_pread(r, NT, scratch, d, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "trace 24 is out of range (1-23)") == 0);
		CHECK(sk_reader_pread(r, -1, scratch, d, &err) == SK_EARG);
		sk_reader_free(r);
		/* A file cut short after opening: the trace is a format error. */
		path_of(q, sizeof q, "cut.sgy");
		{
			char cmd[300];
			snprintf(cmd, sizeof cmd, "cp %s %s", p, q);
			CHECK(system(cmd) == 0);
		}
		CHECK(sk_reader_open(q, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ntraces == NT);
		CHECK(sk_reader_check_same(r, &err) == 0);
		CHECK(truncate(q, 3600 + 22 * (240 + 4 * NS) + 100) == 0);
		CHECK(sk_reader_pread(r, 21, scratch, d, &err) == 0);
		/* In a batch: the whole trace read, the cut one not. */
		{
			struct sk_batchread *b = sk_reader_batch_new(r);
			unsigned char two[2 * (240 + 4 * NS)], ok[2] = {7, 7};
			const int64_t at[2] = {21, 22};
			float d2[2][NS], f[NS], *dst[2] = {d2[0], d2[1]};
			if (b) {
				CHECK(sk_reader_pread_batch(r, b, 2, at, two, dst, ok) == 1 && ok[0] == 1 && ok[1] == 0);
				make_trace(21, h, f);
				CHECK(memcmp(d2[0], f, sizeof f) == 0);
				sk_batchread_free(b);
			}
		}
		CHECK(sk_reader_pread(r, 22, scratch, d, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "trace 23 (from byte 12137) is truncated: 100 of 388 bytes") == 0, "%s", err.msg);
		/* The same cut in a run of headers (22 and 23), and read alone. */
		CHECK(sk_reader_pread_hdrs_check(r, 21, 2, scratch, sizeof scratch, h2, NULL, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "trace 23 (from byte 12137) is truncated: 100 of 388 bytes") == 0 &&
		       strcmp(err.file, q) == 0, "%s: %s", err.file, err.msg);
		CHECK(sk_reader_pread_hdrs_check(r, 22, 1, scratch, 240, h, NULL, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "trace 23 (from byte 12137) is truncated: 100 of 388 bytes") == 0, "%s", err.msg);
		/* ... and the reader can tell that the file changed. */
		CHECK(sk_reader_check_same(r, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "changed while it was read: 12236 bytes, 12524 when it was opened") == 0 &&
		       strcmp(err.file, q) == 0, "%s: %s", err.file, err.msg);
		sk_reader_free(r);
	}

	/* sgk in batches: a block whose header is wrong, and the last trace
	 * cut short, are left to sk_reader_pread (ok 0), which says why; the
	 * others of the batch are read.  a.sgk: blocks of 5 (20 x 24 bytes of
	 * block headers and the end marker's, 23 records of rs bytes after
	 * the stream header). */
	{
		struct sk_batchread *probe = NULL;
		int fd = open("/dev/zero", O_RDONLY);
		const int ring = fd >= 0 && (probe = sk_batchread_new(fd)) != NULL;
		sk_batchread_free(probe);
		if (fd >= 0)
			close(fd);
		path_of(p, sizeof p, "a.sgk");
		path_of(q, sizeof q, "bad.sgk");
		{
			char cmd[300];
			snprintf(cmd, sizeof cmd, "cp %s %s", p, q);
			CHECK(system(cmd) == 0);
		}
		CHECK(sk_reader_open(q, SK_FMT_AUTO, &r, &err) == 0);
		if (ring && r) {
			const int64_t rs = (int64_t)sk_reader_pread_size(r);
			struct stat st;
			int64_t ds, b1;
			int wfd = open(q, O_WRONLY);
			const unsigned char junk = 0xff;
			CHECK(wfd >= 0 && fstat(wfd, &st) == 0);
			ds = st.st_size - 6 * 24 - NT * rs;
			b1 = ds + 24 + 5 * rs;
			/* block 1's trace count (traces 6-10), and trace 23's last
			 * 10 bytes */
			CHECK(pwrite(wfd, &junk, 1, b1) == 1 && ftruncate(wfd, st.st_size - 24 - 10) == 0);
			close(wfd);
			{
				static const int64_t at[] = {3, 4, 5, 6, 9, 10, 20, 21, 22};
				enum { M = sizeof at / sizeof at[0] };
				struct sk_batchread *b = sk_reader_batch_new(r);
				unsigned char *scratch2 = malloc(M * (size_t)rs), ok[M];
				float d2[M][NS], f[NS], *dst[M];
				unsigned char h[240];
				static const unsigned char want[M] = {1, 1, 0, 0, 0, 1, 1, 1, 0};
				int bad = 0;
				for (int i = 0; i < M; i++)
					dst[i] = d2[i];
				CHECK(b && scratch2 && sk_reader_pread_batch(r, b, M, at, scratch2, dst, ok) == 5);
				for (int i = 0; b && scratch2 && i < M; i++) {
					make_trace((int)at[i], h, f);
					bad += ok[i] != want[i] || (ok[i] && memcmp(d2[i], f, sizeof f) != 0);
				}
				CHECKF(bad == 0, "%d traces not as expected", bad);
				free(scratch2);
				sk_batchread_free(b);
			}
			{
				unsigned char one[512];
				float d1[NS];
				char want[160];
				CHECK(rs <= (int64_t)sizeof one);
				CHECK(sk_reader_pread(r, 5, one, d1, &err) == SK_EFMT);
				snprintf(want, sizeof want,
					 "corrupt sgk stream: the block at byte %lld does not hold traces 6-10", (long long)b1);
				CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
				CHECK(sk_reader_pread(r, 22, one, d1, &err) == SK_EFMT);
				CHECKF(strncmp(err.msg, "truncated sgk stream: the block at byte ", 40) == 0, "%s", err.msg);
				/* Headers in runs (one block's in one read): the
				 * same errors where a run reaches them. */
				{
					unsigned char *run = malloc(4 * (size_t)rs), hs[5 * 240], h[240];
					float last[NS], f[NS];
					char msg[sizeof err.msg];
					snprintf(msg, sizeof msg, "%s", err.msg);
					CHECK(run && sk_reader_pread_hdrs_check(r, 0, 5, run, 4 * (size_t)rs, hs, NULL, &err) == 0);
					for (int i = 0; run && i < 5; i++) {
						make_trace(i, h, f);
						CHECK(memcmp(hs + 240 * i, h, 240) == 0);
					}
					CHECK(run && sk_reader_pread_hdrs_check(r, 3, 4, run, 4 * (size_t)rs, hs, NULL, &err) == SK_EFMT);
					CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
					/* The cut samples: seen with data, not without. */
					CHECK(run && sk_reader_pread_hdrs_check(r, 20, 3, run, 4 * (size_t)rs, hs, NULL, &err) == 0);
					make_trace(22, h, f);
					CHECK(memcmp(hs + 2 * 240, h, 240) == 0);
					CHECK(run && sk_reader_pread_hdrs_check(r, 20, 3, run, 4 * (size_t)rs, hs, last, &err) == SK_EFMT);
					CHECKF(strcmp(err.msg, msg) == 0, "%s", err.msg);
					free(run);
				}
			}
		} else if (r) {
			printf("# io_uring refused by this system: no sgk batches, as expected\n");
		}
		sk_reader_free(r);
	}

	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf %s", mk_dir);
		CHECK(system(cmd) == 0);
	}
	return test_done();
}
