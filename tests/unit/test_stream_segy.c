/* The SEG-Y format of the stream layer (stream_segy.c): a file written in
 * each byte order and a chosen sample format has the binary header and the
 * sample bytes the standard gives, is detected as written, and reads back
 * the same headers and samples. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "mkstream.h"
#include "segy.h"
#include "stream.h"

int main(void)
{
	char path[] = "/tmp/test_stream_segy_XXXXXX";
	const int fd = mkstemp(path);
	struct sk_error err;
	struct sk_reader *r;
	struct sk_writer *w;
	struct sk_info like;
	struct sk_wopts wo = SK_WOPTS_INIT;
	unsigned char h[240], b[8];
	float d[5] = {-300, -1, 0, 2, 32767}, back[5];

	CHECK(fd >= 0);
	close(fd);
	for (int little = 0; little <= 1; little++) {
		mk_info(&like, SK_FMT_SEGY, 5);
		wo.sample_format = 3;
		wo.little = little;
		CHECK(sk_writer_open(path, &like, &wo, &w, &err) == 0);
		for (int t = 0; t < 3; t++) {
			memset(h, 0, sizeof h);
			sk_hdr_set_i32(h, SK_TR_TRACL, t + 1);
			sk_hdr_set_i32(h, SK_TR_CDPX, 6201972);
			CHECK(sk_writer_put(w, h, d, &err) == 0);
		}
		CHECK(sk_writer_close(w, &err) == 0);
		/* Binary header: format code 3 at 3225, ns 5 at 3221, dt 4000 at
		 * 3217, in the chosen byte order. */
		CHECK(bytes_at(path, 3224, b, 2) == 0 && (little ? b[0] == 3 && b[1] == 0 : b[0] == 0 && b[1] == 3));
		CHECK(bytes_at(path, 3220, b, 2) == 0 && (little ? b[0] == 5 : b[1] == 5));
		CHECK(bytes_at(path, 3216, b, 2) == 0 && (little ? b[0] == 0xa0 && b[1] == 0x0f : b[0] == 0x0f && b[1] == 0xa0));
		/* The first sample of trace 1, -300 as int16 (0xfed4). */
		CHECK(bytes_at(path, 3600 + 240, b, 2) == 0 &&
		      (little ? b[0] == 0xd4 && b[1] == 0xfe : b[0] == 0xfe && b[1] == 0xd4));
		/* cdpx keeps its rev 1 place (bytes 181-184). */
		CHECK(bytes_at(path, 3600 + 180, b, 4) == 0 &&
		      (little ? b[0] == 0x74 && b[3] == 0x00 : b[0] == 0x00 && b[3] == 0x74));
		CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_info(r)->fmt == SK_FMT_SEGY && sk_reader_info(r)->little == little);
		CHECK(sk_reader_info(r)->sample_format == 3 && sk_reader_info(r)->ntraces == 3);
		CHECK(sk_reader_info(r)->su_tail == 0);
		for (int t = 0; t < 3; t++) {
			CHECK(sk_reader_next(r, h, back, &err) == 1);
			CHECK(sk_hdr_i32(h, SK_TR_TRACL) == t + 1 && sk_hdr_i32(h, SK_TR_CDPX) == 6201972);
			CHECK(memcmp(d, back, sizeof d) == 0);
		}
		CHECK(sk_reader_next(r, h, back, &err) == 0);
		/* Random access: trace 2 again. */
		CHECK(sk_reader_seek(r, 1, &err) == 0 && sk_reader_next(r, h, back, &err) == 1);
		CHECK(sk_hdr_i32(h, SK_TR_TRACL) == 2);
		sk_reader_free(r);
	}
	/* An unknown sample format code is refused when the writer opens. */
	mk_info(&like, SK_FMT_SEGY, 5);
	wo = (struct sk_wopts)SK_WOPTS_INIT;
	wo.sample_format = 13;
	CHECK(sk_writer_open(path, &like, &wo, &w, &err) == SK_EARG);
	unlink(path);
	return test_done();
}
