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
/* Decompresses one frame of n bytes that must expand to exactly raw bytes. */
int sk_zio_decompress(struct sk_zio *z, const void *src, size_t n, void *dst, size_t raw,
		      struct sk_error *err);

#endif
