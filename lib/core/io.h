/*
 * io: buffered byte input over a file or a pipe with correct handling of
 * short reads, and buffered output that commits files atomically.
 */
#ifndef SK_IO_H
#define SK_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "diag.h"
#include "ofile.h"

struct sk_ra;
struct sk_out;

/* Errors of the functions below name the file (sk_error_at): its path, or
 * "<stdin>" and "<stdout>". */

struct sk_in {
	char *name;          /* the name errors give it: the path or "<stdin>" */
	int fd;
	int own;             /* close fd at the end */
	int seekable;        /* a regular file */
	int64_t size;        /* file size, -1 for pipes */
	unsigned char *buf;
	size_t cap, beg, end;
	int eof;
	int64_t pos;         /* offset of buf[beg] in the input */
	struct sk_ra *ra;    /* read-ahead, NULL when off (io.c only) */
	/* Called with every byte read from fd, in order (a checksum of a
	 * stream as it is read); NULL: none.  Read-ahead is off then. */
	void (*tap)(void *arg, const void *p, size_t n);
	void *tap_arg;
	/* sk_in_map: the file mapped whole (buf then points into it), and its
	 * length; NULL when not mapped. */
	unsigned char *map;
	size_t maplen;
};

/* Opens path (NULL or "-" for stdin).  A directory is SK_EIO with EISDIR. */
int sk_in_open(struct sk_in *in, const char *path, struct sk_error *err);
/* Reads fd, a pipe or socket the caller owns and closes (after sk_in_close),
 * as a stream (not seekable, size unknown); name: what errors call it. */
int sk_in_open_fd(struct sk_in *in, int fd, const char *name, struct sk_error *err);
/* Makes n bytes available at sk_in_ptr, reading as needed.  Returns the
 * number available: n, or fewer at the end of the input; or an error. */
int64_t sk_in_need(struct sk_in *in, size_t n, struct sk_error *err);
static inline const unsigned char *sk_in_ptr(const struct sk_in *in) { return in->buf + in->beg; }
static inline void sk_in_skip(struct sk_in *in, size_t n) { in->beg += n; in->pos += (int64_t)n; }
/* Reads n bytes of the input into dst: the buffered ones, then the rest
 * straight into dst.  Returns the number read: n, or fewer at the end of the
 * input; or an error. */
int64_t sk_in_read(struct sk_in *in, void *dst, size_t n, struct sk_error *err);
/* Copies n bytes of the input to out: the buffered ones, then the rest read
 * in pieces of 256 KiB into the start of the buffer, each written at once,
 * so that the bytes stay in the processor's cache between the two copies
 * (what the last piece holds beyond the n bytes stays buffered).
 * Returns the number copied: n, or fewer at the end of the input; or an
 * error, with *wfail set when writing failed (else reading did). */
int64_t sk_in_copy(struct sk_in *in, struct sk_out *out, uint64_t n, int *wfail, struct sk_error *err);
/* Sets the buffer to cap bytes.  A seekable input drops the buffered bytes
 * beyond cap (they are read again); any other keeps at least what is
 * buffered and unread. */
int sk_in_resize(struct sk_in *in, size_t cap, struct sk_error *err);
/*
 * Maps a regular file whole, read-only, and serves the input from the
 * mapping from where it is: sk_in_ptr then points into the file's own pages
 * (the page cache), which stay valid until sk_in_close, so a caller may keep
 * pointers to bytes it has skipped; nothing is read or copied (sk_in_need
 * gives what is asked up to the end at once) and the input holds no buffer
 * of its own.  Returns 1 when mapped (or mapped already), 0 when the input is not a regular file
 * of at least one byte whose size is still the one it had when opened, is
 * tapped, reads ahead or cannot be mapped: it is then read as before.  The
 * file must not shrink while mapped (a read of a page no longer in it is
 * SIGBUS, where read() would have returned short).  sk_in_resize does
 * nothing then; sk_in_seek moves within the mapping.
 */
int sk_in_map(struct sk_in *in);
/* Moves to byte off of a seekable input. */
int sk_in_seek(struct sk_in *in, int64_t off, struct sk_error *err);
void sk_in_close(struct sk_in *in);
/* Starts read-ahead: one thread reads the input sequentially, from where it
 * is, into a few buffers while the caller works on the data of another, so
 * reading overlaps the caller's work.  For one large input read from start
 * to end.  sk_in_need, sk_in_ptr and sk_in_skip behave as without it (the
 * same bytes, short results only at the end, the same read errors at the
 * same bytes).  unit is the largest request expected (0: the buffer size):
 * requests up to it (and up to 16 MiB) are served in place, larger ones by
 * copying.  Memory: 8-12 MiB for units up to 1 MiB, 6 x unit above.
 * sk_in_seek outside the buffer, sk_in_resize and sk_in_close stop it
 * (at once on a pipe, after the current read of a file).  Does nothing when the input is read to its end
 * already.  SK_ENOMEM, or SK_EIO when no thread can start. */
int sk_in_readahead(struct sk_in *in, size_t unit, struct sk_error *err);
/* sk_in_readahead for a consumer that takes the input in whole units of
 * unit bytes (the records of a block, say), the first of them first bytes
 * from where it is now (0: unit bytes) and the others after it: each slot
 * holds whole units (about 2 MiB of them, at least one), so that every
 * request of a unit at a unit's start is served in place, with no byte
 * copied in user space, and reading overlaps the caller's work on the unit
 * before.  Other requests work as with sk_in_readahead (the same bytes),
 * some at the cost of a copy.  A pipe's
 * slot is published when full (or at the end), not when the pipe runs
 * dry.  Memory: three slots.  SK_EARG for a unit of 0 or above 1 GiB or a
 * first above it, SK_ENOMEM, or SK_EIO when no thread can start. */
int sk_in_readahead_blocks(struct sk_in *in, size_t unit, size_t first, struct sk_error *err);
/* The unit of a running sk_in_readahead_blocks, else 0. */
size_t sk_in_readahead_unit(const struct sk_in *in);

struct sk_out {
	char *name;          /* the name errors give it: the path or "<stdout>" */
	int fd;
	struct sk_ofile of;  /* the file (of.tmp set for a regular file's temporary) */
	struct sk_ofset *set; /* when not NULL, sk_out_close hands the closed
	                       * temporary to this set instead of renaming it */
	int seekable;        /* a regular file written from offset 0 */
	unsigned char *buf;
	size_t cap, len;
	int64_t off;         /* bytes written so far, buffer included */
	/* Called with every byte handed to the file, in order, as it is
	 * handed over (sk_out_advance, sk_out_write, sk_out_writev): a
	 * checksum of the file taken while the bytes are in the cache; NULL:
	 * none.  A later sk_out_pwrite that changes bytes already handed over
	 * calls it with p NULL: what it was given is then not the file. */
	void (*tap)(void *arg, const void *p, size_t n);
	void *tap_arg;
	int64_t kicked;      /* bytes sent on to the disk (sk_ofile_writeback) */
	struct sk_syncbehind *behind; /* sk_out_sync_behind's helper, or NULL */
	int wb_want;         /* sk_out_write_behind asked for, thread to come */
	struct sk_wbehind *wb; /* its helper, or NULL */
	unsigned char *spare; /* the buffer the helper writes, or NULL */
	size_t inflight;     /* bytes handed to it, not known written */
};

/* Sets the tap (above), which is given at once what is in the buffer; or,
 * when a tap is set already, puts this one in its place, which is given
 * nothing (the account moves: the caller's arg holds it now).  -1 when
 * bytes have left the buffer already (the tap would miss them), else 0. */
int sk_out_tap(struct sk_out *out, void (*tap)(void *arg, const void *p, size_t n), void *arg);
/* Opens path (NULL or "-" for stdout).  A regular file is written to a
 * temporary file in the same directory (ofile.h) and renamed by
 * sk_out_close; other files (devices, fifos) are written directly.  Write
 * errors are the errno text alone ("No space left on device"). */
int sk_out_open(struct sk_out *out, const char *path, struct sk_error *err);
/* The refusal sk_out_open gives a terminal on standard output when no path
 * names it (NULL; "-" asks for it): SK_EUSAGE about "<stdout>", else 0.  For
 * commands that work long before they open their output. */
int sk_out_check_tty(const char *path, struct sk_error *err);
int sk_out_write(struct sk_out *out, const void *p, size_t n, struct sk_error *err);
/* Room for n bytes in the buffer (flushing first as needed); the caller fills
 * them and calls sk_out_advance(out, n).  NULL with err set on failure. */
unsigned char *sk_out_reserve(struct sk_out *out, size_t n, struct sk_error *err);
static inline void sk_out_advance(struct sk_out *out, size_t n)
{
	if (out->tap)
		out->tap(out->tap_arg, out->buf + out->len, n);
	out->len += n;
	out->off += (int64_t)n;
}
/* Flushes, then writes the n pieces iov[] straight from the caller's
 * memory (writev, IOV_MAX at a time; short writes continued).  iov is
 * used up: its entries are changed. */
int sk_out_writev(struct sk_out *out, struct iovec *iov, size_t n, struct sk_error *err);
int sk_out_flush(struct sk_out *out, struct sk_error *err);
/* Flushes and sets the buffer to cap bytes. */
int sk_out_resize(struct sk_out *out, size_t cap, struct sk_error *err);
/* Overwrites n bytes at offset off of a seekable output (after a flush);
 * with a tap, bytes equal to those already there are left alone. */
int sk_out_pwrite(struct sk_out *out, int64_t off, const void *p, size_t n, struct sk_error *err);
/* From now on the file is made durable behind the writer: at each start of
 * write-back (every 16 MiB) a helper thread syncs it (fdatasync) while the
 * writer goes on, so that the sync at the commit waits for little
 * (ofile_behind.h has the figures).  The helper ends at sk_out_close, whose
 * error is then a failed sync's, or at sk_out_abort.  Nothing for stdout, a
 * device, or without syncs (SEGKIT_TEST_FSYNC=0). */
void sk_out_sync_behind(struct sk_out *out);
/* From now on a full buffer is written by a helper thread while the
 * caller fills a second one (io_behind.c has the figures); the thread comes
 * with the first full buffer.  For regular files only (a pipe's SIGPIPE
 * would go to the helper), whose buffer it sets to at least 4 MiB (smaller
 * ones cost more in hand-overs than they gain); nothing for others.  Fails
 * only as sk_out_resize does.  A failed write is reported by the next
 * write, flush or close that waits for it; the direct writes (large
 * sk_out_write, sk_out_writev, sk_out_pwrite) wait for the buffer in
 * flight first, so the file's bytes keep their order.  Costs a second
 * buffer of the same size. */
int sk_out_write_behind(struct sk_out *out, struct sk_error *err);
/* Flushes and commits (rename, or into out->set).  On failure the temporary
 * file is removed.  Releases out. */
int sk_out_close(struct sk_out *out, struct sk_error *err);
/* Removes the temporary file and releases out; does nothing more on an out
 * already closed or aborted (or whose open failed). */
void sk_out_abort(struct sk_out *out);

#endif
