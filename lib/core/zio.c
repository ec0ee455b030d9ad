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

int sk_zio_check(const void *src, size_t n, size_t raw, struct sk_error *err)
{
	const unsigned long long size = ZSTD_getFrameContentSize(src, n);
	size_t len;

	if (size == ZSTD_CONTENTSIZE_ERROR)
		return sk_error_set(err, SK_EFMT, "corrupt zstd block: no zstd frame header");
	/* A frame made from a stream (the zstd program reading a pipe) need
	 * not record its size: the bound below holds for it all the same. */
	if (size != ZSTD_CONTENTSIZE_UNKNOWN && size != raw)
		return sk_error_set(err, SK_EFMT, "zstd block says it expands to %llu bytes, not %zu", size, raw);
	/* Each block of a frame gives at most ZSTD_BLOCKSIZE_MAX bytes and
	 * takes at least 4 (a 3-byte header and one byte of content). */
	if (raw && (raw - 1) / ZSTD_BLOCKSIZE_MAX >= n / 4)
		return sk_error_set(err, SK_EFMT, "zstd block of %zu bytes cannot expand to %zu", n, raw);
	len = ZSTD_findFrameCompressedSize(src, n);
	if (ZSTD_isError(len))
		return sk_error_set(err, SK_EFMT, "corrupt zstd block: %s", ZSTD_getErrorName(len));
	if (len != n)
		return sk_error_set(err, SK_EFMT, "corrupt zstd block: the frame ends at byte %zu of %zu", len, n);
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
