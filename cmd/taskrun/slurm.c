#include "slurm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct names {
	char **v;
	int n, cap;
};

static int push(struct names *nm, const char *a, size_t na, const char *b, size_t nb)
{
	char *s;
	if (nm->n == nm->cap) {
		const int cap = nm->cap ? nm->cap * 2 : 16;
		char **nv = realloc(nm->v, (size_t)cap * sizeof *nv);
		if (!nv)
			return SK_ENOMEM;
		nm->v = nv;
		nm->cap = cap;
	}
	if (!(s = malloc(na + nb + 1)))
		return SK_ENOMEM;
	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	s[na + nb] = '\0';
	nm->v[nm->n++] = s;
	return 0;
}

void tr_slurm_nodes_free(char **v, int n)
{
	if (!v)
		return;
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A bound of a range: 1 to 9 digits. */
static int bound(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;
	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Expands done (nd bytes, already expanded) followed by rest (nr bytes, a
 * single name that may hold brackets) into nm.  Returns 0, SK_ENOMEM, or
 * SK_EARG with what set to the reason.
 */
static int expand(struct names *nm, const char *done, size_t nd, const char *rest, size_t nr,
		  const char **what)
{
	const char *open = memchr(rest, '[', nr), *close, *r, *end;
	char *buf;
	int rc = 0;

	if (!open) {
		if (memchr(rest, ']', nr)) {
			*what = "unbalanced ']'";
			return SK_EARG;
		}
		if (nd + nr == 0)
			return 0;
		if (nm->n >= TR_SLURM_MAX_NODES) {
			*what = "more than 100000 nodes";
			return SK_EARG;
		}
		return push(nm, done, nd, rest, nr);
	}
	close = memchr(open, ']', nr - (size_t)(open - rest));
	if (!close || memchr(open + 1, '[', (size_t)(close - open - 1)) ||
	    memchr(rest, ']', (size_t)(open - rest))) {
		*what = close ? "nested or unbalanced brackets" : "unbalanced '['";
		return SK_EARG;
	}
	/* The longest piece: done, the text before '[', a number of up to 9
	 * digits. */
	if (!(buf = malloc(nd + (size_t)(open - rest) + 10)))
		return SK_ENOMEM;
	memcpy(buf, done, nd);
	memcpy(buf + nd, rest, (size_t)(open - rest));
	end = close;
	for (r = open + 1; r <= end && rc == 0; r++) {
		const char *comma = memchr(r, ',', (size_t)(end - r)), *dash;
		const char *stop = comma ? comma : end;
		unsigned long lo, hi;
		size_t nlo, width;

		dash = memchr(r, '-', (size_t)(stop - r));
		nlo = dash ? (size_t)(dash - r) : (size_t)(stop - r);
		if (bound(r, nlo, &lo) != 0 ||
		    (dash ? bound(dash + 1, (size_t)(stop - dash - 1), &hi) : (hi = lo, 0)) != 0 ||
		    hi < lo) {
			*what = "invalid range";
			rc = SK_EARG;
			break;
		}
		/* "08" pads to two digits; "8" does not pad. */
		width = r[0] == '0' ? nlo : 0;
		for (unsigned long v = lo; v <= hi && rc == 0; v++) {
			const size_t pre = nd + (size_t)(open - rest);
			const int k = snprintf(buf + pre, 10, "%0*lu", (int)width, v);
			rc = expand(nm, buf, pre + (size_t)k, close + 1, nr - (size_t)(close + 1 - rest),
				    what);
		}
		r = stop;
	}
	free(buf);
	return rc;
}

int tr_slurm_nodes(const char *list, char ***out, int *n, struct sk_error *err)
{
	struct names nm = {NULL, 0, 0};
	const char *p = list, *what = NULL;
	int rc = 0;

	while (*p && rc == 0) {
		const char *s;
		int depth = 0;
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
			p++;
		for (s = p; *s; s++) {
			if (*s == '[')
				depth++;
			else if (*s == ']')
				depth--;
			else if (depth == 0 && (*s == ',' || *s == ' ' || *s == '\t' || *s == '\n'))
				break;
		}
		if (s > p)
			rc = expand(&nm, "", 0, p, (size_t)(s - p), &what);
		p = s;
	}
	if (rc == 0 && nm.n == 0) {
		what = "no nodes";
		rc = SK_EARG;
	}
	if (rc) {
		tr_slurm_nodes_free(nm.v, nm.n);
		if (rc == SK_ENOMEM)
			return sk_error_set(err, rc, "out of memory");
		return sk_error_set(err, rc, "invalid hostlist '%.100s': %s", list, what);
	}
	*out = nm.v;
	*n = nm.n;
	return 0;
}

int tr_slurm_cpus(const char *spec, int n, int *out, struct sk_error *err)
{
	const char *p = spec;
	int k = 0;

	for (;;) {
		char *e;
		long v, rep = 1;
		errno = 0;
		v = strtol(p, &e, 10);
		if (e == p || errno || v < 1 || v > 100000 || *p == '-' || *p == '+' || *p == ' ')
			goto bad;
		p = e;
		if (*p == '(') {
			if (p[1] != 'x' || p[2] < '1' || p[2] > '9')
				goto bad;
			rep = strtol(p + 2, &e, 10);
			if (errno || rep < 1 || rep > TR_SLURM_MAX_NODES || *e != ')')
				goto bad;
			p = e + 1;
		}
		if (rep > n - k)
			return sk_error_set(err, SK_EARG, "'%.100s' gives more CPU counts than the %d nodes",
					    spec, n);
		while (rep-- > 0)
			out[k++] = (int)v;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	if (k != n)
		return sk_error_set(err, SK_EARG, "'%.100s' gives %d CPU count%s for %d nodes", spec, k,
				     k == 1 ? "" : "s", n);
	return 0;
bad:
	return sk_error_set(err, SK_EARG, "invalid CPU counts '%.100s' (expected N or N(xM), comma-separated)",
			    spec);
}

int tr_slurm_hosts(const char *nodelist, const char *cpus, int slots, struct tr_hostent **out,
		   int *n, struct sk_error *err)
{
	char **names;
	int nn, *count, rc;
	struct tr_hostent *h;

	if (!nodelist || !cpus)
		return sk_error_set(err, SK_EARG, "%s is not set: not inside a Slurm allocation",
				    nodelist ? "SLURM_JOB_CPUS_PER_NODE" : "SLURM_JOB_NODELIST");
	if ((rc = tr_slurm_nodes(nodelist, &names, &nn, err)) != 0) {
		if (rc == SK_EARG) {
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "SLURM_JOB_NODELIST: %.400s", err->msg);
			memcpy(err->msg, msg, sizeof msg);
		}
		return rc;
	}
	count = calloc((size_t)nn, sizeof *count);
	h = calloc((size_t)nn, sizeof *h);
	if (!count || !h) {
		free(count);
		free(h);
		tr_slurm_nodes_free(names, nn);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	if ((rc = tr_slurm_cpus(cpus, nn, count, err)) != 0) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "SLURM_JOB_CPUS_PER_NODE: %.400s", err->msg);
		memcpy(err->msg, msg, sizeof msg);
		free(count);
		free(h);
		tr_slurm_nodes_free(names, nn);
		return rc;
	}
	for (int i = 0; i < nn; i++) {
		h[i].name = names[i];
		h[i].slots = slots > 0 ? slots : count[i];
		h[i].slurm = 1;
	}
	free(names);
	free(count);
	*out = h;
	*n = nn;
	return 0;
}

/* The value of KEY= in a line of blank-separated KEY=VALUE words, into
 * out (n bytes); 0 when it is not there. */
static int field(const char *text, const char *key, char *out, size_t n)
{
	const size_t k = strlen(key);

	for (const char *p = text; (p = strstr(p, key)) != NULL; p += k) {
		size_t len;
		if (p != text && p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n')
			continue;
		p += k;
		len = strcspn(p, " \t\n");
		snprintf(out, n, "%.*s", (int)len, p);
		return 1;
	}
	return 0;
}

int tr_slurm_job_parse(const char *text, struct tr_slurm_job *out)
{
	memset(out, 0, sizeof *out);
	if (!field(text, "JobState=", out->state, sizeof out->state) || !out->state[0])
		return SK_EFMT;
	if (!field(text, "Reason=", out->reason, sizeof out->reason))
		snprintf(out->reason, sizeof out->reason, "None");
	out->ended = strcmp(out->state, "RUNNING") != 0 && strcmp(out->state, "SUSPENDED") != 0 &&
		     strcmp(out->state, "CONFIGURING") != 0;
	out->timelimit = strcmp(out->state, "TIMEOUT") == 0 ||
			 (out->ended && strcmp(out->reason, "TimeLimit") == 0);
	return 0;
}

/* Whether words holds one of the n strings of w. */
static int has_any(const char *words, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(words, w[i]))
			return 1;
	return 0;
}

int tr_slurm_job_over(const char *words)
{
	static const char *const w[] = {"Expired or invalid job", "Job/step already completing or completed",
					"Invalid job id specified"};

	return has_any(words, w, sizeof w / sizeof *w);
}

int tr_slurm_step_ended(const char *words)
{
	static const char *const w[] = {" CANCELLED AT ", "Job step aborted", "forcing job termination",
					": task 0: Terminated"};

	return has_any(words, w, sizeof w / sizeof *w);
}
