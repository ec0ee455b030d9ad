/*
 * diag: error codes, the caller-supplied error record of every library call,
 * and the diagnostics helpers the commands (only they) use.
 *
 * Library functions return 0 or a negative SK_E* code and put a message in a
 * struct sk_error the caller owns.  Commands print it as "prog: file: msg".
 */
#ifndef SK_DIAG_H
#define SK_DIAG_H

#include <stdarg.h>

enum {
	SK_OK = 0,
	SK_EIO = -1,    /* the OS reported a failure (errno kept in err->errnum) */
	SK_EFMT = -2,   /* malformed or unsupported data */
	SK_EARG = -3,   /* bad argument, option value or configuration */
	SK_ENOMEM = -4, /* out of memory */
	SK_ESTATE = -5  /* inconsistent inputs (ns, dt, geometry, checksums) */
};

struct sk_error {
	int code;
	int errnum;     /* errno for SK_EIO, else 0 */
	char msg[512];
};

/* Sets err (which may be NULL) and returns code, like git's error(). */
int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As sk_error_set, appending ": strerror(errno)" and keeping errno. */
int sk_error_sys(struct sk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sk_error_clear(struct sk_error *err);

/* Command side.  sk_init sets the program name from argv[0], restores the
 * default SIGPIPE disposition (unblocked), so a filter whose reader went away
 * dies quietly with status 141, and installs the SIGINT, SIGTERM and SIGHUP
 * handlers that remove unfinished output files (ofile.h). */
void sk_init(const char *argv0);
const char *sk_progname(void);
void sk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sk_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sk_vwarnx(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
_Noreturn void sk_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "prog: what: err->msg"; what may be NULL.  Returns the exit status
 * for err: 2 for SK_EARG, else 1. */
int sk_report(const char *what, const struct sk_error *err);

#endif
