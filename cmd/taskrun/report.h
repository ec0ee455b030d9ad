/*
 * report: what a state directory says.  status (counts, hosts, ETA), the
 * text report (per task and per host wall, CPU, efficiency = CPU / (wall x
 * slots), attempts, failures, controller overhead) and a self-contained
 * HTML page (inline SVG: allocation over time per host, efficiency per
 * host).  All numbers come from the summary of DIR/tasks and DIR/journal
 * (summary.h).
 */
#ifndef TR_REPORT_H
#define TR_REPORT_H

#include <stdio.h>

#include "diag.h"
#include "summary.h"

int tr_report_status(const char *dir, FILE *out, struct sk_error *err);
int tr_report_text(const char *dir, FILE *out, struct sk_error *err);
/* The --keep files in place, one line per task: "task<TAB>host<TAB>bytes<TAB>
 * xxh64<TAB>path" (the path as the task's --keep gave it), in task order. */
int tr_report_kept(const char *dir, FILE *out, struct sk_error *err);
int tr_report_html(const char *dir, FILE *out, struct sk_error *err);

#endif
