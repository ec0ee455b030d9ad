/*
 * diag: error codes, the caller-supplied error record of every library call,
 * and the diagnostics helpers the commands (only they) use.
 *
 * Library functions return 0 or a negative SK_E* code and put a message in a
 * struct sk_error the caller owns, with the file (or stream: "<stdin>",
 * "<stdout>") the error is about when the library knows it.  Commands print
 * it with sk_report, the one place that writes "prog: file: msg" and picks
 * the exit status.
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
	SK_ESTATE = -5, /* inconsistent inputs (ns, dt, geometry, checksums) */
	SK_EUSAGE = -6  /* a usage error about a named file or stream: a terminal
	                 * where trace data should be, a job file that is wrong */
};

/* Longest file name an error keeps (longer ones are cut). */
#define SK_ERROR_FILE 4096

struct sk_error {
	int code;
	int errnum;     /* errno for SK_EIO, else 0 */
	char file[SK_ERROR_FILE]; /* the file or stream it is about, "" for none */
	char msg[512];
};

/* Sets err (which may be NULL) and returns code, like git's error().  A new
 * error is about no file until sk_error_at says which. */
int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As sk_error_set, appending ": strerror(errno)" and keeping errno. */
int sk_error_sys(struct sk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sk_error_sys with the errno text alone as the message, about file: what
 * a failed open, read or write of a named file says ("No such file or
 * directory"), printed by sk_report as "prog: file: No such file ...". */
int sk_error_sys_at(struct sk_error *err, const char *file);
void sk_error_clear(struct sk_error *err);
/* Says which file err is about, unless it says so already (the code nearest
 * the failure knows best), and returns rc.  Does nothing when rc >= 0, when
 * err or file is NULL.  Use as: return sk_error_at(err, rc, path); */
int sk_error_at(struct sk_error *err, int rc, const char *file);
/* The names errors give streams: path, or "<stdin>" ("<stdout>") for NULL
 * and "-". */
const char *sk_in_name(const char *path);
const char *sk_out_name(const char *path);

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
/* Flushes stdout: 0, or 1 after "prog: <stdout>: strerror" (sk_out_name's
 * name, as every write error to it says) when a write to it
 * or the flush failed (a full disk, a reader gone).  For what main prints
 * itself and then returns or exits with (--help, --version, listings), as
 * sbase's fshut, so that no write error ends in status 0. */
int sk_flush_stdout(void);
/* Prints "prog: file: msg" ("prog: msg" for an error about no file) and
 * returns the exit status for err: 2 for a usage error (SK_EUSAGE, or
 * SK_EARG about no file: an option or operand), else 1 (SK_EARG about a
 * file is what the file holds: a data error). */
int sk_report(const struct sk_error *err);

#endif
