/* Unit test of lib/kernel/kirchhoff_avx2.c: the kernel built at this SIMD level
 * against the reference, byte for byte (kirch_level.h). */
#include "kirch_level.h"

int main(void)
{
	return kirch_level_test(SK_KIRCH_SIMD_AVX2);
}
