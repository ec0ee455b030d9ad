#include "sortbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

#define SIGN64 ((uint64_t)1 << 63)

int sk_keyset_parse(const char *list, size_t hdrlen, struct sk_keyset *out, struct sk_error *err)
{
	struct sk_key keys[SK_SORT_MAXKEYS];
	int n = 0;
	const int rc = sk_keys_parse(list, hdrlen, keys, SK_SORT_MAXKEYS, &n, err);

	if (rc < 0)
		return rc;
	if (n < 1)
		return sk_error_set(err, SK_EARG, "no keys in '%s'", list);
	sk_keyset_init(out, keys, n);
	return 0;
}

void sk_keyset_init(struct sk_keyset *ks, const struct sk_key *keys, int n)
{
	memset(ks, 0, sizeof *ks);
	ks->n = n;
	for (int i = 0; i < n; i++) {
		const int t = keys[i].type;
		ks->key[i] = keys[i];
		ks->is_int[i] = t != SK_T_F4 && t != SK_T_F8 && t != SK_T_IBM && keys[i].scalar == 0;
	}
}

static uint64_t code_int(int64_t v)
{
	return (uint64_t)v ^ SIGN64;
}

static uint64_t code_double(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	/* IEEE total order: negative numbers have all bits flipped, positive
	 * ones only the sign bit. */
	return (u & SIGN64) ? ~u : (u | SIGN64);
}

static double decode_double(uint64_t c)
{
	const uint64_t u = (c & SIGN64) ? (c & ~SIGN64) : ~c;
	double d;

	memcpy(&d, &u, sizeof d);
	return d;
}

void sk_keyset_eval(const struct sk_keyset *ks, const unsigned char *hdr, uint64_t *out)
{
	for (int i = 0; i < ks->n; i++)
		out[i] = ks->is_int[i] ? code_int(sk_key_int(hdr, &ks->key[i]))
				       : code_double(sk_key_value(hdr, &ks->key[i]));
}

int sk_keyset_cmp(const struct sk_keyset *ks, const uint64_t *a, const uint64_t *b)
{
	for (int i = 0; i < ks->n; i++) {
		if (a[i] != b[i]) {
			const int c = a[i] < b[i] ? -1 : 1;
			return ks->key[i].desc ? -c : c;
		}
	}
	return 0;
}

void sk_keyset_value_str(const struct sk_keyset *ks, int i, uint64_t code, char *buf, size_t len)
{
	if (ks->is_int[i])
		snprintf(buf, len, "%" PRId64, (int64_t)(code ^ SIGN64));
	else
		snprintf(buf, len, "%.17g", decode_double(code));
}

void sk_keyset_str(const struct sk_keyset *ks, const uint64_t *codes, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < ks->n && used < len; i++) {
		char v[40];
		int w;

		sk_keyset_value_str(ks, i, codes[i], v, sizeof v);
		w = snprintf(buf + used, len - used, "%s%s=%s", i ? " " : "", ks->key[i].name, v);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void sk_keyset_names(const struct sk_keyset *ks, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < ks->n && used < len; i++) {
		const int w = snprintf(buf + used, len - used, "%s%s%s", i ? "," : "",
				       ks->key[i].desc ? "-" : "", ks->key[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void sk_sortbuf_init(struct sk_sortbuf *b, const struct sk_keyset *ks, size_t reclen)
{
	memset(b, 0, sizeof *b);
	b->ks = ks;
	b->reclen = reclen;
}

static int reserve(struct sk_sortbuf *b, size_t n, int advise, struct sk_error *err);

/* A reservation up front (a piece's count known) is the one advised for
 * huge pages: a buffer grown by realloc so advised held 66 MB for a piece
 * of 31 MB (segsplit.bats), 42 MB without the advice. */
int sk_sortbuf_reserve(struct sk_sortbuf *b, size_t n, struct sk_error *err)
{
	return reserve(b, n, b->cap == 0, err);
}

static int reserve(struct sk_sortbuf *b, size_t n, int advise, struct sk_error *err)
{
	const size_t nk = (size_t)b->ks->n;
	unsigned char *rec;
	uint64_t *codes;
	size_t *order, *tmp, *slot, *spare;

	if (n <= b->cap)
		return 0;
	if (b->reclen && n > SIZE_MAX / b->reclen)
		return sk_error_set(err, SK_ENOMEM, "%zu records of %zu bytes do not fit in memory",
				    n, b->reclen);
	if (b->reclen) {
		rec = realloc(b->rec, n * b->reclen);
		if (!rec)
			goto nomem;
		b->rec = rec;
	}
	/* The records in huge pages (bigmem.h): a piece of 424 MB took
	 * 106,000 page faults in 4 KiB pages, a third of segsplit --sort's
	 * CPU on this project's virtual machines. */
	if (advise && b->reclen)
		sk_bigmem_advise(b->rec, n * b->reclen);
	codes = realloc(b->codes, n * nk * sizeof *codes);
	if (!codes)
		goto nomem;
	b->codes = codes;
	order = realloc(b->order, n * sizeof *order);
	if (!order)
		goto nomem;
	b->order = order;
	tmp = realloc(b->tmp, n * sizeof *tmp);
	if (!tmp)
		goto nomem;
	b->tmp = tmp;
	spare = realloc(b->spare, n * sizeof *spare);
	if (!spare)
		goto nomem;
	b->spare = spare;
	slot = realloc(b->slot, n * sizeof *slot);
	if (!slot)
		goto nomem;
	b->slot = slot;
	/* The new slots come after the ones the permutation has (free or
	 * not, those keep their places). */
	for (size_t s = b->cap; s < n; s++)
		slot[s] = s;
	b->cap = n;
	return 0;
nomem:
	if (!b->reclen)
		return sk_error_set(err, SK_ENOMEM, "out of memory holding the keys of %zu traces for sorting "
				    "(use smaller pieces)", n);
	return sk_error_set(err, SK_ENOMEM,
			    "out of memory holding %zu traces of %zu bytes for sorting "
			    "(use smaller pieces)", n, b->reclen);
}

int sk_sortbuf_add(struct sk_sortbuf *b, const unsigned char *hdr, unsigned char **slot,
		   struct sk_error *err)
{
	const size_t nk = (size_t)b->ks->n;

	if (b->n == b->cap) {
		const size_t want = b->cap < 1024 ? 1024 : b->cap + b->cap / 2;
		const int rc = reserve(b, want, 0, err);
		if (rc < 0)
			return rc;
	}
	*slot = b->reclen ? b->rec + b->slot[b->n] * b->reclen : NULL;
	sk_keyset_eval(b->ks, hdr, b->codes + b->n * nk);
	b->n++;
	return 0;
}

/* a < b in sorted order, ties broken by input position (stability). */
static int before(const struct sk_sortbuf *b, size_t x, size_t y)
{
	const size_t nk = (size_t)b->ks->n;
	const int c = sk_keyset_cmp(b->ks, b->codes + x * nk, b->codes + y * nk);

	return c < 0 || (c == 0 && x < y);
}

int sk_sortbuf_sort(struct sk_sortbuf *b, struct sk_error *err)
{
	size_t *src = b->order, *dst = b->tmp;
	const size_t n = b->n;

	(void)err;
	for (size_t i = 0; i < n; i++)
		src[i] = i;
	/* Bottom-up merge sort: stable, O(n log n) whatever the input order,
	 * and (unlike qsort) free to take the key set as context.  Runs of 1
	 * are skipped by starting with insertion-sorted runs of 16. */
	for (size_t lo = 0; lo < n; lo += 16) {
		const size_t hi = lo + 16 < n ? lo + 16 : n;
		for (size_t i = lo + 1; i < hi; i++) {
			const size_t v = src[i];
			size_t j = i;
			while (j > lo && before(b, v, src[j - 1])) {
				src[j] = src[j - 1];
				j--;
			}
			src[j] = v;
		}
	}
	for (size_t w = 16; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			const size_t mid = lo + w < n ? lo + w : n;
			const size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = before(b, src[j], src[i]) ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		size_t *const t = src;
		src = dst;
		dst = t;
	}
	b->order = src;
	b->tmp = dst;
	return 0;
}

const unsigned char *sk_sortbuf_get(const struct sk_sortbuf *b, size_t i)
{
	return b->rec + b->slot[b->order[i]] * b->reclen;
}

const size_t *sk_sortbuf_take(struct sk_sortbuf *b)
{
	size_t *const next = b->spare;

	/* Records kept by the caller: their numbers in sorted order, in a
	 * list of its own (the next piece's sort reuses order). */
	if (!b->reclen) {
		memcpy(next, b->order, b->n * sizeof *next);
		b->n = 0;
		return next;
	}
	/* The sorted records' slots, in their order, then the slots no record
	 * of this piece used (in the order the permutation had them): still a
	 * permutation of [0, cap), the next fill's. */
	for (size_t i = 0; i < b->n; i++)
		next[i] = b->slot[b->order[i]];
	if (b->n < b->cap)
		memcpy(next + b->n, b->slot + b->n, (b->cap - b->n) * sizeof *next);
	b->spare = b->slot;
	b->slot = next;
	b->n = 0;
	return next;
}

void sk_sortbuf_clear(struct sk_sortbuf *b)
{
	b->n = 0;
}

void sk_sortbuf_release(struct sk_sortbuf *b)
{
	free(b->rec);
	free(b->codes);
	free(b->order);
	free(b->tmp);
	free(b->slot);
	free(b->spare);
	memset(b, 0, sizeof *b);
}
