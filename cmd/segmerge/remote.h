/*
 * remote: segmerge -m of a distributed manifest: every piece copied here
 * from a host that holds it (segmerge --fetch there, one taskrun task a
 * piece), then merged as a local manifest.  The sums of pieces on hosts are
 * lib/flow/psum_tree.h's.
 */
#ifndef SEGMERGE_REMOTE_H
#define SEGMERGE_REMOTE_H

#include <stddef.h>

#include "diag.h"
#include "psum_tree.h"

/* Copies every piece from a host that holds it into DIR/NNNNNN (DIR made
 * under the state directory) and returns their paths (malloc'd, in piece
 * order).  Each copy's size and xxh64 are checked when known.  *tmpdir:
 * the temporary state directory to remove with remote_rmdir after the
 * merge (NULL with o->state). */
int remote_fetch(const struct sk_ptree_opts *o, const struct sk_ptree_piece *pc, size_t n, char ***paths,
		 char **tmpdir, struct sk_error *err);
/* Removes a temporary directory remote_fetch made (and frees its name;
 * NULL: nothing). */
void remote_rmdir(char *tmpdir);
/* The host side of --fetch: a piece's bytes to standard output. */
int remote_fetch_one(struct sk_error *err);

#endif
