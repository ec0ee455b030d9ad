/*
 * The input side of the migrate driver's loop: the check pass of a given
 * grid and the feed that fills blocks of traces (migrate_internal.h).
 */
#include "migrate_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Places the live trace h in the grid's frame (t) and counts it in rc
 * (and one, unless NULL). */
static void feed_locate(const struct feed *f, const unsigned char *h, struct sk_kirch_trace *t, struct reach *rc,
			struct onepos *one)
{
	double p[4], fx, fy;
	int kind;
	const int has_pos = sk_mig_position_kind(h, f->zero_offset, p, &kind);

	sk_grid_locate(f->g, p[0], p[1], &fx, &fy);
	t->sx = fx * f->g->dx;
	t->sy = fy * f->g->dy;
	sk_grid_locate(f->g, p[2], p[3], &fx, &fy);
	t->rx = fx * f->g->dx;
	t->ry = fy * f->g->dy;
	t->t0 = sk_key_value(h, f->delrt) * 1e-3;
	sk_mig_reach_add(rc, f->g, f->dim, f->lim, h, p, has_pos, t, t->t0 + (double)(f->ns - 1) * f->dt_in);
	if (one)
		sk_mig_onepos_add(one, p, kind);
}

/* Fills block slot: 1 when full, 0 at the end of the input (the block may
 * hold traces), or a negative code with f->err set. */
int sk_mig_feed_fill(struct feed *f, int slot)
{
	float *const data = f->data[slot];
	long nb = 0;
	int rc = 1;

	for (;;) {
		if (!f->have && (rc = sk_mig_src_next(f->s, f->hdr, data + (size_t)nb * (size_t)f->ns, &f->err)) <= 0)
			break;
		f->have = 0;
		f->inputs++;
		if (sk_mig_live(f->hdr)) {
			feed_locate(f, f->hdr, &f->tr[slot][nb], f->rc, NULL);
			if (++nb == f->block)
				break;
		}
	}
	f->nb[slot] = nb;
	f->upto[slot] = f->inputs;
	return rc;
}

void *sk_mig_feed_thread(void *arg)
{
	struct feed *f = arg;
	f->ret = sk_mig_feed_fill(f, f->slot);
	return NULL;
}

/*
 * The check pass of a run on a given grid, before any migration: every
 * live trace is counted in pre and one from the headers of a file (read
 * from the start again afterwards) or from a pipe, whose traces are spooled
 * on the way to a temporary file and then read from there.  hdr and data
 * hold the input's first trace, read already, and hold it again on return,
 * with the source positioned after it.  So input that is refused (most
 * traces beyond the reach, all at one position, no coordinates) is refused
 * before any migration, from a pipe as from a file, and ntotal is known.
 */
int sk_mig_check_pass(struct feed *f, const struct sk_info *info, unsigned char *hdr, float *data,
		      struct reach *pre, struct onepos *one, int64_t *ntotal, struct sk_error *err)
{
	struct src *const s = f->s;
	const size_t nd = (size_t)info->ns;
	const int seekable = sk_reader_seek(s->r, 0, NULL) == 0;
	unsigned char *h = malloc(info->hdrlen);
	float *d = seekable ? NULL : malloc(nd * sizeof *d);
	struct sk_kirch_trace t;
	int rc;

	*ntotal = 0;
	if (!h || (!seekable && !d)) {
		rc = sk_error_set(err, SK_ENOMEM, "out of memory");
		goto done;
	}
	if (!seekable) {
		if (!(s->spool = sk_mig_spool_open(s, err))) {
			rc = SK_EIO;
			goto done;
		}
		if (fwrite(hdr, 1, info->hdrlen, s->spool) != info->hdrlen ||
		    fwrite(data, sizeof *data, nd, s->spool) != nd)
			goto spool_error;
		++*ntotal;
		if (sk_mig_live(hdr))
			feed_locate(f, hdr, &t, pre, one);
	}
	while ((rc = sk_reader_next(s->r, h, d, err)) == 1) {
		++*ntotal;
		if (!seekable && (fwrite(h, 1, info->hdrlen, s->spool) != info->hdrlen ||
				  fwrite(d, sizeof *d, nd, s->spool) != nd))
			goto spool_error;
		if (sk_mig_live(h))
			feed_locate(f, h, &t, pre, one);
	}
	if (rc < 0)
		goto done;
	if (seekable) {
		if ((rc = sk_reader_seek(s->r, 0, err)) < 0 || (rc = sk_mig_src_next(s, hdr, data, err)) < 0)
			goto done;
	} else if (fflush(s->spool) != 0 ||
		   fseeko(s->spool, (off_t)(info->hdrlen + nd * sizeof *data), SEEK_SET) != 0) {
		goto spool_error;
	}
	rc = 0;
	goto done;
spool_error:
	rc = sk_error_at(err, sk_error_sys(err, "%s", ""), s->spool_path);
done:
	free(h);
	free(d);
	return rc;
}

