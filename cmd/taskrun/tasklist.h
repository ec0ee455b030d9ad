/*
 * tasklist: the tasks of a run, and their frozen form, DIR/tasks of the
 * state directory (state.h):
 *
 *	"taskrun tasks 1", then per task
 *	"command<TAB>stdin<TAB>stdout[<TAB>keep[<TAB>where<TAB>apart[<TAB>input]]]"
 *	with \t \n \\ escaped (the --keep field only when a task has one, where
 *	and apart only when it has one of them or an input, the input
 *	(piece.h) only when it has one)
 */
#ifndef TR_TASKLIST_H
#define TR_TASKLIST_H

#include <stddef.h>

#include "diag.h"

struct tr_task {
	/* The three of every task live in the list's string blocks (never
	 * freed one by one); the others are malloc'd each. */
	char *cmd;
	char *in;    /* controller-side file for stdin, or NULL */
	char *out;   /* controller-side file for stdout, or NULL */
	char *keep;  /* --keep: the file on the host that runs it, or NULL */
	char *tag;   /* --tag: the task's arguments joined by blanks, or NULL */
	char *where; /* --where: the hosts that hold its data, comma-separated,
			or NULL */
	char *apart; /* --apart: tasks with equal values run on different
			hosts (the copies of one piece), or NULL */
	char *input; /* --input-manifest: its piece (piece.h), or NULL */
};

struct tr_strblk;

struct tr_tasklist {
	struct tr_task *t;
	long n, cap;
	struct tr_strblk *blk;  /* the blocks that hold cmd, in and out */
};

/* Adds a task: cmd (not NULL), in and out are malloc'd strings that the list
 * takes (freed, also on failure), copied into its blocks: a malloc'd string
 * of a few bytes costs 32, and a million tasks keep theirs.  0 or SK_ENOMEM. */
int tr_tasklist_add(struct tr_tasklist *l, char *cmd, char *in, char *out);
/* Frees every task's strings and the list; l is empty after. */
void tr_tasklist_release(struct tr_tasklist *l);
/* The DIR/tasks text of l (malloc'd). */
char *tr_tasklist_format(const struct tr_tasklist *l);
int tr_tasklist_parse(const char *text, struct tr_tasklist *out, struct sk_error *err);

#endif
