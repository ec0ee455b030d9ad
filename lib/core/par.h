/*
 * par: option values.  Number parsing with full checks (never atoi), size and
 * duration suffixes, lists, and Seismic Unix style key=value operands driven
 * by the same getopt_long table as the long options.
 */
#ifndef SK_PAR_H
#define SK_PAR_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* Whole-string parses; on failure set err (SK_EARG) naming what, the text and
 * the allowed range, and return SK_EARG. */
int sk_par_long(const char *what, const char *s, long min, long max, long *out,
		struct sk_error *err);
int sk_par_double(const char *what, const char *s, double *out, struct sk_error *err);
/* A byte count with an optional k, M, G or T suffix (powers of 1024). */
int sk_par_size(const char *what, const char *s, uint64_t *out, struct sk_error *err);
/* A duration in seconds with an optional ms, s, m, h or d suffix. */
int sk_par_duration(const char *what, const char *s, double *out, struct sk_error *err);
/* A comma-separated list of at most max doubles; returns the count in *n. */
int sk_par_doubles(const char *what, const char *s, double *out, int max, int *n,
		   struct sk_error *err);

/*
 * 1 when s begins as a number does (a digit, or '+', '-' or '.' and a digit),
 * reads as no file name does (no '/', no '.' before a letter: "2d.yaml"
 * and "dir/25" are names) and no file of that name exists (stat fails with
 * ENOENT): an option that
 * takes a number or a file name then reads s as a mistyped number ("25OO",
 * "17x22"), a usage error, rather than as a missing file.  0 otherwise, so
 * that an existing file of any name is read as documented.
 */
int sk_par_numlike(const char *s);

/*
 * Splits a comma-separated specification ("2000,1.0" or "x=2000,tau=1.0")
 * into at most max items, copying spec into buf (bufsize bytes).  Either all
 * items are key=value (then *keyed = 1, items[i] is the key and vals[i] the
 * value) or none is (*keyed = 0, items[i] the value).  SK_EARG, prefixed
 * with what, for a specification too long, too many items or a mix.
 */
int sk_par_items(const char *what, const char *spec, char *buf, size_t bufsize, char **items,
		 char **vals, int max, int *n, int *keyed, struct sk_error *err);

/*
 * Rewrites key=value operands into --key=value for every key that names a
 * long option taking an argument in opts (flags have no key=value form).
 * The argument of an option ("-o a=b.sgy", "--grid x=1") is left alone; short
 * options are recognised through the val of their long twin in opts.  An operand that looks like key=value (lower-case key of letters,
 * digits, '-' or '_', and no such file exists) but whose key is not a long
 * option is a usage error: *bad is set to it and SK_EARG returned.
 * argv is modified in place; the replaced strings are allocated and live for
 * the program's lifetime.
 */
int sk_par_keyvals(int argc, char **argv, const struct option *opts, const char **bad);
/* The same, leaving alone every key=value operand that keep(operand)
 * accepts (keep may be NULL): segedit's assignments "offset=gx-sx". */
int sk_par_keyvals_keep(int argc, char **argv, const struct option *opts, int (*keep)(const char *arg),
			const char **bad);

/*
 * Option errors, in one line each (the command prints it as "prog: LINE"
 * and exits 2).  getopt_long runs with opterr = 0 (sk_init sets it), so it
 * prints nothing itself.
 *
 * sk_par_closest: the long option name nearest to word[0..len) by edit
 * distance (insertions, deletions, substitutions and swaps of neighbours),
 * at most 1 edit for words of up to 4 letters, 2 up to 8, else 3; ties go
 * to the first in opts; NULL when none is that near.  with_arg: only the
 * options that take an argument (the key=value aliases).
 *
 * sk_par_opterror: the message for the error getopt_long has just reported
 * by returning '?', from argv, optind and optopt as it left them and the
 * same short and long option tables: "unknown option '--aperature' (did
 * you mean --aperture?); try --help", "unknown option '-Q'; try --help",
 * "option '--vel' needs an argument; try --help", "option '--help' takes
 * no argument; try --help", "ambiguous option '--a' (--aal, --angle?);
 * try --help".  Writes into buf (n bytes) and returns it.
 *
 * sk_par_keyval_error: the same for a key=value operand that
 * sk_par_keyvals refused: "unknown parameter 'aperature=3' (did you mean
 * aperture=?); try --help".
 */
const char *sk_par_closest(const char *word, size_t len, const struct option *opts, int with_arg);
const char *sk_par_opterror(char *const *argv, int ind, int opt, const char *shortopts,
			    const struct option *opts, char *buf, size_t n);
const char *sk_par_keyval_error(const char *bad, const struct option *opts, char *buf, size_t n);

/* Command side (they print and exit, as sk_die): "prog: " and the message
 * of sk_par_opterror (from getopt's optind and optopt) or
 * sk_par_keyval_error on stderr, then exit 2. */
_Noreturn void sk_par_fail(char *const *argv, const char *shortopts, const struct option *opts);
_Noreturn void sk_par_keyval_fail(const char *bad, const struct option *opts);
/* Any other usage error (operands, option combinations), in one line as the
 * option typos: "prog: MESSAGE; try --help" on stderr, then exit 2.  The
 * whole usage is for --help alone. */
_Noreturn void sk_par_usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
