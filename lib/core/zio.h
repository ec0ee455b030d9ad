/*
 * zio: zstd compression of sgk blocks, the only module that includes
 * <zstd.h>.  Errors from libzstd become SK_EFMT (corrupt input) or SK_ENOMEM.
 */
#ifndef SK_ZIO_H
#define SK_ZIO_H

#include <stddef.h>

#include "diag.h"

struct sk_zio;

struct sk_zio *sk_zio_new(int level);
void sk_zio_free(struct sk_zio *z);
/* Upper bound of the compressed size of n bytes. */
size_t sk_zio_bound(size_t n);
/* Compresses src into dst (cap bytes) as one frame; *out gets its size. */
int sk_zio_compress(struct sk_zio *z, const void *src, size_t n, void *dst, size_t cap,
		    size_t *out, struct sk_error *err);
/* Checks, before raw bytes are allocated for it, that src (n bytes) is one
 * zstd frame whose recorded size, if any, is raw and that could expand to
 * raw (each block at least 4 bytes for at most 128 KiB): a hostile size is
 * refused for the few bytes that claim it.  SK_EFMT. */
int sk_zio_check(const void *src, size_t n, size_t raw, struct sk_error *err);
/* Decompresses one frame of n bytes that must expand to exactly raw bytes. */
int sk_zio_decompress(struct sk_zio *z, const void *src, size_t n, void *dst, size_t raw,
		      struct sk_error *err);

#endif
