#include "remote.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "file.h"
#include "hostfetch.h"
#include "manifest.h"
#include "psum.h"
#include "subproc.h"

void remote_pieces_free(struct rpiece *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		for (int k = 0; k < (p[i].nat ? p[i].nat : 1); k++)
			free(p[i].at[k]);
		free(p[i].at);
	}
	free(p);
}

/* The host of location loc (into buf); its path in *path. */
static int split_loc(const char *loc, char *buf, size_t len, const char **path, struct sk_error *err)
{
	return sk_manifest_loc(loc, buf, len, path, err);
}

/* A list of host names: a set small enough to search. */
struct hostset {
	char **name;
	size_t n, cap;
};

static int hs_has(const struct hostset *s, const char *h)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->name[i], h) == 0)
			return 1;
	return 0;
}

static int hs_add(struct hostset *s, const char *h)
{
	if (hs_has(s, h))
		return 0;
	if (s->n == s->cap) {
		char **nn = realloc(s->name, (s->cap = s->cap ? 2 * s->cap : 8) * sizeof *nn);
		if (!nn)
			return -1;
		s->name = nn;
	}
	return (s->name[s->n] = strdup(h)) ? (int)(s->n++, 0) : -1;
}

static void hs_free(struct hostset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->name[i]);
	free(s->name);
	memset(s, 0, sizeof *s);
}

/* The state directory: o->state (made), or a new temporary. */
static char *state_dir(const struct remote_opts *o, struct sk_error *err)
{
	char *d;

	if (o->state) {
		if (sk_file_mkdirs(o->state, 0777, err) < 0)
			return NULL;
		return strdup(o->state);
	}
	{
		const char *tmp = getenv("TMPDIR");
		char *t = sk_path_join(tmp && *tmp ? tmp : "/tmp", "segmerge.XXXXXX");
		if (!t || !(d = mkdtemp(t))) {
			sk_error_sys(err, "mkdtemp");
			free(t);
			return NULL;
		}
		return d;
	}
}

/* Removes a temporary state directory's files (one level of rounds). */
static void rm_tree(const char *dir)
{
	char *argv[] = {(char *)(uintptr_t)"rm", (char *)(uintptr_t)"-rf", (char *)(uintptr_t)dir, NULL};
	struct sk_error e;

	sk_subproc_run(argv, NULL, &e);
}

/* Runs one round: tasks[k] on host hosts[k] (distinct), its list in
 * DIR/k+1.list already written; template: the command after "--".  With
 * keep (a --keep template), each task's output stays on its host, a task
 * runs once (-r 1), and a taskrun that did not finish every task is not an
 * error (the caller reads which tasks left their output). */
static int run_round(const struct remote_opts *o, const char *dir, char **hosts, size_t nt, const char *where,
		     const char *keep, char *const *cmd, struct sk_error *err)
{
	char *hf = sk_path_join(dir, "hosts"), *af = sk_path_join(dir, "args"), *st = sk_path_join(dir, "taskrun");
	char *in = sk_path_join(dir, "{#}.list"), *outp = sk_path_join(dir, "{#}.out");
	char wh[64], si[PATH_MAX + 16], so[PATH_MAX + 16], kp[PATH_MAX + 16];
	char *argv[48];
	int a = 0, rc = 0, s;
	FILE *fp;
	struct hostset seen = {0};

	if (!hf || !af || !st || !in || !outp) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	/* One slot a host: a sum is one task a host; fetches go one at a
	 * time to a host (its disk is the limit). */
	if (!(fp = fopen(hf, "w"))) {
		rc = sk_error_sys_at(err, hf);
		goto out;
	}
	for (size_t k = 0; k < nt; k++) {
		char *c = strdup(hosts[k]), *tok, *save = NULL;
		for (tok = c ? strtok_r(c, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
			if (!hs_has(&seen, tok)) {
				hs_add(&seen, tok);
				fprintf(fp, "1/%s\n", tok);
			}
		free(c);
	}
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
	snprintf(wh, sizeof wh, "--where=%s", where);
	snprintf(si, sizeof si, "--stdin=%s", in);
	snprintf(so, sizeof so, "--stdout=%s", outp);
	if (keep)
		snprintf(kp, sizeof kp, "--keep=%s", keep);
	a = sk_subproc_taskrun_argv(argv, o->taskrun, hf, st, o->ssh, o->agent);
	argv[a++] = (char *)(uintptr_t)"--no-speculate";
	argv[a++] = wh;
	argv[a++] = si;
	if (keep) {
		argv[a++] = kp;
		argv[a++] = (char *)(uintptr_t)"--retries=1";
	} else {
		argv[a++] = so;
	}
	argv[a++] = (char *)(uintptr_t)"--";
	for (int k = 0; cmd[k]; k++)
		argv[a++] = cmd[k];
	argv[a++] = (char *)(uintptr_t)"::::";
	argv[a++] = af;
	argv[a] = NULL;
	if ((s = sk_subproc_run(argv, NULL, err)) < 0)
		rc = SK_EIO;
	else if (s != 0 && keep)
		rc = 0;
	else if (s != 0 && o->state)
		rc = sk_error_set(err, SK_EIO, "taskrun exited with status %d (its state: %s)", s, st);
	else if (s != 0)
		rc = sk_error_set(err, SK_EIO, "taskrun exited with status %d (--state DIR keeps its journal)", s);
out:
	hs_free(&seen);
	free(hf);
	free(af);
	free(st);
	free(in);
	free(outp);
	return rc;
}

/* The location of piece i on the first of its hosts not down (into host,
 * *path), or -1. */
static int pick(const struct rpiece *p, const struct hostset *down, char *host, size_t len, const char **path)
{
	struct sk_error e;

	for (int k = 0; k < p->nat; k++)
		if (split_loc(p->at[k], host, len, path, &e) == 0 && !hs_has(down, host))
			return k;
	return -1;
}

static int no_host(const struct rpiece *p, struct sk_error *err)
{
	char hosts[512] = "";
	size_t off = 0;

	for (int k = 0; k < p->nat && off < sizeof hosts - 1; k++) {
		char h[256];
		const char *path;
		struct sk_error e;
		if (split_loc(p->at[k], h, sizeof h, &path, &e) == 0)
			off += (size_t)snprintf(hosts + off, sizeof hosts - off, "%s%s", k ? ", " : "", h);
	}
	return sk_error_at(err, sk_error_set(err, SK_EIO, "no host that holds it answered (%s)", hosts), p->at[0]);
}

/* ---- the tree ---- */

#define DEFAULT_LAUNCHER "ssh -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=10 -o ServerAliveCountMax=3"

/* A partial sum kept on a host: the pieces whose owner is its index. */
struct unit {
	char *host, *path;    /* path as taskrun kept says it (from TASKRUN_KEEP_DIR) */
	int64_t bytes;
	uint64_t xxh64;
	int final, live;
};

struct tree {
	const struct remote_opts *o;
	const struct rpiece *pc;
	size_t n;
	size_t *owner;        /* per piece: its unit, or SIZE_MAX (to sum) */
	const char **names;   /* per piece: the location summed */
	struct unit *u;
	size_t nu, ucap;
	struct hostset down, used;
	struct hostset noreach;   /* "A\tB": A could not read B's partial */
	char id[20];          /* this sum's directory on the hosts */
	char *dir;            /* the state directory here */
	int round, star;
};

static const char *launcher(const struct remote_opts *o)
{
	return o->ssh ? o->ssh : DEFAULT_LAUNCHER;
}

/* taskrun kept STATE's records: per task (1-based) its host, size, hash and
 * path, into the arrays (calloc'd by the caller, nt long). */
static int kept_records(const char *taskrun, const char *state, size_t nt, char **host, char **path,
			int64_t *bytes, uint64_t *hash, struct sk_error *err)
{
	char *argv[] = {(char *)(uintptr_t)taskrun, (char *)(uintptr_t)"kept", (char *)(uintptr_t)state, NULL};
	char *text = NULL, *line, *save = NULL;
	int st;

	if ((st = sk_subproc_run(argv, &text, err)) != 0 || !text) {
		free(text);
		return st < 0 ? SK_EIO : sk_error_at(err, sk_error_set(err, SK_EIO, "taskrun kept exited with status %d", st), state);
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char h[256], hx[17], pth[PATH_MAX];
		unsigned long long size;
		long t;
		if (sscanf(line, "%ld\t%255[^\t]\t%llu\t%16[0-9a-f]\t%4095[^\n]", &t, h, &size, hx, pth) != 5 || t < 1 ||
		    (size_t)t > nt) {
			free(text);
			return sk_error_at(err, sk_error_set(err, SK_EFMT, "taskrun kept: unexpected line '%s'", line), state);
		}
		free(host[t - 1]);
		free(path[t - 1]);
		host[t - 1] = strdup(h);
		path[t - 1] = strdup(pth);
		bytes[t - 1] = (int64_t)size;
		hash[t - 1] = strtoull(hx, NULL, 16);
		if (!host[t - 1] || !path[t - 1]) {
			free(text);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
	}
	free(text);
	return 0;
}

static size_t add_unit(struct tree *t, const char *host, const char *path, int64_t bytes, uint64_t hash, int final)
{
	if (t->nu == t->ucap) {
		struct unit *nu = realloc(t->u, (t->ucap = t->ucap ? 2 * t->ucap : 8) * sizeof *nu);
		if (!nu)
			return SIZE_MAX;
		t->u = nu;
	}
	t->u[t->nu].host = strdup(host);
	t->u[t->nu].path = strdup(path);
	t->u[t->nu].bytes = bytes;
	t->u[t->nu].xxh64 = hash;
	t->u[t->nu].final = final;
	t->u[t->nu].live = 1;
	if (!t->u[t->nu].host || !t->u[t->nu].path)
		return SIZE_MAX;
	hs_add(&t->used, host);
	return t->nu++;
}

/* Unit k is gone (its host is down): its pieces are summed again. */
static void lose_unit(struct tree *t, size_t k)
{
	t->u[k].live = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->owner[i] == k)
			t->owner[i] = SIZE_MAX;
}

static size_t live_units(const struct tree *t)
{
	size_t m = 0;
	for (size_t k = 0; k < t->nu; k++)
		m += t->u[k].live;
	return m;
}

/* The remote words of segmerge --cat for unit k (into w, bufs). */
static void cat_words(const struct tree *t, size_t k, int probe, char **w, char b[3][PATH_MAX + 32])
{
	int a = 0;
	snprintf(b[0], sizeof b[0], "--cat=%s", t->u[k].path);
	snprintf(b[1], sizeof b[1], "--bytes=%" PRId64, t->u[k].bytes);
	snprintf(b[2], sizeof b[2], "--xxh64=%016" PRIx64, t->u[k].xxh64);
	w[a++] = (char *)(uintptr_t)t->o->segmerge;
	w[a++] = b[0];
	w[a++] = b[1];
	w[a++] = b[2];
	if (probe)
		w[a++] = (char *)(uintptr_t)"--probe";
	w[a] = NULL;
}

/* Whether unit k's partial is on its host as recorded (the launcher from
 * here). */
static int probe_unit(const struct tree *t, size_t k, char *msg, size_t len)
{
	char b[3][PATH_MAX + 32], *w[8];
	struct sk_hostfetch f;
	struct sk_error e;

	cat_words(t, k, 1, w, b);
	/* Twice: a loaded host may miss one connection timeout, and a host
	 * wrongly taken for lost costs a second sum of its pieces. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (sk_hostfetch_open(launcher(t->o), t->u[k].host, w, &f, &e) < 0) {
			snprintf(msg, len, "%s", e.msg);
			return 0;
		}
		if (sk_hostfetch_close(&f, msg, len, &e) == 0)
			return 1;
	}
	return 0;
}

/* Unit k's partial cannot be read: its host counts as down. */
static void lost_unit(struct tree *t, size_t k, const char *why)
{
	sk_warnx("%s: its partial sum cannot be read%s%s: its pieces are summed again from their copies",
		 t->u[k].host, *why ? ": " : "", why);
	hs_add(&t->down, t->u[k].host);
	lose_unit(t, k);
}

/* A round's directory STATE/rN. */
static char *round_dir(struct tree *t, struct sk_error *err)
{
	char rname[32], *rdir;

	snprintf(rname, sizeof rname, "r%d", ++t->round);
	rdir = sk_path_join(t->dir, rname);
	if (!rdir) {
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
static int kept_round(struct tree *t, const char *rdir, char **hosts, size_t nt, char *const *cmd, char **khost,
		      char **kpath, int64_t *kbytes, uint64_t *khash, struct sk_error *err)
{
	char keep[64], *st;
	int rc;

	snprintf(keep, sizeof keep, ".segmerge/%s/r%d-{#}.psum", t->id, t->round);
	if ((rc = run_round(t->o, rdir, hosts, nt, "{1}", keep, cmd, err)) < 0)
		return rc;
	if (!(st = sk_path_join(rdir, "taskrun")))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	rc = kept_records(t->o->taskrun, st, nt, khost, kpath, kbytes, khash, err);
	free(st);
	return rc;
}

/* The leaf round: each piece not summed yet on the first of its hosts not
 * down; one task a host sums its pieces there and keeps the partial. */
static int leaf_round(struct tree *t, struct sk_error *err)
{
	char **hosts = calloc(t->n, sizeof *hosts), **khost = calloc(t->n, sizeof *khost);
	char **kpath = calloc(t->n, sizeof *kpath), *rdir = NULL;
	int64_t *kbytes = calloc(t->n, sizeof *kbytes);
	uint64_t *khash = calloc(t->n, sizeof *khash);
	size_t *task_of = calloc(t->n, sizeof *task_of), nt = 0;
	int *locs = calloc(t->n, sizeof *locs), rc = 0;
	char partial[] = "--partial={1}", vflag[] = "--no-verify", fromf[32], finalf[] = "--final";
	char *cmd[8];
	int c = 0;

	if (!hosts || !khost || !kpath || !kbytes || !khash || !task_of || !locs) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		char h[256];
		const char *path;
		size_t k;
		if (t->owner[i] != SIZE_MAX)
			continue;
		if ((locs[i] = pick(&t->pc[i], &t->down, h, sizeof h, &path)) < 0) {
			rc = no_host(&t->pc[i], err);
			goto out;
		}
		for (k = 0; k < nt && strcmp(hosts[k], h) != 0; k++)
			;
		if (k == nt && !(hosts[nt++] = strdup(h))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		task_of[i] = k;
	}
	if (!(rdir = round_dir(t, err))) {
		rc = SK_EIO;
		goto out;
	}
	for (size_t k = 0; k < nt; k++) {
		char *text = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&text, &len);
		if (!mf) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < t->n; i++) {
			char h[256];
			const char *path;
			if (t->owner[i] != SIZE_MAX || task_of[i] != k)
				continue;
			split_loc(t->pc[i].at[locs[i]], h, sizeof h, &path, err);
			if (t->pc[i].bytes >= 0)
				fprintf(mf, "%zu\t%" PRId64 "\t", i, t->pc[i].bytes);
			else
				fprintf(mf, "%zu\t-\t", i);
			if (t->pc[i].has_xxh64)
				fprintf(mf, "%016" PRIx64 "\t%s\n", t->pc[i].xxh64, path);
			else
				fprintf(mf, "-\t%s\n", path);
		}
		fclose(mf);
		rc = text ? write_list(rdir, k, text, err) : sk_error_set(err, SK_ENOMEM, "out of memory");
		free(text);
		if (rc < 0)
			goto out;
	}
	cmd[c++] = (char *)(uintptr_t)t->o->segmerge;
	cmd[c++] = partial;
	if (!t->o->verify)
		cmd[c++] = vflag;
	if (t->o->from != SK_FMT_AUTO) {
		snprintf(fromf, sizeof fromf, "--from=%s", sk_format_name(t->o->from));
		cmd[c++] = fromf;
	}
	/* One host sums every piece: its partial is the image. */
	if (nt == 1 && live_units(t) == 0)
		cmd[c++] = finalf;
	cmd[c] = NULL;
	if ((rc = kept_round(t, rdir, hosts, nt, cmd, khost, kpath, kbytes, khash, err)) < 0)
		goto out;
	for (size_t k = 0; k < nt; k++) {
		size_t u;
		if (!khost[k] || strcmp(khost[k], hosts[k]) != 0) {
			/* Its host did not answer (the task ran elsewhere, a
			 * skip, or not at all): the next copies. */
			hs_add(&t->down, hosts[k]);
			if (khost[k])
				hs_add(&t->used, khost[k]);
			continue;
		}
		if ((u = add_unit(t, khost[k], kpath[k], kbytes[k], khash[k], nt == 1 && live_units(t) == 0)) == SIZE_MAX) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < t->n; i++)
			if (t->owner[i] == SIZE_MAX && task_of[i] == k) {
				t->owner[i] = u;
				t->names[i] = t->pc[i].at[locs[i]];
			}
	}
out:
	for (size_t k = 0; k < t->n; k++) {
		free(hosts ? hosts[k] : NULL);
		free(khost ? khost[k] : NULL);
		free(kpath ? kpath[k] : NULL);
	}
	free(hosts);
	free(khost);
	free(kpath);
	free(kbytes);
	free(khash);
	free(task_of);
	free(locs);
	free(rdir);
	return rc;
}

/* A pair round: the live units in pairs (a, b); a's host reads b's
 * partial straight from b's host and merges the two (the last pair:
 * rounded).  An odd one waits for the next round. */
static int pair_round(struct tree *t, struct sk_error *err)
{
	size_t *live = calloc(t->nu, sizeof *live), nl = 0, np;
	char **hosts = NULL, **khost = NULL, **kpath = NULL, *rdir = NULL;
	int64_t *kbytes = NULL;
	uint64_t *khash = NULL;
	char pairf[] = "--pair={1}";
	char *cmd[3];
	int rc = 0, final;

	if (!live)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (size_t k = 0; k < t->nu; k++)
		if (t->u[k].live)
			live[nl++] = k;
	np = nl / 2;
	final = nl == 2;
	for (size_t i = 0; i < t->n && final; i++)
		final = t->owner[i] != SIZE_MAX;
	hosts = calloc(np, sizeof *hosts);
	khost = calloc(np, sizeof *khost);
	kpath = calloc(np, sizeof *kpath);
	kbytes = calloc(np, sizeof *kbytes);
	khash = calloc(np, sizeof *khash);
	if (!hosts || !khost || !kpath || !kbytes || !khash || !(rdir = round_dir(t, err))) {
		rc = rdir ? SK_EIO : sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < np; j++) {
		char ab[520], ba[520];
		const struct unit *a, *b;
		/* A direction that failed before: the other one. */
		snprintf(ab, sizeof ab, "%s\t%s", t->u[live[2 * j]].host, t->u[live[2 * j + 1]].host);
		snprintf(ba, sizeof ba, "%s\t%s", t->u[live[2 * j + 1]].host, t->u[live[2 * j]].host);
		if (hs_has(&t->noreach, ab) && !hs_has(&t->noreach, ba)) {
			const size_t x = live[2 * j];
			live[2 * j] = live[2 * j + 1];
			live[2 * j + 1] = x;
		}
		a = &t->u[live[2 * j]];
		b = &t->u[live[2 * j + 1]];
		char *text = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&text, &len);
		if (!mf || !(hosts[j] = strdup(a->host))) {
			if (mf)
				fclose(mf);
			free(text);
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		fprintf(mf, "npieces\t%zu\nfinal\t%d\nlauncher\t%s\nremote\t%s\n", t->n, final, launcher(t->o),
			t->o->segmerge);
		fprintf(mf, "self\t%" PRId64 "\t%016" PRIx64 "\t%s\n", a->bytes, a->xxh64, a->path);
		fprintf(mf, "peer\t%s\t%" PRId64 "\t%016" PRIx64 "\t%s\n", b->host, b->bytes, b->xxh64, b->path);
		fclose(mf);
		rc = text ? write_list(rdir, j, text, err) : sk_error_set(err, SK_ENOMEM, "out of memory");
		free(text);
		if (rc < 0)
			goto out;
	}
	cmd[0] = (char *)(uintptr_t)t->o->segmerge;
	cmd[1] = pairf;
	cmd[2] = NULL;
	if ((rc = kept_round(t, rdir, hosts, np, cmd, khost, kpath, kbytes, khash, err)) < 0)
		goto out;
	for (size_t j = 0; j < np; j++) {
		const size_t ka = live[2 * j], kb = live[2 * j + 1];
		size_t u;
		if (khost[j] && strcmp(khost[j], hosts[j]) == 0 &&
		    kbytes[j] != (int64_t)(strlen("SKPSUM1\nhost \nmiss\n") + strlen(hosts[j]))) {
			if ((u = add_unit(t, khost[j], kpath[j], kbytes[j], khash[j], final)) == SIZE_MAX) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto out;
			}
			t->u[ka].live = t->u[kb].live = 0;
			for (size_t i = 0; i < t->n; i++)
				if (t->owner[i] == ka || t->owner[i] == kb)
					t->owner[i] = u;
			continue;
		}
		if (khost[j] && strcmp(khost[j], hosts[j]) != 0) {
			/* It ran elsewhere: a's host is down. */
			hs_add(&t->used, khost[j]);
			hs_add(&t->down, t->u[ka].host);
			lose_unit(t, ka);
			continue;
		}
		/* It failed: a host lost, or hosts that do not reach one
		 * another (both partials still there, as seen from here). */
		{
			char wa[600] = "", wb[600] = "";
			const int oka = probe_unit(t, ka, wa, sizeof wa), okb = probe_unit(t, kb, wb, sizeof wb);
			char ab[520], ba[520];
			snprintf(ab, sizeof ab, "%s\t%s", t->u[ka].host, t->u[kb].host);
			snprintf(ba, sizeof ba, "%s\t%s", t->u[kb].host, t->u[ka].host);
			if (oka && okb && !hs_has(&t->noreach, ba)) {
				/* The other way round next. */
				hs_add(&t->noreach, ab);
			} else if (oka && okb) {
				if (!t->star)
					sk_warnx("%s and %s could not read each other's partial sums through '%s': the "
						 "partial sums come to this machine instead (hosts that reach one another "
						 "sum in a tree)", t->u[ka].host, t->u[kb].host, launcher(t->o));
				t->star = 1;
			}
			if (!oka)
				lost_unit(t, ka, wa);
			if (!okb)
				lost_unit(t, kb, wb);
		}
	}
out:
	for (size_t j = 0; j < np; j++) {
		free(hosts ? hosts[j] : NULL);
		free(khost ? khost[j] : NULL);
		free(kpath ? kpath[j] : NULL);
	}
	free(hosts);
	free(khost);
	free(kpath);
	free(kbytes);
	free(khash);
	free(live);
	free(rdir);
	return rc;
}

/* The live units' partials read here, straight from their hosts, and
 * combined into out.  1: a host failed before anything was written (its
 * pieces are summed again), 0 done, < 0 an error. */
static int fetch_combine(struct tree *t, const struct sk_wopts *wopts, const char *out, int64_t *traces,
			 struct sk_error *err)
{
	struct sk_hostfetch *f = calloc(t->nu, sizeof *f);
	FILE **fps = calloc(t->nu, sizeof *fps);
	const char **labels = calloc(t->nu, sizeof *labels);
	size_t *map = calloc(t->nu, sizeof *map), *part = calloc(t->n ? t->n : 1, sizeof *part), nf = 0;
	char (*lab)[300] = calloc(t->nu, sizeof *lab);
	int rc = 0, lost = 0;

	if (!f || !fps || !labels || !map || !part || !lab) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < t->nu; k++) {
		char b[3][PATH_MAX + 32], *w[8];
		if (!t->u[k].live)
			continue;
		cat_words(t, k, 0, w, b);
		if ((rc = sk_hostfetch_open(launcher(t->o), t->u[k].host, w, &f[nf], err)) < 0)
			goto out;
		snprintf(lab[nf], sizeof lab[nf], "%s:%s", t->u[k].host, t->u[k].path);
		labels[nf] = lab[nf];
		fps[nf] = f[nf].fp;
		map[k] = nf++;
	}
	for (size_t i = 0; i < t->n; i++)
		part[i] = map[t->owner[i]];
	rc = sk_psum_combine_fp(fps, labels, nf, part, t->names, t->n, wopts, out, traces, err);
	{
		/* What came here, for the record (STATE/fetched): each
		 * partial's host, path and bytes (checked by its sender). */
		char *fp = sk_path_join(t->dir, "fetched");
		FILE *rec = fp ? fopen(fp, "a") : NULL;
		for (size_t k = 0; rec && k < t->nu; k++)
			if (t->u[k].live)
				fprintf(rec, "%s\t%s\t%" PRId64 "\n", t->u[k].host, t->u[k].path, t->u[k].bytes);
		if (rec)
			fclose(rec);
		free(fp);
	}
	for (size_t j = 0, k = 0; j < nf; k++) {
		char msg[256];
		struct sk_error e;
		int s;
		if (!t->u[k].live)
			continue;
		const char *label = labels[j];
		s = sk_hostfetch_close(&f[j++], msg, sizeof msg, &e);
		/* A partial cut short because its host failed, not a problem
		 * in the data (those name a piece). */
		if (s != 0 && rc < 0 && strcmp(err->file, label) == 0) {
			/* The reading failed there, not the data. */
			lost_unit(t, k, msg);
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
		sk_hostfetch_close(&f[j], NULL, 0, &e);
	}
	free(f);
	free(fps);
	free(labels);
	free(map);
	free(part);
	free(lab);
	return rc;
}

/* Removes this sum's files on the hosts that may hold some (those not
 * down), a few hosts at a time. */
static void clean_hosts(struct tree *t)
{
	enum { WIDTH = 16 };
	struct sk_hostfetch f[WIDTH];
	char cl[64], *w[3];
	size_t k = 0;

	snprintf(cl, sizeof cl, "--clean=%s", t->id);
	w[0] = (char *)(uintptr_t)t->o->segmerge;
	w[1] = cl;
	w[2] = NULL;
	while (k < t->used.n) {
		size_t m = 0;
		for (; k < t->used.n && m < WIDTH; k++) {
			struct sk_error e;
			if (hs_has(&t->down, t->used.name[k]))
				continue;
			if (sk_hostfetch_open(launcher(t->o), t->used.name[k], w, &f[m], &e) == 0)
				m++;
		}
		for (size_t j = 0; j < m; j++) {
			struct sk_error e;
			sk_hostfetch_close(&f[j], NULL, 0, &e);
		}
	}
}

int remote_sum(const struct remote_opts *o, const struct rpiece *pc, size_t n, const struct sk_wopts *wopts,
	       const char *out, int64_t *traces, struct sk_error *err)
{
	struct tree t;
	int rc = 0;
	unsigned char rnd[8] = {0};
	FILE *ur;

	memset(&t, 0, sizeof t);
	t.o = o;
	t.pc = pc;
	t.n = n;
	t.star = o->star;
	t.dir = state_dir(o, err);
	t.owner = malloc((n ? n : 1) * sizeof *t.owner);
	t.names = calloc(n ? n : 1, sizeof *t.names);
	if (!t.dir || !t.owner || !t.names) {
		rc = t.dir ? sk_error_set(err, SK_ENOMEM, "out of memory") : SK_EIO;
		goto out;
	}
	if ((ur = fopen("/dev/urandom", "rb"))) {
		if (fread(rnd, 1, sizeof rnd, ur) != sizeof rnd)
			memset(rnd, 0, sizeof rnd);
		fclose(ur);
	}
	for (int k = 0; k < 8; k++)
		snprintf(t.id + 2 * k, 3, "%02x", rnd[k] ^ (k == 0 ? (unsigned)getpid() & 0xff : 0));
	for (size_t i = 0; i < n; i++)
		t.owner[i] = SIZE_MAX;
	for (;;) {
		size_t pending = 0, nl;
		for (size_t i = 0; i < n; i++)
			pending += t.owner[i] == SIZE_MAX;
		if (pending) {
			if ((rc = leaf_round(&t, err)) < 0)
				goto out;
			continue;
		}
		nl = live_units(&t);
		if (nl > 1 && !t.star) {
			if ((rc = pair_round(&t, err)) < 0)
				goto out;
			continue;
		}
		if ((rc = fetch_combine(&t, wopts, out, traces, err)) < 0)
			goto out;
		if (rc == 0)
			break;
	}
out:
	if (t.dir)
		clean_hosts(&t);
	for (size_t k = 0; k < t.nu; k++) {
		free(t.u[k].host);
		free(t.u[k].path);
	}
	free(t.u);
	free(t.owner);
	free(t.names);
	hs_free(&t.down);
	hs_free(&t.used);
	hs_free(&t.noreach);
	if (t.dir && !o->state)
		rm_tree(t.dir);
	free(t.dir);
	return rc;
}

void remote_rmdir(char *tmpdir)
{
	if (tmpdir)
		rm_tree(tmpdir);
	free(tmpdir);
}

int remote_fetch(const struct remote_opts *o, const struct rpiece *pc, size_t n, char ***paths,
		 char **tmpdir, struct sk_error *err)
{
	char *dir = state_dir(o, err), *rdir = NULL, **hosts = calloc(n ? n : 1, sizeof *hosts);
	char **out = calloc(n ? n : 1, sizeof *out);
	char fetch[] = "--fetch";
	char *cmd[3];
	int rc = 0;

	*paths = NULL;
	*tmpdir = NULL;
	if (!dir || !hosts || !out) {
		rc = dir ? sk_error_set(err, SK_ENOMEM, "out of memory") : SK_EIO;
		goto out;
	}
	if (!(rdir = sk_path_join(dir, "fetch")) || sk_file_mkdirs(rdir, 0777, err) < 0) {
		rc = rdir ? SK_EIO : sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	/* One task a piece, on any host that holds a copy (--where lists
	 * them all), its locations on standard input. */
	for (size_t i = 0; i < n && rc == 0; i++) {
		char num[32], *lp, h[256], list[4096] = "";
		size_t off = 0;
		FILE *fp;
		snprintf(num, sizeof num, "%zu.list", i + 1);
		if (!(lp = sk_path_join(rdir, num)) || !(fp = fopen(lp, "w"))) {
			rc = lp ? sk_error_sys_at(err, lp) : sk_error_set(err, SK_ENOMEM, "out of memory");
			free(lp);
			break;
		}
		for (int k = 0; k < pc[i].nat; k++) {
			const char *path;
			if (split_loc(pc[i].at[k], h, sizeof h, &path, err) < 0) {
				rc = sk_error_at(err, err->code, pc[i].at[k]);
				break;
			}
			fprintf(fp, "%s\t%s\n", h, path);
			off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", k ? "," : "", h);
			if (off >= sizeof list)
				off = sizeof list - 1;
		}
		if (fclose(fp) != 0 && rc == 0)
			rc = sk_error_sys_at(err, lp);
		free(lp);
		if (rc == 0 && !(hosts[i] = strdup(list)))
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	if (rc < 0)
		goto out;
	cmd[0] = (char *)(uintptr_t)o->segmerge;
	cmd[1] = fetch;
	cmd[2] = NULL;
	if ((rc = run_round(o, rdir, hosts, n, "{1}", NULL, cmd, err)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char num[32];
		uint64_t h = 0, size = 0;
		snprintf(num, sizeof num, "%zu.out", i + 1);
		if (!(out[i] = sk_path_join(rdir, num))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto out;
		}
		/* The copy read must be the piece: its size, and its xxh64
		 * unless -n. */
		if (o->verify && pc[i].has_xxh64) {
			if ((rc = sk_file_xxh64(out[i], &h, &size, err)) < 0)
				goto out;
		} else {
			struct stat st;
			if (stat(out[i], &st) != 0) {
				rc = sk_error_sys_at(err, out[i]);
				goto out;
			}
			size = (uint64_t)st.st_size;
		}
		if (pc[i].bytes >= 0 && size != (uint64_t)pc[i].bytes) {
			rc = sk_error_at(err, sk_error_set(err, SK_ESTATE, "%" PRIu64 " bytes, the manifest says %" PRId64
							   " (%s)", size, pc[i].bytes,
							   size < (uint64_t)pc[i].bytes ? "truncated" : "longer than written"),
					 pc[i].at[0]);
			goto out;
		}
		if (o->verify && pc[i].has_xxh64 && h != pc[i].xxh64) {
			rc = sk_error_at(err, sk_error_set(err, SK_ESTATE, "xxh64 %016" PRIx64 ", the manifest says %016" PRIx64
							   " (changed since the split, or a piece of another split)",
							   h, pc[i].xxh64), pc[i].at[0]);
			goto out;
		}
	}
	*paths = out;
	out = NULL;
	if (!o->state) {
		*tmpdir = dir;
		dir = NULL;
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(hosts ? hosts[i] : NULL);
		free(out ? out[i] : NULL);
	}
	free(hosts);
	free(out);
	free(rdir);
	if (dir && !o->state)
		rm_tree(dir);
	free(dir);
	return rc;
}

int remote_kept(const char *taskrun, const char *state, struct rpiece **out, size_t *n, struct sk_error *err)
{
	char *argv[] = {(char *)(uintptr_t)taskrun, (char *)(uintptr_t)"kept", (char *)(uintptr_t)state, NULL};
	char *text = NULL, *line, *save = NULL;
	struct rpiece *p = NULL;
	size_t np = 0;
	int st;

	*out = NULL;
	*n = 0;
	if ((st = sk_subproc_run(argv, &text, err)) != 0 || !text) {
		free(text);
		return st < 0 ? SK_EIO : sk_error_at(err, sk_error_set(err, SK_EIO, "taskrun kept exited with status %d", st), state);
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char host[256], hash[17], path[PATH_MAX];
		unsigned long long size;
		long t;
		struct rpiece *q;
		if (sscanf(line, "%ld\t%255[^\t]\t%llu\t%16[0-9a-f]\t%4095[^\n]", &t, host, &size, hash, path) != 5) {
			remote_pieces_free(p, np);
			free(text);
			return sk_error_at(err, sk_error_set(err, SK_EFMT, "taskrun kept: unexpected line '%s'", line), state);
		}
		if (!(q = realloc(p, (np + 1) * sizeof *p)))
			goto nomem;
		p = q;
		memset(&p[np], 0, sizeof p[np]);
		p[np].bytes = (int64_t)size;
		p[np].xxh64 = strtoull(hash, NULL, 16);
		p[np].has_xxh64 = 1;
		if (!(p[np].at = malloc(sizeof *p[np].at)) ||
		    !(p[np].at[0] = malloc(strlen(host) + strlen(path) + 2))) {
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
	remote_pieces_free(p, np);
	free(text);
	return sk_error_set(err, SK_ENOMEM, "out of memory");
}

int remote_partial(const char *want, int from, int verify, int final, struct sk_error *err)
{
	const char *me = getenv("TASKRUN_HOST");
	struct sk_psum_piece *pcs;
	size_t n;
	int rc;

	if (!me || !*me)
		return sk_error_set(err, SK_EARG, "--partial runs as a task of taskrun (TASKRUN_HOST is not set)");
	if ((rc = sk_psum_pieces_read(stdin, &pcs, &n, err)) < 0)
		return sk_error_at(err, rc, "<stdin>");
	rc = sk_psum_host(want, me, pcs, n, getenv("TASKRUN_KEEP_DIR"), from, verify, final, stdout, err);
	sk_psum_pieces_free(pcs, n);
	return sk_error_at(err, rc, "<stdout>");
}

int remote_fetch_one(struct sk_error *err)
{
	const char *me = getenv("TASKRUN_HOST"), *base = getenv("TASKRUN_KEEP_DIR");
	char *line = NULL, *path = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	char buf[1 << 16];
	size_t k;
	int rc = 0;

	if (!me || !*me)
		return sk_error_set(err, SK_EARG, "--fetch runs as a task of taskrun (TASKRUN_HOST is not set)");
	while (!path && (len = getline(&line, &cap, stdin)) > 0) {
		char *tab = strchr(line, '\t');
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (tab && (size_t)(tab - line) == strlen(me) && strncmp(line, me, strlen(me)) == 0) {
			const char *p = tab + 1;
			if (p[0] != '/' && base && *base)
				path = sk_path_join(base, p);
			else
				path = strdup(p);
		}
	}
	free(line);
	if (!path)
		return sk_error_set(err, SK_ESTATE, "%s holds no copy of this piece", me);
	if (!(fp = fopen(path, "rb"))) {
		rc = sk_error_sys_at(err, path);
		free(path);
		return rc;
	}
	while ((k = fread(buf, 1, sizeof buf, fp)) > 0)
		if (fwrite(buf, 1, k, stdout) != k) {
			rc = sk_error_sys_at(err, "<stdout>");
			break;
		}
	if (rc == 0 && ferror(fp))
		rc = sk_error_sys_at(err, path);
	fclose(fp);
	free(path);
	if (rc == 0 && fflush(stdout) != 0)
		rc = sk_error_sys_at(err, "<stdout>");
	return rc;
}

/* A path on this host: relative ones start at TASKRUN_KEEP_DIR when set
 * (where taskrun --keep put them), else here. */
static char *host_path(const char *p)
{
	const char *base = getenv("TASKRUN_KEEP_DIR");

	if (p[0] != '/' && base && *base)
		return sk_path_join(base, p);
	return strdup(p);
}

int remote_pair(const char *want, struct sk_error *err)
{
	const char *me = getenv("TASKRUN_HOST");
	char *line = NULL, *launch = NULL, *rem = NULL, *self = NULL, *peer = NULL, *ppath = NULL;
	char *selfp = NULL;
	int64_t sbytes = -1, pbytes = -1;
	uint64_t shash = 0, phash = 0;
	size_t cap = 0, npieces = 0;
	int final = 0, rc = 0, st;
	ssize_t len;
	struct sk_hostfetch f;
	FILE *in[2] = {NULL, NULL};
	const char *labels[2];
	char lab[2][300], b[3][PATH_MAX + 32], *w[6], msg[512];

	if (!me || !*me)
		return sk_error_set(err, SK_EARG, "--pair runs as a task of taskrun (TASKRUN_HOST is not set)");
	if (strcmp(want, me) != 0) {
		/* Taskrun ran it elsewhere: its host is down. */
		printf("SKPSUM1\nhost %s\nskip\n", me);
		return fflush(stdout) == 0 ? 0 : sk_error_sys_at(err, "<stdout>");
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		char *tab = strchr(line, '\t'), *v;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!tab)
			continue;
		*tab = '\0';
		v = tab + 1;
		if (strcmp(line, "npieces") == 0)
			npieces = (size_t)strtoull(v, NULL, 10);
		else if (strcmp(line, "final") == 0)
			final = atoi(v) != 0;
		else if (strcmp(line, "launcher") == 0)
			launch = strdup(v);
		else if (strcmp(line, "remote") == 0)
			rem = strdup(v);
		else if (strcmp(line, "self") == 0) {
			char *p1 = strchr(v, '\t'), *p2 = p1 ? strchr(p1 + 1, '\t') : NULL;
			if (p2) {
				sbytes = strtoll(v, NULL, 10);
				shash = strtoull(p1 + 1, NULL, 16);
				self = strdup(p2 + 1);
			}
		} else if (strcmp(line, "peer") == 0) {
			char *p1 = strchr(v, '\t'), *p2 = p1 ? strchr(p1 + 1, '\t') : NULL;
			char *p3 = p2 ? strchr(p2 + 1, '\t') : NULL;
			if (p3) {
				*p1 = '\0';
				peer = strdup(v);
				pbytes = strtoll(p1 + 1, NULL, 10);
				phash = strtoull(p2 + 1, NULL, 16);
				ppath = strdup(p3 + 1);
			}
		}
	}
	free(line);
	if (!launch || !rem || !self || !peer || !ppath || npieces == 0) {
		rc = sk_error_set(err, SK_EFMT, "a pair list needs npieces, launcher, remote, self and peer lines");
		goto out;
	}
	if (!(selfp = host_path(self))) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = sk_hostfetch_send(selfp, sbytes, 1, shash, NULL, err)) < 0)
		goto out;
	if (!(in[0] = fopen(selfp, "rb"))) {
		rc = sk_error_sys_at(err, selfp);
		goto out;
	}
	snprintf(b[0], sizeof b[0], "--cat=%s", ppath);
	snprintf(b[1], sizeof b[1], "--bytes=%" PRId64, pbytes);
	snprintf(b[2], sizeof b[2], "--xxh64=%016" PRIx64, phash);
	w[0] = rem;
	w[1] = b[0];
	w[2] = b[1];
	w[3] = b[2];
	w[4] = NULL;
	if ((rc = sk_hostfetch_open(launch, peer, w, &f, err)) < 0)
		goto out;
	in[1] = f.fp;
	{
		/* Nothing from the peer (it sends only once its partial
		 * checked out): this host cannot read it.  A short "miss"
		 * partial says so, which the controller knows by its size,
		 * and finds out from here why (a host lost, or hosts that do
		 * not reach one another). */
		const int c = fgetc(f.fp);
		if (c == EOF) {
			sk_hostfetch_close(&f, msg, sizeof msg, err);
			printf("SKPSUM1\nhost %s\nmiss\n", me);
			if (fflush(stdout) != 0)
				rc = sk_error_sys_at(err, "<stdout>");
			goto out;
		}
		ungetc(c, f.fp);
	}
	snprintf(lab[0], sizeof lab[0], "%s:%s", me, self);
	snprintf(lab[1], sizeof lab[1], "%s:%s", peer, ppath);
	labels[0] = lab[0];
	labels[1] = lab[1];
	rc = sk_psum_merge(in, labels, 2, npieces, me, final, stdout, err);
	st = sk_hostfetch_close(&f, msg, sizeof msg, err);
	if (st != 0) {
		/* The peer's bytes did not all come: say why. */
		rc = sk_error_at(err, sk_error_set(err, SK_EIO, "could not read %s's partial sum through '%s' (status %d)%s%s",
						   peer, launch, st, *msg ? ": " : "", msg), me);
	}
out:
	if (in[0])
		fclose(in[0]);
	free(launch);
	free(rem);
	free(self);
	free(selfp);
	free(peer);
	free(ppath);
	return rc;
}

int remote_cat(const char *path, int64_t bytes, const char *hash, int probe, struct sk_error *err)
{
	char *p = host_path(path), *end = NULL;
	uint64_t h = 0;
	int rc;

	if (!p)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (hash) {
		h = strtoull(hash, &end, 16);
		if (!*hash || *end) {
			free(p);
			return sk_error_set(err, SK_EARG, "--xxh64: '%s' is not 16 hex digits", hash);
		}
	}
	rc = sk_hostfetch_send(p, bytes, hash != NULL, h, probe ? NULL : stdout, err);
	free(p);
	return rc;
}

int remote_clean(const char *id, struct sk_error *err)
{
	char *rel, *dir;
	DIR *d;
	struct dirent *e;

	/* Only a directory this program made: .segmerge/<16 hex digits>. */
	if (strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16)
		return sk_error_set(err, SK_EARG, "--clean: '%s' is not a sum's id", id);
	if (!(rel = sk_path_join(".segmerge", id)) || !(dir = host_path(rel))) {
		free(rel);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	free(rel);
	if ((d = opendir(dir))) {
		/* Its kept partials and taskrun's temporaries beside them. */
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
				char *f = sk_path_join(dir, e->d_name);
				if (f)
					unlink(f);
				free(f);
			}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
	/* .segmerge itself, when no other sum uses it. */
	if ((dir = host_path(".segmerge"))) {
		rmdir(dir);
		free(dir);
	}
	return 0;
}
