#include <string.h>

#include "check.h"
#include "hdr.h"

/* The named byte positions against the key table, name by name. */
static void test_positions(void)
{
	static const struct { const char *name; int byte; } pos[] = {
		{"tracl", SK_TR_TRACL},
		{"tracr", SK_TR_TRACR},
		{"fldr", SK_TR_FLDR},
		{"tracf", SK_TR_TRACF},
		{"ep", SK_TR_EP},
		{"cdp", SK_TR_CDP},
		{"cdpt", SK_TR_CDPT},
		{"trid", SK_TR_TRID},
		{"nvs", SK_TR_NVS},
		{"nhs", SK_TR_NHS},
		{"duse", SK_TR_DUSE},
		{"offset", SK_TR_OFFSET},
		{"gelev", SK_TR_GELEV},
		{"selev", SK_TR_SELEV},
		{"sdepth", SK_TR_SDEPTH},
		{"gdel", SK_TR_GDEL},
		{"sdel", SK_TR_SDEL},
		{"swdep", SK_TR_SWDEP},
		{"gwdep", SK_TR_GWDEP},
		{"scalel", SK_TR_SCALEL},
		{"scalco", SK_TR_SCALCO},
		{"sx", SK_TR_SX},
		{"sy", SK_TR_SY},
		{"gx", SK_TR_GX},
		{"gy", SK_TR_GY},
		{"counit", SK_TR_COUNIT},
		{"wevel", SK_TR_WEVEL},
		{"swevel", SK_TR_SWEVEL},
		{"sut", SK_TR_SUT},
		{"gut", SK_TR_GUT},
		{"sstat", SK_TR_SSTAT},
		{"gstat", SK_TR_GSTAT},
		{"tstat", SK_TR_TSTAT},
		{"laga", SK_TR_LAGA},
		{"lagb", SK_TR_LAGB},
		{"delrt", SK_TR_DELRT},
		{"muts", SK_TR_MUTS},
		{"mute", SK_TR_MUTE},
		{"ns", SK_TR_NS},
		{"dt", SK_TR_DT},
		{"gain", SK_TR_GAIN},
		{"igc", SK_TR_IGC},
		{"igi", SK_TR_IGI},
		{"corr", SK_TR_CORR},
		{"sfs", SK_TR_SFS},
		{"sfe", SK_TR_SFE},
		{"slen", SK_TR_SLEN},
		{"styp", SK_TR_STYP},
		{"stas", SK_TR_STAS},
		{"stae", SK_TR_STAE},
		{"tatyp", SK_TR_TATYP},
		{"afilf", SK_TR_AFILF},
		{"afils", SK_TR_AFILS},
		{"nofilf", SK_TR_NOFILF},
		{"nofils", SK_TR_NOFILS},
		{"lcf", SK_TR_LCF},
		{"hcf", SK_TR_HCF},
		{"lcs", SK_TR_LCS},
		{"hcs", SK_TR_HCS},
		{"year", SK_TR_YEAR},
		{"day", SK_TR_DAY},
		{"hour", SK_TR_HOUR},
		{"minute", SK_TR_MINUTE},
		{"sec", SK_TR_SEC},
		{"timbas", SK_TR_TIMBAS},
		{"trwf", SK_TR_TRWF},
		{"grnors", SK_TR_GRNORS},
		{"grnofr", SK_TR_GRNOFR},
		{"grnlof", SK_TR_GRNLOF},
		{"gaps", SK_TR_GAPS},
		{"otrav", SK_TR_OTRAV},
		{"cdpx", SK_TR_CDPX},
		{"cdpy", SK_TR_CDPY},
		{"iline", SK_TR_ILINE},
		{"xline", SK_TR_XLINE},
		{"sp", SK_TR_SP},
		{"scalsp", SK_TR_SCALSP},
		{"trunit", SK_TR_TRUNIT},
		{"tdmant", SK_TR_TDMANT},
		{"tdexp", SK_TR_TDEXP},
		{"tdunit", SK_TR_TDUNIT},
		{"devid", SK_TR_DEVID},
		{"scalt", SK_TR_SCALT},
		{"srctype", SK_TR_SRCTYPE},
		{"srcdir", SK_TR_SRCDIR},
		{"smmant", SK_TR_SMMANT},
		{"smexp", SK_TR_SMEXP},
		{"smunit", SK_TR_SMUNIT}
	};
	size_t n;
	const struct sk_key *t = sk_hdr_table(&n);

	CHECK(n == sizeof pos / sizeof pos[0]);
	for (size_t i = 0; i < n && i < sizeof pos / sizeof pos[0]; i++)
		CHECKF(strcmp(t[i].name, pos[i].name) == 0 && t[i].byte == pos[i].byte, "%s", pos[i].name);
	CHECK(SK_SCALCO == 71 && SK_SCALT == 215);
}

int main(void)
{
	unsigned char h[480];
	struct sk_key k[4];
	struct sk_error err;
	size_t n;
	int nk;
	const struct sk_key *t = sk_hdr_table(&n);

	CHECK(n > 80 && strcmp(t[0].name, "tracl") == 0 && t[0].byte == 1);
	CHECK(sk_hdr_key("cdpx")->byte == 181 && sk_hdr_key("cdpx")->scalar == SK_SCALCO);
	CHECK(sk_hdr_key("ns")->byte == 115 && sk_hdr_key("ns")->type == SK_T_U2);
	CHECK(sk_hdr_key("delrt")->scalar == SK_SCALT && sk_hdr_key("nosuch") == NULL);
	for (size_t i = 1; i < n; i++)   /* in byte order, no overlaps */
		CHECKF(t[i].byte >= t[i - 1].byte + sk_type_size(t[i - 1].type), "%s", t[i].name);

	memset(h, 0, sizeof h);
	CHECK(sk_keys_parse("cdp,-offset,@189:i4", 240, k, 4, &nk, &err) == 0 && nk == 3);
	CHECK(k[1].desc == 1 && k[2].byte == 189 && k[2].type == SK_T_I4);
	CHECK(sk_key_parse("@239:i4", 240, k, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "invalid key '@239:i4': bytes 239-242 are outside the 240-byte trace header") == 0);
	CHECK(sk_key_parse("@300:f8", 480, k, &err) == 0);
	CHECK(sk_key_parse("@5:i3", 240, k, &err) == SK_EARG);
	CHECK(sk_key_parse("cpd", 240, k, &err) == SK_EARG && strcmp(err.msg, "unknown header key 'cpd'") == 0);
	CHECK(sk_keys_parse("cdp,,x", 240, k, 4, &nk, &err) == SK_EARG);

	/* Big-endian storage and scalars. */
	sk_hdr_set_i32(h, 21, 875);
	CHECK(h[20] == 0 && h[21] == 0 && h[22] == 3 && h[23] == 0x6b);
	sk_hdr_set_i16(h, SK_SCALCO, -10);
	sk_hdr_set_i32(h, 73, 6201972);
	CHECK(sk_hdr_coord(h, 73) == 620197.2);
	CHECK(sk_key_value(h, sk_hdr_key("sx")) == 620197.2 && sk_key_raw(h, sk_hdr_key("sx")) == 6201972);
	sk_hdr_set_i16(h, SK_SCALCO, 100);
	CHECK(sk_hdr_coord(h, 73) == 620197200.0);
	sk_hdr_set_i16(h, SK_SCALCO, 0);
	CHECK(sk_hdr_coord(h, 73) == 6201972);
	sk_hdr_set_i16(h, SK_SCALT, -10);
	sk_hdr_set_i16(h, 109, 10000);
	CHECK(sk_key_value(h, sk_hdr_key("delrt")) == 1000);
	sk_hdr_set_i16(h, 115, (int16_t)60000);
	CHECK(sk_key_int(h, sk_hdr_key("ns")) == 60000);
	{
		double v[3] = {620197.2, 6074232.9, 12.5};
		CHECK(sk_scalco_for(v, 3) == -10);
		v[2] = 0.25;
		CHECK(sk_scalco_for(v, 3) == -100);
		v[0] = 1e9;
		CHECK(sk_scalco_for(v, 1) == 1);
	}
	sk_hdr_set_i16(h, SK_SCALCO, -100);
	sk_hdr_set_coord(h, 81, 1234.56);
	CHECK(sk_hdr_i32(h, 81) == 123456 && sk_hdr_coord(h, 81) == 1234.56);
	sk_key_set(h, sk_hdr_key("trid"), 70000);          /* saturates an i16 */
	CHECK(sk_hdr_i16(h, 29) == 32767);
	CHECK(sk_key_parse("@200:f8", 480, &k[0], &err) == 0);
	sk_key_set(h, &k[0], 2.5);
	CHECK(sk_key_raw(h, &k[0]) == 2.5);
	CHECK(sk_key_parse("@240:ibm", 480, &k[0], &err) == 0);
	sk_key_set(h, &k[0], -118.625);
	CHECK(h[239] == 0xc2 && h[240] == 0x76 && h[241] == 0xa0 && sk_key_raw(h, &k[0]) == -118.625);

	/* Comparison by keys, with a descending key. */
	{
		unsigned char a[240], b[240];
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		sk_hdr_set_i32(a, 21, 5);
		sk_hdr_set_i32(b, 21, 5);
		sk_hdr_set_i32(a, 37, 100);
		sk_hdr_set_i32(b, 37, 200);
		CHECK(sk_keys_parse("cdp,offset", 240, k, 4, &nk, &err) == 0);
		CHECK(sk_keys_cmp(a, b, k, nk) < 0);
		CHECK(sk_keys_parse("cdp,-offset", 240, k, 4, &nk, &err) == 0);
		CHECK(sk_keys_cmp(a, b, k, nk) > 0 && sk_keys_cmp(a, a, k, nk) == 0);
	}
	/* Byte swapping is its own inverse and swaps fields, not the block. */
	{
		unsigned char a[480], b[480];
		for (int i = 0; i < 480; i++)
			a[i] = (unsigned char)(i * 7 + 3);
		memcpy(b, a, sizeof a);
		sk_hdr_swap(b, 480);
		CHECK(b[0] == a[3] && b[3] == a[0] && b[28] == a[29] && b[232] == a[232]);
		CHECK(b[240] == a[247]);                     /* extra header 1: u64 at 1 */
		sk_hdr_swap(b, 480);
		CHECK(memcmp(a, b, sizeof a) == 0);
	}
	/* SU's bytes 181-240: SU's names and layout (d1 f1 d2 f2 ungpow unscale
	 * floats, ntr int, then shorts), as in SU's segy.h. */
	{
		unsigned char a[240], b[240];
		size_t ns;
		const struct sk_key *su = sk_hdr_su_table(&ns);
		CHECK(ns == 8 && strcmp(su[0].name, "d1") == 0 && strcmp(su[7].name, "mark") == 0);
		CHECK(sk_hdr_key("d1")->byte == 181 && sk_hdr_key("d1")->type == SK_T_F4);
		CHECK(sk_hdr_key("f2")->byte == 193 && sk_hdr_key("unscale")->byte == 201);
		CHECK(sk_hdr_key("unscale")->type == SK_T_F4 && sk_hdr_key("ntr")->type == SK_T_I4);
		CHECK(sk_hdr_key("mark")->byte == 209 && sk_hdr_key("mark")->type == SK_T_I2);
		CHECK(sk_key_parse("d2", 240, k, &err) == 0 && k[0].byte == 189);
		for (size_t i = 1; i < ns; i++)
			CHECK(su[i].byte == su[i - 1].byte + sk_type_size(su[i - 1].type));
		for (int i = 0; i < 240; i++)
			a[i] = (unsigned char)(i * 5 + 1);
		memcpy(b, a, sizeof a);
		sk_hdr_swap_su(b);
		CHECK(b[0] == a[3] && b[114] == a[115]);          /* tracl, ns as in SEG-Y */
		CHECK(b[200] == a[203] && b[203] == a[200]);      /* unscale is one float */
		CHECK(b[204] == a[207] && b[208] == a[209]);      /* ntr i4, mark i2 */
		CHECK(b[238] == a[239]);                          /* last unassigned short */
		sk_hdr_swap_su(b);
		CHECK(memcmp(a, b, sizeof a) == 0);
		/* Crossing between the two meanings clears 181-240, and only them. */
		sk_hdr_tail_convert(b, 0, 0);
		sk_hdr_tail_convert(b, 1, 1);
		CHECK(memcmp(a, b, sizeof a) == 0);
		sk_hdr_tail_convert(b, 0, 1);
		CHECK(memcmp(a, b, 180) == 0 && b[180] == 0 && b[239] == 0);
		memcpy(b, a, sizeof a);
		sk_hdr_tail_convert(b, 1, 0);
		for (int i = 180; i < 240; i++)
			CHECKF(b[i] == 0, "byte %d", i + 1);
	}
	test_positions();
	return test_done();
}
