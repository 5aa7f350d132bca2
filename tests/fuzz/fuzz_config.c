/*
 * fuzz_config.c - fuzz target for the configuration: the input is written
 * to a private file and loaded with ce_config_load() (the pre-scan of the
 * text, libconfig, the global, retry and limits tables), and every
 * instance it declares is bound against a table holding every option
 * type, applied, dumped and compared with itself.
 *
 * Invariants beyond "no crash": a refused file says why; two bindings of
 * the same file do not differ (or SIGHUP would restart what did not
 * change); a secret is never written by the dump nor by any diagnostic
 * (the canary CE_FUZZ_SECRET, reachable only as "${CE_FUZZ_SECRET}").
 *
 * "@include" is not fuzzed: it reads files named by the text, which
 * belongs to the operator, and "/dev/zero" would only hang the fuzzer.
 */
#define _GNU_SOURCE	/* memmem() */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

#define CANARY	"fuzz-canary-8c1f0e2d"

struct fuzz_conf {
	const char		*name;
	const char		*dir;
	const char		*token;
	int64_t			 count;
	int			 flag;
	double			 ratio;
	int			 mode;
	struct ce_strlist	 paths;
	struct ce_strlist	 tags;
};

/*
 * libconfig 1.5 leaks the string token it discards while recovering from
 * a syntax error (hyperrealm/libconfig#142, fixed after 1.5): the buffer
 * of a non-empty string, or the calloc'd "" of an empty one.  Not ours,
 * and only a bad file reaches it.  LeakSanitizer reads this hook.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static const char *const modes[] = { "flat", "record", "none", NULL };

#define F(m)	offsetof(struct fuzz_conf, m)
static const struct ce_option fuzz_options[] = {
	{ CE_OPTION_HEADER, .name = "label", .type = CE_OPT_STRING,
	  .offset = F(name), .help = "a string" },
	{ CE_OPTION_HEADER, .name = "dir", .type = CE_OPT_STRING,
	  .flags = CE_OPT_PATH, .def = "spool", .offset = F(dir),
	  .help = "a path" },
	{ CE_OPTION_HEADER, .name = "token", .type = CE_OPT_SECRET,
	  .offset = F(token), .help = "a secret" },
	{ CE_OPTION_HEADER, .name = "count", .type = CE_OPT_INTEGER,
	  .def = "5", .offset = F(count), .min = -10, .max = 5000000000LL,
	  .help = "a bounded integer" },
	{ CE_OPTION_HEADER, .name = "flag", .type = CE_OPT_BOOLEAN,
	  .def = "true", .offset = F(flag), .help = "a boolean" },
	{ CE_OPTION_HEADER, .name = "ratio", .type = CE_OPT_DECIMAL,
	  .def = "0.5", .offset = F(ratio), .help = "a decimal" },
	{ CE_OPTION_HEADER, .name = "mode", .type = CE_OPT_ENUM,
	  .offset = F(mode), .choices = modes, .help = "an enum" },
	{ CE_OPTION_HEADER, .name = "paths", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_PATH, .offset = F(paths), .help = "paths" },
	{ CE_OPTION_HEADER, .name = "tags", .type = CE_OPT_STRING_LIST,
	  .def = "a,b", .offset = F(tags), .help = "strings" },
	CE_OPTIONS_END
};
#undef F

static const struct ce_plugin fuzz_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_INPUT,
	.name = "fuzz",
	.version = "0",
	.description = "option table of the config fuzz target",
	.options = fuzz_options,
};

static char workdir[] = "/tmp/ce-fuzz-config.XXXXXX";
static char conf_path[64];

static void
remove_workdir(void)
{
	unlink(conf_path);
	rmdir(workdir);
}

static void
setup(void)
{
	if (conf_path[0] != '\0')
		return;
	if (mkdtemp(workdir) == NULL)
		abort();
	snprintf(conf_path, sizeof(conf_path), "%s/fuzz.conf", workdir);
	atexit(remove_workdir);
	setenv("CE_FUZZ_SECRET", CANARY, 1);
	setenv("CE_FUZZ_WORD", "word", 1);
}

static int
write_input(const uint8_t *data, size_t size)
{
	FILE *fp = fopen(conf_path, "wb");

	if (fp == NULL)
		return -errno;
	if (fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		return -EIO;
	}
	return fclose(fp) == 0 ? 0 : -EIO;
}

/* No diagnostic may show the canary. */
static void
check_diag(const struct ce_diag *d)
{
	const struct ce_diag_entry *e;

	for (e = d->head; e != NULL; e = e->next)
		FUZZ_CHECK(strstr(e->text, CANARY) == NULL,
		    "a diagnostic shows a secret");
}

static int
holds_canary(const char *s)
{
	return s != NULL && strstr(s, CANARY) != NULL;
}

static int
list_holds_canary(const struct ce_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (holds_canary(l->items[i]))
			return 1;
	return 0;
}

static void
check_values(const struct ce_optvals *vals)
{
	struct fuzz_conf conf;
	char *dump = NULL;
	size_t len = 0;
	FILE *fp;
	int shown;

	memset(&conf, 0, sizeof(conf));
	FUZZ_CHECK(ce_options_apply(fuzz_options, vals, &conf) == 0,
	    "bound values cannot be applied");
	FUZZ_CHECK(conf.paths.items != NULL && conf.paths.items[conf.paths.n]
	    == NULL, "a list is not NULL-terminated");
	FUZZ_CHECK(conf.mode >= -1 && conf.mode < 3, "an enum out of range");
	if ((fp = open_memstream(&dump, &len)) == NULL)
		abort();
	ce_optvals_dump(vals, fp);
	fclose(fp);
	/* The canary may show only where a non-secret option holds it. */
	shown = holds_canary(conf.name) || holds_canary(conf.dir) ||
	    list_holds_canary(&conf.paths) || list_holds_canary(&conf.tags);
	FUZZ_CHECK(shown || memmem(dump, len, CANARY, strlen(CANARY)) == NULL,
	    "the dump shows the secret");
	free(dump);
}

/* Non-zero when text[0..at) ends outside any string or comment. */
static int
outside_strings(const char *text, const char *at)
{
	const char *p = text;

	while (p < at) {
		if (*p == '#' || (*p == '/' && p + 1 < at && p[1] == '/')) {
			while (p < at && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < at && p[1] == '*') {
			for (p += 2; p < at && !(p[0] == '*' && p + 1 < at &&
			    p[1] == '/'); p++)
				;
			if (p >= at)
				return 0;
			p += 2;
		} else if (*p == '"') {
			for (p++; p < at && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= at)
				return 0;
			p++;
		} else
			p++;
	}
	return 1;
}

/*
 * Non-zero when the canary variable is named exactly once, as the whole
 * value of the secret option (token = "${CE_FUZZ_SECRET}"), written
 * outside any string or comment: no other value can then hold the canary,
 * so no diagnostic may show it.
 */
static int
canary_only_in_secret(const uint8_t *data, size_t size)
{
	static const char setting[] = "token = \"${CE_FUZZ_SECRET}\"";
	static const char before[] = "token = \"${";	/* of the name */
	const char *text = (const char *)data, *end = text + size, *at;

	/* libFuzzer learns the canary from the checks' strstr() and may
	 * write it out itself: then it is not a secret. */
	if (memmem(text, size, CANARY, strlen(CANARY)) != NULL)
		return 0;
	at = memmem(text, size, "CE_FUZZ_SECRET", 14);
	if (at == NULL || memmem(at + 14, (size_t)(end - at - 14),
	    "CE_FUZZ_SECRET", 14) != NULL)
		return 0;
	/* Back to the 't' of token, never before the input. */
	if ((size_t)(at - text) < sizeof(before) - 1)
		return 0;
	at -= sizeof(before) - 1;
	return (size_t)(end - at) >= sizeof(setting) - 1 &&
	    memcmp(at, setting, sizeof(setting) - 1) == 0 &&
	    (at == text || (at[-1] != '\0' &&
	    strchr(" \t\n{;,", at[-1]) != NULL)) &&
	    outside_strings(text, at);
}

static void
bind_all(struct ce_config *cfg, struct ce_conf_instance *list,
    struct ce_diag *diag)
{
	struct ce_conf_instance *inst;
	struct ce_optvals *first;
	int rc;

	for (inst = list; inst != NULL; inst = inst->next) {
		rc = ce_config_bind(cfg, inst, &fuzz_plugin, diag);
		FUZZ_CHECK(rc <= 0, "ce_config_bind returned a positive value");
		if (rc < 0)
			continue;
		check_values(inst->values);
		/* Bind the same keys again: nothing may differ. */
		first = inst->values;
		inst->values = NULL;
		rc = ce_config_bind(cfg, inst, &fuzz_plugin, diag);
		FUZZ_CHECK(rc == 0, "a second binding failed");
		FUZZ_CHECK(!ce_optvals_differ(first, inst->values),
		    "the same keys bound twice differ");
		ce_optvals_free(first);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ce_config *cfg = NULL;
	struct ce_diag diag;
	int rc, strict;

	setup();
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	if (write_input(data, size) < 0)
		abort();
	strict = canary_only_in_secret(data, size);
	ce_diag_init(&diag);
	rc = ce_config_load(conf_path, &cfg, &diag);
	FUZZ_CHECK(rc <= 0, "ce_config_load returned a positive value");
	FUZZ_CHECK(rc == 0 || rc == -ENOMEM || diag.errors > 0,
	    "a configuration refused without a diagnostic");
	FUZZ_CHECK((rc == 0) == (cfg != NULL), "status and result disagree");
	if (cfg != NULL) {
		bind_all(cfg, cfg->inputs, &diag);
		bind_all(cfg, cfg->evaluator, &diag);
		bind_all(cfg, cfg->outputs, &diag);
	}
	if (strict)
		check_diag(&diag);
	ce_config_free(cfg);
	ce_diag_free(&diag);
	return 0;
}
