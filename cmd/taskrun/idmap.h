/*
 * idmap: a hash map from 64-bit keys to long values, for the controller's
 * lookups that must not cost a scan of every running attempt (an agent's
 * frame names its attempt by id) or of every journal event (a resume pairs
 * each start with the event that ends it).
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), so that a map that sees millions of insertions and removals
 * of a few live keys stays as small and fast as its live keys need.  Any key
 * is allowed, 0 and UINT64_MAX included.
 */
#ifndef TR_IDMAP_H
#define TR_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct tr_idmap {
	uint64_t *key;
	long *val;
	unsigned char *used;
	size_t cap;      /* slots: 0 or a power of two */
	size_t n;        /* live keys */
};

/* An empty map (no memory until the first tr_idmap_put). */
void tr_idmap_init(struct tr_idmap *m);
void tr_idmap_release(struct tr_idmap *m);
/* Sets key's value (replacing any).  Returns 0, or SK_ENOMEM with the map
 * unchanged. */
int tr_idmap_put(struct tr_idmap *m, uint64_t key, long val);
/* Stores key's value in *out and returns 1, or returns 0 when it is absent. */
int tr_idmap_get(const struct tr_idmap *m, uint64_t key, long *out);
/* Removes key; returns 1 if it was there. */
int tr_idmap_del(struct tr_idmap *m, uint64_t key);

#endif
