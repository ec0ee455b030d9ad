#include "input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"

/* Reads the lines of path ("-" or NULL: stdin) into *out.  Command lines
 * (args 0) lose a trailing CR, and blank ones are skipped; arguments (args
 * 1) are kept as GNU parallel keeps them, empty or with a CR. */
static int read_lines(const char *path, int args, char ***out, long *n, struct sk_error *err)
{
	FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	long vcap = *n;
	ssize_t len;

	if (f == stdin && isatty(STDIN_FILENO))
		return sk_error_at(err, sk_error_set(err, SK_EUSAGE, "standard input is a terminal; give the tasks "
						     "in a file (-a), a pipe or after :::"), "<stdin>");

	if (!f)
		return sk_error_sys_at(err, path);
	while ((len = getline(&line, &cap, f)) >= 0) {
		char **nv;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		while (!args && len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0 && !args)
			continue;
		/* Room doubles: a million lines are a few dozen reallocs. */
		if (*n == vcap) {
			vcap = vcap ? 2 * vcap : 256;
			if (!(nv = realloc(*out, (size_t)vcap * sizeof *nv))) {
				free(line);
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			}
			*out = nv;
		}
		if (!((*out)[*n] = malloc((size_t)len + 1))) {
			free(line);
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		}
		memcpy((*out)[*n], line, (size_t)len + 1);
		(*n)++;
	}
	free(line);
	if (ferror(f)) {
		const int rc = sk_error_sys_at(err, sk_in_name(path));
		if (f != stdin)
			fclose(f);
		return rc;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

/* The nargs arguments joined by blanks, as they are (malloc'd): without a
 * command, GNU parallel runs its arguments as the command line. */
static char *join_args(const char *const *args, int nargs)
{
	size_t n = 1;
	char *s;

	for (int k = 0; k < nargs; k++)
		n += strlen(args[k]) + 1;
	if (!(s = malloc(n)))
		return NULL;
	s[0] = '\0';
	for (int k = 0; k < nargs; k++) {
		if (k)
			strcat(s, " ");
		strcat(s, args[k]);
	}
	return s;
}

/* Adds one task for the nargs inputs args (or, when tmpl is NULL, the
 * command line they make). */
static int add_task(struct tr_tasklist *l, const struct tr_input *o, const char *tmpl,
		    const char *const *args, int nargs, const char *in, const char *out)
{
	const long seq = l->n + 1;
	char *cmd = tmpl ? tr_tmpl_expandv(tmpl, args, nargs, seq, 1) : join_args(args, nargs);
	char *i = in ? strdup(in) : o->in_tmpl ? tr_tmpl_expandv(o->in_tmpl, args, nargs, seq, 0) : NULL;
	char *w = out ? strdup(out) : o->out_tmpl ? tr_tmpl_expandv(o->out_tmpl, args, nargs, seq, 0) : NULL;

	if (!cmd || ((in || o->in_tmpl) && !i) || ((out || o->out_tmpl) && !w)) {
		free(cmd);
		free(i);
		free(w);
		return SK_ENOMEM;
	}
	if (tr_tasklist_add(l, cmd, i, w) != 0)
		return SK_ENOMEM;
	if (o->keep_tmpl && !(l->t[l->n - 1].keep = tr_tmpl_expandv(o->keep_tmpl, args, nargs, seq, 0)))
		return SK_ENOMEM;
	if (o->where_tmpl && !(l->t[l->n - 1].where = tr_tmpl_expandv(o->where_tmpl, args, nargs, seq, 0)))
		return SK_ENOMEM;
	if (o->apart_tmpl && !(l->t[l->n - 1].apart = tr_tmpl_expandv(o->apart_tmpl, args, nargs, seq, 0)))
		return SK_ENOMEM;
	if (o->tag) {
		/* GNU parallel's tag: the arguments as given, joined by
		 * blanks. */
		struct tr_buf b = {0};
		int rc = 0;
		for (int k = 0; k < nargs; k++)
			rc |= (k && tr_buf_put(&b, " ", 1)) || tr_buf_put(&b, args[k], strlen(args[k]));
		if (rc || tr_buf_put(&b, "", 1) != 0) {
			tr_buf_release(&b);
			return SK_ENOMEM;
		}
		l->t[l->n - 1].tag = b.p;
	}
	return 0;
}

/* Adds one task for piece i of manifest m (tr_input_tasks). */
static int add_piece(struct tr_tasklist *l, const struct tr_input *o, const char *tmpl,
		     const struct sk_manifest *m, size_t i, struct sk_error *err)
{
	const struct sk_mpiece *pc = &m->pieces[i];
	const long seq = l->n + 1;
	const char *slash = strrchr(pc->file, '/');
	const char *const file = pc->file;
	char *input, *mark, *cmd, *in, *out;
	struct tr_task *t;
	struct tr_piece p;
	int rc;

	if (pc->nat == 0)
		return sk_error_at(err, sk_error_set(err, SK_EARG, "piece %zu (%s) is not on any host: "
						     "--input-manifest takes a distributed manifest (segsplit --hosts)",
						     i + 1, pc->file), m->path);
	{
		/* Its lineage: the piece's number and the manifest's absolute
		 * path, for segsplit --remake (relay.c). */
		char *lin = NULL;
		if (m->lineage) {
			char cwd[4096];
			const int abs = m->path[0] == '/';
			if ((abs || getcwd(cwd, sizeof cwd)) &&
			    (lin = malloc(strlen(m->path) + (abs ? 0 : strlen(cwd) + 1) + 24)))
				sprintf(lin, "%zu %s%s%s", i + 1, abs ? "" : cwd, abs ? "" : "/", m->path);
		}
		rc = tr_piece_format(pc->bytes, pc->xxh64, pc->file, (const char *const *)pc->at, pc->nat, lin, &input,
				     err);
		free(lin);
		if (rc != 0)
			return sk_error_at(err, rc, m->path);
	}
	/* The command's {} is the copy's directory (put there by the agent
	 * that runs it) and the piece's name. */
	if (!(mark = malloc(strlen(file) + 3))) {
		free(input);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	sprintf(mark, "%c/%s", TR_PIECE_DIR, slash ? slash + 1 : file);
	cmd = tr_tmpl_expand(tmpl, mark, seq, 1);
	free(mark);
	in = o->in_tmpl ? tr_tmpl_expand(o->in_tmpl, file, seq, 0) : NULL;
	out = o->out_tmpl ? tr_tmpl_expand(o->out_tmpl, file, seq, 0) : NULL;
	if (!cmd || (o->in_tmpl && !in) || (o->out_tmpl && !out) || tr_tasklist_add(l, cmd, in, out) != 0) {
		free(input);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	t = &l->t[l->n - 1];
	t->input = input;
	tr_piece_parse(t->input, &p);
	if ((o->keep_tmpl && !(t->keep = tr_tmpl_expand(o->keep_tmpl, file, seq, 0))) ||
	    !(t->where = o->where_tmpl ? tr_tmpl_expand(o->where_tmpl, file, seq, 0) : tr_piece_hosts(&p)) ||
	    (o->apart_tmpl && !(t->apart = tr_tmpl_expand(o->apart_tmpl, file, seq, 0))) ||
	    (o->tag && !(t->tag = strdup(file))))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

/* One input source: the arguments after a ::: or the lines of a :::: file;
 * linked (:::+, ::::+) to the source before it. */
struct source {
	char **v;
	long n;
	int linked, owned;
};

static int is_sep(const char *a)
{
	return strcmp(a, ":::") == 0 || strcmp(a, ":::+") == 0 || strcmp(a, "::::") == 0 ||
	       strcmp(a, "::::+") == 0;
}

static void free_sources(struct source *s, int n)
{
	for (int i = 0; i < n; i++) {
		if (s[i].owned)
			for (long k = 0; k < s[i].n; k++)
				free(s[i].v[k]);
		if (s[i].owned)
			free(s[i].v);
	}
	free(s);
}

/* The sources of argv[first..argc), after the *nout in *out: "::: a b" one
 * source of the words, ":::: f g" one source per file.  -a files come
 * first (nfiles of them): a :::+ right after them is not linked to them,
 * as in GNU parallel. */
static int parse_sources(int argc, char **argv, int first, int nfiles, struct source **out, int *nout,
			 struct sk_error *err)
{
	struct source *s = *out;
	int n = *nout, rc = 0;

	for (int i = first; i < argc && !rc;) {
		const char *sep = argv[i++];
		const int files = strncmp(sep, "::::", 4) == 0, linked = sep[strlen(sep) - 1] == '+';
		int j = i;
		while (j < argc && !is_sep(argv[j]))
			j++;
		if (files && j == i)
			rc = sk_error_set(err, SK_EARG, "%s without a file", sep);
		for (int k = files ? i : 0; !rc && k < (files ? j : 1); k++) {
			struct source *ns = realloc(s, (size_t)(n + 1) * sizeof *s);
			if (!ns) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				break;
			}
			s = ns;
			memset(&s[n], 0, sizeof *s);
			s[n].linked = linked && n > nfiles && (!files || k == i);
			if (files) {
				s[n].owned = 1;
				n++;
				rc = read_lines(argv[k], 1, &s[n - 1].v, &s[n - 1].n, err);
			} else {
				s[n].v = argv + i;
				s[n].n = j - i;
				n++;
			}
		}
		i = j;
	}
	*out = s;
	*nout = n;
	return rc;
}

/* The -a files as sources, each its own (GNU parallel's -a FILE is
 * :::: FILE before the command line's sources). */
static int file_sources(const struct tr_input *o, struct source **out, int *nout, struct sk_error *err)
{
	struct source *s = calloc((size_t)o->nargfiles + 1, sizeof *s);
	int rc = 0;

	*out = s;
	*nout = 0;
	if (!s)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (int i = 0; i < o->nargfiles && !rc; i++) {
		s[i].owned = 1;
		*nout = i + 1;
		rc = read_lines(o->argfiles[i], 1, &s[i].v, &s[i].n, err);
	}
	return rc;
}

/*
 * Adds a task for each combination of the sources, in GNU parallel's order:
 * the last source varies fastest; a linked source moves with the one
 * before it, and linked sources stop at the shortest.
 */
static int add_combinations(struct tr_tasklist *l, const struct tr_input *o, const char *tmpl,
			    const struct source *s, int ns, struct sk_error *err)
{
	int nd = 0, rc = 0, any = 0;
	int *dim = calloc((size_t)ns + 1, sizeof *dim);       /* first source of each dimension */
	long *len = calloc((size_t)ns + 1, sizeof *len), *at = calloc((size_t)ns + 1, sizeof *at);
	const char **args = calloc((size_t)ns + 1, sizeof *args);

	if (!dim || !len || !at || !args) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	/* As in GNU parallel (20221122): an empty source (a trailing ":::",
	 * an empty :::: file) is one empty argument beside sources that have
	 * some, and no task at all when every source is empty. */
	for (int i = 0; i < ns; i++)
		any |= s[i].n > 0;
	for (int i = 0; i < ns; i++) {
		const long n = s[i].n > 0 ? s[i].n : any;
		if (!s[i].linked || nd == 0) {
			dim[nd] = i;
			len[nd++] = n;
		} else if (n < len[nd - 1]) {
			len[nd - 1] = n;
		}
	}
	dim[nd] = ns;
	for (int d = 0; d < nd; d++)
		if (len[d] == 0)
			goto out;
	for (;;) {
		for (int d = 0; d < nd; d++)
			for (int i = dim[d]; i < dim[d + 1]; i++)
				args[i] = s[i].n > 0 ? s[i].v[at[d]] : "";
		if ((rc = add_task(l, o, tmpl, args, ns, NULL, NULL)) != 0) {
			rc = sk_error_set(err, rc, "out of memory");
			break;
		}
		int d = nd - 1;
		while (d >= 0 && ++at[d] == len[d])
			at[d--] = 0;
		if (d < 0)
			break;
	}
out:
	free(dim);
	free(len);
	free(at);
	free(args);
	return rc;
}

int tr_input_tasks(const struct tr_input *o, const struct tr_job *job, int argc, char **argv,
		       struct tr_tasklist *l, struct sk_error *err)
{
	char *tmpl = NULL, **args = NULL;
	long nargs = 0;
	int ncmd = 0, rc = 0, colons = -1;

	for (int i = 0; i < argc && colons < 0; i++)
		if (is_sep(argv[i]))
			colons = i;
	ncmd = colons >= 0 ? colons : argc;
	for (long i = 0; job && i < job->ntasks && !rc; i++) {
		const char *cmd = job->tasks[i].cmd;
		rc = add_task(l, o, NULL, &cmd, 1, job->tasks[i].in, job->tasks[i].out);
	}
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
		for (long i = 0; i < job->nargs && !rc; i++) {
			const char *a = job->args[i];
			rc = add_task(l, o, t, &a, 1, NULL, NULL);
		}
		if (!job->nargs && !rc) {
			const char *a = buf;
			snprintf(buf, sizeof buf, "%ld", l->n + 1);
			rc = add_task(l, o, t, &a, 1, NULL, NULL);
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
		/* GNU parallel's perl expressions ({= s:x:y: =}) would reach the
		 * shell as they are: refused rather than run as something else. */
		{
			const char *pe = strstr(tmpl, "{=");
			if (pe && strstr(pe + 2, "=}")) {
				free(tmpl);
				return sk_error_set(err, SK_EUSAGE, "GNU parallel's perl expressions ({= ... =}) are "
						    "not supported: use {} {.} {/} {//} {/.} {N} {-N}, or do it in the command");
			}
		}
		/* As in GNU parallel, a command without a placeholder gets the
		 * arguments appended, unless the argument names its input. */
		if (!tr_tmpl_has_placeholder(tmpl) && !o->in_tmpl)
			strcat(tmpl, " {}");
	}
	if (o->manifest) {
		struct sk_manifest m;
		if (ncmd == 0 || colons >= 0) {
			free(tmpl);
			return sk_error_set(err, SK_EARG, "--input-manifest gives one task per piece: give a command "
					    "and no ::: or :::: inputs");
		}
		if ((rc = sk_manifest_read(o->manifest, &m, err)) != 0) {
			free(tmpl);
			if (!err->file[0])
				sk_error_at(err, rc, o->manifest);
			return rc;
		}
		for (size_t i = 0; i < m.npieces && !rc; i++)
			rc = add_piece(l, o, tmpl, &m, i, err);
		if (rc && !err->file[0])
			sk_error_at(err, rc, o->manifest);
		sk_manifest_release(&m);
		free(tmpl);
		return rc;
	}
	/* Sources (::: and ::::, or -a given more than once): every
	 * combination; without a command, each makes the command line. */
	if (colons >= 0 || o->nargfiles > 1) {
		struct source *s = NULL;
		int ns = 0;
		rc = file_sources(o, &s, &ns, err);
		if (!rc && colons >= 0)
			rc = parse_sources(argc, argv, colons, o->nargfiles, &s, &ns, err);
		if (!rc)
			rc = add_combinations(l, o, tmpl, s, ns, err);
		free_sources(s, ns);
	} else if (ncmd > 0 || !job || o->nargfiles) {
		rc = read_lines(o->nargfiles ? o->argfiles[0] : NULL, ncmd > 0, &args, &nargs, err);
		for (long i = 0; i < nargs && !rc; i++) {
			const char *a = args[i];
			rc = add_task(l, o, tmpl, &a, 1, NULL, NULL);
		}
		if (rc == SK_ENOMEM)
			sk_error_set(err, rc, "out of memory");
	}
	for (long i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
	free(tmpl);
	return rc;
}
