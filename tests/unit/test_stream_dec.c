/* Decoding ahead (stream_dec.c): after sk_reader_parallel, SEG-Y and SU
 * traces decoded in a worker thread come out exactly as the serial path
 * gives them, from a file and from a pipe, and an error in the middle (a
 * word the decoder refuses, found by the worker; an ns that differs or a cut
 * trace, found while gathering) is reported as the serial path reports it:
 * the same code and message (trace number and byte), after the same traces.
 * Raw reading after decoded reading goes on at the first trace not handed
 * out in a file, and fails with SK_ESTATE on a pipe (its bytes are gone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cpus.h"
#include "hdr.h"
#include "segy.h"
#include "stream.h"

#define NS 100
#define NT 3500   /* 3 batches of up to 1 MiB of raw records */

static char dir[64];

/* A SEG-Y file of NT traces, format code (1 IBM or 4 fixed point with
 * gain); trace bad_word (1-based, 0 for none) has a sample format 4 refuses;
 * trace bad_ns has another ns in its header; the file is cut cut bytes
 * short. */
static int make(const char *path, int code, int bad_word, int bad_ns, long cut)
{
	unsigned char h[SK_SEGY_HDR], t[240 + 4 * NS];
	struct sk_error err;
	unsigned seed = 1;
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	sk_segy_default(h);
	if (sk_segy_set_bin(h, 0, 0, code, NS, 2000, &err) < 0)
		return -1;
	/* Not fixed-length: each header's ns is checked. */
	sk_segy_put(h, 3503, 2, 0, 0);
	fwrite(h, 1, sizeof h, f);
	for (int i = 1; i <= NT; i++) {
		memset(t, 0, 240);
		sk_hdr_set_i32(t, SK_TR_TRACL, i);
		sk_hdr_set_i16(t, SK_TR_NS, i == bad_ns ? NS - 1 : NS);
		sk_hdr_set_i16(t, SK_TR_DT, 2000);
		for (size_t k = 240; k < sizeof t; k++) {
			seed = seed * 1103515245u + 12345u;
			t[k] = (unsigned char)(seed >> 16);
		}
		if (code == 4)
			for (size_t k = 240; k < sizeof t; k += 4) {
				t[k] = 0;
				t[k + 1] &= 0x1f;
			}
		if (i == bad_word)
			t[240 + 4 * 37] = 0x41;
		if (i == NT && cut) {
			fwrite(t, 1, sizeof t - (size_t)cut, f);
			break;
		}
		fwrite(t, 1, sizeof t, f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* Reads path (from a pipe when from_pipe) with or without read-ahead:
 * traces into out (NT x (240 + 4 NS) bytes), their count, and the code and
 * message that ended it.  With switch_at > 0, raw records from that trace
 * on (sk_reader_next_raw), their header blocks into out. */
static int read_all(const char *path, int from_pipe, int ahead, int switch_at, unsigned char *out, int *count,
		    struct sk_error *err)
{
	enum { REC = 240 + 4 * NS };
	struct sk_reader *r;
	char name[64], cmd[200];
	int fd[2] = {-1, -1}, rc;
	pid_t pid = 0;

	*count = 0;
	if (from_pipe) {
		if (pipe(fd) != 0)
			return -99;
		if ((pid = fork()) == 0) {
			close(fd[0]);
			dup2(fd[1], 1);
			snprintf(cmd, sizeof cmd, "cat %s", path);
			_exit(system(cmd) == 0 ? 0 : 1);
		}
		close(fd[1]);
		snprintf(name, sizeof name, "/dev/fd/%d", fd[0]);
	}
	if ((rc = sk_reader_open(from_pipe ? name : path, SK_FMT_AUTO, &r, err)) == 0) {
		if (ahead)
			CHECK(sk_reader_parallel(r, err) == 0);
		int told = 1;
		for (;;) {
			unsigned char *const o = out + (size_t)*count * REC;
			if (switch_at > 0 && *count >= switch_at) {
				const unsigned char *rec;
				if ((rc = sk_reader_next_raw(r, &rec, err)) == 1)
					memcpy(o, rec, 240);
			} else {
				rc = sk_reader_next(r, o, (float *)(void *)(o + 240), err);
			}
			if (rc != 1)
				break;
			told &= sk_reader_tell(r) == *count + 1;
			if (++*count == NT)
				break;
		}
		CHECK(told);
		if (rc == 1)
			rc = sk_reader_next(r, NULL, NULL, err);
		sk_reader_free(r);
	}
	if (from_pipe) {
		int status;
		close(fd[0]);
		waitpid(pid, &status, 0);
	}
	return rc;
}

static void compare(const char *what, const char *path, int switch_at, int want_rc, int want_n, const char *msg)
{
	enum { REC = 240 + 4 * NS };
	static unsigned char a[NT * REC], b[NT * REC];

	for (int p = 0; p < 2; p++) {
		struct sk_error e1, e2;
		int n1, n2;
		int r1, r2;
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		sk_error_clear(&e1);
		sk_error_clear(&e2);
		r1 = read_all(path, p, 0, switch_at, a, &n1, &e1);
		r2 = read_all(path, p, 1, switch_at, b, &n2, &e2);
		CHECKF(r1 == want_rc && r2 == r1 && n1 == want_n && n2 == n1 && memcmp(a, b, (size_t)n1 * REC) == 0 &&
		       strcmp(e1.msg, e2.msg) == 0 && strncmp(e2.msg, msg, strlen(msg)) == 0,
		       "%s, pipe %d: rc %d %d, %d %d traces, '%s' / '%s'", what, p, r1, r2, n1, n2, e1.msg, e2.msg);
	}
}

int main(void)
{
	char path[128], msg[200];
	enum { REC = 240 + 4 * NS };

	snprintf(dir, sizeof dir, "/tmp/test_stream_dec_%ld", (long)getpid());
	mkdir(dir, 0700);
	if (sk_cpus_usable() < 2)
		printf("# one CPU: no decoding ahead; the serial path is compared with itself\n");

	snprintf(path, sizeof path, "%s/ok.sgy", dir);
	CHECK(make(path, 1, 0, 0, 0) == 0);
	compare("IBM", path, 0, 0, NT, "");
	/* Raw records after 2,345 decoded ones go on at trace 2,346 in a
	 * file; a pipe cannot give back the bytes read ahead. */
	{
		static unsigned char a[NT * REC], b[NT * REC];
		struct sk_error e1, e2;
		int n1, n2;
		const int r1 = read_all(path, 0, 0, 2345, a, &n1, &e1), r2 = read_all(path, 0, 1, 2345, b, &n2, &e2);
		CHECKF(r1 == 0 && r2 == 0 && n1 == NT && n2 == NT && memcmp(a, b, sizeof a) == 0, "%d %d %d %d", r1, r2,
		       n1, n2);
		/* On a pipe: the same, when the bytes read ahead are still
		 * buffered (it depends on the pipe's chunks), else SK_ESTATE. */
		for (int k = 0; k < 3; k++) {
			const int r3 = read_all(path, 1, 1, 2345, b, &n2, &e2);
			CHECKF((r3 == 0 && n2 == NT && memcmp(a, b, sizeof a) == 0) ||
			       (r3 == SK_ESTATE && n2 == 2345 && strncmp(e2.msg, "trace 2346: cannot go back ", 27) == 0 &&
				strstr(e2.msg, " traces in a pipe after decoding ahead") != NULL),
			       "%d %d: %s", r3, n2, e2.msg);
		}
	}

	snprintf(path, sizeof path, "%s/f4.sgy", dir);
	CHECK(make(path, 4, 3001, 0, 0) == 0);
	compare("format 4, bad word in trace 3001", path, 0, SK_EFMT, 3000,
		"trace 3001, sample 38: word 0x41");
	/* A bad word in the first batch, decoded by the worker too. */
	snprintf(path, sizeof path, "%s/f4a.sgy", dir);
	CHECK(make(path, 4, 5, 0, 0) == 0);
	compare("format 4, bad word in trace 5", path, 0, SK_EFMT, 4, "trace 5, sample 38: word 0x41");

	snprintf(path, sizeof path, "%s/ns.sgy", dir);
	CHECK(make(path, 1, 0, 2600, 0) == 0);
	snprintf(msg, sizeof msg, "trace 2600 (byte %ld): ns=99 differs", 3600L + 2599L * REC + 115);
	compare("ns of trace 2600", path, 0, SK_EFMT, 2599, msg);

	snprintf(path, sizeof path, "%s/cut.sgy", dir);
	CHECK(make(path, 1, 0, 0, 7) == 0);
	snprintf(msg, sizeof msg, "trace %d (from byte %ld) is truncated: %d of %d bytes", NT,
		 3600L + (NT - 1L) * REC + 1, REC - 7, REC);
	compare("last trace cut", path, 0, SK_EFMT, NT - 1, msg);
	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
	return test_done();
}
