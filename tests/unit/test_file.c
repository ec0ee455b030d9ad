/* write_all over pipes and full devices, whole-file reading, mkdir -p. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "mkstream.h"

int main(void)
{
	enum { N = 1 << 20 };
	unsigned char *data = malloc(N);
	struct sk_error err;
	char dir[64], path[256];
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	CHECK(mk_tmpdir(dir, sizeof dir, "file") != NULL);
	for (int i = 0; i < N; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);

	/* A whole MiB through a pipe whose reader takes small bites: every
	 * byte arrives, in order. */
	{
		int p[2], status = 0;
		pid_t pid;
		CHECK(pipe(p) == 0);
		pid = fork();
		if (pid == 0) {
			unsigned char b[1000];
			size_t at = 0;
			ssize_t r;
			close(p[1]);
			while ((r = read(p[0], b, 1 + at % 997)) > 0) {
				if (memcmp(b, data + at, (size_t)r) != 0)
					_exit(2);
				at += (size_t)r;
			}
			_exit(at == N ? 0 : 3);
		}
		close(p[0]);
		CHECK(sk_file_write_all(p[1], data, N, &err) == 0);
		close(p[1]);
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	/* A full device, a closed descriptor: the errno text alone. */
	fd = open("/dev/full", O_WRONLY);
	CHECK(fd >= 0);
	CHECK(sk_file_write_all(fd, data, 10, &err) == SK_EIO && err.errnum == ENOSPC);
	CHECK(strcmp(err.msg, "No space left on device") == 0);
	CHECK(sk_file_pwrite_all(fd, data, 10, 0, &err) == SK_EIO);
	close(fd);
	CHECK(sk_file_write_all(fd, data, 10, &err) == SK_EIO && strcmp(err.msg, "Bad file descriptor") == 0);

	/* pwrite_all, then reading the whole file back. */
	snprintf(path, sizeof path, "%s/f", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && sk_file_write_all(fd, data, N, &err) == 0);
	CHECK(sk_file_pwrite_all(fd, "ABCD", 4, 1000, &err) == 0);
	close(fd);
	memcpy(data + 1000, "ABCD", 4);
	CHECK(sk_file_read_all(path, &text, &len, &err) == 0 && len == N);
	CHECK(text && memcmp(text, data, N) == 0 && text[N] == '\0');
	free(text);
	/* pread_all: a middle piece, a piece cut by the end, nothing past it,
	 * and a descriptor not open for reading. */
	{
		unsigned char b[16];
		size_t got = 99;
		fd = open(path, O_RDONLY);
		CHECK(sk_file_pread_all(fd, b, 6, 999, &got, &err) == 0 && got == 6 && memcmp(b, data + 999, 6) == 0);
		CHECK(sk_file_pread_all(fd, b, 16, N - 5, &got, &err) == 0 && got == 5 &&
		      memcmp(b, data + N - 5, 5) == 0);
		CHECK(sk_file_pread_all(fd, b, 16, N + 100, &got, &err) == 0 && got == 0);
		close(fd);
		fd = open(path, O_WRONLY);
		CHECK(sk_file_pread_all(fd, b, 4, 0, &got, &err) == SK_EIO && strcmp(err.msg, "Bad file descriptor") == 0);
		close(fd);
	}
	/* Empty files, directories, missing files. */
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	CHECK(sk_file_read_all(path, &text, NULL, &err) == 0 && text && text[0] == '\0');
	free(text);
	CHECK(sk_file_read_all(dir, &text, &len, &err) == SK_EIO && strcmp(err.msg, "Is a directory") == 0);
	CHECK(text == NULL);
	snprintf(path, sizeof path, "%s/missing", dir);
	CHECK(sk_file_read_all(path, &text, &len, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0);

	/* mkdir -p: new parents, an existing path, trailing slashes, a file
	 * in the way. */
	snprintf(path, sizeof path, "%s/a/b/c", dir);
	CHECK(sk_file_mkdirs(path, 0755, &err) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(sk_file_mkdirs(path, 0755, &err) == 0);
	snprintf(path, sizeof path, "%s/a/b/d//", dir);
	CHECK(sk_file_mkdirs(path, 0755, &err) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(path, sizeof path, "%s/f/x", dir);
	CHECK(sk_file_mkdirs(path, 0755, &err) == SK_EIO && strcmp(err.msg, "Not a directory") == 0);
	snprintf(path, sizeof path, "%s/f", dir);
	CHECK(sk_file_mkdirs(path, 0755, &err) == SK_EIO && strcmp(err.msg, "File exists") == 0);
	CHECK(sk_file_mkdirs("/", 0755, &err) == 0);

	/* Text or not: the first byte no YAML or host file holds. */
	CHECK(sk_file_binary_at("a: 1\tb\r\n", 8) == 8);
	CHECK(sk_file_binary_at("", 0) == 0);
	CHECK(sk_file_binary_at("ab\0c", 4) == 2);
	CHECK(sk_file_binary_at("\x1f", 1) == 0);
	CHECK(sk_file_binary_at(" \x7f", 2) == 1);
	CHECK(sk_file_binary_at("\x0b", 1) == 0);
	CHECK(sk_file_binary_at("\xc3\xa9\x80\xff", 4) == 4);       /* bytes past ASCII: libyaml's to judge */
	CHECK(sk_file_binary_at("\xff\xfe" "a\0", 4) == 4);             /* UTF-16LE, its mark */
	CHECK(sk_file_binary_at("\xfe\xff\0a", 4) == 4);             /* UTF-16BE */
	CHECK(sk_file_binary_at("\0\0\xfe\xff", 4) == 4);           /* UTF-32BE */
	CHECK(sk_file_binary_at("\xfe", 1) == 1 && sk_file_binary_at("\0\0\xfe", 3) == 0);

	/* dir/name, whatever either holds (split.c, scatter.c, taskrun's state). */
	{
		char *j = sk_path_join("d/e", "piece 1.sgy");
		CHECK(j && strcmp(j, "d/e/piece 1.sgy") == 0);
		free(j);
		j = sk_path_join("", "x");
		CHECK(j && strcmp(j, "/x") == 0);
		free(j);
	}
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
	free(data);
	return test_done();
}
