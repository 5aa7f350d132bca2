/*
 * test_config.c - the configuration file and option tables: golden
 * diagnostics for every bad file in tests/data/config, every setting of a
 * good file, options of every type, secrets, ${VAR}, relative paths,
 * command-line overrides, reload comparison, describe and dump.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ce_test.h"
#include "config.h"

/*
 * libconfig 1.5 leaks the string token it discards while recovering from
 * a syntax error (hyperrealm/libconfig#142, fixed after 1.5).  LeakSanitizer
 * reads this hook; valgrind gets tests/unit/libconfig.supp.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\n";
}

/* Must never show up in a diagnostic, a log line, a dump or a listing. */
#define SENTINEL	"s3cr3t-SENTINEL-value"

/* ------------------------------------------------------------------ */
/* In-test plugins                                                     */
/* ------------------------------------------------------------------ */

struct file_conf {
	struct ce_strlist	 paths;
	int			 follow;
	int			 format;
};

static const char *const file_formats[] = { "auto", "lines", "json", NULL };

static const struct ce_option file_options[] = {
	{ CE_OPTION_HEADER, .name = "paths", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct file_conf, paths),
	  .help = "files or directories to read" },
	{ CE_OPTION_HEADER, .name = "follow", .type = CE_OPT_BOOLEAN,
	  .def = "false", .offset = offsetof(struct file_conf, follow),
	  .help = "keep reading as files grow" },
	{ CE_OPTION_HEADER, .name = "format", .type = CE_OPT_ENUM,
	  .def = "auto", .offset = offsetof(struct file_conf, format),
	  .choices = file_formats, .help = "how documents are split" },
	CE_OPTIONS_END
};

struct drl_conf {
	struct ce_strlist	 rules;
	int64_t			 max_rules;
};

static const struct ce_option drl_options[] = {
	{ CE_OPTION_HEADER, .name = "rules", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_PATH, .def = "rules.d",
	  .offset = offsetof(struct drl_conf, rules),
	  .help = "rule files or directories" },
	{ CE_OPTION_HEADER, .name = "max_rules", .type = CE_OPT_INTEGER,
	  .def = "1000", .offset = offsetof(struct drl_conf, max_rules),
	  .min = 1, .max = 100000, .help = "most rules loaded" },
	CE_OPTIONS_END
};

static const struct ce_option stdout_options[] = {
	{ CE_OPTION_HEADER, .name = "pretty", .type = CE_OPT_BOOLEAN,
	  .def = "false", .offset = 0, .help = "indent the JSON" },
	CE_OPTIONS_END
};

struct dd_conf {
	const char		*api_key;
	const char		*site;
	int64_t			 timeout_ms;
	double			 ratio;
	struct ce_strlist	 tags;
};

static const struct ce_option dd_options[] = {
	{ CE_OPTION_HEADER, .name = "api_key", .type = CE_OPT_SECRET,
	  .flags = CE_OPT_REQUIRED, .offset = offsetof(struct dd_conf, api_key),
	  .help = "Datadog API key" },
	{ CE_OPTION_HEADER, .name = "site", .type = CE_OPT_STRING,
	  .def = "datadoghq.com", .offset = offsetof(struct dd_conf, site),
	  .help = "Datadog site" },
	{ CE_OPTION_HEADER, .name = "timeout_ms", .type = CE_OPT_INTEGER,
	  .def = "5000", .offset = offsetof(struct dd_conf, timeout_ms),
	  .min = 1, .max = 60000, .help = "request timeout" },
	{ CE_OPTION_HEADER, .name = "ratio", .type = CE_OPT_DECIMAL,
	  .def = "0.5", .offset = offsetof(struct dd_conf, ratio),
	  .help = "sampling ratio" },
	{ CE_OPTION_HEADER, .name = "tags", .type = CE_OPT_STRING_LIST,
	  .def = "source:cloudtrail, team:sec",
	  .offset = offsetof(struct dd_conf, tags), .help = "extra tags" },
	CE_OPTIONS_END
};

/* Every type, set and defaulted. */
struct typed_conf {
	const char		*s;
	int64_t			 i;
	int64_t			 big;
	int			 b;
	double			 d;
	double			 d_int;
	int			 e;
	struct ce_strlist	 l;
	const char		*secret;
	const char		*path;
	struct ce_strlist	 paths;
	const char		*s_def;
	int64_t			 i_def;
	int			 b_def;
	double			 d_def;
	int			 e_def;
	struct ce_strlist	 l_def;
	const char		*path_def;
	const char		*secret_def;
	const char		*s_unset;
	int			 e_unset;
	struct ce_strlist	 l_unset;
};

static const char *const typed_choices[] = { "one", "two", "three", NULL };

#define T(m)	offsetof(struct typed_conf, m)
static const struct ce_option typed_options[] = {
	{ CE_OPTION_HEADER, .name = "s", .type = CE_OPT_STRING, .offset = T(s),
	  .help = "a string" },
	{ CE_OPTION_HEADER, .name = "i", .type = CE_OPT_INTEGER, .offset = T(i),
	  .min = -10, .max = 10, .help = "a bounded integer" },
	{ CE_OPTION_HEADER, .name = "big", .type = CE_OPT_INTEGER,
	  .offset = T(big), .help = "an unbounded integer" },
	{ CE_OPTION_HEADER, .name = "b", .type = CE_OPT_BOOLEAN, .offset = T(b) },
	{ CE_OPTION_HEADER, .name = "d", .type = CE_OPT_DECIMAL, .offset = T(d) },
	{ CE_OPTION_HEADER, .name = "d_int", .type = CE_OPT_DECIMAL,
	  .offset = T(d_int) },
	{ CE_OPTION_HEADER, .name = "e", .type = CE_OPT_ENUM, .offset = T(e),
	  .choices = typed_choices },
	{ CE_OPTION_HEADER, .name = "l", .type = CE_OPT_STRING_LIST,
	  .offset = T(l) },
	{ CE_OPTION_HEADER, .name = "secret", .type = CE_OPT_SECRET,
	  .offset = T(secret), .help = "a secret" },
	{ CE_OPTION_HEADER, .name = "path", .type = CE_OPT_STRING,
	  .flags = CE_OPT_PATH, .offset = T(path) },
	{ CE_OPTION_HEADER, .name = "paths", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_PATH, .offset = T(paths) },
	{ CE_OPTION_HEADER, .name = "s_def", .type = CE_OPT_STRING,
	  .def = "literal ${NOT_EXPANDED}", .offset = T(s_def) },
	{ CE_OPTION_HEADER, .name = "i_def", .type = CE_OPT_INTEGER,
	  .def = "-42", .offset = T(i_def) },
	{ CE_OPTION_HEADER, .name = "b_def", .type = CE_OPT_BOOLEAN,
	  .def = "true", .offset = T(b_def) },
	{ CE_OPTION_HEADER, .name = "d_def", .type = CE_OPT_DECIMAL,
	  .def = "1e-3", .offset = T(d_def) },
	{ CE_OPTION_HEADER, .name = "e_def", .type = CE_OPT_ENUM,
	  .def = "three", .offset = T(e_def), .choices = typed_choices },
	{ CE_OPTION_HEADER, .name = "l_def", .type = CE_OPT_STRING_LIST,
	  .def = " x , y,z ", .offset = T(l_def) },
	{ CE_OPTION_HEADER, .name = "path_def", .type = CE_OPT_STRING,
	  .flags = CE_OPT_PATH, .def = "default.d", .offset = T(path_def) },
	{ CE_OPTION_HEADER, .name = "secret_def", .type = CE_OPT_SECRET,
	  .def = SENTINEL, .offset = T(secret_def) },
	{ CE_OPTION_HEADER, .name = "s_unset", .type = CE_OPT_STRING,
	  .offset = T(s_unset) },
	{ CE_OPTION_HEADER, .name = "e_unset", .type = CE_OPT_ENUM,
	  .offset = T(e_unset), .choices = typed_choices },
	{ CE_OPTION_HEADER, .name = "l_unset", .type = CE_OPT_STRING_LIST,
	  .offset = T(l_unset) },
	CE_OPTIONS_END
};
#undef T

static const struct ce_plugin test_plugins[] = {
	{ CE_PLUGIN_HEADER, .kind = CE_KIND_INPUT, .name = "file",
	  .options = file_options },
	{ CE_PLUGIN_HEADER, .kind = CE_KIND_INPUT, .name = "typed",
	  .options = typed_options },
	{ CE_PLUGIN_HEADER, .kind = CE_KIND_EVALUATOR, .name = "drl",
	  .options = drl_options },
	{ CE_PLUGIN_HEADER, .kind = CE_KIND_OUTPUT, .name = "stdout",
	  .options = stdout_options },
	{ CE_PLUGIN_HEADER, .kind = CE_KIND_OUTPUT, .name = "datadog",
	  .options = dd_options },
	{ CE_PLUGIN_HEADER, .kind = CE_KIND_OUTPUT, .name = "bare",
	  .options = NULL },
};

static const struct ce_plugin *
find_plugin(enum ce_plugin_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(test_plugins) / sizeof(test_plugins[0]); i++)
		if (test_plugins[i].kind == kind &&
		    strcmp(test_plugins[i].name, name) == 0)
			return &test_plugins[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Log lines seen while a test ran (diag echo, option errors). */
static char log_seen[65536];

static void
log_sink(void *arg, enum ce_log_level level, const char *component,
    const char *msg)
{
	size_t n = strlen(log_seen);

	(void)arg;
	(void)level;
	(void)component;
	snprintf(log_seen + n, sizeof(log_seen) - n, "%s\n", msg);
}

static char *
data_path(const char *name)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "config/%s", name);
	return ce_test_data(rel);
}

/* realpath() of tests/data/config: relative paths resolve against it. */
static char *
config_dir(void)
{
	char *p = data_path("."), *r = realpath(p, NULL);

	free(p);
	return r;
}

static char *
joinp(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	snprintf(p, n, "%s/%s", a, b);
	return p;
}

static int
bind_all_list(struct ce_config *cfg, struct ce_conf_instance *inst,
    struct ce_diag *diag)
{
	const struct ce_plugin *p;
	int rc = 0;

	for (; inst != NULL; inst = inst->next) {
		p = find_plugin(inst->kind, inst->plugin);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		if (ce_config_bind(cfg, inst, p, diag) < 0)
			rc = -EINVAL;
	}
	return rc;
}

static int
bind_all(struct ce_config *cfg, struct ce_diag *diag)
{
	int a = bind_all_list(cfg, cfg->inputs, diag);
	int b = bind_all_list(cfg, cfg->evaluator, diag);
	int c = bind_all_list(cfg, cfg->outputs, diag);

	return a < 0 || b < 0 || c < 0 ? -EINVAL : 0;
}

/* The diagnostics as one string, with every occurrence of dir replaced. */
static char *
diag_text(const struct ce_diag *diag, const char *dir)
{
	char *raw = NULL, *out, *p, *q;
	size_t len = 0, dlen = strlen(dir);
	FILE *fp = open_memstream(&raw, &len);

	ce_diag_print(diag, fp);
	fclose(fp);
	out = calloc(1, len * 2 + 16);
	for (p = raw, q = out; *p != '\0';) {
		if (strncmp(p, dir, dlen) == 0) {
			q += sprintf(q, "@DIR@");
			p += dlen;
		} else {
			*q++ = *p++;
		}
	}
	free(raw);
	return out;
}

static struct ce_config *
load_good(const char *name, struct ce_diag *diag)
{
	struct ce_config *cfg = NULL;
	char *path = data_path(name);
	int rc = ce_config_load(path, &cfg, diag);

	if (rc != 0)
		ce_diag_print(diag, stdout);
	CU_ASSERT_EQUAL(rc, 0);
	free(path);
	return cfg;
}

/* ------------------------------------------------------------------ */
/* Golden files                                                        */
/* ------------------------------------------------------------------ */

static int
golden_one(const char *datadir, const char *name)
{
	struct ce_config *cfg = NULL;
	struct ce_diag diag;
	char *conf = joinp(datadir, name), *errpath, *expect, *got;
	size_t n = strlen(conf);
	int rc, ok;

	errpath = strdup(conf);
	strcpy(errpath + n - strlen(".conf"), ".err");
	ce_diag_init(&diag);
	diag.echo = 1;
	log_seen[0] = '\0';
	rc = ce_config_load(conf, &cfg, &diag);
	if (rc == 0)
		rc = bind_all(cfg, &diag);
	got = diag_text(&diag, datadir);
	expect = ce_test_slurp(errpath, NULL);
	ok = rc < 0 && diag.errors > 0 && expect != NULL &&
	    strcmp(expect, got) == 0;
	if (!ok)
		printf("\n--- %s: expected\n%s--- got (rc %d)\n%s", name,
		    expect ? expect : "(no .err file)\n", rc, got);
	/* A secret's value never leaks, into the report or the log. */
	if (strstr(got, SENTINEL) != NULL || strstr(log_seen, SENTINEL)) {
		printf("\n--- %s: the secret leaked\n", name);
		ok = 0;
	}
	ce_config_free(cfg);
	ce_diag_free(&diag);
	free(conf);
	free(errpath);
	free(expect);
	free(got);
	return ok;
}

static void
bad_configs_match_their_golden_diagnostics(void)
{
	char *datadir = data_path("");
	struct dirent **ents;
	int n, i, checked = 0, failed = 0;
	size_t len;

	datadir[strlen(datadir) - 1] = '\0';	/* the trailing '/' */
	n = scandir(datadir, &ents, NULL, alphasort);
	CU_ASSERT_FATAL(n > 0);
	ce_log_set_sink(log_sink, NULL);
	for (i = 0; i < n; i++) {
		len = strlen(ents[i]->d_name);
		if (strncmp(ents[i]->d_name, "bad_", 4) == 0 && len > 5 &&
		    strcmp(ents[i]->d_name + len - 5, ".conf") == 0) {
			checked++;
			failed += !golden_one(datadir, ents[i]->d_name);
		}
		free(ents[i]);
	}
	ce_log_set_sink(NULL, NULL);
	free(ents);
	free(datadir);
	CU_ASSERT(checked >= 18);
	CU_ASSERT_EQUAL(failed, 0);
}

static void
missing_file_is_reported_with_its_name(void)
{
	struct ce_config *cfg = (struct ce_config *)1;
	struct ce_diag diag;
	char *path = data_path("no-such.conf"), *text;

	ce_diag_init(&diag);
	CU_ASSERT_EQUAL(ce_config_load(path, &cfg, &diag), -ENOENT);
	CU_ASSERT_PTR_NULL(cfg);
	text = diag_text(&diag, path);
	CU_ASSERT_STRING_EQUAL(text, "@DIR@: error: cannot read the "
	    "configuration file: No such file or directory\n");
	free(text);
	ce_diag_free(&diag);
	free(path);

	/* A directory is not a file either. */
	ce_diag_init(&diag);
	path = data_path(".");
	CU_ASSERT_EQUAL(ce_config_load(path, &cfg, &diag), -EISDIR);
	CU_ASSERT_EQUAL(diag.errors, 1);
	ce_diag_free(&diag);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Good files                                                          */
/* ------------------------------------------------------------------ */

static void
full_config_sets_every_setting(void)
{
	struct ce_diag diag;
	struct ce_config *cfg;
	struct ce_conf_instance *i;
	char *dir = config_dir(), *p;

	ce_diag_init(&diag);
	cfg = load_good("good_full.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->dir, dir);
	p = joinp(dir, "plugins");
	CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[0], p);
	free(p);
	CU_ASSERT_STRING_EQUAL(cfg->plugin_dirs[1], "/opt/cloudengine/plugins");
	CU_ASSERT_PTR_NULL(cfg->plugin_dirs[2]);
	CU_ASSERT_EQUAL(cfg->log_level, CE_LOG_DEBUG);
	CU_ASSERT_EQUAL(cfg->log_format, CE_LOG_JSON);
	CU_ASSERT_EQUAL(cfg->workers, 3);
	CU_ASSERT_EQUAL(cfg->queue_size, 128);
	CU_ASSERT_EQUAL(cfg->max_inflight, 16);
	CU_ASSERT_EQUAL(cfg->dedup_entries, 1000);
	p = joinp(dir, "state/dead-letter.jsonl");
	CU_ASSERT_STRING_EQUAL(cfg->dead_letter, p);
	free(p);
	CU_ASSERT_EQUAL(cfg->retry.max_attempts, 5);
	CU_ASSERT_EQUAL(cfg->retry.max_time_ms, 60000);
	CU_ASSERT_EQUAL(cfg->retry.base_delay_ms, 100);
	CU_ASSERT_EQUAL(cfg->retry.max_delay_ms, 20000);
	CU_ASSERT_EQUAL(cfg->limits.max_record_bytes, 1048576);
	CU_ASSERT_EQUAL(cfg->limits.max_depth, 32);
	CU_ASSERT_EQUAL(cfg->limits.max_gzip_ratio, 500);

	i = cfg->inputs;
	CU_ASSERT_PTR_NOT_NULL_FATAL(i);
	CU_ASSERT_EQUAL(i->kind, CE_KIND_INPUT);
	CU_ASSERT_STRING_EQUAL(i->plugin, "file");
	CU_ASSERT_STRING_EQUAL(i->name, "examples");
	CU_ASSERT_EQUAL(i->line, 22);
	CU_ASSERT_PTR_NULL(i->aliases[0]);
	i = i->next;
	CU_ASSERT_PTR_NOT_NULL_FATAL(i);
	CU_ASSERT_STRING_EQUAL(i->name, "file");	/* the plugin's name */
	CU_ASSERT_PTR_NULL(i->next);

	i = cfg->evaluator;
	CU_ASSERT_PTR_NOT_NULL_FATAL(i);
	CU_ASSERT_STRING_EQUAL(i->plugin, "drl");
	CU_ASSERT_STRING_EQUAL(i->name, "drl");
	CU_ASSERT_PTR_NULL(i->next);

	i = cfg->outputs;
	CU_ASSERT_PTR_NOT_NULL_FATAL(i);
	CU_ASSERT_STRING_EQUAL(i->name, "stdout");
	CU_ASSERT_STRING_EQUAL(i->aliases[0], "DatadogAlertService");
	CU_ASSERT_PTR_NULL(i->aliases[1]);
	CU_ASSERT_PTR_NULL(i->min_severity);
	i = i->next;
	CU_ASSERT_PTR_NOT_NULL_FATAL(i);
	CU_ASSERT_STRING_EQUAL(i->name, "datadog");
	CU_ASSERT_STRING_EQUAL(i->min_severity, "high");
	CU_ASSERT_EQUAL(i->line, 28);
	CU_ASSERT_PTR_NULL(i->next);
	CU_ASSERT_EQUAL(diag.errors, 0);
	ce_config_free(cfg);
	ce_diag_free(&diag);
	free(dir);
}

static void
full_config_binds_plugin_options(void)
{
	struct ce_diag diag;
	struct ce_config *cfg;
	struct file_conf fc;
	struct drl_conf dc;
	struct dd_conf dd;
	char *dir = config_dir(), *p;

	ce_diag_init(&diag);
	cfg = load_good("good_full.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(bind_all(cfg, &diag), 0);

	CU_ASSERT_EQUAL(ce_options_apply(file_options, cfg->inputs->values,
	    &fc), 0);
	CU_ASSERT_EQUAL_FATAL(fc.paths.n, 1);
	p = joinp(dir, "../examples/events");
	CU_ASSERT_STRING_EQUAL(fc.paths.items[0], p);
	free(p);
	CU_ASSERT_PTR_NULL(fc.paths.items[1]);
	CU_ASSERT_EQUAL(fc.follow, 0);
	CU_ASSERT_EQUAL(fc.format, 0);
	CU_ASSERT_EQUAL(ce_options_apply(file_options,
	    cfg->inputs->next->values, &fc), 0);
	CU_ASSERT_EQUAL_FATAL(fc.paths.n, 1);	/* one string: a list of one */
	CU_ASSERT_STRING_EQUAL(fc.paths.items[0], "/var/spool/events");
	CU_ASSERT_EQUAL(fc.follow, 1);
	CU_ASSERT_EQUAL(fc.format, 1);

	CU_ASSERT_EQUAL(ce_options_apply(drl_options, cfg->evaluator->values,
	    &dc), 0);
	CU_ASSERT_EQUAL_FATAL(dc.rules.n, 2);
	CU_ASSERT_STRING_EQUAL(dc.rules.items[1], "/etc/cloudengine/rules");
	CU_ASSERT_EQUAL(dc.max_rules, 1000);

	CU_ASSERT_EQUAL(ce_options_apply(dd_options,
	    cfg->outputs->next->values, &dd), 0);
	CU_ASSERT_STRING_EQUAL(dd.api_key, SENTINEL);
	CU_ASSERT_STRING_EQUAL(dd.site, "datadoghq.com");
	CU_ASSERT_EQUAL(dd.timeout_ms, 2000);
	CU_ASSERT_DOUBLE_EQUAL(dd.ratio, 0.25, 1e-12);
	CU_ASSERT_EQUAL_FATAL(dd.tags.n, 2);
	CU_ASSERT_STRING_EQUAL(dd.tags.items[0], "env:test");
	CU_ASSERT_STRING_EQUAL(dd.tags.items[1], "team:word");

	/* A plugin with no option table binds an instance with no keys. */
	{
		struct ce_conf_instance *bare = ce_config_add_instance(cfg,
		    CE_KIND_OUTPUT, "bare", "b2");
		int untouched = 7;

		CU_ASSERT_PTR_NOT_NULL_FATAL(bare);
		CU_ASSERT_EQUAL(ce_config_bind(cfg, bare, find_plugin(
		    CE_KIND_OUTPUT, "bare"), &diag), 0);
		CU_ASSERT_PTR_NOT_NULL(bare->values);
		CU_ASSERT_EQUAL(ce_options_apply(NULL, bare->values,
		    &untouched), 0);
		CU_ASSERT_EQUAL(untouched, 7);
	}
	CU_ASSERT_EQUAL(diag.errors, 0);
	ce_config_free(cfg);
	ce_diag_free(&diag);
	free(dir);
}

static void
minimal_config_gets_the_defaults(void)
{
	struct ce_diag diag;
	struct ce_config *cfg;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	ce_diag_init(&diag);
	cfg = load_good("good_minimal.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg->plugin_dirs);
	CU_ASSERT_PTR_NULL(cfg->plugin_dirs[0]);
	CU_ASSERT_EQUAL(cfg->log_level, CE_LOG_INFO);
	CU_ASSERT_EQUAL(cfg->log_format, CE_LOG_TEXT);
	CU_ASSERT_EQUAL(cfg->workers, cpus > 64 ? 64 : cpus < 1 ? 1 : cpus);
	CU_ASSERT_EQUAL(cfg->queue_size, 64);
	CU_ASSERT_EQUAL(cfg->max_inflight, 64);
	CU_ASSERT_EQUAL(cfg->dedup_entries, 65536);
	CU_ASSERT_PTR_NULL(cfg->dead_letter);
	CU_ASSERT_EQUAL(cfg->retry.max_attempts, 8);
	CU_ASSERT_EQUAL(cfg->retry.max_time_ms, 300000);
	CU_ASSERT_EQUAL(cfg->retry.base_delay_ms, 200);
	CU_ASSERT_EQUAL(cfg->retry.max_delay_ms, 30000);
	CU_ASSERT_EQUAL(cfg->limits.max_record_bytes, 8388608);
	CU_ASSERT_EQUAL(cfg->limits.max_depth, 64);
	CU_ASSERT_EQUAL(cfg->limits.max_gzip_ratio, 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg->inputs);	/* a single group */
	CU_ASSERT_STRING_EQUAL(cfg->inputs->name, "file");
	CU_ASSERT_PTR_NULL(cfg->inputs->next);
	CU_ASSERT_PTR_NULL(cfg->evaluator);
	CU_ASSERT_PTR_NULL(cfg->outputs);
	ce_config_free(cfg);
	ce_diag_free(&diag);
}

static void
empty_config_and_added_instances(void)
{
	struct ce_config *cfg;
	struct ce_conf_instance *ev, *out;
	struct ce_diag diag;
	struct drl_conf dc;
	char cwd[PATH_MAX], want[PATH_MAX + 16];
	const char *dirs[] = { "my-rules" };

	CU_ASSERT_EQUAL_FATAL(ce_config_empty(&cfg), 0);
	CU_ASSERT_PTR_NULL(cfg->path);
	CU_ASSERT_PTR_NULL(cfg->plugin_dirs[0]);
	CU_ASSERT_EQUAL(cfg->queue_size, 64);
	CU_ASSERT_EQUAL(cfg->retry.max_attempts, 8);
	CU_ASSERT_EQUAL(cfg->limits.max_depth, 64);
	ev = ce_config_add_instance(cfg, CE_KIND_EVALUATOR, "drl", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_PTR_NULL(ce_config_add_instance(cfg, CE_KIND_EVALUATOR,
	    "drl", "again"));
	out = ce_config_add_instance(cfg, CE_KIND_OUTPUT, "stdout", "console");
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_STRING_EQUAL(out->name, "console");
	CU_ASSERT_PTR_EQUAL(cfg->outputs, out);
	CU_ASSERT_EQUAL(ce_config_override(ev, "rules", dirs, 1), 0);
	ce_diag_init(&diag);
	CU_ASSERT_EQUAL(bind_all(cfg, &diag), 0);
	CU_ASSERT_EQUAL(ce_options_apply(drl_options, ev->values, &dc), 0);
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/my-rules", cwd);
	CU_ASSERT_EQUAL_FATAL(dc.rules.n, 1);
	CU_ASSERT_STRING_EQUAL(dc.rules.items[0], want);
	ce_diag_free(&diag);
	ce_config_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Option types                                                        */
/* ------------------------------------------------------------------ */

static void
every_option_type_is_written_at_its_offset(void)
{
	struct ce_diag diag;
	struct ce_config *cfg;
	struct typed_conf t;
	char *dir = config_dir(), *p;

	ce_diag_init(&diag);
	cfg = load_good("good_typed.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(bind_all(cfg, &diag), 0);
	memset(&t, 0xa5, sizeof(t));
	CU_ASSERT_EQUAL_FATAL(ce_options_apply(typed_options,
	    cfg->inputs->values, &t), 0);

	CU_ASSERT_STRING_EQUAL(t.s, "hello word costs $5");
	CU_ASSERT_EQUAL(t.i, -7);
	CU_ASSERT_EQUAL(t.big, 5000000000LL);
	CU_ASSERT_EQUAL(t.b, 1);
	CU_ASSERT_DOUBLE_EQUAL(t.d, 2.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(t.d_int, 3.0, 0);
	CU_ASSERT_EQUAL(t.e, 1);
	CU_ASSERT_EQUAL_FATAL(t.l.n, 1);
	CU_ASSERT_STRING_EQUAL(t.l.items[0], "single");
	CU_ASSERT_PTR_NULL(t.l.items[1]);
	CU_ASSERT_STRING_EQUAL(t.secret, SENTINEL);
	p = joinp(dir, "rel/file.txt");
	CU_ASSERT_STRING_EQUAL(t.path, p);
	free(p);
	CU_ASSERT_EQUAL_FATAL(t.paths.n, 3);
	CU_ASSERT_STRING_EQUAL(t.paths.items[0], "/abs/dir");
	p = joinp(dir, "rel/dir");
	CU_ASSERT_STRING_EQUAL(t.paths.items[1], p);
	free(p);
	p = joinp(dir, "word/x");	/* expanded, then made absolute */
	CU_ASSERT_STRING_EQUAL(t.paths.items[2], p);
	free(p);

	/* Defaults: written as in the file, not expanded, paths resolved. */
	CU_ASSERT_STRING_EQUAL(t.s_def, "literal ${NOT_EXPANDED}");
	CU_ASSERT_EQUAL(t.i_def, -42);
	CU_ASSERT_EQUAL(t.b_def, 1);
	CU_ASSERT_DOUBLE_EQUAL(t.d_def, 0.001, 1e-15);
	CU_ASSERT_EQUAL(t.e_def, 2);
	CU_ASSERT_EQUAL_FATAL(t.l_def.n, 3);
	CU_ASSERT_STRING_EQUAL(t.l_def.items[0], "x");
	CU_ASSERT_STRING_EQUAL(t.l_def.items[1], "y");
	CU_ASSERT_STRING_EQUAL(t.l_def.items[2], "z");
	p = joinp(dir, "default.d");
	CU_ASSERT_STRING_EQUAL(t.path_def, p);
	free(p);
	CU_ASSERT_STRING_EQUAL(t.secret_def, SENTINEL);

	/* Unset, no default. */
	CU_ASSERT_PTR_NULL(t.s_unset);
	CU_ASSERT_EQUAL(t.e_unset, -1);
	CU_ASSERT_EQUAL(t.l_unset.n, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.l_unset.items);
	CU_ASSERT_PTR_NULL(t.l_unset.items[0]);

	/* Applying with another table is refused (and logged), not misread. */
	log_seen[0] = '\0';
	ce_log_set_sink(log_sink, NULL);
	CU_ASSERT_EQUAL(ce_options_apply(file_options, cfg->inputs->values,
	    &t), -EINVAL);
	ce_log_set_sink(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(log_seen, "do not match the option "
	    "table"));
	ce_config_free(cfg);
	ce_diag_free(&diag);
	free(dir);
}

/* Write text to a fresh temporary directory's NAME and load it. */
struct tmpconf {
	char	dir[64];
	char	path[128];
};

static struct ce_config *
load_text(struct tmpconf *tc, const char *text, struct ce_diag *diag)
{
	const char *tmp = getenv("TMPDIR");
	struct ce_config *cfg = NULL;
	FILE *fp;

	snprintf(tc->dir, sizeof(tc->dir), "%s/cetestXXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	CU_ASSERT_FATAL(mkdtemp(tc->dir) != NULL);
	snprintf(tc->path, sizeof(tc->path), "%s/ce.conf", tc->dir);
	fp = fopen(tc->path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	ce_config_load(tc->path, &cfg, diag);
	return cfg;
}

static void
tmpconf_remove(struct tmpconf *tc)
{
	unlink(tc->path);
	rmdir(tc->dir);
}

static struct ce_optvals *
bind_first_input(const char *text, struct ce_diag *diag, struct ce_config **cfgp)
{
	struct tmpconf tc;
	struct ce_config *cfg = load_text(&tc, text, diag);
	struct ce_optvals *v = NULL;

	tmpconf_remove(&tc);
	*cfgp = cfg;
	if (cfg == NULL || cfg->inputs == NULL)
		return NULL;
	if (ce_config_bind(cfg, cfg->inputs, find_plugin(CE_KIND_INPUT,
	    cfg->inputs->plugin), diag) == 0)
		v = cfg->inputs->values;
	return v;
}

static void
values_differ_only_when_an_option_changes(void)
{
	struct ce_config *c1, *c2, *c3, *c4;
	struct ce_diag diag;
	struct ce_optvals *a, *b, *c, *d;

	ce_diag_init(&diag);
	a = bind_first_input("inputs = { plugin = \"file\"; paths = \"/x\"; "
	    "};", &diag, &c1);
	/* Same effective values: the default written out does not count. */
	b = bind_first_input("inputs = { plugin = \"file\"; paths = [ \"/x\" ];"
	    " follow = false; };", &diag, &c2);
	c = bind_first_input("inputs = { plugin = \"file\"; paths = \"/x\"; "
	    "format = \"json\"; };", &diag, &c3);
	d = bind_first_input("inputs = { plugin = \"file\"; paths = [ \"/x\", "
	    "\"/y\" ]; };", &diag, &c4);
	CU_ASSERT_EQUAL(diag.errors, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_FALSE(ce_optvals_differ(a, b));
	CU_ASSERT_FALSE(ce_optvals_differ(a, a));
	CU_ASSERT_TRUE(ce_optvals_differ(a, c));
	CU_ASSERT_TRUE(ce_optvals_differ(a, d));
	CU_ASSERT_TRUE(ce_optvals_differ(a, NULL));
	CU_ASSERT_FALSE(ce_optvals_differ(NULL, NULL));
	ce_config_free(c1);
	ce_config_free(c2);
	ce_config_free(c3);
	ce_config_free(c4);
	ce_diag_free(&diag);
}

static void
secret_change_is_a_difference(void)
{
	struct ce_config *c1, *c2;
	struct ce_diag diag;
	const struct ce_plugin *dd = find_plugin(CE_KIND_OUTPUT, "datadog");
	struct tmpconf tc;

	ce_diag_init(&diag);
	c1 = load_text(&tc, "outputs = { plugin = \"datadog\"; api_key = "
	    "\"one\"; };", &diag);
	tmpconf_remove(&tc);
	c2 = load_text(&tc, "outputs = { plugin = \"datadog\"; api_key = "
	    "\"two\"; };", &diag);
	tmpconf_remove(&tc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	CU_ASSERT_EQUAL(ce_config_bind(c1, c1->outputs, dd, &diag), 0);
	CU_ASSERT_EQUAL(ce_config_bind(c2, c2->outputs, dd, &diag), 0);
	CU_ASSERT_TRUE(ce_optvals_differ(c1->outputs->values,
	    c2->outputs->values));
	ce_config_free(c1);
	ce_config_free(c2);
	ce_diag_free(&diag);
}

static void
override_replaces_the_file_value(void)
{
	struct ce_diag diag;
	struct ce_config *cfg;
	struct drl_conf dc;
	const char *one[] = { "cli-rules", "/abs/rules" };
	const char *two[] = { "5" };
	char cwd[PATH_MAX], want[PATH_MAX + 16];

	ce_diag_init(&diag);
	cfg = load_good("good_full.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(ce_config_override(cfg->evaluator, "rules", two, 1), 0);
	/* The last override of a key wins. */
	CU_ASSERT_EQUAL(ce_config_override(cfg->evaluator, "rules", one, 2), 0);
	CU_ASSERT_EQUAL(ce_config_override(cfg->evaluator, "max_rules", two,
	    1), 0);
	CU_ASSERT_EQUAL_FATAL(bind_all(cfg, &diag), 0);
	CU_ASSERT_EQUAL(ce_options_apply(drl_options, cfg->evaluator->values,
	    &dc), 0);
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/cli-rules", cwd);
	CU_ASSERT_EQUAL_FATAL(dc.rules.n, 2);
	CU_ASSERT_STRING_EQUAL(dc.rules.items[0], want);
	CU_ASSERT_STRING_EQUAL(dc.rules.items[1], "/abs/rules");
	CU_ASSERT_EQUAL(dc.max_rules, 5);

	/* Binding again keeps the overrides (a reload of the same file). */
	CU_ASSERT_EQUAL_FATAL(ce_config_bind(cfg, cfg->evaluator,
	    find_plugin(CE_KIND_EVALUATOR, "drl"), &diag), 0);
	CU_ASSERT_EQUAL(ce_options_apply(drl_options, cfg->evaluator->values,
	    &dc), 0);
	CU_ASSERT_STRING_EQUAL(dc.rules.items[0], want);
	ce_config_free(cfg);
	ce_diag_free(&diag);
}

static void
bad_override_is_reported(void)
{
	struct ce_diag diag;
	struct ce_config *cfg;
	const char *vals[] = { "1", "2" };
	const char *bad[] = { "many" };
	char *text, *dir = data_path("");

	dir[strlen(dir) - 1] = '\0';
	ce_diag_init(&diag);
	cfg = load_good("good_full.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(ce_config_override(cfg->evaluator, "rulez", vals, 1),
	    0);
	CU_ASSERT_EQUAL(ce_config_override(cfg->evaluator, "max_rules", vals,
	    2), 0);
	CU_ASSERT_EQUAL(ce_config_bind(cfg, cfg->evaluator,
	    find_plugin(CE_KIND_EVALUATOR, "drl"), &diag), -EINVAL);
	CU_ASSERT_EQUAL(ce_config_override(cfg->evaluator, "max_rules", bad,
	    1), 0);
	CU_ASSERT_EQUAL(ce_config_bind(cfg, cfg->evaluator,
	    find_plugin(CE_KIND_EVALUATOR, "drl"), &diag), -EINVAL);
	text = diag_text(&diag, dir);
	CU_ASSERT_STRING_EQUAL(text,
	    "cloudengine: error: unknown option 'rulez' of evaluator 'drl' "
	    "(given on the command line) (did you mean 'rules'?); valid keys "
	    "for evaluator plugin 'drl': plugin, name, rules, max_rules\n"
	    "cloudengine: error: option 'max_rules' of evaluator 'drl' (given "
	    "on the command line) takes one value, found 2\n"
	    "cloudengine: error: unknown option 'rulez' of evaluator 'drl' "
	    "(given on the command line) (did you mean 'rules'?); valid keys "
	    "for evaluator plugin 'drl': plugin, name, rules, max_rules\n"
	    "cloudengine: error: option 'max_rules' of evaluator 'drl' (given "
	    "on the command line) must be an integer, found \"many\"\n");
	free(text);
	free(dir);
	ce_config_free(cfg);
	ce_diag_free(&diag);
}

/* ------------------------------------------------------------------ */
/* Broken tables, describe, dump                                       */
/* ------------------------------------------------------------------ */

static void
broken_plugin_tables_are_refused(void)
{
	static const char *const none[] = { NULL };
	static const struct ce_option bad[] = {
		{ CE_OPTION_HEADER, .name = "Bad-Name", .type = CE_OPT_STRING },
		{ CE_OPTION_HEADER, .name = "name", .type = CE_OPT_STRING },
		{ CE_OPTION_HEADER, .name = "e", .type = CE_OPT_ENUM,
		  .choices = none },
		{ CE_OPTION_HEADER, .name = "t", .type = (enum ce_option_type)99 },
		{ CE_OPTION_HEADER, .name = "n", .type = CE_OPT_INTEGER,
		  .def = "ten" },
		CE_OPTIONS_END
	};
	static const struct ce_option tiny[] = {
		{ .size = 8, .name = "x" }, CE_OPTIONS_END
	};
	struct ce_plugin p = { CE_PLUGIN_HEADER, .kind = CE_KIND_INPUT,
	    .name = "broken", .options = bad };
	struct ce_config *cfg;
	struct ce_conf_instance *inst;
	struct ce_diag diag;
	char *text;

	CU_ASSERT_EQUAL_FATAL(ce_config_empty(&cfg), 0);
	inst = ce_config_add_instance(cfg, CE_KIND_INPUT, "broken", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
	ce_diag_init(&diag);
	CU_ASSERT_EQUAL(ce_config_bind(cfg, inst, &p, &diag), -EINVAL);
	p.options = tiny;
	CU_ASSERT_EQUAL(ce_config_bind(cfg, inst, &p, &diag), -EINVAL);
	text = diag_text(&diag, "\001");
	CU_ASSERT_STRING_EQUAL(text,
	    "cloudengine: error: plugin 'broken' is broken: option 1 ('?') of "
	    "its table is invalid: its name is not [a-z0-9_]+\n"
	    "cloudengine: error: plugin 'broken' is broken: option 2 ('name') "
	    "of its table is invalid: that key is reserved by cloudengine\n"
	    "cloudengine: error: plugin 'broken' is broken: option 3 ('e') of "
	    "its table is invalid: it is an enum without choices\n"
	    "cloudengine: error: plugin 'broken' is broken: option 4 ('t') of "
	    "its table is invalid: its type is unknown\n"
	    "cloudengine: error: plugin 'broken' is broken: an entry of its "
	    "option table is smaller than struct ce_option (use "
	    "CE_OPTION_HEADER)\n");
	free(text);
	ce_diag_free(&diag);

	/* A default the plugin got wrong is its bug, and said so. */
	{
		static const struct ce_option bad_def[] = {
			{ CE_OPTION_HEADER, .name = "n", .type = CE_OPT_INTEGER,
			  .def = "ten" },
			CE_OPTIONS_END
		};
		p.options = bad_def;
		ce_diag_init(&diag);
		CU_ASSERT_EQUAL(ce_config_bind(cfg, inst, &p, &diag), -EINVAL);
		text = diag_text(&diag, "\001");
		CU_ASSERT_STRING_EQUAL(text, "cloudengine: error: option 'n' of "
		    "input 'broken' (the plugin's default) must be an integer, "
		    "found \"ten\"\n");
		free(text);
		ce_diag_free(&diag);
	}
	ce_config_free(cfg);
}

static void
describe_lists_every_option_and_hides_secrets(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ce_options_describe(typed_options, fp);
	ce_options_describe(dd_options, fp);
	ce_options_describe(NULL, fp);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "  i                    integer -10..10\n      a bounded integer\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "  e_def                one of one|two|three, default: three\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "  paths                list of paths\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "  path_def             path, default: default.d\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "  secret_def           secret string, default: (hidden)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "  api_key              secret string, required\n"
	    "      Datadog API key\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "  (no options)\n"));
	CU_ASSERT_PTR_NULL(strstr(buf, SENTINEL));
	free(buf);
}

static void
dump_shows_values_but_never_secrets(void)
{
	struct ce_diag diag;
	struct ce_config *cfg;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	ce_diag_init(&diag);
	cfg = load_good("good_typed.conf", &diag);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(bind_all(cfg, &diag), 0);
	fp = open_memstream(&buf, &len);
	ce_optvals_dump(cfg->inputs->values, fp);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "s = \"hello word costs $5\";\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "big = 5000000000;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "b = true;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "e = \"two\";\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "l = [ \"single\" ];\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "secret = <secret>;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "secret_def = <secret>;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "# s_unset is not set\n"));
	CU_ASSERT_PTR_NULL(strstr(buf, SENTINEL));
	free(buf);
	ce_config_free(cfg);
	ce_diag_free(&diag);
}

static int
suite_init(void)
{
	setenv("CE_TEST_SECRET", SENTINEL, 1);
	setenv("CE_TEST_API_KEY", SENTINEL, 1);
	setenv("CE_TEST_WORD", "word", 1);
	setenv("CE_TEST_LEVEL", "debug", 1);
	unsetenv("CE_TEST_UNSET_VAR");
	return 0;
}

static CU_TestInfo golden_tests[] = {
	CE_TEST(bad_configs_match_their_golden_diagnostics),
	CE_TEST(missing_file_is_reported_with_its_name),
	CU_TEST_INFO_NULL
};

static CU_TestInfo file_tests[] = {
	CE_TEST(full_config_sets_every_setting),
	CE_TEST(full_config_binds_plugin_options),
	CE_TEST(minimal_config_gets_the_defaults),
	CE_TEST(empty_config_and_added_instances),
	CU_TEST_INFO_NULL
};

static CU_TestInfo option_tests[] = {
	CE_TEST(every_option_type_is_written_at_its_offset),
	CE_TEST(values_differ_only_when_an_option_changes),
	CE_TEST(secret_change_is_a_difference),
	CE_TEST(override_replaces_the_file_value),
	CE_TEST(bad_override_is_reported),
	CE_TEST(broken_plugin_tables_are_refused),
	CE_TEST(describe_lists_every_option_and_hides_secrets),
	CE_TEST(dump_shows_values_but_never_secrets),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "golden", .pInitFunc = suite_init, .pTests = golden_tests },
	{ .pName = "files", .pInitFunc = suite_init, .pTests = file_tests },
	{ .pName = "options", .pInitFunc = suite_init, .pTests = option_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}
