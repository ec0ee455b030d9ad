/* segsplit --remake: a piece of a distributed split made again from its lineage (split.h). */
#include "split.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "hdr.h"
#include "recio.h"
#include "split_int.h"

int sk_split_remakable(const struct sk_manifest *m)
{
	return m->mode >= SK_SPLIT_COUNT && m->mode <= SK_SPLIT_RR && (!m->sort || m->mode == SK_SPLIT_COUNT ||
									 m->mode == SK_SPLIT_PARTS || m->mode == SK_SPLIT_KEY);
}

/* What a remake needs of a ranges split: its ranges parsed again from the
 * manifest, their lookup order, and the index of piece p's range
 * (nranges for "outside"). */
struct remake_ranges {
	struct sk_split_opts o;
	size_t *rorder;
	size_t want;
};

static int ranges_of(const struct sk_manifest *m, const struct sk_mpiece *p, struct remake_ranges *rr,
		     struct sk_error *err)
{
	char *arg;
	int rc;

	memset(rr, 0, sizeof *rr);
	if (!m->keys || !m->ranges || !p->range)
		return sk_error_set(err, SK_EARG, "%s: a ranges split without its key, ranges or the piece's range",
				    p->file);
	if (!(arg = malloc(strlen(m->keys) + strlen(m->ranges) + 2)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	sprintf(arg, "%s=%s", m->keys, m->ranges);
	rc = sk_split_ranges_parse(arg, &rr->o, err);
	free(arg);
	if (rc < 0)
		return rc;
	if (!(rr->rorder = sk_split_range_order(&rr->o)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (rr->want = 0; rr->want < (size_t)rr->o.nranges; rr->want++)
		if (strcmp(rr->o.ranges[rr->want].text, p->range) == 0)
			break;
	if (rr->want == (size_t)rr->o.nranges && strcmp(p->range, "outside") != 0)
		return sk_error_set(err, SK_EARG, "%s: range '%s' is not one of the split's '%s'", p->file, p->range,
				    m->ranges);
	return 0;
}

/* The number of ranges in a manifest's list (its pieces before empty ones
 * were dropped, less the overflow piece). */
static size_t count_ranges(const char *list)
{
	size_t n = 1;

	for (; list && *list; list++)
		n += *list == ',';
	return n;
}

/* The order file of a ranges split (beside its manifest), open for
 * reading, or NULL when it has none or it cannot be opened (the remake then
 * scans the source by keys). */
static FILE *order_open(const struct sk_manifest *m, char *path, size_t len)
{
	if (!m->order_file || (size_t)snprintf(path, len, "%s/%s", m->dir ? m->dir : ".", m->order_file) >= len)
		return NULL;
	return fopen(path, "r");
}

/* A ranges piece (number `want` in the order file, 1-based) remade by
 * its runs: each of its runs read where it starts in the source (a seek,
 * else reading up to it), the other pieces' runs not read.  1 when every
 * trace of the piece was written (*got of them), 0 when the source ended
 * first, or an error (the order file's, naming it). */
static int remake_runs(FILE *ord, const char *ordname, int64_t want, const struct sk_mpiece *p, struct sk_reader *r,
		       struct sk_rec *rec, struct sk_writer *w, const char *path, int64_t *got, struct sk_error *err)
{
	char line[128];
	int64_t pos = 0;
	long lineno = 0;
	int rc;

	while (*got < p->traces && fgets(line, sizeof line, ord)) {
		long long piece, count;
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%lld\t%lld", &piece, &count) != 2 || piece < 1 || count < 1)
			return sk_error_at(err, sk_error_set(err, SK_EFMT, "line %ld: bad run '%.40s'", lineno, line),
					   ordname);
		if (piece == want) {
			if (sk_reader_tell(r) != pos && sk_reader_seek(r, pos, err) < 0)
				while (sk_reader_tell(r) < pos)
					if ((rc = sk_rec_next(rec, 0, err)) <= 0)
						return rc;
			for (long long k = 0; k < count && *got < p->traces; k++) {
				if ((rc = sk_rec_next(rec, 0, err)) <= 0)
					return rc;
				if ((rc = sk_rec_put(rec, w, err)) < 0)
					return sk_error_at(err, rc, path);
				++*got;
			}
		}
		pos += count;
	}
	if (ferror(ord))
		return sk_error_at(err, sk_error_sys(err, "read"), ordname);
	if (*got < p->traces)
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "it gives piece %lld %" PRId64 " traces, the manifest "
						      "says %" PRId64, (long long)want, *got, p->traces), ordname);
	return 1;
}

/* The stride (bytes between a round-robin piece's traces) from which a
 * remake reads each trace alone (remake). */
#define RR_ALONE ((uint64_t)1 << 20)

/*
 * Remakes piece p into path.  The traces are read from the source as the
 * split took them (lineage, manifest.h): a run from p->first (count, parts
 * and key modes), every n-th trace from p->first (round-robin), or, for
 * ranges, the piece's runs in the order file (each read where it starts),
 * or without that file the traces from p->first whose key falls in p's
 * range; sorted pieces
 * are sorted again, stably, by the same keys.  They are written with the
 * split's options, expected count and buffer (an sgk piece's blocks), so
 * the file's bytes are the piece's, checked by size and xxh64.
 */
static int remake(const struct sk_manifest *m, const struct sk_mpiece *p, const char *path, struct sk_error *err)
{
	struct sk_reader *r = NULL;
	struct sk_writer *w = NULL;
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_info like;
	struct sk_rec rec;
	struct sk_sortbuf sb;
	struct sk_keyset sort;
	struct remake_ranges rr;
	uint64_t hash, bytes;
	int64_t got = 0, at;
	const int sorted = m->sort != NULL;
	size_t nouts = 1;
	char ordname[4200];
	FILE *ord;
	int rc;

	memset(&rec, 0, sizeof rec);
	memset(&rr, 0, sizeof rr);
	memset(&sort, 0, sizeof sort);
	sk_sortbuf_init(&sb, &sort, 1);
	if (sorted && (rc = sk_keyset_parse(m->sort, 0, &sort, err)) < 0)
		goto out;
	if (m->mode == SK_SPLIT_RANGES) {
		if ((rc = ranges_of(m, p, &rr, err)) < 0)
			goto out;
		nouts = count_ranges(m->ranges) + 1;
	} else if (m->mode == SK_SPLIT_RR) {
		nouts = (size_t)m->n;
	}
	if ((rc = sk_reader_open(m->lineage, m->lin_from, &r, err)) < 0) {
		rc = sk_error_at(err, rc, m->lineage);
		goto out;
	}
	/* Every n-th trace of a SEG-Y or SU file (round-robin): past a stride
	 * of RR_ALONE bytes each trace is read alone, a seek and its record,
	 * with a buffer of one record.  With the reader's 4 MiB buffer, a seek
	 * within it costs nothing (a stride below it reads the source in
	 * order, a whole buffer at a time), but each seek past it read a whole
	 * buffer for one trace: 13 traces of a 2,000-way split of 104 MB read
	 * 50 MB (strace). */
	if (m->mode == SK_SPLIT_RR && m->n > 1 && sk_reader_info(r)->fmt != SK_FMT_SGK && sk_reader_pread_size(r) > 0 &&
	    (uint64_t)m->n * sk_rec_rawlen(sk_reader_info(r)) >= RR_ALONE) {
		const size_t one = sk_rec_rawlen(sk_reader_info(r));
		sk_reader_free(r);
		if ((rc = sk_reader_open_buf(m->lineage, m->lin_from, one, &r, err)) < 0) {
			r = NULL;
			rc = sk_error_at(err, rc, m->lineage);
			goto out;
		}
	}
	like = *sk_reader_info(r);
	/* As the split opened the piece: the count it expected (count: N,
	 * parts: the part's traces, else unknown), fixed at close. */
	like.ntraces = m->mode == SK_SPLIT_COUNT ? m->n : m->mode == SK_SPLIT_PARTS ? p->traces : -1;
	wo.fmt = m->fmt;
	wo.sample_format = m->lin_sample;
	wo.little = m->lin_little;
	wo.zstd = m->lin_zstd;
	wo.bufsize = sk_split_piece_bufsize(nouts, sorted, wo.fmt == SK_FMT_SGK);
	/* An sgk piece's blocks as the split recorded them.  A lineage
	 * without block: is older than 64 KiB blocks for every sorted sgk
	 * piece: only compressed ones had them then. */
	if (m->lin_block > 0)
		wo.block = m->lin_block;
	else if (wo.fmt == SK_FMT_SGK)
		wo.bufsize = nouts > 16 || (sorted && wo.zstd) ? SK_MANY_BUF : 0;
	if ((rc = sk_writer_open(path, &like, &wo, &w, err)) < 0) {
		rc = sk_error_at(err, rc, path);
		goto out;
	}
	if ((rc = sk_rec_init(&rec, r, sk_stream_raw_mode(r, w), err)) < 0)
		goto out;
	if (sorted)
		sk_sortbuf_init(&sb, &sort, sk_rec_len(&rec));
	if (m->mode == SK_SPLIT_RANGES && (ord = order_open(m, ordname, sizeof ordname))) {
		/* Its runs, from the order file: only its traces are read. */
		rc = remake_runs(ord, ordname, (int64_t)(p - m->pieces) + 1, p, r, &rec, w, path, &got, err);
		fclose(ord);
		if (rc == 0)
			goto short_source;
		if (rc < 0) {
			if (err->file[0] == '\0')
				sk_error_at(err, rc, m->lineage);
			goto out;
		}
	}
	for (at = p->first; got < p->traces; at++) {
		int take = 1;
		/* To the next trace wanted: a seek where the source allows
		 * one, else by reading. */
		if (at == p->first || (m->mode == SK_SPLIT_RR && m->n > 1)) {
			if (sk_reader_seek(r, at, err) < 0) {
				for (int64_t k = at == p->first ? 0 : at - m->n + 1; k < at; k++)
					if ((rc = sk_rec_next(&rec, 0, err)) <= 0)
						goto short_source;
			}
		}
		if ((rc = sk_rec_next(&rec, sorted || m->mode == SK_SPLIT_RANGES, err)) <= 0)
			goto short_source;
		if (m->mode == SK_SPLIT_RANGES)
			take = sk_split_range_of(&rr.o, rr.rorder, sk_key_value(rec.hdr, &rr.o.keys.key[0])) == rr.want;
		if (m->mode == SK_SPLIT_RR)
			at += m->n - 1;
		if (!take)
			continue;
		got++;
		if (sorted) {
			unsigned char *slot;
			if ((rc = sk_sortbuf_add(&sb, rec.hdr, &slot, err)) < 0)
				goto out;
			sk_rec_copy(&rec, slot);
		} else if ((rc = sk_rec_put(&rec, w, err)) < 0) {
			rc = sk_error_at(err, rc, path);
			goto out;
		}
	}
	if (sorted) {
		if ((rc = sk_sortbuf_sort(&sb, err)) < 0)
			goto out;
		for (size_t k = 0; k < sb.n; k++)
			if ((rc = sk_rec_put_saved(&rec, sk_sortbuf_get(&sb, k), w, err)) < 0) {
				rc = sk_error_at(err, rc, path);
				goto out;
			}
	}
	rc = sk_writer_close(w, err);
	w = NULL;
	if (rc < 0) {
		rc = sk_error_at(err, rc, path);
		goto out;
	}
	if ((rc = sk_file_xxh64(path, &hash, &bytes, err)) < 0) {
		rc = sk_error_at(err, rc, path);
	} else if (hash != p->xxh64 || bytes != p->bytes) {
		unlink(path);
		rc = sk_error_set(err, SK_ESTATE, "%s: remade %" PRIu64 " bytes with xxh64 %016" PRIx64 ", the manifest "
				  "says %" PRIu64 " bytes, %016" PRIx64 " (has the source changed?)", p->file, bytes, hash,
				  p->bytes, p->xxh64);
	}
	goto out;
short_source:
	if (rc == 0)
		rc = sk_error_set(err, SK_ESTATE, "%s: the source ends before the piece's trace %" PRId64
				  " (has it changed?)", m->lineage, got + 1);
	else
		rc = sk_error_at(err, rc, m->lineage);
out:
	if (w) {
		sk_writer_abort(w);
		unlink(path);
	}
	sk_sortbuf_release(&sb);
	sk_rec_release(&rec);
	sk_reader_free(r);
	free(rr.o.ranges);
	free(rr.rorder);
	return rc;
}

int sk_split_remake(const struct sk_manifest *m, size_t i, const char *dir, struct sk_error *err)
{
	char *path;
	int rc;

	if (i >= m->npieces)
		return sk_error_set(err, SK_EARG, "piece %zu: the manifest has %zu", i + 1, m->npieces);
	if (!m->lineage)
		return sk_error_set(err, SK_EARG, "the manifest records no lineage (segsplit --hosts of a file does)");
	if (!sk_split_remakable(m))
		return sk_error_set(err, SK_EARG, "a %s split%s: no remake is known for its pieces",
				    sk_split_mode_name(m->mode), m->sort ? " with --sort" : "");
	if ((rc = sk_file_mkdirs(dir, 0777, err)) < 0)
		return sk_error_at(err, rc, dir);
	if (!(path = sk_path_join(dir, m->pieces[i].file)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	rc = remake(m, &m->pieces[i], path, err);
	free(path);
	return rc;
}
