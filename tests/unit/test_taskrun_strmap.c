/* taskrun's string map (host names): exact lookups against a plain table,
 * names that differ in one byte or only in length, the empty name,
 * replacement, and growth past many sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/strmap.h"
#include "check.h"

int main(void)
{
	struct tr_strmap m;
	long v = -7, bad = 0;
	char name[64];

	tr_strmap_init(&m);
	CHECK(tr_strmap_get(&m, "host1", &v) == 0 && v == -7);
	CHECK(tr_strmap_put(&m, "host1", 1) == 0);
	CHECK(tr_strmap_put(&m, "host10", 10) == 0);
	CHECK(tr_strmap_put(&m, "", 0) == 0);
	CHECK(tr_strmap_put(&m, "-p 2222 node4", 4) == 0);
	CHECK(tr_strmap_get(&m, "host1", &v) == 1 && v == 1);
	CHECK(tr_strmap_get(&m, "host10", &v) == 1 && v == 10);
	CHECK(tr_strmap_get(&m, "", &v) == 1 && v == 0);
	CHECK(tr_strmap_get(&m, "-p 2222 node4", &v) == 1 && v == 4);
	CHECK(tr_strmap_get(&m, "host", NULL) == 0);
	CHECK(tr_strmap_get(&m, "host100", NULL) == 0);
	CHECK(tr_strmap_get(&m, "Host1", NULL) == 0);
	CHECK(tr_strmap_put(&m, "host1", 11) == 0);    /* replaces */
	CHECK(tr_strmap_get(&m, "host1", &v) == 1 && v == 11 && m.n == 4);
	tr_strmap_release(&m);
	CHECK(m.n == 0 && m.cap == 0);

	/* 100,000 names host1 ... host100000, then each looked up, and names
	 * never put. */
	tr_strmap_init(&m);
	for (long i = 1; i <= 100000; i++) {
		snprintf(name, sizeof name, "host%ld", i);
		bad += tr_strmap_put(&m, name, i * 3) != 0;
	}
	CHECK(bad == 0 && m.n == 100000);
	CHECK(m.cap == 262144);
	for (long i = 1; i <= 100000; i++) {
		snprintf(name, sizeof name, "host%ld", i);
		bad += tr_strmap_get(&m, name, &v) != 1 || v != i * 3;
		snprintf(name, sizeof name, "host%ld.", i);
		bad += tr_strmap_get(&m, name, NULL) != 0;
	}
	CHECKF(bad == 0, "%ld wrong lookups", bad);
	CHECK(tr_strmap_get(&m, "host0", NULL) == 0 && tr_strmap_get(&m, "host100001", NULL) == 0);
	tr_strmap_release(&m);
	return test_done();
}
