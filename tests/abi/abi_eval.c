/*
 * abi_eval.c - an evaluator built against the frozen 1.0 header
 * (tests/abi/): fires one rule for the records whose eventName is the
 * configured one, counting a "[*]" key's values into the description, so
 * the ABI tests can check that a 1.0 evaluator keeps working.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cloudengine/plugin.h>

struct abi_eval_conf {
	const char		*event_name;
	struct ce_strlist	 outputs;
	int			 severity;
};

struct abi_eval {
	ce_instance		*self;
	const struct ce_host	*host;
	struct abi_eval_conf	 conf;
	ce_path			*name;		/* eventName */
	ce_path			*resources;	/* resources[*].ARN */
	char			 rule[128];
};

static const char *const abi_eval_severities[] = {
	"critical", "high", "medium", "low", "info", NULL
};

static const struct ce_option abi_eval_options[] = {
	{ CE_OPTION_HEADER, .name = "event_name", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED,
	  .offset = offsetof(struct abi_eval_conf, event_name),
	  .help = "eventName that fires the rule" },
	{ CE_OPTION_HEADER, .name = "outputs", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_REQUIRED,
	  .offset = offsetof(struct abi_eval_conf, outputs),
	  .help = "outputs the rule calls" },
	{ CE_OPTION_HEADER, .name = "severity", .type = CE_OPT_ENUM,
	  .def = "high", .choices = abi_eval_severities,
	  .offset = offsetof(struct abi_eval_conf, severity),
	  .help = "the alert's severity" },
	CE_OPTIONS_END
};

static int
abi_eval_count(void *arg, const struct ce_value *v)
{
	if (v->type == CE_VALUE_STRING)
		(*(unsigned *)arg)++;
	return 0;
}

static int
abi_eval_evaluate(void *state, const ce_event *ev, ce_alert_sink *sink)
{
	static const char *const tags[] = { "abi", "1.0" };
	struct abi_eval *e = state;
	struct ce_value v = { .size = sizeof(v) };
	struct ce_alert_spec spec = { .size = sizeof(spec) };
	unsigned n = 0;
	char desc[64];

	if (e->host->event_get(ev, e->name, &v) != CE_VALUE_STRING ||
	    strcmp(v.str, e->conf.event_name) != 0)
		return 0;
	e->host->event_foreach(ev, e->resources, abi_eval_count, &n);
	snprintf(desc, sizeof(desc), "%u resources", n);
	spec.rule = e->rule;
	spec.severity = abi_eval_severities[e->conf.severity];
	spec.description = desc;
	spec.runbook = "https://example.com/runbook";
	spec.tags = tags;
	spec.ntags = 2;
	spec.outputs = e->conf.outputs.items;
	spec.noutputs = e->conf.outputs.n;
	spec.file = "abi_eval.c";
	spec.line = (unsigned)__LINE__;
	return e->host->fire(sink, &spec);
}

/* Every output the rule calls must be configured. */
static int
abi_eval_check_outputs(struct abi_eval *e)
{
	const char *const *names = e->host->output_names(e->self);
	size_t i, j;

	for (i = 0; i < e->conf.outputs.n; i++) {
		for (j = 0; names[j] != NULL; j++)
			if (strcmp(names[j], e->conf.outputs.items[i]) == 0)
				break;
		if (names[j] == NULL) {
			CE_ERROR(e->host, e->self, "no output named '%s'",
			    e->conf.outputs.items[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static void
abi_eval_destroy(void *state)
{
	struct abi_eval *e = state;

	if (e->name != NULL)
		e->host->path_free(e->name);
	if (e->resources != NULL)
		e->host->path_free(e->resources);
	free(e);
}

static int
abi_eval_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct abi_eval *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL)
		return -ENOMEM;
	e->self = self;
	e->host = host;
	if ((rc = host->conf_apply(self, &e->conf)) < 0)
		goto fail;
	e->name = host->path_compile("eventName", 9, NULL, 0);
	e->resources = host->path_compile("resources[*].ARN", 16, NULL, 0);
	if (e->name == NULL || e->resources == NULL ||
	    !host->path_is_multi(e->resources) ||
	    host->path_is_multi(e->name)) {
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = abi_eval_check_outputs(e)) < 0)
		goto fail;
	snprintf(e->rule, sizeof(e->rule), "abi: %s", e->conf.event_name);
	*state = e;
	return 0;
fail:
	abi_eval_destroy(e);
	return rc;
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_EVALUATOR,
	.name = "abi_eval",
	.version = "1.0.0",
	.description = "ABI 1.0 evaluator: one rule on eventName",
	.options = abi_eval_options,
	.init = abi_eval_init,
	.destroy = abi_eval_destroy,
	.evaluate = abi_eval_evaluate,
};
