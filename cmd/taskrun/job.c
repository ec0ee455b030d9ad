#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "stream.h"

static int at(struct sk_error *err, const struct sk_cfg *n, const char *msg)
{
	return sk_error_set(err, SK_EARG, "line %d, column %d: %s", sk_cfg_line(n), sk_cfg_column(n), msg);
}

static int at_key(struct sk_error *err, const struct sk_cfg *map, size_t i, const char *msg)
{
	int line, col;
	sk_cfg_key_pos(map, i, &line, &col);
	return sk_error_set(err, SK_EARG, "line %d, column %d: %s", line, col, msg);
}

static int push(char ***v, long *n, const char *s)
{
	char **nv = realloc(*v, (size_t)(*n + 1) * sizeof **v);
	if (!nv)
		return SK_ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return SK_ENOMEM;
	(*n)++;
	return 0;
}

static int str_list(const struct sk_cfg *n, char ***v, long *cnt, struct sk_error *err)
{
	if (sk_cfg_str(n))
		return push(v, cnt, sk_cfg_str(n)) ? sk_error_set(err, SK_ENOMEM, "out of memory") : 0;
	if (sk_cfg_kind(n) != SK_CFG_SEQ)
		return at(err, n, "expected a list of strings");
	for (size_t i = 0; i < sk_cfg_len(n); i++) {
		const struct sk_cfg *e = sk_cfg_at(n, i);
		if (!sk_cfg_str(e))
			return at(err, e, "expected a string");
		if (push(v, cnt, sk_cfg_str(e)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

static int add_task(struct tr_job *job, const struct sk_cfg *n, struct sk_error *err)
{
	struct tr_jobtask t = {NULL, NULL, NULL};
	struct tr_jobtask *nt;

	if (sk_cfg_str(n)) {
		t.cmd = strdup(sk_cfg_str(n));
	} else if (sk_cfg_kind(n) == SK_CFG_MAP) {
		for (size_t i = 0; i < sk_cfg_len(n); i++) {
			const char *key = sk_cfg_key_at(n, i);
			const struct sk_cfg *v = sk_cfg_at(n, i);
			char **dst = strcmp(key, "cmd") == 0 ? &t.cmd
				   : strcmp(key, "stdin") == 0 ? &t.in
				   : strcmp(key, "stdout") == 0 ? &t.out : NULL;
			if (!dst || *dst || !sk_cfg_str(v)) {
				free(t.cmd);
				free(t.in);
				free(t.out);
				return !dst || *dst ? at_key(err, n, i, !dst ? "unknown task key (expected cmd, stdin or stdout)"
									     : "task key given twice")
						    : at(err, v, "expected a string");
			}
			*dst = strdup(sk_cfg_str(v));
		}
		if (!t.cmd) {
			free(t.in);
			free(t.out);
			return at(err, n, "task without cmd");
		}
	} else {
		return at(err, n, "expected a command line or a mapping with cmd");
	}
	nt = realloc(job->tasks, (size_t)(job->ntasks + 1) * sizeof *nt);
	if (!nt || !t.cmd) {
		free(t.cmd);
		free(t.in);
		free(t.out);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	job->tasks = nt;
	job->tasks[job->ntasks++] = t;
	return 0;
}

static int walk(const struct sk_cfg *root, struct tr_job *job, struct sk_error *err)
{
	if (sk_cfg_kind(root) != SK_CFG_MAP)
		return at(err, root, "expected a mapping (command, args, tasks, hosts, options)");
	if (sk_cfg_len(root) == 0)
		return sk_error_set(err, SK_EARG, "empty job file");
	for (size_t j = 0; j < sk_cfg_len(root); j++) {
		const char *key = sk_cfg_key_at(root, j);
		const struct sk_cfg *v = sk_cfg_at(root, j);
		int rc = 0;

		if (strcmp(key, "command") == 0) {
			if (!sk_cfg_str(v))
				return at(err, v, "expected a string");
			free(job->command);
			if (!(job->command = strdup(sk_cfg_str(v))))
				return sk_error_set(err, SK_ENOMEM, "out of memory");
		} else if (strcmp(key, "args") == 0) {
			rc = str_list(v, &job->args, &job->nargs, err);
		} else if (strcmp(key, "tasks") == 0) {
			if (sk_cfg_kind(v) != SK_CFG_SEQ)
				return at(err, v, "expected a list of tasks");
			for (size_t i = 0; !rc && i < sk_cfg_len(v); i++)
				rc = add_task(job, sk_cfg_at(v, i), err);
		} else if (strcmp(key, "hosts") == 0) {
			char **h = NULL;
			long nh = 0;
			size_t len = 1;
			rc = str_list(v, &h, &nh, err);
			for (long i = 0; !rc && i < nh; i++)
				len += strlen(h[i]) + 1;
			if (!rc && (job->hosts = malloc(len))) {
				job->hosts[0] = '\0';
				for (long i = 0; i < nh; i++) {
					strcat(job->hosts, h[i]);
					strcat(job->hosts, "\n");
				}
			} else if (!rc) {
				rc = sk_error_set(err, SK_ENOMEM, "out of memory");
			}
			for (long i = 0; i < nh; i++)
				free(h[i]);
			free(h);
		} else if (strcmp(key, "options") == 0) {
			if (sk_cfg_kind(v) != SK_CFG_MAP)
				return at(err, v, "expected a mapping of option names to values");
			for (size_t i = 0; i < sk_cfg_len(v); i++) {
				const struct sk_cfg *ov = sk_cfg_at(v, i);
				long n = job->nopt, n2 = job->nopt;
				if (!sk_cfg_str(ov))
					return at(err, ov, "expected an option name and a value");
				if (push(&job->optk, &n, sk_cfg_key_at(v, i)) || push(&job->optv, &n2, sk_cfg_str(ov)))
					return sk_error_set(err, SK_ENOMEM, "out of memory");
				job->nopt++;
			}
		} else {
			return at_key(err, root, j, "unknown key (expected command, args, tasks, hosts or options)");
		}
		if (rc)
			return rc;
	}
	if (job->nargs && !job->command)
		return sk_error_set(err, SK_EARG, "args without command");
	return 0;
}

int tr_job_load(const char *path, struct tr_job *job, struct sk_error *err)
{
	struct sk_cfg *root;
	int rc;

	memset(job, 0, sizeof *job);
	if ((rc = sk_cfg_load(path, &root, err)) < 0) {
		rc = sk_not_text(path, "a YAML job file", rc, err);
		return rc == SK_EARG || rc == SK_EFMT ? (err->code = SK_EUSAGE) : rc;
	}
	rc = walk(root, job, err);
	sk_cfg_free(root);
	if (rc)
		tr_job_release(job);
	/* A job file is the command line's continuation: what it gets wrong
	 * is a usage error, which names it. */
	if (rc == SK_EARG)
		rc = err->code = SK_EUSAGE;
	return sk_error_at(err, rc, path);
}

void tr_job_release(struct tr_job *job)
{
	free(job->command);
	for (long i = 0; i < job->nargs; i++)
		free(job->args[i]);
	free(job->args);
	for (long i = 0; i < job->ntasks; i++) {
		free(job->tasks[i].cmd);
		free(job->tasks[i].in);
		free(job->tasks[i].out);
	}
	free(job->tasks);
	free(job->hosts);
	for (int i = 0; i < job->nopt; i++) {
		free(job->optk[i]);
		free(job->optv[i]);
	}
	free(job->optk);
	free(job->optv);
	memset(job, 0, sizeof *job);
}
