/*
 * sns_message.c - the SNS Message for an alert, as JSON or as text, within
 * a byte limit: the alert's own fields are capped so they always fit, and
 * the flattened event is cut at a character boundary when it does not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sns.h"

/* The record members at the top of a JSON message, in this order. */
static const struct {
	enum oc_field	 field;
	const char	*name;
} top_fields[] = {
	{ OC_EVENT_ID, "eventID" },
	{ OC_EVENT_SOURCE, "eventSource" },
	{ OC_EVENT_NAME, "eventName" },
	{ OC_EVENT_TIME, "eventTime" },
	{ OC_REGION, "awsRegion" },
	{ OC_ACCOUNT, "account" },	/* else the caller's account */
};

/*
 * Caps on the alert's own fields, so that they take at most about 80 KB
 * and the limit always leaves room for them: only the event is ever cut
 * for size.
 */
#define FIELD_CAP	8192	/* summary, description, runbook (bytes) */
#define VALUE_CAP	1024	/* a tag, a record member at the top */
#define TAGS_CAP	32	/* tags listed */
#define TAIL_RESERVE	128	/* what follows the event, at most */

#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, marks a cut string */

/* State of one message being written: the event must end by limit;
 * first until an entry of the event is written. */
struct writer {
	const struct ce_host	*host;
	const struct oc_fields	*fields;
	struct sns_buf		*b;
	enum sns_format		 format;
	size_t			 limit;
	int			 first;
	int			 truncated;
};

/*
 * s[0..n) escaped in at most cap bytes, quoted in JSON; a cut one ends
 * with an ellipsis.
 */
static void
put_capped(struct writer *w, const char *s, size_t n, size_t cap)
{
	enum sns_escape_mode mode = w->format == SNS_FORMAT_JSON ?
	    SNS_ESC_JSON : SNS_ESC_TEXT;

	if (mode == SNS_ESC_JSON)
		sns_buf_puts(w->b, "\"");
	if (sns_escape(w->b, s, n, cap, mode) < n)
		sns_buf_puts(w->b, ELLIPSIS);
	if (mode == SNS_ESC_JSON)
		sns_buf_puts(w->b, "\"");
}

static void
put_cstring(struct writer *w, const char *s, size_t cap)
{
	put_capped(w, s, strlen(s), cap);
}

/* A value of the event: JSON as it is; in text, a string without quotes. */
static void
put_value(struct writer *w, const struct ce_value *v, size_t cap)
{
	switch (v->type) {
	case CE_VALUE_STRING:
		put_capped(w, v->str, v->len, cap);
		break;
	case CE_VALUE_INTEGER:
	case CE_VALUE_DECIMAL:
		sns_buf_append(w->b, v->str, v->len);
		break;
	case CE_VALUE_BOOLEAN:
		sns_buf_puts(w->b, v->boolean ? "true" : "false");
		break;
	case CE_VALUE_EMPTY_OBJECT:
		sns_buf_puts(w->b, "{}");
		break;
	case CE_VALUE_EMPTY_ARRAY:
		sns_buf_puts(w->b, "[]");
		break;
	default:
		sns_buf_puts(w->b, "null");
		break;
	}
}

/* ,"name": in JSON; "Name: " on a new line in text. */
static void
put_key(struct writer *w, const char *json_name, const char *text_name)
{
	if (w->format == SNS_FORMAT_JSON) {
		sns_buf_puts(w->b, ",\"");
		sns_buf_puts(w->b, json_name);
		sns_buf_puts(w->b, "\":");
	} else {
		sns_buf_puts(w->b, "\n");
		sns_buf_puts(w->b, text_name);
		sns_buf_puts(w->b, ": ");
	}
}

static void
put_optional(struct writer *w, const char *json_name, const char *text_name,
    const char *s)
{
	if (s == NULL && w->format == SNS_FORMAT_TEXT)
		return;
	put_key(w, json_name, text_name);
	if (s == NULL)
		sns_buf_puts(w->b, "null");
	else
		put_cstring(w, s, FIELD_CAP);
}

static void
put_tags(struct writer *w, const struct ce_alert *alert)
{
	size_t i;

	if (alert->ntags == 0 && w->format == SNS_FORMAT_TEXT)
		return;
	put_key(w, "tags", "Tags");
	if (w->format == SNS_FORMAT_JSON)
		sns_buf_puts(w->b, "[");
	for (i = 0; i < alert->ntags && i < TAGS_CAP; i++) {
		if (i > 0)
			sns_buf_puts(w->b, w->format == SNS_FORMAT_JSON ?
			    "," : ", ");
		put_cstring(w, alert->tags[i], VALUE_CAP);
	}
	if (i < alert->ntags && w->format == SNS_FORMAT_TEXT)
		sns_buf_puts(w->b, ", " ELLIPSIS);
	if (w->format == SNS_FORMAT_JSON)
		sns_buf_puts(w->b, "]");
}

static void
put_origin(struct writer *w, const ce_event *ev)
{
	const char *origin;
	uint64_t index = 0;
	char num[32];

	if ((origin = w->host->event_origin(ev, &index)) == NULL)
		return;
	snprintf(num, sizeof(num), "%" PRIu64, index);
	put_key(w, "origin", "Origin");
	put_cstring(w, origin, VALUE_CAP);
	if (w->format == SNS_FORMAT_JSON) {
		put_key(w, "index", NULL);
		sns_buf_puts(w->b, num);
	} else {
		sns_buf_puts(w->b, ", record ");
		sns_buf_puts(w->b, num);
	}
}

/* In JSON, the record members every consumer wants, at the top. */
static void
put_fields(struct writer *w, const ce_event *ev)
{
	const char *v;
	size_t i, len;

	if (w->format != SNS_FORMAT_JSON)
		return;
	for (i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]); i++) {
		put_key(w, top_fields[i].name, NULL);
		v = oc_fields_get(w->fields, ev, top_fields[i].field, &len);
		if (v != NULL)
			put_capped(w, v, len, VALUE_CAP);
		else
			sns_buf_puts(w->b, "null");
	}
}

/* Everything but the event. */
static void
put_head(struct writer *w, const struct ce_alert *alert)
{
	const char *summary = alert->summary != NULL ? alert->summary : "";

	if (w->format == SNS_FORMAT_JSON) {
		sns_buf_puts(w->b, "{\"rule\":");
		put_cstring(w, alert->rule, FIELD_CAP);
		put_key(w, "severity", NULL);
		put_cstring(w, alert->severity, VALUE_CAP);
		put_key(w, "summary", NULL);
		put_cstring(w, summary, FIELD_CAP);
	} else {
		put_cstring(w, summary, FIELD_CAP);
		sns_buf_puts(w->b, "\n");
		put_key(w, NULL, "Rule");
		put_cstring(w, alert->rule, FIELD_CAP);
		put_key(w, NULL, "Severity");
		put_cstring(w, alert->severity, VALUE_CAP);
	}
	put_optional(w, "description", "Description", alert->description);
	put_optional(w, "runbook", "Runbook", alert->runbook);
	put_tags(w, alert);
	put_key(w, "key", "Key");
	put_cstring(w, alert->key, VALUE_CAP);
	put_fields(w, alert->event);
	put_origin(w, alert->event);
	if (w->format == SNS_FORMAT_JSON)
		sns_buf_puts(w->b, ",\"event\":{");
	else
		sns_buf_puts(w->b, "\n\nEvent:");
}

/*
 * One entry of the flattened event, whole if it fits before w->limit;
 * else, for a string, as much of it as fits, and the walk stops.
 */
static int
put_entry(void *arg, const char *key, size_t keylen,
    const struct ce_value *v)
{
	struct writer *w = arg;
	size_t mark = w->b->len, value, quote;
	int json = w->format == SNS_FORMAT_JSON;

	if (json && !w->first)
		sns_buf_puts(w->b, ",");
	if (!json)
		sns_buf_puts(w->b, "\n");
	put_capped(w, key, keylen, (size_t)-1);
	sns_buf_puts(w->b, json ? ":" : " = ");
	if (w->b->oom)
		return 1;
	if (w->b->len <= w->limit) {
		value = w->b->len;
		put_value(w, v, (size_t)-1);
		if (w->b->len <= w->limit) {
			w->first = 0;
			return 0;
		}
		w->b->len = value;
		/* A string is cut to fit, quotes and ellipsis included. */
		quote = json ? 1 : 0;
		if (v->type == CE_VALUE_STRING &&
		    value + 2 * quote + strlen(ELLIPSIS) < w->limit) {
			put_capped(w, v->str, v->len, w->limit - value -
			    2 * quote - strlen(ELLIPSIS));
			w->first = 0;
			w->truncated = 1;
			return 1;
		}
	}
	w->b->len = mark;
	w->truncated = 1;
	return 1;
}

/* What follows the event; event_bytes is the whole event's size. */
static void
put_tail(struct writer *w, size_t event_bytes)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", event_bytes);
	if (w->format == SNS_FORMAT_JSON) {
		sns_buf_puts(w->b, "},\"truncated\":");
		sns_buf_puts(w->b, w->truncated ? "true" : "false");
		if (w->truncated) {
			sns_buf_puts(w->b, ",\"event_bytes\":");
			sns_buf_puts(w->b, num);
		}
		sns_buf_puts(w->b, "}");
	} else if (w->truncated) {
		sns_buf_puts(w->b, "\n[the event was cut to fit the SNS "
		    "message limit; as JSON it is ");
		sns_buf_puts(w->b, num);
		sns_buf_puts(w->b, " bytes]\n");
	} else {
		sns_buf_puts(w->b, "\n");
	}
}

int
sns_message(const struct oc_fields *f, const struct ce_alert *alert,
    enum sns_format format, size_t max, struct sns_buf *out,
    struct sns_message_info *info)
{
	const struct ce_host *host = f->host;
	struct writer w = {
		.host = host, .fields = f, .b = out, .format = format,
		.first = 1,
	};

	out->len = 0;
	out->oom = 0;
	put_head(&w, alert);
	if (out->len + TAIL_RESERVE > max) {
		/* Only a limit far below SNS's own can get here. */
		w.truncated = 1;
	} else {
		w.limit = max - TAIL_RESERVE;
		host->event_flat_foreach(alert->event, put_entry, &w);
	}
	info->truncated = w.truncated;
	info->event_bytes = 0;
	if (w.truncated)
		host->event_flat_json(alert->event, &info->event_bytes);
	put_tail(&w, info->event_bytes);
	return out->oom ? -ENOMEM : 0;
}
