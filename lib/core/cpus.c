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

static int read_text(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t k;

	if (!f)
		return -1;
	k = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[k] = '\0';
	return 0;
}

/* The limit set in the cgroup directory dir (a path with room for the file
 * name after it): cpu.max in v2; cpu.cfs_quota_us and cpu.cfs_period_us in
 * v1, where a quota of -1 means no limit. */
static int read_limit(char *dir, size_t n, int v1)
{
	char buf[128], period[64];
	int lim;

	if (!v1) {
		strcpy(dir + n, "/cpu.max");
		lim = read_text(dir, buf, sizeof buf) == 0 ? sk_cpus_quota(buf) : 0;
	} else {
		strcpy(dir + n, "/cpu.cfs_quota_us");
		lim = 0;
		if (read_text(dir, buf, 64) == 0 && strtoll(buf, NULL, 10) > 0) {
			strcpy(dir + n, "/cpu.cfs_period_us");
			if (read_text(dir, period, sizeof period) == 0) {
				const size_t k = strcspn(buf, "\n");
				buf[k] = ' ';
				buf[k + 1] = '\0';
				strcat(buf, period);
				lim = sk_cpus_quota(buf);
			}
		}
	}
	dir[n] = '\0';
	return lim > 0 ? lim : 0;
}

static int cgroup_limit(const char *root, const char *cg, int v1)
{
	const size_t nr = strlen(root);
	char *path = malloc(nr + strlen(cg) + sizeof "/cpu.cfs_period_us" + 1);
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
		lim = read_limit(path, n, v1);
		if (lim > 0 && (best == 0 || lim < best))
			best = lim;
		if (n <= nr)
			break;
		while (n > nr && path[n - 1] != '/')
			path[--n] = '\0';
	}
	free(path);
	return best;
}

int sk_cpus_cgroup(const char *root, const char *cg)
{
	return cgroup_limit(root, cg, 0);
}

int sk_cpus_cgroup_v1(const char *root, const char *cg)
{
	return cgroup_limit(root, cg, 1);
}

/* Whether the comma-separated list (ending at a space, ':' or the end)
 * holds the word w. */
static int has_word(const char *list, const char *w)
{
	const size_t nw = strlen(w);

	for (const char *p = list;; p++) {
		const size_t n = strcspn(p, ", :\n");
		if (n == nw && strncmp(p, w, n) == 0)
			return 1;
		p += n;
		if (*p != ',')
			return 0;
	}
}

/* This process's cgroup and the mount point of its hierarchy, from
 * /proc/self/cgroup and /proc/self/mountinfo: the cgroup2 one, or with v1
 * the v1 hierarchy of the cpu controller.  0 when found. */
static int own_cgroup(int v1, char *root, size_t nroot, char *cg, size_t ncg)
{
	char line[4096], mroot[1024] = "";
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		/* ID:CONTROLLERS:PATH; v2's ID is 0 and its controllers empty. */
		char *c = strchr(line, ':'), *p = c ? strchr(c + 1, ':') : NULL;
		if (!p || (v1 ? !has_word(c + 1, "cpu") : strncmp(line, "0::", 3) != 0))
			continue;
		p[1 + strcspn(p + 1, "\n")] = '\0';
		snprintf(cg, ncg, "%s", p + 1);
		found = 1;
	}
	fclose(f);
	if (!found || !(f = fopen("/proc/self/mountinfo", "r")))
		return -1;
	found = 0;
	while (!found && fgets(line, sizeof line, f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER */
		const char *dash = strstr(line, v1 ? " - cgroup " : " - cgroup2 ");
		char r[1024], mp[1024], super[1024];
		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", r, mp) != 2)
			continue;
		if (v1 && (sscanf(dash, " - %*s %*s %1023s", super) != 1 || !has_word(super, "cpu")))
			continue;
		snprintf(root, nroot, "%s", mp);
		snprintf(mroot, sizeof mroot, "%s", r);
		found = 1;
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
	/* A machine may have both hierarchies (the cpu controller on v1 and
	 * an empty v2): the lower limit of the two counts. */
	for (int v1 = 0; v1 <= 1; v1++)
		if (own_cgroup(v1, root, sizeof root, cg, sizeof cg) == 0 &&
		    (lim = cgroup_limit(root, cg, v1)) > 0 && lim < n)
			n = lim;
	return n;
}
