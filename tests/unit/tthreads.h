/* Test helper: the threads of this process (/proc/self/task), for tests
 * that check a helper thread comes and goes (test_stream_sgk*.c).  A thread
 * is listed once pthread_create has returned; a joined one is unlisted
 * when the kernel reaps it, which follows pthread_join by no set time (the
 * join returns at the thread's exit, its entry goes a moment later, later
 * still on a loaded machine): t_threads_gone waits for that. */
#ifndef SK_TEST_TTHREADS_H
#define SK_TEST_TTHREADS_H

#include <dirent.h>
#include <time.h>

static inline int t_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	const struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The threads once no more than want are listed: a hang guard of 60 s, no
 * bound on speed (the count is read again every millisecond until then). */
static inline int t_threads_gone(int want)
{
	int n = t_threads();

	for (int k = 0; k < 60000 && n > want; k++) {
		const struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
		n = t_threads();
	}
	return n;
}

#endif
