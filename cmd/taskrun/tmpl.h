/*
 * tmpl: command templates with GNU parallel's placeholders, shell quoting,
 * and word splitting of option values such as --ssh and --agent.
 */
#ifndef TR_TMPL_H
#define TR_TMPL_H

#include "diag.h"

/* Returns s quoted for /bin/sh: unchanged when it holds only characters that
 * need no quoting, else in single quotes ('\'' for a quote).  malloc'd;
 * NULL when out of memory. */
char *tr_tmpl_quote(const char *s);

/* 1 if tmpl contains any of {} {.} {/} {/.} {//} {#}. */
int tr_tmpl_has_placeholder(const char *tmpl);

/*
 * Expands tmpl for one argument: {} the argument, {.} without its extension,
 * {/} its base name, {//} its directory, {/.} base name without extension,
 * {#} seq.  With quote, substituted values are shell-quoted ({#} is digits).
 * Returns a malloc'd string, or NULL when out of memory.
 */
char *tr_tmpl_expand(const char *tmpl, const char *arg, long seq, int quote);

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
