/*
 * stream: one reader and one writer interface over SEG-Y, SU and sgk, files
 * and pipes.  A stream is a file header (the carried SEG-Y textual, binary
 * and extended textual headers, verbatim; empty for SU) and traces that share
 * ns and the header block length.  In memory a trace is its header block in
 * canonical big-endian SEG-Y layout (hdr.h) and ns float samples.
 *
 * Readers detect the format (sgk magic; SEG-Y by its textual and binary
 * header; SU by a plausible ns/dt in the first header) unless told.  They
 * handle short reads, so pipes fed in any chunk sizes read exactly as files.
 * Writers given a path write atomically: into a temporary file beside it,
 * renamed over it by sk_writer_close, removed by sk_writer_abort (or when
 * close fails).  Path NULL or "-" means standard input or output.
 *
 * Errors: SK_EIO (with errno), SK_EFMT for malformed data with the trace
 * number (1-based) and byte position in the message, SK_EARG for impossible
 * requests (a format that cannot hold the stream, ...).  Messages never name
 * the file: err->file does (sk_error_at), the path or "<stdin>"/"<stdout>",
 * except for sk_writer_open's SK_EARG, which is about the options.
 */
#ifndef SK_STREAM_H
#define SK_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum sk_format { SK_FMT_AUTO = 0, SK_FMT_SEGY, SK_FMT_SU, SK_FMT_SGK };

/* The buffer size for commands holding many streams open at once. */
#define SK_MANY_BUF ((size_t)64 << 10)
/* An output buffer for records gathered from all over memory (a sorted run,
 * a k-way merge): small enough that what is copied into it is still in the
 * cache when its checksum and write() take it out.  A 2 GB sort's run
 * formation took 0.91x the CPU, its merge 0.80x, of a 4 MiB buffer's. */
#define SK_CACHE_BUF ((size_t)256 << 10)

/* Largest ns any reader accepts (a trace of 2^28 samples is 1 GiB). */
#define SK_MAX_NS (1L << 28)

struct sk_info {
	int fmt;               /* enum sk_format */
	int little;            /* SEG-Y/SU: fields are little-endian in the file */
	int sample_format;     /* SEG-Y format code (1..16): SEG-Y and sgk its samples' encoding, SU 5 */
	long ns;               /* samples per trace */
	double dt;             /* sample interval in the binary header's unit (µs for time) */
	size_t hdrlen;         /* trace header block length: 240 x (1 + extra) */
	int64_t ntraces;       /* traces in the stream, -1 when unknown (pipe) */
	unsigned char *fhdr;   /* carried SEG-Y file header, fhdr_len bytes (NULL for none) */
	size_t fhdr_len;       /* 3600 + 3200 x next, or 0 */
	/* SEG-Y details, for seginfo. */
	int ebcdic;            /* textual header encoding detected as EBCDIC */
	int rev_major, rev_minor;
	int next;              /* extended textual headers */
	int fixed_length;      /* binary header fixed-length flag */
	int byte_order_word;   /* rev 2 byte-order word present */
	int64_t trailing;      /* bytes after the last whole trace (file input) */
	/* Trace header bytes 181-240 hold SU's fields (d1 f1 d2 f2 ...): SU
	 * streams and sgk streams made from SU; else SEG-Y rev 1 fields.  A
	 * writer of the other kind clears them (sk_hdr_tail_convert). */
	int su_tail;
	/* sgk details. */
	int compressed;        /* sgk: blocks are zstd-compressed */
	long block;            /* sgk: traces per block */
};

struct sk_reader;
struct sk_key;

/* Swaps a trace header block between a little-endian file's byte order and
 * the canonical layout, field by field, by the stream's layout (SU's for
 * bytes 181-240 when info->su_tail).  Its own inverse. */
void sk_stream_swap(unsigned char *hdr, const struct sk_info *info);
/* 1 when the bytes of key k keep the stream's byte order in a canonical
 * header: an @BYTE key of 2 to 8 bytes that no header swap reorders (outside
 * the key table) in a little-endian SEG-Y or SU stream.  sk_key_flip turns
 * such a key's bytes big-endian, as every key is read and written, and back;
 * so @BYTE:TYPE means the stream's own byte order there. */
int sk_stream_key_flips(const struct sk_info *info, const struct sk_key *k);
void sk_key_flip(unsigned char *hdr, const struct sk_key *k);

/* Opens path (NULL or "-" for stdin) as fmt (SK_FMT_AUTO to detect), with
 * a 4 MiB input buffer. */
int sk_reader_open(const char *path, int fmt, struct sk_reader **out, struct sk_error *err);
/* The same with an input buffer of bufsize bytes (at least one record), for
 * commands that hold thousands of inputs open at once. */
int sk_reader_open_buf(const char *path, int fmt, size_t bufsize, struct sk_reader **out,
		       struct sk_error *err);
/* The same on fd, a pipe the caller owns and closes after sk_reader_free
 * (name: what errors call the input); tap (NULL: none) is called with every
 * byte read, in order (io.h). */
int sk_reader_open_fd(int fd, const char *name, int fmt, size_t bufsize, void (*tap)(void *, const void *, size_t),
		      void *tap_arg, struct sk_reader **out, struct sk_error *err);
/* Starts reading ahead in a thread (io.h sk_in_readahead), so that reading
 * overlaps decoding: for one large input read from start to end, not for
 * many inputs open at once (it takes about 8 MiB).  Stops at a seek outside
 * the buffered data.  For compressed sgk input, blocks are read ahead and
 * decompressed by a helper thread and the reader's, whichever is free
 * (about 24 MiB for 4 MiB blocks); uncompressed sgk is read ahead by whole
 * blocks, one in each of three slots (with their headroom 13-25 MiB for
 * 4 MiB blocks; not for blocks above 16 MiB).  Neither with one usable
 * CPU, nor mid-block; the compressed one stopped by any seek.  A no-op for
 * an input read to its end already.  SK_ENOMEM or SK_EIO; the reader works
 * on without it after an error. */
int sk_reader_readahead(struct sk_reader *r, struct sk_error *err);
/* Serves a SEG-Y or SU file's records from a mapping of the file (io.h
 * sk_in_map) instead of reading them: the records sk_reader_next_raw gives
 * then stay valid, where they are, until sk_reader_free, and record k (from
 * 0) lies at the first record + k x its length.  For a consumer that keeps
 * records to write later (a sort): it keeps pointers, not copies.  Returns
 * 1 when mapped, 0 when not (sgk, a pipe, a file changed since it was
 * opened, reading ahead already): the reader works as before. */
int sk_reader_map(struct sk_reader *r);
const struct sk_info *sk_reader_info(const struct sk_reader *r);
/* The name its errors give the input: the path, or "<stdin>". */
const char *sk_reader_name(const struct sk_reader *r);
/* Reads the next trace into hdr (info->hdrlen bytes) and data (info->ns
 * floats).  Returns 1 for a trace, 0 at the end of the stream, or an error.
 * Either buffer may be NULL to skip decoding that part. */
int sk_reader_next(struct sk_reader *r, unsigned char *hdr, float *data, struct sk_error *err);
/* Decodes a raw record of r (stream.h raw records; trace idx, 0-based) as
 * sk_reader_next would have: its header block canonical into hdr
 * (info->hdrlen bytes), its samples into data (info->ns floats), either
 * NULL.  It changes no state of r, so any number of threads may decode at
 * once the records one thread reads with sk_reader_next_raw (and copied out
 * of the reader's buffer).  SK_EFMT for a sample that cannot be decoded
 * (format 4), with trace idx + 1 in the message as sk_reader_next's. */
int sk_reader_decode(const struct sk_reader *r, int64_t idx, const unsigned char *rec, unsigned char *hdr,
		     float *data, struct sk_error *err);
/* Traces returned so far (the 0-based index of the next one). */
int64_t sk_reader_tell(const struct sk_reader *r);
/* Positions the reader at trace idx; SK_EARG when the input does not allow
 * random access (pipes, compressed or unterminated sgk). */
int sk_reader_seek(struct sk_reader *r, int64_t idx, struct sk_error *err);
/* Bytes of scratch space sk_reader_pread needs, or 0 when r cannot be read
 * that way: a pipe, a stream of unknown length, compressed sgk. */
size_t sk_reader_pread_size(const struct sk_reader *r);
/* Reads the samples of trace idx (0-based) of a seekable input with pread,
 * without moving the reader (data: info->ns floats).  It changes no state of
 * r, so any number of threads may call it at once on one reader, each with
 * its own scratch of sk_reader_pread_size(r) bytes, while one thread goes on
 * with sk_reader_next.  SK_EARG when r cannot be read at random or idx is out
 * of range (1-based in the message, as everywhere), SK_EIO with errno,
 * SK_EFMT for a truncated or malformed trace. */
int sk_reader_pread(const struct sk_reader *r, int64_t idx, void *scratch, float *data, struct sk_error *err);
/* The header blocks of traces idx .. idx + n - 1 into hdrs (n x
 * info->hdrlen bytes), with pread as sk_reader_pread and as safe from
 * threads: SEG-Y and SU records are read in runs as long as scratch (size
 * bytes; at least sk_reader_pread_size) holds, one system call for many
 * headers.  With data (info->ns floats, overwritten record after record),
 * each record's samples are decoded too, so that a sample that cannot be
 * decoded (format 4) is an error as sk_reader_pread's: a pass over the
 * headers that must still see every bad word.  Without data, only the
 * header bytes are read where a record is read alone (sgk, or a scratch
 * smaller than a record), and a record cut short in its samples is then not
 * seen; the same errors otherwise. */
int sk_reader_pread_hdrs_check(const struct sk_reader *r, int64_t idx, long n, void *scratch, size_t size,
			       unsigned char *hdrs, float *data, struct sk_error *err);
struct sk_batchread;
/* A batch reader (batchread.h) of r's file, for sk_reader_pread_batch:
 * SEG-Y, SU and uncompressed sgk files that allow random reads; NULL for
 * anything else, or when the system has no io_uring.  Free it with
 * sk_batchread_free. */
struct sk_batchread *sk_reader_batch_new(const struct sk_reader *r);
/* Reads traces idx[0 .. n) (ascending, in range) through b, their samples
 * decoded into data[i] (info->ns floats each), records next to each other
 * in one read (sgk: a run in one block is three, its block header, its
 * header blocks, its samples); scratch holds n records (n x
 * sk_reader_pread_size(r) bytes).  ok[i] receives 1 for a trace read and
 * decoded, 0 for one that was not (cut short, a failed read, a bad
 * format-4 word, a wrong ns, a wrong sgk block header): sk_reader_pread
 * of it gives the error.  Returns how many are ok. */
long sk_reader_pread_batch(const struct sk_reader *r, struct sk_batchread *b, long n, const int64_t *idx,
			   unsigned char *scratch, float *const *data, unsigned char *ok);
/* 0 when the file r reads still has the size and modification time it had
 * when r was opened (or r reads a pipe); else SK_EFMT, "changed while it
 * was read", with both sizes or, at the same size, that it was modified.
 * For a caller that reads a file at random long after opening it (regrid
 * reads kept traces back in place): the check before it commits. */
int sk_reader_check_same(const struct sk_reader *r, struct sk_error *err);
void sk_reader_free(struct sk_reader *r);

struct sk_ofset;

struct sk_wopts {
	int fmt;               /* enum sk_format; SK_FMT_AUTO: like the input */
	int sample_format;     /* SEG-Y and sgk sample format code; 0: like the input (5 from SU) */
	int little;            /* -1: like the input (SU default little), 0 big, 1 little (sgk: of the samples) */
	int zstd;              /* sgk: zstd level, 0 uncompressed */
	long block;            /* sgk: traces per block, 0 for about 4 MiB blocks */
	size_t bufsize;        /* output buffer, 0 for 4 MiB (SEG-Y and SU: at least a record) */
	struct sk_ofset *set;  /* a file output joins this set (ofile.h) at
	                        * sk_writer_close instead of being renamed */
	int count_known;       /* the caller knows how many traces it will write: */
	int64_t count;         /* then the stream header records count from the
	                        * start (SEG-Y rev 2 3513, sgk), so a pipe carries
	                        * it too; sk_writer_close fails when it differs */
	int sync_behind;       /* a file output is made durable behind the writer
	                        * as it goes (io.h sk_out_sync_behind): for
	                        * outputs of tens of MB written fast */
	int write_behind;      /* a regular file's full buffers (then at least
	                        * 4 MiB, whatever bufsize says) are written by
	                        * a helper thread while the next fills (io.h
	                        * sk_out_write_behind): for writers with work
	                        * of their own between writes.  Not for sgk,
	                        * whose blocks are sized by the buffer. */
};
#define SK_WOPTS_INIT { SK_FMT_AUTO, 0, -1, 0, 0, 0, NULL, 0, 0, 0, 0 }

struct sk_writer;

/* For computed traces (images, interpolated traces), which must not be
 * quantised like integer input: IEEE float (5) when o asks for no sample
 * format and like's is an integer one. */
void sk_wopts_computed(struct sk_wopts *o, const struct sk_info *like);

/* Opens path (NULL or "-" for stdout) for a stream shaped like `like` (ns,
 * dt, hdrlen and the carried file header are taken from it; fmt, little and
 * sample_format are the input's, to be overridden by opts). */
int sk_writer_open(const char *path, const struct sk_info *like, const struct sk_wopts *opts,
		   struct sk_writer **out, struct sk_error *err);
const struct sk_info *sk_writer_info(const struct sk_writer *w);
/* The headers put next come from a stream like src: bytes 181-240 are
 * converted from its flavour (SU's fields or SEG-Y rev 1's, src->su_tail) to
 * the writer's (sk_hdr_tail_convert), so one output can take the traces of
 * SU and SEG-Y inputs.  sk_writer_open starts with like; sk_copy_traces and
 * recio's puts set it from their reader. */
void sk_writer_source(struct sk_writer *w, const struct sk_info *src);
int sk_writer_put(struct sk_writer *w, const unsigned char *hdr, const float *data,
		  struct sk_error *err);
/* Flushes, fixes the counts a format records (sgk count, SEG-Y rev 2 trace
 * count) when the output is seekable, and commits the file.  Frees w.
 * SK_ESTATE (and nothing committed) when opts declared a count that the
 * traces written do not match. */
int sk_writer_close(struct sk_writer *w, struct sk_error *err);
/* Discards the output (removes the temporary file).  Frees w; NULL is fine. */
void sk_writer_abort(struct sk_writer *w);

/*
 * Raw records, for copies that need no conversion: the trace as it is
 * encoded in the file (header block in the file's byte order, canonical in
 * sgk, then samples in the file's sample format).  sk_stream_same_encoding says whether a
 * reader's records can go to a writer unchanged.
 */
int sk_reader_next_raw(struct sk_reader *r, const unsigned char **rec, struct sk_error *err);
int sk_writer_put_raw(struct sk_writer *w, const unsigned char *rec, struct sk_error *err);
int sk_stream_same_encoding(const struct sk_reader *r, const struct sk_writer *w);
/* sk_writer_put_raw with the header block given apart (hdrlen bytes in the
 * file's byte order, an edited copy of the record's): the samples come from
 * rec, after its header block.  For header edits at the speed of a copy. */
int sk_writer_put_raw_hdr(struct sk_writer *w, const unsigned char *hdr, const unsigned char *rec,
			  struct sk_error *err);
/* Calls tap(arg, p, n) with every byte handed to the output, in order, from
 * its first (io.h sk_out.tap): p NULL says that bytes it was given were
 * changed afterwards (a count fixed at the close).  -1 (and no tap) when
 * bytes have left the buffer already (a file header too large for it). */
int sk_writer_tap(struct sk_writer *w, void (*tap)(void *arg, const void *p, size_t n), void *arg);
/* How a reader's raw records can go to a writer: SK_RAW_SAME unchanged (as
 * sk_stream_same_encoding says), SK_RAW_HSWAP with the samples unchanged and
 * the header block in the other byte order (sk_hdr_swap it on the way: sgk
 * keeps header blocks canonical, so little-endian SEG-Y -> sgk -> SEG-Y
 * passes samples through this way), SK_RAW_NO decoded and encoded again. */
enum { SK_RAW_NO = 0, SK_RAW_SAME = 1, SK_RAW_HSWAP = 2 };
int sk_stream_raw_mode(const struct sk_reader *r, const struct sk_writer *w);

/* Copies every remaining trace of r to w: raw records when the encodings
 * match, else decoded and encoded again, a buffer at a time.  *n (may be NULL) receives the count
 * copied; on an error *wfail (may be NULL) says whether the output (1) or the input (0) failed, so the
 * caller can name the right file. */
int sk_copy_traces(struct sk_reader *r, struct sk_writer *w, int64_t *n, int *wfail,
		   struct sk_error *err);
/* The same, calling tick(arg, copied) (tick may be NULL) after every buffer
 * or block of traces with the count copied so far: a progress report. */
int sk_copy_traces_tick(struct sk_reader *r, struct sk_writer *w, int64_t *n, int *wfail,
			void (*tick)(void *arg, int64_t copied), void *arg, struct sk_error *err);
/* sk_reader_readahead for copying r to w, unless the copy has nothing to
 * overlap with reading: a raw copy into /dev/null, or uncompressed sgk
 * blocks passed unchanged (to an uncompressed sgk writer, or SEG-Y or SU
 * taking the records as they are), which are read in place. */
int sk_copy_readahead(struct sk_reader *r, const struct sk_writer *w, struct sk_error *err);

/* Sets one output option from its command line form, for every command that
 * writes traces: name is "to" (segy|su|sgk), "format" (a SEG-Y sample format
 * code or name: ibm int32 int16 ieee double int24 int8 int64 uint32 uint16
 * uint64 uint24 uint8), "endian" (big|little) or "zstd" (a level 1-19; val
 * NULL for the default 3, implies --to sgk when no --to is given). */
int sk_wopts_set(struct sk_wopts *o, const char *name, const char *val, struct sk_error *err);

/* Detects the format from the first bytes of a stream (at least 3600 if
 * available); returns enum sk_format or SK_FMT_AUTO when unknown. */
int sk_detect(const unsigned char *buf, size_t n);
const char *sk_format_name(int fmt);
/* For a text file refused as binary (rc SK_EFMT: sk_cfg_load's YAML, or a
 * caller's sk_file_binary_at): err becomes "not WHAT: a SEG-Y file" (SU, sgk) when path's first bytes are
 * one of the trace formats, else "not WHAT: " and its message, about path;
 * WHAT names the file expected ("a segsplit manifest").  Any other rc is
 * returned untouched, with err. */
int sk_not_text(const char *path, const char *what, int rc, struct sk_error *err);
/* Parses "segy", "su" or "sgk"; SK_EARG otherwise. */
int sk_format_parse(const char *s, int *out, struct sk_error *err);
/* The format a file's name says by its extension, in any case: .sgy and
 * .segy SEG-Y, .su SU, .sgk sgk; SK_FMT_AUTO for any other name, for
 * NULL and for "-" (standard output). */
int sk_format_of_name(const char *path);

#endif
