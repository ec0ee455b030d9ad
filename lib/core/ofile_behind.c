/* ofile_behind: see ofile_behind.h. */
#include "ofile_behind.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "ofile.h"

struct sk_syncbehind {
	int fd;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int want;                /* a sync asked for, not started */
	int stop;
	int err;                 /* errno of the first failed sync, or 0 */
	long done;
};

static void *helper(void *arg)
{
	struct sk_syncbehind *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		int rc, e;
		while (!s->want && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop)
			break;
		s->want = 0;
		pthread_mutex_unlock(&s->mu);
		rc = fdatasync(s->fd);
		e = errno;
		pthread_mutex_lock(&s->mu);
		if (rc != 0 && e != EINVAL && s->err == 0)
			s->err = e;
		s->done++;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct sk_syncbehind *sk_syncbehind_new(int fd)
{
	struct sk_syncbehind *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->fd = fd;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return NULL;
	}
	if (pthread_cond_init(&s->cv, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	/* SIGINT and the others stay with the threads that handled them. */
	if (sk_ofile_thread(&s->th, helper, s) != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

void sk_syncbehind_kick(struct sk_syncbehind *s)
{
	pthread_mutex_lock(&s->mu);
	s->want = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

long sk_syncbehind_done(struct sk_syncbehind *s)
{
	long n;

	pthread_mutex_lock(&s->mu);
	n = s->done;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int sk_syncbehind_end(struct sk_syncbehind *s)
{
	int e;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	e = s->err;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return e;
}
