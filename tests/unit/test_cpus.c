#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cpus.h"

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int main(void)
{
	char root[] = "/tmp/test_cpus.XXXXXX", p[256];

	CHECK(sk_cpus_quota("max 100000\n") == 0);
	CHECK(sk_cpus_quota("max") == 0);
	CHECK(sk_cpus_quota("100000 100000\n") == 1);
	CHECK(sk_cpus_quota("150000 100000\n") == 2);
	CHECK(sk_cpus_quota("50000 100000") == 1);
	CHECK(sk_cpus_quota("1 100000") == 1);
	CHECK(sk_cpus_quota("400000 100000\n") == 4);
	CHECK(sk_cpus_quota("400001 100000\n") == 5);
	CHECK(sk_cpus_quota("") == -1);
	CHECK(sk_cpus_quota("maxi 100000") == -1);
	CHECK(sk_cpus_quota("100000") == -1);
	CHECK(sk_cpus_quota("-5 100000") == -1);
	CHECK(sk_cpus_quota("100000 0") == -1);
	CHECK(sk_cpus_quota("100000 100000 x") == -1);

	/* A fake cgroup2 tree: the lowest quota on the way up counts. */
	CHECK(mkdtemp(root) != NULL);
	snprintf(p, sizeof p, "%s/a/b/c", root);
	CHECK(snprintf(p, sizeof p, "%s/a", root) > 0 && mkdir(p, 0700) == 0);
	CHECK(snprintf(p, sizeof p, "%s/a/b", root) > 0 && mkdir(p, 0700) == 0);
	CHECK(snprintf(p, sizeof p, "%s/a/b/c", root) > 0 && mkdir(p, 0700) == 0);
	CHECK(sk_cpus_cgroup(root, "/a/b/c") == 0);          /* no cpu.max anywhere */
	snprintf(p, sizeof p, "%s/cpu.max", root);
	put(p, "max 100000\n");
	snprintf(p, sizeof p, "%s/a/b/c/cpu.max", root);
	put(p, "max 100000\n");
	CHECK(sk_cpus_cgroup(root, "/a/b/c") == 0);
	snprintf(p, sizeof p, "%s/a/cpu.max", root);
	put(p, "300000 100000\n");
	CHECK(sk_cpus_cgroup(root, "/a/b/c") == 3);
	CHECK(sk_cpus_cgroup(root, "/a/b/c/") == 3);
	CHECK(sk_cpus_cgroup(root, "a/b/c") == 3);
	CHECK(sk_cpus_cgroup(root, "/a") == 3);
	CHECK(sk_cpus_cgroup(root, "/") == 0);
	snprintf(p, sizeof p, "%s/a/b/cpu.max", root);
	put(p, "150000 100000\n");
	CHECK(sk_cpus_cgroup(root, "/a/b/c") == 2);
	snprintf(p, sizeof p, "%s/a/b/c/cpu.max", root);
	put(p, "50000 100000\n");
	CHECK(sk_cpus_cgroup(root, "/a/b/c") == 1);
	CHECK(sk_cpus_cgroup(root, "/a/b") == 2);
	/* A malformed file sets no limit. */
	put(p, "garbage\n");
	CHECK(sk_cpus_cgroup(root, "/a/b/c") == 2);
	CHECK(sk_cpus_cgroup(root, "/nonexistent/x") == 0);

	/* A fake cgroup v1 cpu hierarchy: cpu.cfs_quota_us over
	 * cpu.cfs_period_us, -1 no limit, the lowest on the way up. */
	snprintf(p, sizeof p, "%s/a/b/c/cpu.cfs_quota_us", root);
	put(p, "-1\n");
	snprintf(p, sizeof p, "%s/a/b/c/cpu.cfs_period_us", root);
	put(p, "100000\n");
	CHECK(sk_cpus_cgroup_v1(root, "/a/b/c") == 0);
	snprintf(p, sizeof p, "%s/a/cpu.cfs_quota_us", root);
	put(p, "250000\n");
	CHECK(sk_cpus_cgroup_v1(root, "/a/b/c") == 0); /* no period beside it */
	snprintf(p, sizeof p, "%s/a/cpu.cfs_period_us", root);
	put(p, "100000\n");
	CHECK(sk_cpus_cgroup_v1(root, "/a/b/c") == 3);
	snprintf(p, sizeof p, "%s/a/cpu.cfs_quota_us", root);
	put(p, "250000"); /* no newline */
	CHECK(sk_cpus_cgroup_v1(root, "/a/b/c") == 3);
	snprintf(p, sizeof p, "%s/a/b/c/cpu.cfs_quota_us", root);
	put(p, "100000\n");
	CHECK(sk_cpus_cgroup_v1(root, "/a/b/c") == 1);
	CHECK(sk_cpus_cgroup_v1(root, "/a/b") == 3);
	put(p, "150000\n");
	CHECK(sk_cpus_cgroup_v1(root, "/a/b/c") == 2);
	snprintf(p, sizeof p, "%s/a/b/c/cpu.cfs_period_us", root);
	put(p, "x\n");
	CHECK(sk_cpus_cgroup_v1(root, "/a/b/c") == 3);
	CHECK(sk_cpus_cgroup_v1(root, "/nonexistent") == 0);

	/* This process: at least one CPU, at most the affinity mask's. */
	CHECK(sk_cpus_usable() >= 1);
	CHECK(sk_cpus_usable() <= sysconf(_SC_NPROCESSORS_ONLN));

	snprintf(p, sizeof p, "rm -rf '%s'", root);
	CHECK(system(p) == 0);
	return test_done();
}
