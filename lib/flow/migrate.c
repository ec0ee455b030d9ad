/*
 * migrate: the streaming driver around the Kirchhoff kernel (migrate.h).
 */
#include "migrate.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "hdr.h"
#include "io.h"
#include "ofile.h"

#include "migrate_internal.h"

/* delrt in ms with the scalt that writes t0 (s) exactly when one does. */
static void set_delrt(unsigned char *h, double t0)
{
	static const int16_t sc[] = {1, -10, -100, -1000};
	for (int i = 0; i < 4; i++) {
		const double f = i == 0 ? 1.0 : (double)-sc[i];
		const double v = t0 * 1e3 * f;
		if (fabs(v - nearbyint(v)) < 1e-6 * f && fabs(v) <= 32767) {
			sk_hdr_set_i16(h, SK_TR_DELRT, (int16_t)nearbyint(v));
			sk_hdr_set_i16(h, SK_SCALT, sc[i]);
			return;
		}
	}
	sk_hdr_set_i16(h, SK_TR_DELRT, (int16_t)fmax(fmin(nearbyint(t0 * 1e3), 32767), -32768));
	sk_hdr_set_i16(h, SK_SCALT, 1);
}

static int write_image(const struct sk_migrate_job *job, const struct sk_info *in_info,
		       const struct sk_grid *g, int64_t first, int64_t last, long noff, long nt,
		       double dt, double t0, const float *img, const int32_t *carry, const int *nonzero,
		       struct sk_migrate_stats *st, struct sk_error *err)
{
	struct sk_info like = *in_info;
	struct sk_wopts wo = job->wopts;
	struct sk_writer *w;
	unsigned char hdr[SK_HDR_LEN];
	int rc;

	like.ns = nt;
	like.dt = dt * 1e6;
	like.hdrlen = SK_HDR_LEN;
	like.su_tail = 0;   /* image headers carry cdpx, cdpy, iline, xline */
	like.ntraces = (last - first) * noff;
	sk_wopts_computed(&wo, &like);
	if ((rc = sk_writer_open(job->out, &like, &wo, &w, err)) < 0)
		return rc;
	for (int64_t i = first; i < last; i++)
		for (long b = 0; b < noff; b++) {
			const int64_t seq = i * noff + b + 1;
			memset(hdr, 0, sizeof hdr);
			sk_grid_header(g, i, hdr);
			for (int k = 0; carry && k < 3; k++)
				if (nonzero[k])
					sk_hdr_set_i32(hdr, sk_mig_num_bytes[k], carry[3 * (i - first) + k]);
			sk_hdr_set_i32(hdr, SK_TR_TRACL, (int32_t)seq);
			sk_hdr_set_i32(hdr, SK_TR_TRACR, (int32_t)seq);
			sk_hdr_set_i16(hdr, SK_TR_TRID, 1);
			if (job->have_offsets)
				sk_hdr_set_i32(hdr, SK_TR_OFFSET, (int32_t)nearbyint(job->o0 + (double)b * job->dof));
			set_delrt(hdr, t0);
			sk_hdr_set_i16(hdr, SK_TR_NS, (int16_t)(uint16_t)(nt > 65535 ? 0 : nt));
			sk_hdr_set_i16(hdr, SK_TR_DT, (int16_t)(uint16_t)nearbyint(dt * 1e6));
			if ((rc = sk_writer_put(w, hdr, img + ((size_t)(i - first) * (size_t)noff + (size_t)b) * (size_t)nt,
						err)) < 0) {
				sk_writer_abort(w);
				return rc;
			}
			st->outputs++;
		}
	return sk_writer_close(w, err);
}

int sk_migrate_run(const struct sk_migrate_job *job, struct sk_migrate_stats *st,
		   struct sk_error *err)
{
	struct src s = {0};
	const struct sk_info *info;
	struct scan sc = {0};
	struct sk_grid g;
	struct sk_kirch_par kp = job->kp;
	struct sk_kirch *k = NULL;
	struct feed f = {0};
	const struct sk_key *delrt = sk_hdr_key("delrt");
	unsigned char *hdr = NULL;
	float *data = NULL, *img = NULL, *vel = NULL;
	double *ox = NULL, *oy = NULL, t_start, lim;
	int32_t *carry = NULL;
	int64_t first, last, nloc, ntotal = -1;
	struct reach rc_ = {0};
	long block;
	int rc, per_loc = 0, noticed = 0;
	static const char notice[] = "every trace has offset 0 and gx = gy = 0: migrating the input as "
				     "post-stack data, each trace at its CMP (--zero-offset)";
	const char *what;      /* the file an error is about */

	memset(st, 0, sizeof *st);
	what = sk_in_name(job->in);
	if ((rc = sk_reader_open(job->in, job->from, &s.r, err)) < 0)
		return rc;
	/* A terminal for the image is refused now, not after the work. */
	if ((rc = sk_out_check_tty(job->out, err)) < 0)
		goto done;
	sk_reader_readahead(s.r, NULL);  /* the scan reads in order; without, as well */
	info = sk_reader_info(s.r);
	s.hdrlen = info->hdrlen;
	s.ns = info->ns;
	if (!(info->dt > 0)) {
		rc = sk_error_set(err, SK_EFMT, "sample interval %g is not positive", info->dt);
		goto done;
	}
	ntotal = info->ntraces;

	/* The output grid and the dimension. */
	if (job->have_grid) {
		g = job->grid;
	} else {
		if ((rc = sk_mig_scan_input(&s, info, job->zero_offset, &sc, &ntotal, err)) < 0)
			goto done;
		if (ntotal == 0) {
			rc = sk_error_set(err, SK_EFMT, "empty input (no traces)");
			goto done;
		}
		if (sc.n == 0) {
			rc = sk_error_set(err, SK_EFMT, "no live traces (all are dead or dummy: trid 2 or 3)");
			goto done;
		}
		if (sc.with_pos == 0) {
			rc = sk_error_set(err, SK_EFMT,
					  "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)");
			goto done;
		}
		if (!job->zero_offset && sc.r0 == sc.n && sc.stack < sc.n) {
			rc = sk_error_set(err, SK_ESTATE,
					  "every trace has gx = gy = 0, and offsets that are not 0: the receivers "
					  "are missing; give --zero-offset for post-stack data, or set gx/gy");
			goto done;
		}
		if ((rc = sk_mig_onepos_error(&sc.one, err)) < 0)
			goto done;
		if (!job->zero_offset && sc.stack == sc.n) {
			if (job->notice)
				job->notice(job->notice_ctx, notice);
			noticed = 1;
		}
		if ((rc = sk_mig_default_grid(&sc, &g, err)) < 0) {
			if (rc == SK_EARG)
				what = NULL;  /* a usage error */
			goto done;
		}
	}
	st->grid = g;
	st->dim = kp.dim = g.is_line ? 2 : 3;
	if (job->part) {
		if ((rc = sk_grid_part(job->part, sk_grid_size(&g), &first, &last, err)) < 0) {
			what = NULL;
			goto done;
		}
	} else {
		first = 0;
		last = sk_grid_size(&g);
	}
	nloc = last - first;
	if (!job->have_grid && (rc = sk_mig_carry_numbers(&sc, &g, first, last, &carry, err)) < 0)
		goto done;

	/* The first trace fixes the default output axis. */
	hdr = malloc(info->hdrlen);
	data = malloc((size_t)info->ns * sizeof *data);
	if (!hdr || !data) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = sk_mig_src_next(&s, hdr, data, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = sk_error_set(err, SK_EFMT, "empty input (no traces)");
		goto done;
	}
	kp.nt_in = info->ns;
	kp.dt_in = info->dt * 1e-6;
	kp.nt = job->nt > 0 ? job->nt : info->ns;
	kp.dt = job->dt > 0 ? job->dt : kp.dt_in;
	kp.t0 = job->have_t0 ? job->t0 : sk_key_value(hdr, delrt) * 1e-3;
	kp.dx = g.dx;
	kp.dy = g.dy;
	kp.noff = job->have_offsets ? job->no : 1;
	kp.off0 = job->have_offsets ? job->o0 : 0.0;
	kp.doff = job->have_offsets ? job->dof : 0.0;

	/* Velocity on the output axis. */
	if (job->vel.kind == SK_VEL_FILE) {
		what = job->vel.path;
		if ((rc = sk_vel_load(job->vel.path, &g, first, last, kp.nt, kp.t0, kp.dt, &vel, &per_loc,
				      err)) < 0)
			goto done;
		what = sk_in_name(job->in);
	} else {
		vel = malloc((size_t)kp.nt * sizeof *vel);
		if (!vel) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto done;
		}
		sk_vel_curve(&job->vel, kp.nt, kp.t0, kp.dt, vel);
	}

	/* Output locations in the grid's frame: metres along its axes. */
	ox = malloc((size_t)nloc * sizeof *ox);
	oy = malloc((size_t)nloc * sizeof *oy);
	if (!ox || !oy) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	for (int64_t i = first; i < last; i++) {
		ox[i - first] = (double)(i % g.nx) * g.dx;
		oy[i - first] = (double)(i / g.nx) * g.dy;
	}
	if ((rc = sk_kirch_new(&kp, (long)nloc, ox, oy, vel, per_loc, &k, err)) < 0) {
		what = NULL;
		goto done;
	}
	block = sk_kirch_chunk(k);
	lim = sk_kirch_reach(k);
	rc_.mx0 = rc_.my0 = rc_.near_far = HUGE_VAL;
	rc_.mx1 = rc_.my1 = rc_.tin1 = -HUGE_VAL;
	{
		double fx, fy;
		sk_grid_locate(&g, 0.0, 0.0, &fx, &fy);
		rc_.r0_dist = rc_.s0_dist = sk_mig_grid_distance(&g, kp.dim, fx * g.dx, fy * g.dy);
	}
	img = calloc((size_t)nloc * (size_t)kp.noff * (size_t)kp.nt, sizeof *img);
	for (int i = 0; i < 3; i++)
		f.tr[i] = malloc((size_t)block * sizeof *f.tr[i]);
	f.data[1] = malloc((size_t)block * (size_t)info->ns * sizeof *f.data[1]);
	f.data[2] = malloc((size_t)block * (size_t)info->ns * sizeof *f.data[2]);
	{
		float *d = realloc(data, (size_t)block * (size_t)info->ns * sizeof *d);
		if (d)
			data = d;
		if (!img || !f.tr[0] || !f.tr[1] || !f.tr[2] || !f.data[1] || !f.data[2] || !d) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory for an image of %lld x %ld x %ld samples",
					  (long long)nloc, kp.noff, kp.nt);
			goto done;
		}
	}
	f.s = &s;
	f.g = &g;
	f.dim = kp.dim;
	f.zero_offset = job->zero_offset;
	f.lim = lim;
	f.dt_in = kp.dt_in;
	f.ns = info->ns;
	f.block = block;
	f.delrt = delrt;
	f.hdr = hdr;
	f.rc = &rc_;
	f.data[0] = data;
	f.have = 1;  /* the first trace is in slot 0 of block 0 already */
	if (job->have_grid) {
		/* No scan made the grid: check the input before the work. */
		struct reach pre = rc_;
		struct onepos one = {0};
		rc = sk_mig_check_pass(&f, info, hdr, data, &pre, &one, &ntotal, err);
		st->inputs = ntotal;
		if (rc < 0 || (rc = sk_mig_input_cause(job, &pre, &one, &g, lim, err)) < 0)
			goto done;
	}

	t_start = omp_get_wtime();
	/*
	 * Blocks in three slots: cur is migrated while the kernel's idle
	 * threads prepare nxt (sk_kirch_migrate_next) and a thread reads the
	 * block after it into the third; nxt -1: cur is the last block.  The
	 * first two are read in turn.
	 */
	rc = sk_mig_feed_fill(&f, 0);
	{
		int cur = 0, nxt = -1, eof = rc == 0;
		if (rc == 1) {
			rc = sk_mig_feed_fill(&f, 1);
			nxt = 1;
			eof = rc == 0;
		}
		while (rc >= 0) {
			const int more = !eof && nxt >= 0, fill = nxt >= 0 ? 3 - cur - nxt : -1;
			pthread_t th;
			int started = 0;
			if (more) {
				f.slot = fill;
				started = pthread_create(&th, NULL, sk_mig_feed_thread, &f) == 0;
			}
			if (f.nb[cur] > 0) {
				const int has_next = nxt >= 0 && f.nb[nxt] > 0;
				const int rc2 = sk_kirch_migrate_next(k, f.nb[cur], f.tr[cur], f.data[cur], img,
								      has_next ? f.nb[nxt] : 0, has_next ? f.tr[nxt] : NULL,
								      has_next ? f.data[nxt] : NULL, err);
				if (rc2 < 0) {
					if (started)
						pthread_join(th, NULL);
					rc = rc2;
					goto done;
				}
				if (job->progress)
					job->progress(job->progress_ctx, f.upto[cur], ntotal);
			}
			if (nxt < 0)
				break;
			if (more) {
				if (started)
					pthread_join(th, NULL);
				else  /* no thread to be had: read in turn */
					f.ret = sk_mig_feed_fill(&f, fill);
				rc = f.ret;
				eof = rc == 0;
			}
			cur = nxt;
			nxt = more ? fill : -1;
		}
	}
	st->inputs = f.inputs;
	if (rc < 0) {
		*err = f.err;
		goto done;
	}
	st->seconds = omp_get_wtime() - t_start;
	if (rc_.live == 0) {
		rc = sk_error_set(err, SK_EFMT, "no live traces (all are dead or dummy: trid 2 or 3)");
		goto done;
	}
	if (rc_.pos == 0) {
		rc = sk_error_set(err, SK_EFMT,
				  "no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)");
		goto done;
	}
	st->used = sk_kirch_used(k);
	st->updates = sk_kirch_updates(k);
	st->post_stack = job->zero_offset || rc_.stack == rc_.live;
	if (!job->zero_offset && rc_.stack == rc_.live && !noticed && job->notice)
		job->notice(job->notice_ctx, notice);
	if (!job->zero_offset && rc_.stack_src > 0 && rc_.stack < rc_.live) {
		rc = sk_error_set(err, SK_ESTATE,
				  "%lld traces have offset 0 and gx = gy = 0 beside %lld with receivers: "
				  "give --zero-offset for post-stack data, or set gx/gy",
				  (long long)rc_.stack, (long long)(rc_.live - rc_.stack));
		goto done;
	}
	if ((rc = sk_mig_empty_cause(job, &rc_, &g, lim, &kp, st, err)) < 0)
		goto done;
	what = NULL;  /* the writer names its file */
	rc = write_image(job, info, &g, first, last, kp.noff, kp.nt, kp.dt, kp.t0, img, carry, sc.nonzero, st,
			 err);
done:
	if (k) {
		/* Also on failure: how much was done before it. */
		st->used = sk_kirch_used(k);
		st->updates = sk_kirch_updates(k);
	}
	sk_kirch_free(k);
	sk_reader_free(s.r);
	if (s.spool)
		fclose(s.spool);
	free(sc.p);
	free(sc.num);
	free(carry);
	free(hdr);
	free(data);
	free(img);
	free(vel);
	free(ox);
	free(oy);
	for (int i = 0; i < 3; i++)
		free(f.tr[i]);
	free(f.data[1]);
	free(f.data[2]);
	return rc < 0 ? sk_error_at(err, rc, what) : 0;
}
