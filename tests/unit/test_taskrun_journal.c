/* taskrun's journal scan: every complete line in order across the reads of
 * its buffer, a line longer than the buffer, a torn last line ignored, a
 * stop asked by the callback, and tr_journal_read on top of it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/taskrun/proto.h"
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

/* One event as a line and back (printf's digits, byte for byte), and a
 * journal in dir: appended, synced, group commit, a torn last line. */
static void test_lines(const char *dir)
{
	struct tr_event e, f, *ev;
	struct sk_error err;
	struct tr_journal j;
	char line[1024];
	const char *path = dir;
	long n;
	double left;

	tr_event_init(&e, "done");
	e.task = 17;
	e.attempt = 2;
	snprintf(e.host, sizeof e.host, "node1");
	e.status = 3;
	e.wall = 1.5;
	e.user = 0.25;
	e.maxrss = 1234;
	snprintf(e.note, sizeof e.note, "tab\there\nnewline");
	CHECK(tr_event_format(&e, line, sizeof line) > 0);
	line[strlen(line) - 1] = '\0';
	CHECK(tr_event_parse(line, &f) == 0);
	CHECK(f.task == 17 && f.attempt == 2 && strcmp(f.host, "node1") == 0 && f.status == 3 &&
	      f.wall == 1.5 && f.user == 0.25 && f.maxrss == 1234 && strcmp(f.note, "tab here newline") == 0);
	CHECK(tr_event_parse("1\tdone\t1", &f) == SK_EFMT);
	/* The line is printf's, byte for byte: numbers in every range,
	 * rounding ties and near-ties of the sixth decimal, negative and
	 * huge values (snprintf's own path). */
	{
		static const double fixed[] = {0, 0.0000005, 0.0000015, 0.0000025, 0.9999995, 0.99999949999,
					       1.5, 1796492004.051797, 1796492004.0517975, 1e15, 3e16, -0.25,
					       -1796492004.5, 123456.0000004999, 0.1, 0.7, 9.9999999};
		unsigned long long r = 88172645463325252ULL;
		int same = 1;
		for (int i = 0; i < 300000; i++) {
			char ref[1024];
			double x;
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			if (i < (int)(sizeof fixed / sizeof fixed[0]))
				x = fixed[i];
			else if (i % 3 == 0)
				x = 1.7e9 + (double)(r % 100000000000ULL) / 1e6 + (i % 2 ? 5e-7 : 0);
			else if (i % 3 == 1)
				x = (double)(r % 1000000000ULL) / 1e7;
			else
				x = (double)(r >> 11) * 0x1p-53 * 1000;
			e.t = x;
			e.wall = x / 3;
			e.user = (double)(r % 1000) / 2e6;
			e.sys = x * 1e-9;
			e.task = (long)(r % 2000000) - 1000;
			e.status = -(int)(r % 3);
			e.maxrss = (long)(r >> 40);
			snprintf(ref, sizeof ref, "%.6f\t%s\t%ld\t%d\t%s\t%d\t%d\t%.6f\t%.6f\t%.6f\t%ld\t%s\n", e.t, e.ev,
				 e.task, e.attempt, e.host, e.status, e.sig, e.wall, e.user, e.sys, e.maxrss,
				 "tab here newline");
			if (tr_event_format(&e, line, sizeof line) != (int)strlen(ref) || strcmp(line, ref) != 0) {
				fprintf(stderr, "format of %.17g:\n%s%s", x, line, ref);
				same = 0;
				break;
			}
		}
		CHECK(same);
		/* Cut as snprintf cuts, with the whole length returned. */
		CHECK(tr_event_format(&e, line, 8) > 8 && strlen(line) == 7);
		e.t = 0;
		e.wall = e.sys = 0;
		e.user = 0.25;
		e.task = 17;
		e.status = 3;
		e.maxrss = 1234;
		e.wall = 1.5;
	}

	/* The journal: appended, synced, a torn last line ignored and
	 * terminated before the next event. */
	snprintf(line, sizeof line, "%s/journal", path);
	CHECK(tr_journal_open(&j, line, 1, &err) == 0);
	CHECK(tr_journal_write(&j, &e, &err) == 0);
	CHECK(write(j.fd, "123.0\tstart\t4", 13) == 13);
	tr_journal_close(&j);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 1 && ev[0].task == 17);
	free(ev);
	CHECK(tr_journal_open(&j, line, 0, &err) == 0);
	e.task = 18;
	CHECK(tr_journal_write(&j, &e, &err) == 0);
	tr_journal_close(&j);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 2 && ev[1].task == 18);
	free(ev);
	/* Group commit: put holds the line until a flush (one write for the
	 * lines of a pass: a reader sees them after it, before any sync)
	 * and marks the journal dirty; write and sync clear it. */
	CHECK(tr_journal_open(&j, line, 1, &err) == 0);
	CHECK(j.dirty == 0);
	CHECK(tr_journal_due(&j, tr_mono(), &left) == 0 && left == 0);
	e.task = 19;
	CHECK(tr_journal_put(&j, &e, &err) == 0 && j.dirty == 1);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 2);
	free(ev);
	/* Due TR_JOURNAL_DELAY after the first line put, or at once when
	 * one is urgent. */
	CHECK(tr_journal_due(&j, j.since, &left) == 0 && left == TR_JOURNAL_DELAY);
	CHECK(tr_journal_due(&j, j.since + TR_JOURNAL_DELAY * 0.75, &left) == 0 && left > 0 &&
	      left < TR_JOURNAL_DELAY * 0.26);
	CHECK(tr_journal_due(&j, j.since + TR_JOURNAL_DELAY, &left) == 1 && left == 0);
	j.urgent = 1;
	CHECK(tr_journal_due(&j, j.since, &left) == 1);
	CHECK(tr_journal_flush(&j, &err) == 0 && j.dirty == 1 && j.len == 0);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 3 && ev[2].task == 19);
	free(ev);
	CHECK(tr_journal_sync(&j, &err) == 0 && j.dirty == 0 && j.urgent == 0);
	CHECK(tr_journal_due(&j, tr_mono() + 10, &left) == 0);
	CHECK(tr_journal_sync(&j, &err) == 0 && j.dirty == 0);
	e.task = 20;
	CHECK(tr_journal_put(&j, &e, &err) == 0 && j.dirty == 1);
	e.task = 21;
	CHECK(tr_journal_write(&j, &e, &err) == 0 && j.dirty == 0);
	/* Close writes what was put. */
	e.task = 22;
	CHECK(tr_journal_put(&j, &e, &err) == 0);
	tr_journal_close(&j);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 6 && ev[3].task == 20 && ev[4].task == 21 &&
	      ev[5].task == 22);
	free(ev);
	/* Lines put are written by themselves once 64 KiB wait. */
	CHECK(tr_journal_open(&j, line, 0, &err) == 0);
	for (int i = 0; i < 2000; i++) {
		e.task = 100 + i;
		CHECK(tr_journal_put(&j, &e, &err) == 0);
		if (j.len == 0)
			break;
	}
	CHECK(j.len == 0 && e.task > 200 && e.task < 2100);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 6 + e.task - 99 && ev[n - 1].task == e.task);
	free(ev);
	tr_journal_close(&j);
	snprintf(line, sizeof line, "%s/none", path);
	CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 0);
	/* A write that fails (here the file size limit, a full disk's
	 * stand-in that can be lifted) leaves at most a torn line: nothing is
	 * written after it, though the disk has room again, so no later line
	 * runs into the torn one. */
	{
		struct rlimit was, lim;
		struct stat st;
		snprintf(line, sizeof line, "%s/torn", path);
		CHECK(tr_journal_open(&j, line, 0, &err) == 0);
		e.task = 1;
		CHECK(tr_journal_write(&j, &e, &err) == 0 && stat(line, &st) == 0);
		signal(SIGXFSZ, SIG_IGN);
		CHECK(getrlimit(RLIMIT_FSIZE, &was) == 0);
		lim = was;
		lim.rlim_cur = (rlim_t)st.st_size + 20;
		CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
		e.task = 2;
		CHECK(tr_journal_write(&j, &e, &err) == SK_EIO && strcmp(err.msg, "File too large") == 0);
		CHECK(setrlimit(RLIMIT_FSIZE, &was) == 0);
		e.task = 3;
		CHECK(tr_journal_put(&j, &e, &err) == SK_EIO && strcmp(err.msg, "File too large") == 0);
		CHECK(strcmp(err.file, line) == 0);
		CHECK(tr_journal_flush(&j, &err) == SK_EIO && tr_journal_sync(&j, &err) == SK_EIO);
		tr_journal_close(&j);
		CHECK(stat(line, &st) == 0 && st.st_size == (off_t)lim.rlim_cur);
		CHECK(tr_journal_read(line, &ev, &n, &err) == 0 && n == 1 && ev[0].task == 1);
		free(ev);
		signal(SIGXFSZ, SIG_DFL);
	}
	/* A journal that cannot be written names itself. */
	CHECK(tr_journal_open(&j, "/dev/full", 0, &err) == 0);
	CHECK(tr_journal_write(&j, &e, &err) == SK_EIO);
	CHECK(strcmp(err.file, "/dev/full") == 0 && strcmp(err.msg, "No space left on device") == 0);
	tr_journal_close(&j);
	CHECK(j.fd == -1 && j.path == NULL);
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
	/* The same file name, new: written through tr_journal. */
	test_lines(dir);
	unlink(path);
	rmdir(dir);
	return test_done();
}
