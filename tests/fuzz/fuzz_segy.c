/* libFuzzer harness of the SEG-Y reader: the input read forced as SEG-Y and
 * auto-detected, from a file and from a pipe, then converted to SU
 * (fuzz.h has the passes and the invariants checked). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_input(data, size, SK_FMT_SEGY, SK_FMT_SU, 0);
}
