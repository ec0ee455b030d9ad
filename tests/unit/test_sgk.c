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
