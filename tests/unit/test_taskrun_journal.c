/* taskrun's journal scan: every complete line in order across the reads of
 * its buffer, a line longer than the buffer, a torn last line ignored, a
 * stop asked by the callback, and tr_journal_read on top of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/taskrun/state.h"
#include "check.h"
#include "rng.h"

struct seen {
	long n, bad, stop_at;
	long long sum;
	size_t longest;
};

static int count(const struct tr_event *e, void *arg)
{
	struct seen *s = arg;
	s->n++;
	s->bad += e->task != s->n || e->attempt != (int)(s->n % 5) || strcmp(e->ev, "done") != 0;
	s->sum += e->task;
	if (strlen(e->note) > s->longest)
		s->longest = strlen(e->note);
	return s->stop_at && s->n == s->stop_at ? SK_EFMT : 0;
}

/* Numbers as the journal writes them ("%.6f") parse to the very double
 * strtod gives, and other forms still parse. */
static void test_numbers(void)
{
	uint64_t r = 0x9e3779b97f4a7c15ULL;
	struct tr_event e;
	char line[512], num[64];
	long bad = 0;

	for (int i = 0; i < 200000; i++) {
		double v;
		rng_step(&r);
		/* Times near now, small CPU times, and whole numbers. */
		v = i % 3 == 0 ? 1.7e9 + (double)(r % 1000000000) / 1e3
		  : i % 3 == 1 ? (double)(r % 100000000) / 1e7 : (double)(r % 1000);
		snprintf(num, sizeof num, "%.6f", v);
		snprintf(line, sizeof line, "%s\tdone\t1\t1\th\t0\t0\t%s\t%s\t0.5\t-3\t", num, num, num);
		if (tr_event_parse(line, &e) != 0 || e.t != strtod(num, NULL) || e.wall != e.t ||
		    e.user != e.t || e.sys != 0.5 || e.maxrss != -3)
			bad++;
	}
	CHECKF(bad == 0, "%ld numbers parsed otherwise than by strtod", bad);
	CHECK(tr_event_parse("1e3\tx\t-2\t3\t-\t-1\t15\t.5\t-0.25\t1234567890123.5\t7\tnote", &e) == 0);
	CHECK(e.t == 1000 && e.task == -2 && e.attempt == 3 && e.status == -1 && e.sig == 15);
	CHECK(e.wall == 0.5 && e.user == -0.25 && e.sys == 1234567890123.5 && e.maxrss == 7);
	CHECK(strcmp(e.ev, "x") == 0 && strcmp(e.host, "-") == 0 && strcmp(e.note, "note") == 0);
	CHECK(tr_event_parse("1\tdone\tx\t1\t-\t0\t0\t0\t0\t0\t0\t", &e) == SK_EFMT);
	CHECK(tr_event_parse("1\tdone\t1\t1\t-\t0\t0\t0.1x\t0\t0\t0\t", &e) == SK_EFMT);
	CHECK(tr_event_parse("1\tdone\t\t1\t-\t0\t0\t0\t0\t0\t0\t", &e) == SK_EFMT);
	CHECK(tr_event_parse("1\t\t1\t1\t-\t0\t0\t0\t0\t0\t0\t", &e) == SK_EFMT);
}

int main(void)
{
	char dir[] = "/tmp/test_taskrun_journal.XXXXXX", path[512];
	struct sk_error err;
	struct tr_event e, *ev;
	struct seen s;
	char line[1024];
	FILE *f;
	long n;
	const long N = 40000;   /* about 3 MiB: three reads of the buffer */

	test_numbers();
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/journal", dir);

	/* A missing journal is empty. */
	memset(&s, 0, sizeof s);
	CHECK(tr_journal_scan(path, count, &s, &err) == 0 && s.n == 0);

	f = fopen(path, "w");
	for (long i = 1; i <= N; i++) {
		tr_event_init(&e, "done");
		e.task = i;
		e.attempt = (int)(i % 5);
		snprintf(e.host, sizeof e.host, "host%ld", i % 1000);
		snprintf(e.note, sizeof e.note, "note %ld", i);
		tr_event_format(&e, line, sizeof line);
		fputs(line, f);
		if (i == 20000) {
			/* A line of 1.5 MiB that no parser takes (its note is
			 * kept to 383 bytes, and the line is still one line). */
			fprintf(f, "1.0\tdone\t%ld\t%d\t-\t0\t0\t0\t0\t0\t0\t", 20001L, 1);
			for (int k = 0; k < 3 * 512 * 1024 / 8; k++)
				fputs("abcdefgh", f);
			fputc('\n', f);
			i++;
		}
	}
	fputs("1.0\tdone\t40001\t1\t-\t0", f);   /* torn */
	fclose(f);

	memset(&s, 0, sizeof s);
	CHECK(tr_journal_scan(path, count, &s, &err) == 0);
	CHECK(s.n == N);
	CHECKF(s.bad == 0, "%ld events out of place", s.bad);
	CHECK(s.sum == N * (N + 1) / 2);
	CHECK(s.longest == sizeof e.note - 1);

	/* The callback's error ends the scan and is returned. */
	memset(&s, 0, sizeof s);
	s.stop_at = 30000;
	CHECK(tr_journal_scan(path, count, &s, &err) == SK_EFMT && s.n == 30000);

	CHECK(tr_journal_read(path, &ev, &n, &err) == 0 && n == N);
	CHECK(ev[0].task == 1 && ev[N - 1].task == N && strcmp(ev[N - 1].note, "note 40000") == 0);
	CHECK(strcmp(ev[19999].host, "host0") == 0 && ev[20000].task == 20001);
	free(ev);

	/* A directory is no journal. */
	CHECK(tr_journal_scan(dir, count, &s, &err) == SK_EIO);
	CHECK(strcmp(err.file, dir) == 0 && strcmp(err.msg, "Is a directory") == 0);

	unlink(path);
	rmdir(dir);
	return test_done();
}
