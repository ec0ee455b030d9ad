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

#include "diag.h"

/* Runs until the controller quits or is lost.  Returns 0 after an orderly
 * quit or end of input, or SK_EIO/SK_EFMT for a broken connection or
 * protocol error (with err set). */
int tr_agent_run(int in_fd, int out_fd, struct sk_error *err);

/*
 * "taskrun agent --send SIZE XXH64 PATH", run on a piece's holder by the
 * agent of the host that fetches it (agent_fetch.c): PATH (relative paths
 * start at $TASKRUN_KEEP_DIR, as the agent's) checked by size and xxh64,
 * then copied to standard output.  0, or the sk_error code with err set
 * (SK_ESTATE: the copy is not what the manifest says).
 */
int tr_agent_send(const char *size, const char *hash, const char *path, struct sk_error *err);

#endif
