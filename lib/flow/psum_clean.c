/*
 * psum_clean: a tree sum's files on the hosts removed at its end (segmerge
 * --clean=ID there, through the launcher), and those of hosts that did not
 * answer then, recorded in the state directory and removed by the next sum
 * on it (psum_tree.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hostfetch.h"
#include "psum_tree.h"
#include "psum_tree_int.h"

/* Runs SEGMERGE --clean=ID on host hosts[k] (ids[k] the sum) for each k
 * below n, a few hosts at a time; ok[k]: it answered with status 0. */
static void clean_on(const struct sk_ptree_opts *o, char *const *hosts, char *const *ids, size_t n, int *ok)
{
	enum { WIDTH = 16 };
	struct sk_hostfetch f[WIDTH];
	size_t which[WIDTH], k = 0;

	while (k < n) {
		size_t m = 0;
		for (; k < n && m < WIDTH; k++) {
			char cl[64], *w[3];
			struct sk_error e;
			snprintf(cl, sizeof cl, "--clean=%s", ids[k]);
			w[0] = (char *)(uintptr_t)o->segmerge;
			w[1] = cl;
			w[2] = NULL;
			ok[k] = 0;
			if (sk_hostfetch_open(sk_ptree_launcher(o), hosts[k], w, &f[m], &e) == 0)
				which[m++] = k;
		}
		for (size_t j = 0; j < m; j++) {
			struct sk_error e;
			ok[which[j]] = sk_hostfetch_close(&f[j], NULL, 0, &e) == 0;
		}
	}
}

/*
 * STATE/leftovers: "HOST<TAB>ID" lines, the sums whose files stay on a host
 * that did not answer at their end.  A sum on that state directory first
 * removes them from the hosts that answer now, and keeps the lines of the
 * others.
 */
void sk_ptree_leftovers_retry(const struct sk_ptree_opts *o, const char *dir)
{
	char *path = sk_path_join(dir, "leftovers"), *tmp = sk_path_join(dir, ".leftovers.new");
	char line[512], **hosts = NULL, **ids = NULL;
	size_t n = 0, cap = 0;
	int *ok = NULL;
	FILE *fp;

	if (!path || !tmp || !(fp = fopen(path, "r"))) {
		free(path);
		free(tmp);
		return;
	}
	while (fgets(line, sizeof line, fp)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		if (!tab || !nl)
			continue;
		*tab = *nl = '\0';
		if (n == cap) {
			char **h2 = realloc(hosts, (cap * 2 + 8) * sizeof *h2), **i2;
			if (!h2)
				break;
			hosts = h2;
			if (!(i2 = realloc(ids, (cap * 2 + 8) * sizeof *i2)))
				break;
			ids = i2;
			cap = cap * 2 + 8;
		}
		if (!(hosts[n] = strdup(line)) || !(ids[n] = strdup(tab + 1))) {
			free(hosts[n]);
			break;
		}
		n++;
	}
	fclose(fp);
	if (n > 0 && (ok = calloc(n, sizeof *ok))) {
		size_t left = 0;
		clean_on(o, hosts, ids, n, ok);
		for (size_t k = 0; k < n; k++)
			left += !ok[k];
		if (left == 0) {
			unlink(path);
		} else if ((fp = fopen(tmp, "w"))) {
			for (size_t k = 0; k < n; k++)
				if (!ok[k])
					fprintf(fp, "%s\t%s\n", hosts[k], ids[k]);
			if (fclose(fp) == 0)
				rename(tmp, path);
			else
				unlink(tmp);
		}
	}
	for (size_t k = 0; k < n; k++) {
		free(hosts[k]);
		free(ids[k]);
	}
	free(hosts);
	free(ids);
	free(ok);
	free(path);
	free(tmp);
}

/* Removes this sum's files on the hosts that may hold some (every host
 * used), a few hosts at a time; those of the hosts that are down, or do
 * not answer, stay: recorded in STATE/leftovers with --state, else said. */
void sk_ptree_clean_hosts(struct sk_ptree *t)
{
	char **hosts = calloc(t->used.n + 1, sizeof *hosts), **ids = calloc(t->used.n + 1, sizeof *ids);
	int *ok = calloc(t->used.n + 1, sizeof *ok);
	size_t n = 0;
	FILE *fp = NULL;

	if (!hosts || !ids || !ok)
		goto out;
	for (size_t k = 0; k < t->used.n; k++)
		if (!sk_hostset_has(&t->down, t->used.name[k])) {
			hosts[n] = t->used.name[k];
			ids[n++] = t->id;
		}
	clean_on(t->o, hosts, ids, n, ok);
	for (size_t k = 0; k < t->used.n; k++) {
		const char *h = t->used.name[k];
		size_t j;
		for (j = 0; j < n && hosts[j] != h; j++)
			;
		if (j < n && ok[j])
			continue;
		if (t->o->state) {
			char *path = fp ? NULL : sk_path_join(t->dir, "leftovers");
			if (!fp && (!path || !(fp = fopen(path, "a")))) {
				free(path);
				break;
			}
			free(path);
			fprintf(fp, "%s\t%s\n", h, t->id);
		} else if (t->o->warn) {
			char msg[600];
			snprintf(msg, sizeof msg, "%s: did not answer at the end: this sum's files stay in .segmerge/%s there "
				 "(with --state, the next sum on that directory removes them)", h, t->id);
			t->o->warn(t->o->warn_arg, msg);
		}
	}
	if (fp)
		fclose(fp);
out:
	free(hosts);
	free(ids);
	free(ok);
}
