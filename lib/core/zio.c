#include "zio.h"

#include <stdlib.h>
#include <zstd.h>

struct sk_zio {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
	int level;
};

struct sk_zio *sk_zio_new(int level)
{
	struct sk_zio *z = calloc(1, sizeof *z);
	if (z)
		z->level = level;
	return z;
}

void sk_zio_free(struct sk_zio *z)
{
	if (!z)
		return;
	ZSTD_freeCCtx(z->c);
	ZSTD_freeDCtx(z->d);
	free(z);
}

size_t sk_zio_bound(size_t n)
{
	return ZSTD_compressBound(n);
}

int sk_zio_compress(struct sk_zio *z, const void *src, size_t n, void *dst, size_t cap,
		    size_t *out, struct sk_error *err)
{
	size_t r;

	if (!z->c && !(z->c = ZSTD_createCCtx()))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	r = ZSTD_compressCCtx(z->c, dst, cap, src, n, z->level);
	if (ZSTD_isError(r))
		return sk_error_set(err, SK_EIO, "zstd: %s", ZSTD_getErrorName(r));
	*out = r;
	return 0;
}

int sk_zio_decompress(struct sk_zio *z, const void *src, size_t n, void *dst, size_t raw,
		      struct sk_error *err)
{
	size_t r;

	if (!z->d && !(z->d = ZSTD_createDCtx()))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	r = ZSTD_decompressDCtx(z->d, dst, raw, src, n);
	if (ZSTD_isError(r))
		return sk_error_set(err, SK_EFMT, "corrupt zstd block: %s", ZSTD_getErrorName(r));
	if (r != raw)
		return sk_error_set(err, SK_EFMT, "zstd block expands to %zu bytes, not %zu", r, raw);
	return 0;
}
