#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_BUF (4u << 20)

int sk_in_open(struct sk_in *in, const char *path, struct sk_error *err)
{
	struct stat st;

	memset(in, 0, sizeof *in);
	in->size = -1;
	if (!path || strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
	} else {
		in->fd = open(path, O_RDONLY);
		if (in->fd < 0)
			return sk_error_sys(err, "%s", "");
		in->own = 1;
	}
	if (fstat(in->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			sk_in_close(in);
			return sk_error_sys(err, "%s", "");
		}
		if (S_ISREG(st.st_mode)) {
			const off_t at = lseek(in->fd, 0, SEEK_CUR);
			in->seekable = at >= 0;
			in->size = (int64_t)st.st_size - (at > 0 ? at : 0);
			/* Offsets count from where we start, so stdin redirected
			 * from a file part-way through still reads right. */
			if (at > 0)
				in->seekable = 0;
		}
	}
	in->cap = IO_BUF;
	in->buf = malloc(in->cap);
	if (!in->buf) {
		sk_in_close(in);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int64_t sk_in_need(struct sk_in *in, size_t n, struct sk_error *err)
{
	if (in->end - in->beg >= n)
		return (int64_t)n;
	/* A file cannot hold more than its size: no buffer for a record that
	 * a bad header makes larger than the file. */
	if (in->size >= 0 && (int64_t)n > in->size - in->pos)
		n = in->size > in->pos ? (size_t)(in->size - in->pos) : 0;
	if (in->beg > 0) {
		memmove(in->buf, in->buf + in->beg, in->end - in->beg);
		in->end -= in->beg;
		in->beg = 0;
	}
	if (n > in->cap) {
		size_t cap = in->cap;
		unsigned char *b;
		while (cap < n)
			cap *= 2;
		if (!(b = realloc(in->buf, cap)))
			return sk_error_set(err, SK_ENOMEM, "out of memory (a %zu-byte record)", n);
		in->buf = b;
		in->cap = cap;
	}
	while (in->end < n && !in->eof) {
		/* Read as much as fits: pipes give short reads, so loop. */
		const ssize_t r = read(in->fd, in->buf + in->end, in->cap - in->end);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sk_error_sys(err, "read error at byte %lld", (long long)(in->pos + (int64_t)in->end));
		}
		if (r == 0)
			in->eof = 1;
		in->end += (size_t)r;
	}
	return (int64_t)(in->end < n ? in->end : n);
}

int sk_in_resize(struct sk_in *in, size_t cap, struct sk_error *err)
{
	unsigned char *b;

	memmove(in->buf, in->buf + in->beg, in->end - in->beg);
	in->end -= in->beg;
	in->beg = 0;
	if (cap < in->end)
		cap = in->end;
	if (!(b = realloc(in->buf, cap ? cap : 1)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	in->buf = b;
	in->cap = cap;
	return 0;
}

int sk_in_seek(struct sk_in *in, int64_t off, struct sk_error *err)
{
	if (!in->seekable)
		return sk_error_set(err, SK_EARG, "input is not seekable");
	if (off >= in->pos - (int64_t)in->beg && off <= in->pos + (int64_t)(in->end - in->beg)) {
		/* Inside the buffer. */
		const int64_t d = off - in->pos;
		in->beg = (size_t)((int64_t)in->beg + d);
		in->pos = off;
		return 0;
	}
	if (lseek(in->fd, (off_t)off, SEEK_SET) < 0)
		return sk_error_sys(err, "seek to byte %lld", (long long)off);
	in->beg = in->end = 0;
	in->eof = 0;
	in->pos = off;
	return 0;
}

void sk_in_close(struct sk_in *in)
{
	if (in->own && in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	free(in->buf);
	in->buf = NULL;
}

int sk_out_open(struct sk_out *out, const char *path, struct sk_error *err)
{
	struct stat st;

	memset(out, 0, sizeof *out);
	out->fd = -1;
	if (!path || strcmp(path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		if (fstat(out->fd, &st) == 0 && S_ISREG(st.st_mode) && lseek(out->fd, 0, SEEK_CUR) == 0)
			out->seekable = 1;
	} else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return sk_error_sys(err, "%s", "");
		}
		out->fd = open(path, O_WRONLY | O_TRUNC);
		if (out->fd < 0)
			return sk_error_sys(err, "%s", "");
	} else {
		const char *slash = strrchr(path, '/');
		const size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
		const size_t n = strlen(path) + 16;
		mode_t mask;

		out->path = strdup(path);
		out->tmp = malloc(n);
		if (!out->path || !out->tmp) {
			sk_out_abort(out);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		snprintf(out->tmp, n, "%.*s.%s.XXXXXX", (int)dlen, path, path + dlen);
		out->fd = mkstemp(out->tmp);
		if (out->fd < 0) {
			const int e = errno;
			free(out->tmp);
			out->tmp = NULL;
			sk_out_abort(out);
			errno = e;
			return sk_error_sys(err, "%s", "");
		}
		mask = umask(0);
		umask(mask);
		if (fchmod(out->fd, 0666 & ~mask) < 0) {
			sk_out_abort(out);
			return sk_error_sys(err, "%s", "");
		}
		out->seekable = 1;
	}
	out->cap = IO_BUF;
	out->buf = malloc(out->cap);
	if (!out->buf) {
		sk_out_abort(out);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n, struct sk_error *err)
{
	while (n) {
		const ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return sk_error_sys(err, "write error");
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int sk_out_flush(struct sk_out *out, struct sk_error *err)
{
	int rc = 0;
	if (out->len)
		rc = write_all(out->fd, out->buf, out->len, err);
	out->len = 0;
	return rc;
}

int sk_out_resize(struct sk_out *out, size_t cap, struct sk_error *err)
{
	unsigned char *b;

	if (sk_out_flush(out, err) < 0)
		return err->code;
	if (!(b = realloc(out->buf, cap ? cap : 1)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	out->buf = b;
	out->cap = cap;
	return 0;
}

unsigned char *sk_out_reserve(struct sk_out *out, size_t n, struct sk_error *err)
{
	if (out->cap - out->len < n) {
		if (sk_out_flush(out, err) < 0)
			return NULL;
		if (n > out->cap) {
			unsigned char *b = realloc(out->buf, n);
			if (!b) {
				sk_error_set(err, SK_ENOMEM, "out of memory");
				return NULL;
			}
			out->buf = b;
			out->cap = n;
		}
	}
	return out->buf + out->len;
}

int sk_out_write(struct sk_out *out, const void *p, size_t n, struct sk_error *err)
{
	if (n >= out->cap || (n >= (256u << 10) && out->cap >= (256u << 10))) {
		/* Large pieces go straight from the caller's memory. */
		int rc = sk_out_flush(out, err);
		if (rc == 0)
			rc = write_all(out->fd, p, n, err);
		out->off += (int64_t)n;
		return rc;
	}
	{
		unsigned char *d = sk_out_reserve(out, n, err);
		if (!d)
			return err ? err->code : SK_EIO;
		memcpy(d, p, n);
		sk_out_advance(out, n);
	}
	return 0;
}

int sk_out_pwrite(struct sk_out *out, int64_t off, const void *p, size_t n, struct sk_error *err)
{
	if (!out->seekable)
		return 0;
	if (sk_out_flush(out, err) < 0)
		return err->code;
	if (pwrite(out->fd, p, n, (off_t)off) != (ssize_t)n)
		return sk_error_sys(err, "write error");
	return 0;
}

int sk_out_close(struct sk_out *out, struct sk_error *err)
{
	int rc = sk_out_flush(out, err);

	if (out->fd >= 0 && out->fd != STDOUT_FILENO) {
		if (close(out->fd) < 0 && rc == 0)
			rc = sk_error_sys(err, "write error");
		out->fd = -1;
	}
	if (rc == 0 && out->tmp && rename(out->tmp, out->path) < 0)
		rc = sk_error_sys(err, "cannot rename the temporary file");
	if (rc == 0) {
		free(out->tmp);
		out->tmp = NULL;
	}
	sk_out_abort(out);
	return rc;
}

void sk_out_abort(struct sk_out *out)
{
	if (out->fd >= 0 && out->fd != STDOUT_FILENO)
		close(out->fd);
	out->fd = -1;
	if (out->tmp)
		unlink(out->tmp);
	free(out->tmp);
	free(out->path);
	free(out->buf);
	out->tmp = out->path = NULL;
	out->buf = NULL;
}
