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
#include "subproc.h"

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
static char *state_dir(const struct sk_ptree_opts *o, struct sk_error *err)
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
static int run_round(const struct sk_ptree_opts *o, const char *dir, char **hosts, size_t nt, const char *where,
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

void remote_rmdir(char *tmpdir)
{
	if (tmpdir)
		rm_tree(tmpdir);
	free(tmpdir);
}

int remote_fetch(const struct sk_ptree_opts *o, const struct sk_ptree_piece *pc, size_t n, char ***paths,
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
