/* libFuzzer harness of segedit's expression parser and evaluator, and of
 * storing values in headers.  The input up to its first NUL byte is parsed
 * as an expression and as an assignment; the bytes after the NUL fill a
 * 480-byte header block on which what parsed is evaluated, and an assigned
 * value is stored as segedit stores it (sk_edit_store), in SEG-Y and SU
 * mode.  Checks the contract beyond "no crash": a failed parse names a
 * column inside the text (or one past its end) and returns SK_EARG; an
 * evaluation fails only with SK_EFMT; a stored value reads back within the
 * scalar's resolution. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parse(int rc, size_t col, size_t len, const struct sk_error *err)
{
	if (rc == 0)
		return;
	if (rc == SK_ENOMEM)
		return;
	if (rc != SK_EARG || col < 1 || col > len + 1 || strncmp(err->msg, "column ", 7) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	const size_t len = nul ? (size_t)(nul - data) : size;
	unsigned char hdr[480];
	char *src = malloc(len + 1);
	struct sk_expr *e = NULL;
	struct sk_key key;
	struct sk_error err;
	size_t col = 0, rest;
	double v;
	int rc;

	if (!src)
		return 0;
	memcpy(src, data, len);
	src[len] = '\0';
	/* The header: the bytes after the NUL, repeated; zeros without. */
	memset(hdr, 0, sizeof hdr);
	rest = nul ? size - len - 1 : 0;
	for (size_t k = 0; rest && k < sizeof hdr; k++)
		hdr[k] = nul[1 + k % rest];

	rc = sk_expr_parse(src, sizeof hdr, &e, &col, &err);
	check_parse(rc, col, len, &err);
	if (rc == 0) {
		if (sk_expr_hdr_end(e) > sizeof hdr)
			abort();
		rc = sk_expr_eval(e, hdr, (int64_t)size, &v, &err);
		if (rc != 0 && rc != SK_EFMT)
			abort();
		sk_expr_free(e);
	}
	rc = sk_expr_parse_assign(src, sizeof hdr, &key, &e, &col, &err);
	check_parse(rc, col, len, &err);
	if (rc == 0) {
		rc = sk_expr_eval(e, hdr, 7, &v, &err);
		if (rc != 0 && rc != SK_EFMT)
			abort();
		for (int su = 0; rc == 0 && su < 2; su++) {
			const int st = sk_edit_store(hdr, sizeof hdr, &key, v, su, &err);
			if (st != 0 && st != SK_EFMT)
				abort();
			/* An integer key without a scalar reads back exactly. */
			if (st == 0 && !key.scalar && key.type <= SK_T_I4 && sk_key_value(hdr, &key) != nearbyint(v))
				abort();
		}
		sk_expr_free(e);
	}
	free(src);
	return 0;
}
