/*
 * The reading side of partial sums (psum.h): the controller's combine and a
 * host's merge of partials in the tree.
 */
#include "psum.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "psum_int.h"
#include "xsum.h"

#define MAGIC SK_PSUM_MAGIC

int sk_psum_peek(const char *path, char *host, size_t hostlen, int *skip, struct sk_error *err)
{
	FILE *fp = fopen(path, "rb");
	char line[1024];
	int rc = 0;

	if (!fp)
		return sk_error_sys_at(err, path);
	if (!fgets(line, sizeof line, fp) || strcmp(line, MAGIC) != 0 || !fgets(line, sizeof line, fp) ||
	    strncmp(line, "host ", 5) != 0) {
		rc = sk_error_at(err, sk_error_set(err, SK_EFMT, "not a partial sum"), path);
	} else {
		line[strcspn(line, "\n")] = '\0';
		snprintf(host, hostlen, "%s", line + 5);
		*skip = fgets(line, sizeof line, fp) && strcmp(line, "skip\n") == 0;
	}
	fclose(fp);
	return rc;
}

struct pinfo {            /* one piece as its partial described it */
	int state;            /* 0 unknown (after a problem), 1 ok, 2 fail */
	long ns;
	double dt;
	size_t hdrlen;
	int su_tail;
	int64_t ntraces;
	int code;
	char msg[512];
};

struct part {
	FILE *fp;
	const char *path;
	size_t first;         /* its first piece */
	struct sk_info info;  /* its first piece's stream (fhdr malloc'd) */
	int done;             /* its 'Z' read */
	int final;            /* it sent rounded sums ('F' records) */
	size_t first_line;    /* the lowest piece its lines name */
	size_t nlines;
	/* the current trace */
	unsigned char *hdr;
	double *main;
	uint32_t nx;
	unsigned char *x;
	size_t xcap;
	/* a problem record at trace ev_t */
	int ev;               /* 0, 'K' or 'R' */
	int64_t ev_t;
	size_t ev_idx;
	int ev_code;
	char ev_key[32];
	double ev_val;
	char ev_msg[512];
};

/* Frees the n parts of ps (those not yet filled hold NULLs) and ps itself. */
static void parts_free(struct part *ps, size_t n)
{
	for (size_t k = 0; ps && k < n; k++) {
		free(ps[k].info.fhdr);
		free(ps[k].hdr);
		free(ps[k].main);
		free(ps[k].x);
	}
	free(ps);
}

static int bad_part(struct part *p, struct sk_error *err)
{
	return sk_error_at(err, sk_error_set(err, SK_EFMT, "a damaged partial sum"), p->path);
}

/* Reads partial p's piece lines into pi[] and its info; 1 when it goes on
 * with traces, 0 when it stopped at a problem ("end"). */
static int read_head(struct part *p, struct pinfo *pi, size_t npieces, struct sk_error *err)
{
	char line[1200];

	if (!fgets(line, sizeof line, p->fp) || strcmp(line, MAGIC) != 0 || !fgets(line, sizeof line, p->fp))
		return bad_part(p, err);
	while (fgets(line, sizeof line, p->fp)) {
		size_t idx;
		int off = 0;
		struct pinfo *q;
		if (strcmp(line, "end\n") == 0)
			return 0;
		if (strncmp(line, "info ", 5) == 0) {
			struct sk_info *f = &p->info;
			if (sscanf(line, "info %d %d %d %ld %lg %zu %" SCNd64 " %d %zu", &f->fmt, &f->little,
				   &f->sample_format, &f->ns, &f->dt, &f->hdrlen, &f->ntraces, &f->su_tail,
				   &f->fhdr_len) != 9 || f->ns < 0 || f->hdrlen < 240 || f->fhdr_len > (1u << 28))
				return bad_part(p, err);
			if (f->fhdr_len) {
				if (!(f->fhdr = malloc(f->fhdr_len)))
					return sk_error_set(err, SK_ENOMEM, "out of memory");
				if (fread(f->fhdr, 1, f->fhdr_len, p->fp) != f->fhdr_len)
					return bad_part(p, err);
			}
			p->hdr = malloc(f->hdrlen);
			p->main = malloc(((size_t)f->ns + 1) * sizeof *p->main);
			if (!p->hdr || !p->main)
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			return 1;
		}
		if (sscanf(line, "piece %zu %n", &idx, &off) != 1 || off == 0 || idx >= npieces)
			return bad_part(p, err);
		q = &pi[idx];
		if (p->nlines++ == 0 || idx < p->first_line)
			p->first_line = idx;
		if (strncmp(line + off, "ok ", 3) == 0) {
			if (sscanf(line + off + 3, "%ld %lg %zu %d %" SCNd64, &q->ns, &q->dt, &q->hdrlen, &q->su_tail,
				   &q->ntraces) != 5)
				return bad_part(p, err);
			q->state = 1;
		} else if (strncmp(line + off, "fail ", 5) == 0) {
			int n = 0;
			if (sscanf(line + off + 5, "%d %n", &q->code, &n) != 1 || n == 0)
				return bad_part(p, err);
			snprintf(q->msg, sizeof q->msg, "%s", line + off + 5 + n);
			q->msg[strcspn(q->msg, "\n")] = '\0';
			q->state = 2;
		} else {
			return bad_part(p, err);
		}
	}
	return bad_part(p, err);
}

/* Reads partial p's next record: 1 a trace, 0 the end or a problem (p->ev). */
static int read_rec(struct part *p, struct sk_error *err)
{
	const size_t ns = (size_t)p->info.ns;
	int c;

	if (p->done || p->ev)
		return 0;
	c = fgetc(p->fp);
	if (c == 'Z') {
		p->done = 1;
		return 0;
	}
	if (c == 'K' || c == 'R') {
		char line[700];
		int n = 0;
		if (!fgets(line, sizeof line, p->fp))
			return bad_part(p, err);
		line[strcspn(line, "\n")] = '\0';
		if (c == 'K' ? sscanf(line, "%" SCNd64 " %zu %31s %lg", &p->ev_t, &p->ev_idx, p->ev_key, &p->ev_val) != 4
			     : sscanf(line, "%" SCNd64 " %zu %d %n", &p->ev_t, &p->ev_idx, &p->ev_code, &n) != 3)
			return bad_part(p, err);
		if (c == 'R')
			snprintf(p->ev_msg, sizeof p->ev_msg, "%s", line + n);
		else if (fread(p->hdr, 1, p->info.hdrlen, p->fp) != p->info.hdrlen)
			return bad_part(p, err);
		p->ev = c;
		return 0;
	}
	if (c == 'F') {
		unsigned char b[4];
		if (fread(p->hdr, 1, p->info.hdrlen, p->fp) != p->info.hdrlen)
			return bad_part(p, err);
		for (size_t s = 0; s < ns; s++) {
			uint32_t v;
			float x;
			if (fread(b, 1, 4, p->fp) != 4)
				return bad_part(p, err);
			v = get_u32(b);
			memcpy(&x, &v, sizeof x);
			p->main[s] = x;
		}
		p->nx = 0;
		p->final = 1;
		return 1;
	}
	if (c != 'T')
		return bad_part(p, err);
	{
		unsigned char b[8], n4[4];
		if (fread(p->hdr, 1, p->info.hdrlen, p->fp) != p->info.hdrlen)
			return bad_part(p, err);
		for (size_t s = 0; s < ns; s++) {
			if (fread(b, 1, 8, p->fp) != 8)
				return bad_part(p, err);
			p->main[s] = get_f64(b);
		}
		if (fread(n4, 1, 4, p->fp) != 4)
			return bad_part(p, err);
		p->nx = get_u32(n4);
		if (p->nx > ns * SK_XSUM_MAXTERMS)
			return bad_part(p, err);
		if (p->nx * (size_t)12 > p->xcap) {
			unsigned char *nb = realloc(p->x, p->nx * (size_t)12);
			if (!nb)
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			p->x = nb;
			p->xcap = p->nx * (size_t)12;
		}
		if (p->nx && fread(p->x, 12, p->nx, p->fp) != p->nx)
			return bad_part(p, err);
	}
	return 1;
}

/* The first problem at open time in the local sum's order: piece by piece,
 * a piece that does not open, then its shape against piece 0's. */
static int check_open(const struct pinfo *pi, const char *const *names, size_t npieces, struct sk_error *err)
{
	for (size_t i = 0; i < npieces; i++) {
		const struct pinfo *q = &pi[i], *f = &pi[0];
		int rc = 0;
		if (q->state == 0)
			return sk_error_set(err, SK_EFMT, "piece %zu: no partial sum says what it holds", i + 1);
		if (q->state == 2) {
			sk_error_set(err, q->code < 0 ? q->code : SK_EIO, "%s", q->msg);
			return sk_error_at(err, err->code, names[i]);
		}
		if (i == 0 || f->state != 1)
			continue;
		if (q->ns != f->ns)
			rc = sk_error_set(err, SK_ESTATE, "ns=%ld differs from %s's ns=%ld", q->ns, names[0], f->ns);
		else if (q->dt != f->dt)
			rc = sk_error_set(err, SK_ESTATE, "dt=%g differs from %s's dt=%g", q->dt, names[0], f->dt);
		else if (q->hdrlen != f->hdrlen)
			rc = sk_error_set(err, SK_ESTATE, "trace header length %zu differs from %s's %zu", q->hdrlen,
					  names[0], f->hdrlen);
		if (rc < 0)
			return sk_error_at(err, rc, names[i]);
	}
	return 0;
}

int sk_psum_combine(const char *const *partials, size_t nparts, const size_t *part,
		    const char *const *names, size_t npieces, const struct sk_wopts *wopts,
		    const char *out, int64_t *traces, struct sk_error *err)
{
	FILE **fps = calloc(nparts ? nparts : 1, sizeof *fps);
	int rc = 0;

	*traces = 0;
	if (!fps)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (size_t k = 0; k < nparts && rc == 0; k++)
		if (!(fps[k] = fopen(partials[k], "rb")))
			rc = sk_error_sys_at(err, partials[k]);
	if (rc == 0)
		rc = sk_psum_combine_fp(fps, partials, nparts, part, names, npieces, wopts, NULL, NULL, out, traces, err);
	for (size_t k = 0; k < nparts; k++)
		if (fps[k])
			fclose(fps[k]);
	free(fps);
	return rc;
}

int sk_psum_combine_fp(FILE *const *fps, const char *const *labels, size_t nparts, const size_t *part,
		       const char *const *names, size_t npieces, const struct sk_wopts *wopts,
		       int (*check)(void *arg, struct sk_error *err), void *check_arg,
		       const char *out, int64_t *traces, struct sk_error *err)
{
	struct pinfo *pi = calloc(npieces ? npieces : 1, sizeof *pi);
	struct part *ps = calloc(nparts ? nparts : 1, sizeof *ps);
	struct sk_writer *w = NULL;
	double *acc = NULL;
	unsigned char *inexact = NULL;
	float *sum = NULL;
	size_t p0 = 0, ns;
	int rc = 0, all_on = 1;
	int64_t count_t = -1;
	size_t count_i = 0;

	*traces = 0;
	if (!pi || !ps) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < nparts; k++) {
		ps[k].path = labels[k];
		ps[k].fp = fps[k];
		ps[k].first = npieces;
	}
	for (size_t i = 0; i < npieces; i++)
		if (part[i] < nparts && ps[part[i]].first == npieces)
			ps[part[i]].first = i;
	for (size_t k = 0; k < nparts; k++) {
		if ((rc = read_head(&ps[k], pi, npieces, err)) < 0)
			goto out;
		all_on &= rc;
		rc = 0;
		if (ps[k].first == 0)
			p0 = k;
	}
	if ((rc = check_open(pi, names, npieces, err)) < 0)
		goto out;
	if (!all_on) {
		rc = sk_error_set(err, SK_EFMT, "a partial sum stopped without saying why");
		goto out;
	}
	/* The trace counts: where the local sum finds the first difference
	 * (the lowest trace; there the lowest piece read). */
	for (size_t i = 1; i < npieces; i++) {
		const int64_t c0 = pi[0].ntraces, ci = pi[i].ntraces;
		if (c0 >= 0 && ci >= 0 && ci != c0) {
			const int64_t t = (ci < c0 ? ci : c0) + 1;
			if (count_t < 0 || t < count_t) {
				count_t = t;
				count_i = i;
			}
		}
	}
	ns = (size_t)ps[p0].info.ns;
	acc = malloc((ns + 1) * sizeof *acc);
	inexact = malloc(ns + 1);
	sum = malloc((ns + 1) * sizeof *sum);
	if (!acc || !inexact || !sum) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	{
		struct sk_info like = ps[p0].info;
		struct sk_wopts wo = *wopts;
		const int64_t total = count_t < 0 ? pi[0].ntraces : -1;
		if (total >= 0) {
			wo.count_known = 1;
			wo.count = total;
		}
		like.ntraces = -1;
		if ((rc = sk_writer_open(out, &like, &wo, &w, err)) < 0)
			goto out;
	}
	for (int64_t t = 1;; t++) {
		size_t bad = npieces, ends = 0;
		int kind = 0;
		const char *key = NULL;
		double a = 0, b = 0;
		for (size_t k = 0; k < nparts; k++) {
			const int got = read_rec(&ps[k], err);
			if (got < 0) {
				rc = got;
				goto out;
			}
			ends += !got;
			/* A read problem at this trace: before any key. */
			if (ps[k].ev == 'R' && ps[k].ev_t == t && ps[k].ev_idx < bad) {
				bad = ps[k].ev_idx;
				kind = 'R';
			}
		}
		if (count_t == t && count_i < bad) {
			bad = count_i;
			kind = 'C';
		}
		if (kind == 'R') {
			const struct part *q = NULL;
			for (size_t k = 0; k < nparts; k++)
				if (ps[k].ev == 'R' && ps[k].ev_t == t && ps[k].ev_idx == bad)
					q = &ps[k];
			rc = sk_error_set(err, q->ev_code < 0 ? q->ev_code : SK_EIO, "%s", q->ev_msg);
			rc = sk_error_at(err, rc, names[bad]);
			goto out;
		}
		if (kind == 'C') {
			const int shorter0 = pi[0].ntraces < pi[count_i].ntraces;
			rc = sk_error_set(err, SK_ESTATE, "%" PRId64 " traces, but %s has more", t - 1,
					  names[shorter0 ? count_i : 0]);
			rc = sk_error_at(err, rc, names[shorter0 ? 0 : count_i]);
			goto out;
		}
		if (ends == nparts && ps[p0].done) {
			int all_done = 1;
			for (size_t k = 0; k < nparts; k++)
				all_done &= ps[k].done;
			if (all_done)
				break;
		}
		/* Keys: a host's own finding, or a partial's first piece
		 * against piece 0. */
		for (size_t k = 0; k < nparts; k++) {
			const struct part *q = &ps[k];
			if (q->ev == 'K' && q->ev_t == t && q->ev_idx < bad) {
				bad = q->ev_idx;
				key = NULL;
			}
		}
		for (size_t k = 0; k < nparts; k++) {
			const struct part *q = &ps[k];
			const char *kk;
			double aa, bb;
			/* A partial that stopped at a key mismatch at this trace
			 * still sent its first piece's header. */
			if (k == p0 || q->done || (q->ev && !(q->ev == 'K' && q->ev_t == t)) || q->first >= bad)
				continue;
			if (sk_merge_sum_differs(q->hdr, ps[p0].hdr, !q->info.su_tail && !ps[p0].info.su_tail, &kk, &aa,
						 &bb)) {
				bad = q->first;
				key = kk;
				a = aa;
				b = bb;
			}
		}
		if (bad < npieces) {
			if (!key) {
				for (size_t k = 0; k < nparts; k++)
					if (ps[k].ev == 'K' && ps[k].ev_t == t && ps[k].ev_idx == bad) {
						key = ps[k].ev_key;
						a = ps[k].ev_val;
					}
				/* Piece 0's value of that key (the host compared
				 * with its first piece, equal to piece 0 here). */
				b = sk_merge_sum_value(ps[p0].hdr, key);
			}
			rc = sk_error_set(err, SK_ESTATE, "trace %" PRId64 ": %s %.15g differs from %s (%s %.15g): "
					  "not the same traces", t, key, a, names[0], key, b);
			rc = sk_error_at(err, rc, names[bad]);
			goto out;
		}
		if (ends) {
			rc = sk_error_set(err, SK_EFMT, "trace %" PRId64 ": a partial sum ended early", t);
			goto out;
		}
		/* A rounded sum is the whole sum, never one of several. */
		for (size_t k = 0; k < nparts; k++)
			if (ps[k].final && nparts > 1) {
				rc = bad_part(&ps[k], err);
				goto out;
			}
		/* The sum: in double where exact, else with the exact terms. */
		sk_xsum_fast_init(acc, inexact, ns);
		for (size_t k = 0; k < nparts; k++) {
			sk_xsum_fast_add_doubles(acc, inexact, ps[k].main, ns);
			for (uint32_t j = 0; j < ps[k].nx; j++) {
				const uint32_t s = get_u32(ps[k].x + 12 * j);
				if (s >= ns) {
					rc = bad_part(&ps[k], err);
					goto out;
				}
				inexact[s] = 1;
			}
		}
		for (size_t s = 0; s < ns; s++)
			if (!inexact[s])
				sum[s] = (float)acc[s];
		for (size_t s = 0; s < ns; s++) {
			struct sk_xsum x;
			if (!inexact[s])
				continue;
			sk_xsum_zero(&x, 1);
			for (size_t k = 0; k < nparts; k++) {
				if (sk_xsum_add_term(&x, ps[k].main[s]) < 0) {
					rc = bad_part(&ps[k], err);
					goto out;
				}
				for (uint32_t j = 0; j < ps[k].nx; j++)
					if (get_u32(ps[k].x + 12 * j) == s &&
					    sk_xsum_add_term(&x, get_f64(ps[k].x + 12 * j + 4)) < 0) {
						rc = bad_part(&ps[k], err);
						goto out;
					}
			}
			sum[s] = sk_xsum_float(&x);
		}
		if ((rc = sk_writer_put(w, ps[p0].hdr, sum, err)) < 0)
			goto out;
		++*traces;
	}
	if (check && (rc = check(check_arg, err)) < 0)
		goto out;
	{
		struct sk_writer *ww = w;
		w = NULL;
		rc = sk_writer_close(ww, err);
	}
out:
	sk_writer_abort(w);
	parts_free(ps, nparts);
	free(pi);
	free(acc);
	free(inexact);
	free(sum);
	return rc;
}

/* ---- a host's merge of partials into one (the tree) ---- */

static int put_piece_lines(const struct pinfo *pi, size_t npieces, FILE *out)
{
	for (size_t i = 0; i < npieces; i++) {
		const struct pinfo *q = &pi[i];
		if (q->state == 1)
			fprintf(out, "piece %zu ok %ld %.17g %zu %d %" PRId64 "\n", i, q->ns, q->dt, q->hdrlen, q->su_tail,
				q->ntraces);
		else if (q->state == 2)
			fprintf(out, "piece %zu fail %d %s\n", i, q->code, q->msg);
	}
	return 0;
}

/* Adds the inputs' trace t (every one a 'T' record) into one record of out:
 * the exact terms, or with final the sum rounded once. */
static int merge_put(struct part *ps, size_t nin, size_t p0, int final, double *acc, unsigned char *inexact,
		     unsigned char *rec, unsigned char **xrec, size_t *xcap, FILE *out, struct sk_error *err)
{
	const size_t ns = (size_t)ps[p0].info.ns, hl = ps[p0].info.hdrlen;
	size_t nx = 0, rlen;

	sk_xsum_fast_init(acc, inexact, ns);
	for (size_t k = 0; k < nin; k++) {
		sk_xsum_fast_add_doubles(acc, inexact, ps[k].main, ns);
		for (uint32_t j = 0; j < ps[k].nx; j++) {
			const uint32_t s = get_u32(ps[k].x + 12 * j);
			if (s >= ns)
				return bad_part(&ps[k], err);
			inexact[s] = 1;
		}
	}
	rec[0] = final ? 'F' : 'T';
	memcpy(rec + 1, ps[p0].hdr, hl);
	for (size_t s = 0; s < ns; s++) {
		double terms[SK_XSUM_MAXTERMS];
		int nt = 1;
		terms[0] = acc[s];
		if (inexact[s]) {
			struct sk_xsum x;
			sk_xsum_zero(&x, 1);
			for (size_t k = 0; k < nin; k++) {
				if (sk_xsum_add_term(&x, ps[k].main[s]) < 0)
					return bad_part(&ps[k], err);
				for (uint32_t j = 0; j < ps[k].nx; j++)
					if (get_u32(ps[k].x + 12 * j) == s &&
					    sk_xsum_add_term(&x, get_f64(ps[k].x + 12 * j + 4)) < 0)
						return bad_part(&ps[k], err);
			}
			if (final) {
				put_f32(rec + 1 + hl + 4 * s, sk_xsum_float(&x));
				continue;
			}
			nt = sk_xsum_terms(&x, terms);
		} else if (final) {
			put_f32(rec + 1 + hl + 4 * s, (float)acc[s]);
			continue;
		}
		put_f64(rec + 1 + hl + 8 * s, terms[0]);
		for (int j = 1; j < nt; j++, nx++) {
			if ((nx + 1) * 12 > *xcap) {
				unsigned char *nb = realloc(*xrec, *xcap = (nx + 1 + ns) * 12);
				if (!nb)
					return sk_error_set(err, SK_ENOMEM, "out of memory");
				*xrec = nb;
			}
			put_u32(*xrec + 12 * nx, (uint32_t)s);
			put_f64(*xrec + 12 * nx + 4, terms[j]);
		}
	}
	rlen = final ? 1 + hl + 4 * ns : 1 + hl + 8 * ns + 4;
	if (!final)
		put_u32(rec + rlen - 4, (uint32_t)nx);
	if (fwrite(rec, 1, rlen, out) != rlen || (nx && fwrite(*xrec, 12, nx, out) != nx))
		return sk_error_sys(err, "write");
	return 0;
}

/* The records of the merge, until the inputs end or a problem (written as
 * the record the controller would have found first: as sk_psum_combine
 * orders them). */
static int merge_traces(struct part *ps, size_t nin, size_t p0, const struct pinfo *pi, size_t npieces, int final,
			FILE *out, struct sk_error *err)
{
	const size_t ns = (size_t)ps[p0].info.ns, hl = ps[p0].info.hdrlen;
	double *acc = malloc((ns + 1) * sizeof *acc);
	unsigned char *inexact = malloc(ns + 1), *rec = malloc(1 + hl + 8 * ns + 4), *xrec = NULL;
	size_t xcap = 0;
	int rc = 0;

	if (!acc || !inexact || !rec) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t t = 1;; t++) {
		size_t bad = SIZE_MAX, ends = 0, shorter = SIZE_MAX;
		const struct part *r = NULL;
		const char *key = NULL;
		double a = 0;
		for (size_t k = 0; k < nin; k++) {
			const int got = read_rec(&ps[k], err);
			if (got < 0) {
				rc = got;
				goto out;
			}
			if (!got && ps[k].done) {
				ends++;
				if (ps[k].first < shorter)
					shorter = ps[k].first;
			}
			if (ps[k].ev == 'R' && ps[k].ev_t == t && ps[k].ev_idx < bad) {
				bad = ps[k].ev_idx;
				r = &ps[k];
			}
		}
		if (r) {
			fprintf(out, "R%" PRId64 " %zu %d %s\n", t, r->ev_idx, r->ev_code, r->ev_msg);
			break;
		}
		if (ends) {
			/* Equal counts end together; unequal ones are named by
			 * the controller from the piece lines (the counts), or
			 * here when a count is not known. */
			if (ends < nin) {
				int known = 1;
				for (size_t i = 0; i < npieces; i++)
					known &= pi[i].state != 1 || pi[i].ntraces >= 0;
				if (!known)
					fprintf(out, "R%" PRId64 " %zu %d trace %" PRId64 ": a partial sum ended early\n", t,
						shorter, SK_EFMT, t);
			}
			break;
		}
		for (size_t k = 0; k < nin; k++)
			if (ps[k].ev == 'K' && ps[k].ev_t == t && ps[k].ev_idx < bad) {
				bad = ps[k].ev_idx;
				key = ps[k].ev_key;
				a = ps[k].ev_val;
			}
		for (size_t k = 0; k < nin; k++) {
			const struct part *q = &ps[k];
			const char *kk;
			double aa, bb;
			if (k == p0 || (q->ev && !(q->ev == 'K' && q->ev_t == t)) || q->first >= bad)
				continue;
			if (sk_merge_sum_differs(q->hdr, ps[p0].hdr, !q->info.su_tail && !ps[p0].info.su_tail, &kk, &aa,
						 &bb)) {
				bad = q->first;
				key = kk;
				a = aa;
			}
		}
		if (bad != SIZE_MAX) {
			fprintf(out, "K%" PRId64 " %zu %s %.17g\n", t, bad, key, a);
			if (fwrite(ps[p0].hdr, 1, hl, out) != hl)
				rc = sk_error_sys(err, "write");
			break;
		}
		for (size_t k = 0; k < nin; k++)
			if (ps[k].final) {
				/* Rounded already: not a term of a larger sum. */
				rc = bad_part(&ps[k], err);
				goto out;
			}
		if ((rc = merge_put(ps, nin, p0, final, acc, inexact, rec, &xrec, &xcap, out, err)) < 0)
			goto out;
	}
	if (rc == 0 && fputc('Z', out) == EOF)
		rc = sk_error_sys(err, "write");
out:
	free(acc);
	free(inexact);
	free(rec);
	free(xrec);
	return rc;
}

int sk_psum_merge(FILE *const *in, const char *const *labels, size_t nin, size_t npieces, const char *this_host,
		  int final, FILE *out, struct sk_error *err)
{
	struct pinfo *pi = calloc(npieces ? npieces : 1, sizeof *pi);
	struct part *ps = calloc(nin ? nin : 1, sizeof *ps);
	size_t p0 = 0;
	int rc = 0, all_on = 1;

	if (!pi || !ps) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < nin; k++) {
		ps[k].path = labels[k];
		ps[k].fp = in[k];
		if ((rc = read_head(&ps[k], pi, npieces, err)) < 0)
			goto out;
		all_on &= rc;
		rc = 0;
	}
	fprintf(out, MAGIC "host %s\n", this_host);
	put_piece_lines(pi, npieces, out);
	for (size_t k = 0; k < nin && all_on; k++)
		if (ps[k].info.ns != ps[0].info.ns || ps[k].info.dt != ps[0].info.dt ||
		    ps[k].info.hdrlen != ps[0].info.hdrlen)
			all_on = 0;
	if (!all_on) {
		/* A problem the piece lines show (the controller names it). */
		fputs("end\n", out);
		goto flush;
	}
	/* Each input's first piece: the lowest its piece lines name. */
	for (size_t k = 0; k < nin; k++) {
		ps[k].first = ps[k].first_line;
		if (ps[k].first < ps[p0].first)
			p0 = k;
	}
	{
		const struct sk_info *f = &ps[p0].info;
		fprintf(out, "info %d %d %d %ld %.17g %zu %" PRId64 " %d %zu\n", f->fmt, f->little, f->sample_format,
			f->ns, f->dt, f->hdrlen, f->ntraces, f->su_tail, f->fhdr_len);
		if (f->fhdr_len && fwrite(f->fhdr, 1, f->fhdr_len, out) != f->fhdr_len) {
			rc = sk_error_sys(err, "write");
			goto out;
		}
	}
	if ((rc = merge_traces(ps, nin, p0, pi, npieces, final, out, err)) < 0)
		goto out;
flush:
	if (fflush(out) != 0 || ferror(out))
		rc = sk_error_sys(err, "write");
out:
	parts_free(ps, nin);
	free(pi);
	return rc;
}
