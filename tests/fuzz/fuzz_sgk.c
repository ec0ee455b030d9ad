/* libFuzzer harness of the sgk reader: fuzz.h reads the input forced as sgk
 * from a file and a pipe, seeks, and converts it (detected) to SEG-Y in int16 (saturating),
 * (forced) to zstd sgk and to SEG-Y in a format the input picks. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_input(data, size, SK_FMT_SGK, SK_FMT_SEGY, 3);
}
