/*
 * sgk: constants and the byte shuffle of segkit's native format, version 1.
 * man/sgk.5 is the specification; lib/stream.c reads and writes it.
 *
 * Stream header (64 bytes, little-endian fields; offsets 0-based):
 *   0  magic "\x89SGK\r\n\x1a\n"       8  u32 version (1)
 *  12  u32 flags (bit 0: blocks are zstd-compressed)
 *  16  u32 ns                          20 u32 trace header length (240 x (1 + k))
 *  24  f64 sample interval (the SEG-Y binary header's unit: µs for time)
 *  32  u32 traces per block B
 *  36  u32 origin: bits 0-7 the format converted from, bit 8 little-endian
 *  40  i64 trace count, -1 when written to a pipe
 *  48  u64 length L of the carried SEG-Y file header (0 or 3600 + 3200 n)
 *  56  8 reserved bytes (0)
 * then the L bytes of the carried SEG-Y file header, then blocks.
 * Block header (24 bytes): u32 traces n (0 ends the stream), u32 flags (bit
 * 0: zstd), u64 raw length n x (hdrlen + 4 ns), u64 stored length.  Payload:
 * the n header blocks (canonical big-endian SEG-Y layout), then the n x ns
 * samples as little-endian float32, trace by trace.  A compressed block is one
 * zstd frame of the headers followed by the samples split into 4 byte planes
 * (plane b holds byte b of every sample of the block).
 */
#ifndef SK_SGK_H
#define SK_SGK_H

#include <stddef.h>

#define SK_SGK_MAGIC "\x89SGK\r\n\x1a\n"
#define SK_SGK_HEAD 64
#define SK_SGK_BLOCK_HEAD 24
#define SK_SGK_MAX_BLOCK 65536

/* Builds a compressed block's raw payload from n headers (hl bytes each) and
 * n x ns samples: headers, then the 4 byte planes of the samples. */
void sk_sgk_shuffle(const unsigned char *hdrs, const unsigned char *samples, size_t n, size_t hl,
		    size_t ns, unsigned char *out);
/* The inverse: from a raw payload to headers followed by samples. */
void sk_sgk_unshuffle(const unsigned char *in, size_t n, size_t hl, size_t ns, unsigned char *out);

#endif
