#include "bitset.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define BIT(i) ((uint64_t)1 << ((i) & 63))

int tr_bitset_init(struct tr_bitset *s, long n)
{
	long words = n > 0 ? (n + 63) / 64 : 1;

	memset(s, 0, sizeof *s);
	s->n = n > 0 ? n : 0;
	/* Levels up to the one with a single word. */
	for (;;) {
		if (s->levels == TR_BITSET_LEVELS || !(s->w[s->levels] = calloc((size_t)words, sizeof(uint64_t)))) {
			tr_bitset_release(s);
			return SK_ENOMEM;
		}
		s->nw[s->levels++] = words;
		if (words == 1)
			break;
		words = (words + 63) / 64;
	}
	return 0;
}

void tr_bitset_release(struct tr_bitset *s)
{
	for (int l = 0; l < TR_BITSET_LEVELS; l++)
		free(s->w[l]);
	memset(s, 0, sizeof *s);
}

int tr_bitset_has(const struct tr_bitset *s, long i)
{
	return i >= 0 && i < s->n && (s->w[0][i >> 6] & BIT(i)) != 0;
}

void tr_bitset_add(struct tr_bitset *s, long i)
{
	if (tr_bitset_has(s, i) || i < 0 || i >= s->n)
		return;
	s->count++;
	for (int l = 0; l < s->levels; l++) {
		const uint64_t was = s->w[l][i >> 6];
		s->w[l][i >> 6] = was | BIT(i);
		if (was != 0)
			break;          /* the levels above know this word already */
		i >>= 6;
	}
}

void tr_bitset_del(struct tr_bitset *s, long i)
{
	if (!tr_bitset_has(s, i))
		return;
	s->count--;
	for (int l = 0; l < s->levels; l++) {
		s->w[l][i >> 6] &= ~BIT(i);
		if (s->w[l][i >> 6] != 0)
			break;          /* the word still has members */
		i >>= 6;
	}
}

long tr_bitset_next(const struct tr_bitset *s, long i)
{
	int l = 0;
	uint64_t word;

	if (i < 0)
		i = 0;
	if (i >= s->n || s->count == 0)
		return -1;
	/* Up: the first level whose word holding i has a member at or after
	 * i; one level up, i is the bit of the next word. */
	for (;;) {
		word = s->w[l][i >> 6] & (~(uint64_t)0 << (i & 63));
		if (word != 0)
			break;
		i = (i >> 6) + 1;
		if (i >= s->nw[l])
			return -1;      /* no word left on this level (the top has one) */
		l++;
	}
	/* Down: the first member under that bit, level by level. */
	i = (i & ~(long)63) + __builtin_ctzll(word);
	while (l-- > 0)
		i = (i << 6) + __builtin_ctzll(s->w[l][i]);
	return i;
}
