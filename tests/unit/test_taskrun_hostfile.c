#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/hostfile.h"
#include "check.h"

int main(void)
{
	struct tr_hostent *h;
	struct sk_error err;
	int n;

	CHECK(tr_hostfile_parse("f", "# hosts\n4/node1\n\n  node2  \n:\n2/user@node3\n-p 2222 node4\n", &h, &n, &err) == 0);
	CHECK(n == 5);
	CHECK(strcmp(h[0].name, "node1") == 0 && h[0].slots == 4 && !h[0].local);
	CHECK(strcmp(h[1].name, "node2") == 0 && h[1].slots == 0);
	CHECK(strcmp(h[2].name, ":") == 0 && h[2].local && h[2].slots == 0);
	CHECK(strcmp(h[3].name, "user@node3") == 0 && h[3].slots == 2);
	CHECK(strcmp(h[4].name, "-p 2222 node4") == 0);
	tr_hostfile_free(h, n);

	CHECK(tr_hostfile_parse("f", "3/localhost\r\n", &h, &n, &err) == 0 && n == 1 && h[0].local &&
	      h[0].slots == 3 && strcmp(h[0].name, ":") == 0);
	tr_hostfile_free(h, n);
	CHECK(tr_hostfile_parse("f", "", &h, &n, &err) == 0 && n == 0);
	tr_hostfile_free(h, n);

	CHECK(tr_hostfile_parse("f", "node1\n0/node2\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 2: invalid slot count '0' (expected an integer in 1..100000)") == 0);
	CHECK(tr_hostfile_parse("f", "node1\nnode1\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 2: host 'node1' listed twice") == 0);
	/* The local host is one host: its lines merge, slots summed. */
	CHECK(tr_hostfile_parse("f", "2/:\nnode1\n1/localhost\n", &h, &n, &err) == 0 && n == 2);
	CHECK(strcmp(h[0].name, ":") == 0 && h[0].local && h[0].slots == 3);
	CHECK(strcmp(h[1].name, "node1") == 0 && !h[1].local && h[1].slots == 0);
	tr_hostfile_free(h, n);
	CHECK(tr_hostfile_parse("f", ":\n2/localhost\n", &h, &n, &err) == 0 && n == 1 && h[0].local &&
	      h[0].slots == 0);
	tr_hostfile_free(h, n);

	/* "slurm": the nodes of the allocation, from the environment. */
	unsetenv("SLURM_JOB_NODELIST");
	unsetenv("SLURM_JOB_CPUS_PER_NODE");
	CHECK(tr_hostfile_parse("f", "node1\nslurm\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 2: slurm: SLURM_JOB_NODELIST is not set: not inside a Slurm allocation") == 0);
	setenv("SLURM_JOB_NODELIST", "n[1-3]", 1);
	CHECK(tr_hostfile_parse("f", "slurm\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 1: slurm: SLURM_JOB_CPUS_PER_NODE is not set: not inside a Slurm allocation") == 0);
	setenv("SLURM_JOB_CPUS_PER_NODE", "2(x2),1", 1);
	CHECK(tr_hostfile_parse("f", "2/:\nslurm\n", &h, &n, &err) == 0 && n == 4);
	CHECK(h[0].local && !h[0].slurm && h[0].slots == 2);
	CHECK(strcmp(h[1].name, "n1") == 0 && h[1].slurm && !h[1].local && h[1].slots == 2);
	CHECK(strcmp(h[2].name, "n2") == 0 && h[2].slurm && h[2].slots == 2);
	CHECK(strcmp(h[3].name, "n3") == 0 && h[3].slurm && h[3].slots == 1);
	tr_hostfile_free(h, n);
	CHECK(tr_hostfile_parse("f", "4/slurm\n", &h, &n, &err) == 0 && n == 3 && h[0].slots == 4 &&
	      h[1].slots == 4 && h[2].slots == 4 && h[2].slurm);
	tr_hostfile_free(h, n);
	CHECK(tr_hostfile_parse("f", "n2\nslurm\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 2: host 'n2' listed twice") == 0);
	setenv("SLURM_JOB_CPUS_PER_NODE", "2(x2)", 1);
	CHECK(tr_hostfile_parse("f", "\nslurm\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 2: slurm: SLURM_JOB_CPUS_PER_NODE: '2(x2)' gives 2 CPU counts for 3 nodes") == 0);
	setenv("SLURM_JOB_NODELIST", "n[1-3", 1);
	CHECK(tr_hostfile_parse("f", "slurm\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 1: slurm: SLURM_JOB_NODELIST: invalid hostlist 'n[1-3': unbalanced '['") == 0);
	CHECK(tr_hostfile_parse("f", "2/\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 1: no host name") == 0);
	CHECK(tr_hostfile_load("/nonexistent/hosts", &h, &n, &err) == SK_EIO);
	CHECK(strcmp(err.file, "/nonexistent/hosts") == 0 && strcmp(err.msg, "No such file or directory") == 0);
	/* 20,000 hosts (the duplicate check is a map): every one in order,
	 * then the same with host 7 again on the last line. */
	{
		enum { N = 20000 };
		char *text = malloc((size_t)N * 16 + 32), *p = text;
		int bad = 0;
		for (int i = 1; i <= N; i++)
			p += sprintf(p, "%d/host%d\n", 1 + i % 4, i);
		CHECK(tr_hostfile_parse("f", text, &h, &n, &err) == 0 && n == N);
		for (int i = 0; i < n; i++) {
			char want[32];
			snprintf(want, sizeof want, "host%d", i + 1);
			bad += strcmp(h[i].name, want) != 0 || h[i].slots != 1 + (i + 1) % 4;
		}
		CHECK(bad == 0);
		tr_hostfile_free(h, n);
		strcpy(p, "host7\n");
		CHECK(tr_hostfile_parse("f", text, &h, &n, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "line 20001: host 'host7' listed twice") == 0);
		free(text);
	}
	/* A local line called localhost is ":", so a node of that name may
	 * follow it; the local lines still merge around other hosts. */
	CHECK(tr_hostfile_parse("f", "1/localhost\nnode1\n2/:\n", &h, &n, &err) == 0 && n == 2);
	CHECK(strcmp(h[0].name, ":") == 0 && h[0].local && h[0].slots == 3);
	tr_hostfile_free(h, n);
	return test_done();
}
