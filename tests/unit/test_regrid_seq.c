/* Unit tests of lib/flow/regrid_seq.c, the regrid driver's pass from start
 * to end (sk_rgrun_scan_seq: pipes, compressed sgk, a file with a cut last
 * trace), on the file of rgscan.h (300 traces, 43 dead) written here as
 * SEG-Y and as zstd sgk, read from the file or through a pipe: a file that
 * allows random reads and does not fit the budget is left in place; else
 * the kept traces' samples go to memory, a chunk per batch that keeps any,
 * on 1-3 threads and in batches of 1 record to more than the input (the
 * last batch ending exactly at the input's end, or the input within one
 * batch), and past the budget to a spool: the chunks made so far first, in
 * order, then the rest; a spool that cannot be made.  Errors come in input
 * order whatever the threads and batches: a bad format 4 word before a
 * later one and before a cut, a cut last trace, a cut that falls at a
 * batch's boundary, a cut compressed block. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bigmem.h"
#include "check.h"
#include "mkstream.h"
#include "rgscan.h"

/* Each chunk's samples moved into a buffer of its own with a trace of -1
 * after them, so that a fetch from the wrong chunk (one past its end) reads
 * -1, whatever the allocator put next to it. */
static void guard_chunks(struct store *st)
{
	for (long c = 0; c < st->nc; c++) {
		const size_t n = (size_t)(st->cstart[c + 1] - st->cstart[c]) * NS;
		float *g = malloc((n + NS) * sizeof *g);
		if (!g)
			continue;
		if (st->cs[c])
			memcpy(g, st->cs[c], n * sizeof *g);
		for (size_t k = n; k < n + NS; k++)
			g[k] = -1;
		free(st->cs[c]);
		st->cs[c] = g;
	}
}

static void threads(int th)
{
#ifdef _OPENMP
	omp_set_num_threads(th);
#else
	(void)th;
#endif
}

/* The pass over path, read from the file or (pipe 1) from a pipe a child
 * fills with its bytes (the input then named "pipe"), in batches of batch
 * records (0: regrid_seq.c's own size); sc and st set up here, the reader
 * freed after (what the pass kept does not need it unless in place). */
static int seq(const char *path, int pipe, long batch, const struct sk_regrid_job *job,
	       const struct sk_regrid_opts *o, const struct keep *kp, struct scan *sc, struct store *st,
	       struct sk_error *err)
{
	struct sk_reader *r;
	pid_t pid = -1;
	int fd = -1, rc;

	scan_init(sc, st);
	sc->batch = batch;
	if (pipe) {
		if ((fd = mk_pipe_of(path, &pid)) < 0)
			return sk_error_set(err, SK_EIO, "no pipe");
		rc = sk_reader_open_fd(fd, "pipe", SK_FMT_AUTO, 1 << 20, NULL, NULL, &r, err);
	} else {
		rc = sk_reader_open(path, SK_FMT_AUTO, &r, err);
	}
	if (rc == 0) {
		rc = sk_rgrun_scan_seq(job, o, r, kp, sc, st, err);
		sk_reader_free(r);
	}
	if (pipe) {
		close(fd);
		waitpid(pid, NULL, 0);
	}
	return rc;
}

/* Writes the first len bytes of b to path. */
static int put(const char *path, const unsigned char *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	const int ok = f && fwrite(b, 1, len, f) == len;
	return (f && fclose(f) != 0) || !ok ? -1 : 0;
}

int main(void)
{
	char dir[64], sgy[128], sgk[128], tmp[128];
	struct sk_regrid_job job;
	struct sk_regrid_opts o;
	struct sk_error err;
	struct scan sc;
	struct store st;
	struct keep all = {0, {0, 0, 0, 0}}, box = {1, {20, 50, 8, 20}};
	int64_t want[NTR], inbox[NTR];
	const long nused = expected(want, 0, 0, 0, 0, 0), nbox = expected(inbox, 1, 20, 50, 8, 20);
	const uint64_t all_bytes = (uint64_t)nused * NS * sizeof(float);
	const size_t rec = 240 + 4 * NS;
	/* Batches of 1 record, 7, 64; 60 and 300, whose last batch ends at
	 * the input's end (the next read finds nothing); 301, more than the
	 * input. */
	static const long batches[] = {1, 7, 64, 60, 300, 301};
	const int nb = sizeof batches / sizeof batches[0];
	int nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	CHECK(nused == 257 && nbox == 24);
	CHECK(mk_tmpdir(dir, sizeof dir, "regrid_seq") != NULL);
	snprintf(sgy, sizeof sgy, "%s/in.sgy", dir);
	snprintf(sgk, sizeof sgk, "%s/in.sgk", dir);
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	CHECK(mkdir(tmp, 0700) == 0);
	setenv("TMPDIR", tmp, 1);
	{
		struct sk_wopts w = SK_WOPTS_INIT;
		CHECK(mk_write(sgy, &w, NS, 4000, NTR, trace) == 0);
		w.fmt = SK_FMT_SGK;
		w.zstd = 1;
		w.block = 7;
		CHECK(mk_write(sgk, &w, NS, 4000, NTR, trace) == 0);
	}

	/* The batch when none is set: about 2 MiB of raw records, or of
	 * samples when they are kept, which then fill one huge page to within
	 * a trace (bigmem rounds a batch's samples up to whole huge pages). */
	{
		static const long nss[] = {1, 16, 500, 1001, 3000, 200000, 300000};
		for (size_t k = 0; k < sizeof nss / sizeof nss[0]; k++) {
			const long n = nss[k];
			const size_t raw = 240 + 4 * (size_t)n, bytes = (size_t)sk_rgrun_seq_per(raw, n, 1) * 4 * (size_t)n;
			CHECKF(sk_rgrun_seq_per(raw, n, 0) == (long)(((size_t)2 << 20) / raw), "ns %ld", n);
			CHECKF(bytes <= SK_BIGMEM_PAGE ? SK_BIGMEM_PAGE - bytes < 4 * (size_t)n
						       : sk_rgrun_seq_per(raw, n, 1) == 1,
			       "ns %ld: %zu bytes of samples a batch", n, bytes);
			CHECK(sk_bigmem_size(bytes) - bytes < 4 * (size_t)n || bytes > SK_BIGMEM_PAGE);
		}
	}

	/* A SEG-Y file over a budget of 10 traces: left in place (it allows
	 * random reads); through a pipe, where it cannot be, to the spool. */
	job_init(&job, &o, 10 * NS * sizeof(float));
	CHECK(seq(sgy, 0, 0, &job, &o, &all, &sc, &st, &err) == 0);
	CHECK(sc.in_place && st.cs == NULL && st.spool_fd < 0 && sc.g.n == nused && sc.t.inputs == NTR);
	scan_free(&sc, &st);
	CHECK(seq(sgy, 1, 0, &job, &o, &all, &sc, &st, &err) == 0);
	CHECK(!sc.in_place && st.cs == NULL && st.spool_fd >= 0 && lseek(st.spool_fd, 0, SEEK_END) == (off_t)all_bytes);
	CHECK(kept_right(&sc, &st, want, nused));
	scan_free(&sc, &st);

	/* Within the budget, every batch size on 1, 2 and 3 threads from the
	 * file, and on 2 through a pipe (the reading differs, not the work of
	 * the threads): the same traces, counts and samples, a memory chunk
	 * per batch that keeps any (every batch of 7 or more does: 1 trace in
	 * 7 is dead). */
	job.mem = 1 << 30;
	for (int th = 1; th <= 3; th++) {
		threads(th);
		for (int pipe = 0; pipe < (th == 2 ? 2 : 1); pipe++)
			for (int k = 0; k < nb; k++) {
				const long b = batches[k];
				CHECK(seq(sgy, pipe, b, &job, &o, &all, &sc, &st, &err) == 0);
				CHECK(!sc.in_place && st.spool_fd < 0 && st.cs != NULL);
				CHECKF(st.nc == (b == 1 ? nused : (NTR + b - 1) / b), "batch %ld, pipe %d: %ld chunks", b, pipe,
				       st.nc);
				CHECK(st.cstart[0] == 0 && st.cstart[st.nc] == nused);
				guard_chunks(&st);
				CHECKF(kept_right(&sc, &st, want, nused), "batch %ld, %d threads, pipe %d", b, th, pipe);
				CHECK(sc.t.inputs == NTR && sc.t.used == nused && sc.t.first == 0 &&
				      sk_hdr_i32(sc.first_hdr, 1) == 1);
				CHECK(sc.t.ext[0] == 1000 && sc.t.ext[1] == 1095 && sc.t.ext[2] == 2000 && sc.t.ext[3] == 2056);
				scan_free(&sc, &st);
			}
	}
	threads(nth);

	/* Errors in input order whatever the threads and batches (from the
	 * file on 1-3 threads, through a pipe on 2): trace 53
	 * (dead, so unused: its samples are decoded all the same) has a
	 * format 4 word that is not fixed point with gain, so has trace 181
	 * (a later batch, which another thread may decode first), and the
	 * file ends inside trace 201; without the bad words, the cut is the
	 * error (with batches of 200 at a batch's boundary: the batch after
	 * reads no record, only the error).  Cut inside its last trace, the
	 * whole file is read and trace 300 is the error. */
	{
		char f4[128], cut[128], last[128];
		size_t len = 0;
		unsigned char *b;
		static const long eb[] = {1, 7, 64, 200, 300};
		struct sk_wopts w = SK_WOPTS_INIT;
		snprintf(f4, sizeof f4, "%s/f4.sgy", dir);
		snprintf(cut, sizeof cut, "%s/cut.sgy", dir);
		snprintf(last, sizeof last, "%s/last.sgy", dir);
		w.sample_format = 2;   /* 100 i + s in int32: first byte 0 */
		CHECK(mk_write(f4, &w, NS, 4000, NTR, trace) == 0);
		CHECK((b = mk_slurp(f4, &len)) != NULL && len == 3600 + NTR * rec);
		b[3225] = 4;
		CHECK(put(last, b, 3600 + 299 * rec + 250) == 0);
		len = 3600 + 200 * rec + 100;
		CHECK(put(cut, b, len) == 0);
		b[3600 + 52 * rec + 240 + 3 * 4] = 1;
		b[3600 + 180 * rec + 240 + 9 * 4] = 2;
		CHECK(put(f4, b, len) == 0);
		free(b);
		job.mem = 1 << 30;
		for (int th = 1; th <= 3; th++) {
			threads(th);
			for (int pipe = 0; pipe < (th == 2 ? 2 : 1); pipe++)
				for (int k = 0; k < (int)(sizeof eb / sizeof eb[0]); k++) {
					const char *name = pipe ? "pipe" : NULL;
					CHECK(seq(f4, pipe, eb[k], &job, &o, &all, &sc, &st, &err) == SK_EFMT);
					CHECKF(strcmp(err.msg, "trace 53, sample 4: word 0x01001453 is not fixed point with gain "
							      "(format 4 needs a zero first byte)") == 0 &&
					       strcmp(err.file, name ? name : f4) == 0,
					       "batch %ld, %d threads, pipe %d: %s: %s", eb[k], th, pipe, err.file, err.msg);
					scan_free(&sc, &st);
					CHECK(seq(cut, pipe, eb[k], &job, &o, &all, &sc, &st, &err) == SK_EFMT);
					CHECKF(strcmp(err.msg, "trace 201 (from byte 64401) is truncated: 100 of 304 bytes") == 0 &&
					       strcmp(err.file, name ? name : cut) == 0,
					       "batch %ld, %d threads, pipe %d: %s: %s", eb[k], th, pipe, err.file, err.msg);
					scan_free(&sc, &st);
					CHECK(seq(last, pipe, eb[k], &job, &o, &all, &sc, &st, &err) == SK_EFMT);
					CHECKF(strcmp(err.msg, "trace 300 (from byte 94497) is truncated: 250 of 304 bytes") == 0 &&
					       strcmp(err.file, name ? name : last) == 0,
					       "batch %ld, %d threads, pipe %d: %s: %s", eb[k], th, pipe, err.file, err.msg);
					scan_free(&sc, &st);
				}
		}
		threads(nth);
		unlink(f4);
		unlink(cut);
		unlink(last);
	}

	/* Compressed sgk (no random reads): in memory within the budget ... */
	job.mem = 1 << 30;
	CHECK(seq(sgk, 0, 0, &job, &o, &box, &sc, &st, &err) == 0);
	CHECK(!sc.in_place && st.cs != NULL && st.spool_fd < 0 && st.nc >= 1 && st.cstart[st.nc] == nbox);
	CHECK(kept_right(&sc, &st, inbox, nbox) && sc.t.used == nused && sc.t.inputs == NTR);
	scan_free(&sc, &st);
	/* ... past it, the first 10 traces' samples move to a spool in
	 * TMPDIR (unlinked at once: nothing there to remove) and the rest go
	 * after them. */
	job.mem = 10 * NS * sizeof(float);
	CHECK(seq(sgk, 0, 0, &job, &o, &all, &sc, &st, &err) == 0);
	CHECK(st.cs == NULL && st.spool_fd >= 0 && strncmp(st.spool_path, tmp, strlen(tmp)) == 0);
	CHECK(lseek(st.spool_fd, 0, SEEK_END) == (off_t)all_bytes);
	CHECK(kept_right(&sc, &st, want, nused));
	/* A trace past the spool's end: a short read naming it. */
	{
		float d[NS];
		CHECK(sk_rgrun_store_fetch(&st, 0, nused, d, &err) == SK_EIO);
		CHECK(strcmp(err.msg, "short read") == 0 && strcmp(err.file, st.spool_path) == 0);
	}
	scan_free(&sc, &st);
	CHECK(st.spool_fd == -1);
	/* The budget (30 traces) crossed after several batches of 7 records
	 * (6 or 7 kept each) on 1-3 threads, and through a pipe on 2: the
	 * memory chunks made so far go to the spool first, in
	 * order, then the rest; no chunk is left. */
	job.mem = 30 * NS * sizeof(float);
	for (int th = 1; th <= 3; th++) {
		threads(th);
		for (int pipe = 0; pipe < (th == 2 ? 2 : 1); pipe++) {
			CHECK(seq(sgk, pipe, 7, &job, &o, &all, &sc, &st, &err) == 0);
			CHECKF(st.cs == NULL && st.nc == 0 && st.spool_fd >= 0 &&
			       lseek(st.spool_fd, 0, SEEK_END) == (off_t)all_bytes, "%d threads, pipe %d", th, pipe);
			CHECK(kept_right(&sc, &st, want, nused) && sc.spool_err == 0);
			scan_free(&sc, &st);
		}
	}
	threads(nth);
	/* The last compressed block (traces 295-300: 300 = 42 x 7 + 6) cut
	 * short (the file's last 40 bytes gone: its end marker and part of
	 * the block): the error names the input, the block and its bytes. */
	{
		char zcut[128];
		size_t len = 0;
		unsigned char *b;
		snprintf(zcut, sizeof zcut, "%s/cut.sgk", dir);
		CHECK((b = mk_slurp(sgk, &len)) != NULL && put(zcut, b, len - 40) == 0);
		free(b);
		job.mem = 1 << 30;
		for (int th = 1; th <= 3; th++) {
			threads(th);
			CHECK(seq(zcut, 0, 7, &job, &o, &all, &sc, &st, &err) == SK_EFMT);
			{
				long at = 0, got = 0, whole = 0;
				CHECKF(strcmp(err.file, zcut) == 0 &&
				       sscanf(err.msg, "truncated sgk stream: the block at byte %ld (traces 295-300) has %ld of %ld bytes",
					      &at, &got, &whole) == 3 && got < whole && at > 0,
				       "%s: %s", err.file, err.msg);
			}
			scan_free(&sc, &st);
		}
		threads(nth);
		unlink(zcut);
	}
	/* A spool that cannot be made (TMPDIR is a file): its error, about
	 * TMPDIR, marked as the spool's (not the input's). */
	setenv("TMPDIR", sgy, 1);
	job.mem = 30 * NS * sizeof(float);
	memset(&err, 0, sizeof err);
	CHECK(seq(sgk, 0, 7, &job, &o, &all, &sc, &st, &err) == SK_EIO);
	CHECKF(strcmp(err.msg, "Not a directory") == 0 && strcmp(err.file, sgy) == 0 && sc.spool_err == 1, "%s: %s",
	       err.file, err.msg);
	scan_free(&sc, &st);
	setenv("TMPDIR", tmp, 1);
	CHECK(rmdir(tmp) == 0);
	unlink(sgy);
	unlink(sgk);
	CHECK(rmdir(dir) == 0);
	return test_done();
}
