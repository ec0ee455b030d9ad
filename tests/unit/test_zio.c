/* zio on incompressible and highly compressible data of several sizes. */
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
	sk_zio_free(z);
	return test_done();
}
