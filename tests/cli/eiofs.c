/*
 * eiofs: a FUSE file system for the I/O-error tests (interrupt.bats).  It
 * passes every operation through to a backing directory, except that writes
 * to files fail with EIO, the errno a disk or a network file system gives:
 *
 *   eiofs write BACKING MOUNTPOINT   write(2) of a file fails with EIO
 *   eiofs close BACKING MOUNTPOINT   writes succeed, close(2) of a file
 *                                    opened for writing fails with EIO (as
 *                                    NFS reports a failed write-back)
 *   eiofs fsync BACKING MOUNTPOINT   writes and close succeed, fsync(2) of a
 *                                    file fails with EIO (a write-back that
 *                                    fails after close, as NFS or a disk
 *                                    under the page cache reports it)
 *   eiofs dirsync BACKING MOUNTPOINT everything succeeds except fsync(2) of
 *                                    a directory, which fails with EIO
 *   eiofs read BACKING MOUNTPOINT    reading a file beyond its first 4 MiB
 *                                    fails with EIO (a bad sector further
 *                                    on: the file opens and its headers
 *                                    read), through the page cache, so a
 *                                    file can be mapped (mmap(2))
 *   eiofs readdirect BACKING MOUNTPOINT  the same with direct I/O, as the
 *                                    other modes: no file can be mapped
 *                                    (mmap fails with ENODEV)
 *
 * It stays in the foreground, single-threaded; the test unmounts it by its
 * mount point and then waits for it.  The kernel hands the error to the
 * program under test exactly as it would a failing disk's.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

static const char *backing;
static enum { FAIL_WRITE, FAIL_CLOSE, FAIL_FSYNC, FAIL_DIRSYNC, FAIL_READ, FAIL_READ_DIRECT } fail;

/* A file handle is the backing fd, with this bit when it was opened for
 * writing (FUSE gives flush no open flags). */
#define WROTE ((uint64_t)1 << 32)
#define FD(fi) ((int)((fi)->fh & 0xffffffffu))

static uint64_t handle(int fd, int flags)
{
	return (uint64_t)fd | ((flags & O_ACCMODE) != O_RDONLY ? WROTE : 0);
}

static const char *full(const char *path, char *buf)
{
	snprintf(buf, PATH_MAX, "%s%s", backing, path);
	return buf;
}

#define P(path) full(path, (char[PATH_MAX]){0})
#define SYS(call) ((call) < 0 ? -errno : 0)

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;
	cfg->direct_io = fail != FAIL_READ;  /* every write(2) reaches fs_write */
	return NULL;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	return fi ? SYS(fstat(FD(fi), st)) : SYS(lstat(P(path), st));
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	DIR *d = opendir(P(path));
	struct dirent *e;

	(void)off;
	(void)fi;
	(void)flags;
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		fill(buf, e->d_name, NULL, 0, 0);
	closedir(d);
	return 0;
}

static int fs_mkdir(const char *path, mode_t mode) { return SYS(mkdir(P(path), mode)); }
static int fs_rmdir(const char *path) { return SYS(rmdir(P(path))); }
static int fs_unlink(const char *path) { return SYS(unlink(P(path))); }
static int fs_access(const char *path, int mask) { return SYS(access(P(path), mask)); }

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (flags)
		return -EINVAL;
	return SYS(rename(full(from, a), full(to, b)));
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return fi ? SYS(fchmod(FD(fi), mode)) : SYS(chmod(P(path), mode));
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	return fi ? SYS(fchown(FD(fi), uid, gid)) : SYS(lchown(P(path), uid, gid));
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	return fi ? SYS(ftruncate(FD(fi), size)) : SYS(truncate(P(path), size));
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	return fi ? SYS(futimens(FD(fi), tv)) : SYS(utimensat(AT_FDCWD, P(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	const int fd = open(P(path), fi->flags, mode);
	if (fd < 0)
		return -errno;
	fi->fh = handle(fd, fi->flags);
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	const int fd = open(P(path), fi->flags);
	if (fd < 0)
		return -errno;
	fi->fh = handle(fd, fi->flags);
	return 0;
}

static int fs_read(const char *path, char *buf, size_t n, off_t off, struct fuse_file_info *fi)
{
	ssize_t r;
	(void)path;
	if ((fail == FAIL_READ || fail == FAIL_READ_DIRECT) && off + (off_t)n > ((off_t)4 << 20))
		return -EIO;
	r = pread(FD(fi), buf, n, off);
	return r < 0 ? -errno : (int)r;
}

static int fs_write(const char *path, const char *buf, size_t n, off_t off, struct fuse_file_info *fi)
{
	ssize_t r;
	(void)path;
	if (fail == FAIL_WRITE)
		return -EIO;
	r = pwrite(FD(fi), buf, n, off);
	return r < 0 ? -errno : (int)r;
}

static int fs_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return fail == FAIL_CLOSE && (fi->fh & WROTE) ? -EIO : 0;
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close(FD(fi));
	return 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	if (fail == FAIL_FSYNC)
		return -EIO;
	return SYS(datasync ? fdatasync(FD(fi)) : fsync(FD(fi)));
}

static int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	(void)fi;
	return fail == FAIL_DIRSYNC ? -EIO : 0;
}

static int fs_statfs(const char *path, struct statvfs *st) { return SYS(statvfs(P(path), st)); }

static const struct fuse_operations ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readdir = fs_readdir,
	.mkdir = fs_mkdir,
	.rmdir = fs_rmdir,
	.unlink = fs_unlink,
	.access = fs_access,
	.rename = fs_rename,
	.chmod = fs_chmod,
	.chown = fs_chown,
	.truncate = fs_truncate,
	.utimens = fs_utimens,
	.create = fs_create,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.flush = fs_flush,
	.release = fs_release,
	.fsync = fs_fsync,
	.fsyncdir = fs_fsyncdir,
	.statfs = fs_statfs,
};

int main(int argc, char **argv)
{
	static char root[PATH_MAX];
	static const char *const modes[] = {"write", "close", "fsync", "dirsync", "read", "readdirect"};
	char *fargv[] = {argv[0], "-f", "-s", argc > 3 ? argv[3] : NULL, NULL};
	int m = 0;

	while (argc == 4 && m < 6 && strcmp(argv[1], modes[m]) != 0)
		m++;
	if (argc != 4 || m == 6 || !realpath(argv[2], root)) {
		fprintf(stderr, "usage: eiofs write|close|fsync|dirsync|read|readdirect BACKING MOUNTPOINT\n");
		return 2;
	}
	fail = m;
	backing = root;
	return fuse_main(4, fargv, &ops, NULL);
}
