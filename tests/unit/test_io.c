/* Buffered input from pipes fed in small chunks; atomic output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "mkstream.h"

static void said_warn_bytes(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
}

int main(void)
{
	enum { N = 3 * 1000 * 1000 };
	unsigned char *data = mk_bytes(N);
	struct sk_in in;
	struct sk_out out;
	struct sk_error err;
	int fd[2];
	pid_t pid;

	CHECK(pipe(fd) == 0);
	pid = fork();
	if (pid == 0) {
		/* Irregular chunks from 1 to 997 bytes. */
		size_t at = 0, k = 1;
		close(fd[0]);
		while (at < N) {
			size_t n = k % 997 + 1;
			if (n > N - at)
				n = N - at;
			if (write(fd[1], data + at, n) != (ssize_t)n)
				_exit(1);
			at += n;
			k = k * 7 + 3;
		}
		_exit(0);
	}
	close(fd[1]);
	{
		const int saved = dup(0);
		size_t at = 0;
		int ok = 1;
		dup2(fd[0], 0);
		close(fd[0]);
		CHECK(sk_in_open(&in, "-", &err) == 0 && !in.seekable && in.size == -1);
		/* Records of 12345 bytes: always whole, whatever the chunks. */
		for (;;) {
			const int64_t n = sk_in_need(&in, 12345, &err);
			if (n <= 0)
				break;
			ok &= memcmp(sk_in_ptr(&in), data + at, (size_t)n) == 0;
			ok &= n == 12345 || at + (size_t)n == N;
			at += (size_t)n;
			sk_in_skip(&in, (size_t)n);
		}
		CHECK(ok && at == N);
		sk_in_close(&in);
		/* A pipe cannot give bytes back: a smaller buffer keeps them. */
		CHECK(pipe(fd) == 0 && write(fd[1], data, 50000) == 50000 && close(fd[1]) == 0);
		dup2(fd[0], 0);
		close(fd[0]);
		CHECK(sk_in_open(&in, "-", &err) == 0 && sk_in_need(&in, 40000, &err) == 40000);
		sk_in_skip(&in, 100);
		CHECK(sk_in_resize(&in, 1000, &err) == 0 && in.cap >= 39900 && in.cap == in.end);
		CHECK(sk_in_map(&in) == 0 && !in.map);  /* nor mapped */
		CHECK(sk_in_need(&in, 60000, &err) == 49900 && memcmp(sk_in_ptr(&in), data + 100, 49900) == 0);
		sk_in_close(&in);
		dup2(saved, 0);
		close(saved);
		waitpid(pid, NULL, 0);
	}
	/* sk_in_copy and sk_in_read: the buffered bytes first, then straight
	 * from the file; what the last piece read beyond stays buffered. */
	{
		char p2[64], p3[64];
		unsigned char *back = malloc(N);
		int wfail = 1;
		FILE *f;
		snprintf(p2, sizeof p2, "/tmp/test_io_copy_%ld.out", (long)getpid());
		snprintf(p3, sizeof p3, "/tmp/test_io_copy_%ld.bin", (long)getpid());
		CHECK(sk_out_open(&out, p3, &err) == 0 && sk_out_write(&out, data, N, &err) == 0 &&
		      sk_out_close(&out, &err) == 0);
		CHECK(sk_in_open(&in, p3, &err) == 0 && sk_in_need(&in, 10, &err) == 10);
		CHECK(in.end == 256u << 10);   /* the first read: a piece, not the buffer */
		CHECK(sk_out_open(&out, p2, &err) == 0);
		CHECK(sk_in_copy(&in, &out, 1000003, &wfail, &err) == 1000003 && wfail == 0);
		CHECK(in.pos == 1000003 && in.end - in.beg > 0);
		CHECK(sk_in_read(&in, back, 500000, &err) == 500000 && memcmp(back, data + 1000003, 500000) == 0);
		CHECK(in.pos == 1500003 && in.end == in.beg);
		CHECK(sk_in_need(&in, 7, &err) == 7 && memcmp(sk_in_ptr(&in), data + 1500003, 7) == 0);
		CHECK(sk_in_copy(&in, &out, N, &wfail, &err) == N - 1500003 && wfail == 0);
		CHECK(sk_in_read(&in, back, 10, &err) == 0 && sk_in_copy(&in, &out, 10, &wfail, &err) == 0);
		sk_in_close(&in);
		CHECK(sk_out_close(&out, &err) == 0);
		memset(back, 0, N);
		f = fopen(p2, "rb");
		CHECK(f && fread(back, 1, N, f) == N - 500000 && fgetc(f) == EOF);
		CHECK(memcmp(back, data, 1000003) == 0 && memcmp(back + 1000003, data + 1500003, N - 1500003) == 0);
		if (f)
			fclose(f);
		/* A write error is the output's. */
		CHECK(sk_in_open(&in, p3, &err) == 0 && sk_out_open(&out, "/dev/full", &err) == 0);
		CHECK(sk_in_copy(&in, &out, N, &wfail, &err) == SK_EIO && wfail == 1);
		CHECK(strcmp(err.msg, "No space left on device") == 0 && strcmp(err.file, "/dev/full") == 0);
		sk_out_abort(&out);
		sk_in_close(&in);
		/* Shrinking the buffer of a file drops what does not fit (read
		 * again later); bytes stay exact, at every record boundary. */
		CHECK(sk_in_open(&in, p3, &err) == 0 && sk_in_need(&in, 300000, &err) == 300000);
		sk_in_skip(&in, 1000);
		CHECK(sk_in_resize(&in, 65536, &err) == 0 && in.cap == 65536 && in.end == 65536 && in.beg == 0);
		{
			size_t at = 1000;
			int ok = 1;
			for (int64_t n; (n = sk_in_need(&in, 4321, &err)) > 0; at += (size_t)n) {
				ok &= memcmp(sk_in_ptr(&in), data + at, (size_t)n) == 0;
				sk_in_skip(&in, (size_t)n);
			}
			CHECK(ok && at == N && in.cap == 65536);
		}
		sk_in_close(&in);
		/* Mapped (sk_in_map) after 300,000 bytes buffered and 1,000
		 * taken: the same bytes from where it was, every pointer given
		 * still valid at the end (the caller may keep them), nothing
		 * read; a resize does nothing, a seek moves in the mapping, past
		 * the end gives nothing; closed, it is unmapped. */
		CHECK(sk_in_open(&in, p3, &err) == 0 && sk_in_need(&in, 300000, &err) == 300000);
		sk_in_skip(&in, 1000);
		CHECK(sk_in_map(&in) == 1 && in.map && in.maplen == N && in.eof && sk_in_map(&in) == 1);
		{
			const unsigned char *kept[N / 4321 + 2];
			size_t at = 1000, k = 0;
			int ok = 1;
			for (int64_t n; (n = sk_in_need(&in, 4321, &err)) > 0; at += (size_t)n) {
				ok &= (n == 4321 || at + (size_t)n == N) && sk_in_ptr(&in) == in.map + at;
				kept[k++] = sk_in_ptr(&in);
				sk_in_skip(&in, (size_t)n);
			}
			CHECK(ok && at == N && in.pos == N && sk_in_need(&in, 10, &err) == 0);
			for (size_t i = 0; i < k; i++)
				ok &= memcmp(kept[i], data + 1000 + i * 4321, i + 1 < k ? 4321 : (N - 1000) % 4321) == 0;
			CHECK(ok && k == (N - 1000 + 4320) / 4321);
		}
		CHECK(sk_in_resize(&in, 65536, &err) == 0 && in.cap == N);
		CHECK(sk_in_seek(&in, 17, &err) == 0 && sk_in_need(&in, 100, &err) == 100 &&
		      memcmp(sk_in_ptr(&in), data + 17, 100) == 0);
		{
			unsigned char got[50];
			CHECK(sk_in_read(&in, got, 50, &err) == 50 && memcmp(got, data + 17, 50) == 0 && in.pos == 67);
		}
		CHECK(sk_in_seek(&in, N - 5, &err) == 0 && sk_in_need(&in, 100, &err) == 5 &&
		      memcmp(sk_in_ptr(&in), data + N - 5, 5) == 0);
		CHECK(sk_in_seek(&in, N + 10, &err) == 0 && sk_in_need(&in, 1, &err) == 0);
		CHECK(sk_in_readahead(&in, 0, &err) == 0 && !in.ra);
		sk_in_close(&in);
		CHECK(!in.map && !in.buf);
		/* Not mapped: a file changed since it was opened, an empty one,
		 * a tapped one (it must see every byte read). */
		CHECK(sk_in_open(&in, p3, &err) == 0 && truncate(p3, N - 1) == 0);
		CHECK(sk_in_map(&in) == 0 && !in.map && sk_in_need(&in, 10, &err) == 10);
		sk_in_close(&in);
		CHECK(truncate(p3, 0) == 0 && sk_in_open(&in, p3, &err) == 0 && sk_in_map(&in) == 0);
		sk_in_close(&in);
		CHECK(truncate(p3, 100) == 0 && sk_in_open(&in, p3, &err) == 0);
		in.tap = said_warn_bytes;
		CHECK(sk_in_map(&in) == 0);
		sk_in_close(&in);
		unlink(p2);
		unlink(p3);
		free(back);
	}
	CHECK(sk_in_open(&in, "/", &err) == SK_EIO && strcmp(err.msg, "Is a directory") == 0);
	free(data);
	return test_done();
}
