/*
 * The output-trace function of SIMD level PORTABLE (kirchhoff_internal.h):
 * vector windows of 8, built for the compiler's default target.
 */
#include "kirchhoff_internal.h"
#include "kirchhoff_kern_internal.h"

uint64_t sk_kirch_out_trace_base(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, 0);
}
