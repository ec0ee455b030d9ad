#include <math.h>
#include <string.h>

#include "check.h"
#include "model.h"

#define M_PI 3.14159265358979323846

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

int main(void)
{
	struct sk_model m;
	struct sk_error err;
	double t, amp;
	const double s0[2] = {0, 0}, r0[2] = {0, 0};

	sk_model_init(&m);
	/* Velocity: constant, knots, interpolation, errors. */
	CHECK(sk_model_vrms(&m, 1.0) == 2000);
	CHECK(sk_model_set_vel(&m, "1500", &err) == 0 && sk_model_vrms(&m, 3) == 1500);
	CHECK(sk_model_set_vel(&m, "0:2000,2:3000", &err) == 0);
	CHECK(sk_model_vrms(&m, 1.0) == 2500 && sk_model_vrms(&m, -1) == 2000 && sk_model_vrms(&m, 5) == 3000);
	CHECK(sk_model_set_vel(&m, "1500:0,2500:2", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "velocity: must be positive, got 0") == 0);
	CHECK(sk_model_set_vel(&m, "0:2000,0:3000", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "velocity: times must increase (0 after 0)") == 0);
	CHECK(sk_model_set_vel(&m, "0:2000,x", &err) == SK_EARG);
	CHECK(sk_model_set_vel(&m, "-5", &err) == SK_EARG);
	/* Wavelets. */
	CHECK(sk_ricker(25, 0) == 1);
	CHECK(near(sk_ricker(25, 0.01), (1 - 2 * 0.0625 * M_PI * M_PI) * exp(-0.0625 * M_PI * M_PI), 1e-15));
	CHECK(sk_model_set_wavelet(&m, "gabor:3", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "unknown wavelet 'gabor:3' (expected ricker:HZ or spike)") == 0);
	CHECK(sk_model_set_wavelet(&m, "ricker:-3", &err) == SK_EARG);
	CHECK(sk_model_set_wavelet(&m, "ricker", &err) == SK_EARG);
	CHECK(sk_model_set_wavelet(&m, "ricker:30", &err) == 0 && m.freq == 30);
	CHECK(sk_model_set_amplitude(&m, "loud", &err) == SK_EARG);
	/* No events. */
	CHECK(sk_model_check(&m, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "no events: give --diffractor, --reflector, --plane or --hyperbola") == 0);
	sk_model_release(&m);

	/* Traveltimes. */
	sk_model_init(&m);
	CHECK(sk_model_add(&m, SK_EV_DIFFRACTOR, "500,1.0", &err) == 0);
	CHECK(sk_model_add(&m, SK_EV_REFLECTOR, "tau=0.8,amp=-2", &err) == 0);
	CHECK(sk_model_add(&m, SK_EV_REFLECTOR, "z=1000,x=0,dip=45", &err) == 0);
	CHECK(sk_model_add(&m, SK_EV_PLANE, "0.5,0.0002,0.0001", &err) == 0);
	CHECK(sk_model_add(&m, SK_EV_HYPERBOLA, "0.3,1500,100,50", &err) == 0);
	CHECK(sk_model_check(&m, &err) == 0);
	{
		const double s[2] = {500, 0}, r[2] = {500, 0};
		CHECK(sk_event_time(&m, &m.ev[0], s, r, &t, &amp) == 1 && near(t, 1.0, 1e-15) && amp == 1);
	}
	{
		const double s[2] = {0, 0}, r[2] = {1000, 0};
		/* DSR: each leg sqrt(0.25 + 500^2/2000^2). */
		CHECK(sk_event_time(&m, &m.ev[0], s, r, &t, &amp) == 1 &&
		      near(t, 2 * sqrt(0.25 + 0.0625), 1e-15));
		CHECK(sk_event_time(&m, &m.ev[1], s, r, &t, &amp) == 1 &&
		      near(t, sqrt(0.64 + 0.25), 1e-15) && amp == -2);
	}
	/* Dipping at 45 degrees through (0, 1000): at x = 0 the plane is 1000 m
	 * deep and the normal distance is 1000 cos 45; zero-offset time 2 d / v. */
	CHECK(sk_event_time(&m, &m.ev[2], s0, r0, &t, &amp) == 1 &&
	      near(t, 2 * 1000 * cos(M_PI / 4) / 2000, 1e-12));
	{
		const double s[2] = {-2000, 0};   /* the plane surfaces at x = -1000 */
		CHECK(sk_event_time(&m, &m.ev[2], s, s, &t, &amp) == 0);
	}
	{
		const double s[2] = {100, 200}, r[2] = {300, 0};
		CHECK(sk_event_time(&m, &m.ev[3], s, r, &t, &amp) == 1 &&
		      near(t, 0.5 + 0.0002 * 200 + 0.0001 * 100, 1e-15));
		CHECK(sk_event_time(&m, &m.ev[4], s, r, &t, &amp) == 1 &&
		      near(t, sqrt(0.09 + (100.0 * 100 + 50 * 50) / (1500.0 * 1500)), 1e-15));
	}
	/* Spreading divides by v t; plane waves keep their amplitude.  The
	 * exact diffractions carry their own: (tau/T)^(3/2) in 2-D, (tau/T)^2
	 * in 3-D, whatever --amplitude says. */
	m.amplitude = SK_AMP_SPREADING;
	m.diff = SK_DIFF_WAVELET;
	{
		const double s[2] = {500, 0}, r[2] = {900, 0};
		double c;
		CHECK(sk_event_time(&m, &m.ev[0], s, s, &t, &amp) == 1 && near(amp, 1 / (2000 * 1.0), 1e-18));
		CHECK(sk_event_time(&m, &m.ev[3], s, s, &t, &amp) == 1 && amp == 1);
		m.diff = SK_DIFF_2D;
		CHECK(sk_event_time(&m, &m.ev[0], s, r, &t, &amp) == 1);
		c = m.ev[0].tau / t;
		CHECKF(near(amp, c * sqrt(c), 1e-15) && c < 0.99, "2-D diffraction amplitude %g, tau/T %g", amp, c);
		m.diff = SK_DIFF_3D;
		CHECK(sk_event_time(&m, &m.ev[0], s, r, &t, &amp) == 1 && near(amp, c * c, 1e-15));
	}
	m.amplitude = SK_AMP_UNIT;
	/* The diffraction wavelets: h2 against values of its integral computed
	 * independently (mpmath quadrature, 30 digits) on both sides of the
	 * switch from the Kummer to the asymptotic series at u = 8, 0 before
	 * u = -8; h3 the Ricker's derivative over 2 pi f. */
	{
		static const double h2[][2] = {
			{-3, -0.0034454040631291031}, {0, 0.73330580058519285}, {1, -0.65570813088727775},
			{6, 0.0014100390081199195}, {8, 0.00048807452509012639}, {8.5, 0.00039177205628728239},
			{10, 0.00021827538245720958}, {30, 4.5023290296310009e-6}};
		const double f = 1 / M_PI;  /* u = t */
		for (size_t i = 0; i < sizeof h2 / sizeof h2[0]; i++)
			CHECKF(near(sk_ricker_half(f, h2[i][0]), h2[i][1], 2e-15), "h2(%g) = %.17g, want %.17g",
			       h2[i][0], sk_ricker_half(f, h2[i][0]), h2[i][1]);
		CHECK(sk_ricker_half(f, -8.01) == 0);
		CHECK(near(sk_ricker_half(f, 7.9999999), sk_ricker_half(f, 8.0000001), 1e-10));
		for (double tt = -0.1; tt < 0.1; tt += 0.0037) {
			const double d = (sk_ricker(25, tt + 1e-6) - sk_ricker(25, tt - 1e-6)) / 2e-6;
			CHECK(near(sk_ricker_d1(25, tt), d / (2 * M_PI * 25), 1e-8));
		}
	}
	/* A trace: the diffractor's peak at its sample, far samples untouched. */
	{
		double x[301];
		struct sk_model one;
		const double s[2] = {500, 0};
		sk_model_init(&one);
		CHECK(sk_model_add(&one, SK_EV_DIFFRACTOR, "x=500,tau=0.6,amp=3", &err) == 0);
		CHECK(sk_model_check(&one, &err) == 0 && one.diff == SK_DIFF_2D);
		/* 2-D: the causal tail reaches the last sample; nothing before
		 * u = -8. */
		memset(x, 0, sizeof x);
		sk_model_trace(&one, s, s, 301, 0, 0.004, x);
		CHECK(near(x[153], 3 * sk_ricker_half(25, 0.012), 3e-12) && x[0] == 0);
		CHECK(near(x[300], 3 * sk_ricker_half(25, 0.6), 3e-15) && x[300] > 0);
		CHECK(x[124] == 0 && x[125] != 0);  /* u = -8 at 0.6 - 0.1019 s: sample 124.5 */
		/* The fast h2 of sk_model_trace: within 1e-10 of the peak of the
		 * series everywhere (table and short asymptotic sum), and its
		 * tail dropped after u = 98, where h2 is below 1e-7 of h2(0). */
		{
			const double f = 1 / M_PI, peak = sk_ricker_half(f, 0);
			double worst = 0;
			for (double u = -8.3; u < 130; u += 0.000731)
				worst = fmax(worst, fabs(sk_model_h2(&one, f, u) - sk_ricker_half(f, u)));
			CHECKF(worst < 1e-10 * peak && worst > 0, "fast h2: worst error %g", worst);
			CHECK(sk_ricker_half(f, 98) < 1e-7 * peak && sk_ricker_half(f, 97) > 1e-7 * peak);
			/* 0.6 + 98 / (25 pi) = 1.8478 s: sample 461 is the last. */
			{
				double y[480] = {0};
				sk_model_trace(&one, s, s, 480, 0, 0.004, y);
				CHECK(y[461] > 0 && y[462] == 0 && near(y[461], 3 * sk_ricker_half(25, 1.844 - 0.6), 1e-15));
			}
		}
		one.diff = SK_DIFF_3D;
		memset(x, 0, sizeof x);
		sk_model_trace(&one, s, s, 301, 0, 0.004, x);
		CHECK(near(x[153], 3 * sk_ricker_d1(25, 0.012), 1e-12) && x[0] == 0 && x[300] == 0);
		one.diff = SK_DIFF_WAVELET;
		memset(x, 0, sizeof x);
		sk_model_trace(&one, s, s, 301, 0, 0.004, x);
		CHECK(near(x[150], 3, 1e-12) && x[0] == 0 && x[300] == 0);
		CHECK(near(x[153], 3 * sk_ricker(25, 153 * 0.004 - 0.6), 1e-15));
		one.wavelet = SK_WAVELET_SPIKE;
		memset(x, 0, sizeof x);
		sk_model_trace(&one, s, s, 301, 0, 0.004, x);
		CHECK(x[150] == 3 && x[149] == 0 && x[151] == 0);
		sk_model_release(&one);
	}
	sk_model_release(&m);

	/* Spec errors name the event. */
	sk_model_init(&m);
	CHECK(sk_model_add(&m, SK_EV_DIFFRACTOR, "1,2,3,4", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "diffractor: cannot read '1,2,3,4' (expected x,tau or x,y,tau or key=value,...)") == 0);
	CHECK(sk_model_add(&m, SK_EV_DIFFRACTOR, "x=1,q=2", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "diffractor: unknown key 'q' (expected one of: x y tau amp)") == 0);
	CHECK(sk_model_add(&m, SK_EV_DIFFRACTOR, "x=1,2", &err) == SK_EARG);
	CHECK(sk_model_add(&m, SK_EV_PLANE, "tau=zz,px=1", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "plane: invalid tau 'zz' (expected a number)") == 0);
	CHECK(m.nev == 0);
	CHECK(sk_model_add(&m, SK_EV_REFLECTOR, "0.5", &err) == 0);
	CHECK(sk_model_add(&m, SK_EV_REFLECTOR, "z=100,dip=95", &err) == 0);
	CHECK(sk_model_check(&m, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "reflector 2: dip must be in (-90, 90), got 95") == 0);
	m.nev = 1;
	CHECK(sk_model_add(&m, SK_EV_REFLECTOR, "z=100", &err) == 0);
	CHECK(sk_model_set_vel(&m, "0:2000,1:2500", &err) == 0);
	CHECK(sk_model_check(&m, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "reflector 2: a reflector in depth needs a constant velocity") == 0);
	CHECK(sk_event_kind("plane") == SK_EV_PLANE && sk_event_kind("blob") == -1);
	sk_model_release(&m);
	return test_done();
}
