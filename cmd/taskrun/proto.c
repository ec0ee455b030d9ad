#include "proto.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int tr_buf_put(struct tr_buf *b, const void *data, size_t n)
{
	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n > b->cap) {
		size_t cap;
		char *p;
		if (b->off > 0 && b->off >= b->cap / 2) {
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		cap = b->cap ? b->cap : 4096;
		while (b->len + n > cap)
			cap *= 2;
		if (cap != b->cap && b->borrowed) {
			if (!(p = malloc(cap)))
				return SK_ENOMEM;
			memcpy(p, b->p, b->len);
			b->p = p;
			b->cap = cap;
			b->borrowed = 0;
		} else if (cap != b->cap) {
			p = realloc(b->p, cap);
			if (!p)
				return SK_ENOMEM;
			b->p = p;
			b->cap = cap;
		}
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

void tr_buf_consume(struct tr_buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void tr_buf_release(struct tr_buf *b)
{
	if (!b->borrowed)
		free(b->p);
	b->borrowed = 0;
	b->p = NULL;
	b->off = b->len = b->cap = 0;
}

ssize_t tr_frames_fill(int fd, struct tr_buf *keep, char *in, size_t size, struct tr_buf *tmp, struct tr_buf **b)
{
	ssize_t n;

	*b = tr_buf_used(keep) > 0 ? keep : tmp;
	do
		n = read(fd, in, size);
	while (n < 0 && errno == EINTR);
	if (n > 0 && *b == tmp) {
		tmp->off = 0;
		tmp->len = (size_t)n;
	} else if (n > 0 && tr_buf_put(keep, in, (size_t)n) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return n;
}

int tr_frames_keep(struct tr_buf *keep, const struct tr_buf *tmp, const struct tr_buf *b)
{
	if (b == tmp && tr_buf_used(tmp) > 0)
		return tr_buf_put(keep, tmp->p + tmp->off, tr_buf_used(tmp));
	if (b == keep && tr_buf_used(keep) == 0)
		tr_buf_release(keep);
	return 0;
}

ssize_t tr_buf_fill(struct tr_buf *b, int fd)
{
	ssize_t n;

	if (b->cap - b->len < 65536) {
		if (tr_buf_put(b, "", 0) != 0)
			return -1;
		if (b->off > 0) {
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		if (b->cap - b->len < 65536) {
			char *p = realloc(b->p, b->len + 65536);
			if (!p) {
				errno = ENOMEM;
				return -1;
			}
			b->p = p;
			b->cap = b->len + 65536;
		}
	}
	do
		n = read(fd, b->p + b->len, b->cap - b->len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		b->len += (size_t)n;
	return n;
}

int tr_buf_flush(struct tr_buf *b, int fd)
{
	while (tr_buf_used(b) > 0) {
		const ssize_t n = write(fd, b->p + b->off, tr_buf_used(b));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		tr_buf_consume(b, (size_t)n);
	}
	return 0;
}

/*
 * The taskrun protocol.  The controller and each agent talk over one byte
 * stream in each direction (the agent's stdin and stdout, through ssh or any
 * launcher that connects stdio, or a pipe for local slots).  Everything is a
 * frame:
 *
 *	offset 0  1 byte   type (an ASCII letter, below)
 *	offset 1  4 bytes  id, big-endian: the attempt the frame is about (0: none)
 *	offset 5  4 bytes  payload length n, big-endian, at most 1 MiB
 *	offset 9  n bytes  payload
 *
 * Control payloads are text: decimal fields separated by single spaces.
 *
 * Controller to agent:
 *	H  hello: "version lease_ms grace_ms hostname".  Sets the lease: an
 *	   agent that receives no frame for lease_ms kills every task's process
 *	   group (SIGTERM, SIGKILL grace_ms later) and exits.
 *	R  run attempt id: "stdin task attempt slot jobslot\n" then the command
 *	   line, run by /bin/sh -c (or exec'd directly when it is plain words)
 *	   in a new process group.  stdin is 1 when I frames follow, 0 for
 *	   /dev/null; slot is the slot on the host (TASKRUN_SLOT), jobslot the
 *	   slot over all hosts (PARALLEL_JOBSLOT; an agent given no jobslot
 *	   uses slot).
 *	I  data for the task's standard input; an empty payload closes it.
 *	   The controller keeps at most 1 MiB unacknowledged per task (see k).
 *	C  cancel: SIGTERM to the process group, SIGKILL grace_ms later.
 *	P  heartbeat.
 *	Q  quit: cancel everything, send the last x frames and exit.
 *	W  keep (--keep), sent right before the R of the same id: the path of
 *	   the file, on the agent's host, that receives the task's standard
 *	   output (relative paths start at $TASKRUN_KEEP_DIR when the agent has
 *	   it, else at its working directory).  The agent writes a temporary
 *	   beside it and renames it into place when the task exits 0.
 *	D  drop: "path", a kept file to remove (a copy that lost).
 *	L  input (--input-manifest), sent right before the R of the same id:
 *	   "relay size xxh64\npath".  relay 0: path is the piece's copy on
 *	   this host (relative paths as W's), checked by its size; relay 1:
 *	   path is the piece's name, and its bytes follow in I frames (an
 *	   empty one ends them), which the agent writes to a temporary
 *	   directory beside the task's files ($TASKRUN_KEEP_DIR, else its
 *	   working directory), crediting them with k frames, and checks by
 *	   size and xxh64.  The task starts once the piece is in place, with
 *	   the directory of the piece where its command holds TR_PIECE_DIR
 *	   (piece.h); a relayed piece is removed when the task ends.
 *	G  get: "window\npath": the agent sends the bytes of the file at
 *	   path (relative paths as W's) in g frames of the same id, at most
 *	   window bytes ahead of the K frames, then an empty g; or a z frame
 *	   when it cannot read it.  C with that id stops it.
 *	K  more: "n", n more bytes of a G's file may be sent.
 *	F  fetch, sent right after the L (relay 1) of the same id: the
 *	   request "size xxh64 path" on a line (the holder's copy), then
 *	   words each ended by a NUL: the launcher that reaches the holder
 *	   and "AGENT --serve" there.  The agent starts each distinct command
 *	   once (execvp, no shell), writes every request for it to its
 *	   standard input and reads the answers from its standard output,
 *	   in order: "ok size" and the bytes, into the piece's temporary;
 *	   "bad message" (the holder's copy is missing or not what the
 *	   manifest says), which ends the piece as a bad copy (l "1 ...");
 *	   "fail message" (agent_serve.c).  So the piece goes host to host
 *	   over one connection per pair of hosts.  No I frames follow unless
 *	   the agent answers f: then the controller streams the piece as
 *	   without F.
 * Agent to controller:
 *	h  hello, sent first: "version pid ncpu hostname".
 *	s  started: "pid" (also the process group id), for a task of a cluster
 *	   when its turn comes: its time starts now.  A task of a run frame
 *	   starts when the frame arrives and is not announced.
 *	o  bytes the task wrote to its standard output.
 *	e  bytes the task wrote to its standard error.
 *	k  credit: "n", n more bytes of standard input were written to the task.
 *	x  exit: "status signal wall_us user_us sys_us maxrss_kb lost"; status
 *	   is the exit status (-1 when killed by a signal), signal the signal
 *	   number or 0, followed by resource use from wait4, and lost: 0, or a
 *	   TR_LOST_* code when the agent killed the task because it lost the
 *	   controller (its input closed, no frame for the lease): the task is
 *	   then lost with its host, not failed.  Sent after the o and e frames
 *	   of the attempt; the last frame about that id.
 *	p  heartbeat: "user_us sys_us", the agent's own CPU time so far.
 *	f  fetch failed: "status message": the server's "fail" (status 1),
 *	   or its command's exit status (128 + signal when killed) and the
 *	   last line of its standard error when it ended owing the piece (it
 *	   did not start, ssh's 255: the runner cannot reach the holder); the
 *	   temporary is emptied and the piece awaited in I frames.
 *	w  kept: "size xxh64" (decimal bytes, 16 hex digits) of the --keep file
 *	   now in place; sent right before the x frame of a task that exited 0.
 *	g  bytes of a G's file; an empty payload ends it.
 *	z  "message": a G's file cannot be read (or failed midway).
 *	l  the L piece: "0 size", in place (the task starts), or "1 message",
 *	   not (missing, or not the size and xxh64 asked for): the x frame of
 *	   exit status 126 follows.
 * Each side sends a heartbeat at least every lease/6 and treats silence for a
 * whole lease as a lost peer.  Frames of unknown type are ignored, so either
 * side can grow new ones.
 */
int tr_proto_put(struct tr_buf *b, int type, uint32_t id, const void *data, size_t len)
{
	unsigned char h[TR_PROTO_HDR];
	int rc;

	h[0] = (unsigned char)type;
	h[1] = (unsigned char)(id >> 24);
	h[2] = (unsigned char)(id >> 16);
	h[3] = (unsigned char)(id >> 8);
	h[4] = (unsigned char)id;
	h[5] = (unsigned char)(len >> 24);
	h[6] = (unsigned char)(len >> 16);
	h[7] = (unsigned char)(len >> 8);
	h[8] = (unsigned char)len;
	if ((rc = tr_buf_put(b, h, sizeof h)) != 0)
		return rc;
	return tr_buf_put(b, data, len);
}

int tr_proto_putf(struct tr_buf *b, int type, uint32_t id, const char *fmt, ...)
{
	char s[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SK_EARG;
	return tr_proto_put(b, type, id, s, (size_t)n < sizeof s ? (size_t)n : sizeof s - 1);
}

int tr_proto_next(const struct tr_buf *b, struct tr_frame *f, struct sk_error *err)
{
	const unsigned char *h = (const unsigned char *)b->p + b->off;
	uint32_t len;

	if (tr_buf_used(b) < TR_PROTO_HDR)
		return 0;
	if (!isalpha(h[0]))
		return sk_error_set(err, SK_EFMT, "protocol error: bad frame type 0x%02x", h[0]);
	len = (uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
	if (len > TR_PROTO_MAX)
		return sk_error_set(err, SK_EFMT, "protocol error: frame of %lu bytes",
				    (unsigned long)len);
	if (tr_buf_used(b) < TR_PROTO_HDR + (size_t)len)
		return 0;
	f->type = h[0];
	f->id = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
	f->data = (const char *)h + TR_PROTO_HDR;
	f->len = len;
	return 1;
}

int tr_proto_ints(const char *data, size_t len, long long *v, int max, const char **rest)
{
	const char *p = data, *const end = data + len;
	int k = 0;

	while (k < max && p < end) {
		int neg = 0;
		long long x = 0;
		if (*p == '-') {
			neg = 1;
			p++;
		}
		if (p >= end || !isdigit((unsigned char)*p))
			break;
		while (p < end && isdigit((unsigned char)*p))
			x = x * 10 + (*p++ - '0');
		v[k++] = neg ? -x : x;
		if (p < end && (*p == ' ' || *p == '\n'))
			p++;
		else
			break;
	}
	if (rest)
		*rest = p;
	return k;
}

double tr_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double tr_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int tr_set_nonblock(int fd)
{
	const int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int tr_set_cloexec(int fd)
{
	const int fl = fcntl(fd, F_GETFD);
	return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}
