/*
 * recio: one trace at a time from a reader, either as its raw file record
 * (passed to a writer of the same encoding unchanged, so split and merge
 * give back the input's bytes: IBM words, odd sample formats and all) or
 * decoded (header + float samples, converted by the writer), with a
 * canonical big-endian copy of its header for key evaluation either way.
 * segsplit and segmerge move every trace through this.
 */
#ifndef SK_RECIO_H
#define SK_RECIO_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "stream.h"

struct sk_rec {
	struct sk_reader *r;       /* not owned */
	const struct sk_info *info;
	int raw;                   /* records pass through: SK_RAW_SAME, or SK_RAW_HSWAP */
	int swap;                  /* raw headers are little-endian: swap the copy */
	size_t rawlen;             /* bytes of a raw record */
	size_t declen;             /* bytes of a decoded record: hdrlen + 4 ns */
	const unsigned char *rec;  /* raw: the current record (the reader's buffer) */
	unsigned char *hdr;        /* canonical header of the current trace */
	float *data;               /* decoded samples (decoded mode only; NULL in raw mode) */
	float *wdata;              /* sk_rec_put_saved's samples (made on its first call) */
	unsigned char *out;        /* SK_RAW_HSWAP: the record as it is written */
};

/* Bytes of one raw record of a stream: header block plus ns samples in the
 * stream's sample format (its format code; 5 for SU). */
size_t sk_rec_rawlen(const struct sk_info *info);
/* Sets up s over r; raw chooses pass-through: sk_stream_raw_mode against
 * the writer (SK_RAW_HSWAP swaps each header block on the way out), or 0 to
 * decode. */
int sk_rec_init(struct sk_rec *s, struct sk_reader *r, int raw, struct sk_error *err);
/* Reads the next trace: 1, 0 at the end, or an error.  want_hdr: fill
 * s->hdr in raw mode (decoded mode always fills it). */
int sk_rec_next(struct sk_rec *s, int want_hdr, struct sk_error *err);
/* Length of the current trace's record as sk_rec_copy writes it. */
size_t sk_rec_len(const struct sk_rec *s);
/* Copies the current trace's record (raw bytes, or header + samples). */
void sk_rec_copy(const struct sk_rec *s, unsigned char *out);
/* Writes the current trace to w. */
int sk_rec_put(const struct sk_rec *s, struct sk_writer *w, struct sk_error *err);
/* Writes a record saved by sk_rec_copy to w (s gives the mode).  The
 * current trace stays as it is: a decoded record's samples are copied into
 * a scratch buffer of their own, not into s->data (a split writing a sorted
 * piece after reading the next piece's first trace once overwrote that
 * trace's samples). */
int sk_rec_put_saved(struct sk_rec *s, const unsigned char *rec, struct sk_writer *w,
		     struct sk_error *err);
void sk_rec_release(struct sk_rec *s);

#endif
