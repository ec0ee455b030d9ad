#include "hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "par.h"
#include "slurm.h"
#include "stream.h"
#include "strmap.h"

void tr_hostfile_free(struct tr_hostent *h, int n)
{
	if (!h)
		return;
	for (int i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* The entries being parsed, with their names in a map: a duplicate is
 * found without comparing every host with every other. */
struct hlist {
	struct tr_hostent *h;
	int n, cap;
	struct tr_strmap names;
};

/* Appends host name with slots to l; a name already there is an error of
 * line lineno. */
static int add_host(struct hlist *l, const char *name, int slots, int slurm, int lineno, struct sk_error *err)
{
	const int local = !slurm && (strcmp(name, ":") == 0 || strcmp(name, "localhost") == 0);
	struct tr_hostent *e;

	if (tr_strmap_get(&l->names, name, NULL))
		return sk_error_set(err, SK_EARG, "line %d: host '%s' listed twice", lineno, name);
	if (l->n == l->cap) {
		const int cap = l->cap ? 2 * l->cap : 16;
		struct tr_hostent *nh = realloc(l->h, (size_t)cap * sizeof *nh);
		if (!nh)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		l->h = nh;
		l->cap = cap;
	}
	e = &l->h[l->n];
	e->local = local;
	e->slurm = slurm;
	e->slots = slots;
	if (!(e->name = strdup(local ? ":" : name)) || tr_strmap_put(&l->names, e->name, l->n) != 0) {
		free(e->name);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	l->n++;
	return 0;
}

/* The nodes of the Slurm allocation this program runs in. */
static int add_slurm(struct hlist *l, int slots, int lineno, struct sk_error *err)
{
	struct tr_hostent *sh;
	int n, rc;

	if ((rc = tr_slurm_hosts(getenv("SLURM_JOB_NODELIST"), getenv("SLURM_JOB_CPUS_PER_NODE"), slots,
				 &sh, &n, err)) != 0) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "line %d: slurm: %.400s", lineno, err->msg);
		memcpy(err->msg, msg, sizeof msg);
		return rc;
	}
	for (int i = 0; i < n && rc == 0; i++)
		rc = add_host(l, sh[i].name, sh[i].slots, 1, lineno, err);
	tr_hostfile_free(sh, n);
	return rc;
}

int tr_hostfile_parse(const char *what, const char *text, struct tr_hostent **out, int *n,
		      struct sk_error *err)
{
	struct hlist l = {NULL, 0, 0, {NULL, 0, 0}};
	int lineno = 0, rc = 0, local = -1;
	char *copy = strdup(text), *line, *next;

	(void)what;
	if (!copy)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	tr_strmap_init(&l.names);
	for (line = copy; line; line = next) {
		char *s, *slash, *name;
		long slots = 0;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		name = s;
		slash = strchr(s, '/');
		if (slash && slash > s && strspn(s, "0123456789") == (size_t)(slash - s)) {
			struct sk_error e;
			*slash = '\0';
			if (sk_par_long("slot count", s, 1, 100000, &slots, &e) != 0) {
				rc = sk_error_set(err, SK_EARG, "line %d: %s", lineno, e.msg);
				goto fail;
			}
			name = trim(slash + 1);
		}
		if (*name == '\0') {
			rc = sk_error_set(err, SK_EARG, "line %d: no host name", lineno);
			goto fail;
		}
		if (strcmp(name, "slurm") == 0) {
			if ((rc = add_slurm(&l, (int)slots, lineno, err)) != 0)
				goto fail;
			continue;
		}
		if (strcmp(name, ":") == 0 || strcmp(name, "localhost") == 0) {
			/* One local host: its lines' slots add up. */
			if (local >= 0) {
				struct tr_hostent *e = &l.h[local];
				e->slots = e->slots && slots ? e->slots + (int)slots : 0;
				continue;
			}
			local = l.n;
		}
		if ((rc = add_host(&l, name, (int)slots, 0, lineno, err)) != 0)
			goto fail;
	}
	free(copy);
	tr_strmap_release(&l.names);
	*out = l.h;
	*n = l.n;
	return 0;
fail:
	free(copy);
	tr_strmap_release(&l.names);
	tr_hostfile_free(l.h, l.n);
	return rc;
}

int tr_read_file(const char *path, char **out, size_t *len, struct sk_error *err)
{
	struct sk_error e;
	const int rc = sk_file_read_all(path, out, len, &e);

	if (rc && err)
		*err = e;
	return sk_error_at(err, rc, path);
}

int tr_hostfile_load(const char *path, struct tr_hostent **out, int *n, struct sk_error *err)
{
	char *text;
	size_t len, at;
	int rc = tr_read_file(path, &text, &len, err);

	if (rc)
		return rc;
	if ((at = sk_file_binary_at(text, len)) < len) {
		sk_error_set(err, SK_EFMT, "binary data, not text (byte %zu is 0x%02x)", at + 1,
			     (unsigned char)text[at]);
		free(text);
		return sk_not_text(path, "a host file", SK_EFMT, err);
	}
	rc = tr_hostfile_parse(path, text, out, n, err);
	free(text);
	return rc;
}
