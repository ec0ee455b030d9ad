/*
 * launcher: what the command that starts an agent (ssh, srun, a script
 * given to --ssh) said on its standard error, for the messages of an agent
 * that did not start or was lost: its reason ("execve(): taskrun: No such
 * file or directory") is usually a line or two before its last one.
 */
#ifndef TR_LAUNCHER_H
#define TR_LAUNCHER_H

#include <stddef.h>

/* The launcher's stderr lines kept for those messages. */
#define TR_LAUNCHER_LINES 3

/* Writes the last max non-blank lines of text (without their line ends or
 * trailing blanks) to out (n bytes, NUL-terminated, truncated to fit),
 * joined by "; ", a line repeated right after itself counted once.
 * Returns the number of lines written. */
int tr_launcher_lines(const char *text, int max, char *out, size_t n);

#endif
