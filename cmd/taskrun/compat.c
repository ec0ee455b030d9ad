#include "compat.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "par.h"

#define BAD_JOBS "invalid slot count '%s' (expected N, N%%, +N, -N or 0)"

int tr_compat_jobs(const char *arg, long ncpu, long *out, int *all, struct sk_error *err)
{
	const size_t n = strlen(arg);
	struct sk_error e;
	char num[32];
	long v;

	*all = 0;
	if (n > 1 && arg[n - 1] == '%') {
		if (n > sizeof num)
			return sk_error_set(err, SK_EARG, BAD_JOBS, arg);
		snprintf(num, sizeof num, "%.*s", (int)(n - 1), arg);
		if (sk_par_long("slot count", num, 1, 100000, &v, &e) != 0)
			return sk_error_set(err, SK_EARG, BAD_JOBS, arg);
		*out = ncpu * v / 100 > 0 ? ncpu * v / 100 : 1;
		return 0;
	}
	if (arg[0] == '+' || arg[0] == '-') {
		if (sk_par_long("slot count", arg + 1, 0, 100000, &v, &e) != 0)
			return sk_error_set(err, SK_EARG, BAD_JOBS, arg);
		v = arg[0] == '+' ? ncpu + v : ncpu - v;
		*out = v > 0 ? v : 1;
		return 0;
	}
	if (sk_par_long("slot count", arg, 0, 100000, out, &e) != 0)
		return sk_error_set(err, SK_EARG, BAD_JOBS, arg);
	*all = *out == 0;
	return 0;
}

int tr_compat_halt(const char *arg, struct tr_halt *h, struct sk_error *err)
{
	static const char *const ons[] = {"fail=", "success=", "done="};
	const char *comma = strchr(arg, ','), *v = NULL;
	struct sk_error e;
	char num[32];
	size_t n;
	long x;

	memset(h, 0, sizeof *h);
	if (strcmp(arg, "never") == 0 || strcmp(arg, "0") == 0)
		return 0;
	/* GNU parallel's older forms, which its man page still lists: 1 and
	 * 2 halt on the first failure (soon, now), -1 and -2 on the first
	 * success, and N% is soon,fail=N%. */
	if (strcmp(arg, "1") == 0 || strcmp(arg, "2") == 0 || strcmp(arg, "-1") == 0 || strcmp(arg, "-2") == 0) {
		h->when = arg[strlen(arg) - 1] == '2' ? TR_HALT_NOW : TR_HALT_SOON;
		h->on = arg[0] == '-' ? TR_HALT_SUCCESS : TR_HALT_FAIL;
		h->n = 1;
		return 0;
	}
	if (!comma && (n = strlen(arg)) > 1 && arg[n - 1] == '%') {
		h->when = TR_HALT_SOON;
		h->on = TR_HALT_FAIL;
		v = arg;
		goto count;
	}
	if (comma && comma - arg == 3 && strncmp(arg, "now", 3) == 0)
		h->when = TR_HALT_NOW;
	else if (comma && comma - arg == 4 && strncmp(arg, "soon", 4) == 0)
		h->when = TR_HALT_SOON;
	else
		goto bad;
	for (int i = 0; i < 3 && !v; i++)
		if (strncmp(comma + 1, ons[i], strlen(ons[i])) == 0) {
			h->on = i;
			v = comma + 1 + strlen(ons[i]);
		}
	if (!v)
		goto bad;
count:
	n = strlen(v);
	h->pct = n > 1 && v[n - 1] == '%';
	if (n == 0 || n >= sizeof num)
		goto bad;
	snprintf(num, sizeof num, "%.*s", (int)(h->pct ? n - 1 : n), v);
	if (sk_par_long("halt", num, 1, h->pct ? 100 : 100000000, &x, &e) != 0)
		goto bad;
	h->n = x;
	return 0;
bad:
	memset(h, 0, sizeof *h);
	return sk_error_set(err, SK_EARG, "invalid halt '%s' (expected now|soon,fail=N|success=N|done=N, N a "
			    "count or a percentage, or never, 0, 1, 2, -1, -2 or N%%)", arg);
}

/* The count that halts: N, or N% of total as GNU parallel computes it, in
 * floating point: total * (N / 100.0), so that 28% of 25 tasks is
 * 7.000000000000001 and takes 8 of them, as in parallel. */
static double halt_count(const struct tr_halt *h, long total)
{
	return h->pct ? (double)total * ((double)h->n / 100) : (double)h->n;
}

int tr_halt_due(const struct tr_halt *h, int ok, long nsucc, long nfail, long total)
{
	const long k = h->on == TR_HALT_FAIL ? nfail : h->on == TR_HALT_SUCCESS ? nsucc : nsucc + nfail;

	if (h->when == TR_HALT_NEVER || (h->on == TR_HALT_FAIL && ok) || (h->on == TR_HALT_SUCCESS && !ok))
		return 0;
	return (double)k >= halt_count(h, total);
}

/* A percentage of failed tasks as GNU parallel computes it (in floating
 * point, rounded up). */
static int pct_of(long nfail, long of)
{
	return (int)ceil((double)nfail / (double)(of > 0 ? of : 1) * 100);
}

int tr_halt_status(const struct tr_halt *h, int halted, int status, int sig, long nfail, long total)
{
	if (h->when == TR_HALT_NEVER)
		return -1;
	if (!halted)
		return h->pct ? pct_of(nfail, total) : -1;
	if (h->on == TR_HALT_SUCCESS)
		return 0;
	if (halt_count(h, total) == 1)
		return sig ? 128 + sig : status < 0 || status > 255 ? 1 : status;
	return h->pct ? pct_of(nfail, total) : nfail > 101 ? 101 : (int)nfail;
}

/* One of unquote_printf's rules over s[0..*n): every backslash followed by
 * what the rule takes (pass 0: t, 1: n, 2: r, 3: three digits, 4: one
 * digit) becomes its value, left to right, as Perl's s///g.  Returns -1
 * for an octal value above 0377. */
static int unquote_pass(char *s, size_t *n, int pass)
{
	size_t r = 0, w = 0;

	while (r < *n) {
		const size_t digits = pass == 3 ? 3 : 1;
		int take = s[r] == '\\' && r + 1 < *n;
		if (take && pass < 3)
			take = s[r + 1] == "tnr"[pass];
		for (size_t k = 1; take && pass >= 3 && k <= digits; k++)
			take = r + k < *n && s[r + k] >= '0' && s[r + k] <= '9';
		if (!take) {
			s[w++] = s[r++];
			continue;
		}
		if (pass < 3) {
			s[w++] = "\t\n\r"[pass];
			r += 2;
			continue;
		}
		/* Perl's "\NNN": up to three octal digits make a byte; a
		 * digit after them (8, 9) is itself, and so is "\8". */
		{
			size_t k = 1;
			unsigned v = 0;
			while (k <= digits && s[r + k] <= '7')
				v = v * 8 + (unsigned)(s[r + k++] - '0');
			if (v > 0377)
				return -1;
			if (k > 1)
				s[w++] = (char)v;
			memmove(s + w, s + r + k, digits + 1 - k);
			w += digits + 1 - k;
			r += digits + 1;
		}
	}
	*n = w;
	return 0;
}

int tr_compat_delim(const char *arg, char **out, size_t *len, struct sk_error *err)
{
	size_t n = strlen(arg);
	char *s = strdup(arg);

	*out = NULL;
	if (!s)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (int pass = 0; pass < 5; pass++)
		if (unquote_pass(s, &n, pass) != 0) {
			free(s);
			return sk_error_set(err, SK_EARG, "invalid delimiter '%s' (an octal value above \\377)", arg);
		}
	if (n == 0) {
		free(s);
		return sk_error_set(err, SK_EARG, "invalid delimiter '' (GNU parallel's empty -d, Perl's paragraph "
				    "mode, is not supported)");
	}
	*out = s;
	*len = n;
	return 0;
}

const char *tr_compat_hint(const char *name)
{
	static const struct {
		const char *name, *hint;
	} tab[] = {
		{"-P", "GNU parallel's -P is -j here"},
		{"--max-procs", "GNU parallel's --max-procs is -j here"},
		{"--halt-on-error", "GNU parallel's --halt-on-error is --halt here"},
		{"--slf", "GNU parallel's --slf is --sshloginfile here"},
		{"--resume", "GNU parallel's --resume is -s DIR here: the same command again resumes"},
		{"--resume-failed", "GNU parallel's --resume-failed is -s DIR here: the same command again resumes"},
		{"--retry-failed", "GNU parallel's --retry-failed is -s DIR here: the same command again resumes"},
		{"--will-cite", "GNU parallel's citation notice: taskrun has none, leave it out"},
		{"--no-notice", "GNU parallel's citation notice: taskrun has none, leave it out"},
	};

	for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
		if (strcmp(name, tab[i].name) == 0)
			return tab[i].hint;
	return NULL;
}
