#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "check.h"

int main(void)
{
	struct sk_cfg *c;
	struct sk_error err;
	long l;
	double d;
	static const char doc[] =
		"source: \"in.sgy\"\n"
		"ns: 75\n"
		"dt: 4000.5\n"
		"pieces:\n"
		"  - file: p1.sgy\n"
		"    traces: 10\n"
		"  - file: p2.sgy\n"
		"    traces: x\n";

	CHECK(sk_cfg_parse(doc, strlen(doc), &c, &err) == 0);
	CHECK(sk_cfg_kind(c) == SK_CFG_MAP && sk_cfg_len(c) == 4);
	CHECK(strcmp(sk_cfg_str(sk_cfg_get(c, "source")), "in.sgy") == 0);
	CHECK(sk_cfg_long(sk_cfg_get(c, "ns"), "ns", &l, &err) == 0 && l == 75);
	CHECK(sk_cfg_double(sk_cfg_get(c, "dt"), "dt", &d, &err) == 0 && d == 4000.5);
	{
		const struct sk_cfg *p = sk_cfg_get(c, "pieces");
		CHECK(sk_cfg_kind(p) == SK_CFG_SEQ && sk_cfg_len(p) == 2);
		CHECK(strcmp(sk_cfg_str(sk_cfg_get(sk_cfg_at(p, 1), "file")), "p2.sgy") == 0);
		CHECK(sk_cfg_long(sk_cfg_get(sk_cfg_at(p, 1), "traces"), "traces", &l, &err) == SK_EARG);
		CHECK(strcmp(err.msg, "line 8, column 13: traces: expected an integer, got 'x'") == 0);
		CHECK(strcmp(sk_cfg_key_at(c, 3), "pieces") == 0);
		{
			int line, col;
			sk_cfg_key_pos(sk_cfg_at(p, 1), 1, &line, &col);
			CHECK(line == 8 && col == 5);
		}
		CHECK(sk_cfg_long(p, "pieces", &l, &err) == SK_EARG);
	}
	CHECK(sk_cfg_get(c, "missing") == NULL);
	sk_cfg_free(c);

	CHECK(sk_cfg_parse("a: [1, 2\n", 9, &c, &err) == SK_EARG);
	CHECK(strncmp(err.msg, "line 2, column 1: ", 18) == 0);
	CHECK(sk_cfg_parse("a: 1\n  b: 2\n", 12, &c, &err) == SK_EARG);
	CHECK(strncmp(err.msg, "line 2, column 4: ", 18) == 0);
	CHECK(sk_cfg_parse("", 0, &c, &err) == 0 && sk_cfg_kind(c) == SK_CFG_MAP && sk_cfg_len(c) == 0);
	sk_cfg_free(c);
	CHECK(sk_cfg_load("/nonexistent/x.yaml", &c, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0);
	/* A file that is not text (a trace file given for a YAML one) is
	 * refused before libyaml sees it, at its first such byte; UTF-16 with
	 * its byte order mark is text. */
	{
		char path[] = "/tmp/test_cfg.XXXXXX";
		const int fd = mkstemp(path);
		static const char bin[] = "dx: 10\nnx: 5\n\0\0\x01";
		static const char u16[] = "\xff\xfe" "d\0x\0:\0 \0" "1\0\n\0";
		CHECK(fd >= 0 && write(fd, bin, sizeof bin - 1) == (ssize_t)(sizeof bin - 1) && close(fd) == 0);
		CHECK(sk_cfg_load(path, &c, &err) == SK_EFMT && c == NULL);
		CHECK(strcmp(err.msg, "binary data, not YAML text (byte 14 is 0x00)") == 0);
		CHECK(strcmp(err.file, path) == 0);
		FILE *fp = fopen(path, "wb");
		CHECK(fp && fwrite(u16, 1, sizeof u16 - 1, fp) == sizeof u16 - 1 && fclose(fp) == 0);
		CHECK(sk_cfg_load(path, &c, &err) == 0);
		CHECK(sk_cfg_long(sk_cfg_get(c, "dx"), "dx", &l, &err) == 0 && l == 1);
		sk_cfg_free(c);
		unlink(path);
	}
	{
		char buf[64];
		FILE *fp = fmemopen(buf, sizeof buf, "w");
		CHECK(sk_cfg_write_str(fp, "a \"b\"\\\n") == 0);
		fclose(fp);
		CHECK(strcmp(buf, "\"a \\\"b\\\"\\\\\\x0a\"") == 0);
	}
	return test_done();
}
