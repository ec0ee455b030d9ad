#include "scatter.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../taskrun/hostfile.h"
#include "file.h"
#include "manifest.h"
#include "subproc.h"

void scatter_plan(const int *weights, int nhosts, size_t npieces, int copies, int *out)
{
	long total = 0, *cur = calloc((size_t)nhosts, sizeof *cur);
	int *used = calloc((size_t)nhosts, sizeof *used);

	if (!cur || !used) {
		/* Plain round robin needs no memory. */
		for (size_t i = 0; i < npieces; i++)
			for (int c = 0; c < copies; c++)
				out[i * (size_t)copies + (size_t)c] = (int)((i * (size_t)copies + (size_t)c) % (size_t)nhosts);
		free(cur);
		free(used);
		return;
	}
	for (int h = 0; h < nhosts; h++)
		total += weights[h];
	for (size_t i = 0; i < npieces; i++) {
		memset(used, 0, (size_t)nhosts * sizeof *used);
		for (int c = 0; c < copies; c++) {
			/* One step of smooth weighted round robin: every host
			 * gains its weight, the one with the most credit
			 * among those without a copy of this piece takes it
			 * (and pays the total), so a host passed over now is
			 * ahead next time. */
			int best = -1;
			for (int h = 0; h < nhosts; h++) {
				cur[h] += weights[h];
				if (!used[h] && (best < 0 || cur[h] > cur[best]))
					best = h;
			}
			cur[best] -= total;
			used[best] = 1;
			out[i * (size_t)copies + (size_t)c] = best;
		}
	}
	free(cur);
	free(used);
}

static int load_hosts(const struct scatter_opts *o, struct tr_hostent **he, int *n, struct sk_error *err)
{
	int rc = tr_hostfile_load(o->hostfile, he, n, err);

	if (rc)
		return rc;
	for (int i = 0; i < *n; i++) {
		const struct tr_hostent *h = &(*he)[i];
		if (h->local || h->slurm || strchr(h->name, ':') || strpbrk(h->name, " \t")) {
			rc = sk_error_set(err, SK_EUSAGE, "%s: a host that holds pieces is named by one word%s",
					  h->name, h->local ? " (not ':' or localhost: pieces stay on the hosts)" : "");
			break;
		}
	}
	if (!rc && *n < o->copies)
		rc = sk_error_set(err, SK_EUSAGE, "--copies %d needs %d hosts, the file lists %d", o->copies,
				  o->copies, *n);
	if (rc) {
		tr_hostfile_free(*he, *n);
		*he = NULL;
		*n = 0;
		return sk_error_at(err, rc, o->hostfile);
	}
	return 0;
}

int scatter_check(const struct scatter_opts *o, struct sk_error *err)
{
	struct tr_hostent *he;
	int n;
	const int rc = load_hosts(o, &he, &n, err);

	if (rc == 0)
		tr_hostfile_free(he, n);
	return rc;
}

/* "dir/name" (malloc'd), or NULL. */
/* Writes one argument per line to path; a line break in one is refused. */
static int write_args(const char *path, char **v, size_t n, struct sk_error *err)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return sk_error_sys_at(err, path);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s\n", v[i]);
	if (fclose(fp) != 0)
		return sk_error_sys_at(err, path);
	return 0;
}

/* The argument files of the scatter's task list: the local piece, its path
 * on the host, the planned host and the --apart group, one line per copy. */
static int write_task_args(const struct scatter_opts *o, const struct sk_manifest *m,
			   const struct tr_hostent *he, const int *plan, char *const files[4],
			   struct sk_error *err)
{
	const size_t nt = m->npieces * (size_t)o->copies;
	char **col[4];
	int rc = 0;

	for (int k = 0; k < 4; k++)
		col[k] = calloc(nt ? nt : 1, sizeof *col[k]);
	for (size_t t = 0; t < nt && col[0] && col[1] && col[2] && col[3]; t++) {
		const struct sk_mpiece *p = &m->pieces[t / (size_t)o->copies];
		char group[64];
		if (strchr(p->file, '\n') || strchr(o->dir, '\n') || strchr(o->rdir, '\n')) {
			rc = sk_error_set(err, SK_EARG, "%s: a line break in a path", p->file);
			break;
		}
		snprintf(group, sizeof group, "%zu-%016" PRIx64, t / (size_t)o->copies + 1, p->xxh64);
		col[0][t] = sk_path_join(o->dir, p->file);
		col[1][t] = sk_path_join(o->rdir, p->file);
		col[2][t] = strdup(he[plan[t]].name);
		col[3][t] = strdup(group);
		if (!col[0][t] || !col[1][t] || !col[2][t] || !col[3][t]) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			break;
		}
	}
	if (!rc && (!col[0] || !col[1] || !col[2] || !col[3]))
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
	for (int k = 0; k < 4 && !rc; k++)
		rc = write_args(files[k], col[k], nt, err);
	for (int k = 0; k < 4; k++) {
		for (size_t t = 0; col[k] && t < nt; t++)
			free(col[k][t]);
		free(col[k]);
	}
	return rc;
}

/* Reads taskrun kept's lines into the manifest's locations, checking each
 * copy against its piece. */
static int take_kept(const struct scatter_opts *o, struct sk_manifest *m, char *text, struct sk_error *err)
{
	const size_t nt = m->npieces * (size_t)o->copies;
	char *line, *save = NULL;
	size_t seen = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char host[256], hash[17], path[PATH_MAX];
		unsigned long long size, h;
		long t;
		const struct sk_mpiece *p;
		int rc;
		if (sscanf(line, "%ld\t%255[^\t]\t%llu\t%16[0-9a-f]\t%4095[^\n]", &t, host, &size, hash, path) != 5 ||
		    t < 1 || (size_t)t > nt)
			return sk_error_set(err, SK_EFMT, "taskrun kept: unexpected line '%s'", line);
		p = &m->pieces[(size_t)(t - 1) / (size_t)o->copies];
		h = strtoull(hash, NULL, 16);
		if (size != p->bytes || h != p->xxh64)
			return sk_error_set(err, SK_ESTATE,
					    "%s on %s: %llu bytes, xxh64 %s; the piece has %" PRIu64
					    " bytes, xxh64 %016" PRIx64, path, host, size, hash, p->bytes,
					    p->xxh64);
		for (int k = 0; k < p->nat; k++) {
			char other[256];
			const char *op;
			if (sk_manifest_loc(p->at[k], other, sizeof other, &op, err) == 0 &&
			    strcmp(other, host) == 0)
				return sk_error_set(err, SK_ESTATE, "%s: two copies on %s", p->file, host);
		}
		if ((rc = sk_manifest_add_at(m, (size_t)(t - 1) / (size_t)o->copies, host, path, err)) != 0)
			return rc;
		seen++;
	}
	if (seen != nt)
		return sk_error_set(err, SK_ESTATE, "%zu of %zu copies are in place", seen, nt);
	return 0;
}

int scatter_run(const struct scatter_opts *o, struct sk_manifest *mp, struct sk_error *err)
{
	struct tr_hostent *he = NULL;
	char *mpath = sk_path_join(o->dir, "manifest.yaml"), *state = sk_path_join(o->dir, ".scatter");
	char *files[4] = {sk_path_join(o->dir, ".scatter.in"), sk_path_join(o->dir, ".scatter.keep"),
			  sk_path_join(o->dir, ".scatter.where"), sk_path_join(o->dir, ".scatter.apart")};
	char *kept = NULL;
	int nh = 0, *plan = NULL, *w = NULL, rc, st;

	if (!mpath || !state || !files[0] || !files[1] || !files[2] || !files[3]) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = load_hosts(o, &he, &nh, err)) != 0)
		goto out;
	plan = calloc(mp->npieces * (size_t)o->copies + 1, sizeof *plan);
	w = calloc((size_t)nh, sizeof *w);
	if (!plan || !w) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	/* A host without N/ counts one slot: its CPUs are known only to its
	 * agent. */
	for (int i = 0; i < nh; i++)
		w[i] = he[i].slots > 0 ? he[i].slots : 1;
	scatter_plan(w, nh, mp->npieces, o->copies, plan);
	if ((rc = write_task_args(o, mp, he, plan, files, err)) != 0)
		goto out;
	{
		char *argv[32];
		int a;
		/* The plan spreads by slots: a copy waits for its host. */
		a = sk_subproc_taskrun_argv(argv, o->taskrun, o->hostfile, state, o->ssh, o->agent);
		argv[a++] = (char *)(uintptr_t)"--stdin={1}";
		argv[a++] = (char *)(uintptr_t)"--keep={2}";
		argv[a++] = (char *)(uintptr_t)"--where={3}";
		argv[a++] = (char *)(uintptr_t)"--apart={4}";
		argv[a++] = (char *)(uintptr_t)"--";
		argv[a++] = (char *)(uintptr_t)"cat";
		argv[a++] = (char *)(uintptr_t)"::::";
		argv[a++] = files[0];
		argv[a++] = (char *)(uintptr_t)"::::+";
		argv[a++] = files[1];
		argv[a++] = (char *)(uintptr_t)"::::+";
		argv[a++] = files[2];
		argv[a++] = (char *)(uintptr_t)"::::+";
		argv[a++] = files[3];
		argv[a] = NULL;
		if ((st = sk_subproc_run(argv, NULL, err)) < 0) {
			rc = SK_EIO;
			goto out;
		}
		if (st != 0) {
			rc = sk_error_at(err, sk_error_set(err, SK_EIO, "taskrun exited with status %d: the local pieces stay "
						    "here, and the same command resumes", st), o->dir);
			goto out;
		}
		a = 0;
		argv[a++] = (char *)(uintptr_t)o->taskrun;
		argv[a++] = (char *)(uintptr_t)"kept";
		argv[a++] = state;
		argv[a] = NULL;
		if ((st = sk_subproc_run(argv, &kept, err)) != 0 || !kept) {
			rc = st < 0 ? SK_EIO : sk_error_set(err, SK_EIO, "taskrun kept exited with status %d", st);
			goto out;
		}
	}
	if ((rc = take_kept(o, mp, kept, err)) != 0) {
		rc = sk_error_at(err, rc, o->dir);
		goto out;
	}
	if ((rc = sk_manifest_write(mp, mpath, NULL, err)) != 0)
		goto out;
	/* The manifest says where the pieces are: the local ones go. */
	for (size_t i = 0; i < mp->npieces; i++) {
		char *p = sk_path_join(o->dir, mp->pieces[i].file);
		if (p && unlink(p) != 0 && errno != ENOENT) {
			rc = sk_error_sys_at(err, p);
			free(p);
			goto out;
		}
		free(p);
	}
	for (int k = 0; k < 4; k++)
		unlink(files[k]);
out:
	free(kept);
	free(plan);
	free(w);
	if (he)
		tr_hostfile_free(he, nh);
	free(mpath);
	free(state);
	for (int k = 0; k < 4; k++)
		free(files[k]);
	return rc;
}
