#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "check.h"
#include "hdr.h"
#include "sortbuf.h"

static void mkhdr(unsigned char *h, int cdp, int offset, int sx, int scalco)
{
	memset(h, 0, SK_HDR_LEN);
	sk_hdr_set_i32(h, 21, cdp);
	sk_hdr_set_i32(h, 37, offset);
	sk_hdr_set_i16(h, 71, (int16_t)scalco);
	sk_hdr_set_i32(h, 73, sx);
}

int main(void)
{
	struct sk_error err;
	struct sk_keyset ks;
	unsigned char a[SK_HDR_LEN], b[SK_HDR_LEN];
	uint64_t ca[SK_SORT_MAXKEYS], cb[SK_SORT_MAXKEYS];
	char buf[200];

	/* Parsing and names. */
	CHECK(sk_keyset_parse("cdp,-offset", 0, &ks, &err) == 0 && ks.n == 2);
	CHECK(ks.is_int[0] && ks.is_int[1] && ks.key[1].desc);
	sk_keyset_names(&ks, buf, sizeof buf);
	CHECK(strcmp(buf, "cdp,-offset") == 0);
	CHECK(sk_keyset_parse("nosuchkey", 0, &ks, &err) == SK_EARG);
	CHECK(sk_keyset_parse("a,b,c,d,e,f,g,h,i", 0, &ks, &err) < 0);

	/* Integer order across the sign, and descending keys. */
	CHECK(sk_keyset_parse("cdp,-offset", 0, &ks, &err) == 0);
	mkhdr(a, -5, 100, 0, 0);
	mkhdr(b, 3, 100, 0, 0);
	sk_keyset_eval(&ks, a, ca);
	sk_keyset_eval(&ks, b, cb);
	CHECK(sk_keyset_cmp(&ks, ca, cb) < 0 && sk_keyset_cmp(&ks, cb, ca) > 0);
	mkhdr(b, -5, 200, 0, 0);
	sk_keyset_eval(&ks, b, cb);
	CHECK(sk_keyset_cmp(&ks, ca, cb) > 0);  /* offset 200 comes first descending */
	mkhdr(b, -5, 100, 0, 0);
	sk_keyset_eval(&ks, b, cb);
	CHECK(sk_keyset_cmp(&ks, ca, cb) == 0);
	sk_keyset_str(&ks, ca, buf, sizeof buf);
	CHECKF(strcmp(buf, "cdp=-5 offset=100") == 0, "%s", buf);
	mkhdr(a, INT32_MIN, INT32_MAX, 0, 0);
	mkhdr(b, INT32_MAX, INT32_MIN, 0, 0);
	sk_keyset_eval(&ks, a, ca);
	sk_keyset_eval(&ks, b, cb);
	CHECK(sk_keyset_cmp(&ks, ca, cb) < 0);
	sk_keyset_str(&ks, ca, buf, sizeof buf);
	CHECKF(strcmp(buf, "cdp=-2147483648 offset=2147483647") == 0, "%s", buf);

	/* A scaled key compares values, not raw integers: 1000 / 10 < 20 * 10. */
	CHECK(sk_keyset_parse("sx", 0, &ks, &err) == 0 && !ks.is_int[0]);
	mkhdr(a, 0, 0, 1000, -10);
	mkhdr(b, 0, 0, 20, 10);
	sk_keyset_eval(&ks, a, ca);
	sk_keyset_eval(&ks, b, cb);
	CHECK(sk_keyset_cmp(&ks, ca, cb) < 0);
	sk_keyset_value_str(&ks, 0, ca[0], buf, sizeof buf);
	CHECKF(strcmp(buf, "100") == 0, "%s", buf);
	mkhdr(a, 0, 0, -1000, -10);
	mkhdr(b, 0, 0, -999, -10);
	sk_keyset_eval(&ks, a, ca);
	sk_keyset_eval(&ks, b, cb);
	CHECK(sk_keyset_cmp(&ks, ca, cb) < 0);  /* -100 < -99.9 */
	sk_keyset_value_str(&ks, 0, cb[0], buf, sizeof buf);
	CHECKF(strtod(buf, NULL) == -99.9, "%s", buf);

	/* Stable sort of 5000 records on a key with many ties, checked against
	 * the definition: ordered by key, ties by input position. */
	{
		struct sk_sortbuf sb;
		const size_t n = 5000, reclen = SK_HDR_LEN + 8;
		unsigned char h[SK_HDR_LEN];
		unsigned long seed = 12345;
		int ok = 1;

		CHECK(sk_keyset_parse("cdp", 0, &ks, &err) == 0);
		sk_sortbuf_init(&sb, &ks, reclen);
		for (size_t i = 0; i < n; i++) {
			unsigned char *slot;
			seed = seed * 1103515245u + 12345u;
			mkhdr(h, (int)((seed >> 16) % 37) - 18, (int)i, 0, 0);
			CHECK(sk_sortbuf_add(&sb, h, &slot, &err) == 0);
			memcpy(slot, h, SK_HDR_LEN);
			memcpy(slot + SK_HDR_LEN, &i, sizeof i);
		}
		CHECK(sb.n == n);
		CHECK(sk_sortbuf_sort(&sb, &err) == 0);
		for (size_t i = 1; i < n; i++) {
			const unsigned char *p = sk_sortbuf_get(&sb, i - 1), *q = sk_sortbuf_get(&sb, i);
			const int cp = sk_hdr_i32(p, 21), cq = sk_hdr_i32(q, 21);
			size_t ip, iq;
			memcpy(&ip, p + SK_HDR_LEN, sizeof ip);
			memcpy(&iq, q + SK_HDR_LEN, sizeof iq);
			if (cp > cq || (cp == cq && ip >= iq) || sk_hdr_i32(q, 37) != (int)iq)
				ok = 0;
		}
		CHECK(ok);
		/* Reuse after clear, and the empty and one-record cases. */
		sk_sortbuf_clear(&sb);
		CHECK(sk_sortbuf_sort(&sb, &err) == 0 && sb.n == 0);
		{
			unsigned char *slot;
			mkhdr(h, 7, 0, 0, 0);
			CHECK(sk_sortbuf_add(&sb, h, &slot, &err) == 0);
			memcpy(slot, h, SK_HDR_LEN);
			CHECK(sk_sortbuf_sort(&sb, &err) == 0 && sk_hdr_i32(sk_sortbuf_get(&sb, 0), 21) == 7);
		}
		sk_sortbuf_release(&sb);
	}
	/* Records past a huge page (bigmem.h), reserved up front (advised for
	 * huge pages) and then grown: 4,000 records of 1,024 bytes, every byte
	 * of each checked after the sort. */
	{
		struct sk_sortbuf sb;
		const size_t n = 4000, reclen = 1024;
		unsigned char h[SK_HDR_LEN];
		int ok = 1;

		CHECK(sk_keyset_parse("cdp", 0, &ks, &err) == 0);
		sk_sortbuf_init(&sb, &ks, reclen);
		CHECK(sk_sortbuf_reserve(&sb, n / 2, &err) == 0);
		for (size_t i = 0; i < n; i++) {
			unsigned char *slot;
			mkhdr(h, (int)((i * 7919) % 101), (int)i, 0, 0);
			CHECK(sk_sortbuf_add(&sb, h, &slot, &err) == 0);
			memcpy(slot, h, SK_HDR_LEN);
			for (size_t k = SK_HDR_LEN; k < reclen; k++)
				slot[k] = (unsigned char)(i * 31 + k);
		}
		CHECK(sb.cap * reclen >= SK_BIGMEM_PAGE);
		CHECK(sk_sortbuf_sort(&sb, &err) == 0);
		for (size_t j = 0; j < n; j++) {
			const unsigned char *p = sk_sortbuf_get(&sb, j);
			const size_t i = (size_t)sk_hdr_i32(p, 37);
			if (j > 0) {
				const unsigned char *q = sk_sortbuf_get(&sb, j - 1);
				if (sk_hdr_i32(q, 21) > sk_hdr_i32(p, 21) ||
				    (sk_hdr_i32(q, 21) == sk_hdr_i32(p, 21) && sk_hdr_i32(q, 37) >= (int)i))
					ok = 0;
			}
			if (sk_hdr_i32(p, 21) != (int)((i * 7919) % 101))
				ok = 0;
			for (size_t k = SK_HDR_LEN; k < reclen; k++)
				if (p[k] != (unsigned char)(i * 31 + k))
					ok = 0;
		}
		CHECK(ok);
		sk_sortbuf_release(&sb);
	}
	/* sk_sortbuf_take: pieces filling the slots of the piece before in the
	 * order it was written (as segsplit's writer thread frees them), then
	 * the slots it did not use; a buffer that grows after a take.  Pieces
	 * of 1,000 (full), 600, 1,000 and 1,500 records of 256 bytes in a buffer
	 * of 1,000: each record's bytes name its piece and index, and every
	 * piece is checked whole after its sort (a slot given twice, or one
	 * still holding a record not yet taken, fails). */
	{
		struct sk_sortbuf sb;
		const size_t reclen = SK_HDR_LEN + 16, sizes[] = {1000, 600, 1000, 1500};
		const size_t *prev = NULL;
		size_t nprev = 0;
		unsigned char h[SK_HDR_LEN];
		int ok = 1, order_ok = 1, perm_ok = 1;

		CHECK(sk_keyset_parse("cdp", 0, &ks, &err) == 0);
		sk_sortbuf_init(&sb, &ks, reclen);
		CHECK(sk_sortbuf_reserve(&sb, 1000, &err) == 0);
		for (size_t p = 0; p < 4; p++) {
			unsigned char *seen;
			const unsigned char **sorted = malloc(sizes[p] * sizeof *sorted);
			const size_t *list;
			int grown = 0;
			for (size_t i = 0; i < sizes[p]; i++) {
				unsigned char *slot;
				const size_t cap = sb.cap;
				mkhdr(h, (int)((i * 7919 + p * 13) % 97), (int)i, (int)p, 0);
				CHECK(sk_sortbuf_add(&sb, h, &slot, &err) == 0);
				grown |= sb.cap != cap;
				/* The fill order take promised: the slots of the piece
				 * before in its sorted order, then the others; after a
				 * growth (which moves the records and drops the list)
				 * the new slots in turn. */
				if (!grown && prev && i < nprev && slot != sb.rec + prev[i] * reclen)
					order_ok = 0;
				if (i >= cap && slot != sb.rec + i * reclen)
					order_ok = 0;
				memcpy(slot, h, SK_HDR_LEN);
				memset(slot + SK_HDR_LEN, (int)(p * 50 + i % 50), reclen - SK_HDR_LEN);
			}
			CHECK(sk_sortbuf_sort(&sb, &err) == 0);
			for (size_t j = 0; j < sizes[p]; j++) {
				const unsigned char *r = sk_sortbuf_get(&sb, j);
				const size_t i = (size_t)sk_hdr_i32(r, 37);
				if (sk_hdr_i32(r, 73) != (int)p || sk_hdr_i32(r, 21) != (int)((i * 7919 + p * 13) % 97))
					ok = 0;
				if (j > 0) {
					const unsigned char *q = sk_sortbuf_get(&sb, j - 1);
					if (sk_hdr_i32(q, 21) > sk_hdr_i32(r, 21) ||
					    (sk_hdr_i32(q, 21) == sk_hdr_i32(r, 21) && sk_hdr_i32(q, 37) >= (int)i))
						ok = 0;
				}
				for (size_t k = SK_HDR_LEN; k < reclen; k++)
					if (r[k] != (unsigned char)(p * 50 + i % 50))
						ok = 0;
				sorted[j] = r;
			}
			list = sk_sortbuf_take(&sb);
			CHECK(sb.n == 0);
			seen = calloc(sb.cap, 1);
			/* The list: the sorted records' slots in their order, and a
			 * permutation of all the slots. */
			for (size_t j = 0; j < sb.cap; j++) {
				if (list[j] >= sb.cap || seen[list[j]]++)
					perm_ok = 0;
				if (j < sizes[p] && sb.rec + list[j] * reclen != sorted[j])
					perm_ok = 0;
			}
			free(seen);
			free(sorted);
			prev = list;
			nprev = sb.cap;
		}
		CHECK(ok);
		CHECK(order_ok);
		CHECK(perm_ok);
		CHECK(sb.cap >= 1500);
		sk_sortbuf_release(&sb);
	}
	/* reclen 0: the records stay the caller's (segsplit's mapped file);
	 * no slot is given, and take lists the records' numbers in the order a
	 * buffer holding them gives, piece after piece (the same pieces as
	 * above, growth included), with ties in input order. */
	{
		struct sk_sortbuf sb, held;
		const size_t sizes[] = {1000, 600, 1000, 1500};
		unsigned char h[SK_HDR_LEN];
		int ok = 1, slot_ok = 1;

		CHECK(sk_keyset_parse("cdp", 0, &ks, &err) == 0);
		sk_sortbuf_init(&sb, &ks, 0);
		sk_sortbuf_init(&held, &ks, sizeof(size_t));
		CHECK(sk_sortbuf_reserve(&sb, 1000, &err) == 0 && sb.rec == NULL);
		for (size_t p = 0; p < 4; p++) {
			const size_t *list, *hl;
			for (size_t i = 0; i < sizes[p]; i++) {
				unsigned char *slot = h, *hs;
				mkhdr(h, (int)((i * 7919 + p * 13) % 97), (int)i, (int)p, 0);
				CHECK(sk_sortbuf_add(&sb, h, &slot, &err) == 0 && sk_sortbuf_add(&held, h, &hs, &err) == 0);
				slot_ok &= slot == NULL;
				memcpy(hs, &i, sizeof i);
			}
			CHECK(sk_sortbuf_sort(&sb, &err) == 0 && sk_sortbuf_sort(&held, &err) == 0);
			list = sk_sortbuf_take(&sb);
			hl = sk_sortbuf_take(&held);
			for (size_t j = 0; j < sizes[p]; j++) {
				size_t want;
				memcpy(&want, held.rec + hl[j] * sizeof(size_t), sizeof want);
				ok &= list[j] == want;
				/* Stable: equal cdp in input order. */
				if (j > 0 && (list[j - 1] * 7919 + p * 13) % 97 == (list[j] * 7919 + p * 13) % 97)
					ok &= list[j - 1] < list[j];
			}
			CHECK(sb.n == 0);
		}
		CHECK(ok && slot_ok && sb.rec == NULL && sb.cap >= 1500);
		sk_sortbuf_release(&sb);
		sk_sortbuf_release(&held);
	}
	return test_done();
}
