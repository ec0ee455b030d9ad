/* Copies between streams (sk_copy_traces): whole sgk blocks, batches, ticks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tstream.h"

/* sk_copy_traces_tick's counts, in order. */
struct ticks {
	int n;
	int64_t seen[16];
};

static void tick(void *arg, int64_t copied)
{
	struct ticks *t = arg;

	if (t->n < 16)
		t->seen[t->n] = copied;
	t->n++;
}

int main(void)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_error err;
	struct sk_reader *r;
	char p[128], q[128];

	tdir_make("test_stream_copy");

	/* The files read below (test_stream checks every format). */
	{
		static const struct tcase cases[] = {{SK_FMT_SEGY, 5, 0, 0, "a.sgy"}, {SK_FMT_SGK, 0, -1, 0, "a.sgk"}};
		write_cases(cases, 2, &o, 0);
	}

	/* sk_copy_traces: two sgk streams of 23 traces in blocks of 5 (full
	 * blocks pass through, the short last one of the first input does not
	 * end up in the middle), then every trace found again by random access. */
	{
		struct sk_reader *a;
		struct sk_writer *w;
		int64_t n1 = 0, n2 = 0;
		int ok = 1;
		unsigned char h[240];
		float d[NS];
		path_of(p, sizeof p, "a.sgk");
		path_of(q, sizeof q, "cat.sgk");
		o = (struct sk_wopts)SK_WOPTS_INIT;
		o.block = 5;
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &a, &err) == 0);
		CHECK(sk_writer_open(q, sk_reader_info(a), &o, &w, &err) == 0);
		/* A tick after every block passed through: 5, 10, 15, 20, 23
		 * (what segmerge's progress report follows). */
		{
			struct ticks tk = {0};
			CHECK(sk_copy_traces_tick(a, w, &n1, NULL, tick, &tk, &err) == 0 && n1 == NT);
			CHECK(tk.n == 5 && tk.seen[0] == 5 && tk.seen[1] == 10 && tk.seen[3] == 20 && tk.seen[4] == NT);
		}
		sk_reader_free(a);
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &a, &err) == 0);
		/* The tick after every trace here (the first input's short last
		 * block leaves this one unaligned): 1, 2, ..., 23. */
		{
			struct ticks tk = {0};
			CHECK(sk_copy_traces_tick(a, w, &n2, NULL, tick, &tk, &err) == 0 && n2 == NT);
			CHECK(tk.n == NT && tk.seen[0] == 1 && tk.seen[15] == 16);
		}
		sk_reader_free(a);
		CHECK(sk_writer_close(w, &err) == 0);
		CHECK(sk_reader_open(q, SK_FMT_AUTO, &r, &err) == 0 && sk_reader_info(r)->ntraces == 2 * NT);
		for (int i = 2 * NT - 1; i >= 0; i--) {
			ok &= sk_reader_seek(r, i, &err) == 0 && sk_reader_next(r, h, d, &err) == 1;
			ok &= sk_hdr_i32(h, 1) == i % NT + 1 && d[1] == (float)((i % NT) * 1000 + 1) - 0.5f;
		}
		CHECK(ok);
		sk_reader_free(r);
		/* And SEG-Y to sgk through the parallel batch decode, back exactly. */
		path_of(p, sizeof p, "a.sgy");
		CHECK(sk_reader_open(p, SK_FMT_AUTO, &a, &err) == 0);
		o.block = 7;
		o.fmt = SK_FMT_SGK;
		CHECK(sk_writer_open(q, sk_reader_info(a), &o, &w, &err) == 0);
		CHECK(sk_copy_traces(a, w, &n1, NULL, &err) == 0 && n1 == NT);
		CHECK(sk_writer_close(w, &err) == 0);
		sk_reader_free(a);
		CHECK(check_stream(q, SK_FMT_AUTO, NT) == 0);
	}

	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf %s", mk_dir);
		CHECK(system(cmd) == 0);
	}
	return test_done();
}
