/*
 * info: what seginfo reports about a stream: the range of the common header
 * keys and coordinate extents over every trace, the binary header fields by
 * name, the textual headers as text, and header keys as TSV.
 */
#ifndef SK_INFO_H
#define SK_INFO_H

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "hdr.h"
#include "stream.h"

#define SK_INFO_KEYS 18

struct sk_summary {
	int64_t traces;                /* traces read */
	const struct sk_key *keys[SK_INFO_KEYS];
	double min[SK_INFO_KEYS], max[SK_INFO_KEYS];
	int nkeys;
};

/* Reads every remaining trace header of r and records key ranges.  On a read
 * error the summary holds the traces read so far and the error is returned. */
int sk_summarize(struct sk_reader *r, struct sk_summary *out, struct sk_error *err);

/* Writes the chosen keys of every remaining trace as tab-separated lines:
 * integers as integers, scaled coordinates and floats with %.10g, each line
 * after prefix and a tab when prefix is not NULL (seginfo -k with several
 * files: the file name).  A write error to stdout names "<stdout>". */
int sk_dump_keys(struct sk_reader *r, const struct sk_key *keys, int n, const char *prefix, FILE *out,
		 struct sk_error *err);

/* Binary header fields: name, 1-based byte, size in bytes, signedness. */
struct sk_binfield {
	const char *name;
	unsigned short byte;
	unsigned char size;
	unsigned char is_signed;
};
const struct sk_binfield *sk_bin_fields(size_t *n);

/* Writes the textual header blocks (3200 bytes each) of a carried file
 * header as 40 lines of text each, decoded from EBCDIC or ASCII by content,
 * with unprintable bytes as spaces and trailing spaces removed. */
int sk_print_text(const unsigned char *fhdr, size_t len, FILE *out);

#endif
