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
#include "stream_internal.h"
#include "tstream.h"

/* ASan's allocator is not glibc's: mallinfo2 says nothing under it. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

static void test_map(void)
{
	struct sk_error err;
	struct sk_reader *r;
	char p[128];

	/* sk_reader_map: a SEG-Y and an SU file's raw records from the file's
	 * pages, record k at the first + k x its length, each kept pointer
	 * valid to the end and its bytes those an unmapped reader gives (the
	 * file's own); not for sgk, nor for a pipe. */
	for (int f = 0; f < 3; f++) {
		static const char *const name[] = {"map.sgy", "map.su", "map.sgk"};
		struct sk_wopts wo = SK_WOPTS_INIT;
		struct sk_reader *m, *u;
		const unsigned char *rec[NT], *first = NULL;
		int ok = 1, n = 0;
		static const int fmt[] = {SK_FMT_SEGY, SK_FMT_SU, SK_FMT_SGK};
		path_of(p, sizeof p, name[f]);
		wo.fmt = fmt[f];
		CHECK(write_stream(p, &wo, NT) == 0);
		if (sk_reader_open(p, SK_FMT_AUTO, &m, &err) < 0 || sk_reader_open(p, SK_FMT_AUTO, &u, &err) < 0) {
			CHECKF(0, "%s: %s", p, err.msg);
			continue;
		}
		CHECK(sk_reader_info(m)->fmt == fmt[f] && sk_reader_map(m) == (f < 2));
		for (const unsigned char *a, *b; sk_reader_next_raw(m, &a, &err) == 1; n++) {
			rec[n] = a;
			if (!first)
				first = a;
			ok &= f == 2 || a == first + (size_t)n * m->recsize;
			ok &= sk_reader_next_raw(u, &b, &err) == 1 && memcmp(a, b, m->recsize) == 0;
		}
		CHECK(ok && n == NT);
		if (f < 2) {
			size_t len = 0;
			unsigned char *whole = mk_slurp(p, &len);
			CHECK(whole && len == (size_t)m->data_start + NT * m->recsize);
			for (int k = 0; k < NT; k++)
				ok &= memcmp(rec[k], whole + m->data_start + (size_t)k * m->recsize, m->recsize) == 0;
			CHECK(ok);
			free(whole);
		}
		sk_reader_free(m);
		sk_reader_free(u);
	}
	{
		int fd[2];
		pid_t pid;
		CHECK(pipe(fd) == 0);
		path_of(p, sizeof p, "map.sgy");
		if ((pid = fork()) == 0) {
			int in = open(p, O_RDONLY);
			char b[4096];
			ssize_t k;
			close(fd[0]);
			while (in >= 0 && (k = read(in, b, sizeof b)) > 0)
				if (write(fd[1], b, (size_t)k) != k)
					break;
			_exit(0);
		}
		close(fd[1]);
		if (sk_reader_open_fd(fd[0], "<pipe>", SK_FMT_AUTO, 0, NULL, NULL, &r, &err) == 0) {
			CHECK(sk_reader_map(r) == 0);
			sk_reader_free(r);
		} else {
			CHECKF(0, "%s", err.msg);
		}
		close(fd[0]);
		waitpid(pid, NULL, 0);
	}
}

int main(void)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_error err;
	struct sk_reader *r;
	char p[128], q[128];
	struct stat st;

	tdir_make("test_stream");

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
	write_cases(tcases, sizeof tcases / sizeof tcases[0], &o, 1);
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
	CHECK(sk_reader_open(mk_dir, SK_FMT_AUTO, &r, &err) == SK_EIO && strcmp(err.msg, "Is a directory") == 0);
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

	test_map();
	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf %s", mk_dir);
		CHECK(system(cmd) == 0);
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
