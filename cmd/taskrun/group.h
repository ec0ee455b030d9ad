/*
 * group: which input records make each task under GNU parallel's -N, -n,
 * -X, -m and --xargs, grouped as parallel 20221122 groups them (its
 * CommandLine::populate and CommandLine::len), so that the same command
 * line gives the same tasks.  Pure functions: no I/O.
 *
 * A record is one combination of the input sources (or one input line):
 * its inputs, after --colsep and --trim.  A task takes records in order
 * while its command line is shorter than max_chars in parallel's count and
 * it has fewer than max_args of them.  Parallel's count is the length of
 * the command line it makes where the template is simple ("echo {}",
 * "cp {} dir/"), an estimate otherwise: a placeholder's length is the sum
 * of its values over every record (its quoted value for every input for
 * {} {.} ..., of the record's N-th input for {N}), a blank counted between
 * inputs; {#} counts the task number's digits, {%} one.
 */
#ifndef TR_GROUP_H
#define TR_GROUP_H

#include "diag.h"

struct tr_group {
	long max_args;  /* -N, -n: at most this many records per task; 0: no limit */
	int noarg;      /* -N 0, -n 0: one record per task, its inputs inserted as nothing */
	int context;    /* context replace: -X, or -N without -m and --xargs */
	int spread;     /* -X, -m: the last task's records spread over the slots */
	long slots;     /* the slots they spread over (parallel's jobs running), >= 1 */
	long max_chars; /* a task's command line is shorter than this (parallel's count) */
};

/* GNU parallel's default of max_chars for a command line that Linux takes
 * as one argument (sh -c CMD: 131071 bytes): half of it less 3000, its rule
 * for the length it probes. */
#define TR_GROUP_MAX_CHARS ((131071 - 3000) / 2)
/* The largest --max-chars: one argument of exec. */
#define TR_GROUP_MAX_CHARS_LIMIT 131071

/*
 * Splits nrec records into tasks.  Record i has the inputs
 * args[off[i] .. off[i+1]) (off has nrec + 1 entries).  tmpl is the
 * command template with its {} already appended where it had no
 * placeholder (NULL: the inputs are the command line, unquoted); rpl is -I's
 * replacement string or NULL; quote says whether the values are quoted;
 * seq0 is the number of the first task.  *count is a malloc'd array of
 * *ntask record counts, one per task, in order.  Returns 0, SK_EFMT (one
 * record alone too long: "command line too long (L >= M) at input K: ...",
 * K the record's number) or SK_ENOMEM.
 */
int tr_group_split(const struct tr_group *g, const char *tmpl, const char *rpl, int quote,
		   const char *const *args, const long *off, long nrec, long seq0, long **count, long *ntask,
		   struct sk_error *err);

#endif
