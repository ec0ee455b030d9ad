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
	CHECK(tr_hostfile_parse("f", ":\nlocalhost\n", &h, &n, &err) == SK_EARG);
	CHECK(tr_hostfile_parse("f", "2/\n", &h, &n, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "line 1: no host name") == 0);
	CHECK(tr_hostfile_load("/nonexistent/hosts", &h, &n, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "/nonexistent/hosts: No such file or directory") == 0);
	return test_done();
}
