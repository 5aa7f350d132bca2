/*
 * metrics.c - the process's counters and gauges: a registry under a mutex,
 * values updated with atomics from any thread.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"

struct ce_metric {
	_Atomic int64_t		 value;
	struct ce_metric	*next;
	char			 name[];	/* cloudengine_<scope>_<name> */
};

static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ce_metric *metrics_head, **metrics_tail = &metrics_head;

static struct ce_metric *
metric_lookup(const char *name)
{
	struct ce_metric *m;

	for (m = metrics_head; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static struct ce_metric *
metric_new(const char *scope, const char *name)
{
	size_t len = strlen("cloudengine__") + strlen(scope) + strlen(name) + 1;
	struct ce_metric *m;

	m = calloc(1, sizeof(*m) + len);
	if (m == NULL)
		return NULL;
	snprintf(m->name, len, "cloudengine_%s_%s", scope, name);
	atomic_init(&m->value, 0);
	return m;
}

/*
 * A second registration of the same name returns the first metric: a
 * replacement instance (after SIGHUP) keeps counting where the old one
 * stopped.
 */
ce_metric *
ce_metric_register(const char *scope, const char *name, const char *help)
{
	struct ce_metric *m, *found;

	if (!ce_name_ok(scope) || !ce_name_ok(name)) {
		ce_log(CE_LOG_ERROR, "metrics", "invalid metric name '%s_%s': "
		    "expected [a-z0-9_]+", scope ? scope : "",
		    name ? name : "");
		return NULL;
	}
	/* help is for a future exposition format; the log lines omit it. */
	(void)help;
	m = metric_new(scope, name);
	if (m == NULL)
		return NULL;
	pthread_mutex_lock(&metrics_lock);
	found = metric_lookup(m->name);
	if (found == NULL) {
		*metrics_tail = m;
		metrics_tail = &m->next;
	}
	pthread_mutex_unlock(&metrics_lock);
	if (found == NULL)
		return m;
	free(m);
	return found;
}

void
ce_metric_add(ce_metric *m, int64_t delta)
{
	if (m != NULL)
		atomic_fetch_add_explicit(&m->value, delta,
		    memory_order_relaxed);
}

void
ce_metric_set(ce_metric *m, int64_t value)
{
	if (m != NULL)
		atomic_store_explicit(&m->value, value, memory_order_relaxed);
}

int64_t
ce_metric_value(const ce_metric *m)
{
	/* atomic_load() takes a non-const pointer in C11. */
	return atomic_load_explicit(&((ce_metric *)m)->value,
	    memory_order_relaxed);
}

const char *
ce_metric_name(const ce_metric *m)
{
	return m->name;
}

void
ce_metrics_report(void)
{
	struct ce_metric *m;

	pthread_mutex_lock(&metrics_lock);
	for (m = metrics_head; m != NULL; m = m->next)
		ce_log(CE_LOG_INFO, "metrics", "%s=%" PRId64, m->name,
		    ce_metric_value(m));
	pthread_mutex_unlock(&metrics_lock);
}

void
ce_metrics_free_all(void)
{
	struct ce_metric *m, *next;

	pthread_mutex_lock(&metrics_lock);
	for (m = metrics_head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	metrics_head = NULL;
	metrics_tail = &metrics_head;
	pthread_mutex_unlock(&metrics_lock);
}
