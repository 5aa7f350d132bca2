/*
 * instance.c - one configured plugin instance and its lifecycle:
 * init → start → stop → destroy, each step at most once and in order.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "engine.h"
#include "host.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"

struct ce_instance *
ce_instance_new(struct ce_engine *e, const struct ce_plugin_entry *entry,
    struct ce_conf_instance *conf)
{
	struct ce_instance *inst = calloc(1, sizeof(*inst));
	struct ce_buf b = CE_BUF_INIT;

	if (inst == NULL)
		return NULL;
	inst->engine = e;
	inst->entry = entry;
	inst->desc = &entry->desc;
	inst->conf = conf;
	inst->kind = entry->desc.kind;
	inst->name = conf->name;
	inst->min_severity = conf->min_severity != NULL ?
	    ce_severity_parse(conf->min_severity) : -1;
	atomic_init(&inst->refs, 1);
	atomic_init(&inst->finished, 0);
	ce_buf_printf(&b, "%s:%s:%s", ce_plugin_kind_name(inst->kind),
	    entry->desc.name, conf->name);
	if (b.oom) {
		free(inst);
		return NULL;
	}
	inst->component = ce_buf_steal(&b, NULL);
	return inst;
}

void
ce_instance_metric_scope(const struct ce_instance *inst, struct ce_buf *b)
{
	const char *p;

	/* Metric names are [a-z0-9_]+, instance names need not be. */
	ce_buf_printf(b, "%s_", ce_plugin_kind_name(inst->kind));
	for (p = inst->name; *p != '\0'; p++)
		ce_buf_putc(b, isalnum((unsigned char)*p) ?
		    (char)tolower((unsigned char)*p) : '_');
}

static void
output_metrics(struct ce_instance *inst)
{
	struct ce_buf scope = CE_BUF_INIT;

	ce_instance_metric_scope(inst, &scope);
	inst->m_delivered = ce_metric_register(ce_buf_cstr(&scope),
	    "delivered", "alerts delivered");
	inst->m_failed = ce_metric_register(ce_buf_cstr(&scope),
	    "failed", "alerts given up on");
	inst->m_retried = ce_metric_register(ce_buf_cstr(&scope),
	    "retried", "delivery attempts to be retried");
	inst->m_deduplicated = ce_metric_register(ce_buf_cstr(&scope),
	    "deduplicated", "alerts delivered earlier or being delivered, "
	    "not sent again");
	ce_buf_free(&scope);
}

int
ce_instance_init(struct ce_instance *inst)
{
	int rc;

	if (inst->flags & CE_INST_INITED)
		return 0;
	if (inst->kind == CE_KIND_OUTPUT)
		output_metrics(inst);
	rc = inst->desc->init(inst, ce_host_table(), &inst->state);
	if (rc < 0) {
		ce_log(CE_LOG_ERROR, inst->component, "init failed: %s",
		    strerror(-rc));
		return rc;
	}
	inst->flags |= CE_INST_INITED;
	return 0;
}

int
ce_instance_start(struct ce_instance *inst)
{
	int rc = 0;

	if (!(inst->flags & CE_INST_INITED) || (inst->flags & CE_INST_STARTED))
		return 0;
	if (inst->desc->start != NULL)
		rc = inst->desc->start(inst->state);
	if (rc < 0) {
		ce_log(CE_LOG_ERROR, inst->component, "start failed: %s",
		    strerror(-rc));
		return rc;
	}
	inst->flags |= CE_INST_STARTED;
	return 0;
}

void
ce_instance_stop(struct ce_instance *inst)
{
	if (!(inst->flags & CE_INST_STARTED))
		return;
	if (inst->desc->stop != NULL)
		inst->desc->stop(inst->state);
	inst->flags &= ~CE_INST_STARTED;
}

void
ce_instance_free(struct ce_instance *inst)
{
	if (inst == NULL)
		return;
	ce_instance_stop(inst);
	if (inst->flags & CE_INST_INITED)
		inst->desc->destroy(inst->state);
	free(inst->component);
	free(inst);
}
