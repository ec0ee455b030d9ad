/*
 * A host's steps of the tree (psum_tree.h): what segmerge --partial,
 * --pair, --cat and --clean do there.
 */
#include "psum_tree.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hostfetch.h"
#include "psum.h"
#include "psum_tree_int.h"

/* A path on this host: relative ones start at base when set. */
static char *host_path(const char *p, const char *base)
{
	if (p[0] != '/' && base && *base)
		return sk_path_join(base, p);
	return strdup(p);
}

int sk_ptree_partial(const char *want, const char *me, const char *base, int from, int verify, int final, FILE *in,
		     FILE *out, struct sk_error *err)
{
	struct sk_psum_piece *pcs;
	size_t n;
	int rc;

	if ((rc = sk_psum_pieces_read(in, &pcs, &n, err)) < 0)
		return sk_error_at(err, rc, "<stdin>");
	rc = sk_psum_host(want, me, pcs, n, base, from, verify, final, out, err);
	sk_psum_pieces_free(pcs, n);
	return sk_error_at(err, rc, "<stdout>");
}

int sk_ptree_pair(const char *want, const char *me, const char *base, FILE *in, FILE *out, struct sk_error *err)
{
	struct sk_ptree_pairlist pl;
	struct sk_hostfetch f;
	FILE *ins[2] = {NULL, NULL};
	const char *labels[2];
	char lab[2][300], b[3][SK_PTREE_WORDLEN], *w[8], msg[512], *selfp = NULL;
	int rc, st, c;

	if (strcmp(want, me) != 0) {
		/* Taskrun ran it elsewhere: its host is down. */
		fprintf(out, "SKPSUM1\nhost %s\nskip\n", me);
		return fflush(out) == 0 ? 0 : sk_error_sys_at(err, "<stdout>");
	}
	if ((rc = sk_ptree_pair_read(in, &pl, err)) < 0)
		return rc;
	if (!(selfp = host_path(pl.self, base))) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = sk_hostfetch_send(selfp, pl.sbytes, 1, pl.shash, NULL, err)) < 0)
		goto out;
	if (!(ins[0] = fopen(selfp, "rb"))) {
		rc = sk_error_sys_at(err, selfp);
		goto out;
	}
	sk_ptree_cat_words(pl.rem, pl.ppath, pl.pbytes, pl.phash, 0, w, b);
	if ((rc = sk_hostfetch_open(pl.launch, pl.peer, w, &f, err)) < 0)
		goto out;
	ins[1] = f.fp;
	/* Nothing from the peer (it sends only once its partial checked out):
	 * this host cannot read it.  A short "miss" partial says so, which the
	 * controller knows by its size, and finds out from here why (a host
	 * lost, or hosts that do not reach one another). */
	if ((c = fgetc(f.fp)) == EOF) {
		sk_hostfetch_close(&f, msg, sizeof msg, err);
		fprintf(out, "SKPSUM1\nhost %s\nmiss\n", me);
		if (fflush(out) != 0)
			rc = sk_error_sys_at(err, "<stdout>");
		goto out;
	}
	ungetc(c, f.fp);
	snprintf(lab[0], sizeof lab[0], "%s:%s", me, pl.self);
	snprintf(lab[1], sizeof lab[1], "%s:%s", pl.peer, pl.ppath);
	labels[0] = lab[0];
	labels[1] = lab[1];
	rc = sk_psum_merge(ins, labels, 2, pl.npieces, me, pl.final, out, err);
	st = sk_hostfetch_close(&f, msg, sizeof msg, err);
	if (st != 0) {
		/* The peer's bytes did not all come: say why. */
		rc = sk_error_at(err, sk_error_set(err, SK_EIO, "could not read %s's partial sum through '%s' (status %d)%s%s",
						   pl.peer, pl.launch, st, *msg ? ": " : "", msg), me);
	}
out:
	if (ins[0])
		fclose(ins[0]);
	free(selfp);
	sk_ptree_pair_release(&pl);
	return rc;
}

int sk_ptree_cat(const char *path, const char *base, int64_t bytes, const char *hash, FILE *out, struct sk_error *err)
{
	char *p = host_path(path, base), *end = NULL;
	uint64_t h = 0;
	int rc;

	if (!p)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (hash) {
		/* Exactly the 16 digits sk_ptree_cat_words writes: strtoull
		 * alone would also take fewer, a sign, "0x" or spaces. */
		const int digits = strlen(hash) == 16 && strspn(hash, "0123456789abcdefABCDEF") == 16;
		h = digits ? strtoull(hash, &end, 16) : 0;
		if (!digits || *end) {
			free(p);
			return sk_error_set(err, SK_EARG, "--xxh64: '%s' is not 16 hex digits", hash);
		}
	}
	rc = sk_hostfetch_send(p, bytes, hash != NULL, h, out, err);
	free(p);
	return rc;
}

int sk_ptree_clean(const char *id, const char *base, struct sk_error *err)
{
	char *rel, *dir;
	DIR *d;
	struct dirent *e;

	/* Only a directory this program made: .segmerge/<16 hex digits>. */
	if (strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16)
		return sk_error_set(err, SK_EARG, "--clean: '%s' is not a sum's id", id);
	if (!(rel = sk_path_join(".segmerge", id)) || !(dir = host_path(rel, base))) {
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
	if ((dir = host_path(".segmerge", base))) {
		rmdir(dir);
		free(dir);
	}
	return 0;
}
