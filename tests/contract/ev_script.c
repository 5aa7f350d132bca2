/*
 * ev_script.c - a test-only evaluator: fires one rule, optionally only for
 * one eventName, calling the configured outputs.  Lets the core's tests
 * exercise the pipeline without depending on the DRL evaluator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cloudengine/plugin.h>

struct ev_script_conf {
	const char		*rule;
	const char		*event_name;	/* NULL = every event */
	struct ce_strlist	 outputs;
	const char		*severity;
	int			 fail;		/* evaluate() returns an error */
};

struct ev_script {
	ce_instance		*self;
	const struct ce_host	*host;
	struct ev_script_conf	 conf;
	ce_path			*event_name;
};

static const struct ce_option ev_script_options[] = {
	{ CE_OPTION_HEADER, .name = "rule", .type = CE_OPT_STRING,
	  .def = "test rule", .offset = offsetof(struct ev_script_conf, rule),
	  .help = "the name of the rule that fires" },
	{ CE_OPTION_HEADER, .name = "event_name", .type = CE_OPT_STRING,
	  .offset = offsetof(struct ev_script_conf, event_name),
	  .help = "fire only for this eventName (default: every event)" },
	{ CE_OPTION_HEADER, .name = "outputs", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_REQUIRED,
	  .offset = offsetof(struct ev_script_conf, outputs),
	  .help = "outputs the rule calls" },
	{ CE_OPTION_HEADER, .name = "severity", .type = CE_OPT_STRING,
	  .def = "high", .offset = offsetof(struct ev_script_conf, severity),
	  .help = "severity of the alert" },
	{ CE_OPTION_HEADER, .name = "fail", .type = CE_OPT_BOOLEAN, .def = "false",
	  .offset = offsetof(struct ev_script_conf, fail),
	  .help = "make evaluate() fail" },
	CE_OPTIONS_END
};

static int
ev_script_evaluate(void *state, const ce_event *ev, ce_alert_sink *sink)
{
	struct ev_script *s = state;
	struct ce_value v = { .size = sizeof(v) };
	struct ce_alert_spec spec = {
		.size = sizeof(spec),
		.rule = s->conf.rule,
		.severity = s->conf.severity,
		.outputs = s->conf.outputs.items,
		.noutputs = s->conf.outputs.n,
	};

	if (s->conf.fail)
		return -EINVAL;
	if (s->conf.event_name != NULL &&
	    (s->host->event_get(ev, s->event_name, &v) != CE_VALUE_STRING ||
	    strcmp(v.str, s->conf.event_name) != 0))
		return 0;
	return s->host->fire(sink, &spec);
}

static int
ev_script_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct ev_script *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->self = self;
	s->host = host;
	if ((rc = host->conf_apply(self, &s->conf)) < 0) {
		free(s);
		return rc;
	}
	s->event_name = host->path_compile("eventName", 9, NULL, 0);
	if (s->event_name == NULL) {
		free(s);
		return -ENOMEM;
	}
	*state = s;
	return 0;
}

static void
ev_script_destroy(void *state)
{
	struct ev_script *s = state;

	s->host->path_free(s->event_name);
	free(s);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_EVALUATOR,
	.name = "script",
	.version = "test",
	.description = "test evaluator: one rule, optionally for one eventName",
	.options = ev_script_options,
	.init = ev_script_init,
	.destroy = ev_script_destroy,
	.evaluate = ev_script_evaluate,
};
