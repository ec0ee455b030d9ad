#include "fmt.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ibm.h"

static const struct {
	unsigned char size;
	unsigned char writable;
	const char *name;
} fmts[17] = {
	[1] = {4, 1, "ibm"},     [2] = {4, 1, "int32"},  [3] = {2, 1, "int16"},
	[4] = {4, 0, "fixgain"}, [5] = {4, 1, "ieee"},   [6] = {8, 1, "double"},
	[7] = {3, 1, "int24"},   [8] = {1, 1, "int8"},   [9] = {8, 1, "int64"},
	[10] = {4, 1, "uint32"}, [11] = {2, 1, "uint16"}, [12] = {8, 1, "uint64"},
	[15] = {3, 1, "uint24"}, [16] = {1, 1, "uint8"},
};

int sk_fmt_size(int code)
{
	return code >= 1 && code <= 16 ? fmts[code].size : 0;
}

const char *sk_fmt_name(int code)
{
	return code >= 1 && code <= 16 ? fmts[code].name : NULL;
}

int sk_fmt_writable(int code)
{
	return code >= 1 && code <= 16 && fmts[code].writable;
}

static inline uint32_t ld32(const unsigned char *p, int little)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return little ? v : __builtin_bswap32(v);
}

static inline uint64_t ld64(const unsigned char *p, int little)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return little ? v : __builtin_bswap64(v);
}

static inline uint16_t ld16(const unsigned char *p, int little)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return little ? v : __builtin_bswap16(v);
}

static inline uint32_t ld24(const unsigned char *p, int little)
{
	return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
		      : (uint32_t)p[2] | (uint32_t)p[1] << 8 | (uint32_t)p[0] << 16;
}

static inline float d2f(double v)
{
	/* Round a double to float without the undefined out-of-range cast. */
	if (v > (double)FLT_MAX || v < -(double)FLT_MAX) {
		/* Values within half an ulp of FLT_MAX still round to it. */
		const double lim = 0x1.ffffffp127;
		if (fabs(v) < lim)
			return v < 0 ? -FLT_MAX : FLT_MAX;
		return v < 0 ? -INFINITY : INFINITY;
	}
	return (float)v;
}

/* The hot loops are built like this: at -O3 (GCC vectorises almost nothing
 * at -O2) and with an AVX2 clone picked at run time. */
#if defined(__clang__)
#define VEC_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define VEC_LOOP __attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif

/*
 * The hot loop: IBM words to float, exactly, without branches, so that the
 * compiler vectorises it (and builds an AVX2 clone picked at run time), in
 * float arithmetic (8 lanes, not 4 in double).  The value is F x 2^k with
 * F < 2^24 (exact in float) and k = 4E - 280.  With k1 = k clamped to
 * [-100, 100], F x 2^k1 is an exact normal float; multiplying by 2^(k - k1)
 * (a normal or subnormal power of two, clamped to [2^-149, 2^127] where the
 * result is 0 or infinite either way) rounds once, to nearest as IEEE 754
 * does: the correctly rounded result, the same bits as sk_ibm_to_float (the
 * unit test checks 10^6 random words).  Needs subnormals (no flush to zero,
 * which no segkit build sets).
 */
VEC_LOOP
static void ibm_decode(const unsigned char *restrict s, size_t n, float *restrict out)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t w;
		memcpy(&w, s + 4 * i, 4);
		w = __builtin_bswap32(w);
		const int32_t k = 4 * (int32_t)(w >> 24 & 0x7f) - 280;
		const int32_t k1 = k < -100 ? -100 : k > 100 ? 100 : k;
		const int32_t x0 = k - k1, x = x0 < -149 ? -149 : x0 > 127 ? 127 : x0;
		const int32_t sub = x + 149 < 22 ? x + 149 : 22;
		const uint32_t b1 = (uint32_t)(k1 + 127) << 23;
		const uint32_t b2 = x >= -126 ? (uint32_t)(x + 127) << 23 : 1u << sub;
		float s1, s2, r;
		uint32_t rb;

		memcpy(&s1, &b1, 4);
		memcpy(&s2, &b2, 4);
		r = (float)(int32_t)(w & 0xffffff) * s1 * s2;
		memcpy(&rb, &r, 4);
		rb |= w & 0x80000000u;
		memcpy(out + i, &rb, 4);
	}
}

/*
 * The other way, float to big-endian IBM words rounded to nearest (ties to
 * even), as sk_float_to_ibm does, without branches for normal floats: the
 * value is m / 2^24 x 2^x2 with the 24-bit significand m and x2 = eb - 126;
 * E = ceil(x2 / 4), so E + 64 = (eb + 133) / 4 and m goes right by
 * 4E - x2 = 0..3 bits.  Zeros (common: mutes, padding) keep their sign
 * bit alone; subnormals, infinities and NaN (eb 0 or 255) are rare, marked
 * here and redone by sk_float_to_ibm after the loop.
 */
/* A float that ibm_encode leaves to sk_float_to_ibm: a subnormal, an
 * infinity or NaN (exponent byte 0 or 255), not a zero. */
static inline uint32_t ibm_enc_special(uint32_t b)
{
	return ((b >> 23 & 0xff) - 1 >= 254) & ((b & 0x7fffffffu) != 0);
}

VEC_LOOP
static uint32_t ibm_encode(const float *restrict src, size_t n, unsigned char *restrict d)
{
	uint32_t odd = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t b;
		memcpy(&b, src + i, 4);
		const uint32_t eb = b >> 23 & 0xff, m = (b & 0x7fffff) | 0x800000;
		const uint32_t ep = (eb + 133) >> 2, sh = 4 * ep - eb - 130;
		const uint32_t q = m >> sh, rem = m & ((1u << sh) - 1), half = (1u << sh) >> 1;
		const uint32_t up = (rem > half) | ((rem == half) & (sh != 0) & q);
		const uint32_t zero = (b & 0x7fffffffu) == 0;
		const uint32_t w = (b & 0x80000000u) | (zero ? 0 : ep << 24 | (q + up));
		odd |= ibm_enc_special(b);
		memcpy(d + 4 * i, &(uint32_t){__builtin_bswap32(w)}, 4);
	}
	return odd;
}

/*
 * The loops of the other common formats, as the IBM ones: 4-byte words
 * byte-reversed (IEEE floats of the other byte order, both ways), and
 * int32 and int16 words to float.  Compiled plain they ran one word at a
 * time: writing big-endian floats (SU of an XDR build, or --format ieee of
 * big-endian SEG-Y into sgk) took 27-41% of a 1 GB conversion's CPU.
 */
VEC_LOOP
static void swap32(const unsigned char *restrict s, size_t n, unsigned char *restrict d)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t w;
		memcpy(&w, s + 4 * i, 4);
		w = __builtin_bswap32(w);
		memcpy(d + 4 * i, &w, 4);
	}
}

VEC_LOOP
static void int32_decode(const unsigned char *restrict s, size_t n, int little, float *restrict out)
{
	if (little) {
		for (size_t i = 0; i < n; i++) {
			int32_t w;
			memcpy(&w, s + 4 * i, 4);
			out[i] = (float)w;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			uint32_t w;
			memcpy(&w, s + 4 * i, 4);
			out[i] = (float)(int32_t)__builtin_bswap32(w);
		}
	}
}

VEC_LOOP
static void int16_decode(const unsigned char *restrict s, size_t n, int little, float *restrict out)
{
	if (little) {
		for (size_t i = 0; i < n; i++) {
			int16_t w;
			memcpy(&w, s + 2 * i, 2);
			out[i] = (float)w;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			uint16_t w;
			memcpy(&w, s + 2 * i, 2);
			out[i] = (float)(int16_t)__builtin_bswap16(w);
		}
	}
}

size_t sk_fmt_decode(int code, int little, const void *src, size_t n, float *out)
{
	const unsigned char *s = src;
	size_t i;

	switch (code) {
	case 1:
		if (little) {
			for (i = 0; i < n; i++)
				out[i] = sk_ibm_to_float(ld32(s + 4 * i, 1));
		} else {
			ibm_decode(s, n, out);
		}
		break;
	case 2:
		int32_decode(s, n, little, out);
		break;
	case 3:
		int16_decode(s, n, little, out);
		break;
	case 4:
		for (i = 0; i < n; i++) {
			const uint32_t w = ld32(s + 4 * i, little);
			if (w >> 24)
				return i + 1;
			out[i] = (float)ldexp((double)(int16_t)(w & 0xffff), -(int)((w >> 16) & 0xff));
		}
		break;
	case 5:
		if (little)
			memcpy(out, s, 4 * n);
		else
			swap32(s, n, (unsigned char *)out);
		break;
	case 6:
		for (i = 0; i < n; i++) {
			const uint64_t w = ld64(s + 8 * i, little);
			double d;
			memcpy(&d, &w, 8);
			out[i] = isnan(d) ? (float)NAN : d2f(d);
		}
		break;
	case 7:
		for (i = 0; i < n; i++) {
			const uint32_t w = ld24(s + 3 * i, little);
			out[i] = (float)((int32_t)(w << 8) >> 8);
		}
		break;
	case 8:
		for (i = 0; i < n; i++)
			out[i] = (float)(int8_t)s[i];
		break;
	case 9:
		for (i = 0; i < n; i++)
			out[i] = (float)(int64_t)ld64(s + 8 * i, little);
		break;
	case 10:
		for (i = 0; i < n; i++)
			out[i] = (float)ld32(s + 4 * i, little);
		break;
	case 11:
		for (i = 0; i < n; i++)
			out[i] = (float)ld16(s + 2 * i, little);
		break;
	case 12:
		for (i = 0; i < n; i++)
			out[i] = (float)ld64(s + 8 * i, little);
		break;
	case 15:
		for (i = 0; i < n; i++)
			out[i] = (float)ld24(s + 3 * i, little);
		break;
	case 16:
		for (i = 0; i < n; i++)
			out[i] = (float)s[i];
		break;
	default:
		memset(out, 0, n * sizeof *out);
	}
	return 0;
}

static inline void st32(unsigned char *p, uint32_t v, int little)
{
	v = little ? v : __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline void st64(unsigned char *p, uint64_t v, int little)
{
	v = little ? v : __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

static inline void st16(unsigned char *p, uint16_t v, int little)
{
	v = little ? v : __builtin_bswap16(v);
	memcpy(p, &v, 2);
}

static inline void st24(unsigned char *p, uint32_t v, int little)
{
	if (little) {
		p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16);
	} else {
		p[2] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[0] = (unsigned char)(v >> 16);
	}
}

/* Round to nearest (ties to even) and saturate into [lo, hi]. */
static inline double rsat(float x, double lo, double hi)
{
	double r;
	if (isnan(x))
		return 0;
	r = rint((double)x);
	return r < lo ? lo : r > hi ? hi : r;
}

void sk_fmt_encode(int code, int little, const float *src, size_t n, void *dst)
{
	unsigned char *d = dst;
	size_t i;

	switch (code) {
	case 1:
		if (little || ibm_encode(src, n, d)) {
			for (i = 0; i < n; i++) {
				uint32_t b;
				memcpy(&b, src + i, 4);
				if (little || ibm_enc_special(b))
					st32(d + 4 * i, sk_float_to_ibm(src[i]), little);
			}
		}
		break;
	case 2:
		for (i = 0; i < n; i++)
			st32(d + 4 * i, (uint32_t)(int32_t)rsat(src[i], INT32_MIN, INT32_MAX), little);
		break;
	case 3:
		for (i = 0; i < n; i++)
			st16(d + 2 * i, (uint16_t)(int16_t)rsat(src[i], INT16_MIN, INT16_MAX), little);
		break;
	case 5:
		if (little)
			memcpy(d, src, 4 * n);
		else
			swap32((const unsigned char *)src, n, d);
		break;
	case 6:
		for (i = 0; i < n; i++) {
			const double v = src[i];
			uint64_t w;
			memcpy(&w, &v, 8);
			st64(d + 8 * i, w, little);
		}
		break;
	case 7:
		for (i = 0; i < n; i++)
			st24(d + 3 * i, (uint32_t)(int32_t)rsat(src[i], -8388608, 8388607), little);
		break;
	case 8:
		for (i = 0; i < n; i++)
			d[i] = (unsigned char)(int8_t)rsat(src[i], INT8_MIN, INT8_MAX);
		break;
	case 9:
		for (i = 0; i < n; i++) {
			/* 2^63 is not an int64: saturate below it. */
			const double r = rsat(src[i], -0x1p63, 0x1p63);
			const int64_t v = r >= 0x1p63 ? INT64_MAX : (int64_t)r;
			st64(d + 8 * i, (uint64_t)v, little);
		}
		break;
	case 10:
		for (i = 0; i < n; i++)
			st32(d + 4 * i, (uint32_t)rsat(src[i], 0, UINT32_MAX), little);
		break;
	case 11:
		for (i = 0; i < n; i++)
			st16(d + 2 * i, (uint16_t)rsat(src[i], 0, UINT16_MAX), little);
		break;
	case 12:
		for (i = 0; i < n; i++) {
			const double r = rsat(src[i], 0, 0x1p64);
			st64(d + 8 * i, r >= 0x1p64 ? UINT64_MAX : (uint64_t)r, little);
		}
		break;
	case 15:
		for (i = 0; i < n; i++)
			st24(d + 3 * i, (uint32_t)rsat(src[i], 0, 16777215), little);
		break;
	case 16:
		for (i = 0; i < n; i++)
			d[i] = (unsigned char)rsat(src[i], 0, 255);
		break;
	default:
		break;
	}
}
