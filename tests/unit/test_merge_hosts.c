/* Unit tests of lib/flow/merge_hosts: pieces streamed into the merge from
 * "hosts" reached through a local launcher (the host word chosen by the
 * test: "dead" fails as ssh does when it cannot connect), each sent by a
 * small script that stands in for segmerge --cat (a path with "bad" is a
 * copy its host refuses; "half" one whose sender is lost part-way). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "merge.h"
#include "merge_hosts.h"
#include "mkstream.h"

static void odd(long t, struct mk_trace *tr) { tr->cdp = (int)(2 * t + 1); tr->offset = 0; }
static void even(long t, struct mk_trace *tr) { tr->cdp = (int)(2 * t + 2); tr->offset = 0; }

/* A manifest of pieces: file k's locations are locs[k] (comma-separated
 * host:path, path relative to mk_dir), its size and hash the file's. */
static void mk_manifest(struct sk_manifest *m, const char *const *files, const char *const *locs, size_t n)
{
	struct sk_error err;

	sk_manifest_init(m);
	m->fmt = SK_FMT_SEGY;
	m->ns = 50;
	m->dt = 4000;
	m->hdrlen = 240;
	m->mode = SK_SPLIT_COUNT;
	m->traces = 0;
	for (size_t k = 0; k < n; k++) {
		struct sk_mpiece p;
		uint64_t h = 0, size = 0;
		char buf[512], *tok, *save = NULL;
		memset(&p, 0, sizeof p);
		p.file = (char *)(uintptr_t)files[k];
		p.traces = 6;
		sk_file_xxh64(mk_path(files[k]), &h, &size, &err);
		p.bytes = size;
		p.xxh64 = h;
		sk_manifest_add(m, &p, &err);
		m->traces += 6;
		snprintf(buf, sizeof buf, "%s", locs[k]);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *colon = strchr(tok, ':');
			*colon = '\0';
			sk_manifest_add_at(m, k, tok, mk_path(colon + 1), &err);
		}
	}
}

/* Merges m's pieces from their hosts into out: sk_merge_run's status. */
static int run(const struct sk_manifest *m, int mode, const char *out, struct sk_error *err)
{
	char sender[200], launcher[400];
	struct sk_mhosts_opts mo;
	struct sk_mhosts *mh;
	struct sk_merge_opts o;
	struct sk_merge_result res;
	int rc;

	snprintf(sender, sizeof sender, "%s/sender", mk_dir);
	snprintf(launcher, sizeof launcher, "sh -c 'if [ \"$1\" = dead ]; then echo \"ssh: connect to host dead "
		 "port 22: Connection refused\" >&2; exit 255; fi; shift; exec \"$@\"' launcher");
	memset(&mo, 0, sizeof mo);
	mo.launcher = launcher;
	mo.segmerge = sender;
	mo.verify = 1;
	mo.warn = said_warn;
	if ((rc = sk_mhosts_new(m, &mo, &mh, err)) < 0)
		return rc;
	sk_merge_opts_init(&o);
	o.mode = mode;
	o.total = m->traces;
	o.from = m->fmt;
	o.out = out;
	o.src = sk_mhosts_src(mh);
	if (mode == SK_MERGE_KEY)
		sk_keyset_parse("cdp", 0, &o.keys, err);
	rc = sk_merge_run(sk_mhosts_names(mh), m->npieces, &o, &res, err);
	sk_mhosts_free(mh);
	return rc;
}

int main(void)
{
	static const char *files[] = {"p1.sgy", "p2.sgy", "p3.sgy"};
	struct sk_manifest m;
	struct sk_merge_opts o;
	struct sk_merge_result res;
	struct sk_error err;
	FILE *fp;

	if (!mk_tmpdir(mk_dir, sizeof mk_dir, "merge_hosts"))
		return 1;
	/* The sender: SEGMERGE --cat=PATH --bytes=N --xxh64=HEX. */
	fp = fopen(mk_path("sender"), "w");
	fputs("#!/bin/sh\np=${1#--cat=}\ncase $p in\n"
	      "*bad*) echo \"segmerge: $p: xxh64 0000000000000000, the record says 0000000000000001\" >&2; exit 1 ;;\n"
	      "*half*) head -c 5000 \"${p%.half}\"; echo 'Connection to dead closed by remote host.' >&2; exit 255 ;;\n"
	      "*flip*) f=${p%.flip}; head -c 100 \"$f\"; printf X; tail -c +102 \"$f\"; exit 0 ;;\n"
	      "esac\nexec cat \"$p\"\n", fp);
	fclose(fp);
	chmod(mk_path("sender"), 0755);
	CHECK(mk_stream(mk_path("p1.sgy"), SK_FMT_SEGY, 6, 50, odd) == 0);
	CHECK(mk_stream(mk_path("p2.sgy"), SK_FMT_SEGY, 6, 50, even) == 0);
	CHECK(mk_stream(mk_path("p3.sgy"), SK_FMT_SEGY, 6, 50, NULL) == 0);
	/* The local merges to compare with. */
	{
		const char *in[] = {mk_path("p1.sgy"), mk_path("p2.sgy"), mk_path("p3.sgy")};
		sk_merge_opts_init(&o);
		o.out = mk_path("cat.sgy");
		CHECK(sk_merge_run(in, 3, &o, &res, &err) == 0 && res.traces == 18);
		o.out = mk_path("key.sgy");
		o.mode = SK_MERGE_KEY;
		sk_keyset_parse("cdp", 0, &o.keys, &err);
		CHECK(sk_merge_run(in, 2, &o, &res, &err) == 0 && res.traces == 12);
	}

	/* A concatenation: the local bytes; a host that does not answer is
	 * said once and skipped for the pieces after. */
	{
		static const char *locs[] = {"dead:p1.sgy,h1:p1.sgy", "h2:p2.sgy", "dead:p3.sgy,h3:p3.sgy"};
		mk_manifest(&m, files, locs, 3);
		nsaid = 0;
		CHECK(run(&m, SK_MERGE_CONCAT, mk_path("out.sgy"), &err) == 0);
		CHECK(mk_same_file(mk_path("out.sgy"), mk_path("cat.sgy")));
		CHECKF(nsaid == 1 && strcmp(said[0], "dead: ssh: connect to host dead port 22: Connection refused: its "
						     "pieces are read from their other copies") == 0, "%d %s", nsaid, said[0]);
		sk_manifest_release(&m);
	}
	/* A copy its host refuses: said, the next copy read. */
	{
		static const char *locs[] = {"h1:bad/p1.sgy,h2:p1.sgy", "h2:p2.sgy", "h3:p3.sgy"};
		char want[600];
		mk_manifest(&m, files, locs, 3);
		nsaid = 0;
		CHECK(run(&m, SK_MERGE_CONCAT, mk_path("out.sgy"), &err) == 0);
		CHECK(mk_same_file(mk_path("out.sgy"), mk_path("cat.sgy")));
		snprintf(want, sizeof want, "h1:%s: not read there: segmerge: %s: xxh64 0000000000000000, the record says "
			 "0000000000000001: its next copy is read instead", mk_path("bad/p1.sgy"), mk_path("bad/p1.sgy"));
		CHECKF(nsaid == 1 && strcmp(said[0], want) == 0, "%d %s", nsaid, said[0]);
		sk_manifest_release(&m);
	}
	/* A merge by keys reads every piece at once. */
	{
		static const char *locs[] = {"h1:p1.sgy", "dead:p2.sgy,h2:p2.sgy"};
		mk_manifest(&m, files, locs, 2);
		CHECK(run(&m, SK_MERGE_KEY, mk_path("out.sgy"), &err) == 0);
		CHECK(mk_same_file(mk_path("out.sgy"), mk_path("key.sgy")));
		sk_manifest_release(&m);
	}
	/* A sender lost part-way: the piece named with what the launcher
	 * said, and no output. */
	{
		static const char *locs[] = {"h1:p1.sgy", "h2:p2.sgy.half,h3:p2.sgy", "h3:p3.sgy"};
		char want[300];
		mk_manifest(&m, files, locs, 3);
		unlink(mk_path("out.sgy"));
		CHECK(run(&m, SK_MERGE_CONCAT, mk_path("out.sgy"), &err) == SK_EIO);
		snprintf(want, sizeof want, "h2:%s", mk_path("p2.sgy.half"));
		CHECKF(strcmp(err.file, want) == 0, "%s", err.file);
		CHECKF(strcmp(err.msg, "its sender stopped before the end (status 255): Connection to dead closed by "
				       "remote host.: the host or its link was lost") == 0, "%s", err.msg);
		CHECK(access(mk_path("out.sgy"), F_OK) != 0);
		sk_manifest_release(&m);
	}
	/* Bytes changed on the way (the sender's copy was right): caught
	 * here at the piece's end, before the output is committed. */
	{
		static const char *locs[] = {"h1:p1.sgy.flip", "h2:p2.sgy", "h3:p3.sgy"};
		char want[300];
		mk_manifest(&m, files, locs, 3);
		CHECK(run(&m, SK_MERGE_CONCAT, mk_path("out.sgy"), &err) == SK_ESTATE);
		snprintf(want, sizeof want, "h1:%s", mk_path("p1.sgy.flip"));
		CHECKF(strcmp(err.file, want) == 0, "%s", err.file);
		CHECKF(strncmp(err.msg, "received 6240 bytes, xxh64 ", 27) == 0 &&
		       strstr(err.msg, ", but the manifest says 6240 bytes, xxh64 ") &&
		       strcmp(err.msg + strlen(err.msg) - 20, ": changed on the way") == 0, "%s", err.msg);
		CHECK(access(mk_path("out.sgy"), F_OK) != 0);
		sk_manifest_release(&m);
	}
	/* No copy left: named. */
	{
		static const char *locs[] = {"h1:p1.sgy", "dead:p2.sgy", "h3:p3.sgy"};
		char want[300];
		mk_manifest(&m, files, locs, 3);
		CHECK(run(&m, SK_MERGE_CONCAT, mk_path("out.sgy"), &err) == SK_EIO);
		snprintf(want, sizeof want, "dead:%s", mk_path("p2.sgy"));
		CHECKF(strcmp(err.file, want) == 0, "%s", err.file);
		CHECKF(strcmp(err.msg, "not read there: ssh: connect to host dead port 22: Connection refused (status "
				       "255); no other copy") == 0, "%s", err.msg);
		CHECK(access(mk_path("out.sgy"), F_OK) != 0);
		sk_manifest_release(&m);
	}
	{
		/* Piece 3's only host known down when its turn comes. */
		static const char *locs[] = {"dead:p1.sgy,h1:p1.sgy", "h2:p2.sgy", "dead:p3.sgy"};
		char want[300];
		mk_manifest(&m, files, locs, 3);
		nsaid = 0;
		CHECK(run(&m, SK_MERGE_CONCAT, mk_path("out.sgy"), &err) == SK_EIO);
		snprintf(want, sizeof want, "dead:%s", mk_path("p3.sgy"));
		CHECKF(strcmp(err.file, want) == 0 && strcmp(err.msg, "none of its hosts answered (dead)") == 0, "%s: %s",
		       err.file, err.msg);
		sk_manifest_release(&m);
	}
	for (const char *const *f = (const char *const[]){"p1.sgy", "p2.sgy", "p3.sgy", "cat.sgy", "key.sgy", "out.sgy",
							     "sender", NULL};
	     *f; f++)
		unlink(mk_path(*f));
	rmdir(mk_dir);
	return test_done();
}
