/* Unit tests of lib/flow/psum_read.c (the reading side of partial sums:
 * sk_psum_peek, sk_psum_combine_fp, sk_psum_merge) on partials written
 * byte by byte here from psum.h's description of the format, for what
 * test_psum.c (partials made by sk_psum_host) does not reach: every way a
 * partial can be damaged (a bad magic, piece or info line, a header cut
 * short, each record cut or malformed, an unknown record, a term index
 * past the trace, a rounded 'F' partial among several), each refused as
 * "a damaged partial sum" naming the partial; the open-time problems in
 * the local sum's words (a piece no partial describes, a piece that failed
 * with its code, ns, dt or header length against piece 0's, a partial that
 * stopped without saying why); 'R' and 'K' records at a trace; a partial
 * that ends early with the counts unknown; exact terms carried through;
 * and a host's merge written byte for byte as worked out here (sums,
 * terms, 'F' records, the R, K and end lines it passes on or makes). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "mkstream.h"
#include "psum.h"

#define NSMP 2
#define HEAD0 "SKPSUM1\nhost h0\npiece 0 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 0\n"
#define HEAD1 "SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 0\n"

static struct sk_error err;
static const char *const names[3] = {"A:p0", "B:p1", "C:p2"};
static const char *const labels[2] = {"h0:x.psum", "h1:y.psum"};

/* A partial being written: its bytes in memory. */
struct pb {
	char *buf;
	size_t len;
	FILE *f;
};

static void pb_open(struct pb *p, const char *text)
{
	p->buf = NULL;
	p->len = 0;
	p->f = open_memstream(&p->buf, &p->len);
	fputs(text, p->f);
}

static void hdr_of(unsigned char *h, int t, int cdp)
{
	memset(h, 0, 240);
	sk_hdr_set_i32(h, SK_TR_TRACL, t);
	sk_hdr_set_i32(h, SK_TR_CDP, cdp);
}

static void le(FILE *f, uint64_t v, int n)
{
	for (int k = 0; k < n; k++)
		fputc((int)(v >> (8 * k) & 0xff), f);
}

static void f64(FILE *f, double x)
{
	uint64_t v;
	memcpy(&v, &x, 8);
	le(f, v, 8);
}

/* The start of a 'T' record: hl bytes of the header h, then n samples
 * of 1. */
static void t_start(FILE *f, const unsigned char *h, size_t hl, int n)
{
	fputc('T', f);
	fwrite(h, 1, hl, f);
	for (int k = 0; k < n; k++)
		f64(f, 1.0);
}

/* A 'T' record of trace t (cdp), samples m, and nx terms (s, x). */
static void rec_t(struct pb *p, int t, int cdp, const double *m, uint32_t nx, const uint32_t *s, const double *x)
{
	unsigned char h[240];

	hdr_of(h, t, cdp);
	fputc('T', p->f);
	fwrite(h, 1, 240, p->f);
	for (int k = 0; k < NSMP; k++)
		f64(p->f, m[k]);
	le(p->f, nx, 4);
	for (uint32_t j = 0; j < nx; j++) {
		le(p->f, s[j], 4);
		f64(p->f, x[j]);
	}
}

/* An 'F' record: samples rounded to floats. */
static void rec_f(struct pb *p, int t, int cdp, const float *v)
{
	unsigned char h[240];

	hdr_of(h, t, cdp);
	fputc('F', p->f);
	fwrite(h, 1, 240, p->f);
	for (int k = 0; k < NSMP; k++) {
		uint32_t w;
		memcpy(&w, &v[k], 4);
		le(p->f, w, 4);
	}
}

/* A 'K' record of trace t: piece idx's cdp is val (its header after). */
static void rec_k(struct pb *p, int t, size_t idx, int val)
{
	unsigned char h[240];

	hdr_of(h, t, val);
	fprintf(p->f, "K%d %zu cdp %d\n", t, idx, val);
	fwrite(h, 1, 240, p->f);
}

static void pb_close(struct pb *p)
{
	fclose(p->f);
}

/* A partial of one trace (cdp, samples m, nx terms), then tail. */
static void one_trace(struct pb *p, const char *head, int cdp, const double *m, uint32_t nx, const uint32_t *xs,
		      const double *xv, const char *tail)
{
	pb_open(p, head);
	rec_t(p, 1, cdp, m, nx, xs, xv);
	fputs(tail, p->f);
	pb_close(p);
}

/* The usual two partials: pieces 0 and 1, two traces each (cdp 1 and 2).
 * Sample 0 of trace 1 is 1e16 + 1 (a term 1 beside 1e16) in piece 0 and
 * -1e16 in piece 1: exactly 1 together, 0 in double arithmetic. */
static const double m00[2] = {1e16, 0.5}, m01[2] = {2.0, 3.0};
static const double m10[2] = {-1e16, 0.25}, m11[2] = {-1.0, 0.5};
static const uint32_t xs0[1] = {0};
static const double xv0[1] = {1.0};

static void good0(struct pb *p, const char *head)
{
	pb_open(p, head);
	rec_t(p, 1, 1, m00, 1, xs0, xv0);
	rec_t(p, 2, 2, m01, 0, NULL, NULL);
}

static void good1(struct pb *p, const char *head)
{
	pb_open(p, head);
	rec_t(p, 1, 1, m10, 0, NULL, NULL);
	rec_t(p, 2, 2, m11, 0, NULL, NULL);
}

/* Combines the two partials' bytes (pieces 0 and 1; names A and B) into
 * out.su: the return, with err and *traces set. */
static int combine2(const struct pb *a, const struct pb *b, size_t npieces, const size_t *part, int64_t *traces)
{
	FILE *fps[2] = {fmemopen(a->buf, a->len, "rb"), fmemopen(b->buf, b->len, "rb")};
	struct sk_wopts wo = SK_WOPTS_INIT;
	static const size_t part2[2] = {0, 1};
	int rc;

	memset(&err, 0, sizeof err);
	rc = sk_psum_combine_fp(fps, labels, 2, part ? part : part2, names, npieces, &wo, NULL, NULL,
				mk_path("out.su"), traces, &err);
	fclose(fps[0]);
	fclose(fps[1]);
	return rc;
}

/* combine2 failed with code, message msg and file (NULL: no file). */
static int fails(const struct pb *a, const struct pb *b, int code, const char *msg, const char *file)
{
	int64_t tr;
	const int rc = combine2(a, b, 2, NULL, &tr);
	const int ok = rc == code && strcmp(err.msg, msg) == 0 && strcmp(err.file, file ? file : "") == 0 &&
		       access(mk_path("out.su"), F_OK) != 0;

	if (!ok) {
		printf("# rc %d: %s: %s\n", rc, err.file, err.msg);
		unlink(mk_path("out.su"));   /* written when it should not be */
	}
	return ok;
}

static void test_combine(void)
{
	struct pb a, b;
	int64_t tr = 0;

	/* Exact terms carried: trace 1 is 1, 0.75; trace 2 is 1 and 3.5. */
	good0(&a, HEAD0);
	fputc('Z', a.f);
	pb_close(&a);
	good1(&b, HEAD1);
	fputc('Z', b.f);
	pb_close(&b);
	CHECK(combine2(&a, &b, 2, NULL, &tr) == 0 && tr == 2);
	{
		struct sk_reader *r;
		unsigned char h[240];
		float d[NSMP];
		int ok = sk_reader_open(mk_path("out.su"), SK_FMT_AUTO, &r, &err) == 0;
		ok = ok && sk_reader_next(r, h, d, &err) == 1 && d[0] == 1.0f && d[1] == 0.75f &&
		     sk_hdr_i32(h, SK_TR_CDP) == 1;
		ok = ok && sk_reader_next(r, h, d, &err) == 1 && d[0] == 1.0f && d[1] == 3.5f &&
		     sk_hdr_i32(h, SK_TR_CDP) == 2;
		ok = ok && sk_reader_next(r, h, d, &err) == 0;
		CHECK(ok);
		sk_reader_free(r);
		unlink(mk_path("out.su"));
	}
	free(a.buf);
	free(b.buf);
}

/* Each damage of partial B (label h1:y.psum), after a good A. */
static void test_damaged(void)
{
	static const char *const heads[] = {
		"SKPSUM2\nhost h1\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 0\n",  /* magic */
		"SKPSUM1\n",                                                                     /* no host line */
		"SKPSUM1\nhost h1\npiece 2 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 0\n",  /* piece past 2 */
		"SKPSUM1\nhost h1\npiece x ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 0\n",  /* index */
		"SKPSUM1\nhost h1\npiece 1 maybe 2 4000\ninfo 2 1 5 2 4000 240 2 1 0\n",        /* state */
		"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1\ninfo 2 1 5 2 4000 240 2 1 0\n",    /* 4 of 5 */
		"SKPSUM1\nhost h1\npiece 1 fail x\ninfo 2 1 5 2 4000 240 2 1 0\n",             /* no code */
		"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1\n",    /* 8 of 9 */
		"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 -1 4000 240 2 1 0\n", /* ns < 0 */
		"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 120 2 1 0\n",  /* hdrlen */
		"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 268435457\n",
		"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 10\n12345", /* 5 of 10 */
		"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\n",                                 /* no info */
	};
	struct pb a, b;

	good0(&a, HEAD0);
	fputc('Z', a.f);
	pb_close(&a);
	for (size_t k = 0; k < sizeof heads / sizeof heads[0]; k++) {
		pb_open(&b, heads[k]);
		/* Good records after the head (of 120-byte headers after the info
		 * line that says 120), so that only the head is wrong; none where
		 * the head ends before an info line or in its file header. */
		for (int t = 1; t <= 2 && k != 1 && k < 11; t++) {
			unsigned char h[240];
			hdr_of(h, t, t);
			t_start(b.f, h, k == 9 ? 120 : 240, 2);
			le(b.f, 0, 4);
		}
		if (k != 1 && k < 11)
			fputc('Z', b.f);
		pb_close(&b);
		CHECKF(fails(&a, &b, SK_EFMT, "a damaged partial sum", "h1:y.psum"), "head %zu", k);
		free(b.buf);
	}
	/* Records: an unknown one, the end missing, a header, samples, the
	 * count or the terms cut short, too many terms (2 samples x 7), a
	 * term past the trace, a K or R line malformed, a K without its
	 * header, an F cut short. */
	for (int k = 0; k < 12; k++) {
		unsigned char h[240];
		good1(&b, HEAD1);
		hdr_of(h, 3, 3);
		switch (k) {
		case 0:
			fputc('Q', b.f);
			break;
		case 1:
			break;   /* no Z */
		case 2:
			fputc('T', b.f);
			fwrite(h, 1, 100, b.f);   /* 100 of 240 header bytes */
			break;
		case 3:
			t_start(b.f, h, 240, 1);   /* one of two samples */
			break;
		case 4:
			t_start(b.f, h, 240, 2);
			le(b.f, 1, 2);   /* half a count */
			break;
		case 5:
			t_start(b.f, h, 240, 2);
			le(b.f, 15, 4);
			break;
		case 6:
			t_start(b.f, h, 240, 2);
			le(b.f, 2, 4);
			le(b.f, 0, 4);
			f64(b.f, 1.0);   /* one of two terms */
			break;
		case 7:
			fputs("Kx\n", b.f);
			break;
		case 8:
			fputs("K3 1 cdp 9\n", b.f);
			fwrite(h, 1, 200, b.f);
			break;
		case 9:
			fputs("R3 1\n", b.f);
			break;
		case 10:
			fputc('F', b.f);
			fwrite(h, 1, 240, b.f);
			le(b.f, 0, 4);   /* one of two floats */
			break;
		case 11:
			fputs("K3 1 cdp", b.f);   /* no value, then the end */
			break;
		}
		pb_close(&b);
		CHECKF(fails(&a, &b, SK_EFMT, "a damaged partial sum", "h1:y.psum"), "record case %d", k);
		free(b.buf);
	}
	free(a.buf);
	/* A term's sample index past the trace (2 samples: index 2), found
	 * while summing trace 1. */
	{
		const uint32_t s[1] = {2};
		const double x[1] = {1.0};
		one_trace(&a, HEAD0, 1, m00, 1, s, x, "Z");
		good1(&b, HEAD1);
		fputc('Z', b.f);
		pb_close(&b);
		CHECK(fails(&a, &b, SK_EFMT, "a damaged partial sum", "h0:x.psum"));
		free(a.buf);
		free(b.buf);
	}
	/* A rounded (final) partial is never one of several. */
	{
		const float v[2] = {1, 2};
		good0(&a, HEAD0);
		fputc('Z', a.f);
		pb_close(&a);
		pb_open(&b, HEAD1);
		rec_f(&b, 1, 1, v);
		rec_f(&b, 2, 2, v);
		fputc('Z', b.f);
		pb_close(&b);
		CHECK(fails(&a, &b, SK_EFMT, "a damaged partial sum", "h1:y.psum"));
		free(a.buf);
		free(b.buf);
	}
}

/* Problems at open time, as the local sum orders and words them. */
static void test_open(void)
{
	struct pb a, b;
	int64_t tr;
	static const struct {
		const char *head;
		int code;
		const char *msg, *file;
	} cs[] = {
		{"SKPSUM1\nhost h1\npiece 1 fail -1 No such file or directory\nend\n", SK_EIO,
		 "No such file or directory", "B:p1"},
		{"SKPSUM1\nhost h1\npiece 1 fail 3 odd code\nend\n", SK_EIO, "odd code", "B:p1"},
		{"SKPSUM1\nhost h1\npiece 1 fail -5 piece changed\nend\n", SK_ESTATE, "piece changed", "B:p1"},
		{"SKPSUM1\nhost h1\npiece 1 ok 3 4000 240 1 2\nend\n", SK_ESTATE, "ns=3 differs from A:p0's ns=2", "B:p1"},
		{"SKPSUM1\nhost h1\npiece 1 ok 2 2000 240 1 2\nend\n", SK_ESTATE, "dt=2000 differs from A:p0's dt=4000",
		 "B:p1"},
		{"SKPSUM1\nhost h1\npiece 1 ok 2 4000 480 1 2\nend\n", SK_ESTATE,
		 "trace header length 480 differs from A:p0's 240", "B:p1"},
		{"SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 2\nend\n", SK_EFMT, "a partial sum stopped without saying why",
		 NULL},
	};

	good0(&a, HEAD0);
	fputc('Z', a.f);
	pb_close(&a);
	for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
		pb_open(&b, cs[k].head);
		pb_close(&b);
		CHECKF(fails(&a, &b, cs[k].code, cs[k].msg, cs[k].file), "case %zu", k);
		free(b.buf);
	}
	/* Three pieces, piece 2 given to B, whose lines name piece 1 only. */
	good1(&b, HEAD1);
	fputc('Z', b.f);
	pb_close(&b);
	{
		static const size_t part[3] = {0, 1, 1};
		CHECK(combine2(&a, &b, 3, part, &tr) == SK_EFMT &&
		      strcmp(err.msg, "piece 3: no partial sum says what it holds") == 0);
	}
	free(a.buf);
	free(b.buf);
}

/* Problems at a trace: an R record (a read failed), a K record (a key
 * differs), a partial that ends early with the counts unknown. */
static void test_traces(void)
{
	struct pb a, b;

	good0(&a, HEAD0);
	fputc('Z', a.f);
	pb_close(&a);
	one_trace(&b, HEAD1, 1, m10, 0, NULL, NULL, "R2 1 -1 read: Input/output error\n");
	CHECK(fails(&a, &b, SK_EIO, "read: Input/output error", "B:p1"));
	free(b.buf);
	pb_open(&b, HEAD1);
	rec_k(&b, 1, 1, 9);
	pb_close(&b);
	CHECK(fails(&a, &b, SK_ESTATE, "trace 1: cdp 9 differs from A:p0 (cdp 1): not the same traces", "B:p1"));
	free(b.buf);
	free(a.buf);
	/* Counts unknown (-1): B ends after trace 1. */
	pb_open(&a, "SKPSUM1\nhost h0\npiece 0 ok 2 4000 240 1 -1\ninfo 2 1 5 2 4000 240 -1 1 0\n");
	rec_t(&a, 1, 1, m00, 1, xs0, xv0);
	rec_t(&a, 2, 2, m01, 0, NULL, NULL);
	fputc('Z', a.f);
	pb_close(&a);
	one_trace(&b, "SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 -1\ninfo 2 1 5 2 4000 240 -1 1 0\n", 1, m10, 0, NULL,
		  NULL, "Z");
	CHECK(fails(&a, &b, SK_EFMT, "trace 2: a partial sum ended early", NULL));
	free(a.buf);
	free(b.buf);
}

/* sk_psum_merge of a and b as host m, final or not: 0 when its bytes are
 * exactly want (n bytes). */
static int merge_gives(const struct pb *a, const struct pb *b, int final, const char *want, size_t n)
{
	FILE *in[2] = {fmemopen(a->buf, a->len, "rb"), fmemopen(b->buf, b->len, "rb")};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int rc;

	memset(&err, 0, sizeof err);
	rc = sk_psum_merge(in, labels, 2, 2, "m", final, out, &err);
	fclose(out);
	fclose(in[0]);
	fclose(in[1]);
	if (rc == 0 && (len != n || memcmp(buf, want, n) != 0)) {
		printf("# %zu bytes, %zu wanted\n", len, n);
		rc = 1;
	}
	free(buf);
	return rc;
}

#define MHEAD "SKPSUM1\nhost m\npiece 0 ok 2 4000 240 1 2\npiece 1 ok 2 4000 240 1 2\ninfo 2 1 5 2 4000 240 2 1 0\n"

/* The merge of a and b is the K line of trace 1 about piece 1's cdp val,
 * with piece 0's header (cdp 1), then Z: 0 when so. */
static int merge_k(const struct pb *a, const struct pb *b, int val)
{
	struct pb w;
	unsigned char h[240];
	int rc;

	pb_open(&w, MHEAD);
	hdr_of(h, 1, 1);
	fprintf(w.f, "K1 1 cdp %d\n", val);
	fwrite(h, 1, 240, w.f);
	fputc('Z', w.f);
	pb_close(&w);
	rc = merge_gives(a, b, 0, w.buf, w.len);
	free(w.buf);
	return rc;
}

static void test_merge(void)
{
	struct pb a, b, w;
	const double s1[2] = {1.0, 0.75}, s2[2] = {1.0, 3.5};

	good0(&a, HEAD0);
	fputc('Z', a.f);
	pb_close(&a);
	good1(&b, HEAD1);
	fputc('Z', b.f);
	pb_close(&b);
	/* The sums as one exact term each (1e16 + 1 - 1e16 is 1), the
	 * header of piece 0's partial, then Z. */
	pb_open(&w, MHEAD);
	rec_t(&w, 1, 1, s1, 0, NULL, NULL);
	rec_t(&w, 2, 2, s2, 0, NULL, NULL);
	fputc('Z', w.f);
	pb_close(&w);
	CHECK(merge_gives(&a, &b, 0, w.buf, w.len) == 0);
	free(w.buf);
	/* Final: rounded to floats, F records. */
	{
		const float f1[2] = {1.0f, 0.75f}, f2[2] = {1.0f, 3.5f};
		pb_open(&w, MHEAD);
		rec_f(&w, 1, 1, f1);
		rec_f(&w, 2, 2, f2);
		fputc('Z', w.f);
		pb_close(&w);
		CHECK(merge_gives(&a, &b, 1, w.buf, w.len) == 0);
		free(w.buf);
	}
	/* A term that stays: 0.001 beside 3 is not exact in double; its
	 * terms are 3.001 truncated to 53 bits and the rest. */
	{
		const double t0[2] = {0.25, 3.0}, t1[2] = {0.5, 0.001};
		const long double exact = 3.0L + (long double)0.001;
		double top = (double)exact, x[1];
		uint32_t s[1] = {1};
		double mm[2];
		struct pb c, d;
		if (fabsl((long double)top) > fabsl(exact))
			top = nextafter(top, 0.0);
		x[0] = (double)(exact - (long double)top);
		mm[0] = 0.75;
		mm[1] = top;
		one_trace(&c, "SKPSUM1\nhost h0\npiece 0 ok 2 4000 240 1 1\ninfo 2 1 5 2 4000 240 1 1 0\n", 1, t0, 0, NULL,
			  NULL, "Z");
		one_trace(&d, "SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 1\ninfo 2 1 5 2 4000 240 1 1 0\n", 1, t1, 0, NULL,
			  NULL, "Z");
		one_trace(&w, "SKPSUM1\nhost m\npiece 0 ok 2 4000 240 1 1\npiece 1 ok 2 4000 240 1 1\n"
			    "info 2 1 5 2 4000 240 1 1 0\n", 1, mm, 1, s, x, "Z");
		CHECKF(x[0] != 0 && merge_gives(&c, &d, 0, w.buf, w.len) == 0, "rest %g", x[0]);
		free(w.buf);
		/* Final: rounded once (3.001 to the nearest float). */
		{
			const float f[2] = {0.75f, (float)exact};
			pb_open(&w, "SKPSUM1\nhost m\npiece 0 ok 2 4000 240 1 1\npiece 1 ok 2 4000 240 1 1\n"
				    "info 2 1 5 2 4000 240 1 1 0\n");
			rec_f(&w, 1, 1, f);
			fputc('Z', w.f);
			pb_close(&w);
			CHECK(merge_gives(&c, &d, 1, w.buf, w.len) == 0);
			free(w.buf);
		}
		free(c.buf);
		free(d.buf);
	}
	free(b.buf);
	/* An R record in b at trace 2: trace 1 summed, the R line passed on,
	 * then Z. */
	one_trace(&b, HEAD1, 1, m10, 0, NULL, NULL, "R2 1 -1 read: Input/output error\n");
	one_trace(&w, MHEAD, 1, s1, 0, NULL, NULL, "R2 1 -1 read: Input/output error\nZ");
	CHECK(merge_gives(&a, &b, 0, w.buf, w.len) == 0);
	free(w.buf);
	free(b.buf);
	/* b's header differs at trace 1 (cdp 5): a K line with piece 0's
	 * header, then Z. */
	one_trace(&b, HEAD1, 5, m10, 0, NULL, NULL, "Z");
	CHECK(merge_k(&a, &b, 5) == 0);
	free(b.buf);
	/* A K record in b at trace 1 (its host's own finding): passed on
	 * with piece 0's header. */
	pb_open(&b, HEAD1);
	rec_k(&b, 1, 1, 9);
	pb_close(&b);
	CHECK(merge_k(&a, &b, 9) == 0);
	free(b.buf);
	free(a.buf);
	/* b ends after trace 1: with the counts known (2 and 1) the
	 * controller names it from the piece lines, nothing is said here;
	 * unknown (-1), an R line at trace 2 about piece 1. */
	for (int known = 0; known <= 1; known++) {
		char ha[200], hb[200], hw[300];
		snprintf(ha, sizeof ha, "SKPSUM1\nhost h0\npiece 0 ok 2 4000 240 1 %d\ninfo 2 1 5 2 4000 240 %d 1 0\n",
			 known ? 2 : -1, known ? 2 : -1);
		snprintf(hb, sizeof hb, "SKPSUM1\nhost h1\npiece 1 ok 2 4000 240 1 %d\ninfo 2 1 5 2 4000 240 %d 1 0\n",
			 known ? 1 : -1, known ? 1 : -1);
		snprintf(hw, sizeof hw, "SKPSUM1\nhost m\npiece 0 ok 2 4000 240 1 %d\npiece 1 ok 2 4000 240 1 %d\n"
			 "info 2 1 5 2 4000 240 %d 1 0\n", known ? 2 : -1, known ? 1 : -1, known ? 2 : -1);
		good0(&a, ha);
		fputc('Z', a.f);
		pb_close(&a);
		one_trace(&b, hb, 1, m10, 0, NULL, NULL, "Z");
		one_trace(&w, hw, 1, s1, 0, NULL, NULL, known ? "Z" : "R2 1 -2 trace 2: a partial sum ended early\nZ");
		CHECKF(merge_gives(&a, &b, 0, w.buf, w.len) == 0, "counts known %d", known);
		free(a.buf);
		free(b.buf);
		free(w.buf);
	}
	/* Shapes that differ (b's ns 3): the piece lines, then "end". */
	good0(&a, HEAD0);
	fputc('Z', a.f);
	pb_close(&a);
	pb_open(&b, "SKPSUM1\nhost h1\npiece 1 ok 3 4000 240 1 2\ninfo 2 1 5 3 4000 240 2 1 0\n");
	pb_close(&b);
	{
		static const char want[] = "SKPSUM1\nhost m\npiece 0 ok 2 4000 240 1 2\npiece 1 ok 3 4000 240 1 2\nend\n";
		CHECK(merge_gives(&a, &b, 0, want, strlen(want)) == 0);
	}
	free(b.buf);
	/* A rounded input is no term of a larger sum. */
	{
		const float v[2] = {1, 2};
		pb_open(&b, HEAD1);
		rec_f(&b, 1, 1, v);
		fputc('Z', b.f);
		pb_close(&b);
		CHECK(merge_gives(&a, &b, 0, "", 0) == SK_EFMT && strcmp(err.msg, "a damaged partial sum") == 0 &&
		      strcmp(err.file, "h1:y.psum") == 0);
		free(b.buf);
	}
	/* An output that cannot be written. */
	good1(&b, HEAD1);
	fputc('Z', b.f);
	pb_close(&b);
	{
		FILE *in[2] = {fmemopen(a.buf, a.len, "rb"), fmemopen(b.buf, b.len, "rb")};
		FILE *out = fopen("/dev/full", "wb");
		memset(&err, 0, sizeof err);
		CHECK(out && sk_psum_merge(in, labels, 2, 2, "m", 0, out, &err) == SK_EIO &&
		      strcmp(err.msg, "write: No space left on device") == 0);
		if (out)
			fclose(out);
		fclose(in[0]);
		fclose(in[1]);
	}
	free(a.buf);
	free(b.buf);
}

static void test_peek(void)
{
	char host[8];
	int skip = 7;
	const char *p = mk_path("peek.psum");
	FILE *f;

	/* Not there: the OS's words about the path. */
	memset(&err, 0, sizeof err);
	CHECK(sk_psum_peek(mk_path("none.psum"), host, sizeof host, &skip, &err) == SK_EIO &&
	      strcmp(err.msg, "No such file or directory") == 0 && strcmp(err.file, mk_path("none.psum")) == 0);
	/* A host line but no skip; the name cut to the buffer. */
	CHECK((f = fopen(p, "wb")) && fputs(HEAD0, f) >= 0 && fclose(f) == 0);
	CHECK(sk_psum_peek(p, host, sizeof host, &skip, &err) == 0 && skip == 0 && strcmp(host, "h0") == 0);
	CHECK((f = fopen(p, "wb")) && fputs("SKPSUM1\nhost node-with-a-long-name\nskip\n", f) >= 0 && fclose(f) == 0);
	CHECK(sk_psum_peek(p, host, sizeof host, &skip, &err) == 0 && skip == 1 && strcmp(host, "node-wi") == 0);
	/* "hostx" is no host line. */
	CHECK((f = fopen(p, "wb")) && fputs("SKPSUM1\nhostx\n", f) >= 0 && fclose(f) == 0);
	CHECK(sk_psum_peek(p, host, sizeof host, &skip, &err) == SK_EFMT && strcmp(err.msg, "not a partial sum") == 0 &&
	      strcmp(err.file, p) == 0);
	unlink(p);
}

int main(void)
{
	CHECK(mk_tmpdir(mk_dir, sizeof mk_dir, "psum_read") != NULL);
	test_combine();
	test_damaged();
	test_open();
	test_traces();
	test_merge();
	test_peek();
	CHECK(rmdir(mk_dir) == 0);
	return test_done();
}
