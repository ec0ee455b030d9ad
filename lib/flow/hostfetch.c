/* fopencookie (glibc, musl): the checked reads of sk_hostfetch_hash go
 * through stdio, which every reader of a fetch uses. */
#define _GNU_SOURCE
#include "hostfetch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "manifest.h"

int sk_hostfetch_open(const char *launcher, const char *host, char *const *argv, struct sk_hostfetch *f,
		      struct sk_error *err)
{
	char script[4200];
	const char **av;
	size_t n = 0;
	int out[2], errp[2];

	memset(f, 0, sizeof f[0]);
	f->errfd = -1;
	if ((size_t)snprintf(script, sizeof script, "exec %s \"$@\"", launcher) >= sizeof script)
		return sk_error_set(err, SK_EARG, "the launcher command is longer than 4096 bytes");
	while (argv[n])
		n++;
	if (!(av = calloc(n + 6, sizeof *av)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	av[0] = "/bin/sh";
	av[1] = "-c";
	av[2] = script;
	av[3] = "sh";
	av[4] = host;
	for (size_t k = 0; k < n; k++)
		av[5 + k] = argv[k];
	if (pipe(out) != 0) {
		free(av);
		return sk_error_sys(err, "pipe");
	}
	if (pipe(errp) != 0) {
		close(out[0]);
		close(out[1]);
		free(av);
		return sk_error_sys(err, "pipe");
	}
	/* The ends this process keeps are not inherited by the commands it
	 * starts next: a reader that closes its end must be the only one, so
	 * that the sender gets SIGPIPE and ends, and its stream's end is
	 * seen when the sender's is closed. */
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	fcntl(errp[0], F_SETFD, FD_CLOEXEC);
	fflush(stdout);
	fflush(stderr);
	f->pid = fork();
	if (f->pid < 0) {
		close(out[0]);
		close(out[1]);
		close(errp[0]);
		close(errp[1]);
		free(av);
		return sk_error_sys(err, "fork");
	}
	if (f->pid == 0) {
		/* No input: ssh must not read the caller's standard input. */
		const int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(out[1], 1);
		dup2(errp[1], 2);
		close(out[0]);
		close(out[1]);
		close(errp[0]);
		close(errp[1]);
		signal(SIGPIPE, SIG_DFL);
		execv(av[0], (char *const *)(uintptr_t)av);
		_exit(127);
	}
	free(av);
	close(out[1]);
	close(errp[1]);
	f->errfd = errp[0];
	if (!(f->fp = fdopen(out[0], "rb"))) {
		struct sk_error e;
		close(out[0]);
		sk_hostfetch_close(f, NULL, 0, &e);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

size_t sk_hostfetch_read(struct sk_hostfetch *f, void *buf, size_t n)
{
	const size_t k = fread(buf, 1, n, f->fp);
	if (!f->hash)
		f->bytes += k;
	return k;
}

static ssize_t hashed_read(void *cookie, char *buf, size_t n)
{
	struct sk_hostfetch *f = cookie;
	ssize_t k;

	while ((k = read(fileno(f->raw), buf, n)) < 0 && errno == EINTR)
		;
	if (k > 0) {
		sk_xxh64_update(f->hash, buf, (size_t)k);
		f->bytes += (uint64_t)k;
	}
	return k;
}

static int hashed_close(void *cookie)
{
	(void)cookie;
	return 0;
}

int sk_hostfetch_hash(struct sk_hostfetch *f, struct sk_error *err)
{
	cookie_io_functions_t io;
	FILE *fp;

	memset(&io, 0, sizeof io);
	io.read = hashed_read;
	io.close = hashed_close;
	if (!(f->hash = sk_xxh64_new()))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	f->raw = f->fp;
	f->bytes = 0;
	if (!(fp = fopencookie(f, "rb", io))) {
		sk_xxh64_free(f->hash);
		f->hash = NULL;
		f->raw = NULL;
		return sk_error_sys(err, "fopencookie");
	}
	f->fp = fp;
	return 0;
}

uint64_t sk_hostfetch_digest(const struct sk_hostfetch *f)
{
	return f->hash ? sk_xxh64_digest(f->hash) : 0;
}

int sk_hostfetch_close(struct sk_hostfetch *f, char *msg, size_t msglen, struct sk_error *err)
{
	char buf[4097];
	size_t len = 0;
	int st;

	if (f->fp)
		fclose(f->fp);
	f->fp = NULL;
	if (f->raw)
		fclose(f->raw);
	f->raw = NULL;
	sk_xxh64_free(f->hash);
	f->hash = NULL;
	/* The command may still be writing its standard error: read what
	 * there is (it ends when the command does). */
	while (f->errfd >= 0 && len < sizeof buf - 1) {
		const ssize_t k = read(f->errfd, buf + len, sizeof buf - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	if (f->errfd >= 0)
		close(f->errfd);
	f->errfd = -1;
	buf[len] = '\0';
	if (msg && msglen) {
		char *end = buf + len, *start;
		while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		start = strrchr(buf, '\n');
		snprintf(msg, msglen, "%s", start ? start + 1 : buf);
	}
	if (f->pid <= 0)
		return -1;
	while (waitpid(f->pid, &st, 0) < 0)
		if (errno != EINTR) {
			f->pid = 0;
			return sk_error_sys(err, "waitpid"), -1;
		}
	f->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int sk_hostfetch_send(const char *path, int64_t bytes, int has_xxh64, uint64_t xxh64, FILE *out,
		      struct sk_error *err)
{
	char buf[1 << 16];
	uint64_t hash = 0, size = 0;
	struct stat st;
	FILE *fp;
	size_t k;
	int rc = 0;

	if (has_xxh64) {
		if ((rc = sk_file_xxh64(path, &hash, &size, err)) < 0)
			return sk_error_at(err, rc, path);
	} else {
		if (stat(path, &st) != 0)
			return sk_error_sys_at(err, path);
		size = (uint64_t)st.st_size;
	}
	if (bytes >= 0 && size != (uint64_t)bytes)
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "%" PRIu64 " bytes, the record says %" PRId64 " (%s)",
						     size, bytes, size < (uint64_t)bytes ? "truncated" : "longer than written"),
				   path);
	if (has_xxh64 && hash != xxh64)
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "xxh64 %016" PRIx64 ", the record says %016" PRIx64,
						     hash, xxh64), path);
	if (!out)
		return 0;
	if (!(fp = fopen(path, "rb")))
		return sk_error_sys_at(err, path);
	while ((k = fread(buf, 1, sizeof buf, fp)) > 0)
		if (fwrite(buf, 1, k, out) != k) {
			rc = sk_error_sys_at(err, "<stdout>");
			break;
		}
	if (rc == 0 && ferror(fp))
		rc = sk_error_sys_at(err, path);
	fclose(fp);
	if (rc == 0 && fflush(out) != 0)
		rc = sk_error_sys_at(err, "<stdout>");
	return rc;
}
