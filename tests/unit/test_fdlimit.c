#include <string.h>
#include <sys/resource.h>

#include "check.h"
#include "fdlimit.h"

int main(void)
{
	struct sk_error err;
	struct sk_fdlimit fd;
	struct rlimit rl, low;

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	/* Nothing to do when the soft limit suffices. */
	CHECK(sk_fdlimit_ensure(10, "inputs", &fd, &err) == 0 && fd.new_soft == fd.old_soft);
	/* A low soft limit is raised to the hard one. */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > 200) {
		low = rl;
		low.rlim_cur = 100;
		CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
		CHECK(sk_fdlimit_ensure(150, "inputs", &fd, &err) == 0);
		CHECK(fd.old_soft == 100 && fd.new_soft == (unsigned long)rl.rlim_max);
		/* A low hard limit is an error that says what to do. */
		low.rlim_cur = low.rlim_max = 64;
		CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
		CHECK(sk_fdlimit_ensure(100, "inputs", &fd, &err) == SK_ESTATE);
		CHECKF(strcmp(err.msg, "100 inputs need 116 open files, but the hard limit is 64: merge in "
			       "stages of at most 48 inputs, or raise the hard limit (ulimit -Hn 116 as root, "
			       "or nofile in /etc/security/limits.conf)") == 0, "%s", err.msg);
		CHECK(sk_fdlimit_ensure(40, "inputs", &fd, &err) == 0);
	} else {
		printf("not ok - hard open-file limit %lu too low to test raising\n", (unsigned long)rl.rlim_max);
		return 1;
	}
	return test_done();
}
