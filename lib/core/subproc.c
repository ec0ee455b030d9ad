#include "subproc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int sk_subproc_run(char *const *argv, char **out, struct sk_error *err)
{
	int p[2] = {-1, -1}, st;
	pid_t pid;
	size_t len = 0, cap = 0;
	char *buf = NULL;

	fflush(stdout);
	fflush(stderr);
	if (out && pipe(p) != 0)
		return sk_error_sys(err, "pipe"), -1;
	pid = fork();
	if (pid < 0) {
		sk_error_sys(err, "fork");
		if (out) {
			close(p[0]);
			close(p[1]);
		}
		return -1;
	}
	if (pid == 0) {
		if (out) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
		} else {
			/* The child's output must not mix with the
			 * caller's (a filter's standard output). */
			dup2(2, 1);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", sk_progname(), argv[0], strerror(errno));
		_exit(127);
	}
	if (out) {
		close(p[1]);
		for (;;) {
			ssize_t k;
			if (len + 4096 + 1 > cap) {
				char *nb = realloc(buf, cap = (cap ? cap * 2 : 8192));
				if (!nb)
					break;
				buf = nb;
			}
			k = read(p[0], buf + len, cap - len - 1);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			len += (size_t)k;
		}
		close(p[0]);
		if (buf)
			buf[len] = '\0';
		*out = buf;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return sk_error_sys(err, "waitpid"), -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}


const char *sk_subproc_sibling(const char *name, char *buf, size_t len)
{
	const size_t nn = strlen(name);
	ssize_t sl;
	char *slash;

	if (len < nn + 2 || (sl = readlink("/proc/self/exe", buf, len - nn - 2)) <= 0)
		return name;
	buf[sl] = '\0';
	if (!(slash = strrchr(buf, '/')))
		return name;
	memcpy(slash + 1, name, nn + 1);
	return access(buf, X_OK) == 0 ? buf : name;
}

int sk_subproc_taskrun_argv(char **argv, const char *taskrun, const char *hostfile, const char *state,
			    const char *ssh, const char *agent)
{
	const char *v[SK_SUBPROC_TASKRUN_ARGS];
	int a = 0;

	v[a++] = taskrun;
	v[a++] = "-H";
	v[a++] = hostfile;
	v[a++] = "-s";
	v[a++] = state;
	v[a++] = "--no-progress";
	v[a++] = "--fresh";
	v[a++] = "--locality-wait=30s";
	if (ssh) {
		v[a++] = "--ssh";
		v[a++] = ssh;
	}
	if (agent) {
		v[a++] = "--agent";
		v[a++] = agent;
	}
	for (int k = 0; k < a; k++)
		argv[k] = (char *)(uintptr_t)v[k];
	return a;
}
