/* Unit tests of lib/flow/hostfetch: a file read through a launcher (here a
 * local one that drops the host word), and the sender's checks. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hostfetch.h"

/* LAUNCHER HOST CMD...: the host word dropped, CMD run here. */
static const char local[] = "sh -c 'shift; exec \"$@\"' launcher";

int main(void)
{
	char dir[] = "/tmp/test_hostfetch.XXXXXX", path[128], msg[256], buf[64];
	struct sk_error err;
	struct sk_hostfetch f;
	FILE *fp;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/a", dir);
	fp = fopen(path, "wb");
	fputs("0123456789", fp);
	fclose(fp);

	/* The sender: size and xxh64 first (xxh64 of "0123456789", seed 0:
	 * 3f5fc178a81867e7), then the bytes. */
	{
		char *out = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&out, &len);
		CHECK(sk_hostfetch_send(path, 10, 1, 0x3f5fc178a81867e7ULL, m, &err) == 0);
		fclose(m);
		CHECK(len == 10 && memcmp(out, "0123456789", 10) == 0);
		free(out);
		CHECK(sk_hostfetch_send(path, 10, 1, 0x3f5fc178a81867e7ULL, NULL, &err) == 0);
		CHECK(sk_hostfetch_send(path, 12, 0, 0, NULL, &err) == SK_ESTATE);
		CHECK(strcmp(err.msg, "10 bytes, the record says 12 (truncated)") == 0 && strcmp(err.file, path) == 0);
		CHECK(sk_hostfetch_send(path, 9, 0, 0, NULL, &err) == SK_ESTATE);
		CHECK(strcmp(err.msg, "10 bytes, the record says 9 (longer than written)") == 0);
		CHECK(sk_hostfetch_send(path, 10, 1, 1, NULL, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "xxh64 3f5fc178a81867e7, the record says 0000000000000001") == 0, "%s", err.msg);
		CHECK(sk_hostfetch_send(path, -1, 0, 0, NULL, &err) == 0);
		snprintf(buf, sizeof buf, "%s/none", dir);
		CHECK(sk_hostfetch_send(buf, -1, 0, 0, NULL, &err) == SK_EIO);
		CHECK(strcmp(err.msg, "No such file or directory") == 0 && strcmp(err.file, buf) == 0);
	}
	/* The reader: the command's bytes, counted; its status. */
	{
		char *argv[] = {(char *)(uintptr_t)"cat", path, NULL};
		size_t k;
		CHECK(sk_hostfetch_open(local, "node9", argv, &f, &err) == 0);
		k = sk_hostfetch_read(&f, buf, sizeof buf);
		CHECK(k == 10 && memcmp(buf, "0123456789", 10) == 0 && f.bytes == 10);
		CHECK(sk_hostfetch_close(&f, msg, sizeof msg, &err) == 0);
		CHECK(strcmp(msg, "") == 0);
	}
	/* Hashed: every byte read through the stream counted and in the
	 * xxh64, whatever the reads' sizes. */
	{
		char *argv[] = {(char *)(uintptr_t)"cat", path, NULL};
		CHECK(sk_hostfetch_open(local, "node9", argv, &f, &err) == 0);
		CHECK(sk_hostfetch_hash(&f, &err) == 0);
		CHECK(fgetc(f.fp) == '0' && fread(buf, 1, 4, f.fp) == 4 && memcmp(buf, "1234", 4) == 0);
		CHECK(sk_hostfetch_read(&f, buf, sizeof buf) == 5 && memcmp(buf, "56789", 5) == 0);
		CHECK(fgetc(f.fp) == EOF && f.bytes == 10);
		CHECKF(sk_hostfetch_digest(&f) == 0x3f5fc178a81867e7ULL, "%016llx",
		       (unsigned long long)sk_hostfetch_digest(&f));
		CHECK(sk_hostfetch_close(&f, msg, sizeof msg, &err) == 0 && f.hash == NULL && f.raw == NULL);
	}
	/* The host word reaches the launcher; a failure's last line of
	 * standard error and status (255: ssh's own). */
	{
		char *argv[] = {(char *)(uintptr_t)"ignored", NULL};
		CHECK(sk_hostfetch_open("sh -c 'echo first >&2; echo \"no route to $1\" >&2; exit 255' x", "node9", argv,
					&f, &err) == 0);
		CHECK(sk_hostfetch_read(&f, buf, sizeof buf) == 0);
		CHECK(sk_hostfetch_close(&f, msg, sizeof msg, &err) == 255);
		CHECKF(strcmp(msg, "no route to node9") == 0, "%s", msg);
	}
	/* A launcher that is not there: 127, the shell says why. */
	{
		char *argv[] = {(char *)(uintptr_t)"x", NULL};
		CHECK(sk_hostfetch_open("/nonexistent/launcher", "h", argv, &f, &err) == 0);
		CHECK(sk_hostfetch_close(&f, msg, sizeof msg, &err) == 127);
		CHECK(strstr(msg, "/nonexistent/launcher") != NULL);
	}
	unlink(path);
	rmdir(dir);
	return test_done();
}
