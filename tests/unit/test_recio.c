#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "check.h"
#include "mkstream.h"
#include "recio.h"

int main(void)
{
	struct sk_info info;
	struct sk_error err;
	char dir[64], a[128], b[128], c[128];
	static const int codes[] = {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16};
	static const size_t bps[] = {4, 4, 2, 4, 8, 3, 1, 8, 4, 2, 8, 3, 1};

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		mk_info(&info, SK_FMT_SEGY, 10);
		info.sample_format = codes[i];
		CHECKF(sk_rec_rawlen(&info) == 240 + 10 * bps[i], "format %d", codes[i]);
	}
	mk_info(&info, SK_FMT_SGK, 10);
	info.hdrlen = 480;
	CHECK(sk_rec_rawlen(&info) == 520);

	/* Raw and decoded copies of a little-endian SU stream both give the
	 * input back, and both give canonical headers. */
	CHECK(mk_tmpdir(dir, sizeof dir, "recio") != NULL);
	snprintf(a, sizeof a, "%s/a.su", dir);
	snprintf(b, sizeof b, "%s/b.su", dir);
	snprintf(c, sizeof c, "%s/c.su", dir);
	CHECK(mk_stream(a, SK_FMT_SU, 7, 13, NULL) == 0);
	for (int raw = 0; raw <= 1; raw++) {
		struct sk_reader *r;
		struct sk_writer *w;
		struct sk_rec s;
		const struct sk_wopts wo = SK_WOPTS_INIT;
		unsigned char *saved, *prev, *t;
		float before[13];
		size_t la = 0, lb = 0;
		unsigned char *ba, *bb;
		int rc, n = 0, hdr_ok = 1, kept = 1;

		CHECK(sk_reader_open(a, SK_FMT_AUTO, &r, &err) == 0);
		CHECK(sk_reader_info(r)->little == 1);
		CHECK(sk_writer_open(raw ? b : c, sk_reader_info(r), &wo, &w, &err) == 0);
		CHECK(sk_stream_same_encoding(r, w) == 1);
		CHECK(sk_rec_init(&s, r, raw, &err) == 0);
		CHECK(s.swap == raw);
		/* Pass-through holds no float record (a merge of many inputs
		 * pays for it per input); decoding has one. */
		CHECK(raw ? s.data == NULL : s.data != NULL);
		saved = malloc(sk_rec_len(&s));
		prev = malloc(sk_rec_len(&s));
		/* Each trace is written once the next one is read, as a split
		 * writes a sorted piece: writing the saved record leaves the
		 * trace just read as it was (its samples once served as the
		 * writer's scratch). */
		while ((rc = sk_rec_next(&s, 1, &err)) == 1) {
			n++;
			if (sk_hdr_i32(s.hdr, 1) != n || sk_hdr_u16(s.hdr, 115) != 13)
				hdr_ok = 0;
			sk_rec_copy(&s, saved);
			if (n > 1) {
				if (!raw)
					memcpy(before, s.data, sizeof before);
				CHECK(sk_rec_put_saved(&s, prev, w, &err) == 0);
				if (!raw && memcmp(before, s.data, sizeof before) != 0)
					kept = 0;
			}
			t = prev;
			prev = saved;
			saved = t;
		}
		CHECK(rc == 0 && n == 7 && hdr_ok);
		CHECKF(kept, "raw=%d: the current trace's samples changed", raw);
		CHECK(sk_rec_put_saved(&s, prev, w, &err) == 0);
		CHECK(sk_writer_close(w, &err) == 0);
		sk_rec_release(&s);
		free(saved);
		free(prev);
		sk_reader_free(r);
		ba = mk_slurp(a, &la);
		bb = mk_slurp(raw ? b : c, &lb);
		CHECKF(ba && bb && la == lb && memcmp(ba, bb, la) == 0, "raw=%d", raw);
		free(ba);
		free(bb);
	}
	unlink(a);
	unlink(b);
	unlink(c);
	rmdir(dir);
	return test_done();
}
