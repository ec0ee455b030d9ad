/* Unit tests of lib/flow/psum_tree's policy, without hosts: which host sums
 * which pieces, the pairs and their lists, what a failed pair means, the
 * words of --cat, and a host's --partial, --pair, --cat and --clean on
 * files here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mkpsum.h"
#include "psum_tree_int.h"

static void scaled(long t, struct mk_trace *tr) { tr->scale = 1.0 / (double)(t + 3); }

/*
 * A host's --partial and --pair, here: two pieces summed on hosts h1 and h2
 * (sk_ptree_partial against sk_psum_host), then h1 merging h2's partial,
 * read through a launcher that runs the command here and a "remote" that
 * copies the file as segmerge --cat does once it has checked it (against
 * sk_psum_merge of the two partials).
 */
static void test_steps(void)
{
	struct ps_files f;
	char dir[64], list[1024], lb[160], gone[160];
	char aname[] = "a.su";
	struct sk_psum_piece pc = {0, -1, 0, 0, NULL};
	struct sk_error err;
	int64_t sa = 0, sb = 0;
	uint64_t ha = 0, hb = 0;
	FILE *out;

	CHECK(mk_tmpdir(dir, sizeof dir, "test_psum_tree") != NULL);
	CHECK(ps_files_make(&f, dir, "r1-1.psum", "r1-2.psum", scaled) == 0);

	/* --partial: the list on in (a relative path starts at base), the
	 * partial on out, as sk_psum_host writes it. */
	CHECK(ps_partial("h1", "h1", dir, "0\t-\t-\ta.su\n", f.pa, &err) == 0);
	pc.path = aname;
	out = fopen(f.ref, "wb");
	CHECK(sk_psum_host("h1", "h1", &pc, 1, dir, SK_FMT_AUTO, 1, 0, out, &err) == 0);
	fclose(out);
	CHECK(mk_same_file(f.pa, f.ref) && strncmp(ps_text_of(f.pa), "SKPSUM1\nhost h1\n", 16) == 0);
	CHECK(ps_partial("h2", "h2", dir, "1\t-\t-\tb.su\n", f.pb, &err) == 0);
	/* Run elsewhere: a skip partial. */
	CHECK(ps_partial("h2", "h9", dir, "1\t-\t-\tb.su\n", f.got, &err) == 0);
	CHECKF(strcmp(ps_text_of(f.got), "SKPSUM1\nhost h9\nskip\n") == 0, "%s", ps_text_of(f.got));
	/* A list that is not one: the error is about standard input. */
	CHECK(ps_partial("h2", "h2", dir, "zero\n", f.got, &err) == SK_EFMT && strcmp(err.file, "<stdin>") == 0);

	/* --pair: h1's own partial (checked by size and xxh64) and h2's, read
	 * through the launcher, merged as sk_psum_merge merges them. */
	CHECK(ps_file_id(f.pa, &sa, &ha) == 0 && ps_file_id(f.pb, &sb, &hb) == 0);
	ps_pair_list(list, sizeof list, f.rem, sa, ha, "r1-1.psum", sb, hb, f.pb);
	CHECKF(ps_pair("h1", "h1", dir, list, f.got, &err) == 0, "%s", err.msg);
	snprintf(lb, sizeof lb, "h2:%s", f.pb);
	CHECK(ps_merged(f.pa, "h1:r1-1.psum", f.pb, lb, f.ref) == 0);
	CHECK(mk_same_file(f.got, f.ref) && !mk_same_file(f.got, f.pa) &&
	      strncmp(ps_text_of(f.got), "SKPSUM1\nhost h1\n", 16) == 0);
	/* Run elsewhere: a skip partial, the list not read. */
	CHECK(ps_pair("h1", "h3", dir, list, f.got, &err) == 0);
	CHECKF(strcmp(ps_text_of(f.got), "SKPSUM1\nhost h3\nskip\n") == 0, "%s", ps_text_of(f.got));
	/* Its own partial changed: not merged, the check says so. */
	ps_pair_list(list, sizeof list, f.rem, sa, ha ^ 1, "r1-1.psum", sb, hb, f.pb);
	CHECK(ps_pair("h1", "h1", dir, list, f.got, &err) == SK_ESTATE);
	/* Nothing comes from the peer: a "miss" partial (as long as
	 * sk_ptree_miss_bytes says), not an error. */
	snprintf(gone, sizeof gone, "%s/nothing.psum", dir);
	ps_pair_list(list, sizeof list, f.rem, sa, ha, "r1-1.psum", sb, hb, gone);
	CHECK(ps_pair("h1", "h1", dir, list, f.got, &err) == 0);
	CHECKF(strcmp(ps_text_of(f.got), "SKPSUM1\nhost h1\nmiss\n") == 0 &&
	       (int64_t)strlen(ps_text_of(f.got)) == sk_ptree_miss_bytes("h1"), "%s", ps_text_of(f.got));

	ps_files_rm(&f);
	CHECK(rmdir(dir) == 0);
}

int main(void)
{
	char a1[] = "dead1:img/1.sgy", b1[] = "node1:img/1.sgy", a2[] = "node2:img/2.sgy", b2[] = "node3:/abs/2.sgy";
	char a3[] = "dead1:img/3.sgy", b3[] = "node3:img/3.sgy", a4[] = "node1:img/4.sgy";
	char *l1[] = {a1, b1}, *l2[] = {a2, b2}, *l3[] = {a3, b3}, *l4[] = {a4};
	struct sk_ptree_piece pc[4] = {
		{l1, 2, 100, 0x1122334455667788ULL, 1},
		{l2, 2, -1, 0, 0},
		{l3, 2, 300, 0xabcdefULL, 1},
		{l4, 1, 400, 0x1ULL, 1},
	};
	struct sk_ptree_opts o = {"ssh -F cfg", NULL, "taskrun", "/opt/segmerge", NULL, 1, 0, 0, said_warn, NULL};
	struct sk_ptree t;
	struct sk_error err;
	char h[256], *hosts[4] = {0}, *text, fromf[32], *cmd[8];
	const char *path;
	size_t task_of[4], nt, live[8];
	int locs[4], final;

	CHECK(sk_ptree_init(&t, &o, pc, 4, "0123456789abcdef", &err) == 0);
	CHECK(sk_ptree_pending(&t) == 4 && sk_ptree_live_units(&t) == 0 && strcmp(t.id, "0123456789abcdef") == 0);

	/* A piece goes to the first of its hosts not down. */
	CHECK(sk_ptree_pick(&pc[0], &t.down, h, sizeof h, &path) == 0 && strcmp(h, "dead1") == 0 &&
	      strcmp(path, "img/1.sgy") == 0);
	CHECK(sk_hostset_add(&t.down, "dead1") == 0 && sk_hostset_add(&t.down, "dead1") == 0 && t.down.n == 1);
	CHECK(sk_ptree_pick(&pc[0], &t.down, h, sizeof h, &path) == 1 && strcmp(h, "node1") == 0);
	CHECK(sk_ptree_pick(&pc[1], &t.down, h, sizeof h, &path) == 0 && strcmp(h, "node2") == 0);

	/* The leaf plan: hosts in order of first use, one task a host. */
	CHECK(sk_ptree_leaf_plan(&t, hosts, &nt, task_of, locs, &err) == 0);
	CHECK(nt == 3 && strcmp(hosts[0], "node1") == 0 && strcmp(hosts[1], "node2") == 0 &&
	      strcmp(hosts[2], "node3") == 0);
	CHECK(task_of[0] == 0 && task_of[1] == 1 && task_of[2] == 2 && task_of[3] == 0);
	CHECK(locs[0] == 1 && locs[1] == 0 && locs[2] == 1 && locs[3] == 0);
	/* Its lists: index, size, xxh64 (or -), the path on that host. */
	CHECK(sk_ptree_leaf_list(&t, 0, task_of, locs, &text, &err) == 0);
	CHECKF(strcmp(text, "0\t100\t1122334455667788\timg/1.sgy\n3\t400\t0000000000000001\timg/4.sgy\n") == 0, "%s",
	       text);
	free(text);
	CHECK(sk_ptree_leaf_list(&t, 1, task_of, locs, &text, &err) == 0);
	CHECKF(strcmp(text, "1\t-\t-\timg/2.sgy\n") == 0, "%s", text);
	free(text);
	/* Its words: --no-verify and --from when asked; --final only when one
	 * host sums every piece. */
	CHECK(sk_ptree_leaf_words(&t, nt, cmd, fromf) == 2 && strcmp(cmd[0], "/opt/segmerge") == 0 &&
	      strcmp(cmd[1], "--partial={1}") == 0 && cmd[2] == NULL);
	o.verify = 0;
	o.from = SK_FMT_SU;
	CHECK(sk_ptree_leaf_words(&t, 1, cmd, fromf) == 5 && strcmp(cmd[2], "--no-verify") == 0 &&
	      strcmp(cmd[3], "--from=su") == 0 && strcmp(cmd[4], "--final") == 0 && cmd[5] == NULL);
	o.verify = 1;
	o.from = SK_FMT_AUTO;
	for (int k = 0; k < 4; k++)
		free(hosts[k]);
	memset(hosts, 0, sizeof hosts);

	/* Every host of a piece down: named with its first location. */
	CHECK(sk_hostset_add(&t.down, "node1") == 0);
	CHECK(sk_ptree_leaf_plan(&t, hosts, &nt, task_of, locs, &err) == SK_EIO);
	CHECKF(strcmp(err.msg, "no host that holds it answered (dead1, node1)") == 0 &&
	       strcmp(err.file, "dead1:img/1.sgy") == 0, "%s: %s", err.file, err.msg);
	for (int k = 0; k < 4; k++)
		free(hosts[k]);
	sk_hostset_free(&t.down);

	/* Three partials: one pair, not the last; the odd one waits. */
	CHECK(sk_ptree_add_unit(&t, "node1", ".segmerge/x/r1-1.psum", 1000, 0xaULL, 0) == 0);
	CHECK(sk_ptree_add_unit(&t, "node2", ".segmerge/x/r1-2.psum", 2000, 0xbULL, 0) == 1);
	CHECK(sk_ptree_add_unit(&t, "node3", ".segmerge/x/r1-3.psum", 3000, 0xcULL, 0) == 2);
	t.owner[0] = t.owner[3] = 0;
	t.owner[1] = 1;
	t.owner[2] = 2;
	CHECK(t.used.n == 3 && sk_ptree_pending(&t) == 0 && sk_ptree_live_units(&t) == 3);
	CHECK(sk_ptree_pair_plan(&t, live, &final) == 1 && live[0] == 0 && live[1] == 1 && live[2] == 2 && !final);
	/* The pair's list. */
	CHECK(sk_ptree_pair_list(&t, 0, 1, 0, &text, &err) == 0);
	CHECKF(strcmp(text, "npieces\t4\nfinal\t0\nlauncher\tssh -F cfg\nremote\t/opt/segmerge\n"
			    "self\t1000\t000000000000000a\t.segmerge/x/r1-1.psum\n"
			    "peer\tnode2\t2000\t000000000000000b\t.segmerge/x/r1-2.psum\n") == 0, "%s", text);
	{
		/* What the host reads back. */
		FILE *in = fmemopen(text, strlen(text), "r");
		struct sk_ptree_pairlist pl;
		CHECK(sk_ptree_pair_read(in, &pl, &err) == 0);
		CHECK(pl.npieces == 4 && pl.final == 0 && strcmp(pl.launch, "ssh -F cfg") == 0 &&
		      strcmp(pl.rem, "/opt/segmerge") == 0 && strcmp(pl.self, ".segmerge/x/r1-1.psum") == 0 &&
		      pl.sbytes == 1000 && pl.shash == 0xa && strcmp(pl.peer, "node2") == 0 && pl.pbytes == 2000 &&
		      pl.phash == 0xb && strcmp(pl.ppath, ".segmerge/x/r1-2.psum") == 0);
		sk_ptree_pair_release(&pl);
		fclose(in);
		{
			char short_list[] = "npieces\t4\nfinal\t1\n";
			in = fmemopen(short_list, strlen(short_list), "r");
		}
		CHECK(sk_ptree_pair_read(in, &pl, &err) == SK_EFMT);
		CHECK(strcmp(err.msg, "a pair list needs npieces, launcher, remote, self and peer lines") == 0);
		fclose(in);
	}
	free(text);
	/* The default launcher when no --ssh is given. */
	o.ssh = NULL;
	CHECK(strcmp(sk_ptree_launcher(&o), SK_PTREE_LAUNCHER) == 0);
	o.ssh = "ssh -F cfg";

	/* The words of --cat: the pair's host and this machine run the same. */
	{
		char b[3][SK_PTREE_WORDLEN], *w[8];
		sk_ptree_cat_words("/opt/segmerge", "p/x.psum", 77, 0xfeULL, 0, w, b);
		CHECK(strcmp(w[0], "/opt/segmerge") == 0 && strcmp(w[1], "--cat=p/x.psum") == 0 &&
		      strcmp(w[2], "--bytes=77") == 0 && strcmp(w[3], "--xxh64=00000000000000fe") == 0 && w[4] == NULL);
		sk_ptree_cat_words("/opt/segmerge", "p/x.psum", 77, 0xfeULL, 1, w, b);
		CHECK(strcmp(w[4], "--probe") == 0 && w[5] == NULL);
	}
	CHECK(sk_ptree_miss_bytes("node1") == (int64_t)strlen("SKPSUM1\nhost node1\nmiss\n"));

	/* A failed pair with both partials readable: the other direction
	 * first, said nothing. */
	sk_ptree_pair_failed(&t, 0, 1, 1, "", 1, "");
	CHECK(nsaid == 0 && t.noreach.n == 1 && !t.star);
	CHECK(strcmp(t.noreach.name[0], "node1\tnode2") == 0);
	CHECK(sk_ptree_pair_plan(&t, live, &final) == 1 && live[0] == 1 && live[1] == 0);
	/* Failed that way too: a star from now on, said once. */
	sk_ptree_pair_failed(&t, 1, 0, 1, "", 1, "");
	sk_ptree_pair_failed(&t, 1, 0, 1, "", 1, "");
	CHECK(t.star && nsaid == 1);
	CHECKF(strcmp(said[0], "node2 and node1 could not read each other's partial sums through 'ssh -F cfg': the "
			       "partial sums come to this machine instead (hosts that reach one another sum in a tree)") ==
		       0, "%s", said[0]);
	/* A partial not readable from here: its host is down, its pieces to
	 * sum again, said with the reason. */
	sk_ptree_pair_failed(&t, 2, 0, 0, "ssh: connect to host 127.0.0.1 port 9: Connection refused", 1, "");
	CHECK(nsaid == 2 && sk_hostset_has(&t.down, "node3") && !t.u[2].live && t.u[0].live);
	CHECKF(strcmp(said[1], "node3: its partial sum cannot be read: ssh: connect to host 127.0.0.1 port 9: "
			       "Connection refused: its pieces are summed again from their copies") == 0, "%s", said[1]);
	CHECK(t.owner[2] == SIZE_MAX && t.owner[0] == 0 && sk_ptree_pending(&t) == 1 && sk_ptree_live_units(&t) == 2);
	/* Two live, one piece pending: not the last pair yet. */
	CHECK(sk_ptree_pair_plan(&t, live, &final) == 1 && !final);
	t.owner[2] = 1;
	CHECK(sk_ptree_pair_plan(&t, live, &final) == 1 && final);
	sk_ptree_release(&t);

	/* A host's --cat and --clean, relative to its keep directory. */
	{
		char dir[] = "/tmp/test_psum_tree.XXXXXX", p[256], *out = NULL;
		size_t len = 0;
		FILE *fp, *m;
		CHECK(mkdtemp(dir) != NULL);
		snprintf(p, sizeof p, "%s/.segmerge", dir);
		mkdir(p, 0777);
		snprintf(p, sizeof p, "%s/.segmerge/0123456789abcdef", dir);
		mkdir(p, 0777);
		snprintf(p, sizeof p, "%s/.segmerge/0123456789abcdef/r1-1.psum", dir);
		fp = fopen(p, "wb");
		fputs("0123456789", fp);
		fclose(fp);
		m = open_memstream(&out, &len);
		CHECK(sk_ptree_cat(".segmerge/0123456789abcdef/r1-1.psum", dir, 10, "3f5fc178a81867e7", m, &err) == 0);
		fclose(m);
		CHECK(len == 10 && memcmp(out, "0123456789", 10) == 0);
		free(out);
		CHECK(sk_ptree_cat(".segmerge/0123456789abcdef/r1-1.psum", dir, 10, "3f5fc178a81867e8", NULL, &err) ==
		      SK_ESTATE);
		CHECK(sk_ptree_cat(".segmerge/0123456789abcdef/r1-1.psum", dir, 10, "xyz", NULL, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "--xxh64: 'xyz' is not 16 hex digits") == 0);
		CHECK(sk_ptree_clean("../../etc", dir, &err) == SK_EARG);
		CHECK(sk_ptree_clean("0123456789abcdef", dir, &err) == 0);
		snprintf(p, sizeof p, "%s/.segmerge", dir);
		CHECK(access(p, F_OK) != 0);
		CHECK(rmdir(dir) == 0);
	}
	test_steps();

	/* The end of a sum (psum_clean.c): --clean=ID on every host used but
	 * those down; a host down or that does not answer keeps its files,
	 * said without a state directory, recorded in STATE/leftovers with
	 * one, and removed by the next sum on it once the host answers.  The
	 * launcher here logs "HOST --clean=ID" and fails (255, as ssh) for
	 * the hosts named in DIR/refuse. */
	{
		char dir[] = "/tmp/test_psum_clean.XXXXXX", launcher[600], p[256], *log = NULL;
		size_t len = 0;
		FILE *fp;
		CHECK(mkdtemp(dir) != NULL);
		snprintf(launcher, sizeof launcher,
			 "sh -c 'echo \"$1 $3\" >>%s/log; grep -qx \"$1\" %s/refuse && exit 255; shift; exec \"$@\"' "
			 "launcher", dir, dir);
		snprintf(p, sizeof p, "%s/refuse", dir);
		fp = fopen(p, "w");
		fputs("dead1\nnode9\n", fp);
		fclose(fp);
		o.ssh = launcher;
		o.segmerge = "true";
		CHECK(sk_ptree_init(&t, &o, pc, 4, "0123456789abcdef", &err) == 0);
		CHECK(sk_hostset_add(&t.used, "node1") == 0 && sk_hostset_add(&t.used, "dead1") == 0 &&
		      sk_hostset_add(&t.used, "node9") == 0 && sk_hostset_add(&t.down, "dead1") == 0);
		t.dir = strdup(dir);
		nsaid = 0;
		sk_ptree_clean_hosts(&t);
		snprintf(p, sizeof p, "%s/log", dir);
		log = (char *)mk_slurp(p, &len);
		/* (started together: in either order) */
		CHECKF(log && strlen(log) == 62 && strstr(log, "node1 --clean=0123456789abcdef\n") &&
		       strstr(log, "node9 --clean=0123456789abcdef\n"), "%s", log ? log : "(none)");
		free(log);
		CHECK(nsaid == 2);
		CHECK(strcmp(said[0], "dead1: did not answer at the end: this sum's files stay in .segmerge/0123456789abcdef "
				      "there (with --state, the next sum on that directory removes them)") == 0);
		CHECK(strncmp(said[1], "node9: did not answer", 21) == 0);
		/* With a state directory: recorded, nothing said. */
		o.state = dir;
		nsaid = 0;
		sk_ptree_clean_hosts(&t);
		CHECK(nsaid == 0);
		snprintf(p, sizeof p, "%s/leftovers", dir);
		log = (char *)mk_slurp(p, &len);
		CHECK(log && strcmp(log, "dead1\t0123456789abcdef\nnode9\t0123456789abcdef\n") == 0);
		free(log);
		/* node9 answers now, dead1 not yet: node9's line goes. */
		snprintf(p, sizeof p, "%s/refuse", dir);
		fp = fopen(p, "w");
		fputs("dead1\n", fp);
		fclose(fp);
		sk_ptree_leftovers_retry(&o, dir);
		snprintf(p, sizeof p, "%s/leftovers", dir);
		log = (char *)mk_slurp(p, &len);
		CHECK(log && strcmp(log, "dead1\t0123456789abcdef\n") == 0);
		free(log);
		/* Both answer: the file goes. */
		snprintf(p, sizeof p, "%s/refuse", dir);
		fp = fopen(p, "w");
		fclose(fp);
		sk_ptree_leftovers_retry(&o, dir);
		snprintf(p, sizeof p, "%s/leftovers", dir);
		CHECK(access(p, F_OK) != 0);
		snprintf(p, sizeof p, "%s/log", dir);
		log = (char *)mk_slurp(p, &len);
		/* Two ends of the sum (node1, node9 each), the first retry
		 * (dead1, node9, in either order), the second (dead1). */
		CHECK(log && strlen(log) == 7 * 31 && strcmp(log + 6 * 31, "dead1 --clean=0123456789abcdef\n") == 0 &&
		      (strncmp(log + 4 * 31, "dead1 --clean=0123456789abcdef\nnode9", 36) == 0 ||
		       strncmp(log + 4 * 31, "node9 --clean=0123456789abcdef\ndead1", 36) == 0));
		free(log);
		sk_ptree_release(&t);
		unlink(p);
		snprintf(p, sizeof p, "%s/refuse", dir);
		unlink(p);
		CHECK(rmdir(dir) == 0);
	}
	return test_done();
}
