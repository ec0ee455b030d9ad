/*
 * ofile: output files that appear complete or not at all.
 *
 * A file is written to a temporary file beside its target (".NAME.XXXXXX",
 * made by mkstemp, so the rename stays on one file system), synced to the
 * disk (fsync) and closed, then renamed over the target on commit, after
 * which the directory is synced; an abort removes it.  The sync before the
 * rename is what reports an error a file system only sees at write-back
 * (NFS, a failing disk under the page cache): the target keeps its old
 * bytes then.  If the directory sync fails, the rename has happened: the
 * error is about the directory ("DIR: NAME is in place, but syncing the
 * directory failed (a system crash may undo the rename): Input/output
 * error") and the caller still fails; the target holds the new bytes.
 *
 * A set commits several files together (segsplit's pieces and manifest):
 * they stay temporaries until the set commits, and a directory the set
 * created goes with them when it aborts.
 *
 * Every temporary is in a registry that the handlers sk_ofile_signals
 * installs for SIGINT, SIGTERM and SIGHUP read: they remove every temporary
 * (and directory) the process registered, restore the default disposition
 * and raise the signal again, so the process dies of it (status 128+n in a
 * shell) and leaves nothing behind.  At exit, whatever is still registered
 * is removed too, so exit() in the middle of a write leaves nothing either.
 * Registry updates happen with those signals blocked and under a lock the
 * handlers take, so a handler never sees a half-made change, in any thread.
 *
 * Errors are SK_EIO with the errno text as the message ("No space left on
 * device"): the caller names the file, which is the target the user gave;
 * only a failed directory sync names its directory itself (sk_error_at).
 */
#ifndef SK_OFILE_H
#define SK_OFILE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* Initialise with {-1, NULL, NULL, -1} (or through sk_ofile_open). */
struct sk_ofile {
	int fd;              /* the file being written, -1 once closed */
	char *path;          /* the target (NULL for a device) */
	char *tmp;           /* the temporary file's name, NULL when there is none */
	int slot;            /* registry slot, -1 when not registered */
};

/* Creates the temporary file for target path (mode 0666 less the umask, as
 * a new file gets).  A target that exists and is not a regular file (a
 * device, a fifo) is opened and written directly, without a temporary; a
 * directory is EISDIR.  On failure f holds nothing to release. */
int sk_ofile_open(struct sk_ofile *f, const char *path, struct sk_error *err);
int sk_ofile_write(struct sk_ofile *f, const void *p, size_t n, struct sk_error *err);
/* Syncs the temporary file's data and size to the disk (fsync), so that a
 * write error the file system reports only at write-back is seen before the
 * rename.  Nothing to do for a device or a closed file.  The environment
 * variable SEGKIT_TEST_FSYNC=0 turns this and the directory syncs off (the
 * test suite's speed, as git's GIT_TEST_FSYNC). */
int sk_ofile_sync(struct sk_ofile *f, struct sk_error *err);
/* Syncs (sk_ofile_sync) and closes the temporary file, checking both
 * (deferred write errors show there); the file stays registered until
 * committed or aborted.  A caller that writes through stdio gives fdopen a
 * dup of f->fd, so that this close still syncs. */
int sk_ofile_close(struct sk_ofile *f, struct sk_error *err);
/* Starts writing bytes [off, off + len) of the temporary file to the disk,
 * without waiting (sync_file_range), so that its sync finds less to do:
 * for a writer to call as it goes.  Nothing for a device, a closed file, or
 * without syncs (SEGKIT_TEST_FSYNC=0). */
void sk_ofile_writeback(const struct sk_ofile *f, int64_t off, int64_t len);
struct sk_syncbehind;
/* A helper thread that makes f's data durable behind its writer
 * (ofile_behind.h), or NULL: for a device, a closed file, without syncs
 * (SEGKIT_TEST_FSYNC=0), or without a thread. */
struct sk_syncbehind *sk_ofile_behind(const struct sk_ofile *f);
/* Closes (when still open, with sk_ofile_close's sync), renames the
 * temporary over the target and syncs the directory.  On a failure before
 * the rename the temporary is removed and the target is untouched; a failed
 * directory sync is an error about the directory (see above).  f is
 * released either way. */
int sk_ofile_commit(struct sk_ofile *f, struct sk_error *err);
/* Closes and removes the temporary; releases f.  Does nothing more on a
 * released f. */
void sk_ofile_abort(struct sk_ofile *f);

struct sk_ofset {
	struct sk_ofile *f;  /* temporaries, committed in this order */
	size_t n, cap;
	size_t open;         /* f[open..n) are still open, not yet synced */
	char *dir;           /* a directory the set created, or NULL */
	int dir_slot;
	long failed;         /* after a failed commit: the file (index) that failed */
};

void sk_ofset_init(struct sk_ofset *s);
/* Makes sure directory dir exists; when it has to be created (its parent
 * must exist), it is registered, and removed again if the set aborts or a
 * signal kills the process first.  ENOTDIR when dir is something else. */
int sk_ofset_mkdir(struct sk_ofset *s, const char *dir, struct sk_error *err);
/* Moves f into the set; f is released.  Its sync waits for the commit (its
 * pages are sent to the disk now, without waiting), or, once more than 16
 * files of the set are open, for the next adds (the oldest first): a failure
 * then is about that file (sk_error_at names it, s->failed says which).  On
 * failure f is aborted. */
int sk_ofset_add(struct sk_ofset *s, struct sk_ofile *f, struct sk_error *err);
/* Syncs and closes every file of the set not yet synced, in the order they
 * were added (a failure names its file, as sk_ofset_add's): the syncs
 * sk_ofset_commit would do first, done before what is written last, so
 * that a failure is about the first file that failed. */
int sk_ofset_sync(struct sk_ofset *s, struct sk_error *err);
/* Syncs and closes the files not yet synced (a failure names the file and
 * renames none), renames every temporary over its target, in order, with the
 * signals held off until all are done, then syncs the directories (a failure
 * there is about the directory, after the renames, as for one file).  If a
 * rename fails, the ones done are renamed
 * back (a target that existed before stays replaced) and s->failed says
 * which file failed; sk_ofset_abort then removes the rest. */
int sk_ofset_commit(struct sk_ofset *s, struct sk_error *err);
/* Removes every temporary still in the set and the directory the set
 * created, and releases s; after a commit it only releases s. */
void sk_ofset_abort(struct sk_ofset *s);

/*
 * A spool file: an unlinked temporary file in $TMPDIR (else /tmp) for data
 * that must be read twice, such as a pipe.  Unlinked before any signal can
 * be handled, so its space is freed however the process ends.  name is a
 * prefix for the file name ("migrate-spool").  Returns the descriptor (read
 * and write), or an error (SK_EIO about the directory, sk_error_at).
 */
int sk_ofile_spool(const char *name, struct sk_error *err);
/* The same, with the path it had (for errors about it: a full $TMPDIR) in
 * path (n bytes; cut when longer). */
int sk_ofile_spool_at(const char *name, char *path, size_t n, struct sk_error *err);

/* Installs the handlers (sk_init calls it).  A signal the process was
 * started with ignored (nohup's SIGHUP, SIGINT of a background job in a
 * non-interactive shell) stays ignored: that is what the caller asked for.
 * SIGBUS too, unless another handler has it (ASan's): a mapped input file
 * cut short under its reader, or whose pages could not be read (io.h
 * sk_in_map), ends the process as it would, but without its temporaries
 * and with a message naming the file (sk_ofile_bus_name). */
void sk_ofile_signals(void);
/* Names the file a bus error would come from (the one sk_in_map mapped
 * last; NULL: none; not copied: valid until named again): the SIGBUS
 * handler then writes "prog: NAME: could not be read (a bus error): it was
 * cut short while being read, or reading it failed" to standard error
 * first. */
void sk_ofile_bus_name(const char *name);
/* pthread_create of fn(arg) with every signal blocked in the new thread, so
 * that signals reach the threads where they were handled before (the
 * handlers above remove the temporaries there); its return value. */
int sk_ofile_thread(pthread_t *th, void *(*fn)(void *), void *arg);
/* The number of temporaries and directories registered (for tests). */
size_t sk_ofile_registered(void);

#endif
