/* A regular file read through its mapping (io_map.c): the same bytes as by
 * read() across windows, seeks, copies, the end of the mapping at a resize,
 * a file cut while it is read, and the inputs it leaves alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io.h"

/* 36 MB: more than two 16 MiB windows. */
enum { N = 36 * 1000 * 1000 };

static unsigned char byte_at(size_t i)
{
	return (unsigned char)(i * 31 + i / 977);
}

/* Reads in with sk_in_need in records of rec bytes from byte at to the end;
 * returns the bytes read, or -1 when one differs from byte_at. */
static long read_all(struct sk_in *in, size_t at, size_t rec)
{
	struct sk_error err;
	int64_t n;

	while ((n = sk_in_need(in, rec, &err)) > 0) {
		const unsigned char *p = sk_in_ptr(in);
		for (int64_t k = 0; k < n; k += 4093)
			if (p[k] != byte_at(at + (size_t)k))
				return -1;
		if (p[n - 1] != byte_at(at + (size_t)n - 1))
			return -1;
		at += (size_t)n;
		sk_in_skip(in, (size_t)n);
	}
	return n < 0 ? -2 : (long)at;
}

int main(void)
{
	unsigned char *data = malloc(N), *back = malloc(N);
	struct sk_in in;
	struct sk_out out;
	struct sk_error err;
	char path[64], p2[64];
	FILE *f;
	int wfail;

	for (size_t i = 0; i < N; i++)
		data[i] = byte_at(i);
	snprintf(path, sizeof path, "/tmp/test_io_map_%ld.bin", (long)getpid());
	snprintf(p2, sizeof p2, "/tmp/test_io_map_%ld.out", (long)getpid());
	CHECK((f = fopen(path, "wb")) != NULL && fwrite(data, 1, N, f) == N && fclose(f) == 0);

	/* Mapped after format detection's first read: the buffered bytes stay
	 * where they are in the file; then records of 12,345 bytes, whole
	 * across window ends, to the exact end; windows behind are dropped. */
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_need(&in, 1000, &err) == 1000);
	sk_in_skip(&in, 10);
	CHECK(sk_in_map(&in) == 0 && in.map != NULL && in.mapped == N && in.pos == 10);
	CHECK(sk_in_ptr(&in)[0] == data[10] && in.end - in.beg > 0);
	CHECK(read_all(&in, 10, 12345) == N && in.eof && in.pos == N);
	CHECKF(in.dropped >= ((size_t)16 << 20) && in.dropped < N, "dropped %zu", in.dropped);
	/* Seeks, back into a dropped window and forward past the mapped one. */
	CHECK(sk_in_seek(&in, 5, &err) == 0 && sk_in_need(&in, 7, &err) == 7 && sk_in_ptr(&in)[0] == data[5]);
	CHECK(sk_in_seek(&in, N - 3, &err) == 0 && sk_in_need(&in, 100, &err) == 3 && sk_in_ptr(&in)[2] == data[N - 1]);
	CHECK(sk_in_seek(&in, 20000000, &err) == 0 && read_all(&in, 20000000, 1 << 20) == N);
	/* sk_in_read across windows. */
	CHECK(sk_in_seek(&in, 1, &err) == 0 && sk_in_read(&in, back, N - 1, &err) == N - 1);
	CHECK(memcmp(back, data + 1, N - 1) == 0 && sk_in_read(&in, back, 1, &err) == 0);
	sk_in_close(&in);

	/* sk_in_copy from the mapping into a file; then a resize ends the
	 * mapping and read() goes on from the same byte. */
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_map(&in) == 0 && in.map != NULL);
	CHECK(sk_out_open(&out, p2, &err) == 0);
	CHECK(sk_in_copy(&in, &out, 20000001, &wfail, &err) == 20000001 && wfail == 0);
	CHECK(sk_out_close(&out, &err) == 0);
	CHECK((f = fopen(p2, "rb")) != NULL && fread(back, 1, N, f) == 20000001 && fclose(f) == 0);
	CHECK(memcmp(back, data, 20000001) == 0);
	CHECK(sk_in_need(&in, 10, &err) == 10);
	CHECK(sk_in_resize(&in, 65536, &err) == 0 && in.map == NULL && in.cap == 65536 && in.pos == 20000001);
	CHECK(read_all(&in, 20000001, 4321) == N);
	sk_in_close(&in);

	/* A file cut while it is read: the cut is found when the next window
	 * is mapped, and the input ends where the file now ends, as read()
	 * would have it. */
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_map(&in) == 0 && in.map != NULL);
	CHECK(sk_in_need(&in, 1000, &err) == 1000);
	CHECK(truncate(path, 20000000) == 0);
	CHECK(read_all(&in, 0, 12345) == 20000000 && in.map == NULL);
	sk_in_close(&in);

	/* Left alone: a pipe, an empty file, an input reading ahead; a mapped
	 * input does not read ahead. */
	{
		int fd[2];
		CHECK(pipe(fd) == 0 && write(fd[1], data, 1000) == 1000 && close(fd[1]) == 0);
		CHECK(sk_in_open_fd(&in, fd[0], "<pipe>", &err) == 0 && sk_in_map(&in) == 0 && in.map == NULL);
		CHECK(sk_in_need(&in, 2000, &err) == 1000 && memcmp(sk_in_ptr(&in), data, 1000) == 0);
		sk_in_close(&in);
		close(fd[0]);
	}
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_readahead(&in, 0, &err) == 0 && in.ra != NULL);
	CHECK(sk_in_map(&in) == 0 && in.map == NULL && read_all(&in, 0, 12345) == 20000000);
	sk_in_close(&in);
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_map(&in) == 0 && in.map != NULL);
	CHECK(sk_in_readahead(&in, 0, &err) == 0 && in.ra == NULL);
	sk_in_close(&in);
	CHECK(truncate(path, 0) == 0);
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_map(&in) == 0 && in.map == NULL);
	CHECK(sk_in_need(&in, 10, &err) == 0);
	sk_in_close(&in);
	unlink(path);
	unlink(p2);
	free(data);
	free(back);
	return test_done();
}
