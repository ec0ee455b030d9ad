/* Unit tests of lib/flow/psum_tree_plan.c's decisions that test_psum_tree.c
 * reaches only through others: a unit lost (its pieces to sum again), a
 * piece no host of which answers, the host set past its first allocation,
 * the leaf plan once some pieces are summed, the --final rule, the pair
 * plan's odd unit and turned pairs, and pair lists with missing fields.
 * Expected values are worked out by hand beside each check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "psum_tree.h"
#include "psum_tree_int.h"

static void test_hostset(void)
{
	struct sk_hostset s = {0};
	char name[16];

	/* Past 8 and 16 names (the growth steps), each once, in order. */
	for (int k = 0; k < 20; k++) {
		snprintf(name, sizeof name, "node%02d", k);
		CHECK(sk_hostset_add(&s, name) == 0);
		CHECK(sk_hostset_add(&s, name) == 0);
	}
	CHECK(s.n == 20 && s.cap == 32);
	CHECK(strcmp(s.name[0], "node00") == 0 && strcmp(s.name[8], "node08") == 0 &&
	      strcmp(s.name[19], "node19") == 0);
	CHECK(sk_hostset_has(&s, "node16") && !sk_hostset_has(&s, "node20") && !sk_hostset_has(&s, "node1"));
	sk_hostset_free(&s);
	CHECK(s.n == 0 && s.cap == 0 && s.name == NULL && !sk_hostset_has(&s, "node00"));
}

int main(void)
{
	/* Five pieces: two copies (node1, node2), one on node2 alone, one
	 * whose first location is not a location (skipped), and one on two
	 * hosts that will both be down. */
	char a0[] = "node1:p/0.su", b0[] = "node2:q/0.su", a1[] = "node2:p/1.su", a2[] = "not-a-location",
	     b2[] = "node3:p/2.su", a3[] = "dead1:p/3.su", b3[] = "dead2:/abs/3.su", a4[] = "node1:p/4.su";
	char *l0[] = {a0, b0}, *l1[] = {a1}, *l2[] = {a2, b2}, *l3[] = {a3, b3}, *l4[] = {a4};
	const struct sk_ptree_piece pc[5] = {
		{l0, 2, 10, 0xaULL, 1}, {l1, 1, 20, 0xbULL, 1}, {l2, 2, -1, 0, 0}, {l3, 2, 40, 0xdULL, 1},
		{l4, 1, 50, 0xeULL, 1},
	};
	struct sk_ptree_opts o = {NULL, NULL, "taskrun", "segmerge", NULL, 1, SK_FMT_AUTO, 0, said_warn, NULL};
	struct sk_ptree t;
	struct sk_error err;
	char h[256], *hosts[5] = {0}, fromf[32], *cmd[8];
	const char *path;
	size_t task_of[5], nt, live[8];
	int locs[5], final;

	test_hostset();
	CHECK(sk_ptree_init(&t, &o, pc, 5, "00000000000000ff", &err) == 0);

	/* A location that is not host:path is passed over. */
	CHECK(sk_ptree_pick(&pc[2], &t.down, h, sizeof h, &path) == 1 && strcmp(h, "node3") == 0 &&
	      strcmp(path, "p/2.su") == 0);
	/* Both hosts of piece 3 down: no pick, and the error names them and
	 * the first location (the file the message is about). */
	CHECK(sk_hostset_add(&t.down, "dead1") == 0 && sk_hostset_add(&t.down, "dead2") == 0);
	CHECK(sk_ptree_pick(&pc[3], &t.down, h, sizeof h, &path) == -1);
	CHECK(sk_ptree_no_host(&pc[3], &err) == SK_EIO && err.code == SK_EIO);
	CHECKF(strcmp(err.msg, "no host that holds it answered (dead1, dead2)") == 0 &&
	       strcmp(err.file, "dead1:p/3.su") == 0, "%s: %s",
	       err.file, err.msg);
	/* The piece that is not a location is left out of the list. */
	CHECK(sk_ptree_no_host(&pc[2], &err) == SK_EIO);
	CHECKF(strcmp(err.msg, "no host that holds it answered (node3)") == 0 &&
	       strcmp(err.file, "not-a-location") == 0, "%s: %s", err.file, err.msg);

	/* Pieces 0, 1 summed on node1 (unit 0), piece 3 on dead1 (unit 1),
	 * before dead1 went down. */
	CHECK(sk_ptree_add_unit(&t, "node1", ".segmerge/ff/r1-1.psum", 30, 0x30ULL, 0) == 0);
	CHECK(sk_ptree_add_unit(&t, "dead1", ".segmerge/ff/r1-2.psum", 40, 0x40ULL, 0) == 1);
	CHECK(t.u[1].live && !t.u[1].here && t.u[1].bytes == 40 && t.u[1].xxh64 == 0x40 && t.u[1].final == 0 &&
	      strcmp(t.u[1].path, ".segmerge/ff/r1-2.psum") == 0);
	t.owner[0] = t.owner[1] = 0;
	t.owner[3] = 1;
	CHECK(sk_ptree_pending(&t) == 2 && sk_ptree_live_units(&t) == 2 && t.used.n == 2);
	/* The leaf plan takes only pieces 2 and 4 (node3, then node1). */
	CHECK(sk_ptree_leaf_plan(&t, hosts, &nt, task_of, locs, &err) == 0);
	CHECK(nt == 2 && strcmp(hosts[0], "node3") == 0 && strcmp(hosts[1], "node1") == 0 && hosts[2] == NULL);
	CHECK(task_of[2] == 0 && locs[2] == 1 && task_of[4] == 1 && locs[4] == 0);
	for (int k = 0; k < 5; k++)
		free(hosts[k]);
	memset(hosts, 0, sizeof hosts);
	/* Units still live: no --final even for one task. */
	CHECK(sk_ptree_leaf_words(&t, 1, cmd, fromf) == 2 && cmd[2] == NULL);

	/* Unit 1 lost without a reason: its piece is pending again, nothing
	 * else changes, said once (no ": " for the empty reason). */
	sk_ptree_lost_unit(&t, 1, "");
	CHECK(nsaid == 1);
	CHECKF(strcmp(said[0], "dead1: its partial sum cannot be read: its pieces are summed again from their "
			       "copies") == 0, "%s", said[0]);
	CHECK(!t.u[1].live && t.u[0].live && t.owner[3] == SIZE_MAX && t.owner[0] == 0 && t.owner[1] == 0);
	CHECK(sk_ptree_pending(&t) == 3 && sk_ptree_live_units(&t) == 1 && t.down.n == 2);
	/* ... and it is the piece no host answers for now. */
	CHECK(sk_ptree_leaf_plan(&t, hosts, &nt, task_of, locs, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "no host that holds it answered (dead1, dead2)") == 0);
	for (int k = 0; k < 5; k++)
		free(hosts[k]);
	memset(hosts, 0, sizeof hosts);
	/* Losing unit 0 (quietly): pieces 0 and 1 pending too. */
	sk_ptree_lose_unit(&t, 0);
	CHECK(nsaid == 1 && sk_ptree_pending(&t) == 5 && sk_ptree_live_units(&t) == 0);
	CHECK(t.down.n == 2 && !sk_hostset_has(&t.down, "node1"));
	/* Nothing live: one host summing all would be --final; the units
	 * stay recorded (their files are cleaned at the end). */
	CHECK(sk_ptree_leaf_words(&t, 1, cmd, fromf) == 3 && strcmp(cmd[2], "--final") == 0);
	CHECK(t.nu == 2 && t.used.n == 2);

	/* Five live units (2..6): two pairs, the fifth waits; a direction
	 * that failed is turned, one that failed both ways is not. */
	CHECK(sk_ptree_add_unit(&t, "h2", "x2", 1, 2, 0) == 2 && sk_ptree_add_unit(&t, "h3", "x3", 1, 3, 0) == 3 &&
	      sk_ptree_add_unit(&t, "h4", "x4", 1, 4, 0) == 4 && sk_ptree_add_unit(&t, "h5", "x5", 1, 5, 0) == 5 &&
	      sk_ptree_add_unit(&t, "h6", "x6", 1, 6, 0) == 6);
	for (size_t i = 0; i < 5; i++)
		t.owner[i] = 2 + i;
	CHECK(sk_hostset_add(&t.noreach, "h2\th3") == 0);
	CHECK(sk_hostset_add(&t.noreach, "h4\th5") == 0 && sk_hostset_add(&t.noreach, "h5\th4") == 0);
	CHECK(sk_ptree_pair_plan(&t, live, &final) == 2 && !final);
	CHECK(live[0] == 3 && live[1] == 2 && live[2] == 4 && live[3] == 5 && live[4] == 6);
	/* Down to two live and nothing pending: the last pair. */
	sk_ptree_lose_unit(&t, 2);
	sk_ptree_lose_unit(&t, 3);
	sk_ptree_lose_unit(&t, 4);
	CHECK(sk_ptree_pending(&t) == 3);
	t.owner[0] = t.owner[1] = t.owner[2] = 5;
	CHECK(sk_ptree_pair_plan(&t, live, &final) == 1 && final && live[0] == 5 && live[1] == 6);
	/* One live unit: no pair. */
	sk_ptree_lose_unit(&t, 6);
	CHECK(sk_ptree_pair_plan(&t, live, &final) == 0 && !final && live[0] == 5);
	sk_ptree_release(&t);
	CHECK(t.u == NULL && t.owner == NULL && t.nu == 0 && t.down.n == 0 && t.used.n == 0);

	/* Pieces here (0 and 2: local slots' outputs) and one on node1: the
	 * unit here owns them, named by their paths, has no host to clean,
	 * is never paired, and keeps every pair and leaf from being final
	 * (this machine adds its partial to the hosts' last and rounds). */
	{
		char p0[] = "img/k1.sgy", p1[] = "node1:img/k2.sgy", p2[] = "/abs/k3.sgy";
		char *m0[] = {p0}, *m1[] = {p1}, *m2[] = {p2};
		const struct sk_ptree_piece mp[3] = {{m0, 0, 5, 1, 1}, {m1, 1, 6, 2, 1}, {m2, 0, 7, 3, 1}};
		CHECK(sk_ptree_init(&t, &o, mp, 3, "00000000000000fe", &err) == 0);
		CHECK(sk_ptree_add_here(&t, "st/here.psum") == 0);
		CHECK(t.u[0].here && t.u[0].live && !t.u[0].final && strcmp(t.u[0].host, ":") == 0 &&
		      strcmp(t.u[0].path, "st/here.psum") == 0);
		CHECK(t.owner[0] == 0 && t.owner[1] == SIZE_MAX && t.owner[2] == 0);
		CHECK(strcmp(t.names[0], "img/k1.sgy") == 0 && t.names[1] == NULL && strcmp(t.names[2], "/abs/k3.sgy") == 0);
		CHECK(t.used.n == 0 && sk_ptree_pending(&t) == 1 && sk_ptree_live_units(&t) == 1 &&
		      sk_ptree_host_units(&t) == 0);
		/* The leaf round: node1 alone, its partial not the image. */
		CHECK(sk_ptree_leaf_plan(&t, hosts, &nt, task_of, locs, &err) == 0);
		CHECK(nt == 1 && strcmp(hosts[0], "node1") == 0 && task_of[1] == 0 && locs[1] == 0);
		free(hosts[0]);
		hosts[0] = NULL;
		CHECK(sk_ptree_leaf_words(&t, 1, cmd, fromf) == 2 && cmd[2] == NULL);
		CHECK(sk_ptree_add_unit(&t, "node1", "x1", 1, 1, 0) == 1);
		t.owner[1] = 1;
		/* One unit on a host: nothing to pair (this machine reads it). */
		CHECK(sk_ptree_host_units(&t) == 1 && sk_ptree_pair_plan(&t, live, &final) == 0 && !final);
		/* Two on hosts: their pair is not the last word. */
		CHECK(sk_ptree_add_unit(&t, "node2", "x2", 1, 2, 0) == 2);
		CHECK(sk_ptree_host_units(&t) == 2 && t.used.n == 2);
		CHECK(sk_ptree_pair_plan(&t, live, &final) == 1 && !final && live[0] == 1 && live[1] == 2);
		sk_ptree_release(&t);
	}

	/* Pair lists: a self line short of its path, or a peer line short of
	 * one field, counts as missing; npieces 0 as well; a later line of a
	 * field wins; "final" is anything but "0"; unknown lines pass. */
	{
		static const char *const bad[] = {
			"npieces\t3\nlauncher\tssh\nremote\tsm\nself\t10\t00000000000000aa\npeer\th\t1\t2\tp\n",
			"npieces\t3\nlauncher\tssh\nremote\tsm\nself\t10\taa\ts\npeer\th\t1\t2\n",
			"npieces\t0\nlauncher\tssh\nremote\tsm\nself\t10\taa\ts\npeer\th\t1\t2\tp\n",
			"launcher\tssh\nremote\tsm\nself\t10\taa\ts\npeer\th\t1\t2\tp\n",
		};
		char good[] = "npieces\t7\nfinal\tyes\nlauncher\tssh -x\nlauncher\tssh -F c\nremote\tsm\nnoise\n"
			      "other\tx\nself\t-1\tffffffffffffffff\ta b\tc\npeer\tn9\t5\t0f\tp/q r\n";
		struct sk_ptree_pairlist pl;
		for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
			FILE *in = fmemopen((void *)(uintptr_t)bad[k], strlen(bad[k]), "r");
			CHECKF(sk_ptree_pair_read(in, &pl, &err) == SK_EFMT, "list %zu", k);
			CHECK(pl.launch == NULL && pl.rem == NULL && pl.self == NULL && pl.peer == NULL &&
			      pl.ppath == NULL);
			fclose(in);
		}
		{
			FILE *in = fmemopen(good, strlen(good), "r");
			CHECK(sk_ptree_pair_read(in, &pl, &err) == 0);
			CHECK(pl.npieces == 7 && pl.final == 1 && strcmp(pl.launch, "ssh -F c") == 0 &&
			      strcmp(pl.rem, "sm") == 0);
			/* The path is the rest of the line, tabs and all. */
			CHECK(pl.sbytes == -1 && pl.shash == UINT64_MAX && strcmp(pl.self, "a b\tc") == 0);
			CHECK(strcmp(pl.peer, "n9") == 0 && pl.pbytes == 5 && pl.phash == 15 &&
			      strcmp(pl.ppath, "p/q r") == 0);
			sk_ptree_pair_release(&pl);
			CHECK(pl.launch == NULL && pl.ppath == NULL);
			fclose(in);
		}
	}
	return test_done();
}
