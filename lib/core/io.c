/*
 * io: buffered byte input over a file or a pipe (io.h sk_in_*); its
 * read-ahead thread is io_readahead.c, the output io_out.c.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "io_internal.h"
#include "ofile.h"

static int in_open(struct sk_in *in, const char *path, struct sk_error *err);

int sk_in_open_fd(struct sk_in *in, int fd, const char *name, struct sk_error *err)
{
	memset(in, 0, sizeof *in);
	in->fd = fd;
	in->size = -1;
	in->cap = IO_BUF;
	if (!(in->name = strdup(name)) || !(in->buf = malloc(in->cap))) {
		sk_in_close(in);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int sk_in_open(struct sk_in *in, const char *path, struct sk_error *err)
{
	return sk_error_at(err, in_open(in, path, err), sk_in_name(path));
}

static int in_open(struct sk_in *in, const char *path, struct sk_error *err)
{
	struct stat st;

	memset(in, 0, sizeof *in);
	in->size = -1;
	if (!(in->name = strdup(sk_in_name(path))))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (!path || strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		/* Trace data typed at a terminal is never meant: waiting silently
		 * for it is what a user mistakes for a hang. */
		if (isatty(in->fd)) {
			sk_in_close(in);
			return sk_error_set(err, SK_EUSAGE, "standard input is a terminal; give a file or a pipe");
		}
	} else {
		in->fd = open(path, O_RDONLY);
		if (in->fd < 0) {
			const int rc = sk_error_sys(err, "%s", "");
			sk_in_close(in);
			return rc;
		}
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
	int64_t got;

	if (in->end - in->beg >= n)
		return (int64_t)n;
	/* A file cannot hold more than its size: no buffer for a record that
	 * a bad header makes larger than the file. */
	if (in->size >= 0 && (int64_t)n > in->size - in->pos)
		n = in->size > in->pos ? (size_t)(in->size - in->pos) : 0;
	got = in->ra ? sk_io_ra_need(in, n, err) : sk_io_need(in, n, err);
	if (got < 0)
		sk_error_at(err, (int)got, in->name);
	return got;
}

/* A piece of sk_in_copy: small enough that what read() puts in the buffer
 * is still in the cache when write() takes it out (with the whole 4 MiB
 * buffer, sgk -> sgk copies into /dev/null ran at 0.57x cat). */
#define COPY_PIECE ((size_t)256 << 10)

static size_t first_read(size_t n, size_t cap)
{
	const size_t want = n > COPY_PIECE ? n : COPY_PIECE;

	return want < cap ? want : cap;
}

/* sk_in_need without read-ahead, n capped. */
int64_t sk_io_need(struct sk_in *in, size_t n, struct sk_error *err)
{
	if (in->end - in->beg >= n)
		return (int64_t)n;
	if (in->beg > 0) {
		memmove(in->buf, in->buf + in->beg, in->end - in->beg);
		in->end -= in->beg;
		in->beg = 0;
	}
	while (in->end < n && !in->eof) {
		ssize_t r;
		/* The buffer grows as the data comes, so that a header announcing
		 * a huge record on a pipe costs only what the pipe holds. */
		if (in->end == in->cap) {
			const size_t cap = in->cap ? 2 * in->cap : IO_BUF;
			unsigned char *b = realloc(in->buf, cap);
			if (!b)
				return sk_error_set(err, SK_ENOMEM, "out of memory (a %zu-byte record)", n);
			in->buf = b;
			in->cap = cap;
		}
		/* Read as much as fits: pipes give short reads, so loop.  The
		 * first read, though, takes what is asked (format detection asks
		 * for about 256 KiB), or a piece of sk_in_copy, and no more: a
		 * copy through sk_in_copy never needs the rest of the buffer,
		 * whose pages are then never touched. */
		r = read(in->fd, in->buf + in->end,
			 in->pos == 0 && in->end == 0 ? first_read(n, in->cap) : in->cap - in->end);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sk_error_sys(err, "read error at byte %lld", (long long)(in->pos + (int64_t)in->end));
		}
		if (r == 0)
			in->eof = 1;
		else if (in->tap)
			in->tap(in->tap_arg, in->buf + in->end, (size_t)r);
		in->end += (size_t)r;
	}
	return (int64_t)(in->end < n ? in->end : n);
}

int64_t sk_in_copy(struct sk_in *in, struct sk_out *out, uint64_t n, int *wfail, struct sk_error *err)
{
	uint64_t done = 0;

	*wfail = 0;
	while (done < n) {
		const size_t want = n - done < COPY_PIECE ? (size_t)(n - done) : COPY_PIECE;
		size_t len = in->end - in->beg;
		int rc;

		if (len == 0 && !in->ra && !in->eof) {
			/* A whole piece even for the last bytes: what follows them
			 * (the next record's header) is then buffered too. */
			const ssize_t r = read(in->fd, in->buf, COPY_PIECE < in->cap ? COPY_PIECE : in->cap);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return sk_error_at(err, sk_error_sys(err, "read error at byte %lld", (long long)in->pos),
						   in->name);
			if (r > 0 && in->tap)
				in->tap(in->tap_arg, in->buf, (size_t)r);
			in->beg = 0;
			in->end = (size_t)r;
			in->eof = r == 0;
			len = (size_t)r;
		} else if (len == 0) {
			const int64_t got = sk_in_need(in, want, err);
			if (got < 0)
				return got;
			len = (size_t)got;
		}
		if (len == 0)
			break;
		if (len > n - done)
			len = (size_t)(n - done);
		if ((rc = sk_out_write(out, sk_in_ptr(in), len, err)) < 0) {
			*wfail = 1;
			return rc;
		}
		sk_in_skip(in, len);
		done += len;
	}
	return (int64_t)done;
}

int64_t sk_in_read(struct sk_in *in, void *dst, size_t n, struct sk_error *err)
{
	unsigned char *const d = dst;
	size_t done = in->end - in->beg < n ? in->end - in->beg : n;

	memcpy(d, sk_in_ptr(in), done);
	sk_in_skip(in, done);
	if (in->ra) {
		while (done < n) {
			const int64_t got = sk_in_need(in, n - done, err);
			if (got <= 0)
				return got < 0 ? got : (int64_t)done;
			memcpy(d + done, sk_in_ptr(in), (size_t)got);
			sk_in_skip(in, (size_t)got);
			done += (size_t)got;
		}
		return (int64_t)done;
	}
	while (done < n && !in->eof) {
		const ssize_t r = read(in->fd, d + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sk_error_at(err, sk_error_sys(err, "read error at byte %lld", (long long)in->pos), in->name);
		in->eof = r == 0;
		if (r > 0 && in->tap)
			in->tap(in->tap_arg, d + done, (size_t)r);
		in->pos += r;
		done += (size_t)r;
	}
	return (int64_t)done;
}

int sk_in_resize(struct sk_in *in, size_t cap, struct sk_error *err)
{
	unsigned char *b;
	int rc;

	if (in->map)
		return 0;  /* the mapping is not memory of the input's own */

	if (in->ra && (rc = sk_io_ra_end(in, RA_DRAIN, err)) < 0)
		return rc;
	memmove(in->buf, in->buf + in->beg, in->end - in->beg);
	in->end -= in->beg;
	in->beg = 0;
	/* A file gives back what does not fit: its bytes are read again when
	 * needed.  (Format detection buffers 260 KiB; a merge of 1,000 inputs
	 * holding that each took 260 MiB instead of 64 MiB.)  A pipe keeps
	 * them all. */
	if (cap < in->end && in->seekable && lseek(in->fd, (off_t)(in->pos + (int64_t)cap), SEEK_SET) >= 0) {
		in->end = cap;
		in->eof = 0;
	}
	if (cap < in->end)
		cap = in->end;
	if (cap < in->cap / 2 && (b = malloc(cap ? cap : 1))) {
		/* A new buffer, and the old one freed whole: shrunk in place,
		 * its touched pages beyond the new end stayed resident, in
		 * pieces too small for the next input's buffer (a merge of 100
		 * inputs held 106 KiB each for 64 KiB buffers). */
		memcpy(b, in->buf, in->end);
		free(in->buf);
	} else if (!(b = realloc(in->buf, cap ? cap : 1))) {
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	in->buf = b;
	in->cap = cap;
	return 0;
}

static int in_seek(struct sk_in *in, int64_t off, struct sk_error *err);

int sk_in_seek(struct sk_in *in, int64_t off, struct sk_error *err)
{
	return sk_error_at(err, in_seek(in, off, err), in->name);
}

static int in_seek(struct sk_in *in, int64_t off, struct sk_error *err)
{
	if (!in->seekable)
		return sk_error_set(err, SK_EARG, "input is not seekable");
	if (in->map) {
		/* Past the end: nothing to give (sk_in_need caps by size). */
		in->beg = off < (int64_t)in->maplen ? (size_t)(off > 0 ? off : 0) : in->maplen;
		in->pos = off;
		return 0;
	}
	if (off >= in->pos - (int64_t)in->beg && off <= in->pos + (int64_t)(in->end - in->beg)) {
		/* Inside the buffer. */
		const int64_t d = off - in->pos;
		in->beg = (size_t)((int64_t)in->beg + d);
		in->pos = off;
		return 0;
	}
	if (in->ra)
		sk_io_ra_end(in, RA_KEEP, err);
	if (lseek(in->fd, (off_t)off, SEEK_SET) < 0)
		return sk_error_sys(err, "seek to byte %lld", (long long)off);
	in->beg = in->end = 0;
	in->eof = 0;
	in->pos = off;
	return 0;
}

int sk_in_map(struct sk_in *in)
{
	struct stat st;
	void *m;

	if (in->map)
		return 1;
	if (!in->seekable || in->tap || in->ra || in->size <= 0 || (uint64_t)in->size > SIZE_MAX ||
	    fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != in->size)
		return 0;
	m = mmap(NULL, (size_t)in->size, PROT_READ, MAP_SHARED, in->fd, 0);
	if (m == MAP_FAILED)
		return 0;
	/* The buffered bytes are the file's at pos: the mapping holds them
	 * too, and all after them. */
	free(in->buf);
	in->map = in->buf = m;
	in->maplen = in->cap = (size_t)in->size;
	in->beg = in->pos < in->size ? (size_t)in->pos : in->maplen;
	in->end = in->maplen;
	in->eof = 1;
	sk_ofile_bus_name(in->name);
	return 1;
}

void sk_in_close(struct sk_in *in)
{
	if (in->ra)
		sk_io_ra_end(in, RA_CLOSE, NULL);
	if (in->own && in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	if (in->map) {
		sk_ofile_bus_name(NULL);
		munmap(in->map, in->maplen);
		in->buf = in->map = NULL;
	}
	free(in->buf);
	in->buf = NULL;
	free(in->name);
	in->name = NULL;
}
