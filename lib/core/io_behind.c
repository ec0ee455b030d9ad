/*
 * io_behind: an output's buffer written by a helper thread while its writer
 * fills the next one (io.h sk_out_write_behind; io_internal.h).
 *
 * Why: a write into a new file's pages is the kernel's copy plus, in a
 * memory file system or the page cache, the allocation and zeroing of each
 * page: on this project's VM, 0.2 s of system time for 848 MB in tmpfs,
 * as much as the user-space work of the writers that produce the bytes
 * (segsplit --sort gathering a sorted piece from a mapped file and hashing
 * it).  One buffer in flight, one filling: the two overlap on two cores.
 *
 * The helper writes one buffer at a time, in the order they are handed
 * over; the writer waits only when it hands over the next buffer before
 * the last is written.  A failed write is kept (its errno) and the writes
 * handed over after it are dropped: the writer reports it at its next hand
 * over or wait.  Every signal is blocked in the helper (ofile.h
 * sk_ofile_thread), so the handlers that remove temporaries run where they
 * did.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "file.h"
#include "io_internal.h"
#include "ofile.h"

struct sk_wbehind {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;
	const unsigned char *p; /* the buffer to write, NULL: none */
	size_t n;
	int err;                /* errno of the first write that failed, or 0 */
	int quit;
};

static void *wb_main(void *arg)
{
	struct sk_wbehind *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->p && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->p)
			break;
		if (!w->err) {
			const unsigned char *p = w->p;
			const size_t n = w->n;
			struct sk_error e;
			pthread_mutex_unlock(&w->mu);
			const int rc = sk_file_write_all(w->fd, p, n, &e);
			const int en = errno;
			pthread_mutex_lock(&w->mu);
			if (rc < 0)
				w->err = en;
		}
		w->p = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct sk_wbehind *sk_wbehind_new(int fd)
{
	struct sk_wbehind *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	w->fd = fd;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (sk_ofile_thread(&w->th, wb_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

/* Waits for the buffer in flight; the errno of a failed write, or 0. */
int sk_wbehind_wait(struct sk_wbehind *w)
{
	int e;

	pthread_mutex_lock(&w->mu);
	while (w->p)
		pthread_cond_wait(&w->cv, &w->mu);
	e = w->err;
	pthread_mutex_unlock(&w->mu);
	return e;
}

void sk_wbehind_put(struct sk_wbehind *w, const void *p, size_t n)
{
	pthread_mutex_lock(&w->mu);
	while (w->p)
		pthread_cond_wait(&w->cv, &w->mu);
	w->p = p;
	w->n = n;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int sk_wbehind_end(struct sk_wbehind *w)
{
	int e;

	if (!w)
		return 0;
	e = sk_wbehind_wait(w);
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	return e;
}
