/*
 * io_internal: what the three files of the byte I/O module share: io.c
 * (input), io_readahead.c (the input's read-ahead thread) and io_out.c
 * (output).
 *
 * This header shall only be used by modules within lib/core (io.c,
 * io_readahead.c, io_out.c).  Everything else uses io.h.
 */
#ifndef SK_IO_INTERNAL_H
#define SK_IO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "io.h"

/* Fuzz builds (tests/fuzz) read inputs of a few KB: a 4 MiB buffer per
 * stream would cost more than the parsing, under ASan, and never let a
 * record straddle a refill.  The buffers grow as records need. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define IO_BUF 4096u
#else
#define IO_BUF (4u << 20)
#endif
/* How read-ahead ends: the input closes; the consumer's unread bytes stay
 * and a seekable fd is set back after them (what the thread read beyond is
 * dropped); or everything the thread read stays buffered (for pipes, where
 * nothing read can be read again). */
enum { RA_CLOSE, RA_KEEP, RA_DRAIN };

/* sk_in_need without read-ahead, n capped at the file size (io.c). */
int64_t sk_io_need(struct sk_in *in, size_t n, struct sk_error *err);
/* sk_in_need with read-ahead, n capped (io_readahead.c). */
int64_t sk_io_ra_need(struct sk_in *in, size_t n, struct sk_error *err);
/* Ends read-ahead (mode RA_*; io_readahead.c): in->buf then is a malloc'd
 * buffer holding the unread bytes at 0 (none for RA_CLOSE).  Fails only for
 * RA_DRAIN, out of memory. */
int sk_io_ra_end(struct sk_in *in, int mode, struct sk_error *err);

/* The write-behind helper (io_behind.c): sk_wbehind_new starts a thread
 * that writes to fd what sk_wbehind_put hands it (one buffer at a time;
 * put waits for the one before); NULL when no thread can be had.  wait
 * waits until nothing is in flight and returns the errno of the first
 * failed write (0: none; the writes after one are dropped); end waits,
 * stops the thread, frees it and returns the same (NULL: 0). */
struct sk_wbehind;
struct sk_wbehind *sk_wbehind_new(int fd);
void sk_wbehind_put(struct sk_wbehind *w, const void *p, size_t n);
int sk_wbehind_wait(struct sk_wbehind *w);
int sk_wbehind_end(struct sk_wbehind *w);

#endif
