#include "fdlimit.h"

#include <sys/resource.h>

int sk_fdlimit_ensure(unsigned long nfiles, const char *what, struct sk_fdlimit *out,
		      struct sk_error *err)
{
	struct rlimit rl;
	const unsigned long need = nfiles + SK_FDLIMIT_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return sk_error_sys(err, "getrlimit(RLIMIT_NOFILE)");
	out->old_soft = out->new_soft = (unsigned long)rl.rlim_cur;
	out->hard = (unsigned long)rl.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return sk_error_set(err, SK_ESTATE,
				    "%lu %s need %lu open files, but the hard limit is %lu: "
				    "merge in stages of at most %lu %s, or raise the hard limit "
				    "(ulimit -Hn %lu as root, or nofile in /etc/security/limits.conf)",
				    nfiles, what, need, (unsigned long)rl.rlim_max,
				    rl.rlim_max > SK_FDLIMIT_SPARE ? (unsigned long)rl.rlim_max - SK_FDLIMIT_SPARE : 1UL,
				    what, need);
	/* Raise to the hard limit, not just to need: later stages (the output's
	 * temporary file, libraries) should not trip over a tight limit. */
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? (rlim_t)need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return sk_error_sys(err, "setrlimit(RLIMIT_NOFILE, %lu)", (unsigned long)rl.rlim_cur);
	out->new_soft = (unsigned long)rl.rlim_cur;
	return 0;
}
