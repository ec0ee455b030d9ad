/* Unit tests of lib/flow/psum_step.c, a host's steps of the sum tree
 * (segmerge --partial, --pair, --cat, --clean), for what test_psum_tree.c
 * does not reach: where a path on the host starts (absolute, relative to
 * the keep directory, relative to the working directory when there is
 * none), --cat without a record to check and the --xxh64 words refused,
 * --clean of one sum among others (the other's files and .segmerge kept)
 * and the ids refused, a pair whose peer's command fails after sending (its
 * status and last line of standard error in the message), and errors of
 * writing the partial named "<stdout>".  The xxh64 values are from
 * tests/cli/xxh64.py (an independent implementation of the
 * specification): "0123456789" 3f5fc178a81867e7, "kept partial\n"
 * 2f77e8ade0bed218. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mkpsum.h"

#define ID_A "00000000000000aa"
#define ID_B "bbbbbbbbbbbbbbbb"

static char cwd0[4096];
static struct sk_error err;

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* --cat of path (base), its bytes copied to a memory stream: 0 when it
 * gives exactly want. */
static int cat_gives(const char *path, const char *base, int64_t bytes, const char *hash, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc;

	memset(&err, 0, sizeof err);
	rc = sk_ptree_cat(path, base, bytes, hash, m, &err);
	fclose(m);
	if (rc == 0 && (len != strlen(want) || memcmp(buf, want, len) != 0))
		rc = 1;
	free(buf);
	return rc;
}

static void test_cat(void)
{
	char abs[128], p[128];

	snprintf(abs, sizeof abs, "%s/abs.psum", mk_dir);
	CHECK(ps_put(abs, "0123456789") == 0);
	/* An absolute path: the keep directory does not apply. */
	CHECK(cat_gives(abs, "/nonexistent/keep", 10, "3f5fc178a81867e7", "0123456789") == 0);
	/* Relative: under the keep directory, else the working one. */
	snprintf(p, sizeof p, "%s/k", mk_dir);
	CHECK(mkdir(p, 0777) == 0);
	snprintf(p, sizeof p, "%s/k/rel.psum", mk_dir);
	CHECK(ps_put(p, "kept partial\n") == 0);
	snprintf(p, sizeof p, "%s/k", mk_dir);
	CHECK(cat_gives("rel.psum", p, 13, "2f77e8ade0bed218", "kept partial\n") == 0);
	CHECK(chdir(p) == 0);
	CHECK(cat_gives("rel.psum", NULL, 13, "2f77e8ade0bed218", "kept partial\n") == 0);
	CHECK(cat_gives("rel.psum", "", 13, "2f77e8ade0bed218", "kept partial\n") == 0);
	/* Upper-case digits are the same number. */
	CHECK(cat_gives("rel.psum", "", 13, "2F77E8ADE0BED218", "kept partial\n") == 0);
	CHECK(chdir(cwd0) == 0);
	/* No record: sent as it is (bytes -1 and no hash: nothing checked). */
	CHECK(cat_gives(abs, NULL, -1, NULL, "0123456789") == 0);
	/* The size alone, then the hash, named by the path on the host. */
	CHECK(cat_gives(abs, NULL, 11, NULL, "") == SK_ESTATE);
	CHECKF(strcmp(err.msg, "10 bytes, the record says 11 (truncated)") == 0 && strcmp(err.file, abs) == 0, "%s: %s",
	       err.file, err.msg);
	CHECK(cat_gives("rel.psum", p, 12, "2f77e8ade0bed218", "") == SK_ESTATE);
	snprintf(p, sizeof p, "%s/k/rel.psum", mk_dir);
	CHECKF(strcmp(err.msg, "13 bytes, the record says 12 (longer than written)") == 0 && strcmp(err.file, p) == 0,
	       "%s: %s", err.file, err.msg);
	CHECK(cat_gives(abs, NULL, 10, "3f5fc178a81867e6", "") == SK_ESTATE);
	CHECKF(strcmp(err.msg, "xxh64 3f5fc178a81867e7, the record says 3f5fc178a81867e6") == 0, "%s", err.msg);
	/* A file that is not there. */
	snprintf(p, sizeof p, "%s/k", mk_dir);
	CHECK(cat_gives("gone.psum", p, 10, NULL, "") == SK_EIO);
	snprintf(p, sizeof p, "%s/k/gone.psum", mk_dir);
	CHECKF(strcmp(err.msg, "No such file or directory") == 0 && strcmp(err.file, p) == 0, "%s: %s", err.file,
	       err.msg);
	/* --xxh64 is 16 hex digits: nothing else is read as one (not a
	 * shorter number, a sign, a 0x or a space before it). */
	{
		static const char *const bad[] = {"", "xyz", "3f5fc178a81867e", "3f5fc178a81867e77", "ff",
						  "-1", "+3f5fc178a81867e7", " 3f5fc178a81867e", "0x3f5fc178a81867",
						  "3f5fc178a81867e7 "};
		for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			char want[100];
			snprintf(want, sizeof want, "--xxh64: '%s' is not 16 hex digits", bad[k]);
			CHECKF(cat_gives(abs, NULL, 10, bad[k], "") == SK_EARG && strcmp(err.msg, want) == 0 &&
			       err.file[0] == '\0', "'%s': %s", bad[k], err.msg);
		}
	}
	/* With no output, the check alone. */
	memset(&err, 0, sizeof err);
	CHECK(sk_ptree_cat(abs, NULL, 10, "3f5fc178a81867e7", NULL, &err) == 0);
	unlink(abs);
	snprintf(p, sizeof p, "%s/k/rel.psum", mk_dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/k", mk_dir);
	rmdir(p);
}

/* Makes base/.segmerge/ID with files (taskrun's temporaries among them). */
static void kept(const char *base, const char *id)
{
	char p[256];

	snprintf(p, sizeof p, "%s/.segmerge", base);
	mkdir(p, 0777);
	snprintf(p, sizeof p, "%s/.segmerge/%s", base, id);
	CHECK(mkdir(p, 0777) == 0);
	snprintf(p, sizeof p, "%s/.segmerge/%s/r1-1.psum", base, id);
	CHECK(ps_put(p, "a") == 0);
	snprintf(p, sizeof p, "%s/.segmerge/%s/r2-1.psum", base, id);
	CHECK(ps_put(p, "b") == 0);
	snprintf(p, sizeof p, "%s/.segmerge/%s/.r3-1.psum.tmp.1234", base, id);
	CHECK(ps_put(p, "c") == 0);
}

static void test_clean(void)
{
	char base[128], p[256];

	snprintf(base, sizeof base, "%s/keep", mk_dir);
	CHECK(mkdir(base, 0777) == 0);
	kept(base, ID_A);
	kept(base, ID_B);
	/* One sum's directory goes; the other's and .segmerge stay. */
	CHECK(sk_ptree_clean(ID_A, base, &err) == 0);
	snprintf(p, sizeof p, "%s/.segmerge/" ID_A, base);
	CHECK(!exists(p));
	snprintf(p, sizeof p, "%s/.segmerge/" ID_B "/r2-1.psum", base);
	CHECK(exists(p));
	snprintf(p, sizeof p, "%s/.segmerge/" ID_B "/.r3-1.psum.tmp.1234", base);
	CHECK(exists(p));
	/* Cleaning it again (nothing there) is not an error. */
	CHECK(sk_ptree_clean(ID_A, base, &err) == 0);
	snprintf(p, sizeof p, "%s/.segmerge/" ID_B, base);
	CHECK(exists(p));
	/* The last sum: .segmerge goes too.  No keep directory: the working
	 * directory's. */
	CHECK(chdir(base) == 0);
	CHECK(sk_ptree_clean(ID_B, NULL, &err) == 0);
	CHECK(chdir(cwd0) == 0);
	snprintf(p, sizeof p, "%s/.segmerge", base);
	CHECK(!exists(p));
	/* .segmerge kept when it holds anything else. */
	kept(base, ID_A);
	snprintf(p, sizeof p, "%s/.segmerge/notes", base);
	CHECK(ps_put(p, "mine") == 0);
	CHECK(sk_ptree_clean(ID_A, base, &err) == 0);
	CHECK(exists(p));
	unlink(p);
	snprintf(p, sizeof p, "%s/.segmerge", base);
	CHECK(rmdir(p) == 0);
	/* Only an id this program makes: 16 lower-case hex digits. */
	{
		static const char *const bad[] = {"", "00000000000000a", "00000000000000aaa", "00000000000000AA",
						  "../../../../etc/", "00000000000000a/", "0000000000000g00"};
		for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			char want[100];
			snprintf(want, sizeof want, "--clean: '%s' is not a sum's id", bad[k]);
			memset(&err, 0, sizeof err);
			CHECKF(sk_ptree_clean(bad[k], base, &err) == SK_EARG && strcmp(err.msg, want) == 0, "'%s': %s",
			       bad[k], err.msg);
		}
	}
	CHECK(rmdir(base) == 0);
}

static void test_partial_pair(void)
{
	struct ps_files f;
	char list[2048], l1[200], la[200], lb[200];
	int64_t sa = 0, sb = 0;
	uint64_t ha = 0, hb = 0;

	CHECK(ps_files_make(&f, mk_dir, "pa.psum", "pb.psum", NULL) == 0);

	/* --partial: a relative piece with no keep directory is read from
	 * the working directory; an absolute one from where it is. */
	CHECK(chdir(mk_dir) == 0);
	CHECK(ps_partial("h1", "h1", NULL, "0\t-\t-\ta.su\n", f.pa, &err) == 0);
	CHECK(chdir(cwd0) == 0);
	snprintf(l1, sizeof l1, "1\t-\t-\t%s\n", f.b);
	CHECK(ps_partial("h2", "h2", "/nonexistent/keep", l1, f.pb, &err) == 0);
	/* The same as sk_psum_host's, each. */
	{
		char aname[] = "a.su";
		struct sk_psum_piece pc = {0, -1, 0, 0, aname};
		FILE *out = fopen(f.ref, "wb");
		CHECK(sk_psum_host("h1", "h1", &pc, 1, mk_dir, SK_FMT_AUTO, 1, 0, out, &err) == 0);
		fclose(out);
		CHECK(mk_same_file(f.pa, f.ref));
	}
	/* A partial that cannot be written: about standard output. */
	memset(&err, 0, sizeof err);
	CHECK(ps_partial("h2", "h2", NULL, l1, "/dev/full", &err) == SK_EIO);
	CHECKF(strcmp(err.file, "<stdout>") == 0 && strcmp(err.msg, "write: No space left on device") == 0, "%s: %s",
	       err.file, err.msg);

	/* --pair: its own partial by absolute path (no keep directory), the
	 * peer's through a launcher that runs the command here and a remote
	 * that copies the file, then exits as REMOTE_EXIT says, after a line
	 * on standard error when REMOTE_SAY is set. */
	CHECK(ps_file_id(f.pa, &sa, &ha) == 0 && ps_file_id(f.pb, &sb, &hb) == 0);
	ps_pair_list(list, sizeof list, f.rem, sa, ha, f.pa, sb, hb, f.pb);
	CHECKF(ps_pair("h1", "h1", NULL, list, f.got, &err) == 0, "%s", err.msg);
	snprintf(la, sizeof la, "h1:%s", f.pa);
	snprintf(lb, sizeof lb, "h2:%s", f.pb);
	CHECK(ps_merged(f.pa, la, f.pb, lb, f.ref) == 0);
	CHECK(mk_same_file(f.got, f.ref));
	/* The peer's command sent its partial but failed: an error about
	 * this host, with its status and its last line. */
	setenv("REMOTE_EXIT", "3", 1);
	setenv("REMOTE_SAY", "disk gone", 1);
	memset(&err, 0, sizeof err);
	CHECK(ps_pair("h1", "h1", NULL, list, f.got, &err) == SK_EIO);
	CHECKF(strcmp(err.msg, "could not read h2's partial sum through '" PS_LAUNCHER "' (status 3): disk gone") == 0 &&
	       strcmp(err.file, "h1") == 0, "%s: %s", err.file, err.msg);
	/* Without a word on standard error: the status alone. */
	unsetenv("REMOTE_SAY");
	setenv("REMOTE_EXIT", "7", 1);
	memset(&err, 0, sizeof err);
	CHECK(ps_pair("h1", "h1", NULL, list, f.got, &err) == SK_EIO);
	CHECKF(strcmp(err.msg, "could not read h2's partial sum through '" PS_LAUNCHER "' (status 7)") == 0 &&
	       strcmp(err.file, "h1") == 0, "%s: %s", err.file, err.msg);
	unsetenv("REMOTE_EXIT");
	/* Its own partial gone: the error names it, under the keep
	 * directory (relative self). */
	ps_pair_list(list, sizeof list, f.rem, sa, ha, "gone.psum", sb, hb, f.pb);
	memset(&err, 0, sizeof err);
	CHECK(ps_pair("h1", "h1", mk_dir, list, f.got, &err) == SK_EIO);
	{
		char want[200];
		snprintf(want, sizeof want, "%s/gone.psum", mk_dir);
		CHECKF(strcmp(err.file, want) == 0 && strcmp(err.msg, "No such file or directory") == 0, "%s: %s",
		       err.file, err.msg);
	}

	ps_files_rm(&f);
}

int main(void)
{
	CHECK(getcwd(cwd0, sizeof cwd0) != NULL);
	CHECK(mk_tmpdir(mk_dir, sizeof mk_dir, "psum_step") != NULL);
	test_cat();
	test_clean();
	test_partial_pair();
	CHECK(rmdir(mk_dir) == 0);
	return test_done();
}
