/* Unit tests of lib/flow/edit_store.c (sk_edit_store: how segedit stores a
 * value in a header key), for what test_edit.c does not reach: the range
 * of every integer type at both ends (@BYTE:TYPE keys, the bytes read back
 * big-endian), the tolerance of "an integer" (relative 1e-9), NaN, a
 * positive scalar picked for a large value and a positive current scalar
 * left for a finer one, keys past the header's length left out of the
 * scalar's group, SU's scalt that no value moves (rounded, or out of range
 * with it), and the refusal that names the key of the group that forces a
 * coarse scalar.  Every expected value is worked out by hand in the
 * comment beside it. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "edit.h"

static unsigned char h[240];
static struct sk_error err;

/* Stores v in the key spelled s (a name or @BYTE:TYPE): the return. */
static int put(const char *s, double v, size_t hdrlen, int su)
{
	struct sk_key k;

	memset(&err, 0, sizeof err);
	if (sk_key_parse(s, 0, &k, &err) < 0) {
		printf("# %s: %s\n", s, err.msg);
		return 99;
	}
	return sk_edit_store(h, hdrlen, &k, v, su, &err);
}

/* n bytes at 1-based byte b, big-endian, as an unsigned number. */
static uint64_t be(int b, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | h[b - 1 + i];
	return v;
}

/* put() failed with SK_EFMT and exactly the message want. */
static int refused(const char *s, double v, int su, const char *want)
{
	const int rc = put(s, v, 240, su);

	if (rc != SK_EFMT || strcmp(err.msg, want) != 0) {
		printf("# %s = %.17g: rc %d, '%s'\n", s, v, rc, err.msg);
		return 0;
	}
	return 1;
}

/* Every integer type at both ends of its range, one past each end
 * refused with its name; the bytes as two's complement big-endian. */
static void test_ranges(void)
{
	memset(h, 0, sizeof h);
	CHECK(put("@221:i1", -128, 240, 0) == 0 && be(221, 1) == 0x80);
	CHECK(put("@221:i1", 127, 240, 0) == 0 && be(221, 1) == 0x7f);
	CHECK(refused("@221:i1", 128, 0, "@221:i1 = 128 is out of range (@221:i1 is i1)"));
	CHECK(refused("@221:i1", -129, 0, "@221:i1 = -129 is out of range (@221:i1 is i1)"));
	CHECK(put("@221:u1", 0, 240, 0) == 0 && be(221, 1) == 0);
	CHECK(refused("@221:u1", -1, 0, "@221:u1 = -1 is out of range (@221:u1 is u1)"));
	CHECK(put("@221:i2", -32768, 240, 0) == 0 && be(221, 2) == 0x8000);
	CHECK(refused("@221:i2", 32768, 0, "@221:i2 = 32768 is out of range (@221:i2 is i2)"));
	CHECK(put("@221:u2", 65535, 240, 0) == 0 && be(221, 2) == 0xffff);
	CHECK(refused("@221:u2", 65536, 0, "@221:u2 = 65536 is out of range (@221:u2 is u2)"));
	CHECK(put("@221:u4", 4294967295.0, 240, 0) == 0 && be(221, 4) == 0xffffffffu);
	CHECK(refused("@221:u4", 4294967296.0, 0, "@221:u4 = 4294967296 is out of range (@221:u4 is u4)"));
	CHECK(refused("@221:u4", -1, 0, "@221:u4 = -1 is out of range (@221:u4 is u4)"));
	/* i8: -2^63 is a double; the largest double below 2^63 is 2^63 - 1024
	 * (53-bit mantissa: a step of 2^10 there), 2^63 itself is out. */
	CHECK(put("@225:i8", -0x1p63, 240, 0) == 0 && be(225, 8) == 0x8000000000000000ULL);
	CHECK(put("@225:i8", 0x1p63 - 1024, 240, 0) == 0 && be(225, 8) == 0x7ffffffffffffc00ULL);
	CHECK(refused("@225:i8", 0x1p63, 0, "@225:i8 = 9.22337203685478e+18 is out of range (@225:i8 is i8)"));
	/* u8: likewise 2^64 - 2048 (a step of 2^11) in, 2^64 and -1 out. */
	CHECK(put("@225:u8", 0x1p64 - 2048, 240, 0) == 0 && be(225, 8) == 0xfffffffffffff800ULL);
	CHECK(refused("@225:u8", 0x1p64, 0, "@225:u8 = 1.84467440737096e+19 is out of range (@225:u8 is u8)"));
	CHECK(refused("@225:u8", -1, 0, "@225:u8 = -1 is out of range (@225:u8 is u8)"));
	/* IBM floats take what a float holds (they are written from one):
	 * -118.625 is IBM C276A000 (the SEG-Y standard's own example). */
	CHECK(put("@221:ibm", -118.625, 240, 0) == 0 && be(221, 4) == 0xc276a000u);
	CHECK(refused("@221:ibm", 1e39, 0, "@221:ibm = 1e+39 is out of range (@221:ibm is ibm)"));
	CHECK(refused("@221:f4", -1e39, 0, "@221:f4 = -1e+39 is out of range (@221:f4 is f4)"));
	/* NaN is refused before anything else, scaled keys too. */
	CHECK(refused("@221:f8", NAN, 0, "@221:f8 = nan is not a finite number (@221:f8 is f8)"));
	CHECK(refused("gx", NAN, 0, "gx = nan is not a finite number (gx is i4)"));
	CHECK(refused("gx", -INFINITY, 0, "gx = -inf is not a finite number (gx is i4)"));
}

/* "An integer" is within 1e-9 of one, relative above 1: 2 + 1e-10 is 2,
 * 2 + 1e-8 is not; 1e10 + 1e-3 (within 1e10 x 1e-9 = 10) is 1e10. */
static void test_integers(void)
{
	memset(h, 0, sizeof h);
	CHECK(put("cdp", 2 + 1e-10, 240, 0) == 0 && sk_hdr_i32(h, SK_TR_CDP) == 2);
	CHECK(refused("cdp", 2 + 1e-8, 0, "cdp = 2.00000001 is not an integer (cdp is i4)"));
	CHECK(put("@225:i8", 1e10 + 1e-3, 240, 0) == 0 && be(225, 8) == 10000000000ULL);
	CHECK(put("@225:i8", 1e10 + 20, 240, 0) == 0 && be(225, 8) == 10000000020ULL);
	CHECK(refused("tracl", -0.5, 0, "tracl = -0.5 is not an integer (tracl is i4)"));
}

/* Scalars of a group: sx, sy, gx, gy, cdpx, cdpy share scalco (byte 71). */
static void test_scalars(void)
{
	/* 3e12 m: no i4 holds it unscaled or divided; scalars 10, 100 and
	 * 1000 leave 3e11, 3e10, 3e9 (all above 2^31 - 1); 10000 leaves 3e8. */
	memset(h, 0, sizeof h);
	CHECK(put("sx", 3e12, 240, 0) == 0 && sk_hdr_i16(h, SK_SCALCO) == 10000 && sk_hdr_i32(h, SK_TR_SX) == 300000000);
	CHECK(sk_key_value(h, sk_hdr_key("sx")) == 3e12);
	/* A current scalar 10 (sx raw 5: 50 m) cannot write gx = 7 (0.7):
	 * the first candidate that writes both is 1: sx 50, gx 7. */
	memset(h, 0, sizeof h);
	sk_hdr_set_i16(h, SK_SCALCO, 10);
	sk_hdr_set_i32(h, SK_TR_SX, 5);
	CHECK(put("gx", 7, 240, 0) == 0 && sk_hdr_i16(h, SK_SCALCO) == 1 && sk_hdr_i32(h, SK_TR_SX) == 50 &&
	      sk_hdr_i32(h, SK_TR_GX) == 7);
	/* A value the current scalar writes: only that key changes (gy
	 * 12.5 at -10 is 125; sx stays 50 raw, i.e. 5 m now). */
	sk_hdr_set_i16(h, SK_SCALCO, -10);
	CHECK(put("gy", 12.5, 240, 0) == 0 && sk_hdr_i16(h, SK_SCALCO) == -10 && sk_hdr_i32(h, SK_TR_GY) == 125 &&
	      sk_hdr_i32(h, SK_TR_SX) == 50);
	/* sy = 3e8 m (raw, scalco 0) forces scalar 1 on the group: sx = 0.5
	 * would be written as round(0.5) = 1, which -10000 would have kept
	 * (5000), but sy x 10000 does not fit: refused, naming sy. */
	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, SK_TR_SY, 300000000);
	CHECK(refused("sx", 0.5, 0,
		      "sx = 0.5 would be written as 1: the scalar at byte 71 is shared with sy = 300000000, which "
		      "needs 1; set sy first"));
	CHECK(sk_hdr_i16(h, SK_SCALCO) == 0 && sk_hdr_i32(h, SK_TR_SX) == 0);
	/* A header of 184 bytes holds cdpx (181-184) but not cdpy (185-188):
	 * cdpy is no part of the group there.  At 240 cdpy = 3e8 refuses sx
	 * = 0.25 as above; at 184 sx goes in at -100 (25) and cdpy's bytes
	 * stay. */
	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, SK_TR_CDPY, 300000000);
	CHECK(refused("sx", 0.25, 0,
		      "sx = 0.25 would be written as 0: the scalar at byte 71 is shared with cdpy = 300000000, which "
		      "needs 1; set cdpy first"));
	CHECK(put("sx", 0.25, 184, 0) == 0 && sk_hdr_i16(h, SK_SCALCO) == -100 && sk_hdr_i32(h, SK_TR_SX) == 25 &&
	      sk_hdr_i32(h, SK_TR_CDPY) == 300000000);
	/* In SU streams scalt (byte 215) is SU's own bytes: never changed.
	 * delrt 2.5 with scalt 0 is written round(2.5) = 3; 40000 does not
	 * fit an i2 with it: out of range with any scalar. */
	memset(h, 0, sizeof h);
	CHECK(put("delrt", 2.5, 240, 1) == 0 && sk_hdr_i16(h, SK_TR_DELRT) == 3 && sk_hdr_i16(h, SK_SCALT) == 0);
	CHECK(refused("delrt", 40000, 1, "delrt = 40000 is out of range with any scalar (delrt is i2)"));
	/* Outside SU the same 40000 is written with scalt 10 (4000). */
	CHECK(put("delrt", 40000, 240, 0) == 0 && sk_hdr_i16(h, SK_SCALT) == 10 && sk_hdr_i16(h, SK_TR_DELRT) == 4000);
	/* Elevations: scalel (byte 69) moves with gelev, and selev (raw 7
	 * at scalar 0) is rewritten with it: gelev 0.01 needs -100, selev
	 * 7 becomes 700. */
	memset(h, 0, sizeof h);
	sk_hdr_set_i32(h, SK_TR_SELEV, 7);
	CHECK(put("gelev", 0.01, 240, 0) == 0 && sk_hdr_i16(h, SK_SCALEL) == -100 && sk_hdr_i32(h, SK_TR_GELEV) == 1 &&
	      sk_hdr_i32(h, SK_TR_SELEV) == 700);
}

int main(void)
{
	test_ranges();
	test_integers();
	test_scalars();
	return test_done();
}
