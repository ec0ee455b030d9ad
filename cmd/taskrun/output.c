/* output: where the output of tasks goes, as GNU parallel users expect it:
 * each task's stdout and stderr grouped and written when the task ends
 * (the default), in task order (-k), line by line as it comes
 * (--line-buffer), each line tagged with the task's arguments (--tag); the
 * --joblog file; and --halt. */
#include "sched_int.h"

#include "piece.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "file.h"
#include "ofile.h"
#include "piece.h"
#include "tmpl.h"

/* Writes d to fd (1 or 2); a failed stdout is said once and given up. */
static void put(struct tr_ctl *c, int fd, const char *d, size_t n)
{
	if (n == 0 || (fd == 1 && c->out_broken))
		return;
	if (sk_file_write_all(fd, d, n, NULL) != 0 && fd == 1) {
		sk_warn("%s", sk_out_name(NULL));
		c->out_broken = 1;
	}
}

/* Writes d, with tag and a tab before every line when tag is set; *bol
 * says whether d starts a line. */
static void put_tagged(struct tr_ctl *c, int fd, const char *tag, const char *d, size_t n, int *bol)
{
	if (!tag) {
		put(c, fd, d, n);
		return;
	}
	while (n > 0) {
		const char *nl = memchr(d, '\n', n);
		const size_t k = nl ? (size_t)(nl - d) + 1 : n;
		if (*bol) {
			put(c, fd, tag, strlen(tag));
			put(c, fd, "\t", 1);
		}
		put(c, fd, d, k);
		*bol = nl != NULL;
		d += k;
		n -= k;
	}
}

/* Writes the spool file f to fd and closes it. */
static void put_file(struct tr_ctl *c, int fd, const char *tag, FILE *f)
{
	char buf[65536];
	size_t n;
	int bol = 1;

	if (!f)
		return;
	rewind(f);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		put_tagged(c, fd, tag, buf, n, &bol);
	fclose(f);
}

/* The --joblog file: GNU parallel's +FILE is FILE, appended to. */
static const char *joblog_path(const struct tr_ctl *c)
{
	return c->o->joblog[0] == '+' ? c->o->joblog + 1 : c->o->joblog;
}

int tr_output_open(struct tr_ctl *c, struct sk_error *err)
{
	c->halt_status = -1;
	if (c->o->keep && c->tl->n > 0 && !(c->held = calloc((size_t)c->tl->n, sizeof *c->held)))
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	if (c->o->joblog) {
		/* As GNU parallel without --resume: a new log each run, with its
		 * header; +FILE appends to FILE, with no header even when it is
		 * new. */
		const int append = c->o->joblog[0] == '+';
		const char *path = joblog_path(c);

		c->joblog = strcmp(path, "-") == 0 ? stdout : fopen(path, append ? "a" : "w");
		if (!c->joblog)
			return sk_error_sys_at(err, path);
		if (!append)
			fputs("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n", c->joblog);
		if (fflush(c->joblog) != 0)
			return sk_error_sys_at(err, path);
	}
	return 0;
}

void tr_output_close(struct tr_ctl *c)
{
	if (c->held) {
		for (long i = 0; i < c->tl->n; i++) {
			if (c->held[i].out)
				fclose(c->held[i].out);
			if (c->held[i].err)
				fclose(c->held[i].err);
		}
		free(c->held);
		c->held = NULL;
	}
	if (c->joblog && c->joblog != stdout && fclose(c->joblog) != 0)
		sk_warn("%s", joblog_path(c));
	c->joblog = NULL;
}

static int line_mode(const struct tr_ctl *c)
{
	return c->o->linebuf && !c->o->keep;
}

void tr_output_data(struct tr_ctl *c, struct tr_attempt *a, int fd, const char *d, size_t n)
{
	const char *tag = c->tl->t[a->task].tag;
	FILE **sp = fd == 1 ? &a->spool : &a->espool;
	struct sk_error err;

	if (fd == 1)
		a->rx += (long long)n;
	if (line_mode(c)) {
		/* Whole lines go out now, the unfinished one waits. */
		struct tr_buf *b = &a->lbuf[fd - 1];
		const char *first, *last;
		int bol = 1;
		if (tr_buf_put(b, d, n) != 0) {
			tr_fail(c, SK_ENOMEM, "out of memory");
			return;
		}
		first = b->p + b->off;
		for (last = first + tr_buf_used(b); last > first && last[-1] != '\n'; last--)
			;
		if (last > first) {
			tr_progress_clear(c);
			if (fd == 2)
				fflush(stdout);
			put_tagged(c, fd, tag, first, (size_t)(last - first), &bol);
			tr_buf_consume(b, (size_t)(last - first));
		}
		return;
	}
	if (!*sp) {
		const int sfd = sk_ofile_spool(fd == 1 ? "taskrun-stdout" : "taskrun-stderr", &err);
		if (sfd < 0) {
			tr_fail_err(c, &err);
			return;
		}
		if (!(*sp = fdopen(sfd, "w+"))) {
			close(sfd);
			tr_fail(c, SK_ENOMEM, "out of memory");
			return;
		}
	}
	if (fwrite(d, 1, n, *sp) != n)
		tr_fail(c, SK_EIO, "spool file of task %ld: %s", a->task + 1, strerror(errno));
}

void tr_output_end(struct tr_ctl *c, struct tr_attempt *a, int final)
{
	const char *tag = c->tl->t[a->task].tag;

	if (line_mode(c)) {
		/* What was printed cannot be taken back: the unfinished lines
		 * follow, even of an attempt that is retried. */
		for (int k = 0; k < 2; k++) {
			int bol = 1;
			if (tr_buf_used(&a->lbuf[k]) > 0) {
				tr_progress_clear(c);
				put_tagged(c, k + 1, tag, a->lbuf[k].p + a->lbuf[k].off, tr_buf_used(&a->lbuf[k]),
					   &bol);
			}
			tr_buf_release(&a->lbuf[k]);
		}
		return;
	}
	if (!final)
		return;
	if (a->spool && fflush(a->spool) != 0)
		tr_fail(c, SK_EIO, "spool file of task %ld: %s", a->task + 1, strerror(errno));
	if (a->espool && fflush(a->espool) != 0)
		tr_fail(c, SK_EIO, "spool file of task %ld: %s", a->task + 1, strerror(errno));
	if (c->held) {
		c->held[a->task].out = a->spool;
		c->held[a->task].err = a->espool;
		a->spool = a->espool = NULL;
		tr_output_flush(c, 0);
		return;
	}
	if (a->spool || a->espool)
		tr_progress_clear(c);
	put_file(c, 1, tag, a->spool);
	if (a->espool)
		fflush(stdout);
	put_file(c, 2, tag, a->espool);
	a->spool = a->espool = NULL;
}

void tr_output_flush(struct tr_ctl *c, int all)
{
	if (!c->held)
		return;
	while (c->next_emit < c->tl->n) {
		struct tr_held *h = &c->held[c->next_emit];
		const int st = c->ts[c->next_emit].st;
		if (!all && st != TR_T_DONE && st != TR_T_FAILED)
			break;
		if (h->out || h->err)
			tr_progress_clear(c);
		put_file(c, 1, c->tl->t[c->next_emit].tag, h->out);
		put_file(c, 2, c->tl->t[c->next_emit].tag, h->err);
		h->out = h->err = NULL;
		c->next_emit++;
	}
}

/* Task ti's command line as it ran in job slot slot on host host (its {%},
 * and its piece's {} as on that host), as GNU parallel shows it; NULL when
 * out of memory (the run stops). */
static char *shown_cmd(struct tr_ctl *c, long ti, int slot, int host)
{
	char *cmd = tr_tmpl_slot(c->tl->t[ti].cmd, slot);

	if (cmd && c->tl->t[ti].input) {
		char *shown = tr_piece_show(cmd, c->tl->t[ti].input, c->h[host].name);
		free(cmd);
		cmd = shown;
	}
	if (!cmd)
		tr_fail(c, SK_ENOMEM, "out of memory");
	return cmd;
}

void tr_joblog_line(struct tr_ctl *c, const struct tr_attempt *a, int status, int sig, double wall)
{
	char *cmd;

	if (!c->joblog || !(cmd = shown_cmd(c, a->task, a->jobslot, a->host)))
		return;
	/* GNU parallel's columns: a killed task has Exitval 0 and its signal;
	 * Send the bytes of its --stdin file (parallel: of its --pipe block),
	 * Receive the bytes of the task's stdout. */
	if (c->joblog == stdout)
		fflush(stdout);
	fprintf(c->joblog, "%ld\t%s\t%.3f\t%10.3f\t%lld\t%lld\t%d\t%d\t%s\n", a->task + 1, c->h[a->host].name,
		a->wstart, wall, a->tx, a->rx, sig ? 0 : status, sig, cmd);
	free(cmd);
	if (fflush(c->joblog) != 0) {
		struct sk_error err;
		sk_error_sys_at(&err, joblog_path(c));
		tr_fail_err(c, &err);
	}
}

void tr_halt_check(struct tr_ctl *c, int ok, int status, int sig, long ti, int slot, int host, double now)
{
	static const char *const did[] = {"failed", "succeeded", "finished"};
	const struct tr_halt *h = &c->o->halt;
	char *cmd;
	int running = 0;

	if (h->when == TR_HALT_NEVER || (h->on == TR_HALT_FAIL && ok) || (h->on == TR_HALT_SUCCESS && !ok))
		return;
	/* GNU parallel's words, with their capitals and on two lines (unlike
	 * taskrun's own messages), so that what reads or greps parallel's
	 * stderr reads taskrun's: every task of the kind --halt counts, halted
	 * or not, and, halted soon, the tasks still running. */
	if (!(cmd = shown_cmd(c, ti, slot, host)))
		return;
	tr_progress_clear(c);
	fflush(stdout);
	sk_warnx("This job %s:\n%s", did[h->on], cmd);
	free(cmd);
	if (!c->halted && tr_halt_due(h, ok, c->nsucc, c->nfinal, c->tl->n)) {
		c->halted = 1;
		c->halt_status = tr_halt_status(h, 1, status, sig, c->nfinal, c->tl->n);
		if (h->when == TR_HALT_NOW) {
			for (int i = 0; i < c->na; i++)
				tr_cancel_attempt(c, &c->a[i], C_HALT);
			c->halt_at = now + c->grace + 3;
		}
	}
	for (int i = 0; i < c->na; i++)
		running += c->a[i].cancel == C_NONE;
	if (c->halted && h->when == TR_HALT_SOON && running > 0)
		sk_warnx("Starting no more jobs. Waiting for %d jobs to finish.", running);
}
