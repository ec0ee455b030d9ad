#include "velocity.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "par.h"
#include "stream.h"

/* Parses a whole string as a finite double. */
static int number(const char *s, const char *end, double *out)
{
	char buf[64], *e;
	const size_t n = (size_t)(end - s);
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &e);
	return e == buf || *e || errno == ERANGE || !isfinite(*out) ? -1 : 0;
}

int sk_vel_parse(const char *arg, struct sk_vel *out, struct sk_error *err)
{
	const char *s = arg;
	double v;

	memset(out, 0, sizeof *out);
	if (number(arg, arg + strlen(arg), &v) == 0) {
		if (!(v > 0))
			return sk_error_set(err, SK_EARG, "invalid vel '%s' (expected a positive velocity)", arg);
		out->kind = SK_VEL_CONST;
		out->n = 1;
		out->t[0] = 0.0;
		out->v[0] = v;
		return 0;
	}
	if (!strchr(arg, ':')) {
		if (sk_par_numlike(arg))
			return sk_error_set(err, SK_EARG, "invalid vel '%s' (not a number, and no file of that name)",
					    arg);
		out->kind = SK_VEL_FILE;
		out->path = arg;
		return 0;
	}
	out->kind = SK_VEL_PAIRS;
	for (;;) {
		const char *comma = strchr(s, ','), *end = comma ? comma : s + strlen(s);
		const char *colon = memchr(s, ':', (size_t)(end - s));
		double t;
		if (out->n == SK_VEL_MAXPAIRS)
			return sk_error_set(err, SK_EARG, "invalid vel '%s' (at most %d t:v pairs)", arg,
					    SK_VEL_MAXPAIRS);
		if (!colon || number(s, colon, &t) < 0 || number(colon + 1, end, &v) < 0)
			return sk_error_set(err, SK_EARG,
					    "invalid vel '%s' (expected V, t:v,t:v,... or a file)", arg);
		if (!(v > 0))
			return sk_error_set(err, SK_EARG,
					    "invalid vel '%s' (non-positive velocity %g at %g s)", arg, v, t);
		if (out->n > 0 && !(t > out->t[out->n - 1]))
			return sk_error_set(err, SK_EARG, "invalid vel '%s' (times must increase)", arg);
		out->t[out->n] = t;
		out->v[out->n] = v;
		out->n++;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

double sk_vel_at(const struct sk_vel *v, double t)
{
	int k = 0;
	if (v->n == 1 || t <= v->t[0])
		return v->v[0];
	if (t >= v->t[v->n - 1])
		return v->v[v->n - 1];
	while (v->t[k + 1] < t)
		k++;
	return v->v[k] + (v->v[k + 1] - v->v[k]) * (t - v->t[k]) / (v->t[k + 1] - v->t[k]);
}

void sk_vel_curve(const struct sk_vel *v, long nt, double t0, double dt, float *out)
{
	for (long j = 0; j < nt; j++)
		out[j] = (float)sk_vel_at(v, t0 + (double)j * dt);
}

/* Resamples a velocity trace (ns samples from tv0 every dtv) onto the output
 * axis, checking every sample it has. */
static int resample(const float *in, long ns, double tv0, double dtv, long nt, double t0, double dt,
		    float *out, int64_t trace, struct sk_error *err)
{
	for (long i = 0; i < ns; i++)
		if (!(in[i] > 0) || !isfinite(in[i]))
			return sk_error_set(err, SK_EFMT, "trace %lld: non-positive velocity %g at %g s",
					    (long long)trace + 1, (double)in[i], tv0 + (double)i * dtv);
	for (long j = 0; j < nt; j++) {
		const double f = (t0 + (double)j * dt - tv0) / dtv;
		if (f <= 0 || ns == 1) {
			out[j] = in[0];
		} else if (f >= (double)(ns - 1)) {
			out[j] = in[ns - 1];
		} else {
			const long i = (long)f;
			const double r = f - (double)i;
			out[j] = (float)((1.0 - r) * in[i] + r * in[i + 1]);
		}
	}
	return 0;
}

int sk_vel_load(const char *path, const struct sk_grid *g, int64_t first, int64_t last, long nt,
		double t0, double dt, float **out, int *per_loc, struct sk_error *err)
{
	struct sk_reader *r = NULL;
	const struct sk_info *info;
	const struct sk_key *delrt = sk_hdr_key("delrt");
	const int64_t total = sk_grid_size(g);
	unsigned char *hdr = NULL;
	float *tr = NULL, *res = NULL, *v0 = NULL;
	int64_t n = 0;
	double dtv, tol;
	int rc;

	*out = NULL;
	if ((rc = sk_reader_open(path, SK_FMT_AUTO, &r, err)) < 0)
		return rc;
	info = sk_reader_info(r);
	dtv = info->dt * 1e-6;
	tol = 0.5 * (g->ny > 1 ? fmin(g->dx, g->dy) : g->dx);
	hdr = malloc(info->hdrlen);
	tr = malloc((size_t)info->ns * sizeof *tr);
	res = malloc((size_t)(last - first) * (size_t)nt * sizeof *res);
	v0 = malloc((size_t)nt * sizeof *v0);
	if (!hdr || !tr || !res || !v0) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	if (!(dtv > 0)) {
		rc = sk_error_set(err, SK_EFMT, "sample interval %g is not positive", info->dt);
		goto done;
	}
	while ((rc = sk_reader_next(r, hdr, tr, err)) == 1) {
		const double tv0 = sk_key_value(hdr, delrt) * 1e-3;
		const double cx = sk_hdr_coord(hdr, SK_TR_CDPX), cy = sk_hdr_coord(hdr, SK_TR_CDPY);
		/* SU headers hold d1 f1 ... where SEG-Y has cdpx/cdpy: no check. */
		if (!info->su_tail && n < total && (cx != 0 || cy != 0)) {
			double x, y;
			sk_grid_point(g, n, &x, &y);
			if (hypot(cx - x, cy - y) > tol) {
				rc = sk_error_set(err, SK_EFMT,
						  "trace %lld: cdpx/cdpy (%g, %g) is not grid location %lld (%g, %g)",
						  (long long)n + 1, cx, cy, (long long)n + 1, x, y);
				goto done;
			}
		}
		if (n == 0 && (rc = resample(tr, info->ns, tv0, dtv, nt, t0, dt, v0, n, err)) < 0)
			goto done;
		if (n >= first && n < last &&
		    (rc = resample(tr, info->ns, tv0, dtv, nt, t0, dt, res + (size_t)(n - first) * (size_t)nt,
				   n, err)) < 0)
			goto done;
		n++;
	}
	if (rc < 0)
		goto done;
	if (n == 1) {
		*per_loc = 0;
		*out = v0;
		v0 = NULL;
	} else if (n == total) {
		*per_loc = 1;
		*out = res;
		res = NULL;
	} else {
		rc = sk_error_set(err, SK_EFMT,
				  "%lld velocity traces for a grid of %lld locations (expected 1 or %lld)",
				  (long long)n, (long long)total, (long long)total);
		goto done;
	}
	rc = 0;
done:
	sk_reader_free(r);
	free(hdr);
	free(tr);
	free(res);
	free(v0);
	return rc;
}
