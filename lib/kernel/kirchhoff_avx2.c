/*
 * The output-trace function of SIMD level AVX2 (kirchhoff_internal.h):
 * vector windows of 8, built for AVX2 (picked at run time by
 * out_trace_for when the CPU has it).
 */
#include "kirchhoff_internal.h"
#include "kirchhoff_kern_internal.h"

#if KX86
__attribute__((target("avx2"))) uint64_t sk_kirch_out_trace_avx2(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, 0);
}
#else
/* Not built for this compiler or CPU family: out_trace_for never picks it. */
typedef int sk_kirch_no_avx2;
#endif
