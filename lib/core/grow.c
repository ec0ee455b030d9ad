#include "grow.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

int sk_grow(void *p, long *cap, long need, size_t elem, long first)
{
	void *old, *n;
	long c;

	if (need <= *cap)
		return 0;
	c = *cap > 0 ? *cap : first > 0 ? first : 1;
	while (c < need)
		c = c > LONG_MAX / 2 ? need : 2 * c;
	if (elem > 0 && (size_t)c > SIZE_MAX / elem)
		return SK_ENOMEM;
	memcpy(&old, p, sizeof old);
	if (!(n = realloc(old, (size_t)c * elem)))
		return SK_ENOMEM;
	memcpy(p, &n, sizeof n);
	*cap = c;
	return 0;
}
