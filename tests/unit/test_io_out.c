/* Buffered output (io_out.c): atomic files, writev straight from the
 * caller's memory, reserved room, and the errors that name the output. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bigmem.h"
#include "check.h"
#include "io.h"
#include "mkstream.h"

/* A tap that keeps a copy of what it was given, and whether it was voided. */
struct tapped {
	unsigned char *p;
	size_t n;
	int voided;
};

static void tap(void *arg, const void *p, size_t n)
{
	struct tapped *t = arg;

	if (!p) {
		t->voided++;
		return;
	}
	memcpy(t->p + t->n, p, n);
	t->n += n;
}

/* The tap sees every byte in the file's order as it is handed over,
 * whichever way it leaves (the buffer, a large write straight from the
 * caller, writev); a pwrite of
 * the same bytes leaves it alone, one that changes bytes voids it. */
static void test_tap(const unsigned char *data, size_t n)
{
	struct tapped t = {malloc(n + 16), 0, 0};
	struct sk_out out;
	struct sk_error err;
	struct iovec v[2] = {{(void *)(uintptr_t)(data + 300000), 1000}, {(void *)(uintptr_t)(data + 301000), n - 301000}};
	char path[64];
	unsigned char *back = malloc(n + 16);
	FILE *fp;

	snprintf(path, sizeof path, "/tmp/test_io_tap_%ld.bin", (long)getpid());
	CHECK(t.p && back && sk_out_open(&out, path, &err) == 0);
	/* A tap set after bytes were buffered is given them at once; one
	 * put in its place (the account moved) is given nothing again. */
	CHECK(sk_out_write(&out, data, 60, &err) == 0);
	CHECK(sk_out_tap(&out, tap, &t) == 0 && t.n == 60 && memcmp(t.p, data, 60) == 0);
	CHECK(sk_out_tap(&out, tap, &t) == 0 && t.n == 60);
	CHECK(sk_out_write(&out, data + 60, 40, &err) == 0 && t.n == 100);  /* buffered */
	CHECK(sk_out_write(&out, data + 100, 299900, &err) == 0);          /* straight */
	CHECK(t.n == 300000 && memcmp(t.p, data, 300000) == 0);
	CHECK(sk_out_writev(&out, v, 2, &err) == 0 && t.n == n && memcmp(t.p, data, n) == 0);
	CHECK(sk_out_pwrite(&out, 10, data + 10, 8, &err) == 0 && t.voided == 0);
	CHECK(sk_out_write(&out, "tail", 4, &err) == 0 && sk_out_flush(&out, &err) == 0 && t.n == n + 4);
	CHECK(sk_out_tap(&out, tap, &t) == -1);  /* bytes have left the buffer */
	CHECK(sk_out_pwrite(&out, 10, "12345678", 8, &err) == 0 && t.voided == 1);
	CHECK(sk_out_close(&out, &err) == 0);
	CHECK((fp = fopen(path, "rb")) && fread(back, 1, n + 16, fp) == n + 4 && fclose(fp) == 0);
	CHECK(memcmp(back, t.p, 10) == 0 && memcmp(back + 10, "12345678", 8) == 0 &&
	      memcmp(back + 18, t.p + 18, n - 14) == 0);
	unlink(path);
	free(back);
	free(t.p);
}

int main(void)
{
	enum { N = 3 * 1000 * 1000 };
	unsigned char *data = mk_bytes(N);
	struct sk_in in;
	struct sk_out out;
	struct sk_error err;
	char path[64];
	struct stat st;


	/* Atomic output: invisible until closed; abort leaves nothing. */
	snprintf(path, sizeof path, "/tmp/test_io_%ld.bin", (long)getpid());
	CHECK(sk_out_open(&out, path, &err) == 0);
	CHECK(sk_out_write(&out, data, N, &err) == 0 && sk_out_write(&out, "abc", 3, &err) == 0);
	CHECK(stat(path, &st) != 0 && errno == ENOENT);
	CHECK(sk_out_pwrite(&out, 0, "XY", 2, &err) == 0);
	CHECK(sk_out_close(&out, &err) == 0);
	CHECK(stat(path, &st) == 0 && st.st_size == N + 3);
	CHECK(sk_in_open(&in, path, &err) == 0 && in.seekable && in.size == N + 3);
	CHECK(sk_in_need(&in, N + 10, &err) == N + 3);
	CHECK(sk_in_ptr(&in)[0] == 'X' && sk_in_ptr(&in)[2] == data[2] && sk_in_ptr(&in)[N + 2] == 'c');
	CHECK(sk_in_seek(&in, 5, &err) == 0 && sk_in_need(&in, 1, &err) == 1 && sk_in_ptr(&in)[0] == data[5]);
	sk_in_close(&in);
	CHECK(sk_out_open(&out, path, &err) == 0 && sk_out_write(&out, "z", 1, &err) == 0);
	sk_out_abort(&out);
	CHECK(stat(path, &st) == 0 && st.st_size == N + 3);   /* the old file stays */
	unlink(path);
	/* writev: buffered bytes first, then 3000 pieces (three calls of
	 * IOV_MAX) of 1 to 1999 bytes straight from the caller's memory,
	 * through a pipe that takes 64 KiB at a time (short writes continued),
	 * read back byte for byte. */
	{
		enum { NP = 3000 };
		struct iovec *iov = malloc(NP * sizeof *iov);
		size_t total = 0, at = 0;
		int fd[2], status, ok = 1;
		pid_t pid;
		for (int i = 0; i < NP; i++) {
			const size_t len = (size_t)(i * 7919) % 1999 + 1;
			iov[i].iov_base = data + at;
			iov[i].iov_len = len;
			at = (at + len * 3) % (N - 2000);
			total += len;
		}
		CHECK(pipe(fd) == 0);
		if ((pid = fork()) == 0) {
			/* The reader: the same pieces expected, in order. */
			unsigned char *got = malloc(total + 10);
			size_t n = 0, off = 0;
			ssize_t r;
			close(fd[1]);
			while ((r = read(fd[0], got + n, total + 10 - n)) > 0)
				n += (size_t)r;
			if (n != total + 10 || memcmp(got, "0123456789", 10) != 0)
				_exit(1);
			for (int i = 0, a = 0; i < NP; i++) {
				const size_t len = (size_t)(i * 7919) % 1999 + 1;
				if (memcmp(got + 10 + off, data + a, len) != 0)
					_exit(2);
				off += len;
				a = (int)(((size_t)a + len * 3) % (N - 2000));
			}
			_exit(0);
		}
		close(fd[0]);
		{
			const int saved = dup(1);
			dup2(fd[1], 1);
			close(fd[1]);
			CHECK(sk_out_open(&out, "-", &err) == 0 && !out.seekable);
			CHECK(sk_out_write(&out, "0123456789", 10, &err) == 0 && out.len == 10);
			CHECK(sk_out_writev(&out, iov, NP, &err) == 0 && out.len == 0);
			CHECK(out.off == (int64_t)(total + 10));
			/* Not seekable: pwrite does nothing. */
			CHECK(sk_out_pwrite(&out, 0, "XY", 2, &err) == 0);
			CHECK(sk_out_close(&out, &err) == 0);
			dup2(saved, 1);
			close(saved);
		}
		waitpid(pid, &status, 0);
		CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader status %d", status);
		(void)ok;
		free(iov);
	}
	/* The buffer comes with the first write: 4 MiB on a huge-page boundary
	 * (bigmem.h); a size set before it (a writer of many outputs) is the
	 * size allocated, nothing larger first. */
	snprintf(path, sizeof path, "/tmp/test_io_out_%ld.bin", (long)getpid());
	CHECK(sk_out_open(&out, path, &err) == 0 && out.buf == NULL && out.cap == 4u << 20);
	CHECK(sk_out_write(&out, "a", 1, &err) == 0 && out.buf != NULL && out.cap == 4u << 20 &&
	      (uintptr_t)out.buf % SK_BIGMEM_PAGE == 0);
	CHECK(sk_out_close(&out, &err) == 0);
	/* Reserved room: filled in place; larger than the buffer grows it. */
	CHECK(sk_out_open(&out, path, &err) == 0 && out.seekable);
	CHECK(sk_out_resize(&out, 100, &err) == 0 && out.cap == 100 && out.buf == NULL);
	{
		unsigned char *d = sk_out_reserve(&out, 60, &err);
		CHECK(d != NULL);
		if (d) {
			memcpy(d, data, 60);
			sk_out_advance(&out, 60);
		}
		d = sk_out_reserve(&out, 250, &err);   /* flushes the 60, grows */
		CHECK(d != NULL && out.len == 0 && out.cap == 250 && out.off == 60);
		if (d) {
			memcpy(d, data + 60, 250);
			sk_out_advance(&out, 250);
		}
	}
	CHECK(sk_out_close(&out, &err) == 0);
	CHECK(sk_in_open(&in, path, &err) == 0 && sk_in_need(&in, 1000, &err) == 310);
	CHECK(memcmp(sk_in_ptr(&in), data, 310) == 0);
	sk_in_close(&in);
	unlink(path);
	/* A write error names the output and says the errno text alone. */
	{
		struct iovec v = {data, 100000};
		CHECK(sk_out_open(&out, "/dev/full", &err) == 0);
		CHECK(sk_out_writev(&out, &v, 1, &err) == SK_EIO);
		CHECK(strcmp(err.msg, "No space left on device") == 0 && strcmp(err.file, "/dev/full") == 0);
		sk_out_abort(&out);
	}
	CHECK(sk_out_open(&out, "/nonexistent/dir/x", &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0);
	test_tap(data, N);
	free(data);
	return test_done();
}
