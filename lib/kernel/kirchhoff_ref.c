/*
 * The output-trace function of SIMD level NONE (kirchhoff_internal.h): the
 * reference, every read lane by lane, no vector windows.
 */
#include "kirchhoff_internal.h"
#include "kirchhoff_kern_internal.h"

uint64_t sk_kirch_out_trace_ref(OUT_TRACE_ARGS)
{
	return out_trace_body(k, m0, m1, box, o, img, scratch, tsrc, priv, touched, -1);
}
