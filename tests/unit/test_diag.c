#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"

/* What sk_report prints for err, into buf, and the status it returns. */
static int report(const struct sk_error *err, char *buf, size_t len)
{
	FILE *f = tmpfile();
	const int saved = dup(STDERR_FILENO);
	int status;
	size_t n;

	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	status = sk_report(err);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return status;
}

int main(void)
{
	struct sk_error err;
	char out[600];
	CHECK(sk_error_set(&err, SK_EFMT, "trace %d: ns=%u", 3, 70000u) == SK_EFMT);
	CHECK(err.code == SK_EFMT && strcmp(err.msg, "trace 3: ns=70000") == 0);
	CHECK(sk_error_set(NULL, SK_EARG, "x") == SK_EARG);
	errno = ENOENT;
	CHECK(sk_error_sys(&err, "%s", "f.sgy") == SK_EIO);
	CHECK(strcmp(err.msg, "f.sgy: No such file or directory") == 0 && err.errnum == ENOENT);
	sk_error_clear(&err);
	CHECK(err.code == 0 && err.msg[0] == '\0' && err.file[0] == '\0');

	/* The file an error is about: the first to say wins; a new error is
	 * about none until told; success names nothing. */
	sk_init("prog");
	CHECK(sk_error_at(&err, sk_error_set(&err, SK_EFMT, "trace 4 is truncated"), "a.sgy") == SK_EFMT);
	CHECK(strcmp(err.file, "a.sgy") == 0);
	CHECK(sk_error_at(&err, SK_EFMT, "outer.sgy") == SK_EFMT && strcmp(err.file, "a.sgy") == 0);
	CHECK(report(&err, out, sizeof out) == 1 && strcmp(out, "prog: a.sgy: trace 4 is truncated\n") == 0);
	CHECK(sk_error_set(&err, SK_EFMT, "x") == SK_EFMT && err.file[0] == '\0');
	CHECK(sk_error_at(&err, 0, "b.sgy") == 0 && err.file[0] == '\0');
	CHECK(sk_error_at(&err, SK_EFMT, NULL) == SK_EFMT && err.file[0] == '\0');
	CHECK(sk_error_at(NULL, SK_EIO, "b.sgy") == SK_EIO);
	errno = EISDIR;
	sk_error_sys(&err, "%s", "");
	CHECK(err.file[0] == '\0' && strcmp(err.msg, "Is a directory") == 0);
	/* The errno text about a file, in one call; errno is kept. */
	errno = ENOSPC;
	CHECK(sk_error_sys_at(&err, "full/out.sgy") == SK_EIO && err.errnum == ENOSPC);
	CHECK(strcmp(err.file, "full/out.sgy") == 0 && strcmp(err.msg, "No space left on device") == 0);
	CHECK(report(&err, out, sizeof out) == 1 && strcmp(out, "prog: full/out.sgy: No space left on device\n") == 0);
	errno = EIO;
	CHECK(sk_error_sys_at(NULL, "x") == SK_EIO);
	CHECK(strcmp(sk_in_name(NULL), "<stdin>") == 0 && strcmp(sk_in_name("-"), "<stdin>") == 0);
	CHECK(strcmp(sk_out_name(NULL), "<stdout>") == 0 && strcmp(sk_out_name("-"), "<stdout>") == 0);
	CHECK(strcmp(sk_in_name("f"), "f") == 0 && strcmp(sk_out_name("f"), "f") == 0);

	/* Exit status: a bad option (SK_EARG about no file) or SK_EUSAGE is a
	 * usage error; SK_EARG about a file is what the file holds (data). */
	sk_error_set(&err, SK_EARG, "invalid count '0'");
	CHECK(report(&err, out, sizeof out) == 2 && strcmp(out, "prog: invalid count '0'\n") == 0);
	sk_error_at(&err, err.code, "g.yaml");
	CHECK(report(&err, out, sizeof out) == 1 && strcmp(out, "prog: g.yaml: invalid count '0'\n") == 0);
	sk_error_at(&err, sk_error_set(&err, SK_EUSAGE, "standard input is a terminal"), sk_in_name(NULL));
	CHECK(report(&err, out, sizeof out) == 2 &&
	      strcmp(out, "prog: <stdin>: standard input is a terminal\n") == 0);
	sk_error_set(&err, SK_ENOMEM, "out of memory");
	CHECK(report(&err, out, sizeof out) == 1 && strcmp(out, "prog: out of memory\n") == 0);
	return test_done();
}
