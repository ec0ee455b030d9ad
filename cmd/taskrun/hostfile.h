/*
 * hostfile: GNU parallel's sshlogin-file format.  One host per line,
 * "[N/]host": N slots (omitted: as many as the host has CPUs, which its agent
 * reports), host as given to ssh (user@host, an ssh_config alias, or several
 * words such as "-p 2222 host"), ":" or "localhost" for local slots without
 * ssh.  Blank lines and lines starting with '#' are ignored.  A line
 * "slurm" (or "N/slurm") stands for the nodes of the Slurm allocation the
 * program runs in (slurm.h), each with its CPUs (or N) as slots.
 */
#ifndef TR_HOSTFILE_H
#define TR_HOSTFILE_H

#include <stddef.h>

#include "diag.h"

struct tr_hostent {
	char *name;     /* malloc'd; ":" for local */
	int slots;      /* 0: the host's CPU count */
	int local;
	int slurm;      /* a node of the Slurm allocation: started with srun */
};

/* Parses text (of a file named what, for messages).  *out is a malloc'd
 * array of *n entries; a host listed twice is an error, except the local
 * host (":" and "localhost" are one): its lines merge into one entry whose
 * slots are the sum of theirs (0, the CPU count, if one line gives none).
 * Returns 0 or SK_EARG ("line L: ...") or SK_ENOMEM. */
int tr_hostfile_parse(const char *what, const char *text, struct tr_hostent **out, int *n,
		      struct sk_error *err);
/* Reads and parses a file; SK_EIO when it cannot be read. */
int tr_hostfile_load(const char *path, struct tr_hostent **out, int *n, struct sk_error *err);
void tr_hostfile_free(struct tr_hostent *h, int n);

/* Reads a whole file into a malloc'd NUL-terminated string (lib/core's
 * sk_file_read_all), with the file named in the message ("path: No such
 * file or directory"; err->errnum kept). */
int tr_read_file(const char *path, char **out, size_t *len, struct sk_error *err);

#endif
