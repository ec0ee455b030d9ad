/* Unit tests of lib/flow/psum_clean.c beyond test_psum_tree.c's case:
 * which leftovers are removed and which are kept.  More hosts than run at
 * once (16), every host down, a leftovers file with lines of several sums,
 * lines that are not HOST<TAB>ID (dropped), a last line without its newline,
 * no leftovers file, and a retry where no host answers (the file unchanged,
 * no temporary left).  The launcher logs "HOST WORD" for each run and
 * fails (255, as ssh) for the hosts listed in DIR/refuse. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mkstream.h"
#include "psum_tree.h"
#include "psum_tree_int.h"

static char dir[] = "/tmp/test_psum_clean.XXXXXX";
static void put(const char *name, const char *text)
{
	char p[256];
	FILE *fp;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fp = fopen(p, "w");
	CHECK(fp != NULL);
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* A file of dir as text (malloc'd), NULL when absent; removes it. */
static char *take(const char *name)
{
	char p[256];
	size_t n;
	char *b;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	b = (char *)mk_slurp(p, &n);
	unlink(p);
	return b;
}

/* Sorted lines of s, for logs written in whatever order hosts answer. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int same_lines(char *log, const char *const *want, size_t n)
{
	char *line[64], *save = NULL;
	size_t k = 0;

	if (!log)
		return n == 0;
	for (char *s = strtok_r(log, "\n", &save); s && k < 64; s = strtok_r(NULL, "\n", &save))
		line[k++] = s;
	if (k != n)
		return 0;
	qsort(line, k, sizeof *line, cmp_str);
	for (size_t i = 0; i < n; i++)
		if (strcmp(line[i], want[i]) != 0)
			return 0;
	return 1;
}

int main(void)
{
	char launcher[600], ids[20][48], *log;
	const char *want[20];
	struct sk_ptree_opts o = {NULL, NULL, "taskrun", "true", NULL, 1, SK_FMT_AUTO, 0, said_warn, NULL};
	struct sk_ptree t;
	struct sk_error err;
	const struct sk_ptree_piece pc[1] = {{NULL, 0, -1, 0, 0}};

	CHECK(mkdtemp(dir) != NULL);
	snprintf(launcher, sizeof launcher,
		 "sh -c 'echo \"$1 $3\" >>%s/log; grep -qx \"$1\" %s/refuse && exit 255; shift; exec \"$@\"' "
		 "launcher", dir, dir);
	o.ssh = launcher;

	/* 20 hosts used, h03 down, h07 and h17 refusing: 19 runs (two
	 * batches, 16 then 3), three hosts said, in the order of use. */
	put("refuse", "h07\nh17\n");
	CHECK(sk_ptree_init(&t, &o, pc, 1, "00000000000000aa", &err) == 0);
	for (int k = 0; k < 20; k++) {
		char h[16];
		snprintf(h, sizeof h, "h%02d", k);
		CHECK(sk_hostset_add(&t.used, h) == 0);
		snprintf(ids[k], sizeof ids[k], "h%02d --clean=00000000000000aa", k);
	}
	CHECK(sk_hostset_add(&t.down, "h03") == 0);
	t.dir = strdup(dir);
	nsaid = 0;
	sk_ptree_clean_hosts(&t);
	for (int k = 0, j = 0; k < 20; k++)
		if (k != 3)
			want[j++] = ids[k];
	log = take("log");
	CHECKF(same_lines(log, want, 19), "%s", log ? log : "(none)");
	free(log);
	CHECK(nsaid == 3);
	CHECK(strncmp(said[0], "h03: did not answer at the end", 30) == 0 &&
	      strncmp(said[1], "h07: did not answer at the end", 30) == 0);
	/* With a state directory: appended, not replacing what is there. */
	put("leftovers", "old\t0000000000000001\n");
	o.state = dir;
	nsaid = 0;
	sk_ptree_clean_hosts(&t);
	CHECK(nsaid == 0);
	log = take("leftovers");
	CHECKF(log && strcmp(log, "old\t0000000000000001\nh03\t00000000000000aa\nh07\t00000000000000aa\n"
				  "h17\t00000000000000aa\n") == 0, "%s", log ? log : "(none)");
	free(log);
	free(take("log"));
	/* Every host down: nothing run, all recorded. */
	for (int k = 0; k < 20; k++)
		CHECK(sk_hostset_add(&t.down, t.used.name[k]) == 0);
	sk_ptree_clean_hosts(&t);
	log = take("log");
	CHECK(log == NULL);
	log = take("leftovers");
	CHECK(log && strlen(log) == 20 * 21 && strncmp(log, "h00\t00000000000000aa\nh01\t", 25) == 0 &&
	      strcmp(log + 19 * 21, "h19\t00000000000000aa\n") == 0);
	free(log);
	sk_ptree_release(&t);

	/* No leftovers file: nothing run, none made. */
	sk_ptree_leftovers_retry(&o, dir);
	CHECK(take("log") == NULL && take("leftovers") == NULL);

	/* Lines of three sums; two lines that are not HOST<TAB>ID and a
	 * last line without its newline are dropped (never run); b refuses:
	 * its two lines stay, in order. */
	put("refuse", "b\n");
	put("leftovers", "a\t0000000000000001\nnonsense\nb\t0000000000000002\na\t0000000000000003\n\n"
			 "b\t0000000000000003\nc\t0000000000000004");
	sk_ptree_leftovers_retry(&o, dir);
	{
		const char *w[] = {"a --clean=0000000000000001", "a --clean=0000000000000003",
				   "b --clean=0000000000000002", "b --clean=0000000000000003"};
		log = take("log");
		CHECKF(same_lines(log, w, 4), "%s", log ? log : "(none)");
		free(log);
	}
	log = take("leftovers");
	CHECKF(log && strcmp(log, "b\t0000000000000002\nb\t0000000000000003\n") == 0, "%s", log ? log : "(none)");
	free(log);
	/* No host answers: the file stays as it was, no temporary left. */
	put("refuse", "b\n");
	put("leftovers", "b\t0000000000000002\nb\t0000000000000003\n");
	sk_ptree_leftovers_retry(&o, dir);
	log = take("leftovers");
	CHECK(log && strcmp(log, "b\t0000000000000002\nb\t0000000000000003\n") == 0);
	free(log);
	CHECK(take(".leftovers.new") == NULL);
	free(take("log"));
	/* A launcher that cannot run at all counts as no answer. */
	put("leftovers", "a\t0000000000000001\n");
	o.ssh = "/nonexistent/launcher";
	sk_ptree_leftovers_retry(&o, dir);
	log = take("leftovers");
	CHECK(log && strcmp(log, "a\t0000000000000001\n") == 0);
	free(log);
	/* Everyone answers: the file goes. */
	o.ssh = launcher;
	put("refuse", "");
	put("leftovers", "b\t0000000000000002\n");
	sk_ptree_leftovers_retry(&o, dir);
	CHECK(take("leftovers") == NULL);
	log = take("log");
	CHECK(log && strcmp(log, "b --clean=0000000000000002\n") == 0);
	free(log);

	free(take("refuse"));
	CHECK(rmdir(dir) == 0);
	return test_done();
}
