/* Unit tests of lib/flow/regrid_scan.c, the regrid driver's input pass,
 * on a file written here: which traces the parallel pass keeps (every used
 * one, or a --part box's), in input order whatever the threads; where
 * their samples go (left in place whatever the memory budget, or for a
 * pass from start to end memory then a spool); and that the store hands
 * back each kept trace's own samples
 * from each of them (sk_rgrun_store_fetch: the chunk search, the spool's
 * short read); the pass from start to end (regrid_seq.c) on 1-3 threads in
 * batches of any size, and its errors in input order; its memory chunks
 * moved to the spool when the budget is crossed after several batches,
 * and a spool that cannot be made.  300 traces: trace i at midpoint (1000 + 5 (i % 20),
 * 2000 + 4 (i / 20)), dead when i % 7 == 3, samples 100 i + s. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "hdr.h"
#include "mkstream.h"
#include "regrid_run_internal.h"

#define NS 16
#define NTR 300

static void trace(int i, unsigned char *h, float *d)
{
	const int32_t x = 1000 + 5 * (i % 20), y = 2000 + 4 * (i / 20);

	sk_hdr_set_i32(h, SK_TR_TRACL, i + 1);
	sk_hdr_set_i16(h, SK_TR_TRID, (int16_t)(i % 7 == 3 ? 2 : 1));
	sk_hdr_set_i32(h, SK_TR_SX, x - 10);
	sk_hdr_set_i32(h, SK_TR_SY, y);
	sk_hdr_set_i32(h, SK_TR_GX, x + 10);
	sk_hdr_set_i32(h, SK_TR_GY, y);
	for (int s = 0; s < NS; s++)
		d[s] = (float)(100 * i + s);
}

/* The used traces' indices in order, inside box (u0..u1, v0..v1) when on. */
static long expected(int64_t *idx, int on, double u0, double u1, double v0, double v1)
{
	long n = 0;

	for (int i = 0; i < NTR; i++) {
		const double u = 5.0 * (i % 20), v = 4.0 * (i / 20);
		if (i % 7 != 3 && (!on || (u >= u0 && u <= u1 && v >= v0 && v <= v1)))
			idx[n++] = i;
	}
	return n;
}

static void job_init(struct sk_regrid_job *job, struct sk_regrid_opts *o, uint64_t mem)
{
	const struct sk_grid g = {1000, 2000, 5, 4, 20, 15, 90, 1, 1, 1, 1, 0};
	const struct sk_regrid_opts init = SK_REGRID_OPTS_INIT;

	memset(job, 0, sizeof *job);
	job->grid = g;
	job->coords = SK_COORDS_MID;
	job->mem = mem;
	*o = init;
	o->radius = 10;
	o->ns = NS;
}

static void scan_init(struct scan *sc, struct store *st)
{
	memset(sc, 0, sizeof *sc);
	memset(st, 0, sizeof *st);
	sk_rgrun_tally_init(&sc->t);
	sc->first_hdr = calloc(1, 240);
	st->spool_fd = -1;
	st->ns = NS;
}

static void scan_free(struct scan *sc, struct store *st)
{
	sk_rgrun_scan_release(sc, st);
	free(sc->first_hdr);
	for (int t = 0; t < st->nraw; t++)
		free(st->raw[t]);
	free(st->raw);
	st->raw = NULL;
	st->nraw = 0;
}

/* Every kept trace is the expected one, at its place, and the store hands
 * back its samples (slot 0). */
static int kept_right(const struct scan *sc, struct store *st, const int64_t *want, long n)
{
	float d[NS];
	struct sk_error err;

	if (sc->g.n != n)
		return printf("# kept %ld, want %ld\n", sc->g.n, n), 0;
	for (long k = 0; k < n; k++) {
		const int64_t i = want[k];
		if (sc->g.tidx[k] != i || sc->g.u[k] != 5.0 * (double)(i % 20) || sc->g.v[k] != 4.0 * (double)(i / 20) ||
		    sc->g.cls[k] != 0 || sc->g.h[k] != 0)
			return printf("# kept %ld: trace %lld\n", k, (long long)sc->g.tidx[k]), 0;
		if (sk_rgrun_store_fetch(st, 0, k, d, &err) != 0)
			return printf("# fetch %ld: %s\n", k, err.msg), 0;
		for (int s = 0; s < NS; s++)
			if (d[s] != (float)(100 * i + s))
				return printf("# fetch %ld: sample %d is %g\n", k, s, d[s]), 0;
	}
	return 1;
}

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

static int hull_has(const struct scan *sc, double u, double v)
{
	for (long k = 0; k < sc->nh; k++)
		if (sc->hull[k][0] == u && sc->hull[k][1] == v)
			return 1;
	return 0;
}

int main(void)
{
	char dir[64], sgy[128], sgk[128];
	struct sk_regrid_job job;
	struct sk_regrid_opts o;
	struct sk_reader *r;
	struct sk_error err;
	struct scan sc, sc1;
	struct store st, st1;
	struct keep all = {0, {0, 0, 0, 0}}, box = {1, {20, 50, 8, 20}};
	int64_t want[NTR], inbox[NTR];
	const long nused = expected(want, 0, 0, 0, 0, 0), nbox = expected(inbox, 1, 20, 50, 8, 20);
	const uint64_t all_bytes = (uint64_t)nused * NS * sizeof(float);
	int nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	/* 300 traces, 43 dead (3, 10, ..., 297); the box holds u 20..50
	 * (7 columns) by v 8..20 (rows 2..5): 28, 4 of them dead. */
	CHECK(nused == 257 && nbox == 24);
	CHECK(mk_tmpdir(dir, sizeof dir, "regrid_scan") != NULL);
	snprintf(sgy, sizeof sgy, "%s/in.sgy", dir);
	snprintf(sgk, sizeof sgk, "%s/in.sgk", dir);
	{
		struct sk_wopts w = SK_WOPTS_INIT;
		CHECK(mk_write(sgy, &w, NS, 4000, NTR, trace) == 0);
		w.fmt = SK_FMT_SGK;
		w.zstd = 1;
		w.block = 7;
		CHECK(mk_write(sgk, &w, NS, 4000, NTR, trace) == 0);
	}
	CHECK(sk_reader_open(sgy, SK_FMT_AUTO, &r, &err) == 0);

	/* The parallel pass: the headers alone, every used trace kept in
	 * input order, its samples left in place whatever the budget (1 GiB,
	 * or 1 byte: the parallel pass does not read it) and read back from
	 * the file by each thread's scratch; tallies over every trace. */
	for (int small = 0; small < 2; small++) {
		job_init(&job, &o, small ? 1 : 1 << 30);
		scan_init(&sc, &st);
		CHECK(sk_rgrun_scan_par(&job, &o, r, &all, 1, &sc, &err) == 0);
		CHECK(sc.in_place && st.cs == NULL && st.nc == 0 && st.spool_fd < 0);
		CHECK(sk_rgrun_in_place_open(&st, r, &err) == 0 && st.nraw == nth && st.raw[0] != NULL);
		st.tidx = sc.g.tidx;
		CHECK(kept_right(&sc, &st, want, nused));
		CHECK(sc.t.inputs == NTR && sc.t.used == nused && sc.t.first == 0 && sk_hdr_i32(sc.first_hdr, 1) == 1);
		CHECK(sc.t.ext[0] == 1000 && sc.t.ext[1] == 1095 && sc.t.ext[2] == 2000 && sc.t.ext[3] == 2056);
		/* The hull of the used midpoints: the four corners (all live). */
		CHECK(sc.nh == 4 && hull_has(&sc, 0, 0) && hull_has(&sc, 95, 0) && hull_has(&sc, 95, 56) &&
		      hull_has(&sc, 0, 56));
		scan_free(&sc, &st);
	}
#ifdef _OPENMP
	/* One thread: other chunks, the same traces in the same order. */
	omp_set_num_threads(1);
	scan_init(&sc1, &st1);
	CHECK(sk_rgrun_scan_par(&job, &o, r, &all, 0, &sc1, &err) == 0);
	CHECK(sk_rgrun_in_place_open(&st1, r, &err) == 0 && st1.nraw == 1);
	st1.tidx = sc1.g.tidx;
	CHECK(kept_right(&sc1, &st1, want, nused) && sc1.nh == 0 && sc1.hull == NULL);
	scan_free(&sc1, &st1);
	omp_set_num_threads(nth);
#endif

	/* A --part box: only its traces kept, every used one counted. */
	scan_init(&sc, &st);
	CHECK(sk_rgrun_scan_par(&job, &o, r, &box, 0, &sc, &err) == 0);
	CHECK(sc.in_place && st.cs == NULL && sk_rgrun_in_place_open(&st, r, &err) == 0);
	st.tidx = sc.g.tidx;
	CHECK(kept_right(&sc, &st, inbox, nbox) && sc.t.used == nused && sc.t.first == 0 && sc.t.inputs == NTR);
	scan_free(&sc, &st);

	/* The pass from start to end (what a file with a cut last trace
	 * takes) of a SEG-Y file over a budget of 10 traces: in place too (it
	 * allows random reads). */
	job.mem = 10 * NS * sizeof(float);
	scan_init(&sc, &st);
	CHECK(sk_rgrun_scan_seq(&job, &o, r, &all, &sc, &st, &err) == 0);
	CHECK(sc.in_place && st.cs == NULL && st.spool_fd < 0 && sc.g.n == nused);
	scan_free(&sc, &st);
	sk_reader_free(r);

	/* The pass from start to end of the SEG-Y file within the budget, in
	 * batches of 1, 7 and 64 records on 1, 2 and 3 threads: the same
	 * traces, counts and samples, a memory chunk per batch that keeps
	 * any (every batch of 7 does: 1 trace in 7 is dead). */
	job.mem = 1 << 30;
	for (int th = 1; th <= 3; th++) {
		static const long batches[] = {1, 7, 64};
#ifdef _OPENMP
		omp_set_num_threads(th);
#endif
		for (int k = 0; k < 3; k++) {
			CHECK(sk_reader_open(sgy, SK_FMT_AUTO, &r, &err) == 0);
			scan_init(&sc, &st);
			sc.batch = batches[k];
			CHECK(sk_rgrun_scan_seq(&job, &o, r, &all, &sc, &st, &err) == 0);
			CHECK(!sc.in_place && st.spool_fd < 0 && st.cs != NULL);
			CHECKF(st.nc == (batches[k] == 1 ? nused : (NTR + batches[k] - 1) / batches[k]), "# %ld chunks",
			       st.nc);
			CHECK(st.cstart[0] == 0 && st.cstart[st.nc] == nused);
			guard_chunks(&st);
			CHECK(kept_right(&sc, &st, want, nused));
			CHECK(sc.t.inputs == NTR && sc.t.used == nused && sc.t.first == 0 && sk_hdr_i32(sc.first_hdr, 1) == 1);
			CHECK(sc.t.ext[0] == 1000 && sc.t.ext[1] == 1095 && sc.t.ext[2] == 2000 && sc.t.ext[3] == 2056);
			scan_free(&sc, &st);
			sk_reader_free(r);
		}
	}
#ifdef _OPENMP
	omp_set_num_threads(nth);
#endif
	/* Errors in input order whatever the threads and batches: trace 53
	 * (dead, so unused: its samples are decoded all the same) has a
	 * format 4 word that is not fixed point with gain, and the file ends
	 * inside trace 201; without the bad word, the cut is the error. */
	{
		char f4[128], cut[128];
		size_t len;
		unsigned char *b;
		const size_t rec = 240 + 4 * NS;
		FILE *f;
		struct sk_wopts w = SK_WOPTS_INIT;
		snprintf(f4, sizeof f4, "%s/f4.sgy", dir);
		snprintf(cut, sizeof cut, "%s/cut.sgy", dir);
		w.sample_format = 2;   /* 100 i + s in int32: first byte 0 */
		CHECK(mk_write(f4, &w, NS, 4000, NTR, trace) == 0);
		CHECK((b = mk_slurp(f4, &len)) != NULL && len == 3600 + NTR * rec);
		b[3225] = 4;
		len = 3600 + 200 * rec + 100;
		CHECK((f = fopen(cut, "wb")) != NULL && fwrite(b, 1, len, f) == len && fclose(f) == 0);
		b[3600 + 52 * rec + 240 + 3 * 4] = 1;
		CHECK((f = fopen(f4, "wb")) != NULL && fwrite(b, 1, len, f) == len && fclose(f) == 0);
		free(b);
		for (int th = 1; th <= 3; th++) {
			static const long batches[] = {1, 7, 64};
#ifdef _OPENMP
			omp_set_num_threads(th);
#endif
			for (int k = 0; k < 3; k++) {
				CHECK(sk_reader_open(f4, SK_FMT_AUTO, &r, &err) == 0);
				scan_init(&sc, &st);
				sc.batch = batches[k];
				CHECK(sk_rgrun_scan_seq(&job, &o, r, &all, &sc, &st, &err) == SK_EFMT);
				CHECKF(strcmp(err.msg, "trace 53, sample 4: word 0x01001453 is not fixed point with gain (format 4 "
					      "needs a zero first byte)") == 0 && strcmp(err.file, f4) == 0, "# %s: %s", err.file,
				       err.msg);
				scan_free(&sc, &st);
				sk_reader_free(r);
				CHECK(sk_reader_open(cut, SK_FMT_AUTO, &r, &err) == 0);
				scan_init(&sc, &st);
				sc.batch = batches[k];
				CHECK(sk_rgrun_scan_seq(&job, &o, r, &all, &sc, &st, &err) == SK_EFMT);
				CHECKF(strncmp(err.msg, "trace 201 (from byte ", 21) == 0 && strstr(err.msg, "is truncated: 100 of 304 bytes") &&
				       strcmp(err.file, cut) == 0, "# %s: %s", err.file, err.msg);
				scan_free(&sc, &st);
				sk_reader_free(r);
			}
		}
#ifdef _OPENMP
		omp_set_num_threads(nth);
#endif
		unlink(f4);
		unlink(cut);
	}

	/* In place: a format 4 file's samples are decoded in the parallel
	 * pass all the same, every trace's: trace 11 (dead, unused; outside
	 * the box) with a bad word is the error.  The file cut inside trace 201
	 * after the pass: its fetch names it and the file's sizes, the one
	 * before still reads; rewritten at the same size, sk_reader_check_same
	 * says so. */
	{
		char f4[128], place[128];
		size_t len;
		unsigned char *b;
		const size_t rec = 240 + 4 * NS;
		FILE *f;
		float d[NS];
		long k198 = -1, k200 = -1;
		struct sk_wopts w = SK_WOPTS_INIT;
		const struct timespec past[2] = {{1, 0}, {1, 0}};
		int fd;

		job.mem = 1 << 30;
		snprintf(place, sizeof place, "%s/place.sgy", dir);
		snprintf(f4, sizeof f4, "%s/placef4.sgy", dir);
		CHECK(mk_write(place, &w, NS, 4000, NTR, trace) == 0);
		CHECK(sk_reader_open(place, SK_FMT_AUTO, &r, &err) == 0);

		/* Cut after the pass. */
		scan_init(&sc, &st);
		CHECK(sk_rgrun_scan_par(&job, &o, r, &all, 0, &sc, &err) == 0);
		CHECK(sk_rgrun_in_place_open(&st, r, &err) == 0);
		st.tidx = sc.g.tidx;
		for (long k = 0; k < sc.g.n; k++) {
			if (sc.g.tidx[k] == 198)
				k198 = k;
			if (sc.g.tidx[k] == 200)
				k200 = k;
		}
		CHECK(k198 >= 0 && k200 == k198 + 1);   /* 199 is dead */
		CHECK(sk_reader_check_same(r, &err) == 0);
		CHECK(truncate(place, 3600 + 200 * (off_t)rec + 100) == 0);
		CHECK(sk_rgrun_store_fetch(&st, 0, k198, d, &err) == 0 && d[NS - 1] == (float)(100 * 198 + NS - 1));
		CHECK(sk_rgrun_store_fetch(&st, 0, k200, d, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "trace 201 (from byte 64401) is truncated: 100 of 304 bytes; the file changed while "
			      "it was read: 64500 bytes, 94800 when it was opened") == 0 && strcmp(err.file, place) == 0,
		       "# %s: %s", err.file, err.msg);
		CHECK(sk_reader_check_same(r, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "changed while it was read: 64500 bytes, 94800 when it was opened") == 0 &&
		       strcmp(err.file, place) == 0, "# %s: %s", err.file, err.msg);
		scan_free(&sc, &st);
		sk_reader_free(r);

		/* Rewritten at the same size: its modification time set far back
		 * first, so that the rewrite's differs whatever the clock's
		 * granularity. */
		CHECK(mk_write(place, &w, NS, 4000, NTR, trace) == 0);
		CHECK(utimensat(AT_FDCWD, place, past, 0) == 0);
		CHECK(sk_reader_open(place, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_check_same(r, &err) == 0);
		CHECK((fd = open(place, O_WRONLY)) >= 0 && pwrite(fd, "abcd", 4, 3600 + 240) == 4 && close(fd) == 0);
		CHECK(sk_reader_check_same(r, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "changed while it was read: modified after it was opened") == 0 &&
		       strcmp(err.file, place) == 0, "# %s: %s", err.file, err.msg);
		sk_reader_free(r);
		unlink(place);

		/* Format 4: 100 i + s in int32 (first byte 0), trace 11's sample
		 * 5 not. */
		w.sample_format = 2;
		CHECK(mk_write(f4, &w, NS, 4000, NTR, trace) == 0);
		CHECK((b = mk_slurp(f4, &len)) != NULL && len == 3600 + NTR * rec);
		b[3225] = 4;
		b[3600 + 10 * rec + 240 + 4 * 4] = 0x7f;
		CHECK((f = fopen(f4, "wb")) != NULL && fwrite(b, 1, len, f) == len && fclose(f) == 0);
		free(b);
		CHECK(sk_reader_open(f4, SK_FMT_AUTO, &r, &err) == 0);
		for (int th = 1; th <= 3; th++) {
#ifdef _OPENMP
			omp_set_num_threads(th);
#endif
			for (int inbox_only = 0; inbox_only < 2; inbox_only++) {
				scan_init(&sc, &st);
				CHECK(sk_rgrun_scan_par(&job, &o, r, inbox_only ? &box : &all, 0, &sc, &err) == SK_EFMT);
				CHECKF(strcmp(err.msg, "trace 11, sample 5: word 0x7f0003ec is not fixed point with gain "
						      "(format 4 needs a zero first byte)") == 0 &&
				       strcmp(err.file, f4) == 0, "# %s: %s", err.file, err.msg);
				scan_free(&sc, &st);
			}
		}
#ifdef _OPENMP
		omp_set_num_threads(nth);
#endif
		sk_reader_free(r);
		unlink(f4);
	}

	/* Compressed sgk (no random reads): in memory within the budget ... */
	CHECK(sk_reader_open(sgk, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_reader_pread_size(r) == 0);
	job.mem = 1 << 30;
	scan_init(&sc, &st);
	CHECK(sk_rgrun_scan_seq(&job, &o, r, &box, &sc, &st, &err) == 0);
	CHECK(!sc.in_place && st.cs != NULL && st.spool_fd < 0 && st.nc >= 1 && st.cstart[st.nc] == nbox);
	CHECK(kept_right(&sc, &st, inbox, nbox) && sc.t.used == nused && sc.t.inputs == NTR);
	scan_free(&sc, &st);
	sk_reader_free(r);
	/* ... past it, the first 10 traces' samples move to a spool in
	 * TMPDIR (unlinked at once: nothing there to remove) and the rest go
	 * after them. */
	{
		char tmp[128];
		snprintf(tmp, sizeof tmp, "%s/tmp", dir);
		CHECK(mkdir(tmp, 0700) == 0);
		setenv("TMPDIR", tmp, 1);
		CHECK(sk_reader_open(sgk, SK_FMT_AUTO, &r, &err) == 0);
		job.mem = 10 * NS * sizeof(float);
		scan_init(&sc, &st);
		CHECK(sk_rgrun_scan_seq(&job, &o, r, &all, &sc, &st, &err) == 0);
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
		sk_reader_free(r);
		/* The budget (30 traces) crossed after several batches of 7
		 * records (6 or 7 kept each) on 1-3 threads (regrid_seq.c's
		 * merge): the memory chunks made so far go to the spool first,
		 * in order, then the rest; no chunk is left. */
		for (int th = 1; th <= 3; th++) {
#ifdef _OPENMP
			omp_set_num_threads(th);
#endif
			CHECK(sk_reader_open(sgk, SK_FMT_AUTO, &r, &err) == 0);
			job.mem = 30 * NS * sizeof(float);
			scan_init(&sc, &st);
			sc.batch = 7;
			CHECK(sk_rgrun_scan_seq(&job, &o, r, &all, &sc, &st, &err) == 0);
			CHECKF(st.cs == NULL && st.nc == 0 && st.spool_fd >= 0 &&
			       lseek(st.spool_fd, 0, SEEK_END) == (off_t)all_bytes, "%d threads", th);
			CHECK(kept_right(&sc, &st, want, nused) && sc.spool_err == 0);
			scan_free(&sc, &st);
			sk_reader_free(r);
		}
#ifdef _OPENMP
		omp_set_num_threads(nth);
#endif
		/* A spool that cannot be made (TMPDIR is a file): its error,
		 * about TMPDIR, marked as the spool's (not the input's). */
		setenv("TMPDIR", sgy, 1);
		CHECK(sk_reader_open(sgk, SK_FMT_AUTO, &r, &err) == 0);
		scan_init(&sc, &st);
		sc.batch = 7;
		memset(&err, 0, sizeof err);
		CHECK(sk_rgrun_scan_seq(&job, &o, r, &all, &sc, &st, &err) == SK_EIO);
		CHECKF(strcmp(err.msg, "Not a directory") == 0 && strcmp(err.file, sgy) == 0 && sc.spool_err == 1,
		       "%s: %s", err.file, err.msg);
		scan_free(&sc, &st);
		sk_reader_free(r);
		setenv("TMPDIR", tmp, 1);
		CHECK(rmdir(tmp) == 0);
	}
	unlink(sgy);
	unlink(sgk);
	CHECK(rmdir(dir) == 0);
	return test_done();
}
