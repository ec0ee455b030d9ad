/*
 * The tree's rounds (psum_tree.h): each a taskrun run, planned by
 * psum_tree_plan.c; the probes and the final fetch straight from the hosts
 * through the launcher (hostfetch.h).
 */
#include "psum_tree.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hostfetch.h"
#include "psum.h"
#include "psum_tree_int.h"
#include "subproc.h"

void sk_ptree_pieces_free(struct sk_ptree_piece *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		for (int k = 0; k < (p[i].nat ? p[i].nat : 1); k++)
			free(p[i].at[k]);
		free(p[i].at);
	}
	free(p);
}

/* The state directory: o->state (made), or a new temporary. */
static char *state_dir(const struct sk_ptree_opts *o, struct sk_error *err)
{
	const char *tmp = getenv("TMPDIR");
	char *t, *d;

	if (o->state) {
		if (sk_file_mkdirs(o->state, 0777, err) < 0)
			return NULL;
		if (!(d = strdup(o->state)))
			sk_error_set(err, SK_ENOMEM, "out of memory");
		return d;
	}
	t = sk_path_join(tmp && *tmp ? tmp : "/tmp", "segmerge.XXXXXX");
	if (!t || !(d = mkdtemp(t))) {
		sk_error_sys(err, "mkdtemp");
		free(t);
		return NULL;
	}
	return d;
}

/* Removes a temporary state directory and what is in it. */
static void rm_tree(const char *dir)
{
	char *argv[] = {(char *)(uintptr_t)"rm", (char *)(uintptr_t)"-rf", (char *)(uintptr_t)dir, NULL};
	struct sk_error e;

	sk_subproc_run(argv, NULL, &e);
}

/* Runs one round: task k on host hosts[k] (distinct), its list in
 * DIR/k+1.list already written; cmd: the command after "--".  Each task's
 * output stays on its host (keep: a --keep template), a task runs once
 * (-r 1), and a taskrun that did not finish every task is not an error (the
 * caller reads which tasks left their output). */
static int run_round(const struct sk_ptree_opts *o, const char *dir, char **hosts, size_t nt, const char *keep,
		     char *const *cmd, struct sk_error *err)
{
	char *hf = sk_path_join(dir, "hosts"), *af = sk_path_join(dir, "args"), *st = sk_path_join(dir, "taskrun");
	char *in = sk_path_join(dir, "{#}.list");
	char si[PATH_MAX + 16], kp[PATH_MAX + 16];
	char *argv[48];
	int a, rc = 0;
	FILE *fp;

	if (!hf || !af || !st || !in) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	/* One slot a host: one task a host a round. */
	if (!(fp = fopen(hf, "w"))) {
		rc = sk_error_sys_at(err, hf);
		goto out;
	}
	for (size_t k = 0; k < nt; k++)
		fprintf(fp, "1/%s\n", hosts[k]);
	if (fclose(fp) != 0) {
		rc = sk_error_sys_at(err, hf);
		goto out;
	}
	if (!(fp = fopen(af, "w"))) {
		rc = sk_error_sys_at(err, af);
		goto out;
	}
	for (size_t k = 0; k < nt; k++)
		fprintf(fp, "%s\n", hosts[k]);
	if (fclose(fp) != 0) {
		rc = sk_error_sys_at(err, af);
		goto out;
	}
	snprintf(si, sizeof si, "--stdin=%s", in);
	snprintf(kp, sizeof kp, "--keep=%s", keep);
	a = sk_subproc_taskrun_argv(argv, o->taskrun, hf, st, o->ssh, o->agent);
	argv[a++] = (char *)(uintptr_t)"--no-speculate";
	argv[a++] = (char *)(uintptr_t)"--where={1}";
	argv[a++] = si;
	argv[a++] = kp;
	argv[a++] = (char *)(uintptr_t)"--retries=1";
	argv[a++] = (char *)(uintptr_t)"--";
	for (int k = 0; cmd[k]; k++)
		argv[a++] = cmd[k];
	argv[a++] = (char *)(uintptr_t)"::::";
	argv[a++] = af;
	argv[a] = NULL;
	if (sk_subproc_run(argv, NULL, err) < 0)
		rc = SK_EIO;
out:
	free(hf);
	free(af);
	free(st);
	free(in);
	return rc;
}

/* One line of taskrun kept's output: task, host, size, hash, path (host
 * into h, path into pth).  0, or -1 for a line of another shape. */
static int kept_line(const char *line, long *task, char h[256], unsigned long long *size, uint64_t *hash,
		     char pth[PATH_MAX])
{
	char hx[17];

	if (sscanf(line, "%ld\t%255[^\t]\t%llu\t%16[0-9a-f]\t%4095[^\n]", task, h, size, hx, pth) != 5)
		return -1;
	*hash = strtoull(hx, NULL, 16);
	return 0;
}

/* taskrun kept STATE's output (malloc'd into *text). */
static int kept_text(const char *taskrun, const char *state, char **text, struct sk_error *err)
{
	char *argv[] = {(char *)(uintptr_t)taskrun, (char *)(uintptr_t)"kept", (char *)(uintptr_t)state, NULL};
	int st;

	*text = NULL;
	if ((st = sk_subproc_run(argv, text, err)) != 0 || !*text) {
		free(*text);
		*text = NULL;
		return st < 0 ? SK_EIO
			      : sk_error_at(err, sk_error_set(err, SK_EIO, "taskrun kept exited with status %d", st), state);
	}
	return 0;
}

/* taskrun kept STATE's records: per task (1-based) its host, size, hash and
 * path, into the arrays (calloc'd by the caller, nt long). */
static int kept_records(const char *taskrun, const char *state, size_t nt, char **host, char **path,
			int64_t *bytes, uint64_t *hash, struct sk_error *err)
{
	char *text, *line, *save = NULL;
	int rc;

	if ((rc = kept_text(taskrun, state, &text, err)) < 0)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char h[256], pth[PATH_MAX];
		unsigned long long size;
		uint64_t hx;
		long t;
		if (kept_line(line, &t, h, &size, &hx, pth) < 0 || t < 1 || (size_t)t > nt) {
			rc = sk_error_at(err, sk_error_set(err, SK_EFMT, "taskrun kept: unexpected line '%s'", line), state);
			break;
		}
		free(host[t - 1]);
		free(path[t - 1]);
		host[t - 1] = strdup(h);
		path[t - 1] = strdup(pth);
		bytes[t - 1] = (int64_t)size;
		hash[t - 1] = hx;
		if (!host[t - 1] || !path[t - 1]) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			break;
		}
	}
	free(text);
	return rc;
}

int sk_ptree_kept(const char *taskrun, const char *state, struct sk_ptree_piece **out, size_t *n,
		  struct sk_error *err)
{
	char *text, *line, *save = NULL;
	struct sk_ptree_piece *p = NULL;
	size_t np = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = kept_text(taskrun, state, &text, err)) < 0)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char host[256], path[PATH_MAX];
		unsigned long long size;
		uint64_t hash;
		long t;
		struct sk_ptree_piece *q;
		if (kept_line(line, &t, host, &size, &hash, path) < 0) {
			rc = sk_error_at(err, sk_error_set(err, SK_EFMT, "taskrun kept: unexpected line '%s'", line), state);
			goto fail;
		}
		if (!(q = realloc(p, (np + 1) * sizeof *p)))
			goto nomem;
		p = q;
		memset(&p[np], 0, sizeof p[np]);
		p[np].bytes = (int64_t)size;
		p[np].xxh64 = hash;
		p[np].has_xxh64 = 1;
		if (!(p[np].at = malloc(sizeof *p[np].at)) || !(p[np].at[0] = malloc(strlen(host) + strlen(path) + 2))) {
			free(p[np].at);
			goto nomem;
		}
		/* A local slot's output (host ":") is a file here. */
		if (strcmp(host, ":") == 0)
			strcpy(p[np].at[0], path);
		else
			sprintf(p[np].at[0], "%s:%s", host, path);
		p[np].nat = strcmp(host, ":") != 0;
		np++;
	}
	free(text);
	if (np == 0)
		return sk_error_at(err, sk_error_set(err, SK_EARG, "no kept outputs"), state);
	*out = p;
	*n = np;
	return 0;
nomem:
	rc = sk_error_set(err, SK_ENOMEM, "out of memory");
fail:
	sk_ptree_pieces_free(p, np);
	free(text);
	return rc;
}

/* Whether unit k's partial is on its host as recorded (the launcher from
 * here); why not into msg. */
static int probe_unit(const struct sk_ptree *t, size_t k, char *msg, size_t len)
{
	char b[3][SK_PTREE_WORDLEN], *w[8];
	struct sk_hostfetch f;
	struct sk_error e;

	sk_ptree_cat_words(t->o->segmerge, t->u[k].path, t->u[k].bytes, t->u[k].xxh64, 1, w, b);
	/* Twice: a loaded host may miss one connection timeout, and a host
	 * wrongly taken for lost costs a second sum of its pieces. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (sk_hostfetch_open(sk_ptree_launcher(t->o), t->u[k].host, w, &f, &e) < 0) {
			snprintf(msg, len, "%s", e.msg);
			return 0;
		}
		if (sk_hostfetch_close(&f, msg, len, &e) == 0)
			return 1;
	}
	return 0;
}

/* A round's directory STATE/rN. */
static char *round_dir(struct sk_ptree *t, struct sk_error *err)
{
	char rname[32], *rdir;

	snprintf(rname, sizeof rname, "r%d", ++t->round);
	if (!(rdir = sk_path_join(t->dir, rname))) {
		sk_error_set(err, SK_ENOMEM, "out of memory");
		return NULL;
	}
	if (sk_file_mkdirs(rdir, 0777, err) < 0) {
		free(rdir);
		return NULL;
	}
	return rdir;
}

static int write_list(const char *rdir, size_t k, const char *text, struct sk_error *err)
{
	char num[32], *lp;
	FILE *fp;
	int rc = 0;

	snprintf(num, sizeof num, "%zu.list", k + 1);
	if (!(lp = sk_path_join(rdir, num)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (!(fp = fopen(lp, "w")) || fputs(text, fp) == EOF)
		rc = sk_error_sys_at(err, lp);
	if (fp && fclose(fp) != 0 && rc == 0)
		rc = sk_error_sys_at(err, lp);
	free(lp);
	return rc;
}

/* Runs the round's tasks (one a host, on hosts[k]) keeping their outputs on
 * the hosts; per task, its kept record (host NULL: none). */
static int kept_round(struct sk_ptree *t, const char *rdir, char **hosts, size_t nt, char *const *cmd, char **khost,
		      char **kpath, int64_t *kbytes, uint64_t *khash, struct sk_error *err)
{
	char keep[64], *st;
	int rc;

	snprintf(keep, sizeof keep, ".segmerge/%s/r%d-{#}.psum", t->id, t->round);
	if ((rc = run_round(t->o, rdir, hosts, nt, keep, cmd, err)) < 0)
		return rc;
	if (!(st = sk_path_join(rdir, "taskrun")))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	rc = kept_records(t->o->taskrun, st, nt, khost, kpath, kbytes, khash, err);
	free(st);
	return rc;
}

/* The records of a round of nt tasks. */
struct round {
	char **hosts, **khost, **kpath;
	int64_t *kbytes;
	uint64_t *khash;
	size_t n;
};

static int round_alloc(struct round *r, size_t n, struct sk_error *err)
{
	const size_t m = n ? n : 1;

	r->n = n;
	r->hosts = calloc(m, sizeof *r->hosts);
	r->khost = calloc(m, sizeof *r->khost);
	r->kpath = calloc(m, sizeof *r->kpath);
	r->kbytes = calloc(m, sizeof *r->kbytes);
	r->khash = calloc(m, sizeof *r->khash);
	if (!r->hosts || !r->khost || !r->kpath || !r->kbytes || !r->khash)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

static void round_free(struct round *r)
{
	for (size_t k = 0; k < r->n; k++) {
		free(r->hosts ? r->hosts[k] : NULL);
		free(r->khost ? r->khost[k] : NULL);
		free(r->kpath ? r->kpath[k] : NULL);
	}
	free(r->hosts);
	free(r->khost);
	free(r->kpath);
	free(r->kbytes);
	free(r->khash);
}

/* Appends to STATE/summed where each piece of the unit just made was
 * summed: a line "HOST<TAB>LOCATION" a piece (":" for this machine), in
 * piece order; a piece summed again after its host was lost has a line
 * more.  Only a record: a failure to write it is no failure of the sum. */
static void record_summed(const struct sk_ptree *t, const char *host, const size_t *task_of, size_t k,
			  const int *locs, size_t unit)
{
	char *path = sk_path_join(t->dir, "summed");
	FILE *rec = path ? fopen(path, "a") : NULL;

	for (size_t i = 0; rec && i < t->n; i++) {
		if (task_of ? t->owner[i] != unit || task_of[i] != k : t->owner[i] != unit)
			continue;
		fprintf(rec, "%s\t%s\n", host, task_of ? t->pc[i].at[locs[i]] : t->pc[i].at[0]);
	}
	if (rec)
		fclose(rec);
	free(path);
}

/* The pieces here (a local slot's kept output) summed by this machine into
 * STATE/here.psum, their partial (psum.h, exact terms: the hosts' last
 * partial is added to it here), before the hosts' rounds; the unit that
 * owns them (sk_ptree_add_here).  A problem in a piece goes into the
 * partial, as on a host, and the combine names it in the local sum's
 * order. */
static int here_partial(struct sk_ptree *t, struct sk_error *err)
{
	struct sk_psum_piece *pcs = calloc(t->n ? t->n : 1, sizeof *pcs);
	char *path = sk_path_join(t->dir, "here.psum");
	size_t m = 0, u;
	FILE *fp = NULL;
	int rc = 0;

	if (!pcs || !path) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->pc[i].nat == 0) {
			pcs[m].idx = i;
			pcs[m].bytes = t->pc[i].bytes;
			pcs[m].xxh64 = t->pc[i].xxh64;
			pcs[m].has_xxh64 = t->pc[i].has_xxh64;
			pcs[m++].path = t->pc[i].at[0];
		}
	if (!(fp = fopen(path, "wbe"))) {
		rc = sk_error_sys_at(err, path);
		goto out;
	}
	rc = sk_psum_host(":", ":", pcs, m, NULL, t->o->from, t->o->verify, 0, fp, err);
	if (fclose(fp) != 0 && rc == 0)
		rc = sk_error_sys_at(err, path);
	if (rc < 0)
		goto out;
	if ((u = sk_ptree_add_here(t, path)) == SIZE_MAX) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	record_summed(t, ":", NULL, 0, NULL, u);
out:
	if (rc < 0 && path)
		unlink(path);
	free(pcs);
	free(path);
	return rc;
}

/* The leaf round: each piece not summed yet on the first of its hosts not
 * down; one task a host sums its pieces there and keeps the partial. */
static int leaf_round(struct sk_ptree *t, struct sk_error *err)
{
	struct round r = {0};
	size_t *task_of = calloc(t->n ? t->n : 1, sizeof *task_of), nt = 0;
	int *locs = calloc(t->n ? t->n : 1, sizeof *locs), rc;
	char fromf[32], *cmd[8], *rdir = NULL;

	if ((rc = round_alloc(&r, t->n, err)) < 0)
		goto out;
	if (!task_of || !locs) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = sk_ptree_leaf_plan(t, r.hosts, &nt, task_of, locs, err)) < 0)
		goto out;
	if (!(rdir = round_dir(t, err))) {
		rc = SK_EIO;
		goto out;
	}
	for (size_t k = 0; k < nt; k++) {
		char *text;
		if ((rc = sk_ptree_leaf_list(t, k, task_of, locs, &text, err)) < 0)
			goto out;
		rc = write_list(rdir, k, text, err);
		free(text);
		if (rc < 0)
			goto out;
	}
	sk_ptree_leaf_words(t, nt, cmd, fromf);
	if ((rc = kept_round(t, rdir, r.hosts, nt, cmd, r.khost, r.kpath, r.kbytes, r.khash, err)) < 0)
		goto out;
	for (size_t k = 0; k < nt; k++) {
		size_t u;
		if (!r.khost[k] || strcmp(r.khost[k], r.hosts[k]) != 0) {
			/* Its host did not answer (the task ran elsewhere, a
			 * skip, or not at all): the next copies. */
			sk_hostset_add(&t->down, r.hosts[k]);
			if (r.khost[k])
				sk_hostset_add(&t->used, r.khost[k]);
			continue;
		}
		u = sk_ptree_add_unit(t, r.khost[k], r.kpath[k], r.kbytes[k], r.khash[k],
				      nt == 1 && sk_ptree_live_units(t) == 0);
		if (u == SIZE_MAX) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < t->n; i++)
			if (t->owner[i] == SIZE_MAX && task_of[i] == k) {
				t->owner[i] = u;
				t->names[i] = t->pc[i].at[locs[i]];
			}
		record_summed(t, r.khost[k], task_of, k, locs, u);
	}
out:
	round_free(&r);
	free(task_of);
	free(locs);
	free(rdir);
	return rc;
}

/* A pair round: the live units in pairs (a, b); a's host reads b's
 * partial straight from b's host and merges the two (the last pair:
 * rounded).  An odd one waits for the next round. */
static int pair_round(struct sk_ptree *t, struct sk_error *err)
{
	size_t *live = calloc(t->nu ? t->nu : 1, sizeof *live), np = 0;
	struct round r = {0};
	char *cmd[3], *rdir = NULL;
	int rc, final;

	if (!live)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	np = sk_ptree_pair_plan(t, live, &final);
	if ((rc = round_alloc(&r, np, err)) < 0)
		goto out;
	if (!(rdir = round_dir(t, err))) {
		rc = SK_EIO;
		goto out;
	}
	for (size_t j = 0; j < np; j++) {
		char *text;
		if (!(r.hosts[j] = strdup(t->u[live[2 * j]].host))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = sk_ptree_pair_list(t, live[2 * j], live[2 * j + 1], final, &text, err)) < 0)
			goto out;
		rc = write_list(rdir, j, text, err);
		free(text);
		if (rc < 0)
			goto out;
	}
	cmd[0] = (char *)(uintptr_t)t->o->segmerge;
	cmd[1] = (char *)(uintptr_t)"--pair={1}";
	cmd[2] = NULL;
	if ((rc = kept_round(t, rdir, r.hosts, np, cmd, r.khost, r.kpath, r.kbytes, r.khash, err)) < 0)
		goto out;
	for (size_t j = 0; j < np; j++) {
		const size_t ka = live[2 * j], kb = live[2 * j + 1];
		char wa[600] = "", wb[600] = "";
		int oka, okb;
		size_t u;
		if (r.khost[j] && strcmp(r.khost[j], r.hosts[j]) == 0 && r.kbytes[j] != sk_ptree_miss_bytes(r.hosts[j])) {
			if ((u = sk_ptree_add_unit(t, r.khost[j], r.kpath[j], r.kbytes[j], r.khash[j], final)) == SIZE_MAX) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto out;
			}
			t->u[ka].live = t->u[kb].live = 0;
			for (size_t i = 0; i < t->n; i++)
				if (t->owner[i] == ka || t->owner[i] == kb)
					t->owner[i] = u;
			continue;
		}
		if (r.khost[j] && strcmp(r.khost[j], r.hosts[j]) != 0) {
			/* It ran elsewhere: a's host is down. */
			sk_hostset_add(&t->used, r.khost[j]);
			sk_hostset_add(&t->down, t->u[ka].host);
			sk_ptree_lose_unit(t, ka);
			continue;
		}
		/* It failed: a host lost, or hosts that do not reach one
		 * another (both partials still there, as seen from here). */
		oka = probe_unit(t, ka, wa, sizeof wa);
		okb = probe_unit(t, kb, wb, sizeof wb);
		sk_ptree_pair_failed(t, ka, kb, oka, wa, okb, wb);
	}
out:
	round_free(&r);
	free(live);
	free(rdir);
	return rc;
}

/* The end-to-end check of the partials read here, before the output is
 * committed: each one's bytes, as received, are what taskrun kept
 * recorded (its sender checked its copy before it sent a byte). */
struct fetched {
	const struct sk_ptree *t;
	struct sk_hostfetch *f;
	const size_t *unit;   /* per fetch: its unit */
	const char *const *labels;
	const unsigned char *here;   /* per fetch: this machine's own partial */
	size_t nf;
};

static int check_fetched(void *arg, struct sk_error *err)
{
	const struct fetched *c = arg;
	char buf[4096];

	for (size_t j = 0; j < c->nf; j++) {
		const struct sk_ptree_unit *u = &c->t->u[c->unit[j]];
		uint64_t h;
		if (c->here[j])
			continue;
		/* Nothing follows a partial's end: read to the stream's. */
		while (fread(buf, 1, sizeof buf, c->f[j].fp) > 0)
			;
		h = sk_hostfetch_digest(&c->f[j]);
		if ((int64_t)c->f[j].bytes != u->bytes || h != u->xxh64) {
			sk_error_set(err, SK_ESTATE, "received %" PRIu64 " bytes, xxh64 %016" PRIx64 ", but taskrun kept "
				     "%" PRId64 " bytes, xxh64 %016" PRIx64 ": changed on the way", c->f[j].bytes, h, u->bytes,
				     u->xxh64);
			return sk_error_at(err, err->code, c->labels[j]);
		}
	}
	return 0;
}

/* The live units' partials read here, straight from their hosts, and
 * combined into out.  1: a host failed before anything was written (its
 * pieces are summed again), 0 done, < 0 an error. */
static int fetch_combine(struct sk_ptree *t, const struct sk_wopts *wopts, const char *out, int64_t *traces,
			 struct sk_error *err)
{
	struct sk_hostfetch *f = calloc(t->nu ? t->nu : 1, sizeof *f);
	FILE **fps = calloc(t->nu ? t->nu : 1, sizeof *fps);
	const char **labels = calloc(t->nu ? t->nu : 1, sizeof *labels);
	size_t *map = calloc(t->nu ? t->nu : 1, sizeof *map), *part = calloc(t->n ? t->n : 1, sizeof *part), nf = 0;
	size_t *unit = calloc(t->nu ? t->nu : 1, sizeof *unit);
	unsigned char *here = calloc(t->nu ? t->nu : 1, 1);
	struct fetched chk;
	char (*lab)[300] = calloc(t->nu ? t->nu : 1, sizeof *lab);
	int rc = 0, lost = 0;

	if (!f || !fps || !labels || !map || !part || !lab || !unit || !here) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < t->nu; k++) {
		char b[3][SK_PTREE_WORDLEN], *w[8];
		if (!t->u[k].live)
			continue;
		if (t->u[k].here) {
			/* This machine's partial: a file here, not fetched. */
			if (!(fps[nf] = fopen(t->u[k].path, "rbe"))) {
				rc = sk_error_sys_at(err, t->u[k].path);
				goto out;
			}
			here[nf] = 1;
			unit[nf] = k;
			snprintf(lab[nf], sizeof lab[nf], "%s", t->u[k].path);
			labels[nf] = lab[nf];
			map[k] = nf++;
			continue;
		}
		sk_ptree_cat_words(t->o->segmerge, t->u[k].path, t->u[k].bytes, t->u[k].xxh64, 0, w, b);
		if ((rc = sk_hostfetch_open(sk_ptree_launcher(t->o), t->u[k].host, w, &f[nf], err)) < 0)
			goto out;
		if ((rc = sk_hostfetch_hash(&f[nf], err)) < 0) {
			nf++;
			goto out;
		}
		unit[nf] = k;
		snprintf(lab[nf], sizeof lab[nf], "%s:%s", t->u[k].host, t->u[k].path);
		labels[nf] = lab[nf];
		fps[nf] = f[nf].fp;
		map[k] = nf++;
	}
	for (size_t i = 0; i < t->n; i++)
		part[i] = map[t->owner[i]];
	chk.t = t;
	chk.f = f;
	chk.unit = unit;
	chk.labels = labels;
	chk.nf = nf;
	chk.here = here;
	rc = sk_psum_combine_fp(fps, labels, nf, part, t->names, t->n, wopts, check_fetched, &chk, out, traces, err);
	{
		/* What came here, for the record (STATE/fetched): each
		 * partial's host, path and bytes (checked by its sender). */
		char *fp = sk_path_join(t->dir, "fetched");
		FILE *rec = fp ? fopen(fp, "a") : NULL;
		for (size_t k = 0; rec && k < t->nu; k++)
			if (t->u[k].live && !t->u[k].here)
				fprintf(rec, "%s\t%s\t%" PRId64 "\n", t->u[k].host, t->u[k].path, t->u[k].bytes);
		if (rec)
			fclose(rec);
		free(fp);
	}
	for (size_t j = 0, k = 0; j < nf; k++) {
		char msg[256];
		struct sk_error e;
		const char *label;
		int s;
		if (!t->u[k].live)
			continue;
		if (here[j]) {
			fclose(fps[j++]);
			continue;
		}
		label = labels[j];
		s = sk_hostfetch_close(&f[j++], msg, sizeof msg, &e);
		/* A partial cut short because its host failed, not a problem
		 * in the data (those name a piece). */
		if (s != 0 && rc < 0 && strcmp(err->file, label) == 0) {
			sk_ptree_lost_unit(t, k, msg);
			lost = 1;
		}
	}
	nf = 0;
	/* Written to standard output already: nothing to take back. */
	if (lost && (*traces == 0 || (out && strcmp(out, "-") != 0)))
		rc = 1;
out:
	for (size_t j = 0; f && j < nf; j++) {
		struct sk_error e;
		if (here[j])
			fclose(fps[j]);
		else
			sk_hostfetch_close(&f[j], NULL, 0, &e);
	}
	free(f);
	free(fps);
	free(labels);
	free(map);
	free(part);
	free(lab);
	free(unit);
	free(here);
	return rc;
}

/* A new sum's id: 16 hex digits, random. */
static void new_id(char id[17])
{
	unsigned char rnd[8] = {0};
	FILE *ur = fopen("/dev/urandom", "rb");

	if (ur) {
		if (fread(rnd, 1, sizeof rnd, ur) != sizeof rnd)
			memset(rnd, 0, sizeof rnd);
		fclose(ur);
	}
	for (int k = 0; k < 8; k++)
		snprintf(id + 2 * k, 3, "%02x", rnd[k] ^ (k == 0 ? (unsigned)getpid() & 0xff : 0));
}

int sk_ptree_sum(const struct sk_ptree_opts *o, const struct sk_ptree_piece *pc, size_t n,
		 const struct sk_wopts *wopts, const char *out, int64_t *traces, struct sk_error *err)
{
	struct sk_ptree t;
	char id[17];
	int rc;

	new_id(id);
	if ((rc = sk_ptree_init(&t, o, pc, n, id, err)) < 0)
		return rc;
	if (!(t.dir = state_dir(o, err))) {
		sk_ptree_release(&t);
		return SK_EIO;
	}
	if (o->state)
		sk_ptree_leftovers_retry(o, t.dir);
	rc = 0;
	for (size_t i = 0; i < n; i++)
		if (pc[i].nat == 0) {
			/* Pieces here (local slots' outputs): summed here. */
			rc = here_partial(&t, err);
			break;
		}
	while (rc >= 0) {
		if (sk_ptree_pending(&t)) {
			if ((rc = leaf_round(&t, err)) < 0)
				break;
			continue;
		}
		if (sk_ptree_host_units(&t) > 1 && !t.star) {
			if ((rc = pair_round(&t, err)) < 0)
				break;
			continue;
		}
		if ((rc = fetch_combine(&t, wopts, out, traces, err)) <= 0)
			break;
	}
	sk_ptree_clean_hosts(&t);
	for (size_t k = 0; k < t.nu; k++)
		if (t.u[k].here)
			unlink(t.u[k].path);
	if (!o->state)
		rm_tree(t.dir);
	sk_ptree_release(&t);
	return rc;
}
