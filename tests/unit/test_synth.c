#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "stream.h"
#include "synth.h"

static int setup(struct sk_synth *s, const char *const *kv, struct sk_error *err)
{
	sk_synth_init(s);
	for (; *kv; kv += 2)
		if (sk_synth_set(s, kv[0], kv[1], err))
			return -1;
	return sk_synth_check(s, err);
}

static void write_yaml(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

int main(void)
{
	struct sk_synth s;
	struct sk_error err;
	char dir[] = "/tmp/test_synth.XXXXXX", path[256];

	CHECK(mkdtemp(dir) != NULL);
	/* Settings errors. */
	sk_synth_init(&s);
	CHECK(sk_synth_set(&s, "dt", "0.0000005", &err) == 0);
	CHECK(sk_synth_set(&s, "line", "2,50,3,25", &err) == 0);
	CHECK(sk_synth_set(&s, "diffractor", "0,0.1", &err) == 0);
	CHECK(sk_synth_check(&s, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "dt must be a whole number of microseconds from 1 to 65535, got 5e-07 s") == 0);
	CHECK(sk_synth_set(&s, "noise", "-1", &err) == SK_EARG);
	CHECK(sk_synth_set(&s, "seed", "-1", &err) == SK_EARG);
	CHECK(sk_synth_set(&s, "nt", "0", &err) == SK_EARG);
	CHECK(sk_synth_set(&s, "bogus", "1", &err) == SK_EARG && strcmp(err.msg, "unknown setting 'bogus'") == 0);
	CHECK(sk_synth_set(&s, "dt", "2ms", &err) == 0 && s.dt == 0.002);
	CHECK(sk_synth_set(&s, "area", "0,1,0,1", &err) == 0);
	CHECK(sk_synth_check(&s, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "--area, --pairs and --offsets apply to --random and --jitter") == 0);
	sk_synth_release(&s);

	/* A run through the real writer, read back. */
	{
		static const char *const kv[] = {"line", "4,50,6,25", "nt", "101", "diffractor", "100,0.2",
						 "noise", "2", "seed", "5", NULL};
		struct sk_writer *w;
		struct sk_reader *r;
		struct sk_info info;
		struct sk_wopts wo = SK_WOPTS_INIT;
		unsigned char h[240];
		float d[101], first[101];
		double ss = 0, sn = 0;
		int n = 0, rc;
		CHECK(setup(&s, kv, &err) == 0);
		CHECK(s.sigma > 0);
		sk_synth_info(&s, &info);
		CHECK(info.ns == 101 && info.dt == 4000 && info.ntraces == 24 && info.sample_format == 5);
		snprintf(path, sizeof path, "%s/a.sgy", dir);
		CHECK(sk_writer_open(path, &info, &wo, &w, &err) == 0);
		CHECK(sk_synth_run(&s, w, NULL, NULL, &err) == 0);
		CHECK(sk_writer_close(w, &err) == 0);
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
		while ((rc = sk_reader_next(r, h, d, &err)) == 1) {
			double clean[101];
			struct sk_survey_trace t;
			sk_survey_get(&s.survey, n, &t);
			memset(clean, 0, sizeof clean);
			sk_model_trace(&s.model, t.s, t.r, 101, 0, 0.004, clean);
			for (int j = 0; j < 101; j++) {
				ss += clean[j] * clean[j];
				sn += (d[j] - clean[j]) * (d[j] - clean[j]);
			}
			if (n == 0)
				memcpy(first, d, sizeof first);
			CHECK(sk_hdr_i32(h, 1) == n + 1 && sk_hdr_u16(h, 115) == 101 && sk_hdr_u16(h, 117) == 4000);
			n++;
		}
		CHECK(rc == 0 && n == 24);
		/* The noise power is sigma^2 = (rms / snr)^2 within sampling error (2424 samples). */
		CHECK(fabs(sqrt(sn / ss) - 0.5) < 0.05);
		sk_reader_free(r);
		/* Samples of one trace alone equal those of the run. */
		{
			struct sk_survey_trace t;
			double scr[101];
			float again[101];
			sk_survey_get(&s.survey, 0, &t);
			sk_synth_samples(&s, 0, &t, scr, again);
			CHECK(memcmp(again, first, sizeof again) == 0);
		}
		unlink(path);
		sk_synth_release(&s);
	}

	/* Model files. */
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	write_yaml(path, "line: {shots: 2, shot_spacing: 50, channels: 3, receiver_spacing: 25}\n"
			 "nt: 51\nvel: [[0, 1800], [1, 2200]]\nevents:\n  - diffractor: {x: 10, tau: 0.1}\n"
			 "  - plane: 0.05,0.0001\n");
	sk_synth_init(&s);
	CHECK(sk_synth_load(&s, path, &err) == 0);
	CHECK(sk_synth_check(&s, &err) == 0);
	CHECK(s.ns == 51 && s.model.nev == 2 && s.model.nv == 2 && s.survey.ntr == 6);
	CHECK(s.model.ev[0].x == 10 && s.model.ev[1].px == 0.0001);
	sk_synth_release(&s);
	write_yaml(path, "nt: 51\nevents:\n  - diffractor: {x: 10, tau: 0.1, q: 2}\n");
	sk_synth_init(&s);
	CHECK(sk_synth_load(&s, path, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 3, column 38: diffractor: unknown key 'q' (expected one of: x y tau amp)") == 0);
	sk_synth_release(&s);
	write_yaml(path, "nt: 51\nwavelet: morlet\n");
	sk_synth_init(&s);
	CHECK(sk_synth_load(&s, path, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 2, column 10: unknown wavelet 'morlet' (expected ricker:HZ or spike)") == 0);
	sk_synth_release(&s);
	write_yaml(path, "nt: [1\n");
	sk_synth_init(&s);
	CHECK(sk_synth_load(&s, path, &err) == SK_EARG);
	CHECK(strncmp(err.msg, "line 2, column 1: ", 18) == 0);
	sk_synth_release(&s);
	unlink(path);
	rmdir(dir);
	return test_done();
}
