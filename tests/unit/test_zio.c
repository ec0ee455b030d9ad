/* zio on incompressible and highly compressible data of several sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "zio.h"

int main(void)
{
	struct sk_zio *z = sk_zio_new(1);
	struct sk_error err;
	const size_t sizes[] = {1, 1000, 1 << 20};

	for (size_t k = 0; k < 3; k++) {
		const size_t n = sizes[k];
		unsigned char *a = malloc(n), *b = malloc(n), *c = malloc(sk_zio_bound(n));
		size_t m;
		unsigned x = 12345;
		for (size_t i = 0; i < n; i++)
			a[i] = k == 2 ? (unsigned char)(i % 7) : (unsigned char)((x = x * 1103515245u + 12345u) >> 16);
		CHECK(sk_zio_compress(z, a, n, c, sk_zio_bound(n), &m, &err) == 0);
		CHECK(k != 2 || m < n / 100);
		CHECK(sk_zio_decompress(z, c, m, b, n, &err) == 0 && memcmp(a, b, n) == 0);
		free(a);
		free(b);
		free(c);
	}
	/* sk_zio_check: a frame made here, then frames built byte by byte. */
	{
		unsigned char a[5000], c[6000], f[32], out[1000];
		char want[128];
		size_t m;
		for (size_t i = 0; i < sizeof a; i++)
			a[i] = (unsigned char)(i % 13);
		CHECK(sk_zio_compress(z, a, sizeof a, c, sizeof c, &m, &err) == 0);
		CHECK(sk_zio_check(c, m, sizeof a, &err) == 0);
		CHECK(sk_zio_check(c, m, sizeof a + 1, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "zstd block says it expands to 5000 bytes, not 5001") == 0, "%s", err.msg);
		c[m] = c[m + 1] = c[m + 2] = 0;
		CHECK(sk_zio_check(c, m + 3, sizeof a, &err) == SK_EFMT);
		snprintf(want, sizeof want, "corrupt zstd block: the frame ends at byte %zu of %zu", m, m + 3);
		CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
		CHECK(sk_zio_check(a, 100, 100, &err) == SK_EFMT);
		CHECK(strcmp(err.msg, "corrupt zstd block: no zstd frame header") == 0);
		/* A frame without its size (as the zstd program writes from a
		 * pipe): magic, descriptor 0, a 1 KiB window, one last RLE block
		 * of 1000 bytes 0x5a: 10 bytes. */
		memcpy(f, "\x28\xb5\x2f\xfd\x00\x00", 6);
		f[6] = (unsigned char)(1 | 1 << 1 | (1000 << 3 & 0xff));
		f[7] = (unsigned char)(1000 << 3 >> 8);
		f[8] = 0;
		f[9] = 0x5a;
		CHECK(sk_zio_check(f, 10, 1000, &err) == 0);
		CHECK(sk_zio_decompress(z, f, 10, out, 1000, &err) == 0 && out[0] == 0x5a && out[999] == 0x5a);
		CHECK(sk_zio_check(f, 10, 1000000, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "zstd block of 10 bytes cannot expand to 1000000") == 0, "%s", err.msg);
		/* A hostile one: single segment, an 8-byte size of 4 GiB + 960,
		 * one RLE block of 128 KiB: 17 bytes cannot hold it. */
		memcpy(f, "\x28\xb5\x2f\xfd\xe0\xc0\x03\x00\x00\x01\x00\x00\x00\x03\x00\x10\x00", 17);
		CHECK(sk_zio_check(f, 17, 4294968256u, &err) == SK_EFMT);
		CHECKF(strcmp(err.msg, "zstd block of 17 bytes cannot expand to 4294968256") == 0, "%s", err.msg);
		CHECK(sk_zio_check(f, 17, 1000, &err) == SK_EFMT);
		CHECK(strcmp(err.msg, "zstd block says it expands to 4294968256 bytes, not 1000") == 0);
	}
	sk_zio_free(z);
	return test_done();
}
