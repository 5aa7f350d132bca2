/*
 * host.c - the services a plugin instance reaches through struct ce_host:
 * thin adapters from the ABI onto the core's modules, which add the
 * instance's identity (log prefix, metric names, its options).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws.h"
#include "buf.h"
#include "config.h"
#include "dispatch.h"
#include "engine.h"
#include "event.h"
#include "pathset.h"
#include "host.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"

static void
host_log(ce_instance *self, enum ce_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ce_logv(level, self != NULL ? self->component : NULL, fmt, ap);
	va_end(ap);
}

static void
host_diag(ce_instance *self, enum ce_log_level level, const char *file,
    unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (level != CE_LOG_ERROR)
		level = CE_LOG_WARNING;
	va_start(ap, fmt);
	if (self != NULL)
		ce_diag_addv(&self->engine->diag, level, file, line, col, fmt, ap);
	else
		ce_logv(level, NULL, fmt, ap);
	va_end(ap);
}

static const char *
host_instance_name(ce_instance *self)
{
	return self->name;
}

static int
host_conf_apply(ce_instance *self, void *conf)
{
	if (self->desc->options == NULL)
		return 0;
	return ce_options_apply(self->desc->options, self->conf->values, conf);
}

static ce_metric *
host_metric_new(ce_instance *self, const char *name, const char *help)
{
	struct ce_buf scope = CE_BUF_INIT;
	ce_metric *m = NULL;

	ce_instance_metric_scope(self, &scope);
	if (!scope.oom)
		m = ce_metric_register(scope.data, name, help);
	ce_buf_free(&scope);
	return m;
}

static int
host_submit(ce_instance *self, const struct ce_document *doc)
{
	struct ce_pipeline *p = self->engine->pipeline;

	if (p == NULL) {
		if (doc != NULL && doc->close != NULL)
			doc->close(doc->stream);
		return -ECANCELED;
	}
	return ce_pipeline_submit(p, self, doc);
}

static void
host_finished(ce_instance *self)
{
	ce_engine_input_finished(self->engine, self);
}

static const char *const *
host_output_names(ce_instance *self)
{
	static const char *const none[] = { NULL };

	return self->output_names != NULL ? self->output_names : none;
}

static int
host_aws_credentials(ce_instance *self, struct ce_aws_credentials *out)
{
	char err[256];
	int rc;

	if (out == NULL || out->size < sizeof(*out))
		return -EINVAL;
	rc = ce_aws_credentials(out, err, sizeof(err));
	if (rc < 0)
		ce_log(CE_LOG_WARNING, self != NULL ? self->component : NULL,
		    "no AWS credentials: %s", err);
	return rc;
}

static int
host_aws_region(ce_instance *self, char *buf, size_t len)
{
	(void)self;
	return ce_aws_region(buf, len);
}

static int
host_aws_endpoint(ce_instance *self, const char *service, const char *override,
    const char *region, char *buf, size_t len)
{
	(void)self;
	return ce_aws_endpoint(service, override, region, buf, len);
}

static const struct ce_host host_table = {
	.abi_major = CE_PLUGIN_ABI_MAJOR,
	.abi_minor = CE_PLUGIN_ABI_MINOR,
	.size = sizeof(struct ce_host),
	.log = host_log,
	.diag = host_diag,
	.instance_name = host_instance_name,
	.conf_apply = host_conf_apply,
	.metric_new = host_metric_new,
	.metric_add = ce_metric_add,
	.metric_set = ce_metric_set,
	.submit = host_submit,
	.finished = host_finished,
	.path_compile = ce_path_compile,
	.path_free = ce_path_free,
	.path_is_multi = ce_path_is_multi,
	.event_get = ce_event_get,
	.event_foreach = ce_event_foreach,
	.event_flat_foreach = ce_event_flat_foreach,
	.event_json = ce_event_json,
	.event_flat_json = ce_event_flat_json,
	.event_origin = ce_event_origin,
	.event_ref = ce_event_ref,
	.event_unref = ce_event_unref,
	.output_names = host_output_names,
	.fire = ce_pipeline_fire,
	.complete = ce_dispatch_complete,
	.aws_credentials = host_aws_credentials,
	.aws_region = host_aws_region,
	.aws_endpoint = host_aws_endpoint,
	.pathset_compile = ce_pathset_compile,
	.pathset_free = ce_pathset_free,
	.event_get_set = ce_event_get_set,
};

const struct ce_host *
ce_host_table(void)
{
	return &host_table;
}
