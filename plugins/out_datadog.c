/*
 * out_datadog.c - the `datadog` output: each alert becomes a Datadog
 * event, posted to the Events API v1 (POST /api/v1/events).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloudengine/plugin.h"
#include "common/fields.h"
#include "common/http.h"
#include "common/json.h"

#define DD_VERSION		"1.0.0"
#define DD_TITLE_CHARS		200	/* v1 has no limit; v2 stops at 500 */
#define DD_TEXT_CHARS		4000	/* the API cuts longer texts */
#define DD_TAG_CHARS		200	/* Datadog's longest tag */
#define DD_KEY_CHARS		100	/* aggregation_key */
/* date_happened must be at most 18 hours old when Datadog receives it;
 * keep 5 minutes for the request and its retries. */
#define DD_MAX_AGE_S		(18 * 3600 - 300)
#define DD_MAX_AHEAD_S		3600

struct dd_conf {
	const char		*api_key;
	int			 site;
	const char		*source_type_name;
	int			 priority;
	struct ce_strlist	 tags;
	struct oc_http_conf	 http;
};

struct dd {
	ce_instance		*self;
	const struct ce_host	*host;
	struct dd_conf		 conf;
	struct oc_http		*http;
	struct oc_fields	 fields;
	char			*url;
	char			*key_header;	/* "DD-API-KEY: ..." */
	const char		*headers[5];
	struct oc_json		 body;		/* the request */
	struct oc_json		 text;		/* the event's text, raw */
	struct oc_json		 scratch;	/* one title or tag, raw */
};

/* Every Datadog site; the API host is "api." followed by the site. */
static const char *const dd_sites[] = {
	"datadoghq.com", "us3.datadoghq.com", "us5.datadoghq.com",
	"datadoghq.eu", "ap1.datadoghq.com", "ap2.datadoghq.com",
	"ddog-gov.com", "us2.ddog-gov.com", NULL
};

static const char *const dd_priorities[] = { "normal", "low", NULL };

static const struct ce_option dd_options[] = {
	{ CE_OPTION_HEADER, .name = "api_key", .type = CE_OPT_SECRET,
	  .flags = CE_OPT_REQUIRED, .offset = offsetof(struct dd_conf, api_key),
	  .help = "Datadog API key, sent as DD-API-KEY (typically "
	  "\"${DD_API_KEY}\")" },
	{ CE_OPTION_HEADER, .name = "site", .type = CE_OPT_ENUM,
	  .def = "datadoghq.com", .offset = offsetof(struct dd_conf, site),
	  .choices = dd_sites,
	  .help = "the Datadog site of the organisation; events go to "
	  "https://api.<site>" },
	{ CE_OPTION_HEADER, .name = "source_type_name", .type = CE_OPT_STRING,
	  .def = "amazon cloudtrail",
	  .offset = offsetof(struct dd_conf, source_type_name),
	  .help = "the events' source type" },
	{ CE_OPTION_HEADER, .name = "priority", .type = CE_OPT_ENUM,
	  .def = "normal", .offset = offsetof(struct dd_conf, priority),
	  .choices = dd_priorities, .help = "the events' priority" },
	{ CE_OPTION_HEADER, .name = "tags", .type = CE_OPT_STRING_LIST,
	  .offset = offsetof(struct dd_conf, tags),
	  .help = "tags added to every event, e.g. [ \"env:prod\" ]" },
	OC_HTTP_OPTIONS(struct dd_conf, http,
	    "base URL of the API, instead of https://api.<site>"),
	CE_OPTIONS_END
};

/* critical and high page someone; medium warns; the rest informs. */
static const char *
dd_alert_type(const char *severity)
{
	if (strcmp(severity, "critical") == 0 || strcmp(severity, "high") == 0)
		return "error";
	if (strcmp(severity, "medium") == 0)
		return "warning";
	return "info";
}

/* Append to the raw text, never beyond what the longest text can show:
 * four bytes per character, and one more character to detect the cut. */
static void
dd_text_add(struct dd *o, const char *s, size_t n)
{
	const size_t cap = 4 * (DD_TEXT_CHARS + 1);

	if (o->text.len >= cap)
		return;
	oc_json_raw(&o->text, s, n < cap - o->text.len ? n : cap - o->text.len);
}

static void
dd_text_addz(struct dd *o, const char *s)
{
	dd_text_add(o, s, strlen(s));
}

/* The summary, the rule's description and runbook, then the flattened
 * record as JSON: as much of it as 4000 characters hold. */
static void
dd_text(struct dd *o, const struct ce_alert *a)
{
	const char *json;
	size_t len = 0;

	oc_json_reset(&o->text);
	dd_text_addz(o, a->summary != NULL ? a->summary : a->rule);
	if (a->description != NULL) {
		dd_text_addz(o, "\n\n");
		dd_text_addz(o, a->description);
	}
	if (a->runbook != NULL) {
		dd_text_addz(o, "\n\nRunbook: ");
		dd_text_addz(o, a->runbook);
	}
	if ((json = o->host->event_flat_json(a->event, &len)) != NULL) {
		dd_text_addz(o, "\n\nEvent: ");
		dd_text_add(o, json, len);
	}
}

/* One tag "name:value" (value s[0..n)); nothing when value is NULL. */
static void
dd_tag(struct dd *o, const char *name, const char *s, size_t n)
{
	if (s == NULL)
		return;
	oc_json_reset(&o->scratch);
	oc_json_rawz(&o->scratch, name);
	oc_json_raw(&o->scratch, ":", 1);
	oc_json_raw(&o->scratch, s, n);
	oc_json_str(&o->body, o->scratch.data, o->scratch.len, DD_TAG_CHARS);
}

static void
dd_field_tag(struct dd *o, const ce_event *ev, const char *name,
    enum oc_field which)
{
	size_t len;
	const char *s = oc_fields_get(&o->fields, ev, which, &len);

	dd_tag(o, name, s, len);
}

static void
dd_tags(struct dd *o, const struct ce_alert *a)
{
	size_t i;

	oc_json_key(&o->body, "tags");
	oc_json_begin(&o->body, '[');
	for (i = 0; i < a->ntags; i++)
		oc_json_str(&o->body, a->tags[i], strlen(a->tags[i]),
		    DD_TAG_CHARS);
	dd_tag(o, "severity", a->severity, strlen(a->severity));
	dd_field_tag(o, a->event, "eventsource", OC_EVENT_SOURCE);
	dd_field_tag(o, a->event, "eventname", OC_EVENT_NAME);
	dd_field_tag(o, a->event, "account", OC_ACCOUNT);
	dd_field_tag(o, a->event, "region", OC_REGION);
	for (i = 0; i < o->conf.tags.n; i++)
		oc_json_str(&o->body, o->conf.tags.items[i],
		    strlen(o->conf.tags.items[i]), DD_TAG_CHARS);
	oc_json_end(&o->body, ']');
}

/* eventTime, when Datadog will take it: recent enough, not far ahead. */
static void
dd_date(struct dd *o, const ce_event *ev)
{
	int64_t t, now = (int64_t)time(NULL);
	size_t len;
	const char *s = oc_fields_get(&o->fields, ev, OC_EVENT_TIME, &len);

	if (s == NULL || oc_time_parse(s, len, &t) < 0 ||
	    t < now - DD_MAX_AGE_S || t > now + DD_MAX_AHEAD_S)
		return;
	oc_json_key(&o->body, "date_happened");
	oc_json_int(&o->body, t);
}

static void
dd_format(struct dd *o, const struct ce_alert *a)
{
	struct oc_json *b = &o->body;

	oc_json_reset(b);
	oc_json_begin(b, '{');
	oc_json_key(b, "title");
	oc_json_reset(&o->scratch);
	oc_json_rawz(&o->scratch, "Rule triggered: ");
	oc_json_rawz(&o->scratch, a->rule);
	oc_json_str(b, o->scratch.data, o->scratch.len, DD_TITLE_CHARS);
	dd_text(o, a);
	oc_json_key(b, "text");
	oc_json_str(b, o->text.data != NULL ? o->text.data : "", o->text.len,
	    DD_TEXT_CHARS);
	dd_tags(o, a);
	oc_json_key(b, "alert_type");
	oc_json_cstr(b, dd_alert_type(a->severity));
	oc_json_key(b, "priority");
	oc_json_cstr(b, dd_priorities[o->conf.priority]);
	oc_json_key(b, "aggregation_key");
	oc_json_str(b, a->key, strlen(a->key), DD_KEY_CHARS);
	oc_json_key(b, "source_type_name");
	oc_json_cstr(b, o->conf.source_type_name);
	dd_date(o, a->event);
	oc_json_end(b, '}');
}

static void
dd_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	struct dd *o = state;

	dd_format(o, alert);
	if (o->body.oom || o->text.oom || o->scratch.oom) {
		o->host->complete(d, CE_DELIVERY_RETRY, 0,
		    "out of memory while writing the event");
		return;
	}
	oc_http_deliver(o->http, d, o->url, o->headers, o->body.data,
	    o->body.len, alert->deadline_ms);
}

static void
dd_free(struct dd *o)
{
	oc_http_free(o->http);
	oc_fields_free(&o->fields);
	if (o->key_header != NULL) {
		explicit_bzero(o->key_header, strlen(o->key_header));
		free(o->key_header);
	}
	free(o->url);
	oc_json_free(&o->body);
	oc_json_free(&o->text);
	oc_json_free(&o->scratch);
	free(o);
}

/* A key that would break the header it travels in is refused, without
 * showing it. */
static int
dd_check_key(struct dd *o)
{
	const char *k = o->conf.api_key != NULL ? o->conf.api_key : "";

	if (*k == '\0' || strpbrk(k, "\r\n") != NULL) {
		CE_ERROR(o->host, o->self, "api_key: %s", *k == '\0' ?
		    "is empty" : "holds a line break");
		return -EINVAL;
	}
	return 0;
}

static int
dd_setup(struct dd *o)
{
	static const char prefix[] = "DD-API-KEY: ";
	const char *site = dd_sites[o->conf.site];
	const char *base = o->conf.http.endpoint;
	char api[128];
	int rc;

	if ((rc = dd_check_key(o)) < 0)
		return rc;
	if (base == NULL) {
		snprintf(api, sizeof(api), "https://api.%s", site);
		base = api;
	}
	o->url = oc_http_join(base, "/api/v1/events");
	o->key_header = malloc(sizeof(prefix) + strlen(o->conf.api_key));
	if (o->url == NULL || o->key_header == NULL) {
		CE_ERROR(o->host, o->self, "out of memory");
		return -ENOMEM;
	}
	strcpy(o->key_header, prefix);
	strcat(o->key_header, o->conf.api_key);
	o->headers[0] = "Content-Type: application/json";
	o->headers[1] = "Accept: application/json";
	o->headers[2] = o->key_header;
	o->headers[3] = "Expect:";
	o->headers[4] = NULL;
	return oc_http_check_url(o->http, o->url);
}

static int
dd_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct dd *o;
	int rc;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	o->self = self;
	o->host = host;
	if ((rc = host->conf_apply(self, &o->conf)) < 0 ||
	    (rc = oc_http_output_open(self, host, &o->conf.http,
	    "cloudengine-datadog/" DD_VERSION, o->conf.api_key, &o->fields,
	    &o->http)) < 0 ||
	    (rc = dd_setup(o)) < 0)
		goto fail;
	*state = o;
	return 0;
fail:
	dd_free(o);
	return rc;
}

static void
dd_destroy(void *state)
{
	dd_free(state);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "datadog",
	.version = DD_VERSION,
	.description = "post each alert as a Datadog event (Events API v1)",
	.options = dd_options,
	.init = dd_init,
	.destroy = dd_destroy,
	.deliver = dd_deliver,
};
