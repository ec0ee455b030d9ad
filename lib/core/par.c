#include "par.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int sk_par_long(const char *what, const char *s, long min, long max, long *out,
		struct sk_error *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
		return sk_error_set(err, SK_EARG, "invalid %s '%s' (expected an integer in %ld..%ld)",
				    what, s, min, max);
	*out = v;
	return 0;
}

int sk_par_double(const char *what, const char *s, double *out, struct sk_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
		return sk_error_set(err, SK_EARG, "invalid %s '%s' (expected a number)", what, s);
	*out = v;
	return 0;
}

int sk_par_size(const char *what, const char *s, uint64_t *out, struct sk_error *err)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	if (*s == '-' || !isdigit((unsigned char)*s))
		goto bad;
	v = strtoull(s, &end, 10);
	if (end == s || errno == ERANGE)
		goto bad;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: goto bad;
	}
	if (*end == 'B' || *end == 'i')
		end += (end[0] == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
		goto bad;
	*out = (uint64_t)v << shift;
	return 0;
bad:
	return sk_error_set(err, SK_EARG, "invalid %s '%s' (expected a size like 64k, 1M or 2G)",
			    what, s);
}

int sk_par_duration(const char *what, const char *s, double *out, struct sk_error *err)
{
	char *end;
	double v, mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v) || v < 0)
		goto bad;
	if (strcmp(end, "ms") == 0)
		mul = 1e-3;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60;
	else if (strcmp(end, "h") == 0)
		mul = 3600;
	else if (strcmp(end, "d") == 0)
		mul = 86400;
	else
		goto bad;
	*out = v * mul;
	return 0;
bad:
	return sk_error_set(err, SK_EARG, "invalid %s '%s' (expected a duration like 30s, 5m or 2h)",
			    what, s);
}

int sk_par_doubles(const char *what, const char *s, double *out, int max, int *n,
		   struct sk_error *err)
{
	const char *p = s;
	int k = 0;

	for (;;) {
		char *end;
		double v;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno == ERANGE || !isfinite(v) || (*end != ',' && *end != '\0'))
			return sk_error_set(err, SK_EARG, "invalid %s '%s' (expected numbers separated by commas)",
					    what, s);
		if (k == max)
			return sk_error_set(err, SK_EARG, "invalid %s '%s' (at most %d values)", what, s, max);
		out[k++] = v;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*n = k;
	return 0;
}

int sk_par_items(const char *what, const char *spec, char *buf, size_t bufsize, char **items,
		 char **vals, int max, int *n, int *keyed, struct sk_error *err)
{
	int k = 0, nkeyed = 0;

	if (strlen(spec) >= bufsize)
		return sk_error_set(err, SK_EARG, "%s: specification too long", what);
	strcpy(buf, spec);
	for (char *p = buf;;) {
		char *c = strchr(p, ',');
		if (k == max)
			return sk_error_set(err, SK_EARG, "%s: too many values in '%s'", what, spec);
		items[k++] = p;
		if (strchr(p, '=') && (!c || strchr(p, '=') < c))
			nkeyed++;
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	if (nkeyed && nkeyed != k)
		return sk_error_set(err, SK_EARG, "%s: mix of positional and key=value items in '%s'", what, spec);
	for (int i = 0; i < k; i++) {
		char *eq = nkeyed ? strchr(items[i], '=') : NULL;
		if (eq)
			*eq = '\0';
		vals[i] = eq ? eq + 1 : NULL;
	}
	*n = k;
	*keyed = nkeyed != 0;
	return 0;
}

int sk_par_numlike(const char *s)
{
	struct stat st;
	const char *d = s[0] == '+' || s[0] == '-' ? s + 1 : s;

	if (*d == '.')
		d++;
	if (!isdigit((unsigned char)*d) || strchr(s, '/'))
		return 0;
	for (const char *p = s; (p = strchr(p, '.')) != NULL; p++)
		if (isalpha((unsigned char)p[1]))
			return 0;
	return stat(s, &st) < 0 && errno == ENOENT;
}

static int looks_keyval(const char *a, size_t *klen)
{
	const char *eq = strchr(a, '=');
	const char *p;
	struct stat st;

	if (!eq || eq == a || !islower((unsigned char)a[0]))
		return 0;
	for (p = a; p < eq; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	if (stat(a, &st) == 0)
		return 0;    /* an existing file whose name has '=' stays a file */
	*klen = (size_t)(eq - a);
	return 1;
}

/* 1 when argv element a is an option whose argument is the next element. */
static int takes_next(const char *a, const struct option *opts)
{
	const struct option *o;

	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if (a[1] == '-') {
		if (strchr(a, '='))
			return 0;
		for (o = opts; o->name; o++)
			if (strcmp(o->name, a + 2) == 0)
				return o->has_arg == required_argument;
		return 0;
	}
	/* A group of short options, as getopt reads it: the first that takes
	 * an argument takes the rest of the group, or the next element. */
	for (const char *c = a + 1; *c; c++)
		for (o = opts; o->name; o++)
			if (o->flag == NULL && o->val == *c && o->has_arg == required_argument)
				return c[1] == '\0';
	return 0;
}

int sk_par_keyvals(int argc, char **argv, const struct option *opts, const char **bad)
{
	return sk_par_keyvals_keep(argc, argv, opts, NULL, bad);
}

int sk_par_keyvals_keep(int argc, char **argv, const struct option *opts, int (*keep)(const char *arg),
			const char **bad)
{
	for (int i = 1; i < argc; i++) {
		size_t klen;
		const struct option *o;

		if (strcmp(argv[i], "--") == 0)
			break;
		if (takes_next(argv[i], opts)) {
			i++;    /* "--reflector z=600,x=500" keeps its argument */
			continue;
		}
		if (!looks_keyval(argv[i], &klen) || (keep && keep(argv[i])))
			continue;
		for (o = opts; o->name; o++)
			if (o->has_arg != no_argument && strlen(o->name) == klen &&
			    strncmp(o->name, argv[i], klen) == 0)
				break;
		if (!o->name) {
			*bad = argv[i];
			return SK_EARG;
		}
		{
			const size_t n = strlen(argv[i]) + 3;
			char *s = malloc(n);
			if (!s)
				return SK_ENOMEM;
			snprintf(s, n, "--%s", argv[i]);
			argv[i] = s;
		}
	}
	return 0;
}

/* Optimal string alignment distance (Levenshtein with adjacent
 * transpositions) between a[0..na) and b[0..nb), both under 64 bytes. */
static int distance(const char *a, size_t na, const char *b, size_t nb)
{
	int d[65][65];

	for (size_t i = 0; i <= na; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= nb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		for (size_t j = 1; j <= nb; j++) {
			const int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[na][nb];
}

const char *sk_par_closest(const char *word, size_t len, const struct option *opts, int with_arg)
{
	const int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	const char *best = NULL;
	int bestd = limit + 1;

	if (len == 0 || len > 64)
		return NULL;
	for (const struct option *o = opts; o->name; o++) {
		const size_t n = strlen(o->name);
		int dd;
		if ((with_arg && o->has_arg == no_argument) || n > 64)
			continue;
		dd = distance(word, len, o->name, n);
		if (dd < bestd) {
			bestd = dd;
			best = o->name;
		}
	}
	return best;
}

/* The long option named by a[0..len): an exact match, else the only one it
 * abbreviates; NULL for none or several. */
static const struct option *long_named(const char *a, size_t len, const struct option *opts, int *nmatch)
{
	const struct option *hit = NULL;

	*nmatch = 0;
	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, a, len) != 0)
			continue;
		if (strlen(o->name) == len) {
			*nmatch = 1;
			return o;
		}
		if (!hit || hit->val != o->val || hit->has_arg != o->has_arg || hit->flag != o->flag)
			++*nmatch;
		if (!hit)
			hit = o;
	}
	return *nmatch == 1 ? hit : NULL;
}

const char *sk_par_opterror(char *const *argv, int ind, int opt, const char *shortopts,
			    const struct option *opts, char *buf, size_t n)
{
	const char *a = ind > 0 ? argv[ind - 1] : "";

	if (a && a[0] == '-' && a[1] == '-' && a[2]) {
		const char *name = a + 2, *eq = strchr(name, '=');
		const size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int nmatch;
		const struct option *o = long_named(name, len, opts, &nmatch);
		if (o && o->has_arg == no_argument && eq)
			snprintf(buf, n, "option '--%s' takes no argument; try --help", o->name);
		else if (o && opt != 0)
			snprintf(buf, n, "option '--%s' needs an argument; try --help", o->name);
		else if (nmatch > 1) {
			size_t k = (size_t)snprintf(buf, n, "ambiguous option '--%.*s' (", (int)len, name);
			int shown = 0;
			for (o = opts; o->name && k < n; o++)
				if (strncmp(o->name, name, len) == 0)
					k += (size_t)snprintf(buf + k, n - k, "%s--%s", shown++ ? ", " : "", o->name);
			if (k < n)
				snprintf(buf + k, n - k, "?); try --help");
		} else {
			const char *c = sk_par_closest(name, len, opts, 0);
			if (c)
				snprintf(buf, n, "unknown option '--%.*s' (did you mean --%s?); try --help", (int)len,
					 name, c);
			else
				snprintf(buf, n, "unknown option '--%.*s'; try --help", (int)len, name);
		}
		return buf;
	}
	{
		const char *p = opt > 0 && opt < 256 && opt != ':' ? strchr(shortopts, opt) : NULL;
		if (p && p[1] == ':')
			snprintf(buf, n, "option '-%c' needs an argument; try --help", opt);
		else if (opt > 32 && opt < 127)
			snprintf(buf, n, "unknown option '-%c'; try --help", opt);
		else
			snprintf(buf, n, "unknown option; try --help");
	}
	return buf;
}

const char *sk_par_keyval_error(const char *bad, const struct option *opts, char *buf, size_t n)
{
	const char *eq = strchr(bad, '=');
	const size_t len = eq ? (size_t)(eq - bad) : strlen(bad);
	const char *c = sk_par_closest(bad, len, opts, 1);

	if (c)
		snprintf(buf, n, "unknown parameter '%s' (did you mean %s=?); try --help", bad, c);
	else
		snprintf(buf, n, "unknown parameter '%s'; try --help", bad);
	return buf;
}

void sk_par_fail(char *const *argv, const char *shortopts, const struct option *opts)
{
	char buf[512];

	sk_die(2, "%s", sk_par_opterror(argv, optind, optopt, shortopts, opts, buf, sizeof buf));
}

void sk_par_keyval_fail(const char *bad, const struct option *opts)
{
	char buf[512];

	sk_die(2, "%s", sk_par_keyval_error(bad ? bad : "?", opts, buf, sizeof buf));
}

void sk_par_usage_fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sk_die(2, "%s; try --help", buf);
}
