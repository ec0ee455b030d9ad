/* psum_pieces: segmerge --sum of a distributed manifest's pieces or of
 * taskrun's kept outputs, as a whole: on their hosts (sk_ptree_sum) when
 * they are there, here (sk_merge_run) when they are here.  Moved out of
 * cmd/segmerge/main.c as it was. */
#include "psum_tree.h"

#include <stdlib.h>

#include "manifest.h"
#include "merge.h"

/* A distributed manifest's pieces for sk_ptree_sum (calloc'd;
 * they borrow the manifest's locations), or NULL with err set. */
static struct sk_ptree_piece *manifest_pieces(const struct sk_manifest *m, struct sk_error *err)
{
	struct sk_ptree_piece *pc = calloc(m->npieces ? m->npieces : 1, sizeof *pc);

	if (!pc) {
		sk_error_set(err, SK_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < m->npieces; i++) {
		pc[i].at = m->pieces[i].at;
		pc[i].nat = m->pieces[i].nat;
		pc[i].bytes = (int64_t)m->pieces[i].bytes;
		pc[i].xxh64 = m->pieces[i].xxh64;
		pc[i].has_xxh64 = 1;
	}
	return pc;
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
		if (here > 0) {
			sk_error_set(err, SK_EARG, "%zu of %zu outputs are here and the others on hosts: a sum takes "
				     "outputs all on hosts or all here", here, n);
			sk_ptree_pieces_free(pc, n);
			return sk_error_at(err, SK_EARG, kept);
		}
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
		if (remote < m.npieces) {
			sk_error_set(err, SK_EARG, "%zu of %zu pieces are on hosts and the others here: a sum takes "
				     "pieces all on hosts or all here", remote, m.npieces);
			sk_manifest_release(&m);
			return sk_error_at(err, SK_EARG, mpath);
		}
		if (!(pc = manifest_pieces(&m, err))) {
			sk_manifest_release(&m);
			return SK_ENOMEM;
		}
		n = m.npieces;
	}
	rc = sk_ptree_sum(ro, pc, n, &o->wopts, o->out, &traces, err);
	if (kept)
		sk_ptree_pieces_free(pc, n);
	else
		free(pc);
	sk_manifest_release(&m);
	return rc < 0 ? rc : 0;
}

