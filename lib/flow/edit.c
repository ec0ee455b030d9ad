/*
 * edit: segedit's pass (edit.h, sk_edit_run): the inputs one after the
 * other, each trace's header edited (edit_store.c, edit_table.c), kept or
 * dropped, its samples windowed and scaled, and the output written.
 */
#include "edit.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Input and output buffers of SEG-Y and SU streams: small enough to stay
 * in the cache, so that a header edit's one copy of the samples (input
 * buffer to output buffer) runs from it.  On 100 MB of IBM SEG-Y into
 * /dev/null, 256 KiB buffers took 0.04 s of CPU against 0.05-0.06 s with
 * 4 MiB and read-ahead, and cat 0.02-0.03 s. */
#define EDIT_BUF ((size_t)256 << 10)
/* @BYTE keys one run may use (each a different byte and type). */
#define EDIT_MAX_AT 32

struct editor {
	const struct sk_edit_opts *o;
	struct sk_edit_result *res;
	struct sk_writer *w;
	const struct sk_info *first;
	int su;                      /* SU on either side: scalars after byte 180 are SU's */
	long ns_out;                 /* samples per output trace */
	double dt_s;                 /* sample interval in seconds */
	unsigned char *hdr, *fhdr;   /* canonical header; the same in the file's order */
	float *data, *wdata;
	const char *const *paths;    /* the inputs, which at() names */
	struct sk_error *err;
	int64_t count;               /* traces the output will hold when known, else -1 */
	/* The @BYTE keys that name bytes no header swap reorders (outside the
	 * key table): in a little-endian input they hold the input's byte
	 * order in the canonical header, so edit_header turns them to
	 * big-endian, as every key is there, and back (set by set_flips). */
	const struct sk_key *at[EDIT_MAX_AT];
	size_t nat, nflip;
	const struct sk_key *flip[EDIT_MAX_AT];
};

void sk_edit_opts_init(struct sk_edit_opts *o)
{
	const struct sk_wopts wo = SK_WOPTS_INIT;

	memset(o, 0, sizeof *o);
	o->from = SK_FMT_AUTO;
	o->wopts = wo;
	o->scale = 1;
}

/* Says that the error rc is about input k. */
static int at(const struct editor *g, size_t k, int rc)
{
	return sk_error_at(g->err, rc, sk_in_name(g->paths[k]));
}

/* Prefixes err's message with "trace N: " and, given, names the expression
 * (label "" for an assignment, "--where "). */
static int on_trace(struct sk_error *err, int64_t tr, const char *label, const char *src)
{
	char m[sizeof err->msg];

	snprintf(m, sizeof m, "%s", err->msg);
	if (src)
		return sk_error_set(err, err->code, "trace %" PRId64 ": %s in %s'%s'", tr, m, label, src);
	return sk_error_set(err, err->code, "trace %" PRId64 ": %s", tr, m);
}

/* 1 when key k names bytes 181-240 in the other meaning than the stream's:
 * a SEG-Y rev 1 key (cdpx, iline, ...) in an SU stream, or an SU key (d1,
 * f1, ...) in a SEG-Y or sgk one. */
static int wrong_tail(const struct sk_key *k, int su)
{
	size_t n;
	const struct sk_key *t;

	if (k->byte < SK_HDR_SU_TAIL || k->name[0] == '@')
		return 0;
	t = su ? sk_hdr_table(&n) : sk_hdr_su_table(&n);
	for (size_t j = 0; j < n; j++)
		if (strcmp(t[j].name, k->name) == 0)
			return 1;
	return 0;
}

static int tail_error(const struct sk_key *k, int su, const char *label, const char *what, struct sk_error *err)
{
	/* An sgk stream is of the kind it was made from (its origin). */
	return sk_error_set(err, SK_EARG, "%s in %s'%s': %s hold %s at bytes 181-240, not %s", k->name, label, what,
			    su ? "SU streams and sgk made from SU" : "SEG-Y streams and sgk made from SEG-Y",
			    su ? "d1 f1 d2 f2 ungpow unscale ntr mark" : "cdpx cdpy iline xline ...", k->name);
}

static int check_keys(const struct editor *g, const struct sk_info *info, struct sk_error *err)
{
	const struct sk_edit_opts *o = g->o;
	const int su = info->su_tail;
	size_t end = o->where ? sk_expr_hdr_end(o->where) : 0;
	const char *what = o->where_src;
	const struct sk_key *k;

	if (o->where)
		for (size_t pos = 0; (k = sk_expr_next_key(o->where, &pos)) != NULL;)
			if (wrong_tail(k, su))
				return tail_error(k, su, "--where ", o->where_src, err);
	/* ns belongs to the stream (every trace has it): --time changes it. */
	for (size_t j = 0; j < o->nassign; j++)
		if (o->assign[j].key.byte == SK_TR_NS)
			return sk_error_set(err, SK_EARG, "'%s': ns is the stream's samples per trace (--time changes it)",
					    o->assign[j].src);
	if (o->table)
		for (int j = 0; j < o->table->ncol; j++)
			if (o->table->key[j].byte == SK_TR_NS)
				return sk_error_set(err, SK_EARG, "%s: ns is the stream's samples per trace (--time changes it)",
						    o->table_path);
	for (size_t j = 0; j < o->nassign; j++) {
		if (wrong_tail(&o->assign[j].key, su))
			return tail_error(&o->assign[j].key, su, "", o->assign[j].src, err);
		for (size_t pos = 0; (k = sk_expr_next_key(o->assign[j].expr, &pos)) != NULL;)
			if (wrong_tail(k, su))
				return tail_error(k, su, "", o->assign[j].src, err);
	}
	if (o->table)
		for (int j = 0; j < o->table->ncol; j++)
			if (wrong_tail(&o->table->key[j], su))
				return tail_error(&o->table->key[j], su, "", o->table_path, err);
	for (size_t j = 0; j < o->nassign; j++) {
		const struct sk_key *key = &o->assign[j].key;
		size_t e = sk_expr_hdr_end(o->assign[j].expr);
		if (key->byte - 1u + (size_t)sk_type_size(key->type) > e)
			e = key->byte - 1u + (size_t)sk_type_size(key->type);
		if (e > end) {
			end = e;
			what = o->assign[j].src;
		}
	}
	if (o->table)
		for (int j = 0; j < o->table->ncol; j++) {
			const struct sk_key *key = &o->table->key[j];
			if (key->byte - 1u + (size_t)sk_type_size(key->type) > end) {
				end = key->byte - 1u + (size_t)sk_type_size(key->type);
				what = o->table_path;
			}
		}
	if (end > info->hdrlen)
		return sk_error_set(err, SK_EARG, "'%s' reaches byte %zu, beyond the %zu-byte trace headers", what,
				    end, info->hdrlen);
	return 0;
}

static int check_shape(const struct editor *g, const struct sk_info *a, const char *fname,
		       struct sk_error *err)
{
	const struct sk_info *f = g->first;

	if (a->ns != f->ns)
		return sk_error_set(err, SK_ESTATE, "ns=%ld differs from %s's ns=%ld", a->ns, fname, f->ns);
	if (a->dt != f->dt)
		return sk_error_set(err, SK_ESTATE, "dt=%g differs from %s's dt=%g", a->dt, fname, f->dt);
	if (a->hdrlen != f->hdrlen)
		return sk_error_set(err, SK_ESTATE, "trace header length %zu differs from %s's %zu", a->hdrlen,
				    fname, f->hdrlen);
	return 0;
}

/* Steps 1-3 on g->hdr: 1 keep, 0 drop, or an error. */
/* Notes key k when it is an @BYTE key of more than one byte. */
static int note_at(struct editor *g, const struct sk_key *k, struct sk_error *err)
{
	if (k->name[0] != '@' || sk_type_size(k->type) < 2)
		return 0;
	for (size_t j = 0; j < g->nat; j++)
		if (g->at[j]->byte == k->byte && g->at[j]->type == k->type)
			return 0;
	if (g->nat == EDIT_MAX_AT)
		return sk_error_set(err, SK_EARG, "more than %d different @BYTE keys", EDIT_MAX_AT);
	g->at[g->nat++] = k;
	return 0;
}

/* Every @BYTE key the edits read or write. */
static int note_at_keys(struct editor *g, struct sk_error *err)
{
	const struct sk_edit_opts *o = g->o;
	const struct sk_key *k;
	int rc = 0;

	for (size_t pos = 0; o->where && rc == 0 && (k = sk_expr_next_key(o->where, &pos)) != NULL;)
		rc = note_at(g, k, err);
	for (size_t j = 0; j < o->nassign && rc == 0; j++) {
		rc = note_at(g, &o->assign[j].key, err);
		for (size_t pos = 0; rc == 0 && (k = sk_expr_next_key(o->assign[j].expr, &pos)) != NULL;)
			rc = note_at(g, k, err);
	}
	for (int j = 0; o->table && j < o->table->ncol && rc == 0; j++)
		rc = note_at(g, &o->table->key[j], err);
	return rc;
}

/* The @BYTE keys to flip for an input (sk_stream_key_flips). */
static void set_flips(struct editor *g, const struct sk_info *info)
{
	g->nflip = 0;
	for (size_t j = 0; j < g->nat; j++)
		if (sk_stream_key_flips(info, g->at[j]))
			g->flip[g->nflip++] = g->at[j];
}

static void flip_at_keys(const struct editor *g, unsigned char *hdr)
{
	for (size_t j = 0; j < g->nflip; j++)
		sk_key_flip(hdr, g->flip[j]);
}

static int edit_fields(struct editor *g, int64_t tr, struct sk_error *err);

/* The edits of one trace's canonical header: 1 to keep the trace, 0 to
 * drop it, or an error. */
static int edit_header(struct editor *g, int64_t tr, struct sk_error *err)
{
	int rc;

	flip_at_keys(g, g->hdr);
	rc = edit_fields(g, tr, err);
	flip_at_keys(g, g->hdr);
	return rc;
}

static int edit_fields(struct editor *g, int64_t tr, struct sk_error *err)
{
	const struct sk_edit_opts *o = g->o;
	const size_t hl = g->first->hdrlen;
	const int64_t i = g->res->read - 1;
	int rc;

	if (o->table) {
		const double *row = sk_edit_table_find(o->table, g->hdr);
		if (!row) {
			if (o->missing == SK_EDIT_MISSING_DROP)
				return 0;
			if (o->missing == SK_EDIT_MISSING_ERROR) {
				double v[SK_EDIT_MAX_BY];
				char what[256];
				for (int j = 0; j < o->table->nby; j++)
					v[j] = sk_key_value(g->hdr, &o->table->key[o->table->by[j]]);
				sk_edit_table_by_text(o->table, v, what, sizeof what);
				/* The table lacks the row: it is the file named. */
				return sk_error_at(err,
						   sk_error_set(err, SK_EFMT, "no row for trace %" PRId64 " (%s)", tr, what),
						   o->table_path);
			}
		} else {
			for (int j = 0; j < o->table->ncol; j++) {
				int b = 0;
				for (int k = 0; k < o->table->nby; k++)
					b |= o->table->by[k] == j;
				if (!b && (rc = sk_edit_store(g->hdr, hl, &o->table->key[j], row[j], g->su, err)) < 0)
					return on_trace(err, tr, NULL, NULL);
			}
		}
	}
	for (size_t k = 0; k < o->nassign; k++) {
		double v;
		if ((rc = sk_expr_eval(o->assign[k].expr, g->hdr, i, &v, err)) < 0 ||
		    (rc = sk_edit_store(g->hdr, hl, &o->assign[k].key, v, g->su, err)) < 0)
			return on_trace(err, tr, "", o->assign[k].src);
	}
	if (o->where) {
		double v;
		if ((rc = sk_expr_eval(o->where, g->hdr, i, &v, err)) < 0)
			return on_trace(err, tr, "--where ", o->where_src);
		return v != 0;
	}
	return 1;
}

/* The first sample of the window for a trace whose first sample is at ts
 * seconds, as suwind: the nearest sample, halves away from zero. */
static long first_sample(const struct editor *g, double ts, double t)
{
	return lround((t - ts) / g->dt_s);
}

/* Steps 4 and 5: the output samples of the trace in g->hdr / g->data. */
static int samples(struct editor *g, int64_t tr, const float **out, struct sk_error *err)
{
	const struct sk_edit_opts *o = g->o;
	const float *d = g->data;

	if (o->window) {
		const struct sk_key *delrt = sk_hdr_key("delrt");
		const double ts = sk_key_value(g->hdr, delrt) / 1000;
		const long a = first_sample(g, ts, o->t0);
		int rc;

		if (a < 0 || a + g->ns_out > g->first->ns)
			return sk_error_set(err, SK_EFMT,
					    "trace %" PRId64 ": the window %g-%g s is outside the trace (%g-%g s, ns %ld)",
					    tr, o->t0, o->t1, ts, ts + (double)(g->first->ns - 1) * g->dt_s, g->first->ns);
		memmove(g->wdata, d + a, (size_t)g->ns_out * sizeof *d);
		d = g->wdata;
		if ((rc = sk_edit_store(g->hdr, g->first->hdrlen, delrt, (ts + (double)a * g->dt_s) * 1000, g->su,
					err)) < 0)
			return on_trace(err, tr, NULL, NULL);
		sk_hdr_set_i16(g->hdr, SK_TR_NS, (int16_t)(uint16_t)(g->ns_out > 65535 ? 0 : g->ns_out));
	}
	if (o->scale_set) {
		float *w = g->wdata;
		for (long k = 0; k < g->ns_out; k++)
			w[k] = (float)((double)d[k] * o->scale);
		d = w;
	}
	*out = d;
	return 0;
}

static int open_output(struct editor *g, struct sk_error *err)
{
	const struct sk_edit_opts *o = g->o;
	struct sk_info like = *g->first;
	struct sk_wopts wo = o->wopts;
	int rc;

	g->dt_s = like.dt * 1e-6;
	g->ns_out = like.ns;
	if (o->window) {
		/* ns from the first trace's start (delrt), or from a zero start
		 * when there is none: the window's samples, both ends included. */
		const double ts = g->res->read > 0 ? sk_key_value(g->hdr, sk_hdr_key("delrt")) / 1000 : 0;
		if (!(g->dt_s > 0))
			return at(g, 0, sk_error_set(err, SK_EFMT, "--time needs a sample interval (dt is 0)"));
		g->ns_out = first_sample(g, ts, o->t1) - first_sample(g, ts, o->t0) + 1;
		like.ns = g->ns_out;
	}
	like.ntraces = -1;
	/* Every trace of one input goes out when nothing selects: the count is
	 * known, and a pipe carries it as a file does. */
	if (g->count >= 0) {
		wo.count_known = 1;
		wo.count = g->count;
	}
	/* sgk takes its block size from the buffer: keep its default.  A
	 * regular file is written behind the edits (stream.h write_behind)
	 * in 4 MiB buffers: 424 MB of SEG-Y, cdp=cdp+1 into tmpfs, 0.37 s
	 * against 0.53 (farm-bench, 11 pairs). */
	if ((o->wopts.fmt ? o->wopts.fmt : like.fmt) != SK_FMT_SGK && !wo.bufsize)
		wo.bufsize = EDIT_BUF;
	wo.write_behind = 1;
	if ((rc = sk_writer_open(o->out, &like, &wo, &g->w, err)) < 0)
		return rc;
	g->su = g->first->su_tail || sk_writer_info(g->w)->su_tail;
	return 0;
}

/* Edits every trace of input k (its reader r open).  The writer is open
 * unless --time waits for the first trace's delrt. */
static int run_input(struct editor *g, size_t k, struct sk_reader *r, struct sk_error *err)
{
	const struct sk_edit_opts *o = g->o;
	const struct sk_info *info = sk_reader_info(r);
	const size_t hl = info->hdrlen;
	const int raw = g->w && !o->window && !o->scale_set && sk_stream_same_encoding(r, g->w);
	const int swap = raw && info->little && info->fmt != SK_FMT_SGK;
	int64_t tr = 0;
	int rc;

	set_flips(g, info);
	/* Decoding overlaps reading in another thread (without read-ahead, out
	 * of memory, it works as well).  A raw copy does not gain from it: its
	 * one copy of the samples is memory-bound, and runs fastest through
	 * buffers that stay in the cache (EDIT_BUF). */
	if (!raw)
		sk_reader_readahead(r, NULL);
	for (;;) {
		const unsigned char *rec = NULL;
		const float *d = g->data;
		int keep;

		if (raw) {
			if ((rc = sk_reader_next_raw(r, &rec, err)) < 0)
				return at(g, k, rc);
			if (rc == 1) {
				memcpy(g->hdr, rec, hl);
				if (swap)
					sk_stream_swap(g->hdr, info);
			}
		} else if ((rc = sk_reader_next(r, g->hdr, g->data, err)) < 0) {
			return at(g, k, rc);
		}
		if (rc == 0)
			break;
		tr++;
		g->res->read++;
		if (tr == 1 && g->w) {
			/* This input's meaning of bytes 181-240, converted to the
			 * output's (segmerge does the same). */
			g->su = info->su_tail || sk_writer_info(g->w)->su_tail;
			sk_writer_source(g->w, info);
		}
		if ((keep = edit_header(g, tr, err)) < 0)
			return at(g, k, keep);
		if (!g->w) {
			if ((rc = open_output(g, err)) < 0)
				return rc;
			sk_writer_source(g->w, info);
		}
		if (!keep)
			continue;
		if (raw) {
			memcpy(g->fhdr, g->hdr, hl);
			if (swap)
				sk_stream_swap(g->fhdr, info);
			rc = sk_writer_put_raw_hdr(g->w, g->fhdr, rec, err);
		} else {
			if ((rc = samples(g, tr, &d, err)) < 0)
				return at(g, k, rc);
			rc = sk_writer_put(g->w, g->hdr, d, err);
		}
		if (rc < 0)
			return rc;
		g->res->written++;
	}
	return 0;
}

int sk_edit_run(const char *const *paths, size_t n, const struct sk_edit_opts *o,
		struct sk_edit_result *res, struct sk_error *err)
{
	struct editor g;
	struct sk_reader *r0 = NULL;
	int rc;

	memset(&g, 0, sizeof g);
	memset(res, 0, sizeof *res);
	g.o = o;
	g.res = res;
	g.err = err;
	g.paths = paths;
	if ((rc = sk_reader_open_buf(paths[0], o->from, EDIT_BUF, &r0, err)) < 0)
		return at(&g, 0, rc);
	/* The first input's info is the writer's model until the end. */
	g.first = sk_reader_info(r0);
	g.count = n == 1 && !o->where && o->missing != SK_EDIT_MISSING_DROP ? g.first->ntraces : -1;
	if ((rc = check_keys(&g, g.first, err)) < 0 || (rc = note_at_keys(&g, err)) < 0) {
		/* Keys the headers cannot hold: the expressions and this input
		 * do not go together. */
		if (rc == SK_EARG)
			rc = err->code = SK_EUSAGE;
		rc = at(&g, 0, rc);
		goto out;
	}
	/* Every other input's shape first, so a mismatch writes nothing;
	 * standard input is checked when reached. */
	for (size_t k = 1; k < n; k++) {
		struct sk_reader *q;
		if (!paths[k] || strcmp(paths[k], "-") == 0)
			continue;
		if ((rc = sk_reader_open(paths[k], o->from, &q, err)) < 0) {
			rc = at(&g, k, rc);
			goto out;
		}
		rc = check_shape(&g, sk_reader_info(q), sk_in_name(paths[0]), err);
		/* An input of the other kind (SU, SEG-Y) gives bytes 181-240
		 * other names: its keys are checked on their own. */
		if (rc == 0 && sk_reader_info(q)->su_tail != g.first->su_tail &&
		    (rc = check_keys(&g, sk_reader_info(q), err)) == SK_EARG)
			rc = err->code = SK_EUSAGE;
		sk_reader_free(q);
		if (rc < 0) {
			rc = at(&g, k, rc);
			goto out;
		}
	}
	g.hdr = malloc(g.first->hdrlen);
	g.fhdr = malloc(g.first->hdrlen);
	g.data = malloc(((size_t)g.first->ns + 1) * sizeof *g.data);
	g.wdata = malloc(((size_t)g.first->ns + 1) * sizeof *g.wdata);
	if (!g.hdr || !g.fhdr || !g.data || !g.wdata) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if (!o->window && (rc = open_output(&g, err)) < 0)
		goto out;
	for (size_t k = 0; k < n; k++) {
		struct sk_reader *r = r0;
		if (k > 0) {
			if ((rc = sk_reader_open_buf(paths[k], o->from, EDIT_BUF, &r, err)) < 0) {
				rc = at(&g, k, rc);
				goto out;
			}
			if ((rc = check_shape(&g, sk_reader_info(r), sk_in_name(paths[0]), err)) == 0 &&
			    sk_reader_info(r)->su_tail != g.first->su_tail &&
			    (rc = check_keys(&g, sk_reader_info(r), err)) == SK_EARG)
				rc = err->code = SK_EUSAGE;
			if (rc < 0)
				rc = at(&g, k, rc);
		}
		if (rc == 0)
			rc = run_input(&g, k, r, err);
		if (k > 0)
			sk_reader_free(r);
		if (rc < 0)
			goto out;
	}
	if (res->read > 0 && res->written == 0 && (o->wopts.fmt ? o->wopts.fmt : g.first->fmt) != SK_FMT_SGK) {
		/* A SEG-Y or SU file of no traces is refused by every reader
		 * (stream.c): said here, nothing written, rather than found by
		 * the next command.  sgk holds a stream of none. */
		if (o->where && o->missing == SK_EDIT_MISSING_DROP)
			rc = sk_error_set(err, SK_EFMT, "no trace kept: of the %lld read, none satisfies --where '%s' "
					  "and has a table row (--missing drop); nothing written",
					  (long long)res->read, o->where_src);
		else if (o->where)
			rc = sk_error_set(err, SK_EFMT,
					  "no trace kept: of the %lld read, none satisfies --where '%s'; nothing written",
					  (long long)res->read, o->where_src);
		else
			rc = sk_error_set(err, SK_EFMT, "no trace kept: of the %lld read, none has a table row "
					  "(--missing drop); nothing written", (long long)res->read);
		goto out;
	}
	if (!g.w && (rc = open_output(&g, err)) < 0)
		goto out;
	rc = sk_writer_close(g.w, err);
	g.w = NULL;
out:
	sk_writer_abort(g.w);
	sk_reader_free(r0);
	free(g.hdr);
	free(g.fhdr);
	free(g.data);
	free(g.wdata);
	return rc;
}
