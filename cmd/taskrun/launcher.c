#include "launcher.h"

#include <stdio.h>
#include <string.h>

int tr_launcher_lines(const char *text, int max, char *out, size_t n)
{
	const char *end = text + strlen(text), *start[16], *stop[16];
	int k = 0;
	size_t used = 0;

	if (max > 16)
		max = 16;
	out[0] = '\0';
	/* From the end back: the last max lines with something in them. */
	while (end > text && k < max) {
		const char *e = end, *s = end;
		while (s > text && s[-1] != '\n')
			s--;
		end = s > text ? s - 1 : s;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		/* A line said twice in a row (slurmstepd does) counts once. */
		if (e > s && !(k > 0 && e - s == stop[k - 1] - start[k - 1] &&
			       memcmp(s, start[k - 1], (size_t)(e - s)) == 0)) {
			start[k] = s;
			stop[k++] = e;
		}
		if (s == text)
			break;
	}
	for (int i = k - 1; i >= 0 && used + 1 < n; i--) {
		const int w = snprintf(out + used, n - used, "%s%.*s", i == k - 1 ? "" : "; ",
				       (int)(stop[i] - start[i]), start[i]);
		used += w > 0 ? (size_t)w : 0;
		if (used >= n)
			used = n - 1;
	}
	return k;
}
