#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* FNV-1a (64-bit), then the idmap's mixer so that the low bits, which pick
 * the slot, depend on every byte ("host1" ... "host1000" differ in few). */
static uint64_t hash_of(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void tr_strmap_init(struct tr_strmap *m)
{
	m->s = NULL;
	m->cap = m->n = 0;
}

void tr_strmap_release(struct tr_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->s[i].key);
	free(m->s);
	tr_strmap_init(m);
}

static size_t find(const struct tr_strmap *m, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->s[i].key && (m->s[i].hash != h || strcmp(m->s[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int grow(struct tr_strmap *m)
{
	const size_t cap = m->cap ? m->cap * 2 : 64;
	struct tr_strmap_slot *s = calloc(cap, sizeof *s);
	struct tr_strmap g;

	if (!s)
		return SK_ENOMEM;
	g.s = s;
	g.cap = cap;
	g.n = m->n;
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].key)
			g.s[find(&g, m->s[i].key, m->s[i].hash)] = m->s[i];
	free(m->s);
	*m = g;
	return 0;
}

int tr_strmap_put(struct tr_strmap *m, const char *key, long val)
{
	const uint64_t h = hash_of(key);
	size_t i;
	char *copy;

	/* At most half full. */
	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return SK_ENOMEM;
	i = find(m, key, h);
	if (m->s[i].key) {
		m->s[i].val = val;
		return 0;
	}
	if (!(copy = strdup(key)))
		return SK_ENOMEM;
	m->s[i].key = copy;
	m->s[i].hash = h;
	m->s[i].val = val;
	m->n++;
	return 0;
}

int tr_strmap_get(const struct tr_strmap *m, const char *key, long *out)
{
	size_t i;

	if (m->n == 0)
		return 0;
	i = find(m, key, hash_of(key));
	if (!m->s[i].key)
		return 0;
	if (out)
		*out = m->s[i].val;
	return 1;
}
