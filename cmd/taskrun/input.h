/*
 * input: builds the task list from what taskrun was given: command lines
 * (stdin or -a FILE), a command template with ::: arguments or argument
 * lines, and the tasks of a YAML job file, with the --stdin and --stdout
 * templates applied.  Task numbers ({#}) follow the list order: job file
 * tasks, then its command's arguments, then the command line's.
 */
#ifndef TR_INPUT_H
#define TR_INPUT_H

#include "columns.h"
#include "diag.h"
#include "group.h"
#include "job.h"
#include "state.h"

struct tr_input {
	const char *const *argfiles; /* -a FILE, each given ("-": stdin) */
	int nargfiles;
	const char *in_tmpl;   /* --stdin template, or NULL */
	const char *out_tmpl;  /* --stdout template, or NULL */
	int tag;               /* set each task's tag (--tag) */
	const char *keep_tmpl; /* --keep template, or NULL */
	const char *where_tmpl; /* --where template, or NULL */
	const char *apart_tmpl; /* --apart template, or NULL */
	const char *manifest;  /* --input-manifest: one task per piece, or NULL */
	struct tr_colsep *colsep; /* --colsep: each argument split into columns, or NULL */
	int trim;              /* --trim: TR_TRIM_* (columns.h) of each argument */
	int link;              /* --link: sources linked, the shorter ones wrapping */
	const char *delim;     /* -d, -0: the end of an input record (delimlen bytes), or NULL: newline */
	size_t delimlen;
	const char *eof;       /* -E: a record that ends its input, or NULL */
	const char *rpl;       /* -I: the replacement string for {} (tr_tmpl_expandr), or NULL */
	const struct tr_group *group; /* -N -n -X -m --xargs: records grouped into tasks, or NULL */
};

/*
 * Adds the tasks to l.  argv holds the command words and the input sources
 * (argc words): "::: a b" a source of words, ":::: f g" a source per file
 * (its lines), ":::+" and "::::+" linked to the source before.  Every
 * combination of the sources becomes a task, in GNU parallel's order (the
 * last source varies fastest; linked sources move together and stop at the
 * shortest); without command words, a combination's arguments joined by
 * blanks are the command line, as in GNU parallel.  -a files given more
 * than once, or with ::: or ::::, are sources too, before the others (GNU
 * parallel's -a).  job may be NULL.  Without command words and job, command
 * lines are read from the one -a file or stdin; with command words and no
 * source, argument lines are.  Returns 0, SK_EARG (a :::: without a file,
 * --input-manifest with sources), SK_EIO (a file that cannot be read) or SK_ENOMEM,
 * with err set.  With a manifest (a distributed one: every piece has
 * locations), the command template makes one task per piece, in manifest
 * order: in the command, {} is the piece's path on the host that runs it
 * (piece.h), in the other templates the piece's file as the manifest names
 * it; its --where is the piece's hosts unless a --where template is given;
 * its input (field 7) the piece.  No ::: sources then (SK_EARG).
 */
int tr_input_tasks(const struct tr_input *o, const struct tr_job *job, int argc, char **argv,
		   struct tr_tasklist *l, struct sk_error *err);

#endif
