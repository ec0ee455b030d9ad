#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diag.h"
#include "progress.h"

int main(void)
{
	char buf[256], *mem = NULL;
	size_t len = 0;
	struct sk_progress p;
	FILE *fp;

	sk_init("mig");
	/* The text, in both forms. */
	CHECK(strcmp(sk_progress_format(buf, sizeof buf, 1, 0, 2176, 4941, 7, "traces"),
		     "[##########..............]  44% 2176/4941 traces  311 traces/s  elapsed 0:07  ETA 0:09") == 0);
	CHECK(strcmp(sk_progress_format(buf, sizeof buf, 0, 0, 2176, 4941, 7, "traces"),
		     "44% 2176/4941 traces, 311 traces/s, elapsed 0:07, ETA 0:09") == 0);
	CHECK(strcmp(sk_progress_format(buf, sizeof buf, 0, 0, 4941, 4941, 3725.2, "traces"),
		     "100% 4941/4941 traces, 1.33 traces/s, elapsed 1:02:05") == 0);
	CHECK(strcmp(sk_progress_format(buf, sizeof buf, 1, 0, 0, 10, 0.01, "locations"),
		     "[........................]   0% 0/10 locations  elapsed 0:00") == 0);
	CHECK(strcmp(sk_progress_format(buf, sizeof buf, 0, 0, 123456, -1, 100, "traces"),
		     "123456 traces, 1235 traces/s, elapsed 1:40") == 0);
	CHECK(strcmp(sk_progress_format(buf, sizeof buf, 0, 0, 500, -1, 100, "traces"),
		     "500 traces, 5 traces/s, elapsed 1:40") == 0);
	CHECK(strcmp(sk_progress_format(buf, sizeof buf, 0, 0, 1, 3, 90, "traces"),
		     "33% 1/3 traces, 0.0111 traces/s, elapsed 1:30, ETA 3:00") == 0);

	/* Plain lines: none before 5 s, then one every 5 s, and the last. */
	fp = open_memstream(&mem, &len);
	sk_progress_init(&p, SK_PROGRESS_ON, "traces");
	p.fp = fp;
	p.tty = 0;
	p.interval = 5;
	p.t0 = 100;
	p.next = 105;
	sk_progress_update_at(&p, 10, 100, 101);
	sk_progress_update_at(&p, 50, 100, 105);
	sk_progress_update_at(&p, 60, 100, 106);
	sk_progress_update_at(&p, 90, 100, 110);
	sk_progress_finish_at(&p, 111);
	sk_progress_update_at(&p, 100, 100, 120);  /* after the end: nothing */
	fclose(fp);
	CHECK(strcmp(mem, "mig: 50% 50/100 traces, 10 traces/s, elapsed 0:05, ETA 0:05\n"
			  "mig: 90% 90/100 traces, 9 traces/s, elapsed 0:10, ETA 0:01\n"
			  "mig: 90% 90/100 traces, 8.18 traces/s, elapsed 0:11\n") == 0 || (printf("%s", mem), 0));
	free(mem);

	/* A bar: drawn at once, in place, at most every 0.2 s; cleared for a
	 * message; ended with a newline. */
	fp = open_memstream(&mem, &len);
	sk_progress_init(&p, SK_PROGRESS_ON, "traces");
	p.fp = fp;
	p.tty = 1;
	p.interval = 0.2;
	p.t0 = 0;
	p.next = 0;
	sk_progress_update_at(&p, 1, 4, 0.1);
	sk_progress_update_at(&p, 2, 4, 0.2);
	sk_progress_update_at(&p, 3, 4, 0.35);
	sk_progress_clear(&p);
	sk_progress_update_at(&p, 3, 4, 0.36);
	sk_progress_update_at(&p, 4, 4, 0.4);
	sk_progress_finish_at(&p, 0.4);
	fclose(fp);
	CHECK(strcmp(mem, "\rmig: [######..................]  25% 1/4 traces  10 traces/s  elapsed 0:00  ETA 0:00\033[K"
			  "\rmig: [##################......]  75% 3/4 traces  8.57 traces/s  elapsed 0:00  ETA 0:00\033[K"
			  "\r\033[K"
			  "\rmig: [##################......]  75% 3/4 traces  8.33 traces/s  elapsed 0:00  ETA 0:00\033[K"
			  "\rmig: [########################] 100% 4/4 traces  10 traces/s  elapsed 0:00\033[K\n") == 0 ||
	      (printf("%s", mem), 0));
	free(mem);

	/* Lazy (segsplit, segmerge unasked on a terminal): short work draws
	 * nothing, not even the last report; long work is drawn from the
	 * delay on and ended; an explicit --progress is not lazy. */
	for (int run = 0; run < 3; run++) {
		fp = open_memstream(&mem, &len);
		sk_progress_init(&p, run == 2 ? SK_PROGRESS_ON : SK_PROGRESS_AUTO, "traces");
		p.on = 1;
		p.fp = fp;
		p.tty = 1;
		p.interval = 0.2;
		p.t0 = 0;
		p.next = 0;
		sk_progress_lazy(&p, run == 2 ? SK_PROGRESS_ON : SK_PROGRESS_AUTO, 1.0);
		sk_progress_update_at(&p, 1, 4, 0.5);
		if (run == 1)
			sk_progress_update_at(&p, 2, 4, 1.0);
		sk_progress_finish_at(&p, run == 1 ? 2.0 : 0.9);
		fclose(fp);
		if (run == 0)
			CHECKF(strcmp(mem, "") == 0, "lazy, short: '%s'", mem);
		else if (run == 1)
			CHECKF(strcmp(mem, "\rmig: [############............]  50% 2/4 traces  2 traces/s  elapsed 0:01  ETA 0:01\033[K"
				   "\rmig: [############............]  50% 2/4 traces  1 traces/s  elapsed 0:02\033[K\n") == 0,
			       "lazy, long: '%s'", mem);
		else
			CHECKF(strncmp(mem, "\rmig: [######......", 19) == 0 && strstr(mem, "\n"), "asked: '%s'", mem);
		free(mem);
	}

	/* A note after the count (taskrun's failed, running and host counts). */
	sk_progress_format_note(buf, sizeof buf, 0, 0, 80, 200, 19.4, "tasks", "2 failed, 6 running, 3 hosts up");
	CHECKF(strcmp(buf, "40% 80/200 tasks, 2 failed, 6 running, 3 hosts up, 4.12 tasks/s, elapsed 0:19, ETA 0:29") == 0,
	       "note: '%s'", buf);
	CHECK(strcmp(sk_progress_format_note(buf, sizeof buf, 0, 1, 5, -1, 0, "tasks", ""), "5 tasks, elapsed 0:00") == 0);

	/* Off: nothing at all. */
	sk_progress_init(&p, SK_PROGRESS_OFF, "traces");
	CHECK(!p.on);
	return test_done();
}
