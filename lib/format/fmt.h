/*
 * fmt: SEG-Y sample formats (codes 1-16 of SEG-Y rev 2) to and from float.
 * Decoding is exact wherever a float can hold the value (IBM, int8/16/24,
 * uint8/16/24 always; int32, uint32, int64, uint64 and double round to the
 * nearest float).  Encoding rounds to nearest (ties to even) and saturates
 * integer types at their limits; NaN becomes 0 in integer formats.
 * Format 4 (fixed point with gain: byte 1 zero, byte 2 the gain exponent G,
 * bytes 3-4 a two's complement mantissa M, value M x 2^-G) is read only.
 */
#ifndef SK_FMT_H
#define SK_FMT_H

#include <stddef.h>

/* Bytes per sample of a format code, 0 when the code is not a format. */
int sk_fmt_size(int code);
/* A short name ("ibm", "int16", ...) or NULL. */
const char *sk_fmt_name(int code);
/* 1 when the code can be written. */
int sk_fmt_writable(int code);

/* Decodes n samples of src (format code, little-endian when little) into
 * out.  Returns 0, or for format 4 the 1-based index of the first word that
 * is not fixed point with gain (its first byte is not zero). */
size_t sk_fmt_decode(int code, int little, const void *src, size_t n, float *out);
/* Encodes n floats into dst in format code and byte order. */
void sk_fmt_encode(int code, int little, const float *src, size_t n, void *dst);

#endif
