#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"

#define PI 3.14159265358979323846
/* The Ricker wavelet is below 1e-33 of its peak where pi^2 f^2 t^2 > 80:
 * far below float resolution, so samples beyond are left alone. */
#define RICKER_ARG_MAX 80.0
/* h2 (model.h) uses its Kummer series for |u| <= HALF_U and its asymptotic
 * series beyond; before -HALF_U it is 0 (below 1e-25 of its peak). */
#define HALF_U 8.0
/* sk_model_trace's h2: a table of h2 on a grid of H2_STEP in u over
 * [-HALF_U, HALF_U] (plus 2 nodes before and 3 after), read by 6-point
 * Lagrange interpolation (error below 1e-10 of the peak: tests/unit
 * test_model), and the asymptotic series summed only while its terms add
 * more than 1e-15 beyond; the causal tail is dropped after u = H2_CUT_U,
 * where h2 falls below 1e-7 of its peak h2(0) (segsynth(1) says so). */
#define H2_PER_U 128
#define H2_NODES (2 * (int)HALF_U * H2_PER_U + 6)
#define H2_CUT_U 98.0

static const char *const kind_names[SK_EV_NKINDS] = {"diffractor", "reflector", "plane", "hyperbola"};

void sk_model_init(struct sk_model *m)
{
	memset(m, 0, sizeof *m);
	m->wavelet = SK_WAVELET_RICKER;
	m->freq = 25;
	m->amplitude = SK_AMP_UNIT;
	m->diffraction = SK_DIFF_AUTO;
	m->diff = SK_DIFF_2D;
}

void sk_model_release(struct sk_model *m)
{
	free(m->vt);
	free(m->vv);
	free(m->ev);
	free(m->h2tab);
	memset(m, 0, sizeof *m);
}

int sk_model_set_knots(struct sk_model *m, const double *t, const double *v, size_t n,
		       struct sk_error *err)
{
	double *nt, *nv;

	if (n == 0)
		return sk_error_set(err, SK_EARG, "velocity: no values");
	for (size_t i = 0; i < n; i++) {
		if (!(v[i] > 0) || !isfinite(v[i]))
			return sk_error_set(err, SK_EARG, "velocity: must be positive, got %g", v[i]);
		if (!isfinite(t[i]) || t[i] < 0)
			return sk_error_set(err, SK_EARG, "velocity: time must be >= 0, got %g", t[i]);
		if (i > 0 && !(t[i] > t[i - 1]))
			return sk_error_set(err, SK_EARG, "velocity: times must increase (%g after %g)",
					    t[i], t[i - 1]);
	}
	nt = malloc(n * sizeof *nt);
	nv = malloc(n * sizeof *nv);
	if (!nt || !nv) {
		free(nt);
		free(nv);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	memcpy(nt, t, n * sizeof *nt);
	memcpy(nv, v, n * sizeof *nv);
	free(m->vt);
	free(m->vv);
	m->vt = nt;
	m->vv = nv;
	m->nv = n;
	return 0;
}

int sk_model_set_vel(struct sk_model *m, const char *spec, struct sk_error *err)
{
	enum { MAXK = 256 };
	double t[MAXK], v[MAXK];
	size_t n = 0;
	const char *p = spec;

	if (!strchr(spec, ':')) {
		double c;
		if (sk_par_double("velocity", spec, &c, err))
			return SK_EARG;
		t[0] = 0;
		v[0] = c;
		return sk_model_set_knots(m, t, v, 1, err);
	}
	for (;;) {
		char *end;
		if (n == MAXK)
			return sk_error_set(err, SK_EARG, "velocity: at most %d t:v pairs", MAXK);
		errno = 0;
		t[n] = strtod(p, &end);
		if (end == p || *end != ':' || errno)
			goto bad;
		p = end + 1;
		v[n] = strtod(p, &end);
		if (end == p || (*end != ',' && *end != '\0') || errno)
			goto bad;
		n++;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return sk_model_set_knots(m, t, v, n, err);
bad:
	return sk_error_set(err, SK_EARG,
			    "invalid velocity '%s' (expected V or t:v,t:v,... with t in seconds)", spec);
}

double sk_model_vrms(const struct sk_model *m, double t)
{
	size_t lo = 0, hi;

	if (m->nv == 0)
		return 2000;
	if (t <= m->vt[0])
		return m->vv[0];
	if (t >= m->vt[m->nv - 1])
		return m->vv[m->nv - 1];
	hi = m->nv - 1;
	while (hi - lo > 1) {
		const size_t mid = (lo + hi) / 2;
		if (m->vt[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return m->vv[lo] + (m->vv[hi] - m->vv[lo]) * (t - m->vt[lo]) / (m->vt[hi] - m->vt[lo]);
}

int sk_model_set_wavelet(struct sk_model *m, const char *spec, struct sk_error *err)
{
	if (strcmp(spec, "spike") == 0) {
		m->wavelet = SK_WAVELET_SPIKE;
		return 0;
	}
	if (strncmp(spec, "ricker:", 7) == 0) {
		double f;
		if (sk_par_double("ricker frequency", spec + 7, &f, err))
			return SK_EARG;
		if (!(f > 0))
			return sk_error_set(err, SK_EARG, "wavelet: ricker frequency must be positive, got %g", f);
		m->wavelet = SK_WAVELET_RICKER;
		m->freq = f;
		return 0;
	}
	if (strcmp(spec, "ricker") == 0)
		return sk_error_set(err, SK_EARG, "wavelet: give the peak frequency, as in ricker:25");
	return sk_error_set(err, SK_EARG, "unknown wavelet '%s' (expected ricker:HZ or spike)", spec);
}

int sk_model_set_amplitude(struct sk_model *m, const char *spec, struct sk_error *err)
{
	if (strcmp(spec, "unit") == 0)
		m->amplitude = SK_AMP_UNIT;
	else if (strcmp(spec, "spreading") == 0)
		m->amplitude = SK_AMP_SPREADING;
	else
		return sk_error_set(err, SK_EARG, "unknown amplitude '%s' (expected unit or spreading)", spec);
	return 0;
}

int sk_model_set_diffraction(struct sk_model *m, const char *spec, struct sk_error *err)
{
	static const char *const names[] = {"auto", "2d", "3d", "wavelet"};
	for (int k = 0; k < 4; k++) {
		if (strcmp(spec, names[k]) == 0) {
			m->diffraction = k;
			return 0;
		}
	}
	return sk_error_set(err, SK_EARG, "unknown diffraction '%s' (expected auto, 2d, 3d or wavelet)",
			    spec);
}

int sk_event_kind(const char *name)
{
	for (int k = 0; k < SK_EV_NKINDS; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

const char *sk_event_name(int kind)
{
	return kind >= 0 && kind < SK_EV_NKINDS ? kind_names[kind] : "event";
}

int sk_model_new_event(struct sk_model *m, int kind, struct sk_event **out, struct sk_error *err)
{
	struct sk_event *e;

	if (m->nev == m->cap) {
		const size_t cap = m->cap ? 2 * m->cap : 8;
		struct sk_event *nev = realloc(m->ev, cap * sizeof *nev);
		if (!nev)
			return sk_error_set(err, SK_ENOMEM, "out of memory");
		m->ev = nev;
		m->cap = cap;
	}
	e = &m->ev[m->nev++];
	e->kind = kind;
	e->amp = 1;
	e->x = e->y = e->z = e->tau = e->dip = e->az = e->px = e->py = e->v = NAN;
	e->depth = 0;
	e->n[0] = e->n[1] = e->n[2] = e->d = e->vel = 0;
	*out = e;
	return 0;
}

/* The keys each kind accepts, and its positional forms by count. */
static const char *const kind_keys[SK_EV_NKINDS] = {
	"x y tau amp", "x y z tau dip az amp", "x y tau px py amp", "x y tau v amp"};
static const char *const positional[SK_EV_NKINDS][5] = {
	{NULL, NULL, "x tau", "x y tau", NULL},
	{NULL, "tau", NULL, NULL, NULL},
	{NULL, NULL, "tau px", "tau px py", NULL},
	{NULL, NULL, NULL, "tau v x", "tau v x y"}};

static int has_key(int kind, const char *key)
{
	const char *p = kind_keys[kind];
	const size_t n = strlen(key);

	while (*p) {
		const char *sp = strchr(p, ' ');
		const size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (len == n && strncmp(p, key, n) == 0)
			return 1;
		p += len + (sp != NULL);
	}
	return 0;
}

int sk_event_set(struct sk_event *e, const char *key, const char *val, struct sk_error *err)
{
	double v;
	double *slot;

	if (!has_key(e->kind, key))
		return sk_error_set(err, SK_EARG, "%s: unknown key '%s' (expected one of: %s)",
				    sk_event_name(e->kind), key, kind_keys[e->kind]);
	if (sk_par_double(key, val, &v, err))
		return sk_error_set(err, SK_EARG, "%s: invalid %s '%s' (expected a number)",
				    sk_event_name(e->kind), key, val);
	if (strcmp(key, "x") == 0) slot = &e->x;
	else if (strcmp(key, "y") == 0) slot = &e->y;
	else if (strcmp(key, "z") == 0) slot = &e->z;
	else if (strcmp(key, "tau") == 0) slot = &e->tau;
	else if (strcmp(key, "dip") == 0) slot = &e->dip;
	else if (strcmp(key, "az") == 0) slot = &e->az;
	else if (strcmp(key, "px") == 0) slot = &e->px;
	else if (strcmp(key, "py") == 0) slot = &e->py;
	else if (strcmp(key, "v") == 0) slot = &e->v;
	else slot = &e->amp;
	*slot = v;
	return 0;
}

int sk_model_add(struct sk_model *m, int kind, const char *spec, struct sk_error *err)
{
	enum { MAXI = 8 };
	char buf[512];
	char *items[MAXI], *vals[MAXI];
	int n = 0, keyed = 0;
	struct sk_event *e;
	const char *name = sk_event_name(kind);

	if (sk_par_items(name, spec, buf, sizeof buf, items, vals, MAXI, &n, &keyed, err) < 0)
		return SK_EARG;
	if (sk_model_new_event(m, kind, &e, err))
		return SK_ENOMEM;
	if (keyed) {
		for (int i = 0; i < n; i++) {
			if (sk_event_set(e, items[i], vals[i], err)) {
				m->nev--;
				return SK_EARG;
			}
		}
		return 0;
	}
	if (n >= 5 || !positional[kind][n]) {
		m->nev--;
		return sk_error_set(err, SK_EARG, "%s: cannot read '%s' (%s)", name, spec,
				    kind == SK_EV_DIFFRACTOR ? "expected x,tau or x,y,tau or key=value,..." :
				    kind == SK_EV_REFLECTOR ? "expected tau or key=value,..." :
				    kind == SK_EV_PLANE ? "expected tau,px[,py] or key=value,..." :
				    "expected tau,v,x[,y] or key=value,...");
	}
	{
		const char *p = positional[kind][n];
		for (int i = 0; i < n; i++) {
			char key[8];
			size_t len = strcspn(p, " ");
			memcpy(key, p, len);
			key[len] = '\0';
			p += len + (p[len] == ' ');
			if (sk_event_set(e, key, items[i], err)) {
				m->nev--;
				return SK_EARG;
			}
		}
	}
	return 0;
}

static int given(double v)
{
	return !isnan(v);
}

static int check_event(const struct sk_model *m, struct sk_event *e, struct sk_error *err)
{
	const char *name = sk_event_name(e->kind);

	if (!isfinite(e->amp))
		return sk_error_set(err, SK_EARG, "%s: amp must be a finite number", name);
	switch (e->kind) {
	case SK_EV_DIFFRACTOR:
		if (!given(e->x) || !given(e->tau))
			return sk_error_set(err, SK_EARG, "%s: needs x and tau", name);
		if (e->tau < 0)
			return sk_error_set(err, SK_EARG, "%s: tau must be >= 0, got %g", name, e->tau);
		if (!given(e->y))
			e->y = 0;
		e->vel = sk_model_vrms(m, e->tau);
		break;
	case SK_EV_REFLECTOR:
		if (given(e->tau)) {
			if (given(e->z) || given(e->dip) || given(e->az) || given(e->x) || given(e->y))
				return sk_error_set(err, SK_EARG,
						    "%s: give tau (flat, in time) or z[,x,y,dip,az] (in depth), not both",
						    name);
			if (e->tau < 0)
				return sk_error_set(err, SK_EARG, "%s: tau must be >= 0, got %g", name, e->tau);
			e->depth = 0;
			e->vel = sk_model_vrms(m, e->tau);
			break;
		}
		if (!given(e->z))
			return sk_error_set(err, SK_EARG, "%s: needs tau or z", name);
		if (e->z < 0)
			return sk_error_set(err, SK_EARG, "%s: z must be >= 0, got %g", name, e->z);
		if (!given(e->dip))
			e->dip = 0;
		if (!given(e->az))
			e->az = 90;
		if (!given(e->x))
			e->x = 0;
		if (!given(e->y))
			e->y = 0;
		if (!(e->dip > -90 && e->dip < 90))
			return sk_error_set(err, SK_EARG, "%s: dip must be in (-90, 90), got %g", name, e->dip);
		if (m->nv > 1)
			return sk_error_set(err, SK_EARG,
					    "%s: a reflector in depth needs a constant velocity", name);
		{
			const double dr = e->dip * PI / 180, ar = e->az * PI / 180;
			e->depth = 1;
			e->vel = sk_model_vrms(m, 0);
			/* z = z0 + tan(dip) ((x - x0) sin az + (y - y0) cos az), z down. */
			e->n[0] = -sin(dr) * sin(ar);
			e->n[1] = -sin(dr) * cos(ar);
			e->n[2] = cos(dr);
			e->d = e->n[0] * e->x + e->n[1] * e->y + e->n[2] * e->z;
		}
		break;
	case SK_EV_PLANE:
		if (!given(e->tau) || !given(e->px))
			return sk_error_set(err, SK_EARG, "%s: needs tau and px", name);
		if (!given(e->py))
			e->py = 0;
		if (!given(e->x))
			e->x = 0;
		if (!given(e->y))
			e->y = 0;
		e->vel = 0;
		break;
	case SK_EV_HYPERBOLA:
		if (!given(e->tau) || !given(e->x))
			return sk_error_set(err, SK_EARG, "%s: needs tau and x", name);
		if (e->tau < 0)
			return sk_error_set(err, SK_EARG, "%s: tau must be >= 0, got %g", name, e->tau);
		if (!given(e->y))
			e->y = 0;
		if (given(e->v) && !(e->v > 0))
			return sk_error_set(err, SK_EARG, "%s: v must be positive, got %g", name, e->v);
		e->vel = given(e->v) ? e->v : sk_model_vrms(m, e->tau);
		break;
	default:
		return sk_error_set(err, SK_EARG, "unknown event kind %d", e->kind);
	}
	return 0;
}

static double half_integral(double u);

int sk_model_check(struct sk_model *m, struct sk_error *err)
{
	m->diff = m->diffraction == SK_DIFF_AUTO ? SK_DIFF_2D : m->diffraction;
	if (!m->h2tab && m->wavelet == SK_WAVELET_RICKER) {
		/* Only for diffractors (the form may still become 2d). */
		int any = 0;
		for (size_t i = 0; i < m->nev; i++)
			any |= m->ev[i].kind == SK_EV_DIFFRACTOR;
		if (any) {
			m->h2tab = malloc(H2_NODES * sizeof *m->h2tab);
			if (!m->h2tab)
				return sk_error_set(err, SK_ENOMEM, "out of memory");
			for (int k = 0; k < H2_NODES; k++)
				m->h2tab[k] = 2.2567583341910251 *
					half_integral(-HALF_U + (double)(k - 2) / H2_PER_U);
		}
	}
	if (m->nev == 0)
		return sk_error_set(err, SK_EARG,
				    "no events: give --diffractor, --reflector, --plane or --hyperbola");
	for (size_t i = 0; i < m->nev; i++) {
		struct sk_error e1;
		if (check_event(m, &m->ev[i], &e1)) {
			/* Number the event among those of its kind, as the user wrote them. */
			size_t k = 0;
			for (size_t j = 0; j <= i; j++)
				k += m->ev[j].kind == m->ev[i].kind;
			return sk_error_set(err, e1.code, "%s %zu%s", sk_event_name(m->ev[i].kind), k,
					    e1.msg + strlen(sk_event_name(m->ev[i].kind)));
		}
	}
	return 0;
}

int sk_event_time(const struct sk_model *m, const struct sk_event *e, const double s[2],
		  const double r[2], double *tout, double *amp)
{
	double t;
	const double v = e->vel;

	switch (e->kind) {
	case SK_EV_DIFFRACTOR: {
		const double h2 = e->tau * e->tau / 4;
		const double ds2 = (s[0] - e->x) * (s[0] - e->x) + (s[1] - e->y) * (s[1] - e->y);
		const double dr2 = (r[0] - e->x) * (r[0] - e->x) + (r[1] - e->y) * (r[1] - e->y);
		t = sqrt(h2 + ds2 / (v * v)) + sqrt(h2 + dr2 / (v * v));
		break;
	}
	case SK_EV_REFLECTOR:
		if (!e->depth) {
			const double o2 = (r[0] - s[0]) * (r[0] - s[0]) + (r[1] - s[1]) * (r[1] - s[1]);
			t = sqrt(e->tau * e->tau + o2 / (v * v));
		} else {
			/* Both ends must lie above the plane (n points down). */
			const double hs = e->n[0] * s[0] + e->n[1] * s[1] - e->d;
			const double hr = e->n[0] * r[0] + e->n[1] * r[1] - e->d;
			double sm[3], dx, dy, dz;
			if (hs > 0 || hr > 0)
				return 0;
			sm[0] = s[0] - 2 * hs * e->n[0];
			sm[1] = s[1] - 2 * hs * e->n[1];
			sm[2] = 0 - 2 * hs * e->n[2];
			dx = r[0] - sm[0];
			dy = r[1] - sm[1];
			dz = 0 - sm[2];
			t = sqrt(dx * dx + dy * dy + dz * dz) / v;
		}
		break;
	case SK_EV_PLANE:
		t = e->tau + e->px * ((s[0] + r[0]) / 2 - e->x) + e->py * ((s[1] + r[1]) / 2 - e->y);
		break;
	case SK_EV_HYPERBOLA: {
		const double mx = (s[0] + r[0]) / 2 - e->x, my = (s[1] + r[1]) / 2 - e->y;
		t = sqrt(e->tau * e->tau + (mx * mx + my * my) / (v * v));
		break;
	}
	default:
		return 0;
	}
	*amp = e->amp;
	if (e->kind == SK_EV_DIFFRACTOR && m->wavelet == SK_WAVELET_RICKER && m->diff != SK_DIFF_WAVELET) {
		/* The exact diffractions' own spreading and obliquity. */
		if (t > 0) {
			const double c = e->tau / t;
			*amp = e->amp * (m->diff == SK_DIFF_3D ? c * c : c * sqrt(c));
		}
	} else if (m->amplitude == SK_AMP_SPREADING && e->kind != SK_EV_PLANE && t > 0) {
		*amp = e->amp / (v * t);
	}
	*tout = t;
	return 1;
}

double sk_ricker(double f, double t)
{
	const double a = PI * PI * f * f * t * t;
	return (1 - 2 * a) * exp(-a);
}

/* Kummer's M(a, b, z) exp(-z) for z >= 0 by its power series, whose terms
 * keep one sign from the third on for the (a, b) used here (a < 0 < b),
 * so the sum loses no digits. */
static double kummer_exp(double a, double b, double z)
{
	double term = 1, sum = 1;

	for (int n = 0; n < 1000; n++) {
		term *= (a + n) * z / ((b + n) * (n + 1));
		sum += term;
		if (n > z && fabs(term) <= 1e-17 * fabs(sum))
			break;
	}
	return sum * exp(-z);
}

/* Gamma(7/2 + 2k) / (k! Gamma(7/2)), k = 0..47 (mpmath, 30 digits). */
static const double ASYM[48] = {
	1.0, 15.75, 281.53125, 5982.5390625,
	149189.56787109375, 4289200.0762939453, 139935152.48908997, 5112630749.8692513,
	206901775658.77126, 9189887202177.0902, 444560793405316.74, 23268716073010101.0,
	1.3103195738613813e+18, 7.8997151231835201e+19, 5.0769776300602658e+21, 3.4650372325161314e+23,
	2.5029479884253243e+25, 1.9077616800012435e+27, 1.5301838475009974e+29, 1.2883745315998529e+31,
	1.1361852900546203e+33, 1.0473193691539197e+35, 1.0072117978579116e+37, 1.008853991006593e+39,
	1.0507844850078045e+41, 1.1364234205359406e+43, 1.274433303241411e+45, 1.4801126780145388e+47,
	1.7781175073826446e+49, 2.2071649990347154e+51, 2.8279301550132291e+53, 3.7362886878694946e+55,
	5.0857310788086097e+57, 7.1258027501943361e+59, 1.0269015301548441e+62, 1.5209145162686208e+64,
	2.3133743506827502e+66, 3.6112086232313228e+68, 5.7814974898904105e+70, 9.4872150156220909e+72,
	1.5947415490322258e+75, 2.7444140694107628e+77, 4.8326191318677736e+79, 8.7029289307909469e+81,
	1.6020806501630448e+84, 3.0132466895149935e+86, 5.7878900949743703e+88, 1.1348882583565969e+91};

/* I(u) = int_0^inf x^(5/2) exp(-x^2) cos(2 u x + pi/4) dx. */
static double half_integral(double u)
{
	if (u < -HALF_U)
		return 0;
	if (u <= HALF_U) {
		/* The cosine and sine transforms of x^(5/2) exp(-x^2) are
		 * Gamma(7/4)/2 M(7/4, 1/2, -u^2) and u Gamma(9/4) M(9/4, 3/2, -u^2);
		 * Kummer's transformation M(a, b, -z) = exp(-z) M(b - a, b, z). */
		const double g74 = 0.91906252684888323, g94 = 1.1330030963193463;
		const double z = u * u;
		const double c = 0.5 * g74 * kummer_exp(-1.25, 0.5, z);
		const double s = u * g94 * kummer_exp(-0.75, 1.5, z);
		return (c - s) * sqrt(0.5);
	}
	{
		/* Watson's lemma at x = 0 (the saddle's share is below exp(-u^2)):
		 * Gamma(7/2) (2u)^(-7/2) sum_k ASYM[k] y^k, y = 1/(4u^2), whose
		 * terms still fall at k = 47 for u >= 8 (the smallest is near
		 * k = u^2) and are below 1e-22 of the sum there. */
		const double x = 2 * u, y = 1 / (x * x);
		double sum = 0, p = 1;
		for (size_t k = 0; k < sizeof ASYM / sizeof ASYM[0]; k++) {
			const double term = ASYM[k] * p;
			sum += term;
			if (term <= 1e-17 * sum)
				break;
			p *= y;
		}
		return 3.3233509704478426 * sum / (x * x * x * sqrt(x));
	}
}

double sk_ricker_half(double f, double t)
{
	/* 4 / sqrt(pi) */
	return 2.2567583341910251 * half_integral(PI * f * t);
}

/* h2(u) by the table and the short asymptotic sum (see H2_PER_U). */
static double h2_fast(const double *tab, double u)
{
	if (u < -HALF_U)
		return 0;
	if (u <= HALF_U) {
		const double x = (u + HALF_U) * H2_PER_U;
		long i = (long)x;
		double f, d[6], w = 1;
		const double *y;
		i = i > 2 * (long)HALF_U * H2_PER_U - 1 ? 2 * (long)HALF_U * H2_PER_U - 1 : i;
		f = x - (double)i;
		y = tab + i;  /* nodes i - 2 .. i + 3 are tab[i .. i + 5] */
		/* Lagrange weights for nodes -2..3: w_k = prod_{j != k} (f - j) / (k - j). */
		for (int k = 0; k < 6; k++)
			d[k] = f - (double)(k - 2);
		{
			const double p01 = d[0] * d[1], p45 = d[4] * d[5];
			const double p23 = d[2] * d[3];
			w = 0;
			w += y[0] * (d[1] * p23 * p45) / -120.0;
			w += y[1] * (d[0] * p23 * p45) / 24.0;
			w += y[2] * (p01 * d[3] * p45) / -12.0;
			w += y[3] * (p01 * d[2] * p45) / 12.0;
			w += y[4] * (p01 * p23 * d[5]) / -24.0;
			w += y[5] * (p01 * p23 * d[4]) / 120.0;
		}
		return w;
	}
	{
		const double x = 2 * u, y = 1 / (x * x);
		const double pre = 2.2567583341910251 * 3.3233509704478426 / (x * x * x * sqrt(x));
		double sum = 0, p = 1;
		for (size_t k = 0; k < sizeof ASYM / sizeof ASYM[0]; k++) {
			const double term = ASYM[k] * p;
			sum += term;
			if (pre * term <= 1e-15)
				break;
			p *= y;
		}
		return pre * sum;
	}
}

double sk_model_h2(const struct sk_model *m, double f, double t)
{
	return m->h2tab ? h2_fast(m->h2tab, PI * f * t) : sk_ricker_half(f, t);
}

double sk_ricker_d1(double f, double t)
{
	const double u = PI * f * t;
	return u * (2 * u * u - 3) * exp(-u * u);
}

void sk_model_trace(const struct sk_model *m, const double s[2], const double r[2], long ns,
		    double t0, double dt, double *out)
{
	for (size_t k = 0; k < m->nev; k++) {
		double t, amp;
		if (!sk_event_time(m, &m->ev[k], s, r, &t, &amp))
			continue;
		if (m->wavelet == SK_WAVELET_SPIKE) {
			const double fi = floor((t - t0) / dt + 0.5);
			if (fi >= 0 && fi < (double)ns)
				out[(long)fi] += amp;
			continue;
		}
		{
			const int form = m->ev[k].kind != SK_EV_DIFFRACTOR ? SK_DIFF_WAVELET : m->diff;
			/* The half-derivative has a causal tail, kept to H2_CUT_U. */
			const double w = form == SK_DIFF_2D ? HALF_U / (PI * m->freq) :
				sqrt(RICKER_ARG_MAX) / (PI * m->freq);
			const double wt = form == SK_DIFF_2D ? H2_CUT_U / (PI * m->freq) : w;
			double lo = ceil((t - w - t0) / dt);
			double hi = floor((t + wt - t0) / dt);
			if (lo < 0)
				lo = 0;
			if (hi > (double)(ns - 1))
				hi = (double)(ns - 1);
			if (lo > hi)
				continue;
			for (long i = (long)lo; i <= (long)hi; i++) {
				const double ti = t0 + (double)i * dt - t;
				out[i] += amp * (form == SK_DIFF_2D ? sk_model_h2(m, m->freq, ti) :
						 form == SK_DIFF_3D ? sk_ricker_d1(m->freq, ti) :
						 sk_ricker(m->freq, ti));
			}
		}
	}
}
