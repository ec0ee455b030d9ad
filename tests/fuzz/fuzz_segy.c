/* libFuzzer harness of the SEG-Y reader: fuzz.h reads the input forced as SEG-Y
 * from a file and a pipe, seeks, and converts it (detected) to SU,
 * (forced) to zstd sgk and to SEG-Y in a format the input picks. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_input(data, size, SK_FMT_SEGY, SK_FMT_SU, 0);
}
