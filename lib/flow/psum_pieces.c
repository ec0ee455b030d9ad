/* psum_pieces: segmerge --sum of a distributed manifest's pieces or of
 * taskrun's kept outputs, as a whole: here (sk_merge_run) when every one is
 * here, else through sk_ptree_sum (the ones on hosts summed there, the ones
 * here summed here). */
#include "psum_tree.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "merge.h"

/* Frees manifest_pieces' pieces (the locations of those here). */
static void free_pieces(struct sk_ptree_piece *pc, size_t n)
{
	for (size_t i = 0; pc && i < n; i++)
		if (pc[i].nat == 0 && pc[i].at) {
			free(pc[i].at[0]);
			free(pc[i].at);
		}
	free(pc);
}

/* A distributed manifest's pieces for sk_ptree_sum (calloc'd; those on
 * hosts borrow the manifest's locations, those here get their path,
 * dir/file, in a location of their own: free_pieces), or NULL with err
 * set. */
static struct sk_ptree_piece *manifest_pieces(const struct sk_manifest *m, struct sk_error *err)
{
	struct sk_ptree_piece *pc = calloc(m->npieces ? m->npieces : 1, sizeof *pc);

	if (!pc) {
		sk_error_set(err, SK_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < m->npieces; i++) {
		pc[i].nat = m->pieces[i].nat;
		pc[i].bytes = (int64_t)m->pieces[i].bytes;
		pc[i].xxh64 = m->pieces[i].xxh64;
		pc[i].has_xxh64 = 1;
		if (pc[i].nat > 0) {
			pc[i].at = m->pieces[i].at;
			continue;
		}
		{
			char buf[PATH_MAX];
			if (sk_manifest_piece_path(m, i, buf, sizeof buf, err) < 0)
				goto fail;
			if (!(pc[i].at = malloc(sizeof *pc[i].at)) || !(pc[i].at[0] = strdup(buf))) {
				sk_error_set(err, SK_ENOMEM, "out of memory");
				goto fail;
			}
		}
	}
	return pc;
fail:
	free_pieces(pc, m->npieces);
	return NULL;
}

int sk_ptree_sum_pieces(const struct sk_ptree_opts *ro, const char *kept, const char *mpath,
			const struct sk_merge_opts *o, struct sk_error *err)
{
	struct sk_manifest m;
	struct sk_ptree_piece *pc = NULL;
	size_t n = 0, remote;
	int64_t traces = 0;
	int rc;

	sk_manifest_init(&m);
	if (kept) {
		size_t here = 0;
		if ((rc = sk_ptree_kept(ro->taskrun, kept, &pc, &n, err)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++)
			here += pc[i].nat == 0;
		if (here == n) {
			/* Outputs of local slots: the local sum of their files. */
			struct sk_merge_opts lo = *o;
			struct sk_merge_result res;
			char **paths = malloc(n * sizeof *paths);
			if (!paths) {
				sk_ptree_pieces_free(pc, n);
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			}
			for (size_t i = 0; i < n; i++)
				paths[i] = pc[i].at[0];
			lo.mode = SK_MERGE_SUM;
			rc = sk_merge_run((const char *const *)paths, n, &lo, &res, err);
			free(paths);
			sk_ptree_pieces_free(pc, n);
			return rc < 0 ? rc : 0;
		}
		/* Some here, the others on hosts: those here are summed here
		 * (sk_ptree_sum), the others on their hosts. */
	} else {
		if ((rc = sk_manifest_read(mpath, &m, err)) < 0)
			return rc;
		remote = sk_manifest_remote(&m);
		if (remote == 0) {
			/* Every piece here: the local sum of their paths. */
			char **plan = NULL, *order = NULL;
			struct sk_merge_opts lo = *o;
			struct sk_merge_result res;
			size_t np;
			if ((rc = sk_merge_plan(&m, &lo, &plan, &np, &order, err)) < 0) {
				sk_manifest_release(&m);
				return rc;
			}
			lo.mode = SK_MERGE_SUM;
			lo.total = -1;
			rc = sk_merge_run((const char *const *)plan, np, &lo, &res, err);
			sk_merge_plan_free(plan, np, order);
			sk_manifest_release(&m);
			return rc < 0 ? rc : 0;
		}
		if (!(pc = manifest_pieces(&m, err))) {
			sk_manifest_release(&m);
			return err->code < 0 ? err->code : SK_ENOMEM;
		}
		n = m.npieces;
	}
	rc = sk_ptree_sum(ro, pc, n, &o->wopts, o->out, &traces, err);
	if (kept)
		sk_ptree_pieces_free(pc, n);
	else
		free_pieces(pc, n);
	sk_manifest_release(&m);
	return rc < 0 ? rc : 0;
}

