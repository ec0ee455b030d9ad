/*
 * scatter: segsplit --hosts.  The pieces of a finished split (in DIR, with
 * DIR/manifest.yaml) are streamed to the hosts of a taskrun host file, each
 * copy once, through taskrun's own agents: segsplit runs
 *
 *	taskrun -H FILE -s DIR/.scatter --stdin PIECE --keep RDIR/NAME
 *	        --where HOST --apart GROUP cat
 *
 * one task per copy of a piece, so that the launcher, the agent protocol,
 * retries, lost hosts and the journal are taskrun's (no second ssh layer).
 * Each copy has a planned host (scatter_plan: spread by slot count, the
 * copies of a piece on different hosts); taskrun puts it there when that host
 * has a free slot, else after --locality-wait on another host that holds no
 * copy of the piece (--apart).  segsplit then reads where each copy went
 * (taskrun kept DIR/.scatter), checks its size and xxh64 against the
 * manifest, writes the manifest with the locations (version 2) and removes
 * the local pieces.  Until then DIR holds the whole local split: a scatter
 * that fails leaves it as it was, and the same command resumes it.
 */
#ifndef SEGSPLIT_SCATTER_H
#define SEGSPLIT_SCATTER_H

#include <stddef.h>

#include "diag.h"

/*
 * The plan: the host of copy c of piece i is out[i * copies + c], a host
 * index in 0..nhosts-1.  Hosts take pieces in proportion to their weights
 * (slots; smooth weighted round robin, so a host's pieces are spread over
 * the sequence, not in one run), and the copies of a piece go to different
 * hosts.  Needs 1 <= copies <= nhosts and weights >= 1.
 */
void scatter_plan(const int *weights, int nhosts, size_t npieces, int copies, int *out);

struct scatter_opts {
	const char *dir;        /* the split's directory (pieces and manifest) */
	const char *hostfile;   /* --hosts FILE */
	const char *rdir;       /* the pieces' directory on the hosts */
	int copies;             /* --copies */
	const char *ssh;        /* --ssh, or NULL */
	const char *agent;      /* --agent, or NULL */
	const char *taskrun;    /* the taskrun program */
};

/*
 * Checks the host file before the split: readable, hosts that can hold
 * pieces (no local slots, no slurm line), at least copies of them.
 * Returns 0, SK_EIO, or SK_EUSAGE/SK_EARG with err set (naming the file).
 */
int scatter_check(const struct scatter_opts *o, struct sk_error *err);

/* Scatters the split in o->dir whose manifest is m (as the split made it;
 * its locations are added here).  Returns 0, or an error with err set
 * (SK_EIO, SK_ESTATE when a copy does not match its piece). */
struct sk_manifest;
int scatter_run(const struct scatter_opts *o, struct sk_manifest *m, struct sk_error *err);

#endif
