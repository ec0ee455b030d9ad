/*
 * The tree's planning (psum_tree_int.h): which host sums which pieces, who
 * pairs with whom, what each task is told, and what a failed pair means.
 * No process is started here.
 */
#include "psum_tree_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

int sk_hostset_has(const struct sk_hostset *s, const char *h)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->name[i], h) == 0)
			return 1;
	return 0;
}

int sk_hostset_add(struct sk_hostset *s, const char *h)
{
	if (sk_hostset_has(s, h))
		return 0;
	if (s->n == s->cap) {
		char **nn = realloc(s->name, (s->cap ? 2 * s->cap : 8) * sizeof *nn);
		if (!nn)
			return -1;
		s->name = nn;
		s->cap = s->cap ? 2 * s->cap : 8;
	}
	return (s->name[s->n] = strdup(h)) ? (int)(s->n++, 0) : -1;
}

void sk_hostset_free(struct sk_hostset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->name[i]);
	free(s->name);
	memset(s, 0, sizeof *s);
}

int sk_ptree_init(struct sk_ptree *t, const struct sk_ptree_opts *o, const struct sk_ptree_piece *pc, size_t n,
		  const char *id, struct sk_error *err)
{
	memset(t, 0, sizeof *t);
	t->o = o;
	t->pc = pc;
	t->n = n;
	t->star = o->star;
	snprintf(t->id, sizeof t->id, "%s", id);
	t->owner = malloc((n ? n : 1) * sizeof *t->owner);
	t->names = calloc(n ? n : 1, sizeof *t->names);
	if (!t->owner || !t->names) {
		sk_ptree_release(t);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		t->owner[i] = SIZE_MAX;
	return 0;
}

void sk_ptree_release(struct sk_ptree *t)
{
	for (size_t k = 0; k < t->nu; k++) {
		free(t->u[k].host);
		free(t->u[k].path);
	}
	free(t->u);
	free(t->owner);
	free(t->names);
	sk_hostset_free(&t->down);
	sk_hostset_free(&t->used);
	sk_hostset_free(&t->noreach);
	free(t->dir);
	t->u = NULL;
	t->owner = NULL;
	t->names = NULL;
	t->dir = NULL;
	t->nu = t->ucap = 0;
}

const char *sk_ptree_launcher(const struct sk_ptree_opts *o)
{
	return o->ssh ? o->ssh : SK_PTREE_LAUNCHER;
}

int sk_ptree_pick(const struct sk_ptree_piece *p, const struct sk_hostset *down, char *host, size_t len,
		  const char **path)
{
	struct sk_error e;

	for (int k = 0; k < p->nat; k++)
		if (sk_manifest_loc(p->at[k], host, len, path, &e) == 0 && !sk_hostset_has(down, host))
			return k;
	return -1;
}

int sk_ptree_no_host(const struct sk_ptree_piece *p, struct sk_error *err)
{
	char hosts[512];

	return sk_error_at(err, sk_error_set(err, SK_EIO, "no host that holds it answered (%s)",
					      sk_manifest_loc_hosts(p->at, p->nat, hosts, sizeof hosts)),
			   p->at[0]);
}

/* A new unit at t->u[t->nu], zeroed, with copies of host and path; NULL
 * when memory runs out (nothing added).  The caller counts it in t->nu. */
static struct sk_ptree_unit *unit_new(struct sk_ptree *t, const char *host, const char *path)
{
	struct sk_ptree_unit *u;

	if (t->nu == t->ucap) {
		struct sk_ptree_unit *nu = realloc(t->u, (t->ucap ? 2 * t->ucap : 8) * sizeof *nu);
		if (!nu)
			return NULL;
		t->u = nu;
		t->ucap = t->ucap ? 2 * t->ucap : 8;
	}
	u = &t->u[t->nu];
	memset(u, 0, sizeof *u);
	u->host = strdup(host);
	u->path = strdup(path);
	if (!u->host || !u->path) {
		free(u->host);
		free(u->path);
		return NULL;
	}
	return u;
}

size_t sk_ptree_add_unit(struct sk_ptree *t, const char *host, const char *path, int64_t bytes, uint64_t hash,
			 int final)
{
	struct sk_ptree_unit *u = unit_new(t, host, path);

	if (!u)
		return SIZE_MAX;
	u->bytes = bytes;
	u->xxh64 = hash;
	u->final = final;
	u->live = 1;
	if (sk_hostset_add(&t->used, host) < 0) {
		free(u->host);
		free(u->path);
		return SIZE_MAX;
	}
	return t->nu++;
}

void sk_ptree_lose_unit(struct sk_ptree *t, size_t k)
{
	t->u[k].live = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->owner[i] == k)
			t->owner[i] = SIZE_MAX;
}

size_t sk_ptree_live_units(const struct sk_ptree *t)
{
	size_t m = 0;

	for (size_t k = 0; k < t->nu; k++)
		m += t->u[k].live;
	return m;
}

size_t sk_ptree_host_units(const struct sk_ptree *t)
{
	size_t m = 0;

	for (size_t k = 0; k < t->nu; k++)
		m += t->u[k].live && !t->u[k].here;
	return m;
}

size_t sk_ptree_add_here(struct sk_ptree *t, const char *path)
{
	struct sk_ptree_unit *u = unit_new(t, ":", path);
	const size_t k = t->nu;

	if (!u)
		return SIZE_MAX;
	u->bytes = -1;
	u->live = u->here = 1;
	/* Not in t->used: no host has files of it to remove. */
	for (size_t i = 0; i < t->n; i++)
		if (t->pc[i].nat == 0 && t->owner[i] == SIZE_MAX) {
			t->owner[i] = k;
			t->names[i] = t->pc[i].at[0];
		}
	t->nu++;
	return k;
}

size_t sk_ptree_pending(const struct sk_ptree *t)
{
	size_t m = 0;

	for (size_t i = 0; i < t->n; i++)
		m += t->owner[i] == SIZE_MAX;
	return m;
}

int sk_ptree_leaf_plan(const struct sk_ptree *t, char **hosts, size_t *nt, size_t *task_of, int *locs,
		       struct sk_error *err)
{
	*nt = 0;
	for (size_t i = 0; i < t->n; i++) {
		char h[256];
		const char *path;
		size_t k;
		if (t->owner[i] != SIZE_MAX)
			continue;
		if ((locs[i] = sk_ptree_pick(&t->pc[i], &t->down, h, sizeof h, &path)) < 0)
			return sk_ptree_no_host(&t->pc[i], err);
		for (k = 0; k < *nt && strcmp(hosts[k], h) != 0; k++)
			;
		if (k == *nt) {
			if (!(hosts[*nt] = strdup(h)))
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			++*nt;
		}
		task_of[i] = k;
	}
	return 0;
}

int sk_ptree_leaf_list(const struct sk_ptree *t, size_t k, const size_t *task_of, const int *locs, char **text,
		       struct sk_error *err)
{
	size_t len = 0;
	FILE *mf = open_memstream(text, &len);

	*text = NULL;
	if (!mf)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		char h[256];
		const char *path = "";
		struct sk_error e;
		if (t->owner[i] != SIZE_MAX || task_of[i] != k)
			continue;
		sk_manifest_loc(t->pc[i].at[locs[i]], h, sizeof h, &path, &e);
		if (t->pc[i].bytes >= 0)
			fprintf(mf, "%zu\t%" PRId64 "\t", i, t->pc[i].bytes);
		else
			fprintf(mf, "%zu\t-\t", i);
		if (t->pc[i].has_xxh64)
			fprintf(mf, "%016" PRIx64 "\t%s\n", t->pc[i].xxh64, path);
		else
			fprintf(mf, "-\t%s\n", path);
	}
	if (fclose(mf) != 0 || !*text) {
		free(*text);
		*text = NULL;
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int sk_ptree_leaf_words(const struct sk_ptree *t, size_t nt, char **cmd, char *fromf)
{
	int c = 0;

	cmd[c++] = (char *)(uintptr_t)t->o->segmerge;
	cmd[c++] = (char *)(uintptr_t)"--partial={1}";
	if (!t->o->verify)
		cmd[c++] = (char *)(uintptr_t)"--no-verify";
	if (t->o->from != SK_FMT_AUTO) {
		snprintf(fromf, 32, "--from=%s", sk_format_name(t->o->from));
		cmd[c++] = fromf;
	}
	/* One host sums every piece: its partial is the image. */
	if (nt == 1 && sk_ptree_live_units(t) == 0)
		cmd[c++] = (char *)(uintptr_t)"--final";
	cmd[c] = NULL;
	return c;
}

size_t sk_ptree_pair_plan(const struct sk_ptree *t, size_t *live, int *final)
{
	size_t nl = 0, np;
	int here = 0;

	for (size_t k = 0; k < t->nu; k++) {
		here |= t->u[k].live && t->u[k].here;
		if (t->u[k].live && !t->u[k].here)
			live[nl++] = k;
	}
	np = nl / 2;
	/* With pieces here, the hosts' last partial keeps its exact terms:
	 * this machine adds its own and rounds. */
	*final = nl == 2 && sk_ptree_pending(t) == 0 && !here;
	for (size_t j = 0; j < np; j++) {
		char ab[520], ba[520];
		/* A direction that failed before: the other one. */
		snprintf(ab, sizeof ab, "%s\t%s", t->u[live[2 * j]].host, t->u[live[2 * j + 1]].host);
		snprintf(ba, sizeof ba, "%s\t%s", t->u[live[2 * j + 1]].host, t->u[live[2 * j]].host);
		if (sk_hostset_has(&t->noreach, ab) && !sk_hostset_has(&t->noreach, ba)) {
			const size_t x = live[2 * j];
			live[2 * j] = live[2 * j + 1];
			live[2 * j + 1] = x;
		}
	}
	return np;
}

int sk_ptree_pair_list(const struct sk_ptree *t, size_t a, size_t b, int final, char **text, struct sk_error *err)
{
	const struct sk_ptree_unit *ua = &t->u[a], *ub = &t->u[b];
	size_t len = 0;
	FILE *mf = open_memstream(text, &len);

	*text = NULL;
	if (!mf)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	fprintf(mf, "npieces\t%zu\nfinal\t%d\nlauncher\t%s\nremote\t%s\n", t->n, final, sk_ptree_launcher(t->o),
		t->o->segmerge);
	fprintf(mf, "self\t%" PRId64 "\t%016" PRIx64 "\t%s\n", ua->bytes, ua->xxh64, ua->path);
	fprintf(mf, "peer\t%s\t%" PRId64 "\t%016" PRIx64 "\t%s\n", ub->host, ub->bytes, ub->xxh64, ub->path);
	if (fclose(mf) != 0 || !*text) {
		free(*text);
		*text = NULL;
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

int sk_ptree_pair_read(FILE *in, struct sk_ptree_pairlist *pl, struct sk_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	memset(pl, 0, sizeof *pl);
	pl->sbytes = pl->pbytes = -1;
	while ((len = getline(&line, &cap, in)) > 0) {
		char *tab = strchr(line, '\t'), *v;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!tab)
			continue;
		*tab = '\0';
		v = tab + 1;
		if (strcmp(line, "npieces") == 0) {
			pl->npieces = (size_t)strtoull(v, NULL, 10);
		} else if (strcmp(line, "final") == 0) {
			pl->final = strcmp(v, "0") != 0;
		} else if (strcmp(line, "launcher") == 0) {
			free(pl->launch);
			pl->launch = strdup(v);
		} else if (strcmp(line, "remote") == 0) {
			free(pl->rem);
			pl->rem = strdup(v);
		} else if (strcmp(line, "self") == 0) {
			char *p1 = strchr(v, '\t'), *p2 = p1 ? strchr(p1 + 1, '\t') : NULL;
			if (p2) {
				pl->sbytes = strtoll(v, NULL, 10);
				pl->shash = strtoull(p1 + 1, NULL, 16);
				free(pl->self);
				pl->self = strdup(p2 + 1);
			}
		} else if (strcmp(line, "peer") == 0) {
			char *p1 = strchr(v, '\t'), *p2 = p1 ? strchr(p1 + 1, '\t') : NULL;
			char *p3 = p2 ? strchr(p2 + 1, '\t') : NULL;
			if (p3) {
				*p1 = '\0';
				free(pl->peer);
				free(pl->ppath);
				pl->peer = strdup(v);
				pl->pbytes = strtoll(p1 + 1, NULL, 10);
				pl->phash = strtoull(p2 + 1, NULL, 16);
				pl->ppath = strdup(p3 + 1);
			}
		}
	}
	free(line);
	if (!pl->launch || !pl->rem || !pl->self || !pl->peer || !pl->ppath || pl->npieces == 0) {
		sk_ptree_pair_release(pl);
		return sk_error_set(err, SK_EFMT, "a pair list needs npieces, launcher, remote, self and peer lines");
	}
	return 0;
}

void sk_ptree_pair_release(struct sk_ptree_pairlist *pl)
{
	free(pl->launch);
	free(pl->rem);
	free(pl->self);
	free(pl->peer);
	free(pl->ppath);
	pl->launch = pl->rem = pl->self = pl->peer = pl->ppath = NULL;
}

int64_t sk_ptree_miss_bytes(const char *host)
{
	return (int64_t)(strlen("SKPSUM1\nhost \nmiss\n") + strlen(host));
}

void sk_ptree_cat_words(const char *segmerge, const char *path, int64_t bytes, uint64_t xxh64, int probe,
			char **w, char b[3][SK_PTREE_WORDLEN])
{
	int a = 0;

	snprintf(b[0], SK_PTREE_WORDLEN, "--cat=%s", path);
	snprintf(b[1], SK_PTREE_WORDLEN, "--bytes=%" PRId64, bytes);
	snprintf(b[2], SK_PTREE_WORDLEN, "--xxh64=%016" PRIx64, xxh64);
	w[a++] = (char *)(uintptr_t)segmerge;
	w[a++] = b[0];
	w[a++] = b[1];
	w[a++] = b[2];
	if (probe)
		w[a++] = (char *)(uintptr_t)"--probe";
	w[a] = NULL;
}

static void say(const struct sk_ptree *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const struct sk_ptree *t, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!t->o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->o->warn(t->o->warn_arg, msg);
}

void sk_ptree_lost_unit(struct sk_ptree *t, size_t k, const char *why)
{
	say(t, "%s: its partial sum cannot be read%s%s: its pieces are summed again from their copies", t->u[k].host,
	    *why ? ": " : "", why);
	sk_hostset_add(&t->down, t->u[k].host);
	sk_ptree_lose_unit(t, k);
}

void sk_ptree_pair_failed(struct sk_ptree *t, size_t a, size_t b, int oka, const char *wa, int okb, const char *wb)
{
	char ab[520], ba[520];

	snprintf(ab, sizeof ab, "%s\t%s", t->u[a].host, t->u[b].host);
	snprintf(ba, sizeof ba, "%s\t%s", t->u[b].host, t->u[a].host);
	if (oka && okb && !sk_hostset_has(&t->noreach, ba)) {
		/* The other way round next. */
		sk_hostset_add(&t->noreach, ab);
	} else if (oka && okb) {
		if (!t->star)
			say(t, "%s and %s could not read each other's partial sums through '%s': the partial sums come "
			    "to this machine instead (hosts that reach one another sum in a tree)", t->u[a].host,
			    t->u[b].host, sk_ptree_launcher(t->o));
		t->star = 1;
	}
	if (!oka)
		sk_ptree_lost_unit(t, a, wa);
	if (!okb)
		sk_ptree_lost_unit(t, b, wb);
}
