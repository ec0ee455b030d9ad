/*
 * batchread: many reads of one file at given offsets in one system call
 * (Linux io_uring), for a caller that reads scattered records it knows
 * ahead (regrid's kept traces, read back in place).  A pread costs a
 * system call each, 2.5-4.8 us on this project's virtual machines; 85,000
 * records of 2,240 bytes from the page cache took 0.26 s by pread and 0.07
 * s in batches of 64 (0.84 us a record).
 *
 * Where the kernel has no io_uring or refuses it (a seccomp filter, a
 * sysctl, a kernel older than 5.6), sk_batchread_new returns NULL and the
 * caller reads as before: nothing depends on it but speed.
 */
#ifndef SK_BATCHREAD_H
#define SK_BATCHREAD_H

#include <stddef.h>
#include <stdint.h>

struct sk_batchread;

/* A ring for reads of fd, up to SK_BATCHREAD_MAX at once; NULL when io_uring
 * is not available (or read() of fd through it fails: one byte at offset 0
 * is read to find out), when fd's file system cannot read a cached page
 * without blocking (preadv2 RWF_NOWAIT of the first byte, which the caller
 * has read before, fails: tmpfs here hands such reads to a worker thread),
 * or when SEGKIT_NO_URING is set in the environment (tests of the path
 * without it). */
#define SK_BATCHREAD_MAX 128
struct sk_batchread *sk_batchread_new(int fd);
void sk_batchread_free(struct sk_batchread *b);

/* Reads len[i] bytes at offset off[i] into buf[i], for i < n (any n: in
 * rounds of SK_BATCHREAD_MAX), and waits for all of them; got[i] receives
 * the bytes read (fewer at the end of the file) or -errno.  Returns 0, or
 * -errno when the ring itself failed (then got[] of the reads not done is
 * -EIO; every read submitted has ended when it returns, so the buffers are
 * the caller's again). */
int sk_batchread_run(struct sk_batchread *b, long n, void *const *buf, const size_t *len, const int64_t *off,
		     long *got);

#endif
