/*
 * synth: segsynth's engine.  A survey (survey.h) and a model (model.h) on a
 * time axis of ns samples every dt seconds from t = 0, with optional
 * additive Gaussian noise, written trace by trace to a stream writer.
 *
 * Settings are named as segsynth's long options, so the command line,
 * key=value operands and model files share one setter (sk_synth_set):
 *   line survey random      geometry (survey.h forms)
 *   jitter NX,NY  area X0,X1,Y0,Y1  pairs  offsets MIN,MAX  spread  near  bin DX[,DY]
 *   nt N  dt SECONDS (or 4ms)  vel V|t:v,...  wavelet ricker:HZ|spike
 *   amplitude unit|spreading  noise SNR  seed N
 *   diffractor reflector plane hyperbola   append an event (model.h forms)
 *
 * Noise: sigma = rms / snr, rms the root mean square of the noise-free
 * survey over all samples (computed in a first pass); sample j of trace i
 * gets sigma z, z standard normal by Box-Muller from the counter-based
 * generator of survey.h (stream 2, base sk_rand_base(seed, 2, i)):
 * u1 = sk_rand_u(base, 2p), u2 = sk_rand_u(base, 2p + 1) for p = j / 2,
 * rho = sqrt(-2 ln(1 - u1)), z = rho cos(2 pi u2) for even j and
 * rho sin(2 pi u2) for odd j.  Samples are summed in double, then rounded
 * to float once.
 */
#ifndef SK_SYNTH_H
#define SK_SYNTH_H

#include <stdint.h>

#include "diag.h"
#include "model.h"
#include "stream.h"
#include "survey.h"

struct sk_synth {
	struct sk_survey survey;
	struct sk_model model;
	long ns;               /* default 1001 */
	double dt;             /* seconds, default 0.004 */
	double snr;            /* 0: no noise */
	uint64_t seed;         /* default 1 */
	double sigma;          /* noise standard deviation, set by sk_synth_check */
	int checked;
};

void sk_synth_init(struct sk_synth *s);
void sk_synth_release(struct sk_synth *s);
/* Applies one setting (see above).  SK_EARG with a message naming it. */
int sk_synth_set(struct sk_synth *s, const char *key, const char *val, struct sk_error *err);
/* Applies a YAML model file: the settings above as a map (geometry as a
 * string or a map of survey.h keys, vel as a string, a number or a list of
 * [t, v] pairs, events as a list of one-key maps {kind: spec or map}).
 * Errors name the line and column ("line 4, column 9: ...").  SK_EARG, SK_EIO. */
int sk_synth_load(struct sk_synth *s, const char *path, struct sk_error *err);
/* Validates everything (a geometry, at least one event, nt >= 1, dt a whole
 * number of microseconds in 1..65535) and, with noise, computes sigma (a
 * full pass over the survey). */
int sk_synth_check(struct sk_synth *s, struct sk_error *err);
/* The stream the survey makes: SEG-Y, big-endian, format 5, ns, dt in µs,
 * 240-byte headers, the trace count, no carried file header. */
void sk_synth_info(const struct sk_synth *s, struct sk_info *out);
/* Samples of trace i (geometry t) into out[0..ns), noise included; scratch
 * holds ns doubles.  Thread safe. */
void sk_synth_samples(const struct sk_synth *s, int64_t i, const struct sk_survey_trace *t,
		      double *scratch, float *out);
/* Writes every trace to w in order (headers as survey.h says, plus ns and
 * dt; for SU output bytes 181-240 are left zero, SU's own fields).  Calls
 * progress (if not NULL) after each block of traces.  Memory: a block of at
 * most about 4 MiB of traces. */
int sk_synth_run(struct sk_synth *s, struct sk_writer *w,
		 void (*progress)(void *arg, int64_t done, int64_t total), void *arg,
		 struct sk_error *err);

#endif
