/*
 * hostfetch: a file read from another host, straight from it, through the
 * launcher that reaches hosts (taskrun's --ssh: "ssh -F cfg", "srun -u -N1
 * -n1 -w", ...), with no agent and no controller in between.
 *
 * The reading side runs
 *
 *	/bin/sh -c 'exec LAUNCHER "$@"' sh HOST WORD...
 *
 * (the launcher split into words as the shell splits it) with the command's
 * standard output on a pipe it reads and its standard error kept for the
 * message; the sending side (the command on HOST, segmerge --cat) checks
 * the file's size and xxh64 before it sends a byte (sk_hostfetch_send), so
 * that a copy that is not what the record says is never used, and the
 * reader counts the bytes it received.  ssh's own integrity check covers the
 * bytes on the way.
 *
 * segmerge's tree sum (psum_tree.h) reads partial sums host to
 * host this way: a summing task on host A reads B's partial by running the
 * launcher on A; segmerge -m reads each piece from a host that holds it
 * (merge_hosts.h).  Any task that needs a file of another host (a relayed
 * input piece) can do the same when its hosts reach one another.
 */
#ifndef SK_HOSTFETCH_H
#define SK_HOSTFETCH_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "diag.h"

/* The launcher when none is given: ssh that never asks, gives up on a host
 * that does not answer within 20 s, and on a link silent for 30 s. */
#define SK_HOSTFETCH_LAUNCHER \
	"ssh -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=10 -o ServerAliveCountMax=3"

struct sk_xxh64;

struct sk_hostfetch {
	FILE *fp;          /* the command's standard output */
	pid_t pid;
	int errfd;         /* its standard error (read at close) */
	uint64_t bytes;    /* counted by sk_hostfetch_read (with hashing: every read) */
	struct sk_xxh64 *hash;  /* sk_hostfetch_hash: of every byte read */
	FILE *raw;         /* with hashing: the pipe under fp */
};

/*
 * Starts LAUNCHER HOST argv... (argv NULL-terminated; launcher: a command
 * line split by /bin/sh, no more than 4096 bytes).  Returns 0 with f->fp
 * ready to read, or SK_EIO / SK_ENOMEM with err set (fork, pipe).
 */
int sk_hostfetch_open(const char *launcher, const char *host, char *const *argv, struct sk_hostfetch *f,
		      struct sk_error *err);

/*
 * Makes every read through f->fp count into f->bytes and go into an xxh64
 * (seed 0) of the bytes received, for an end-to-end check of the whole
 * transfer against the sender's record (sk_hostfetch_digest).  Call it
 * right after sk_hostfetch_open.  SK_ENOMEM, or SK_EIO when the stream
 * cannot be made (a C library without fopencookie).
 */
int sk_hostfetch_hash(struct sk_hostfetch *f, struct sk_error *err);
uint64_t sk_hostfetch_digest(const struct sk_hostfetch *f);

/* fread on f->fp that counts the bytes in f->bytes. */
size_t sk_hostfetch_read(struct sk_hostfetch *f, void *buf, size_t n);

/*
 * Closes the pipe (the command gets SIGPIPE if it still writes), waits for
 * the command and returns its exit status (128 + signal when killed; 255 is
 * ssh's own failure to connect), or -1 with err set.  The last line of its
 * standard error (at most 4 KiB of it read) goes into msg (empty when it
 * said nothing).
 */
int sk_hostfetch_close(struct sk_hostfetch *f, char *msg, size_t msglen, struct sk_error *err);

/*
 * The sending side: checks path's size and xxh64 (bytes < 0 or !has_xxh64:
 * not checked) and only then copies it to out.  0, or SK_ESTATE (not what
 * the record says: the message says how), SK_EIO with err about path or
 * "<stdout>".  With out NULL, checks only.
 */
int sk_hostfetch_send(const char *path, int64_t bytes, int has_xxh64, uint64_t xxh64, FILE *out,
		      struct sk_error *err);

#endif
