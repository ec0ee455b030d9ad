/*
 * fdlimit: making room for many open files.  segmerge holds one descriptor
 * per input (k-way merge, stacking, reassembly of interleaved pieces) and
 * segsplit one per piece (round-robin, ranges); thousands of them exceed the
 * usual soft limit of 1024.  The soft RLIMIT_NOFILE may be raised up to the
 * hard limit without privileges; beyond that only the administrator can help.
 */
#ifndef SK_FDLIMIT_H
#define SK_FDLIMIT_H

#include "diag.h"

/* Descriptors kept free for stdio, the output, its temporary file, the
 * manifest and libraries on top of the ones asked for. */
#define SK_FDLIMIT_SPARE 16

struct sk_fdlimit {
	unsigned long old_soft;  /* soft limit before the call */
	unsigned long new_soft;  /* soft limit after it (== old_soft when not raised) */
	unsigned long hard;      /* the hard limit */
};

/*
 * Makes sure nfiles more files can be open at once (plus SK_FDLIMIT_SPARE):
 * raises the soft limit to the hard one when needed and records what it did
 * in *out (out->new_soft > out->old_soft means "raised", for the command to
 * say).  When even the hard limit is too low: SK_ESTATE with a message that
 * says how many are needed, and what to do (merge in stages, or raise the
 * hard limit with ulimit -Hn or /etc/security/limits.conf).  what names the
 * files in that message ("inputs", "pieces").
 */
int sk_fdlimit_ensure(unsigned long nfiles, const char *what, struct sk_fdlimit *out,
		      struct sk_error *err);

#endif
