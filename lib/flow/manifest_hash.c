/* manifest_hash: files' xxh64 and a piece's check against its manifest
 * (manifest.h).  Moved out of manifest.c as it was. */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "file.h"
#include "stream.h"

int sk_file_xxh64(const char *path, uint64_t *hash, uint64_t *size, struct sk_error *err)
{
	const size_t bufsz = 1 << 20;
	XXH64_state_t *st = XXH64_createState();
	unsigned char *buf = malloc(bufsz);
	const int fd = open(path, O_RDONLY);
	uint64_t total = 0;
	int rc = 0;

	if (!st || !buf) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	if (fd < 0) {
		rc = sk_error_sys(err, "%s", "");
		goto out;
	}
	XXH64_reset(st, 0);
	for (;;) {
		const ssize_t got = read(fd, buf, bufsz);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = sk_error_sys(err, "read");
			goto out;
		}
		if (got == 0)
			break;
		XXH64_update(st, buf, (size_t)got);
		total += (uint64_t)got;
	}
	*hash = (uint64_t)XXH64_digest(st);
	*size = total;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	XXH64_freeState(st);
	return rc;
}

int sk_manifest_check(const struct sk_manifest *m, size_t i, int checksums,
		      struct sk_error *err)
{
	const struct sk_mpiece *p = &m->pieces[i];
	const struct sk_info *info;
	struct sk_reader *r = NULL;
	struct stat st;
	char path[4096];
	int64_t count;
	int rc;

	if ((rc = sk_manifest_piece_path(m, i, path, sizeof path, err)) < 0)
		return rc;
	if (stat(path, &st) != 0)
		return sk_error_at(err, sk_error_sys(err, "%s", ""), path);
	if ((uint64_t)st.st_size != p->bytes)
		return sk_error_at(err, sk_error_set(err, SK_ESTATE, "%" PRIu64 " bytes, the manifest says %" PRIu64 " (%s)",
				    (uint64_t)st.st_size, p->bytes,
				    (uint64_t)st.st_size < p->bytes ? "truncated" : "longer than written"), path);
	if ((rc = sk_reader_open(path, m->fmt, &r, err)) < 0)
		return rc;
	info = sk_reader_info(r);
	if (info->ns != m->ns)
		rc = sk_error_set(err, SK_ESTATE, "ns %ld, the manifest says %ld", info->ns, m->ns);
	else if (info->dt != m->dt)
		rc = sk_error_set(err, SK_ESTATE, "dt %g, the manifest says %g", info->dt, m->dt);
	else if (info->hdrlen != m->hdrlen)
		rc = sk_error_set(err, SK_ESTATE, "trace header length %zu, the manifest says %zu",
				  info->hdrlen, m->hdrlen);
	if (rc < 0)
		goto out;
	count = info->ntraces;
	if (count < 0) {
		/* No count in the file (a compressed or unterminated sgk stream):
		 * read through it, which also proves it is readable. */
		while ((rc = sk_reader_next(r, NULL, NULL, err)) == 1)
			;
		if (rc < 0)
			goto out;
		count = sk_reader_tell(r);
	}
	if (count != p->traces) {
		rc = sk_error_set(err, SK_ESTATE, "%" PRId64 " traces, the manifest says %" PRId64,
				  count, p->traces);
		goto out;
	}
	if (checksums) {
		uint64_t h, size;
		if ((rc = sk_file_xxh64(path, &h, &size, err)) < 0)
			goto out;
		if (h != p->xxh64)
			rc = sk_error_set(err, SK_ESTATE,
					  "xxh64 %016" PRIx64 ", the manifest says %016" PRIx64
					  " (changed since the split, or a piece of another split)",
					  h, p->xxh64);
	}
out:
	sk_reader_free(r);
	return sk_error_at(err, rc, path);
}

struct sk_xxh64 {
	XXH64_state_t *st;
};

struct sk_xxh64 *sk_xxh64_new(void)
{
	struct sk_xxh64 *h = malloc(sizeof *h);

	if (!h)
		return NULL;
	if (!(h->st = XXH64_createState())) {
		free(h);
		return NULL;
	}
	XXH64_reset(h->st, 0);
	return h;
}

void sk_xxh64_update(struct sk_xxh64 *h, const void *p, size_t n)
{
	XXH64_update(h->st, p, n);
}

uint64_t sk_xxh64_digest(const struct sk_xxh64 *h)
{
	return (uint64_t)XXH64_digest(h->st);
}

void sk_xxh64_free(struct sk_xxh64 *h)
{
	if (!h)
		return;
	XXH64_freeState(h->st);
	free(h);
}
