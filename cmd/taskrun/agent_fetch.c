/* agent_fetch: a relayed input piece fetched host to host.  The
 * controller sends, after the L frame, an F frame: the command that
 * reaches the piece's holder (the launcher of its agent) and runs "AGENT
 * --send SIZE XXH64 PATH" there.  This agent runs it with its standard
 * output into the piece's temporary, so that the bytes go from the holder
 * to this host and never through the controller; the piece is then
 * checked as a relayed one is (ag_pin_ready).  When the command fails,
 * the temporary is emptied and the controller is told (f frame): it
 * streams the piece through itself as before.  The holder's side is
 * tr_agent_send. */
#define _DEFAULT_SOURCE
#include "agent.h"
#include "agent_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostfetch.h"
#include "proto.h"

/* The exit status of --send when the copy is not what the manifest says
 * (not a failure to reach the holder: no other path would do better). */
#define SEND_BAD_COPY 3

/* Tells the controller that pin p's fetch failed (status, why), and makes
 * the pin ready for I frames again: its temporary empty. */
static void fetch_fail(struct agent *a, struct pin *p, int status, const char *why)
{
	if (p->fd >= 0 && (ftruncate(p->fd, 0) != 0 || lseek(p->fd, 0, SEEK_SET) != 0) && !p->why[0])
		snprintf(p->why, sizeof p->why, "%.150s: %.140s", p->path, strerror(errno));
	p->got = 0;
	tr_proto_putf(&a->wbuf, TR_F_FFAIL, p->id, "%d %s", status, why);
}

void ag_fetch_start(struct agent *a, uint32_t id, const char *data, size_t len)
{
	struct pin *p = ag_find_pin(a, id);
	char *buf, **argv, errpath[4200];
	size_t n = 0;
	int errfd, null;
	pid_t pid;

	if (!p || !p->relay || p->fpid > 0 || p->ended)
		return;
	/* A piece that cannot be written here fails as it would with I
	 * frames (ag_pin_ready says why). */
	if (p->why[0] || p->fd < 0 || !p->dir || len == 0 || data[len - 1] != '\0') {
		fetch_fail(a, p, -1, p->why[0] ? p->why : "no temporary");
		return;
	}
	for (size_t i = 0; i < len; i++)
		n += data[i] == '\0';
	if (!(buf = malloc(len)) || !(argv = calloc(n + 1, sizeof *argv))) {
		free(buf);
		fetch_fail(a, p, -1, "out of memory");
		return;
	}
	memcpy(buf, data, len);
	n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		argv[n++] = buf + i;
	/* Its standard error into a file beside the piece (read when it
	 * ends: a pipe could fill and stop it). */
	snprintf(errpath, sizeof errpath, "%s/.fetch-err", p->dir);
	errfd = open(errpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (errfd < 0 || null < 0 || !(p->ferr = strdup(errpath))) {
		const int e = errno;
		if (errfd >= 0)
			close(errfd);
		if (null >= 0)
			close(null);
		unlink(errpath);
		free(buf);
		free(argv);
		fetch_fail(a, p, -1, strerror(e));
		return;
	}
	/* In a process group of its own, killed with the agent (SIGKILL):
	 * the child setup of a task's. */
	pid = ag_spawn(argv, NULL, NULL, null, p->fd, errfd);
	close(errfd);
	close(null);
	free(buf);
	free(argv);
	if (pid < 0) {
		const int e = errno;
		unlink(p->ferr);
		free(p->ferr);
		p->ferr = NULL;
		fetch_fail(a, p, -1, strerror(e));
		return;
	}
	setpgid(pid, pid);
	p->fpid = pid;
}

int ag_fetch_reaped(struct agent *a, pid_t pid, int status)
{
	for (int i = 0; i < a->npin; i++)
		if (a->pin[i].fpid == pid) {
			a->pin[i].fpid = 0;
			a->pin[i].fdone = 1;
			a->pin[i].fstatus = status;
			return 1;
		}
	return 0;
}

/* The last line of what the fetch said on its standard error (at most
 * the last 4 KiB of it), into msg; the file removed. */
static void fetch_words(struct pin *p, char *msg, size_t n)
{
	char buf[4097], *end, *start;
	ssize_t k = 0;
	int fd;

	msg[0] = '\0';
	if (!p->ferr)
		return;
	if ((fd = open(p->ferr, O_RDONLY | O_CLOEXEC)) >= 0) {
		const off_t size = lseek(fd, 0, SEEK_END);
		if (lseek(fd, size > 4096 ? size - 4096 : 0, SEEK_SET) >= 0)
			k = read(fd, buf, sizeof buf - 1);
		close(fd);
	}
	unlink(p->ferr);
	free(p->ferr);
	p->ferr = NULL;
	buf[k > 0 ? k : 0] = '\0';
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(buf, '\n');
	snprintf(msg, n, "%s", start ? start + 1 : buf);
}

void ag_fetch_finish(struct agent *a)
{
	for (int i = 0; i < a->npin; i++) {
		struct pin *p = &a->pin[i];
		char msg[300];
		struct stat st;
		int status;
		if (!p->fdone)
			continue;
		p->fdone = 0;
		status = WIFEXITED(p->fstatus) ? WEXITSTATUS(p->fstatus) : 128 + WTERMSIG(p->fstatus);
		fetch_words(p, msg, sizeof msg);
		if (status == 0 && p->fd >= 0 && fstat(p->fd, &st) == 0) {
			/* Checked by size and xxh64 as a relayed piece. */
			p->got = (unsigned long long)st.st_size;
			p->ended = 1;
		} else if (status == SEND_BAD_COPY) {
			/* The holder's copy is bad: the piece fails as a bad
			 * copy (another is read), not through the controller. */
			if (!p->why[0])
				snprintf(p->why, sizeof p->why, "%s", msg[0] ? msg : "the holder's copy is bad");
			p->ended = 1;
		} else {
			if (!msg[0])
				snprintf(msg, sizeof msg, "exit status %d", status);
			fetch_fail(a, p, status, msg);
			continue;
		}
		ag_pin_ready(a, i);
		/* The pins may have moved: look at every one again. */
		i = -1;
	}
}

void ag_fetch_stop(struct pin *p)
{
	if (p->fpid > 0) {
		kill(-p->fpid, SIGKILL);
		kill(p->fpid, SIGKILL);
	}
	p->fpid = 0;
	if (p->ferr) {
		unlink(p->ferr);
		free(p->ferr);
		p->ferr = NULL;
	}
}

int tr_agent_send(const char *size, const char *hash, const char *path, struct sk_error *err)
{
	char *end, *full;
	unsigned long long n, h;
	int rc;

	errno = 0;
	n = strtoull(size, &end, 10);
	if (errno || end == size || *end || size[0] == '-')
		return sk_error_set(err, SK_EARG, "--send: size '%s' is not a count of bytes", size);
	h = strtoull(hash, &end, 16);
	if (errno || strlen(hash) != 16 || *end)
		return sk_error_set(err, SK_EARG, "--send: xxh64 '%s' is not 16 hex digits", hash);
	if (!(full = ag_keep_path(path, strlen(path))))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	rc = sk_hostfetch_send(full, (int64_t)n, 1, (uint64_t)h, stdout, err);
	free(full);
	return rc;
}
