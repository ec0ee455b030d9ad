/*
 * stream_sgk_internal: what the sgk reader (stream_sgk.c), its blocks
 * decompressed ahead (stream_sgk_ahead.c) and the writer
 * (stream_sgk_write.c) share: the reader's and the writer's state, which
 * the reader's block fast paths fill, and the writer's operations for the
 * format table.
 *
 * This header shall only be used by stream_sgk.c, stream_sgk_ahead.c and
 * stream_sgk_write.c.
 */
#ifndef SK_STREAM_SGK_INTERNAL_H
#define SK_STREAM_SGK_INTERNAL_H

#include <stdint.h>
#include <sys/uio.h>

#include "segy.h"
#include "stream_internal.h"
#include "zio.h"

/* A block's decoding buffers: the frame's output (shuffled) and the block
 * (headers, then samples), with the zstd context that fills them. */
struct zdec {
	struct sk_zio *z;
	unsigned char *zbuf, *blk;
	size_t zbuf_cap, blk_cap;
};

/* Reader state: the current block, decoded, the block index, and the
 * blocks decompressed ahead (stream_sgk_ahead.c). */
struct sgk_rd {
	struct zdec d;         /* the serial path's block */
	const unsigned char *bp; /* the current block: in the input buffer
	                        * (uncompressed) or d.blk */
	unsigned char *rec;
	long blk_n, blk_i;
	int done;
	int version;           /* of the stream: 1 or 2 */
	int indexed;           /* the block index below was built */
	int64_t *boff;         /* file offset of each block's header */
	int64_t nblk;
	struct iovec *iov;     /* sk_sgk_get_block_direct's pieces */
	struct sgk_ahead *ah;  /* blocks decompressed ahead, or NULL */
};

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

/* The reader's pieces that stream_sgk_ahead.c uses.  sk_sgk_block_head
 * reads and checks the next block header and, when payload is set, makes
 * its payload available at sk_in_ptr: 1 with the header's fields, 0 at the
 * end marker (s->done set), or an error (messages count traces from
 * r->idx).  sk_sgk_block_decode decodes the stored bytes src of a block (at
 * byte at, its first trace first, 0-based) into d->blk: headers, then
 * samples; it reads r but changes nothing in it. */
int sk_sgk_block_head(struct sk_reader *r, int payload, uint32_t *cnt, uint32_t *flags, uint64_t *raw,
		      uint64_t *stored, struct sk_error *err);
int sk_sgk_block_decode(const struct sk_reader *r, struct zdec *d, const unsigned char *src, int64_t at,
			int64_t first, uint32_t cnt, uint32_t flags, uint64_t raw, uint64_t stored,
			struct sk_error *err);
void sk_sgk_zdec_release(struct zdec *d);

/* Blocks of a compressed stream decompressed ahead (stream_sgk_ahead.c):
 * a helper thread and the reader's own take the blocks read ahead, up to a
 * few, whichever is free first, and the reader hands them out in order.
 * sk_sgk_ahead_start starts it (0 also when it does not pay: a lean
 * reader, one CPU; an uncompressed reader is read ahead by its input's
 * thread instead, and s->ah stays NULL); sk_sgk_ahead_block then stands for
 * the reader's block loading (s->bp, blk_n, blk_i; s->done at the end
 * marker), each block's errors reported when it is reached, as the serial
 * path reports them; sk_sgk_ahead_free stops it (the input then stands
 * after the blocks read ahead: only a seek or the end follows).
 * sk_sgk_ahead_start is in stream_internal.h. */
int sk_sgk_ahead_block(struct sk_reader *r, struct sk_error *err);
void sk_sgk_ahead_free(struct sk_reader *r);

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
