#include "sgk.h"

#include <string.h>

/* Header byte b of every trace together: a header field changes slowly from
 * trace to trace, so its bytes repeat down a column (f3's 414 headers: 8,882
 * bytes after zstd -3 as rows, 1,178 as columns). */
static void hdr_columns(const unsigned char *hdrs, size_t n, size_t hl, unsigned char *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t b = 0; b < hl; b++)
			out[b * n + i] = hdrs[i * hl + b];
}

static void hdr_rows(const unsigned char *in, size_t n, size_t hl, unsigned char *hdrs)
{
	for (size_t b = 0; b < hl; b++)
		for (size_t i = 0; i < n; i++)
			hdrs[i * hl + b] = in[b * n + i];
}

/* The loops for 2 and 4 bytes are written out: one pass over the samples
 * that stores to w planes beats w strided passes, and they cover int16 and
 * the 4-byte formats, which most data use. */
void sk_sgk_shuffle(const unsigned char *hdrs, const unsigned char *samples, size_t n, size_t hl,
		    size_t ns, size_t w, int columns, unsigned char *out)
{
	const size_t m = n * ns;
	unsigned char *p = out + n * hl;

	if (columns)
		hdr_columns(hdrs, n, hl, out);
	else
		memcpy(out, hdrs, n * hl);
	if (w == 4) {
		for (size_t i = 0; i < m; i++) {
			p[i] = samples[4 * i];
			p[m + i] = samples[4 * i + 1];
			p[2 * m + i] = samples[4 * i + 2];
			p[3 * m + i] = samples[4 * i + 3];
		}
	} else if (w == 2) {
		for (size_t i = 0; i < m; i++) {
			p[i] = samples[2 * i];
			p[m + i] = samples[2 * i + 1];
		}
	} else {
		for (size_t b = 0; b < w; b++)
			for (size_t i = 0; i < m; i++)
				p[b * m + i] = samples[w * i + b];
	}
}

void sk_sgk_unshuffle(const unsigned char *in, size_t n, size_t hl, size_t ns, size_t w, int columns,
		      unsigned char *out)
{
	const size_t m = n * ns;
	const unsigned char *p = in + n * hl;
	unsigned char *s = out + n * hl;

	if (columns)
		hdr_rows(in, n, hl, out);
	else
		memcpy(out, in, n * hl);
	if (w == 4) {
		for (size_t i = 0; i < m; i++) {
			s[4 * i] = p[i];
			s[4 * i + 1] = p[m + i];
			s[4 * i + 2] = p[2 * m + i];
			s[4 * i + 3] = p[3 * m + i];
		}
	} else if (w == 2) {
		for (size_t i = 0; i < m; i++) {
			s[2 * i] = p[i];
			s[2 * i + 1] = p[m + i];
		}
	} else {
		for (size_t b = 0; b < w; b++)
			for (size_t i = 0; i < m; i++)
				s[w * i + b] = p[b * m + i];
	}
}
