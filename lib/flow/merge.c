#include "merge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hdr.h"
#include "heap.h"
#include "recio.h"
#include "xsum.h"

struct input {
	const char *path;
	struct sk_reader *r;
	struct sk_rec rec;
	int64_t n;            /* traces read so far */
	int opened;           /* a caller's stream (o->src) opened */
	int ended;            /* read to its end (and closed when o->src) */
	uint64_t codes[SK_SORT_MAXKEYS], prev[SK_SORT_MAXKEYS];
};

struct merger {
	const struct sk_merge_opts *o;
	struct sk_merge_result *res;
	struct input *in;
	size_t n;
	struct sk_writer *w;
	const struct sk_info *first;  /* the first input's info (the writer's model) */
	size_t *heap;
	double *acc;
	unsigned char *inexact;
	float *sum;
	struct sk_error *err;   /* where at() names the input */
	int64_t ptotal;         /* the progress report's total (-1 unknown) */
	size_t bad;             /* the input the last error is about (SIZE_MAX: none) */
};

void sk_merge_opts_init(struct sk_merge_opts *o)
{
	const struct sk_wopts wo = SK_WOPTS_INIT;

	memset(o, 0, sizeof *o);
	o->mode = SK_MERGE_CONCAT;
	o->total = -1;
	o->from = SK_FMT_AUTO;
	o->wopts = wo;
}

/* Says that the error rc is about input i. */
static int at(struct merger *g, size_t i, int rc)
{
	g->bad = i;
	return sk_error_at(g->err, rc, sk_in_name(g->in[i].path));
}

/* The first input sets ns, dt and header length; the others must agree. */
static int check_shape(struct merger *g, size_t i, const struct sk_info *a, struct sk_error *err)
{
	const struct sk_info *f = g->first;
	const char *fname = sk_in_name(g->in[0].path);
	int rc = 0;

	if (a->ns != f->ns)
		rc = sk_error_set(err, SK_ESTATE, "ns=%ld differs from %s's ns=%ld", a->ns, fname, f->ns);
	else if (a->dt != f->dt)
		rc = sk_error_set(err, SK_ESTATE, "dt=%g differs from %s's dt=%g", a->dt, fname, f->dt);
	else if (a->hdrlen != f->hdrlen)
		rc = sk_error_set(err, SK_ESTATE, "trace header length %zu differs from %s's %zu",
				  a->hdrlen, fname, f->hdrlen);
	return rc < 0 ? at(g, i, rc) : 0;
}

/* An input file's buffer: lean when many are open at once; for a merge by
 * keys of a few, cache-sized (SK_CACHE_BUF), so that the records a read()
 * puts there are still in the cache when they are copied out (with 4 MiB
 * buffers the kernel's copy into them took 30% of the CPU of a 5-run
 * merge); else the default. */
static size_t in_bufsize(const struct merger *g)
{
	if (g->n > 16)
		return SK_MANY_BUF;
	return g->o->mode == SK_MERGE_KEY ? SK_CACHE_BUF : 0;
}

static int open_input(struct merger *g, size_t i, struct sk_error *err)
{
	struct input *in = &g->in[i];
	int rc;

	/* With many inputs open at once, memory is about one record each. */
	if (g->o->src) {
		/* Streams of a caller: a lean buffer each when they are all
		 * open at once. */
		const size_t buf = g->n > 16 || g->o->mode != SK_MERGE_CONCAT ? SK_MANY_BUF : 0;
		if ((rc = g->o->src->open(g->o->src->arg, i, buf, &in->r, err)) < 0)
			return at(g, i, rc);
		in->opened = 1;
	} else if ((rc = sk_reader_open_buf(in->path, g->o->from, in_bufsize(g), &in->r, err)) < 0) {
		return at(g, i, rc);
	}
	if (!g->first)
		g->first = sk_reader_info(in->r);
	else if ((rc = check_shape(g, i, sk_reader_info(in->r), err)) < 0)
		return rc;
	return 0;
}

static int start_input(struct merger *g, size_t i, struct sk_error *err)
{
	struct input *in = &g->in[i];
	const int raw = g->o->mode != SK_MERGE_SUM ? sk_stream_raw_mode(in->r, g->w) : SK_RAW_NO;
	const int rc = sk_rec_init(&in->rec, in->r, raw, err);

	return rc < 0 ? at(g, i, rc) : 0;
}

static void close_input(struct input *in)
{
	sk_rec_release(&in->rec);
	sk_reader_free(in->r);
	in->r = NULL;
}

/* Input i was read to its end: a caller's stream is closed now, and its
 * close may fail (the sender's failure).  Its reader stays (the first
 * input's info is the writer's model). */
static int end_input(struct merger *g, size_t i, struct sk_error *err)
{
	struct input *in = &g->in[i];
	int rc;

	if (in->ended)
		return 0;
	in->ended = 1;
	if (!in->opened)
		return 0;
	in->opened = 0;
	if ((rc = g->o->src->close(g->o->src->arg, i, 1, err)) < 0)
		return at(g, i, rc);
	return 0;
}

/* The traces the output will hold, when the inputs tell it (-1 when not):
 * the manifest's total; the first input's for a sum; the sum of the inputs'
 * counts otherwise.  A concatenation opens its inputs one at a time, so to
 * count them it reads the others' headers first, but only for an output that
 * cannot be fixed afterwards (standard output not a file): a file gets its
 * count when it is closed. */
static int64_t sum_counts(struct merger *g);

static int64_t output_count(struct merger *g)
{
	const int all_open = g->o->mode != SK_MERGE_CONCAT;
	struct stat st;
	const int64_t total = g->first->ntraces;

	if (g->o->total >= 0)
		return g->o->total;
	if (g->o->mode == SK_MERGE_SUM || g->n == 1 || total < 0)
		return total;
	if (!all_open && ((g->o->out && strcmp(g->o->out, "-") != 0) ||
			  (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode))))
		return -1;
	return sum_counts(g);
}

/* The sum of the inputs' counts (-1 when one is unknown). */
static int64_t sum_counts(struct merger *g)
{
	int64_t total = g->first->ntraces;

	for (size_t i = 1; i < g->n && total >= 0; i++) {
		struct sk_reader *r = g->in[i].r;
		struct sk_error e;
		int64_t n = -1;
		if (!g->in[i].path || strcmp(g->in[i].path, "-") == 0)
			return -1;
		if (r)
			n = sk_reader_info(r)->ntraces;
		else if (sk_reader_open_buf(g->in[i].path, g->o->from, SK_MANY_BUF, &r, &e) == 0) {
			n = sk_reader_info(r)->ntraces;
			sk_reader_free(r);
		}
		total = n < 0 ? -1 : total + n;
	}
	return total;
}

static int open_output(struct merger *g, struct sk_error *err)
{
	struct sk_info like = *g->first;
	struct sk_wopts wo = g->o->wopts;
	const int64_t total = output_count(g);
	int rc;

	like.ntraces = g->o->total;
	/* A merge by keys takes its records from all its inputs' buffers:
	 * a small output buffer keeps them in the cache until written (not
	 * for sgk, whose blocks it sizes: the output's bytes would change). */
	if (g->o->mode == SK_MERGE_KEY && !wo.bufsize && (wo.fmt ? wo.fmt : like.fmt) != SK_FMT_SGK)
		wo.bufsize = SK_CACHE_BUF;
	/* Written behind the merge (stream.h write_behind): the kernel's
	 * copies into the file overlap the reads of the inputs and the
	 * decoding.  848 MB in tmpfs: segmerge --key of two runs 0.27-0.28 s
	 * against 0.38-0.42 (256 KiB, not written behind); SEG-Y to SU
	 * 0.27-0.29 against 0.34-0.35. */
	wo.write_behind = 1;
	/* The writer records the count from the start, so that the stream
	 * header of a pipe is the file's (SEG-Y rev 2, sgk). */
	if (total >= 0) {
		wo.count_known = 1;
		wo.count = total;
	}
	if ((rc = sk_writer_open(g->o->out, &like, &wo, &g->w, err)) < 0)
		return rc;
	return 0;
}

static int next(struct merger *g, size_t i, int want_hdr, struct sk_error *err)
{
	struct input *in = &g->in[i];
	int rc = sk_rec_next(&in->rec, want_hdr, err);

	if (rc < 0)
		return at(g, i, rc);
	if (rc == 0 && (rc = end_input(g, i, err)) < 0)
		return rc;
	in->n += rc;
	return rc;
}

/* The progress callback, every 1024 traces (bulk copies: copy_ticked). */
static void tick(const struct merger *g)
{
	if (g->o->progress && g->res->traces % 1024 == 0)
		g->o->progress(g->o->progress_arg, g->res->traces, g->ptotal);
}

static int put(struct merger *g, size_t i, struct sk_error *err)
{
	const int rc = sk_rec_put(&g->in[i].rec, g->w, err);

	if (rc < 0)
		return rc;
	g->res->traces++;
	tick(g);
	return 0;
}

/* The progress of a bulk copy, after every buffer or block of traces (the
 * progress module decides when to draw). */
struct copy_tick {
	const struct merger *g;
	int64_t base;
};

static void copy_ticked(void *arg, int64_t copied)
{
	const struct copy_tick *c = arg;

	c->g->o->progress(c->g->o->progress_arg, c->base + copied, c->g->ptotal);
}

static int copy_rest(struct merger *g, size_t i, struct sk_error *err)
{
	struct input *in = &g->in[i];
	struct copy_tick ct = {g, g->res->traces};
	int64_t n = 0;
	int rc;

	/* A buffer at a time (stream.c batches records). */
	rc = sk_copy_traces_tick(in->r, g->w, &n, NULL, g->o->progress ? copy_ticked : NULL, &ct, err);
	in->n += n;
	g->res->traces += n;
	if (g->o->progress)
		g->o->progress(g->o->progress_arg, g->res->traces, g->ptotal);
	if (rc < 0) {
		/* A read error names the input (the writer's its output). */
		if (strcmp(err->file, sk_in_name(in->path)) == 0)
			g->bad = i;
		return rc;
	}
	return end_input(g, i, err);
}

/* ---- concat ---- */

static int run_concat(struct merger *g, struct sk_error *err)
{
	int rc;

	/* Check every input's shape before writing anything, so a mismatch
	 * leaves no partial output; standard input and a caller's streams
	 * (opened once) are checked when reached. */
	for (size_t i = 1; i < g->n && !g->o->src; i++) {
		struct sk_reader *r;
		if (!g->in[i].path || strcmp(g->in[i].path, "-") == 0)
			continue;
		if ((rc = sk_reader_open(g->in[i].path, g->o->from, &r, err)) < 0)
			return at(g, i, rc);
		rc = check_shape(g, i, sk_reader_info(r), err);
		sk_reader_free(r);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < g->n; i++) {
		if (i > 0 && (rc = open_input(g, i, err)) < 0)
			return rc;
		/* One input at a time: reading overlaps the copy.  Without
		 * read-ahead (out of memory) the copy works as well. */
		if (!g->o->src)
			sk_copy_readahead(g->in[i].r, g->w, NULL);
		if ((rc = start_input(g, i, err)) < 0 || (rc = copy_rest(g, i, err)) < 0)
			return rc;
		/* The first input's info is the writer's model until the end. */
		if (i > 0)
			close_input(&g->in[i]);
	}
	return 0;
}

/* ---- key: k-way merge with a binary heap ---- */

static int heap_less(const void *ctx, size_t a, size_t b)
{
	const struct merger *g = ctx;
	const int c = sk_keyset_cmp(&g->o->keys, g->in[a].codes, g->in[b].codes);

	return c < 0 || (c == 0 && a < b);
}

/* Reads input i's next trace and checks that it does not sort before the
 * previous one. */
static int next_sorted(struct merger *g, size_t i, struct sk_error *err)
{
	struct input *in = &g->in[i];
	const struct sk_keyset *ks = &g->o->keys;
	int rc = next(g, i, 1, err);

	if (rc != 1)
		return rc;
	memcpy(in->prev, in->codes, sizeof in->codes);
	sk_keyset_eval(ks, in->rec.hdr, in->codes);
	if (in->n > 1 && sk_keyset_cmp(ks, in->prev, in->codes) > 0) {
		char names[200], a[200], b[200];
		sk_keyset_names(ks, names, sizeof names);
		sk_keyset_str(ks, in->codes, a, sizeof a);
		sk_keyset_str(ks, in->prev, b, sizeof b);
		return at(g, i, sk_error_set(err, SK_EFMT, "trace %" PRId64 ": not sorted by %s (%s after %s)",
						     in->n, names, a, b));
	}
	return 1;
}

/* Keys in bytes 181-240 mean SU's fields in SU streams and SEG-Y rev 1's
 * in the others: inputs of both flavours cannot be ordered by them. */
static int check_key_flavours(struct merger *g, struct sk_error *err)
{
	const struct sk_keyset *ks = &g->o->keys;
	const struct sk_info *f = sk_reader_info(g->in[0].r);

	for (size_t i = 1; i < g->n; i++) {
		const struct sk_info *a = sk_reader_info(g->in[i].r);
		if (a->su_tail == f->su_tail)
			continue;
		for (int k = 0; k < ks->n; k++) {
			const struct sk_key *key = &ks->key[k];
			if (key->byte + sk_type_size(key->type) - 1 < SK_HDR_SU_TAIL || key->byte > SK_HDR_LEN)
				continue;
			return at(g, i, sk_error_set(err, SK_ESTATE,
						     "byte %d (%s) holds %s in this stream but %s in %s: merge by keys "
						     "outside bytes 181-240", key->byte, key->name,
						     a->su_tail ? "one of SU's fields" : "a SEG-Y rev 1 field",
						     f->su_tail ? "one of SU's fields" : "a SEG-Y rev 1 field",
						     sk_in_name(g->in[0].path)));
		}
	}
	return 0;
}

static int run_key(struct merger *g, struct sk_error *err)
{
	size_t len = 0;
	int rc;

	if ((rc = check_key_flavours(g, err)) < 0)
		return rc;

	if (!(g->heap = malloc(g->n * sizeof *g->heap)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->n; i++) {
		if ((rc = next_sorted(g, i, err)) < 0)
			return rc;
		if (rc == 1)
			g->heap[len++] = i;
	}
	sk_heap_make(g->heap, len, heap_less, g);
	while (len > 0) {
		const size_t i = g->heap[0];
		if ((rc = put(g, i, err)) < 0 || (rc = next_sorted(g, i, err)) < 0)
			return rc;
		if (rc == 0)
			g->heap[0] = g->heap[--len];
		sk_heap_sift(g->heap, len, 0, heap_less, g);
	}
	return 0;
}

/* ---- sum ---- */

struct sumkey { const char *name; int byte; int coord; };
static const struct sumkey sum_keys[] = {
	{"cdp", 21, 0}, {"iline", 189, 0}, {"xline", 193, 0}, {"offset", 37, 0},
	{"cdpx", 181, 1}, {"cdpy", 185, 1},
};

int sk_merge_sum_differs(const unsigned char *h, const unsigned char *h0, int segy_tails, const char **key,
			 double *a, double *b)
{
	for (size_t k = 0; k < sizeof sum_keys / sizeof sum_keys[0]; k++) {
		const struct sumkey *sk = &sum_keys[k];
		if (!segy_tails && sk->byte >= SK_HDR_SU_TAIL)
			continue;
		*a = sk->coord ? sk_hdr_coord(h, sk->byte) : sk_hdr_i32(h, sk->byte);
		*b = sk->coord ? sk_hdr_coord(h0, sk->byte) : sk_hdr_i32(h0, sk->byte);
		if (*a != *b) {
			*key = sk->name;
			return 1;
		}
	}
	return 0;
}

double sk_merge_sum_value(const unsigned char *h, const char *key)
{
	for (size_t k = 0; k < sizeof sum_keys / sizeof sum_keys[0]; k++) {
		const struct sumkey *sk = &sum_keys[k];
		if (strcmp(sk->name, key) == 0)
			return sk->coord ? sk_hdr_coord(h, sk->byte) : sk_hdr_i32(h, sk->byte);
	}
	return 0;
}

/* The inputs' current traces summed exactly, rounded once (xsum.h): in
 * double where that is exact, else sample by sample with an accumulator. */
static void sum_trace(struct merger *g, size_t ns)
{
	sk_xsum_fast_init(g->acc, g->inexact, ns);
	for (size_t i = 0; i < g->n; i++)
		sk_xsum_fast_add_floats(g->acc, g->inexact, g->in[i].rec.data, ns);
	for (size_t s = 0; s < ns; s++) {
		if (g->inexact[s]) {
			struct sk_xsum x;
			sk_xsum_zero(&x, 1);
			for (size_t i = 0; i < g->n; i++)
				sk_xsum_add_float(&x, g->in[i].rec.data[s]);
			g->sum[s] = sk_xsum_float(&x);
		} else {
			g->sum[s] = (float)g->acc[s];
		}
	}
}

static int run_sum(struct merger *g, struct sk_error *err)
{
	const long ns = g->first->ns;
	int rc;

	g->acc = malloc(((size_t)ns + 1) * sizeof *g->acc);
	g->inexact = malloc((size_t)ns + 1);
	g->sum = malloc(((size_t)ns + 1) * sizeof *g->sum);
	if (!g->acc || !g->inexact || !g->sum)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (int64_t t = 1;; t++) {
		const unsigned char *h0;
		int got0;

		if ((got0 = next(g, 0, 1, err)) < 0)
			return got0;
		for (size_t i = 1; i < g->n; i++) {
			if ((rc = next(g, i, 1, err)) < 0)
				return rc;
			if (rc != got0) {
				const size_t shorter = rc ? 0 : i;
				return at(g, shorter,
					  sk_error_set(err, SK_ESTATE, "%" PRId64 " traces, but %s has more",
						       t - 1, sk_in_name(g->in[shorter == 0 ? i : 0].path)));
			}
		}
		if (!got0)
			return 0;
		h0 = g->in[0].rec.hdr;
		for (size_t i = 1; i < g->n; i++) {
			/* Bytes 181-240 hold cdpx ... only in SEG-Y: SU's d1,
			 * f1, ... there are not compared. */
			const int segy_tails = !g->in[i].rec.info->su_tail && !g->in[0].rec.info->su_tail;
			const char *key;
			double a, b;
			if (sk_merge_sum_differs(g->in[i].rec.hdr, h0, segy_tails, &key, &a, &b))
				return at(g, i,
					  sk_error_set(err, SK_ESTATE,
						       "trace %" PRId64 ": %s %.15g differs from %s (%s %.15g): "
						       "not the same traces", t, key, a,
						       sk_in_name(g->in[0].path), key, b));
		}
		sum_trace(g, (size_t)ns);
		if ((rc = sk_writer_put(g->w, h0, g->sum, err)) < 0)
			return rc;
		g->res->traces++;
		tick(g);
	}
}

/* ---- interleave (round-robin pieces) ---- */

static int run_interleave(struct merger *g, struct sk_error *err)
{
	int rc;

	for (size_t i = 0;; i = (i + 1) % g->n) {
		if ((rc = next(g, i, 0, err)) < 0)
			return rc;
		if (rc == 0) {
			/* Piece i is done: every later one must be too, and the
			 * earlier ones have given exactly one trace more. */
			for (size_t k = 0; k < g->n; k++) {
				if (k == i)
					continue;
				if ((rc = next(g, k, 0, err)) < 0)
					return rc;
				if (rc == 1)
					return at(g, k, sk_error_set(err, SK_ESTATE,
									  "trace %" PRId64 ": more traces than a round-robin split gives",
									  g->in[k].n));
			}
			return 0;
		}
		if ((rc = put(g, i, err)) < 0)
			return rc;
	}
}

/* ---- runs (ranges pieces) ---- */

static int run_runs(struct merger *g, struct sk_error *err)
{
	FILE *fp = fopen(g->o->order, "r");
	char line[128];
	long lineno = 0;
	int rc = 0;

	if (!fp)
		return sk_error_at(err, sk_error_sys(err, "%s", ""), g->o->order);
	while (fgets(line, sizeof line, fp)) {
		char *end, *p;
		long long piece, count;

		lineno++;
		errno = 0;
		piece = strtoll(line, &end, 10);
		p = end;
		if (p == line || *p != '\t' || errno)
			goto bad;
		count = strtoll(p + 1, &end, 10);
		if (end == p + 1 || *end != '\n' || errno || piece < 1 || (size_t)piece > g->n || count < 1)
			goto bad;
		for (long long k = 0; k < count; k++) {
			if ((rc = next(g, (size_t)piece - 1, 0, err)) < 0)
				goto out;
			if (rc == 0) {
				rc = at(g, piece - 1, sk_error_set(err, SK_ESTATE,
						"%" PRId64 " traces, but the order file (line %ld) needs more",
						g->in[piece - 1].n, lineno));
				goto out;
			}
			if ((rc = put(g, (size_t)piece - 1, err)) < 0)
				goto out;
		}
	}
	if (ferror(fp)) {
		rc = sk_error_at(err, sk_error_sys(err, "read"), g->o->order);
		goto out;
	}
	for (size_t k = 0; k < g->n; k++) {
		if ((rc = next(g, k, 0, err)) < 0)
			goto out;
		if (rc == 1) {
			rc = at(g, k, sk_error_set(err, SK_ESTATE,
					"trace %" PRId64 ": not in the order file", g->in[k].n));
			goto out;
		}
	}
	rc = 0;
	goto out;
bad:
	rc = sk_error_at(err, sk_error_set(err, SK_EFMT, "line %ld: expected PIECE<TAB>COUNT", lineno), g->o->order);
out:
	fclose(fp);
	return rc;
}

int sk_merge_run(const char *const *paths, size_t n, const struct sk_merge_opts *o,
		 struct sk_merge_result *res, struct sk_error *err)
{
	struct merger g;
	const int all_open = o->mode != SK_MERGE_CONCAT;
	size_t stdin_uses = 0;
	int rc;

	memset(&g, 0, sizeof g);
	memset(res, 0, sizeof *res);
	g.o = o;
	g.res = res;
	g.err = err;
	g.n = n;
	g.bad = SIZE_MAX;
	if (n == 0)
		return sk_error_set(err, SK_EARG, "no inputs");
	for (size_t i = 0; i < n; i++)
		stdin_uses += !paths[i] || strcmp(paths[i], "-") == 0;
	if (stdin_uses > 1)
		return sk_error_set(err, SK_EARG, "standard input can be read only once");
	if (o->mode == SK_MERGE_KEY && o->keys.n < 1)
		return sk_error_set(err, SK_EARG, "no merge keys");
	if (all_open && (rc = sk_fdlimit_ensure(n, "inputs", &res->fd, err)) < 0)
		return rc;
	if (!(g.in = calloc(n, sizeof *g.in)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		g.in[i].path = paths[i];
	for (size_t i = 0; i < (all_open ? n : 1); i++)
		if ((rc = open_input(&g, i, err)) < 0)
			goto out;
	if ((rc = open_output(&g, err)) < 0)
		goto out;
	if (o->progress)
		g.ptotal = o->total >= 0 ? o->total : o->mode == SK_MERGE_SUM ? g.first->ntraces : sum_counts(&g);
	for (size_t i = 0; all_open && i < n; i++)
		if ((rc = start_input(&g, i, err)) < 0)
			goto out;
	switch (o->mode) {
	case SK_MERGE_KEY: rc = run_key(&g, err); break;
	case SK_MERGE_SUM: rc = run_sum(&g, err); break;
	case SK_MERGE_INTERLEAVE: rc = run_interleave(&g, err); break;
	case SK_MERGE_RUNS: rc = run_runs(&g, err); break;
	default: rc = run_concat(&g, err); break;
	}
	if (rc == 0) {
		struct sk_writer *w = g.w;
		g.w = NULL;
		rc = sk_writer_close(w, err);
		if (rc == 0 && o->progress)
			o->progress(o->progress_arg, res->traces, g.ptotal);
	}
out:
	sk_writer_abort(g.w);
	/* Inputs go last: the first one's info was the writer's model. */
	for (size_t i = 0; i < n; i++) {
		close_input(&g.in[i]);
		/* A caller's stream the merge did not read to its end. */
		if (g.in[i].opened) {
			o->src->close(o->src->arg, i, 0, rc < 0 && g.bad == i ? err : NULL);
			if (rc < 0 && g.bad == i)
				rc = err->code;
		}
	}
	free(g.in);
	free(g.heap);
	free(g.acc);
	free(g.inexact);
	free(g.sum);
	return rc;
}

/* ---- manifests ---- */

size_t sk_merge_check(const struct sk_manifest *m, int checksums, sk_merge_report_fn report,
		      void *ctx)
{
	size_t bad = 0;
	char path[4096];
	struct sk_error err;
	int64_t sum = 0;

	for (size_t i = 0; i < m->npieces; i++) {
		if (sk_manifest_piece_path(m, i, path, sizeof path, &err) < 0 ||
		    sk_manifest_check(m, i, checksums, &err) < 0) {
			sk_error_at(&err, err.code, path);
			report(ctx, &err);
			bad++;
		}
		sum += m->pieces[i].traces;
	}
	if (m->order_file) {
		const int w = snprintf(path, sizeof path, "%s/%s", m->dir ? m->dir : ".", m->order_file);
		uint64_t h = 0, size = 0;
		if (w < 0 || (size_t)w >= sizeof path) {
			sk_error_set(&err, SK_EARG, "path too long");
			sk_error_at(&err, err.code, m->order_file);
			report(ctx, &err);
			bad++;
		} else if (sk_file_xxh64(path, &h, &size, &err) < 0) {
			sk_error_at(&err, err.code, path);
			report(ctx, &err);
			bad++;
		} else if (size != m->order_bytes) {
			sk_error_set(&err, SK_ESTATE, "%" PRIu64 " bytes, the manifest says %" PRIu64, size,
				     m->order_bytes);
			sk_error_at(&err, err.code, path);
			report(ctx, &err);
			bad++;
		} else if (checksums && h != m->order_xxh64) {
			sk_error_set(&err, SK_ESTATE, "xxh64 %016" PRIx64 ", the manifest says %016" PRIx64
				     " (changed since the split, or the order of another split)", h, m->order_xxh64);
			sk_error_at(&err, err.code, path);
			report(ctx, &err);
			bad++;
		}
	}
	if (bad == 0 && sum != m->traces) {
		sk_error_set(&err, SK_ESTATE, "the pieces hold %" PRId64 " traces, but the source had %" PRId64,
			     sum, m->traces);
		sk_error_at(&err, err.code, m->path);
		report(ctx, &err);
		bad++;
	}
	return bad;
}

static int plan(const struct sk_manifest *m, struct sk_merge_opts *o, char ***paths, size_t *n,
		char **order_path, struct sk_error *err);

int sk_merge_plan(const struct sk_manifest *m, struct sk_merge_opts *o, char ***paths,
		  size_t *n, char **order_path, struct sk_error *err)
{
	return sk_error_at(err, plan(m, o, paths, n, order_path, err), m->path);
}

static int plan(const struct sk_manifest *m, struct sk_merge_opts *o, char ***paths, size_t *n,
		char **order_path, struct sk_error *err)
{
	char buf[4096];
	char **p;
	int rc;

	*paths = NULL;
	*n = 0;
	*order_path = NULL;
	if (m->npieces == 0)
		return sk_error_set(err, SK_EARG, "the manifest lists no pieces");
	if (!(p = calloc(m->npieces, sizeof *p)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->npieces; i++) {
		if ((rc = sk_manifest_piece_path(m, i, buf, sizeof buf, err)) < 0 ||
		    !(p[i] = malloc(strlen(buf) + 1))) {
			sk_merge_plan_free(p, i, NULL);
			return rc < 0 ? rc : sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		memcpy(p[i], buf, strlen(buf) + 1);
	}
	*paths = p;
	*n = m->npieces;
	o->total = m->traces;
	o->from = m->fmt;
	if (m->sort) {
		if (o->mode != SK_MERGE_KEY) {
			o->mode = SK_MERGE_KEY;
			if ((rc = sk_keyset_parse(m->sort, 0, &o->keys, err)) < 0)
				return rc;
		}
	} else if (o->mode == SK_MERGE_KEY) {
		/* Explicit keys on unsorted pieces: k-way merge as asked. */
	} else if (m->mode == SK_SPLIT_RR) {
		o->mode = SK_MERGE_INTERLEAVE;
	} else if (m->mode == SK_SPLIT_RANGES) {
		const int w = snprintf(buf, sizeof buf, "%s/%s", m->dir ? m->dir : ".", m->order_file);
		if (w < 0 || (size_t)w >= sizeof buf || !(*order_path = malloc((size_t)w + 1)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		memcpy(*order_path, buf, (size_t)w + 1);
		o->mode = SK_MERGE_RUNS;
		o->order = *order_path;
	} else {
		o->mode = SK_MERGE_CONCAT;
	}
	return 0;
}

void sk_merge_plan_free(char **paths, size_t n, char *order_path)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	free(order_path);
}
