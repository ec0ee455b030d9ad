/* The SU format of the stream layer (stream_su.c): both byte orders written
 * and detected, ns and dt set in every header, SU's own fields in bytes
 * 181-240 swapped by SU's layout, and a SEG-Y source's rev 1 fields cleared. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "mkstream.h"
#include "stream.h"

int main(void)
{
	char path[] = "/tmp/test_stream_su_XXXXXX";
	const int fd = mkstemp(path);
	struct sk_error err;
	struct sk_reader *r;
	struct sk_writer *w;
	struct sk_info like;
	struct sk_wopts wo = SK_WOPTS_INIT;
	unsigned char h[240], raw[240];
	float d[7], back[7];

	CHECK(fd >= 0);
	close(fd);
	for (int little = 0; little <= 1; little++) {
		/* An SU source: d1 and unscale (one float across 201-204) kept. */
		mk_info(&like, SK_FMT_SU, 7);
		like.su_tail = 1;
		wo.little = little;
		CHECK(sk_writer_open(path, &like, &wo, &w, &err) == 0);
		memset(h, 0, sizeof h);
		sk_hdr_set_i32(h, SK_TR_TRACL, 42);
		sk_key_set(h, sk_hdr_key("d1"), 0.004);
		sk_key_set(h, sk_hdr_key("unscale"), 0.125);
		for (int i = 0; i < 7; i++)
			d[i] = (float)i - 2.5f;
		CHECK(sk_writer_put(w, h, d, &err) == 0);
		CHECK(sk_writer_close(w, &err) == 0);
		/* On disk: ns and dt in the header, in the chosen byte order. */
		CHECK(bytes_at(path, 0, raw, 240) == 0);
		CHECK(little ? raw[114] == 7 && raw[115] == 0 : raw[114] == 0 && raw[115] == 7);
		CHECK(little ? raw[116] == 0xa0 && raw[117] == 0x0f : raw[116] == 0x0f && raw[117] == 0xa0);
		/* unscale 0.125 = 0x3e000000 as one float, not two shorts. */
		CHECK(little ? raw[203] == 0x3e && raw[200] == 0 : raw[200] == 0x3e && raw[203] == 0);
		/* Read back: detected as SU of that byte order, the same values. */
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_info(r)->fmt == SK_FMT_SU && sk_reader_info(r)->little == little);
		CHECK(sk_reader_info(r)->su_tail == 1 && sk_reader_info(r)->ns == 7);
		CHECK(sk_reader_next(r, h, back, &err) == 1);
		CHECK(sk_hdr_i32(h, SK_TR_TRACL) == 42 && sk_hdr_u16(h, SK_TR_NS) == 7);
		CHECK(sk_key_value(h, sk_hdr_key("d1")) == (double)0.004f);
		CHECK(sk_key_value(h, sk_hdr_key("unscale")) == 0.125);
		CHECK(memcmp(d, back, sizeof d) == 0);
		CHECK(sk_reader_next(r, h, back, &err) == 0);
		sk_reader_free(r);
	}
	/* A SEG-Y source: its rev 1 fields (cdpx, iline) do not reach SU. */
	mk_info(&like, SK_FMT_SEGY, 7);
	wo = (struct sk_wopts)SK_WOPTS_INIT;
	wo.fmt = SK_FMT_SU;
	CHECK(sk_writer_open(path, &like, &wo, &w, &err) == 0);
	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, SK_TR_CDPX, 6201972);
	sk_hdr_set_i32(h, SK_TR_ILINE, 111);
	sk_hdr_set_i32(h, SK_TR_CDP, 875);
	CHECK(sk_writer_put(w, h, d, &err) == 0);
	CHECK(sk_writer_close(w, &err) == 0);
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_reader_next(r, h, back, &err) == 1);
	CHECK(sk_hdr_i32(h, SK_TR_CDP) == 875);
	for (int b = 180; b < 240; b++)
		CHECKF(h[b] == 0, "byte %d", b + 1);
	sk_reader_free(r);
	/* SU holds float samples only. */
	mk_info(&like, SK_FMT_SU, 7);
	wo = (struct sk_wopts)SK_WOPTS_INIT;
	wo.sample_format = 3;
	CHECK(sk_writer_open(path, &like, &wo, &w, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "SU holds float samples only (format 5, not 3)") == 0);
	unlink(path);
	return test_done();
}
