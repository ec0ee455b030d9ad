/*
 * ibm: IBM System/360 hexadecimal floating point, as SEG-Y format 1 stores it
 * (notes/segy.md).  value = (-1)^s x F / 2^24 x 16^(E - 64).
 *
 * IBM -> float is exact wherever a float can hold the value, for
 * non-normalised words too; values beyond FLT_MAX become +-inf (what IEEE
 * round-to-nearest gives), values below FLT_MIN subnormals as IEEE rounding
 * gives them, and -0 stays -0.
 * float -> IBM rounds to nearest (ties to even); -0 stays -0 (0x80000000);
 * +-inf become +-0x7FFFFFFF (the largest IBM magnitude) and NaN 0x7FFFFFFF.
 */
#ifndef SK_IBM_H
#define SK_IBM_H

#include <stddef.h>
#include <stdint.h>

/* The exact value of an IBM word, as a double (always exact). */
double sk_ibm_to_double(uint32_t w);
float sk_ibm_to_float(uint32_t w);
uint32_t sk_float_to_ibm(float x);

/* Array forms over host-order words. */
void sk_ibm_decode(const uint32_t *in, size_t n, float *out);
void sk_ibm_encode(const float *in, size_t n, uint32_t *out);

#endif
