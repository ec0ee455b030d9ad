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
	sk_sgk_shuffle(hdr, smp, 2, 240, 3, raw);
	CHECK(memcmp(raw, hdr, sizeof hdr) == 0);
	/* Plane 0 holds byte 0 of each of the 6 samples, and so on. */
	CHECK(raw[480] == 0xa0 && raw[481] == 0xa4 && raw[485] == 0xb4 && raw[486] == 0xa1 && raw[503] == 0xb7);
	sk_sgk_unshuffle(raw, 2, 240, 3, back);
	CHECK(memcmp(back, hdr, sizeof hdr) == 0 && memcmp(back + sizeof hdr, smp, sizeof smp) == 0);

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
