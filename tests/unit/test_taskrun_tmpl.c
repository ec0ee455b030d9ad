#include <stdlib.h>
#include <string.h>

#include "../../cmd/taskrun/tmpl.h"
#include "check.h"

static int expands(const char *t, const char *arg, long seq, int quote, const char *want)
{
	char *s = tr_tmpl_expand(t, arg, seq, quote);
	const int ok = s && strcmp(s, want) == 0;
	if (!ok)
		printf("# '%s' with '%s' gave '%s', want '%s'\n", t, arg, s ? s : "(null)", want);
	free(s);
	return ok;
}

static int quotes(const char *s, const char *want)
{
	char *q = tr_tmpl_quote(s);
	const int ok = q && strcmp(q, want) == 0;
	if (!ok)
		printf("# quote '%s' gave '%s', want '%s'\n", s, q ? q : "(null)", want);
	free(q);
	return ok;
}

int main(void)
{
	char **w;
	struct sk_error err;

	CHECK(quotes("plain-file_1.sgy", "plain-file_1.sgy"));
	CHECK(quotes("a b", "'a b'"));
	CHECK(quotes("it's", "'it'\"'\"'s'"));
	CHECK(quotes("'", "\"'\""));
	CHECK(quotes("'a", "\"'\"'a'"));
	CHECK(quotes("a'", "'a'\"'\""));
	CHECK(quotes("a,b", "'a,b'"));
	CHECK(quotes("a+b/c.d", "a+b/c.d"));
	CHECK(quotes("$HOME", "'$HOME'"));
	CHECK(quotes("", "''"));
	CHECK(quotes("ünï", "'ünï'"));
	CHECK(quotes("~x", "'~x'"));
	CHECK(quotes("a=b", "'a=b'"));

	CHECK(expands("gzip {}", "dir/a b.sgy", 1, 1, "gzip 'dir/a b.sgy'"));
	CHECK(expands("{.}|{/}|{//}|{/.}|{#}", "d/e/f.tar.gz", 12, 1, "d/e/f.tar|f.tar.gz|d/e|f.tar|12"));
	CHECK(expands("{.}|{/}|{//}|{/.}", "noext", 1, 1, "noext|noext|.|noext"));
	/* GNU parallel's: a leading dot starts the extension too. */
	CHECK(expands("{.}|{/.}", "d/.hidden", 1, 1, "d/|''"));
	CHECK(expands("{//}", "/top", 1, 1, "/"));
	/* {//} is dirname(1)'s and Perl's dirname: trailing slashes first. */
	CHECK(expands("{//}|{/}", "dir/", 1, 0, ".|"));
	CHECK(expands("{//}", "a/b//", 1, 0, "a"));
	CHECK(expands("{//}", "a//b", 1, 0, "a"));
	CHECK(expands("{//}", "//a//", 1, 0, "/"));
	CHECK(expands("{//}", "//", 1, 0, "/"));
	CHECK(expands("{//}", "../", 1, 0, "."));
	CHECK(expands("{//}", "x/.", 1, 0, "x"));
	CHECK(expands("{//}", "", 1, 0, "."));
	CHECK(expands("out/{/.}.img", "parts/p 1.sgy", 1, 0, "out/p 1.img"));
	CHECK(expands("awk '{print}' {}", "x", 1, 1, "awk '{print}' x"));
	CHECK(expands("a {{}} b", "x", 1, 1, "a {x} b"));

	{
		const char *const two[] = {"d/a.b.c", "it's x"};
		char *s = tr_tmpl_expandv("{} {1/} {1//} {1.} {1/.} {2} {3}|{.}|{#}", two, 2, 7, 1);
		CHECK(s && strcmp(s, "d/a.b.c 'it'\"'\"'s x' a.b.c d d/a.b a.b 'it'\"'\"'s x' |d/a.b 'it'\"'\"'s x'|7") == 0);
		free(s);
		/* {%} is left for the start of the task. */
		s = tr_tmpl_expandv("run {%} {}{%}", two, 1, 1, 1);
		CHECK(s && strcmp(s, "run \x1e d/a.b.c\x1e") == 0 && tr_tmpl_has_slot(s));
		{
			char *t = s ? tr_tmpl_slot(s, 12) : NULL;
			CHECK(t && strcmp(t, "run 12 d/a.b.c12") == 0 && !tr_tmpl_has_slot(t));
			free(t);
		}
		free(s);
		CHECK(expands("{10}{1x}{0}", "a", 1, 1, "{1x}{0}"));
		/* Counted from the last input, as GNU parallel; empty before
		 * the first; {-0} and {--1} are not placeholders. */
		s = tr_tmpl_expandv("{-1}|{-1/}|{-1.}|{-2//}|{-2/.}|{-3}|{-0}|{--1}|{-1x}", two, 2, 1, 1);
		CHECK(s && strcmp(s, "'it'\"'\"'s x'|'it'\"'\"'s x'|'it'\"'\"'s x'|d|a.b||{-0}|{--1}|{-1x}") == 0);
		free(s);
	}
	CHECK(tr_tmpl_has_placeholder("echo {/.}") == 1);
	CHECK(tr_tmpl_has_placeholder("echo {2//}") == 1);
	CHECK(tr_tmpl_has_placeholder("echo {%}") == 1);
	CHECK(tr_tmpl_has_placeholder("echo {-1}") == 1);
	CHECK(tr_tmpl_has_placeholder("echo {-2/.}") == 1);
	CHECK(tr_tmpl_has_placeholder("echo {-0} {-}") == 0);
	CHECK(tr_tmpl_has_placeholder("echo {0} {x}") == 0);
	CHECK(tr_tmpl_has_placeholder("awk '{print $1}'") == 0);

	CHECK(tr_tmpl_words("ssh -F 'my cfg' -o \"A=b c\" x\\ y", &w, &err) == 6);
	CHECK(strcmp(w[0], "ssh") == 0 && strcmp(w[2], "my cfg") == 0 && strcmp(w[4], "A=b c") == 0 &&
	      strcmp(w[5], "x y") == 0 && w[6] == NULL);
	tr_tmpl_words_free(w);
	CHECK(tr_tmpl_words("srun -N1 -n1 -w", &w, &err) == 4 && w[4] == NULL);
	tr_tmpl_words_free(w);
	CHECK(tr_tmpl_words("  ", &w, &err) == 0 && w[0] == NULL);
	tr_tmpl_words_free(w);
	CHECK(tr_tmpl_words("a 'b", &w, &err) == SK_EARG);
	CHECK(strcmp(err.msg, "unclosed quote in 'a 'b'") == 0);

	CHECK(tr_tmpl_plain("true"));
	CHECK(tr_tmpl_plain("segsplit --count 10 -d out/x in.sgy"));
	CHECK(!tr_tmpl_plain("echo $HOME"));
	CHECK(!tr_tmpl_plain("a | b"));
	CHECK(!tr_tmpl_plain("'quoted'"));
	CHECK(!tr_tmpl_plain("X=1 cmd"));
	CHECK(!tr_tmpl_plain(""));
	return test_done();
}
