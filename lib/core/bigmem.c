/* bigmem: see bigmem.h. */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE are not POSIX */

#include "bigmem.h"

#include <stdlib.h>
#include <sys/mman.h>

void *sk_bigmem_alloc(size_t n)
{
	void *p = NULL;

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
