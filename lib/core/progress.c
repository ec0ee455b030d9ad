#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"

enum { BAR = 24 };

double sk_progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void clock_text(char *buf, size_t n, double s)
{
	const long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

const char *sk_progress_format(char *buf, size_t n, int bar, int last, int64_t done, int64_t total,
			       double elapsed, const char *unit)
{
	return sk_progress_format_note(buf, n, bar, last, done, total, elapsed, unit, NULL);
}

const char *sk_progress_format_note(char *buf, size_t n, int bar, int last, int64_t done, int64_t total,
				    double elapsed, const char *unit, const char *note)
{
	const char *sep = bar ? "  " : ", ";
	char el[32], eta[32];
	size_t k = 0;

	buf[0] = '\0';
#define PUT(...) \
	do { \
		if (k < n) \
			k += (size_t)snprintf(buf + k, n - k, __VA_ARGS__); \
	} while (0)
	if (total > 0) {
		const int64_t d = done < 0 ? 0 : done > total ? total : done;
		const int pct = (int)(100 * d / total);
		if (bar) {
			const int fill = (int)(BAR * d / total);
			char b[BAR + 1];
			for (int i = 0; i < BAR; i++)
				b[i] = i < fill ? '#' : '.';
			b[BAR] = '\0';
			PUT("[%s] %3d%% ", b, pct);
		} else {
			PUT("%d%% ", pct);
		}
		PUT("%lld/%lld %s", (long long)done, (long long)total, unit);
	} else {
		PUT("%lld %s", (long long)done, unit);
	}
	if (note && *note)
		PUT("%s%s", sep, note);
	if (elapsed >= 0.05) {
		const double rate = (double)done / elapsed;
		PUT(rate >= 100 ? "%s%.0f %s/s" : "%s%.3g %s/s", sep, rate, unit);
	}
	clock_text(el, sizeof el, elapsed);
	PUT("%selapsed %s", sep, el);
	if (!last && total > 0 && done > 0 && done < total && elapsed >= 0.05) {
		clock_text(eta, sizeof eta, (double)(total - done) * elapsed / (double)done);
		PUT("%sETA %s", sep, eta);
	}
#undef PUT
	return buf;
}

void sk_progress_init(struct sk_progress *p, int mode, const char *unit)
{
	memset(p, 0, sizeof *p);
	p->fp = stderr;
	p->unit = unit;
	p->tty = isatty(fileno(stderr));
	p->on = mode == SK_PROGRESS_AUTO ? p->tty : mode == SK_PROGRESS_ON;
	p->interval = p->tty ? 0.2 : 5.0;
	p->t0 = sk_progress_now();
	/* A bar shows at once; plain lines only once the work is long. */
	p->next = p->tty ? p->t0 : p->t0 + p->interval;
}

void sk_progress_note(struct sk_progress *p, const char *note)
{
	snprintf(p->note, sizeof p->note, "%s", note ? note : "");
}

void sk_progress_lazy(struct sk_progress *p, int mode, double delay)
{
	if (mode != SK_PROGRESS_AUTO || !p->on)
		return;
	p->lazy = 1;
	p->next = p->t0 + delay;
}

static void report(struct sk_progress *p, double now, int last)
{
	char line[512];

	p->shown = 1;
	sk_progress_format_note(line, sizeof line, p->tty, last, p->done, p->total, now - p->t0, p->unit,
				p->note);
	if (p->tty) {
		fprintf(p->fp, "\r%s: %s\033[K%s", sk_progname(), line, last ? "\n" : "");
		p->drawn = !last;
	} else {
		fprintf(p->fp, "%s: %s\n", sk_progname(), line);
	}
	fflush(p->fp);
}

void sk_progress_update_at(struct sk_progress *p, int64_t done, int64_t total, double now)
{
	p->done = done;
	p->total = total;
	if (!p->on || now < p->next)
		return;
	p->next = now + p->interval;
	report(p, now, 0);
}

void sk_progress_update(struct sk_progress *p, int64_t done, int64_t total)
{
	if (p->on)
		sk_progress_update_at(p, done, total, sk_progress_now());
}

void sk_progress_finish_at(struct sk_progress *p, double now)
{
	if (p->on && (!p->lazy || p->shown))
		report(p, now, 1);
	p->on = 0;
}

void sk_progress_finish(struct sk_progress *p)
{
	if (p->on)
		sk_progress_finish_at(p, sk_progress_now());
}

void sk_progress_clear(struct sk_progress *p)
{
	if (!p->drawn)
		return;
	fputs("\r\033[K", p->fp);
	fflush(p->fp);
	p->drawn = 0;
	p->next = 0;
}
