/*
 * model: the analytic earth model of segsynth.  An RMS velocity function
 * v(t), a wavelet and a list of events, each with an exact traveltime for a
 * source s and a receiver r on the surface (z = 0, positions in metres):
 *
 *   diffractor  point at (x, y) and two-way vertical time tau; double square
 *               root: t = sqrt(tau^2/4 + |s-p|^2/v^2) + sqrt(tau^2/4 + |r-p|^2/v^2),
 *               v = v_rms(tau)
 *   reflector   flat, at two-way zero-offset time tau: hyperbolic moveout
 *               t = sqrt(tau^2 + |r-s|^2/v^2), v = v_rms(tau) (exact for
 *               constant v, the usual small-spread approximation for v(t)); or
 *               a plane in depth through (x, y, z) with dip (degrees) toward
 *               the azimuth az (degrees clockwise from north, +y; 90 = +x):
 *               mirror-source construction s' = s - 2(n.s - d)n, t = |r - s'|/v,
 *               constant velocity only; no event where s or r lies below it
 *   plane       plane wave on midpoints m = (s+r)/2: t = tau + px(mx-x) + py(my-y)
 *   hyperbola   on midpoints: t = sqrt(tau^2 + |m-c|^2/v^2), c = (x, y), v its
 *               own velocity or v_rms(tau)
 *
 * Each event adds amp * w(t_i - t) to sample i (t_i = t0 + i dt), with the
 * wavelet w evaluated analytically: Ricker (1 - 2 pi^2 f^2 t^2)
 * exp(-pi^2 f^2 t^2) (peak 1 at t = 0), or a spike (amp on the nearest
 * sample).  Amplitudes: unit (amp as given) or spreading (amp / (v t), the
 * 3-D point-source geometric spreading, v the event's velocity; events at
 * t = 0 and plane waves get none).
 *
 * Diffractors with the Ricker wavelet are exact diffractions (diffraction
 * 2d or 3d), so that a line (2-D) or a surface (3-D) of them sums to the
 * zero-phase reflector by stationary phase.  With T the traveltime and u =
 * pi f (t_i - T):
 *   2d  amp (tau/T)^(3/2) h2(u), h2 = D^(1/2) w / sqrt(2 pi f), the causal
 *       half-derivative ((-i omega)^(1/2) for time dependence e^{-i omega t})
 *       of the Ricker wavelet, in closed form
 *       h2(u) = (4/sqrt(pi)) int_0^inf x^(5/2) exp(-x^2) cos(2 u x + pi/4) dx
 *   3d  amp (tau/T)^2 h3(u), h3 = w' / (2 pi f) = u (2u^2 - 3) exp(-u^2)
 * (1/sqrt(T) and 1/T spreading with the obliquity tau/T; factor 1 at T = 0).
 * Diffractors spaced dx along a line with amp a sum to the reflector at tau
 * with amp a rF / dx (2d), spaced dx by dy over a surface to a rF^2/(dx dy)
 * (3d), rF = (v/2) sqrt(tau/f) the Fresnel radius.  Diffraction "wavelet"
 * (and the spike wavelet) draws the wavelet itself on the curve, with the
 * amplitude rule above; the exact diffractions carry their own spreading.
 *
 * sk_model_trace evaluates h2 to within 1e-10 of its peak (sk_model_h2)
 * and drops its causal tail after u = 98, where h2 is below 1e-7 of its
 * peak h2(0) = 0.7333.
 *
 * Events are given as strings "a,b,c" (positional) or "key=value,..." and
 * validated by sk_model_check, which must be called before evaluating.
 */
#ifndef SK_MODEL_H
#define SK_MODEL_H

#include <stddef.h>

#include "diag.h"

enum sk_event_kind { SK_EV_DIFFRACTOR, SK_EV_REFLECTOR, SK_EV_PLANE, SK_EV_HYPERBOLA, SK_EV_NKINDS };
enum sk_wavelet_kind { SK_WAVELET_RICKER, SK_WAVELET_SPIKE };
enum sk_amp_kind { SK_AMP_UNIT, SK_AMP_SPREADING };
enum sk_diffraction { SK_DIFF_AUTO, SK_DIFF_2D, SK_DIFF_3D, SK_DIFF_WAVELET };

/* NaN marks a value that was not given. */
struct sk_event {
	int kind;              /* enum sk_event_kind */
	double amp;            /* default 1 */
	double x, y, z;        /* diffractor and hyperbola centre; reflector plane point */
	double tau;            /* two-way time (s) */
	double dip, az;        /* dipping reflector (degrees) */
	double px, py;         /* plane wave slopes (s/m) */
	double v;              /* hyperbola velocity (m/s) */
	/* Set by sk_model_check. */
	int depth;             /* reflector given in depth (mirror source) */
	double n[3], d;        /* plane unit normal (z down) and n.p */
	double vel;            /* the event's velocity */
};

struct sk_model {
	double *vt, *vv;       /* v_rms(t) knots: times (s, increasing) and velocities */
	size_t nv;
	int wavelet;           /* enum sk_wavelet_kind */
	double freq;           /* Ricker peak frequency (Hz) */
	int amplitude;         /* enum sk_amp_kind */
	int diffraction;       /* enum sk_diffraction, as given */
	int diff;              /* resolved: SK_DIFF_2D, _3D or _WAVELET (sk_model_check
	                        * makes AUTO 2D; sk_synth_check picks by geometry) */
	struct sk_event *ev;
	size_t nev, cap;
	double *h2tab;         /* h2 on a grid, for sk_model_trace (sk_model_check) */
};

/* Defaults: v = 2000 m/s, Ricker 25 Hz, unit amplitude, no events. */
void sk_model_init(struct sk_model *m);
void sk_model_release(struct sk_model *m);

/* "2000" or "t:v,t:v,..." (t in s increasing, v > 0, linear between knots,
 * constant outside).  SK_EARG. */
int sk_model_set_vel(struct sk_model *m, const char *spec, struct sk_error *err);
/* Sets the velocity from n knots (the YAML form). */
int sk_model_set_knots(struct sk_model *m, const double *t, const double *v, size_t n,
		       struct sk_error *err);
double sk_model_vrms(const struct sk_model *m, double t);
/* "ricker:HZ" or "spike".  SK_EARG names an unknown wavelet. */
int sk_model_set_wavelet(struct sk_model *m, const char *spec, struct sk_error *err);
/* "unit" or "spreading". */
int sk_model_set_amplitude(struct sk_model *m, const char *spec, struct sk_error *err);
/* "auto", "2d", "3d" or "wavelet".  SK_EARG. */
int sk_model_set_diffraction(struct sk_model *m, const char *spec, struct sk_error *err);

/* The kind named "diffractor", "reflector", "plane" or "hyperbola"; -1 else. */
int sk_event_kind(const char *name);
const char *sk_event_name(int kind);
/* Appends an empty event of a kind; *out points into m (valid until the
 * next add).  SK_ENOMEM. */
int sk_model_new_event(struct sk_model *m, int kind, struct sk_event **out, struct sk_error *err);
/* Sets one keyed value of an event (x y z tau dip az px py v amp).
 * SK_EARG for a key the kind does not have, or a bad number. */
int sk_event_set(struct sk_event *e, const char *key, const char *val, struct sk_error *err);
/* Parses "a,b[,c]" (positional: diffractor x,tau or x,y,tau; reflector tau;
 * plane tau,px[,py]; hyperbola tau,v,x[,y]) or "key=value,..." and appends
 * the event.  Messages start with the kind ("diffractor: ..."). */
int sk_model_add(struct sk_model *m, int kind, const char *spec, struct sk_error *err);

/* Validates every event and derives what evaluation needs.  Messages name
 * the event ("reflector 2: dip must be in (-90, 90), got 95").  SK_EARG. */
int sk_model_check(struct sk_model *m, struct sk_error *err);

/* The traveltime *t (s) and amplitude *amp of event e for source s and
 * receiver r (x, y).  Returns 1, or 0 when the event does not reach that
 * pair (a source or receiver below a dipping reflector). */
int sk_event_time(const struct sk_model *m, const struct sk_event *e, const double s[2],
		  const double r[2], double *t, double *amp);
/* The wavelet at time t (s) relative to its peak. */
double sk_ricker(double f, double t);
/* The 2-D diffraction wavelet h2 and the 3-D one h3 above, of a Ricker of
 * peak frequency f (Hz), at time t (s) after the traveltime.  h2 is exact
 * to about 1e-13 of its peak (a Kummer series for |u| <= 8, the asymptotic
 * series beyond; 0 before u = -8, where it is below 1e-25). */
double sk_ricker_half(double f, double t);
double sk_ricker_d1(double f, double t);
/* h2 as sk_model_trace evaluates it, fast: within 1e-10 of h2's peak of
 * sk_ricker_half after sk_model_check (a table and a shorter asymptotic
 * sum), sk_ricker_half itself before. */
double sk_model_h2(const struct sk_model *m, double f, double t);
/* Adds every event for the pair to out[0..ns) (doubles, not cleared), at
 * times t0 + i dt (s). */
void sk_model_trace(const struct sk_model *m, const double s[2], const double r[2], long ns,
		    double t0, double dt, double *out);

#endif
