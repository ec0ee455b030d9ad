/*
 * proto: the framed protocol between the taskrun controller and its agents,
 * byte buffers for non-blocking I/O, and clocks.
 *
 * The frame layout and the meaning of every frame type are documented once,
 * in the comment block above tr_proto_put in proto.c.
 */
#ifndef TR_PROTO_H
#define TR_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

/* 2: run frames carry the job slot; 3: F, f; 4: F is a request to a
 * holder's server (agent --serve). */
#define TR_PROTO_VERSION 4
#define TR_PROTO_HDR 9              /* bytes: type, id, length */
#define TR_PROTO_MAX (1u << 20)     /* largest payload accepted, bytes */

/* Frame types: upper case from the controller, lower case from the agent. */
enum {
	TR_F_HELLO = 'H',   /* "version lease_ms grace_ms hostname" */
	TR_F_RUN = 'R',     /* "stdin task attempt slot\ncommand" */
	TR_F_IN = 'I',      /* task stdin bytes; empty: end of input */
	TR_F_CANCEL = 'C',  /* kill the task's process group */
	TR_F_PING = 'P',    /* heartbeat */
	TR_F_QUIT = 'Q',    /* kill what runs and exit */
	TR_F_KEEP = 'W',    /* "path": the next R's stdout file on the host */
	TR_F_DROP = 'D',    /* "path": remove a kept file */
	TR_F_CLUSTER = 'B', /* W and R frames: tasks to run one after another */
	TR_F_INPUT = 'L',   /* "relay size xxh64\npath[\nplace]": the next R's
			       input piece (relayed: its name, and where it
			       stays as a new copy once checked) */
	TR_F_GET = 'G',     /* "window\npath": send this file's bytes (g frames) */
	TR_F_MORE = 'K',    /* "n": n more bytes of a G's file may be sent */
	TR_F_FETCH = 'F',   /* "size xxh64 path\nword\0word\0...": the L
			       piece's bytes come host to host, asked of the
			       holder's server these words start */
	TR_F_AHELLO = 'h',  /* "version pid ncpu hostname" */
	TR_F_STARTED = 's', /* "pid" */
	TR_F_OUT = 'o',     /* task stdout bytes */
	TR_F_ERR = 'e',     /* task stderr bytes */
	TR_F_CREDIT = 'k',  /* "n": bytes the task consumed from its stdin */
	TR_F_EXIT = 'x',    /* "status signal wall_us user_us sys_us maxrss_kb lost" */
	TR_F_APING = 'p',   /* heartbeat: "user_us sys_us" of the agent itself */
	TR_F_KEPT = 'w',    /* "size xxh64": the W file is in place */
	TR_F_PIECE = 'g',   /* bytes of a G's file; empty: its end */
	TR_F_GFAIL = 'z',   /* "message": a G's file cannot be read */
	TR_F_FFAIL = 'f',   /* "status message": the F fetch failed; I
			       frames are awaited instead */
	TR_F_INOK = 'l'     /* "0 size placed", the L piece is in place (the
			       task starts; placed 1: kept at the L's place),
			       or "1 message", it is not (126 follows) */
};

/* Why an agent killed a task on its own (the last field of TR_F_EXIT): it
 * lost its controller, so the task is lost, not failed. */
enum {
	TR_LOST_NO,         /* it did not: the task ended, or was cancelled */
	TR_LOST_INPUT,      /* its input (the controller's frames) closed */
	TR_LOST_LEASE,      /* no frame for the lease */
	TR_LOST_PROTO,      /* a malformed frame */
	TR_LOST_OUTPUT      /* its output to the controller failed */
};

/* A byte queue: valid data is p[off..len). */
struct tr_buf {
	char *p;
	size_t off, len, cap;
	int borrowed;  /* p is the caller's (a stack array): never freed, and
			  copied to the heap when it must grow */
};

static inline size_t tr_buf_used(const struct tr_buf *b) { return b->len - b->off; }
int tr_buf_put(struct tr_buf *b, const void *data, size_t n);
void tr_buf_consume(struct tr_buf *b, size_t n);
void tr_buf_release(struct tr_buf *b);
/* Reads once from fd (up to 64 KiB) into b.  Returns the byte count, 0 at end
 * of file, or -1 with errno set (EAGAIN when nothing is there). */
ssize_t tr_buf_fill(struct tr_buf *b, int fd);
/*
 * Frames read through one buffer shared by many streams (the controller's
 * agents): tr_frames_fill reads once from fd into in (size bytes, the
 * caller's, e.g. on the stack) and sets *b to the buffer that holds the
 * stream's unread bytes: tmp (made to borrow in, len the count read) when
 * keep was empty, else keep, with the bytes read appended.  The caller takes
 * whole frames from *b (tr_proto_next, tr_buf_consume), then calls
 * tr_frames_keep, which moves a frame cut by the read's end from tmp into
 * keep (at its size) and frees keep once it is used up, so that in serves
 * the next stream.  tr_frames_fill returns read(2)'s count, 0 at end of file,
 * or -1 with errno (ENOMEM when keep cannot grow); tr_frames_keep 0 or
 * SK_ENOMEM.
 */
ssize_t tr_frames_fill(int fd, struct tr_buf *keep, char *in, size_t size, struct tr_buf *tmp, struct tr_buf **b);
int tr_frames_keep(struct tr_buf *keep, const struct tr_buf *tmp, const struct tr_buf *b);
/* Writes as much of b to fd as it takes without blocking.  Returns 0, or -1
 * with errno set on a real error (not EAGAIN). */
int tr_buf_flush(struct tr_buf *b, int fd);

struct tr_frame {
	int type;
	uint32_t id;
	const char *data;   /* points into the buffer; valid until it changes */
	size_t len;
};

/* Appends one frame to b.  Returns 0 or SK_ENOMEM. */
int tr_proto_put(struct tr_buf *b, int type, uint32_t id, const void *data, size_t len);
int tr_proto_putf(struct tr_buf *b, int type, uint32_t id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Looks at the front of b: returns 1 and fills f when a whole frame is
 * there (consume TR_PROTO_HDR + f->len bytes after use), 0 when more bytes are
 * needed, SK_EFMT when the bytes are not a frame. */
int tr_proto_next(const struct tr_buf *b, struct tr_frame *f, struct sk_error *err);
/* Parses up to max whitespace-separated decimal integers from a payload;
 * returns how many were read, and *rest points after them (past one space or
 * newline). */
int tr_proto_ints(const char *data, size_t len, long long *v, int max, const char **rest);

/* Seconds on the monotonic clock, and on the wall clock (Unix time). */
double tr_mono(void);
double tr_wall(void);
int tr_set_nonblock(int fd);
int tr_set_cloexec(int fd);

#endif
