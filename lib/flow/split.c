#include "split.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "hdr.h"
#include "ofile.h"
#include "recio.h"

/* ---- ranges ---- */

/* One side of a:b; -1 when it is not a number. */
static int parse_bound(const char *s, size_t len, double *v, int *has)
{
	char buf[64], *end;

	if (len == 0) {
		*has = 0;
		return 0;
	}
	if (len >= sizeof buf)
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtod(buf, &end);
	if (end == buf || *end != '\0' || errno == ERANGE || !isfinite(*v))
		goto bad;
	*has = 1;
	return 0;
bad:
	return -1;
}

static int range_lo_cmp(const struct sk_range *a, const struct sk_range *b)
{
	if (!a->has_lo || !b->has_lo)
		return a->has_lo - b->has_lo;
	return (a->lo > b->lo) - (a->lo < b->lo);
}

int sk_split_ranges_parse(const char *arg, struct sk_split_opts *o, struct sk_error *err)
{
	const char *eq = strchr(arg, '=');
	char keyname[64];
	struct sk_range *rg = NULL;
	int n = 0, rc;
	const char *p;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof keyname || !eq[1])
		return sk_error_set(err, SK_EARG, "invalid ranges '%s' (expected KEY=a:b,b:c,...)", arg);
	memcpy(keyname, arg, (size_t)(eq - arg));
	keyname[eq - arg] = '\0';
	if ((rc = sk_keyset_parse(keyname, 0, &o->keys, err)) < 0)
		return rc;
	if (o->keys.n != 1)
		return sk_error_set(err, SK_EARG, "invalid ranges '%s' (one key only)", arg);
	for (p = eq + 1;;) {
		const char *comma = strchr(p, ',');
		const size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		struct sk_range *r;

		if (n == SK_SPLIT_MAXRANGES) {
			free(rg);
			return sk_error_set(err, SK_EARG, "too many ranges (at most %d)", SK_SPLIT_MAXRANGES);
		}
		if (!(r = realloc(rg, (size_t)(n + 1) * sizeof *rg))) {
			free(rg);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		rg = r;
		r = &rg[n];
		memset(r, 0, sizeof *r);
		snprintf(r->text, sizeof r->text, "%.*s", (int)len, p);
		if (!colon || parse_bound(p, (size_t)(colon - p), &r->lo, &r->has_lo) < 0 ||
		    parse_bound(colon + 1, len - (size_t)(colon - p) - 1, &r->hi, &r->has_hi) < 0) {
			rc = sk_error_set(err, SK_EARG, "invalid range '%.*s' in '%s' (expected a:b, a: or :b)",
					  (int)len, p, arg);
			free(rg);
			return rc;
		}
		if (r->has_lo && r->has_hi && r->lo >= r->hi) {
			rc = sk_error_set(err, SK_EARG, "empty range '%s' in '%s' (a:b needs a < b)", r->text, arg);
			free(rg);
			return rc;
		}
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	/* Overlaps: compare every pair (ranges are few; this keeps the check
	 * independent of the lookup's sorted copy). */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			const struct sk_range *a = &rg[i], *b = &rg[j];
			const struct sk_range *lo = range_lo_cmp(a, b) <= 0 ? a : b, *hi = lo == a ? b : a;
			if (!lo->has_hi || !hi->has_lo || lo->hi > hi->lo) {
				rc = sk_error_set(err, SK_EARG, "ranges '%s' and '%s' overlap", a->text, b->text);
				free(rg);
				return rc;
			}
		}
	o->ranges = rg;
	o->nranges = n;
	return 0;
}

/* ---- the splitter ---- */

struct out {
	struct sk_writer *w;
	char *path;
	struct sk_mpiece p;
};

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
 * hundred, each of those inputs holding a compressed block whole while it
 * is read, so their blocks are small (64 KiB, not 4 MiB).
 */
static size_t piece_bufsize(size_t nouts, int sorted, int zstd)
{
	return nouts > 16 || (sorted && zstd) ? SK_MANY_BUF : 0;
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
		wo.bufsize = piece_bufsize(c->nouts, c->o->sort.n > 0, wo.zstd);
		/* SK_EARG: the options cannot hold the stream (no file's fault). */
		if ((rc = sk_writer_open(out->path, &like, &wo, &out->w, err)) < 0)
			return rc == SK_EARG ? rc : sk_error_at(err, rc, out->path);
	}
	return 0;
}

static void out_free(struct out *out)
{
	sk_writer_abort(out->w);
	out->w = NULL;
	free(out->path);
	free(out->p.file);
	free(out->p.range);
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

/* Writes the current trace to a piece, or into the sort buffer. */
static int piece_add(struct ctx *c, struct out *out, struct sk_error *err)
{
	int rc;

	note_trace(c, out);
	if (c->o->sort.n > 0) {
		unsigned char *slot;
		if ((rc = sk_sortbuf_add(&c->sb, c->rec.hdr, &slot, err)) < 0)
			return rc;
		sk_rec_copy(&c->rec, slot);
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

	/* Written here, in sorted order, before the next piece fills (a
	 * writer thread that overlapped the two cost more CPU and twice the
	 * memory, for no gain in wall time measured on this machine in three
	 * sessions).  The trace just read, the next piece's first, stays
	 * intact: sk_rec_put_saved has scratch of its own. */
	if (c->o->sort.n > 0) {
		if ((rc = sk_sortbuf_sort(&c->sb, err)) < 0)
			return rc;
		for (size_t i = 0; i < c->sb.n; i++)
			if ((rc = sk_rec_put_saved(&c->rec, sk_sortbuf_get(&c->sb, i), w, err)) < 0)
				return sk_error_at(err, rc, out->path);
		sk_sortbuf_clear(&c->sb);
	}
	out->w = NULL;
	if ((rc = sk_writer_close(w, err)) < 0)
		return sk_error_at(err, rc, out->path);
	if ((rc = sk_manifest_add(&c->m, &out->p, err)) < 0)
		return rc;
	/* The checksum is of the finished file (the set's last), after the
	 * writer fixed its counts; reading it back costs a pass over the page
	 * cache. */
	{
		struct sk_mpiece *p = &c->m.pieces[c->m.npieces - 1];
		if ((rc = sk_file_xxh64(c->set.f[c->set.n - 1].tmp, &p->xxh64, &p->bytes, err)) < 0)
			return sk_error_at(err, rc, out->path);
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
	if ((rc = piece_close(c, cur, err)) < 0)
		return rc;
	out_free(cur);
	c->res->traces = i;
	return 0;
}

/* The ranges' indices in the order of their lower bounds, for range_of
 * (malloc'd; NULL when out of memory). */
static size_t *range_order(const struct sk_split_opts *o)
{
	size_t *r = malloc(((size_t)o->nranges + 1) * sizeof *r);

	for (size_t k = 0; r && k < (size_t)o->nranges; k++) {
		size_t j = k;
		while (j > 0 && range_lo_cmp(&o->ranges[r[j - 1]], &o->ranges[k]) > 0) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = k;
	}
	return r;
}

/* The piece (0-based) a value belongs to: the range that holds it, or the
 * overflow piece nranges. */
static size_t range_of(const struct sk_split_opts *o, const size_t *rorder, double v)
{
	size_t lo = 0, hi = (size_t)o->nranges;

	if (isnan(v))
		return (size_t)o->nranges;
	/* Last range (in lo order) whose lower bound is <= v. */
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const struct sk_range *r = &o->ranges[rorder[mid]];
		if (!r->has_lo || r->lo <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		const struct sk_range *r = &o->ranges[rorder[lo - 1]];
		if (!r->has_hi || v < r->hi)
			return rorder[lo - 1];
	}
	return (size_t)o->nranges;
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
			k = range_of(o, c->rorder, sk_key_value(c->rec.hdr, &o->keys.key[0]));
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
		sk_sortbuf_init(&c->sb, &o->sort, sk_rec_len(&c->rec));
		if (o->mode == SK_SPLIT_COUNT &&
		    (rc = sk_sortbuf_reserve(&c->sb, (size_t)(c->like.ntraces >= 0 && c->like.ntraces < o->n
							      ? c->like.ntraces : o->n), err)) < 0)
			return rc;
	}
	if (o->mode == SK_SPLIT_RANGES) {
		if (!(c->rorder = range_order(o)))
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
	/* One input read from start to end: reading overlaps the split (and
	 * without read-ahead, out of memory, it works as well). */
	sk_reader_readahead(r, NULL);
	if (o->mode == SK_SPLIT_PARTS && c.total < 0) {
		if ((rc = spool(&c, &spool_set, &spool_path, &spooled, err)) < 0)
			goto out;
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
	if ((rc = sk_manifest_write(&c.m, mpath, &c.set, err)) < 0)
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
	sk_sortbuf_release(&c.sb);
	sk_manifest_release(&c.m);
	return rc;
}

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
	if (!(rr->rorder = range_order(&rr->o)))
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
	wo.bufsize = piece_bufsize(nouts, sorted, wo.zstd);
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
			take = range_of(&rr.o, rr.rorder, sk_key_value(rec.hdr, &rr.o.keys.key[0])) == rr.want;
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
