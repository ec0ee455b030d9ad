#include "input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

static int read_lines(const char *path, char ***out, long *n, struct sk_error *err)
{
	FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return sk_error_sys(err, "%s", path);
	while ((len = getline(&line, &cap, f)) >= 0) {
		char **nv;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (!(nv = realloc(*out, (size_t)(*n + 1) * sizeof *nv)) || !(nv[*n] = strdup(line))) {
			free(line);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		*out = nv;
		(*n)++;
	}
	free(line);
	if (ferror(f)) {
		const int rc = sk_error_sys(err, "%s", path ? path : "stdin");
		if (f != stdin)
			fclose(f);
		return rc;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

/* Adds one task for argument arg (or a command line when tmpl is NULL). */
static int add_task(struct tr_tasklist *l, const struct tr_input *o, const char *tmpl, const char *arg,
		    const char *in, const char *out)
{
	const long seq = l->n + 1;
	char *cmd = tmpl ? tr_tmpl_expand(tmpl, arg, seq, 1) : strdup(arg);
	char *i = in ? strdup(in) : o->in_tmpl ? tr_tmpl_expand(o->in_tmpl, arg, seq, 0) : NULL;
	char *w = out ? strdup(out) : o->out_tmpl ? tr_tmpl_expand(o->out_tmpl, arg, seq, 0) : NULL;

	if ((in || o->in_tmpl) && !i) {
		free(cmd);
		free(w);
		return SK_ENOMEM;
	}
	if ((out || o->out_tmpl) && !w) {
		free(cmd);
		free(i);
		return SK_ENOMEM;
	}
	return tr_tasklist_add(l, cmd, i, w);
}

int tr_input_tasks(const struct tr_input *o, const struct tr_job *job, int argc, char **argv,
		       struct tr_tasklist *l, struct sk_error *err)
{
	char *tmpl = NULL, **args = NULL;
	long nargs = 0;
	int ncmd = 0, rc = 0, colons = -1;

	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], ":::") == 0) {
			if (colons >= 0)
				return sk_error_set(err, SK_EARG, "only one ::: group is supported");
			colons = i;
		}
	ncmd = colons >= 0 ? colons : argc;
	for (long i = 0; job && i < job->ntasks && !rc; i++)
		rc = add_task(l, o, NULL, job->tasks[i].cmd, job->tasks[i].in, job->tasks[i].out);
	if (job && job->command) {
		char *t = job->command;
		char buf[32];
		if (!tr_tmpl_has_placeholder(t) && job->nargs && !o->in_tmpl) {
			const size_t n = strlen(t) + 4;
			if (!(tmpl = malloc(n)))
				return SK_ENOMEM;
			snprintf(tmpl, n, "%s {}", t);
			t = tmpl;
		}
		for (long i = 0; i < job->nargs && !rc; i++)
			rc = add_task(l, o, t, job->args[i], NULL, NULL);
		if (!job->nargs && !rc) {
			snprintf(buf, sizeof buf, "%ld", l->n + 1);
			rc = add_task(l, o, t, buf, NULL, NULL);
		}
		free(tmpl);
		tmpl = NULL;
	}
	if (rc)
		return sk_error_set(err, rc, "out of memory");
	if (ncmd > 0) {
		size_t n = 4;
		for (int i = 0; i < ncmd; i++)
			n += strlen(argv[i]) + 1;
		if (!(tmpl = malloc(n)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		tmpl[0] = '\0';
		for (int i = 0; i < ncmd; i++) {
			if (i)
				strcat(tmpl, " ");
			strcat(tmpl, argv[i]);
		}
		/* As in GNU parallel, a command without a placeholder gets the
		 * argument appended, unless the argument names its input. */
		if (!tr_tmpl_has_placeholder(tmpl) && !o->in_tmpl)
			strcat(tmpl, " {}");
	} else if (colons >= 0) {
		return sk_error_set(err, SK_EARG, "::: without a command");
	}
	if (colons >= 0) {
		for (int i = colons + 1; i < argc && !rc; i++)
			rc = add_task(l, o, tmpl, argv[i], NULL, NULL);
	} else if (ncmd > 0 || !job || o->argfile) {
		rc = read_lines(o->argfile, &args, &nargs, err);
		for (long i = 0; i < nargs && !rc; i++)
			rc = add_task(l, o, tmpl, args[i], NULL, NULL);
		if (rc == SK_ENOMEM)
			sk_error_set(err, rc, "out of memory");
	}
	for (long i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
	free(tmpl);
	return rc;
}

