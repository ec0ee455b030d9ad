/* The writer: atomic output, declared counts, output options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "segy.h"
#include "tstream.h"

int main(void)
{
	struct sk_wopts o = SK_WOPTS_INIT;
	struct sk_error err;
	char p[128], q[128];
	struct stat st;

	tdir_make("test_stream_write");

	/* Atomic output: a failed writer leaves nothing behind. */
	{
		struct sk_info like;
		struct sk_writer *w;
		memset(&like, 0, sizeof like);
		like.fmt = SK_FMT_SEGY;
		like.ns = NS;
		like.hdrlen = 240;
		path_of(p, sizeof p, "never.sgy");
		CHECK(sk_writer_open(p, &like, &o, &w, &err) == 0);
		CHECK(stat(p, &st) != 0);     /* not there until close */
		sk_writer_abort(w);
		CHECK(stat(p, &st) != 0);
		o = (struct sk_wopts)SK_WOPTS_INIT;
		o.fmt = SK_FMT_SU;
		like.ns = 70000;
		CHECK(sk_writer_open(p, &like, &o, &w, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "SU cannot hold ns=70000 (at most 65535)") == 0);
		o.fmt = SK_FMT_SEGY;
		o.zstd = 3;
		like.ns = 10;
		CHECK(sk_writer_open(p, &like, &o, &w, &err) == SK_EARG && strcmp(err.msg, "--zstd needs sgk output") == 0);
	}
	/* A declared count: in the header from the first byte (sgk offset 40),
	 * also through a pipe; a stream that does not hold it is refused at
	 * close, leaving no file. */
	{
		unsigned char h[64];
		int fd[2], status;
		pid_t pid;
		o = (struct sk_wopts)SK_WOPTS_INIT;
		o.fmt = SK_FMT_SGK;
		o.count_known = 1;
		o.count = NT;
		CHECK(pipe(fd) == 0);
		if ((pid = fork()) == 0) {
			close(fd[0]);
			dup2(fd[1], 1);
			_exit(write_stream(NULL, &o, NT) == 0 ? 0 : 1);
		}
		close(fd[1]);
		CHECK(read(fd[0], h, sizeof h) == (ssize_t)sizeof h && sk_segy_get(h, 41, 8, 1) == NT);
		while (read(fd[0], h, sizeof h) > 0)
			;
		close(fd[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		path_of(q, sizeof q, "wrong.sgk");
		o.count = NT + 1;
		CHECK(write_stream(q, &o, NT) == SK_ESTATE && stat(q, &st) != 0);
	}
	/* Output options. */
	o = (struct sk_wopts)SK_WOPTS_INIT;
	CHECK(sk_wopts_set(&o, "format", "ibm", &err) == 0 && o.sample_format == 1);
	CHECK(sk_wopts_set(&o, "format", "16", &err) == 0 && o.sample_format == 16);
	CHECK(sk_wopts_set(&o, "format", "4", &err) == SK_EARG);
	CHECK(sk_wopts_set(&o, "endian", "little", &err) == 0 && o.little == 1);
	CHECK(sk_wopts_set(&o, "endian", "middle", &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid endian 'middle' (big or little)") == 0);
	CHECK(sk_wopts_set(&o, "zstd", NULL, &err) == 0 && o.zstd == 3 && o.fmt == SK_FMT_SGK);
	CHECK(sk_wopts_set(&o, "zstd", "20", &err) == SK_EARG);
	CHECK(sk_wopts_set(&o, "to", "segy", &err) == 0 && o.fmt == SK_FMT_SEGY);
	/* Computed traces from integer input are IEEE float unless asked. */
	{
		struct sk_wopts wo = SK_WOPTS_INIT;
		struct sk_info like;
		memset(&like, 0, sizeof like);
		for (int f = 1; f <= 16; f++) {
			like.sample_format = f;
			wo.sample_format = 0;
			sk_wopts_computed(&wo, &like);
			CHECKF(wo.sample_format == (f == 1 || f == 4 || f == 5 || f == 6 ? 0 : 5), "format %d", f);
		}
		like.sample_format = 3;
		wo.sample_format = 3;
		sk_wopts_computed(&wo, &like);
		CHECK(wo.sample_format == 3);
	}

	{
		char cmd[160];
		snprintf(cmd, sizeof cmd, "rm -rf %s", mk_dir);
		CHECK(system(cmd) == 0);
	}
	return test_done();
}
