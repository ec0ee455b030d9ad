/*
 * psum_int: the partial sum's byte encoding, shared by psum.c (which writes
 * partials on the hosts) and psum_read.c (which reads, combines and merges
 * them).  For lib/flow/psum*.c alone: the format itself is psum.h's.
 */
#ifndef SK_PSUM_INT_H
#define SK_PSUM_INT_H

#include <stdint.h>
#include <string.h>

#define SK_PSUM_MAGIC "SKPSUM1\n"

/* Numbers in the records are little-endian. */
static inline void put_u32(unsigned char *b, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		b[k] = (unsigned char)(v >> (8 * k));
}

static inline void put_f64(unsigned char *b, double x)
{
	uint64_t v;
	memcpy(&v, &x, sizeof v);
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(v >> (8 * k));
}

static inline void put_f32(unsigned char *b, float x)
{
	uint32_t v;
	memcpy(&v, &x, sizeof v);
	put_u32(b, v);
}

static inline uint32_t get_u32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline double get_f64(const unsigned char *b)
{
	uint64_t v = 0;
	double x;
	for (int k = 7; k >= 0; k--)
		v = v << 8 | b[k];
	memcpy(&x, &v, sizeof x);
	return x;
}

#endif
