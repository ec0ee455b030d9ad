/*
 * cpus: how many CPUs this process may use.  sysconf(_SC_NPROCESSORS_ONLN)
 * counts the machine's; a batch system (Slurm's task/affinity or cgroup
 * plugins), taskset, or a container's CPU quota allows fewer.  taskrun's
 * agent offers as many slots as this says, so that an allocation of 1 CPU
 * on a 128-core node runs one task at a time, not 128.
 */
#ifndef SK_CPUS_H
#define SK_CPUS_H

/*
 * The CPUs of the affinity mask (sched_getaffinity), lowered to the CPU
 * quota of the process's cgroup and of each ancestor, whichever is lowest
 * (cgroup v2's cpu.max; v1's cpu.cfs_quota_us / cpu.cfs_period_us in the
 * cpu controller's hierarchy); at least 1.  A quota of 1.5 CPUs counts as 2: the
 * half CPU is work the slots would otherwise leave unused.
 */
int sk_cpus_usable(void);

/* The CPUs that cgroup v2 cpu.max text allows ("QUOTA PERIOD", both in
 * microseconds): ceil(QUOTA / PERIOD), at least 1; 0 for "max" (no limit);
 * -1 when the text is malformed. */
int sk_cpus_quota(const char *cpu_max);

/* The lowest limit (as sk_cpus_quota) of the cpu.max files of cgroup cg
 * (a path such as "/user.slice/job_7", as /proc/self/cgroup gives it) and
 * of its ancestors, the cgroup2 file system mounted at root; 0 when no
 * file there sets a limit or none can be read. */
int sk_cpus_cgroup(const char *root, const char *cg);

/* The same for a cgroup v1 hierarchy of the cpu controller mounted at root:
 * ceil(cpu.cfs_quota_us / cpu.cfs_period_us), a quota of -1 no limit. */
int sk_cpus_cgroup_v1(const char *root, const char *cg);

#endif
