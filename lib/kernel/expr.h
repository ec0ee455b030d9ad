/*
 * expr: arithmetic expressions over trace header keys, for segedit.
 *
 *   offset = gx - sx
 *   cdp = round((sx + gx) / 2 / 0.5)
 *   fldr % 2 == 1 && abs(offset) < 500
 *
 * Operands: numbers (123, 0.5, 1e-3), header keys (any name of the key table
 * in hdr.h, or @BYTE:TYPE), read with their scalars applied (coordinates in
 * metres or feet, times in ms), and i, the trace's 0-based index in the
 * stream.  Operators, from the lowest precedence up, all left-associative:
 * ||, &&, == !=, < <= > >=, + -, * / %, and the unary - + !.  Functions: abs,
 * floor, ceil, round (half away from zero), sqrt of one argument, min and max
 * of two or more.  Comparisons, && (short-circuit), || (short-circuit) and !
 * give 1 or 0; any nonzero value is true.  % is the remainder of C's fmod
 * (the sign of the dividend).  Values are doubles throughout.
 *
 * Pure: no I/O, no globals; a parsed expression may be evaluated from
 * several threads at once.
 */
#ifndef SK_EXPR_H
#define SK_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hdr.h"

/* Nesting deeper than this (parentheses, unary operators, arguments) is a
 * syntax error, so evaluation's recursion stays bounded. */
#define SK_EXPR_MAX_DEPTH 200
/* So is an expression of more operands and operators than this. */
#define SK_EXPR_MAX_NODES 10000

struct sk_expr;

/*
 * Parses the expression src.  hdrlen bounds @BYTE keys (0: any position up
 * to 240 x 16; check sk_expr_hdr_end against the stream's).  On failure
 * returns SK_EARG (syntax errors, unknown keys and functions, wrong argument
 * counts) or SK_ENOMEM, with the message "column C: ..." and *col (may be
 * NULL) set to C, the 1-based column of the offending character (one past
 * the end for a missing operand).
 */
int sk_expr_parse(const char *src, size_t hdrlen, struct sk_expr **out, size_t *col,
		  struct sk_error *err);
/* Parses an assignment "KEY = EXPR": the key into *target, the right-hand
 * side into *out.  Errors as sk_expr_parse. */
int sk_expr_parse_assign(const char *src, size_t hdrlen, struct sk_key *target, struct sk_expr **out,
			 size_t *col, struct sk_error *err);

/*
 * Evaluates e on the canonical (big-endian) header block hdr, at least
 * sk_expr_hdr_end(e) bytes long, of the trace with 0-based index i.
 * SK_EFMT for a division or remainder by zero ("division by zero at column
 * C") and the square root of a negative number; the message does not name
 * the trace (the caller knows it).
 */
int sk_expr_eval(const struct sk_expr *e, const unsigned char *hdr, int64_t i, double *out,
		 struct sk_error *err);
/* One past the last header byte e reads (0 when it reads none). */
size_t sk_expr_hdr_end(const struct sk_expr *e);
/* The keys e reads, one per call: the next from *pos (start at 0), or NULL
 * after the last. */
const struct sk_key *sk_expr_next_key(const struct sk_expr *e, size_t *pos);
void sk_expr_free(struct sk_expr *e);

#endif
