#include <math.h>
#include <string.h>

#include "check.h"
#include "hdr.h"
#include "survey.h"

int main(void)
{
	struct sk_survey sv;
	struct sk_survey_trace t;
	struct sk_error err;
	unsigned char h[240];

	/* splitmix64's published first output for state 0. */
	CHECK(sk_rand_mix(0) == 0xE220A8397B1DCDAFULL);
	CHECK(sk_rand_u(sk_rand_base(1, 2, 3), 4) == sk_rand_u(sk_rand_base(1, 2, 3), 4));
	CHECK(sk_rand_u(sk_rand_base(1, 2, 3), 4) != sk_rand_u(sk_rand_base(2, 2, 3), 4));

	/* A split-spread line: 3 shots every 50 m, 5 channels every 25 m. */
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "line", "3,50,5,25,100", &err) == 0);
	CHECK(sk_survey_check(&sv, &err) == 0);
	CHECK(sv.ntr == 15 && sv.scalco == -10 && sv.quantum == 0.1);
	sk_survey_get(&sv, 7, &t);   /* shot 2, channel 3 */
	CHECK(t.s[0] == 150 && t.r[0] == 150 && t.shot == 2 && t.chan == 3 && t.m[0] == 150);
	sk_survey_get(&sv, 0, &t);
	CHECK(t.s[0] == 100 && t.r[0] == 50 && t.m[0] == 75 && t.ix == 0);
	/* Headers in order: cdpt counts traces per bin. */
	{
		int32_t cdpt_of_mid = 0;
		for (int64_t i = 0; i < sv.ntr; i++) {
			memset(h, 0, sizeof h);
			sk_survey_get(&sv, i, &t);
			sk_survey_header(&sv, i, &t, h);
			if (i == 5)
				cdpt_of_mid = sk_hdr_i32(h, 25);
			if (i == 12) {  /* shot 3 at 200, channel 3 at 200: midpoint 200 */
				CHECK(sk_hdr_i32(h, 1) == 13 && sk_hdr_i32(h, 9) == 3 && sk_hdr_i32(h, 13) == 3);
				CHECK(sk_hdr_i32(h, 21) == (int32_t)((200 - 75) / 12.5) + 1);
				CHECK(sk_hdr_i32(h, 37) == 0 && sk_hdr_i16(h, 71) == -10);
				CHECK(sk_hdr_coord(h, 73) == 200 && sk_hdr_coord(h, 181) == 200);
			}
			if (i == 0)
				CHECK(sk_hdr_i32(h, 37) == -50 && sk_hdr_coord(h, 81) == 50);
		}
		/* Midpoint 125: shot 1 channel 5 (100, 150), then shot 2 channel 1 (150, 100). */
		CHECK(cdpt_of_mid == 2);
	}
	sk_survey_release(&sv);

	/* End-on spread with a near offset. */
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "line", "shots=2,shot_spacing=50,channels=4,receiver_spacing=25,near=-100,spread=end-on", &err) == 0);
	CHECK(sk_survey_check(&sv, &err) == 0);
	sk_survey_get(&sv, 3, &t);
	CHECK(t.r[0] - t.s[0] == -25);
	sk_survey_release(&sv);

	/* Errors. */
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "line", "3,-50,5,25", &err) == 0);
	CHECK(sk_survey_check(&sv, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line: shot spacing must be positive, got -50") == 0);
	sk_survey_release(&sv);
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "line", "3,50,2.5,25", &err) == 0);
	CHECK(sk_survey_check(&sv, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line: channel count must be a whole number >= 1, got 2.5") == 0);
	CHECK(sk_survey_parse(&sv, "survey", "1,2,3,4,5,6,7,8", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "give one geometry: line and survey both given") == 0);
	sk_survey_release(&sv);
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "line", "3,50", &err) == SK_EARG);
	CHECK(strncmp(err.msg, "line: cannot read '3,50'", 24) == 0);
	CHECK(sk_survey_parse(&sv, "line", "shots=3,foo=2", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line: unknown key 'foo' (expected one of: shots shot_spacing channels receiver_spacing x0 near spread bin_dx)") == 0);
	sk_survey_release(&sv);

	/* 3-D orthogonal fixed spread. */
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "survey", "2,100,3,50,2,80,4,25,0,0,-30,10", &err) == 0);
	CHECK(sk_survey_check(&sv, &err) == 0);
	CHECK(sv.ntr == 48 && sv.scalco == -10);
	sk_survey_get(&sv, 47, &t);
	CHECK(t.s[0] == 100 && t.s[1] == 100 && t.r[0] == 45 && t.r[1] == 90 && t.shot == 6 && t.chan == 8);
	CHECK(sv.nbx == (long)floor((72.5 - -15) / 12.5 + 0.5) + 1);
	sk_survey_release(&sv);

	/* Random: reproducible, inside the area, on twice the resolution. */
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "random", "100", &err) == 0);
	CHECK(sk_survey_set(&sv, "x0", "0", &err) == 0 && sk_survey_set(&sv, "x1", "1000", &err) == 0);
	CHECK(sk_survey_set(&sv, "y0", "0", &err) == 0 && sk_survey_set(&sv, "y1", "500", &err) == 0);
	sv.seed = 42;
	CHECK(sk_survey_check(&sv, &err) == 0);
	CHECK(sv.scalco == -10000 && sv.nbx == 14 && sv.nby == 7);
	{
		int inside = 1, grid = 1;
		for (int64_t i = 0; i < sv.ntr; i++) {
			sk_survey_get(&sv, i, &t);
			inside &= t.m[0] >= 0 && t.m[0] <= 1000 && t.m[1] >= 0 && t.m[1] <= 500;
			grid &= fabs(t.s[0] * 5000 - floor(t.s[0] * 5000 + 0.5)) < 1e-6;
		}
		CHECK(inside && grid);
	}
	{
		struct sk_survey_trace a, b;
		sk_survey_get(&sv, 17, &a);
		sv.seed = 43;
		sk_survey_get(&sv, 17, &b);
		CHECK(a.m[0] != b.m[0]);
	}
	sk_survey_release(&sv);
	sk_survey_init(&sv);
	CHECK(sk_survey_parse(&sv, "random", "100", &err) == 0);
	CHECK(sk_survey_check(&sv, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "random: the area is missing (give --area x0,x1,y0,y1)") == 0);
	sk_survey_release(&sv);
	sk_survey_init(&sv);
	CHECK(sk_survey_check(&sv, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "no geometry: give --line, --survey, --random or --jitter") == 0);
	sk_survey_release(&sv);
	return test_done();
}
