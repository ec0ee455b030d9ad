#include "report.h"

#include <errno.h>
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

static const char *const hstate[] = {"down", "up", "quarantined", "drained", "finished"};

/* A host's state as status shows it: quarantined from its quarantine to
 * its release, whether or not it is connected; drained once removed. */
static const char *host_state(const struct tr_rhost *h)
{
	return h->state == 3 ? hstate[3] : h->quar ? hstate[2] : hstate[h->state == 2 ? 0 : h->state];
}
static const char *const tstate[] = {"pending", "running", "done", "failed"};

static double eff(double cpu, double alloc)
{
	return alloc > 0 ? cpu / alloc : 0;
}

/* Where the --keep files are, per host (status and report), when the run
 * kept any. */
static void kept_hosts(const struct tr_summary *s, FILE *out)
{
	long n = 0;
	unsigned long long bytes = 0;

	for (int i = 0; i < s->nh; i++) {
		n += s->h[i].nkept;
		bytes += s->h[i].kept_bytes;
	}
	if (n == 0)
		return;
	fprintf(out, "kept: %ld outputs, %llu bytes, on their hosts\n", n, bytes);
	for (int i = 0; i < s->nh; i++)
		if (s->h[i].nkept > 0)
			fprintf(out, "  %-20s %6ld outputs %14llu bytes\n", s->h[i].name, s->h[i].nkept,
				s->h[i].kept_bytes);
}

/* Input pieces (--input-manifest), per host: the bytes its tasks read
 * where they lay and the bytes moved to it from other hosts. */
static void input_hosts(const struct tr_summary *s, FILE *out)
{
	unsigned long long local = 0, moved = 0;

	if (!s->inputs)
		return;
	for (int i = 0; i < s->nh; i++) {
		local += s->h[i].in_local;
		moved += s->h[i].in_moved;
	}
	fprintf(out, "inputs: %llu bytes read where they lie, %llu bytes moved\n", local, moved);
	for (int i = 0; i < s->nh; i++)
		if (s->h[i].n_local + s->h[i].n_moved > 0 || s->h[i].in_moved > 0)
			fprintf(out, "  %-20s %6ld local %14llu bytes %6ld moved %14llu bytes\n", s->h[i].name,
				s->h[i].n_local, s->h[i].in_local, s->h[i].n_moved, s->h[i].in_moved);
}

/* The pieces read from a copy because a holder was lost, and the kept
 * outputs remade because their host was, one line each. */
static void lost_lines(const struct tr_summary *s, FILE *out)
{
	for (long i = 0; i < s->tl.n; i++) {
		const struct tr_rtask *t = &s->t[i];
		if (t->in_remade && t->in_src >= 0) {
			char piece[256];
			if (sscanf(s->tl.t[i].input ? s->tl.t[i].input : "", "%*s %*s %255[^\n]", piece) != 1)
				snprintf(piece, sizeof piece, "?");
			fprintf(out, "remade from its lineage: task %ld, piece %s, on %s (no copy left)\n", i + 1, piece,
				s->h[t->in_src].name);
			continue;
		}
		if (t->in_src >= 0 && t->in_lost >= 0) {
			char piece[256];
			/* The piece's name is the third word of its first line. */
			if (sscanf(s->tl.t[i].input ? s->tl.t[i].input : "", "%*s %*s %255[^\n]", piece) != 1)
				snprintf(piece, sizeof piece, "?");
			fprintf(out, "read from a copy: task %ld, piece %s, from %s (%s lost)\n", i + 1, piece,
				s->h[t->in_src].name, s->h[t->in_lost].name);
		}
	}
	for (long i = 0; i < s->tl.n; i++) {
		const struct tr_rtask *t = &s->t[i];
		if (t->remade > 0 && t->remade_from >= 0 && s->tl.t[i].keep)
			fprintf(out, "remade: task %ld, %s, lost on %s, %s %s\n", i + 1, s->tl.t[i].keep,
				s->h[t->remade_from].name,
				t->state == 2 && t->kept && t->host >= 0 ? "now on" : "not made again yet",
				t->state == 2 && t->kept && t->host >= 0 ? s->h[t->host].name : "");
	}
}

/* What went through the controller's connections, when the journal says. */
static void traffic(const struct tr_summary *s, FILE *out)
{
	long long rx = 0, tx = 0, in = 0, o = 0;
	int any = 0;

	for (int i = 0; i < s->nh; i++) {
		rx += s->h[i].rx;
		tx += s->h[i].tx;
		in += s->h[i].data_in;
		o += s->h[i].data_out;
		any |= s->h[i].traffic;
	}
	if (any)
		fprintf(out, "controller traffic: %lld bytes in, %lld bytes out (task data: %lld stdin, %lld stdout)\n",
			rx, tx, in, o);
}

int tr_report_status(const char *dir, FILE *out, struct sk_error *err)
{
	struct tr_summary s;
	const int rc = tr_summary_load(dir, &s, 0, err);

	if (rc)
		return rc;
	if (s.holder > 0)
		fprintf(out, "controller: running (pid %ld)\n", s.holder);
	else
		fprintf(out, "controller: not running\n");
	fprintf(out, "tasks: %ld total, %ld done, %ld failed, %ld running, %ld pending\n", s.tl.n,
		s.done, s.failed, s.running, s.pending);
	fprintf(out, "%-20s %-12s %5s %6s %6s %7s\n", "host", "state", "slots", "done", "failed",
		"running");
	for (int i = 0; i < s.nh; i++)
		fprintf(out, "%-20s %-12s %5d %6ld %6ld %7ld\n", s.h[i].name, host_state(&s.h[i]),
			s.h[i].slots, s.h[i].done, s.h[i].failed, s.h[i].running);
	if (s.holder > 0 && s.run_done > 0 && s.pending + s.running > 0) {
		const double rate = (double)s.run_done / (tr_wall() - s.run_start);
		fprintf(out, "eta: %.0fs\n", (double)(s.pending + s.running) / rate);
	} else if (s.pending + s.running > 0) {
		fprintf(out, "eta: unknown\n");
	} else {
		fprintf(out, "eta: finished\n");
	}
	kept_hosts(&s, out);
	input_hosts(&s, out);
	tr_summary_release(&s);
	return 0;
}

int tr_report_kept(const char *dir, FILE *out, struct sk_error *err)
{
	struct tr_summary s;
	const int rc = tr_summary_load(dir, &s, 0, err);

	if (rc)
		return rc;
	for (long i = 0; i < s.tl.n; i++) {
		const struct tr_rtask *t = &s.t[i];
		if (t->state == 2 && t->kept && t->host >= 0 && s.tl.t[i].keep)
			fprintf(out, "%ld\t%s\t%llu\t%s\t%s\n", i + 1, s.h[t->host].name, t->ksize, t->khash,
				s.tl.t[i].keep);
	}
	tr_summary_release(&s);
	return 0;
}

int tr_report_text(const char *dir, FILE *out, struct sk_error *err)
{
	struct tr_summary s;
	const int rc = tr_summary_load(dir, &s, 0, err);
	if (rc)
		return rc;
	fprintf(out, "tasks: %ld total, %ld done, %ld failed, %ld not done\n", s.tl.n, s.done,
		s.failed, s.tl.n - s.done - s.failed);
	fprintf(out, "attempts: %ld (%ld failed, %ld lost, %ld cancelled)\n", s.na, s.nfail, s.nlost,
		s.ncancel);
	fprintf(out, "runs: %d, wall %.3f s\n", s.runs, s.t1 - s.t0);
	fprintf(out, "task cpu: %.3f s (user %.3f s, sys %.3f s)\n", s.task_user + s.task_sys,
		s.task_user, s.task_sys);
	fprintf(out, "controller cpu: %.3f s (%.3f%% of task cpu), agents cpu: %.3f s (%.3f%%)\n",
		s.ctl_cpu, s.task_user + s.task_sys > 0 ? 100 * s.ctl_cpu / (s.task_user + s.task_sys) : 0,
		s.agent_cpu,
		s.task_user + s.task_sys > 0 ? 100 * s.agent_cpu / (s.task_user + s.task_sys) : 0);
	fprintf(out, "\n%-20s %5s %6s %8s %6s %5s %10s %10s %10s %11s\n", "host", "slots", "done",
		"attempts", "failed", "lost", "wall_s", "cpu_s", "efficiency", "quarantines");
	for (int i = 0; i < s.nh; i++)
		fprintf(out, "%-20s %5d %6ld %8ld %6ld %5ld %10.3f %10.3f %10.3f %11ld\n", s.h[i].name,
			s.h[i].slots, s.h[i].done, s.h[i].attempts, s.h[i].failed, s.h[i].lost,
			s.h[i].wall, s.h[i].cpu, eff(s.h[i].cpu, s.h[i].alloc), s.h[i].nquar);
	fprintf(out, "\n%6s %-8s %8s %8s %-20s %10s %10s %10s %10s\n", "task", "state", "attempts",
		"failures", "host", "wall_s", "cpu_s", "maxrss_kb", "efficiency");
	for (long i = 0; i < s.tl.n; i++) {
		const struct tr_rtask *t = &s.t[i];
		fprintf(out, "%6ld %-8s %8d %8d %-20s %10.3f %10.3f %10ld %10.3f\n", i + 1,
			tstate[t->state], t->attempts, t->failures, t->host >= 0 ? s.h[t->host].name : "-",
			t->wall, t->cpu, t->maxrss, eff(t->cpu, t->wall));
	}
	{
		int any = 0;
		for (long i = 0; i < s.tl.n && !any; i++)
			any = (s.t[i].state == 2 && s.t[i].kept) || s.t[i].remade;
		if (any) {
			fputc('\n', out);
			traffic(&s, out);
			kept_hosts(&s, out);
			fprintf(out, "%6s %-20s %14s %-16s %6s %s\n", "task", "host", "size", "xxh64", "remade",
				"path");
			for (long i = 0; i < s.tl.n; i++) {
				const struct tr_rtask *t = &s.t[i];
				if (!s.tl.t[i].keep || !((t->state == 2 && t->kept) || t->remade))
					continue;
				if (t->state == 2 && t->kept)
					fprintf(out, "%6ld %-20s %14llu %-16s %6d %s\n", i + 1, s.h[t->host].name,
						t->ksize, t->khash, t->remade, s.tl.t[i].keep);
				else
					fprintf(out, "%6ld %-20s %14s %-16s %6d %s\n", i + 1, "-", "-", "-", t->remade,
						s.tl.t[i].keep);
			}
		}
	}
	if (s.inputs) {
		fputc('\n', out);
		input_hosts(&s, out);
	}
	lost_lines(&s, out);
	tr_summary_release(&s);
	return 0;
}

static void html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else
			fputc(*s, out);
	}
}

static const char *colour(const char *ev)
{
	if (strcmp(ev, "done") == 0)
		return "#3a9d5d";
	if (strcmp(ev, "fail") == 0)
		return "#d0453f";
	if (strcmp(ev, "lost") == 0)
		return "#888888";
	if (strcmp(ev, "cancel") == 0)
		return "#e7a23b";
	return "#4a7fd0";
}

int tr_report_html(const char *dir, FILE *out, struct sk_error *err)
{
	struct tr_summary s;
	const int rc = tr_summary_load(dir, &s, TR_SUMMARY_ATTEMPTS, err);
	const double left = 160, width = 760, lane = 14;
	double span, y = 30, total_cpu;
	int *lanes, nl = 0;
	long *byhost = NULL, *from = NULL;

	if (rc)
		return rc;
	total_cpu = s.task_user + s.task_sys;
	span = s.t1 > s.t0 ? s.t1 - s.t0 : 1;
	lanes = calloc((size_t)s.nh + 1, sizeof *lanes);
	if (!lanes) {
		tr_summary_release(&s);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (long k = 0; k < s.na; k++)
		if (s.a[k].host >= 0 && s.a[k].slot > lanes[s.a[k].host])
			lanes[s.a[k].host] = s.a[k].slot;
	for (int i = 0; i < s.nh; i++) {
		if (lanes[i] < s.h[i].slots)
			lanes[i] = s.h[i].slots;
		if (lanes[i] < 1)
			lanes[i] = 1;
		nl += lanes[i];
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>taskrun report: ", out);
	html_text(out, dir);
	fputs("</title>\n<style>body{font:14px sans-serif;margin:2em;color:#222}"
	      "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}"
	      "th{border-bottom:1px solid #999}td:first-child,th:first-child{text-align:left}"
	      "svg text{font:11px sans-serif}</style></head><body>\n<h1>taskrun report: ", out);
	html_text(out, dir);
	fprintf(out, "</h1>\n<p>%ld tasks: %ld done, %ld failed, %ld not done. %ld attempts (%ld failed, "
		"%ld lost, %ld cancelled) in %d run(s) over %.1f s.</p>\n",
		s.tl.n, s.done, s.failed, s.tl.n - s.done - s.failed, s.na, s.nfail, s.nlost, s.ncancel,
		s.runs, s.t1 - s.t0);
	fprintf(out, "<p>Task CPU %.3f s; controller CPU %.3f s (%.3f%%); agents CPU %.3f s.</p>\n",
		total_cpu, s.ctl_cpu, total_cpu > 0 ? 100 * s.ctl_cpu / total_cpu : 0, s.agent_cpu);

	fputs("<h2>Allocation over time</h2>\n", out);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\">\n",
		left + width + 20, 50 + nl * lane + s.nh * 6);
	for (int t = 0; t <= 10; t++) {
		const double x = left + width * t / 10;
		fprintf(out, "<line x1=\"%.1f\" y1=\"20\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"14\" text-anchor=\"middle\">%.1fs</text>\n",
			x, x, 30 + nl * lane + s.nh * 6, x, span * t / 10);
	}
	/* The attempts host by host, in journal order (a counting sort: one
	 * pass over them, not one per host). */
	if (!(byhost = malloc((size_t)(s.na ? s.na : 1) * sizeof *byhost)) ||
	    !(from = calloc((size_t)s.nh + 2, sizeof *from))) {
		free(byhost);
		free(lanes);
		tr_summary_release(&s);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (long k = 0; k < s.na; k++)
		if (s.a[k].host >= 0)
			from[s.a[k].host + 2]++;
	for (int i = 0; i < s.nh; i++)
		from[i + 2] += from[i + 1];
	for (long k = 0; k < s.na; k++)
		if (s.a[k].host >= 0)
			byhost[from[s.a[k].host + 1]++] = k;
	for (int i = 0; i < s.nh; i++) {
		fputs("<text x=\"4\" y=\"", out);
		fprintf(out, "%.0f\">", y + lane - 3);
		html_text(out, s.h[i].name);
		fprintf(out, " (%d)</text>\n", lanes[i]);
		for (long q = i ? from[i] : 0; q < from[i + 1]; q++) {
			const struct tr_rattempt *a = &s.a[byhost[q]];
			const double end = a->end > 0 ? a->end : s.t1;
			double x0, w;
			x0 = left + width * (a->start - s.t0) / span;
			w = width * (end - a->start) / span;
			fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\"%s>"
				"<title>task %ld attempt %d: %s, %.3f s</title></rect>\n",
				x0, y + (a->slot > 0 ? a->slot - 1 : 0) * lane, w < 0.5 ? 0.5 : w, lane - 2,
				colour(a->ev), a->spec ? " stroke=\"#000\" stroke-width=\"0.5\"" : "",
				a->task + 1, a->attempt, a->ev[0] ? a->ev : "running", end - a->start);
		}
		y += lanes[i] * lane + 6;
	}
	fputs("</svg>\n<p>Green: done; red: failed; grey: lost with its host; orange: cancelled "
	      "(another copy won, or the run was stopped); blue: running; outlined: speculative copy.</p>\n", out);

	fputs("<h2>Efficiency per host</h2>\n<p>CPU time / (connected wall time x slots).</p>\n", out);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\">\n",
		left + width + 20, 30 + s.nh * 20.0);
	for (int i = 0; i < s.nh; i++) {
		const double e = eff(s.h[i].cpu, s.h[i].alloc);
		const double w = width * (e > 1 ? 1 : e);
		fprintf(out, "<text x=\"4\" y=\"%.0f\">", 20 + i * 20.0 + 11);
		html_text(out, s.h[i].name);
		fprintf(out, "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"14\" fill=\"#4a7fd0\"/>"
			"<text x=\"%.1f\" y=\"%.0f\">%.3f</text>\n",
			left, 20 + i * 20.0, w, left + w + 4, 20 + i * 20.0 + 11, e);
	}
	fputs("</svg>\n<h2>Hosts</h2>\n<table><tr><th>host</th><th>slots</th><th>done</th><th>attempts</th>"
	      "<th>failed</th><th>lost</th><th>wall s</th><th>CPU s</th><th>efficiency</th>"
	      "<th>quarantines</th></tr>\n", out);
	for (int i = 0; i < s.nh; i++) {
		fputs("<tr><td>", out);
		html_text(out, s.h[i].name);
		fprintf(out, "</td><td>%d</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%.3f</td>"
			"<td>%.3f</td><td>%.3f</td><td>%ld</td></tr>\n", s.h[i].slots, s.h[i].done,
			s.h[i].attempts, s.h[i].failed, s.h[i].lost, s.h[i].wall, s.h[i].cpu,
			eff(s.h[i].cpu, s.h[i].alloc), s.h[i].nquar);
	}
	fputs("</table>\n<h2>Tasks</h2>\n<table><tr><th>task</th><th>state</th><th>attempts</th>"
	      "<th>failures</th><th>host</th><th>wall s</th><th>CPU s</th><th>max RSS KiB</th>"
	      "<th>command</th></tr>\n", out);
	for (long i = 0; i < s.tl.n; i++) {
		const struct tr_rtask *t = &s.t[i];
		fprintf(out, "<tr><td>%ld</td><td>%s</td><td>%d</td><td>%d</td><td>", i + 1,
			tstate[t->state], t->attempts, t->failures);
		html_text(out, t->host >= 0 ? s.h[t->host].name : "-");
		fprintf(out, "</td><td>%.3f</td><td>%.3f</td><td>%ld</td><td style=\"text-align:left\"><code>",
			t->wall, t->cpu, t->maxrss);
		html_text(out, s.tl.t[i].cmd);
		fputs("</code></td></tr>\n", out);
	}
	fputs("</table>\n</body></html>\n", out);
	free(lanes);
	free(byhost);
	free(from);
	tr_summary_release(&s);
	return 0;
}
