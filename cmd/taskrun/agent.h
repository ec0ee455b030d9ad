/*
 * agent: the per-host end of taskrun ("taskrun agent").  Speaks the framed
 * protocol of proto.c on in_fd/out_fd (its stdin and stdout), runs each task
 * in its own process group, streams the task's stdin, stdout and stderr, and
 * reports its exit status and resource use.  It kills every task's process
 * group when the controller cancels it, when the connection closes, and when
 * no frame arrives for the lease time, so no task outlives a lost link.
 */
#ifndef TR_AGENT_H
#define TR_AGENT_H

#include <stdio.h>

#include "diag.h"

/* Runs until the controller quits or is lost.  Returns 0 after an orderly
 * quit or end of input, or SK_EIO/SK_EFMT for a broken connection or
 * protocol error (with err set). */
int tr_agent_run(int in_fd, int out_fd, struct sk_error *err);

/*
 * "taskrun agent --serve", started on a piece's holder, through the
 * launcher, once by each agent that fetches pieces from it (agent_fetch.c):
 * reads requests from in, one a line, "SIZE XXH64 PATH" (decimal bytes, 16
 * hex digits, the piece's path there: relative paths start at
 * $TASKRUN_KEEP_DIR, as the agent's), and answers each on out, in order,
 * after checking the file's size and xxh64: "ok SIZE" on a line and then
 * the SIZE bytes of the file; "bad FILE: MESSAGE" when the copy is missing
 * or not what the request says (the runner's task reads another copy);
 * "fail FILE: MESSAGE" when it cannot be read (the runner has the piece
 * relayed).  Returns 0 at the end of in, or SK_EARG for a request that is
 * not one, SK_EIO when out cannot be written or a file fails midway (the
 * stream then cannot go on), with err set.
 */
int tr_agent_serve(FILE *in, FILE *out, struct sk_error *err);

#endif
