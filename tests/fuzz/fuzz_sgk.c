/* libFuzzer harness of the sgk reader: the input read forced as sgk and
 * auto-detected, from a file and from a pipe, then converted to SEG-Y in
 * int16 (saturating) (fuzz.h has the passes and the invariants checked). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_input(data, size, SK_FMT_SGK, SK_FMT_SEGY, 3);
}
