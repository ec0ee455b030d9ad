/*
 * sortbuf: ordering traces by header keys, shared by segsplit --sort (the
 * in-memory first half of an external sort) and segmerge --key (the k-way
 * merge that is its second half), so both halves agree on the order.
 *
 * A key value becomes a 64-bit code whose unsigned order is the order of the
 * values: integer keys without a scalar by their exact int64 value, keys with
 * a scalar (sx, cdpx, ... with scalco) and float keys by their scaled value
 * as a double (IEEE total order; -0 sorts before +0, NaN after +inf).  Codes
 * are ascending; a key written "-key" reverses its comparison only.
 *
 * The sort buffer holds fixed-length records (raw file records or decoded
 * header + samples, the caller's choice) and the codes of their keys, and
 * sorts them stably: ties keep their input order.  Memory: the records,
 * plus (8 x keys + 32) bytes per record.
 *
 * Records lie in slots, not in input order: after a sort, sk_sortbuf_take
 * hands the caller the slots of the sorted records in their order, and the
 * next records fill those same slots in that same order (then the slots the
 * sorted ones did not use).  So a thread can write the sorted records out
 * while the next piece fills the buffer behind it, in one buffer: record j
 * of the next piece may be added once the j-th sorted record has been
 * written (when j is below the count taken).
 */
#ifndef SK_SORTBUF_H
#define SK_SORTBUF_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hdr.h"

#define SK_SORT_MAXKEYS 8

struct sk_keyset {
	struct sk_key key[SK_SORT_MAXKEYS];
	unsigned char is_int[SK_SORT_MAXKEYS]; /* coded as int64 (else as double) */
	int n;
};

/* Parses a comma-separated key list (at most SK_SORT_MAXKEYS keys); hdrlen
 * bounds @BYTE positions (0: any).  SK_EARG on a bad key. */
int sk_keyset_parse(const char *list, size_t hdrlen, struct sk_keyset *out, struct sk_error *err);
/* Builds a key set from parsed keys (n <= SK_SORT_MAXKEYS). */
void sk_keyset_init(struct sk_keyset *ks, const struct sk_key *keys, int n);
/* Codes of the key values of one canonical (big-endian) header block. */
void sk_keyset_eval(const struct sk_keyset *ks, const unsigned char *hdr, uint64_t *out);
/* Compares two code vectors, honouring descending keys: <0, 0, >0. */
int sk_keyset_cmp(const struct sk_keyset *ks, const uint64_t *a, const uint64_t *b);
/* The value a code stands for, as text: integers exactly, doubles with %.17g. */
void sk_keyset_value_str(const struct sk_keyset *ks, int i, uint64_t code, char *buf, size_t len);
/* All values as "cdp=5 offset=-100" (for messages). */
void sk_keyset_str(const struct sk_keyset *ks, const uint64_t *codes, char *buf, size_t len);
/* The key list as given ("cdp,-offset"). */
void sk_keyset_names(const struct sk_keyset *ks, char *buf, size_t len);

struct sk_sortbuf {
	const struct sk_keyset *ks;
	size_t reclen;        /* bytes per record */
	size_t n, cap;        /* records held, records allocated */
	unsigned char *rec;   /* cap x reclen bytes: the slots */
	uint64_t *codes;      /* n x ks->n codes, in input order */
	size_t *order;        /* after sk_sortbuf_sort: record indices in sorted order */
	size_t *tmp;          /* merge sort scratch */
	size_t *slot;         /* record j lies in slot slot[j]: a permutation of [0, cap) */
	size_t *spare;        /* the next permutation, made by sk_sortbuf_take */
};

/* Sets up an empty buffer of reclen-byte records ordered by ks (which must
 * outlive it).  reclen 0: the records stay where the caller has them (a
 * mapped file, say) and the buffer holds their keys alone: sk_sortbuf_add
 * gives no slot, and sk_sortbuf_take lists the records' numbers (the j-th
 * added is j) in sorted order. */
void sk_sortbuf_init(struct sk_sortbuf *b, const struct sk_keyset *ks, size_t reclen);
/* Makes room for n records in all (SK_ENOMEM).  Moves the records: not
 * while a list from sk_sortbuf_take is in use. */
int sk_sortbuf_reserve(struct sk_sortbuf *b, size_t n, struct sk_error *err);
/* Appends a record keyed by the canonical header hdr; *slot receives the
 * place (reclen bytes) where the caller copies the record (NULL for
 * reclen 0).  When the buffer
 * is full it grows (sk_sortbuf_reserve's caveat). */
int sk_sortbuf_add(struct sk_sortbuf *b, const unsigned char *hdr, unsigned char **slot,
		   struct sk_error *err);
/* Sorts stably (a merge sort; O(n log n), ties by input order). */
int sk_sortbuf_sort(struct sk_sortbuf *b, struct sk_error *err);
/* The i-th record in sorted order (only after sk_sortbuf_sort, and not
 * after sk_sortbuf_take: use its list; not for reclen 0). */
const unsigned char *sk_sortbuf_get(const struct sk_sortbuf *b, size_t i);
/* After sk_sortbuf_sort: empties the buffer and returns the slots of the
 * sorted records in sorted order (the record of slot s at b->rec + s x
 * reclen), b->n of them before the call.  The next records added fill
 * these slots in this order, then the other ones: the caller adds record
 * j only when it is done with the j-th listed slot.  The list stays valid,
 * and the records in it, until the next sk_sortbuf_take or sk_sortbuf_reserve
 * (sk_sortbuf_add growing the buffer). */
const size_t *sk_sortbuf_take(struct sk_sortbuf *b);
/* Empties the buffer and keeps its memory for the next piece. */
void sk_sortbuf_clear(struct sk_sortbuf *b);
void sk_sortbuf_release(struct sk_sortbuf *b);

#endif
