/*
 * stream_sgk_internal: what the sgk reader (stream_sgk.c) and writer
 * (stream_sgk_write.c) share: the writer's state, which the reader's block
 * fast paths fill, and the writer's operations for the format table.
 *
 * This header shall only be used by stream_sgk.c and stream_sgk_write.c.
 */
#ifndef SK_STREAM_SGK_INTERNAL_H
#define SK_STREAM_SGK_INTERNAL_H

#include <stdint.h>
#include <sys/uio.h>

#include "segy.h"
#include "stream_internal.h"

/* Writer state: the block being filled. */
struct sgk_wr {
	long B, blk_n;
	unsigned char *hbuf, *sbuf, *zraw, *zbuf;
	size_t zcap;
	struct sk_zio *z;
	int zlevel;
	float *tmp;            /* one trace, for records recoded on the way */
	struct iovec *iov;     /* sk_sgk_put_block_direct's pieces */
	int sized;             /* it set the reader's buffer to a block */
};

/* Stores v in size bytes at p, little-endian. */
static inline void put_le(unsigned char *p, int size, uint64_t v)
{
	sk_segy_put(p, 1, size, 1, v);
}

/* The writer's operations (stream_internal.h struct sk_format_ops). */
int sk_sgk_wopen(struct sk_writer *w, const struct sk_info *like, const struct sk_wopts *o, struct sk_error *err);
int sk_sgk_whead(struct sk_writer *w, const struct sk_info *like, struct sk_error *err);
int sk_sgk_put(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err);
int sk_sgk_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err);
int sk_sgk_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
		       struct sk_error *err);
int sk_sgk_finish(struct sk_writer *w, struct sk_error *err);
void sk_sgk_wrelease(struct sk_writer *w);
/* Trace i's slot in the writer's block: its header block and its samples. */
void sk_sgk_slot(const struct sk_writer *w, int64_t i, unsigned char **hdr, unsigned char **smp);
/* Counts n traces put into the block's slots, writing the block when full. */
int sk_sgk_commit(struct sk_writer *w, int64_t n, struct sk_error *err);

#endif
