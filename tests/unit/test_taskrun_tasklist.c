/* taskrun's task list: its frozen text (DIR/tasks) and back, the optional
 * fields only on the tasks that have them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/tasklist.h"
#include "check.h"

/* Many tasks: their strings packed one after another in blocks (no
 * malloc each), intact, a string longer than a block in one of its own,
 * and the list released (valgrind and ASan see the blocks freed). */
static void test_blocks(void)
{
	struct tr_tasklist l = {0};
	char buf[80], *big = malloc(100000);
	long packed = 0, bad = 0;
	const long n = 30000;

	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'x', 99999);
	big[99999] = '\0';
	for (long i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "true %ld", i);
		if (i == n / 2)
			bad += tr_tasklist_add(&l, strdup(big), NULL, strdup("o")) != 0;
		else
			bad += tr_tasklist_add(&l, strdup(buf), i % 3 ? NULL : strdup("in"), NULL) != 0;
	}
	CHECK(bad == 0 && l.n == n);
	for (long i = 0; i < n; i++) {
		const struct tr_task *t = &l.t[i];
		if (i == n / 2) {
			CHECK(strcmp(t->cmd, big) == 0 && strcmp(t->out, "o") == 0 && t->in == NULL);
			continue;
		}
		snprintf(buf, sizeof buf, "true %ld", i);
		bad += strcmp(t->cmd, buf) != 0 || (i % 3 ? t->in != NULL : strcmp(t->in, "in") != 0) ||
		       t->out != NULL;
		/* The next task's command right after this task's strings,
		 * unless a block ended. */
		if (i + 1 < n && i + 1 != n / 2 && i != n / 2)
			packed += l.t[i + 1].cmd == (t->in ? t->in + 3 : t->cmd + strlen(t->cmd) + 1);
	}
	CHECKF(bad == 0, "%ld tasks with other strings", bad);
	/* About 12 bytes a task: 64 KiB blocks hold ~5,000 tasks; the
	 * long string's block comes behind the current one, so the tasks
	 * around it stay packed too. */
	CHECKF(packed > n - 2 - 20, "%ld of %ld packed", packed, n - 3);
	tr_tasklist_release(&l);
	CHECK(l.n == 0 && l.t == NULL && l.blk == NULL);
	free(big);
}

int main(void)
{
	struct tr_tasklist l = {0}, back;
	struct sk_error err;
	char *text;

	CHECK(tr_tasklist_add(&l, strdup("echo 'a\tb'\nx \\ y"), NULL, strdup("out/1")) == 0);
	CHECK(tr_tasklist_add(&l, strdup("true"), strdup("in 2"), NULL) == 0);
	text = tr_tasklist_format(&l);
	CHECK(text && strcmp(text, "taskrun tasks 1\necho 'a\\tb'\\nx \\\\ y\t\tout/1\ntrue\tin 2\t\n") == 0);
	CHECK(tr_tasklist_parse(text, &back, &err) == 0 && back.n == 2);
	CHECK(strcmp(back.t[0].cmd, l.t[0].cmd) == 0 && back.t[0].in == NULL && strcmp(back.t[0].out, "out/1") == 0);
	CHECK(strcmp(back.t[1].in, "in 2") == 0 && back.t[1].out == NULL);
	tr_tasklist_release(&back);
	/* A --keep path is a fourth field, only on the tasks that have one. */
	CHECK((l.t[1].keep = strdup("k/2\tx")) != NULL);
	free(text);
	text = tr_tasklist_format(&l);
	CHECK(text && strcmp(text, "taskrun tasks 1\necho 'a\\tb'\\nx \\\\ y\t\tout/1\ntrue\tin 2\t\tk/2\\tx\n") == 0);
	CHECK(tr_tasklist_parse(text, &back, &err) == 0 && back.n == 2);
	CHECK(back.t[0].keep == NULL && strcmp(back.t[1].keep, "k/2\tx") == 0 && back.t[1].out == NULL);
	tr_tasklist_release(&back);
	/* --where and --apart: a fifth and sixth field (the fourth then
	 * always there, empty without --keep); a list without them reads as
	 * before. */
	CHECK((l.t[0].where = strdup("node1,node2")) != NULL && (l.t[0].apart = strdup("7")) != NULL);
	free(text);
	text = tr_tasklist_format(&l);
	CHECK(text && strcmp(text, "taskrun tasks 1\necho 'a\\tb'\\nx \\\\ y\t\tout/1\t\tnode1,node2\t7\n"
				   "true\tin 2\t\tk/2\\tx\n") == 0);
	CHECK(tr_tasklist_parse(text, &back, &err) == 0 && back.n == 2);
	CHECK(back.t[0].keep == NULL && strcmp(back.t[0].where, "node1,node2") == 0 &&
	      strcmp(back.t[0].apart, "7") == 0 && strcmp(back.t[0].out, "out/1") == 0);
	CHECK(back.t[1].where == NULL && back.t[1].apart == NULL && strcmp(back.t[1].keep, "k/2\tx") == 0);
	tr_tasklist_release(&back);
	/* Five fields: a where without its apart is malformed. */
	CHECK(tr_tasklist_parse("taskrun tasks 1\nc\t\t\tk\tnode1\n", &back, &err) == SK_EFMT);
	CHECK(tr_tasklist_parse("taskrun tasks 1\nno tabs\n", &back, &err) == SK_EFMT);
	CHECK(tr_tasklist_parse("other\n", &back, &err) == SK_EFMT);
	tr_tasklist_release(&l);
	free(text);
	test_blocks();
	return test_done();
}
