/*
 * The segyio anchor of bench/io.sh: reads every trace header and every trace
 * of a SEG-Y file through segyio's C API (libsegyio-dev) and converts the
 * samples to native floats, as a segyio program reading a file does.
 *
 *     segyio_read FILE [mmap]
 *
 * Prints the trace count and a checksum (so the work cannot be skipped).
 */
#include <segyio/segy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char bin[SEGY_BINARY_HEADER_SIZE], hdr[SEGY_TRACE_HEADER_SIZE];
	segy_file *fp;
	int format, samples, bsize, traces, cdp;
	long trace0;
	double sum = 0;
	float *buf;

	if (argc < 2 || !(fp = segy_open(argv[1], "rb"))) {
		fprintf(stderr, "segyio_read: cannot open %s\n", argc < 2 ? "(none)" : argv[1]);
		return 1;
	}
	if (argc > 2 && strcmp(argv[2], "mmap") == 0 && segy_mmap(fp) != SEGY_OK) {
		fprintf(stderr, "segyio_read: mmap failed\n");
		return 1;
	}
	if (segy_binheader(fp, bin) != SEGY_OK)
		return 1;
	format = segy_format(bin);
	samples = segy_samples(bin);
	trace0 = segy_trace0(bin);
	bsize = segy_trsize(format, samples);
	if (bsize <= 0 || segy_traces(fp, &traces, trace0, bsize) != SEGY_OK)
		return 1;
	if (!(buf = malloc((size_t)bsize)))
		return 1;
	for (int i = 0; i < traces; i++) {
		if (segy_traceheader(fp, i, hdr, trace0, bsize) != SEGY_OK ||
		    segy_get_field(hdr, SEGY_TR_ENSEMBLE, &cdp) != SEGY_OK ||
		    segy_readtrace(fp, i, buf, trace0, bsize) != SEGY_OK ||
		    segy_to_native(format, samples, buf) != SEGY_OK) {
			fprintf(stderr, "segyio_read: trace %d\n", i);
			return 1;
		}
		sum += cdp + buf[i % samples];
	}
	printf("%d traces, checksum %.6g\n", traces, sum);
	free(buf);
	segy_close(fp);
	return 0;
}
