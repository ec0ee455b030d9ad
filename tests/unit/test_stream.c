/* Readers and writers of every format, through files and pipes. */
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "segy.h"
#include "sgk.h"
#include "stream.h"

#define NS 37
#define NT 23

/* ASan's allocator is not glibc's: mallinfo2 says nothing under it. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

static char dir[64];

static void make_trace(int i, unsigned char *h, float *d)
{
	memset(h, 0, 240);
	sk_hdr_set_i32(h, 1, i + 1);
	sk_hdr_set_i32(h, 21, 100 + i / 3);
	sk_hdr_set_i32(h, 37, (i % 3) * 25 - 25);
	sk_hdr_set_i16(h, 115, NS);
	sk_hdr_set_i16(h, 117, 2000);
	for (int s = 0; s < NS; s++)
		d[s] = (float)(i * 1000 + s) - 0.5f;
}

static int write_stream(const char *path, const struct sk_wopts *o, int n)
{
	struct sk_info like;
	struct sk_writer *w;
	struct sk_error err;
	unsigned char h[240];
	float d[NS];

	memset(&like, 0, sizeof like);
	like.fmt = SK_FMT_SEGY;
	like.ns = NS;
	like.dt = 2000;
	like.hdrlen = 240;
	if (sk_writer_open(path, &like, o, &w, &err) < 0) {
		printf("# %s\n", err.msg);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		make_trace(i, h, d);
		if (sk_writer_put(w, h, d, &err) < 0)
			return -1;
	}
	return sk_writer_close(w, &err);
}

/* Reads every trace and checks it against make_trace. */
static int check_stream(const char *path, int fmt, int n)
{
	struct sk_reader *r;
	struct sk_error err;
	unsigned char h[240], e[240];
	float d[NS], f[NS];
	int rc, i = 0, bad = 0;

	if (sk_reader_open(path, fmt, &r, &err) < 0) {
		printf("# %s: %s\n", path, err.msg);
		return -1;
	}
	if (sk_reader_info(r)->ns != NS || sk_reader_info(r)->dt != 2000)
		bad++;
	if (!path && sk_reader_pread_size(r) != 0)
		bad++;  /* a pipe cannot be read at random */
	while ((rc = sk_reader_next(r, h, d, &err)) > 0) {
		make_trace(i++, e, f);
		if (memcmp(h, e, 240) != 0 || memcmp(d, f, sizeof d) != 0)
			bad++;
	}
	if (rc < 0)
		printf("# %s: %s\n", path, err.msg);
	sk_reader_free(r);
	return rc < 0 || bad || i != n ? -1 : 0;
}

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* Reads every trace of path with sk_reader_pread from several OpenMP threads
 * at once, in an order that jumps around, while the reader also reads on
 * sequentially; checks each against make_trace.  Returns the traces that
 * differ or failed, or -1 when the file cannot be read at random. */
static int pread_stream(const char *path, int n)
{
	struct sk_reader *r;
	struct sk_error err;
	size_t size;
	int bad = 0, seq = 0;

	if (sk_reader_open(path, SK_FMT_AUTO, &r, &err) < 0)
		return -1;
	if ((size = sk_reader_pread_size(r)) == 0) {
		sk_reader_free(r);
		return -1;
	}
#pragma omp parallel num_threads(4) reduction(+ : bad)
	{
		unsigned char *scratch = malloc(size), h[240], e[240];
		float d[NS], f[NS];
		struct sk_error terr;
#pragma omp for schedule(dynamic, 1)
		for (int k = 0; k < 4 * n; k++) {
			const int i = (k * 7 + 3) % n;
			make_trace(i, e, f);
			if (!scratch || sk_reader_pread(r, i, scratch, h, d, &terr) != 0 ||
			    memcmp(h, e, 240) != 0 || memcmp(d, f, sizeof d) != 0)
				bad++;
			/* Header or samples alone. */
			if (!scratch || sk_reader_pread(r, i, scratch, NULL, d, &terr) != 0 ||
			    memcmp(d, f, sizeof d) != 0 || sk_reader_pread(r, i, scratch, h, NULL, &terr) != 0 ||
			    memcmp(h, e, 240) != 0)
				bad++;
			/* The header alone, and runs of up to 5 headers through a
			 * scratch of two records (three reads for five). */
			if (!scratch || sk_reader_pread_hdr(r, i, scratch, h, &terr) != 0 || memcmp(h, e, 240) != 0)
				bad++;
			{
				const int m = n - i < 5 ? n - i : 5;
				unsigned char *two = malloc(2 * size), hs[5 * 240];
				if (!two || sk_reader_pread_hdrs(r, i, m, two, 2 * size, hs, &terr) != 0)
					bad++;
				for (int j = 0; two && j < m; j++) {
					make_trace(i + j, e, f);
					bad += memcmp(hs + 240 * j, e, 240) != 0;
				}
				free(two);
			}
		}
#pragma omp single nowait
		{
			unsigned char h2[240];
			float d2[NS];
			while (sk_reader_next(r, h2, d2, &terr) > 0) {
				make_trace(seq, e, f);
				bad += memcmp(h2, e, 240) != 0 || memcmp(d2, f, sizeof d2) != 0;
				seq++;
			}
		}
		free(scratch);
	}
	bad += seq != n;
	sk_reader_free(r);
	return bad;
}

/* sk_copy_traces_tick's counts, in order. */
struct ticks {
	int n;
	int64_t seen[16];
};

static void tick(void *arg, int64_t copied)
{
	struct ticks *t = arg;

	if (t->n < 16)
		t->seen[t->n] = copied;
	t->n++;
}

int main(void)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_error err;
	struct sk_reader *r;
	char p[128], q[128];
	struct stat st;

	snprintf(dir, sizeof dir, "/tmp/test_stream_%ld", (long)getpid());
	mkdir(dir, 0700);

	/* The format a name says: its extension, in any case, after the last
	 * slash; none for other names, standard output and NULL. */
	{
		static const struct { const char *name; int fmt; } names[] = {
			{"x.su", SK_FMT_SU}, {"dir/x.SU", SK_FMT_SU}, {"x.sgy", SK_FMT_SEGY},
			{"a.b.segy", SK_FMT_SEGY}, {"x.Sgk", SK_FMT_SGK}, {".su", SK_FMT_SU},
			{"x.dat", SK_FMT_AUTO}, {"x.su.gz", SK_FMT_AUTO}, {"x.sux", SK_FMT_AUTO},
			{"x.", SK_FMT_AUTO}, {"su", SK_FMT_AUTO}, {"d.su/x", SK_FMT_AUTO},
			{"-", SK_FMT_AUTO}, {"", SK_FMT_AUTO}, {NULL, SK_FMT_AUTO},
		};
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			CHECKF(sk_format_of_name(names[i].name) == names[i].fmt, "%s",
			       names[i].name ? names[i].name : "NULL");
	}

	/* Every format and byte order, written and read back exactly. */
	{
		static const struct { int fmt, code, little, zstd; const char *name; } cases[] = {
			{SK_FMT_SEGY, 5, 0, 0, "a.sgy"}, {SK_FMT_SEGY, 5, 1, 0, "b.sgy"},
			{SK_FMT_SEGY, 6, 0, 0, "c.sgy"}, {SK_FMT_SU, 0, 1, 0, "a.su"},
			{SK_FMT_SU, 0, 0, 0, "b.su"}, {SK_FMT_SGK, 0, -1, 0, "a.sgk"},
			{SK_FMT_SGK, 0, -1, 5, "b.sgk"},
		};
		for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
			o.fmt = cases[c].fmt;
			o.sample_format = cases[c].code;
			o.little = cases[c].little;
			o.zstd = cases[c].zstd;
			o.block = 5;    /* several blocks and a partial one */
			path_of(p, sizeof p, cases[c].name);
			CHECKF(write_stream(p, &o, NT) == 0, "%s", cases[c].name);
			CHECKF(check_stream(p, SK_FMT_AUTO, NT) == 0, "%s", cases[c].name);
		}
	}
	/* Random reads from threads: every file but compressed sgk. */
	{
		static const char *const files[] = {"a.sgy", "b.sgy", "c.sgy", "a.su", "b.su", "a.sgk"};
		unsigned char h[240], scratch[240 + 8 * NS];
		float d[NS];
		for (size_t c = 0; c < sizeof files / sizeof files[0]; c++) {
			path_of(p, sizeof p, files[c]);
			CHECKF(pread_stream(p, NT) == 0, "%s", files[c]);
		}
		path_of(p, sizeof p, "b.sgk");
		CHECK(pread_stream(p, NT) == -1);
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_pread(r, 0, scratch, h, d, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "random access needs a file (not a pipe) holding uncompressed sgk with a trace count") == 0);
		sk_reader_free(r);
		path_of(p, sizeof p, "a.sgy");
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_pread(r, NT, scratch, h, d, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "trace 24 is out of range (1-23)") == 0);
		CHECK(sk_reader_pread(r, -1, scratch, h, d, &err) == SK_EARG);
		sk_reader_free(r);
		/* A file cut short after opening: the trace is a format error. */
		path_of(q, sizeof q, "cut.sgy");
		{
			char cmd[300];
			snprintf(cmd, sizeof cmd, "cp %s %s", p, q);
			CHECK(system(cmd) == 0);
		}
		CHECK(sk_reader_open(q, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ntraces == NT);
		CHECK(truncate(q, 3600 + 22 * (240 + 4 * NS) + 100) == 0);
		CHECK(sk_reader_pread(r, 21, scratch, h, d, &err) == 0);
		CHECK(sk_reader_pread(r, 22, scratch, h, d, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "trace 23 (from byte 12137) is truncated: 100 of 388 bytes") == 0, "%s", err.msg);
		sk_reader_free(r);
	}
	/* Detection and info. */
	path_of(p, sizeof p, "b.sgy");
	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_reader_info(r)->fmt == SK_FMT_SEGY && sk_reader_info(r)->little == 1 &&
	      sk_reader_info(r)->ntraces == NT && sk_reader_info(r)->fhdr_len == 3600 &&
	      sk_reader_info(r)->ebcdic == 1);
	/* Random access on SEG-Y. */
	{
		unsigned char h[240];
		float d[NS];
		CHECK(sk_reader_seek(r, 17, &err) == 0 && sk_reader_next(r, h, d, &err) == 1);
		CHECK(sk_hdr_i32(h, 1) == 18 && d[3] == 17003 - 0.5f && sk_reader_tell(r) == 18);
		CHECK(sk_reader_seek(r, 24, &err) == SK_EARG);
	}
	sk_reader_free(r);
	path_of(p, sizeof p, "a.sgk");
	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_reader_info(r)->fmt == SK_FMT_SGK && sk_reader_info(r)->ntraces == NT &&
	      sk_reader_info(r)->block == 5 && !sk_reader_info(r)->compressed);
	{
		unsigned char h[240];
		float d[NS];
		int ok = 1;
		for (int i = NT - 1; i >= 0; i -= 4) {
			ok &= sk_reader_seek(r, i, &err) == 0 && sk_reader_next(r, h, d, &err) == 1;
			ok &= sk_hdr_i32(h, 1) == i + 1 && d[NS - 1] == (float)(i * 1000 + NS - 1) - 0.5f;
		}
		CHECK(ok);
		CHECK(sk_reader_seek(r, NT, &err) == 0 && sk_reader_next(r, h, d, &err) == 0);
	}
	sk_reader_free(r);
	path_of(p, sizeof p, "b.sgk");
	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->compressed);
	{
		/* A compressed file seeks through its block index. */
		unsigned char h[240];
		float d[NS];
		int ok = 1;
		for (int i = NT - 1; i >= 0; i -= 3) {
			ok &= sk_reader_seek(r, i, &err) == 0 && sk_reader_next(r, h, d, &err) == 1;
			ok &= sk_hdr_i32(h, 1) == i + 1 && d[NS - 1] == (float)(i * 1000 + NS - 1) - 0.5f;
		}
		CHECK(ok);
		CHECK(sk_reader_seek(r, NT, &err) == 0 && sk_reader_next(r, h, d, &err) == 0);
		CHECK(sk_reader_seek(r, NT + 1, &err) == SK_EARG);
	}
	sk_reader_free(r);

	/* sk_copy_traces: two sgk streams of 23 traces in blocks of 5 (full
	 * blocks pass through, the short last one of the first input does not
	 * end up in the middle), then every trace found again by random access. */
	{
		struct sk_reader *a;
		struct sk_writer *w;
		int64_t n1 = 0, n2 = 0;
		int ok = 1;
		unsigned char h[240];
		float d[NS];
		path_of(p, sizeof p, "a.sgk");
		path_of(q, sizeof q, "cat.sgk");
		o = (struct sk_wopts)SK_WOPTS_INIT;
		o.block = 5;
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &a, &err) == 0);
		CHECK(sk_writer_open(q, sk_reader_info(a), &o, &w, &err) == 0);
		/* A tick after every block passed through: 5, 10, 15, 20, 23
		 * (what segmerge's progress report follows). */
		{
			struct ticks tk = {0};
			CHECK(sk_copy_traces_tick(a, w, &n1, NULL, tick, &tk, &err) == 0 && n1 == NT);
			CHECK(tk.n == 5 && tk.seen[0] == 5 && tk.seen[1] == 10 && tk.seen[3] == 20 && tk.seen[4] == NT);
		}
		sk_reader_free(a);
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &a, &err) == 0);
		/* The tick after every trace here (the first input's short last
		 * block leaves this one unaligned): 1, 2, ..., 23. */
		{
			struct ticks tk = {0};
			CHECK(sk_copy_traces_tick(a, w, &n2, NULL, tick, &tk, &err) == 0 && n2 == NT);
			CHECK(tk.n == NT && tk.seen[0] == 1 && tk.seen[15] == 16);
		}
		sk_reader_free(a);
		CHECK(sk_writer_close(w, &err) == 0);
		CHECK(sk_reader_open(q, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ntraces == 2 * NT);
		for (int i = 2 * NT - 1; i >= 0; i--) {
			ok &= sk_reader_seek(r, i, &err) == 0 && sk_reader_next(r, h, d, &err) == 1;
			ok &= sk_hdr_i32(h, 1) == i % NT + 1 && d[1] == (float)((i % NT) * 1000 + 1) - 0.5f;
		}
		CHECK(ok);
		sk_reader_free(r);
		/* And SEG-Y to sgk through the parallel batch decode, back exactly. */
		path_of(p, sizeof p, "a.sgy");
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &a, &err) == 0);
		o.block = 7;
		o.fmt = SK_FMT_SGK;
		CHECK(sk_writer_open(q, sk_reader_info(a), &o, &w, &err) == 0);
		CHECK(sk_copy_traces(a, w, &n1, NULL, &err) == 0 && n1 == NT);
		CHECK(sk_writer_close(w, &err) == 0);
		sk_reader_free(a);
		CHECK(check_stream(q, SK_FMT_AUTO, NT) == 0);
	}

	/* A truncated sgk stream is detected wherever it is cut. */
	path_of(p, sizeof p, "b.sgk");
	path_of(q, sizeof q, "cut.sgk");
	CHECK(stat(p, &st) == 0);
	{
		int detected = 0, tries = 0;
		FILE *in = fopen(p, "rb");
		unsigned char *all = malloc((size_t)st.st_size);
		CHECK(in && fread(all, 1, (size_t)st.st_size, in) == (size_t)st.st_size);
		fclose(in);
		for (off_t cut = 1; cut < st.st_size; cut += 1 + cut / 3) {
			FILE *out = fopen(q, "wb");
			unsigned char h[240];
			float d[NS];
			int rc;
			fwrite(all, 1, (size_t)cut, out);
			fclose(out);
			tries++;
			if (sk_reader_open(q, SK_FMT_AUTO, &r, &err) < 0) {
				detected++;
				continue;
			}
			while ((rc = sk_reader_next(r, h, d, &err)) > 0)
				;
			detected += rc < 0;
			sk_reader_free(r);
		}
		CHECKF(detected == tries, "%d of %d cuts detected", detected, tries);
		free(all);
	}

	/* Pipes: a writer to a pipe and a reader from one (unknown count). */
	{
		int fd[2];
		pid_t pid;
		CHECK(pipe(fd) == 0);
		pid = fork();
		if (pid == 0) {
			struct sk_wopts po = SK_WOPTS_INIT;
			close(fd[0]);
			dup2(fd[1], 1);
			po.fmt = SK_FMT_SGK;
			po.zstd = 1;
			po.block = 4;
			_exit(write_stream(NULL, &po, NT) == 0 ? 0 : 1);
		}
		close(fd[1]);
		{
			int saved = dup(0), status;
			dup2(fd[0], 0);
			close(fd[0]);
			CHECK(check_stream(NULL, SK_FMT_AUTO, NT) == 0);
			dup2(saved, 0);
			close(saved);
			waitpid(pid, &status, 0);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
	}

	/* Atomic output: a failed writer leaves nothing behind. */
	{
		struct sk_info like;
		struct sk_writer *w;
		memset(&like, 0, sizeof like);
		like.fmt = SK_FMT_SEGY;
		like.ns = NS;
		like.hdrlen = 240;
		path_of(p, sizeof p, "never.sgy");
		CHECK(sk_writer_open(p, &like, &o, &w, &err) == 0);
		CHECK(stat(p, &st) != 0);     /* not there until close */
		sk_writer_abort(w);
		CHECK(stat(p, &st) != 0);
		o = (struct sk_wopts)SK_WOPTS_INIT;
		o.fmt = SK_FMT_SU;
		like.ns = 70000;
		CHECK(sk_writer_open(p, &like, &o, &w, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "SU cannot hold ns=70000 (at most 65535)") == 0);
		o.fmt = SK_FMT_SEGY;
		o.zstd = 3;
		like.ns = 10;
		CHECK(sk_writer_open(p, &like, &o, &w, &err) == SK_EARG && strcmp(err.msg, "--zstd needs sgk output") == 0);
	}
	/* A declared count: in the header from the first byte (sgk offset 40),
	 * also through a pipe; a stream that does not hold it is refused at
	 * close, leaving no file. */
	{
		unsigned char h[64];
		int fd[2], status;
		pid_t pid;
		o = (struct sk_wopts)SK_WOPTS_INIT;
		o.fmt = SK_FMT_SGK;
		o.count_known = 1;
		o.count = NT;
		CHECK(pipe(fd) == 0);
		if ((pid = fork()) == 0) {
			close(fd[0]);
			dup2(fd[1], 1);
			_exit(write_stream(NULL, &o, NT) == 0 ? 0 : 1);
		}
		close(fd[1]);
		CHECK(read(fd[0], h, sizeof h) == (ssize_t)sizeof h && sk_segy_get(h, 41, 8, 1) == NT);
		while (read(fd[0], h, sizeof h) > 0)
			;
		close(fd[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		path_of(q, sizeof q, "wrong.sgk");
		o.count = NT + 1;
		CHECK(write_stream(q, &o, NT) == SK_ESTATE && stat(q, &st) != 0);
	}
	/* Output options. */
	o = (struct sk_wopts)SK_WOPTS_INIT;
	CHECK(sk_wopts_set(&o, "format", "ibm", &err) == 0 && o.sample_format == 1);
	CHECK(sk_wopts_set(&o, "format", "16", &err) == 0 && o.sample_format == 16);
	CHECK(sk_wopts_set(&o, "format", "4", &err) == SK_EARG);
	CHECK(sk_wopts_set(&o, "endian", "little", &err) == 0 && o.little == 1);
	CHECK(sk_wopts_set(&o, "endian", "middle", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid endian 'middle' (big or little)") == 0);
	CHECK(sk_wopts_set(&o, "zstd", NULL, &err) == 0 && o.zstd == 3 && o.fmt == SK_FMT_SGK);
	CHECK(sk_wopts_set(&o, "zstd", "20", &err) == SK_EARG);
	CHECK(sk_wopts_set(&o, "to", "segy", &err) == 0 && o.fmt == SK_FMT_SEGY);
	CHECK(sk_wopts_set(&o, "to", "rsf", &err) == SK_EARG);

	/* Many inputs open at once (segmerge --key of 1,000 runs): each
	 * reader holds its 64 KiB buffer and a record, not the 260 KiB that
	 * format detection read (issue 17: 1,000 inputs took 265 MiB).  Files
	 * of 1000 traces (388 KB) each; read in turns, as a merge does. */
	{
		enum { NIN = 40, NTR = 1000 };
		static const int fmts[] = {SK_FMT_SEGY, SK_FMT_SU};
		for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
			struct sk_wopts wo = SK_WOPTS_INIT;
			struct sk_reader *rs[NIN];
			size_t before, after;
			int opened = 0, bad = 0, rc = 1;
			wo.fmt = fmts[k];
			path_of(p, sizeof p, k ? "many.su" : "many.sgy");
			CHECK(write_stream(p, &wo, NTR) == 0);
			before = mallinfo2().uordblks + mallinfo2().hblkhd;
			for (int i = 0; i < NIN; i++)
				opened += sk_reader_open_buf(p, SK_FMT_AUTO, SK_MANY_BUF, &rs[i], &err) == 0;
			after = mallinfo2().uordblks + mallinfo2().hblkhd;
			CHECK(opened == NIN);
#ifndef TEST_ASAN
			CHECKF((after - before) / NIN < SK_MANY_BUF + 8192, "%zu bytes a reader", (after - before) / NIN);
#endif
			(void)before;  /* used only without ASan */
			(void)after;
			for (int t = 0; t < NTR && rc == 1; t++) {
				for (int i = 0; i < NIN && rc == 1; i++) {
					unsigned char h[240], e[240];
					float d[NS], f[NS];
					rc = sk_reader_next(rs[i], h, d, &err);
					make_trace(t, e, f);
					bad += rc != 1 || memcmp(h, e, 240) != 0 || memcmp(d, f, sizeof d) != 0;
				}
			}
			CHECK(rc == 1 && bad == 0);
			for (int i = 0; i < NIN; i++) {
				CHECK(sk_reader_next(rs[i], NULL, NULL, &err) == 0);
				sk_reader_free(rs[i]);
			}
		}
	}

	/* Bad inputs. */
	path_of(p, sizeof p, "empty");
	fclose(fopen(p, "w"));
	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == SK_EFMT && strcmp(err.msg, "empty file") == 0);
	CHECK(sk_reader_open(dir, SK_FMT_AUTO, &r, &err) == SK_EIO && strcmp(err.msg, "Is a directory") == 0);
	path_of(p, sizeof p, "missing");
	CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == SK_EIO &&
	      strcmp(err.msg, "No such file or directory") == 0);

	/* An sgk stream announcing 2^28 samples a trace and holding none opens
	 * without a trace-sized buffer (fuzz_sgk: 1 GiB for 88 bytes). */
	{
		unsigned char b[SK_SGK_HEAD + SK_SGK_BLOCK_HEAD] = {0};
		size_t before;
		FILE *f;

		memcpy(b, SK_SGK_MAGIC, 8);
		b[8] = 1;                       /* version */
		b[19] = 0x10;                   /* ns 2^28 */
		b[20] = 240;                    /* header length */
		b[32] = 1;                      /* traces per block */
		path_of(p, sizeof p, "huge-ns.sgk");
		CHECK((f = fopen(p, "wb")) != NULL && fwrite(b, sizeof b, 1, f) == 1 && fclose(f) == 0);
		before = mallinfo2().hblkhd;
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ns == SK_MAX_NS);
#ifndef TEST_ASAN
		CHECK(mallinfo2().hblkhd - before < ((size_t)1 << 20));  /* glibc's count of mmap'd blocks */
#endif
		(void)before;
		CHECK(sk_reader_next(r, NULL, NULL, &err) == 0);
		sk_reader_free(r);
	}

	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
	/* Computed traces from integer input are IEEE float unless asked. */
	{
		struct sk_wopts wo = SK_WOPTS_INIT;
		struct sk_info like;
		memset(&like, 0, sizeof like);
		for (int f = 1; f <= 16; f++) {
			like.sample_format = f;
			wo.sample_format = 0;
			sk_wopts_computed(&wo, &like);
			CHECKF(wo.sample_format == (f == 1 || f == 4 || f == 5 || f == 6 ? 0 : 5), "format %d", f);
		}
		like.sample_format = 3;
		wo.sample_format = 3;
		sk_wopts_computed(&wo, &like);
		CHECK(wo.sample_format == 3);
	}
	/* @BYTE keys that keep a little-endian stream's order: outside the
	 * key table only, and only in SEG-Y and SU streams. */
	{
		static const struct { const char *key; int fmt, little, su, want; } c[] = {
			{"@233:i4", SK_FMT_SEGY, 1, 0, 1}, {"@237:i2", SK_FMT_SEGY, 1, 0, 1},
			{"@233:i8", SK_FMT_SEGY, 1, 0, 1}, {"@233:i4", SK_FMT_SEGY, 0, 0, 0},
			{"@21:i4", SK_FMT_SEGY, 1, 0, 0},  {"@1:i2", SK_FMT_SEGY, 1, 0, 0},
			{"@235:i1", SK_FMT_SEGY, 1, 0, 0}, {"@233:i4", SK_FMT_SU, 1, 1, 0},
			{"@233:i4", SK_FMT_SGK, 1, 0, 0},  {"@231:i4", SK_FMT_SEGY, 1, 0, 0},
			{"@413:i4", SK_FMT_SEGY, 1, 0, 0},  {"@473:i4", SK_FMT_SEGY, 1, 0, 1},
		};
		struct sk_info in;
		struct sk_key k;
		unsigned char h[480];
		memset(&in, 0, sizeof in);
		for (size_t j = 0; j < sizeof c / sizeof c[0]; j++) {
			in.fmt = c[j].fmt;
			in.little = c[j].little;
			in.su_tail = c[j].su;
			in.hdrlen = 480;
			CHECK(sk_key_parse(c[j].key, 480, &k, &err) == 0);
			CHECKF(sk_stream_key_flips(&in, &k) == c[j].want, "%s fmt %d little %d", c[j].key, c[j].fmt,
			       c[j].little);
		}
		CHECK(sk_key_parse("cdp", 240, &k, &err) == 0 && sk_stream_key_flips(&in, &k) == 0);
		for (int i = 0; i < 8; i++)
			h[232 + i] = (unsigned char)(i + 1);
		CHECK(sk_key_parse("@233:i4", 240, &k, &err) == 0);
		sk_key_flip(h, &k);
		CHECK(memcmp(h + 232, "\4\3\2\1\5\6\7\10", 8) == 0);
		CHECK(sk_key_int(h, &k) == 0x04030201);
	}
	return test_done();
}
