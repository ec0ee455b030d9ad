#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/taskrun/state.h"
#include "check.h"

int main(void)
{
	struct tr_tasklist l = {0};
	struct sk_error err;
	struct tr_state s, s2;
	char dir[] = "/tmp/test_taskrun_state.XXXXXX", line[1024], path[512];
	struct stat st;
	char other[] = "false";

	CHECK(tr_tasklist_add(&l, strdup("echo 'a\tb'\nx \\ y"), NULL, strdup("out/1")) == 0);
	CHECK(tr_tasklist_add(&l, strdup("true"), strdup("in 2"), NULL) == 0);

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/st", dir);
	CHECK(tr_state_open(&s, path, &err) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(tr_state_holder(path) == 0 || tr_state_holder(path) == (long)getpid());
	CHECK(tr_state_tasks(&s, &l, 0, &err) == 0);
	CHECK(tr_state_tasks(&s, &l, 0, &err) == 0);
	/* Another command (the list's strings are its own: not freed). */
	l.t[1].cmd = other;
	CHECK(tr_state_tasks(&s, &l, 0, &err) == SK_ESTATE);
	CHECK(strcmp(err.file, path) == 0 &&
	      strcmp(err.msg, "the task list differs from the one in the state directory (--fresh starts over)") == 0);
	CHECK(tr_state_tasks(&s, &l, 1, &err) == 0);
	snprintf(line, sizeof line, "%s/old.1/tasks", path);
	CHECK(access(line, F_OK) == 0);

	chmod(path, 0755);
	CHECK(tr_state_open(&s2, path, &err) == SK_ESTATE);
	CHECK(strcmp(err.file, path) == 0 && strcmp(err.msg, "accessible by other users (expected mode 0700)") == 0);
	tr_state_close(&s2);
	chmod(path, 0700);
	tr_state_close(&s);
	snprintf(line, sizeof line, "rm -rf '%s'", dir);
	CHECK(system(line) == 0);
	tr_tasklist_release(&l);
	return test_done();
}
