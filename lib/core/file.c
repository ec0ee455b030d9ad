#include "file.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The loop of both writers: off < 0 writes at the file position (write),
 * else at off (pwrite). */
static int write_loop(int fd, const void *p, size_t n, int64_t off, struct sk_error *err)
{
	const unsigned char *c = p;

	while (n > 0) {
		const ssize_t w = off < 0 ? write(fd, c, n) : pwrite(fd, c, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return sk_error_sys(err, "%s", "");
		}
		if (w == 0) {
			/* write(2) returns 0 for n > 0 only on odd devices; do
			 * not loop for ever on one. */
			errno = EIO;
			return sk_error_sys(err, "%s", "");
		}
		c += w;
		n -= (size_t)w;
		if (off >= 0)
			off += (int64_t)w;
	}
	return 0;
}

int sk_file_write_all(int fd, const void *p, size_t n, struct sk_error *err)
{
	return write_loop(fd, p, n, -1, err);
}

int sk_file_pwrite_all(int fd, const void *p, size_t n, int64_t off, struct sk_error *err)
{
	assert(off >= 0);
	return write_loop(fd, p, n, off, err);
}

int sk_file_pread_all(int fd, void *p, size_t n, int64_t off, size_t *got, struct sk_error *err)
{
	unsigned char *c = p;

	*got = 0;
	while (*got < n) {
		const ssize_t r = pread(fd, c + *got, n - *got, (off_t)(off + (int64_t)*got));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sk_error_sys(err, "%s", "");
		}
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

size_t sk_file_binary_at(const void *buf, size_t len)
{
	const unsigned char *b = buf;

	if (len >= 2 && ((b[0] == 0xfe && b[1] == 0xff) || (b[0] == 0xff && b[1] == 0xfe)))
		return len;
	if (len >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff)
		return len;
	for (size_t i = 0; i < len; i++)
		if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') || b[i] == 0x7f)
			return i;
	return len;
}

int sk_file_read_all(const char *path, char **out, size_t *len, struct sk_error *err)
{
	const int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (fd < 0)
		return sk_error_sys(err, "%s", "");
	for (;;) {
		ssize_t r;
		if (cap - n < 4096) {
			const size_t c = cap ? 2 * cap : 65536;
			char *b = realloc(buf, c);
			if (!b) {
				free(buf);
				close(fd);
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			}
			buf = b;
			cap = c;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			const int e = errno;
			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			errno = e;
			return sk_error_sys(err, "%s", "");
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int sk_file_mkdirs(const char *path, mode_t mode, struct sk_error *err)
{
	char *p = strdup(path);
	size_t n;
	int rc = 0;

	if (!p)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	/* Each prefix ending before a slash, then the whole path. */
	for (char *s = p + 1;; s++) {
		const int last = *s == '\0';
		struct stat st;
		if (!last && *s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) != 0) {
			const int e = errno;
			if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
				errno = e == EEXIST ? (last ? EEXIST : ENOTDIR) : e;
				rc = sk_error_sys(err, "%s", "");
				break;
			}
		}
		if (last)
			break;
		*s = '/';
	}
	free(p);
	return rc;
}

char *sk_path_join(const char *dir, const char *name)
{
	const size_t a = strlen(dir), b = strlen(name);
	char *s = malloc(a + b + 2);

	if (s) {
		memcpy(s, dir, a);
		s[a] = '/';
		memcpy(s + a + 1, name, b + 1);
	}
	return s;
}
