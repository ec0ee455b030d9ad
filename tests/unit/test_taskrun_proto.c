#include <string.h>
#include <unistd.h>

#include "../../cmd/taskrun/proto.h"
#include "check.h"

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
	return test_done();
}
