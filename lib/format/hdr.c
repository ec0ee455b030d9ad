#include "hdr.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ibm.h"

#define K(n, b, t) {n, b, SK_T_##t, 0, 0}
#define KS(n, b, t, s) {n, b, SK_T_##t, s, 0}

/* Seismic Unix names for bytes 1-180, SEG-Y rev 1 names for 181-240. */
static const struct sk_key table[] = {
	K("tracl", 1, I4), K("tracr", 5, I4), K("fldr", 9, I4), K("tracf", 13, I4),
	K("ep", 17, I4), K("cdp", 21, I4), K("cdpt", 25, I4), K("trid", 29, I2),
	K("nvs", 31, I2), K("nhs", 33, I2), K("duse", 35, I2), K("offset", 37, I4),
	KS("gelev", 41, I4, SK_SCALEL), KS("selev", 45, I4, SK_SCALEL),
	KS("sdepth", 49, I4, SK_SCALEL), KS("gdel", 53, I4, SK_SCALEL),
	KS("sdel", 57, I4, SK_SCALEL), KS("swdep", 61, I4, SK_SCALEL),
	KS("gwdep", 65, I4, SK_SCALEL), K("scalel", 69, I2), K("scalco", 71, I2),
	KS("sx", 73, I4, SK_SCALCO), KS("sy", 77, I4, SK_SCALCO),
	KS("gx", 81, I4, SK_SCALCO), KS("gy", 85, I4, SK_SCALCO),
	K("counit", 89, I2), K("wevel", 91, I2), K("swevel", 93, I2),
	KS("sut", 95, I2, SK_SCALT), KS("gut", 97, I2, SK_SCALT),
	KS("sstat", 99, I2, SK_SCALT), KS("gstat", 101, I2, SK_SCALT),
	KS("tstat", 103, I2, SK_SCALT), KS("laga", 105, I2, SK_SCALT),
	KS("lagb", 107, I2, SK_SCALT), KS("delrt", 109, I2, SK_SCALT),
	KS("muts", 111, I2, SK_SCALT), KS("mute", 113, I2, SK_SCALT),
	K("ns", 115, U2), K("dt", 117, U2), K("gain", 119, I2), K("igc", 121, I2),
	K("igi", 123, I2), K("corr", 125, I2), K("sfs", 127, I2), K("sfe", 129, I2),
	K("slen", 131, I2), K("styp", 133, I2), K("stas", 135, I2), K("stae", 137, I2),
	K("tatyp", 139, I2), K("afilf", 141, I2), K("afils", 143, I2),
	K("nofilf", 145, I2), K("nofils", 147, I2), K("lcf", 149, I2), K("hcf", 151, I2),
	K("lcs", 153, I2), K("hcs", 155, I2), K("year", 157, I2), K("day", 159, I2),
	K("hour", 161, I2), K("minute", 163, I2), K("sec", 165, I2), K("timbas", 167, I2),
	K("trwf", 169, I2), K("grnors", 171, I2), K("grnofr", 173, I2),
	K("grnlof", 175, I2), K("gaps", 177, I2), K("otrav", 179, I2),
	KS("cdpx", 181, I4, SK_SCALCO), KS("cdpy", 185, I4, SK_SCALCO),
	K("iline", 189, I4), K("xline", 193, I4), KS("sp", 197, I4, SK_SCALSP),
	K("scalsp", 201, I2), K("trunit", 203, I2), K("tdmant", 205, I4),
	K("tdexp", 209, I2), K("tdunit", 211, I2), K("devid", 213, I2),
	K("scalt", 215, I2), K("srctype", 217, I2), K("srcdir", 219, I4),
	K("smmant", 225, I4), K("smexp", 229, I2), K("smunit", 231, I2),
};

/* Seismic Unix reuses bytes 181-240 for its own fields (SU's segy.h: d1 f1
 * d2 f2 ungpow unscale as floats, ntr, mark, then pad and unassigned shorts).
 * In SU streams these names and meanings hold; in SEG-Y streams the rev 1
 * names above do.  Names differ, so both sets are always known. */
static const struct sk_key su_table[] = {
	K("d1", 181, F4), K("f1", 185, F4), K("d2", 189, F4), K("f2", 193, F4),
	K("ungpow", 197, F4), K("unscale", 201, F4), K("ntr", 205, I4), K("mark", 209, I2),
};

static const char *const type_names[] = {
	"i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8", "ibm"
};
static const unsigned char type_sizes[] = {1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 4};

const struct sk_key *sk_hdr_table(size_t *n)
{
	*n = sizeof table / sizeof table[0];
	return table;
}

const struct sk_key *sk_hdr_su_table(size_t *n)
{
	*n = sizeof su_table / sizeof su_table[0];
	return su_table;
}

int sk_type_size(int type)
{
	return type_sizes[type];
}

const char *sk_type_name(int type)
{
	return type_names[type];
}

const struct sk_key *sk_hdr_key(const char *name)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	for (size_t i = 0; i < sizeof su_table / sizeof su_table[0]; i++)
		if (strcmp(su_table[i].name, name) == 0)
			return &su_table[i];
	return NULL;
}

int sk_key_parse(const char *s, size_t hdrlen, struct sk_key *out, struct sk_error *err)
{
	const char *name = s;
	int desc = 0;

	if (*name == '-') {
		desc = 1;
		name++;
	}
	if (*name == '@') {
		char *end;
		long byte;
		size_t t;
		const size_t limit = hdrlen ? hdrlen : SK_HDR_LEN * 16;

		errno = 0;
		byte = strtol(name + 1, &end, 10);
		if (end == name + 1 || *end != ':' || errno)
			return sk_error_set(err, SK_EARG, "invalid key '%s' (expected @BYTE:TYPE)", s);
		for (t = 0; t < sizeof type_names / sizeof type_names[0]; t++)
			if (strcmp(end + 1, type_names[t]) == 0)
				break;
		if (t == sizeof type_names / sizeof type_names[0])
			return sk_error_set(err, SK_EARG,
					    "invalid key '%s': unknown type '%s' (i1 i2 i4 i8 u1 u2 u4 u8 f4 f8 ibm)",
					    s, end + 1);
		if (byte < 1 || (size_t)byte + type_sizes[t] - 1 > limit)
			return sk_error_set(err, SK_EARG, "invalid key '%s': bytes %ld-%ld are outside the %zu-byte trace header",
					    s, byte, byte + type_sizes[t] - 1, limit);
		memset(out, 0, sizeof *out);
		snprintf(out->name, sizeof out->name, "@%ld:%s", byte, type_names[t]);
		out->byte = (unsigned short)byte;
		out->type = (unsigned char)t;
	} else {
		const struct sk_key *k = sk_hdr_key(name);
		if (!k)
			return sk_error_set(err, SK_EARG, "unknown header key '%s'", name);
		*out = *k;
	}
	out->desc = (unsigned char)desc;
	return 0;
}

int sk_keys_parse(const char *list, size_t hdrlen, struct sk_key *out, int max, int *n,
		  struct sk_error *err)
{
	char buf[64];
	const char *p = list;
	int k = 0;

	for (;;) {
		const char *comma = strchr(p, ',');
		const size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int rc;

		if (len == 0 || len >= sizeof buf)
			return sk_error_set(err, SK_EARG, "invalid key list '%s'", list);
		/* The key, not the list: a long list would push the limit out of
		 * the message. */
		if (k == max)
			return sk_error_set(err, SK_EARG, "too many keys (at most %d): '%.*s' is key %d", max,
					    len > 64 ? 64 : (int)len, p, k + 1);
		memcpy(buf, p, len);
		buf[len] = '\0';
		if ((rc = sk_key_parse(buf, hdrlen, &out[k], err)) < 0)
			return rc;
		k++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*n = k;
	return 0;
}

static uint64_t be_load(const unsigned char *p, int size)
{
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

static void be_store(unsigned char *p, int size, uint64_t v)
{
	for (int i = size - 1; i >= 0; i--) {
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

int64_t sk_key_int(const unsigned char *hdr, const struct sk_key *k)
{
	const unsigned char *p = hdr + k->byte - 1;
	const uint64_t u = be_load(p, type_sizes[k->type]);

	switch (k->type) {
	case SK_T_I1: return (int8_t)u;
	case SK_T_I2: return (int16_t)u;
	case SK_T_I4: return (int32_t)u;
	case SK_T_I8: return (int64_t)u;
	case SK_T_U1: case SK_T_U2: case SK_T_U4: return (int64_t)u;
	case SK_T_U8: return u > INT64_MAX ? INT64_MAX : (int64_t)u;
	default: {
		const double d = sk_key_raw(hdr, k);
		return isfinite(d) && fabs(d) < 0x1p63 ? (int64_t)d : 0;
	}
	}
}

double sk_key_raw(const unsigned char *hdr, const struct sk_key *k)
{
	const unsigned char *p = hdr + k->byte - 1;
	const uint64_t u = be_load(p, type_sizes[k->type]);

	switch (k->type) {
	case SK_T_F4: {
		const uint32_t w = (uint32_t)u;
		float f;
		memcpy(&f, &w, 4);
		return f;
	}
	case SK_T_F8: {
		double d;
		memcpy(&d, &u, 8);
		return d;
	}
	case SK_T_IBM:
		return sk_ibm_to_double((uint32_t)u);
	case SK_T_U8:
		return (double)u;
	default:
		return (double)sk_key_int(hdr, k);
	}
}

double sk_scalar_factor(int16_t s)
{
	return s > 0 ? (double)s : s < 0 ? 1.0 / -(double)s : 1.0;
}

double sk_key_value(const unsigned char *hdr, const struct sk_key *k)
{
	const double v = sk_key_raw(hdr, k);
	if (!k->scalar)
		return v;
	{
		const int16_t s = sk_hdr_i16(hdr, k->scalar);
		/* Divide rather than multiply by 1/s so that -100 gives exact
		 * decimal results where the quotient is representable. */
		return s < 0 ? v / -(double)s : v * sk_scalar_factor(s);
	}
}

void sk_key_set(unsigned char *hdr, const struct sk_key *k, double v)
{
	unsigned char *p = hdr + k->byte - 1;
	static const double lo[] = {-128, -32768, -2147483648.0, -0x1p63, 0, 0, 0, 0};
	static const double hi[] = {127, 32767, 2147483647.0, 0x1p63, 255, 65535, 4294967295.0, 0x1p64};

	switch (k->type) {
	case SK_T_F4: {
		const float f = (float)v;
		uint32_t w;
		memcpy(&w, &f, 4);
		be_store(p, 4, w);
		return;
	}
	case SK_T_F8: {
		uint64_t w;
		memcpy(&w, &v, 8);
		be_store(p, 8, w);
		return;
	}
	case SK_T_IBM:
		be_store(p, 4, sk_float_to_ibm((float)v));
		return;
	default: {
		double r = isnan(v) ? 0 : nearbyint(v);
		uint64_t u;
		if (r < lo[k->type])
			r = lo[k->type];
		if (r > hi[k->type])
			r = hi[k->type];
		if (k->type == SK_T_I8)
			u = r >= 0x1p63 ? (uint64_t)INT64_MAX : (uint64_t)(int64_t)r;
		else if (k->type == SK_T_U8)
			u = r >= 0x1p64 ? UINT64_MAX : (uint64_t)r;
		else if (r < 0)
			u = (uint64_t)(int64_t)r;
		else
			u = (uint64_t)r;
		be_store(p, type_sizes[k->type], u);
	}
	}
}

int sk_keys_cmp(const unsigned char *a, const unsigned char *b, const struct sk_key *keys, int n)
{
	for (int i = 0; i < n; i++) {
		int c;
		if (keys[i].type == SK_T_F4 || keys[i].type == SK_T_F8 || keys[i].type == SK_T_IBM ||
		    keys[i].type == SK_T_U8) {
			const double x = sk_key_raw(a, &keys[i]), y = sk_key_raw(b, &keys[i]);
			c = (x > y) - (x < y);
		} else {
			const int64_t x = sk_key_int(a, &keys[i]), y = sk_key_int(b, &keys[i]);
			c = (x > y) - (x < y);
		}
		if (c)
			return keys[i].desc ? -c : c;
	}
	return 0;
}

int16_t sk_hdr_i16(const unsigned char *h, int byte)
{
	return (int16_t)be_load(h + byte - 1, 2);
}

uint16_t sk_hdr_u16(const unsigned char *h, int byte)
{
	return (uint16_t)be_load(h + byte - 1, 2);
}

int32_t sk_hdr_i32(const unsigned char *h, int byte)
{
	return (int32_t)be_load(h + byte - 1, 4);
}

void sk_hdr_set_i16(unsigned char *h, int byte, int16_t v)
{
	be_store(h + byte - 1, 2, (uint16_t)v);
}

void sk_hdr_set_i32(unsigned char *h, int byte, int32_t v)
{
	be_store(h + byte - 1, 4, (uint32_t)v);
}

double sk_hdr_coord(const unsigned char *h, int byte)
{
	const double v = sk_hdr_i32(h, byte);
	const int16_t s = sk_hdr_i16(h, SK_SCALCO);
	return s < 0 ? v / -(double)s : v * sk_scalar_factor(s);
}

int16_t sk_scalco_for(const double *v, size_t n)
{
	static const int16_t sc[] = {1, -10, -100, -1000, -10000};
	double amax = 0;
	int best = 0;

	for (size_t i = 0; i < n; i++)
		if (fabs(v[i]) > amax)
			amax = fabs(v[i]);
	for (int s = 0; s < 5; s++) {
		const double mul = s == 0 ? 1 : pow(10, s);
		size_t i;
		if (amax * mul > 2147483647.0)
			break;
		best = s;
		for (i = 0; i < n; i++) {
			const double x = v[i] * mul;
			if (fabs(x - nearbyint(x)) > 1e-6)
				break;
		}
		if (i == n)
			return sc[s];
	}
	return sc[best];
}

void sk_hdr_set_coord(unsigned char *h, int byte, double v)
{
	const int16_t s = sk_hdr_i16(h, SK_SCALCO);
	const double raw = s < 0 ? v * -(double)s : s > 0 ? v / s : v;
	const double r = nearbyint(raw);
	sk_hdr_set_i32(h, byte, (int32_t)(r > 2147483647.0 ? 2147483647.0 : r < -2147483648.0 ? -2147483648.0 : r));
}

/* Field widths for byte swapping, as (position, width) runs. */
static void swap_bytes(unsigned char *p, int w)
{
	for (int i = 0; i < w / 2; i++) {
		const unsigned char t = p[i];
		p[i] = p[w - 1 - i];
		p[w - 1 - i] = t;
	}
}

static const unsigned char ext1_fields[][2] = {
	{1, 8}, {9, 8}, {17, 8}, {25, 8}, {33, 8}, {41, 8}, {49, 8}, {57, 8}, {65, 8},
	{73, 8}, {81, 8}, {89, 8}, {97, 8}, {105, 8}, {113, 8}, {121, 8}, {129, 8},
	{137, 4}, {141, 4}, {145, 8}, {153, 4}, {157, 2}, {159, 2}, {161, 8}, {169, 8},
};

void sk_hdr_swap(unsigned char *h, size_t hdrlen)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		swap_bytes(h + table[i].byte - 1, type_sizes[table[i].type]);
	/* srcdir is a mantissa (i32) and an exponent (i16); the table has the first. */
	swap_bytes(h + 223 - 1, 2);
	if (hdrlen >= 2 * SK_HDR_LEN)
		for (size_t i = 0; i < sizeof ext1_fields / sizeof ext1_fields[0]; i++)
			swap_bytes(h + SK_HDR_LEN + ext1_fields[i][0] - 1, ext1_fields[i][1]);
}

void sk_hdr_swap_su(unsigned char *h)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0] && table[i].byte < SK_HDR_SU_TAIL; i++)
		swap_bytes(h + table[i].byte - 1, type_sizes[table[i].type]);
	/* Six floats and ntr, then mark, shortpad and 14 unassigned shorts. */
	for (int b = SK_HDR_SU_TAIL; b < 209; b += 4)
		swap_bytes(h + b - 1, 4);
	for (int b = 209; b < SK_HDR_LEN; b += 2)
		swap_bytes(h + b - 1, 2);
}

void sk_hdr_tail_convert(unsigned char *h, int from_su, int to_su)
{
	if (!from_su != !to_su)
		memset(h + SK_HDR_SU_TAIL - 1, 0, SK_HDR_LEN - SK_HDR_SU_TAIL + 1);
}
