/*
 * tmpl: command templates with GNU parallel's placeholders, shell quoting,
 * and word splitting of option values such as --ssh and --agent.
 */
#ifndef TR_TMPL_H
#define TR_TMPL_H

#include <stddef.h>

#include "diag.h"

/* Returns s quoted for /bin/sh as GNU parallel quotes it: unchanged when
 * it is not empty and holds only letters, digits and _-+./, else in single
 * quotes, each quote written '"'"'.  malloc'd; NULL when out of memory. */
char *tr_tmpl_quote(const char *s);

/* 1 if tmpl contains a placeholder: {} {.} {/} {//} {/.}, the same with an
 * input number ({1} {2.} {3/} {1//} {2/.}) or one counted from the last
 * input ({-1} {-2/.}), {#} or {%}. */
int tr_tmpl_has_placeholder(const char *tmpl);
/* The same with -I's replacement string rpl (tr_tmpl_expandr). */
int tr_tmpl_has_placeholder_r(const char *tmpl, const char *rpl);

/* A placeholder's operation: {} {.} {/} {//} {/.} (in this order), {#}, {%}. */
enum { TR_OP_ALL, TR_OP_NOEXT, TR_OP_BASE, TR_OP_DIR, TR_OP_BASENOEXT, TR_OP_SEQ, TR_OP_SLOT };

/* The next placeholder at or after p, or NULL: its length in *len, its
 * operation (TR_OP_*) in *op, its input number in *num (0: every input; < 0
 * counted from the last).  With rpl (-I), rpl is {}, and {} {N} {-N} are
 * text. */
const char *tr_tmpl_next(const char *p, const char *rpl, size_t *len, int *op, long *num);

/* The value of operation op (not TR_OP_SEQ, TR_OP_SLOT) of arg, unquoted:
 * arg for TR_OP_ALL, its base name for TR_OP_BASE, its directory as
 * dirname(1) gives it for TR_OP_DIR, and so on.  malloc'd;
 * NULL when out of memory. */
char *tr_tmpl_value(int op, const char *arg);

/* The byte that an expanded command holds where {%} (the job slot) was,
 * until tr_tmpl_slot puts the slot there when the task starts. */
#define TR_TMPL_SLOT '\x1e'

/* 1 if an expanded command has a {%} left for tr_tmpl_slot. */
int tr_tmpl_has_slot(const char *cmd);

/*
 * Expands tmpl for one task of nargs inputs (one per ::: group): {} the
 * inputs joined by blanks, {N} the N-th input (empty beyond the last),
 * {-N} the N-th from the last (empty before the first),
 * {.} {N.} without the extension, {/} {N/} the base name, {//} {N//} the
 * directory, {/.} {N/.} the base name without extension, {#} seq, {%}
 * TR_TMPL_SLOT.  With quote, each substituted value is shell-quoted ({#}
 * is digits).  Returns a malloc'd string, or NULL when out of memory.
 */
char *tr_tmpl_expandv(const char *tmpl, const char *const *args, int nargs, long seq, int quote);
/* tr_tmpl_expandv with GNU parallel's -I: rpl (when not NULL) is {}, and
 * {} {N} {-N} are text, as parallel reads them then; {.} {N.} {/} ... {#}
 * {%} keep their meaning. */
char *tr_tmpl_expandr(const char *tmpl, const char *rpl, const char *const *args, int nargs, long seq,
		      int quote);
/*
 * tr_tmpl_expandr for a task of several records (GNU parallel's -N, -n, -X,
 * -m): args are the inputs of all of them, in order, and {N} {-N} count in
 * that list.  Without context, {} (and {.} ...) is every input, joined by
 * blanks, where it stands (parallel's -n, -m); with context, a word (up to
 * a blank or a tab) that holds such a placeholder is written once per input,
 * the copies joined by blanks, and a word with only {N} {-N} {#} {%} once
 * (parallel's context replace of -X and -N).  With noarg (parallel's -N 0
 * and -n 0), each of the nargs inputs is nothing, not even quotes.
 */
char *tr_tmpl_expandg(const char *tmpl, const char *rpl, const char *const *args, int nargs, long seq, int quote,
		      int context, int noarg);
/* tr_tmpl_expandv with one input. */
char *tr_tmpl_expand(const char *tmpl, const char *arg, long seq, int quote);

/* cmd with every TR_TMPL_SLOT replaced by slot (malloc'd; NULL when out of
 * memory). */
char *tr_tmpl_slot(const char *cmd, int slot);

/*
 * Splits s into words like a shell without expansions: blanks separate
 * words, '...' and "..." group, backslash escapes one character.  *out is a
 * malloc'd NULL-terminated array of malloc'd words (free with
 * tr_tmpl_words_free).  Returns the word count, or SK_EARG for an unclosed
 * quote, SK_ENOMEM.
 */
int tr_tmpl_words(const char *s, char ***out, struct sk_error *err);
void tr_tmpl_words_free(char **w);

/* 1 if cmd is a plain command (words of characters that need no quoting, no
 * shell syntax), which an agent may exec directly instead of through sh. */
int tr_tmpl_plain(const char *cmd);

#endif
