#include "expr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op {
	OP_NUM, OP_KEY, OP_INDEX,
	OP_NEG, OP_NOT, OP_ABS, OP_FLOOR, OP_CEIL, OP_ROUND, OP_SQRT,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_MIN, OP_MAX,
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_AND, OP_OR
};

/* A tree in an array: a and b index the operands (unary operators use a). */
struct node {
	unsigned char op;
	int a, b;
	size_t col;          /* 1-based column, for evaluation errors */
	double v;            /* OP_NUM */
	struct sk_key key;   /* OP_KEY */
};

struct sk_expr {
	struct node *n;
	int len, cap, root;
};

struct parser {
	const char *src;
	const char *p;       /* the next character */
	size_t hdrlen;
	int depth;
	struct sk_expr *e;
	struct sk_error *err;
	size_t *col;
};

static const struct {
	const char *name;
	unsigned char op;
	int nargs;           /* 1, or 2 for "two or more" */
} funcs[] = {
	{"abs", OP_ABS, 1}, {"ceil", OP_CEIL, 1}, {"floor", OP_FLOOR, 1}, {"max", OP_MAX, 2},
	{"min", OP_MIN, 2}, {"round", OP_ROUND, 1}, {"sqrt", OP_SQRT, 1},
};

static size_t column(const struct parser *ps, const char *at)
{
	return (size_t)(at - ps->src) + 1;
}

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ps->col)
		*ps->col = column(ps, at);
	return sk_error_set(ps->err, SK_EARG, "column %zu: %s", column(ps, at), msg);
}

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* What the parser found at p, for messages: the token, or "the end". */
static void describe(const char *p, char *buf, size_t size)
{
	size_t n = 0;

	if (*p == '\0') {
		snprintf(buf, size, "the end");
		return;
	}
	if (is_ident((unsigned char)*p) || *p == '@' || *p == '.')
		while (n < 24 && p[n] && (is_ident((unsigned char)p[n]) || p[n] == '@' || p[n] == ':' || p[n] == '.'))
			n++;
	else if (strchr("<>=!&|", *p) && p[1] && strchr("=&|", p[1]))
		n = 2;
	else
		n = 1;
	if (isprint((unsigned char)*p))
		snprintf(buf, size, "'%.*s'", (int)n, p);
	else
		snprintf(buf, size, "byte 0x%02x", (unsigned)(unsigned char)*p);
}

static int add(struct parser *ps, unsigned char op, int a, int b, const char *at)
{
	struct sk_expr *e = ps->e;
	struct node *nd;

	if (e->len == e->cap) {
		const int cap = e->cap ? 2 * e->cap : 16;
		struct node *n = realloc(e->n, (size_t)cap * sizeof *n);
		if (!n)
			return sk_error_set(ps->err, SK_ENOMEM, "out of memory");
		e->n = n;
		e->cap = cap;
	}
	if (e->len >= SK_EXPR_MAX_NODES)
		return fail(ps, at, "more than %d operands and operators", SK_EXPR_MAX_NODES);
	nd = &e->n[e->len];
	memset(nd, 0, sizeof *nd);
	nd->op = op;
	nd->a = a;
	nd->b = b;
	nd->col = column(ps, at);
	return e->len++;
}

static int parse_or(struct parser *ps);

static int parse_number(struct parser *ps)
{
	const char *s = ps->p, *q = s;
	char buf[64];
	char *end;
	double v;
	int k;

	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '.')
		for (q++; isdigit((unsigned char)*q);)
			q++;
	if (q == s + 1 && *s == '.')
		return fail(ps, s, "expected a digit after '.'");
	if (*q == 'e' || *q == 'E') {
		const char *x = q + 1;
		if (*x == '+' || *x == '-')
			x++;
		if (!isdigit((unsigned char)*x))
			return fail(ps, q, "invalid number '%.*s'", (int)(x - s), s);
		while (isdigit((unsigned char)*x))
			x++;
		q = x;
	}
	if (is_ident((unsigned char)*q) || *q == '.')
		return fail(ps, s, "invalid number '%.*s'", (int)(q - s + 1), s);
	if ((size_t)(q - s) >= sizeof buf)
		return fail(ps, s, "number too long");
	/* strtod on a copy of exactly the scanned digits: it accepts more
	 * (hex, inf, nan) than the grammar does. */
	memcpy(buf, s, (size_t)(q - s));
	buf[q - s] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v))
		return fail(ps, s, "number '%s' out of range", buf);
	if ((k = add(ps, OP_NUM, -1, -1, s)) < 0)
		return k;
	ps->e->n[k].v = v;
	ps->p = q;
	return k;
}

static int parse_key(struct parser *ps, const char *s, size_t len)
{
	struct sk_key key;
	struct sk_error e;
	char buf[64];
	int k;

	if (len >= sizeof buf)
		return fail(ps, s, "unknown header key '%.*s...'", 20, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sk_key_parse(buf, ps->hdrlen, &key, &e) < 0)
		return fail(ps, s, "%s", e.msg);
	if ((k = add(ps, OP_KEY, -1, -1, s)) < 0)
		return k;
	ps->e->n[k].key = key;
	return k;
}

static int parse_call(struct parser *ps, const char *name, size_t len)
{
	size_t f;
	int acc = -1, nargs = 0;

	for (f = 0; f < sizeof funcs / sizeof funcs[0]; f++)
		if (strlen(funcs[f].name) == len && strncmp(funcs[f].name, name, len) == 0)
			break;
	if (f == sizeof funcs / sizeof funcs[0])
		return fail(ps, name, "unknown function '%.*s' (abs ceil floor max min round sqrt)", (int)len, name);
	ps->p++;    /* '(' */
	skip_space(ps);
	if (*ps->p != ')')
		for (;;) {
			const int a = parse_or(ps);
			if (a < 0)
				return a;
			nargs++;
			if (acc < 0)
				acc = a;
			else if (funcs[f].nargs == 2 && (acc = add(ps, funcs[f].op, acc, a, name)) < 0)
				return acc;
			skip_space(ps);
			if (*ps->p != ',')
				break;
			ps->p++;
		}
	if (*ps->p != ')') {
		char what[40];
		describe(ps->p, what, sizeof what);
		return fail(ps, ps->p, "expected ',' or ')' but found %s", what);
	}
	ps->p++;
	if (funcs[f].nargs == 1 && nargs != 1)
		return fail(ps, name, "%s takes 1 argument, not %d", funcs[f].name, nargs);
	if (funcs[f].nargs == 2 && nargs < 2)
		return fail(ps, name, "%s takes 2 or more arguments, not %d", funcs[f].name, nargs);
	return funcs[f].nargs == 1 ? add(ps, funcs[f].op, acc, -1, name) : acc;
}

static int parse_primary(struct parser *ps)
{
	const char *s;

	skip_space(ps);
	s = ps->p;
	if (isdigit((unsigned char)*s) || *s == '.')
		return parse_number(ps);
	if (*s == '(') {
		int k;
		ps->p++;
		if ((k = parse_or(ps)) < 0)
			return k;
		skip_space(ps);
		if (*ps->p != ')') {
			char what[40];
			describe(ps->p, what, sizeof what);
			return fail(ps, ps->p, "expected ')' to close the '(' at column %zu but found %s",
				    column(ps, s), what);
		}
		ps->p++;
		return k;
	}
	if (*s == '@') {
		const char *q = s + 1;
		while (is_ident((unsigned char)*q) || *q == ':')
			q++;
		ps->p = q;
		return parse_key(ps, s, (size_t)(q - s));
	}
	if (isalpha((unsigned char)*s) || *s == '_') {
		const char *q = s;
		size_t len;
		while (is_ident((unsigned char)*q))
			q++;
		len = (size_t)(q - s);
		ps->p = q;
		skip_space(ps);
		if (*ps->p == '(')
			return parse_call(ps, s, len);
		ps->p = q;
		if (len == 1 && *s == 'i')
			return add(ps, OP_INDEX, -1, -1, s);
		return parse_key(ps, s, len);
	}
	{
		char what[40];
		describe(s, what, sizeof what);
		return fail(ps, s, "expected a number, a key, a function or '(' but found %s", what);
	}
}

static int parse_unary(struct parser *ps)
{
	const char *s;
	int k;

	skip_space(ps);
	s = ps->p;
	if (*s != '-' && *s != '+' && !(*s == '!' && s[1] != '='))
		return parse_primary(ps);
	if (++ps->depth > SK_EXPR_MAX_DEPTH)
		return fail(ps, s, "nested more than %d levels deep", SK_EXPR_MAX_DEPTH);
	ps->p++;
	if ((k = parse_unary(ps)) < 0)
		return k;
	ps->depth--;
	if (*s == '+')
		return k;
	return add(ps, *s == '-' ? OP_NEG : OP_NOT, k, -1, s);
}

/* The binary operator at p, its length and its level (1 ||, 2 &&, 3 == !=,
 * 4 < <= > >=, 5 + -, 6 * / %), or level 0 for none. */
static int binop(const char *p, unsigned char *op, int *len)
{
	static const struct {
		char s[3];
		unsigned char op;
		int level;
	} ops[] = {
		{"||", OP_OR, 1}, {"&&", OP_AND, 2}, {"==", OP_EQ, 3}, {"!=", OP_NE, 3},
		{"<=", OP_LE, 4}, {">=", OP_GE, 4}, {"<", OP_LT, 4}, {">", OP_GT, 4},
		{"+", OP_ADD, 5}, {"-", OP_SUB, 5}, {"*", OP_MUL, 6}, {"/", OP_DIV, 6}, {"%", OP_MOD, 6},
	};

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		const size_t n = strlen(ops[i].s);
		if (strncmp(p, ops[i].s, n) == 0) {
			*op = ops[i].op;
			*len = (int)n;
			return ops[i].level;
		}
	}
	return 0;
}

/* Precedence climbing over the binary levels, all left-associative. */
static int parse_level(struct parser *ps, int level)
{
	int lhs;

	if (level > 6)
		return parse_unary(ps);
	if ((lhs = parse_level(ps, level + 1)) < 0)
		return lhs;
	for (;;) {
		unsigned char op = 0;
		int len = 0, rhs;
		const char *at;

		skip_space(ps);
		at = ps->p;
		if (binop(at, &op, &len) != level)
			return lhs;
		ps->p += len;
		if ((rhs = parse_level(ps, level + 1)) < 0)
			return rhs;
		if ((lhs = add(ps, op, lhs, rhs, at)) < 0)
			return lhs;
	}
}

static int parse_or(struct parser *ps)
{
	int k;

	if (++ps->depth > SK_EXPR_MAX_DEPTH)
		return fail(ps, ps->p, "nested more than %d levels deep", SK_EXPR_MAX_DEPTH);
	k = parse_level(ps, 1);
	ps->depth--;
	return k;
}

static int parse_all(struct parser *ps)
{
	const int k = parse_or(ps);

	if (k < 0)
		return k;
	skip_space(ps);
	if (*ps->p != '\0') {
		char what[40];
		describe(ps->p, what, sizeof what);
		if (*ps->p == '=')
			return fail(ps, ps->p, "'=' assigns only at the start; '==' compares");
		return fail(ps, ps->p, "expected an operator but found %s", what);
	}
	ps->e->root = k;
	return 0;
}

static int start(struct parser *ps, const char *src, size_t hdrlen, size_t *col, struct sk_error *err)
{
	memset(ps, 0, sizeof *ps);
	ps->src = ps->p = src;
	ps->hdrlen = hdrlen;
	ps->err = err;
	ps->col = col;
	if (col)
		*col = 0;
	if (!(ps->e = calloc(1, sizeof *ps->e)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

int sk_expr_parse(const char *src, size_t hdrlen, struct sk_expr **out, size_t *col,
		  struct sk_error *err)
{
	struct parser ps;
	int rc;

	*out = NULL;
	if ((rc = start(&ps, src, hdrlen, col, err)) < 0)
		return rc;
	if ((rc = parse_all(&ps)) < 0) {
		sk_expr_free(ps.e);
		return rc;
	}
	*out = ps.e;
	return 0;
}

int sk_expr_parse_assign(const char *src, size_t hdrlen, struct sk_key *target, struct sk_expr **out,
			 size_t *col, struct sk_error *err)
{
	struct parser ps;
	const char *s, *q;
	int rc, k;

	*out = NULL;
	if ((rc = start(&ps, src, hdrlen, col, err)) < 0)
		return rc;
	skip_space(&ps);
	s = q = ps.p;
	if (*q == '@') {
		for (q++; is_ident((unsigned char)*q) || *q == ':';)
			q++;
	} else if (isalpha((unsigned char)*q) || *q == '_') {
		while (is_ident((unsigned char)*q))
			q++;
	} else {
		char what[40];
		describe(s, what, sizeof what);
		rc = fail(&ps, s, "expected a header key to assign to but found %s", what);
		goto out;
	}
	if (q - s == 1 && *s == 'i') {
		rc = fail(&ps, s, "i is the trace index; it cannot be assigned");
		goto out;
	}
	ps.p = q;
	if ((k = parse_key(&ps, s, (size_t)(q - s))) < 0) {
		rc = k;
		goto out;
	}
	*target = ps.e->n[k].key;
	ps.e->len = 0;
	skip_space(&ps);
	if (*ps.p != '=' || ps.p[1] == '=') {
		char what[40];
		describe(ps.p, what, sizeof what);
		rc = fail(&ps, ps.p, "expected '=' after '%.*s' but found %s", (int)(q - s), s, what);
		goto out;
	}
	ps.p++;
	rc = parse_all(&ps);
out:
	if (rc < 0) {
		sk_expr_free(ps.e);
		return rc;
	}
	*out = ps.e;
	return 0;
}

static int eval(const struct sk_expr *e, int k, const unsigned char *hdr, int64_t i, double *out,
		struct sk_error *err)
{
	const struct node *nd = &e->n[k];
	double a, b;
	int rc;

	switch (nd->op) {
	case OP_NUM:
		*out = nd->v;
		return 0;
	case OP_KEY:
		*out = sk_key_value(hdr, &nd->key);
		return 0;
	case OP_INDEX:
		*out = (double)i;
		return 0;
	default:
		break;
	}
	if ((rc = eval(e, nd->a, hdr, i, &a, err)) < 0)
		return rc;
	switch (nd->op) {
	case OP_NEG: *out = -a; return 0;
	case OP_NOT: *out = a == 0; return 0;
	case OP_ABS: *out = fabs(a); return 0;
	case OP_FLOOR: *out = floor(a); return 0;
	case OP_CEIL: *out = ceil(a); return 0;
	case OP_ROUND: *out = round(a); return 0;
	case OP_SQRT:
		if (a < 0)
			return sk_error_set(err, SK_EFMT, "square root of %.17g at column %zu", a, nd->col);
		*out = sqrt(a);
		return 0;
	case OP_AND:
		if (a == 0) {
			*out = 0;
			return 0;
		}
		break;
	case OP_OR:
		if (a != 0) {
			*out = 1;
			return 0;
		}
		break;
	default:
		break;
	}
	if ((rc = eval(e, nd->b, hdr, i, &b, err)) < 0)
		return rc;
	switch (nd->op) {
	case OP_ADD: *out = a + b; break;
	case OP_SUB: *out = a - b; break;
	case OP_MUL: *out = a * b; break;
	case OP_DIV:
	case OP_MOD:
		if (b == 0)
			return sk_error_set(err, SK_EFMT, "division by zero at column %zu", nd->col);
		*out = nd->op == OP_DIV ? a / b : fmod(a, b);
		break;
	case OP_MIN: *out = b < a ? b : a; break;
	case OP_MAX: *out = b > a ? b : a; break;
	case OP_LT: *out = a < b; break;
	case OP_LE: *out = a <= b; break;
	case OP_GT: *out = a > b; break;
	case OP_GE: *out = a >= b; break;
	case OP_EQ: *out = a == b; break;
	case OP_NE: *out = a != b; break;
	case OP_AND:
	case OP_OR: *out = b != 0; break;
	default: *out = 0; break;
	}
	return 0;
}

int sk_expr_eval(const struct sk_expr *e, const unsigned char *hdr, int64_t i, double *out,
		 struct sk_error *err)
{
	return eval(e, e->root, hdr, i, out, err);
}

size_t sk_expr_hdr_end(const struct sk_expr *e)
{
	size_t end = 0;

	for (int k = 0; k < e->len; k++)
		if (e->n[k].op == OP_KEY) {
			const struct sk_key *key = &e->n[k].key;
			size_t x = key->byte - 1u + (size_t)sk_type_size(key->type);
			if (key->scalar && (size_t)key->scalar + 1 > x)
				x = (size_t)key->scalar + 1;
			if (x > end)
				end = x;
		}
	return end;
}

const struct sk_key *sk_expr_next_key(const struct sk_expr *e, size_t *pos)
{
	while (*pos < (size_t)e->len)
		if (e->n[(*pos)++].op == OP_KEY)
			return &e->n[*pos - 1].key;
	return NULL;
}

void sk_expr_free(struct sk_expr *e)
{
	if (!e)
		return;
	free(e->n);
	free(e);
}
