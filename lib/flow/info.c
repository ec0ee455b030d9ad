#include "info.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "segy.h"

static const char *const summary_keys[SK_INFO_KEYS] = {
	"tracl", "tracr", "fldr", "tracf", "ep", "cdp", "cdpt", "trid", "offset",
	"iline", "xline", "delrt", "sx", "sy", "gx", "gy", "cdpx", "cdpy",
};

int sk_summarize(struct sk_reader *r, struct sk_summary *s, struct sk_error *err)
{
	const struct sk_info *in = sk_reader_info(r);
	unsigned char *hdr = malloc(in->hdrlen);
	int rc;

	memset(s, 0, sizeof *s);
	if (!hdr)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	for (int i = 0; i < SK_INFO_KEYS; i++) {
		const struct sk_key *k = sk_hdr_key(summary_keys[i]);
		/* In SU headers bytes 181-240 are SU's own fields, not rev 1's. */
		if (in->su_tail && k->byte >= SK_HDR_SU_TAIL)
			continue;
		s->keys[s->nkeys] = k;
		s->min[s->nkeys] = INFINITY;
		s->max[s->nkeys++] = -INFINITY;
	}
	while ((rc = sk_reader_next(r, hdr, NULL, err)) > 0) {
		for (int i = 0; i < s->nkeys; i++) {
			const double v = sk_key_value(hdr, s->keys[i]);
			if (v < s->min[i])
				s->min[i] = v;
			if (v > s->max[i])
				s->max[i] = v;
		}
		s->traces++;
	}
	free(hdr);
	return rc;
}

static int is_float(const struct sk_key *k)
{
	return k->type == SK_T_F4 || k->type == SK_T_F8 || k->type == SK_T_IBM || k->scalar;
}

int sk_dump_keys(struct sk_reader *r, const struct sk_key *keys, int n, const char *prefix, FILE *out,
		 struct sk_error *err)
{
	const struct sk_info *in = sk_reader_info(r);
	unsigned char *hdr = malloc(in->hdrlen);
	int rc;

	if (!hdr)
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	while ((rc = sk_reader_next(r, hdr, NULL, err)) > 0) {
		if (prefix)
			fprintf(out, "%s\t", prefix);
		for (int i = 0; i < n; i++) {
			/* @BYTE outside the table: in the stream's byte order. */
			const int flip = sk_stream_key_flips(in, &keys[i]);
			if (i)
				fputc('\t', out);
			if (flip)
				sk_key_flip(hdr, &keys[i]);
			if (is_float(&keys[i]))
				fprintf(out, "%.10g", sk_key_value(hdr, &keys[i]));
			else
				fprintf(out, "%lld", (long long)sk_key_int(hdr, &keys[i]));
			if (flip)
				sk_key_flip(hdr, &keys[i]);
		}
		if (fputc('\n', out) == EOF) {
			rc = sk_error_at(err, sk_error_sys(err, "write error"), out == stdout ? "<stdout>" : NULL);
			break;
		}
	}
	free(hdr);
	return rc;
}

static const struct sk_binfield bin_fields[] = {
	{"jobid", 3201, 4, 1}, {"lino", 3205, 4, 1}, {"reno", 3209, 4, 1},
	{"ntrpr", 3213, 2, 1}, {"nart", 3215, 2, 1}, {"hdt", 3217, 2, 0},
	{"dto", 3219, 2, 0}, {"hns", 3221, 2, 0}, {"nso", 3223, 2, 0},
	{"format", 3225, 2, 1}, {"fold", 3227, 2, 1}, {"tsort", 3229, 2, 1},
	{"vscode", 3231, 2, 1}, {"hsfs", 3233, 2, 1}, {"hsfe", 3235, 2, 1},
	{"hslen", 3237, 2, 1}, {"hstyp", 3239, 2, 1}, {"schn", 3241, 2, 1},
	{"hstas", 3243, 2, 1}, {"hstae", 3245, 2, 1}, {"htatyp", 3247, 2, 1},
	{"hcorr", 3249, 2, 1}, {"bgrcv", 3251, 2, 1}, {"rcvm", 3253, 2, 1},
	{"mfeet", 3255, 2, 1}, {"polyt", 3257, 2, 1}, {"vpol", 3259, 2, 1},
	{"extntrpr", 3261, 4, 1}, {"extnart", 3265, 4, 1}, {"extns", 3269, 4, 1},
	{"extdt", 3273, 8, 2}, {"extdto", 3281, 8, 2}, {"extnso", 3289, 4, 1},
	{"extfold", 3293, 4, 1}, {"byteorder", 3297, 4, 0}, {"revmajor", 3501, 1, 0},
	{"revminor", 3502, 1, 0}, {"fixedlen", 3503, 2, 1}, {"ntext", 3505, 2, 1},
	{"nextra", 3507, 2, 1}, {"timebasis", 3511, 2, 1}, {"ntraces", 3513, 8, 0},
	{"firsttrace", 3521, 8, 0}, {"ntrailer", 3529, 4, 1},
};

const struct sk_binfield *sk_bin_fields(size_t *n)
{
	*n = sizeof bin_fields / sizeof bin_fields[0];
	return bin_fields;
}

int sk_print_text(const unsigned char *fhdr, size_t len, FILE *out)
{
	for (size_t blk = 0; blk + SK_SEGY_TEXT <= len; blk += blk ? SK_SEGY_TEXT : SK_SEGY_HDR) {
		const unsigned char *t = fhdr + blk;
		const int ebc = sk_segy_text_is_ebcdic(t, SK_SEGY_TEXT);
		for (int line = 0; line < 40; line++) {
			char card[81];
			int end = 0;
			for (int i = 0; i < 80; i++) {
				unsigned char c = t[80 * line + i];
				if (ebc)
					c = sk_ebcdic_to_ascii(c);
				card[i] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
				if (card[i] != ' ')
					end = i + 1;
			}
			card[end] = '\0';
			if (fprintf(out, "%s\n", card) < 0)
				return -1;
		}
	}
	return 0;
}
