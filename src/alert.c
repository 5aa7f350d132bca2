/*
 * alert.c - alerts: copies of what an evaluator fired, their idempotency
 * keys and one-line summaries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "alert.h"
#include "buf.h"
#include "event.h"
#include "log.h"
#include "sha256.h"

static const char *const severity_names[] = {
	"info", "low", "medium", "high", "critical"
};

int
ce_severity_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(severity_names) / sizeof(severity_names[0]); i++)
		if (strcmp(name, severity_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
ce_severity_name(enum ce_severity sev)
{
	if ((unsigned)sev >= sizeof(severity_names) / sizeof(severity_names[0]))
		return "medium";
	return severity_names[sev];
}

void
ce_alert_key(const ce_event *ev, const char *rule, char out[65])
{
	static const char tag[] = "cloudengine-alert-v1";
	const char *id = ce_event_string(ev, "eventID");
	struct ce_sha256 c;
	uint8_t digest[32];
	size_t len;

	ce_sha256_init(&c);
	ce_sha256_update(&c, tag, sizeof(tag));		/* NUL included: a separator */
	if (id != NULL) {
		ce_sha256_update(&c, "id:", 3);
		ce_sha256_update(&c, id, strlen(id) + 1);
	} else {
		id = ce_event_json(ev, &len);
		ce_sha256_update(&c, "json:", 5);
		if (id != NULL)
			ce_sha256_update(&c, id, len);
		ce_sha256_update(&c, "", 1);
	}
	ce_sha256_update(&c, rule, strlen(rule));
	ce_sha256_final(&c, digest);
	ce_sha256_hex(digest, out);
}

/* A string member of userIdentity, or NULL.  Looked up in the record
 * directly: compiling a path for it (as this once did) cost more than
 * the rest of an alert. */
static const char *
identity_string(const ce_event *ev, const char *member)
{
	struct json_object *ui, *v;

	if (!json_object_object_get_ex(ce_event_record(ev), "userIdentity", &ui) ||
	    !json_object_object_get_ex(ui, member, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
put_part(struct ce_buf *b, const char *prefix, const char *s, size_t max)
{
	size_t len, keep;

	if (s == NULL || *s == '\0')
		return;
	len = strlen(s);
	keep = ce_utf8_prefix(s, len, max);
	ce_buf_puts(b, prefix);
	/* Event text (a userAgent is the caller's choice): escaped as log
	 * lines are, so the summary stays one line of valid UTF-8. */
	ce_log_escape(b, s, keep);
	if (len > keep)
		ce_buf_puts(b, "...");
}

char *
ce_alert_summary(const ce_event *ev)
{
	struct ce_buf b = CE_BUF_INIT;
	const char *who = identity_string(ev, "arn");

	if (who == NULL)
		who = identity_string(ev, "invokedBy");
	if (who == NULL)
		who = identity_string(ev, "principalId");
	if (who == NULL)
		who = identity_string(ev, "type");
	if (who != NULL)
		ce_log_escape(&b, who, strlen(who));
	else
		ce_buf_puts(&b, "unknown identity");
	put_part(&b, " called ", ce_event_string(ev, "eventName"), 128);
	put_part(&b, " on ", ce_event_string(ev, "eventSource"), 128);
	put_part(&b, " from ", ce_event_string(ev, "sourceIPAddress"), 128);
	put_part(&b, " with ", ce_event_string(ev, "userAgent"), 100);
	put_part(&b, " in account ", ce_event_string(ev, "recipientAccountId"), 32);
	put_part(&b, " region ", ce_event_string(ev, "awsRegion"), 32);
	put_part(&b, " at ", ce_event_string(ev, "eventTime"), 40);
	put_part(&b, ", failed with ", ce_event_string(ev, "errorCode"), 100);
	if (b.oom) {
		ce_buf_free(&b);
		return NULL;
	}
	return ce_buf_steal(&b, NULL);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static char **
dup_list(const char *const *items, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (items[i] == NULL || (out[i] = strdup(items[i])) == NULL) {
			while (i > 0)
				free(out[--i]);
			free(out);
			return NULL;
		}
	}
	return out;
}

static void
free_list(char **l, size_t n)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void
alert_free(struct ce_alert_data *a)
{
	free(a->rule);
	free(a->description);
	free(a->runbook);
	free_list(a->tags, a->ntags);
	free_list(a->outputs, a->noutputs);
	free(a->file);
	free(a->summary);
	if (a->event != NULL)
		ce_event_unref(a->event);
	free(a);
}

struct ce_alert_data *
ce_alert_new(const struct ce_alert_spec *spec, const ce_event *ev)
{
	struct ce_alert_data *a;
	int sev = spec->severity != NULL ? ce_severity_parse(spec->severity) :
	    CE_SEV_MEDIUM;

	if (spec->rule == NULL || (a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	atomic_init(&a->refs, 1);
	a->event = ce_event_ref(ev);
	a->severity = sev < 0 ? CE_SEV_MEDIUM : (enum ce_severity)sev;
	a->ntags = spec->ntags;
	a->noutputs = spec->noutputs;
	a->line = spec->line;
	a->rule = strdup(spec->rule);
	a->description = dup_or_null(spec->description);
	a->runbook = dup_or_null(spec->runbook);
	a->file = dup_or_null(spec->file);
	a->tags = dup_list(spec->tags, spec->ntags);
	a->outputs = dup_list(spec->outputs, spec->noutputs);
	a->summary = ce_alert_summary(ev);
	if (a->rule == NULL || a->tags == NULL || a->outputs == NULL ||
	    a->summary == NULL ||
	    (spec->description != NULL && a->description == NULL) ||
	    (spec->runbook != NULL && a->runbook == NULL) ||
	    (spec->file != NULL && a->file == NULL)) {
		alert_free(a);
		return NULL;
	}
	ce_alert_key(ev, a->rule, a->key);
	return a;
}

struct ce_alert_data *
ce_alert_ref(struct ce_alert_data *a)
{
	atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
	return a;
}

static void
alert_destroy(struct ce_grave *g)
{
	alert_free((struct ce_alert_data *)((char *)g -
	    offsetof(struct ce_alert_data, grave)));
}

void
ce_alert_unref(struct ce_alert_data *a)
{
	if (a != NULL &&
	    atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1)
		ce_bury(&a->grave, alert_destroy);
}
