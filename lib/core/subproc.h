/*
 * subproc: runs a helper program (taskrun, for segsplit --hosts and
 * segmerge's sums on hosts) and waits for it.
 */
#ifndef SK_SUBPROC_H
#define SK_SUBPROC_H

#include <stddef.h>

#include "diag.h"

/* Runs argv (searched on PATH).  With out, its standard output is read into
 * *out (malloc'd, NUL-terminated); without, it goes to standard error, so
 * that it never mixes with the caller's output.  Returns the exit status
 * (128 + signal when killed), or -1 with err set (fork, pipe, wait). */
int sk_subproc_run(char *const *argv, char **out, struct sk_error *err);

/* The program name beside this program's executable when there is one
 * there (into buf), else name itself (found on PATH when run). */
const char *sk_subproc_sibling(const char *name, char *buf, size_t len);

#endif
