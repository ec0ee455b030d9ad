/* progress: taskrun's progress report, on the shared module of every command
 * (lib/core/progress.c: a bar on a terminal, a line every 5 s otherwise),
 * with the failed, running and host counts after the task count. */
#include "sched_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostfile.h"
#include "proto.h"
#include "tmpl.h"

void tr_show_progress(struct tr_ctl *c, double now, int last)
{
	char note[160];
	int up = 0, quar = 0;

	if (!c->pg.on)
		return;
	/* Counted only when the line is due (every 0.2 s on a terminal):
	 * a pass that ends one task must not look at every host. */
	if (!last && now < c->pg.next)
		return;
	for (int i = 0; i < c->nh; i++) {
		up += c->h[i].st == HS_UP && !c->h[i].removed;
		quar += c->h[i].hl.quar_until > now && !c->h[i].removed;
	}
	/* The shared report (lib/core/progress.c): tasks ended (done or
	 * finally failed) of all, then taskrun's own counts. */
	snprintf(note, sizeof note, "%ld failed, %d running, %d host%s up%s", c->nfinal, c->na, up,
		 up == 1 ? "" : "s", quar ? ", some quarantined" : "");
	sk_progress_note(&c->pg, note);
	sk_progress_update_at(&c->pg, c->ndone + c->nfinal, c->tl->n, now);
	if (last)
		sk_progress_finish_at(&c->pg, now);
}

void tr_progress_clear(struct tr_ctl *c)
{
	sk_progress_clear(&c->pg);
}
