/* Sample formats: exact values both ways, byte orders, saturation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "fmt.h"
#include "ibm.h"

static const int codes[] = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16};

int main(void)
{
	const float v[] = {0, 1, -1, 127, -128, 255, 32767, -32768, 8388607, -8388608, 16777215, 100.5f};
	unsigned char buf[8 * 16];
	float back[16];

	CHECK(sk_fmt_size(1) == 4 && sk_fmt_size(3) == 2 && sk_fmt_size(6) == 8 && sk_fmt_size(7) == 3);
	CHECK(sk_fmt_size(8) == 1 && sk_fmt_size(15) == 3 && sk_fmt_size(13) == 0 && sk_fmt_size(0) == 0);
	CHECK(!sk_fmt_writable(4) && sk_fmt_writable(16) && !sk_fmt_writable(14));
	CHECK(strcmp(sk_fmt_name(1), "ibm") == 0 && strcmp(sk_fmt_name(16), "uint8") == 0);

	/* Every value each type can hold comes back exactly, in both orders. */
	for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++)
		for (int little = 0; little < 2; little++) {
			const int code = codes[c];
			int ok = 1;
			sk_fmt_encode(code, little, v, 12, buf);
			CHECK(sk_fmt_decode(code, little, buf, 12, back) == 0);
			for (int i = 0; i < 12; i++) {
				double lo = -INFINITY, hi = INFINITY;
				float expect = v[i];
				switch (code) {
				case 2: lo = INT32_MIN; hi = INT32_MAX; break;
				case 3: lo = INT16_MIN; hi = INT16_MAX; break;
				case 7: lo = -8388608; hi = 8388607; break;
				case 8: lo = -128; hi = 127; break;
				case 10: case 12: lo = 0; break;
				case 11: lo = 0; hi = 65535; break;
				case 15: lo = 0; hi = 16777215; break;
				case 16: lo = 0; hi = 255; break;
				}
				if (code != 1 && code != 5 && code != 6)
					expect = rintf(expect);   /* 100.5 -> 100 (ties to even) */
				if (expect < lo)
					expect = (float)lo;
				if (expect > hi)
					expect = (float)hi;
				if (back[i] != expect)
					ok = 0;
			}
			CHECKF(ok, "format %d little=%d", code, little);
		}
	/* Exact byte layouts. */
	{
		const float x = -2;
		sk_fmt_encode(3, 0, &x, 1, buf);
		CHECK(buf[0] == 0xff && buf[1] == 0xfe);
		sk_fmt_encode(3, 1, &x, 1, buf);
		CHECK(buf[0] == 0xfe && buf[1] == 0xff);
		sk_fmt_encode(7, 0, &x, 1, buf);
		CHECK(buf[0] == 0xff && buf[1] == 0xff && buf[2] == 0xfe);
		sk_fmt_encode(1, 0, &x, 1, buf);
		CHECK(buf[0] == 0xc1 && buf[1] == 0x20 && buf[2] == 0 && buf[3] == 0);
		sk_fmt_encode(5, 0, &x, 1, buf);
		CHECK(buf[0] == 0xc0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0);
	}
	/* Saturation and NaN in integer formats. */
	{
		const float big[3] = {1e10f, -1e10f, NAN};
		sk_fmt_encode(3, 0, big, 3, buf);
		sk_fmt_decode(3, 0, buf, 3, back);
		CHECK(back[0] == 32767 && back[1] == -32768 && back[2] == 0);
		sk_fmt_encode(9, 1, big, 3, buf);
		sk_fmt_decode(9, 1, buf, 3, back);
		CHECK(back[0] == 1e10f && back[1] == -1e10f && back[2] == 0);
		sk_fmt_encode(16, 1, big, 3, buf);
		sk_fmt_decode(16, 1, buf, 3, back);
		CHECK(back[0] == 255 && back[1] == 0 && back[2] == 0);
	}
	/* Format 4: M x 2^-G, and a word with a non-zero first byte is refused. */
	{
		const unsigned char w[12] = {0, 2, 0x00, 0x0c, 0, 0, 0xff, 0xfd, 0xc5, 0x23, 0x20, 0};
		CHECK(sk_fmt_decode(4, 0, w, 2, back) == 0 && back[0] == 3.0f && back[1] == -3.0f);
		CHECK(sk_fmt_decode(4, 0, w, 3, back) == 3);
	}
	/* Doubles beyond float range become +-inf; within half an ulp, FLT_MAX. */
	{
		const double d[2] = {1e300, -1e300};
		unsigned char b8[16];
		for (int i = 0; i < 2; i++) {
			uint64_t u;
			memcpy(&u, &d[i], 8);
			memcpy(b8 + 8 * i, &u, 8);
		}
		sk_fmt_decode(6, 1, b8, 2, back);
		CHECK(isinf(back[0]) && back[0] > 0 && isinf(back[1]) && back[1] < 0);
	}
	/* The vectorised IBM loop agrees with the scalar exact conversion on
	 * 10^6 random words, in both byte orders, bit for bit: every exponent,
	 * so results overflow, come out subnormal or round to zero. */
	{
		enum { M = 1000000 };
		static unsigned char wb[4 * M];
		static float a[M];
		uint64_t x = 0x9e3779b97f4a7c15ULL;
		long bad = 0;
		for (int le = 0; le < 2; le++) {
			for (size_t i = 0; i < 4 * M; i++) {
				rng_step(&x);
				wb[i] = (unsigned char)(x >> 56);
			}
			/* The second half: fractions shifted right by 0-23
			 * bits (unnormalised, down to a single bit), where
			 * products become subnormal or round. */
			for (size_t i = M / 2; i < M; i++) {
				unsigned char *p = wb + 4 * i;
				uint32_t w;
				rng_step(&x);
				w = (uint32_t)(x >> 32);
				w = (w & 0xff000000u) | ((w & 0xffffffu) >> (x % 24));
				for (int b = 0; b < 4; b++)
					p[le ? b : 3 - b] = (unsigned char)(w >> 8 * b);
			}
			sk_fmt_decode(1, le, wb, M, a);
			for (size_t i = 0; i < M; i++) {
				const unsigned char *p = wb + 4 * i;
				const uint32_t w = le ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]
						      : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
				const float e = sk_ibm_to_float(w);
				if (memcmp(&e, &a[i], 4) != 0)
					bad++;
			}
		}
		CHECKF(bad == 0, "%ld words differ", bad);
	}
	/* The vectorised loops of formats 2, 3 and 5 agree with the words read
	 * one by one here, bit for bit, in both byte orders: every 257th of the
	 * 2^32 words (all exponents, signs, NaN payloads; 2^16 halves for
	 * int16), at an odd address and of an odd count (the vector loops'
	 * tails), and float32 written back (format 5 encode) gives the same
	 * bytes. */
	{
		enum { M = 16711681 };   /* 2^32 / 257 */
		unsigned char *raw = malloc(4 * (size_t)M + 1), *bk = malloc(4 * (size_t)M + 1);
		float *a = malloc(sizeof *a * (size_t)M);
		long bad = 0;
		CHECK(raw && bk && a);
		for (int le = 0; raw && bk && a && le < 2; le++) {
			unsigned char *const p = raw + 1;
			for (size_t i = 0; i < M; i++) {
				const uint32_t w = (uint32_t)(i * 257u + 3u);
				for (int b = 0; b < 4; b++)
					p[4 * i + (size_t)(le ? b : 3 - b)] = (unsigned char)(w >> 8 * b);
			}
			sk_fmt_decode(5, le, p, M, a);
			for (size_t i = 0; i < M; i++) {
				const uint32_t w = (uint32_t)(i * 257u + 3u);
				uint32_t g;
				memcpy(&g, &a[i], 4);
				bad += g != w;
			}
			sk_fmt_encode(5, le, a, M, bk + 1);
			bad += memcmp(bk + 1, p, 4 * (size_t)M) != 0;
			sk_fmt_decode(2, le, p, M, a);
			for (size_t i = 0; i < M; i++)
				bad += a[i] != (float)(int32_t)(uint32_t)(i * 257u + 3u);
			/* int16: the same bytes as 2 x M halves. */
			sk_fmt_decode(3, le, p, M, a);
			for (size_t i = 0; i < M; i++) {
				const unsigned char *q = p + 2 * i;
				const int16_t h = (int16_t)(le ? q[0] | q[1] << 8 : q[0] << 8 | q[1]);
				bad += a[i] != (float)h;
			}
		}
		CHECKF(bad == 0, "%ld words differ", bad);
		free(raw);
		free(bk);
		free(a);
	}
	/* And the vectorised float -> IBM loop agrees with sk_float_to_ibm on
	 * 10^6 random bit patterns (every 97th a signed zero; subnormals,
	 * infinities and NaN among them: exponent bytes 0 and 255 come once in
	 * 128 each; ties to even on 1-3 shifted bits often), in both byte
	 * orders, bit for bit. */
	{
		enum { M = 1000000 };
		static float a[M];
		static unsigned char wb[4 * M];
		uint64_t x = 0x2545f4914f6cdd1dULL;
		long bad = 0, special = 0;
		for (size_t i = 0; i < M; i++) {
			uint32_t u;
			rng_step(&x);
			u = (uint32_t)(x >> 32);
			memcpy(&a[i], &u, 4);
			if (i % 97 == 0)
				u &= 0x80000000u;  /* +0 and -0, common in real data */
			special += (u >> 23 & 0xff) == 0 || (u >> 23 & 0xff) == 0xff;
		}
		for (int le = 0; le < 2; le++) {
			sk_fmt_encode(1, le, a, M, wb);
			for (size_t i = 0; i < M; i++) {
				const unsigned char *p = wb + 4 * i;
				const uint32_t w = le ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]
						      : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
				if (w != sk_float_to_ibm(a[i]))
					bad++;
			}
		}
		CHECKF(bad == 0 && special > 5000, "%ld words differ (%ld special floats)", bad, special);
	}
	return test_done();
}
