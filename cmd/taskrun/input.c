#define _GNU_SOURCE /* memmem */
#include "input.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"
#include "manifest.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"

/* Reads the next record of f, up to and with the delimiter d (dl bytes),
 * into *line: as Perl reads with $/ = d, the first whole d ends it.
 * Returns its length, or -1 at the end of the file. */
static ssize_t read_record(FILE *f, const char *d, size_t dl, char **line, size_t *cap)
{
	ssize_t len = getdelim(line, cap, d[dl - 1], f);
	char *part = NULL;
	size_t pcap = 0;

	/* A longer delimiter: read on to its last byte until the record ends
	 * with the whole of it. */
	while (dl > 1 && len > 0 && ((size_t)len < dl || memcmp(*line + len - dl, d, dl) != 0)) {
		const ssize_t more = getdelim(&part, &pcap, d[dl - 1], f);
		char *nl;
		if (more < 0)
			break;
		if ((size_t)len + (size_t)more + 1 > *cap) {
			if (!(nl = realloc(*line, (size_t)len + (size_t)more + 1))) {
				free(part);
				errno = ENOMEM;
				return -2;
			}
			*line = nl;
			*cap = (size_t)len + (size_t)more + 1;
		}
		memcpy(*line + len, part, (size_t)more + 1);
		len += more;
	}
	free(part);
	return len;
}

/* Reads the records of path ("-" or NULL: stdin) into *out, each without
 * its delimiter (o->delim, a newline by default); with o->eof, a record
 * equal to it ends the file (GNU parallel's -E).  Command lines (args 0)
 * lose a trailing CR, and blank ones are skipped; arguments (args 1) are
 * kept as GNU parallel keeps them, empty or with a CR. */
static int read_lines(const struct tr_input *o, const char *path, int args, char ***out, long *n,
		      struct sk_error *err)
{
	FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "r") : stdin;
	const char *const d = o->delim ? o->delim : "\n";
	const size_t dl = o->delim ? o->delimlen : 1;
	char *line = NULL;
	size_t cap = 0;
	long vcap = *n;
	ssize_t len;

	if (f == stdin && isatty(STDIN_FILENO))
		return sk_error_at(err, sk_error_set(err, SK_EUSAGE, "standard input is a terminal; give the tasks "
						     "in a file (-a), a pipe or after :::"), "<stdin>");

	if (!f)
		return sk_error_sys_at(err, path);
	while ((len = read_record(f, d, dl, &line, &cap)) >= 0) {
		char **nv;
		if ((size_t)len >= dl && memcmp(line + len - dl, d, dl) == 0)
			line[len -= (ssize_t)dl] = '\0';
		while (!args && len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (o->eof && o->eof[0] && strcmp(line, o->eof) == 0)
			break;
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
	if (len == -2) {
		if (f != stdin)
			fclose(f);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
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
	char *cmd = !tmpl     ? join_args(args, o->group && o->group->noarg ? 0 : nargs)
		    : o->group ? tr_tmpl_expandg(tmpl, o->rpl, args, nargs, seq, 1, o->group->context, o->group->noarg)
			       : tr_tmpl_expandr(tmpl, o->rpl, args, nargs, seq, 1);
	char *i = in ? strdup(in) : o->in_tmpl ? tr_tmpl_expandr(o->in_tmpl, o->rpl, args, nargs, seq, 0) : NULL;
	char *w = out ? strdup(out) : o->out_tmpl ? tr_tmpl_expandr(o->out_tmpl, o->rpl, args, nargs, seq, 0) : NULL;

	if (!cmd || ((in || o->in_tmpl) && !i) || ((out || o->out_tmpl) && !w)) {
		free(cmd);
		free(i);
		free(w);
		return SK_ENOMEM;
	}
	if (tr_tasklist_add(l, cmd, i, w) != 0)
		return SK_ENOMEM;
	if (o->keep_tmpl && !(l->t[l->n - 1].keep = tr_tmpl_expandr(o->keep_tmpl, o->rpl, args, nargs, seq, 0)))
		return SK_ENOMEM;
	if (o->where_tmpl && !(l->t[l->n - 1].where = tr_tmpl_expandr(o->where_tmpl, o->rpl, args, nargs, seq, 0)))
		return SK_ENOMEM;
	if (o->apart_tmpl && !(l->t[l->n - 1].apart = tr_tmpl_expandr(o->apart_tmpl, o->rpl, args, nargs, seq, 0)))
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

/* The records kept for -N, -n, -X, -m and --xargs (o->group): their
 * inputs in order, record i's from off[i] to off[i + 1]. */
struct records {
	struct tr_strv in;
	long *off, n, cap;
};

static int keep_record(struct records *r, const char *const *args, int nargs)
{
	if (r->n + 2 > r->cap) {
		long *no = realloc(r->off, (size_t)(r->cap = r->cap ? 2 * r->cap : 256) * sizeof *no);
		if (!no)
			return SK_ENOMEM;
		r->off = no;
	}
	r->off[0] = 0;
	for (int k = 0; k < nargs; k++)
		if (tr_strv_push(&r->in, args[k], strlen(args[k])) != 0)
			return SK_ENOMEM;
	r->off[++r->n] = r->in.n;
	return 0;
}

/* Adds the tasks of the records r, grouped as GNU parallel groups them
 * (group.h), and empties r. */
static int add_groups(struct tr_tasklist *l, const struct tr_input *o, const char *tmpl, struct records *r,
		      struct sk_error *err)
{
	long *count = NULL, ntask = 0, at = 0;
	int rc = 0;

	if (r->n == 0)
		return 0;
	rc = tr_group_split(o->group, tmpl, o->rpl, 1, (const char *const *)r->in.v, r->off, r->n, l->n + 1,
			    &count, &ntask, err);
	for (long t = 0; t < ntask && !rc; t++) {
		const long first = r->off[at], nin = r->off[at + count[t]] - first;
		if (nin > INT_MAX || (rc = add_task(l, o, tmpl, (const char *const *)r->in.v + first, (int)nin, NULL,
						    NULL)) != 0)
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		at += count[t];
	}
	free(count);
	tr_strv_release(&r->in);
	free(r->off);
	memset(r, 0, sizeof *r);
	return rc;
}

/* Adds the task of one record, the nargs arguments of a combination (or
 * of an input line), as GNU parallel makes it: with --colsep each argument
 * split into columns, the columns of all in order ({1} the first column of
 * the first source); with --trim (or --colsep's default) each trimmed, as
 * parallel trims a value before it substitutes it.  With o->group the
 * record is kept in r, for add_groups.  cols is scratch. */
static int add_record(struct tr_tasklist *l, const struct tr_input *o, const char *tmpl,
		      const char *const *args, int nargs, struct tr_strv *cols, struct records *r,
		      struct sk_error *err)
{
	const char **vals;
	int rc = 0;

	if (!o->colsep && o->trim == TR_TRIM_NONE) {
		rc = o->group ? keep_record(r, args, nargs) : add_task(l, o, tmpl, args, nargs, NULL, NULL);
		return rc ? sk_error_set(err, rc, "out of memory") : 0;
	}
	tr_strv_clear(cols);
	for (int k = 0; k < nargs && !rc; k++)
		rc = o->colsep ? tr_colsep_split(o->colsep, args[k], cols, err)
			       : tr_strv_push(cols, args[k], strlen(args[k])) ? sk_error_set(err, SK_ENOMEM, "out of memory")
									      : 0;
	if (rc)
		return rc;
	if (cols->n > INT_MAX || !(vals = malloc((size_t)(cols->n + 1) * sizeof *vals)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (long k = 0; k < cols->n; k++)
		vals[k] = tr_trim(cols->v[k], o->trim);
	rc = o->group ? keep_record(r, vals, (int)cols->n) : add_task(l, o, tmpl, vals, (int)cols->n, NULL, NULL);
	free(vals);
	return rc ? sk_error_set(err, rc, "out of memory") : 0;
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

/* The arguments of a ::: source, words w[0..nw), into src: GNU parallel
 * writes each followed by the delimiter and reads them back as records,
 * so a word that holds the delimiter (a newline by default) is several
 * arguments, and -E's record ends the source there.  The words themselves
 * when neither happens. */
static int word_records(const struct tr_input *o, char **w, long nw, struct source *src, struct sk_error *err)
{
	const char *const d = o->delim ? o->delim : "\n";
	const size_t dl = o->delim ? o->delimlen : 1;
	const int eof = o->eof && o->eof[0];
	struct tr_strv v = {0};
	long k;

	for (k = 0; k < nw && !eof; k++)
		if (memmem(w[k], strlen(w[k]), d, dl))
			break;
	if (k == nw) {
		src->v = w;
		src->n = nw;
		return 0;
	}
	for (k = 0; k < nw; k++) {
		const char *p = w[k], *e = p + strlen(p), *q;
		for (;; p = q + dl) {
			q = memmem(p, (size_t)(e - p), d, dl);
			if (!q)
				q = e;
			if (eof && (size_t)(q - p) == strlen(o->eof) && memcmp(p, o->eof, (size_t)(q - p)) == 0)
				goto done;
			if (tr_strv_push(&v, p, (size_t)(q - p)) != 0) {
				tr_strv_release(&v);
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			}
			if (q == e)
				break;
		}
	}
done:
	src->v = v.v;
	src->n = v.n;
	src->owned = 1;
	return 0;
}

/* The sources of argv[first..argc), after the *nout in *out: "::: a b" one
 * source of the words, ":::: f g" one source per file.  -a files come
 * first (nfiles of them): a :::+ right after them is not linked to them,
 * as in GNU parallel. */
static int parse_sources(const struct tr_input *o, int argc, char **argv, int first, int nfiles, struct source **out, int *nout,
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
				rc = read_lines(o, argv[k], 1, &s[n - 1].v, &s[n - 1].n, err);
			} else {
				n++;
				rc = word_records(o, argv + i, j - i, &s[n - 1], err);
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
		rc = read_lines(o, o->argfiles[i], 1, &s[i].v, &s[i].n, err);
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
	struct tr_strv cols = {0};
	struct records r = {0};

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
		if (o->link) {
			/* --link: one dimension as long as the longest source;
			 * a shorter one wraps around (GNU parallel's rule). */
			nd = 1;
			len[0] = n > len[0] ? n : len[0];
		} else if (!s[i].linked || nd == 0) {
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
				args[i] = s[i].n > 0 ? s[i].v[at[d] % s[i].n] : "";
		if ((rc = add_record(l, o, tmpl, args, ns, &cols, &r, err)) != 0)
			break;
		int d = nd - 1;
		while (d >= 0 && ++at[d] == len[d])
			at[d--] = 0;
		if (d < 0)
			break;
	}
	if (!rc)
		rc = add_groups(l, o, tmpl, &r, err);
out:
	tr_strv_release(&cols);
	tr_strv_release(&r.in);
	free(r.off);
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
	struct tr_input plain;

	for (int i = 0; i < argc && colons < 0; i++)
		if (is_sep(argv[i]))
			colons = i;
	ncmd = colons >= 0 ? colons : argc;
	/* A job file's tasks and arguments are one each, as they are. */
	plain = *o;
	plain.group = NULL;
	for (long i = 0; job && i < job->ntasks && !rc; i++) {
		const char *cmd = job->tasks[i].cmd;
		rc = add_task(l, &plain, NULL, &cmd, 1, job->tasks[i].in, job->tasks[i].out);
	}
	if (job && job->command) {
		char *t = job->command;
		char buf[32];
		if (!tr_tmpl_has_placeholder_r(t, o->rpl) && job->nargs && !o->in_tmpl) {
			const size_t n = strlen(t) + 4 + (o->rpl ? strlen(o->rpl) : 0);
			if (!(tmpl = malloc(n)))
				return SK_ENOMEM;
			snprintf(tmpl, n, "%s %s", t, o->rpl ? o->rpl : "{}");
			t = tmpl;
		}
		for (long i = 0; i < job->nargs && !rc; i++) {
			const char *a = job->args[i];
			rc = add_task(l, &plain, t, &a, 1, NULL, NULL);
		}
		if (!job->nargs && !rc) {
			const char *a = buf;
			snprintf(buf, sizeof buf, "%ld", l->n + 1);
			rc = add_task(l, &plain, t, &a, 1, NULL, NULL);
		}
		free(tmpl);
		tmpl = NULL;
	}
	if (rc)
		return sk_error_set(err, rc, "out of memory");
	if (ncmd > 0) {
		size_t n = 4 + (o->rpl ? strlen(o->rpl) : 0);
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
		if (!tr_tmpl_has_placeholder_r(tmpl, o->rpl) && !o->in_tmpl) {
			strcat(tmpl, " ");
			strcat(tmpl, o->rpl ? o->rpl : "{}");
		}
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
			rc = parse_sources(o, argc, argv, colons, o->nargfiles, &s, &ns, err);
		if (!rc)
			rc = add_combinations(l, o, tmpl, s, ns, err);
		free_sources(s, ns);
	} else if (ncmd > 0 || !job || o->nargfiles) {
		struct tr_strv cols = {0};
		struct records r = {0};
		/* Without a command, with -N and the like, the input lines are
		 * arguments too (GNU parallel's {} alone). */
		rc = read_lines(o, o->nargfiles ? o->argfiles[0] : NULL, ncmd > 0 || o->group, &args, &nargs, err);
		for (long i = 0; i < nargs && !rc; i++) {
			const char *a = args[i];
			rc = add_record(l, o, tmpl, &a, 1, &cols, &r, err);
		}
		if (!rc)
			rc = add_groups(l, o, tmpl, &r, err);
		tr_strv_release(&cols);
		tr_strv_release(&r.in);
		free(r.off);
	}
	for (long i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
	free(tmpl);
	return rc;
}
