/* taskrun's input pieces (--input-manifest): field 7 of the task list, the
 * holder lookup, the marker substitution, and the task list round trip. */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/piece.h"
#include "../../cmd/taskrun/state.h"
#include "../../cmd/taskrun/tmpl.h"
#include "check.h"

static void test_format_parse(void)
{
	const char *at[] = {"node1:parts/part-000001.sgy", "cut1:/scratch/x/part-000001.sgy"};
	const char *bad1[] = {"node1parts/part-000001.sgy"};
	const char *bad2[] = {"node1:parts/other.sgy"};
	const char *bad3[] = {"node1:parts/xpart-000001.sgy"};
	const char *bad4[] = {"a,b:part-000001.sgy"};
	const char *ok1[] = {"n:part-000001.sgy"};
	char *s, *h;
	struct tr_piece p;
	struct sk_error e;

	CHECK(tr_piece_format(7600, 0x0123456789abcdefULL, "sub/part-000001.sgy", at, 2, NULL, &s, &e) == 0);
	CHECK(strcmp(s, "7600 0123456789abcdef part-000001.sgy\nnode1:parts/part-000001.sgy\n"
		     "cut1:/scratch/x/part-000001.sgy") == 0);
	CHECK(tr_piece_parse(s, &p) == 0);
	CHECK(p.size == 7600 && strcmp(p.hash, "0123456789abcdef") == 0);
	CHECK(p.namelen == 15 && strncmp(p.name, "part-000001.sgy", 15) == 0);
	CHECK(p.nloc == 2);
	CHECK(p.hostlen[1] == 4 && strncmp(p.host[1], "cut1", 4) == 0);
	CHECK(p.pathlen[1] == 26 && strncmp(p.path[1], "/scratch/x/part-000001.sgy", 26) == 0);
	CHECK(tr_piece_on(&p, "node1") == 0 && tr_piece_on(&p, "cut1") == 1);
	CHECK(tr_piece_on(&p, "node") == -1 && tr_piece_on(&p, "node12") == -1 && tr_piece_on(&p, "cut") == -1);
	CHECK((h = tr_piece_hosts(&p)) && strcmp(h, "node1,cut1") == 0);
	free(h);
	CHECK(p.lin == NULL);
	free(s);
	/* With its lineage, last. */
	CHECK(tr_piece_format(7600, 1, "part-000001.sgy", ok1, 1, "3 /d/m.yaml", &s, &e) == 0);
	CHECK(strcmp(s, "7600 0000000000000001 part-000001.sgy\nn:part-000001.sgy\n=3 /d/m.yaml") == 0);
	CHECK(tr_piece_parse(s, &p) == 0 && p.nloc == 1 && p.linlen == 11 && strncmp(p.lin, "3 /d/m.yaml", 11) == 0);
	free(s);
	CHECK(tr_piece_parse("1 0000000000000001 a\nn:a\n=3 /m\nn2:a", &p) == SK_EFMT);
	/* A location that is no host:path, a copy of another name, a host
	 * with a comma (the --where separator), no locations at all. */
	CHECK(tr_piece_format(1, 2, "part-000001.sgy", bad1, 1, NULL, &s, &e) == SK_EARG && !s);
	CHECK(strcmp(e.msg, "part-000001.sgy: location 'node1parts/part-000001.sgy' is not host:path") == 0);
	CHECK(tr_piece_format(1, 2, "part-000001.sgy", bad2, 1, NULL, &s, &e) == SK_EARG);
	CHECK(strcmp(e.msg, "part-000001.sgy: copy node1:parts/other.sgy is not named part-000001.sgy") == 0);
	CHECK(tr_piece_format(1, 2, "part-000001.sgy", bad3, 1, NULL, &s, &e) == SK_EARG);
	CHECK(tr_piece_format(1, 2, "part-000001.sgy", bad4, 1, NULL, &s, &e) == SK_EARG);
	CHECK(tr_piece_format(1, 2, "part-000001.sgy", at, 0, NULL, &s, &e) == SK_EARG);
	CHECK(tr_piece_format(1, 2, "part-000001.sgy", ok1, 1, NULL, &s, &e) == 0);
	CHECK(strcmp(s, "1 0000000000000002 part-000001.sgy\nn:part-000001.sgy") == 0);
	free(s);
	/* Malformed fields. */
	CHECK(tr_piece_parse("7600 0123456789abcdef part.sgy", &p) == SK_EFMT);
	CHECK(tr_piece_parse("7600 0123456789abcdef part.sgy\n", &p) == SK_EFMT);
	CHECK(tr_piece_parse("7600 0123456789abcdeX part.sgy\nn:p", &p) == SK_EFMT);
	CHECK(tr_piece_parse("x 0123456789abcdef part.sgy\nn:p", &p) == SK_EFMT);
	CHECK(tr_piece_parse("7600 0123456789abcdef part.sgy\n:p", &p) == SK_EFMT);
	CHECK(tr_piece_parse("7600 0123456789abcdef part.sgy\nn:", &p) == SK_EFMT);
	CHECK(tr_piece_parse("7600 0123456789abcdef \nn:p", &p) == SK_EFMT);
	CHECK(tr_piece_parse("7600 0123456789abcdef p\nn:p", &p) == 0 && p.nloc == 1);
}

static void test_subst(void)
{
	char mark[64], *cmd, *r;

	/* The command as input.c expands it: the marker is the directory,
	 * inside the quotes of the value; {/.} is the name alone. */
	snprintf(mark, sizeof mark, "%c/part-000001.sgy", TR_PIECE_DIR);
	cmd = tr_tmpl_expand("migrate {} -o {/.}.out", mark, 1, 1);
	CHECK(cmd && strcmp(cmd, "migrate '\x1d/part-000001.sgy' -o part-000001.out") == 0);
	CHECK((r = tr_piece_subst(cmd, "/scratch/keep/parts")) &&
	      strcmp(r, "migrate '/scratch/keep/parts/part-000001.sgy' -o part-000001.out") == 0);
	free(r);
	/* A quote or blank in the directory stays inside the quotes. */
	CHECK((r = tr_piece_subst(cmd, "/tmp/it's here")) &&
	      strcmp(r, "migrate '/tmp/it'\"'\"'s here/part-000001.sgy' -o part-000001.out") == 0);
	free(r);
	CHECK((r = tr_piece_subst("echo plain", "/x")) && strcmp(r, "echo plain") == 0);
	free(r);
	free(cmd);
}

static void test_show(void)
{
	const char *text = "7600 0123456789abcdef part-1.sgy\nnode1:parts/part-1.sgy\ncut1:/s/part-1.sgy\n"
			   "n3:part-1.sgy";
	char cmd[64], *r;

	snprintf(cmd, sizeof cmd, "cat '%c/part-1.sgy'", TR_PIECE_DIR);
	CHECK((r = tr_piece_show(cmd, text, NULL)) && strcmp(r, "cat 'parts/part-1.sgy'") == 0);
	free(r);
	CHECK((r = tr_piece_show(cmd, text, "cut1")) && strcmp(r, "cat '/s/part-1.sgy'") == 0);
	free(r);
	CHECK((r = tr_piece_show(cmd, text, "n3")) && strcmp(r, "cat './part-1.sgy'") == 0);
	free(r);
	CHECK((r = tr_piece_show(cmd, text, "node2")) && strcmp(r, "cat '.taskrun-in.XXXXXX/part-1.sgy'") == 0);
	free(r);
	CHECK((r = tr_piece_show("echo x", NULL, "node2")) && strcmp(r, "echo x") == 0);
	free(r);
}

static void test_tasklist(void)
{
	struct tr_tasklist l = {0}, back;
	struct sk_error e;
	char *text, *text2;

	CHECK(tr_tasklist_add(&l, strdup("cat a"), NULL, NULL) == 0);
	CHECK(tr_tasklist_add(&l, strdup("cat b"), NULL, NULL) == 0);
	l.t[1].keep = strdup("k/b");
	l.t[1].where = strdup("node1,cut1");
	l.t[1].input = strdup("7600 0123456789abcdef b\nnode1:p/b\ncut1:p/b");
	CHECK((text = tr_tasklist_format(&l)) != NULL);
	/* Field 7 only on the task that has one; its newlines escaped. */
	CHECK(strcmp(text, "taskrun tasks 1\ncat a\t\t\ncat b\t\t\tk/b\tnode1,cut1\t\t"
			   "7600 0123456789abcdef b\\nnode1:p/b\\ncut1:p/b\n") == 0);
	CHECK(tr_tasklist_parse(text, &back, &e) == 0 && back.n == 2);
	CHECK(!back.t[0].input && back.t[1].input &&
	      strcmp(back.t[1].input, "7600 0123456789abcdef b\nnode1:p/b\ncut1:p/b") == 0);
	CHECK(back.t[1].where && strcmp(back.t[1].where, "node1,cut1") == 0 && !back.t[1].apart);
	CHECK((text2 = tr_tasklist_format(&back)) && strcmp(text, text2) == 0);
	free(text2);
	tr_tasklist_release(&back);
	free(text);
	tr_tasklist_release(&l);
}

int main(void)
{
	test_format_parse();
	test_subst();
	test_show();
	test_tasklist();
	return test_done();
}
