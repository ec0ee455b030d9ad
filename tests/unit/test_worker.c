/* worker (lib/core/worker.c): jobs run in the order posted, one at a time,
 * each done when waited for; free runs what was posted before stopping. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "worker.h"

struct rec {
	int order[256];
	int n;
	int running;   /* jobs inside fn at once: never above 1 */
	int most;
};

struct item {
	struct sk_job job;
	struct rec *rec;
	int id;
};

static void run(void *arg)
{
	struct item *const it = arg;
	struct rec *const r = it->rec;
	volatile unsigned long spin = 0;

	/* Only the worker thread runs jobs, so these updates need no lock. */
	if (++r->running > r->most)
		r->most = r->running;
	for (unsigned long i = 0; i < 20000ul * (unsigned long)(it->id % 3); i++)
		spin += i;
	r->order[r->n++] = it->id;
	r->running--;
}

int main(void)
{
	static struct item it[200];
	struct rec rec;
	struct sk_worker *w;
	struct sk_error err;
	int ok = 1;

	memset(&rec, 0, sizeof rec);
	CHECK(sk_worker_new(&w, &err) == 0);
	for (int i = 0; i < 200; i++) {
		it[i].job.fn = run;
		it[i].job.arg = &it[i];
		it[i].rec = &rec;
		it[i].id = i;
	}
	/* Waiting for job 99 means 0-98 ran before it. */
	for (int i = 0; i < 100; i++)
		sk_worker_post(w, &it[i].job);
	sk_worker_wait(w, &it[99].job);
	CHECK(sk_worker_done(w, &it[99].job));
	CHECK(rec.n == 100);
	for (int i = 0; i < rec.n; i++)
		ok &= rec.order[i] == i;
	CHECK(ok);
	CHECK(sk_worker_busy(w) == 0);
	/* A done job posted again runs again, after the others. */
	for (int i = 100; i < 200; i++)
		sk_worker_post(w, &it[i].job);
	sk_worker_post(w, &it[0].job);
	sk_worker_free(w);  /* runs what was posted */
	CHECK(rec.n == 201);
	CHECK(rec.most == 1);
	ok = 1;
	for (int i = 100; i < 200; i++)
		ok &= rec.order[i] == i;
	CHECK(ok);
	CHECK(rec.order[200] == 0);
	sk_worker_free(NULL);
	/* A job taken back before it started is not run by the worker. */
	{
		struct rec r2;
		struct sk_worker *w2;
		memset(&r2, 0, sizeof r2);
		CHECK(sk_worker_new(&w2, &err) == 0);
		for (int i = 0; i < 50; i++) {
			it[i].rec = &r2;
			it[i].id = 2;   /* a little work each */
			sk_worker_post(w2, &it[i].job);
		}
		const int took = sk_worker_take(w2, &it[49].job);
		sk_worker_wait(w2, &it[48].job);
		CHECK(took == 1 ? it[49].job.state == 0 && r2.n == 49 : r2.n >= 49);
		CHECK(sk_worker_take(w2, &it[0].job) == 0);  /* ran */
		sk_worker_free(w2);
		CHECK(r2.n == (took ? 49 : 50));
	}
	return test_done();
}
