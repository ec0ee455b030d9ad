#include "cfg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "file.h"

struct sk_cfg {
	int kind;
	int line, column;
	char *str;                 /* scalar text */
	char **keys;               /* map keys */
	int *kpos;                 /* map keys: line, column pairs */
	struct sk_cfg **items;     /* map values or sequence items */
	size_t n, cap;
};

void sk_cfg_free(struct sk_cfg *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		sk_cfg_free(n->items[i]);
	}
	free(n->keys);
	free(n->kpos);
	free(n->items);
	free(n->str);
	free(n);
}

static struct sk_cfg *node(int kind, const yaml_mark_t *m)
{
	struct sk_cfg *n = calloc(1, sizeof *n);
	if (n) {
		n->kind = kind;
		n->line = (int)m->line + 1;
		n->column = (int)m->column + 1;
	}
	return n;
}

static int add(struct sk_cfg *p, char *key, const yaml_mark_t *kmark, struct sk_cfg *child)
{
	if (p->n == p->cap) {
		const size_t cap = p->cap ? 2 * p->cap : 8;
		struct sk_cfg **it = realloc(p->items, cap * sizeof *it);
		if (!it)
			return -1;
		p->items = it;
		if (p->kind == SK_CFG_MAP) {
			char **k = realloc(p->keys, cap * sizeof *k);
			int *kp;
			if (!k)
				return -1;
			p->keys = k;
			if (!(kp = realloc(p->kpos, 2 * cap * sizeof *kp)))
				return -1;
			p->kpos = kp;
		}
		p->cap = cap;
	}
	if (p->kind == SK_CFG_MAP) {
		p->keys[p->n] = key;
		p->kpos[2 * p->n] = (int)kmark->line + 1;
		p->kpos[2 * p->n + 1] = (int)kmark->column + 1;
	}
	p->items[p->n++] = child;
	return 0;
}

/* Builds the node that starts with event ev (already taken). */
static int build(yaml_parser_t *ps, yaml_event_t *ev, struct sk_cfg **out, struct sk_error *err, int depth)
{
	struct sk_cfg *n;
	yaml_event_t e;

	if (depth > 64)
		return sk_error_set(err, SK_EARG, "line %zu, column %zu: nesting too deep",
				    ev->start_mark.line + 1, ev->start_mark.column + 1);
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (!(n = node(SK_CFG_SCALAR, &ev->start_mark)) ||
		    !(n->str = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length))) {
			sk_cfg_free(n);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		*out = n;
		return 0;
	case YAML_ALIAS_EVENT:
		return sk_error_set(err, SK_EARG, "line %zu, column %zu: aliases are not supported",
				    ev->start_mark.line + 1, ev->start_mark.column + 1);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		break;
	default:
		return sk_error_set(err, SK_EARG, "line %zu, column %zu: unexpected YAML event",
				    ev->start_mark.line + 1, ev->start_mark.column + 1);
	}
	{
		const int map = ev->type == YAML_MAPPING_START_EVENT;
		if (!(n = node(map ? SK_CFG_MAP : SK_CFG_SEQ, &ev->start_mark)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		for (;;) {
			struct sk_cfg *child = NULL;
			char *key = NULL;
			yaml_mark_t kmark = {0, 0, 0};
			int rc;

			if (!yaml_parser_parse(ps, &e))
				goto syntax;
			if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&e);
				break;
			}
			if (map) {
				if (e.type != YAML_SCALAR_EVENT) {
					rc = sk_error_set(err, SK_EARG, "line %zu, column %zu: a map key must be a plain value",
							  e.start_mark.line + 1, e.start_mark.column + 1);
					yaml_event_delete(&e);
					sk_cfg_free(n);
					return rc;
				}
				key = strndup((const char *)e.data.scalar.value, e.data.scalar.length);
				kmark = e.start_mark;
				yaml_event_delete(&e);
				if (!yaml_parser_parse(ps, &e)) {
					free(key);
					goto syntax;
				}
			}
			rc = build(ps, &e, &child, err, depth + 1);
			yaml_event_delete(&e);
			if (rc < 0 || add(n, key, &kmark, child) < 0) {
				free(key);
				sk_cfg_free(child);
				sk_cfg_free(n);
				return rc < 0 ? rc : sk_error_set(err, SK_ENOMEM, "out of memory");
			}
		}
		*out = n;
		return 0;
	}
syntax:
	sk_cfg_free(n);
	return sk_error_set(err, SK_EARG, "line %zu, column %zu: %s", ps->problem_mark.line + 1,
			    ps->problem_mark.column + 1, ps->problem ? ps->problem : "syntax error");
}

int sk_cfg_parse(const char *text, size_t len, struct sk_cfg **out, struct sk_error *err)
{
	yaml_parser_t ps;
	yaml_event_t e;
	struct sk_cfg *root = NULL;
	int rc = 0;

	*out = NULL;
	if (!yaml_parser_initialize(&ps))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&ps, &e)) {
			rc = sk_error_set(err, SK_EARG, "line %zu, column %zu: %s", ps.problem_mark.line + 1,
					  ps.problem_mark.column + 1, ps.problem ? ps.problem : "syntax error");
			break;
		}
		if (e.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if ((e.type == YAML_SCALAR_EVENT || e.type == YAML_SEQUENCE_START_EVENT ||
		     e.type == YAML_MAPPING_START_EVENT) && !root) {
			rc = build(&ps, &e, &root, err, 0);
			yaml_event_delete(&e);
			if (rc < 0)
				break;
			continue;
		}
		if (e.type == YAML_DOCUMENT_START_EVENT && root) {
			rc = sk_error_set(err, SK_EARG, "line %zu, column %zu: only one YAML document is allowed",
					  e.start_mark.line + 1, e.start_mark.column + 1);
			yaml_event_delete(&e);
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&ps);
	if (rc < 0) {
		sk_cfg_free(root);
		return rc;
	}
	if (!root) {
		const yaml_mark_t m = {0, 0, 0};
		if (!(root = node(SK_CFG_MAP, &m)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	*out = root;
	return 0;
}

static int load(const char *path, struct sk_cfg **out, struct sk_error *err);

int sk_cfg_load(const char *path, struct sk_cfg **out, struct sk_error *err)
{
	return sk_error_at(err, load(path, out, err), path);
}

static int load(const char *path, struct sk_cfg **out, struct sk_error *err)
{
	char *buf;
	size_t len, at;
	int rc;

	*out = NULL;
	if ((rc = sk_file_read_all(path, &buf, &len, err)) < 0)
		return rc;
	if ((at = sk_file_binary_at(buf, len)) < len) {
		rc = sk_error_set(err, SK_EFMT, "binary data, not YAML text (byte %zu is 0x%02x)", at + 1,
				  (unsigned char)buf[at]);
		free(buf);
		return rc;
	}
	rc = sk_cfg_parse(buf, len, out, err);
	free(buf);
	return rc;
}

int sk_cfg_kind(const struct sk_cfg *n) { return n->kind; }
int sk_cfg_line(const struct sk_cfg *n) { return n->line; }
int sk_cfg_column(const struct sk_cfg *n) { return n->column; }
size_t sk_cfg_len(const struct sk_cfg *n) { return n->kind == SK_CFG_SCALAR ? 0 : n->n; }
const char *sk_cfg_str(const struct sk_cfg *n) { return n && n->kind == SK_CFG_SCALAR ? n->str : NULL; }

const struct sk_cfg *sk_cfg_get(const struct sk_cfg *map, const char *key)
{
	if (!map || map->kind != SK_CFG_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

const struct sk_cfg *sk_cfg_at(const struct sk_cfg *n, size_t i)
{
	return n && n->kind != SK_CFG_SCALAR && i < n->n ? n->items[i] : NULL;
}

void sk_cfg_key_pos(const struct sk_cfg *map, size_t i, int *line, int *column)
{
	*line = map->kpos[2 * i];
	*column = map->kpos[2 * i + 1];
}

const char *sk_cfg_key_at(const struct sk_cfg *map, size_t i)
{
	return map && map->kind == SK_CFG_MAP && i < map->n ? map->keys[i] : NULL;
}

int sk_cfg_long(const struct sk_cfg *n, const char *what, long *out, struct sk_error *err)
{
	char *end;
	long v;

	if (n->kind != SK_CFG_SCALAR)
		return sk_error_set(err, SK_EARG, "line %d, column %d: %s: expected an integer, got a %s", n->line,
				    n->column, what, n->kind == SK_CFG_MAP ? "map" : "list");
	errno = 0;
	v = strtol(n->str, &end, 10);
	if (end == n->str || *end || errno)
		return sk_error_set(err, SK_EARG, "line %d, column %d: %s: expected an integer, got '%s'", n->line,
				    n->column, what, n->str);
	*out = v;
	return 0;
}

int sk_cfg_double(const struct sk_cfg *n, const char *what, double *out, struct sk_error *err)
{
	char *end;
	double v;

	if (n->kind != SK_CFG_SCALAR)
		return sk_error_set(err, SK_EARG, "line %d, column %d: %s: expected a number, got a %s", n->line,
				    n->column, what, n->kind == SK_CFG_MAP ? "map" : "list");
	errno = 0;
	v = strtod(n->str, &end);
	if (end == n->str || *end || errno || !isfinite(v))
		return sk_error_set(err, SK_EARG, "line %d, column %d: %s: expected a number, got '%s'", n->line,
				    n->column, what, n->str);
	*out = v;
	return 0;
}

int sk_cfg_write_str(FILE *fp, const char *s)
{
	if (fputc('"', fp) == EOF)
		return -1;
	for (; *s; s++) {
		const unsigned char c = (unsigned char)*s;
		int r;
		if (c == '"' || c == '\\')
			r = fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			r = fprintf(fp, "\\x%02x", c);
		else
			r = fputc(c, fp) == EOF ? -1 : 1;
		if (r < 0)
			return -1;
	}
	return fputc('"', fp) == EOF ? -1 : 0;
}
