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
#include "manifest_int.h"
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

void sk_manifest_piece_release(struct sk_mpiece *p)
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
		sk_manifest_piece_release(&m->pieces[i]);
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

char *sk_manifest_dupstr(const char *s)
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

	if (s && !(d = sk_manifest_dupstr(s)))
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
	q->file = sk_manifest_dupstr(p->file);
	q->range = sk_manifest_dupstr(p->range);
	q->at = NULL;
	q->nat = 0;
	for (int k = 0; k < p->nat; k++) {
		char **na = realloc(q->at, (size_t)(k + 1) * sizeof *na);
		if (!na)
			break;
		q->at = na;
		if (!(q->at[k] = sk_manifest_dupstr(p->at[k])))
			break;
		q->nat++;
	}
	if ((p->file && !q->file) || (p->range && !q->range) || q->nat != p->nat) {
		sk_manifest_piece_release(q);
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
		if (m->lin_block > 0)
			fprintf(fp, ", block: %ld", m->lin_block);
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
