/*
 * cmd_test_rules.c - `cloudengine test-rules`: run the test cases that
 * ship beside the rules (*.test.json) through the configured evaluator and
 * check which rules fire.  The format is documented in docs/rules.md.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "buf.h"
#include "commands.h"
#include "config.h"
#include "engine.h"
#include "event.h"

static const char usage_test_rules[] =
"usage: cloudengine test-rules [-c FILE] [--rules DIR]\n"
"\n"
"Run every test case in the *.test.json files of the rule directories (the\n"
"evaluator's 'rules' option, or DIR) and report PASS or FAIL per case.\n"
"A case is {\"name\", \"event\", \"fires\": [rules], \"not_fires\": [rules]}:\n"
"each rule in fires must fire for the event, none in not_fires may.\n"
"Exit status 1 when a case fails.\n";

/* Rule names fired for the current case. */
struct fired {
	char	**names;
	size_t	  n;
	uint64_t  records;
};

static void
on_fire(void *arg, const ce_event *ev, const struct ce_alert_spec *spec)
{
	struct fired *f = arg;
	char **v = realloc(f->names, (f->n + 1) * sizeof(*v));

	(void)ev;
	if (v == NULL)
		return;
	f->names = v;
	if ((f->names[f->n] = strdup(spec->rule)) != NULL)
		f->n++;
}

static void
fired_reset(struct fired *f)
{
	while (f->n > 0)
		free(f->names[--f->n]);
	free(f->names);
	f->names = NULL;
}

static int
has_fired(const struct fired *f, const char *rule)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->names[i], rule) == 0)
			return 1;
	return 0;
}

/* Check one expectation list; returns the number of misses. */
static unsigned
expect(const struct fired *f, struct json_object *list, int must_fire,
    struct ce_buf *why)
{
	size_t i, n;
	unsigned misses = 0;
	const char *rule;

	if (list == NULL)
		return 0;
	if (!json_object_is_type(list, json_type_array)) {
		ce_buf_printf(why, "; '%s' is not a list",
		    must_fire ? "fires" : "not_fires");
		return 1;
	}
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		rule = json_object_get_string(json_object_array_get_idx(list, i));
		if (rule == NULL || has_fired(f, rule) == must_fire)
			continue;
		ce_buf_printf(why, "; '%s' %s", rule,
		    must_fire ? "did not fire" : "fired");
		misses++;
	}
	return misses;
}

static int
run_case(struct ce_engine *e, const char *file, size_t idx,
    struct json_object *c, struct fired *f)
{
	struct json_object *event, *name, *fires, *not_fires;
	struct ce_buf origin = CE_BUF_INIT, why = CE_BUF_INIT;
	const char *text, *label;
	unsigned misses = 0;
	size_t len;
	uint64_t before = atomic_load(&e->totals.records);

	json_object_object_get_ex(c, "name", &name);
	label = name != NULL ? json_object_get_string(name) : NULL;
	ce_buf_printf(&origin, "%s#%zu", file, idx + 1);
	if (!json_object_object_get_ex(c, "event", &event)) {
		ce_buf_puts(&why, "; no 'event'");
		misses++;
	} else {
		text = json_object_to_json_string_length(event,
		    JSON_C_TO_STRING_PLAIN, &len);
		if (ce_engine_test_buffer(e, ce_buf_cstr(&origin), text, len) < 0) {
			ce_buf_puts(&why, "; could not be evaluated");
			misses++;
		} else if (atomic_load(&e->totals.records) == before) {
			ce_buf_puts(&why, "; the event holds no CloudTrail record");
			misses++;
		}
	}
	json_object_object_get_ex(c, "fires", &fires);
	json_object_object_get_ex(c, "not_fires", &not_fires);
	misses += expect(f, fires, 1, &why);
	misses += expect(f, not_fires, 0, &why);
	printf("%s %s: %s%s\n", misses ? "FAIL" : "PASS", ce_buf_cstr(&origin),
	    label != NULL ? label : "(unnamed)", misses ? ce_buf_cstr(&why) : "");
	ce_buf_free(&origin);
	ce_buf_free(&why);
	fired_reset(f);
	return misses ? -1 : 0;
}

static int
run_file(struct ce_engine *e, const char *path, struct fired *f,
    unsigned *pass, unsigned *fail)
{
	struct json_object *cases = json_object_from_file(path);
	size_t i, n;

	if (cases == NULL || !json_object_is_type(cases, json_type_array)) {
		printf("FAIL %s: not a JSON array of test cases (%s)\n", path,
		    cases == NULL ? json_util_get_last_err() : "wrong type");
		json_object_put(cases);
		(*fail)++;
		return -1;
	}
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		if (run_case(e, path, i, json_object_array_get_idx(cases, i), f) == 0)
			(*pass)++;
		else
			(*fail)++;
	}
	json_object_put(cases);
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Run the *.test.json files of dir (or of a rule file's directory). */
static void
run_dir(struct ce_engine *e, const char *dir, struct fired *f,
    unsigned *pass, unsigned *fail)
{
	struct dirent **list = NULL;
	struct ce_buf path = CE_BUF_INIT;
	struct stat st;
	int n, i;

	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return;		/* a rule file: its tests live in a directory */
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		printf("FAIL %s: %s\n", dir, strerror(errno));
		(*fail)++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (ends_with(list[i]->d_name, ".test.json")) {
			ce_buf_reset(&path);
			ce_buf_printf(&path, "%s/%s", dir, list[i]->d_name);
			run_file(e, ce_buf_cstr(&path), f, pass, fail);
		}
		free(list[i]);
	}
	free(list);
	ce_buf_free(&path);
}

/* The evaluator's 'rules' option: applied into a scratch area through the
 * plugin's own option table, so the core needs no knowledge of it. */
static struct ce_strlist
evaluator_rules(struct ce_engine *e, void **scratch)
{
	const struct ce_instance *ev = e->gen->evaluator;
	const struct ce_option *o = ev->desc->options;
	struct ce_strlist none = { 0, NULL };
	size_t size = 0, at = (size_t)-1;

	*scratch = NULL;
	for (; o != NULL && o->name != NULL;
	    o = (const struct ce_option *)((const char *)o + o->size)) {
		if (o->offset + 64 > size)
			size = o->offset + 64;	/* room for any member type */
		if (strcmp(o->name, "rules") == 0 && o->type == CE_OPT_STRING_LIST)
			at = o->offset;
	}
	if (at == (size_t)-1 || (*scratch = calloc(1, size)) == NULL ||
	    ce_options_apply(ev->desc->options, ev->conf->values, *scratch) < 0)
		return none;
	return *(struct ce_strlist *)((char *)*scratch + at);
}

int
ce_cmd_test_rules(int argc, char **argv)
{
	struct ce_engine *e = NULL;
	struct ce_engine_options o = { .mode = CE_MODE_TEST, .workers = 1 };
	struct fired f = { NULL, 0, 0 };
	struct ce_strlist dirs;
	struct ce_cli cli;
	unsigned pass = 0, fail = 0;
	void *scratch = NULL;
	size_t i;
	int rc;

	if ((rc = ce_cli_parse(argc, argv, &cli, 1, usage_test_rules)) != 0 ||
	    cli.help)
		return rc;
	o.config = cli.config;
	o.rules = cli.rules;
	if (ce_engine_open(&e, &o) < 0 || ce_engine_start(e) < 0) {
		if (e != NULL)
			ce_diag_print(&e->diag, stderr);
		ce_engine_close(e);
		return CE_EXIT_CONFIG;
	}
	e->test_hook = on_fire;
	e->test_hook_arg = &f;
	dirs = evaluator_rules(e, &scratch);
	for (i = 0; i < dirs.n; i++)
		run_dir(e, dirs.items[i], &f, &pass, &fail);
	free(scratch);
	ce_engine_close(e);
	if (pass + fail == 0)
		fprintf(stderr, "cloudengine test-rules: no *.test.json files "
		    "in the rule directories\n");
	printf("%u passed, %u failed\n", pass, fail);
	return fail > 0 ? CE_EXIT_INCOMPLETE : CE_EXIT_OK;
}
