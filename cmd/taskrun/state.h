/*
 * state: the state directory of a run (-s DIR).
 *
 *	DIR/lock      held (fcntl write lock) by the one controller using DIR
 *	DIR/tasks     the frozen task list (tasklist.h)
 *	DIR/journal   append-only, one event per line (journal.h)
 *	DIR/logs/T.A.err  standard error of attempt A of task T
 */
#ifndef TR_STATE_H
#define TR_STATE_H

#include "diag.h"
#include "journal.h"
#include "tasklist.h"

struct tr_state {
	char *dir;
	int lockfd;
};

/* Creates DIR (0700) or opens it, refusing one owned by another user, and
 * takes its lock (SK_ESTATE when another controller holds it). */
int tr_state_open(struct tr_state *s, const char *dir, struct sk_error *err);
/* Freezes l as DIR/tasks, or checks that it equals the frozen list.  A
 * different list is SK_ESTATE unless fresh, which moves the old list,
 * journal and logs aside (DIR/old.N/) and starts over. */
int tr_state_tasks(struct tr_state *s, const struct tr_tasklist *l, int fresh,
		   struct sk_error *err);
void tr_state_close(struct tr_state *s);
/* Whether a controller holds DIR's lock: its pid, 0 if none, or -1. */
long tr_state_holder(const char *dir);

#endif
