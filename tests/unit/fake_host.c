/*
 * fake_host.c - a recording struct ce_host for plugin unit tests, over the
 * real event model.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "fake_host.h"
#include "pathset.h"

static struct fake_host *
from_self(ce_instance *self)
{
	return (struct fake_host *)(void *)self;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
push_line(struct fake_host *fh, char ***v, size_t *n, char *line)
{
	char **nv;

	if (line == NULL)
		return;
	pthread_mutex_lock(&fh->lock);
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(line);
	} else {
		*v = nv;
		nv[(*n)++] = line;
	}
	pthread_mutex_unlock(&fh->lock);
}

static char *
vformat(const char *fmt, va_list ap)
{
	va_list aq;
	char *s;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static const char *
level_name(enum ce_log_level level)
{
	switch (level) {
	case CE_LOG_ERROR: return "error";
	case CE_LOG_WARNING: return "warning";
	case CE_LOG_NOTICE: return "notice";
	case CE_LOG_INFO: return "info";
	default: return "debug";
	}
}

/* ------------------------------------------------------------------ */
/* The host's services                                                 */
/* ------------------------------------------------------------------ */

static void fh_log(ce_instance *self, enum ce_log_level level,
    const char *fmt, ...) CE_PRINTF(3, 4);

static void
fh_log(ce_instance *self, enum ce_log_level level, const char *fmt, ...)
{
	struct fake_host *fh = from_self(self);
	char *msg, *line;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (msg == NULL)
		return;
	n = strlen(msg) + 16;
	if ((line = malloc(n)) != NULL)
		snprintf(line, n, "%s: %s", level_name(level), msg);
	free(msg);
	push_line(fh, &fh->logs, &fh->nlogs, line);
}

static void fh_diag(ce_instance *self, enum ce_log_level level,
    const char *file, unsigned line, unsigned col, const char *fmt, ...)
    CE_PRINTF(6, 7);

/* Formatted as the core's `check` prints them. */
static void
fh_diag(ce_instance *self, enum ce_log_level level, const char *file,
    unsigned line, unsigned col, const char *fmt, ...)
{
	struct fake_host *fh = from_self(self);
	char where[4096], *msg, *out;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (msg == NULL)
		return;
	if (file == NULL)
		snprintf(where, sizeof(where), "cloudengine");
	else if (line == 0)
		snprintf(where, sizeof(where), "%s", file);
	else if (col == 0)
		snprintf(where, sizeof(where), "%s:%u", file, line);
	else
		snprintf(where, sizeof(where), "%s:%u:%u", file, line, col);
	n = strlen(where) + strlen(msg) + 16;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s: %s: %s", where,
		    level == CE_LOG_ERROR ? "error" : "warning", msg);
	free(msg);
	push_line(fh, &fh->diags, &fh->ndiags, out);
}

static const char *
fh_instance_name(ce_instance *self)
{
	(void)self;
	return "drl.test";
}

static const struct fake_opt *
find_opt(const struct fake_host *fh, const char *name)
{
	size_t i;

	for (i = 0; i < fh->nopts; i++) {
		if (strcmp(fh->opts[i].name, name) == 0)
			return &fh->opts[i];
	}
	return NULL;
}

/* A default list "a,b" as the config file would write it. */
static int
default_list(struct fake_host *fh, const char *def, struct ce_strlist *out)
{
	char *copy, **items, *tok, *save = NULL;
	size_t n = 0;
	void **nv;

	out->n = 0;
	out->items = NULL;
	if (def == NULL || *def == '\0')
		return 0;
	if ((copy = strdup(def)) == NULL ||
	    (items = calloc(strlen(def) + 1, sizeof(*items))) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		items[n++] = tok;
	nv = realloc(fh->owned, (fh->nowned + 2) * sizeof(*nv));
	if (nv == NULL) {
		free(copy);
		free(items);
		return -ENOMEM;
	}
	fh->owned = nv;
	fh->owned[fh->nowned++] = copy;
	fh->owned[fh->nowned++] = items;
	out->n = n;
	out->items = (const char *const *)items;
	return 0;
}

static int
apply_one(struct fake_host *fh, const struct ce_option *o, char *conf)
{
	const struct fake_opt *v = find_opt(fh, o->name);
	const char *s = v != NULL ? v->value : o->def;
	void *dst = conf + o->offset;
	size_t i;

	if (v == NULL && (o->flags & CE_OPT_REQUIRED))
		return -EINVAL;
	switch (o->type) {
	case CE_OPT_STRING:
	case CE_OPT_SECRET:
		*(const char **)dst = s;
		return 0;
	case CE_OPT_INTEGER:
		if (s != NULL)
			*(int64_t *)dst = strtoll(s, NULL, 10);
		return 0;
	case CE_OPT_BOOLEAN:
		if (s != NULL)
			*(int *)dst = strcmp(s, "true") == 0;
		return 0;
	case CE_OPT_DECIMAL:
		if (s != NULL)
			*(double *)dst = strtod(s, NULL);
		return 0;
	case CE_OPT_ENUM:
		for (i = 0; s != NULL && o->choices != NULL && o->choices[i] != NULL; i++) {
			if (strcmp(o->choices[i], s) == 0)
				*(int *)dst = (int)i;
		}
		return 0;
	case CE_OPT_STRING_LIST:
		if (v != NULL) {
			((struct ce_strlist *)dst)->n = v->nitems;
			((struct ce_strlist *)dst)->items = v->items;
			return 0;
		}
		return default_list(fh, o->def, dst);
	}
	return -EINVAL;
}

static int
fh_conf_apply(ce_instance *self, void *conf)
{
	struct fake_host *fh = from_self(self);
	const struct ce_option *o;
	int rc;

	if (fh->plugin == NULL || fh->plugin->options == NULL)
		return 0;
	for (o = fh->plugin->options; o->name != NULL;
	    o = (const struct ce_option *)((const char *)o + o->size)) {
		if ((rc = apply_one(fh, o, conf)) < 0) {
			fh_log(self, CE_LOG_ERROR, "option %s: missing or invalid",
			    o->name);
			return rc;
		}
	}
	return 0;
}

static ce_metric *
fh_metric_new(ce_instance *self, const char *name, const char *help)
{
	struct fake_host *fh = from_self(self);
	struct fake_metric *m;

	(void)help;
	if (fh->nmetrics >= FAKE_MAX_METRICS)
		return NULL;
	m = &fh->metrics[fh->nmetrics++];
	m->name = strdup(name);
	m->value = 0;
	return (ce_metric *)(void *)m;
}

static void
fh_metric_add(ce_metric *m, int64_t delta)
{
	__atomic_add_fetch(&((struct fake_metric *)(void *)m)->value, delta,
	    __ATOMIC_RELAXED);
}

static void
fh_metric_set(ce_metric *m, int64_t value)
{
	__atomic_store_n(&((struct fake_metric *)(void *)m)->value, value,
	    __ATOMIC_RELAXED);
}

static const char *const no_outputs[] = { NULL };

static const char *const *
fh_output_names(ce_instance *self)
{
	struct fake_host *fh = from_self(self);

	return fh->outputs != NULL ? fh->outputs : no_outputs;
}

static char **
dup_list(const char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	size_t i;

	for (i = 0; out != NULL && i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

static int
fh_fire(ce_alert_sink *sink, const struct ce_alert_spec *spec)
{
	struct fake_host *fh = (struct fake_host *)(void *)sink;
	struct fake_alert a, *nv;

	if (fh->fire_rc != 0)
		return fh->fire_rc;
	memset(&a, 0, sizeof(a));
	a.rule = dup_or_null(spec->rule);
	a.severity = dup_or_null(spec->severity);
	a.description = dup_or_null(spec->description);
	a.runbook = dup_or_null(spec->runbook);
	a.tags = dup_list(spec->tags, spec->ntags);
	a.ntags = spec->ntags;
	a.outputs = dup_list(spec->outputs, spec->noutputs);
	a.noutputs = spec->noutputs;
	a.file = dup_or_null(spec->file);
	a.line = spec->line;
	pthread_mutex_lock(&fh->lock);
	nv = realloc(fh->alerts, (fh->nalerts + 1) * sizeof(*nv));
	if (nv != NULL) {
		fh->alerts = nv;
		nv[fh->nalerts++] = a;
	}
	pthread_mutex_unlock(&fh->lock);
	return nv != NULL ? 0 : -ENOMEM;
}

static const ce_event *
fh_event_ref(const ce_event *ev)
{
	return ce_event_ref(ev);
}

/* ------------------------------------------------------------------ */
/* Test-facing functions                                               */
/* ------------------------------------------------------------------ */

void
fake_host_init(struct fake_host *fh, const struct ce_plugin *plugin)
{
	memset(fh, 0, sizeof(*fh));
	fh->plugin = plugin;
	pthread_mutex_init(&fh->lock, NULL);
	fh->host.abi_major = CE_PLUGIN_ABI_MAJOR;
	fh->host.abi_minor = CE_PLUGIN_ABI_MINOR;
	fh->host.size = sizeof(fh->host);
	fh->host.log = fh_log;
	fh->host.diag = fh_diag;
	fh->host.instance_name = fh_instance_name;
	fh->host.conf_apply = fh_conf_apply;
	fh->host.metric_new = fh_metric_new;
	fh->host.metric_add = fh_metric_add;
	fh->host.metric_set = fh_metric_set;
	fh->host.path_compile = ce_path_compile;
	fh->host.path_free = ce_path_free;
	fh->host.path_is_multi = ce_path_is_multi;
	fh->host.event_get = ce_event_get;
	fh->host.event_foreach = ce_event_foreach;
	fh->host.pathset_compile = ce_pathset_compile;
	fh->host.pathset_free = ce_pathset_free;
	fh->host.event_get_set = ce_event_get_set;
	fh->host.event_flat_foreach = ce_event_flat_foreach;
	fh->host.event_json = ce_event_json;
	fh->host.event_flat_json = ce_event_flat_json;
	fh->host.event_origin = ce_event_origin;
	fh->host.event_ref = fh_event_ref;
	fh->host.event_unref = ce_event_unref;
	fh->host.output_names = fh_output_names;
	fh->host.fire = fh_fire;
}

static void
free_lines(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_alert(struct fake_alert *a)
{
	free(a->rule);
	free(a->severity);
	free(a->description);
	free(a->runbook);
	free_lines(a->tags, a->ntags);
	free_lines(a->outputs, a->noutputs);
	free(a->file);
}

void
fake_host_clear(struct fake_host *fh)
{
	size_t i;

	pthread_mutex_lock(&fh->lock);
	free_lines(fh->diags, fh->ndiags);
	free_lines(fh->logs, fh->nlogs);
	for (i = 0; i < fh->nalerts; i++)
		free_alert(&fh->alerts[i]);
	free(fh->alerts);
	fh->diags = fh->logs = NULL;
	fh->ndiags = fh->nlogs = 0;
	fh->alerts = NULL;
	fh->nalerts = 0;
	pthread_mutex_unlock(&fh->lock);
}

void
fake_host_free(struct fake_host *fh)
{
	size_t i;

	fake_host_clear(fh);
	for (i = 0; i < fh->nmetrics; i++)
		free(fh->metrics[i].name);
	for (i = 0; i < fh->nowned; i++)
		free(fh->owned[i]);
	free(fh->owned);
	pthread_mutex_destroy(&fh->lock);
}

static struct fake_opt *
slot_for(struct fake_host *fh, const char *name)
{
	size_t i;

	for (i = 0; i < fh->nopts; i++) {
		if (strcmp(fh->opts[i].name, name) == 0)
			return &fh->opts[i];
	}
	if (fh->nopts >= FAKE_MAX_OPTS)
		abort();
	fh->opts[fh->nopts].name = name;
	return &fh->opts[fh->nopts++];
}

void
fake_host_set(struct fake_host *fh, const char *name, const char *value)
{
	struct fake_opt *o = slot_for(fh, name);

	o->value = value;
}

void
fake_host_set_list(struct fake_host *fh, const char *name,
    const char *const *items, size_t n)
{
	struct fake_opt *o = slot_for(fh, name);

	o->items = items;
	o->nitems = n;
}

ce_instance *
fake_host_self(struct fake_host *fh)
{
	return (ce_instance *)(void *)fh;
}

ce_alert_sink *
fake_host_sink(struct fake_host *fh)
{
	return (ce_alert_sink *)(void *)fh;
}

size_t
fake_host_fired(struct fake_host *fh, const char *rule)
{
	size_t i, n = 0;

	pthread_mutex_lock(&fh->lock);
	for (i = 0; i < fh->nalerts; i++) {
		if (fh->alerts[i].rule != NULL && strcmp(fh->alerts[i].rule, rule) == 0)
			n++;
	}
	pthread_mutex_unlock(&fh->lock);
	return n;
}

int
fake_host_fired_at(struct fake_host *fh, const char *rule)
{
	size_t i;
	int at = -1;

	pthread_mutex_lock(&fh->lock);
	for (i = 0; i < fh->nalerts && at < 0; i++) {
		if (fh->alerts[i].rule != NULL && strcmp(fh->alerts[i].rule, rule) == 0)
			at = (int)i;
	}
	pthread_mutex_unlock(&fh->lock);
	return at;
}

static int
has_text(struct fake_host *fh, int logs, const char *text)
{
	char **v;
	size_t i, n;
	int found = 0;

	pthread_mutex_lock(&fh->lock);
	v = logs ? fh->logs : fh->diags;
	n = logs ? fh->nlogs : fh->ndiags;
	for (i = 0; i < n && !found; i++)
		found = strstr(v[i], text) != NULL;
	pthread_mutex_unlock(&fh->lock);
	return found;
}

int
fake_host_has_diag(struct fake_host *fh, const char *text)
{
	return has_text(fh, 0, text);
}

int
fake_host_has_log(struct fake_host *fh, const char *text)
{
	return has_text(fh, 1, text);
}

int64_t
fake_host_metric(struct fake_host *fh, const char *name)
{
	size_t i;

	for (i = 0; i < fh->nmetrics; i++) {
		if (fh->metrics[i].name != NULL && strcmp(fh->metrics[i].name, name) == 0)
			return __atomic_load_n(&fh->metrics[i].value, __ATOMIC_RELAXED);
	}
	return -1;
}

const ce_event *
fake_event(const char *json)
{
	struct json_object *obj = json_tokener_parse(json);

	if (obj == NULL)
		return NULL;
	return ce_event_new(obj, "test", 1);
}

void
fake_event_free(const ce_event *ev)
{
	if (ev != NULL)
		ce_event_unref(ev);
}
