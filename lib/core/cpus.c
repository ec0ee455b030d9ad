/* sched_getaffinity and the CPU_* macros are GNU extensions. */
#define _GNU_SOURCE
#include "cpus.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_cpus_quota(const char *text)
{
	char *e;
	long long quota, period;

	while (*text == ' ')
		text++;
	if (strncmp(text, "max", 3) == 0 && (text[3] == ' ' || text[3] == '\n' || text[3] == '\0'))
		return 0;
	errno = 0;
	quota = strtoll(text, &e, 10);
	if (e == text || errno || quota <= 0 || *e != ' ')
		return -1;
	text = e;
	period = strtoll(text, &e, 10);
	if (e == text || errno || period <= 0 || (*e != '\n' && *e != '\0'))
		return -1;
	quota = (quota + period - 1) / period;
	return quota > 1 << 20 ? 1 << 20 : (int)quota;
}

static int read_limit(const char *path)
{
	char buf[128];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return sk_cpus_quota(buf) > 0 ? sk_cpus_quota(buf) : 0;
}

int sk_cpus_cgroup(const char *root, const char *cg)
{
	const size_t nr = strlen(root);
	char *path = malloc(nr + strlen(cg) + sizeof "/cpu.max" + 1);
	int best = 0;

	if (!path)
		return 0;
	memcpy(path, root, nr);
	strcpy(path + nr, cg[0] == '/' ? cg : "/");
	if (cg[0] != '/')
		strcat(path, cg);
	/* From the cgroup up to the root of the mount. */
	for (;;) {
		size_t n = strlen(path);
		int lim;
		while (n > nr && path[n - 1] == '/')
			path[--n] = '\0';
		strcpy(path + n, "/cpu.max");
		lim = read_limit(path);
		if (lim > 0 && (best == 0 || lim < best))
			best = lim;
		path[n] = '\0';
		if (n <= nr)
			break;
		while (n > nr && path[n - 1] != '/')
			path[--n] = '\0';
	}
	free(path);
	return best;
}

/* The cgroup2 mount point and this process's cgroup below it, from
 * /proc/self/mountinfo and /proc/self/cgroup.  0 when found. */
static int own_cgroup(char *root, size_t nroot, char *cg, size_t ncg)
{
	char line[4096], mroot[1024] = "";
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(cg, ncg, "%s", line + 3);
			found = 1;
		}
	fclose(f);
	if (!found || !(f = fopen("/proc/self/mountinfo", "r")))
		return -1;
	found = 0;
	while (!found && fgets(line, sizeof line, f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE ... */
		const char *dash = strstr(line, " - cgroup2 ");
		char r[1024], mp[1024];
		if (dash && sscanf(line, "%*s %*s %*s %1023s %1023s", r, mp) == 2) {
			snprintf(root, nroot, "%s", mp);
			snprintf(mroot, sizeof mroot, "%s", r);
			found = 1;
		}
	}
	fclose(f);
	if (!found)
		return -1;
	/* In a cgroup namespace the mount's root is the cgroup's ancestor. */
	if (strcmp(mroot, "/") != 0 && strncmp(cg, mroot, strlen(mroot)) == 0)
		memmove(cg, cg + strlen(mroot), strlen(cg + strlen(mroot)) + 1);
	return 0;
}

int sk_cpus_usable(void)
{
	int n = 0, lim;
	char root[1024], cg[4096];

	for (size_t ncpu = 1024; ncpu <= 1u << 20 && n == 0; ncpu *= 2) {
		cpu_set_t *set = CPU_ALLOC(ncpu);
		const size_t sz = CPU_ALLOC_SIZE(ncpu);
		if (!set)
			break;
		CPU_ZERO_S(sz, set);
		if (sched_getaffinity(0, sz, set) == 0)
			n = CPU_COUNT_S(sz, set);
		else if (errno != EINVAL)
			ncpu = 1u << 21;
		CPU_FREE(set);
	}
	if (n <= 0)
		n = 1;
	if (own_cgroup(root, sizeof root, cg, sizeof cg) == 0 && (lim = sk_cpus_cgroup(root, cg)) > 0 &&
	    lim < n)
		n = lim;
	return n;
}
