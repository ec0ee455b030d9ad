/* libFuzzer harness of the SU reader: fuzz.h reads the input forced as SU
 * from a file and a pipe, seeks, and converts it (detected) to SEG-Y in IBM floats,
 * (forced) to zstd sgk and to SEG-Y in a format the input picks. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_input(data, size, SK_FMT_SU, SK_FMT_SEGY, 1);
}
