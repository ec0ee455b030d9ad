/* progress: the progress line (a bar on a terminal, a line per change
 * otherwise). */
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
	char line[256];
	int up = 0, quar = 0, running = c->na;
	const long n = c->tl->n;

	if (!c->pg.on || (!last && now < c->pg.next))
		return;
	c->pg.next = now + (c->pg.tty ? 0.2 : 1.0);
	for (int i = 0; i < c->nh; i++) {
		up += c->h[i].st == HS_UP && !c->h[i].removed;
		quar += c->h[i].hl.quar_until > now && !c->h[i].removed;
	}
	snprintf(line, sizeof line, "%ld/%ld done, %ld failed, %d running, %d host%s up%s", c->ndone, n,
		 c->nfinal, running, up, up == 1 ? "" : "s", quar ? ", some quarantined" : "");
	if (c->pg.tty) {
		char bar[32];
		const int w = 20;
		const int fill = n ? (int)((c->ndone + c->nfinal) * w / n) : w;
		for (int i = 0; i < w; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[w] = '\0';
		fprintf(stderr, "\r%s: [%s] %s\033[K", sk_progname(), bar, line);
		c->pg.drawn = 1;
		if (last) {
			fputs("\r\033[K", stderr);
			c->pg.drawn = 0;
		}
		fflush(stderr);
	} else if (strcmp(line, c->pg.last) != 0 || last) {
		if (strcmp(line, c->pg.last) != 0)
			fprintf(stderr, "%s: %s\n", sk_progname(), line);
		snprintf(c->pg.last, sizeof c->pg.last, "%s", line);
	}
}

void tr_progress_clear(struct tr_ctl *c)
{
	if (!c->pg.drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	c->pg.drawn = 0;
}
