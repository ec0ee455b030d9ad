#include "segy.h"

#include <stdio.h>
#include <string.h>

/* EBCDIC code page 037 to ASCII; '?' for characters ASCII lacks. */
static const unsigned char e2a[256] = {
	0x00, 0x01, 0x02, 0x03, 0x3f, 0x09, 0x3f, 0x7f, 0x3f, 0x3f, 0x3f, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x3f, 0x3f, 0x08, 0x3f, 0x18, 0x19, 0x3f, 0x3f, 0x1c, 0x1d, 0x1e, 0x1f,
	0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x0a, 0x17, 0x1b, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x05, 0x06, 0x07,
	0x3f, 0x3f, 0x16, 0x3f, 0x3f, 0x3f, 0x3f, 0x04, 0x3f, 0x3f, 0x3f, 0x3f, 0x14, 0x15, 0x3f, 0x1a,
	0x20, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2e, 0x3c, 0x28, 0x2b, 0x7c,
	0x26, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x21, 0x24, 0x2a, 0x29, 0x3b, 0x3f,
	0x2d, 0x2f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2c, 0x25, 0x5f, 0x3e, 0x3f,
	0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x60, 0x3a, 0x23, 0x40, 0x27, 0x3d, 0x22,
	0x3f, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
	0x3f, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
	0x3f, 0x7e, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
	0x5e, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x5b, 0x5d, 0x3f, 0x3f, 0x3f, 0x3f,
	0x7b, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
	0x7d, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
	0x5c, 0x3f, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f
};

unsigned char sk_ebcdic_to_ascii(unsigned char c)
{
	return e2a[c];
}

/* The inverse of e2a: the first EBCDIC code of each ASCII byte, '?' (0x6f)
 * for those EBCDIC lacks (a table: sk_segy_default converts 3200 bytes). */
static const unsigned char a2e[256] = {
	0x00, 0x01, 0x02, 0x03, 0x37, 0x2d, 0x2e, 0x2f, 0x16, 0x05, 0x25, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x3c, 0x3d, 0x32, 0x26, 0x18, 0x19, 0x3f, 0x27, 0x1c, 0x1d, 0x1e, 0x1f,
	0x40, 0x5a, 0x7f, 0x7b, 0x5b, 0x6c, 0x50, 0x7d, 0x4d, 0x5d, 0x5c, 0x4e, 0x6b, 0x60, 0x4b, 0x61,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0x7a, 0x5e, 0x4c, 0x7e, 0x6e, 0x6f,
	0x7c, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
	0xd7, 0xd8, 0xd9, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xba, 0xe0, 0xbb, 0xb0, 0x6d,
	0x79, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96,
	0x97, 0x98, 0x99, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xc0, 0x4f, 0xd0, 0xa1, 0x07,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f,
	0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f, 0x6f
};

unsigned char sk_ascii_to_ebcdic(unsigned char c)
{
	return a2e[c];
}

/* Per byte: 1 for EBCDIC evidence (0x40, 0x81-0xA9, 0xC1-0xE9, 0xF0-0xF9),
 * -1 for ASCII evidence (0x20, digits, letters), 0 for neither.  A table,
 * not ranges: every SEG-Y open scans 3200 bytes. */
static const signed char text_evidence[256] = {
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	-1,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  0,  0,  0,  0,  0,  0,
	 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  0,  0,  0,  0,  0,
	 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  0,  0,  0,  0,  0,
	 0,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
	 1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
	 1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
	 1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  1,
	 1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  0,  0,  0,  0,  0,  0,
	 1,  1,  1,  1,  1,  1,  1,  1,  1,  1,  0,  0,  0,  0,  0,  0
};

int sk_segy_text_is_ebcdic(const unsigned char *t, size_t n)
{
	long score = 0;

	for (size_t i = 0; i < n; i++)
		score += text_evidence[t[i]];
	return score > 0;
}

uint64_t sk_segy_get(const unsigned char *h, int byte, int size, int little)
{
	uint64_t v = 0;
	const unsigned char *p = h + byte - 1;
	for (int i = 0; i < size; i++)
		v = v << 8 | p[little ? size - 1 - i : i];
	return v;
}

void sk_segy_put(unsigned char *h, int byte, int size, int little, uint64_t v)
{
	unsigned char *p = h + byte - 1;
	for (int i = size - 1; i >= 0; i--) {
		p[little ? size - 1 - i : i] = (unsigned char)v;
		v >>= 8;
	}
}

static int valid_format(int f)
{
	return (f >= 1 && f <= 12) || f == 15 || f == 16;
}

int sk_segy_parse_bin(const unsigned char *h, struct sk_segy_bin *b, struct sk_error *err)
{
	const uint32_t bow = (uint32_t)sk_segy_get(h, SK_BIN_BYTE_ORDER, 4, 0);
	const int fbe = (int16_t)sk_segy_get(h, SK_BIN_FORMAT, 2, 0);
	const int fle = (int16_t)sk_segy_get(h, SK_BIN_FORMAT, 2, 1);
	int little;

	memset(b, 0, sizeof *b);
	if (bow == 0x01020304u || bow == 0x04030201u) {
		little = bow == 0x04030201u;
		b->byte_order_word = 1;
	} else if (bow == 0x02010403u || bow == 0x03040102u) {
		return sk_error_set(err, SK_EFMT,
				    "byte 3297: byte-order word 0x%08x means pair-swapped fields, which segkit does not read",
				    bow);
	} else if (valid_format(fbe)) {
		little = 0;
	} else if (valid_format(fle)) {
		little = 1;
	} else {
		return sk_error_set(err, SK_EFMT, "byte 3225: impossible sample format code %d (0x%04x)",
				    fbe, (unsigned)(uint16_t)fbe);
	}
	b->little = little;
	b->format = (int16_t)sk_segy_get(h, SK_BIN_FORMAT, 2, little);
	if (!valid_format(b->format))
		return sk_error_set(err, SK_EFMT, "byte 3225: impossible sample format code %d", b->format);
	b->rev_major = h[SK_BIN_REV_MAJOR - 1];
	b->rev_minor = h[SK_BIN_REV_MINOR - 1];
	/* Older files have garbage in the unassigned area: trust rev 2 fields
	 * only when the major revision byte says 2. */
	b->rev2 = b->rev_major == 2;
	b->ns = (long)sk_segy_get(h, SK_BIN_NS, 2, little);
	b->dt = (double)sk_segy_get(h, SK_BIN_DT, 2, little);
	b->fixed_length = (int16_t)sk_segy_get(h, SK_BIN_FIXED_LENGTH, 2, little);
	b->next = (int16_t)sk_segy_get(h, SK_BIN_NEXT, 2, little);
	if (b->next < -1)
		return sk_error_set(err, SK_EFMT, "byte 3505: invalid extended textual header count %d", b->next);
	if (b->rev2) {
		const int32_t ens = (int32_t)sk_segy_get(h, SK_BIN_EXT_NS, 4, little);
		const uint64_t edt = sk_segy_get(h, SK_BIN_EXT_DT, 8, little);
		int extra = (int16_t)sk_segy_get(h, SK_BIN_EXTRA, 2, little);
		double d;

		if (ens > 0)
			b->ns = ens;
		memcpy(&d, &edt, sizeof d);
		if (d > 0 && d < 1e12)
			b->dt = d;
		if (extra == 0) {
			/* Rev 2.0 wrote this count as an i32 over 3507-3510. */
			const int32_t e32 = (int32_t)sk_segy_get(h, SK_BIN_EXTRA, 4, little);
			if (e32 > 0 && e32 < 1000)
				extra = e32;
		}
		if (extra < 0 || extra > 1000)
			return sk_error_set(err, SK_EFMT, "byte 3507: invalid extra trace header count %d", extra);
		b->extra = extra;
		b->ntraces = sk_segy_get(h, SK_BIN_NTRACES, 8, little);
		b->first_trace = sk_segy_get(h, SK_BIN_FIRST_TRACE, 8, little);
	}
	return 0;
}

static int upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* The character c of a block read as ASCII (ebc 0) or EBCDIC (ebc 1), in
 * upper case; blanks (space, tab, NUL) as ' '. */
static int text_char(unsigned char c, int ebc)
{
	const int a = upper(ebc ? sk_ebcdic_to_ascii(c) : c);
	return a == '\t' || a == 0 ? ' ' : a;
}

/* Whether the n bytes at p (just after "((") hold name and "))", blanks
 * skipped in both and case ignored. */
static int stanza_at(const unsigned char *p, size_t n, const char *name, int ebc)
{
	size_t i = 0;

	for (;;) {
		while (i < n && text_char(p[i], ebc) == ' ')
			i++;
		while (*name == ' ')
			name++;
		if (*name == '\0')
			return i + 1 < n && text_char(p[i], ebc) == ')' && text_char(p[i + 1], ebc) == ')';
		if (i >= n || text_char(p[i], ebc) != upper((unsigned char)*name))
			return 0;
		i++;
		name++;
	}
}

int sk_segy_has_stanza(const unsigned char *block, const char *name)
{
	for (int ebc = 0; ebc < 2; ebc++)
		for (size_t i = 0; i + 4 <= SK_SEGY_TEXT; i++)
			if (text_char(block[i], ebc) == '(' && text_char(block[i + 1], ebc) == '(' &&
			    stanza_at(block + i + 2, SK_SEGY_TEXT - i - 2, name, ebc))
				return 1;
	return 0;
}

int sk_segy_is_endtext(const unsigned char *block)
{
	return sk_segy_has_stanza(block, "SEG: EndText");
}

/* Binary header fields (file byte position, size) for byte swapping. */
static const unsigned short bin_fields[][2] = {
	{3201, 4}, {3205, 4}, {3209, 4}, {3213, 2}, {3215, 2}, {3217, 2}, {3219, 2},
	{3221, 2}, {3223, 2}, {3225, 2}, {3227, 2}, {3229, 2}, {3231, 2}, {3233, 2},
	{3235, 2}, {3237, 2}, {3239, 2}, {3241, 2}, {3243, 2}, {3245, 2}, {3247, 2},
	{3249, 2}, {3251, 2}, {3253, 2}, {3255, 2}, {3257, 2}, {3259, 2}, {3261, 4},
	{3265, 4}, {3269, 4}, {3273, 8}, {3281, 8}, {3289, 4}, {3293, 4}, {3297, 4},
	{3503, 2}, {3505, 2}, {3507, 2}, {3509, 2}, {3511, 2}, {3513, 8}, {3521, 8},
	{3529, 4},
};

void sk_segy_swap_bin(unsigned char *h)
{
	for (size_t i = 0; i < sizeof bin_fields / sizeof bin_fields[0]; i++) {
		unsigned char *p = h + bin_fields[i][0] - 1;
		const int w = bin_fields[i][1];
		for (int j = 0; j < w / 2; j++) {
			const unsigned char t = p[j];
			p[j] = p[w - 1 - j];
			p[w - 1 - j] = t;
		}
	}
}

void sk_segy_default(unsigned char *h)
{
	static const char *const cards[] = {
		"C 1 WRITTEN BY SEGKIT",
		"C 2 SAMPLE FORMAT, NS AND DT ARE IN THE BINARY HEADER",
	};
	memset(h, 0, SK_SEGY_HDR);
	for (int c = 0; c < 40; c++) {
		char card[81];
		if (c < 2)
			snprintf(card, sizeof card, "%-80s", cards[c]);
		else if (c == 38)
			snprintf(card, sizeof card, "%-80s", "C39 SEG Y REV1");
		else if (c == 39)
			snprintf(card, sizeof card, "%-80s", "C40 END TEXTUAL HEADER");
		else
			snprintf(card, sizeof card, "C%2d%-77s", c + 1, "");
		for (int i = 0; i < 80; i++)
			h[80 * c + i] = sk_ascii_to_ebcdic((unsigned char)card[i]);
	}
	h[SK_BIN_REV_MAJOR - 1] = 1;   /* rev 1: major 1, minor 0 */
	h[SK_BIN_REV_MINOR - 1] = 0;
	sk_segy_put(h, SK_BIN_FIXED_LENGTH, 2, 0, 1);  /* fixed-length traces */
}

int sk_segy_set_bin(unsigned char *h, int little, int to_little, int format, long ns, double dt,
		    struct sk_error *err)
{
	struct sk_segy_bin b;
	struct sk_error ignore;
	const int have = sk_segy_parse_bin(h, &b, &ignore) == 0;

	if (little != to_little) {
		sk_segy_swap_bin(h);
		if (b.byte_order_word)
			sk_segy_put(h, SK_BIN_BYTE_ORDER, 4, to_little, 0x01020304u);
	}
	if (!have || b.format != format)
		sk_segy_put(h, SK_BIN_FORMAT, 2, to_little, (uint64_t)format);
	if (!have || b.ns != ns) {
		if (ns <= 65535) {
			sk_segy_put(h, SK_BIN_NS, 2, to_little, (uint64_t)ns);
			if (have && b.rev2 && sk_segy_get(h, SK_BIN_EXT_NS, 4, to_little))
				sk_segy_put(h, SK_BIN_EXT_NS, 4, to_little, (uint64_t)ns);
		} else if (ns <= INT32_MAX) {
			/* Only rev 2 can record it: 3221 zero, 3269 the count. */
			sk_segy_put(h, SK_BIN_NS, 2, to_little, 0);
			sk_segy_put(h, SK_BIN_EXT_NS, 4, to_little, (uint64_t)ns);
			if (h[SK_BIN_REV_MAJOR - 1] != 2) {
				h[SK_BIN_REV_MAJOR - 1] = 2;
				h[SK_BIN_REV_MINOR - 1] = 0;
			}
		} else {
			return sk_error_set(err, SK_EARG, "ns=%ld cannot be recorded in SEG-Y", ns);
		}
	}
	if (!have || b.dt != dt) {
		const double r = dt < 0 ? 0 : dt > 65535 ? 65535 : dt;
		sk_segy_put(h, SK_BIN_DT, 2, to_little, (uint64_t)(r + 0.5));
		if ((double)(uint64_t)(r + 0.5) != dt || (have && b.rev2 && sk_segy_get(h, SK_BIN_EXT_DT, 8, to_little))) {
			uint64_t w;
			memcpy(&w, &dt, sizeof w);
			if (h[SK_BIN_REV_MAJOR - 1] == 2)
				sk_segy_put(h, SK_BIN_EXT_DT, 8, to_little, w);
		}
	}
	return 0;
}

void sk_segy_set_count(unsigned char *h, int little, uint64_t n)
{
	if (h[SK_BIN_REV_MAJOR - 1] == 2 && sk_segy_get(h, SK_BIN_NTRACES, 8, little) != 0)
		sk_segy_put(h, SK_BIN_NTRACES, 8, little, n);
}
