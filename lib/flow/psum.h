/*
 * psum: sums of pieces on their hosts (segmerge --sum of pieces on hosts).
 *
 * Each host sums the pieces it holds into one partial sum, exactly (xsum.h),
 * and the controller adds the partials, exactly, and rounds once: the bytes
 * of segmerge --sum of the same pieces made local, whatever the grouping.
 * The checks are the local sum's (merge.h), split between the two sides so
 * that the first problem found, and its message, are the local sum's:
 *
 *   host        opens its pieces in piece order (size and xxh64 first when
 *               known), and checks each one's ns, dt and header length
 *               against its first; then, trace by trace, reads every piece
 *               and compares its keys with its first piece's;
 *   controller  compares every piece's shape with piece 0's, every
 *               partial's headers (its first piece's) with piece 0's, and
 *               the trace counts, and picks the first problem in the local
 *               sum's order: at the lowest trace, a read or count problem
 *               before a key mismatch, the lowest piece first.
 *
 * A partial sum is a byte stream (segmerge(1), PARTIAL SUMS):
 *
 *	"SKPSUM1\nhost HOST\n"
 *	"skip\n"                              (it ran on another host than asked)
 *   or
 *	"piece IDX ok NS DT HDRLEN SUTAIL NTRACES\n" | "piece IDX fail CODE MESSAGE\n"
 *	...                                   (one per piece, until a problem)
 *	"info FMT LITTLE SF NS DT HDRLEN NTRACES SUTAIL FHDRLEN\n" FHDR bytes
 *	records:  'T' header (HDRLEN bytes), NS doubles, u32 n, n x (u32 s, double)
 *	          'K' "TRACE IDX KEY VALUE\n" HDR    a key differs from the first
 *	                                              piece's (HDR: its header)
 *	          'R' "TRACE IDX CODE MESSAGE\n"     a read failed
 *	          'F' header, NS floats                the whole sum rounded (a
 *	                                              final partial: sk_psum_merge)
 *	          'Z'                                 the end
 *
 * (no info and no records after a problem in the piece lines: "end\n").
 * Numbers in the records are little-endian; the doubles are the terms of the
 * exact sum (the first term of each sample, then the other terms of the
 * samples that need more than one: xsum.h).  A partial of T traces from a
 * stream of NS samples and HDRLEN-byte headers carries T x (1 + HDRLEN + 8 NS
 * + 4) + 1 bytes of records when every sample's sum is one double.
 */
#ifndef SK_PSUM_H
#define SK_PSUM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "stream.h"

/* A piece a host sums: its index in the whole sum, its expected size and
 * xxh64 (bytes < 0: not checked), and its path there. */
struct sk_psum_piece {
	size_t idx;
	int64_t bytes;
	uint64_t xxh64;
	int has_xxh64;
	char *path;
};

/* Parses a piece list, one "IDX\tBYTES\tXXH64\tPATH\n" line per piece
 * (BYTES and XXH64 "-" when not known), in piece order.  Returns the count
 * (>= 1) with *out malloc'd (sk_psum_pieces_free), or an error (SK_EFMT
 * naming the line). */
int sk_psum_pieces_read(FILE *fp, struct sk_psum_piece **out, size_t *n, struct sk_error *err);
void sk_psum_pieces_free(struct sk_psum_piece *p, size_t n);

/*
 * The host's side: writes the partial sum of pieces[0..n-1] to out (base:
 * the directory relative paths start at, or NULL); with final, when they
 * are every piece of the sum, the sums rounded ('F' records: the image).  When this_host is not
 * want_host, writes a skip partial instead (the task ran elsewhere).  Data
 * problems go into the stream; the return is 0, or SK_EIO/SK_ENOMEM with err
 * set when the stream cannot be written.
 */
int sk_psum_host(const char *want_host, const char *this_host, const struct sk_psum_piece *pieces,
		 size_t n, const char *base, int from, int verify, int final, FILE *out, struct sk_error *err);

/* A partial's host and whether it is a skip (0 or an error naming path). */
int sk_psum_peek(const char *path, char *host, size_t hostlen, int *skip, struct sk_error *err);

/*
 * The controller's side: adds the partials (files; partial k holds the
 * pieces whose part[] is k, in piece order, each piece in exactly one) and
 * writes the sum to out (NULL or "-": standard output) as wopts say, like
 * the first piece.  names[i] names piece i in messages (host:path).
 * *traces gets the traces written.  Errors name the piece, as a local sum's.
 */
int sk_psum_combine(const char *const *partials, size_t nparts, const size_t *part,
		    const char *const *names, size_t npieces, const struct sk_wopts *wopts,
		    const char *out, int64_t *traces, struct sk_error *err);
/* The same, reading the partials from streams (labels: their names in
 * messages about a damaged partial); the streams stay open.  check (NULL:
 * none) is called once every partial was read to its end, before the
 * output is committed: its error fails the sum (an output file is then
 * removed), as an end-to-end check of what was received. */
int sk_psum_combine_fp(FILE *const *fps, const char *const *labels, size_t nparts, const size_t *part,
		       const char *const *names, size_t npieces, const struct sk_wopts *wopts,
		       int (*check)(void *arg, struct sk_error *err), void *check_arg,
		       const char *out, int64_t *traces, struct sk_error *err);

/*
 * A host's step of a tree sum: merges the partials in[0..nin-1] (of a sum of
 * npieces pieces; each piece in at most one) into one partial written to
 * out, as from this_host: the pieces' lines of all, the exact terms of the
 * sums (any grouping gives the same bytes at the end), and the first
 * problem in the order sk_psum_combine finds it, as a record the
 * controller names as it would have.  With final (the inputs hold every
 * piece), the records carry the sums rounded ('F'): the image itself, half
 * the bytes of a partial; such a partial is combined alone.  Returns 0, or
 * SK_EFMT for a damaged input (err about its label), SK_EIO, SK_ENOMEM.
 */
int sk_psum_merge(FILE *const *in, const char *const *labels, size_t nin, size_t npieces, const char *this_host,
		  int final, FILE *out, struct sk_error *err);

#endif
