#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static int at(struct sk_error *err, const yaml_node_t *n, const char *msg)
{
	return sk_error_set(err, SK_EARG, "line %lu, column %lu: %s",
			    (unsigned long)n->start_mark.line + 1, (unsigned long)n->start_mark.column + 1,
			    msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
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

static int str_list(yaml_document_t *d, const yaml_node_t *n, char ***v, long *cnt,
		    struct sk_error *err)
{
	if (n->type == YAML_SCALAR_NODE)
		return push(v, cnt, scalar(n)) ? sk_error_set(err, SK_ENOMEM, "out of memory") : 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return at(err, n, "expected a list of strings");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		const yaml_node_t *e = yaml_document_get_node(d, *i);
		if (!scalar(e))
			return at(err, e, "expected a string");
		if (push(v, cnt, scalar(e)))
			return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	return 0;
}

static int add_task(yaml_document_t *d, struct sk_job *job, const yaml_node_t *n,
		    struct sk_error *err)
{
	struct sk_jobtask t = {NULL, NULL, NULL};
	struct sk_jobtask *nt;

	if (scalar(n)) {
		t.cmd = strdup(scalar(n));
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			const yaml_node_t *k = yaml_document_get_node(d, p->key);
			const yaml_node_t *v = yaml_document_get_node(d, p->value);
			const char *key = scalar(k);
			char **dst = !key ? NULL : strcmp(key, "cmd") == 0 ? &t.cmd
				   : strcmp(key, "stdin") == 0 ? &t.in
				   : strcmp(key, "stdout") == 0 ? &t.out : NULL;
			if (!dst || *dst || !scalar(v)) {
				free(t.cmd);
				free(t.in);
				free(t.out);
				return at(err, !dst || *dst ? k : v,
					  !dst ? "unknown task key (expected cmd, stdin or stdout)"
					  : *dst ? "task key given twice" : "expected a string");
			}
			*dst = strdup(scalar(v));
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

static int walk(yaml_document_t *d, struct sk_job *job, struct sk_error *err)
{
	const yaml_node_t *root = yaml_document_get_root_node(d);

	if (!root)
		return sk_error_set(err, SK_EARG, "empty job file");
	if (root->type != YAML_MAPPING_NODE)
		return at(err, root, "expected a mapping (command, args, tasks, hosts, options)");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(d, p->key);
		const yaml_node_t *v = yaml_document_get_node(d, p->value);
		const char *key = scalar(k);
		int rc = 0;

		if (!key)
			return at(err, k, "expected a key");
		if (strcmp(key, "command") == 0) {
			if (!scalar(v))
				return at(err, v, "expected a string");
			free(job->command);
			if (!(job->command = strdup(scalar(v))))
				return sk_error_set(err, SK_ENOMEM, "out of memory");
		} else if (strcmp(key, "args") == 0) {
			rc = str_list(d, v, &job->args, &job->nargs, err);
		} else if (strcmp(key, "tasks") == 0) {
			if (v->type != YAML_SEQUENCE_NODE)
				return at(err, v, "expected a list of tasks");
			for (yaml_node_item_t *i = v->data.sequence.items.start;
			     !rc && i < v->data.sequence.items.top; i++)
				rc = add_task(d, job, yaml_document_get_node(d, *i), err);
		} else if (strcmp(key, "hosts") == 0) {
			char **h = NULL;
			long nh = 0;
			size_t len = 1;
			rc = str_list(d, v, &h, &nh, err);
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
			if (v->type != YAML_MAPPING_NODE)
				return at(err, v, "expected a mapping of option names to values");
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
				const yaml_node_t *ok = yaml_document_get_node(d, q->key);
				const yaml_node_t *ov = yaml_document_get_node(d, q->value);
				long n = job->nopt, n2 = job->nopt;
				if (!scalar(ok) || !scalar(ov))
					return at(err, scalar(ok) ? ov : ok, "expected an option name and a value");
				if (push(&job->optk, &n, scalar(ok)) || push(&job->optv, &n2, scalar(ov)))
					return sk_error_set(err, SK_ENOMEM, "out of memory");
				job->nopt++;
			}
		} else {
			return at(err, k, "unknown key (expected command, args, tasks, hosts or options)");
		}
		if (rc)
			return rc;
	}
	if (job->nargs && !job->command)
		return sk_error_set(err, SK_EARG, "args without command");
	return 0;
}

int sk_job_load(const char *path, struct sk_job *job, struct sk_error *err)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc;

	memset(job, 0, sizeof *job);
	if (!f)
		return sk_error_sys(err, "%s", path);
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return sk_error_set(err, SK_ENOMEM, "out of memory");
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = sk_error_set(err, SK_EARG, "line %lu, column %lu: %s",
				  (unsigned long)parser.problem_mark.line + 1,
				  (unsigned long)parser.problem_mark.column + 1,
				  parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return rc;
	}
	rc = walk(&doc, job, err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (rc)
		sk_job_release(job);
	return rc;
}

void sk_job_release(struct sk_job *job)
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
