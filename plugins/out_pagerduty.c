/*
 * out_pagerduty.c - the `pagerduty` output: each alert triggers a
 * PagerDuty incident through the Events API v2 (POST /v2/enqueue),
 * deduplicated by the alert's idempotency key.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudengine/plugin.h"
#include "common/fields.h"
#include "common/http.h"
#include "common/json.h"

#define PD_VERSION		"1.0.0"
#define PD_SUMMARY_CHARS	1024	/* payload.summary */
#define PD_KEY_CHARS		255	/* dedup_key */
#define PD_FIELD_CHARS		255	/* source, component, group, class */
/* The API takes about 512 KB a request: custom_details stays within
 * half of it; beyond, long values are cut and fields left out. */
#define PD_DETAILS_BYTES	(256 * 1024)
#define PD_VALUE_CHARS		1024
#define PD_FLATKEY_CHARS	1024

struct pd_conf {
	const char		*routing_key;
	const char		*source;
	const char		*client;
	const char		*client_url;
	struct oc_http_conf	 http;
};

struct pd {
	ce_instance		*self;
	const struct ce_host	*host;
	struct pd_conf		 conf;
	struct oc_http		*http;
	struct oc_fields	 fields;
	char			*url;
	const char		*headers[4];
	struct oc_json		 body;
	struct oc_json		 scratch;	/* summary or source, raw */
};

/* Walking the flattened record when it is too large to embed whole. */
struct pd_walk {
	struct pd	*o;
	size_t		 start;		/* body.len at the object's '{' */
	uint64_t	 total;
	uint64_t	 omitted;
	int		 full;
};

static const struct ce_option pd_options[] = {
	{ CE_OPTION_HEADER, .name = "routing_key", .type = CE_OPT_SECRET,
	  .flags = CE_OPT_REQUIRED,
	  .offset = offsetof(struct pd_conf, routing_key),
	  .help = "integration key of the PagerDuty service (32 characters, "
	  "typically \"${PAGERDUTY_ROUTING_KEY}\")" },
	{ CE_OPTION_HEADER, .name = "source", .type = CE_OPT_STRING,
	  .offset = offsetof(struct pd_conf, source),
	  .help = "payload.source of every incident (default: "
	  "aws/<account>/<region> of the record)" },
	{ CE_OPTION_HEADER, .name = "client", .type = CE_OPT_STRING,
	  .def = "cloudengine", .offset = offsetof(struct pd_conf, client),
	  .help = "the client named on the incident" },
	{ CE_OPTION_HEADER, .name = "client_url", .type = CE_OPT_STRING,
	  .offset = offsetof(struct pd_conf, client_url),
	  .help = "a link shown with the client's name (default: none)" },
	OC_HTTP_OPTIONS(struct pd_conf, http,
	    "base URL of the API, instead of https://events.pagerduty.com "
	    "(https://events.eu.pagerduty.com for EU accounts)"),
	CE_OPTIONS_END
};

static const char *
pd_severity(const char *severity)
{
	if (strcmp(severity, "critical") == 0)
		return "critical";
	if (strcmp(severity, "high") == 0)
		return "error";
	if (strcmp(severity, "medium") == 0)
		return "warning";
	return "info";
}

static int
pd_is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* "key": the record's member, capped; nothing when it is missing. */
static void
pd_field(struct pd *o, const char *key, const ce_event *ev,
    enum oc_field which)
{
	size_t len;
	const char *s = oc_fields_get(&o->fields, ev, which, &len);

	if (s == NULL)
		return;
	oc_json_key(&o->body, key);
	oc_json_str(&o->body, s, len, PD_FIELD_CHARS);
}

/* The configured source, else aws/<account>/<region>, as far as known. */
static void
pd_source(struct pd *o, const ce_event *ev)
{
	const char *account, *region;
	size_t alen, rlen;

	oc_json_key(&o->body, "source");
	if (o->conf.source != NULL) {
		oc_json_str(&o->body, o->conf.source, strlen(o->conf.source),
		    PD_FIELD_CHARS);
		return;
	}
	account = oc_fields_get(&o->fields, ev, OC_ACCOUNT, &alen);
	region = oc_fields_get(&o->fields, ev, OC_REGION, &rlen);
	oc_json_reset(&o->scratch);
	oc_json_rawz(&o->scratch, "aws");
	if (account != NULL) {
		oc_json_raw(&o->scratch, "/", 1);
		oc_json_raw(&o->scratch, account, alen);
	}
	if (region != NULL) {
		oc_json_raw(&o->scratch, "/", 1);
		oc_json_raw(&o->scratch, region, rlen);
	}
	oc_json_str(&o->body, o->scratch.data, o->scratch.len, PD_FIELD_CHARS);
}

/* eventTime, only when it is an ISO 8601 time PagerDuty will read. */
static void
pd_timestamp(struct pd *o, const ce_event *ev)
{
	size_t len;
	int64_t t;
	const char *s = oc_fields_get(&o->fields, ev, OC_EVENT_TIME, &len);

	if (s == NULL || oc_time_parse(s, len, &t) < 0)
		return;
	oc_json_key(&o->body, "timestamp");
	oc_json_str(&o->body, s, len, 0);
}

/* What the rule says beyond its name: these keys cannot clash with a
 * flattened CloudTrail key, whose first member is never "alert". */
static void
pd_rule_details(struct pd *o, const struct ce_alert *a)
{
	size_t i;

	if (a->description != NULL) {
		oc_json_key(&o->body, "alert.description");
		oc_json_str(&o->body, a->description, strlen(a->description),
		    PD_VALUE_CHARS);
	}
	if (a->runbook != NULL && !pd_is_url(a->runbook)) {
		oc_json_key(&o->body, "alert.runbook");
		oc_json_str(&o->body, a->runbook, strlen(a->runbook),
		    PD_VALUE_CHARS);
	}
	if (a->ntags == 0)
		return;
	oc_json_key(&o->body, "alert.tags");
	oc_json_begin(&o->body, '[');
	for (i = 0; i < a->ntags; i++)
		oc_json_str(&o->body, a->tags[i], strlen(a->tags[i]),
		    PD_FIELD_CHARS);
	oc_json_end(&o->body, ']');
}

static int
pd_walk_entry(void *arg, const char *key, size_t keylen,
    const struct ce_value *v)
{
	struct pd_walk *w = arg;
	struct oc_json *b = &w->o->body;
	size_t before = b->len;

	w->total++;
	if (w->full || oc_utf8_chars(key, keylen, PD_FLATKEY_CHARS + 1) >
	    PD_FLATKEY_CHARS) {
		w->omitted++;
		return 0;
	}
	oc_json_str(b, key, keylen, 0);
	oc_json_raw(b, ":", 1);
	oc_json_value(b, v, PD_VALUE_CHARS);
	if (!b->oom && b->len - w->start > PD_DETAILS_BYTES - 256) {
		/* Undo this entry; count it and the rest as left out. */
		b->len = before;
		b->data[before] = '\0';
		w->full = 1;
		w->omitted++;
	}
	return 0;
}

/* The flattened record entry by entry, values cut, fields left out once
 * the budget is spent: for records too large to embed whole. */
static void
pd_details_walk(struct pd *o, const ce_event *ev, size_t start)
{
	struct pd_walk w = { .o = o, .start = start };
	char note[128];

	o->host->event_flat_foreach(ev, pd_walk_entry, &w);
	if (w.omitted == 0)
		return;
	snprintf(note, sizeof(note), "%llu of %llu fields left out: the "
	    "record is larger than PagerDuty accepts",
	    (unsigned long long)w.omitted, (unsigned long long)w.total);
	oc_json_key(&o->body, "alert.omitted");
	oc_json_cstr(&o->body, note);
}

/* custom_details: the rule's details, then the flattened record. */
static void
pd_details(struct pd *o, const struct ce_alert *a)
{
	struct oc_json *b = &o->body;
	const char *json;
	size_t len = 0, start;

	oc_json_key(b, "custom_details");
	start = b->len;
	oc_json_begin(b, '{');
	pd_rule_details(o, a);
	json = o->host->event_flat_json(a->event, &len);
	if (json != NULL && len >= 2 && len <= PD_DETAILS_BYTES &&
	    json[0] == '{' && json[len - 1] == '}') {
		/* Small enough: splice the host's object in as it is. */
		if (len > 2 && b->len > 0 && b->data[b->len - 1] != '{')
			oc_json_raw(b, ",", 1);
		oc_json_raw(b, json + 1, len - 1);
		return;
	}
	pd_details_walk(o, a->event, start);
	oc_json_end(b, '}');
}

static void
pd_payload(struct pd *o, const struct ce_alert *a)
{
	struct oc_json *b = &o->body;

	oc_json_key(b, "payload");
	oc_json_begin(b, '{');
	oc_json_reset(&o->scratch);
	oc_json_rawz(&o->scratch, a->rule);
	if (a->summary != NULL) {
		oc_json_rawz(&o->scratch, ": ");
		oc_json_rawz(&o->scratch, a->summary);
	}
	oc_json_key(b, "summary");
	oc_json_str(b, o->scratch.data, o->scratch.len, PD_SUMMARY_CHARS);
	pd_source(o, a->event);
	oc_json_key(b, "severity");
	oc_json_cstr(b, pd_severity(a->severity));
	pd_timestamp(o, a->event);
	pd_field(o, "component", a->event, OC_EVENT_SOURCE);
	pd_field(o, "group", a->event, OC_ACCOUNT);
	pd_field(o, "class", a->event, OC_EVENT_NAME);
	pd_details(o, a);
	oc_json_end(b, '}');
}

static void
pd_format(struct pd *o, const struct ce_alert *a)
{
	struct oc_json *b = &o->body;

	oc_json_reset(b);
	oc_json_begin(b, '{');
	oc_json_key(b, "routing_key");
	oc_json_cstr(b, o->conf.routing_key);
	oc_json_key(b, "event_action");
	oc_json_cstr(b, "trigger");
	oc_json_key(b, "dedup_key");
	oc_json_str(b, a->key, strlen(a->key), PD_KEY_CHARS);
	oc_json_key(b, "client");
	oc_json_cstr(b, o->conf.client);
	if (o->conf.client_url != NULL) {
		oc_json_key(b, "client_url");
		oc_json_cstr(b, o->conf.client_url);
	}
	pd_payload(o, a);
	if (a->runbook != NULL && pd_is_url(a->runbook)) {
		oc_json_key(b, "links");
		oc_json_begin(b, '[');
		oc_json_begin(b, '{');
		oc_json_key(b, "href");
		oc_json_cstr(b, a->runbook);
		oc_json_key(b, "text");
		oc_json_cstr(b, "Runbook");
		oc_json_end(b, '}');
		oc_json_end(b, ']');
	}
	oc_json_end(b, '}');
}

static void
pd_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	struct pd *o = state;

	pd_format(o, alert);
	if (o->body.oom || o->scratch.oom) {
		o->host->complete(d, CE_DELIVERY_RETRY, 0,
		    "out of memory while writing the event");
		return;
	}
	oc_http_deliver(o->http, d, o->url, o->headers, o->body.data,
	    o->body.len, alert->deadline_ms);
}

static void
pd_free(struct pd *o)
{
	oc_http_free(o->http);
	oc_fields_free(&o->fields);
	free(o->url);
	if (o->body.data != NULL)	/* it held the routing key */
		explicit_bzero(o->body.data, o->body.cap);
	oc_json_free(&o->body);
	oc_json_free(&o->scratch);
	free(o);
}

static int
pd_setup(struct pd *o)
{
	const char *base = o->conf.http.endpoint;
	size_t klen = o->conf.routing_key != NULL ?
	    strlen(o->conf.routing_key) : 0;

	if (klen == 0) {
		CE_ERROR(o->host, o->self, "routing_key: is empty");
		return -EINVAL;
	}
	/* Said without the key; PagerDuty would refuse each alert (400). */
	if (klen != 32)
		CE_WARNING(o->host, o->self, "routing_key: %zu characters, "
		    "where PagerDuty integration keys have 32", klen);
	if ((o->url = oc_http_join(base != NULL ? base :
	    "https://events.pagerduty.com", "/v2/enqueue")) == NULL) {
		CE_ERROR(o->host, o->self, "out of memory");
		return -ENOMEM;
	}
	o->headers[0] = "Content-Type: application/json";
	o->headers[1] = "Accept: application/json";
	o->headers[2] = "Expect:";
	o->headers[3] = NULL;
	return oc_http_check_url(o->http, o->url);
}

static int
pd_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct pd *o;
	int rc;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	o->self = self;
	o->host = host;
	if ((rc = host->conf_apply(self, &o->conf)) < 0 ||
	    (rc = oc_http_output_open(self, host, &o->conf.http,
	    "cloudengine-pagerduty/" PD_VERSION, o->conf.routing_key,
	    &o->fields, &o->http)) < 0 ||
	    (rc = pd_setup(o)) < 0)
		goto fail;
	*state = o;
	return 0;
fail:
	pd_free(o);
	return rc;
}

static void
pd_destroy(void *state)
{
	pd_free(state);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "pagerduty",
	.version = PD_VERSION,
	.description = "trigger a PagerDuty incident for each alert "
	"(Events API v2)",
	.options = pd_options,
	.init = pd_init,
	.destroy = pd_destroy,
	.deliver = pd_deliver,
};
