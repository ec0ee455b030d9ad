/*
 * The output-trace function of SIMD level AVX512 (kirchhoff_internal.h):
 * the wide path, windows of 16 and two-register permutations, built for
 * x86-64-v4 (picked at run time by out_trace_for when the CPU has it).
 */
#include "kirchhoff_internal.h"
#include "kirchhoff_kern_internal.h"

#if KX86
__attribute__((target("arch=x86-64-v4"))) uint64_t sk_kirch_out_trace_v4(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, 1);
}
#else
/* Not built for this compiler or CPU family: out_trace_for never picks it. */
typedef int sk_kirch_no_v4;
#endif
