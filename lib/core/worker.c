#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

struct sk_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* jobs queued, a job done, or stop */
	struct sk_job *head, *tail;
	int busy;              /* queued or running */
	int stop;
};

static void *worker_main(void *arg)
{
	struct sk_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct sk_job *j;
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->head)
			break;
		j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		j->fn(j->arg);
		pthread_mutex_lock(&w->mu);
		j->state = 2;
		w->busy--;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int sk_worker_new(struct sk_worker **out, struct sk_error *err)
{
	struct sk_worker *w = calloc(1, sizeof *w);
	sigset_t all, old;
	int rc;

	*out = NULL;
	if (!w)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Signals go to the caller's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->th, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		errno = rc;
		return sk_error_sys(err, "cannot start a worker thread");
	}
	*out = w;
	return 0;
}

void sk_worker_post(struct sk_worker *w, struct sk_job *j)
{
	pthread_mutex_lock(&w->mu);
	j->state = 1;
	j->next = NULL;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->busy++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void sk_worker_wait(struct sk_worker *w, struct sk_job *j)
{
	pthread_mutex_lock(&w->mu);
	while (j->state == 1)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

int sk_worker_take(struct sk_worker *w, struct sk_job *j)
{
	struct sk_job **p, *prev = NULL;
	int took = 0;

	pthread_mutex_lock(&w->mu);
	for (p = &w->head; *p; prev = *p, p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			if (w->tail == j)
				w->tail = prev;
			j->state = 0;
			w->busy--;
			took = 1;
			break;
		}
	pthread_mutex_unlock(&w->mu);
	return took;
}

int sk_worker_done(struct sk_worker *w, const struct sk_job *j)
{
	int d;

	pthread_mutex_lock(&w->mu);
	d = j->state != 1;
	pthread_mutex_unlock(&w->mu);
	return d;
}

int sk_worker_busy(struct sk_worker *w)
{
	int b;

	pthread_mutex_lock(&w->mu);
	b = w->busy;
	pthread_mutex_unlock(&w->mu);
	return b;
}

void sk_worker_free(struct sk_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
