/* summary: one pass over a state directory's journal into per task and per
 * host figures (summary.h), for status and the reports (report.c). */
#include "summary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "hostfile.h"
#include "idmap.h"
#include "proto.h"
#include "strmap.h"

/* Host sessions: an "up" opens one, "down" (or the next run, or the end of
 * the journal) closes it. */
struct session {
	double since;
	int slots;
};

/* What the pass over the journal holds besides the summary. */
struct sumscan {
	struct tr_summary *s;
	int flags;
	int caph;
	long capa;
	struct session *ss;        /* per host */
	struct tr_strmap names;    /* host name -> index */
	struct tr_idmap open;      /* task and attempt -> OPEN_VAL(index in s->a or -1, host) */
	long first;                /* events seen */
};

/* An open attempt's value in the map: its index in s->a (-1 when not
 * kept) and its host (-1 for none). */
#define OPEN_VAL(k, hi) ((((long)(k) + 1) << 24) | ((long)(hi) + 1))
#define OPEN_A(v) (((v) >> 24) - 1)
#define OPEN_HOST(v) ((int)((v) & 0xffffff) - 1)

static uint64_t akey(long task, int attempt)
{
	return ((uint64_t)task << 32) ^ (uint32_t)attempt;
}

/* The index of host name (added when new), -1 for "-", -2 when out of
 * memory. */
static int host_index(struct sumscan *sc, const char *name)
{
	struct tr_summary *s = sc->s;
	long i;

	if (strcmp(name, "-") == 0)
		return -1;
	if (tr_strmap_get(&sc->names, name, &i))
		return (int)i;
	if (s->nh == sc->caph) {
		const int cap = sc->caph ? 2 * sc->caph : 16;
		struct tr_rhost *nh = realloc(s->h, (size_t)cap * sizeof *nh);
		struct session *ns;
		if (!nh)
			return -2;
		s->h = nh;
		if (!(ns = realloc(sc->ss, (size_t)cap * sizeof *ns)))
			return -2;
		sc->ss = ns;
		sc->caph = cap;
	}
	if (tr_strmap_put(&sc->names, name, s->nh) != 0)
		return -2;
	memset(&s->h[s->nh], 0, sizeof *s->h);
	memset(&sc->ss[s->nh], 0, sizeof *sc->ss);
	snprintf(s->h[s->nh].name, sizeof s->h[s->nh].name, "%s", name);
	s->h[s->nh].first = -1;
	return s->nh++;
}

static void close_session(struct tr_rhost *h, struct session *ss, double t)
{
	if (ss->since > 0 && t > ss->since) {
		h->wall += t - ss->since;
		h->alloc += (t - ss->since) * ss->slots;
	}
	ss->since = 0;
}

static void host_event(struct sumscan *sc, const struct tr_event *e, int hi)
{
	struct tr_summary *s = sc->s;
	struct tr_rhost *h = &s->h[hi];
	struct session *ss = &sc->ss[hi];

	if (strcmp(e->ev, "up") == 0) {
		const char *p = strstr(e->note, "slots=");
		close_session(h, ss, e->t);
		ss->since = e->t;
		ss->slots = p ? atoi(p + 6) : 1;
		h->slots = ss->slots;
		h->state = 1;
	} else if (strcmp(e->ev, "down") == 0) {
		const char *b = strstr(e->note, "; bytes rx=");
		long long v[4];
		close_session(h, ss, e->t);
		if (b && sscanf(b, "; bytes rx=%lld tx=%lld stdin=%lld stdout=%lld", &v[0], &v[1], &v[2], &v[3]) ==
			     4) {
			h->rx += v[0];
			h->tx += v[1];
			h->data_in += v[2];
			h->data_out += v[3];
			h->traffic = 1;
		}
		s->agent_cpu += e->user + e->sys;
		if (h->state != 3)
			h->state = strstr(e->note, "finished") ? 4 : h->state == 2 ? 2 : 0;
	} else if (strcmp(e->ev, "quarantine") == 0) {
		h->state = 2;
		h->quar = 1;
		h->nquar++;
	} else if (strcmp(e->ev, "release") == 0) {
		h->quar = 0;
		if (h->state == 2)
			h->state = ss->since > 0;
	} else if (strcmp(e->ev, "probe") == 0) {
		h->quar = 0;
		h->state = 1;
	} else if (strcmp(e->ev, "drain") == 0) {
		h->state = 3;
	} else if (strcmp(e->ev, "add") == 0) {
		h->state = 0;
	}
}

/* An attempt starts: kept (with TR_SUMMARY_ATTEMPTS) and open until the
 * event that ends it. */
static int start_event(struct sumscan *sc, const struct tr_event *e, long ti, int hi)
{
	struct tr_summary *s = sc->s;
	long k = -1, k2;

	if (hi >= 0xffffff)
		return SK_ENOMEM;   /* 16 million hosts: more than memory allows */
	if (sc->flags & TR_SUMMARY_ATTEMPTS) {
		struct tr_rattempt *a;
		const char *p = strstr(e->note, "slot=");
		if (s->na == sc->capa) {
			const long cap = sc->capa ? 2 * sc->capa : 256;
			struct tr_rattempt *na = realloc(s->a, (size_t)cap * sizeof *na);
			if (!na)
				return SK_ENOMEM;
			s->a = na;
			sc->capa = cap;
		}
		k = s->na;
		a = &s->a[k];
		memset(a, 0, sizeof *a);
		a->task = ti;
		a->attempt = e->attempt;
		a->host = hi;
		a->slot = p ? atoi(p + 5) : 1;
		/* The note is "slot=N[ speculative][ tmp=NAME]". */
		a->spec = strncmp(e->note + strcspn(e->note, " "), " speculative", 12) == 0;
		a->start = e->t;
	}
	s->na++;
	/* A second start of one attempt (none is written) replaces the first. */
	if (tr_idmap_get(&sc->open, akey(ti, e->attempt), &k2))
		s->t[ti].open--;
	if (tr_idmap_put(&sc->open, akey(ti, e->attempt), OPEN_VAL(k, hi)) != 0)
		return SK_ENOMEM;
	s->t[ti].open++;
	s->t[ti].attempts++;
	if (s->t[ti].state != 2)
		s->t[ti].state = 1;
	if (hi >= 0)
		s->h[hi].attempts++;
	return 0;
}

/* An input event (relay.c): "local bytes=N from=HOST[ copy lost=H,...]",
 * "moved bytes=N from=HOST[ copy lost=...]", or, status 1, a failed or
 * aborted read ("failed moved bytes=N from=...", "aborted moved bytes=N
 * from=...", "failed local from=..."), whose bytes moved count too;
 * "remade bytes=N from=lineage[ copy lost=...]": the piece remade from its
 * source by the controller and moved to the host. */
static int input_event(struct sumscan *sc, const struct tr_event *e, long ti, int hi)
{
	struct tr_summary *s = sc->s;
	const char *m = strstr(e->note, "moved bytes="), *from = strstr(e->note, " from=");
	const int local = strncmp(e->note, "local bytes=", 12) == 0;
	unsigned long long n = 0;
	int src = -1, lost = -1;

	s->inputs = 1;
	if (hi < 0)
		return 0;
	if (strncmp(e->note, "remade bytes=", 13) == 0) {
		if (e->status == 0) {
			s->h[hi].in_moved += strtoull(e->note + 13, NULL, 10);
			s->h[hi].n_moved++;
			s->t[ti].in_src = hi;
			s->t[ti].in_remade = 1;
		}
		return 0;
	}
	if (m)
		n = strtoull(m + 12, NULL, 10);
	else if (local)
		n = strtoull(e->note + 12, NULL, 10);
	if (m) {
		s->h[hi].in_moved += n;
		s->h[hi].n_moved += e->status == 0;
	} else if (local && e->status == 0) {
		s->h[hi].in_local += n;
		s->h[hi].n_local++;
	}
	if (e->status != 0 || !from)
		return 0;
	{
		char name[128];
		const char *c = strstr(e->note, " copy lost=");
		sscanf(from + 6, "%127[^ ,]", name);
		if ((src = host_index(sc, name)) == -2)
			return SK_ENOMEM;
		if (c && sscanf(c + 11, "%127[^ ,]", name) == 1 && (lost = host_index(sc, name)) == -2)
			return SK_ENOMEM;
	}
	s->t[ti].in_src = src;
	s->t[ti].in_moved = m != NULL;
	s->t[ti].in_lost = lost;
	return 0;
}

static int summary_event(const struct tr_event *e, void *arg)
{
	struct sumscan *sc = arg;
	struct tr_summary *s = sc->s;
	const long ti = e->task - 1;
	const int hi = host_index(sc, e->host);
	long v;

	if (hi == -2)
		return SK_ENOMEM;
	if (hi >= 0) {
		if (s->h[hi].first < 0)
			s->h[hi].first = e->t;
		s->h[hi].last = e->t;
	}
	if (sc->first++ == 0 || e->t < s->t0)
		s->t0 = e->t;
	if (e->t > s->t1)
		s->t1 = e->t;
	if (strcmp(e->ev, "run") == 0) {
		/* A new run: sessions of a killed controller end at its last
		 * event. */
		for (int h = 0; h < s->nh; h++) {
			close_session(&s->h[h], &sc->ss[h], s->h[h].last);
			s->h[h].quar = 0;
			/* Finished in the last run: down until it comes up. */
			if (s->h[h].state == 4)
				s->h[h].state = 0;
		}
		s->runs++;
		s->run_start = e->t;
		s->run_done = 0;
		return 0;
	}
	if (strcmp(e->ev, "end") == 0) {
		s->ctl_cpu += e->user + e->sys;
		return 0;
	}
	if (hi >= 0 && ti < 0) {
		host_event(sc, e, hi);
		return 0;
	}
	if (ti < 0 || ti >= s->tl.n)
		return 0;
	if (strcmp(e->ev, "remake") == 0) {
		s->t[ti].state = 0;
		s->t[ti].kept = 0;
		s->t[ti].remade++;
		s->t[ti].remade_from = hi;
		return 0;
	}
	if (strcmp(e->ev, "input") == 0)
		return input_event(sc, e, ti, hi);
	if (strcmp(e->ev, "failed") == 0) {
		s->t[ti].state = 3;
		snprintf(s->t[ti].why, sizeof s->t[ti].why, "%s", e->note);
		return 0;
	}
	if (strcmp(e->ev, "start") == 0)
		return start_event(sc, e, ti, hi);
	/* The end of an open attempt. */
	if (!tr_idmap_get(&sc->open, akey(ti, e->attempt), &v))
		return 0;
	tr_idmap_del(&sc->open, akey(ti, e->attempt));
	s->t[ti].open--;
	if (OPEN_A(v) >= 0) {
		struct tr_rattempt *a = &s->a[OPEN_A(v)];
		snprintf(a->ev, sizeof a->ev, "%s", e->ev);
		a->end = e->t;
		a->wall = e->wall;
		a->user = e->user;
		a->sys = e->sys;
		a->maxrss = e->maxrss;
	}
	s->task_user += e->user;
	s->task_sys += e->sys;
	if (hi >= 0) {
		s->h[hi].cpu += e->user + e->sys;
		s->h[hi].busy += e->wall;
	}
	if (strcmp(e->ev, "done") == 0) {
		s->t[ti].state = 2;
		s->t[ti].host = hi;
		s->t[ti].wall = e->wall;
		s->t[ti].cpu = e->user + e->sys;
		s->t[ti].maxrss = e->maxrss;
		s->t[ti].kept = sscanf(e->note, "size=%llu xxh64=%16[0-9a-f]", &s->t[ti].ksize, s->t[ti].khash) == 2;
		s->run_done++;
		if (hi >= 0)
			s->h[hi].done++;
	} else if (strcmp(e->ev, "fail") == 0) {
		s->t[ti].failures++;
		s->nfail++;
		if (hi >= 0)
			s->h[hi].failed++;
	} else if (strcmp(e->ev, "lost") == 0) {
		s->nlost++;
		if (hi >= 0)
			s->h[hi].lost++;
	} else if (strcmp(e->ev, "cancel") == 0) {
		s->ncancel++;
	}
	return 0;
}

int tr_summary_load(const char *dir, struct tr_summary *s, int flags, struct sk_error *err)
{
	char *path, *text;
	struct sumscan sc;
	struct stat st;
	int rc;

	memset(s, 0, sizeof *s);
	if (stat(dir, &st) != 0)
		return sk_error_sys_at(err, dir);
	if (!(path = sk_path_join(dir, "tasks")))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	rc = tr_read_file(path, &text, NULL, err);
	if (rc) {
		if (err->errnum == ENOENT)
			sk_error_at(err, sk_error_set(err, SK_EIO, "not a taskrun state directory"), dir);
		free(path);
		return rc;
	}
	rc = tr_tasklist_parse(text, &s->tl, err);
	free(text);
	if (rc) {
		sk_error_at(err, rc, path);
		free(path);
		return rc;
	}
	free(path);
	memset(&sc, 0, sizeof sc);
	sc.s = s;
	sc.flags = flags;
	tr_strmap_init(&sc.names);
	tr_idmap_init(&sc.open);
	s->t = calloc((size_t)s->tl.n + 1, sizeof *s->t);
	if (!s->t || !(path = sk_path_join(dir, "journal"))) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (long i = 0; i < s->tl.n; i++)
		s->t[i].host = s->t[i].remade_from = s->t[i].in_src = s->t[i].in_lost = -1;
	s->holder = tr_state_holder(dir);
	rc = tr_journal_scan(path, summary_event, &sc, err);
	free(path);
	if (rc == SK_ENOMEM)
		sk_error_set(err, SK_ENOMEM, "out of memory");
	if (rc)
		goto out;
	/* Open sessions end at the host's last event, or now while the
	 * controller runs. */
	for (int h = 0; h < s->nh; h++)
		close_session(&s->h[h], &sc.ss[h], s->holder > 0 ? tr_wall() : s->h[h].last);
	/* The attempts still open are running only while a controller runs. */
	if (s->holder > 0)
		for (size_t k = 0; k < sc.open.cap; k++)
			if (sc.open.used[k] && OPEN_HOST(sc.open.val[k]) >= 0)
				s->h[OPEN_HOST(sc.open.val[k])].running++;
	for (long i = 0; i < s->tl.n; i++) {
		if (s->t[i].state == 1 && !(s->t[i].open > 0 && s->holder > 0))
			s->t[i].state = 0;
		s->done += s->t[i].state == 2;
		s->failed += s->t[i].state == 3;
		if (s->t[i].state == 2 && s->t[i].kept && s->t[i].host >= 0) {
			s->h[s->t[i].host].nkept++;
			s->h[s->t[i].host].kept_bytes += s->t[i].ksize;
		}
		s->running += s->t[i].state == 1;
		s->pending += s->t[i].state == 0;
	}
out:
	free(sc.ss);
	tr_strmap_release(&sc.names);
	tr_idmap_release(&sc.open);
	if (rc) {
		tr_summary_release(s);
		return rc;
	}
	return 0;
}

void tr_summary_release(struct tr_summary *s)
{
	tr_tasklist_release(&s->tl);
	free(s->t);
	free(s->h);
	free(s->a);
	memset(s, 0, sizeof *s);
}
