/*
 * file: the small file-system mechanisms every writer and reader shares,
 * each in one place: writing a whole buffer, reading a whole file,
 * creating a directory with its parents (mkdir -p) and joining a directory
 * and a name into a path.
 *
 * Errors are SK_EIO with the errno text alone as the message ("No space left
 * on device"): the caller knows which file it is about and names it.
 */
#ifndef SK_FILE_H
#define SK_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

/* Writes n bytes to fd, retrying after short writes and EINTR. */
int sk_file_write_all(int fd, const void *p, size_t n, struct sk_error *err);
/* The same at offset off (pwrite), for a seekable fd. */
int sk_file_pwrite_all(int fd, const void *p, size_t n, int64_t off, struct sk_error *err);
/* Reads n bytes at offset off (pread) into p, retrying after short reads and
 * EINTR; *got receives the bytes read, fewer than n only at the end of the
 * file.  Moves no file offset, so threads may share fd. */
int sk_file_pread_all(int fd, void *p, size_t n, int64_t off, size_t *got, struct sk_error *err);
/* Reads the whole file at path into a malloc'd buffer, NUL-terminated (the
 * NUL not counted in *len; len may be NULL).  A directory is SK_EIO with
 * EISDIR. */
int sk_file_read_all(const char *path, char **out, size_t *len, struct sk_error *err);
/* Where a text file (YAML, a host file) read whole is binary: the offset of
 * its first byte no text of ours holds (a C0 control other than tab, line
 * feed and carriage return, or DEL: YAML 1.1's printable set), or len for
 * none.  A buffer that starts with a UTF-16 or UTF-32 byte order mark is
 * text (libyaml reads UTF-16 and says what it refuses).  A SEG-Y, SU or sgk
 * file given for a text one fails here; sk_not_text (stream.h) names it. */
size_t sk_file_binary_at(const void *buf, size_t len);
/* Creates directory path and its missing parents with mode (as mkdir -p);
 * an existing directory is fine, anything else in the way is ENOTDIR or
 * EEXIST. */
int sk_file_mkdirs(const char *path, mode_t mode, struct sk_error *err);
/* "dir/name" in a malloc'd string (NULL when out of memory). */
char *sk_path_join(const char *dir, const char *name);

#endif
