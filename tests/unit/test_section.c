#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "section.h"
#include "stream.h"

/* Writes n traces of ns samples: trace i has value v(i, j) and offset 10 i. */
static void make(const char *path, int n, long ns, float (*v)(int, long))
{
	struct sk_info info;
	struct sk_wopts wo = SK_WOPTS_INIT;
	struct sk_writer *w;
	struct sk_error err;
	float *d = malloc((size_t)ns * sizeof *d);

	memset(&info, 0, sizeof info);
	info.fmt = SK_FMT_SU;
	info.ns = ns;
	info.dt = 2000;
	info.hdrlen = 240;
	info.ntraces = -1;
	wo.fmt = SK_FMT_SU;
	if (sk_writer_open(path, &info, &wo, &w, &err))
		abort();
	for (int i = 0; i < n; i++) {
		unsigned char h[240];
		memset(h, 0, sizeof h);
		sk_hdr_set_i32(h, 37, 10 * i);
		sk_hdr_set_i16(h, 109, 8);
		for (long j = 0; j < ns; j++)
			d[j] = v(i, j);
		if (sk_writer_put(w, h, d, &err))
			abort();
	}
	if (sk_writer_close(w, &err))
		abort();
	free(d);
}

static float spike(int i, long j)
{
	return i == 37 && j == 11 ? -5.0f : i == 2 && j == 3 ? 2.0f : 0.5f * (float)((i + j) % 3 == 0);
}

static float ramp(int i, long j)
{
	return (float)(i * 100 + j);
}

int main(void)
{
	char path[] = "/tmp/test_section.XXXXXX";
	struct sk_reader *r;
	struct sk_section s;
	struct sk_error err;
	struct sk_key off;
	const int fd = mkstemp(path);
	double tk[16];

	CHECK(fd >= 0);
	close(fd);
	/* No decimation: values, keys (trace numbers), time axis. */
	make(path, 5, 7, ramp);
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_section_read(r, NULL, NULL, 100, 100, &s, &err) == 0);
	sk_reader_free(r);
	CHECK(s.ncol == 5 && s.nrow == 7 && s.xstride == 1 && s.tstride == 1 && s.ntraces == 5);
	CHECK(s.data[3 * 7 + 4] == 304 && s.key[0] == 1 && s.key[4] == 5);
	CHECK(fabs(s.dt - 0.002) < 1e-15 && fabs(s.t0 - 0.008) < 1e-15);
	CHECK(sk_section_percentile(&s, 100) == 406);
	CHECK(sk_section_percentile(&s, 50) == 203);   /* rank 18 of 35 */
	sk_section_release(&s);

	/* 50 traces into at most 8 columns: stride 8 (50 -> 7 columns), spikes
	 * survive with their sign; rows grouped by 4 (ns 30 -> 8 rows). */
	make(path, 50, 30, spike);
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_key_parse("offset", 240, &off, &err) == 0);
	CHECK(sk_section_read(r, &off, NULL, 8, 8, &s, &err) == 0);
	sk_reader_free(r);
	CHECK(s.xstride == 8 && s.ncol == 7 && s.tstride == 4 && s.nrow == 8);
	CHECK(s.data[4 * 8 + 2] == -5.0f);       /* trace 37 -> column 4, sample 11 -> row 2 */
	CHECK(s.data[0 * 8 + 0] == 2.0f);        /* trace 2, sample 3 */
	CHECK(s.key[4] == 320 && s.key[6] == 480);
	CHECK(sk_section_percentile(&s, 100) == 5.0);
	sk_section_release(&s);

	/* Windows: traces 2..4, offsets 10..20 (traces 2, 3), samples at
	 * 10..14 ms (t0 8 ms, dt 2 ms: samples 1..3). */
	{
		struct sk_section_window w;
		make(path, 5, 7, ramp);
		sk_section_window_init(&w);
		w.first = 2;
		w.last = 4;
		w.tmin = 0.010;
		w.tmax = 0.0145;
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_section_read(r, NULL, &w, 100, 100, &s, &err) == 0);
		sk_reader_free(r);
		CHECK(s.ncol == 3 && s.nrow == 3 && s.kept == 3 && s.ntraces == 4 && s.ns == 3);
		CHECK(s.key[0] == 2 && s.key[2] == 4 && s.data[0] == 101 && s.data[2 * 3 + 2] == 303);
		CHECK(fabs(s.t0 - 0.010) < 1e-15);
		sk_section_release(&s);
		sk_section_window_init(&w);
		CHECK(sk_key_parse("offset", 240, &off, &err) == 0);
		w.key = &off;
		w.klo = 10;
		w.khi = 20;
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_section_read(r, NULL, &w, 100, 100, &s, &err) == 0);
		sk_reader_free(r);
		CHECK(s.ncol == 2 && s.key[0] == 2 && s.key[1] == 3 && s.ntraces == 5 && s.ns == 7);
		sk_section_release(&s);
		w.klo = 100;
		w.khi = 200;
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_section_read(r, NULL, &w, 100, 100, &s, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "no trace in the window (5 traces read)") == 0);
		sk_reader_free(r);
		sk_section_window_init(&w);
		w.tmin = 1;
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_section_read(r, NULL, &w, 100, 100, &s, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "no sample in the time window (the traces span 8 to 20 ms)") == 0);
		sk_reader_free(r);
	}

	/* Odd capacity: the half-filled last column keeps merging. */
	make(path, 10, 4, ramp);
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_section_read(r, NULL, NULL, 3, 100, &s, &err) == 0);
	sk_reader_free(r);
	CHECK(s.xstride == 4 && s.ncol == 3 && s.key[1] == 5 && s.key[2] == 9);
	CHECK(s.data[1 * 4 + 0] == 700 && s.data[2 * 4 + 3] == 903);
	sk_section_release(&s);

	/* An empty stream. */
	{
		FILE *fp = fopen(path, "w");
		fclose(fp);
		if (sk_reader_open(path, SK_FMT_SU, &r, &err) == 0) {
			CHECK(sk_section_read(r, NULL, NULL, 8, 8, &s, &err) != 0);
			sk_reader_free(r);
		} else {
			CHECK(err.code != 0);
		}
	}
	unlink(path);

	/* Ticks. */
	CHECK(sk_ticks(0, 1000, 5, tk, 16) == 6 && tk[1] == 200 && tk[5] == 1000);
	CHECK(sk_ticks(4, 300, 6, tk, 16) == 6 && tk[0] == 50 && tk[5] == 300);
	CHECK(sk_ticks(-0.6, 0.6, 4, tk, 16) == 7 && fabs(tk[0] + 0.6) < 1e-12 && tk[3] == 0);
	CHECK(sk_ticks(1, 1, 4, tk, 16) == 0);
	return test_done();
}
