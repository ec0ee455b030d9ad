#include "piece.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int tr_piece_parse(const char *text, struct tr_piece *p)
{
	const char *nl = strchr(text, '\n'), *s;
	char *end;

	memset(p, 0, sizeof *p);
	if (!nl)
		return SK_EFMT;
	p->size = strtoull(text, &end, 10);
	if (end == text || *end != ' ' || strspn(end + 1, "0123456789abcdef") != 16 || end[17] != ' ')
		return SK_EFMT;
	memcpy(p->hash, end + 1, 16);
	p->hash[16] = '\0';
	p->name = end + 18;
	p->namelen = (size_t)(nl - p->name);
	if (p->namelen == 0)
		return SK_EFMT;
	for (s = nl + 1; *s; ) {
		const char *e = strchr(s, '\n'), *colon;
		const size_t n = e ? (size_t)(e - s) : strlen(s);
		if (*s == '=') {
			/* The lineage, last. */
			if (e || n < 4 || p->nloc == TR_PIECE_MAXLOC)
				return SK_EFMT;
			p->lin = s + 1;
			p->linlen = n - 1;
			break;
		}
		if (p->nloc == TR_PIECE_MAXLOC || !(colon = memchr(s, ':', n)) || colon == s || colon + 1 == s + n)
			return SK_EFMT;
		p->host[p->nloc] = s;
		p->hostlen[p->nloc] = (size_t)(colon - s);
		p->path[p->nloc] = colon + 1;
		p->pathlen[p->nloc] = n - (size_t)(colon + 1 - s);
		p->nloc++;
		s += n + (e != NULL);
	}
	return p->nloc > 0 ? 0 : SK_EFMT;
}

int tr_piece_on(const struct tr_piece *p, const char *host)
{
	const size_t n = strlen(host);

	for (int i = 0; i < p->nloc; i++)
		if (p->hostlen[i] == n && memcmp(p->host[i], host, n) == 0)
			return i;
	return -1;
}

int tr_piece_format(unsigned long long size, unsigned long long hash, const char *file, const char *const *at,
		    int nat, const char *lineage, char **out, struct sk_error *err)
{
	const char *slash = strrchr(file, '/');
	const char *name = slash ? slash + 1 : file;
	const size_t nn = strlen(name);
	struct tr_buf b = {0};
	char head[64];
	int rc = 0;

	*out = NULL;
	if (nat < 1 || nat > TR_PIECE_MAXLOC - (lineage != NULL))
		return sk_error_set(err, SK_EARG, "%s: %d locations (1 to %d taken)", file, nat, TR_PIECE_MAXLOC);
	if (nn == 0 || strchr(name, '\n'))
		return sk_error_set(err, SK_EARG, "%s: not a file name", file);
	snprintf(head, sizeof head, "%llu %016llx ", size, hash);
	rc |= tr_buf_put(&b, head, strlen(head));
	rc |= tr_buf_put(&b, name, nn);
	for (int i = 0; i < nat && !rc; i++) {
		const char *colon = strchr(at[i], ':');
		const size_t n = strlen(at[i]);
		if (!colon || colon == at[i] || !colon[1] || strchr(at[i], '\n') ||
		    memchr(at[i], ',', (size_t)(colon - at[i]))) {
			tr_buf_release(&b);
			return sk_error_set(err, SK_EARG, "%s: location '%s' is not host:path", file, at[i]);
		}
		/* The command names the piece by its name in the copy's
		 * directory: every copy must have that name. */
		if (n - (size_t)(colon + 1 - at[i]) < nn || strcmp(at[i] + n - nn, name) != 0 ||
		    (n - (size_t)(colon + 1 - at[i]) > nn && at[i][n - nn - 1] != '/')) {
			tr_buf_release(&b);
			return sk_error_set(err, SK_EARG, "%s: copy %s is not named %s", file, at[i], name);
		}
		rc |= tr_buf_put(&b, "\n", 1);
		rc |= tr_buf_put(&b, at[i], n);
	}
	if (lineage && !rc) {
		if (strchr(lineage, '\n')) {
			tr_buf_release(&b);
			return sk_error_set(err, SK_EARG, "%s: a line break in its lineage", file);
		}
		rc |= tr_buf_put(&b, "\n=", 2);
		rc |= tr_buf_put(&b, lineage, strlen(lineage));
	}
	rc |= tr_buf_put(&b, "", 1);
	if (rc) {
		tr_buf_release(&b);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	*out = b.p;
	return 0;
}

char *tr_piece_hosts(const struct tr_piece *p)
{
	struct tr_buf b = {0};
	int rc = 0;

	for (int i = 0; i < p->nloc; i++) {
		if (i)
			rc |= tr_buf_put(&b, ",", 1);
		rc |= tr_buf_put(&b, p->host[i], p->hostlen[i]);
	}
	rc |= tr_buf_put(&b, "", 1);
	if (rc) {
		tr_buf_release(&b);
		return NULL;
	}
	return b.p;
}

char *tr_piece_subst(const char *cmd, const char *dir)
{
	struct tr_buf b = {0};
	int rc = 0;

	for (const char *p = cmd; *p; p++) {
		if (*p != TR_PIECE_DIR) {
			const size_t n = strcspn(p, "\x1d");
			rc |= tr_buf_put(&b, p, n);
			p += n - 1;
			continue;
		}
		for (const char *d = dir; *d; d++)
			rc |= *d == '\'' ? tr_buf_put(&b, "'\"'\"'", 5) : tr_buf_put(&b, d, 1);
	}
	rc |= tr_buf_put(&b, "", 1);
	if (rc) {
		tr_buf_release(&b);
		return NULL;
	}
	return b.p;
}

char *tr_piece_show(const char *cmd, const char *text, const char *host)
{
	struct tr_piece p;
	char dir[4096];
	int k;

	if (!text || tr_piece_parse(text, &p) != 0)
		return strdup(cmd);
	k = host ? tr_piece_on(&p, host) : 0;
	if (k < 0) {
		snprintf(dir, sizeof dir, ".taskrun-in.XXXXXX");
	} else {
		/* The path less its last component (the name). */
		size_t n = p.pathlen[k] > p.namelen ? p.pathlen[k] - p.namelen - 1 : 0;
		if (n == 0 && p.pathlen[k] > p.namelen)
			n = 1;   /* "/NAME": the root */
		snprintf(dir, sizeof dir, "%.*s", n ? (int)n : 1, n ? p.path[k] : ".");
	}
	return tr_piece_subst(cmd, dir);
}
