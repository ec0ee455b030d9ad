/*
 * hdr: trace header keys.  A trace header block is the 240-byte SEG-Y trace
 * header as big-endian SEG-Y bytes, followed by k x 240 bytes of rev 2 extra
 * headers.  Keys are named as in Seismic Unix for bytes 1-180 and as in SEG-Y
 * rev 1 for 181-240, or written @BYTE:TYPE for any bytes (1-based position in
 * the header block, TYPE one of i1 i2 i4 i8 u1 u2 u4 u8 f4 f8 ibm).  The
 * table lives here once; sk_hdr_table() gives it to seginfo and the man page.
 */
#ifndef SK_HDR_H
#define SK_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define SK_HDR_LEN 240
/* Bytes SK_HDR_SU_TAIL..240 are SEG-Y rev 1 fields in SEG-Y and sgk streams
 * made from SEG-Y, and SU's own fields (d1 f1 d2 f2 ...) in SU streams. */
#define SK_HDR_SU_TAIL 181

enum sk_type {
	SK_T_I1, SK_T_I2, SK_T_I4, SK_T_I8, SK_T_U1, SK_T_U2, SK_T_U4, SK_T_U8,
	SK_T_F4, SK_T_F8, SK_T_IBM
};

/* Byte positions (1-based) of the standard trace header's fields, named as
 * the key table names them (Seismic Unix for 1-180, SEG-Y rev 1 for 181-240),
 * as segyio's segy.h names them.  tests/unit/test_hdr.c checks them against
 * the table. */
enum sk_tr_byte {
	SK_TR_TRACL = 1, SK_TR_TRACR = 5, SK_TR_FLDR = 9, SK_TR_TRACF = 13, SK_TR_EP = 17, SK_TR_CDP = 21,
	SK_TR_CDPT = 25, SK_TR_TRID = 29, SK_TR_NVS = 31, SK_TR_NHS = 33, SK_TR_DUSE = 35,
	SK_TR_OFFSET = 37, SK_TR_GELEV = 41, SK_TR_SELEV = 45, SK_TR_SDEPTH = 49, SK_TR_GDEL = 53,
	SK_TR_SDEL = 57, SK_TR_SWDEP = 61, SK_TR_GWDEP = 65, SK_TR_SCALEL = 69, SK_TR_SCALCO = 71,
	SK_TR_SX = 73, SK_TR_SY = 77, SK_TR_GX = 81, SK_TR_GY = 85, SK_TR_COUNIT = 89, SK_TR_WEVEL = 91,
	SK_TR_SWEVEL = 93, SK_TR_SUT = 95, SK_TR_GUT = 97, SK_TR_SSTAT = 99, SK_TR_GSTAT = 101,
	SK_TR_TSTAT = 103, SK_TR_LAGA = 105, SK_TR_LAGB = 107, SK_TR_DELRT = 109, SK_TR_MUTS = 111,
	SK_TR_MUTE = 113, SK_TR_NS = 115, SK_TR_DT = 117, SK_TR_GAIN = 119, SK_TR_IGC = 121,
	SK_TR_IGI = 123, SK_TR_CORR = 125, SK_TR_SFS = 127, SK_TR_SFE = 129, SK_TR_SLEN = 131,
	SK_TR_STYP = 133, SK_TR_STAS = 135, SK_TR_STAE = 137, SK_TR_TATYP = 139, SK_TR_AFILF = 141,
	SK_TR_AFILS = 143, SK_TR_NOFILF = 145, SK_TR_NOFILS = 147, SK_TR_LCF = 149, SK_TR_HCF = 151,
	SK_TR_LCS = 153, SK_TR_HCS = 155, SK_TR_YEAR = 157, SK_TR_DAY = 159, SK_TR_HOUR = 161,
	SK_TR_MINUTE = 163, SK_TR_SEC = 165, SK_TR_TIMBAS = 167, SK_TR_TRWF = 169, SK_TR_GRNORS = 171,
	SK_TR_GRNOFR = 173, SK_TR_GRNLOF = 175, SK_TR_GAPS = 177, SK_TR_OTRAV = 179, SK_TR_CDPX = 181,
	SK_TR_CDPY = 185, SK_TR_ILINE = 189, SK_TR_XLINE = 193, SK_TR_SP = 197, SK_TR_SCALSP = 201,
	SK_TR_TRUNIT = 203, SK_TR_TDMANT = 205, SK_TR_TDEXP = 209, SK_TR_TDUNIT = 211, SK_TR_DEVID = 213,
	SK_TR_SCALT = 215, SK_TR_SRCTYPE = 217, SK_TR_SRCDIR = 219, SK_TR_SMMANT = 225, SK_TR_SMEXP = 229,
	SK_TR_SMUNIT = 231,
};

/* Byte positions (1-based) of the scalars. */
enum { SK_SCALEL = SK_TR_SCALEL, SK_SCALCO = SK_TR_SCALCO, SK_SCALSP = SK_TR_SCALSP, SK_SCALT = SK_TR_SCALT };

struct sk_key {
	char name[24];
	unsigned short byte;  /* 1-based position in the header block */
	unsigned char type;   /* enum sk_type */
	unsigned char scalar; /* byte of the scalar that applies (SK_SCAL*), 0 none */
	unsigned char desc;   /* 1 when written "-key": descending order */
};

/* The named keys, in byte order; *n receives the count. */
const struct sk_key *sk_hdr_table(size_t *n);
/* SU's names for bytes 181-240 (d1 f1 d2 f2 ungpow unscale ntr mark), which
 * hold in SU streams; sk_hdr_key and sk_key_parse know them too. */
const struct sk_key *sk_hdr_su_table(size_t *n);
/* Size in bytes of a key's type. */
int sk_type_size(int type);
const char *sk_type_name(int type);

/* Parses one key ("cdp", "-offset", "@189:i4").  hdrlen bounds @BYTE (pass
 * 0 to allow any position up to 240 x 16).  SK_EARG on an unknown name. */
int sk_key_parse(const char *s, size_t hdrlen, struct sk_key *out, struct sk_error *err);
/* Parses a comma-separated list of at most max keys. */
int sk_keys_parse(const char *list, size_t hdrlen, struct sk_key *out, int max, int *n,
		  struct sk_error *err);

/* The raw value of a key (no scalar) and, for sk_key_value, with its scalar
 * applied (positive multiplies, negative divides, 0 means 1). */
double sk_key_raw(const unsigned char *hdr, const struct sk_key *k);
int64_t sk_key_int(const unsigned char *hdr, const struct sk_key *k);
double sk_key_value(const unsigned char *hdr, const struct sk_key *k);
/* Stores v (rounded to nearest for integer types, saturated) in the key's
 * bytes; no scalar is applied. */
void sk_key_set(unsigned char *hdr, const struct sk_key *k, double v);
/* Compares two header blocks by keys in order (desc reverses one key). */
int sk_keys_cmp(const unsigned char *a, const unsigned char *b, const struct sk_key *keys, int n);
/* Looks a named key up; NULL when unknown. */
const struct sk_key *sk_hdr_key(const char *name);

/* Big-endian field access by 1-based byte position. */
int16_t sk_hdr_i16(const unsigned char *h, int byte);
int32_t sk_hdr_i32(const unsigned char *h, int byte);
uint16_t sk_hdr_u16(const unsigned char *h, int byte);
void sk_hdr_set_i16(unsigned char *h, int byte, int16_t v);
void sk_hdr_set_i32(unsigned char *h, int byte, int32_t v);

/* The factor a SEG-Y scalar stands for: s > 0 multiplies, s < 0 divides. */
double sk_scalar_factor(int16_t s);
/* Coordinates (sx sy gx gy cdpx cdpy) with scalco applied. */
double sk_hdr_coord(const unsigned char *h, int byte);
/* The scalco (1, -10, -100, ... -10000) that writes every value exactly as an
 * i32, or the finest that fits when none does; values are in metres. */
int16_t sk_scalco_for(const double *v, size_t n);
/* Writes a coordinate with the header's current scalco (rounded to nearest). */
void sk_hdr_set_coord(unsigned char *h, int byte, double v);

/* Converts a trace header block between a little-endian file's byte order
 * and the canonical big-endian layout, field by field (its own inverse).
 * Extra header 1 is swapped by the rev 2 layout; later (proprietary) extra
 * headers are left as they are. */
void sk_hdr_swap(unsigned char *h, size_t hdrlen);

/* As sk_hdr_swap for an SU header: bytes 181-240 by SU's layout (six
 * floats, an int, then shorts). */
void sk_hdr_swap_su(unsigned char *h);
/* Converts bytes 181-240 of a canonical header between SEG-Y's meaning and
 * SU's (from_su, to_su non-zero for SU): when they differ, the fields of one
 * mean nothing in the other, so they are cleared (SU programs then take the
 * time axis from dt and delrt; segkit(7) says so). */
void sk_hdr_tail_convert(unsigned char *h, int from_su, int to_su);

#endif
