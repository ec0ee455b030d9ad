#include <string.h>

#include "check.h"
#include "segy.h"

int main(void)
{
	unsigned char h[3600], c[3600];
	struct sk_segy_bin b;
	struct sk_error err;

	sk_segy_default(h);
	CHECK(sk_segy_text_is_ebcdic(h, 3200));
	CHECK(sk_ebcdic_to_ascii(h[0]) == 'C' && sk_ascii_to_ebcdic('C') == 0xc3 && sk_ascii_to_ebcdic(' ') == 0x40);
	CHECK(sk_segy_set_bin(h, 0, 0, 1, 1500, 4000, &err) == 0);
	CHECK(sk_segy_parse_bin(h, &b, &err) == 0);
	CHECK(!b.little && b.format == 1 && b.ns == 1500 && b.dt == 4000 && b.rev_major == 1 && b.fixed_length == 1);
	CHECK(h[3220] == 0x05 && h[3221] == 0xdc);          /* ns 1500 big-endian at 3221 */

	/* Setting the values a header already holds changes no byte. */
	memcpy(c, h, sizeof h);
	CHECK(sk_segy_set_bin(c, 0, 0, 1, 1500, 4000, &err) == 0 && memcmp(c, h, sizeof h) == 0);
	/* To little-endian and back is exact. */
	CHECK(sk_segy_set_bin(c, 0, 1, 1, 1500, 4000, &err) == 0);
	CHECK(c[3224] == 1 && c[3225] == 0);
	CHECK(sk_segy_parse_bin(c, &b, &err) == 0 && b.little && b.format == 1 && b.ns == 1500);
	CHECK(sk_segy_set_bin(c, 1, 0, 1, 1500, 4000, &err) == 0 && memcmp(c, h, sizeof h) == 0);
	/* ns above 65535 goes to rev 2's extended ns. */
	CHECK(sk_segy_set_bin(c, 0, 0, 5, 70000, 4000, &err) == 0);
	CHECK(sk_segy_parse_bin(c, &b, &err) == 0 && b.rev2 && b.ns == 70000 && b.format == 5);
	/* Byte-order word and rev 2 fields. */
	memcpy(c, h, sizeof c);
	c[3500] = 2;
	sk_segy_put(c, 3297, 4, 0, 0x01020304u);
	sk_segy_put(c, 3507, 2, 0, 2);
	sk_segy_put(c, 3513, 8, 0, 77);
	CHECK(sk_segy_parse_bin(c, &b, &err) == 0 && b.byte_order_word && b.extra == 2 && b.ntraces == 77);
	sk_segy_set_count(c, 0, 99);
	CHECK(sk_segy_get(c, 3513, 8, 0) == 99);
	sk_segy_put(c, 3297, 4, 0, 0x02010403u);
	CHECK(sk_segy_parse_bin(c, &b, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "byte 3297: byte-order word 0x02010403 means pair-swapped fields, which segkit does not read") == 0);
	/* Impossible format codes in both byte orders. */
	memcpy(c, h, sizeof c);
	sk_segy_put(c, 3225, 2, 0, 99);
	CHECK(sk_segy_parse_bin(c, &b, &err) == SK_EFMT);
	CHECK(strcmp(err.msg, "byte 3225: impossible sample format code 99 (0x0063)") == 0);
	sk_segy_put(c, 3225, 2, 0, 1);
	sk_segy_put(c, 3505, 2, 0, (uint64_t)-5 & 0xffff);
	CHECK(sk_segy_parse_bin(c, &b, &err) == SK_EFMT && strcmp(err.msg, "byte 3505: invalid extended textual header count -5") == 0);
	/* The EndText stanza in ASCII and EBCDIC. */
	memset(c, ' ', 3200);
	CHECK(!sk_segy_is_endtext(c));
	memcpy(c + 100, "((SEG: EndText))", 16);
	CHECK(sk_segy_is_endtext(c));
	for (int i = 0; i < 16; i++)
		c[100 + i] = sk_ascii_to_ebcdic((unsigned char)"((SEG: EndText))"[i]);
	CHECK(sk_segy_is_endtext(c));
	/* Stanza names as real writers write them: any case, blanks and NULs
	 * inside the parentheses; not a different name, an unclosed one, or a
	 * stanza cut by the end of the block. */
	{
		static const struct { const char *text; int yes; } st[] = {
			{"((  seg: endTEXt  ))", 1}, {"((SEG:EndText))", 1}, {"(( SEG : END TEXT ))", 1},
			{"((\tseg:\tendtext\t))", 1}, {"((SEG: EndText)) ((x))", 1}, {"(((SEG: EndText)))", 1},
			{"((SEG: EndTextX))", 0}, {"((SEG: EndTex))", 0}, {"((SEG: EndText)", 0},
			{"(SEG: EndText))", 0}, {"((SEG- EndText))", 0}, {"((SEG: End-Text))", 0},
		};
		for (size_t k = 0; k < sizeof st / sizeof st[0]; k++) {
			const size_t n = strlen(st[k].text);
			for (int ebc = 0; ebc < 2; ebc++) {
				memset(c, ebc ? 0x40 : ' ', 3200);
				for (size_t i = 0; i < n; i++)
					c[200 + i] = ebc ? sk_ascii_to_ebcdic((unsigned char)st[k].text[i])
							 : (unsigned char)st[k].text[i];
				CHECKF(sk_segy_is_endtext(c) == st[k].yes, "%s (%s)", st[k].text, ebc ? "EBCDIC" : "ASCII");
			}
		}
		memset(c, ' ', 3200);
		memcpy(c + 3200 - 15, "((SEG: EndText)", 15);
		CHECK(!sk_segy_is_endtext(c));
		memcpy(c + 3200 - 20, "((seg:endtext))", 15);
		CHECK(sk_segy_is_endtext(c));
		memset(c, ' ', 3200);
		memcpy(c + 10, "((  SEG: Location Data ver 1.0 ))", 33);
		CHECK(sk_segy_has_stanza(c, "SEG: Location Data ver 1.0") && !sk_segy_is_endtext(c));
		c[20] = 0;    /* a NUL in the middle of "Location" */
		CHECK(!sk_segy_has_stanza(c, "SEG: Location Data ver 1.0"));
	}
	/* ASCII text padded with NULs is ASCII. */
	memset(c, 0, 3200);
	memcpy(c, "C 1 CLIENT SEGKIT TEST LINE 7", 29);
	CHECK(!sk_segy_text_is_ebcdic(c, 3200));
	/* Every byte counts as notes/segy.md says: alone, EBCDIC evidence
	 * wins; beside an EBCDIC space, ASCII evidence ties (not EBCDIC). */
	for (int v = 0; v < 256; v++) {
		const int e = v == 0x40 || (v >= 0x81 && v <= 0xa9) || (v >= 0xc1 && v <= 0xe9) ||
			      (v >= 0xf0 && v <= 0xf9);
		const int a = v == 0x20 || (v >= '0' && v <= '9') || (v >= 'A' && v <= 'Z') ||
			      (v >= 'a' && v <= 'z');
		const unsigned char two[2] = {(unsigned char)v, 0x40};
		CHECK(sk_segy_text_is_ebcdic(two, 1) == e);
		CHECK(sk_segy_text_is_ebcdic(two, 2) == !a);
	}
	/* ASCII to EBCDIC is the first code EBCDIC gives that byte ('?' for
	 * none; 0x6f itself for '?'). */
	for (int v = 0; v < 256; v++) {
		int want = 0x6f;
		for (int i = 0; i < 256; i++)
			if (sk_ebcdic_to_ascii((unsigned char)i) == v && (v != '?' || i == 0x6f)) {
				want = i;
				break;
			}
		CHECK(sk_ascii_to_ebcdic((unsigned char)v) == want);
	}
	return test_done();
}
