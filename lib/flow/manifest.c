/* flock(2) is BSD's. */
#define _DEFAULT_SOURCE
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
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "cfg.h"
#include "file.h"
#include "stream.h"

static const char *const mode_names[] = {
	[SK_SPLIT_NONE] = "none", [SK_SPLIT_COUNT] = "count", [SK_SPLIT_PARTS] = "parts",
	[SK_SPLIT_KEY] = "key", [SK_SPLIT_RANGES] = "ranges", [SK_SPLIT_RR] = "round-robin",
};

const char *sk_split_mode_name(int mode)
{
	if (mode < 0 || mode > SK_SPLIT_RR)
		return "none";
	return mode_names[mode];
}

int sk_split_mode_parse(const char *s)
{
	for (int i = SK_SPLIT_COUNT; i <= SK_SPLIT_RR; i++)
		if (strcmp(s, mode_names[i]) == 0)
			return i;
	return SK_SPLIT_NONE;
}

void sk_manifest_init(struct sk_manifest *m)
{
	memset(m, 0, sizeof *m);
	m->traces = -1;
}

static void piece_release(struct sk_mpiece *p)
{
	free(p->file);
	free(p->range);
	for (int k = 0; k < p->nat; k++)
		free(p->at[k]);
	free(p->at);
}

int sk_manifest_add_at(struct sk_manifest *m, size_t i, const char *host, const char *path,
		       struct sk_error *err)
{
	struct sk_mpiece *p = &m->pieces[i];
	const size_t nh = strlen(host), np = strlen(path);
	char **na = realloc(p->at, (size_t)(p->nat + 1) * sizeof *na);
	char *loc;

	if (!na)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	p->at = na;
	if (!(loc = malloc(nh + np + 2)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	memcpy(loc, host, nh);
	loc[nh] = ':';
	memcpy(loc + nh + 1, path, np + 1);
	p->at[p->nat++] = loc;
	return 0;
}

int sk_manifest_loc(const char *loc, char *buf, size_t len, const char **path, struct sk_error *err)
{
	const char *colon = strchr(loc, ':');

	if (!colon || colon == loc || !colon[1])
		return sk_error_set(err, SK_EARG, "'%s' is not a location (host:path)", loc);
	if ((size_t)(colon - loc) >= len)
		return sk_error_set(err, SK_EARG, "'%s': host name too long", loc);
	memcpy(buf, loc, (size_t)(colon - loc));
	buf[colon - loc] = '\0';
	*path = colon + 1;
	return 0;
}

const char *sk_manifest_loc_hosts(char *const *at, int nat, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (int k = 0; k < nat && off + 1 < len; k++) {
		char h[256];
		const char *path;
		struct sk_error e;
		if (sk_manifest_loc(at[k], h, sizeof h, &path, &e) == 0) {
			const int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", h);
			if (n < 0 || (size_t)n >= len - off) {
				buf[off] = '\0'; /* no host cut in half */
				break;
			}
			off += (size_t)n;
		}
	}
	return buf;
}

size_t sk_manifest_remote(const struct sk_manifest *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->npieces; i++)
		n += m->pieces[i].nat > 0;
	return n;
}

void sk_manifest_release(struct sk_manifest *m)
{
	for (size_t i = 0; i < m->npieces; i++)
		piece_release(&m->pieces[i]);
	free(m->pieces);
	free(m->path);
	free(m->dir);
	free(m->source);
	free(m->keys);
	free(m->ranges);
	free(m->sort);
	free(m->order_file);
	free(m->lineage);
	sk_manifest_init(m);
}

static char *dupstr(const char *s)
{
	char *d;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int sk_manifest_set_str(char **field, const char *s, struct sk_error *err)
{
	char *d = NULL;

	if (s && !(d = dupstr(s)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	free(*field);
	*field = d;
	return 0;
}

int sk_manifest_add(struct sk_manifest *m, const struct sk_mpiece *p, struct sk_error *err)
{
	struct sk_mpiece *q;

	if (m->npieces == m->cap) {
		const size_t cap = m->cap ? 2 * m->cap : 16;
		q = realloc(m->pieces, cap * sizeof *q);
		if (!q)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		m->pieces = q;
		m->cap = cap;
	}
	q = &m->pieces[m->npieces];
	*q = *p;
	q->file = dupstr(p->file);
	q->range = dupstr(p->range);
	q->at = NULL;
	q->nat = 0;
	for (int k = 0; k < p->nat; k++) {
		char **na = realloc(q->at, (size_t)(k + 1) * sizeof *na);
		if (!na)
			break;
		q->at = na;
		if (!(q->at[k] = dupstr(p->at[k])))
			break;
		q->nat++;
	}
	if ((p->file && !q->file) || (p->range && !q->range) || q->nat != p->nat) {
		piece_release(q);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	m->npieces++;
	return 0;
}

void sk_manifest_new_id(struct sk_manifest *m)
{
	struct timespec ts;
	uint64_t seed[3] = {0, 0, 0};
	int fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed[0] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	seed[1] = (uint64_t)getpid();
	fd = open("/dev/urandom", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, &seed[2], sizeof seed[2]) != (ssize_t)sizeof seed[2])
			seed[2] = 0;
		close(fd);
	}
	snprintf(m->id, sizeof m->id, "%016" PRIx64, (uint64_t)XXH64(seed, sizeof seed, 0));
}

/* ---- writing ---- */

static void put_kv_str(FILE *fp, const char *indent, const char *key, const char *val)
{
	fprintf(fp, "%s%s: ", indent, key);
	sk_cfg_write_str(fp, val);
	fputc('\n', fp);
}

static void put_minmax(FILE *fp, const struct sk_keyset *ks, const char *which, const uint64_t *v)
{
	fprintf(fp, "    %s: {", which);
	for (int k = 0; k < ks->n; k++) {
		char val[48];
		sk_keyset_value_str(ks, k, v[k], val, sizeof val);
		if (k)
			fputs(", ", fp);
		sk_cfg_write_str(fp, ks->key[k].name);
		fprintf(fp, ": %s", val);
	}
	fputs("}\n", fp);
}

static void write_body(FILE *fp, const struct sk_manifest *m)
{
	fputs("# segsplit manifest: segmerge -m reassembles and verifies the pieces\n", fp);
	fprintf(fp, "manifest: segkit-split\nversion: %d\n", sk_manifest_remote(m) ? 2 : 1);
	put_kv_str(fp, "", "id", m->id);
	put_kv_str(fp, "", "source", m->source ? m->source : "-");
	fprintf(fp, "format: %s\n", sk_format_name(m->fmt));
	fprintf(fp, "ns: %ld\n", m->ns);
	fprintf(fp, "dt: %.17g\n", m->dt);
	fprintf(fp, "hdrlen: %zu\n", m->hdrlen);
	fprintf(fp, "traces: %" PRId64 "\n", m->traces);
	fprintf(fp, "mode: %s\n", sk_split_mode_name(m->mode));
	switch (m->mode) {
	case SK_SPLIT_COUNT: fprintf(fp, "count: %ld\n", m->n); break;
	case SK_SPLIT_PARTS: fprintf(fp, "parts: %ld\n", m->n); break;
	case SK_SPLIT_KEY: fprintf(fp, "group: %ld\n", m->n); break;
	case SK_SPLIT_RR: fprintf(fp, "round-robin: %ld\n", m->n); break;
	default: break;
	}
	if (m->keys)
		put_kv_str(fp, "", "keys", m->keys);
	if (m->ranges)
		put_kv_str(fp, "", "ranges", m->ranges);
	if (m->sort)
		put_kv_str(fp, "", "sort", m->sort);
	if (m->order_file) {
		fputs("order: {file: ", fp);
		sk_cfg_write_str(fp, m->order_file);
		fprintf(fp, ", runs: %" PRId64 ", bytes: %" PRIu64 ", xxh64: \"%016" PRIx64 "\"}\n",
			m->order_runs, m->order_bytes, m->order_xxh64);
	}
	if (m->lineage && sk_manifest_remote(m)) {
		fputs("lineage: {source: ", fp);
		sk_cfg_write_str(fp, m->lineage);
		fprintf(fp, ", from: %s, sample-format: %d, little: %d, zstd: %d", sk_format_name(m->lin_from),
			m->lin_sample, m->lin_little, m->lin_zstd);
		/* What a remake reads of the source (sk_split_remake): a
		 * piece's run of traces, every stride-th trace from its
		 * first, or the traces from its first whose key falls in its
		 * range; a sorted piece is sorted again by the same keys. */
		if (m->mode == SK_SPLIT_RR)
			fprintf(fp, ", read: stride, stride: %ld", m->n);
		else if (m->mode == SK_SPLIT_RANGES && m->keys) {
			fputs(", read: range, key: ", fp);
			sk_cfg_write_str(fp, m->keys);
		} else {
			fputs(", read: run", fp);
		}
		if (m->sort) {
			fputs(", sort: ", fp);
			sk_cfg_write_str(fp, m->sort);
		}
		fputs("}\n", fp);
	}
	fputs(m->npieces ? "pieces:\n" : "pieces: []\n", fp);
	for (size_t i = 0; i < m->npieces; i++) {
		const struct sk_mpiece *p = &m->pieces[i];
		put_kv_str(fp, "  - ", "file", p->file);
		fprintf(fp, "    traces: %" PRId64 "\n", p->traces);
		fprintf(fp, "    first: %" PRId64 "\n", p->first);
		fprintf(fp, "    bytes: %" PRIu64 "\n", p->bytes);
		fprintf(fp, "    xxh64: \"%016" PRIx64 "\"\n", p->xxh64);
		if (p->range)
			put_kv_str(fp, "    ", "range", p->range);
		if (p->has_minmax && m->mm.n > 0) {
			put_minmax(fp, &m->mm, "min", p->min);
			put_minmax(fp, &m->mm, "max", p->max);
		}
		if (p->nat > 0) {
			fputs("    at: [", fp);
			for (int k = 0; k < p->nat; k++) {
				if (k)
					fputs(", ", fp);
				sk_cfg_write_str(fp, p->at[k]);
			}
			fputs("]\n", fp);
		}
	}
}

static int manifest_write(const struct sk_manifest *m, const char *path, struct sk_ofset *set,
			  struct sk_error *err);

int sk_manifest_write(const struct sk_manifest *m, const char *path, struct sk_ofset *set,
		      struct sk_error *err)
{
	return sk_error_at(err, manifest_write(m, path, set, err), path);
}

static int manifest_write(const struct sk_manifest *m, const char *path, struct sk_ofset *set,
			  struct sk_error *err)
{
	struct sk_ofile f;
	FILE *fp;
	int rc, fd, bad, e;

	if ((rc = sk_ofile_open(&f, path, err)) < 0)
		return rc;
	/* stdio closes its own descriptor; the ofile's stays open, so that
	 * its close syncs the manifest (what says a split is complete)
	 * before it is renamed into place. */
	if ((fd = fcntl(f.fd, F_DUPFD_CLOEXEC, 0)) < 0 || !(fp = fdopen(fd, "w"))) {
		rc = sk_error_sys(err, "%s", "");
		if (fd >= 0)
			close(fd);
		sk_ofile_abort(&f);
		return rc;
	}
	errno = 0;
	write_body(fp, m);
	bad = fflush(fp) != 0 || ferror(fp);
	e = errno ? errno : EIO;
	if (fclose(fp) != 0 || bad) {
		if (bad)
			errno = e;
		rc = sk_error_sys(err, "%s", "");
		sk_ofile_abort(&f);
		return rc;
	}
	return set ? sk_ofset_add(set, &f, err) : sk_ofile_commit(&f, err);
}

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
	if (!(p->file = dupstr(s)))
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
	if (s && !(p->range = dupstr(s)))
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
			if (!(p->at[p->nat] = dupstr(loc)))
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
		piece_release(&p);
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
	if ((rc = sk_cfg_load(path, &root, err)) < 0)
		return rc;
	if (!(m->path = dupstr(path))) {
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
		m->dir = dupstr(".");
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

int sk_file_xxh64(const char *path, uint64_t *hash, uint64_t *size, struct sk_error *err)
{
	const size_t bufsz = 1 << 20;
	XXH64_state_t *st = XXH64_createState();
	unsigned char *buf = malloc(bufsz);
	const int fd = open(path, O_RDONLY);
	uint64_t total = 0;
	int rc = 0;

	if (!st || !buf) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if (fd < 0) {
		rc = sk_error_sys(err, "%s", "");
		goto out;
	}
	XXH64_reset(st, 0);
	for (;;) {
		const ssize_t got = read(fd, buf, bufsz);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = sk_error_sys(err, "read");
			goto out;
		}
		if (got == 0)
			break;
		XXH64_update(st, buf, (size_t)got);
		total += (uint64_t)got;
	}
	*hash = (uint64_t)XXH64_digest(st);
	*size = total;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	XXH64_freeState(st);
	return rc;
}

int sk_manifest_check(const struct sk_manifest *m, size_t i, int checksums,
		      struct sk_error *err)
{
	const struct sk_mpiece *p = &m->pieces[i];
	const struct sk_info *info;
	struct sk_reader *r = NULL;
	struct stat st;
	char path[4096];
	int64_t count;
	int rc;

	if ((rc = sk_manifest_piece_path(m, i, path, sizeof path, err)) < 0)
		return rc;
	if (stat(path, &st) != 0)
		return sk_error_at(err, sk_error_sys(err, "%s", ""), path);
	if ((uint64_t)st.st_size != p->bytes)
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "%" PRIu64 " bytes, the manifest says %" PRIu64 " (%s)",
				    (uint64_t)st.st_size, p->bytes,
				    (uint64_t)st.st_size < p->bytes ? "truncated" : "longer than written"), path);
	if ((rc = sk_reader_open(path, m->fmt, &r, err)) < 0)
		return rc;
	info = sk_reader_info(r);
	if (info->ns != m->ns)
		rc = sk_error_set(err, SK_ESTATE, "ns %ld, the manifest says %ld", info->ns, m->ns);
	else if (info->dt != m->dt)
		rc = sk_error_set(err, SK_ESTATE, "dt %g, the manifest says %g", info->dt, m->dt);
	else if (info->hdrlen != m->hdrlen)
		rc = sk_error_set(err, SK_ESTATE, "trace header length %zu, the manifest says %zu",
				  info->hdrlen, m->hdrlen);
	if (rc < 0)
		goto out;
	count = info->ntraces;
	if (count < 0) {
		/* No count in the file (a compressed or unterminated sgk stream):
		 * read through it, which also proves it is readable. */
		while ((rc = sk_reader_next(r, NULL, NULL, err)) == 1)
			;
		if (rc < 0)
			goto out;
		count = sk_reader_tell(r);
	}
	if (count != p->traces) {
		rc = sk_error_set(err, SK_ESTATE, "%" PRId64 " traces, the manifest says %" PRId64,
				  count, p->traces);
		goto out;
	}
	if (checksums) {
		uint64_t h, size;
		if ((rc = sk_file_xxh64(path, &h, &size, err)) < 0)
			goto out;
		if (h != p->xxh64)
			rc = sk_error_set(err, SK_ESTATE,
					  "xxh64 %016" PRIx64 ", the manifest says %016" PRIx64
					  " (changed since the split, or a piece of another split)",
					  h, p->xxh64);
	}
out:
	sk_reader_free(r);
	return sk_error_at(err, rc, path);
}

struct sk_xxh64 {
	XXH64_state_t *st;
};

struct sk_xxh64 *sk_xxh64_new(void)
{
	struct sk_xxh64 *h = malloc(sizeof *h);

	if (!h)
		return NULL;
	if (!(h->st = XXH64_createState())) {
		free(h);
		return NULL;
	}
	XXH64_reset(h->st, 0);
	return h;
}

void sk_xxh64_update(struct sk_xxh64 *h, const void *p, size_t n)
{
	XXH64_update(h->st, p, n);
}

uint64_t sk_xxh64_digest(const struct sk_xxh64 *h)
{
	return (uint64_t)XXH64_digest(h->st);
}

void sk_xxh64_free(struct sk_xxh64 *h)
{
	if (!h)
		return;
	XXH64_freeState(h->st);
	free(h);
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
