/*
 * ofile_behind: a helper thread that makes a file's data durable (fdatasync)
 * while its writer goes on writing: io.h sk_out_sync_behind, through
 * ofile.h sk_ofile_behind.
 *
 * Why: the sync before an output's rename waits for the disk to flush what
 * came since its last flush, not only for what is still unwritten.  On
 * this machine's disk (ext4 on a virtual disk), fsync after 88 MiB written
 * with write-back started every 16 MiB (sync_file_range, as io_out.c does)
 * or every 1 MiB waited 50-80 ms, at any pace of the writes (0.35-5 GB/s),
 * against 2-4 ms for a new file of 4 KiB or 1 MiB.  With an fdatasync behind
 * the writer after each start of write-back, the wait after a 4 MiB write
 * every 5 ms was 8.5 ms instead of 57; regrid nearest's 90 MB output on 2
 * threads: close and commit 21-44 ms instead of 58-77 (load 7).  The writer
 * pays a wake-up: the helper sleeps in the kernel while the disk works.
 */
#ifndef SK_OFILE_BEHIND_H
#define SK_OFILE_BEHIND_H

struct sk_syncbehind;

/* A helper that syncs fd when asked (every signal blocked in it, so that
 * the process's handlers run where they did); NULL when a thread cannot be
 * had, and the caller goes on without. */
struct sk_syncbehind *sk_syncbehind_new(int fd);
/* Asks for a sync of what is written so far; one that is asked for while
 * another runs follows it; asks that come before it starts are one. */
void sk_syncbehind_kick(struct sk_syncbehind *s);
/* Ends the helper: waits for the sync that is running (one asked for and
 * not started is dropped: the caller syncs next), frees it; 0, or the
 * errno of the first of its syncs that failed (EINVAL, a file system with
 * nothing to sync, is not a failure).  A write-back error is reported once
 * per descriptor, so the caller's own fsync would not see it again: the
 * caller must report this one. */
int sk_syncbehind_end(struct sk_syncbehind *s);
/* The syncs it has made (finished) so far, for tests. */
long sk_syncbehind_done(struct sk_syncbehind *s);

#endif
