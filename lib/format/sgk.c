#include "sgk.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/*
 * The byte planes of 16 samples at a time, in SSE2 registers (every x86-64
 * has them): the scalar loops below moved a byte per load and store, and
 * took a fifth of the CPU of sgk+zstd -> SEG-Y.  Byte interleaves
 * (unpack) turn w planes of 16 bytes into 16 samples and back; the result
 * is the scalar loops', byte for byte.  They return how many samples they
 * did (a multiple of 16); the scalar loops do the rest.
 */
#if defined(__SSE2__)
static inline __m128i ld(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static inline void st(unsigned char *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
}

/* Samples s[4i..4i+3] into planes p[i], p[m + i], p[2m + i], p[3m + i]. */
static size_t planes4(const unsigned char *s, size_t m, unsigned char *p)
{
	size_t i = 0;

	for (; i + 16 <= m; i += 16) {
		const __m128i x0 = ld(s + 4 * i), x1 = ld(s + 4 * i + 16);
		const __m128i x2 = ld(s + 4 * i + 32), x3 = ld(s + 4 * i + 48);
		/* Three rounds of pairing bytes: a0 a4 b0 b4 .., a0 a2 a4 a6 ..,
		 * a0 a1 .. a7 b0 .. b7 (v0) and c0 .. c7 d0 .. d7 (v1). */
		const __m128i t0 = _mm_unpacklo_epi8(x0, x1), t1 = _mm_unpackhi_epi8(x0, x1);
		const __m128i t2 = _mm_unpacklo_epi8(x2, x3), t3 = _mm_unpackhi_epi8(x2, x3);
		const __m128i u0 = _mm_unpacklo_epi8(t0, t1), u1 = _mm_unpackhi_epi8(t0, t1);
		const __m128i u2 = _mm_unpacklo_epi8(t2, t3), u3 = _mm_unpackhi_epi8(t2, t3);
		const __m128i v0 = _mm_unpacklo_epi8(u0, u1), v1 = _mm_unpackhi_epi8(u0, u1);
		const __m128i v2 = _mm_unpacklo_epi8(u2, u3), v3 = _mm_unpackhi_epi8(u2, u3);
		st(p + i, _mm_unpacklo_epi64(v0, v2));
		st(p + m + i, _mm_unpackhi_epi64(v0, v2));
		st(p + 2 * m + i, _mm_unpacklo_epi64(v1, v3));
		st(p + 3 * m + i, _mm_unpackhi_epi64(v1, v3));
	}
	return i;
}

/* The inverse: planes p[i], p[m + i], .. into samples s[4i..4i+3]. */
static size_t samples4(const unsigned char *p, size_t m, unsigned char *s)
{
	size_t i = 0;

	for (; i + 16 <= m; i += 16) {
		const __m128i a = ld(p + i), b = ld(p + m + i), c = ld(p + 2 * m + i), d = ld(p + 3 * m + i);
		const __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
		const __m128i cd0 = _mm_unpacklo_epi8(c, d), cd1 = _mm_unpackhi_epi8(c, d);
		st(s + 4 * i, _mm_unpacklo_epi16(ab0, cd0));
		st(s + 4 * i + 16, _mm_unpackhi_epi16(ab0, cd0));
		st(s + 4 * i + 32, _mm_unpacklo_epi16(ab1, cd1));
		st(s + 4 * i + 48, _mm_unpackhi_epi16(ab1, cd1));
	}
	return i;
}

/* Samples s[2i], s[2i + 1] into planes p[i], p[m + i]: the low bytes of
 * each 16-bit lane, and the high ones, packed. */
static size_t planes2(const unsigned char *s, size_t m, unsigned char *p)
{
	const __m128i lo = _mm_set1_epi16(0xff);
	size_t i = 0;

	for (; i + 16 <= m; i += 16) {
		const __m128i x0 = ld(s + 2 * i), x1 = ld(s + 2 * i + 16);
		st(p + i, _mm_packus_epi16(_mm_and_si128(x0, lo), _mm_and_si128(x1, lo)));
		st(p + m + i, _mm_packus_epi16(_mm_srli_epi16(x0, 8), _mm_srli_epi16(x1, 8)));
	}
	return i;
}

static size_t samples2(const unsigned char *p, size_t m, unsigned char *s)
{
	size_t i = 0;

	for (; i + 16 <= m; i += 16) {
		const __m128i a = ld(p + i), b = ld(p + m + i);
		st(s + 2 * i, _mm_unpacklo_epi8(a, b));
		st(s + 2 * i + 16, _mm_unpackhi_epi8(a, b));
	}
	return i;
}
#else
static size_t planes4(const unsigned char *s, size_t m, unsigned char *p) { (void)s, (void)m, (void)p; return 0; }
static size_t samples4(const unsigned char *p, size_t m, unsigned char *s) { (void)p, (void)m, (void)s; return 0; }
static size_t planes2(const unsigned char *s, size_t m, unsigned char *p) { (void)s, (void)m, (void)p; return 0; }
static size_t samples2(const unsigned char *p, size_t m, unsigned char *s) { (void)p, (void)m, (void)s; return 0; }
#endif

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
		for (size_t i = planes4(samples, m, p); i < m; i++) {
			p[i] = samples[4 * i];
			p[m + i] = samples[4 * i + 1];
			p[2 * m + i] = samples[4 * i + 2];
			p[3 * m + i] = samples[4 * i + 3];
		}
	} else if (w == 2) {
		for (size_t i = planes2(samples, m, p); i < m; i++) {
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
		for (size_t i = samples4(p, m, s); i < m; i++) {
			s[4 * i] = p[i];
			s[4 * i + 1] = p[m + i];
			s[4 * i + 2] = p[2 * m + i];
			s[4 * i + 3] = p[3 * m + i];
		}
	} else if (w == 2) {
		for (size_t i = samples2(p, m, s); i < m; i++) {
			s[2 * i] = p[i];
			s[2 * i + 1] = p[m + i];
		}
	} else {
		for (size_t b = 0; b < w; b++)
			for (size_t i = 0; i < m; i++)
				s[w * i + b] = p[b * m + i];
	}
}
