#include "hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "par.h"

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

int tr_hostfile_parse(const char *what, const char *text, struct tr_hostent **out, int *n,
		      struct sk_error *err)
{
	struct tr_hostent *h = NULL;
	int nh = 0, lineno = 0, rc = 0;
	char *copy = strdup(text), *line, *next;

	(void)what;
	if (!copy)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (line = copy; line; line = next) {
		char *s, *slash, *name;
		long slots = 0;
		struct tr_hostent *nhp;

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
		for (int i = 0; i < nh; i++)
			if (strcmp(h[i].name, name) == 0 ||
			    (h[i].local && (strcmp(name, ":") == 0 || strcmp(name, "localhost") == 0))) {
				rc = sk_error_set(err, SK_EARG, "line %d: host '%s' listed twice", lineno, name);
				goto fail;
			}
		nhp = realloc(h, (size_t)(nh + 1) * sizeof *h);
		if (!nhp)
			goto oom;
		h = nhp;
		h[nh].local = strcmp(name, ":") == 0 || strcmp(name, "localhost") == 0;
		h[nh].name = strdup(h[nh].local ? ":" : name);
		h[nh].slots = (int)slots;
		if (!h[nh].name)
			goto oom;
		nh++;
	}
	free(copy);
	*out = h;
	*n = nh;
	return 0;
oom:
	rc = sk_error_set(err, SK_ENOMEM, "out of memory");
fail:
	free(copy);
	tr_hostfile_free(h, nh);
	return rc;
}

int tr_read_file(const char *path, char **out, size_t *len, struct sk_error *err)
{
	struct sk_error e;
	const int rc = sk_file_read_all(path, out, len, &e);

	if (rc == SK_EIO) {
		errno = e.errnum;
		return sk_error_sys(err, "%s", path);
	}
	if (rc)
		return sk_error_set(err, rc, "%s: %s", path, e.msg);
	return 0;
}

int tr_hostfile_load(const char *path, struct tr_hostent **out, int *n, struct sk_error *err)
{
	char *text;
	int rc = tr_read_file(path, &text, NULL, err);

	if (rc)
		return rc;
	rc = tr_hostfile_parse(path, text, out, n, err);
	free(text);
	return rc;
}
