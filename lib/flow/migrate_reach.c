/*
 * The migrate driver's policy: where a trace's position comes from, whether
 * the traces all sit at one position, how far a midpoint lies from the
 * grid, why the input is refused or the image would be empty (the errors
 * that name the cause).  Pure functions of headers and the job;
 * migrate_internal.h has the contract.
 */
#include "migrate_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * Post-stack traces.  A trace with offset 0 and no receiver (gx = gy = 0)
 * cannot be prestack unless its source is at the origin too (its offset
 * would be |g - s| > 0): exporters of stacked data write such traces, with
 * the source or the CDP coordinates set to the CMP.  Such a trace, and every
 * trace under --zero-offset, is migrated as a zero-offset trace at its CMP m
 * (cdpx/cdpy, or sx/sy where those are 0): s = r = m in the kernel's
 * double-square-root time of notes/kirchhoff.md,
 *     t = sqrt(tau^2/4 + |s-x|^2/v^2) + sqrt(tau^2/4 + |r-x|^2/v^2)
 *       = 2 sqrt((tau/2)^2 + |m-x|^2/v^2) = sqrt(tau^2 + 4 |m-x|^2/v^2),
 * the post-stack (exploding reflector) time with v the RMS velocity.  The
 * kernel's weights reduce to the post-stack ones as well: the obliquity
 * (cos theta_s + cos theta_r)/2 = cos theta = tau/t, the spreading 1/sqrt(v t)
 * (2-D) or 1/(v t) (3-D), and the antialiasing slope (s-x)/(v^2 t_s) +
 * (r-x)/(v^2 t_r) = 4 (m-x)/(v^2 t), the notes' post-stack p.
 */
int sk_mig_stack_like(const unsigned char *h)
{
	return sk_hdr_i32(h, SK_TR_OFFSET) == 0 && sk_hdr_coord(h, SK_TR_GX) == 0 && sk_hdr_coord(h, SK_TR_GY) == 0;
}


/* Source and receiver of a trace (zo: as a zero-offset trace at its CMP),
 * and where they come from; returns 0 when every coordinate is 0 (the trace
 * may still sit at the origin: only a stream where no trace has a
 * coordinate is refused). */
int sk_mig_position_kind(const unsigned char *h, int zo, double p[4], int *kind)
{
	p[0] = sk_hdr_coord(h, SK_TR_SX);
	p[1] = sk_hdr_coord(h, SK_TR_SY);
	p[2] = sk_hdr_coord(h, SK_TR_GX);
	p[3] = sk_hdr_coord(h, SK_TR_GY);
	*kind = POS_SR;
	if (zo || (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) || sk_mig_stack_like(h)) {
		/* Post-stack data often carries only the CDP location. */
		const double cx = sk_hdr_coord(h, SK_TR_CDPX), cy = sk_hdr_coord(h, SK_TR_CDPY);
		if (cx != 0 || cy != 0) {
			p[0] = p[2] = cx;
			p[1] = p[3] = cy;
			*kind = POS_CDP;
		} else {
			p[2] = p[0];
			p[3] = p[1];
			*kind = POS_SRC;
		}
		return p[0] != 0 || p[1] != 0;
	}
	return 1;
}


void sk_mig_onepos_add(struct onepos *o, const double p[4], int kind)
{
	if (o->n++ == 0) {
		memcpy(o->p, p, sizeof o->p);
		o->kind = kind;
		return;
	}
	o->varied |= p[0] != o->p[0] || p[1] != o->p[1] || p[2] != o->p[2] || p[3] != o->p[3];
	o->mixed |= kind != o->kind;
}

/* SK_ESTATE naming the one position when more than one live trace shares
 * it, else 0. */
int sk_mig_onepos_error(const struct onepos *o, struct sk_error *err)
{
	char at[160];

	if (o->n < 2 || o->varied)
		return 0;
	if (o->mixed)
		snprintf(at, sizeof at, "source %g, %g and receiver %g, %g", o->p[0], o->p[1], o->p[2], o->p[3]);
	else if (o->kind == POS_CDP)
		snprintf(at, sizeof at, "cdpx %g, cdpy %g", o->p[0], o->p[1]);
	else if (o->kind == POS_SRC)
		snprintf(at, sizeof at, "sx %g, sy %g", o->p[0], o->p[1]);
	else
		snprintf(at, sizeof at, "sx %g, sy %g, gx %g, gy %g", o->p[0], o->p[1], o->p[2], o->p[3]);
	return sk_error_set(err, SK_ESTATE,
			    "all %lld live traces are at one position (%s in every trace), so all would be "
			    "migrated from one place: load the geometry first (segedit; for a stack, "
			    "segedit 'cdpx = cdp * SPACING' 'cdpy = 0')", (long long)o->n, at);
}

int sk_mig_live(const unsigned char *h)
{
	const int16_t trid = sk_hdr_i16(h, SK_TR_TRID);
	return trid != 2 && trid != 3;
}

/* Distance from a point in the grid's frame (metres along its axes) to the
 * whole grid: along the line only in 2-D, as the kernel measures. */
double sk_mig_grid_distance(const struct sk_grid *g, int dim, double u, double v)
{
	const double eu = fmax(fmax(-u, u - (double)(g->nx - 1) * g->dx), 0.0);
	const double ev = dim == 3 ? fmax(fmax(-v, v - (double)(g->ny - 1) * g->dy), 0.0) : 0.0;
	return hypot(eu, ev);
}


/* Counts one live trace (frame positions in t, world ones in p). */
void sk_mig_reach_add(struct reach *rc, const struct sk_grid *g, int dim, double lim, const unsigned char *h,
		      const double *p, int has_pos, const struct sk_kirch_trace *t, double tend)
{
	const double mx = 0.5 * (p[0] + p[2]), my = 0.5 * (p[1] + p[3]);
	const double d = sk_mig_grid_distance(g, dim, 0.5 * (t->sx + t->rx), 0.5 * (t->sy + t->ry));
	const int r0 = sk_hdr_coord(h, SK_TR_GX) == 0 && sk_hdr_coord(h, SK_TR_GY) == 0;
	const int s0 = sk_hdr_coord(h, SK_TR_SX) == 0 && sk_hdr_coord(h, SK_TR_SY) == 0;

	rc->live++;
	rc->pos += has_pos;
	if (sk_mig_stack_like(h)) {
		rc->stack++;
		rc->stack_src += !s0;
	}
	rc->mx0 = fmin(rc->mx0, mx);
	rc->mx1 = fmax(rc->mx1, mx);
	rc->my0 = fmin(rc->my0, my);
	rc->my1 = fmax(rc->my1, my);
	rc->tin1 = fmax(rc->tin1, tend);
	if (d > lim) {
		rc->far++;
		rc->near_far = fmin(rc->near_far, d);
		rc->far_r0 += r0 && !s0;
		rc->far_s0 += s0 && !r0;
	}
}

/*
 * Why the image would be empty or mostly unreached, or 0 when it is not:
 * more than half the live traces beyond the reach of the grid (receivers
 * or sources at the origin named as the cause), no trace in an offset
 * bin, input times that end before the output axis begins, or (whole
 * grids only) no sample updated at all.
 */
static int far_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct sk_grid *g,
		     double lim, struct sk_error *err)
{
	char d[64];

	if (rc->far > 0 && 2 * rc->far > rc->live && !(job->allow_outside && rc->far < rc->live)) {
		if (2 * rc->far_r0 > rc->far)
			return sk_error_set(err, SK_ESTATE,
					    "receivers %s from the grid because gx/gy are 0 (%lld of %lld traces); "
					    "give --zero-offset for post-stack data",
					    sk_distance_text(rc->r0_dist, d, sizeof d), (long long)rc->far_r0, (long long)rc->live);
		if (2 * rc->far_s0 > rc->far)
			return sk_error_set(err, SK_ESTATE,
					    "sources %s from the grid because sx/sy are 0 (%lld of %lld traces)",
					    sk_distance_text(rc->s0_dist, d, sizeof d), (long long)rc->far_s0, (long long)rc->live);
		{
			double gx0, gx1, gy0, gy1;
			char r[64];
			sk_grid_extent(g, &gx0, &gx1, &gy0, &gy1);
			return sk_error_set(err, SK_ESTATE,
					    "%lld of %lld traces lie beyond the migration's reach of the grid "
					    "(%s, from --aperture and --angle; the nearest is %s away): midpoints in "
					    "x %.1f..%.1f, y %.1f..%.1f, grid locations in x %.1f..%.1f, y %.1f..%.1f%s",
					    (long long)rc->far, (long long)rc->live, sk_distance_text(lim, r, sizeof r),
					    sk_distance_text(rc->near_far, d, sizeof d), rc->mx0, rc->mx1, rc->my0, rc->my1,
					    gx0, gx1, gy0, gy1,
					    rc->far < rc->live ? "; a grid over part of the data needs --allow-outside" : "");
		}
	}
	return 0;
}

/* What makes the input unfit before any migration, or 0. */
int sk_mig_input_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct onepos *one,
		       const struct sk_grid *g, double lim, struct sk_error *err)
{
	int r;

	if (rc->live == 0)
		return sk_error_set(err, SK_EFMT, "no live traces (all are dead or dummy: trid 2 or 3)");
	if (rc->pos == 0)
		return sk_error_set(err, SK_EFMT,
				    "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)");
	if ((r = sk_mig_onepos_error(one, err)) < 0)
		return r;
	return far_cause(job, rc, g, lim, err);
}

int sk_mig_empty_cause(const struct sk_migrate_job *job, const struct reach *rc, const struct sk_grid *g,
		       double lim, const struct sk_kirch_par *kp, const struct sk_migrate_stats *st,
		       struct sk_error *err)
{
	int r;

	if ((r = far_cause(job, rc, g, lim, err)) < 0)
		return r;
	if (st->used == 0 && job->have_offsets)
		return sk_error_set(err, SK_ESTATE,
				    "no trace has an offset in the bins of --offsets (%g to %g m)",
				    job->o0 - 0.5 * job->dof, job->o0 + ((double)job->no - 0.5) * job->dof);
	if (rc->tin1 < kp->t0)
		return sk_error_set(err, SK_ESTATE,
				    "the input ends at %g s, before the output's first time %g s (--t0)", rc->tin1, kp->t0);
	if (st->updates == 0 && !job->part)
		return sk_error_set(err, SK_ESTATE,
				    "no output sample was updated: no trace is within the angle (--angle) of the "
				    "grid's locations at the output times");
	return 0;
}

