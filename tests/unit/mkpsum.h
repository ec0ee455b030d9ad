/* Test helper for a host's steps of the sum tree (test_psum_tree.c,
 * test_psum_step.c): files written whole, a file's size and xxh64 as a
 * pair list names a partial, a host's --partial of one list line into a
 * file, a "remote" that plays segmerge --cat and the launcher that runs it
 * here, the list of a final pair of two pieces, and the merge a pair must
 * give (sk_psum_merge of the two partials).  Uses mkstream.h's mk_slurp. */
#ifndef SK_TEST_MKPSUM_H
#define SK_TEST_MKPSUM_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "mkstream.h"
#include "psum.h"
#include "psum_tree.h"

/* Runs its command here: "launcher HOST CMD..." execs CMD. */
#define PS_LAUNCHER "sh -c 'shift; exec \"$@\"' launcher"

/* Writes text as the whole of path: 0, or -1. */
static inline int ps_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	const int w = fputs(text, f);
	return fclose(f) == 0 && w >= 0 ? 0 : -1;
}

/* The size and xxh64 of a file (sk_file_xxh64): 0, or -1. */
static inline int ps_file_id(const char *path, int64_t *bytes, uint64_t *hash)
{
	struct sk_error e;
	uint64_t n;

	if (sk_file_xxh64(path, hash, &n, &e) < 0)
		return -1;
	*bytes = (int64_t)n;
	return 0;
}

/* A file's text, or "" when it cannot be read (one static buffer). */
static inline const char *ps_text_of(const char *path)
{
	static char buf[256];
	size_t n;
	unsigned char *b = mk_slurp(path, &n);

	snprintf(buf, sizeof buf, "%s", b ? (const char *)b : "");
	free(b);
	return buf;
}

/* Writes the "remote" at path: --cat=FILE copies FILE to standard output
 * (what segmerge --cat does once it has checked it; cat's status when it
 * cannot), anything else exits 2; then, when REMOTE_SAY is set, two lines
 * on standard error (the last is REMOTE_SAY), and it exits with
 * REMOTE_EXIT (0 unset). */
static inline int ps_remote(const char *path)
{
	return ps_put(path, "#!/bin/sh\ncase $1 in --cat=*) cat -- \"${1#--cat=}\" || exit;; *) exit 2;; esac\n"
			    "[ -n \"$REMOTE_SAY\" ] && { echo first >&2; echo \"$REMOTE_SAY\" >&2; }\n"
			    "exit ${REMOTE_EXIT:-0}\n") == 0 && chmod(path, 0755) == 0 ? 0 : -1;
}

/* sk_ptree_partial as host want run on me, of the list text, into path;
 * its return, with err filled. */
static inline int ps_partial(const char *want, const char *me, const char *base, const char *text, const char *path,
			     struct sk_error *err)
{
	FILE *in = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	FILE *out = fopen(path, "wb");
	int rc = SK_EIO;

	if (in && out)
		rc = sk_ptree_partial(want, me, base, SK_FMT_AUTO, 1, 0, in, out, err);
	if (in)
		fclose(in);
	if (out && fclose(out) != 0 && rc == 0)
		rc = SK_EIO;
	return rc;
}

/* sk_ptree_pair as host want run on me, of the pair list text, into path;
 * its return, with err filled. */
static inline int ps_pair(const char *want, const char *me, const char *base, const char *text, const char *path,
			  struct sk_error *err)
{
	FILE *in = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	FILE *out = fopen(path, "wb");
	int rc = SK_EIO;

	if (in && out)
		rc = sk_ptree_pair(want, me, base, in, out, err);
	if (in)
		fclose(in);
	if (out && fclose(out) != 0 && rc == 0)
		rc = SK_EIO;
	return rc;
}

/* The list of the final pair of two pieces: its own partial self (size
 * sa, xxh64 ha) and host h2's peer (sb, hb), read through PS_LAUNCHER and
 * the remote rem. */
static inline void ps_pair_list(char *buf, size_t n, const char *rem, int64_t sa, uint64_t ha, const char *self,
				int64_t sb, uint64_t hb, const char *peer)
{
	snprintf(buf, n, "npieces\t2\nfinal\t1\nlauncher\t%s\nremote\t%s\nself\t%lld\t%016llx\t%s\n"
		 "peer\th2\t%lld\t%016llx\t%s\n", PS_LAUNCHER, rem, (long long)sa, (unsigned long long)ha, self,
		 (long long)sb, (unsigned long long)hb, peer);
}

/* What h1's final pair must write: sk_psum_merge of the partials pa
 * (labelled la) and pb (lb) of two pieces, into out.  0, or -1. */
static inline int ps_merged(const char *pa, const char *la, const char *pb, const char *lb, const char *out)
{
	FILE *ins[2] = {fopen(pa, "rb"), fopen(pb, "rb")};
	FILE *o = fopen(out, "wb");
	const char *labels[2] = {la, lb};
	struct sk_error e;
	int rc = -1;

	if (ins[0] && ins[1] && o)
		rc = sk_psum_merge(ins, labels, 2, 2, "h1", 1, o, &e) == 0 ? 0 : -1;
	for (int k = 0; k < 2; k++)
		if (ins[k])
			fclose(ins[k]);
	if (o && fclose(o) != 0)
		rc = -1;
	return rc;
}

/* The files of a pair's test in dir: the pieces a.su and b.su (6 SU
 * traces of 8 samples, b's made with bfn), their partials (named na and
 * nb), the merge expected (ref) and the one made (got), and the remote
 * (ps_remote).  0, or -1. */
struct ps_files {
	char a[128], b[128], pa[128], pb[128], ref[128], got[128], rem[128];
};

static inline int ps_files_make(struct ps_files *f, const char *dir, const char *na, const char *nb, mk_fn bfn)
{
	snprintf(f->a, sizeof f->a, "%s/a.su", dir);
	snprintf(f->b, sizeof f->b, "%s/b.su", dir);
	snprintf(f->pa, sizeof f->pa, "%s/%s", dir, na);
	snprintf(f->pb, sizeof f->pb, "%s/%s", dir, nb);
	snprintf(f->ref, sizeof f->ref, "%s/ref.psum", dir);
	snprintf(f->got, sizeof f->got, "%s/got.psum", dir);
	snprintf(f->rem, sizeof f->rem, "%s/remote", dir);
	return mk_stream(f->a, SK_FMT_SU, 6, 8, NULL) == 0 && mk_stream(f->b, SK_FMT_SU, 6, 8, bfn) == 0 &&
			       ps_remote(f->rem) == 0 ? 0 : -1;
}

/* Removes every file of f (those a test did not make are not there). */
static inline void ps_files_rm(const struct ps_files *f)
{
	const char *const all[] = {f->a, f->b, f->pa, f->pb, f->ref, f->got, f->rem};
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
		unlink(all[k]);
}

#endif
