/* flock(2) is BSD's. */
#define _DEFAULT_SOURCE
/* manifest_read: a manifest read from its file (manifest.h), and new
 * copies added to it in place.  Moved out of manifest.c as it was. */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "file.h"
#include "manifest_int.h"
#include "stream.h"

/* ---- reading ---- */

static int where(struct sk_error *err, const struct sk_cfg *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int where(struct sk_error *err, const struct sk_cfg *n, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sk_error_set(err, SK_EARG, "line %d, column %d: %s", sk_cfg_line(n),
			    sk_cfg_column(n), msg);
}

static int get(const struct sk_cfg *map, const char *key, const struct sk_cfg **out,
	       struct sk_error *err)
{
	*out = sk_cfg_get(map, key);
	if (!*out)
		return where(err, map, "no '%s' field", key);
	return 0;
}

static int get_long(const struct sk_cfg *map, const char *key, long min, long *out,
		    struct sk_error *err)
{
	const struct sk_cfg *n;
	int rc = get(map, key, &n, err);

	if (rc < 0 || (rc = sk_cfg_long(n, key, out, err)) < 0)
		return rc;
	if (*out < min)
		return where(err, n, "%s: out of range", key);
	return 0;
}

static int get_str(const struct sk_cfg *map, const char *key, int optional, const char **out,
		   struct sk_error *err)
{
	const struct sk_cfg *n = sk_cfg_get(map, key);

	*out = NULL;
	if (!n)
		return optional ? 0 : where(err, map, "no '%s' field", key);
	if (!(*out = sk_cfg_str(n)))
		return where(err, n, "%s: expected a string", key);
	return 0;
}

/*
 * The lineage's account of what a remake reads (written by
 * sk_manifest_write) against the split's own fields, which the remake
 * follows: a lineage that says otherwise was edited, and is refused.
 * Absent fields (a manifest of an older segsplit, count, parts or key
 * mode without --sort) are implied by the mode.
 */
static int lineage_read_check(const struct sk_cfg *l, const struct sk_manifest *m, struct sk_error *err)
{
	const char *want = m->mode == SK_SPLIT_RR ? "stride" : m->mode == SK_SPLIT_RANGES ? "range" : "run";
	const char *s;
	long v;
	int rc;

	if ((rc = get_str(l, "read", 1, &s, err)) < 0)
		return rc;
	if (s && strcmp(s, want) != 0)
		return where(err, sk_cfg_get(l, "read"), "read: %s, but a %s split reads a piece's %s", s,
			     sk_split_mode_name(m->mode), want);
	if (sk_cfg_get(l, "stride")) {
		if ((rc = get_long(l, "stride", 1, &v, err)) < 0)
			return rc;
		if (m->mode != SK_SPLIT_RR || v != m->n)
			return where(err, sk_cfg_get(l, "stride"), "stride: %ld, but the split's is %ld", v,
				     m->mode == SK_SPLIT_RR ? m->n : 1);
	}
	if ((rc = get_str(l, "key", 1, &s, err)) < 0)
		return rc;
	if (s && (m->mode != SK_SPLIT_RANGES || !m->keys || strcmp(s, m->keys) != 0))
		return where(err, sk_cfg_get(l, "key"), "key: '%s', but the split's ranges are of '%s'", s,
			     m->mode == SK_SPLIT_RANGES && m->keys ? m->keys : "");
	if ((rc = get_str(l, "sort", 1, &s, err)) < 0)
		return rc;
	if (!s && m->sort)
		return where(err, l, "lineage: no sort, but the pieces were sorted by '%s'", m->sort);
	if (s && (!m->sort || strcmp(s, m->sort) != 0))
		return where(err, sk_cfg_get(l, "sort"), "sort: '%s', but the pieces were %s%s%s", s,
			     m->sort ? "sorted by '" : "not sorted", m->sort ? m->sort : "", m->sort ? "'" : "");
	return 0;
}

static int get_hex(const struct sk_cfg *map, const char *key, uint64_t *out, struct sk_error *err)
{
	const char *s;
	char *end;
	const int rc = get_str(map, key, 0, &s, err);

	if (rc < 0)
		return rc;
	errno = 0;
	*out = strtoull(s, &end, 16);
	if (strlen(s) != 16 || *end != '\0' || errno)
		return where(err, sk_cfg_get(map, key), "%s: expected 16 hex digits", key);
	return 0;
}

static int read_piece(const struct sk_cfg *n, struct sk_mpiece *p, int version2, struct sk_error *err)
{
	const char *s;
	long v;
	int rc;

	memset(p, 0, sizeof *p);
	if (sk_cfg_kind(n) != SK_CFG_MAP)
		return where(err, n, "%s", "a piece must be a map");
	if ((rc = get_str(n, "file", 0, &s, err)) < 0)
		return rc;
	if (!*s || strchr(s, '/'))
		return where(err, sk_cfg_get(n, "file"), "file: '%s' is not a file name in the manifest's directory", s);
	if (!(p->file = sk_manifest_dupstr(s)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if ((rc = get_long(n, "traces", 0, &v, err)) < 0)
		return rc;
	p->traces = v;
	if ((rc = get_long(n, "first", 0, &v, err)) < 0)
		return rc;
	p->first = v;
	if ((rc = get_long(n, "bytes", 0, &v, err)) < 0)
		return rc;
	p->bytes = (uint64_t)v;
	if ((rc = get_hex(n, "xxh64", &p->xxh64, err)) < 0)
		return rc;
	if ((rc = get_str(n, "range", 1, &s, err)) < 0)
		return rc;
	if (s && !(p->range = sk_manifest_dupstr(s)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (sk_cfg_get(n, "at")) {
		const struct sk_cfg *at = sk_cfg_get(n, "at");
		if (!version2)
			return where(err, at, "%s", "at: piece locations need version 2");
		if (sk_cfg_kind(at) != SK_CFG_SEQ || sk_cfg_len(at) == 0)
			return where(err, at, "%s", "at: expected a list of host:path locations");
		if (!(p->at = calloc(sk_cfg_len(at), sizeof *p->at)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		for (size_t k = 0; k < sk_cfg_len(at); k++) {
			const struct sk_cfg *e = sk_cfg_at(at, k);
			const char *loc = sk_cfg_str(e), *path;
			char host[256];
			struct sk_error e2;
			if (!loc || sk_manifest_loc(loc, host, sizeof host, &path, &e2) != 0)
				return where(err, e, "at: '%s' is not a location (host:path)", loc ? loc : "");
			if (!(p->at[p->nat] = sk_manifest_dupstr(loc)))
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			p->nat++;
		}
	}
	return 0;
}

static int read_tree(const struct sk_cfg *root, struct sk_manifest *m, struct sk_error *err)
{
	const struct sk_cfg *n;
	const char *s;
	long v;
	long version;
	int rc;

	if (sk_cfg_kind(root) != SK_CFG_MAP || !(s = sk_cfg_str(sk_cfg_get(root, "manifest"))) ||
	    strcmp(s, "segkit-split") != 0)
		return where(err, root, "%s", "not a segsplit manifest (no 'manifest: segkit-split')");
	if ((rc = get_long(root, "version", 1, &v, err)) < 0)
		return rc;
	version = v;
	if (v != 1 && v != 2)
		return where(err, sk_cfg_get(root, "version"), "version %s is not supported (1 and 2 are)",
			     sk_cfg_str(sk_cfg_get(root, "version")));
	if ((rc = get_str(root, "id", 0, &s, err)) < 0)
		return rc;
	snprintf(m->id, sizeof m->id, "%s", s);
	if ((rc = get_str(root, "source", 0, &s, err)) < 0 ||
	    (rc = sk_manifest_set_str(&m->source, s, err)) < 0)
		return rc;
	if ((rc = get_str(root, "format", 0, &s, err)) < 0)
		return rc;
	if (sk_format_parse(s, &m->fmt, err) < 0)
		return where(err, sk_cfg_get(root, "format"), "format: unknown format '%s'", s);
	if ((rc = get_long(root, "ns", 0, &m->ns, err)) < 0)
		return rc;
	if ((rc = get(root, "dt", &n, err)) < 0 || (rc = sk_cfg_double(n, "dt", &m->dt, err)) < 0)
		return rc;
	if ((rc = get_long(root, "hdrlen", 240, &v, err)) < 0)
		return rc;
	m->hdrlen = (size_t)v;
	if ((rc = get_long(root, "traces", 0, &v, err)) < 0)
		return rc;
	m->traces = v;
	if ((rc = get_str(root, "mode", 0, &s, err)) < 0)
		return rc;
	if ((m->mode = sk_split_mode_parse(s)) == SK_SPLIT_NONE)
		return where(err, sk_cfg_get(root, "mode"), "mode: unknown split mode '%s'", s);
	switch (m->mode) {
	case SK_SPLIT_COUNT: rc = get_long(root, "count", 1, &m->n, err); break;
	case SK_SPLIT_PARTS: rc = get_long(root, "parts", 1, &m->n, err); break;
	case SK_SPLIT_KEY: rc = get_long(root, "group", 1, &m->n, err); break;
	case SK_SPLIT_RR: rc = get_long(root, "round-robin", 1, &m->n, err); break;
	default: break;
	}
	if (rc < 0)
		return rc;
	if ((rc = get_str(root, "keys", m->mode != SK_SPLIT_KEY && m->mode != SK_SPLIT_RANGES, &s, err)) < 0 ||
	    (rc = sk_manifest_set_str(&m->keys, s, err)) < 0)
		return rc;
	if ((rc = get_str(root, "ranges", m->mode != SK_SPLIT_RANGES, &s, err)) < 0 ||
	    (rc = sk_manifest_set_str(&m->ranges, s, err)) < 0)
		return rc;
	if ((rc = get_str(root, "sort", 1, &s, err)) < 0 || (rc = sk_manifest_set_str(&m->sort, s, err)) < 0)
		return rc;
	if (m->mode == SK_SPLIT_RANGES && !m->sort) {
		const struct sk_cfg *o;
		if ((rc = get(root, "order", &o, err)) < 0)
			return rc;
		if (sk_cfg_kind(o) != SK_CFG_MAP)
			return where(err, o, "%s", "order: expected a map");
		if ((rc = get_str(o, "file", 0, &s, err)) < 0)
			return rc;
		if (!*s || strchr(s, '/'))
			return where(err, sk_cfg_get(o, "file"), "file: '%s' is not a file name in the manifest's directory", s);
		if ((rc = sk_manifest_set_str(&m->order_file, s, err)) < 0)
			return rc;
		if ((rc = get_long(o, "runs", 0, &v, err)) < 0)
			return rc;
		m->order_runs = v;
		if ((rc = get_long(o, "bytes", 0, &v, err)) < 0)
			return rc;
		m->order_bytes = (uint64_t)v;
		if ((rc = get_hex(o, "xxh64", &m->order_xxh64, err)) < 0)
			return rc;
	}
	if (version == 2 && sk_cfg_get(root, "lineage")) {
		const struct sk_cfg *l = sk_cfg_get(root, "lineage");
		long w[3];
		if (sk_cfg_kind(l) != SK_CFG_MAP)
			return where(err, l, "%s", "lineage: expected a map");
		if ((rc = get_str(l, "source", 0, &s, err)) < 0)
			return rc;
		if (s[0] != '/')
			return where(err, sk_cfg_get(l, "source"), "source: '%s' is not an absolute path", s);
		if ((rc = sk_manifest_set_str(&m->lineage, s, err)) < 0 || (rc = get_str(l, "from", 0, &s, err)) < 0)
			return rc;
		if (sk_format_parse(s, &m->lin_from, err) < 0)
			return where(err, sk_cfg_get(l, "from"), "from: unknown format '%s'", s);
		if ((rc = get_long(l, "sample-format", 0, &w[0], err)) < 0 ||
		    (rc = get_long(l, "little", -1, &w[1], err)) < 0 || (rc = get_long(l, "zstd", 0, &w[2], err)) < 0)
			return rc;
		if (w[0] > 255 || w[1] > 1 || w[2] > 22)
			return where(err, l, "%s", "lineage: write options out of range");
		m->lin_sample = (int)w[0];
		m->lin_little = (int)w[1];
		m->lin_zstd = (int)w[2];
		if (sk_cfg_get(l, "block") && (rc = get_long(l, "block", 1, &m->lin_block, err)) < 0)
			return rc;
		if ((rc = lineage_read_check(l, m, err)) < 0)
			return rc;
	}
	if ((rc = get(root, "pieces", &n, err)) < 0)
		return rc;
	if (sk_cfg_kind(n) != SK_CFG_SEQ)
		return where(err, n, "%s", "pieces: expected a list");
	for (size_t i = 0; i < sk_cfg_len(n); i++) {
		struct sk_mpiece p;
		rc = read_piece(sk_cfg_at(n, i), &p, version == 2, err);
		if (rc == 0)
			rc = sk_manifest_add(m, &p, err);
		sk_manifest_piece_release(&p);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int manifest_read(const char *path, struct sk_manifest *m, struct sk_error *err);

int sk_manifest_read(const char *path, struct sk_manifest *m, struct sk_error *err)
{
	return sk_error_at(err, manifest_read(path, m, err), path);
}

static int manifest_read(const char *path, struct sk_manifest *m, struct sk_error *err)
{
	struct sk_cfg *root = NULL;
	const char *slash = strrchr(path, '/');
	int rc;

	sk_manifest_init(m);
	if ((rc = sk_cfg_load(path, &root, err)) < 0) {
		/* segsplit -d DIR is what the user remembers: the manifest in
		 * it is named, not only the directory refused. */
		if (rc == SK_EIO && err->errnum == EISDIR) {
			char mp[4096];
			struct stat st;
			const size_t n = strlen(path), used = strlen(err->msg);
			snprintf(mp, sizeof mp, "%s%smanifest.yaml", path, n && path[n - 1] == '/' ? "" : "/");
			if (stat(mp, &st) == 0 && S_ISREG(st.st_mode))
				snprintf(err->msg + used, sizeof err->msg - used, " (its manifest is %s)", mp);
		}
		return sk_not_text(path, "a segsplit manifest", rc, err);
	}
	if (!(m->path = sk_manifest_dupstr(path))) {
		sk_cfg_free(root);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	if (slash) {
		const size_t n = slash == path ? 1 : (size_t)(slash - path);
		m->dir = malloc(n + 1);
		if (m->dir) {
			memcpy(m->dir, path, n);
			m->dir[n] = '\0';
		}
	} else {
		m->dir = sk_manifest_dupstr(".");
	}
	rc = m->dir ? read_tree(root, m, err) : sk_error_set(err, SK_ENOMEM, "out of memory");
	sk_cfg_free(root);
	if (rc < 0)
		sk_manifest_release(m);
	return rc;
}

int sk_manifest_piece_path(const struct sk_manifest *m, size_t i, char *buf, size_t len,
			   struct sk_error *err)
{
	const char *dir = m->dir ? m->dir : ".";
	const int w = strcmp(dir, ".") == 0 ? snprintf(buf, len, "%s", m->pieces[i].file)
					    : snprintf(buf, len, "%s%s%s", dir,
						       dir[strlen(dir) - 1] == '/' ? "" : "/",
						       m->pieces[i].file);

	if (w < 0 || (size_t)w >= len)
		return sk_error_set(err, SK_EARG, "path of piece %zu is too long", i + 1);
	return 0;
}

/* ---- copies added after the split ---- */

/* Whether piece p lists location loc. */
static int has_loc(const struct sk_mpiece *p, const char *loc)
{
	for (int k = 0; k < p->nat; k++)
		if (strcmp(p->at[k], loc) == 0)
			return 1;
	return 0;
}

/* The new text of path: m's text with the "at:" line of each piece that
 * gains a copy written again (into a memstream). */
static int copies_text(const char *text, size_t len, struct sk_manifest *m, const struct sk_mcopy *c, size_t n,
		       int max, size_t *added, FILE *out, struct sk_error *err)
{
	const char *p = text, *const end = text + len;
	long piece = -1;
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct sk_mpiece *pc;
		char host[256];
		const char *rp;
		if (c[i].piece >= m->npieces)
			return sk_error_set(err, SK_ESTATE, "piece %zu: the manifest has %zu", c[i].piece + 1, m->npieces);
		pc = &m->pieces[c[i].piece];
		if (pc->xxh64 != c[i].xxh64)
			return sk_error_set(err, SK_ESTATE, "%s: xxh64 %016" PRIx64 ", the copy's is %016" PRIx64
					    " (has the manifest been replaced?)", pc->file, pc->xxh64, c[i].xxh64);
		if (pc->nat == 0)
			return sk_error_set(err, SK_ESTATE, "%s: not a distributed piece (no 'at')", pc->file);
		if ((rc = sk_manifest_loc(c[i].loc, host, sizeof host, &rp, err)) < 0)
			return rc;
		if (has_loc(pc, c[i].loc) || (max > 0 && pc->nat >= max))
			continue;
		/* The new list in m: written below. */
		if ((rc = sk_manifest_add_at(m, c[i].piece, host, rp, err)) < 0)
			return rc;
		(*added)++;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const size_t ll = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		if (ll >= 10 && strncmp(p, "  - file: ", 10) == 0)
			piece++;
		if (piece >= 0 && (size_t)piece < m->npieces && ll >= 9 && strncmp(p, "    at: [", 9) == 0) {
			const struct sk_mpiece *pc = &m->pieces[piece];
			fputs("    at: [", out);
			for (int k = 0; k < pc->nat; k++) {
				if (k)
					fputs(", ", out);
				sk_cfg_write_str(out, pc->at[k]);
			}
			fputs("]\n", out);
		} else {
			fwrite(p, 1, ll, out);
		}
		p += ll;
	}
	if (piece + 1 != (long)m->npieces)
		return sk_error_set(err, SK_ESTATE, "%ld piece entries, %zu pieces: not a manifest segsplit wrote",
				    piece + 1, m->npieces);
	return 0;
}

int sk_manifest_add_copies(const char *path, const struct sk_mcopy *c, size_t n, int max, size_t *added,
			   struct sk_error *err)
{
	struct sk_manifest m;
	struct sk_ofile f = {-1, NULL, NULL, -1};
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash > path ? (size_t)(slash - path) : 1) : strdup(".");
	char *text = NULL, *buf = NULL;
	size_t len = 0, blen = 0;
	FILE *out = NULL;
	int dfd = -1, rc;

	*added = 0;
	sk_manifest_init(&m);
	if (!dir)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	/* The directory's lock: held until the new file is in place, so a
	 * second writer reads this one's result. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || flock(dfd, LOCK_EX) != 0) {
		rc = sk_error_sys(err, "%s", dir);
		goto out;
	}
	if ((rc = sk_file_read_all(path, &text, &len, err)) < 0 || (rc = manifest_read(path, &m, err)) < 0)
		goto out;
	if (!(out = open_memstream(&buf, &blen))) {
		rc = sk_error_sys(err, "open_memstream");
		goto out;
	}
	rc = copies_text(text, len, &m, c, n, max, added, out, err);
	if (fclose(out) != 0 && rc == 0)
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
	out = NULL;
	if (rc < 0 || *added == 0)
		goto out;
	if ((rc = sk_ofile_open(&f, path, err)) < 0 || (rc = sk_ofile_write(&f, buf, blen, err)) < 0 ||
	    (rc = sk_ofile_commit(&f, err)) < 0)
		goto out;
out:
	if (rc < 0)
		*added = 0;
	sk_ofile_abort(&f);
	if (dfd >= 0)
		close(dfd);
	free(dir);
	free(text);
	free(buf);
	sk_manifest_release(&m);
	return rc;
}
