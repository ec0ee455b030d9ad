#include <string.h>

#include "check.h"
#include "edit.h"

static int store(unsigned char *h, const char *key, double v, int su, struct sk_error *err)
{
	return sk_edit_store(h, 240, sk_hdr_key(key), v, su, err);
}

static int table_fails(const char *text, const char *by, int code, const char *msg)
{
	struct sk_edit_table t;
	struct sk_error err;
	const int rc = sk_edit_table_parse(text, strlen(text), by, 240, &t, &err);

	if (rc != code || strcmp(err.msg, msg) != 0) {
		printf("# rc %d '%s'\n", rc, rc < 0 ? err.msg : "");
		return 0;
	}
	return 1;
}

int main(void)
{
	unsigned char h[240];
	struct sk_error err;
	struct sk_edit_table t;
	struct sk_key k;
	const double *row;
	const char *text;

	/* Integer keys take integers in range. */
	memset(h, 0, sizeof h);
	CHECK(store(h, "cdp", 42, 0, &err) == 0 && sk_hdr_i32(h, 21) == 42);
	CHECK(store(h, "cdp", 41.9999999999999, 0, &err) == 0 && sk_hdr_i32(h, 21) == 42);
	CHECK(store(h, "cdp", -2147483648.0, 0, &err) == 0 && sk_hdr_i32(h, 21) == INT32_MIN);
	CHECK(store(h, "cdp", 2.5, 0, &err) == SK_EFMT && strcmp(err.msg, "cdp = 2.5 is not an integer (cdp is i4)") == 0);
	CHECK(store(h, "cdp", 2147483648.0, 0, &err) == SK_EFMT &&
	      strcmp(err.msg, "cdp = 2147483648 is out of range (cdp is i4)") == 0);
	CHECK(store(h, "trid", 32768, 0, &err) == SK_EFMT && store(h, "trid", -32768, 0, &err) == 0);
	CHECK(store(h, "ns", -1, 0, &err) == SK_EFMT && strcmp(err.msg, "ns = -1 is out of range (ns is u2)") == 0);
	CHECK(store(h, "ns", 65535, 0, &err) == 0 && sk_hdr_u16(h, 115) == 65535);
	CHECK(store(h, "cdp", 1.0 / 0.0, 0, &err) == SK_EFMT &&
	      strcmp(err.msg, "cdp = inf is not a finite number (cdp is i4)") == 0);
	CHECK(sk_key_parse("@233:f4", 240, &k, &err) == 0 && sk_edit_store(h, 240, &k, 0.1, 0, &err) == 0 &&
	      (float)sk_key_raw(h, &k) == 0.1f);
	CHECK(sk_edit_store(h, 240, &k, 1e39, 0, &err) == SK_EFMT);
	CHECK(sk_key_parse("@225:f8", 240, &k, &err) == 0 && sk_edit_store(h, 240, &k, 1e300, 0, &err) == 0 &&
	      sk_key_raw(h, &k) == 1e300);
	CHECK(sk_key_parse("@221:u1", 240, &k, &err) == 0 && sk_edit_store(h, 240, &k, 255, 0, &err) == 0 &&
	      sk_edit_store(h, 240, &k, 256, 0, &err) == SK_EFMT);

	/* Scaled keys: the header's scalar when it is exact (0 stays 0). */
	memset(h, 0, sizeof h);
	CHECK(store(h, "gx", 1500, 0, &err) == 0 && sk_hdr_i32(h, 81) == 1500 && sk_hdr_i16(h, SK_SCALCO) == 0);
	sk_hdr_set_i16(h, SK_SCALCO, -100);
	sk_hdr_set_i32(h, 73, 123456);    /* sx 1234.56 */
	CHECK(store(h, "gx", 10.5, 0, &err) == 0 && sk_hdr_i32(h, 81) == 1050 && sk_hdr_i16(h, SK_SCALCO) == -100);
	CHECK(sk_key_value(h, sk_hdr_key("gx")) == 10.5 && sk_hdr_i32(h, 73) == 123456);
	/* A finer value: the first exact scalar, the group rewritten with it. */
	CHECK(store(h, "gx", 10.125, 0, &err) == 0 && sk_hdr_i16(h, SK_SCALCO) == -1000);
	CHECK(sk_hdr_i32(h, 81) == 10125 && sk_hdr_i32(h, 73) == 1234560);
	CHECK(sk_key_value(h, sk_hdr_key("sx")) == 1234.56 && sk_key_value(h, sk_hdr_key("gx")) == 10.125);
	/* No exact scalar: the finest that holds the group. */
	CHECK(store(h, "gx", 1.0 / 3, 0, &err) == 0 && sk_hdr_i16(h, SK_SCALCO) == -10000 && sk_hdr_i32(h, 81) == 3333);
	/* Too large for the finest: a coarser one; too large for all: an error. */
	memset(h, 0, sizeof h);
	CHECK(store(h, "sx", 5e9, 0, &err) == 0 && sk_hdr_i16(h, SK_SCALCO) == 10 && sk_hdr_i32(h, 73) == 500000000);
	CHECK(store(h, "sx", 5e15, 0, &err) == SK_EFMT &&
	      strcmp(err.msg, "sx = 5e+15 is out of range with any scalar (sx is i4)") == 0);
	/* Elevations (scalel) and times (scalt) likewise. */
	memset(h, 0, sizeof h);
	CHECK(store(h, "gelev", 12.5, 0, &err) == 0 && sk_hdr_i16(h, SK_SCALEL) == -10 && sk_hdr_i32(h, 41) == 125);
	CHECK(store(h, "delrt", -11, 0, &err) == 0 && sk_hdr_i16(h, 109) == -11 && sk_hdr_i16(h, SK_SCALT) == 0);
	CHECK(store(h, "delrt", 0.5, 0, &err) == 0 && sk_hdr_i16(h, SK_SCALT) == -10 && sk_hdr_i16(h, 109) == 5);
	/* In SU streams, bytes 181-240 are SU's: scalt stays, cdpx is not
	 * rewritten when scalco changes. */
	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, 181, 0x3a83126f);  /* SU's d1 = 0.001f */
	CHECK(store(h, "delrt", 0.5, 1, &err) == 0 && sk_hdr_i16(h, SK_SCALT) == 0 && sk_hdr_i16(h, 109) == 1);
	CHECK(store(h, "sx", 0.5, 1, &err) == 0 && sk_hdr_i16(h, SK_SCALCO) == -10 && sk_hdr_i32(h, 181) == 0x3a83126f);
	CHECK(store(h, "sx", 0.5, 0, &err) == 0 && sk_hdr_i32(h, 181) == 0x3a83126f);
	/* Outside SU, cdpx is in the group: no finer scalar holds its value, so
	 * sx would be rounded: an error naming the key to set first. */
	CHECK(store(h, "sx", 0.25, 0, &err) == SK_EFMT && sk_hdr_i16(h, SK_SCALCO) == -10 && sk_hdr_i32(h, 73) == 5);
	CHECK(strcmp(err.msg, "sx = 0.25 would be written as 0.3: the scalar at byte 71 is shared with "
			      "cdpx = 98166846.3, which needs -10; set cdpx first") == 0);

	/* Tables. */
	text = "# geometry\nfldr\ttracf\tsx\tgx\n1\t1\t0\t0.5\n1\t2\t0\t1.5\r\n\n2\t1\t1\t0.5\n";
	CHECK(sk_edit_table_parse(text, strlen(text), "fldr,tracf", 240, &t, &err) == 0);
	CHECK(t.ncol == 4 && t.nby == 2 && t.nrow == 3 && t.line[2] == 6);
	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, 9, 1);
	sk_hdr_set_i32(h, 13, 2);
	CHECK((row = sk_edit_table_find(&t, h)) != NULL && row[3] == 1.5);
	sk_hdr_set_i32(h, 9, 2);
	CHECK(sk_edit_table_find(&t, h) == NULL);
	sk_hdr_set_i32(h, 13, 1);
	CHECK((row = sk_edit_table_find(&t, h)) != NULL && row[2] == 1);
	sk_edit_table_release(&t);
	/* Many rows, in any order. */
	{
		static char big[200000];
		size_t n = (size_t)snprintf(big, sizeof big, "cdp\tcdpx\n");
		int ok = 1;
		for (int r = 5000; r > 0; r--)
			n += (size_t)snprintf(big + n, sizeof big - n, "%d\t%d.5\n", r * 3, r);
		CHECK(sk_edit_table_parse(big, n, "cdp", 240, &t, &err) == 0 && t.nrow == 5000);
		for (int c = 0; c <= 15001; c++) {
			sk_hdr_set_i32(h, 21, c);
			row = sk_edit_table_find(&t, h);
			ok &= c % 3 == 0 && c > 0 && c <= 15000 ? row && row[1] == c / 3 + 0.5 : !row;
		}
		CHECK(ok);
		sk_edit_table_release(&t);
	}
	/* The --by values as messages say them, in --by's order, cut to the
	 * buffer. */
	text = "fldr\ttracf\tsx\n";
	CHECK(sk_edit_table_parse(text, strlen(text), "tracf,fldr", 240, &t, &err) == 0 && t.nrow == 0);
	{
		const double v[2] = {7, -2.5};
		char buf[64];
		sk_edit_table_by_text(&t, v, buf, sizeof buf);
		CHECKF(strcmp(buf, "tracf 7, fldr -2.5") == 0, "%s", buf);
		sk_edit_table_by_text(&t, v, buf, 10);
		CHECKF(strcmp(buf, "tracf 7, ") == 0, "%s", buf);
	}
	sk_edit_table_release(&t);
	CHECK(table_fails("fldr\ttracf\n1\t1\n2\t1\n1\t1\n1\t1\n", "fldr,tracf", SK_EFMT,
			  "line 4: the same fldr 1, tracf 1 as line 2"));
	CHECK(table_fails("fldr\ttracf\n1\t1\n2\tx\n", "fldr", SK_EFMT, "line 3, column 2: 'x' is not a number"));
	CHECK(table_fails("fldr\ttracf\n1\t1\n2\n", "fldr", SK_EFMT, "line 3 has 1 fields, the header line 2"));
	CHECK(table_fails("fldr\ttracf\n1\t1\t3\n", "fldr", SK_EFMT, "line 2 has 3 fields, the header line 2"));
	CHECK(table_fails("fldr\tfoo\n", "fldr", SK_EARG, "line 1, column 2: unknown header key 'foo'"));
	CHECK(table_fails("fldr\t-tracf\n", "fldr", SK_EARG, "line 1, column 2: unknown header key '-tracf'"));
	CHECK(table_fails("fldr\t@9:i4\n", "fldr", SK_EARG, "line 1: columns 1 and 2 both name @9:i4"));
	CHECK(table_fails("fldr\tsx\n", "cdp", SK_EARG, "--by key cdp is not a column of the table"));
	CHECK(table_fails("fldr\tsx\n", "cdpp", SK_EARG, "unknown header key 'cdpp'"));
	CHECK(table_fails("# nothing\n\n", "fldr", SK_EFMT, "no header line naming keys"));
	CHECK(table_fails("fldr\tsx\n1\tinf\n", "fldr", SK_EFMT, "line 2, column 2: 'inf' is not a number"));
	return test_done();
}
