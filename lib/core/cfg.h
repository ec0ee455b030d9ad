/*
 * cfg: YAML files (manifests, job files, grid and model files) through
 * libyaml, the only module that includes <yaml.h>.  A file is loaded into a
 * small tree of maps, sequences and scalars that keeps each node's line and
 * column, so callers can say where a bad value is.
 */
#ifndef SK_CFG_H
#define SK_CFG_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

enum sk_cfg_kind { SK_CFG_SCALAR, SK_CFG_MAP, SK_CFG_SEQ };

struct sk_cfg;

/* Loads a YAML document.  Syntax errors: SK_EARG, "line L, column C: what"
 * (1-based).  A missing file: SK_EIO.  A file that is not text (a byte no
 * YAML holds: a control other than tab, CR and LF, or DEL; a SEG-Y, SU or
 * sgk file given for a YAML one): SK_EFMT, "binary data, not YAML text
 * (byte N is 0xHH)", N from 1 (sk_not_text, stream.h, names a trace format).  Errors name path (sk_error_at).  An
 * empty document gives an empty map. */
int sk_cfg_load(const char *path, struct sk_cfg **out, struct sk_error *err);
/* The same from memory (len bytes). */
int sk_cfg_parse(const char *text, size_t len, struct sk_cfg **out, struct sk_error *err);
void sk_cfg_free(struct sk_cfg *root);

int sk_cfg_kind(const struct sk_cfg *n);
int sk_cfg_line(const struct sk_cfg *n);   /* 1-based */
int sk_cfg_column(const struct sk_cfg *n); /* 1-based */
/* Maps: the value of key, or NULL.  Maps and sequences: the number of
 * entries, the i-th value, and for maps the i-th key. */
const struct sk_cfg *sk_cfg_get(const struct sk_cfg *map, const char *key);
size_t sk_cfg_len(const struct sk_cfg *n);
const struct sk_cfg *sk_cfg_at(const struct sk_cfg *n, size_t i);
const char *sk_cfg_key_at(const struct sk_cfg *map, size_t i);
/* Where the i-th key of a map is written (1-based line and column). */
void sk_cfg_key_pos(const struct sk_cfg *map, size_t i, int *line, int *column);
/* Scalars: the text (NULL for a map or sequence). */
const char *sk_cfg_str(const struct sk_cfg *n);
/* Typed scalar reads; a wrong type or range is SK_EARG naming the line and
 * column ("line 4, column 9: count: expected an integer, got 'x'"). */
int sk_cfg_long(const struct sk_cfg *n, const char *what, long *out, struct sk_error *err);
int sk_cfg_double(const struct sk_cfg *n, const char *what, double *out, struct sk_error *err);

/* Writes s as a double-quoted YAML scalar, escaped. */
int sk_cfg_write_str(FILE *fp, const char *s);

#endif
