/* agent_serve: "taskrun agent --serve", a piece holder's end of the fetches
 * host to host (agent_fetch.c is the other): started once through the
 * launcher by each agent that fetches pieces from this host, it answers
 * their requests in order until its input ends. */
#define _DEFAULT_SOURCE
#include "agent.h"
#include "agent_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostfetch.h"

/* Copies exactly n bytes of path to out (the answer says n: a file that
 * changed in between must not break the stream).  0, or SK_EIO with err
 * set (the stream is then broken: the server ends). */
static int copy_exact(const char *path, unsigned long long n, FILE *out, struct sk_error *err)
{
	char buf[1 << 16];
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return sk_error_sys_at(err, path);
	while (n > 0) {
		const size_t want = n < sizeof buf ? (size_t)n : sizeof buf;
		const size_t k = fread(buf, 1, want, fp);
		if (k == 0) {
			const int bad = ferror(fp);
			const int e = errno;
			fclose(fp);
			errno = e;
			if (bad)
				return sk_error_sys_at(err, path);
			return sk_error_at(err, sk_error_set(err, SK_EIO, "shorter than announced while sent"), path);
		}
		if (fwrite(buf, 1, k, out) != k) {
			fclose(fp);
			return sk_error_sys_at(err, "<stdout>");
		}
		n -= k;
	}
	fclose(fp);
	return 0;
}

/* One answer line: word and e's "file: message" (line ends made spaces,
 * at most 400 bytes). */
static int answer(FILE *out, const char *word, const struct sk_error *e)
{
	char m[400];

	snprintf(m, sizeof m, "%.250s%s%.140s", e->file, e->file[0] ? ": " : "", e->msg);
	for (char *c = m; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return fprintf(out, "%s %s\n", word, m) < 0 ? -1 : 0;
}

int tr_agent_serve(FILE *in, FILE *out, struct sk_error *err)
{
	char *line = NULL, *end, *full;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, in)) > 0) {
		unsigned long long size, hash;
		struct sk_error e;
		int r;
		if (line[n - 1] != '\n') {
			rc = sk_error_set(err, SK_EARG, "--serve: a request without its line end");
			break;
		}
		line[n - 1] = '\0';
		/* "SIZE XXH64 PATH" */
		errno = 0;
		size = strtoull(line, &end, 10);
		if (errno || end == line || line[0] == '-' || *end != ' ' || strlen(end + 1) < 18 ||
		    end[17] != ' ' || end[18] == '\0') {
			rc = sk_error_set(err, SK_EARG, "--serve: '%.80s' is not SIZE XXH64 PATH", line);
			break;
		}
		hash = strtoull(end + 1, &end, 16);
		if (errno || *end != ' ') {
			rc = sk_error_set(err, SK_EARG, "--serve: '%.80s' is not SIZE XXH64 PATH", line);
			break;
		}
		if (!(full = ag_keep_path(end + 1, strlen(end + 1)))) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			break;
		}
		/* The copy checked by size and xxh64 before a byte is sent: a
		 * bad or missing copy is "bad" (the task reads another copy),
		 * another failure "fail" (the controller relays the piece). */
		r = sk_hostfetch_send(full, (int64_t)size, 1, (uint64_t)hash, NULL, &e);
		if (r == SK_ESTATE || (r != 0 && e.errnum == ENOENT))
			r = answer(out, "bad", &e);
		else if (r != 0)
			r = answer(out, "fail", &e);
		else if ((r = fprintf(out, "ok %llu\n", size) < 0 ? -1 : 0) == 0)
			rc = copy_exact(full, size, out, err);
		free(full);
		if (rc == 0 && (r != 0 || fflush(out) != 0))
			rc = sk_error_sys_at(err, "<stdout>");
	}
	if (rc == 0 && ferror(in))
		rc = sk_error_sys_at(err, "<stdin>");
	free(line);
	return rc;
}
