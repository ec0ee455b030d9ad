/* Grouping of input records into tasks under GNU parallel's -N, -n, -X, -m
 * and --xargs.  Every expected split and command line here was printed by
 * GNU parallel 20221122 (--dry-run, its --max-chars) for the same input;
 * tests/cli/taskrun_parallel.bats runs such command lines through both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/group.h"
#include "../../cmd/taskrun/tmpl.h"
#include "check.h"

/* Splits the records of one input each, words of list (separated by
 * blanks), and compares the counts with want ("7 5 5 3"). */
static int splits(const struct tr_group *g, const char *tmpl, const char *list, const char *want)
{
	char *copy = strdup(list), *save = NULL, got[512] = "";
	const char *args[256];
	long off[257], *count = NULL, ntask = 0, n = 0;
	struct sk_error err;
	int ok;

	for (char *w = strtok_r(copy, " ", &save); w && n < 256; w = strtok_r(NULL, " ", &save)) {
		off[n] = n;
		args[n++] = w;
	}
	off[n] = n;
	memset(&err, 0, sizeof err);
	if (tr_group_split(g, tmpl, NULL, 1, args, off, n, 1, &count, &ntask, &err) != 0) {
		printf("# %s: %s\n", tmpl, err.msg);
		free(copy);
		return 0;
	}
	for (long t = 0; t < ntask; t++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%ld", t ? " " : "", count[t]);
	ok = strcmp(got, want) == 0;
	if (!ok)
		printf("# '%s' over '%s' gave '%s', want '%s'\n", tmpl, list, got, want);
	free(count);
	free(copy);
	return ok;
}

/* The message of a split that fails. */
static int fails(const struct tr_group *g, const char *tmpl, const char *list, const char *want)
{
	char *copy = strdup(list), *save = NULL;
	const char *args[64];
	long off[65], *count = NULL, ntask = 0, n = 0;
	struct sk_error err;
	int rc, ok;

	for (char *w = strtok_r(copy, " ", &save); w && n < 64; w = strtok_r(NULL, " ", &save)) {
		off[n] = n;
		args[n++] = w;
	}
	off[n] = n;
	memset(&err, 0, sizeof err);
	rc = tr_group_split(g, tmpl, NULL, 1, args, off, n, 1, &count, &ntask, &err);
	ok = rc == SK_EFMT && strcmp(err.msg, want) == 0 && !count;
	if (!ok)
		printf("# '%s': rc %d '%s', want '%s'\n", tmpl, rc, err.msg, want);
	free(count);
	free(copy);
	return ok;
}

static int expands(const char *tmpl, const char *const *args, int n, int context, int noarg, const char *want)
{
	char *s = tr_tmpl_expandg(tmpl, NULL, args, n, 7, 1, context, noarg);
	const int ok = s && strcmp(s, want) == 0;

	if (!ok)
		printf("# '%s' gave '%s', want '%s'\n", tmpl, s ? s : "(null)", want);
	free(s);
	return ok;
}

int main(void)
{
	static const char *const abc[] = {"a", "b c", "d.x"};
	const char *twenty = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20";
	struct tr_group g = {0, 0, 1, 1, 1, 20};

	/* -X -j 1 --max-chars 20: "echo 1 2 3 4 5 6 7" is 18 bytes, with 8
	 * it would be 20. */
	CHECK(splits(&g, "echo {}", twenty, "7 5 5 3"));
	/* -j 2: the last task's 3 spread over two slots. */
	g.slots = 2;
	CHECK(splits(&g, "echo {}", twenty, "7 5 5 2 1"));
	/* Spread once, and every task after it takes no more. */
	g.max_chars = 64035;
	g.slots = 3;
	CHECK(splits(&g, "echo {}", "a b c d e f g", "3 3 1"));
	g.slots = 10;
	CHECK(splits(&g, "echo {}", "a b c", "1 1 1"));
	/* -m counts {} once with the blanks between inputs: the same here. */
	g.context = 0;
	g.slots = 1;
	g.max_chars = 20;
	CHECK(splits(&g, "echo {}", twenty, "7 5 5 3"));
	/* Context: "x{}y" written per input costs 2 more each. */
	g.context = 1;
	CHECK(splits(&g, "echo x{}y", twenty, "3 3 3 3 3 3 2"));
	g.context = 0;
	CHECK(splits(&g, "echo x{}y", twenty, "6 5 4 4 1"));
	/* --xargs: no spread. */
	g.spread = 0;
	g.slots = 4;
	CHECK(splits(&g, "echo {}", "1 2 3 4 5", "5"));
	/* -N 2 and -n 2: two per task, the last shorter. */
	g.max_args = 2;
	g.max_chars = 64035;
	g.context = 1;
	CHECK(splits(&g, "echo {1}-{2}", "a b c d e", "2 2 1"));
	/* -X with -n 2: the spread at the end takes over (parallel's rule). */
	g.spread = 1;
	g.slots = 2;
	CHECK(splits(&g, "echo {}", "1 2 3 4", "2 1 1"));
	/* -N 0: one task per record. */
	g.noarg = 1;
	g.max_args = 0;
	g.spread = 0;
	CHECK(splits(&g, "echo x", "a b c", "1 1 1"));
	/* One input too long alone. */
	memset(&g, 0, sizeof g);
	g.max_chars = 12;
	g.slots = 1;
	CHECK(fails(&g, "echo {}", "ab abcdefgh", "command line too long (13 >= 12, --max-chars) at input 2: abcdefgh"));

	/* Expansion: context, as parallel's -X and -N. */
	CHECK(expands("echo pre{}post {#}", abc, 3, 1, 0, "echo preapost pre'b c'post pred.xpost 7"));
	CHECK(expands("echo pre{}post {#}", abc, 3, 0, 0, "echo prea 'b c' d.xpost 7"));
	CHECK(expands("echo {1} {3.} {-2}", abc, 3, 1, 0, "echo a d 'b c'"));
	CHECK(expands("cp {} {/.}.o", abc, 3, 1, 0, "cp a 'b c' d.x a.o 'b c'.o d.o"));
	CHECK(expands("echo {4}x", abc, 3, 1, 0, "echo x"));
	CHECK(expands("a\t{}", abc, 2, 1, 0, "a\ta 'b c'"));
	/* -N 0: nothing for each input, blanks between them. */
	CHECK(expands("echo x {}", abc, 1, 0, 1, "echo x "));
	CHECK(expands("echo x {}", abc, 2, 0, 1, "echo x  "));
	CHECK(expands("echo x{}y", abc, 2, 1, 1, "echo xy xy"));
	return test_done();
}
