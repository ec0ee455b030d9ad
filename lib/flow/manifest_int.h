/*
 * manifest_int.h: what manifest.c and manifest_read.c share; for those
 * files alone.
 */
#ifndef SK_MANIFEST_INT_H
#define SK_MANIFEST_INT_H

/* A malloc'd copy of s, or NULL when s is NULL or out of memory. */
char *sk_manifest_dupstr(const char *s);
/* Frees what piece p holds. */
struct sk_mpiece;
void sk_manifest_piece_release(struct sk_mpiece *p);

#endif
