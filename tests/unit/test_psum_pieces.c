/* Unit tests of lib/flow/psum_pieces: segmerge --sum of a manifest's pieces
 * or of taskrun's kept outputs, the cases decided here (no host reached):
 * every piece here (summed here, the bytes of a sum of the files, each
 * sample three times the one file's), a manifest that cannot be read, and
 * kept outputs of local slots (taskrun kept played by a script).  Some here
 * and others on hosts reach the hosts: segmerge_hosts.bats. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "manifest.h"
#include "merge.h"
#include "mkstream.h"
#include "psum_tree.h"

/* A manifest of the three pieces p1-p3.sgy (6 traces each), every one
 * here, at path. */
static int write_manifest(const char *path)
{
	static const char *files[] = {"p1.sgy", "p2.sgy", "p3.sgy"};
	struct sk_manifest m;
	struct sk_error err;
	int rc = 0;

	sk_manifest_init(&m);
	m.fmt = SK_FMT_SEGY;
	m.ns = 50;
	m.dt = 4000;
	m.hdrlen = 240;
	m.mode = SK_SPLIT_COUNT;
	m.n = 6;
	m.traces = 18;
	for (size_t k = 0; k < 3; k++) {
		struct sk_mpiece p;
		uint64_t h = 0, size = 0;
		memset(&p, 0, sizeof p);
		p.file = (char *)(uintptr_t)files[k];
		p.traces = 6;
		p.first = (int64_t)k * 6;
		rc |= sk_file_xxh64(mk_path(files[k]), &h, &size, &err);
		p.bytes = size;
		p.xxh64 = h;
		rc |= sk_manifest_add(&m, &p, &err);
	}
	rc |= sk_manifest_write(&m, path, NULL, &err);
	sk_manifest_release(&m);
	return rc;
}

int main(void)
{
	struct sk_ptree_opts ro = {NULL, NULL, "taskrun", "segmerge", NULL, 1, SK_FMT_AUTO, 0, NULL, NULL};
	struct sk_merge_opts o, lo;
	struct sk_merge_result res;
	struct sk_error err;
	static char names[3][160];
	const char *files[3];
	FILE *fp;

	if (!mk_tmpdir(mk_dir, sizeof mk_dir, "psum_pieces"))
		return 1;
	/* Three pieces of one geometry, the same samples: 6 traces each, as
	 * three images of one line. */
	for (int k = 0; k < 3; k++) {
		char name[32];
		snprintf(name, sizeof name, "p%d.sgy", k + 1);
		CHECK(mk_stream(mk_path(name), SK_FMT_SEGY, 6, 50, NULL) == 0);
		snprintf(names[k], sizeof names[k], "%s", mk_path(name));
		files[k] = names[k];
	}
	/* The reference: the files summed by the engine itself. */
	sk_merge_opts_init(&lo);
	lo.mode = SK_MERGE_SUM;
	lo.out = mk_path("ref.sgy");
	CHECK(sk_merge_run(files, 3, &lo, &res, &err) == 0);

	/* Every piece here: summed here, those bytes. */
	CHECK(write_manifest(mk_path("m.yaml")) == 0);
	sk_merge_opts_init(&o);
	o.out = mk_path("sum.sgy");
	CHECK(sk_ptree_sum_pieces(&ro, NULL, mk_path("m.yaml"), &o, &err) == 0);
	CHECK(mk_same_file(mk_path("sum.sgy"), mk_path("ref.sgy")));
	/* Each sample is three times the piece's: trace 1's first sample, an
	 * IBM float (1000 in a piece, 3000 summed: 0x43bb8000). */
	{
		unsigned char b[4];
		CHECK(bytes_at(mk_path("sum.sgy"), 3600 + 240, b, 4) == 0);
		CHECK(b[0] == 0x43 && b[1] == 0xbb && b[2] == 0x80 && b[3] == 0x00);
		CHECK(bytes_at(mk_path("p1.sgy"), 3600 + 240, b, 4) == 0);
		CHECK(b[0] == 0x43 && b[1] == 0x3e && b[2] == 0x80 && b[3] == 0x00);
	}

	/* A manifest that is not there: the reader's error, nothing written. */
	o.out = mk_path("none.sgy");
	CHECK(sk_ptree_sum_pieces(&ro, NULL, mk_path("none.yaml"), &o, &err) < 0);
	CHECK(strcmp(err.file, mk_path("none.yaml")) == 0);
	CHECK(access(mk_path("none.sgy"), F_OK) != 0);

	/* Kept outputs (taskrun kept STATE: task, host, size, xxh64, path):
	 * all of local slots (host ":"), summed here. */
	CHECK((fp = fopen(mk_path("taskrun"), "w")) != NULL);
	fprintf(fp, "#!/bin/sh\n[ \"$1\" = kept ] || exit 9\n"
		    "printf '1\\t:\\t1\\t0000000000000001\\t%s\\n'\n"
		    "printf '2\\t:\\t1\\t0000000000000001\\t%s\\n'\n"
		    "printf '3\\t:\\t1\\t0000000000000001\\t%s\\n'\n",
		files[0], files[1], files[2]);
	CHECK(fclose(fp) == 0);
	CHECK(chmod(mk_path("taskrun"), 0755) == 0);
	ro.taskrun = mk_path("taskrun");
	o.out = mk_path("kept.sgy");
	CHECKF(sk_ptree_sum_pieces(&ro, "state", NULL, &o, &err) == 0, "%s: %s", err.file, err.msg);
	CHECK(mk_same_file(mk_path("kept.sgy"), mk_path("ref.sgy")));

	for (const char *const *f = (const char *const[]){"p1.sgy", "p2.sgy", "p3.sgy", "ref.sgy", "sum.sgy", "m.yaml",
							     "kept.sgy", "taskrun", NULL};
	     *f; f++)
		unlink(mk_path(*f));
	rmdir(mk_dir);
	return test_done();
}
