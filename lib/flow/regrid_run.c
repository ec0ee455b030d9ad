/*
 * The regrid driver: the passes over the input (regrid_scan.c) and their
 * checks (regrid_reach.c), the index, the output loop, the fold table.
 * regrid.h has the contract.
 */
#include "regrid.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigmem.h"
#include "hdr.h"
#include "io.h"
#include "ofile.h"
#include "regrid_run_internal.h"

/* Output samples per parallel block (8 MiB of floats; two blocks are held:
 * one interpolated while the other is written).  Small enough that writing
 * the last block alone, after the others overlapped, costs little; large
 * enough that thread start-up and workspaces are paid rarely. */
#define BLOCK_SAMPLES (2L << 20)

int sk_regrid_coords_parse(const char *s, int *out, struct sk_error *err)
{
	static const char *const names[] = {"mid", "cdp", "src", "rcv"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return sk_error_set(err, SK_EARG, "invalid coords '%s' (expected mid, cdp, src or rcv)", s);
}

/* RMS velocity per sample of zero-offset time, from --vel through
 * lib/geom/velocity as migrate reads it.  regrid's moveout takes one v(t)
 * everywhere, so a file holds one trace. */
static int vel_table(const struct sk_regrid_job *job, double dt, long ns, double *vr, struct sk_error *err)
{
	float *v = NULL;
	int per = 0, rc;

	if (job->vel.kind != SK_VEL_FILE) {
		for (long s = 0; s < ns; s++)
			vr[s] = sk_vel_at(&job->vel, (double)s * dt);
		return 0;
	}
	if ((rc = sk_vel_load(job->vel.path, &job->grid, 0, 1, ns, 0.0, dt, &v, &per, err)) < 0)
		return sk_error_at(err, rc, job->vel.path);
	if (per) {
		free(v);
		return sk_error_at(err, sk_error_set(err, SK_EUSAGE, "regrid takes one velocity trace (v(t) "
						     "everywhere), not one per grid location"), job->vel.path);
	}
	for (long s = 0; s < ns; s++)
		vr[s] = v[s];
	free(v);
	return 0;
}

/* For linear on a slice: whether every location of the slice gets the
 * whole run's triangle (regrid.h sk_regrid_exact); 1, 0, or SK_ENOMEM. */
static int slice_exact(const struct sk_regrid *rg, const struct sk_grid *gr, int64_t first, int64_t last, long no,
		       const struct keep *kp, const struct scan *sc)
{
	struct sk_regrid_ws *ws = sk_regrid_ws_new(rg);
	int ok = 1;

	if (!ws)
		return SK_ENOMEM;
	for (int64_t i = first; i < last && ok == 1; i++)
		for (long j = 0; j < no && ok == 1; j++)
			ok = sk_regrid_exact(rg, ws, (double)(i % gr->nx) * gr->dx,
					     gr->is_line ? 0.0 : (double)(i / gr->nx) * gr->dy, (int)j, kp->box,
					     (const double (*)[2])sc->hull, sc->nh);
	sk_regrid_ws_free(ws);
	return ok;
}

/* A block of output written: grid locations b0 .. b1 - 1, each with its
 * offsets, their traces in out and live. */
struct wblock {
	const struct sk_regrid_job *job;
	const struct sk_grid *gr;
	const struct sk_info *info;
	const struct sk_regrid *rg;
	struct sk_regrid_stats *st;
	struct sk_writer *w;
	FILE *fold;
	const unsigned char *first_hdr;
	unsigned char *hdr;
	long no;
	int64_t first, last;
	int64_t b0, b1;
	const double *u, *v, *h;
	const float *out;
	const int *live;
	int rc;
	struct sk_error err;
};

/* Writes the block (headers, samples, fold lines) in output order; called
 * by one thread (sk_regrid_block_beside's initial thread) while the others
 * interpolate the next block, which is why the output is touched inside a
 * parallel region: still one thread, in order, as STYLE.md asks. */
static void write_block(void *ctx)
{
	struct wblock *wb = ctx;
	const struct sk_info *info = wb->info;
	const struct sk_grid *gr = wb->gr;
	long n = 0;

	if (wb->rc < 0)
		return;
	for (int64_t i = wb->b0; i < wb->b1; i++)
		for (long j = 0; j < wb->no; j++, n++) {
			const long fold_n = sk_regrid_fold(wb->rg, wb->u[n], wb->v[n], (int)j);
			const int64_t seq = i * wb->no + j + 1;
			unsigned char *hdr = wb->hdr;
			double cx, cy;
			long il, xl;
			memset(hdr, 0, info->hdrlen);
			sk_grid_header(gr, i, hdr);
			sk_hdr_set_i32(hdr, SK_TR_TRACL, (int32_t)seq);
			sk_hdr_set_i32(hdr, SK_TR_TRACR, (int32_t)seq);
			sk_hdr_set_i16(hdr, SK_TR_TRID, (int16_t)(wb->live[n] ? 1 : 2));
			sk_hdr_set_i16(hdr, SK_TR_NHS, (int16_t)(fold_n > 32767 ? 32767 : fold_n));
			sk_hdr_set_i32(hdr, SK_TR_OFFSET, (int32_t)lround(wb->h[n]));
			/* The first input's recording delay and its time scalar. */
			memcpy(hdr + SK_TR_DELRT - 1, wb->first_hdr + SK_TR_DELRT - 1, 2);
			memcpy(hdr + SK_TR_SCALT - 1, wb->first_hdr + SK_TR_SCALT - 1, 2);
			sk_hdr_set_i16(hdr, SK_TR_NS, (int16_t)(uint16_t)(info->ns <= 65535 ? info->ns : 0));
			sk_hdr_set_i16(hdr, SK_TR_DT, (int16_t)(uint16_t)(info->dt <= 65535 ? lround(info->dt) : 0));
			if (!wb->live[n])
				wb->st->dead++;
			wb->st->outputs++;
			if ((wb->rc = sk_writer_put(wb->w, hdr, wb->out + (size_t)n * (size_t)info->ns, &wb->err)) < 0)
				return;
			if (wb->fold) {
				sk_grid_point(gr, i, &cx, &cy);
				sk_grid_numbers(gr, i, &il, &xl);
				fprintf(wb->fold, "%lld\t%ld\t%ld\t%.10g\t%.10g\t%.10g\t%ld\t%d\n", (long long)i + 1, il,
					xl, cx, cy, wb->h[n], fold_n, wb->live[n]);
			}
		}
	if (wb->job->progress)
		wb->job->progress(wb->job->progress_ctx, wb->b1 - wb->first, wb->last - wb->first);
}

int64_t sk_rgrun_block_end(int64_t b0, int64_t last, long blk)
{
	const int64_t rest = last - b0, tail = blk / 16 > 16 ? blk / 16 : 16;

	if (rest >= 2 * (int64_t)blk || rest <= tail)
		return b0 + (rest < blk ? rest : blk);
	return b0 + ((rest + 1) / 2 > tail ? (rest + 1) / 2 : tail);
}

int sk_regrid_run(const struct sk_regrid_job *job, struct sk_regrid_stats *st,
		  struct sk_error *err)
{
	struct sk_reader *r = NULL;
	struct sk_writer *w = NULL;
	struct sk_regrid *rg = NULL;
	struct sk_regrid_wsset *wss = NULL;
	struct store store = {0};
	struct scan sc;
	struct keep kp = {0, {0, 0, 0, 0}};
	struct sk_info like;
	const struct sk_info *info;
	const struct sk_grid *gr = &job->grid;
	struct sk_regrid_opts o = job->opts;
	unsigned char *hdr = NULL;
	float *out[2] = {NULL, NULL};
	double *vr = NULL, *bu[2] = {NULL, NULL}, *bv[2] = {NULL, NULL}, *bh[2] = {NULL, NULL};
	int *bc[2] = {NULL, NULL}, *live[2] = {NULL, NULL};
	FILE *fold = NULL;
	/* The output and the fold table commit together, or neither does. */
	struct sk_ofile fold_of = {-1, NULL, NULL, -1};
	struct sk_ofset set;
	struct sk_wopts wo = job->wopts;
	int64_t first = 0, last = sk_grid_size(gr);
	const long no = job->have_offsets ? job->no : 1;
	int rc = 0, par, linear_part = 0;
	double mu = 0, mv = 0;
	long blk;
	const char *what;      /* the file an error is about */

	memset(st, 0, sizeof *st);
	memset(&sc, 0, sizeof sc);
	sk_ofset_init(&set);
	wo.set = &set;
	/* The output (90 MB for 40,000 traces of 500 samples) comes faster
	 * than the disk flushes it: synced behind the writer, the commit's
	 * fsync waits for the last part only (ofile_behind.h). */
	wo.sync_behind = 1;
	what = sk_in_name(job->in);
	store.spool_fd = -1;
	if (job->part && (rc = sk_grid_part(job->part, sk_grid_size(gr), &first, &last, err)) < 0)
		return rc;
	if ((rc = sk_reader_open(job->in, job->from, &r, err)) < 0)
		return rc;
	/* A terminal for the output is refused now, not after the work. */
	if ((rc = sk_out_check_tty(job->out, err)) < 0)
		goto done;
	info = sk_reader_info(r);
	store.ns = info->ns;
	o.ns = info->ns;
	o.dt = info->dt * 1e-6;
	o.line = gr->is_line;
	o.bin_dx = gr->dx;
	o.bin_dy = gr->is_line ? 0 : gr->dy;
	if (o.radius < 0 && !o.in_bin)
		o.radius = 2 * (gr->is_line || gr->dx > gr->dy ? gr->dx : gr->dy);
	if (!(o.dt > 0)) {
		rc = sk_error_set(err, SK_EFMT, "sample interval dt=%g is not positive", info->dt);
		goto done;
	}
	hdr = malloc(info->hdrlen);
	sc.first_hdr = calloc(1, info->hdrlen);
	if (!hdr || !sc.first_hdr) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	/* A file that allows random reads is read by every thread at once,
	 * and in place, from the page cache: no copy of its samples decoded
	 * into memory, whatever --mem (a 100,000-trace file of 500 samples,
	 * nearest on 2 threads, against the former in-place path forced with
	 * --mem 1: 37 against 232 MB, 0.58 against 1.00 s CPU; the same
	 * bytes).  One with a truncated last trace is read from start to end,
	 * which reports it. */
	par = info->ntraces >= 0 && sk_reader_pread_size(r) > 0 && info->trailing == 0;
	/* A slice keeps the traces within its support: the radius, the bins
	 * (the fold), and for linear the triangles around its locations,
	 * widened until they are certainly the whole run's (a file read again;
	 * a pipe keeps everything for linear). */
	if (job->part) {
		const double rad = o.in_bin ? 0.0 : fabs(o.radius);
		mu = fmax(rad, fabs(gr->dx) / 2);
		mv = gr->is_line ? 0.0 : fmax(rad, fabs(gr->dy) / 2);
		if (o.method != SK_REGRID_LINEAR) {
			sk_rgrun_keep_set(&kp, gr, first, last, mu, mv);
		} else if (par) {
			linear_part = 1;
			mu *= 2;
			mv *= 2;
			sk_rgrun_keep_set(&kp, gr, first, last, mu, mv);
		}
	}
	for (;;) {
		sk_rgrun_tally_init(&sc.t);
		rc = par ? sk_rgrun_scan_par(job, &o, r, &kp, linear_part && !job->have_offsets, &sc, err)
			 : sk_rgrun_scan_seq(job, &o, r, &kp, &sc, &store, err);
		if (rc < 0) {
			if (sc.spool_err)
				what = NULL;
			goto done;
		}
		st->inputs = sc.t.inputs;
		st->used = sc.t.used;
		if (sc.t.used == 0) {
			rc = sk_error_set(err, SK_EFMT, st->inputs ? "no live trace%s" : "no traces",
					  job->have_offsets ? " in the offset range" : "");
			goto done;
		}
		if (sc.t.zero_xy == sc.t.used) {
			rc = sk_error_set(err, SK_EFMT, "no coordinates: %s are 0 in all %lld traces (see --coords)",
					  sk_rgrun_coords_keys(job->coords), (long long)sc.t.used);
			goto done;
		}
		if ((rc = sk_rgrun_onepos_error(job, sc.t.used, sc.t.ext, err)) < 0)
			goto done;
		/* Some trace must reach the grid's bins (or their radius), and most
		 * of them must unless allow_outside says otherwise. */
		st->outside = sc.t.ou.n;
		st->radius = o.radius;
		if ((rc = sk_rgrun_outside_error(job, &o, &sc.t.ou, sc.t.used, sc.t.ext, err)) < 0)
			goto done;
		store.tidx = sc.g.tidx;
		if (sc.in_place && !store.raw && (rc = sk_rgrun_in_place_open(&store, r, err)) < 0)
			goto done;
		if (job->have_vel && !vr) {
			vr = malloc((size_t)info->ns * sizeof *vr);
			if (!vr) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto done;
			}
			if ((rc = vel_table(job, o.dt, info->ns, vr, err)) < 0)
				goto done;
			o.vrms = vr;
		}
		{
			const struct sk_regrid_input in = {sc.g.n, sc.g.u, sc.g.v, job->have_offsets ? sc.g.h : NULL,
							   sc.g.cls, (int)no, sk_rgrun_store_fetch, &store, sc.t.frame,
							   store.batch > 0 ? sk_rgrun_store_fetch_many : NULL, store.batch};
			what = NULL;
			if ((rc = sk_regrid_new(&o, &in, &rg, err)) < 0)
				goto done;
		}
		if (!linear_part || !kp.on)
			break;
		if ((rc = slice_exact(rg, gr, first, last, no, &kp, &sc)) < 0) {
			rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			goto done;
		}
		if (rc == 1)
			break;
		/* Not certain: a wider box, read again; at the data's extent it
		 * keeps everything. */
		rc = 0;
		sk_regrid_free(rg);
		rg = NULL;
		sk_rgrun_scan_release(&sc, &store);
		mu *= 2;
		mv *= 2;
		sk_rgrun_keep_set(&kp, gr, first, last, mu, mv);
		if (kp.box[0] <= sc.t.frame[0] && kp.box[1] >= sc.t.frame[1] && kp.box[2] <= sc.t.frame[2] &&
		    kp.box[3] >= sc.t.frame[3])
			kp.on = 0;
		what = sk_in_name(job->in);
	}
	st->kept = sc.g.n;
	what = sk_out_name(job->out);
	like = *info;
	like.su_tail = 0;   /* output headers carry cdpx, cdpy, iline, xline */
	sk_wopts_computed(&wo, &like);
	if ((rc = sk_writer_open(job->out, &like, &wo, &w, err)) < 0) {
		w = NULL;
		if (err->code == SK_EARG)
			what = NULL;
		goto done;
	}
	if (job->fold) {
		/* stdio gets a copy of the descriptor: the ofile's own close
		 * syncs the file before the rename. */
		int fd = -1;
		if ((rc = sk_ofile_open(&fold_of, job->fold, err)) < 0 ||
		    (fd = fcntl(fold_of.fd, F_DUPFD_CLOEXEC, 0)) < 0 || !(fold = fdopen(fd, "w"))) {
			what = job->fold;
			if (rc == 0)
				rc = sk_error_sys(err, "%s", "");
			if (fd >= 0)
				close(fd);
			goto done;
		}
		fputs("cdp\tiline\txline\tcdpx\tcdpy\toffset\tfold\tlive\n", fold);
	}
	blk = BLOCK_SAMPLES / (info->ns * no);
	if (blk < 16)
		blk = 16;
	{
		const long nb = blk * no;
		for (int k = 0; k < 2; k++) {
			bu[k] = malloc((size_t)nb * sizeof *bu[k]);
			bv[k] = malloc((size_t)nb * sizeof *bv[k]);
			bh[k] = malloc((size_t)nb * sizeof *bh[k]);
			bc[k] = malloc((size_t)nb * sizeof *bc[k]);
			live[k] = malloc((size_t)nb * sizeof *live[k]);
			out[k] = sk_bigmem_alloc((size_t)nb * (size_t)info->ns * sizeof *out[k]);
			if (!bu[k] || !bv[k] || !bh[k] || !bc[k] || !live[k] || !out[k]) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	/* The threads' workspaces serve every block: their caches are
	 * faulted in once. */
	if (!(wss = sk_regrid_wsset_new(rg))) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		what = NULL;
		goto done;
	}
	{
		struct wblock wb = {job, gr, info, rg, st, w, fold, sc.first_hdr, hdr, no, first, last,
				    0, 0, NULL, NULL, NULL, NULL, NULL, 0, {0}};
		int k = 0;
		/* Block b is interpolated while block b - 1 is written (by the
		 * initial thread, which then joins the interpolation): the
		 * output's conversion and writes overlap the work; the last
		 * block, written alone, is short (sk_rgrun_block_end). */
		for (int64_t b0 = first, b1; b0 < last; b0 = b1, k ^= 1) {
			long n = 0;
			b1 = sk_rgrun_block_end(b0, last, blk);
			for (int64_t i = b0; i < b1; i++)
				for (long j = 0; j < no; j++) {
					bu[k][n] = (double)(i % gr->nx) * gr->dx;
					bv[k][n] = gr->is_line ? 0.0 : (double)(i / gr->nx) * gr->dy;
					bc[k][n] = (int)j;
					bh[k][n] = job->have_offsets ? job->o0 + (double)j * job->dof : 0.0;
					n++;
				}
			rc = sk_regrid_block_ws(rg, wss, bu[k], bv[k], bc[k], bh[k], n, out[k], live[k],
						wb.b1 > wb.b0 ? write_block : NULL, &wb, err);
			if (wb.rc < 0) {
				*err = wb.err;
				rc = wb.rc;
				what = sk_out_name(job->out);
				goto done;
			}
			if (rc < 0) {
				what = sc.in_place ? sk_in_name(job->in) : NULL;
				goto done;
			}
			wb.b0 = b0;
			wb.b1 = b1;
			wb.u = bu[k];
			wb.v = bv[k];
			wb.h = bh[k];
			wb.out = out[k];
			wb.live = live[k];
		}
		if (wb.b1 > wb.b0)
			write_block(&wb);
		if (wb.rc < 0) {
			*err = wb.err;
			rc = wb.rc;
			what = sk_out_name(job->out);
			goto done;
		}
	}
	/* Read in place, the samples came from the file long after the pass
	 * over it: a file changed since it was opened (its size or its
	 * modification time) gave some of them changed or not at all. */
	if (sc.in_place && (rc = sk_reader_check_same(r, err)) < 0) {
		what = sk_in_name(job->in);
		goto done;
	}
	/* Not one grid location has an input trace in reach: all-dead output
	 * is no result (a --part slice may be empty on its own). */
	if (st->outputs > 0 && st->dead == st->outputs && !job->part) {
		what = sk_in_name(job->in);
		if (o.in_bin)
			rc = sk_error_set(err, SK_ESTATE, "all %lld output traces would be dead: no input trace lies inside "
					  "a bin of the grid", (long long)st->outputs);
		else
			rc = sk_error_set(err, SK_ESTATE, "all %lld output traces would be dead: no input trace lies "
					  "within %g m of a grid location (see --radius)", (long long)st->outputs,
					  o.radius);
		goto done;
	}
	if (fold) {
		const int bad = fflush(fold) != 0 || ferror(fold);
		const int e = errno ? errno : EIO;
		const int cbad = fclose(fold) != 0;
		fold = NULL;
		if (!bad && !cbad)
			rc = sk_ofset_add(&set, &fold_of, err);
		if (bad || cbad || rc < 0) {
			what = job->fold;
			if (bad)
				errno = e;
			if (bad || cbad)
				rc = sk_error_sys(err, "%s", "");
			goto done;
		}
	}
	what = sk_out_name(job->out);
	rc = sk_writer_close(w, err);
	w = NULL;
	if (rc == 0 && (rc = sk_ofset_commit(&set, err)) < 0 && job->fold &&
	    strcmp(set.f[set.failed].path, job->fold) == 0)
		what = job->fold;
done:
	sk_writer_abort(w);
	if (fold)
		fclose(fold);
	sk_ofile_abort(&fold_of);
	sk_ofset_abort(&set);
	sk_regrid_wsset_free(wss);
	sk_regrid_free(rg);
	sk_reader_free(r);
	sk_rgrun_in_place_close(&store);
	sk_rgrun_scan_release(&sc, &store);
	free(sc.first_hdr);
	free(hdr);
	free(vr);
	for (int k = 0; k < 2; k++) {
		free(out[k]);
		free(bu[k]);
		free(bv[k]);
		free(bh[k]);
		free(bc[k]);
		free(live[k]);
	}
	return sk_error_at(err, rc, what);
}
