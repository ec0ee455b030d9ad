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

/* Appends host name with slots to *h (*nh entries); a name already there
 * is an error of line lineno. */
static int add_host(struct tr_hostent **h, int *nh, const char *name, int slots, int slurm,
		    int lineno, struct sk_error *err)
{
	struct tr_hostent *nhp;
	const int local = !slurm && (strcmp(name, ":") == 0 || strcmp(name, "localhost") == 0);

	for (int i = 0; i < *nh; i++)
		if (strcmp((*h)[i].name, name) == 0)
			return sk_error_set(err, SK_EARG, "line %d: host '%s' listed twice", lineno, name);
	nhp = realloc(*h, (size_t)(*nh + 1) * sizeof *nhp);
	if (!nhp)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	*h = nhp;
	nhp[*nh].local = local;
	nhp[*nh].slurm = slurm;
	nhp[*nh].slots = slots;
	if (!(nhp[*nh].name = strdup(local ? ":" : name)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	(*nh)++;
	return 0;
}

/* The nodes of the Slurm allocation this program runs in. */
static int add_slurm(struct tr_hostent **h, int *nh, int slots, int lineno, struct sk_error *err)
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
		rc = add_host(h, nh, sh[i].name, sh[i].slots, 1, lineno, err);
	tr_hostfile_free(sh, n);
	return rc;
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
			if ((rc = add_slurm(&h, &nh, (int)slots, lineno, err)) != 0)
				goto fail;
			continue;
		}
		if (strcmp(name, ":") == 0 || strcmp(name, "localhost") == 0) {
			int merged = 0;
			for (int i = 0; i < nh; i++)
				if (h[i].local) {
					h[i].slots = h[i].slots && slots ? h[i].slots + (int)slots : 0;
					merged = 1;
				}
			if (merged)
				continue;
		}
		if ((rc = add_host(&h, &nh, name, (int)slots, 0, lineno, err)) != 0)
			goto fail;
	}
	free(copy);
	*out = h;
	*n = nh;
	return 0;
fail:
	free(copy);
	tr_hostfile_free(h, nh);
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
	int rc = tr_read_file(path, &text, NULL, err);

	if (rc)
		return rc;
	rc = tr_hostfile_parse(path, text, out, n, err);
	free(text);
	return rc;
}
