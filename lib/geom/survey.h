/*
 * survey: acquisition geometries for segsynth, and the trace headers they
 * imply.  Positions are metres on the surface (x east, y north).
 *
 * line    2-D line along x (y = 0): shots at x0 + i ds (i < shots); shot i
 *         records channels j < channels at receiver x = shot x + near + j dr.
 *         near (signed offset of channel 1) defaults by spread: split
 *         -(channels-1) dr / 2, end-on 0.  Trace order shot-major.
 * ortho   3-D orthogonal fixed spread: shot lines along y spaced
 *         shot_line_spacing in x (shots every shot_spacing along y),
 *         receiver lines along x spaced receiver_line_spacing in y
 *         (receivers every receiver_spacing along x), starting at (sx0, sy0)
 *         and (rx0, ry0); every shot records every receiver.  Order: shot
 *         line, shot, receiver line, receiver.
 * random  count traces at uniformly random midpoints inside the area
 *         [x0,x1] x [y0,y1] (zero offset, or offset uniform in
 *         [offset_min, offset_max] at a uniform azimuth), or with pairs the
 *         source and the receiver each uniform in the area; jitter NX,NY puts
 *         one midpoint uniformly inside each cell of an NX x NY grid instead
 *         (cell order x fastest).  Positions are rounded to twice the
 *         coordinate resolution of the scalco chosen, so headers hold them
 *         and their midpoints exactly.
 *
 * Random numbers are counter based (splitmix64 finaliser, Steele, Lea and
 * Flood 2014): value k of trace i of stream s under seed is
 * u = (h >> 11) 2^-53 with h = mix(mix(mix(seed ^ s * 0xD1B54A32D192ED03) ^ i) ^ k)
 * and mix(z) the splitmix64 output function of z + 0x9E3779B97F4A7C15, so
 * any trace can be generated alone and the output does not depend on order
 * or threads.
 *
 * Headers: tracl = tracr = trace number (1-based); fldr = ep = shot number
 * (random: the trace number); tracf = channel; cdp = midpoint bin number
 * (bins of bin_dx x bin_dy, default half the receiver spacing (and half the
 * shot spacing in y), or the jitter cell, centred on the first midpoint;
 * numbered x fastest from 1); cdpt = running count of traces in that bin;
 * trid 1; offset = r - s along the line (2-D, signed) or |r - s| (rounded to
 * a metre); sx sy gx gy; cdpx cdpy = the midpoint itself; iline/xline = the
 * bin's row and column (3-D and random only); scalco one value for the whole
 * survey that keeps every coordinate exact.
 */
#ifndef SK_SURVEY_H
#define SK_SURVEY_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum sk_survey_kind { SK_SURVEY_NONE, SK_SURVEY_LINE, SK_SURVEY_ORTHO, SK_SURVEY_RANDOM };
enum sk_spread { SK_SPREAD_SPLIT, SK_SPREAD_ENDON };

struct sk_survey {
	int kind;              /* enum sk_survey_kind */
	/* line */
	double shots, channels, ds, dr, x0, near;
	int spread;            /* enum sk_spread */
	/* ortho */
	double nsl, dsl, nsp, dsp, nrl, drl, nrp, drp, sx0, sy0, rx0, ry0;
	/* random */
	double count, jx, jy, ax0, ax1, ay0, ay1, omin, omax;
	int pairs;
	uint64_t seed;
	double bdx, bdy;       /* bin size (NaN: default) */
	/* Derived by sk_survey_check. */
	int64_t ntr;
	double bx0, by0;       /* centre of bin (1, 1) */
	long nbx, nby;
	int16_t scalco;
	double quantum;        /* coordinate resolution (m) */
	uint32_t *fold;        /* traces so far per bin, for cdpt */
};

/* One trace's geometry. */
struct sk_survey_trace {
	double s[2], r[2], m[2];
	long shot, chan;       /* 1-based */
	long ix, iy;           /* bin column and row, 0-based */
};

void sk_survey_init(struct sk_survey *sv);
void sk_survey_release(struct sk_survey *sv);
/* Chooses the geometry kind: "line", "ortho" (or "survey") or "random". */
int sk_survey_set_kind(struct sk_survey *sv, const char *name, struct sk_error *err);
/* Sets one keyed value of the current kind (see sk_survey_keys).
 * SK_EARG for an unknown key or a bad value. */
int sk_survey_set(struct sk_survey *sv, const char *key, const char *val, struct sk_error *err);
/* The keys a kind accepts, space separated. */
const char *sk_survey_keys(int kind);
/* Parses the option forms: line "shots,shot_spacing,channels,
 * receiver_spacing[,x0]", ortho "shot_lines,shot_line_spacing,shots,
 * shot_spacing,receiver_lines,receiver_line_spacing,receivers,
 * receiver_spacing[,sx0,sy0,rx0,ry0]", or "key=value,..." for any kind. */
int sk_survey_parse(struct sk_survey *sv, const char *kind, const char *spec, struct sk_error *err);
/* Validates (counts >= 1, spacings > 0, a non-empty area, ...), counts the
 * traces, lays out the bins and chooses scalco.  SK_EARG, SK_ENOMEM. */
int sk_survey_check(struct sk_survey *sv, struct sk_error *err);

/* Geometry of trace i (0-based), in any order. */
void sk_survey_get(const struct sk_survey *sv, int64_t i, struct sk_survey_trace *out);
/* Fills the geometry part of trace i's header block (see above); must be
 * called for traces in order, because of cdpt.  Leaves ns and dt alone. */
void sk_survey_header(struct sk_survey *sv, int64_t i, const struct sk_survey_trace *t,
		      unsigned char *hdr);

/* The counter-based generator described above. */
uint64_t sk_rand_mix(uint64_t z);
uint64_t sk_rand_base(uint64_t seed, uint64_t stream, uint64_t i);
double sk_rand_u(uint64_t base, uint64_t k);

#endif
