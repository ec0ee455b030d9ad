/*
 * merge_hosts: segmerge -m of a distributed manifest (manifest.h "at"),
 * each piece streamed once from a host that holds it into the merge
 * (merge.h's sk_merge_src): no copy on this machine's disk, no second read.
 *
 * Piece i is read by running, through the launcher (hostfetch.h),
 *
 *	LAUNCHER HOST SEGMERGE --cat=PATH --bytes=N [--xxh64=HEX]
 *
 * whose sender checks the copy's size (and xxh64 unless verify is 0)
 * before it sends a byte; the merge reads its standard output as the
 * piece, and at its end the bytes received here are checked against the
 * manifest's size and xxh64 (end to end: the sender's check is of its copy
 * before it sends), before the output is committed.  The first location whose host is not known to be down is tried
 * first; a host that sends nothing and fails (it does not answer, or its
 * copy is not what the manifest says) is said (warn) and, when it did not
 * answer, counted as down for the pieces after; the piece's next copy is
 * read instead.  A host lost after it began to send fails the merge with a
 * message naming the piece and what the launcher said: the bytes already
 * merged cannot be read again from another copy without a second read.
 * A concatenation starts the next piece's sender while it reads one (at
 * most two at once); the other modes read every piece at once (one
 * launcher process and a 64 KiB buffer each), or, with more pieces than
 * the caller lets stream at once, after sk_mhosts_spool has brought them
 * here.
 */
#ifndef SK_MERGE_HOSTS_H
#define SK_MERGE_HOSTS_H

#include <stddef.h>

#include "diag.h"
#include "manifest.h"
#include "merge.h"

struct sk_mhosts_opts {
	const char *launcher;      /* NULL: SK_HOSTFETCH_LAUNCHER */
	const char *segmerge;      /* segmerge on the hosts */
	int verify;                /* the senders check xxh64 too */
	/* What a user should know while the merge goes on (a copy not read
	 * there, read elsewhere), one line; NULL: not said. */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
};

struct sk_mhosts;

/* For m's pieces (every one with locations; m must outlive it).  *out
 * malloc'd: sk_mhosts_free. */
int sk_mhosts_new(const struct sk_manifest *m, const struct sk_mhosts_opts *o, struct sk_mhosts **out,
		  struct sk_error *err);
/* Stops any sender still running (by its PID) and frees s (NULL: nothing). */
void sk_mhosts_free(struct sk_mhosts *s);
/* The merge's source of the pieces, and the names to give sk_merge_run as
 * its paths: each piece's location being read (host:path; it changes when
 * a piece is read from its next copy). */
const struct sk_merge_src *sk_mhosts_src(const struct sk_mhosts *s);

/*
 * Brings every piece here instead, width senders at a time (their launcher
 * processes started together, then read in turn), each into a temporary in
 * tmpdir (files[i], n of them: sk_ofile temporaries, never committed,
 * removed on a signal; the caller reads files[i].tmp and aborts them all),
 * checked against the manifest's size and xxh64 as it arrives.  A copy that
 * fails, before or during its bytes, is said and the next one read, as for
 * a stream (a host that did not answer is down for the pieces after); an
 * error when no copy is left, naming the piece, or when a temporary cannot
 * be written, naming tmpdir.
 */
struct sk_ofile;
int sk_mhosts_spool(struct sk_mhosts *s, size_t width, const char *tmpdir, struct sk_ofile *files,
		    struct sk_error *err);
const char *const *sk_mhosts_names(const struct sk_mhosts *s);

#endif
