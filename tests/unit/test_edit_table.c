/* Unit tests of lib/flow/edit_table.c beyond test_edit.c: the table read
 * from a file (sk_edit_table_load: its errors name the file, and what the
 * parser calls a bad argument is a usage error there), lines that end in
 * CRLF, comments and blank lines, a NUL byte, a header of more than 64
 * columns, rows found by two keys in any order, and the last line without
 * its newline.  Values are worked out by hand beside each check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "edit.h"
#include "hdr.h"

static char path[64];

static void put(const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");

	CHECK(fp != NULL);
	if (fp) {
		fwrite(text, 1, len, fp);
		fclose(fp);
	}
}

int main(void)
{
	struct sk_edit_table t;
	struct sk_error err;
	unsigned char h[240];
	const double *row;
	int fd;

	snprintf(path, sizeof path, "/tmp/test_edit_table.XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);

	/* CRLF line ends, a comment, blank and white lines, the last line
	 * without a newline: three rows by fldr and tracf. */
	{
		static const char text[] = "# geometry\r\nfldr\ttracf\tsx\r\n\r\n1\t2\t100.5\r\n \t\n"
					   "# another\n2\t1\t-7\n1\t1\t3e2";
		put(text, sizeof text - 1);
	}
	CHECK(sk_edit_table_load(path, "tracf,fldr", 240, &t, &err) == 0);
	CHECK(t.ncol == 3 && t.nby == 2 && t.by[0] == 1 && t.by[1] == 0 && t.nrow == 3);
	CHECK(t.line[0] == 4 && t.line[1] == 7 && t.line[2] == 8);
	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, SK_TR_FLDR, 1);
	sk_hdr_set_i32(h, SK_TR_TRACF, 1);
	CHECK((row = sk_edit_table_find(&t, h)) != NULL && row[2] == 300);
	sk_hdr_set_i32(h, SK_TR_TRACF, 2);
	CHECK((row = sk_edit_table_find(&t, h)) != NULL && row[2] == 100.5 && row[0] == 1 && row[1] == 2);
	sk_hdr_set_i32(h, SK_TR_FLDR, 2);
	CHECK(sk_edit_table_find(&t, h) == NULL);
	sk_hdr_set_i32(h, SK_TR_TRACF, 1);
	CHECK((row = sk_edit_table_find(&t, h)) != NULL && row[2] == -7);
	sk_edit_table_release(&t);

	/* A key the table does not have: a usage error about the file. */
	CHECK(sk_edit_table_load(path, "cdp", 240, &t, &err) == SK_EUSAGE && err.code == SK_EUSAGE);
	CHECK(strcmp(err.msg, "--by key cdp is not a column of the table") == 0 && strcmp(err.file, path) == 0);
	/* A bad row stays a data error, naming the file and the line. */
	put("fldr\tsx\n1\t2\n1\t3\n", 16);
	CHECK(sk_edit_table_load(path, "fldr", 240, &t, &err) == SK_EFMT && err.code == SK_EFMT);
	CHECKF(strcmp(err.msg, "line 3: the same fldr 1 as line 2") == 0 && strcmp(err.file, path) == 0, "%s",
	       err.msg);
	/* A NUL byte on line 2: not a text table. */
	put("fldr\tsx\n1\0\t2\n", 13);
	CHECK(sk_edit_table_load(path, "fldr", 240, &t, &err) == SK_EFMT);
	CHECKF(strcmp(err.msg, "line 2: a NUL byte: not a text table") == 0, "%s", err.msg);
	/* 65 columns: more than a table holds (64). */
	{
		char text[2048];
		size_t n = 0;
		for (int c = 0; c < 65; c++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s@%d:i1", c ? "\t" : "", c + 1);
		n += (size_t)snprintf(text + n, sizeof text - n, "\n");
		put(text, n);
		CHECK(sk_edit_table_load(path, "@1:i1", 240, &t, &err) == SK_EUSAGE);
		CHECKF(strcmp(err.msg, "line 1: more than 64 columns") == 0, "%s", err.msg);
		/* 64 are fine. */
		text[strlen(text) - strlen("\t@65:i1\n")] = '\0';
		strcat(text, "\n");
		put(text, strlen(text));
		CHECK(sk_edit_table_load(path, "@1:i1", 240, &t, &err) == 0 && t.ncol == 64 && t.nrow == 0);
		sk_edit_table_release(&t);
	}
	/* No file: the system's message about it. */
	unlink(path);
	CHECK(sk_edit_table_load(path, "fldr", 240, &t, &err) == SK_EIO);
	CHECK(strcmp(err.msg, "No such file or directory") == 0 && strcmp(err.file, path) == 0);
	return test_done();
}
