/*
 * piece: a task's input piece (--input-manifest): one piece of a
 * distributed manifest (segsplit --hosts), its size, xxh64, file name and
 * locations, as field 7 of the frozen task list keeps it:
 *
 *	"SIZE XXH64 NAME\nHOST:PATH\nHOST:PATH...[\n=N MANIFEST]"
 *
 * SIZE in bytes (decimal), XXH64 16 hex digits (seed 0), NAME the piece's
 * file name (every location's path ends with it), one location per copy,
 * the host as the host file names it and the path on that host (relative
 * paths start at its $TASKRUN_KEEP_DIR, as --keep's); last, when the
 * manifest records the lineage of its pieces, "=N MANIFEST": the piece's
 * number and the manifest's absolute path, what remakes the piece
 * (segsplit --remake N) when no copy is left.
 *
 * In the task's command, the piece's path is TR_PIECE_DIR "/" NAME until
 * the agent that runs it puts the directory of its copy there
 * (tr_piece_subst): the directory differs from host to host, and a piece
 * streamed from another host is a temporary of the agent's.
 */
#ifndef TR_PIECE_H
#define TR_PIECE_H

#include <stddef.h>

#include "diag.h"

/* The byte an expanded command holds for the directory of its piece. */
#define TR_PIECE_DIR '\x1d'
#define TR_PIECE_MAXLOC 16      /* copies of one piece, at most */

struct tr_piece {
	unsigned long long size;
	char hash[17];
	const char *name;           /* into the text; namelen bytes */
	size_t namelen;
	int nloc;
	const char *host[TR_PIECE_MAXLOC], *path[TR_PIECE_MAXLOC];   /* into the text */
	size_t hostlen[TR_PIECE_MAXLOC], pathlen[TR_PIECE_MAXLOC];
	const char *lin;            /* "N MANIFEST" (into the text), or NULL */
	size_t linlen;
};

/* Parses field 7 (text stays owned by the caller and must outlive p);
 * SK_EFMT when it is not one. */
int tr_piece_parse(const char *text, struct tr_piece *p);
/* The index of the location on host, or -1 when host holds no copy. */
int tr_piece_on(const struct tr_piece *p, const char *host);
/* Field 7 for a piece (malloc'd): size, hash, file (its base name is the
 * name), its nat locations "host:path" and its lineage ("N MANIFEST", or
 * NULL: none; at most TR_PIECE_MAXLOC - 1 locations then); SK_EARG with err set when a
 * location is not "host:path" or its path does not end in the name, or
 * there are more than TR_PIECE_MAXLOC. */
int tr_piece_format(unsigned long long size, unsigned long long hash, const char *file, const char *const *at,
		    int nat, const char *lineage, char **out, struct sk_error *err);
/* The hosts of the locations, comma-separated (a task's --where; malloc'd). */
char *tr_piece_hosts(const struct tr_piece *p);
/* cmd with every TR_PIECE_DIR replaced by dir, which lands inside the
 * single quotes that tr_tmpl_quote put around the value, so a quote in dir
 * is written '"'"' (malloc'd; NULL when out of memory). */
char *tr_piece_subst(const char *cmd, const char *dir);

/* cmd as shown (--dry-run, --joblog) for a task of piece text run on
 * host: the directory of host's copy (as the manifest gives it, relative
 * paths unresolved); of the first copy when host is NULL; ".taskrun-in.
 * XXXXXX" when host holds no copy (a relayed piece's temporary).  cmd
 * itself, copied, without text (malloc'd; NULL when out of memory). */
char *tr_piece_show(const char *cmd, const char *text, const char *host);

#endif
