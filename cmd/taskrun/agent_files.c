/* agent_files: the files an agent handles besides a task's pipes: --keep
 * outputs (written to a temporary, synced and renamed), input pieces (a
 * copy on this host, or one relayed in I frames, checked by size and
 * xxh64), and files read for the controller (G frames).  Moved out of
 * agent.c as it was. */
#define _DEFAULT_SOURCE
#include "agent_int.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "grow.h"
#include "manifest.h"
#include "piece.h"
#include "proto.h"
#include "tmpl.h"

/* Where a --keep path is on this host: relative paths start at
 * $TASKRUN_KEEP_DIR when it is set (each host its own scratch directory),
 * else at the agent's working directory (malloc'd). */
char *ag_keep_path(const char *p, size_t n)
{
	const char *base = getenv("TASKRUN_KEEP_DIR");
	char *out;

	if (n > 0 && p[0] != '/' && base && *base) {
		const size_t nb = strlen(base);
		if ((out = malloc(nb + n + 2))) {
			memcpy(out, base, nb);
			out[nb] = '/';
			memcpy(out + nb + 1, p, n);
			out[nb + n + 1] = '\0';
		}
		return out;
	}
	return strndup(p, n);
}

/* Opens the temporary of t->keep (".NAME.XXXXXX" beside it, its directory
 * made when missing); 0, or -1 with errno set. */
int ag_keep_open(struct atask *t)
{
	const char *slash = strrchr(t->keep, '/');
	const size_t nd = slash ? (size_t)(slash - t->keep + 1) : 0;
	const char *base = t->keep + nd;

	if (!*base) {
		errno = EISDIR;
		return -1;
	}
	if (nd > 1) {
		char *dir = strndup(t->keep, nd - 1);
		struct sk_error e;
		const int rc = dir ? sk_file_mkdirs(dir, 0777, &e) : -1;
		free(dir);
		if (rc != 0) {
			if (!dir)
				errno = ENOMEM;
			else
				errno = e.errnum ? e.errnum : EIO;
			return -1;
		}
	}
	if (!(t->ktmp = malloc(nd + strlen(base) + 9))) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(t->ktmp, t->keep, nd);
	sprintf(t->ktmp + nd, ".%s.XXXXXX", base);
	if ((t->kfd = mkstemp(t->ktmp)) < 0) {
		const int e = errno;
		free(t->ktmp);
		t->ktmp = NULL;
		errno = e;
		return -1;
	}
	tr_set_cloexec(t->kfd);
	{
		/* As any file the task would create: 0666 less the umask. */
		const mode_t um = umask(0);
		umask(um);
		fchmod(t->kfd, 0666 & ~um);
	}
	return 0;
}

/* The end of a task with a --keep file: in place, its size and xxh64 to
 * the controller, when the task succeeded (status 0); else removed.
 * Returns the exit status to report (126 when the file could not be put in
 * place, with the reason on the task's stderr). */
int ag_keep_end(struct agent *a, struct atask *t, int status)
{
	struct sk_error e;
	uint64_t hash, size;

	if (!t->ktmp)
		return status;
	memset(&e, 0, sizeof e);
	if (status == 0 && t->lost == TR_LOST_NO && t->kill_at == 0) {
		if (fsync(t->kfd) != 0)
			sk_error_sys(&e, "fsync");
		else if (sk_file_xxh64(t->ktmp, &hash, &size, &e) == 0 && rename(t->ktmp, t->keep) != 0)
			sk_error_sys(&e, "rename");
		if (!e.code) {
			tr_proto_putf(&a->wbuf, TR_F_KEPT, t->id, "%llu %016llx", (unsigned long long)size,
				      (unsigned long long)hash);
		} else {
			char msg[600];
			const int n = snprintf(msg, sizeof msg, "taskrun agent: %s: %s\n", t->keep, e.msg);
			ag_send_frame(a, TR_F_ERR, t->id, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
			status = 126;
		}
	}
	if (status != 0 || t->lost != TR_LOST_NO || t->kill_at != 0)
		unlink(t->ktmp);
	close(t->kfd);
	free(t->ktmp);
	t->ktmp = NULL;
	return status;
}

struct pin *ag_find_pin(struct agent *a, uint32_t id)
{
	for (int i = 0; i < a->npin; i++)
		if (a->pin[i].id == id)
			return &a->pin[i];
	return NULL;
}

/* Forgets pin i (its relayed temporary removed unless kept for the task). */
void ag_drop_pin(struct agent *a, int i, int remove)
{
	struct pin *p = &a->pin[i];

	ag_fetch_stop(a, p);
	if (p->fd >= 0)
		close(p->fd);
	if (remove && p->relay && p->path && !p->placed)
		unlink(p->path);
	if (remove && p->dir)
		rmdir(p->dir);
	free(p->path);
	free(p->dir);
	free(p->run);
	free(p->keep);
	free(p->place);
	free(p->fdata);
	a->pin[i] = a->pin[--a->npin];
}

/* L: an input piece for the R of the same id that follows. */
void ag_add_pin(struct agent *a, uint32_t id, const char *data, size_t len)
{
	long long v[2];
	const char *rest, *nl = memchr(data, '\n', len);
	struct pin *p;

	if (!nl || ag_find_pin(a, id) || sk_grow(&a->pin, &a->cappin, a->npin + 1L, sizeof *a->pin, 8) != 0)
		return;
	p = &a->pin[a->npin];
	memset(p, 0, sizeof *p);
	p->fd = -1;
	p->id = id;
	if (tr_proto_ints(data, (size_t)(nl - data), v, 2, &rest) != 2 || nl - rest != 16)
		return;
	p->relay = v[0] != 0;
	p->size = (unsigned long long)v[1];
	memcpy(p->hash, rest, 16);
	a->npin++;
	if (!p->relay) {
		p->path = ag_keep_path(nl + 1, len - (size_t)(nl + 1 - data));
		return;
	}
	{
		/* A directory of its own, beside the task's files, so that
		 * the piece keeps its name ({/} in the command).  A second
		 * line is where the piece stays as a new copy once checked
		 * (ag_pin_ready). */
		const char *base = getenv("TASKRUN_KEEP_DIR");
		const char *nl2 = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - data));
		const size_t nn = nl2 ? (size_t)(nl2 - (nl + 1)) : len - (size_t)(nl + 1 - data);
		if (nl2 && nl2 + 1 < data + len)
			p->place = ag_keep_path(nl2 + 1, len - (size_t)(nl2 + 1 - data));
		char *dir = malloc((base && *base ? strlen(base) : 1) + 24);
		if (!dir) {
			snprintf(p->why, sizeof p->why, "out of memory");
			return;
		}
		sprintf(dir, "%s/.taskrun-in.XXXXXX", base && *base ? base : ".");
		if (!mkdtemp(dir)) {
			snprintf(p->why, sizeof p->why, "%s: %s", dir, strerror(errno));
			free(dir);
			return;
		}
		p->dir = dir;
		if (nn == 0 || memchr(nl + 1, '/', nn) || !(p->path = malloc(strlen(dir) + nn + 2))) {
			snprintf(p->why, sizeof p->why, "bad piece name");
			return;
		}
		sprintf(p->path, "%s/%.*s", dir, (int)nn, nl + 1);
		if ((p->fd = open(p->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0)
			snprintf(p->why, sizeof p->why, "%s: %s", p->path, strerror(errno));
	}
}

/* Relayed bytes of pin p: into its temporary, credited as they are
 * written (also when they cannot be, so the controller goes on to the
 * end and hears why). */
void ag_pin_data(struct agent *a, struct pin *p, const char *d, size_t n)
{
	if (n == 0) {
		p->ended = 1;
	} else {
		if (p->fd >= 0 && !p->why[0]) {
			struct sk_error e;
			if (sk_file_write_all(p->fd, d, n, &e) != 0)
				snprintf(p->why, sizeof p->why, "%.150s: %.140s", p->path, e.msg);
		}
		p->got += n;
		tr_proto_putf(&a->wbuf, TR_F_CREDIT, p->id, "%zu", n);
	}
}

/*
 * A relayed piece, checked, becomes a copy on this host at p->place: synced,
 * its directory made, renamed there (over a bad copy of the same name), so
 * that the controller can record it and later runs read it here.  When it
 * cannot be (another file system, no room), the task reads the temporary as
 * before and no copy is reported.
 */
static void pin_place(struct pin *p)
{
	const char *slash = strrchr(p->place, '/');
	char *dir = slash && slash > p->place ? strndup(p->place, (size_t)(slash - p->place)) : NULL;
	struct sk_error e;
	int fd;

	if ((fd = open(p->path, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	if (fsync(fd) != 0 || (dir && sk_file_mkdirs(dir, 0777, &e) != 0) || rename(p->path, p->place) != 0) {
		close(fd);
		goto out;
	}
	close(fd);
	free(p->path);
	p->path = p->place;
	p->place = NULL;
	p->placed = 1;
	/* Its temporary directory is empty now. */
	rmdir(p->dir);
	free(p->dir);
	p->dir = NULL;
out:
	free(dir);
}

/* Starts pin i's task when its piece is in place and its R came: with the
 * piece's directory in its command; or ends it with status 126 and why. */
void ag_pin_ready(struct agent *a, int i)
{
	struct pin *p = &a->pin[i];
	struct stat st;
	char why[400];

	if (!p->run || (p->relay && !p->ended))
		return;
	why[0] = '\0';
	if (p->why[0]) {
		snprintf(why, sizeof why, "%s", p->why);
	} else if (!p->path) {
		snprintf(why, sizeof why, "out of memory");
	} else if (p->relay) {
		struct sk_error e;
		uint64_t hash, size;
		char hex[17];
		if (p->fd >= 0 && close(p->fd) != 0)
			snprintf(why, sizeof why, "%s: %s", p->path, strerror(errno));
		p->fd = -1;
		if (!why[0] && sk_file_xxh64(p->path, &hash, &size, &e) != 0)
			snprintf(why, sizeof why, "%.300s", e.msg);
		snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
		if (!why[0] && (size != p->size || strcmp(hex, p->hash) != 0))
			snprintf(why, sizeof why, "%s: relayed %llu bytes with xxh64 %s, the manifest says %llu bytes, %s",
				 p->path, (unsigned long long)size, hex, p->size, p->hash);
		if (!why[0] && p->place)
			pin_place(p);
	} else if (stat(p->path, &st) != 0) {
		snprintf(why, sizeof why, "%s: %s", p->path, strerror(errno));
	} else if ((unsigned long long)st.st_size != p->size) {
		snprintf(why, sizeof why, "%s: %llu bytes, the manifest says %llu", p->path,
			 (unsigned long long)st.st_size, p->size);
	} else {
		/* Its xxh64 too, so that a damaged copy of the right size is
		 * never used; the task's read then comes from the page cache
		 * this one filled. */
		struct sk_error e;
		uint64_t hash, size;
		char hex[17];
		if (sk_file_xxh64(p->path, &hash, &size, &e) != 0) {
			snprintf(why, sizeof why, "%.300s", e.msg);
		} else {
			snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
			if (strcmp(hex, p->hash) != 0)
				snprintf(why, sizeof why, "%s: xxh64 %s, the manifest says %s", p->path, hex, p->hash);
		}
	}
	if (why[0]) {
		char msg[460];
		const int n = snprintf(msg, sizeof msg, "taskrun agent: input piece: %s\n", why);
		tr_proto_putf(&a->wbuf, TR_F_INOK, p->id, "1 %s", why);
		ag_send_frame(a, TR_F_ERR, p->id, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
		tr_proto_putf(&a->wbuf, TR_F_EXIT, p->id, "126 0 0 0 0 0 0");
		ag_drop_pin(a, i, 1);
		return;
	}
	{
		const char *slash = strrchr(p->path, '/');
		char *dir = slash ? strndup(p->path, slash > p->path ? (size_t)(slash - p->path) : 1) : strdup(".");
		char *run = dir ? tr_piece_subst(p->run, dir) : NULL;
		char *const wkeep = a->keep;
		const uint32_t wid = a->keep_id, id = p->id;
		struct atask *t;
		free(dir);
		if (!run) {
			tr_proto_putf(&a->wbuf, TR_F_INOK, id, "1 out of memory");
			tr_proto_putf(&a->wbuf, TR_F_EXIT, id, "126 0 0 0 0 0 0");
			ag_drop_pin(a, i, 1);
			return;
		}
		tr_proto_putf(&a->wbuf, TR_F_INOK, id, "0 %llu %d", p->relay ? p->got : p->size, p->placed);
		/* Its W path, kept aside meanwhile (as a cluster's). */
		a->keep = p->keep;
		a->keep_id = id;
		p->keep = NULL;
		ag_start_task(a, id, run, strlen(run));
		free(a->keep);
		a->keep = wkeep;
		a->keep_id = wid;
		free(run);
		/* The relayed piece goes when the task ends (finish_tasks). */
		if ((t = ag_find(a, id)) && p->relay) {
			t->rdir = p->dir;
			p->dir = NULL;
			ag_drop_pin(a, i, 0);
		} else {
			ag_drop_pin(a, i, 1);
		}
	}
}

/* Ends the pin of id (cancelled) or every pin (the agent is going), as if
 * its task was killed by SIGTERM; lost says why. */
void ag_drop_pins(struct agent *a, uint32_t id, int all, int lost)
{
	for (int i = 0; i < a->npin; i++) {
		if (!all && a->pin[i].id != id)
			continue;
		tr_proto_putf(&a->wbuf, TR_F_EXIT, a->pin[i].id, "-1 %d 0 0 0 0 %d", SIGTERM, lost);
		ag_drop_pin(a, i--, 1);
	}
}

/* G: a file to send. */
void ag_add_read(struct agent *a, uint32_t id, const char *data, size_t len)
{
	long long w;
	const char *rest, *nl = memchr(data, '\n', len);
	char *path;
	int fd;

	if (!nl || tr_proto_ints(data, (size_t)(nl - data) + 1, &w, 1, &rest) != 1)
		return;
	if (!(path = ag_keep_path(nl + 1, len - (size_t)(nl + 1 - data))) ||
	    sk_grow(&a->rd, &a->caprd, a->nrd + 1L, sizeof *a->rd, 8) != 0) {
		free(path);
		tr_proto_putf(&a->wbuf, TR_F_GFAIL, id, "out of memory");
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		tr_proto_putf(&a->wbuf, TR_F_GFAIL, id, "%s: %s", path, strerror(errno));
		free(path);
		return;
	}
	free(path);
	a->rd[a->nrd].id = id;
	a->rd[a->nrd].fd = fd;
	a->rd[a->nrd++].credit = w;
}

void ag_drop_read(struct agent *a, int i)
{
	close(a->rd[i].fd);
	a->rd[i] = a->rd[--a->nrd];
}

/* Sends what the credit of each file being read allows, while the output
 * has room; returns 1 when one could send more now. */
int ag_pump_reads(struct agent *a)
{
	char buf[65536];
	int more = 0;

	for (int i = 0; i < a->nrd && !a->out_dead; i++) {
		struct aread *r = &a->rd[i];
		while (r->credit > 0 && tr_buf_used(&a->wbuf) < OUT_HIGH) {
			const size_t want = r->credit < (long long)sizeof buf ? (size_t)r->credit : sizeof buf;
			const ssize_t n = read(r->fd, buf, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				tr_proto_putf(&a->wbuf, TR_F_GFAIL, r->id, "read: %s", strerror(errno));
				ag_drop_read(a, i--);
				break;
			}
			ag_send_frame(a, TR_F_PIECE, r->id, buf, (size_t)n);
			if (n == 0) {
				ag_drop_read(a, i--);
				break;
			}
			r->credit -= n;
		}
		if (i >= 0 && i < a->nrd && a->rd[i].credit > 0)
			more = 1;
	}
	return more;
}

/* Removes t's relayed input piece and its directory (the only file in
 * it, unless the task put more there). */
void ag_rdir_remove(struct atask *t)
{
	DIR *d;
	struct dirent *de;

	if (!t->rdir)
		return;
	if ((d = opendir(t->rdir))) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
				char *p = malloc(strlen(t->rdir) + strlen(de->d_name) + 2);
				if (p) {
					sprintf(p, "%s/%s", t->rdir, de->d_name);
					unlink(p);
					free(p);
				}
			}
		closedir(d);
	}
	rmdir(t->rdir);
	free(t->rdir);
	t->rdir = NULL;
}
