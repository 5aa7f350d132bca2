/*
 * drl.c - the "drl" evaluator plugin: descriptor, options, and the glue
 * from init()/evaluate()/destroy() to the engine.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cloudengine/plugin.h"
#include "diag.h"
#include "engine.h"
#include "load.h"

#define DRL_VERSION	"0.1.0"

struct ev_drl_conf {
	struct ce_strlist	rules;
	struct ce_strlist	disable;
	struct ce_strlist	severity_overrides;
	int64_t			regex_match_limit;
	int64_t			max_rule_file_bytes;
};

static const struct ce_option ev_drl_options[] = {
	{ CE_OPTION_HEADER, .name = "rules", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_REQUIRED | CE_OPT_PATH,
	  .offset = offsetof(struct ev_drl_conf, rules),
	  .help = "rule files, or directories whose *.drl files are read in name order" },
	{ CE_OPTION_HEADER, .name = "disable", .type = CE_OPT_STRING_LIST,
	  .offset = offsetof(struct ev_drl_conf, disable),
	  .help = "names of rules that never fire" },
	{ CE_OPTION_HEADER, .name = "severity_overrides",
	  .type = CE_OPT_STRING_LIST,
	  .offset = offsetof(struct ev_drl_conf, severity_overrides),
	  .help = "\"rule name=severity\" items replacing a rule's @severity" },
	{ CE_OPTION_HEADER, .name = "regex_match_limit", .type = CE_OPT_INTEGER,
	  .def = "100000", .min = 100, .max = 100000000,
	  .offset = offsetof(struct ev_drl_conf, regex_match_limit),
	  .help = "PCRE2 match limit per comparison; a match that exceeds it is false" },
	{ CE_OPTION_HEADER, .name = "max_rule_file_bytes",
	  .type = CE_OPT_INTEGER, .def = "67108864", .min = 1024,
	  .max = 1073741824,
	  .offset = offsetof(struct ev_drl_conf, max_rule_file_bytes),
	  .help = "largest rule file read (bytes); a larger one is an error" },
	CE_OPTIONS_END
};

struct ev_drl {
	struct drl_engine	engine;
	struct ev_drl_conf	conf;
};

static int
ev_drl_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct ev_drl *st;
	struct drl_diag diag;
	int rc;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	st->conf.regex_match_limit = 100000;
	if ((rc = host->conf_apply(self, &st->conf)) < 0)
		goto fail_conf;
	if ((rc = drl_engine_init(&st->engine, host, self,
	    (uint32_t)st->conf.regex_match_limit)) < 0) {
		CE_ERROR(host, self, "out of memory");
		goto fail_conf;
	}
	st->engine.max_file_bytes = (size_t)st->conf.max_rule_file_bytes;
	st->engine.m_evaluated = host->metric_new(self, "rules_evaluated",
	    "rules whose conditions were evaluated");
	st->engine.m_fired = host->metric_new(self, "rules_fired",
	    "rules that fired");
	st->engine.m_regex_limit = host->metric_new(self, "regex_limit_hits",
	    "regular expression matches stopped by regex_match_limit");
	memset(&diag, 0, sizeof(diag));
	diag.host = host;
	diag.self = self;
	rc = drl_load(&st->engine, &diag, &st->conf.rules, &st->conf.disable,
	    &st->conf.severity_overrides);
	if (rc < 0) {
		CE_ERROR(host, self, "out of memory while compiling the rules");
		goto fail;
	}
	if (diag.errors > 0) {
		CE_ERROR(host, self, "%u error%s in the rules", diag.errors,
		    diag.errors == 1 ? "" : "s");
		rc = -EINVAL;
		goto fail;
	}
	CE_INFO(host, self, "%zu rule%s compiled", st->engine.nrules,
	    st->engine.nrules == 1 ? "" : "s");
	*state = st;
	return 0;
fail:
	drl_engine_free(&st->engine);
fail_conf:
	free(st);
	return rc;
}

static void
ev_drl_destroy(void *state)
{
	struct ev_drl *st = state;

	if (st == NULL)
		return;
	drl_engine_free(&st->engine);
	free(st);
}

static int
ev_drl_evaluate(void *state, const ce_event *ev, ce_alert_sink *sink)
{
	struct ev_drl *st = state;

	return drl_engine_evaluate(&st->engine, ev, sink);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_EVALUATOR,
	.name = "drl",
	.version = DRL_VERSION,
	.description = "rules in a subset of the Drools Rule Language (.drl)",
	.options = ev_drl_options,
	.init = ev_drl_init,
	.destroy = ev_drl_destroy,
	.evaluate = ev_drl_evaluate,
};
