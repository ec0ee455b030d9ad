/*
 * stream_internal: the reader and writer behind stream.h, and the table of
 * format operations that stream.c dispatches through.
 *
 * This header shall only be used by modules within lib/format (stream*.c and
 * the stream_<format>.c files).  Everything else uses stream.h.
 *
 * stream.c owns detection, opening and dispatch (stream_write.c the writer's,
 * stream_pread.c random reads, stream_copy.c copying); each format file
 * (stream_segy.c, stream_su.c, stream_sgk.c) fills one struct sk_format_ops.
 * SEG-Y and SU are both fixed-length records after a file header, so they
 * share the record functions sk_stream_rec_* (stream.c, stream_write.c).
 */
#ifndef SK_STREAM_INTERNAL_H
#define SK_STREAM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"
#include "io.h"
#include "stream.h"

struct sk_format_ops;

struct sk_reader {
	const struct sk_format_ops *ops;
	struct sk_in in;
	struct sk_info info;
	int hdr_little;        /* header block byte order in the file */
	int samp_fmt, samp_little, bps;
	size_t recsize;        /* raw record: header block + encoded samples */
	int64_t idx;           /* traces returned */
	int64_t data_start;    /* offset of the first trace or block */
	int check_ns;          /* trace header ns must equal info.ns */
	void *fs;              /* the format's own state (its ops free it) */
	int lean;              /* one of many inputs open at once (opened with a
	                        * buffer of SK_MANY_BUF or less): hold as little
	                        * as the format allows between traces */
	/* A regular file's size and modification time when opened
	 * (sk_reader_check_same); have_st 0 for a pipe. */
	int have_st;
	int64_t size0;
	struct timespec mtim0;
};

struct sk_writer {
	const struct sk_format_ops *ops;
	struct sk_out out;
	struct sk_info info;
	int hdr_little, samp_fmt, samp_little, bps;
	int from_su_tail;      /* the source's info.su_tail (rec_begin converts) */
	size_t recsize;        /* raw record: header block + encoded samples */
	int64_t count;         /* traces written */
	int64_t declared;      /* the count opts declared, or -1 */
	unsigned char *fhdr;   /* the file header as written (SEG-Y), owned */
	void *fs;              /* the format's own state (its ops free it) */
};

/*
 * One format.  Reader operations run after stream.c opened r->in (and, for
 * detection, buffered the first bytes) and set r->ops and r->info.fmt.
 * Writer operations run in this order: wopen (before the output exists),
 * whead (after it is opened), put/put_raw per trace, finish (before the
 * output is committed), wrelease (always, also after errors).
 */
struct sk_format_ops {
	/* Reads the stream header at the start of r->in: fills r->info and the
	 * record fields (hdr_little, samp_fmt, samp_little, bps, recsize). */
	int (*open)(struct sk_reader *r, struct sk_error *err);
	/* The next trace as a raw record (stream.h); 1, 0 at the end, or an
	 * error. */
	int (*next_raw)(struct sk_reader *r, const unsigned char **rec, struct sk_error *err);
	/* The next trace decoded: hdr canonical, data float (either NULL). */
	int (*next)(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err);
	/* Positions the reader at trace idx (idx == ntraces: at the end). */
	int (*seek)(struct sk_reader *r, int64_t idx, struct sk_error *err);
	/* Scratch bytes for pread, 0 when r cannot be read at random so. */
	size_t (*pread_size)(const struct sk_reader *r);
	/* sk_reader_pread, idx checked against the trace count already. */
	int (*pread)(const struct sk_reader *r, int64_t idx, unsigned char *scratch, unsigned char *hdr,
		     float *data, struct sk_error *err);
	/* sk_reader_pread_hdrs_check of a file read at random, idx .. idx + n
	 * in range (NULL: the format's records are read as SEG-Y's or one by
	 * one). */
	int (*pread_hdrs)(const struct sk_reader *r, int64_t idx, long n, unsigned char *scratch, size_t size,
			  unsigned char *hdrs, float *data, struct sk_error *err);
	/* sk_reader_pread_batch (pread_size > 0), or NULL: no batches. */
	long (*pread_batch)(const struct sk_reader *r, struct sk_batchread *b, long n, const int64_t *idx,
			    unsigned char *scratch, float *const *data, unsigned char *ok);
	/* Frees r->fs (may be NULL). */
	void (*release)(struct sk_reader *r);
	/* Reading ahead in a thread pays (sk_reader_readahead). */
	int readahead;

	/* Checks that the format can hold a stream like `like` and chooses
	 * the encoding (hdr_little, samp_fmt, samp_little; info.block,
	 * info.compressed), allocating its state. */
	int (*wopen)(struct sk_writer *w, const struct sk_info *like, const struct sk_wopts *o,
		     struct sk_error *err);
	/* Writes the stream header (NULL: none). */
	int (*whead)(struct sk_writer *w, const struct sk_info *like, struct sk_error *err);
	int (*put)(struct sk_writer *w, const unsigned char *hdr, const float *data, struct sk_error *err);
	int (*put_raw)(struct sk_writer *w, const unsigned char *rec, struct sk_error *err);
	/* sk_writer_put_raw_hdr: a raw record with its header block given apart. */
	int (*put_raw_hdr)(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			   struct sk_error *err);
	/* Ends the stream and fixes recorded counts (NULL: nothing to do). */
	int (*finish)(struct sk_writer *w, struct sk_error *err);
	/* Frees w->fs (may be NULL). */
	void (*wrelease)(struct sk_writer *w);
};

extern const struct sk_format_ops sk_segy_ops, sk_su_ops, sk_sgk_ops;
/* The operations of format fmt (SK_FMT_SEGY, SK_FMT_SU or SK_FMT_SGK). */
const struct sk_format_ops *sk_stream_ops(int fmt);

/* The input buffer of a lean compressed sgk reader. */
#define SK_LEAN_ZBUF ((size_t)4 << 10)

/* Fixed-length records (SEG-Y, SU), in stream.c (reading) and
 * stream_write.c (writing). */
int sk_stream_rec_next_raw(struct sk_reader *r, const unsigned char **rec, struct sk_error *err);
int sk_stream_rec_next(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err);
int sk_stream_rec_seek(struct sk_reader *r, int64_t idx, struct sk_error *err);
size_t sk_stream_rec_pread_size(const struct sk_reader *r);
/* pread_batch of SEG-Y and SU: runs of consecutive records one read each. */
long sk_stream_rec_pread_batch(const struct sk_reader *r, struct sk_batchread *b, long n, const int64_t *idx,
			       unsigned char *scratch, float *const *data, unsigned char *ok);
int sk_stream_rec_pread(const struct sk_reader *r, int64_t idx, unsigned char *scratch, unsigned char *hdr,
			float *data, struct sk_error *err);
/* Decodes a record's header block (hdr_little) and samples (samp_fmt,
 * samp_little) for trace idx (0-based) into hdr and data, either NULL. */
int sk_stream_decode(const struct sk_reader *r, int64_t idx, const unsigned char *rec_hdr,
		     const unsigned char *rec_smp, unsigned char *hdr, float *data, struct sk_error *err);
int sk_stream_rec_put(struct sk_writer *w, const unsigned char *hdr, const float *data,
		      struct sk_error *err);
int sk_stream_rec_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err);
int sk_stream_rec_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			      struct sk_error *err);
/* sk_stream_rec_put in two halves, for formats that adjust the header: a
 * record reserved in the output with the canonical header hdr copied into
 * it (NULL with err set on failure); then the header put into the file's
 * byte order, the samples encoded and the record committed. */
unsigned char *sk_stream_rec_begin(struct sk_writer *w, const unsigned char *hdr, struct sk_error *err);
void sk_stream_rec_end(struct sk_writer *w, unsigned char *d, const float *data);
/* SK_EARG unless 0 <= idx <= the trace count (when known). */
int sk_stream_check_index(const struct sk_reader *r, int64_t idx, struct sk_error *err);
/* Checks a record's trace header ns against the stream's; idx 0-based, at
 * its byte offset. */
int sk_stream_check_record(const struct sk_reader *r, const unsigned char *p, int64_t idx, int64_t at,
			   struct sk_error *err);
/* The message for a format 4 word that is not fixed point with gain, at
 * 1-based trace idx and sample bad of the samples at smp. */
int sk_stream_bad_fixed(int64_t idx, size_t bad, const unsigned char *smp, int little,
			struct sk_error *err);

/* SU detection (stream_su.c): the byte order in which the first bytes are a
 * plausible SU stream (1 little, 0 big), or -1; size -1 when unknown. */
int sk_su_order(const unsigned char *b, size_t n, int64_t size);

/* sgk fast paths for sk_copy_traces (stream_sgk.c). */
/* Passes the reader's next block to the writer unchanged when both are
 * uncompressed, the reader is at a block boundary and the writer's block is
 * empty.  Returns the traces passed, 0 when it passed none (the block, if
 * read, is left for the trace-by-trace path), or an error (*wfail 1 when the
 * output failed). */
int64_t sk_sgk_pass_block(struct sk_reader *r, struct sk_writer *w, int *wfail, struct sk_error *err);
/* Writes the next B records of a SEG-Y or SU reader whose records the
 * writer takes unchanged (SK_RAW_SAME) as one block, straight from the
 * reader's buffer, when the writer is uncompressed and at a block boundary,
 * the reader reads without read-ahead and B whole records follow.  Returns
 * the traces written, 0 when it wrote none (nothing consumed), or an error
 * (*wfail 1 when the output failed).  Read-ahead by its blocks
 * (sk_sgk_readahead) is the one read-ahead it works with. */
int64_t sk_sgk_put_block_direct(struct sk_writer *w, struct sk_reader *r, int *wfail, struct sk_error *err);
/* Writes the next block of an sgk reader to a SEG-Y or SU writer that takes
 * its records unchanged (SK_RAW_SAME) by writev, when the reader is at a
 * block boundary.  Returns the traces written, 0 at the end of the stream
 * or mid-block (the trace path goes on), or an error (*wfail 1 when the
 * output failed). */
int64_t sk_sgk_get_block_direct(struct sk_reader *r, struct sk_writer *w, int *wfail, struct sk_error *err);
/* Starts a SEG-Y or SU reader's read-ahead by whole blocks of an sgk
 * writer (io.h sk_in_readahead_blocks) when sk_sgk_put_block_direct can
 * take them: an uncompressed writer taking the records unchanged.  0 when
 * started or not for this pair; an error as sk_in_readahead_blocks. */
int sk_sgk_readahead(struct sk_reader *r, const struct sk_writer *w, struct sk_error *err);
/* Starts reading an sgk reader ahead on a second core (stream_sgk_ahead.c):
 * a compressed one's blocks decompressed ahead, an uncompressed one's read
 * ahead whole by the input's thread (io.h sk_in_readahead_blocks); 0 also
 * when it does not pay (a lean reader, one usable CPU, uncompressed blocks
 * above 16 MiB) or the reader is mid-block. */
int sk_sgk_ahead_start(struct sk_reader *r, struct sk_error *err);
/* Traces that still fit into the writer's current block. */
int64_t sk_sgk_room(const struct sk_writer *w);
/* Decodes n raw records of a SEG-Y or SU reader (p, the last of them the
 * reader's latest) into the writer's block. */
int sk_sgk_put_records(struct sk_writer *w, const struct sk_reader *r, const unsigned char *p, int64_t n,
		       int *wfail, struct sk_error *err);

#endif
