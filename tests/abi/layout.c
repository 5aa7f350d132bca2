/*
 * layout.c - prints the offset and size of every member of the 1.0
 * plugin ABI, every constant and the size of every struct; built once
 * against the frozen header (tests/abi/) and once against the current one
 * (include/), so tests/sdk/abi_compat.sh can check that nothing frozen
 * moved: later minors may only append members and add constants.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Angle brackets: the quote form would find the frozen copy beside this
 * file for the current build too, and compare 1.0 with itself. */
#include <cloudengine/plugin.h>

#define M(s, m)								\
	printf("member %s.%s %zu %zu\n", #s, #m, offsetof(struct s, m),	\
	    sizeof(((struct s *)0)->m))
#define S(s)	printf("size %s %zu\n", #s, sizeof(struct s))
#define C(c)	printf("constant %s %lld\n", #c, (long long)(c))

static void
options(void)
{
	M(ce_option, size); M(ce_option, name); M(ce_option, type);
	M(ce_option, flags); M(ce_option, def); M(ce_option, offset);
	M(ce_option, help); M(ce_option, choices); M(ce_option, min);
	M(ce_option, max);
	S(ce_option);
	M(ce_strlist, n); M(ce_strlist, items);
	S(ce_strlist);
	C(CE_OPT_STRING); C(CE_OPT_INTEGER); C(CE_OPT_BOOLEAN);
	C(CE_OPT_DECIMAL); C(CE_OPT_ENUM); C(CE_OPT_STRING_LIST);
	C(CE_OPT_SECRET); C(CE_OPT_REQUIRED); C(CE_OPT_PATH);
}

static void
events(void)
{
	M(ce_value, size); M(ce_value, type); M(ce_value, str);
	M(ce_value, len); M(ce_value, integer); M(ce_value, decimal);
	M(ce_value, boolean);
	S(ce_value);
	C(CE_VALUE_MISSING); C(CE_VALUE_NULL); C(CE_VALUE_STRING);
	C(CE_VALUE_INTEGER); C(CE_VALUE_DECIMAL); C(CE_VALUE_BOOLEAN);
	C(CE_VALUE_EMPTY_OBJECT); C(CE_VALUE_EMPTY_ARRAY);
}

static void
documents(void)
{
	M(ce_document, size); M(ce_document, origin); M(ce_document, data);
	M(ce_document, len); M(ce_document, read); M(ce_document, close);
	M(ce_document, stream); M(ce_document, cookie);
	M(ce_document, deadline_ms); M(ce_document, flags);
	S(ce_document);
	C(CE_DOC_LINES); C(CE_DOC_OK); C(CE_DOC_FAILED);
	M(ce_outcome, size); M(ce_outcome, status); M(ce_outcome, records);
	M(ce_outcome, failed); M(ce_outcome, skipped); M(ce_outcome, alerts);
	M(ce_outcome, reason);
	S(ce_outcome);
}

static void
alerts(void)
{
	M(ce_alert_spec, size); M(ce_alert_spec, rule);
	M(ce_alert_spec, severity); M(ce_alert_spec, description);
	M(ce_alert_spec, runbook); M(ce_alert_spec, tags);
	M(ce_alert_spec, ntags); M(ce_alert_spec, outputs);
	M(ce_alert_spec, noutputs); M(ce_alert_spec, file);
	M(ce_alert_spec, line);
	S(ce_alert_spec);
	M(ce_alert, size); M(ce_alert, rule); M(ce_alert, severity);
	M(ce_alert, description); M(ce_alert, runbook); M(ce_alert, tags);
	M(ce_alert, ntags); M(ce_alert, key); M(ce_alert, called_as);
	M(ce_alert, summary); M(ce_alert, event); M(ce_alert, attempt);
	M(ce_alert, deadline_ms);
	S(ce_alert);
	C(CE_DELIVERY_OK); C(CE_DELIVERY_RETRY); C(CE_DELIVERY_FAIL);
	M(ce_aws_credentials, size); M(ce_aws_credentials, access_key_id);
	M(ce_aws_credentials, secret_access_key);
	M(ce_aws_credentials, session_token);
	M(ce_aws_credentials, expires_ms);
	S(ce_aws_credentials);
}

static void
host(void)
{
	M(ce_host, abi_major); M(ce_host, abi_minor); M(ce_host, size);
	M(ce_host, log); M(ce_host, diag); M(ce_host, instance_name);
	M(ce_host, conf_apply); M(ce_host, metric_new);
	M(ce_host, metric_add); M(ce_host, metric_set); M(ce_host, submit);
	M(ce_host, finished); M(ce_host, path_compile);
	M(ce_host, path_free); M(ce_host, path_is_multi);
	M(ce_host, event_get); M(ce_host, event_foreach);
	M(ce_host, event_flat_foreach); M(ce_host, event_json);
	M(ce_host, event_flat_json); M(ce_host, event_origin);
	M(ce_host, event_ref); M(ce_host, event_unref);
	M(ce_host, output_names); M(ce_host, fire); M(ce_host, complete);
	M(ce_host, aws_credentials); M(ce_host, aws_region);
	M(ce_host, aws_endpoint);
	S(ce_host);
}

static void
plugin(void)
{
	M(ce_plugin, abi_major); M(ce_plugin, abi_minor); M(ce_plugin, size);
	M(ce_plugin, kind); M(ce_plugin, name); M(ce_plugin, version);
	M(ce_plugin, description); M(ce_plugin, options); M(ce_plugin, init);
	M(ce_plugin, destroy); M(ce_plugin, start); M(ce_plugin, stop);
	M(ce_plugin, done); M(ce_plugin, evaluate); M(ce_plugin, deliver);
	S(ce_plugin);
	C(CE_KIND_INPUT); C(CE_KIND_EVALUATOR); C(CE_KIND_OUTPUT);
	C(CE_LOG_ERROR); C(CE_LOG_WARNING); C(CE_LOG_NOTICE);
	C(CE_LOG_INFO); C(CE_LOG_DEBUG);
	printf("symbol %s\n", CE_PLUGIN_SYMBOL);
	printf("enum %zu %zu\n", sizeof(enum ce_plugin_kind),
	    sizeof(enum ce_value_type));
}

int
main(void)
{
	/* The frozen copy says 1.0; the current header 1.x. */
	printf("abi %d.%d\n", CE_PLUGIN_ABI_MAJOR, CE_PLUGIN_ABI_MINOR);
	options();
	events();
	documents();
	alerts();
	host();
	plugin();
	return 0;
}
