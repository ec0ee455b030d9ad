/*
 * tmpl: command templates with GNU parallel's placeholders, shell quoting,
 * and word splitting of option values such as --ssh and --agent.
 */
#ifndef TR_TMPL_H
#define TR_TMPL_H

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
