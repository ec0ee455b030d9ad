/* state: the state directory of a run (-s DIR): its lock, and the frozen
 * task list checked against the one of a resumed run. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "hostfile.h"
#include "ofile.h"
#include "piece.h"

long tr_state_holder(const char *dir)
{
	char *path = sk_path_join(dir, "lock");
	struct flock fl;
	int fd;

	if (!path)
		return -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return fl.l_type == F_UNLCK ? 0 : (long)fl.l_pid;
}

int tr_state_open(struct tr_state *s, const char *dir, struct sk_error *err)
{
	struct stat st;
	struct flock fl;
	char *path;
	char pid[32];
	int n;

	s->dir = NULL;
	s->lockfd = -1;
	/* Missing parents too (-s runs/today/state), 0700 like the state. */
	if ((n = sk_file_mkdirs(dir, 0700, err)) != 0) {
		if (n != SK_EIO)
			return n;
		errno = err->errnum;
		return sk_error_sys_at(err, dir);
	}
	if (stat(dir, &st) != 0)
		return sk_error_sys_at(err, dir);
	if (!S_ISDIR(st.st_mode))
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "not a directory"), dir);
	if (st.st_uid != geteuid())
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "owned by another user"), dir);
	if (st.st_mode & 077)
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "accessible by other users (expected mode 0700)"),
				   dir);
	if (!(s->dir = strdup(dir)) || !(path = sk_path_join(dir, "lock")))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		sk_error_sys_at(err, path);
		free(path);
		return SK_EIO;
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(s->lockfd, F_SETLK, &fl) != 0) {
		const long holder = tr_state_holder(dir);
		free(path);
		close(s->lockfd);
		s->lockfd = -1;
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "in use by process %ld", holder), dir);
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(s->lockfd, 0) != 0 || pwrite(s->lockfd, pid, (size_t)n, 0) != n) {
		sk_error_sys_at(err, path);
		free(path);
		return SK_EIO;
	}
	free(path);
	if (!(path = sk_path_join(dir, "logs")))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		sk_error_sys_at(err, path);
		free(path);
		return SK_EIO;
	}
	free(path);
	return 0;
}

/* Writes data to path through a temporary (lib/core ofile, which syncs it
 * before the rename, so that the file outlasts a crash). */
static int write_synced(const char *path, const char *data, size_t n, struct sk_error *err)
{
	struct sk_ofile f = {-1, NULL, NULL, -1};
	struct sk_error e;
	int rc = sk_ofile_open(&f, path, &e);

	if (!rc)
		rc = sk_ofile_write(&f, data, n, &e);
	if (!rc)
		rc = sk_ofile_commit(&f, &e);
	else
		sk_ofile_abort(&f);
	if (rc && err)
		*err = e;
	return sk_error_at(err, rc, path);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether input piece b is input piece a with more copies (taskrun adds
 * the copies it places to the manifest: relay.c), and where b is its
 * holders when where a was a's. */
static int more_copies(const struct tr_task *a, const struct tr_task *b)
{
	struct tr_piece pa, pb;
	char *ha, *hb;
	int same;

	if (!a->input || !b->input || tr_piece_parse(a->input, &pa) != 0 || tr_piece_parse(b->input, &pb) != 0)
		return 0;
	if (pa.size != pb.size || strcmp(pa.hash, pb.hash) != 0 || pa.namelen != pb.namelen ||
	    memcmp(pa.name, pb.name, pa.namelen) != 0 || pa.linlen != pb.linlen ||
	    (pa.lin && memcmp(pa.lin, pb.lin, pa.linlen) != 0))
		return 0;
	for (int k = 0; k < pa.nloc; k++) {
		int found = 0;
		for (int j = 0; j < pb.nloc && !found; j++)
			found = pa.hostlen[k] == pb.hostlen[j] && pa.pathlen[k] == pb.pathlen[j] &&
				memcmp(pa.host[k], pb.host[j], pa.hostlen[k]) == 0 &&
				memcmp(pa.path[k], pb.path[j], pa.pathlen[k]) == 0;
		if (!found)
			return 0;
	}
	ha = tr_piece_hosts(&pa);
	hb = tr_piece_hosts(&pb);
	same = ha && hb && same_str(a->where, ha) && same_str(b->where, hb);
	free(ha);
	free(hb);
	return same || same_str(a->where, b->where);
}

/* Whether task list l is the frozen one (text) but for copies of input
 * pieces added since: the same run, resumed. */
static int same_but_copies(const char *text, const struct tr_tasklist *l)
{
	struct tr_tasklist o;
	struct sk_error e;
	int same;

	memset(&o, 0, sizeof o);
	if (tr_tasklist_parse(text, &o, &e) != 0)
		return 0;
	same = o.n == l->n;
	for (long i = 0; same && i < l->n; i++) {
		const struct tr_task *a = &o.t[i], *b = &l->t[i];
		same = same_str(a->cmd, b->cmd) && same_str(a->in, b->in) && same_str(a->out, b->out) &&
		       same_str(a->keep, b->keep) && same_str(a->apart, b->apart) &&
		       ((same_str(a->input, b->input) && same_str(a->where, b->where)) || more_copies(a, b));
	}
	tr_tasklist_release(&o);
	return same;
}

int tr_state_tasks(struct tr_state *s, const struct tr_tasklist *l, int fresh,
		   struct sk_error *err)
{
	char *path = sk_path_join(s->dir, "tasks");
	char *text = tr_tasklist_format(l), *old = NULL;
	size_t oldn;
	int rc = 0;

	if (!path || !text) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if (tr_read_file(path, &old, &oldn, err) == 0) {
		if (strcmp(old, text) == 0)
			goto out;
		/* The manifest gained copies since (relay.c): the same tasks,
		 * whose pieces now have more places; frozen as they are now. */
		if (!fresh && same_but_copies(old, l)) {
			rc = write_synced(path, text, strlen(text), err);
			goto out;
		}
		if (!fresh) {
			rc = sk_error_at(err, sk_error_set(err, SK_ESTATE, "the task list differs from the one in the "
							     "state directory (--fresh starts over)"), s->dir);
			goto out;
		}
		for (int k = 1; k < 10000; k++) {
			char name[32], *aside;
			snprintf(name, sizeof name, "old.%d", k);
			if (!(aside = sk_path_join(s->dir, name))) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto out;
			}
			if (mkdir(aside, 0700) == 0) {
				static const char *const move[] = {"tasks", "journal", "logs"};
				for (int i = 0; i < 3; i++) {
					char *from = sk_path_join(s->dir, move[i]);
					char *to = sk_path_join(aside, move[i]);
					if (from && to && rename(from, to) != 0 && errno != ENOENT)
						rc = sk_error_sys_at(err, from);
					free(from);
					free(to);
				}
				free(aside);
				break;
			}
			free(aside);
			if (errno != EEXIST) {
				rc = sk_error_sys_at(err, s->dir);
				break;
			}
		}
		if (rc)
			goto out;
		{
			char *logs = sk_path_join(s->dir, "logs");
			if (logs && mkdir(logs, 0700) != 0 && errno != EEXIST)
				rc = sk_error_sys_at(err, logs);
			free(logs);
			if (rc)
				goto out;
		}
	} else if (err && err->errnum != ENOENT) {
		rc = err->code;
		goto out;
	}
	/* The commit syncs the directory too. */
	rc = write_synced(path, text, strlen(text), err);
out:
	free(old);
	free(path);
	free(text);
	return rc;
}

void tr_state_close(struct tr_state *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd);
	s->lockfd = -1;
	free(s->dir);
	s->dir = NULL;
}
