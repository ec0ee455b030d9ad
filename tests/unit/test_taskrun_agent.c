/* The agent, driven through pipes as the controller drives it. */
/* realpath() is XSI, fopencookie() GNU. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../cmd/taskrun/agent.h"
#include "../../cmd/taskrun/proto.h"
#include "check.h"
#include "manifest.h"

struct conn {
	pid_t pid;
	int to, from;
	struct tr_buf r;
	uint32_t started[16];  /* ids of the started frames skipped */
	int nstarted;
};

static void start(struct conn *c)
{
	int a[2], b[2];
	if (pipe(a) != 0 || pipe(b) != 0)
		exit(1);
	c->pid = fork();
	if (c->pid == 0) {
		close(a[1]);
		close(b[0]);
		_exit(tr_agent_run(a[0], b[1], NULL) ? 1 : 0);
	}
	close(a[0]);
	close(b[1]);
	c->to = a[1];
	c->from = b[0];
	memset(&c->r, 0, sizeof c->r);
	c->nstarted = 0;
}

static void send_frame_n(struct conn *c, int type, uint32_t id, const char *s, size_t n)
{
	struct tr_buf b = {0};
	tr_proto_put(&b, type, id, s, n);
	if (write(c->to, b.p, b.len) != (ssize_t)b.len)
		exit(1);
	tr_buf_release(&b);
}

static void send_frame(struct conn *c, int type, uint32_t id, const char *s)
{
	struct tr_buf b = {0};
	tr_proto_put(&b, type, id, s, s ? strlen(s) : 0);
	if (write(c->to, b.p, b.len) != (ssize_t)b.len)
		exit(1);
	tr_buf_release(&b);
}

/* Reads frames until one of type (heartbeats skipped, output collected);
 * returns 0 on timeout or end of file. */
static int expect(struct conn *c, int type, struct tr_frame *f, char *out, double secs)
{
	const double end = tr_mono() + secs;
	for (;;) {
		struct pollfd p = {c->from, POLLIN, 0};
		while (tr_proto_next(&c->r, f, NULL) == 1) {
			const int t = f->type;
			if (t == TR_F_OUT && out)
				strncat(out, f->data, f->len);
			if (t == type)
				return 1;
			if (t == TR_F_STARTED && c->nstarted < 16)
				c->started[c->nstarted++] = f->id;
			tr_buf_consume(&c->r, TR_PROTO_HDR + f->len);
		}
		if (tr_mono() > end || poll(&p, 1, 50) < 0)
			return 0;
		if (p.revents && tr_buf_fill(&c->r, c->from) <= 0)
			return 0;
	}
}

/* The pid the task printed first ("echo $$"): its shell's, its group's. */
static pid_t task_pid(struct conn *c, struct tr_frame *f)
{
	char out[64] = "";
	long pid = 0;

	if (expect(c, TR_F_OUT, f, out, 5)) {
		pid = strtol(out, NULL, 10);
		tr_buf_consume(&c->r, TR_PROTO_HDR + f->len);
	}
	return (pid_t)pid;
}

/* Whether a process (or, for a negative pid, a process group) is gone
 * within two seconds. */
static int gone(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		if (kill(pid, 0) != 0)
			return 1;
		poll(NULL, 0, 20);
	}
	return 0;
}

/* Whether process pid is gone (or a zombie: its parent, the agent, may
 * have died before reaping it) within two seconds. */
static int ended(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		char path[64], buf[256];
		FILE *fp;
		const char *rp;
		size_t n = 0;
		snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
		if ((fp = fopen(path, "r"))) {
			n = fread(buf, 1, sizeof buf - 1, fp);
			fclose(fp);
		}
		buf[n] = '\0';
		/* "pid (comm) state ...": the state after the last ')'. */
		if (n == 0 || ((rp = strrchr(buf, ')')) && rp[1] == ' ' && rp[2] == 'Z'))
			return 1;
		poll(NULL, 0, 20);
	}
	return 0;
}

static void done(struct conn *c, struct tr_frame *f)
{
	tr_buf_consume(&c->r, TR_PROTO_HDR + f->len);
}

/* The pids this binary logged as a piece holder's server ("--serve"), in
 * pids (at most 8); their count. */
static int servers(const char *log, pid_t *pids)
{
	FILE *fp = fopen(log, "r");
	long v;
	int n = 0;

	while (fp && n < 8 && fscanf(fp, "%ld", &v) == 1)
		pids[n++] = (pid_t)v;
	if (fp)
		fclose(fp);
	return n;
}

/* The slow server's standard output ("--serve-slow"): 16 bytes a
 * microsecond, so that a cancel comes while a large piece is on its way,
 * each byte written counted in a file (a line, rewritten in place). */
struct counted {
	int fd;
	long long total;
};

static ssize_t slow_write(void *arg, const char *buf, size_t n)
{
	struct counted *c = arg;
	char line[32];
	size_t done = 0;
	int len;

	usleep((useconds_t)(n / 16));
	while (done < n) {
		const ssize_t k = write(1, buf + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)k;
		c->total += k;
	}
	len = snprintf(line, sizeof line, "%20lld\n", c->total);
	if (pwrite(c->fd, line, (size_t)len, 0) != len)
		return -1;
	return (ssize_t)done;
}

/* The bytes the slow server pid wrote, as its count file (log.PID.bytes)
 * says; -1 before its first write. */
static long long slow_bytes(const char *log, pid_t pid)
{
	char path[400];
	long long v = -1;
	FILE *fp;

	snprintf(path, sizeof path, "%s.%ld.bytes", log, (long)pid);
	if ((fp = fopen(path, "r"))) {
		if (fscanf(fp, "%lld", &v) != 1)
			v = -1;
		fclose(fp);
	}
	return v;
}

/* Piece id: NAME of SIZE bytes with xxh64 HASH, fetched from the holder's
 * copy src/NAME through the server words (each ended by a NUL), and a task
 * that compares it with that copy. */
static void fetch_piece(struct conn *c, uint32_t id, const char *name, long size, const char *hash,
			const char *words, size_t wlen, const char *kdir)
{
	char buf[600], fr[1200];
	int n;

	snprintf(buf, sizeof buf, "1 %ld %s\n%s", size, hash, name);
	send_frame(c, TR_F_INPUT, id, buf);
	n = snprintf(fr, sizeof fr, "%ld %s src/%s\n", size, hash, name);
	memcpy(fr + n, words, wlen);
	send_frame_n(c, TR_F_FETCH, id, fr, (size_t)n + wlen);
	snprintf(buf, sizeof buf, "0 %u 1 1\ncmp '%c/%s' %s/src/%s && echo same", id, 0x1d, name, kdir, name);
	send_frame(c, TR_F_RUN, id, buf);
}

/* Reads frames until n tasks, ids first to first + n - 1, have exited:
 * each one's l payload, exit status and output; the count that exited. */
static int collect(struct conn *c, uint32_t first, int n, char inok[][300], long long *status, char outs[][64],
		   double secs)
{
	const double end = tr_mono() + secs;
	struct tr_frame f;
	int exited = 0;

	for (int k = 0; k < n; k++) {
		inok[k][0] = outs[k][0] = '\0';
		status[k] = -999;
	}
	while (exited < n) {
		struct pollfd p = {c->from, POLLIN, 0};
		while (tr_proto_next(&c->r, &f, NULL) == 1) {
			const int k = (int)(f.id - first);
			if (k >= 0 && k < n) {
				if (f.type == TR_F_INOK)
					snprintf(inok[k], 300, "%.*s", (int)f.len, f.data);
				else if (f.type == TR_F_OUT)
					strncat(outs[k], f.data, f.len < 63 - strlen(outs[k]) ? f.len : 63 - strlen(outs[k]));
				else if (f.type == TR_F_EXIT && tr_proto_ints(f.data, f.len, &status[k], 1, NULL) == 1)
					exited++;
			}
			tr_buf_consume(&c->r, TR_PROTO_HDR + f.len);
		}
		if (exited == n || tr_mono() > end || poll(&p, 1, 50) < 0)
			break;
		if (p.revents && tr_buf_fill(&c->r, c->from) <= 0)
			break;
	}
	return exited;
}

/* Writes n bytes of a pattern to kdir/src/name; its xxh64 into hex. */
static void holder_file(const char *kdir, const char *name, long n, char hex[17])
{
	char path[400];
	struct sk_error e;
	uint64_t h, size;
	FILE *fp;

	snprintf(path, sizeof path, "%s/src/%s", kdir, name);
	CHECK((fp = fopen(path, "w")) != NULL);
	for (long i = 0; fp && i < n; i++)
		putc((int)((i * 7 + n) % 251), fp);
	if (fp)
		fclose(fp);
	CHECK(sk_file_xxh64(path, &h, &size, &e) == 0 && size == (uint64_t)n);
	snprintf(hex, 17, "%016llx", (unsigned long long)h);
}

/* Reads frames for secs seconds (or to end of file): counts heartbeats
 * and exits, and the type of the last frame; returns 1 at end of file. */
static int tally(struct conn *c, double secs, int *pings, int *exits, int *last)
{
	const double end = tr_mono() + secs;
	struct tr_frame f;

	for (;;) {
		struct pollfd p = {c->from, POLLIN, 0};
		while (tr_proto_next(&c->r, &f, NULL) == 1) {
			*pings += f.type == TR_F_APING;
			*exits += f.type == TR_F_EXIT;
			*last = f.type;
			tr_buf_consume(&c->r, TR_PROTO_HDR + f.len);
		}
		if (tr_mono() > end || poll(&p, 1, 10) < 0)
			return 0;
		if (p.revents && tr_buf_fill(&c->r, c->from) <= 0)
			return 1;
	}
}

int main(int argc, char **argv)
{
	struct conn c;
	struct tr_frame f;
	char out[4096] = "";
	long long v[6];
	int st;
	pid_t pg;
	double t0;
	char kdir[] = "/tmp/test_taskrun_agent.XXXXXX", log[300];

	/* This binary as a piece holder's server, for the fetches below:
	 * its pid logged. */
	if (argc == 2 && (strcmp(argv[1], "--serve") == 0 || strcmp(argv[1], "--serve-slow") == 0)) {
		struct sk_error e;
		const char *lp = getenv("TEST_SERVE_LOG");
		FILE *lf = lp ? fopen(lp, "a") : NULL;
		if (!lf)
			return 9;
		fprintf(lf, "%ld\n", (long)getpid());
		fclose(lf);
		if (strcmp(argv[1], "--serve-slow") == 0) {
			static struct counted cnt;
			char bp[400];
			FILE *sout;
			int rc;
			snprintf(bp, sizeof bp, "%s.%ld.bytes", lp, (long)getpid());
			if ((cnt.fd = open(bp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
			    !(sout = fopencookie(&cnt, "w", (cookie_io_functions_t){NULL, slow_write, NULL, NULL})))
				return 9;
			rc = tr_agent_serve(stdin, sout, &e);
			return fclose(sout) != 0 || rc ? 1 : 0;
		}
		return tr_agent_serve(stdin, stdout, &e) ? 1 : 0;
	}
	signal(SIGPIPE, SIG_IGN);
	/* The agent's --keep directory. */
	CHECK(mkdtemp(kdir) != NULL);
	setenv("TASKRUN_KEEP_DIR", kdir, 1);
	/* Where the fetch tests' servers log their pids (set before the agent
	 * starts: they inherit its environment). */
	snprintf(log, sizeof log, "%s/servers", kdir);
	setenv("TEST_SERVE_LOG", log, 1);
	start(&c);
	CHECK(expect(&c, TR_F_AHELLO, &f, NULL, 5));
	CHECK(tr_proto_ints(f.data, f.len, v, 3, NULL) == 3 && v[0] == TR_PROTO_VERSION && v[1] == c.pid);
	done(&c, &f);
	send_frame(&c, TR_F_HELLO, 0, "1 60000 500 testhost");

	/* Output, environment, exit status and resource use. */
	send_frame(&c, TR_F_RUN, 5, "0 7 2 1\necho \"$TASKRUN_TASK $TASKRUN_ATTEMPT $TASKRUN_HOST\"; exit 3");
	CHECK(expect(&c, TR_F_EXIT, &f, out, 5) && f.id == 5);
	/* Started when its request came: not announced (a controller
	 * wake-up per task). */
	CHECK(c.nstarted == 0);
	CHECK(tr_proto_ints(f.data, f.len, v, 6, NULL) == 6 && v[0] == 3 && v[1] == 0 && v[2] > 0);
	done(&c, &f);
	CHECK(strcmp(out, "7 2 testhost\n") == 0);

	/* The slot on this host (TASKRUN_SLOT) and the job slot over all
	 * hosts (PARALLEL_JOBSLOT, {%}); a run frame without the job slot
	 * gives the slot to both. */
	out[0] = '\0';
	send_frame(&c, TR_F_RUN, 11, "0 3 1 2 7\necho $TASKRUN_SLOT $PARALLEL_JOBSLOT");
	CHECK(expect(&c, TR_F_EXIT, &f, out, 5) && f.id == 11);
	done(&c, &f);
	CHECK(strcmp(out, "2 7\n") == 0);
	out[0] = '\0';
	send_frame(&c, TR_F_RUN, 12, "0 3 1 2\n5 >/dev/null 2>&1; echo $TASKRUN_SLOT $PARALLEL_JOBSLOT");
	CHECK(expect(&c, TR_F_EXIT, &f, out, 5) && f.id == 12);
	done(&c, &f);
	CHECK(strcmp(out, "2 2\n") == 0);

	/* Standard input, with credit, then end of input. */
	out[0] = '\0';
	send_frame(&c, TR_F_RUN, 6, "1 1 1 1\ntr a-z A-Z");
	send_frame(&c, TR_F_IN, 6, "hello ");
	send_frame(&c, TR_F_IN, 6, "world\n");
	send_frame(&c, TR_F_IN, 6, NULL);
	CHECK(expect(&c, TR_F_CREDIT, &f, out, 5) && f.id == 6);
	done(&c, &f);
	CHECK(expect(&c, TR_F_EXIT, &f, out, 5));
	CHECK(tr_proto_ints(f.data, f.len, v, 2, NULL) == 2 && v[0] == 0 && v[1] == 0);
	done(&c, &f);
	CHECK(strcmp(out, "HELLO WORLD\n") == 0);

	/* --keep: stdout goes to a file on the agent's host, under
	 * $TASKRUN_KEEP_DIR; "w" gives its size and xxh64 (of "hello", from
	 * tests/cli/xxh64.py) before "x", and no "o" frame carries it. */
	{
		char path[300], buf[16];
		FILE *fp;
		out[0] = '\0';
		send_frame(&c, TR_F_KEEP, 9, "k/sub/1.out");
		send_frame(&c, TR_F_RUN, 9, "0 1 1 1\nprintf hello");
		CHECK(expect(&c, TR_F_KEPT, &f, out, 5) && f.id == 9);
		CHECK(f.len == 18 && memcmp(f.data, "5 26c7827d889f6da3", 18) == 0);
		done(&c, &f);
		CHECK(expect(&c, TR_F_EXIT, &f, out, 5) && f.id == 9);
		CHECK(tr_proto_ints(f.data, f.len, v, 2, NULL) == 2 && v[0] == 0 && v[1] == 0);
		done(&c, &f);
		CHECK(out[0] == '\0');
		snprintf(path, sizeof path, "%s/k/sub/1.out", kdir);
		CHECK((fp = fopen(path, "r")) && fread(buf, 1, sizeof buf, fp) == 5 && memcmp(buf, "hello", 5) == 0);
		if (fp)
			fclose(fp);
		/* A failed task leaves no file. */
		send_frame(&c, TR_F_KEEP, 10, "k/sub/2.out");
		send_frame(&c, TR_F_RUN, 10, "0 2 1 1\nprintf partial; exit 4");
		CHECK(expect(&c, TR_F_EXIT, &f, out, 5) && f.id == 10);
		CHECK(tr_proto_ints(f.data, f.len, v, 2, NULL) == 2 && v[0] == 4);
		done(&c, &f);
		/* D removes a kept file: the directory is then empty (no
		 * temporary left either). */
		send_frame(&c, TR_F_DROP, 9, "k/sub/1.out");
		poll(NULL, 0, 300);
		CHECK(access(path, F_OK) != 0);
		snprintf(path, sizeof path, "%s/k/sub", kdir);
		CHECK(rmdir(path) == 0);
		snprintf(path, sizeof path, "%s/k", kdir);
		CHECK(rmdir(path) == 0 && rmdir(kdir) == 0);
	}

	/* A relayed input piece with a place (L's third line): once it
	 * checks by size and xxh64 it stays there as a copy ("l" says 0 5
	 * 1), the task reads it there, and no temporary is left; one that
	 * does not check is not placed. */
	{
		char path[300], buf[16], cmd[64];
		FILE *fp;
		out[0] = '\0';
		CHECK(mkdir(kdir, 0700) == 0);
		send_frame(&c, TR_F_INPUT, 21, "1 5 26c7827d889f6da3\npart-1.sgy\npl/x/part-1.sgy");
		send_frame(&c, TR_F_IN, 21, "hello");
		send_frame(&c, TR_F_IN, 21, NULL);
		snprintf(cmd, sizeof cmd, "0 1 1 1\ncat '%c/part-1.sgy'", 0x1d);
		send_frame(&c, TR_F_RUN, 21, cmd);
		CHECK(expect(&c, TR_F_INOK, &f, out, 5) && f.id == 21);
		CHECKF(f.len == 5 && memcmp(f.data, "0 5 1", 5) == 0, "%.*s", (int)f.len, f.data);
		done(&c, &f);
		CHECK(expect(&c, TR_F_EXIT, &f, out, 5) && f.id == 21);
		CHECK(tr_proto_ints(f.data, f.len, v, 2, NULL) == 2 && v[0] == 0);
		done(&c, &f);
		CHECK(strcmp(out, "hello") == 0);
		snprintf(path, sizeof path, "%s/pl/x/part-1.sgy", kdir);
		CHECK((fp = fopen(path, "r")) && fread(buf, 1, sizeof buf, fp) == 5 && memcmp(buf, "hello", 5) == 0);
		if (fp)
			fclose(fp);
		snprintf(cmd, sizeof cmd, "ls -a %s | grep -c taskrun-in", kdir);
		CHECK((fp = popen(cmd, "r")) && fgets(buf, sizeof buf, fp) && strcmp(buf, "0\n") == 0);
		if (fp)
			pclose(fp);
		send_frame(&c, TR_F_INPUT, 22, "1 5 26c7827d889f6da3\npart-2.sgy\npl/x/part-2.sgy");
		send_frame(&c, TR_F_IN, 22, "hellO");
		send_frame(&c, TR_F_IN, 22, NULL);
		send_frame(&c, TR_F_RUN, 22, "0 1 1 1\ntrue");
		CHECK(expect(&c, TR_F_INOK, &f, out, 5) && f.id == 22 && f.len > 2 && memcmp(f.data, "1 ", 2) == 0);
		done(&c, &f);
		CHECK(expect(&c, TR_F_EXIT, &f, out, 5) && f.id == 22);
		done(&c, &f);
		snprintf(path, sizeof path, "%s/pl/x/part-2.sgy", kdir);
		CHECK(access(path, F_OK) != 0);
		unlink(path);
		snprintf(path, sizeof path, "%s/pl/x/part-1.sgy", kdir);
		unlink(path);
		snprintf(path, sizeof path, "%s/pl/x", kdir);
		rmdir(path);
		snprintf(path, sizeof path, "%s/pl", kdir);
		rmdir(path);
		CHECK(rmdir(kdir) == 0);
	}

	/* A cluster: three tasks in one B frame run one after another, each
	 * with its own started and exit frames and status; a cancel of one
	 * that has not started ends it without running it. */
	{
		struct tr_buf b = {0};
		long long st11 = -9, st12 = -9, st13 = -9;
		int order = 0, o11 = 0, o12 = 0, o13 = 0;
		tr_proto_put(&b, TR_F_RUN, 11, "0 11 1 1\nsleep 0.2; echo a", 26);
		tr_proto_put(&b, TR_F_RUN, 12, "0 12 1 1\necho b; exit 5", 23);
		tr_proto_put(&b, TR_F_RUN, 13, "0 13 1 1\necho c", 15);
		send_frame_n(&c, TR_F_CLUSTER, 0, b.p, b.len);
		tr_buf_release(&b);
		send_frame(&c, TR_F_CANCEL, 13, NULL);
		out[0] = '\0';
		for (int k = 0; k < 3 && expect(&c, TR_F_EXIT, &f, out, 5); k++) {
			tr_proto_ints(f.data, f.len, v, 2, NULL);
			if (f.id == 11) {
				st11 = v[0];
				o11 = ++order;
			} else if (f.id == 12) {
				st12 = v[0];
				o12 = ++order;
			} else if (f.id == 13) {
				st13 = v[1] == SIGTERM ? -1 : 0;
				o13 = ++order;
			}
			done(&c, &f);
		}
		/* 13 is cancelled at once; 11 then 12 run, in that order,
		 * each announced when it starts (13 never is). */
		CHECK(o13 == 1 && o11 == 2 && o12 == 3);
		CHECK(c.nstarted == 2 && c.started[0] == 11 && c.started[1] == 12);
		CHECK(st11 == 0 && st12 == 5 && st13 == -1);
		CHECK(strcmp(out, "a\nb\n") == 0);
	}

	/* Cancel kills the whole process group. */
	send_frame(&c, TR_F_RUN, 8, "0 2 1 1\necho $$; sleep 30 & sleep 30; wait");
	pg = task_pid(&c, &f);
	poll(NULL, 0, 200);   /* let the shell start both sleeps */
	t0 = tr_mono();
	send_frame(&c, TR_F_CANCEL, 8, NULL);
	CHECK(expect(&c, TR_F_EXIT, &f, NULL, 5));
	CHECK(tr_proto_ints(f.data, f.len, v, 2, NULL) == 2 && v[0] == -1 && v[1] == SIGTERM);
	done(&c, &f);
	CHECK(tr_mono() - t0 < 3);
	CHECK(pg > 1 && gone(-pg));

	/* Pieces fetched host to host (F): three from one holder over one
	 * link (one server started), each checked and read by its task; a
	 * copy that is not what the request says and a missing one end as
	 * bad copies (l "1 ...", exit 126) on the same link; a server that
	 * cannot start is an f frame with its status and words, and the
	 * piece is then relayed.  After the quit, no server is left. */
	char self[4096], words[4200];
	pid_t spid[8];
	size_t wlen;
	{
		char h1[17], h2[17], h3[17], path[300], inok[5][300], outs[5][64];
		long long status[5];
		static const long sizes[3] = {5, 200000, 0};
		CHECK(mkdir(kdir, 0700) == 0);
		snprintf(path, sizeof path, "%s/src", kdir);
		CHECK(mkdir(path, 0700) == 0);
		holder_file(kdir, "a.sgy", sizes[0], h1);
		holder_file(kdir, "b.sgy", sizes[1], h2);
		holder_file(kdir, "c.sgy", sizes[2], h3);
		CHECK(realpath(argv[0], self) != NULL);
		wlen = (size_t)snprintf(words, sizeof words, "%s%c--serve%c", self, 0, 0);
		fetch_piece(&c, 31, "a.sgy", sizes[0], h1, words, wlen, kdir);
		fetch_piece(&c, 32, "b.sgy", sizes[1], h2, words, wlen, kdir);
		fetch_piece(&c, 33, "c.sgy", sizes[2], h3, words, wlen, kdir);
		/* a.sgy's request with b.sgy's hash; a missing file. */
		fetch_piece(&c, 34, "a.sgy", sizes[0], h2, words, wlen, kdir);
		fetch_piece(&c, 35, "d.sgy", 7, h1, words, wlen, kdir);
		CHECK(collect(&c, 31, 5, inok, status, outs, 20) == 5);
		for (int k = 0; k < 3; k++) {
			char want[64];
			snprintf(want, sizeof want, "0 %ld 0", sizes[k]);
			CHECKF(strcmp(inok[k], want) == 0, "%d: %s", 31 + k, inok[k]);
			CHECKF(status[k] == 0 && strcmp(outs[k], "same\n") == 0, "%d: %lld %s", 31 + k, status[k], outs[k]);
		}
		snprintf(path, sizeof path, "1 %s/src/a.sgy: xxh64 %s, the record says %s", kdir, h1, h2);
		CHECKF(strcmp(inok[3], path) == 0 && status[3] == 126, "%s", inok[3]);
		snprintf(path, sizeof path, "1 %s/src/d.sgy: No such file or directory", kdir);
		CHECKF(strcmp(inok[4], path) == 0 && status[4] == 126, "%s", inok[4]);
		CHECK(servers(log, spid) == 1 && spid[0] > 1 && kill(spid[0], 0) == 0);
		/* A server that cannot start. */
		static const char nowhere[] = "/nonexistent/taskrun\0--serve";
		fetch_piece(&c, 36, "a.sgy", sizes[0], h1, nowhere, sizeof nowhere, kdir);
		CHECK(expect(&c, TR_F_FFAIL, &f, NULL, 10) && f.id == 36);
		snprintf(path, sizeof path, "127 taskrun agent: /nonexistent/taskrun: No such file or directory");
		CHECKF(f.len == strlen(path) && memcmp(f.data, path, f.len) == 0, "%.*s", (int)f.len, f.data);
		done(&c, &f);
		/* Then the controller relays it (a.sgy's bytes). */
		send_frame(&c, TR_F_IN, 36, "\x05\x0c\x13\x1a\x21");
		send_frame(&c, TR_F_IN, 36, NULL);
		CHECK(collect(&c, 36, 1, inok, status, outs, 10) == 1);
		CHECKF(strcmp(inok[0], "0 5 0") == 0 && status[0] == 0 && strcmp(outs[0], "same\n") == 0, "%s", inok[0]);
		CHECK(servers(log, spid) == 1);
		/* A fetch cancelled while its link owes it (L, F and C in one
		 * write: the cancel comes before any answer): the link takes no
		 * new request (it may hang: the controller cancels the fetches
		 * from a holder it lost), and the next piece from that holder
		 * has a server of its own. */
		{
			struct tr_buf b = {0};
			char lf[600], fr[1200];
			const int n = snprintf(fr, sizeof fr, "%ld %s src/b.sgy\n", sizes[1], h2);
			snprintf(lf, sizeof lf, "1 %ld %s\nb.sgy", sizes[1], h2);
			memcpy(fr + n, words, wlen);
			tr_proto_put(&b, TR_F_INPUT, 37, lf, strlen(lf));
			tr_proto_put(&b, TR_F_FETCH, 37, fr, (size_t)n + wlen);
			tr_proto_put(&b, TR_F_CANCEL, 37, NULL, 0);
			CHECK(write(c.to, b.p, b.len) == (ssize_t)b.len);
			tr_buf_release(&b);
		}
		fetch_piece(&c, 38, "a.sgy", sizes[0], h1, words, wlen, kdir);
		CHECK(collect(&c, 38, 1, inok, status, outs, 10) == 1);
		CHECKF(strcmp(inok[0], "0 5 0") == 0 && status[0] == 0 && strcmp(outs[0], "same\n") == 0, "%s", inok[0]);
		CHECK(servers(log, spid) == 2);
		/* A large piece cancelled while its holder sends it (a server
		 * that sends 16 MB/s and counts its bytes), with a piece queued
		 * behind it on the same link: the link is cut, so the server
		 * stops (far fewer bytes than the piece's 64 MiB cross), and
		 * the piece behind is asked again on a new link, which then
		 * serves the next piece from that holder; nothing is left. */
		{
			struct tr_buf b = {0};
			char hb[17], lf[600], fr[1200], words2[4200];
			const long big = 64L << 20;
			const size_t wlen2 = (size_t)snprintf(words2, sizeof words2, "%s%c--serve-slow%c", self, 0, 0);
			long long sent = -1;
			int n;
			holder_file(kdir, "big.sgy", big, hb);
			n = snprintf(fr, sizeof fr, "%ld %s src/big.sgy\n", big, hb);
			snprintf(lf, sizeof lf, "1 %ld %s\nbig.sgy", big, hb);
			memcpy(fr + n, words2, wlen2);
			tr_proto_put(&b, TR_F_INPUT, 39, lf, strlen(lf));
			tr_proto_put(&b, TR_F_FETCH, 39, fr, (size_t)n + wlen2);
			CHECK(write(c.to, b.p, b.len) == (ssize_t)b.len);
			tr_buf_release(&b);
			fetch_piece(&c, 40, "a.sgy", sizes[0], h1, words2, wlen2, kdir);
			/* Cancelled once 1 MiB of it was sent. */
			for (int k = 0; k < 1000 && (servers(log, spid) < 3 || (sent = slow_bytes(log, spid[2])) < (1L << 20));
			     k++)
				poll(NULL, 0, 10);
			CHECKF(servers(log, spid) == 3 && sent >= (1L << 20), "%lld", sent);
			send_frame(&c, TR_F_CANCEL, 39, NULL);
			CHECK(ended(spid[2]));
			sent = slow_bytes(log, spid[2]);
			CHECKF(sent >= (1L << 20) && sent < big / 4, "the cut server sent %lld bytes of %ld", sent, big);
			fprintf(stderr, "test_taskrun_agent: a fetch of %ld bytes cancelled: %lld bytes sent\n", big, sent);
			CHECK(collect(&c, 40, 1, inok, status, outs, 20) == 1);
			CHECKF(strcmp(inok[0], "0 5 0") == 0 && status[0] == 0 && strcmp(outs[0], "same\n") == 0, "%s",
			       inok[0]);
			CHECK(servers(log, spid) == 4 && kill(spid[3], 0) == 0);
			/* The new link serves the next piece: no other server. */
			fetch_piece(&c, 42, "b.sgy", sizes[1], h2, words2, wlen2, kdir);
			CHECK(collect(&c, 42, 1, inok, status, outs, 20) == 1);
			CHECKF(strcmp(inok[0], "0 200000 0") == 0 && status[0] == 0 && strcmp(outs[0], "same\n") == 0,
			       "%s", inok[0]);
			CHECK(servers(log, spid) == 4 && slow_bytes(log, spid[3]) > 200000);
			/* No piece's temporary is left in the keep directory. */
			{
				char cmd[600];
				int left = 1;
				snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q '^\\.taskrun-in'", kdir);
				for (int k = 0; k < 100 && (left = system(cmd) == 0); k++)
					poll(NULL, 0, 20);
				CHECK(!left);
			}
			snprintf(lf, sizeof lf, "%s/src/big.sgy", kdir);
			unlink(lf);
		}
	}

	/* Quit: the agent exits, and its links' servers with it. */
	send_frame(&c, TR_F_QUIT, 0, NULL);
	CHECK(waitpid(c.pid, &st, 0) == c.pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(servers(log, spid) == 4);
	for (int k = 0; k < 4; k++)
		CHECKF(ended(spid[k]), "server %d", k);
	close(c.to);
	close(c.from);
	tr_buf_release(&c.r);

	/* kill -9 of an agent with a link: its server goes too. */
	unlink(log);
	start(&c);
	{
		char h1[17];
		holder_file(kdir, "a.sgy", 5, h1);
		char inok[1][300], outs[1][64];
		long long status[1];
		fetch_piece(&c, 41, "a.sgy", 5, h1, words, wlen, kdir);
		CHECK(collect(&c, 41, 1, inok, status, outs, 10) == 1 && status[0] == 0);
		CHECK(servers(log, spid) == 1 && kill(spid[0], 0) == 0);
		kill(c.pid, SIGKILL);
		CHECK(waitpid(c.pid, &st, 0) == c.pid);
		CHECK(ended(spid[0]));
		close(c.to);
		close(c.from);
		tr_buf_release(&c.r);
	}
	{
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -r '%s'", kdir);
		CHECK(system(cmd) == 0);
	}

	/* Heartbeats, with a lease of 3 s (one due after 0.5 s with nothing
	 * sent): none while exit frames go out more often than that (a
	 * thousand busy agents pinged the controller every few seconds
	 * each), some when the agent is idle, and a last one, with its final
	 * CPU time, after the exit of its last task as it quits. */
	start(&c);
	CHECK(expect(&c, TR_F_AHELLO, &f, NULL, 5));
	done(&c, &f);
	send_frame(&c, TR_F_HELLO, 0, "1 3000 300 h");
	{
		int pings = 0, exits = 0, last = 0, eof = 0;
		/* What it sent before it heard the lease. */
		tally(&c, 0.1, &pings, &exits, &last);
		pings = exits = 0;
		/* Busy for 2 s: a task every 80 ms. */
		for (uint32_t id = 100; id < 125 && !eof; id++) {
			char run[64];
			snprintf(run, sizeof run, "0 %u 1 1\ntrue", id);
			send_frame(&c, TR_F_RUN, id, run);
			eof = tally(&c, 0.08, &pings, &exits, &last);
		}
		for (double t1 = tr_mono() + 5; !eof && exits < 25 && tr_mono() < t1;)
			eof = tally(&c, 0.02, &pings, &exits, &last);
		/* Four without the rule; one may come of a moment's load. */
		CHECKF(!eof && exits == 25 && pings <= 1, "busy: %d exits, %d heartbeats", exits, pings);
		pings = 0;
		eof = tally(&c, 1.2, &pings, &exits, &last);
		CHECKF(!eof && pings >= 1 && last == TR_F_APING, "idle: %d heartbeats", pings);
		pings = exits = 0;
		/* Quit while a task runs: its exit (killed), then the last
		 * heartbeat, then the end. */
		send_frame(&c, TR_F_RUN, 130, "0 130 1 1\nsleep 5");
		tally(&c, 0.1, &pings, &exits, &last);
		pings = 0;
		send_frame(&c, TR_F_QUIT, 0, NULL);
		eof = tally(&c, 5, &pings, &exits, &last);
		CHECKF(eof && exits == 1 && pings == 1 && last == TR_F_APING, "quit: %d exits, %d heartbeats, last '%c'",
		       exits, pings, last);
		CHECK(waitpid(c.pid, &st, 0) == c.pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		close(c.to);
		close(c.from);
		tr_buf_release(&c.r);
	}

	/* Lease: no heartbeat for 0.6 s, and the task's group is killed. */
	start(&c);
	send_frame(&c, TR_F_HELLO, 0, "1 600 300 h");
	send_frame(&c, TR_F_RUN, 1, "0 1 1 1\necho $$; exec sleep 30");
	pg = task_pid(&c, &f);
	CHECK(pg > 1);
	t0 = tr_mono();
	CHECK(waitpid(c.pid, &st, 0) == c.pid);
	CHECK(tr_mono() - t0 < 3);
	CHECK(pg > 1 && gone(pg));
	close(c.to);
	close(c.from);
	tr_buf_release(&c.r);

	/* End of input: the agent kills its tasks and exits. */
	start(&c);
	send_frame(&c, TR_F_RUN, 1, "0 1 1 1\necho $$; exec sleep 30");
	pg = task_pid(&c, &f);
	close(c.to);
	CHECK(waitpid(c.pid, &st, 0) == c.pid);
	CHECK(pg > 1 && gone(pg));
	close(c.from);
	tr_buf_release(&c.r);
	return test_done();
}
