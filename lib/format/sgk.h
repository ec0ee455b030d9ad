/*
 * sgk: constants and the byte shuffle of segkit's native format.
 * man/sgk.5 is the specification; stream_sgk.c reads (versions 1 and 2) and
 * writes (version 2) it.
 *
 * Stream header (64 bytes, little-endian fields; offsets 0-based):
 *   0  magic "\x89SGK\r\n\x1a\n"       8  u32 version (2; 1 is read)
 *  12  u32 flags (bit 0: blocks are zstd-compressed)
 *  16  u32 ns                          20 u32 trace header length (240 x (1 + k))
 *  24  f64 sample interval (the SEG-Y binary header's unit: µs for time)
 *  32  u32 traces per block B
 *  36  u32 origin: bits 0-7 the format converted from, bit 8 little-endian
 *  40  i64 trace count, -1 when written to a pipe
 *  48  u64 length L of the carried SEG-Y file header (0 or 3600 + 3200 n)
 *  56  u16 sample encoding: a SEG-Y format code (version 1: 0, float32)
 *  58  u8  sample byte order: 0 big-endian, 1 little (version 1: 0, little)
 *  59  5 reserved bytes (0)
 * then the L bytes of the carried SEG-Y file header, then blocks.
 * Block header (24 bytes): u32 traces n (0 ends the stream), u32 flags (bit
 * 0: zstd), u64 raw length n x (hdrlen + w ns) for w bytes per sample, u64
 * stored length.  Payload: the n header blocks (canonical big-endian SEG-Y
 * layout), then the n x ns samples in the stream's encoding, trace by trace.
 * A compressed block is one zstd frame of the headers as hl columns (column
 * b holds byte b of every header block; version 1: the header blocks as
 * they are) followed by the samples split into w byte planes (plane b holds
 * byte b of every sample of the block).
 */
#ifndef SK_SGK_H
#define SK_SGK_H

#include <stddef.h>

#define SK_SGK_MAGIC "\x89SGK\r\n\x1a\n"
#define SK_SGK_VERSION 2
#define SK_SGK_HEAD 64
#define SK_SGK_BLOCK_HEAD 24
#define SK_SGK_MAX_BLOCK 65536

/* Stream header fields: 0-based offsets. */
enum {
	SK_SGK_H_VERSION = 8, SK_SGK_H_FLAGS = 12, SK_SGK_H_NS = 16, SK_SGK_H_HDRLEN = 20,
	SK_SGK_H_DT = 24, SK_SGK_H_BLOCK = 32, SK_SGK_H_ORIGIN = 36, SK_SGK_H_COUNT = 40,
	SK_SGK_H_FHDR = 48, SK_SGK_H_CODE = 56, SK_SGK_H_ORDER = 58
};
/* Block header fields: 0-based offsets. */
enum { SK_SGK_B_COUNT = 0, SK_SGK_B_FLAGS = 4, SK_SGK_B_RAW = 8, SK_SGK_B_STORED = 16 };

/* Builds a compressed block's raw payload from n headers (hl bytes each) and
 * n x ns samples of w bytes each: the headers (as hl columns when columns is
 * set, version 2; as they are for version 1), then the w byte planes of the
 * samples. */
void sk_sgk_shuffle(const unsigned char *hdrs, const unsigned char *samples, size_t n, size_t hl,
		    size_t ns, size_t w, int columns, unsigned char *out);
/* The inverse: from a raw payload to headers followed by samples. */
void sk_sgk_unshuffle(const unsigned char *in, size_t n, size_t hl, size_t ns, size_t w, int columns,
		      unsigned char *out);

#endif
