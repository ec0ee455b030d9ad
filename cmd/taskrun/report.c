/* report: status, the text report, the --keep list and the HTML page, from
 * a state directory's summary (summary.h). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "proto.h"

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
