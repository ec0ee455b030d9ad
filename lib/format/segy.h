/*
 * segy: SEG-Y file headers (notes/segy.md): the 3200-byte textual header and
 * its encoding, the 400-byte binary header with byte order detection, the
 * extended textual headers, and the headers segkit writes.  Byte positions
 * are 1-based file offsets as the standard writes them.
 */
#ifndef SK_SEGY_H
#define SK_SEGY_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define SK_SEGY_TEXT 3200
#define SK_SEGY_BIN 400
#define SK_SEGY_HDR 3600

/* Byte positions (1-based file offsets) of the binary header's fields
 * (notes/segy.md; segyio's segy.h names the same).  SK_BIN_EXT_* and later
 * are rev 2. */
enum sk_bin_byte {
	SK_BIN_JOB = 3201, SK_BIN_LINE = 3205, SK_BIN_REEL = 3209,
	SK_BIN_NTRPR = 3213,          /* traces per ensemble */
	SK_BIN_NART = 3215,           /* auxiliary traces per ensemble */
	SK_BIN_DT = 3217,             /* sample interval (u16) */
	SK_BIN_DTO = 3219,            /* original sample interval */
	SK_BIN_NS = 3221,             /* samples per trace (u16) */
	SK_BIN_NSO = 3223,            /* original samples per trace */
	SK_BIN_FORMAT = 3225,         /* sample format code */
	SK_BIN_FOLD = 3227, SK_BIN_SORT = 3229,
	SK_BIN_MEASUREMENT = 3255,    /* 1 metres, 2 feet */
	SK_BIN_EXT_NTRPR = 3261, SK_BIN_EXT_NART = 3265,
	SK_BIN_EXT_NS = 3269,         /* i32, used when non-zero */
	SK_BIN_EXT_DT = 3273,         /* f64, used when non-zero */
	SK_BIN_EXT_DTO = 3281, SK_BIN_EXT_NSO = 3289, SK_BIN_EXT_FOLD = 3293,
	SK_BIN_BYTE_ORDER = 3297,     /* 0x01020304 as written */
	SK_BIN_REV_MAJOR = 3501, SK_BIN_REV_MINOR = 3502,   /* one byte each */
	SK_BIN_FIXED_LENGTH = 3503,
	SK_BIN_NEXT = 3505,           /* extended textual headers: 0, -1 unknown, n */
	SK_BIN_EXTRA = 3507,          /* extra trace headers per trace */
	SK_BIN_TIME_BASIS = 3511,
	SK_BIN_NTRACES = 3513,        /* u64 trace count, 0 unknown */
	SK_BIN_FIRST_TRACE = 3521,    /* u64 byte offset of the first trace, 0 unset */
	SK_BIN_TRAILERS = 3529,       /* trailer stanzas */
};

struct sk_segy_bin {
	int little;           /* binary and trace headers, samples: little-endian */
	int byte_order_word;  /* 3297 held 0x01020304 in one of the byte orders */
	int format;           /* 3225 */
	long ns;              /* 3221 read unsigned, or rev 2's 3269 when non-zero */
	double dt;            /* 3217 read unsigned, or rev 2's 3273 when non-zero */
	int rev_major, rev_minor; /* 3501, 3502 */
	int rev2;             /* rev 2 fields trusted (major revision byte 2) */
	int fixed_length;     /* 3503 */
	int next;             /* 3505: extended textual headers, -1 unknown */
	int extra;            /* rev 2 extra trace headers per trace (3507) */
	uint64_t ntraces;     /* rev 2: 3513, 0 unknown */
	uint64_t first_trace; /* rev 2: 3521, 0 unset */
};

/* Counts the evidence of EBCDIC against ASCII in the textual header. */
int sk_segy_text_is_ebcdic(const unsigned char *text, size_t n);
/* Converts one EBCDIC (code page 037) byte to ASCII ('?' when none). */
unsigned char sk_ebcdic_to_ascii(unsigned char c);
unsigned char sk_ascii_to_ebcdic(unsigned char c);

/* Parses the binary header of a 3600-byte file header.  SK_EFMT with the
 * byte and value for an impossible format code, pair-swapped byte order,
 * or an invalid extended header count.  ns may come back 0 (the caller
 * falls back to the first trace header). */
int sk_segy_parse_bin(const unsigned char *h, struct sk_segy_bin *out, struct sk_error *err);

/* 1 when a 3200-byte block holds the stanza "((name))", in ASCII or EBCDIC,
 * matched as real writers write stanza names (and as segyio matches them):
 * case ignored, blanks (spaces, tabs, NULs) inside the parentheses ignored,
 * so "((  seg: endTEXt  ))" and "((SEG:EndText))" are "SEG: EndText". */
int sk_segy_has_stanza(const unsigned char *block, const char *name);
/* 1 when a 3200-byte block holds the ((SEG: EndText)) stanza. */
int sk_segy_is_endtext(const unsigned char *block);

/* Swaps every binary header field of h (3600 bytes) between byte orders. */
void sk_segy_swap_bin(unsigned char *h);

/* Writes a fresh 3600-byte file header: EBCDIC text naming segkit, rev 1,
 * fixed-length traces, big-endian fields (then sk_segy_set_bin). */
void sk_segy_default(unsigned char *h);
/* Sets format, ns, dt and byte order in a file header h whose fields are in
 * order `little` now, converting it to `to_little`; fields already holding
 * the right values are left untouched, so a carried header comes back
 * byte-identical.  ns > 65535 uses rev 2's extended ns.  Returns 0, or
 * SK_EARG when ns cannot be recorded. */
int sk_segy_set_bin(unsigned char *h, int little, int to_little, int format, long ns, double dt,
		    struct sk_error *err);
/* Records the trace count at 3513 when the header is rev 2 and declared a
 * count (non-zero) before. */
void sk_segy_set_count(unsigned char *h, int little, uint64_t n);

/* Field access in a given byte order (1-based file byte positions). */
uint64_t sk_segy_get(const unsigned char *h, int byte, int size, int little);
void sk_segy_put(unsigned char *h, int byte, int size, int little, uint64_t v);

#endif
