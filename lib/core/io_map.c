/*
 * io_map: a regular file read through a mapping of it (io.h sk_in_map).
 * read() copies every byte from the page cache into the reader's buffer:
 * the one cost `cat` has, and the one a format conversion that keeps the
 * samples as they are (IBM SEG-Y -> sgk) cannot avoid that way.  Mapped,
 * the consumer works on the page cache itself: written out with write or
 * writev, the bytes are copied once (into /dev/null not at all), and only
 * the pages touched (a trace header's) cost a page fault.
 */
#define _DEFAULT_SOURCE /* madvise and MADV_DONTNEED are not POSIX */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_internal.h"

/* A window: what sk_in_need maps at least, and what is given back at a
 * time behind the consumer. */
#define MAP_WIN ((size_t)16 << 20)
#define MAP_PAGE ((size_t)4096)

int sk_in_map(struct sk_in *in)
{
	const size_t left = in->end - in->beg;
	size_t len;
	void *m;

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* Fuzz inputs are a few KB: nothing to gain, and the small buffers
	 * of the fuzz build are what finds the refill bugs. */
	return 0;
#endif
	if (in->map || in->ra || in->tap || !in->seekable || in->size <= 0 || (uint64_t)in->size > SIZE_MAX / 4)
		return 0;
	len = (size_t)in->size;
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, in->fd, 0);
	if (m == MAP_FAILED)
		return 0;
	/* Pages are read in ahead, and dropped from the cache's active list
	 * early, as for read() of a file read once. */
	(void)madvise(m, len, MADV_SEQUENTIAL);
	free(in->buf);
	in->map = m;
	in->mapped = len;
	in->dropped = 0;
	/* A seekable input's offsets are the file's: the unread bytes
	 * buffered are where they were read from. */
	in->buf = m;
	in->beg = (size_t)in->pos;
	in->end = in->beg + left;
	in->cap = len;
	in->eof = in->end >= len;
	return 0;
}

int sk_io_map_end(struct sk_in *in, struct sk_error *err)
{
	munmap(in->map, in->mapped);
	in->map = NULL;
	in->buf = NULL;
	in->beg = in->end = in->cap = 0;
	in->eof = 0;
	if (!(in->buf = malloc(IO_BUF)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	in->cap = IO_BUF;
	if (lseek(in->fd, (off_t)in->pos, SEEK_SET) < 0)
		return sk_error_sys(err, "seek to byte %lld", (long long)in->pos);
	return 0;
}

int64_t sk_io_map_need(struct sk_in *in, size_t n, struct sk_error *err)
{
	const size_t want = n > MAP_WIN ? n : MAP_WIN;
	struct stat st;
	size_t end;
	int rc;

	if (in->beg >= in->mapped) {
		in->end = in->beg;
		in->eof = 1;
		return 0;
	}
	end = want < in->mapped - in->beg ? in->beg + want : in->mapped;
	/* Touching a page past the end of a file that shrank would be
	 * SIGBUS: the file is read by read() from here, which meets its end
	 * where it is. */
	if (fstat(in->fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size < end) {
		if ((rc = sk_io_map_end(in, err)) < 0)
			return rc;
		return sk_io_need(in, n, err);
	}
	/* The pages behind the consumer leave its mapping (they stay in the
	 * page cache): what is mapped stays about two windows. */
	{
		const size_t page = in->beg / MAP_PAGE * MAP_PAGE;
		if (page < in->dropped)
			in->dropped = page;  /* sought back */
		if (page - in->dropped >= MAP_WIN) {
			(void)madvise(in->map + in->dropped, page - in->dropped, MADV_DONTNEED);
			in->dropped = page;
		}
	}
	in->end = end;
	in->eof = end == in->mapped;
	return (int64_t)(end - in->beg < n ? end - in->beg : n);
}
