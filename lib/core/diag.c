#include "diag.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofile.h"

static const char *progname = "segkit";

int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->code = code;
		err->errnum = 0;
		err->file[0] = '\0';
	}
	return code;
}

int sk_error_sys(struct sk_error *err, const char *fmt, ...)
{
	const int e = errno;
	if (err) {
		va_list ap;
		size_t n;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, "%s%s", n ? ": " : "", strerror(e));
		err->code = SK_EIO;
		err->errnum = e;
		err->file[0] = '\0';
	}
	return SK_EIO;
}

int sk_error_sys_at(struct sk_error *err, const char *file)
{
	return sk_error_at(err, sk_error_sys(err, "%s", ""), file);
}

void sk_error_clear(struct sk_error *err)
{
	err->code = 0;
	err->errnum = 0;
	err->file[0] = '\0';
	err->msg[0] = '\0';
}

int sk_error_at(struct sk_error *err, int rc, const char *file)
{
	if (rc < 0 && err && file && !err->file[0])
		snprintf(err->file, sizeof err->file, "%s", file);
	return rc;
}

const char *sk_in_name(const char *path)
{
	return !path || strcmp(path, "-") == 0 ? "<stdin>" : path;
}

const char *sk_out_name(const char *path)
{
	return !path || strcmp(path, "-") == 0 ? "<stdout>" : path;
}

void sk_init(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	sigset_t set;

	if (argv0)
		progname = slash ? slash + 1 : argv0;
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sk_ofile_signals();
	/* Option errors are the commands' to report, in one line with a
	 * suggestion (sk_par_opterror), not getopt's. */
	opterr = 0;
}

const char *sk_progname(void)
{
	return progname;
}

void sk_vwarnx(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sk_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vwarnx(fmt, ap);
	va_end(ap);
}

void sk_warn(const char *fmt, ...)
{
	const int e = errno;
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
}

void sk_die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sk_vwarnx(fmt, ap);
	va_end(ap);
	exit(status);
}

int sk_flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	/* The stream keeps no errno of its own: a flush that failed set it,
	 * else it is the failed write's (stdio writes what is left of its
	 * buffer again on the flush). */
	if (errno == 0)
		errno = EIO;
	sk_warn("%s", sk_out_name(NULL));
	return 1;
}

int sk_report(const struct sk_error *err)
{
	if (err->file[0])
		sk_warnx("%s: %s", err->file, err->msg);
	else
		sk_warnx("%s", err->msg);
	return err->code == SK_EUSAGE || (err->code == SK_EARG && !err->file[0]) ? 2 : 1;
}
