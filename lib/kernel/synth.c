#include "synth.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "hdr.h"
#include "par.h"
#include "stream.h"

#define PI 3.14159265358979323846
#define BLOCK_BYTES (4L << 20)

/* Settings that only some geometries take, checked once all are known. */
enum { G_AREA = 1, G_PAIRS = 2, G_OFFSETS = 4, G_SPREAD = 8, G_NEAR = 16 };

void sk_synth_init(struct sk_synth *s)
{
	memset(s, 0, sizeof *s);
	sk_survey_init(&s->survey);
	sk_model_init(&s->model);
	s->ns = 1001;
	s->dt = 0.004;
	s->seed = 1;
}

void sk_synth_release(struct sk_synth *s)
{
	sk_survey_release(&s->survey);
	sk_model_release(&s->model);
}

static int numbers(const char *what, const char *val, double *v, int min, int max,
		   struct sk_error *err)
{
	int n;

	if (sk_par_doubles(what, val, v, max, &n, err))
		return SK_EARG;
	if (n < min)
		return sk_error_set(err, SK_EARG, "invalid %s '%s' (expected %d to %d numbers)", what, val,
				    min, max);
	return n;
}

int sk_synth_set(struct sk_synth *s, const char *key, const char *val, struct sk_error *err)
{
	struct sk_survey *sv = &s->survey;
	double v[4];
	int kind;

	s->checked = 0;
	if (strcmp(key, "line") == 0 || strcmp(key, "survey") == 0 || strcmp(key, "random") == 0)
		return sk_survey_parse(sv, key, val, err);
	if ((kind = sk_event_kind(key)) >= 0)
		return sk_model_add(&s->model, kind, val, err);
	if (strcmp(key, "jitter") == 0) {
		if (numbers("jitter", val, v, 2, 2, err) < 0 || sk_survey_set_kind(sv, "random", err))
			return SK_EARG;
		sv->jx = v[0];
		sv->jy = v[1];
		return 0;
	}
	if (strcmp(key, "area") == 0) {
		if (numbers("area", val, v, 4, 4, err) < 0)
			return SK_EARG;
		sv->ax0 = v[0]; sv->ax1 = v[1]; sv->ay0 = v[2]; sv->ay1 = v[3];
		return 0;
	}
	if (strcmp(key, "pairs") == 0) {
		if (strcmp(val, "1") && strcmp(val, "true") && strcmp(val, "yes"))
			return sk_error_set(err, SK_EARG, "invalid pairs '%s' (expected true)", val);
		sv->pairs = 1;
		return 0;
	}
	if (strcmp(key, "offsets") == 0) {
		const int n = numbers("offsets", val, v, 1, 2, err);
		if (n < 0)
			return SK_EARG;
		sv->omin = v[0];
		sv->omax = n == 2 ? v[1] : v[0];
		return 0;
	}
	if (strcmp(key, "spread") == 0) {
		if (strcmp(val, "split") == 0)
			sv->spread = SK_SPREAD_SPLIT;
		else if (strcmp(val, "end-on") == 0)
			sv->spread = SK_SPREAD_ENDON;
		else
			return sk_error_set(err, SK_EARG, "unknown spread '%s' (expected split or end-on)", val);
		return 0;
	}
	if (strcmp(key, "near") == 0)
		return sk_par_double("near offset", val, &sv->near, err);
	if (strcmp(key, "bin") == 0) {
		const int n = numbers("bin", val, v, 1, 2, err);
		if (n < 0)
			return SK_EARG;
		sv->bdx = v[0];
		sv->bdy = n == 2 ? v[1] : v[0];
		return 0;
	}
	if (strcmp(key, "nt") == 0)
		return sk_par_long("nt", val, 1, 65535, &s->ns, err);
	if (strcmp(key, "dt") == 0) {
		/* A sample interval fits in 65.535 ms: the duration parser's
		 * own example (30s, 5m or 2h) would be no help. */
		if (sk_par_duration("dt", val, &s->dt, err) < 0)
			return sk_error_set(err, SK_EARG,
					    "invalid dt '%s' (expected seconds, or milliseconds with ms: 0.004 or 4ms)",
					    val);
		return 0;
	}
	if (strcmp(key, "vel") == 0)
		return sk_model_set_vel(&s->model, val, err);
	if (strcmp(key, "wavelet") == 0)
		return sk_model_set_wavelet(&s->model, val, err);
	if (strcmp(key, "amplitude") == 0)
		return sk_model_set_amplitude(&s->model, val, err);
	if (strcmp(key, "diffraction") == 0)
		return sk_model_set_diffraction(&s->model, val, err);
	if (strcmp(key, "noise") == 0) {
		if (sk_par_double("noise", val, &s->snr, err))
			return SK_EARG;
		if (!(s->snr > 0))
			return sk_error_set(err, SK_EARG, "noise: the signal-to-noise ratio must be positive, got %g",
					    s->snr);
		return 0;
	}
	if (strcmp(key, "seed") == 0) {
		char *end;
		unsigned long long u;
		errno = 0;
		u = strtoull(val, &end, 10);
		if (end == val || *end || errno || val[0] == '-')
			return sk_error_set(err, SK_EARG, "invalid seed '%s' (expected a whole number >= 0)", val);
		s->seed = u;
		return 0;
	}
	return sk_error_set(err, SK_EARG, "unknown setting '%s'", key);
}

static int at(const struct sk_cfg *n, struct sk_error *err)
{
	/* Prefixes the message already in err with the node's position. */
	char msg[sizeof err->msg];
	snprintf(msg, sizeof msg, "%s", err->msg);
	return sk_error_set(err, err->code ? err->code : SK_EARG, "line %d, column %d: %s",
			    sk_cfg_line(n), sk_cfg_column(n), msg);
}

static int scalar(const struct sk_cfg *n, const char *what, const char **out, struct sk_error *err)
{
	*out = sk_cfg_str(n);
	if (!*out)
		return sk_error_set(err, SK_EARG, "line %d, column %d: %s: expected a single value",
				    sk_cfg_line(n), sk_cfg_column(n), what);
	return 0;
}

static int load_geometry(struct sk_synth *s, const char *kind, const struct sk_cfg *map,
			 struct sk_error *err)
{
	if (sk_survey_set_kind(&s->survey, kind, err))
		return at(map, err);
	for (size_t i = 0; i < sk_cfg_len(map); i++) {
		const struct sk_cfg *v = sk_cfg_at(map, i);
		const char *str;
		if (scalar(v, sk_cfg_key_at(map, i), &str, err))
			return SK_EARG;
		if (sk_survey_set(&s->survey, sk_cfg_key_at(map, i), str, err))
			return at(v, err);
	}
	return 0;
}

static int load_events(struct sk_synth *s, const struct sk_cfg *seq, struct sk_error *err)
{
	if (sk_cfg_kind(seq) != SK_CFG_SEQ)
		return sk_error_set(err, SK_EARG, "line %d, column %d: events: expected a list",
				    sk_cfg_line(seq), sk_cfg_column(seq));
	for (size_t i = 0; i < sk_cfg_len(seq); i++) {
		const struct sk_cfg *item = sk_cfg_at(seq, i), *spec;
		const char *name;
		int kind;
		if (sk_cfg_kind(item) != SK_CFG_MAP || sk_cfg_len(item) != 1)
			return sk_error_set(err, SK_EARG,
					    "line %d, column %d: events: expected one 'kind: spec' per item",
					    sk_cfg_line(item), sk_cfg_column(item));
		name = sk_cfg_key_at(item, 0);
		spec = sk_cfg_at(item, 0);
		kind = sk_event_kind(name);
		if (kind < 0)
			return sk_error_set(err, SK_EARG,
					    "line %d, column %d: unknown event '%s' (expected diffractor, reflector, plane or hyperbola)",
					    sk_cfg_line(item), sk_cfg_column(item), name);
		if (sk_cfg_kind(spec) == SK_CFG_SCALAR) {
			if (sk_model_add(&s->model, kind, sk_cfg_str(spec), err))
				return at(spec, err);
		} else if (sk_cfg_kind(spec) == SK_CFG_MAP) {
			struct sk_event *e;
			if (sk_model_new_event(&s->model, kind, &e, err))
				return SK_ENOMEM;
			for (size_t j = 0; j < sk_cfg_len(spec); j++) {
				const struct sk_cfg *v = sk_cfg_at(spec, j);
				const char *str;
				if (scalar(v, sk_cfg_key_at(spec, j), &str, err))
					return SK_EARG;
				if (sk_event_set(e, sk_cfg_key_at(spec, j), str, err))
					return at(v, err);
			}
		} else {
			return sk_error_set(err, SK_EARG, "line %d, column %d: %s: expected a spec or a map",
					    sk_cfg_line(spec), sk_cfg_column(spec), name);
		}
	}
	return 0;
}

static int load_vel(struct sk_synth *s, const struct sk_cfg *seq, struct sk_error *err)
{
	const size_t n = sk_cfg_len(seq);
	double *t = malloc((n ? n : 1) * sizeof *t), *v = malloc((n ? n : 1) * sizeof *v);
	int rc = 0;

	if (!t || !v) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sk_cfg *p = sk_cfg_at(seq, i);
		if (sk_cfg_kind(p) != SK_CFG_SEQ || sk_cfg_len(p) != 2) {
			rc = sk_error_set(err, SK_EARG, "line %d, column %d: vel: expected [t, v] pairs",
					  sk_cfg_line(p), sk_cfg_column(p));
			goto out;
		}
		if ((rc = sk_cfg_double(sk_cfg_at(p, 0), "vel t", &t[i], err)) ||
		    (rc = sk_cfg_double(sk_cfg_at(p, 1), "vel v", &v[i], err)))
			goto out;
	}
	if ((rc = sk_model_set_knots(&s->model, t, v, n, err)))
		rc = at(seq, err);
out:
	free(t);
	free(v);
	return rc;
}

static int load(struct sk_synth *s, const char *path, struct sk_error *err);

int sk_synth_load(struct sk_synth *s, const char *path, struct sk_error *err)
{
	return sk_error_at(err, load(s, path, err), path);
}

static int load(struct sk_synth *s, const char *path, struct sk_error *err)
{
	struct sk_cfg *root;
	int rc;

	if ((rc = sk_cfg_load(path, &root, err)))
		return sk_not_text(path, "a YAML model file", rc, err);
	if (sk_cfg_kind(root) != SK_CFG_MAP) {
		rc = sk_error_set(err, SK_EARG, "line %d, column %d: expected a map of settings",
				  sk_cfg_line(root), sk_cfg_column(root));
		goto out;
	}
	for (size_t i = 0; i < sk_cfg_len(root) && !rc; i++) {
		const char *key = sk_cfg_key_at(root, i);
		const struct sk_cfg *v = sk_cfg_at(root, i);
		const int k = sk_cfg_kind(v);
		if (k == SK_CFG_MAP && (strcmp(key, "line") == 0 || strcmp(key, "survey") == 0 ||
					strcmp(key, "random") == 0))
			rc = load_geometry(s, key, v, err);
		else if (strcmp(key, "events") == 0)
			rc = load_events(s, v, err);
		else if (k == SK_CFG_SEQ && strcmp(key, "vel") == 0)
			rc = load_vel(s, v, err);
		else if (k == SK_CFG_SCALAR && sk_event_kind(key) < 0) {
			if ((rc = sk_synth_set(s, key, sk_cfg_str(v), err)))
				rc = at(v, err);
		} else
			rc = sk_error_set(err, SK_EARG, "line %d, column %d: %s: %s", sk_cfg_line(v),
					  sk_cfg_column(v), key,
					  sk_event_kind(key) >= 0 ? "events go in the events list" :
					  "unexpected value");
	}
out:
	sk_cfg_free(root);
	return rc;
}

static int check_geometry_options(const struct sk_synth *s, struct sk_error *err)
{
	const struct sk_survey *sv = &s->survey;
	const int random = sv->kind == SK_SURVEY_RANDOM, line = sv->kind == SK_SURVEY_LINE;

	if (sv->kind == SK_SURVEY_NONE)
		return sk_error_set(err, SK_EARG, "no geometry: give --line, --survey, --random or --jitter");
	if (!random && (!isnan(sv->ax0) || sv->pairs || !isnan(sv->omin)))
		return sk_error_set(err, SK_EARG, "--area, --pairs and --offsets apply to --random and --jitter");
	if (!line && (!isnan(sv->near) || sv->spread != SK_SPREAD_SPLIT))
		return sk_error_set(err, SK_EARG, "--spread and --near apply to --line");
	return 0;
}

static void noise_add(const struct sk_synth *s, int64_t i, double *x)
{
	const uint64_t base = sk_rand_base(s->seed, 2, (uint64_t)i);

	for (long j = 0; j < s->ns; j += 2) {
		const uint64_t p = (uint64_t)j;
		const double u1 = sk_rand_u(base, p), u2 = sk_rand_u(base, p + 1);
		const double rho = sqrt(-2 * log(1 - u1));
		x[j] += s->sigma * rho * cos(2 * PI * u2);
		if (j + 1 < s->ns)
			x[j + 1] += s->sigma * rho * sin(2 * PI * u2);
	}
}

void sk_synth_samples(const struct sk_synth *s, int64_t i, const struct sk_survey_trace *t,
		      double *scratch, float *out)
{
	memset(scratch, 0, (size_t)s->ns * sizeof *scratch);
	sk_model_trace(&s->model, t->s, t->r, s->ns, 0, s->dt, scratch);
	if (s->sigma > 0)
		noise_add(s, i, scratch);
	for (long j = 0; j < s->ns; j++)
		out[j] = (float)scratch[j];
}

static long block_traces(const struct sk_synth *s)
{
	long b = BLOCK_BYTES / (s->ns * (long)sizeof(float) + SK_HDR_LEN);
	return b < 1 ? 1 : b > 4096 ? 4096 : b;
}

/* The RMS of the noise-free survey: per-trace sums in parallel, added in
 * trace order so the result does not depend on the thread count. */
static int survey_rms(const struct sk_synth *s, double *out, struct sk_error *err)
{
	const long nb = block_traces(s);
	const int nth = omp_get_max_threads();
	double *scr = malloc((size_t)nth * (size_t)s->ns * sizeof *scr);
	double *sums = malloc((size_t)nb * sizeof *sums);
	double total = 0;

	if (!scr || !sums) {
		free(scr);
		free(sums);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	for (int64_t i0 = 0; i0 < s->survey.ntr; i0 += nb) {
		const long n = (long)(s->survey.ntr - i0 < nb ? s->survey.ntr - i0 : nb);
#pragma omp parallel for schedule(static)
		for (long j = 0; j < n; j++) {
			double *x = scr + (size_t)omp_get_thread_num() * (size_t)s->ns, acc = 0;
			struct sk_survey_trace t;
			sk_survey_get(&s->survey, i0 + j, &t);
			memset(x, 0, (size_t)s->ns * sizeof *x);
			sk_model_trace(&s->model, t.s, t.r, s->ns, 0, s->dt, x);
			for (long k = 0; k < s->ns; k++)
				acc += x[k] * x[k];
			sums[j] = acc;
		}
		for (long j = 0; j < n; j++)
			total += sums[j];
	}
	free(scr);
	free(sums);
	*out = sqrt(total / ((double)s->survey.ntr * (double)s->ns));
	return 0;
}

int sk_synth_check(struct sk_synth *s, struct sk_error *err)
{
	double us;
	int rc;

	s->survey.seed = s->seed;
	if ((rc = check_geometry_options(s, err)) || (rc = sk_model_check(&s->model, err)) ||
	    (rc = sk_survey_check(&s->survey, err)))
		return rc;
	if (s->model.diffraction == SK_DIFF_AUTO) {
		/* 2-D when every source and receiver lies on one line. */
		const struct sk_survey *sv = &s->survey;
		const int flat = sv->kind == SK_SURVEY_RANDOM && (sv->ax0 == sv->ax1 || sv->ay0 == sv->ay1) &&
			(sv->pairs || !(sv->omax > 0));
		s->model.diff = sv->kind == SK_SURVEY_LINE || flat ? SK_DIFF_2D : SK_DIFF_3D;
	}
	us = s->dt * 1e6;
	if (!(s->dt > 0) || fabs(us - floor(us + 0.5)) > 1e-6 * us || floor(us + 0.5) > 65535)
		return sk_error_set(err, SK_EARG,
				    "dt must be a whole number of microseconds from 1 to 65535, got %g s", s->dt);
	s->sigma = 0;
	if (s->snr > 0) {
		double rms = 0;
		if ((rc = survey_rms(s, &rms, err)))
			return rc;
		if (!(rms > 0))
			return sk_error_set(err, SK_EARG, "noise: the events never reach the record, so the "
					    "signal-to-noise ratio is undefined");
		s->sigma = rms / s->snr;
	}
	s->checked = 1;
	return 0;
}

void sk_synth_info(const struct sk_synth *s, struct sk_info *out)
{
	memset(out, 0, sizeof *out);
	out->fmt = SK_FMT_SEGY;
	out->little = 0;
	out->sample_format = 5;
	out->ns = s->ns;
	out->dt = floor(s->dt * 1e6 + 0.5);
	out->hdrlen = SK_HDR_LEN;
	out->ntraces = s->survey.ntr;
	out->fhdr = NULL;
	out->fhdr_len = 0;
	out->rev_major = 1;
	out->fixed_length = 1;
}

int sk_synth_run(struct sk_synth *s, struct sk_writer *w,
		 void (*progress)(void *arg, int64_t done, int64_t total), void *arg,
		 struct sk_error *err)
{
	const long nb = block_traces(s);
	const int nth = omp_get_max_threads();
	const int su = sk_writer_info(w)->fmt == SK_FMT_SU;
	const uint16_t dt_us = (uint16_t)floor(s->dt * 1e6 + 0.5);
	unsigned char *hdr = NULL;
	float *data = NULL;
	double *scr = NULL;
	struct sk_survey_trace *geo = NULL;
	int rc = 0;

	if (!s->checked && (rc = sk_synth_check(s, err)))
		return rc;
	hdr = calloc((size_t)nb, SK_HDR_LEN);
	data = malloc((size_t)nb * (size_t)s->ns * sizeof *data);
	scr = malloc((size_t)nth * (size_t)s->ns * sizeof *scr);
	geo = malloc((size_t)nb * sizeof *geo);
	if (!hdr || !data || !scr || !geo) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto out;
	}
	memset(s->survey.fold, 0, (size_t)s->survey.nbx * (size_t)s->survey.nby * sizeof *s->survey.fold);
	for (int64_t i0 = 0; i0 < s->survey.ntr; i0 += nb) {
		const long n = (long)(s->survey.ntr - i0 < nb ? s->survey.ntr - i0 : nb);
		for (long j = 0; j < n; j++) {
			unsigned char *h = hdr + (size_t)j * SK_HDR_LEN;
			memset(h, 0, SK_HDR_LEN);
			sk_survey_get(&s->survey, i0 + j, &geo[j]);
			sk_survey_header(&s->survey, i0 + j, &geo[j], h);
			sk_hdr_set_i16(h, SK_TR_NS, (int16_t)(uint16_t)s->ns);
			sk_hdr_set_i16(h, SK_TR_DT, (int16_t)dt_us);
			if (su)
				memset(h + 180, 0, SK_HDR_LEN - 180);
		}
#pragma omp parallel for schedule(static)
		for (long j = 0; j < n; j++)
			sk_synth_samples(s, i0 + j, &geo[j], scr + (size_t)omp_get_thread_num() * (size_t)s->ns,
					 data + (size_t)j * (size_t)s->ns);
		for (long j = 0; j < n; j++)
			if ((rc = sk_writer_put(w, hdr + (size_t)j * SK_HDR_LEN, data + (size_t)j * (size_t)s->ns,
						err)))
				goto out;
		if (progress)
			progress(arg, i0 + n, s->survey.ntr);
	}
out:
	free(hdr);
	free(data);
	free(scr);
	free(geo);
	return rc;
}
