#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sgk.h"
#include "zio.h"

int main(void)
{
	unsigned char hdr[2 * 240], smp[2 * 3 * 4], raw[sizeof hdr + sizeof smp], back[sizeof raw];
	unsigned char z[1024];
	struct sk_zio *zc = sk_zio_new(3);
	struct sk_error err;
	size_t n;

	for (size_t i = 0; i < sizeof hdr; i++)
		hdr[i] = (unsigned char)i;
	for (size_t i = 0; i < sizeof smp; i++)
		smp[i] = (unsigned char)(0xa0 + i);
	sk_sgk_shuffle(hdr, smp, 2, 240, 3, 4, 0, raw);
	CHECK(memcmp(raw, hdr, sizeof hdr) == 0);
	/* Plane 0 holds byte 0 of each of the 6 samples, and so on. */
	CHECK(raw[480] == 0xa0 && raw[481] == 0xa4 && raw[485] == 0xb4 && raw[486] == 0xa1 && raw[503] == 0xb7);
	sk_sgk_unshuffle(raw, 2, 240, 3, 4, 0, back);
	CHECK(memcmp(back, hdr, sizeof hdr) == 0 && memcmp(back + sizeof hdr, smp, sizeof smp) == 0);

	/* Every sample width, 2 traces of 7 samples: plane b, position i holds
	 * byte b of sample i. */
	{
		static const size_t widths[] = {1, 2, 3, 4, 8};
		unsigned char in[2 * 240 + 14 * 8], sh[sizeof in], un[sizeof in];
		for (size_t i = 0; i < sizeof in; i++)
			in[i] = (unsigned char)(i * 37 + 11);
		for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
			const size_t w = widths[k];
			int bad = 0;
			sk_sgk_shuffle(in, in + 480, 2, 240, 7, w, 1, sh);
			for (size_t b = 0; b < w; b++)
				for (size_t i = 0; i < 14; i++)
					bad += sh[480 + b * 14 + i] != in[480 + w * i + b];
			/* Header columns: byte b of header 0, then of header 1. */
			for (size_t b = 0; b < 240; b++)
				bad += sh[2 * b] != in[b] || sh[2 * b + 1] != in[240 + b];
			CHECKF(bad == 0, "width %zu", w);
			sk_sgk_unshuffle(sh, 2, 240, 7, w, 1, un);
			CHECKF(memcmp(un, in, 480 + w * 14) == 0, "width %zu back", w);
		}
	}

	/* The vector loops (16 samples at a time) and the scalar tails: the
	 * planes byte for byte as defined, and back, for sample counts around
	 * multiples of 16 and a large block. */
	{
		static const size_t counts[] = {1, 15, 16, 17, 31, 32, 33, 47, 64, 100, 4093, 250000};
		static const size_t widths[] = {2, 4};
		const size_t big = 250000 * 4;
		unsigned char *in = malloc(2 * 240 + big), *sh = malloc(2 * 240 + big), *un = malloc(2 * 240 + big);
		unsigned x = 12345;
		CHECK(in && sh && un);
		for (size_t i = 0; in && i < 2 * 240 + big; i++) {
			x = x * 1103515245u + 12345u;
			in[i] = (unsigned char)(x >> 16);
		}
		for (size_t c = 0; in && sh && un && c < sizeof counts / sizeof counts[0]; c++) {
			for (size_t k = 0; k < 2; k++) {
				const size_t w = widths[k], m = counts[c];
				size_t bad = 0;
				/* Two traces of ns = m / 2 (+ 1 for odd m: one more
				 * sample there, in the second trace's place). */
				sk_sgk_shuffle(in, in + 480, 1, 480, m, w, 0, sh);
				for (size_t b = 0; b < w; b++)
					for (size_t i = 0; i < m; i++)
						bad += sh[480 + b * m + i] != in[480 + w * i + b];
				sk_sgk_unshuffle(sh, 1, 480, m, w, 0, un);
				CHECKF(bad == 0 && memcmp(un, in, 480 + w * m) == 0, "%zu samples of %zu bytes", m, w);
			}
		}
		free(in);
		free(sh);
		free(un);
	}

	CHECK(zc && sk_zio_bound(sizeof raw) >= sizeof raw);
	CHECK(sk_zio_compress(zc, raw, sizeof raw, z, sizeof z, &n, &err) == 0 && n < sizeof raw);
	memset(back, 0, sizeof back);
	CHECK(sk_zio_decompress(zc, z, n, back, sizeof raw, &err) == 0 && memcmp(back, raw, sizeof raw) == 0);
	CHECK(sk_zio_decompress(zc, z, n, back, sizeof raw - 1, &err) == SK_EFMT);
	z[n / 2] ^= 0xff;
	CHECK(sk_zio_decompress(zc, z, n - 3, back, sizeof raw, &err) == SK_EFMT);
	CHECK(strncmp(err.msg, "corrupt zstd block: ", 20) == 0);
	sk_zio_free(zc);
	sk_zio_free(NULL);
	return test_done();
}
