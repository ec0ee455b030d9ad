#include "split.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "hdr.h"
#include "ofile.h"
#include "recio.h"
#include "split_int.h"

/* ---- the splitter ---- */

struct out {
	struct sk_writer *w;
	char *path;
	struct sk_mpiece p;
	/* The piece's checksum, taken as its bytes go out (sk_writer_tap);
	 * hashed says how many, or -1 when the tap's account is void (a
	 * count fixed at the close: the file is read back instead). */
	struct sk_xxh64 *h;
	int64_t hashed;
};

static void hash_tap(void *arg, const void *p, size_t n)
{
	struct out *out = arg;

	if (!p || out->hashed < 0) {
		out->hashed = -1;
		return;
	}
	sk_xxh64_update(out->h, p, n);
	out->hashed += (int64_t)n;
}

struct ctx {
	const struct sk_split_opts *o;
	struct sk_split_result *res;
	struct sk_reader *r;
	struct sk_rec rec;
	struct sk_info like;
	struct sk_keyset mm;      /* split keys, then sort keys: recorded min/max */
	int64_t total;            /* parts mode: input traces */
	struct sk_manifest m;
	struct out *outs;
	size_t nouts;             /* concurrent modes: all pieces; else 1 */
	size_t num;               /* number of the last piece opened */
	struct sk_sortbuf sb;
	const char *ext;
	uint64_t *codes;          /* mm codes of the current trace */
	uint64_t *prev;           /* key mode: codes of the previous trace */
	size_t *rorder;           /* ranges sorted by lo, for lookup */
	FILE *order;
	struct sk_ofile order_of;  /* order.tsv's temporary */
	char *order_path;
	int64_t run_piece, run_len;
	/* --sort: the piece the writer thread writes (sk_runw), whose records
	 * still hold slots of the sort buffer, and that thread's record
	 * scratch; wpending: wout is written, not yet in the manifest. */
	struct sk_runw rw;
	struct out wout;
	struct sk_rec wrec;
	int wpending;
	/* --sort of a mapped file (sk_reader_map) whose pieces take its raw
	 * records: the sort buffer holds their keys alone, a piece's records
	 * stay in the file's pages from piece_base on, and the writer writes
	 * them from there (no copy of the piece in memory, and no slots to
	 * wait for). */
	int mapped, inplace;
	const unsigned char *piece_base;
	/* Every file of the split (pieces, order.tsv, manifest) stays a
	 * temporary in this set until the end: an interrupted or failed
	 * split leaves DIR as it was (and no DIR if it made it). */
	struct sk_ofset set;
	int wfmt;                 /* the pieces' format and header length */
	size_t whdrlen;
};

static const char *ext_of(int fmt)
{
	return fmt == SK_FMT_SU ? "su" : fmt == SK_FMT_SGK ? "sgk" : "sgy";
}

/*
 * The pieces' output buffer, which is also an sgk piece's block size, so a
 * remake (sk_split_remake) takes it from here to give the same bytes: with
 * many pieces open at once, memory is about one record each; sorted pieces
 * are the runs of an external sort, which segmerge --key merges by the
 * hundred, each of those inputs holding an sgk block whole while it is read
 * (compressed or not: the block layout puts a trace's header and samples
 * apart), so their blocks are small (64 KiB, not 4 MiB: 1,000 uncompressed
 * runs of 2 MB each held 4 MiB).  An sgk piece's block size is recorded in
 * the manifest (lin_block), since a remake must give the same bytes.
 * Other pieces have a buffer small enough to be in the cache still when
 * the kernel copies it out (SK_CACHE_BUF); a sorted piece written alone is
 * written behind (piece_behind) in 4 MiB buffers.
 */
size_t sk_split_piece_bufsize(size_t nouts, int sorted, int sgk)
{
	return nouts > 16 || (sorted && sgk) ? SK_MANY_BUF : sgk ? 0 : SK_CACHE_BUF;
}

/* A sorted piece written alone is written behind its writer (stream.h
 * write_behind): the writer gathers the records in their order, from the
 * mapped file or the sort buffer, and hashes them, while the kernel copies
 * the buffer before into the file's new pages.  848 MB in tmpfs, one
 * piece: 0.47-0.53 s against 0.56-0.60; two pieces (the runs of an
 * external sort): 0.44-0.47 against 0.50-0.54.  Unsorted pieces gain
 * nothing: they are copies, whose new 4 MiB buffers each cost more than
 * they gain (20 pieces: 0.38-0.42 s against 0.34-0.37). */
static int piece_behind(const struct ctx *c)
{
	return c->o->sort.n > 0 && c->nouts == 1;
}

/* Opens the next piece's writer into out. */
static int piece_open(struct ctx *c, struct out *out, int64_t first, int64_t expect,
		      struct sk_error *err)
{
	char name[64];
	struct sk_info like = c->like;
	int rc;

	memset(out, 0, sizeof *out);
	c->num++;
	snprintf(name, sizeof name, "part-%06zu.%s", c->num, c->ext);
	out->p.file = malloc(strlen(name) + 1);
	out->path = sk_path_join(c->o->dir, name);
	if (!out->p.file || !out->path)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	memcpy(out->p.file, name, strlen(name) + 1);
	out->p.first = first;
	like.ntraces = expect;
	{
		/* With many pieces open at once, memory is about one record each. */
		struct sk_wopts wo = c->o->wopts;
		wo.set = &c->set;
		wo.bufsize = sk_split_piece_bufsize(c->nouts, c->o->sort.n > 0,
						    (wo.fmt ? wo.fmt : like.fmt) == SK_FMT_SGK);
		wo.write_behind = piece_behind(c);
		/* A count known from the start (count and parts modes of a
		 * file) goes into the headers as they are written: the same
		 * bytes as fixing it at the close, but final as they go out, so
		 * the checksum is taken then and not by reading the file back. */
		if (expect >= 0 && c->total >= 0 && (c->o->mode == SK_SPLIT_COUNT || c->o->mode == SK_SPLIT_PARTS)) {
			wo.count_known = 1;
			wo.count = expect < c->total - first ? expect : c->total - first;
		}
		/* SK_EARG: the options cannot hold the stream (no file's fault). */
		if ((rc = sk_writer_open(out->path, &like, &wo, &out->w, err)) < 0)
			return rc == SK_EARG ? rc : sk_error_at(err, rc, out->path);
		if (sk_writer_info(out->w)->fmt == SK_FMT_SGK)
			c->m.lin_block = sk_writer_info(out->w)->block;
	}
	if (!(out->h = sk_xxh64_new()))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (sk_writer_tap(out->w, hash_tap, out) < 0)
		out->hashed = -1;
	return 0;
}

static void out_free(struct out *out)
{
	sk_writer_abort(out->w);
	out->w = NULL;
	free(out->path);
	free(out->p.file);
	free(out->p.range);
	sk_xxh64_free(out->h);
	memset(out, 0, sizeof *out);
}

static void note_trace(struct ctx *c, struct out *out)
{
	struct sk_mpiece *p = &out->p;

	if (c->mm.n > 0) {
		for (int k = 0; k < c->mm.n; k++) {
			if (!p->has_minmax || c->codes[k] < p->min[k])
				p->min[k] = c->codes[k];
			if (!p->has_minmax || c->codes[k] > p->max[k])
				p->max[k] = c->codes[k];
		}
		p->has_minmax = 1;
	}
	p->traces++;
}

/* The progress callback, every 1024 traces. */
static void tick(const struct ctx *c, int64_t i)
{
	if (c->o->progress && i % 1024 == 0)
		c->o->progress(c->o->progress_arg, i, c->total);
}

/*
 * A sorted piece goes out by a thread of its own (split_write.c) while the
 * next piece fills the buffer behind it, in the slots it has written: the
 * two overlap in one buffer's memory.  Below RUNW_MIN bytes of records a
 * piece is written here (a thread's start and hand-over cost more than
 * the overlap gains).
 */
#define RUNW_MIN ((size_t)1 << 20)

/* The piece the writer had: waits for it, then records it in the manifest
 * with its checksum.  Nothing to do without one. */
static int piece_collect(struct ctx *c, struct sk_error *err)
{
	struct out *out = &c->wout;
	int rc;

	if (!c->wpending)
		return 0;
	c->wpending = 0;
	rc = sk_runw_wait(&c->rw, err);
	out->w = NULL;  /* closed or aborted by the job */
	if (rc == 0)
		rc = sk_manifest_add(&c->m, &out->p, err);
	/* The checksum is of the finished file (the set's last): as its bytes
	 * went out, unless the writer changed some at the close (then read
	 * back, a pass over the page cache). */
	if (rc == 0) {
		struct sk_mpiece *p = &c->m.pieces[c->m.npieces - 1];
		if (out->hashed >= 0) {
			p->xxh64 = sk_xxh64_digest(out->h);
			p->bytes = (uint64_t)out->hashed;
		} else if ((rc = sk_file_xxh64(c->set.f[c->set.n - 1].tmp, &p->xxh64, &p->bytes, err)) < 0) {
			sk_error_at(err, rc, out->path);
		}
	}
	if (rc == 0)
		c->res->pieces++;
	out_free(out);
	return rc;
}

/* Hands the sorted piece in out to the writer (out is left empty). */
static int piece_write_sorted(struct ctx *c, struct out *out, struct sk_error *err)
{
	struct sk_runw *q = &c->rw;
	const size_t n = c->sb.n;
	int rc;

	if ((rc = piece_collect(c, err)) < 0)
		return rc;
	c->wout = *out;
	memset(out, 0, sizeof *out);
	/* The checksum's tap follows the piece to its new place; a piece
	 * holds only its file header until now, so the tap has seen nothing
	 * (else its account is void: the file is read back). */
	if (sk_writer_tap(c->wout.w, hash_tap, &c->wout) < 0)
		c->wout.hashed = -1;
	q->rec = &c->wrec;
	q->w = c->wout.w;
	q->base = c->inplace ? c->piece_base : c->sb.rec;
	q->reclen = c->inplace ? sk_rec_len(&c->rec) : c->sb.reclen;
	q->n = n;
	q->slots = sk_sortbuf_take(&c->sb);
	q->path = c->wout.path;
	c->wpending = 1;
	if ((rc = sk_runw_start(q, n * q->reclen >= RUNW_MIN, err)) < 0)
		return rc;
	/* Written here: in the manifest now. */
	return q->active ? 0 : piece_collect(c, err);
}

/* Writes the current trace to a piece, or into the sort buffer. */
static int piece_add(struct ctx *c, struct out *out, struct sk_error *err)
{
	int rc;

	note_trace(c, out);
	if (c->o->sort.n > 0) {
		unsigned char *slot;
		/* The next slot is free once the writer has written it; a buffer
		 * that must grow waits for the writer's whole piece (the
		 * records move). */
		if (c->sb.n == c->sb.cap)
			rc = piece_collect(c, err);
		else
			rc = c->inplace ? 0 : sk_runw_slot(&c->rw, c->sb.n, err);
		if (rc < 0 || (rc = sk_sortbuf_add(&c->sb, c->rec.hdr, &slot, err)) < 0)
			return rc;
		if (!c->inplace) {
			sk_rec_copy(&c->rec, slot);
			return 0;
		}
		if (c->sb.n == 1)
			c->piece_base = c->rec.rec;
		/* The records of a mapped file lie one after another. */
		assert(c->rec.rec == c->piece_base + (c->sb.n - 1) * sk_rec_len(&c->rec));
		return 0;
	}
	if ((rc = sk_rec_put(&c->rec, out->w, err)) < 0)
		return sk_error_at(err, rc, out->path);
	return 0;
}

/* Sorts and flushes a piece, puts its file in the set and records it.  A piece
 * without traces is discarded: a SEG-Y file of headers only is not a
 * stream the readers accept, and an empty piece carries nothing. */
static int piece_close(struct ctx *c, struct out *out, struct sk_error *err)
{
	struct sk_writer *w = out->w;
	int rc;

	if (out->p.traces == 0) {
		sk_writer_abort(w);
		out->w = NULL;
		return 0;
	}

	/* Sorted, then written by the writer (piece_write_sorted) while the
	 * next piece fills; the piece before is in the manifest first. */
	if (c->o->sort.n > 0) {
		if ((rc = sk_sortbuf_sort(&c->sb, err)) < 0)
			return rc;
		return piece_write_sorted(c, out, err);
	}
	out->w = NULL;
	if ((rc = sk_writer_close(w, err)) < 0)
		return sk_error_at(err, rc, out->path);
	if ((rc = sk_manifest_add(&c->m, &out->p, err)) < 0)
		return rc;
	/* The checksum is of the finished file (the set's last): as its bytes
	 * went out, unless the writer changed some at the close (then read
	 * back, a pass over the page cache). */
	{
		struct sk_mpiece *p = &c->m.pieces[c->m.npieces - 1];
		if (out->hashed >= 0) {
			p->xxh64 = sk_xxh64_digest(out->h);
			p->bytes = (uint64_t)out->hashed;
		} else if ((rc = sk_file_xxh64(c->set.f[c->set.n - 1].tmp, &p->xxh64, &p->bytes, err)) < 0) {
			return sk_error_at(err, rc, out->path);
		}
	}
	c->res->pieces++;
	return 0;
}

static int64_t part_start(int64_t k, int64_t total, int64_t parts)
{
	/* floor(k * total / parts) without overflowing k * total. */
	return k * (total / parts) + (k * (total % parts)) / parts;
}

static int run_sequential(struct ctx *c, struct sk_error *err)
{
	const struct sk_split_opts *o = c->o;
	struct out *cur = &c->outs[0];
	int64_t i = 0, part = 0, part_end = 0, gathers = 0;
	int rc;

	if (o->mode == SK_SPLIT_PARTS)
		part_end = part_start(1, c->total, o->n);
	for (;;) {
		int boundary = 0;

		rc = sk_rec_next(&c->rec, c->mm.n > 0, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		if (c->mm.n > 0)
			sk_keyset_eval(&c->mm, c->rec.hdr, c->codes);
		switch (o->mode) {
		case SK_SPLIT_COUNT:
			boundary = cur->p.traces == o->n;
			break;
		case SK_SPLIT_PARTS:
			if (i >= c->total)
				return sk_error_set(err, SK_EFMT, "trace %" PRId64 ": more traces than the %" PRId64
						    " counted", i + 1, c->total);
			break;
		case SK_SPLIT_KEY:
			if (i == 0 || memcmp(c->prev, c->codes, (size_t)o->keys.n * sizeof *c->codes) != 0) {
				if (gathers == o->n) {
					boundary = 1;
					gathers = 0;
				}
				gathers++;
				memcpy(c->prev, c->codes, (size_t)o->keys.n * sizeof *c->codes);
			}
			break;
		default:
			break;
		}
		/* Parts: move on (over empty parts when there are fewer traces
		 * than parts) until trace i falls inside the current part. */
		while (o->mode == SK_SPLIT_PARTS && i >= part_end) {
			if (cur->p.traces == 0)
				c->num--;  /* an empty part gives no file, and no gap */
			if ((rc = piece_close(c, cur, err)) < 0)
				return rc;
			out_free(cur);
			part++;
			part_end = part_start(part + 1, c->total, o->n);
			if ((rc = piece_open(c, cur, part_start(part, c->total, o->n),
					     part_end - part_start(part, c->total, o->n), err)) < 0)
				return rc;
		}
		if (boundary) {
			if ((rc = piece_close(c, cur, err)) < 0)
				return rc;
			out_free(cur);
			if ((rc = piece_open(c, cur, i, o->mode == SK_SPLIT_COUNT ? o->n : -1, err)) < 0)
				return rc;
		}
		if ((rc = piece_add(c, cur, err)) < 0)
			return rc;
		i++;
		tick(c, i);
	}
	if (o->mode == SK_SPLIT_PARTS && i != c->total)
		return sk_error_set(err, SK_EFMT, "%" PRId64 " traces, %" PRId64 " were counted", i, c->total);
	if ((rc = piece_close(c, cur, err)) < 0 || (rc = piece_collect(c, err)) < 0)
		return rc;
	out_free(cur);
	c->res->traces = i;
	return 0;
}

static int flush_run(struct ctx *c, struct sk_error *err)
{
	if (c->run_len == 0)
		return 0;
	if (fprintf(c->order, "%" PRId64 "\t%" PRId64 "\n", c->run_piece, c->run_len) < 0)
		return sk_error_at(err, sk_error_sys(err, "write"), c->order_path);
	c->m.order_runs++;
	c->run_len = 0;
	return 0;
}

/*
 * The runs were written with range numbers (1-based, the overflow piece
 * last); empty ranges gave no piece, so the order file is written again with
 * positions in the manifest's piece list, which is what segmerge follows.
 */
static int renumber_runs(struct ctx *c, struct sk_error *err)
{
	int64_t *pos = calloc(c->nouts + 1, sizeof *pos);
	struct sk_ofile nf = {-1, NULL, NULL, -1};
	FILE *in = NULL, *out = NULL;
	char line[64];
	int64_t next = 0;
	int rc = 0;

	if (!pos) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < c->nouts; k++)
		pos[k + 1] = c->outs[k].p.traces > 0 ? ++next : 0;
	if (next == (int64_t)c->nouts)
		goto done;  /* no empty range: the numbers are the positions */
	if ((rc = sk_ofile_open(&nf, c->order_path, err)) < 0) {
		sk_error_at(err, rc, c->order_path);
		goto done;
	}
	if (!(in = fopen(c->order_of.tmp, "r")) || !(out = fdopen(nf.fd, "w"))) {
		rc = sk_error_at(err, sk_error_sys(err, "%s", ""), c->order_path);
		goto done;
	}
	nf.fd = -1;  /* out's now */
	while (fgets(line, sizeof line, in)) {
		long long piece, count;
		if (sscanf(line, "%lld\t%lld", &piece, &count) != 2 || piece < 1 ||
		    (size_t)piece > c->nouts) {
			rc = sk_error_at(err, sk_error_set(err, SK_EFMT, "bad run '%s'", line), c->order_path);
			goto done;
		}
		if (fprintf(out, "%" PRId64 "\t%lld\n", pos[piece], count) < 0) {
			rc = sk_error_at(err, sk_error_sys(err, "%s", ""), c->order_path);
			goto done;
		}
	}
	if (ferror(in) || fclose(out) != 0) {
		out = NULL;
		rc = sk_error_at(err, sk_error_sys(err, "%s", ""), c->order_path);
		goto done;
	}
	out = NULL;
	/* The renumbered file takes the first one's place. */
	sk_ofile_abort(&c->order_of);
	c->order_of = nf;
	nf.tmp = nf.path = NULL;
done:
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	sk_ofile_abort(&nf);
	free(pos);
	return rc;
}

static int run_concurrent(struct ctx *c, struct sk_error *err)
{
	const struct sk_split_opts *o = c->o;
	int64_t i = 0;
	int rc;

	for (;;) {
		size_t k;
		struct out *out;

		rc = sk_rec_next(&c->rec, c->mm.n > 0, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		if (c->mm.n > 0)
			sk_keyset_eval(&c->mm, c->rec.hdr, c->codes);
		if (o->mode == SK_SPLIT_RR) {
			k = (size_t)(i % o->n);
		} else {
			k = sk_split_range_of(o, c->rorder, sk_key_value(c->rec.hdr, &o->keys.key[0]));
			if (c->run_len > 0 && c->run_piece != (int64_t)k + 1 && (rc = flush_run(c, err)) < 0)
				return rc;
			c->run_piece = (int64_t)k + 1;
			c->run_len++;
		}
		out = &c->outs[k];
		if (out->p.traces == 0)
			out->p.first = i;
		if ((rc = piece_add(c, out, err)) < 0)
			return rc;
		i++;
		tick(c, i);
	}
	for (size_t k = 0; k < c->nouts; k++) {
		if (c->outs[k].p.traces == 0)
			c->outs[k].p.first = i;
		if ((rc = piece_close(c, &c->outs[k], err)) < 0)
			return rc;
	}
	c->res->traces = i;
	if (c->order) {
		uint64_t h, size;
		FILE *fp = c->order;
		if ((rc = flush_run(c, err)) < 0)
			return rc;
		c->order = NULL;
		c->order_of.fd = -1;  /* fp's */
		if (fclose(fp) != 0)
			return sk_error_at(err, sk_error_sys(err, "%s", ""), c->order_path);
		if ((rc = renumber_runs(c, err)) < 0)
			return rc;
		if ((rc = sk_file_xxh64(c->order_of.tmp, &h, &size, err)) < 0)
			return sk_error_at(err, rc, c->order_path);
		c->m.order_xxh64 = h;
		c->m.order_bytes = size;
		if ((rc = sk_ofset_add(&c->set, &c->order_of, err)) < 0)
			return sk_error_at(err, rc, c->order_path);
	}
	return 0;
}

static int add_mm_key(struct sk_keyset *mm, const struct sk_key *k)
{
	for (int i = 0; i < mm->n; i++)
		if (mm->key[i].byte == k->byte && mm->key[i].type == k->type)
			return 0;
	if (mm->n == SK_SORT_MAXKEYS)
		return 0;
	mm->key[mm->n] = *k;
	mm->key[mm->n].desc = 0;
	mm->n++;
	return 1;
}

static void cleanup(struct ctx *c)
{
	/* A piece still being written (after a failure elsewhere) is waited
	 * for, then dropped with the set. */
	if (c->wpending) {
		c->wpending = 0;
		(void)sk_runw_wait(&c->rw, NULL);
		c->wout.w = NULL;
	}
	out_free(&c->wout);
	for (size_t k = 0; k < c->nouts; k++)
		out_free(&c->outs[k]);
	if (c->order) {
		fclose(c->order);
		c->order = NULL;
		c->order_of.fd = -1;
	}
	sk_ofile_abort(&c->order_of);
}

static int split_reader(struct ctx *c, struct sk_error *err)
{
	const struct sk_split_opts *o = c->o;
	const int concurrent = o->mode == SK_SPLIT_RR || o->mode == SK_SPLIT_RANGES;
	struct sk_keyset mm;
	int rc;

	c->like = *sk_reader_info(c->r);
	/* Min/max are recorded for the split keys and the sort keys. */
	memset(&mm, 0, sizeof mm);
	if (o->mode == SK_SPLIT_KEY || o->mode == SK_SPLIT_RANGES)
		for (int k = 0; k < o->keys.n; k++)
			add_mm_key(&mm, &o->keys.key[k]);
	for (int k = 0; k < o->sort.n; k++)
		add_mm_key(&mm, &o->sort.key[k]);
	sk_keyset_init(&c->mm, mm.key, mm.n);
	c->m.mm = c->mm;
	c->codes = calloc(SK_SORT_MAXKEYS, sizeof *c->codes);
	c->prev = calloc(SK_SORT_MAXKEYS, sizeof *c->prev);
	if (!c->codes || !c->prev)
		return sk_error_set(err, SK_ENOMEM, "out of memory");

	c->nouts = concurrent ? (o->mode == SK_SPLIT_RR ? (size_t)o->n : (size_t)o->nranges + 1) : 1;
	if (concurrent && (rc = sk_fdlimit_ensure(c->nouts, "pieces", &c->res->fd, err)) < 0)
		return rc;
	c->outs = calloc(c->nouts, sizeof *c->outs);
	if (!c->outs)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (size_t k = 0; k < c->nouts; k++) {
		int64_t expect = -1;
		if (o->mode == SK_SPLIT_COUNT)
			expect = o->n;
		else if (o->mode == SK_SPLIT_PARTS)
			expect = part_start(1, c->total, o->n);
		if ((rc = piece_open(c, &c->outs[k], 0, expect, err)) < 0)
			return rc;
		if (o->mode == SK_SPLIT_RANGES)
			c->outs[k].p.range = malloc(sizeof o->ranges[0].text);
		if (o->mode == SK_SPLIT_RANGES && c->outs[k].p.range)
			snprintf(c->outs[k].p.range, sizeof o->ranges[0].text, "%s",
				 k < (size_t)o->nranges ? o->ranges[k].text : "outside");
	}
	c->wfmt = sk_writer_info(c->outs[0].w)->fmt;
	c->whdrlen = sk_writer_info(c->outs[0].w)->hdrlen;
	/* Records pass through unchanged when the pieces are encoded as the
	 * input is: SEG-Y pieces then hold the input's bytes exactly. */
	if ((rc = sk_rec_init(&c->rec, c->r, sk_stream_raw_mode(c->r, c->outs[0].w), err)) < 0)
		return rc;
	if (o->sort.n > 0) {
		if ((rc = sk_rec_init(&c->wrec, c->r, c->rec.raw, err)) < 0)
			return rc;
		c->inplace = c->mapped && c->rec.raw != SK_RAW_NO;
		sk_sortbuf_init(&c->sb, &o->sort, c->inplace ? 0 : sk_rec_len(&c->rec));
		if (o->mode == SK_SPLIT_COUNT &&
		    (rc = sk_sortbuf_reserve(&c->sb, (size_t)(c->like.ntraces >= 0 && c->like.ntraces < o->n
							      ? c->like.ntraces : o->n), err)) < 0)
			return rc;
	}
	if (o->mode == SK_SPLIT_RANGES) {
		if (!(c->rorder = sk_split_range_order(o)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		if (o->sort.n == 0) {
			if (!(c->order_path = sk_path_join(o->dir, "order.tsv")))
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			if ((rc = sk_ofile_open(&c->order_of, c->order_path, err)) < 0)
				return sk_error_at(err, rc, c->order_path);
			if (!(c->order = fdopen(c->order_of.fd, "w")))
				return sk_error_at(err, sk_error_sys(err, "%s", ""), c->order_path);
			if ((rc = sk_manifest_set_str(&c->m.order_file, "order.tsv", err)) < 0)
				return rc;
		}
	}
	return concurrent ? run_concurrent(c, err) : run_sequential(c, err);
}

/* Parts from a pipe: copy the stream into DIR to learn its length.  The
 * copy stays a temporary (in set, to be aborted at the end). */
static int spool(struct ctx *c, struct sk_ofset *set, char **path, struct sk_reader **out,
		 struct sk_error *err)
{
	const struct sk_info *info = sk_reader_info(c->r);
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_writer *w = NULL;
	struct sk_rec rec;
	char name[64];
	int rc;

	snprintf(name, sizeof name, ".segsplit-spool.%s", ext_of(info->fmt));
	if (!(*path = sk_path_join(c->o->dir, name)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	wo.set = set;
	if ((rc = sk_writer_open(*path, info, &wo, &w, err)) < 0)
		return sk_error_at(err, rc, *path);
	if ((rc = sk_rec_init(&rec, c->r, sk_stream_raw_mode(c->r, w), err)) < 0) {
		sk_writer_abort(w);
		return rc;
	}
	while ((rc = sk_rec_next(&rec, 0, err)) == 1)
		if ((rc = sk_rec_put(&rec, w, err)) < 0) {
			sk_error_at(err, rc, *path);
			break;
		}
	sk_rec_release(&rec);
	if (rc < 0) {
		sk_writer_abort(w);
		return rc;
	}
	if ((rc = sk_writer_close(w, err)) < 0)
		return sk_error_at(err, rc, *path);
	c->res->spooled = 1;
	if ((rc = sk_reader_open(set->f[0].tmp, info->fmt, out, err)) < 0)
		return sk_error_at(err, rc, *path);
	if (sk_reader_info(*out)->ntraces < 0)
		return sk_error_at(err, sk_error_set(err, SK_EFMT, "cannot count the spooled traces"), *path);
	return 0;
}

static int split_run(struct sk_reader *r, const struct sk_split_opts *o, struct sk_split_result *res,
		     struct sk_error *err);

int sk_split_run(struct sk_reader *r, const struct sk_split_opts *o, struct sk_split_result *res,
		 struct sk_error *err)
{
	const int rc = split_run(r, o, res, err);
	/* What no output file claims is the input's (bad options are no file's). */
	return rc == SK_EARG ? rc : sk_error_at(err, rc, sk_in_name(o->source));
}

static int split_run(struct sk_reader *r, const struct sk_split_opts *o, struct sk_split_result *res,
		     struct sk_error *err)
{
	struct ctx c;
	struct sk_reader *spooled = NULL;
	struct sk_ofset spool_set;
	char *spool_path = NULL, *mpath = NULL;
	int rc;

	memset(&c, 0, sizeof c);
	memset(res, 0, sizeof *res);
	c.o = o;
	c.res = res;
	c.r = r;
	sk_manifest_init(&c.m);
	sk_ofset_init(&c.set);
	sk_ofset_init(&spool_set);
	c.order_of.fd = c.order_of.slot = -1;
	sk_runw_init(&c.rw);
	if (o->mode < SK_SPLIT_COUNT || o->mode > SK_SPLIT_RR || o->n < 1)
		return sk_error_set(err, SK_EARG, "no split mode");
	if (o->sort.n > 0 && (o->mode == SK_SPLIT_RR || o->mode == SK_SPLIT_RANGES))
		return sk_error_set(err, SK_EARG, "--sort works with --count, --parts and --key "
				    "(it holds one piece in memory at a time)");
	if ((rc = sk_ofset_mkdir(&c.set, o->dir, err)) < 0)
		return sk_error_at(err, rc, o->dir);
	/* A manifest left from an earlier split stays until this one commits
	 * its pieces and then its own manifest, last. */
	if (!(mpath = sk_path_join(o->dir, "manifest.yaml"))) {
		sk_ofset_abort(&c.set);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	c.ext = ext_of(o->wopts.fmt != SK_FMT_AUTO ? o->wopts.fmt : sk_reader_info(r)->fmt);
	c.total = sk_reader_info(r)->ntraces;
	/* A sort of a file takes the records from the file's own pages
	 * (sk_reader_map): a piece of 848 MB read into the sort buffer spent
	 * 42% of the CPU clearing fresh pages, 14% copying, on this project's
	 * VM.  Else one input read from start to end: reading overlaps the
	 * split (and without read-ahead, out of memory, it works as well). */
	c.mapped = o->sort.n > 0 && sk_reader_map(r);
	sk_reader_readahead(r, NULL);
	if (o->mode == SK_SPLIT_PARTS && c.total < 0) {
		if ((rc = spool(&c, &spool_set, &spool_path, &spooled, err)) < 0)
			goto out;
		c.mapped = o->sort.n > 0 && sk_reader_map(spooled);
		sk_reader_readahead(spooled, NULL);
		c.r = spooled;
		c.total = sk_reader_info(spooled)->ntraces;
	}
	if ((rc = split_reader(&c, err)) < 0)
		goto out;
	if (o->progress)
		o->progress(o->progress_arg, res->traces, c.total);

	sk_manifest_new_id(&c.m);
	c.m.fmt = c.wfmt;
	c.m.ns = c.like.ns;
	c.m.dt = c.like.dt;
	c.m.hdrlen = c.whdrlen;
	c.m.traces = res->traces;
	c.m.mode = o->mode;
	c.m.n = o->mode == SK_SPLIT_RANGES ? 0 : o->n;
	if ((rc = sk_manifest_set_str(&c.m.source, o->source ? o->source : "-", err)) < 0 ||
	    (rc = sk_manifest_set_str(&c.m.keys, o->mode == SK_SPLIT_KEY || o->mode == SK_SPLIT_RANGES
					      ? o->keys_text : NULL, err)) < 0 ||
	    (rc = sk_manifest_set_str(&c.m.ranges, o->mode == SK_SPLIT_RANGES ? o->ranges_text : NULL,
				      err)) < 0 ||
	    (rc = sk_manifest_set_str(&c.m.sort, o->sort.n > 0 ? o->sort_text : NULL, err)) < 0)
		goto out;
	/* The pieces synced before the manifest is written: a file system
	 * that fails at close (NFS) is reported about the first piece, not
	 * the manifest. */
	if ((rc = sk_ofset_sync(&c.set, err)) < 0 || (rc = sk_manifest_write(&c.m, mpath, &c.set, err)) < 0)
		goto out;
	if ((rc = sk_ofset_commit(&c.set, err)) < 0)
		sk_error_at(err, rc, c.set.f[c.set.failed].path);
	else if (o->manifest_out) {
		*o->manifest_out = c.m;
		sk_manifest_init(&c.m);
	}
out:
	cleanup(&c);
	if (spooled)
		sk_reader_free(spooled);
	sk_ofset_abort(&spool_set);
	sk_ofset_abort(&c.set);
	free(spool_path);
	free(mpath);
	free(c.order_path);
	free(c.outs);
	free(c.codes);
	free(c.prev);
	free(c.rorder);
	sk_rec_release(&c.rec);
	sk_rec_release(&c.wrec);
	sk_runw_release(&c.rw);
	sk_sortbuf_release(&c.sb);
	sk_manifest_release(&c.m);
	return rc;
}
