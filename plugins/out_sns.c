/*
 * out_sns.c - the `sns` output: publishes each alert to an Amazon SNS
 * topic with Publish (query protocol, SigV4 through libcurl) and tells the
 * core truthfully whether SNS took it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cloudengine/plugin.h"
#include "common/fields.h"
#include "common/http.h"
#include "sns.h"

#define SNS_VERSION	"1.0.0"
#define ATTR_MAX	256	/* bytes of a message attribute's value */

struct sns_conf {
	const char		*topic_arn;
	const char		*region;
	const char		*subject_prefix;
	const char		*message_group_id;
	int			 message_format;
	struct oc_http_conf	 http;
};

struct out_sns {
	ce_instance		*self;
	const struct ce_host	*host;
	struct sns_conf		 conf;
	int			 fifo;
	char			 region[64];
	char			 url[1024];	/* endpoint + "/" */
	char			 sigv4[128];	/* aws:amz:REGION:sns */
	struct oc_fields	 fields;
	struct oc_http		*http;
	/* Reused from one delivery to the next (one at a time). */
	struct sns_buf		 message;
	struct sns_buf		 body;
	struct sns_buf		 attr[3];	/* rule, severity, eventSource */
	ce_metric		*m_published;
	ce_metric		*m_truncated;
};

static const char *const format_choices[] = { "json", "text", NULL };

#define C(m)	offsetof(struct sns_conf, m)
static const struct ce_option out_sns_options[] = {
	{ CE_OPTION_HEADER, .name = "topic_arn", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED, .offset = C(topic_arn),
	  .help = "ARN of the topic; a name ending in .fifo makes it FIFO" },
	{ CE_OPTION_HEADER, .name = "region", .type = CE_OPT_STRING,
	  .offset = C(region),
	  .help = "region to sign for (default: the topic ARN's, else "
	  "AWS_REGION)" },
	{ CE_OPTION_HEADER, .name = "subject_prefix", .type = CE_OPT_STRING,
	  .def = "cloudengine", .offset = C(subject_prefix),
	  .help = "Subject is \"PREFIX [severity] rule\", cut to 99 "
	  "characters" },
	{ CE_OPTION_HEADER, .name = "message_group_id", .type = CE_OPT_STRING,
	  .offset = C(message_group_id),
	  .help = "MessageGroupId for every alert (default on FIFO topics: "
	  "derived from the rule name)" },
	{ CE_OPTION_HEADER, .name = "message_format", .type = CE_OPT_ENUM,
	  .def = "json", .offset = C(message_format),
	  .choices = format_choices,
	  .help = "Message as one JSON object, or as human-readable text" },
	OC_HTTP_OPTIONS(struct sns_conf, http, "endpoint URL (default: "
	    "AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL, else "
	    "https://sns.REGION.amazonaws.com)"),
	CE_OPTIONS_END
};
#undef C

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/*
 * Check "arn:PARTITION:sns:REGION:ACCOUNT:NAME" and copy its region (may
 * be empty) into region.
 */
static int
parse_arn(struct out_sns *s, char *region, size_t len)
{
	const char *arn = s->conf.topic_arn, *f[6], *p;
	size_t n = 0, rlen;

	for (p = arn, f[n++] = arn; *p != '\0' && n < 6; p++)
		if (*p == ':')
			f[n++] = p + 1;
	if (n < 6 || strncmp(arn, "arn:", 4) != 0 ||
	    strncmp(f[2], "sns:", 4) != 0 || *f[5] == '\0' ||
	    strchr(f[5], ':') != NULL) {
		CE_ERROR(s->host, s->self, "topic_arn '%.256s' is not an SNS "
		    "topic ARN: expected arn:aws:sns:REGION:ACCOUNT:NAME", arn);
		return -EINVAL;
	}
	rlen = (size_t)(f[4] - f[3]) - 1;
	if (rlen >= len)
		rlen = 0;
	memcpy(region, f[3], rlen);
	region[rlen] = '\0';
	s->fifo = strlen(f[5]) > 5 &&
	    strcmp(f[5] + strlen(f[5]) - 5, ".fifo") == 0;
	return 0;
}

/* Region: the option, else the topic's, else the host's. */
static int
resolve_region(struct out_sns *s)
{
	char arn_region[64];
	const char *r;
	size_t i;
	int rc;

	if ((rc = parse_arn(s, arn_region, sizeof(arn_region))) < 0)
		return rc;
	r = s->conf.region != NULL && *s->conf.region != '\0' ?
	    s->conf.region : arn_region;
	if (*r == '\0') {
		if ((rc = s->host->aws_region(s->self, s->region,
		    sizeof(s->region))) < 0)
			return rc;
		r = s->region;
	}
	for (i = 0; r[i] != '\0'; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') ||
		    (r[i] >= '0' && r[i] <= '9') || r[i] == '-') ||
		    i >= sizeof(s->region) - 1) {
			CE_ERROR(s->host, s->self, "region '%.64s' is not a "
			    "region name: expected [a-z0-9-]+", r);
			return -EINVAL;
		}
	if (r != s->region)
		memcpy(s->region, r, i + 1);
	return 0;
}

static int
resolve_endpoint(struct out_sns *s)
{
	char ep[sizeof(s->url) - 1];
	int rc;

	rc = s->host->aws_endpoint(s->self, "sns", s->conf.http.endpoint,
	    s->region, ep, sizeof(ep));
	if (rc < 0) {
		CE_ERROR(s->host, s->self, "no usable SNS endpoint (from the "
		    "endpoint option, AWS_ENDPOINT_URL_SNS or "
		    "AWS_ENDPOINT_URL)");
		return rc;
	}
	snprintf(s->url, sizeof(s->url), "%s/", ep);
	snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:sns", s->region);
	return oc_http_check_url(s->http, s->url);
}

static int
check_group_id(struct out_sns *s)
{
	const char *g = s->conf.message_group_id;

	if (g == NULL || sns_group_id_valid(g))
		return 0;
	CE_ERROR(s->host, s->self, "message_group_id must be 1 to %d "
	    "printable ASCII characters other than space", SNS_GROUP_ID_MAX);
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Signing and sending                                                 */
/* ------------------------------------------------------------------ */

/* What stays the same for every call: SigV4 with the region and service
 * given, as curl would take them from the host name (for 127.0.0.1,
 * service "127"). */
static int
sign_setup(struct out_sns *s)
{
	if (curl_easy_setopt(oc_http_curl(s->http), CURLOPT_AWS_SIGV4,
	    s->sigv4) != CURLE_OK) {
		CE_ERROR(s->host, s->self, "this libcurl cannot sign requests "
		    "(SigV4 needs 7.75.0 or later)");
		return -EINVAL;
	}
	return 0;
}

#define TOKEN_HEADER	"X-Amz-Security-Token: "

/*
 * POST s->body signed with c.  The payload is hashed from POSTFIELDS
 * only (oc_http_post sets nothing else); no header is blank, as curl 7.88
 * signs a blanked one ("Expect:") it does not send; the token header
 * only when there is a token.
 */
static int
post(struct out_sns *s, const struct ce_aws_credentials *c,
    int64_t deadline_ms, struct oc_http_response *r)
{
	const char *headers[3] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8"
	};
	CURL *h = oc_http_curl(s->http);
	char *token = NULL;
	size_t n = 0;

	if (c->session_token[0] != '\0') {
		n = sizeof(TOKEN_HEADER) + strlen(c->session_token);
		if ((token = malloc(n)) == NULL)
			return -ENOMEM;
		snprintf(token, n, "%s%s", TOKEN_HEADER, c->session_token);
		headers[1] = token;
	}
	curl_easy_setopt(h, CURLOPT_USERNAME, c->access_key_id);
	curl_easy_setopt(h, CURLOPT_PASSWORD, c->secret_access_key);
	/* -EIO (no answer) is in r, like any answer. */
	(void)oc_http_post(s->http, s->url, headers, s->body.data,
	    s->body.len, deadline_ms, r);
	/* The secret does not stay in the handle between calls. */
	curl_easy_setopt(h, CURLOPT_PASSWORD, "");
	if (token != NULL) {
		explicit_bzero(token, n);
		free(token);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Outcomes                                                            */
/* ------------------------------------------------------------------ */

/* Non-zero when the chain now hands out other credentials than c. */
static int
credentials_changed(struct out_sns *s, const struct ce_aws_credentials *c)
{
	struct ce_aws_credentials now = { .size = sizeof(now) };
	int changed;

	if (s->host->aws_credentials(s->self, &now) < 0)
		return 0;
	changed = strcmp(now.access_key_id, c->access_key_id) != 0 ||
	    strcmp(now.secret_access_key, c->secret_access_key) != 0 ||
	    strcmp(now.session_token, c->session_token) != 0;
	explicit_bzero(&now, sizeof(now));
	return changed;
}

/*
 * What an SNS error code means for this alert, overriding the HTTP
 * status (SNS throttles with 400 Throttling too).  Throttling and service
 * trouble are retried; so are expired temporary credentials (the core
 * refreshes them before they run out) and any credential error once the
 * chain hands out other credentials than the refused ones.  A bad key or
 * signature with unchanged credentials is final, like any other 4xx.
 */
static enum ce_delivery_status
judge(struct out_sns *s, const struct ce_aws_credentials *c,
    const char *code, enum ce_delivery_status by_status, const char **note)
{
	*note = "";
	switch (sns_error_kind(code)) {
	case SNS_ERR_TRANSIENT:
		return CE_DELIVERY_RETRY;
	case SNS_ERR_EXPIRED:
		if (c->expires_ms != 0 || credentials_changed(s, c))
			return CE_DELIVERY_RETRY;
		*note = " (static credentials: not retried)";
		return CE_DELIVERY_FAIL;
	case SNS_ERR_CREDENTIALS:
		if (credentials_changed(s, c))
			return CE_DELIVERY_RETRY;
		*note = " (credentials unchanged: not retried)";
		return CE_DELIVERY_FAIL;
	default:
		return by_status;
	}
}

/*
 * What the response means for the delivery: the common policy for the
 * transport and for answers that are not SNS's XML; the SNS error code
 * and message when there is one.  A 2xx answer without a MessageId did
 * not come from SNS (a wrong endpoint, a portal): the alert did not go
 * out.  Secrets are redacted from the reason, whatever the server echoed.
 */
static void
outcome(struct out_sns *s, const struct ce_aws_credentials *c,
    const struct oc_http_response *r, struct oc_outcome *o)
{
	const char *const secrets[] = { c->secret_access_key,
	    c->session_token };
	struct sns_answer a;
	const char *note;

	oc_http_outcome(s->http, r, o);
	if (r->curl_code != 0) {
		snprintf(o->reason, sizeof(o->reason), "SNS Publish to %.256s: "
		    "no answer: %s", s->url, r->error);
	} else {
		sns_parse_answer(r->body, r->body_len, secrets, 2, &a);
		if (o->status == CE_DELIVERY_OK && a.message_id[0] != '\0') {
			CE_DEBUG(s->host, s->self, "published as MessageId %s",
			    a.message_id);
		} else if (o->status == CE_DELIVERY_OK) {
			o->status = CE_DELIVERY_FAIL;
			snprintf(o->reason, sizeof(o->reason), "HTTP %ld "
			    "without a MessageId: not an answer from SNS "
			    "(check the endpoint)%s%s", r->status,
			    a.text[0] != '\0' ? ": " : "", a.text);
		} else if (a.code[0] != '\0') {
			o->status = judge(s, c, a.code, o->status, &note);
			snprintf(o->reason, sizeof(o->reason), "SNS Publish "
			    "answered HTTP %ld %s%s%s%s", r->status, a.code,
			    a.text[0] != '\0' ? ": " : "", a.text, note);
		}
	}
	sns_redact(o->reason, secrets, 2);
	o->retry_after_ms = o->status == CE_DELIVERY_RETRY &&
	    r->retry_after_ms > 0 ? r->retry_after_ms : 0;
}

/*
 * An attribute value as text SNS and SQS accept, at most ATTR_MAX bytes
 * (so that the message keeps nearly all of its limit); NULL when empty.
 */
static const char *
attribute(struct sns_buf *b, const char *value, size_t len)
{
	b->len = 0;
	b->oom = 0;
	if (value != NULL)
		sns_clean(b, value, len, ATTR_MAX);
	return b->len > 0 && !b->oom ? b->data : NULL;
}

/* The Publish parameters of an alert into s->body. */
static int
build(struct out_sns *s, const struct ce_alert *alert)
{
	char subject[SNS_SUBJECT_MAX + 1], group[SNS_GROUP_ID_MAX + 1];
	struct sns_message_info info;
	const char *source;
	size_t len = 0, i;
	struct sns_publish p = {
		.topic_arn = s->conf.topic_arn,
		.subject = subject,
		.attr_names = { "rule", "severity", "eventSource" },
	};
	size_t max;
	int rc;

	sns_subject(subject, s->conf.subject_prefix, alert->severity,
	    alert->rule);
	source = oc_fields_get(&s->fields, alert->event, OC_EVENT_SOURCE, &len);
	p.attr_values[0] = attribute(&s->attr[0], alert->rule,
	    strlen(alert->rule));
	p.attr_values[1] = attribute(&s->attr[1], alert->severity,
	    strlen(alert->severity));
	p.attr_values[2] = attribute(&s->attr[2], source, len);
	for (i = 0; i < 3; i++)
		if (s->attr[i].oom)
			return -ENOMEM;
	if (s->conf.message_group_id != NULL)
		p.group_id = s->conf.message_group_id;
	else if (s->fifo) {
		sns_group_id(group, alert->rule);
		p.group_id = group;
	}
	if (s->fifo)
		p.dedup_id = alert->key;
	max = SNS_MESSAGE_MAX - sns_attributes_size(&p);
	rc = sns_message(&s->fields, alert,
	    (enum sns_format)s->conf.message_format, max, &s->message, &info);
	if (rc < 0)
		return rc;
	if (info.truncated) {
		CE_WARNING(s->host, s->self, "alert '%s': the event (%zu bytes "
		    "as JSON) was cut to fit SNS's %d-byte message limit",
		    alert->rule, info.event_bytes, SNS_MESSAGE_MAX);
		if (s->m_truncated != NULL)
			s->host->metric_add(s->m_truncated, 1);
	}
	p.message = s->message.data;
	p.message_len = s->message.len;
	return sns_publish_body(&p, &s->body);
}

/*
 * complete() comes last: once it has settled the delivery the engine may
 * be shutting down, so nothing of this plugin runs after it.
 */
static void
out_sns_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	struct out_sns *s = state;
	struct ce_aws_credentials c = { .size = sizeof(c) };
	struct oc_http_response r;
	struct oc_outcome o = { .status = CE_DELIVERY_RETRY };

	if (build(s, alert) < 0)
		snprintf(o.reason, sizeof(o.reason), "out of memory");
	else if (s->host->aws_credentials(s->self, &c) < 0)
		snprintf(o.reason, sizeof(o.reason), "no AWS credentials (the "
		    "log says why)");
	else if (post(s, &c, alert->deadline_ms, &r) < 0)
		snprintf(o.reason, sizeof(o.reason), "out of memory");
	else
		outcome(s, &c, &r, &o);
	explicit_bzero(&c, sizeof(c));
	if (o.status == CE_DELIVERY_OK && s->m_published != NULL)
		s->host->metric_add(s->m_published, 1);
	s->host->complete(d, o.status, o.retry_after_ms,
	    o.reason[0] != '\0' ? o.reason : NULL);
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */
/* ------------------------------------------------------------------ */

static void
out_sns_free(struct out_sns *s)
{
	oc_http_free(s->http);
	oc_fields_free(&s->fields);
	sns_buf_free(&s->message);
	sns_buf_free(&s->body);
	sns_buf_free(&s->attr[0]);
	sns_buf_free(&s->attr[1]);
	sns_buf_free(&s->attr[2]);
	free(s);
}

static int
out_sns_init(ce_instance *self, const struct ce_host *host, void **state)
{
	struct out_sns *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		CE_ERROR(host, self, "out of memory");
		return -ENOMEM;
	}
	s->self = self;
	s->host = host;
	if ((rc = host->conf_apply(self, &s->conf)) < 0 ||
	    (rc = resolve_region(s)) < 0 ||
	    (rc = check_group_id(s)) < 0 ||
	    (rc = oc_http_output_open(self, host, &s->conf.http,
	    "cloudengine-sns/" SNS_VERSION, NULL, &s->fields, &s->http)) < 0 ||
	    (rc = resolve_endpoint(s)) < 0 ||
	    (rc = sign_setup(s)) < 0)
		goto fail;
	s->m_published = host->metric_new(self, "published",
	    "alerts SNS accepted");
	s->m_truncated = host->metric_new(self, "truncated",
	    "alerts whose event was cut to fit the message limit");
	CE_INFO(host, self, "publishing to %s (%s topic) through %s",
	    s->conf.topic_arn, s->fifo ? "FIFO" : "standard", s->url);
	*state = s;
	return 0;
fail:
	out_sns_free(s);
	return rc;
}

static void
out_sns_destroy(void *state)
{
	out_sns_free(state);
}

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "sns",
	.version = SNS_VERSION,
	.description = "publish each alert to an Amazon SNS topic",
	.options = out_sns_options,
	.init = out_sns_init,
	.destroy = out_sns_destroy,
	.deliver = out_sns_deliver,
};
