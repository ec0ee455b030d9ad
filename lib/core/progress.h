/*
 * progress: the progress report of every command with long work (migrate,
 * regrid, segsynth), one look and one policy for all.
 *
 * On a terminal, a bar redrawn in place on stderr at most five times a
 * second:
 *
 *   migrate: [##########..............]  44% 2176/4941 traces  312 traces/s  elapsed 0:07  ETA 0:09
 *
 * Into a file or a pipe, one plain line every five seconds:
 *
 *   migrate: 44% 2176/4941 traces, 312 traces/s, elapsed 0:07, ETA 0:09
 *
 * and in both cases a last line when the work is done (the bar then ends with
 * a newline).  Without a known total the percentage, bar and ETA are left
 * out.  Rates are per second of wall time, whole from 100 on, else with
 * three significant digits, and are left out before 50 ms; times are M:SS, or H:MM:SS from an hour on.
 *
 * Commands offer it as -b/--progress (on, even into a file) and
 * --no-progress (off); by default it is on when stderr is a terminal.  This
 * is command-side code, as diag's sk_warnx: it writes stderr.  Call it from
 * one thread (outside OpenMP regions).
 */
#ifndef SK_PROGRESS_H
#define SK_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { SK_PROGRESS_AUTO = -1, SK_PROGRESS_OFF = 0, SK_PROGRESS_ON = 1 };

struct sk_progress {
	int on;                /* reporting at all */
	int tty;               /* a bar redrawn in place, else plain lines */
	const char *unit;      /* "traces", "locations" */
	FILE *fp;              /* stderr */
	double t0;             /* start, monotonic seconds */
	double next;           /* the earliest time of the next report */
	double interval;       /* 0.2 s on a terminal, 5 s otherwise */
	int drawn;             /* a bar is on the screen, without its newline */
	int lazy;              /* sk_progress_lazy: say nothing for short work */
	int shown;             /* a report was made */
	char note[160];        /* said after the count (sk_progress_note) */
	int64_t done, total;   /* the last update */
};

/* mode is SK_PROGRESS_AUTO (on when stderr is a terminal), _ON or _OFF. */
void sk_progress_init(struct sk_progress *p, int mode, const char *unit);
/* For work that is often short (segsplit, segmerge): when the report is on
 * by default (mode AUTO, on a terminal), the first report waits delay
 * seconds and the last is made only if an earlier one was, so short work
 * draws nothing.  An explicit -b/--progress keeps every report. */
void sk_progress_lazy(struct sk_progress *p, int mode, double delay);
/* Text said after the count in the following reports ("3 failed, 2
 * running": taskrun), or none with NULL. */
void sk_progress_note(struct sk_progress *p, const char *note);
/* Records done of total (total <= 0: unknown) and reports when due. */
void sk_progress_update(struct sk_progress *p, int64_t done, int64_t total);
/* The same at time now (monotonic seconds): what sk_progress_update does,
 * with the clock given (unit tests drive it). */
void sk_progress_update_at(struct sk_progress *p, int64_t done, int64_t total, double now);
/* The last report: the final state, with a newline. */
void sk_progress_finish(struct sk_progress *p);
void sk_progress_finish_at(struct sk_progress *p, double now);
/* Erases a bar on the screen, so that a message can be printed; the next
 * update draws it again. */
void sk_progress_clear(struct sk_progress *p);

/* The report's text, without the program name: the bar form when bar is
 * set, without an ETA when last is.  Returns buf. */
const char *sk_progress_format(char *buf, size_t n, int bar, int last, int64_t done, int64_t total,
			       double elapsed, const char *unit);
/* The same with a note after the count (NULL or "" for none). */
const char *sk_progress_format_note(char *buf, size_t n, int bar, int last, int64_t done, int64_t total,
				    double elapsed, const char *unit, const char *note);
/* Monotonic seconds. */
double sk_progress_now(void);

#endif
