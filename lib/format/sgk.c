#include "sgk.h"

#include <string.h>

void sk_sgk_shuffle(const unsigned char *hdrs, const unsigned char *samples, size_t n, size_t hl,
		    size_t ns, unsigned char *out)
{
	const size_t m = n * ns;
	unsigned char *p = out + n * hl;

	memcpy(out, hdrs, n * hl);
	for (size_t i = 0; i < m; i++) {
		p[i] = samples[4 * i];
		p[m + i] = samples[4 * i + 1];
		p[2 * m + i] = samples[4 * i + 2];
		p[3 * m + i] = samples[4 * i + 3];
	}
}

void sk_sgk_unshuffle(const unsigned char *in, size_t n, size_t hl, size_t ns, unsigned char *out)
{
	const size_t m = n * ns;
	const unsigned char *p = in + n * hl;
	unsigned char *s = out + n * hl;

	memcpy(out, in, n * hl);
	for (size_t i = 0; i < m; i++) {
		s[4 * i] = p[i];
		s[4 * i + 1] = p[m + i];
		s[4 * i + 2] = p[2 * m + i];
		s[4 * i + 3] = p[3 * m + i];
	}
}
