/* segsplit --hosts: the placement plan of the pieces' copies. */
#include <string.h>

#include "../../cmd/segsplit/scatter.h"
#include "check.h"

/* Copies per host of a plan. */
static void count(const int *plan, size_t n, int *per, int nh)
{
	memset(per, 0, (size_t)nh * sizeof *per);
	for (size_t i = 0; i < n; i++)
		per[plan[i]]++;
}

int main(void)
{
	int plan[600], per[4];
	const int equal[3] = {1, 1, 1}, slots[3] = {2, 1, 1}, big[4] = {4, 1, 2, 1};

	/* Equal hosts, one copy: plain round robin. */
	scatter_plan(equal, 3, 7, 1, plan);
	CHECK(plan[0] == 0 && plan[1] == 1 && plan[2] == 2 && plan[3] == 0 && plan[6] == 0);

	/* By slot count: 2:1:1, and the two-slot host's pieces spread over
	 * the sequence (smooth weighted round robin: a b a c a b a c ...). */
	scatter_plan(slots, 3, 8, 1, plan);
	CHECK(plan[0] == 0 && plan[1] == 1 && plan[2] == 2 && plan[3] == 0 && plan[4] == 0 && plan[5] == 1);
	count(plan, 8, per, 3);
	CHECK(per[0] == 4 && per[1] == 2 && per[2] == 2);

	/* Two copies: never twice on one host, and still by slots. */
	scatter_plan(slots, 3, 40, 2, plan);
	for (int i = 0; i < 40; i++)
		CHECK(plan[2 * i] != plan[2 * i + 1]);
	count(plan, 80, per, 3);
	CHECKF(per[0] == 40 && per[1] == 20 && per[2] == 20, "%d %d %d", per[0], per[1], per[2]);

	/* Three copies on three hosts: every host holds every piece. */
	scatter_plan(equal, 3, 5, 3, plan);
	for (int i = 0; i < 5; i++)
		CHECK(plan[3 * i] + plan[3 * i + 1] + plan[3 * i + 2] == 3 && plan[3 * i] != plan[3 * i + 1] &&
		      plan[3 * i] != plan[3 * i + 2] && plan[3 * i + 1] != plan[3 * i + 2]);

	/* 4:1:2:1 over 200 single copies: exact shares. */
	scatter_plan(big, 4, 200, 1, plan);
	count(plan, 200, per, 4);
	CHECK(per[0] == 100 && per[1] == 25 && per[2] == 50 && per[3] == 25);
	/* With two copies a host can hold at most one copy of each piece:
	 * the 4-slot host takes every piece's first copy. */
	scatter_plan(big, 4, 200, 2, plan);
	count(plan, 400, per, 4);
	CHECKF(per[0] == 200 && per[1] + per[2] + per[3] == 200 && per[2] > per[1] && per[2] > per[3],
	       "%d %d %d %d", per[0], per[1], per[2], per[3]);
	for (int i = 0; i < 200; i++)
		CHECK(plan[2 * i] != plan[2 * i + 1]);
	return test_done();
}
