/* bigmem: see bigmem.h. */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE are not POSIX */

#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

size_t sk_bigmem_size(size_t n)
{
	/* A last huge page cut short is not one: its part comes in 4 KiB
	 * pages, a fault each (384 for the last 1.5 MiB of 7.5 MiB).  Up to
	 * half a huge page more is always worth it: 3.6 MiB (regrid's kept
	 * traces of 100,000 inputs) left 1.6 MiB, 390 faults of 11-14 us of
	 * CPU each on this project's VM. */
	const size_t whole = (n + SK_BIGMEM_PAGE - 1) / SK_BIGMEM_PAGE * SK_BIGMEM_PAGE;
	const size_t more = n / 8 > SK_BIGMEM_PAGE / 2 ? n / 8 : SK_BIGMEM_PAGE / 2;

	return n >= SK_BIGMEM_PAGE / 2 && whole - n <= more ? whole : n;
}

void *sk_bigmem_alloc(size_t n)
{
	void *p = NULL;

	n = sk_bigmem_size(n);
	if (n < SK_BIGMEM_PAGE)
		return malloc(n ? n : 1);
	if (posix_memalign(&p, SK_BIGMEM_PAGE, n) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* Advice only: a kernel without transparent huge pages says EINVAL,
	 * and the memory works the same. */
	(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

void sk_bigmem_advise(void *p, size_t n)
{
	const uintptr_t a = (uintptr_t)p, lo = (a + SK_BIGMEM_PAGE - 1) / SK_BIGMEM_PAGE * SK_BIGMEM_PAGE,
			hi = (a + n) / SK_BIGMEM_PAGE * SK_BIGMEM_PAGE;

	if (!p || hi <= lo)
		return;
#ifdef MADV_HUGEPAGE
	(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
}
