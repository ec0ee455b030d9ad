/*
 * The exact predicates of delaunay.c on lattice coordinates (|coordinate| <
 * 2^28): the orientation determinant in 64-bit and the in-circle
 * determinant of Guibas & Stolfi (1985) in 128-bit integer arithmetic, both
 * exact there; and the in-circle test with cocircular ties broken by a
 * symbolic perturbation (below).
 */
#include "delaunay.h"

#include "delaunay_mesh.h"

__extension__ typedef __int128 i128;

int sk_delaunay_orient(const long long a[2], const long long b[2], const long long c[2])
{
	const long long det = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
	return (det > 0) - (det < 0);
}

int sk_delaunay_incircle(const long long a[2], const long long b[2], const long long c[2],
			 const long long d[2])
{
	const long long adx = a[0] - d[0], ady = a[1] - d[1];
	const long long bdx = b[0] - d[0], bdy = b[1] - d[1];
	const long long cdx = c[0] - d[0], cdy = c[1] - d[1];
	const i128 alift = (i128)adx * adx + (i128)ady * ady;
	const i128 blift = (i128)bdx * bdx + (i128)bdy * bdy;
	const i128 clift = (i128)cdx * cdx + (i128)cdy * cdy;
	const i128 bc = (i128)bdx * cdy - (i128)cdx * bdy;
	const i128 ca = (i128)cdx * ady - (i128)adx * cdy;
	const i128 ab = (i128)adx * bdy - (i128)bdx * ady;
	const i128 det = alift * bc + blift * ca + clift * ab;
	return (det > 0) - (det < 0);
}

/*
 * Simulation of Simplicity (Edelsbrunner & Muecke 1990) for the in-circle
 * test, in the lifting form of Devillers & Teillaud (2011, "Perturbations
 * for Delaunay and weighted Delaunay 3D triangulations"): each point's lift
 * X^2 + Y^2 gets an infinitesimal e_p, e_p much larger than e_q when p comes
 * before q in (X, Y) order.  The determinant is linear in each lift, so
 * when it is exactly 0 (four distinct cocircular points) its perturbed sign
 * is that of its derivative with respect to the lift of the earliest of the
 * four: for a +orient(b, c, d), for b -orient(a, c, d), for c +orient(a, b,
 * d), for d -orient(a, b, c) (lifting d moves it outside: the derivative is
 * negative for a counter-clockwise a, b, c).  Three distinct points of a
 * circle are never collinear, so the result is never 0, and it depends on
 * the four points alone: not on the order of insertion, nor on which other
 * points are triangulated.
 */
int sk_delaunay_incircle_perturbed(const long long a[2], const long long b[2], const long long c[2],
				   const long long d[2])
{
	const int s = sk_delaunay_incircle(a, b, c, d);
	const long long *m;
	if (s != 0)
		return s;
	m = a;
	if (sk_dl_lex_before(b, m)) m = b;
	if (sk_dl_lex_before(c, m)) m = c;
	if (sk_dl_lex_before(d, m)) m = d;
	if (m == a)
		return sk_delaunay_orient(b, c, d);
	if (m == b)
		return -sk_delaunay_orient(a, c, d);
	if (m == c)
		return sk_delaunay_orient(a, b, d);
	return -sk_delaunay_orient(a, b, c);
}
