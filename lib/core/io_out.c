/*
 * io_out: buffered output (io.h sk_out_*): atomic files through ofile.h,
 * standard output, writev straight from the caller's memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bigmem.h"
#include "file.h"
#include "io_internal.h"
#include "ofile_behind.h"


static int out_open(struct sk_out *out, const char *path, struct sk_error *err);

/* Binary trace data onto a terminal only when -o - asks for it, as zstd and
 * gzip do. */
static int out_tty(const char *path, struct sk_error *err)
{
	if (!path && isatty(STDOUT_FILENO))
		return sk_error_set(err, SK_EUSAGE,
				    "standard output is a terminal; give -o FILE, or -o - to write to it anyway");
	return 0;
}

int sk_out_check_tty(const char *path, struct sk_error *err)
{
	return sk_error_at(err, out_tty(path, err), sk_out_name(path));
}

int sk_out_open(struct sk_out *out, const char *path, struct sk_error *err)
{
	const int rc = out_open(out, path, err);

	/* A failed open keeps nothing (its name included): callers do not
	 * abort what they could not open. */
	if (rc < 0)
		sk_out_abort(out);
	return sk_error_at(err, rc, sk_out_name(path));
}

static int out_open(struct sk_out *out, const char *path, struct sk_error *err)
{
	struct stat st;
	int rc;

	memset(out, 0, sizeof *out);
	out->fd = -1;
	out->of.fd = -1;
	out->of.slot = -1;
	if (!(out->name = strdup(sk_out_name(path))))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (!path || strcmp(path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		if ((rc = out_tty(path, err)) < 0)
			return rc;
		if (fstat(out->fd, &st) == 0 && S_ISREG(st.st_mode) && lseek(out->fd, 0, SEEK_CUR) == 0)
			out->seekable = 1;
	} else {
		if ((rc = sk_ofile_open(&out->of, path, err)) < 0)
			return rc;
		out->fd = out->of.fd;
		out->seekable = out->of.tmp != NULL;
	}
	/* The buffer comes with the first write (sk_out_reserve), in the
	 * size sk_out_resize may set before it. */
	out->cap = IO_BUF;
	return 0;
}

/* Written bytes go on to the disk every OUT_KICK (without waiting), so that
 * the sync at the close, which makes the file last, finds little left.
 * Synced behind the writer (sk_out_sync_behind), every OUT_KICK_BEHIND: the
 * close waits for the sync that runs and the commit's fsync for what came
 * after it, each at most that much.  regrid's 90 MB output on 2 threads,
 * from the end of the work to the rename: linear 17-21 ms with 16 MiB, 6-13
 * with 4; idw 22-24 and 13-20; nearest, whose output outruns the disk
 * (440-900 MB/s here), 40 either way.  The syncs run in the helper, asleep
 * in the kernel. */
#define OUT_KICK ((int64_t)16 << 20)
#define OUT_KICK_BEHIND ((int64_t)4 << 20)

static void out_kick(struct sk_out *out)
{
	const int64_t done = out->off - (int64_t)out->len - (int64_t)out->inflight;

	if (out->of.tmp && done - out->kicked >= (out->behind ? OUT_KICK_BEHIND : OUT_KICK)) {
		sk_ofile_writeback(&out->of, out->kicked, done - out->kicked);
		out->kicked = done;
		if (out->behind)
			sk_syncbehind_kick(out->behind);
	}
}

void sk_out_sync_behind(struct sk_out *out)
{
	if (!out->behind && out->fd == out->of.fd)
		out->behind = sk_ofile_behind(&out->of);
}

int sk_out_tap(struct sk_out *out, void (*tap)(void *arg, const void *p, size_t n), void *arg)
{
	const int fresh = !out->tap;

	if (out->off != (int64_t)out->len)
		return -1;
	out->tap = tap;
	out->tap_arg = arg;
	if (fresh && tap && out->len)
		tap(arg, out->buf, out->len);
	return 0;
}

/* The buffer written behind: segmerge --key of two runs of 424 MB in tmpfs
 * took 0.29-0.31 s with 1 MiB buffers, 0.27-0.28 with 4, against 0.38-0.42
 * with 256 KiB and none; with 256 KiB ones, segsplit --sort into one piece
 * was slower than with none (0.63-0.70 s against 0.56-0.62); segedit of
 * 424 MB, 0.37 s with 4 MiB, 0.44 with 1, 0.53 with 256 KiB and none. */
#define OUT_BEHIND_BUF IO_BUF

int sk_out_write_behind(struct sk_out *out, struct sk_error *err)
{
	struct stat st;

	if (out->fd < 0 || fstat(out->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	out->wb_want = 1;
	return out->cap < OUT_BEHIND_BUF ? sk_out_resize(out, OUT_BEHIND_BUF, err) : 0;
}

/* Writes the buffer out: handed to the write-behind helper when there is
 * one (and then, with wait, waited for), else here.  After it the buffer
 * is empty (also on a failure, which names the output). */
static int out_flush(struct sk_out *out, int wait, struct sk_error *err)
{
	int rc = 0, e = 0;

	if (out->len && !wait && out->wb_want && !out->wb) {
		/* Started with the first full buffer: an output that fits in
		 * one is written here, with no thread.  None to be had: here
		 * from now on. */
		out->wb = sk_wbehind_new(out->fd);
		out->wb_want = out->wb != NULL;
	}
	if (out->wb) {
		/* The buffer before is written, so the spare is free. */
		e = sk_wbehind_wait(out->wb);
		out->inflight = 0;
		if (!e && out->len && !out->spare)
			out->spare = sk_bigmem_alloc(out->cap);
		if (!e && out->len && out->spare) {
			unsigned char *const b = out->buf;
			sk_wbehind_put(out->wb, b, out->len);
			out->inflight = out->len;
			out->buf = out->spare;
			out->spare = b;
			out->len = 0;
			if (wait) {
				e = sk_wbehind_wait(out->wb);
				out->inflight = 0;
			}
		}
	}
	if (e) {
		errno = e;
		rc = sk_error_sys(err, "%s", "");
	} else if (out->len) {
		/* No helper, or no memory for its second buffer. */
		rc = sk_file_write_all(out->fd, out->buf, out->len, err);
	}
	out->len = 0;
	if (rc == 0)
		out_kick(out);
	return sk_error_at(err, rc, out->name);
}

int sk_out_flush(struct sk_out *out, struct sk_error *err)
{
	return out_flush(out, 1, err);
}

/* Pieces per writev: Linux's limit (IOV_MAX, which POSIX hides from
 * _POSIX_C_SOURCE builds). */
#define IO_IOV 1024

static int out_writev(struct sk_out *out, struct iovec *iov, size_t n, struct sk_error *err)
{
	int rc;

	if ((rc = sk_out_flush(out, err)) < 0)
		return rc;
	for (size_t i = 0; out->tap && i < n; i++)
		out->tap(out->tap_arg, iov[i].iov_base, iov[i].iov_len);
	while (n > 0) {
		const int k = n < IO_IOV ? (int)n : IO_IOV;
		ssize_t w = writev(out->fd, iov, k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;  /* as sk_file_write_all */
			return sk_error_sys(err, "%s", "");
		}
		out->off += (int64_t)w;
		/* Drop the pieces written, and what was written of the next. */
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	out_kick(out);
	return 0;
}

int sk_out_writev(struct sk_out *out, struct iovec *iov, size_t n, struct sk_error *err)
{
	return sk_error_at(err, out_writev(out, iov, n, err), out->name);
}

int sk_out_resize(struct sk_out *out, size_t cap, struct sk_error *err)
{
	unsigned char *b;

	if (sk_out_flush(out, err) < 0)
		return err->code;
	if (!out->buf) {
		out->cap = cap;
		return 0;
	}
	if (!(b = realloc(out->buf, cap ? cap : 1)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	out->buf = b;
	out->cap = cap;
	free(out->spare);
	out->spare = NULL;
	return 0;
}

unsigned char *sk_out_reserve(struct sk_out *out, size_t n, struct sk_error *err)
{
	if (!out->buf) {
		/* Every byte written passes through it: 4 MiB in 4 KiB pages
		 * took 1,024 faults to fill once, 11-14 us of CPU each on this
		 * project's VM; in huge pages (bigmem.h), 2.  A writer of many
		 * outputs sets a small size first (sk_out_resize): plain malloc,
		 * no huge page for a buffer of 64 KiB. */
		const size_t cap = n > out->cap ? n : out->cap;
		if (!(out->buf = sk_bigmem_alloc(cap))) {
			sk_error_set(err, SK_ENOMEM, "out of memory");
			return NULL;
		}
		out->cap = cap;
	}
	if (out->cap - out->len < n) {
		if (out_flush(out, n > out->cap, err) < 0)
			return NULL;
		if (n > out->cap) {
			/* Waited for above: the spare, of the old size, goes. */
			free(out->spare);
			out->spare = NULL;
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
		if (rc == 0 && out->tap)
			out->tap(out->tap_arg, p, n);
		if (rc == 0)
			rc = sk_file_write_all(out->fd, p, n, err);
		out->off += (int64_t)n;
		if (rc == 0)
			out_kick(out);
		return sk_error_at(err, rc, out->name);
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
	if (out->tap && off < out->off) {
		/* The tap has seen these bytes: a change voids its account, the
		 * same bytes (a count known from the start) do not. */
		unsigned char was[64];
		struct sk_error e;
		size_t got = 0;
		if (n > sizeof was || sk_file_pread_all(out->fd, was, n, off, &got, &e) < 0 || got != n ||
		    memcmp(was, p, n) != 0)
			out->tap(out->tap_arg, NULL, 0);
		else
			return 0;
	}
	return sk_error_at(err, sk_file_pwrite_all(out->fd, p, n, off, err), out->name);
}

int sk_out_close(struct sk_out *out, struct sk_error *err)
{
	int rc = sk_out_flush(out, err);

	sk_wbehind_end(out->wb);  /* idle: waited for by the flush */
	out->wb = NULL;

	if (out->behind) {
		/* A write-back error its sync saw is not seen again by the
		 * commit's fsync (once per descriptor): it is reported here. */
		const int e = sk_syncbehind_end(out->behind);
		out->behind = NULL;
		if (rc == 0 && e) {
			errno = e;
			rc = sk_error_sys(err, "%s", "");
		}
	}

	if (out->fd != STDOUT_FILENO) {
		out->fd = -1;  /* the ofile's */
		if (rc == 0)
			rc = out->set && out->of.tmp ? sk_ofset_add(out->set, &out->of, err)
						     : sk_ofile_commit(&out->of, err);
	}
	sk_error_at(err, rc, out->name);
	sk_out_abort(out);
	return rc;
}

void sk_out_abort(struct sk_out *out)
{
	/* out->fd is stdout or the ofile's descriptor; a write in flight
	 * ends before either goes. */
	sk_wbehind_end(out->wb);
	out->wb = NULL;
	free(out->spare);
	out->spare = NULL;
	sk_syncbehind_end(out->behind);
	out->behind = NULL;
	sk_ofile_abort(&out->of);
	out->fd = -1;
	free(out->buf);
	free(out->name);
	out->name = NULL;
	out->buf = NULL;
	out->cap = out->len = 0;
}
