/* Unit tests of lib/flow/regrid_scan.c, the regrid driver's parallel
 * input pass over a file, on a file written here (rgscan.h): which traces
 * it keeps (every used one, or a --part box's), in input order whatever
 * the threads; their samples left in place whatever the memory budget, and
 * handed back by the store from the file (sk_rgrun_store_fetch), also
 * when the file changed after the pass; a format 4 word decoded and
 * refused in the pass.  The pass from start to end (regrid_seq.c) is
 * test_regrid_seq.c's. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "mkstream.h"
#include "rgscan.h"

static int hull_has(const struct scan *sc, double u, double v)
{
	for (long k = 0; k < sc->nh; k++)
		if (sc->hull[k][0] == u && sc->hull[k][1] == v)
			return 1;
	return 0;
}

int main(void)
{
	char dir[64], sgy[128];
	struct sk_regrid_job job;
	struct sk_regrid_opts o;
	struct sk_reader *r;
	struct sk_error err;
	struct scan sc, sc1;
	struct store st, st1;
	struct keep all = {0, {0, 0, 0, 0}}, box = {1, {20, 50, 8, 20}};
	int64_t want[NTR], inbox[NTR];
	const long nused = expected(want, 0, 0, 0, 0, 0), nbox = expected(inbox, 1, 20, 50, 8, 20);
	int nth = 1;

#ifdef _OPENMP
	nth = omp_get_max_threads();
#endif
	/* 300 traces, 43 dead (3, 10, ..., 297); the box holds u 20..50
	 * (7 columns) by v 8..20 (rows 2..5): 28, 4 of them dead. */
	CHECK(nused == 257 && nbox == 24);
	CHECK(mk_tmpdir(dir, sizeof dir, "regrid_scan") != NULL);
	snprintf(sgy, sizeof sgy, "%s/in.sgy", dir);
	{
		struct sk_wopts w = SK_WOPTS_INIT;
		CHECK(mk_write(sgy, &w, NS, 4000, NTR, trace) == 0);
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

	sk_reader_free(r);

	/* In place: a format 4 file's samples are decoded in the parallel
	 * pass all the same, every trace's: trace 11 (dead, unused; outside
	 * the box) with a bad word is the error.  The file cut inside trace 201
	 * after the pass: its fetch names it and the file's sizes, the one
	 * before still reads; rewritten at the same size, sk_reader_check_same
	 * says so. */
	{
		char f4[128], place[128];
		size_t len = 0;
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

	unlink(sgy);
	CHECK(rmdir(dir) == 0);
	return test_done();
}
