#include "idmap.h"

#include <stdlib.h>

#include "diag.h"

/* A 64-bit mixer (the finaliser of a well-known 64-bit hash construction,
 * written from its published constants): ids and task numbers are
 * sequential, which plain masking would cluster. */
static size_t slot_of(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

void tr_idmap_init(struct tr_idmap *m)
{
	m->key = NULL;
	m->val = NULL;
	m->used = NULL;
	m->cap = m->n = 0;
}

void tr_idmap_release(struct tr_idmap *m)
{
	free(m->key);
	free(m->val);
	free(m->used);
	tr_idmap_init(m);
}

static size_t find(const struct tr_idmap *m, uint64_t key, int *found)
{
	size_t i = slot_of(key, m->cap);

	while (m->used[i] && m->key[i] != key)
		i = (i + 1) & (m->cap - 1);
	*found = m->used[i];
	return i;
}

static int grow(struct tr_idmap *m)
{
	struct tr_idmap g;
	const size_t cap = m->cap ? m->cap * 2 : 64;

	g.key = malloc(cap * sizeof *g.key);
	g.val = malloc(cap * sizeof *g.val);
	g.used = calloc(cap, 1);
	g.cap = cap;
	g.n = m->n;
	if (!g.key || !g.val || !g.used) {
		free(g.key);
		free(g.val);
		free(g.used);
		return SK_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->used[i]) {
			int found;
			const size_t j = find(&g, m->key[i], &found);
			g.used[j] = 1;
			g.key[j] = m->key[i];
			g.val[j] = m->val[i];
		}
	free(m->key);
	free(m->val);
	free(m->used);
	*m = g;
	return 0;
}

int tr_idmap_put(struct tr_idmap *m, uint64_t key, long val)
{
	size_t i;
	int found;

	/* At most half full: probes stay short. */
	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return SK_ENOMEM;
	i = find(m, key, &found);
	if (!found) {
		m->used[i] = 1;
		m->key[i] = key;
		m->n++;
	}
	m->val[i] = val;
	return 0;
}

int tr_idmap_get(const struct tr_idmap *m, uint64_t key, long *out)
{
	size_t i;
	int found;

	if (m->n == 0)
		return 0;
	i = find(m, key, &found);
	if (found)
		*out = m->val[i];
	return found;
}

int tr_idmap_del(struct tr_idmap *m, uint64_t key)
{
	const size_t mask = m->cap - 1;
	size_t i, j;
	int found;

	if (m->n == 0)
		return 0;
	i = find(m, key, &found);
	if (!found)
		return 0;
	/* Backward shift: move up every later key of the run that may sit
	 * in the hole, so that lookups never need a tombstone. */
	for (j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		const size_t home = slot_of(m->key[j], m->cap);
		/* The key at j may move to i when i lies cyclically in
		 * [home, j). */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->key[i] = m->key[j];
			m->val[i] = m->val[j];
			i = j;
		}
	}
	m->used[i] = 0;
	m->n--;
	return 1;
}
