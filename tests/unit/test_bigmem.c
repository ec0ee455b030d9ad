/* bigmem: small buffers are plain, large ones start on a huge-page boundary
 * and carry the huge-page advice (VmFlags "hg" in /proc/self/smaps) wherever
 * this process can give such advice at all; every byte is usable, and
 * realloc shrinks and free releases them. */
#define _DEFAULT_SOURCE /* madvise for the probe */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"
#include "check.h"

/* 1 when the mapping holding p carries the flag "hg" (MADV_HUGEPAGE), 0
 * when it does not, -1 when smaps cannot tell. */
static int advised(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		} else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			r = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return r;
}

int main(void)
{
	const size_t big = 5 * SK_BIGMEM_PAGE + 12345;
	unsigned char *s = sk_bigmem_alloc(100), *b = sk_bigmem_alloc(big), *z = sk_bigmem_alloc(0);
	void *probe = NULL;
	int can = -1, ok = 1;

	CHECK(s != NULL && z != NULL);
	/* The sizes asked of the system: whole huge pages where that adds at
	 * most an eighth or half a huge page. */
	CHECK(sk_bigmem_size(100) == 100);
	CHECK(sk_bigmem_size(SK_BIGMEM_PAGE / 2 - 1) == SK_BIGMEM_PAGE / 2 - 1);
	CHECK(sk_bigmem_size(SK_BIGMEM_PAGE / 2) == SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(SK_BIGMEM_PAGE - 1) == SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(SK_BIGMEM_PAGE) == SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(SK_BIGMEM_PAGE + 1) == SK_BIGMEM_PAGE + 1);
	CHECK(sk_bigmem_size(5 * SK_BIGMEM_PAGE / 4) == 5 * SK_BIGMEM_PAGE / 4);
	CHECK(sk_bigmem_size(7 * SK_BIGMEM_PAGE / 2) == 4 * SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(7 * SK_BIGMEM_PAGE / 2 - 1) == 7 * SK_BIGMEM_PAGE / 2 - 1);
	/* regrid's kept traces of 100,000 inputs (36 bytes each) */
	CHECK(sk_bigmem_size(3600000) == 2 * SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(15 * SK_BIGMEM_PAGE / 4) == 4 * SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(7 * SK_BIGMEM_PAGE) == 7 * SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(8 * SK_BIGMEM_PAGE - SK_BIGMEM_PAGE) == 7 * SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(7 * SK_BIGMEM_PAGE + 1) == 7 * SK_BIGMEM_PAGE + 1);
	CHECK(sk_bigmem_size(16 * SK_BIGMEM_PAGE - SK_BIGMEM_PAGE + 1) == 16 * SK_BIGMEM_PAGE);
	CHECK(sk_bigmem_size(big) == big);
	CHECK(b != NULL && (uintptr_t)b % SK_BIGMEM_PAGE == 0);
	if (b) {
		for (size_t i = 0; i < big; i += 4096)
			b[i] = (unsigned char)(i >> 12);
		b[big - 1] = 0xa5;
		for (size_t i = 0; i < big; i += 4096)
			ok &= b[i] == (unsigned char)(i >> 12);
		CHECK(ok && b[big - 1] == 0xa5);
	}
	/* Whether this process can carry the advice at all (not under valgrind,
	 * nor on a kernel without transparent huge pages): a probe of its own. */
	if (posix_memalign(&probe, SK_BIGMEM_PAGE, 2 * SK_BIGMEM_PAGE) == 0 &&
	    madvise(probe, 2 * SK_BIGMEM_PAGE, MADV_HUGEPAGE) == 0)
		can = advised(probe);
	if (can == 1) {
		/* 7.5 MiB is rounded up to four whole huge pages: the fourth
		 * is advised to its end. */
		unsigned char *r = sk_bigmem_alloc(15 * SK_BIGMEM_PAGE / 4);
		unsigned char *h = sk_bigmem_alloc(SK_BIGMEM_PAGE / 2);
		CHECK(b && advised(b) == 1);
		CHECK(b && advised(b + big - 1) == 1);
		CHECK(r && advised(r + 4 * SK_BIGMEM_PAGE - 1) == 1);
		/* Half a huge page is one whole one, on its boundary. */
		CHECK(h && (uintptr_t)h % SK_BIGMEM_PAGE == 0 && advised(h + SK_BIGMEM_PAGE - 1) == 1);
		free(h);
		free(r);
	} else {
		printf("# skipped: this process cannot advise huge pages (smaps %d)\n", can);
	}
	free(probe);
	if (b) {
		unsigned char *m = realloc(b, SK_BIGMEM_PAGE + 1);
		CHECK(m != NULL && m[0] == 0 && m[4096] == 1);
		b = m ? m : b;
	}
	free(s);
	free(z);
	free(b);
	return test_done();
}
