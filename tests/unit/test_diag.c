#include <errno.h>
#include <string.h>

#include "check.h"
#include "diag.h"

int main(void)
{
	struct sk_error err;
	CHECK(sk_error_set(&err, SK_EFMT, "trace %d: ns=%u", 3, 70000u) == SK_EFMT);
	CHECK(err.code == SK_EFMT && strcmp(err.msg, "trace 3: ns=70000") == 0);
	CHECK(sk_error_set(NULL, SK_EARG, "x") == SK_EARG);
	errno = ENOENT;
	CHECK(sk_error_sys(&err, "%s", "f.sgy") == SK_EIO);
	CHECK(strcmp(err.msg, "f.sgy: No such file or directory") == 0 && err.errnum == ENOENT);
	sk_error_clear(&err);
	CHECK(err.code == 0 && err.msg[0] == '\0');
	return test_done();
}
