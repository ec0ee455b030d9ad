/*
 * bigmem: large buffers backed by huge pages where the kernel offers them.
 *
 * A buffer of tens or hundreds of MiB (regrid's input samples, its output
 * blocks) costs one page fault per 4 KiB page on first touch; on this
 * project's virtual machines a fault costs several microseconds, so filling
 * 256 MiB took about 1.5 s of CPU against 0.5 s with 2 MiB pages.  Linux
 * gives anonymous memory huge pages when it is asked (madvise
 * MADV_HUGEPAGE) and transparent huge pages are "always" or "madvise".
 */
#ifndef SK_BIGMEM_H
#define SK_BIGMEM_H

#include <stddef.h>

/* The alignment and granule of a huge page (bytes). */
#define SK_BIGMEM_PAGE ((size_t)2 << 20)

/*
 * Allocates n bytes (n > 0; uninitialised).  Rounded up to whole huge pages
 * as sk_bigmem_size says (touching the last byte then costs one fault, not
 * one per 4 KiB); from SK_BIGMEM_PAGE up, the buffer starts on a huge-page
 * boundary and is advised for huge pages (a hint: where the kernel
 * declines, it is ordinary memory); below it, plain malloc.  Returns NULL
 * when out of memory.  Release with free(); realloc may shrink it (the
 * huge-page advice stays on the pages kept).
 */
void *sk_bigmem_alloc(size_t n);
/* Advises the whole huge pages inside [p, p + n) of memory from malloc or
 * realloc for huge pages (a hint, as above; the pages already touched stay
 * as they are). */
void sk_bigmem_advise(void *p, size_t n);
/* The bytes sk_bigmem_alloc asks the system for n: n rounded up to a
 * multiple of SK_BIGMEM_PAGE when n >= SK_BIGMEM_PAGE / 2 and that adds at
 * most n / 8 bytes or half a huge page, whichever is more; else n. */
size_t sk_bigmem_size(size_t n);

#endif
