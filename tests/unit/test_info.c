#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hdr.h"
#include "info.h"
#include "segy.h"

int main(void)
{
	char path[64], buf[8192];
	struct sk_info like;
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_writer *w;
	struct sk_reader *r;
	struct sk_error err;
	struct sk_summary s;
	struct sk_key keys[3];
	unsigned char h[240];
	float d[4] = {0};
	size_t n;
	int nk;
	FILE *fp;

	snprintf(path, sizeof path, "/tmp/test_info_%ld.sgy", (long)getpid());
	memset(&like, 0, sizeof like);
	like.ns = 4;
	like.dt = 1000;
	like.hdrlen = 240;
	CHECK(sk_writer_open(path, &like, &o, &w, &err) == 0);
	for (int i = 0; i < 5; i++) {
		memset(h, 0, sizeof h);
		sk_hdr_set_i32(h, 21, 10 + i);
		sk_hdr_set_i16(h, SK_SCALCO, -100);
		sk_hdr_set_i32(h, 73, 12345 * i);
		CHECK(sk_writer_put(w, h, d, &err) == 0);
	}
	CHECK(sk_writer_close(w, &err) == 0);

	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_summarize(r, &s, &err) == 0 && s.traces == 5);
	for (int i = 0; i < s.nkeys; i++) {
		if (strcmp(s.keys[i]->name, "cdp") == 0)
			CHECK(s.min[i] == 10 && s.max[i] == 14);
		if (strcmp(s.keys[i]->name, "sx") == 0)
			CHECK(s.min[i] == 0 && s.max[i] == 493.8);
	}
	sk_reader_free(r);

	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	CHECK(sk_keys_parse("cdp,sx,@21:i2", 240, keys, 3, &nk, &err) == 0);
	fp = fmemopen(buf, sizeof buf, "w");
	CHECK(sk_dump_keys(r, keys, nk, NULL, fp, &err) == 0);
	fclose(fp);
	CHECK(strcmp(buf, "10\t0\t0\n11\t123.45\t0\n12\t246.9\t0\n13\t370.35\t0\n14\t493.8\t0\n") == 0);
	sk_reader_free(r);
	CHECK(sk_reader_open(path, SK_FMT_AUTO, &r, &err) == 0);
	fp = fmemopen(buf, sizeof buf, "w");
	CHECK(sk_dump_keys(r, keys, 1, "a b.sgy", fp, &err) == 0);
	fclose(fp);
	CHECK(strcmp(buf, "a b.sgy\t10\na b.sgy\t11\na b.sgy\t12\na b.sgy\t13\na b.sgy\t14\n") == 0);
	{
		const unsigned char *fh = sk_reader_info(r)->fhdr;
		fp = fmemopen(buf, sizeof buf, "w");
		CHECK(sk_print_text(fh, 3600, fp) == 0);
		fclose(fp);
		CHECK(strncmp(buf, "C 1 WRITTEN BY SEGKIT\n", 22) == 0);
	}
	sk_reader_free(r);
	CHECK(sk_bin_fields(&n)[9].byte == 3225 && n > 40);
	unlink(path);
	return test_done();
}
