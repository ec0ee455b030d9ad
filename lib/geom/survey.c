#include "survey.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "par.h"

#define PI 3.14159265358979323846
/* Counts and bins beyond these are refused rather than overflowing headers
 * (tracl and cdp are 32-bit) or memory (one counter per bin). */
#define MAX_TRACES 2147483647.0
#define MAX_BINS 100000000.0

struct skey {
	const char *name;
	size_t off;            /* double field, or -1 for the special keys */
	const char *what;      /* for messages */
};

#define F(f) offsetof(struct sk_survey, f)
static const struct skey line_keys[] = {
	{"shots", F(shots), "shot count"}, {"shot_spacing", F(ds), "shot spacing"},
	{"channels", F(channels), "channel count"}, {"receiver_spacing", F(dr), "receiver spacing"},
	{"x0", F(x0), "first shot x"}, {"near", F(near), "near offset"},
	{"spread", (size_t)-1, NULL}, {"bin_dx", F(bdx), "bin size"}, {NULL, 0, NULL}};
static const struct skey ortho_keys[] = {
	{"shot_lines", F(nsl), "shot line count"}, {"shot_line_spacing", F(dsl), "shot line spacing"},
	{"shots", F(nsp), "shots per line"}, {"shot_spacing", F(dsp), "shot spacing"},
	{"receiver_lines", F(nrl), "receiver line count"},
	{"receiver_line_spacing", F(drl), "receiver line spacing"},
	{"receivers", F(nrp), "receivers per line"}, {"receiver_spacing", F(drp), "receiver spacing"},
	{"sx0", F(sx0), "first shot x"}, {"sy0", F(sy0), "first shot y"},
	{"rx0", F(rx0), "first receiver x"}, {"ry0", F(ry0), "first receiver y"},
	{"bin_dx", F(bdx), "bin size"}, {"bin_dy", F(bdy), "bin size"}, {NULL, 0, NULL}};
static const struct skey random_keys[] = {
	{"count", F(count), "trace count"}, {"jitter_x", F(jx), "jitter cells in x"},
	{"jitter_y", F(jy), "jitter cells in y"}, {"x0", F(ax0), "area x0"}, {"x1", F(ax1), "area x1"},
	{"y0", F(ay0), "area y0"}, {"y1", F(ay1), "area y1"}, {"offset_min", F(omin), "minimum offset"},
	{"offset_max", F(omax), "maximum offset"}, {"pairs", (size_t)-1, NULL},
	{"bin_dx", F(bdx), "bin size"}, {"bin_dy", F(bdy), "bin size"}, {NULL, 0, NULL}};
#undef F

static const char *const key_lists[] = {
	"",
	"shots shot_spacing channels receiver_spacing x0 near spread bin_dx",
	"shot_lines shot_line_spacing shots shot_spacing receiver_lines receiver_line_spacing "
	"receivers receiver_spacing sx0 sy0 rx0 ry0 bin_dx bin_dy",
	"count jitter_x jitter_y x0 x1 y0 y1 offset_min offset_max pairs bin_dx bin_dy"};
static const char *const kind_names[] = {"geometry", "line", "survey", "random"};

void sk_survey_init(struct sk_survey *sv)
{
	memset(sv, 0, sizeof *sv);
	sv->shots = sv->channels = sv->ds = sv->dr = sv->x0 = sv->near = NAN;
	sv->nsl = sv->dsl = sv->nsp = sv->dsp = sv->nrl = sv->drl = sv->nrp = sv->drp = NAN;
	sv->sx0 = sv->sy0 = sv->rx0 = sv->ry0 = NAN;
	sv->count = sv->jx = sv->jy = sv->ax0 = sv->ax1 = sv->ay0 = sv->ay1 = NAN;
	sv->omin = sv->omax = sv->bdx = sv->bdy = NAN;
	sv->spread = SK_SPREAD_SPLIT;
	sv->seed = 1;
	sv->scalco = 1;
	sv->quantum = 1;
}

void sk_survey_release(struct sk_survey *sv)
{
	free(sv->fold);
	sv->fold = NULL;
}

const char *sk_survey_keys(int kind)
{
	return kind > 0 && kind <= SK_SURVEY_RANDOM ? key_lists[kind] : "";
}

int sk_survey_set_kind(struct sk_survey *sv, const char *name, struct sk_error *err)
{
	int kind;

	if (strcmp(name, "line") == 0)
		kind = SK_SURVEY_LINE;
	else if (strcmp(name, "ortho") == 0 || strcmp(name, "survey") == 0)
		kind = SK_SURVEY_ORTHO;
	else if (strcmp(name, "random") == 0)
		kind = SK_SURVEY_RANDOM;
	else
		return sk_error_set(err, SK_EARG, "unknown geometry '%s' (expected line, survey or random)",
				    name);
	if (sv->kind && sv->kind != kind)
		return sk_error_set(err, SK_EARG, "give one geometry: %s and %s both given",
				    kind_names[sv->kind], kind_names[kind]);
	sv->kind = kind;
	return 0;
}

int sk_survey_set(struct sk_survey *sv, const char *key, const char *val, struct sk_error *err)
{
	const struct skey *tab = sv->kind == SK_SURVEY_LINE ? line_keys :
				 sv->kind == SK_SURVEY_ORTHO ? ortho_keys :
				 sv->kind == SK_SURVEY_RANDOM ? random_keys : NULL;
	const char *kname = kind_names[sv->kind];

	if (!tab)
		return sk_error_set(err, SK_EARG, "%s: no geometry kind chosen", key);
	for (; tab->name; tab++) {
		double v;
		if (strcmp(tab->name, key) != 0)
			continue;
		if (strcmp(key, "spread") == 0) {
			if (strcmp(val, "split") == 0)
				sv->spread = SK_SPREAD_SPLIT;
			else if (strcmp(val, "end-on") == 0 || strcmp(val, "endon") == 0)
				sv->spread = SK_SPREAD_ENDON;
			else
				return sk_error_set(err, SK_EARG,
						    "%s: unknown spread '%s' (expected split or end-on)", kname, val);
			return 0;
		}
		if (strcmp(key, "pairs") == 0) {
			if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0)
				sv->pairs = 1;
			else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0 || strcmp(val, "no") == 0)
				sv->pairs = 0;
			else
				return sk_error_set(err, SK_EARG, "%s: invalid pairs '%s' (expected true or false)",
						    kname, val);
			return 0;
		}
		if (sk_par_double(tab->what, val, &v, err))
			return sk_error_set(err, SK_EARG, "%s: invalid %s '%s' (expected a number)", kname,
					    tab->what, val);
		*(double *)(void *)((char *)sv + tab->off) = v;
		return 0;
	}
	return sk_error_set(err, SK_EARG, "%s: unknown key '%s' (expected one of: %s)", kname, key,
			    sk_survey_keys(sv->kind));
}

int sk_survey_parse(struct sk_survey *sv, const char *kind, const char *spec, struct sk_error *err)
{
	static const char *const line_pos[] = {"shots", "shot_spacing", "channels", "receiver_spacing",
					       "x0"};
	static const char *const ortho_pos[] = {
		"shot_lines", "shot_line_spacing", "shots", "shot_spacing", "receiver_lines",
		"receiver_line_spacing", "receivers", "receiver_spacing", "sx0", "sy0", "rx0", "ry0"};
	char buf[512];
	char *items[16], *vals[16];
	int n = 0, keyed = 0;

	if (sk_survey_set_kind(sv, kind, err))
		return SK_EARG;
	if (sk_par_items(kind_names[sv->kind], spec, buf, sizeof buf, items, vals, 16, &n, &keyed, err) < 0)
		return SK_EARG;
	if (keyed) {
		for (int i = 0; i < n; i++)
			if (sk_survey_set(sv, items[i], vals[i], err))
				return SK_EARG;
		return 0;
	}
	if (sv->kind == SK_SURVEY_LINE && (n == 4 || n == 5)) {
		for (int i = 0; i < n; i++)
			if (sk_survey_set(sv, line_pos[i], items[i], err))
				return SK_EARG;
		return 0;
	}
	if (sv->kind == SK_SURVEY_ORTHO && (n == 8 || n == 12)) {
		for (int i = 0; i < n; i++)
			if (sk_survey_set(sv, ortho_pos[i], items[i], err))
				return SK_EARG;
		return 0;
	}
	if (sv->kind == SK_SURVEY_RANDOM && n == 1)
		return sk_survey_set(sv, "count", items[0], err);
	return sk_error_set(err, SK_EARG, "%s: cannot read '%s' (expected %s or key=value,...)",
			    kind_names[sv->kind], spec,
			    sv->kind == SK_SURVEY_LINE ? "shots,shot_spacing,channels,receiver_spacing[,x0]" :
			    sv->kind == SK_SURVEY_ORTHO ?
				    "8 numbers: shot_lines,shot_line_spacing,shots,shot_spacing,"
				    "receiver_lines,receiver_line_spacing,receivers,receiver_spacing[,sx0,sy0,rx0,ry0]" :
				    "a trace count");
}

static int need_count(const char *kind, const char *what, double v, struct sk_error *err)
{
	if (isnan(v))
		return sk_error_set(err, SK_EARG, "%s: the %s is missing", kind, what);
	if (!(v >= 1) || v != floor(v) || v > MAX_TRACES)
		return sk_error_set(err, SK_EARG, "%s: %s must be a whole number >= 1, got %g", kind, what, v);
	return 0;
}

static int need_spacing(const char *kind, const char *what, double v, struct sk_error *err)
{
	if (isnan(v))
		return sk_error_set(err, SK_EARG, "%s: the %s is missing", kind, what);
	if (!(v > 0))
		return sk_error_set(err, SK_EARG, "%s: %s must be positive, got %g", kind, what, v);
	return 0;
}

static double or0(double v)
{
	return isnan(v) ? 0 : v;
}

static int layout_bins(struct sk_survey *sv, double mx0, double mx1, double my0, double my1,
		       struct sk_error *err)
{
	const double nbx = floor((mx1 - mx0) / sv->bdx + 0.5) + 1;
	const double nby = floor((my1 - my0) / sv->bdy + 0.5) + 1;

	sv->bx0 = mx0;
	sv->by0 = my0;
	if (nbx * nby > MAX_BINS)
		return sk_error_set(err, SK_EARG, "%s: bins too small: %.0f x %.0f bins", kind_names[sv->kind],
				    nbx, nby);
	sv->nbx = (long)nbx;
	sv->nby = (long)nby;
	return 0;
}

int sk_survey_check(struct sk_survey *sv, struct sk_error *err)
{
	const char *k = kind_names[sv->kind];
	double vals[32];
	size_t nv = 0;
	double ntr = 0;

	if (!isnan(sv->bdx) && !(sv->bdx > 0))
		return sk_error_set(err, SK_EARG, "%s: bin size must be positive, got %g", k, sv->bdx);
	if (!isnan(sv->bdy) && !(sv->bdy > 0))
		return sk_error_set(err, SK_EARG, "%s: bin size must be positive, got %g", k, sv->bdy);
	switch (sv->kind) {
	case SK_SURVEY_LINE: {
		double smax, rmin, rmax;
		if (need_count(k, "shot count", sv->shots, err) || need_spacing(k, "shot spacing", sv->ds, err) ||
		    need_count(k, "channel count", sv->channels, err) ||
		    need_spacing(k, "receiver spacing", sv->dr, err))
			return SK_EARG;
		sv->x0 = or0(sv->x0);
		if (isnan(sv->near))
			sv->near = sv->spread == SK_SPREAD_SPLIT ? -(sv->channels - 1) * sv->dr / 2 : 0;
		if (isnan(sv->bdx))
			sv->bdx = sv->dr / 2;
		sv->bdy = 1;
		ntr = sv->shots * sv->channels;
		smax = sv->x0 + (sv->shots - 1) * sv->ds;
		rmin = sv->x0 + sv->near;
		rmax = smax + sv->near + (sv->channels - 1) * sv->dr;
		if (layout_bins(sv, sv->x0 + sv->near / 2, (smax + rmax) / 2, 0, 0, err))
			return SK_EARG;
		vals[nv++] = sv->x0; vals[nv++] = sv->ds; vals[nv++] = sv->dr / 2; vals[nv++] = sv->near / 2;
		vals[nv++] = sv->x0 + sv->near / 2;
		vals[nv++] = smax; vals[nv++] = rmin; vals[nv++] = rmax;
		break;
	}
	case SK_SURVEY_ORTHO: {
		double sx1, sy1, rx1, ry1;
		if (need_count(k, "shot line count", sv->nsl, err) ||
		    need_spacing(k, "shot line spacing", sv->dsl, err) ||
		    need_count(k, "shots per line", sv->nsp, err) || need_spacing(k, "shot spacing", sv->dsp, err) ||
		    need_count(k, "receiver line count", sv->nrl, err) ||
		    need_spacing(k, "receiver line spacing", sv->drl, err) ||
		    need_count(k, "receivers per line", sv->nrp, err) ||
		    need_spacing(k, "receiver spacing", sv->drp, err))
			return SK_EARG;
		sv->sx0 = or0(sv->sx0); sv->sy0 = or0(sv->sy0);
		sv->rx0 = or0(sv->rx0); sv->ry0 = or0(sv->ry0);
		if (isnan(sv->bdx))
			sv->bdx = sv->drp / 2;
		if (isnan(sv->bdy))
			sv->bdy = sv->dsp / 2;
		ntr = sv->nsl * sv->nsp * sv->nrl * sv->nrp;
		sx1 = sv->sx0 + (sv->nsl - 1) * sv->dsl;
		sy1 = sv->sy0 + (sv->nsp - 1) * sv->dsp;
		rx1 = sv->rx0 + (sv->nrp - 1) * sv->drp;
		ry1 = sv->ry0 + (sv->nrl - 1) * sv->drl;
		if (layout_bins(sv, (sv->sx0 + sv->rx0) / 2, (sx1 + rx1) / 2, (sv->sy0 + sv->ry0) / 2,
				(sy1 + ry1) / 2, err))
			return SK_EARG;
		vals[nv++] = sv->sx0; vals[nv++] = sv->sy0; vals[nv++] = sv->rx0; vals[nv++] = sv->ry0;
		vals[nv++] = sv->dsl; vals[nv++] = sv->dsp; vals[nv++] = sv->drl; vals[nv++] = sv->drp;
		vals[nv++] = (sv->sx0 + sv->rx0) / 2; vals[nv++] = (sv->sy0 + sv->ry0) / 2;
		vals[nv++] = sv->dsl / 2; vals[nv++] = sv->dsp / 2; vals[nv++] = sv->drl / 2;
		vals[nv++] = sv->drp / 2;
		vals[nv++] = sx1; vals[nv++] = sy1; vals[nv++] = rx1; vals[nv++] = ry1;
		break;
	}
	case SK_SURVEY_RANDOM: {
		const int jit = !isnan(sv->jx) || !isnan(sv->jy);
		double w, h, omax;
		if (jit && !isnan(sv->count))
			return sk_error_set(err, SK_EARG, "%s: give a count or jitter cells, not both", k);
		if (jit) {
			if (need_count(k, "jitter cell count", sv->jx, err) ||
			    need_count(k, "jitter cell count", sv->jy, err))
				return SK_EARG;
			ntr = sv->jx * sv->jy;
		} else {
			if (need_count(k, "trace count", sv->count, err))
				return SK_EARG;
			ntr = sv->count;
		}
		if (isnan(sv->ax0) || isnan(sv->ax1) || isnan(sv->ay0) || isnan(sv->ay1))
			return sk_error_set(err, SK_EARG, "%s: the area is missing (give --area x0,x1,y0,y1)", k);
		w = sv->ax1 - sv->ax0;
		h = sv->ay1 - sv->ay0;
		if (w < 0 || h < 0 || (w == 0 && h == 0))
			return sk_error_set(err, SK_EARG, "%s: empty area %g,%g,%g,%g (need x0 <= x1, y0 <= y1)",
					    k, sv->ax0, sv->ax1, sv->ay0, sv->ay1);
		if (!isnan(sv->omin) || !isnan(sv->omax)) {
			if (sv->pairs)
				return sk_error_set(err, SK_EARG, "%s: offsets apply to midpoints, not to pairs", k);
			sv->omin = or0(sv->omin);
			if (isnan(sv->omax))
				sv->omax = sv->omin;
			if (sv->omin < 0 || sv->omax < sv->omin)
				return sk_error_set(err, SK_EARG, "%s: invalid offset range %g,%g", k, sv->omin,
						    sv->omax);
		} else {
			sv->omin = sv->omax = 0;
		}
		if (sv->pairs && jit)
			return sk_error_set(err, SK_EARG, "%s: pairs are drawn uniformly, not on jitter cells", k);
		if (isnan(sv->bdx) || isnan(sv->bdy)) {
			double nbx, nby;
			if (jit) {
				nbx = sv->jx;
				nby = sv->jy;
			} else if (w > 0 && h > 0) {
				nbx = fmax(1, floor(sqrt(ntr * w / h) + 0.5));
				nby = fmax(1, floor(ntr / nbx + 0.5));
			} else {
				nbx = w > 0 ? ntr : 1;
				nby = h > 0 ? ntr : 1;
			}
			if (isnan(sv->bdx))
				sv->bdx = w > 0 ? w / nbx : 1;
			if (isnan(sv->bdy))
				sv->bdy = h > 0 ? h / nby : 1;
		}
		sv->bx0 = sv->ax0 + sv->bdx / 2;
		sv->by0 = sv->ay0 + sv->bdy / 2;
		{
			const double nbx = fmax(1, ceil(w / sv->bdx)), nby = fmax(1, ceil(h / sv->bdy));
			if (nbx * nby > MAX_BINS)
				return sk_error_set(err, SK_EARG, "%s: bins too small: %.0f x %.0f bins", k, nbx, nby);
			sv->nbx = (long)nbx;
			sv->nby = (long)nby;
		}
		omax = sv->omax / 2;
		vals[nv++] = sv->ax0 - omax; vals[nv++] = sv->ax1 + omax;
		vals[nv++] = sv->ay0 - omax; vals[nv++] = sv->ay1 + omax;
		/* No decimal resolution holds random positions: ask for the finest. */
		vals[nv++] = 0.0001;
		break;
	}
	default:
		return sk_error_set(err, SK_EARG, "no geometry: give --line, --survey, --random or --jitter");
	}
	if (ntr > MAX_TRACES)
		return sk_error_set(err, SK_EARG, "%s: %.0f traces is more than a SEG-Y header can number", k, ntr);
	sv->ntr = (int64_t)ntr;
	sv->scalco = sk_scalco_for(vals, nv);
	sv->quantum = sk_scalar_factor(sv->scalco);
	free(sv->fold);
	sv->fold = calloc((size_t)sv->nbx * (size_t)sv->nby, sizeof *sv->fold);
	if (!sv->fold)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	return 0;
}

uint64_t sk_rand_mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t sk_rand_base(uint64_t seed, uint64_t stream, uint64_t i)
{
	return sk_rand_mix(sk_rand_mix(seed ^ (stream * 0xD1B54A32D192ED03ULL)) ^ i);
}

double sk_rand_u(uint64_t base, uint64_t k)
{
	return (double)(sk_rand_mix(base ^ k) >> 11) * 0x1.0p-53;
}

static double quant(double v, double q)
{
	return floor(v / q + 0.5) * q;
}

static long bin_index(double m, double b0, double bd, long nb)
{
	const double f = floor((m - b0) / bd + 0.5);
	return f < 0 ? 0 : f > (double)(nb - 1) ? nb - 1 : (long)f;
}

void sk_survey_get(const struct sk_survey *sv, int64_t i, struct sk_survey_trace *out)
{
	switch (sv->kind) {
	case SK_SURVEY_LINE: {
		const long nch = (long)sv->channels;
		const long a = (long)(i / nch), b = (long)(i % nch);
		out->s[0] = sv->x0 + (double)a * sv->ds;
		out->r[0] = out->s[0] + sv->near + (double)b * sv->dr;
		out->s[1] = out->r[1] = 0;
		out->shot = a + 1;
		out->chan = b + 1;
		break;
	}
	case SK_SURVEY_ORTHO: {
		const int64_t per = (int64_t)sv->nrl * (int64_t)sv->nrp;
		const long shot = (long)(i / per), rcv = (long)(i % per);
		const long a = shot / (long)sv->nsp, b = shot % (long)sv->nsp;
		const long c = rcv / (long)sv->nrp, d = rcv % (long)sv->nrp;
		out->s[0] = sv->sx0 + (double)a * sv->dsl;
		out->s[1] = sv->sy0 + (double)b * sv->dsp;
		out->r[0] = sv->rx0 + (double)d * sv->drp;
		out->r[1] = sv->ry0 + (double)c * sv->drl;
		out->shot = shot + 1;
		out->chan = rcv + 1;
		break;
	}
	case SK_SURVEY_RANDOM: {
		const uint64_t base = sk_rand_base(sv->seed, 1, (uint64_t)i);
		const double w = sv->ax1 - sv->ax0, h = sv->ay1 - sv->ay0;
		/* Ends on a grid of twice the resolution keep midpoints exact too. */
		const double q = 2 * sv->quantum;
		if (sv->pairs) {
			out->s[0] = quant(sv->ax0 + sk_rand_u(base, 0) * w, q);
			out->s[1] = quant(sv->ay0 + sk_rand_u(base, 1) * h, q);
			out->r[0] = quant(sv->ax0 + sk_rand_u(base, 2) * w, q);
			out->r[1] = quant(sv->ay0 + sk_rand_u(base, 3) * h, q);
		} else {
			double mx, my;
			if (!isnan(sv->jx)) {
				const long nx = (long)sv->jx, ny = (long)sv->jy;
				const long cx = (long)(i % nx), cy = (long)(i / nx);
				mx = sv->ax0 + ((double)cx + sk_rand_u(base, 0)) * w / (double)nx;
				my = sv->ay0 + ((double)cy + sk_rand_u(base, 1)) * h / (double)ny;
			} else {
				mx = sv->ax0 + sk_rand_u(base, 0) * w;
				my = sv->ay0 + sk_rand_u(base, 1) * h;
			}
			if (sv->omax > 0) {
				const double off = sv->omin + sk_rand_u(base, 2) * (sv->omax - sv->omin);
				const double az = 2 * PI * sk_rand_u(base, 3);
				const double hx = off / 2 * sin(az), hy = off / 2 * cos(az);
				out->s[0] = quant(mx - hx, q);
				out->s[1] = quant(my - hy, q);
				out->r[0] = quant(mx + hx, q);
				out->r[1] = quant(my + hy, q);
			} else {
				out->s[0] = out->r[0] = quant(mx, q);
				out->s[1] = out->r[1] = quant(my, q);
			}
		}
		out->shot = (long)i + 1;
		out->chan = 1;
		break;
	}
	default:
		memset(out, 0, sizeof *out);
		return;
	}
	out->m[0] = (out->s[0] + out->r[0]) / 2;
	out->m[1] = (out->s[1] + out->r[1]) / 2;
	out->ix = bin_index(out->m[0], sv->bx0, sv->bdx, sv->nbx);
	out->iy = bin_index(out->m[1], sv->by0, sv->bdy, sv->nby);
}

void sk_survey_header(struct sk_survey *sv, int64_t i, const struct sk_survey_trace *t,
		      unsigned char *hdr)
{
	const long bin = t->iy * sv->nbx + t->ix;
	const double dx = t->r[0] - t->s[0], dy = t->r[1] - t->s[1];
	const double off = sv->kind == SK_SURVEY_LINE ? dx : sqrt(dx * dx + dy * dy);

	sk_hdr_set_i32(hdr, SK_TR_TRACL, (int32_t)(i + 1));
	sk_hdr_set_i32(hdr, SK_TR_TRACR, (int32_t)(i + 1));
	sk_hdr_set_i32(hdr, SK_TR_FLDR, (int32_t)t->shot);
	sk_hdr_set_i32(hdr, SK_TR_TRACF, (int32_t)t->chan);
	sk_hdr_set_i32(hdr, SK_TR_EP, (int32_t)t->shot);
	sk_hdr_set_i32(hdr, SK_TR_CDP, (int32_t)(bin + 1));
	sk_hdr_set_i32(hdr, SK_TR_CDPT, (int32_t)++sv->fold[bin]);
	sk_hdr_set_i16(hdr, SK_TR_TRID, 1);
	sk_hdr_set_i32(hdr, SK_TR_OFFSET, (int32_t)floor(off + 0.5));
	sk_hdr_set_i16(hdr, SK_SCALCO, sv->scalco);
	sk_hdr_set_coord(hdr, SK_TR_SX, t->s[0]);
	sk_hdr_set_coord(hdr, SK_TR_SY, t->s[1]);
	sk_hdr_set_coord(hdr, SK_TR_GX, t->r[0]);
	sk_hdr_set_coord(hdr, SK_TR_GY, t->r[1]);
	sk_hdr_set_i16(hdr, SK_TR_COUNIT, 1);
	sk_hdr_set_coord(hdr, SK_TR_CDPX, t->m[0]);
	sk_hdr_set_coord(hdr, SK_TR_CDPY, t->m[1]);
	if (sv->kind != SK_SURVEY_LINE) {
		sk_hdr_set_i32(hdr, SK_TR_ILINE, (int32_t)(t->iy + 1));
		sk_hdr_set_i32(hdr, SK_TR_XLINE, (int32_t)(t->ix + 1));
	}
}
