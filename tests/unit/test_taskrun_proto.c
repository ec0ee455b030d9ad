#include <string.h>
#include <unistd.h>

#include "../../cmd/taskrun/proto.h"
#include "check.h"

/* One agent's stream as the controller reads it (hosts.c, tr_host_read):
 * a read into the buffer every stream shares, the whole frames taken where
 * they are, a frame cut by the read's end kept in the stream's own buffer.
 * The frames taken are written again into got, which must then hold the
 * bytes that were sent. */
struct reader {
	int fd;             /* the pipe's read end, non-blocking */
	struct tr_buf keep; /* the stream's own buffer */
	struct tr_buf got;  /* the frames taken, encoded again */
	int bad;            /* a malformed frame or no memory */
	long reads;
};

/* Reads r's pipe until it is empty, through in (size bytes), whose bytes
 * read are then scribbled over, as the next stream's read would. */
static void drain(struct reader *r, char *in, size_t size)
{
	for (;;) {
		struct tr_buf tmp = {in, 0, 0, size, 1}, *b;
		struct tr_frame f;
		struct sk_error err;
		int rc;
		const ssize_t n = tr_frames_fill(r->fd, &r->keep, in, size, &tmp, &b);
		if (n <= 0)
			break;
		r->reads++;
		while ((rc = tr_proto_next(b, &f, &err)) == 1) {
			r->bad |= tr_proto_put(&r->got, f.type, f.id, f.data, f.len) != 0;
			tr_buf_consume(b, TR_PROTO_HDR + f.len);
		}
		r->bad |= rc < 0 || tr_frames_keep(&r->keep, &tmp, b) != 0;
		memset(in, 0xa5, (size_t)n);
	}
}

static void reader_open(struct reader *r, int p[2])
{
	memset(r, 0, sizeof *r);
	if (pipe(p) != 0 || tr_set_nonblock(p[0]) != 0)
		p[0] = p[1] = -1;
	r->fd = p[0];
}

/* Writes s[0..n) to fd (a pipe being drained: at most a pipe's worth). */
static int put(int fd, const char *s, size_t n)
{
	return write(fd, s, n) == (ssize_t)n ? 0 : -1;
}

/* r got exactly the n bytes of s, and keeps nothing (its buffer freed). */
static int got_all(const struct reader *r, const char *s, size_t n)
{
	return !r->bad && tr_buf_used(&r->got) == n && memcmp(r->got.p + r->got.off, s, n) == 0 &&
	       r->keep.p == NULL && r->keep.cap == 0;
}

/* The frames an agent sends, of every size that matters: empty payloads,
 * short ones, and one longer than a whole 64 KiB read. */
static void frames(struct tr_buf *b, int big)
{
	static char payload[70000];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (char)(i * 7 + i / 251);
	tr_proto_putf(b, TR_F_AHELLO, 0, "%d %d %d %s", TR_PROTO_VERSION, 4242, 2, "node1");
	tr_proto_put(b, TR_F_STARTED, 1, "17", 2);
	tr_proto_put(b, TR_F_OUT, 1, NULL, 0);
	tr_proto_put(b, TR_F_OUT, 1, "a\n", 2);
	if (big)
		tr_proto_put(b, TR_F_OUT, 0x01020304u, payload, sizeof payload);
	tr_proto_put(b, TR_F_ERR, 2, payload + 5, 300);
	tr_proto_putf(b, TR_F_EXIT, 1, "%d %d %d %d %d %d %d", 0, 0, 1500, 10, 20, 2048, 0);
	tr_proto_put(b, TR_F_APING, 0, "5 6", 3);
}

/* Frames cut across reads, as a slow link or a relay delivers them: every
 * one arrives whole, in order, through one buffer shared by two streams. */
static void test_cut_frames(void)
{
	struct tr_buf s = {0}, small = {0};
	static char in[65536];
	struct reader r, r2;
	int p[2], p2[2];
	size_t n, ns;

	frames(&s, 1);
	frames(&small, 0);
	n = tr_buf_used(&s);
	ns = tr_buf_used(&small);

	/* One byte at a time: each read ends inside a frame but for the last
	 * byte of each. */
	reader_open(&r, p);
	for (size_t i = 0; i < n && !r.bad; i++) {
		r.bad |= put(p[1], s.p + i, 1) != 0;
		drain(&r, in, sizeof in);
	}
	CHECK(r.reads == (long)n);
	CHECK(got_all(&r, s.p, n));
	close(p[0]);
	close(p[1]);
	tr_buf_release(&r.got);

	/* Two reads, cut at every offset of the stream (every byte of every
	 * header, and inside payloads). */
	{
		int ok = 1;
		size_t fail_at = 0;
		for (size_t k = 0; k <= ns && ok; k++) {
			reader_open(&r, p);
			r.bad |= put(p[1], small.p, k) != 0;
			drain(&r, in, sizeof in);
			r.bad |= put(p[1], small.p + k, ns - k) != 0;
			drain(&r, in, sizeof in);
			ok = got_all(&r, small.p, ns);
			fail_at = k;
			close(p[0]);
			close(p[1]);
			tr_buf_release(&r.got);
			tr_buf_release(&r.keep);
		}
		CHECKF(ok, "cut at byte %zu of %zu", fail_at, ns);
	}

	/* Reads of 4 KiB against writes of 1 to 9,000 bytes (seeded): full
	 * reads that end inside a header, a frame kept across many reads. */
	reader_open(&r, p);
	{
		unsigned x = 12345;
		for (size_t i = 0; i < n && !r.bad;) {
			size_t k;
			x = x * 1103515245u + 12345u;
			k = 1 + (x >> 8) % 9000;
			if (k > n - i)
				k = n - i;
			r.bad |= put(p[1], s.p + i, k) != 0;
			drain(&r, in, 4096);
			i += k;
		}
	}
	CHECK(r.reads > (long)(n / 4096));
	CHECK(got_all(&r, s.p, n));
	close(p[0]);
	close(p[1]);
	tr_buf_release(&r.got);

	/* Two streams through the same buffer, a byte of each in turn: a
	 * frame kept for one is not the other's, and survives the other's
	 * read into the shared buffer. */
	reader_open(&r, p);
	reader_open(&r2, p2);
	for (size_t i = 0; i < n && !r.bad && !r2.bad; i++) {
		r.bad |= put(p[1], s.p + i, 1) != 0;
		drain(&r, in, sizeof in);
		if (i < ns)
			r2.bad |= put(p2[1], small.p + i, 1) != 0;
		drain(&r2, in, sizeof in);
	}
	CHECK(got_all(&r, s.p, n));
	CHECK(got_all(&r2, small.p, ns));
	close(p[0]);
	close(p[1]);
	close(p2[0]);
	close(p2[1]);
	tr_buf_release(&r.got);
	tr_buf_release(&r2.got);

	/* The end of the stream: read(2)'s 0, nothing kept. */
	reader_open(&r, p);
	r.bad |= put(p[1], small.p, 5) != 0;
	drain(&r, in, sizeof in);
	CHECK(tr_buf_used(&r.keep) == 5 && r.keep.p != in);
	close(p[1]);
	{
		struct tr_buf tmp = {in, 0, 0, sizeof in, 1}, *b;
		CHECK(tr_frames_fill(r.fd, &r.keep, in, sizeof in, &tmp, &b) == 0 && b == &r.keep);
	}
	close(p[0]);
	tr_buf_release(&r.keep);
	tr_buf_release(&r.got);
	tr_buf_release(&s);
	tr_buf_release(&small);
}

int main(void)
{
	struct tr_buf b = {0};
	struct tr_frame f;
	struct sk_error err;
	long long v[6];
	const char *rest;
	int p[2];

	/* A frame is type, big-endian id and length, payload. */
	CHECK(tr_proto_put(&b, TR_F_RUN, 0x01020304u, "abc", 3) == 0);
	CHECK(tr_buf_used(&b) == TR_PROTO_HDR + 3);
	CHECK(memcmp(b.p, "R\x01\x02\x03\x04\x00\x00\x00\x03" "abc", 12) == 0);
	CHECK(tr_proto_next(&b, &f, &err) == 1);
	CHECK(f.type == 'R' && f.id == 0x01020304u && f.len == 3 && memcmp(f.data, "abc", 3) == 0);
	tr_buf_consume(&b, TR_PROTO_HDR + f.len);
	CHECK(tr_buf_used(&b) == 0);

	/* Partial frames wait for more bytes. */
	CHECK(tr_proto_putf(&b, TR_F_EXIT, 7, "%d %d %d", 3, 0, 1500) == 0);
	b.len -= 2;
	CHECK(tr_proto_next(&b, &f, &err) == 0);
	b.len += 2;
	CHECK(tr_proto_next(&b, &f, &err) == 1 && f.id == 7);
	CHECK(tr_proto_ints(f.data, f.len, v, 6, NULL) == 3 && v[0] == 3 && v[1] == 0 && v[2] == 1500);
	tr_buf_consume(&b, TR_PROTO_HDR + f.len);

	/* Empty payloads, and negative numbers. */
	CHECK(tr_proto_put(&b, TR_F_IN, 9, NULL, 0) == 0);
	CHECK(tr_proto_next(&b, &f, &err) == 1 && f.len == 0 && f.type == TR_F_IN);
	tr_buf_consume(&b, TR_PROTO_HDR);
	CHECK(tr_proto_ints("-1 9 12", 7, v, 6, NULL) == 3 && v[0] == -1 && v[1] == 9);
	CHECK(tr_proto_ints("1 0 3 2\necho hi", 15, v, 4, &rest) == 4 && strcmp(rest, "echo hi") == 0);

	/* Garbage and oversized frames are errors. */
	CHECK(tr_buf_put(&b, "\x01xxxxxxxx", 9) == 0);
	CHECK(tr_proto_next(&b, &f, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "protocol error: bad frame type 0x01") == 0);
	tr_buf_consume(&b, tr_buf_used(&b));
	CHECK(tr_buf_put(&b, "o\0\0\0\1\x7f\0\0\0", 9) == 0);
	CHECK(tr_proto_next(&b, &f, &err) == SK_EFMT);
	tr_buf_consume(&b, tr_buf_used(&b));

	/* Many frames through a pipe in pieces arrive whole and in order. */
	CHECK(pipe(p) == 0);
	for (int i = 0; i < 100; i++)
		tr_proto_putf(&b, TR_F_OUT, (uint32_t)i, "payload %d", i);
	CHECK(tr_buf_flush(&b, p[1]) == 0 && tr_buf_used(&b) == 0);
	close(p[1]);
	{
		struct tr_buf r = {0};
		int n = 0, ok = 1;
		while (tr_buf_fill(&r, p[0]) > 0)
			;
		while (tr_proto_next(&r, &f, &err) == 1) {
			char want[32];
			const int len = snprintf(want, sizeof want, "payload %d", n);
			ok &= f.id == (uint32_t)n && f.len == (size_t)len && memcmp(f.data, want, (size_t)len) == 0;
			tr_buf_consume(&r, TR_PROTO_HDR + f.len);
			n++;
		}
		CHECK(n == 100 && ok);
		tr_buf_release(&r);
	}
	close(p[0]);
	tr_buf_release(&b);
	CHECK(tr_mono() > 0 && tr_wall() > 1.6e9);
	test_cut_frames();
	return test_done();
}
