/*
 * proto: the framed protocol between the taskrun controller and its agents,
 * byte buffers for non-blocking I/O, and clocks.
 *
 * The frame layout and the meaning of every frame type are documented once,
 * in the comment block above sk_proto_put in proto.c.
 */
#ifndef SK_TR_PROTO_H
#define SK_TR_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

#define SK_PROTO_VERSION 1
#define SK_PROTO_HDR 9              /* bytes: type, id, length */
#define SK_PROTO_MAX (1u << 20)     /* largest payload accepted, bytes */

/* Frame types: upper case from the controller, lower case from the agent. */
enum {
	SK_F_HELLO = 'H',   /* "version lease_ms grace_ms hostname" */
	SK_F_RUN = 'R',     /* "stdin task attempt slot\ncommand" */
	SK_F_IN = 'I',      /* task stdin bytes; empty: end of input */
	SK_F_CANCEL = 'C',  /* kill the task's process group */
	SK_F_PING = 'P',    /* heartbeat */
	SK_F_QUIT = 'Q',    /* kill what runs and exit */
	SK_F_AHELLO = 'h',  /* "version pid ncpu hostname" */
	SK_F_STARTED = 's', /* "pid" */
	SK_F_OUT = 'o',     /* task stdout bytes */
	SK_F_ERR = 'e',     /* task stderr bytes */
	SK_F_CREDIT = 'k',  /* "n": bytes the task consumed from its stdin */
	SK_F_EXIT = 'x',    /* "status signal wall_us user_us sys_us maxrss_kb" */
	SK_F_APING = 'p'    /* heartbeat: "user_us sys_us" of the agent itself */
};

/* A byte queue: valid data is p[off..len). */
struct sk_buf {
	char *p;
	size_t off, len, cap;
};

static inline size_t sk_buf_used(const struct sk_buf *b) { return b->len - b->off; }
int sk_buf_put(struct sk_buf *b, const void *data, size_t n);
void sk_buf_consume(struct sk_buf *b, size_t n);
void sk_buf_release(struct sk_buf *b);
/* Reads once from fd (up to 64 KiB) into b.  Returns the byte count, 0 at end
 * of file, or -1 with errno set (EAGAIN when nothing is there). */
ssize_t sk_buf_fill(struct sk_buf *b, int fd);
/* Writes as much of b to fd as it takes without blocking.  Returns 0, or -1
 * with errno set on a real error (not EAGAIN). */
int sk_buf_flush(struct sk_buf *b, int fd);

struct sk_frame {
	int type;
	uint32_t id;
	const char *data;   /* points into the buffer; valid until it changes */
	size_t len;
};

/* Appends one frame to b.  Returns 0 or SK_ENOMEM. */
int sk_proto_put(struct sk_buf *b, int type, uint32_t id, const void *data, size_t len);
int sk_proto_putf(struct sk_buf *b, int type, uint32_t id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Looks at the front of b: returns 1 and fills f when a whole frame is
 * there (consume SK_PROTO_HDR + f->len bytes after use), 0 when more bytes are
 * needed, SK_EFMT when the bytes are not a frame. */
int sk_proto_next(const struct sk_buf *b, struct sk_frame *f, struct sk_error *err);
/* Parses up to max whitespace-separated decimal integers from a payload;
 * returns how many were read, and *rest points after them (past one space or
 * newline). */
int sk_proto_ints(const char *data, size_t len, long long *v, int max, const char **rest);

/* Seconds on the monotonic clock, and on the wall clock (Unix time). */
double sk_mono(void);
double sk_wall(void);
int sk_set_nonblock(int fd);
int sk_set_cloexec(int fd);

#endif
