#include "psum.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "manifest.h"
#include "merge.h"
#include "psum_int.h"
#include "xsum.h"

#define MAGIC SK_PSUM_MAGIC

int sk_psum_pieces_read(FILE *fp, struct sk_psum_piece **out, size_t *n, struct sk_error *err)
{
	struct sk_psum_piece *p = NULL;
	size_t np = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	long lineno = 0;

	*out = NULL;
	*n = 0;
	while ((len = getline(&line, &lcap, fp)) > 0) {
		char *f[4], *save = NULL, *end;
		struct sk_psum_piece q;
		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		f[0] = strtok_r(line, "\t", &save);
		f[1] = strtok_r(NULL, "\t", &save);
		f[2] = strtok_r(NULL, "\t", &save);
		f[3] = strtok_r(NULL, "", &save);
		if (!f[0] || !f[1] || !f[2] || !f[3] || !*f[3])
			goto bad;
		memset(&q, 0, sizeof q);
		errno = 0;
		q.idx = (size_t)strtoull(f[0], &end, 10);
		if (*end || errno)
			goto bad;
		q.bytes = -1;
		if (strcmp(f[1], "-") != 0) {
			q.bytes = strtoll(f[1], &end, 10);
			if (*end || errno || q.bytes < 0)
				goto bad;
		}
		if (strcmp(f[2], "-") != 0) {
			q.xxh64 = strtoull(f[2], &end, 16);
			if (*end || errno || strlen(f[2]) != 16)
				goto bad;
			q.has_xxh64 = 1;
		}
		if (np == cap) {
			struct sk_psum_piece *np2 = realloc(p, (cap = cap ? 2 * cap : 16) * sizeof *p);
			if (!np2)
				goto nomem;
			p = np2;
		}
		if (!(q.path = strdup(f[3])))
			goto nomem;
		p[np++] = q;
	}
	free(line);
	if (np == 0) {
		free(p);
		return sk_error_set(err, SK_EFMT, "no pieces in the list");
	}
	*out = p;
	*n = np;
	return 0;
bad:
	free(line);
	sk_psum_pieces_free(p, np);
	return sk_error_set(err, SK_EFMT, "piece list line %ld: expected IDX<TAB>BYTES<TAB>XXH64<TAB>PATH", lineno);
nomem:
	free(line);
	sk_psum_pieces_free(p, np);
	return sk_error_set(err, SK_ENOMEM, "out of memory");
}

void sk_psum_pieces_free(struct sk_psum_piece *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		free(p[i].path);
	free(p);
}

/* ---- the host's side ---- */

/* A message on one line (line breaks would end the record). */
static const char *one_line(char *msg)
{
	for (char *c = msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return msg;
}

struct host {
	const struct sk_psum_piece *pc;
	size_t n;
	int final;
	struct sk_reader **r;
	unsigned char **hdr;
	float **data;
	FILE *out;
};

/* Checks piece i's size and xxh64 and opens it; 0 or the error. */
static int open_piece(struct host *h, size_t i, const char *path, int from, int verify, struct sk_error *err)
{
	const struct sk_psum_piece *p = &h->pc[i];
	struct stat st;
	int rc;

	if (p->bytes >= 0) {
		if (stat(path, &st) != 0)
			return sk_error_sys(err, "%s", "");
		if ((uint64_t)st.st_size != (uint64_t)p->bytes)
			return sk_error_set(err, SK_ESTATE, "%" PRIu64 " bytes, the manifest says %" PRId64 " (%s)",
					    (uint64_t)st.st_size, p->bytes,
					    (uint64_t)st.st_size < (uint64_t)p->bytes ? "truncated" : "longer than written");
	}
	if (verify && p->has_xxh64) {
		uint64_t hash, size;
		if ((rc = sk_file_xxh64(path, &hash, &size, err)) < 0)
			return rc;
		if (hash != p->xxh64)
			return sk_error_set(err, SK_ESTATE,
					    "xxh64 %016" PRIx64 ", the manifest says %016" PRIx64
					    " (changed since the split, or a piece of another split)", hash, p->xxh64);
	}
	return sk_reader_open_buf(path, from, h->n > 16 ? SK_MANY_BUF : 0, &h->r[i], err);
}

/* Writes the records: the traces' partial sums until a piece ends or a
 * problem (written as a record). */
static int host_traces(struct host *h, struct sk_error *err)
{
	const struct sk_info *f = sk_reader_info(h->r[0]);
	const size_t ns = (size_t)f->ns, rlen = 1 + f->hdrlen + 8 * ns + 4;
	unsigned char *rec = malloc(rlen), *xrec = malloc(ns * 12 + 1);
	double *acc = malloc((ns + 1) * sizeof *acc);
	unsigned char *inexact = malloc(ns + 1);
	int rc = 0;

	if (!rec || !xrec || !acc || !inexact) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t t = 1;; t++) {
		size_t nx = 0;
		for (size_t i = 0; i < h->n; i++) {
			struct sk_error e;
			const int got = sk_reader_next(h->r[i], h->hdr[i], h->data[i], &e);
			if (got < 0) {
				fprintf(h->out, "R%" PRId64 " %zu %d %s\n", t, h->pc[i].idx, e.code, one_line(e.msg));
				goto end;
			}
			if (got == 0)
				goto end;
		}
		for (size_t i = 1; i < h->n; i++) {
			const int segy_tails = !sk_reader_info(h->r[i])->su_tail && !f->su_tail;
			const char *key;
			double a, b;
			if (sk_merge_sum_differs(h->hdr[i], h->hdr[0], segy_tails, &key, &a, &b)) {
				/* With the first piece's header at this trace: the
				 * controller compares it with piece 0's. */
				fprintf(h->out, "K%" PRId64 " %zu %s %.17g\n", t, h->pc[i].idx, key, a);
				if (fwrite(h->hdr[0], 1, f->hdrlen, h->out) != f->hdrlen)
					rc = sk_error_sys(err, "write");
				goto end;
			}
		}
		sk_xsum_fast_init(acc, inexact, ns);
		for (size_t i = 0; i < h->n; i++)
			sk_xsum_fast_add_floats(acc, inexact, h->data[i], ns);
		if (h->final) {
			/* The whole sum: rounded here, once. */
			rec[0] = 'F';
			memcpy(rec + 1, h->hdr[0], f->hdrlen);
			for (size_t s = 0; s < ns; s++) {
				float v = (float)acc[s];
				if (inexact[s]) {
					struct sk_xsum x;
					sk_xsum_zero(&x, 1);
					for (size_t i = 0; i < h->n; i++)
						sk_xsum_add_float(&x, h->data[i][s]);
					v = sk_xsum_float(&x);
				}
				put_f32(rec + 1 + f->hdrlen + 4 * s, v);
			}
			if (fwrite(rec, 1, 1 + f->hdrlen + 4 * ns, h->out) != 1 + f->hdrlen + 4 * ns) {
				rc = sk_error_sys(err, "write");
				goto out;
			}
			continue;
		}
		rec[0] = 'T';
		memcpy(rec + 1, h->hdr[0], f->hdrlen);
		for (size_t s = 0; s < ns; s++) {
			double terms[SK_XSUM_MAXTERMS];
			int k = 1;
			terms[0] = acc[s];
			if (inexact[s]) {
				struct sk_xsum x;
				sk_xsum_zero(&x, 1);
				for (size_t i = 0; i < h->n; i++)
					sk_xsum_add_float(&x, h->data[i][s]);
				k = sk_xsum_terms(&x, terms);
			}
			put_f64(rec + 1 + f->hdrlen + 8 * s, terms[0]);
			for (int j = 1; j < k; j++, nx++) {
				if (nx >= ns) {
					/* More than one extra term a sample on average:
					 * grow (rare: sums across 100 binades). */
					unsigned char *nb = realloc(xrec, (nx + ns) * 12 + 1);
					if (!nb) {
						rc = sk_error_set(err, SK_ENOMEM, "out of memory");
						goto out;
					}
					xrec = nb;
				}
				put_u32(xrec + 12 * nx, (uint32_t)s);
				put_f64(xrec + 12 * nx + 4, terms[j]);
			}
		}
		put_u32(rec + rlen - 4, (uint32_t)nx);
		if (fwrite(rec, 1, rlen, h->out) != rlen || (nx && fwrite(xrec, 12, nx, h->out) != nx)) {
			rc = sk_error_sys(err, "write");
			goto out;
		}
	}
end:
	if (fputc('Z', h->out) == EOF)
		rc = sk_error_sys(err, "write");
out:
	free(rec);
	free(xrec);
	free(acc);
	free(inexact);
	return rc;
}

int sk_psum_host(const char *want_host, const char *this_host, const struct sk_psum_piece *pieces,
		 size_t n, const char *base, int from, int verify, int final, FILE *out, struct sk_error *err)
{
	struct host h;
	int rc = 0, ok = 1;

	memset(&h, 0, sizeof h);
	h.pc = pieces;
	h.n = n;
	h.final = final;
	h.out = out;
	fprintf(out, MAGIC "host %s\n", this_host);
	if (strcmp(want_host, this_host) != 0) {
		fputs("skip\n", out);
		goto flush;
	}
	h.r = calloc(n, sizeof *h.r);
	h.hdr = calloc(n, sizeof *h.hdr);
	h.data = calloc(n, sizeof *h.data);
	if (!h.r || !h.hdr || !h.data) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n && ok; i++) {
		const char *p = pieces[i].path;
		char *full = NULL;
		struct sk_error e;
		const struct sk_info *a, *f;
		if (base && *base && p[0] != '/') {
			if (!(full = malloc(strlen(base) + strlen(p) + 2))) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto done;
			}
			sprintf(full, "%s/%s", base, p);
			p = full;
		}
		memset(&e, 0, sizeof e);
		if (open_piece(&h, i, p, from, verify, &e) < 0) {
			fprintf(out, "piece %zu fail %d %s\n", pieces[i].idx, e.code, one_line(e.msg));
			free(full);
			ok = 0;
			break;
		}
		free(full);
		a = sk_reader_info(h.r[i]);
		f = sk_reader_info(h.r[0]);
		fprintf(out, "piece %zu ok %ld %.17g %zu %d %" PRId64 "\n", pieces[i].idx, a->ns, a->dt, a->hdrlen,
			a->su_tail, a->ntraces);
		/* A shape this host cannot sum: the controller names it. */
		if (a->ns != f->ns || a->dt != f->dt || a->hdrlen != f->hdrlen)
			ok = 0;
		else if (!(h.hdr[i] = malloc(a->hdrlen)) || !(h.data[i] = malloc(((size_t)a->ns + 1) * sizeof(float)))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (!ok) {
		fputs("end\n", out);
		goto done;
	}
	{
		const struct sk_info *f = sk_reader_info(h.r[0]);
		fprintf(out, "info %d %d %d %ld %.17g %zu %" PRId64 " %d %zu\n", f->fmt, f->little, f->sample_format,
			f->ns, f->dt, f->hdrlen, f->ntraces, f->su_tail, f->fhdr_len);
		if (f->fhdr_len && fwrite(f->fhdr, 1, f->fhdr_len, out) != f->fhdr_len) {
			rc = sk_error_sys(err, "write");
			goto done;
		}
	}
	rc = host_traces(&h, err);
done:
	for (size_t i = 0; i < n; i++) {
		if (h.r && h.r[i])
			sk_reader_free(h.r[i]);
		if (h.hdr)
			free(h.hdr[i]);
		if (h.data)
			free(h.data[i]);
	}
	free(h.r);
	free(h.hdr);
	free(h.data);
flush:
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = sk_error_sys(err, "write");
	return rc;
}

/* ---- the controller's side ---- */
