/*
 * strmap: a hash map from strings (host names) to long values, for what
 * compared every host with every other: the duplicate check of a host file,
 * the re-read of a changed host file against the hosts known, and the host
 * of every journal event in status and report.  Open addressing with linear
 * probing; the map keeps its own copies of the keys.  No removal (hosts are
 * marked removed, never forgotten, while a run lasts).
 */
#ifndef TR_STRMAP_H
#define TR_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct tr_strmap_slot {
	char *key;        /* NULL: empty */
	uint64_t hash;
	long val;
};

struct tr_strmap {
	struct tr_strmap_slot *s;
	size_t cap;       /* 0 or a power of two */
	size_t n;
};

void tr_strmap_init(struct tr_strmap *m);
void tr_strmap_release(struct tr_strmap *m);
/* Sets key's value (replacing any).  Returns 0, or SK_ENOMEM with the map
 * unchanged. */
int tr_strmap_put(struct tr_strmap *m, const char *key, long val);
/* Stores key's value in *out (if out) and returns 1, or returns 0. */
int tr_strmap_get(const struct tr_strmap *m, const char *key, long *out);

#endif
