/*
 * sns_query.c - the AWS query protocol as SNS Publish speaks it: the
 * form-urlencoded request, the XML answer, and what its error codes mean
 * for a retry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sns.h"

#define ATTR_TYPE	"String"
#define REDACTED	"[redacted]"

static void
param(struct sns_buf *b, const char *name, const char *value, size_t len)
{
	if (b->len > 0)
		sns_buf_puts(b, "&");
	sns_buf_puts(b, name);
	sns_buf_puts(b, "=");
	sns_form_encode(b, value, len);
}

static void
cparam(struct sns_buf *b, const char *name, const char *value)
{
	if (value != NULL)
		param(b, name, value, strlen(value));
}

/* The attributes that are sent: a name and a non-empty value. */
static int
attr_sent(const struct sns_publish *p, size_t i)
{
	return p->attr_names[i] != NULL && p->attr_values[i] != NULL &&
	    p->attr_values[i][0] != '\0';
}

/* SNS counts each attribute's name, type and value against the limit. */
size_t
sns_attributes_size(const struct sns_publish *p)
{
	size_t i, n = 0;

	for (i = 0; i < 3; i++)
		if (attr_sent(p, i))
			n += strlen(p->attr_names[i]) + strlen(ATTR_TYPE) +
			    strlen(p->attr_values[i]);
	return n;
}

int
sns_publish_body(const struct sns_publish *p, struct sns_buf *out)
{
	char name[64];
	size_t i, n = 0;

	out->len = 0;
	out->oom = 0;
	cparam(out, "Action", "Publish");
	cparam(out, "Version", "2010-03-31");
	cparam(out, "TopicArn", p->topic_arn);
	param(out, "Message", p->message, p->message_len);
	cparam(out, "Subject", p->subject);
	cparam(out, "MessageGroupId", p->group_id);
	cparam(out, "MessageDeduplicationId", p->dedup_id);
	for (i = 0; i < 3; i++) {
		if (!attr_sent(p, i))
			continue;
		n++;
		snprintf(name, sizeof(name), "MessageAttributes.entry.%zu.Name",
		    n);
		cparam(out, name, p->attr_names[i]);
		snprintf(name, sizeof(name),
		    "MessageAttributes.entry.%zu.Value.DataType", n);
		cparam(out, name, ATTR_TYPE);
		snprintf(name, sizeof(name),
		    "MessageAttributes.entry.%zu.Value.StringValue", n);
		cparam(out, name, p->attr_values[i]);
	}
	return out->oom ? -ENOMEM : 0;
}

/* First occurrence of needle in hay[0..n), or NULL. */
static const char *
find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/* The raw content of the first <tag>...</tag> in xml[0..n), or NULL. */
static const char *
element(const char *xml, size_t n, const char *tag, size_t *len)
{
	char open[48], close[48];
	const char *start, *end;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((start = find(xml, n, open)) == NULL)
		return NULL;
	start += strlen(open);
	if ((end = find(start, n - (size_t)(start - xml), close)) == NULL)
		return NULL;
	*len = (size_t)(end - start);
	return start;
}

/* The character a predefined entity or character reference stands for
 * (ASCII only: others become '?'), and its length in *used. */
static char
entity(const char *s, size_t n, size_t *used)
{
	static const struct { const char *name; char c; } named[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	const char *semi;
	long code;
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (n >= strlen(named[i].name) &&
		    memcmp(s, named[i].name, strlen(named[i].name)) == 0) {
			*used = strlen(named[i].name);
			return named[i].c;
		}
	if (n > 3 && s[1] == '#' && (semi = memchr(s, ';', n < 12 ? n : 12))) {
		*used = (size_t)(semi - s) + 1;
		code = s[2] == 'x' ? strtol(s + 3, NULL, 16) :
		    strtol(s + 2, NULL, 10);
		return code > 0 && code < 0x80 ? (char)code : '?';
	}
	*used = 1;
	return '&';
}

/* XML text into a NUL-terminated malloc'd string, entities decoded. */
static char *
decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i = 0, o = 0, used;

	if (out == NULL)
		return NULL;
	while (i < n) {
		if (s[i] == '&') {
			out[o++] = entity(s + i, n - i, &used);
			i += used;
		} else {
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return out;
}

/* The first paragraph of text, as printable ASCII on one line, into
 * out[0..size). */
static void
printable(char *out, size_t size, const char *text)
{
	const char *end = strstr(text, "\n\n");
	size_t n = end != NULL ? (size_t)(end - text) : strlen(text), i, o = 0;

	for (i = 0; i < n && o + 1 < size; i++)
		out[o++] = ((unsigned char)text[i] >= 0x20 &&
		    (unsigned char)text[i] < 0x7f) ? text[i] : ' ';
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* Copy element tag of xml into out (size bytes), decoded and redacted. */
static void
field(const char *xml, size_t n, const char *tag, const char *const *secrets,
    size_t nsecrets, char *out, size_t size)
{
	const char *raw;
	size_t len;
	char *text;

	out[0] = '\0';
	if ((raw = element(xml, n, tag, &len)) == NULL)
		return;
	if ((text = decode(raw, len)) == NULL) {
		printable(out, size, "(out of memory)");
		return;
	}
	/* Redact before anything is cut, so no part of a secret survives. */
	sns_redact(text, secrets, nsecrets);
	printable(out, size, text);
	explicit_bzero(text, len);
	free(text);
}

/* The start of an answer that is not the XML expected (a proxy's page),
 * redacted, for the log. */
static void
excerpt(const char *body, size_t n, const char *const *secrets,
    size_t nsecrets, char *out, size_t size)
{
	char *text = malloc(n + 1);

	if (text == NULL) {
		printable(out, size, "(out of memory)");
		return;
	}
	memcpy(text, body, n);
	text[n] = '\0';
	sns_redact(text, secrets, nsecrets);
	printable(out, size, text);
	explicit_bzero(text, n);
	free(text);
}

void
sns_parse_answer(const char *xml, size_t len, const char *const *secrets,
    size_t nsecrets, struct sns_answer *a)
{
	const char *err;
	size_t errlen;

	*a = (struct sns_answer){ .message_id = "" };
	if (xml == NULL)
		return;
	field(xml, len, "MessageId", secrets, nsecrets, a->message_id,
	    sizeof(a->message_id));
	if ((err = element(xml, len, "Error", &errlen)) == NULL) {
		err = xml;
		errlen = len;
	}
	field(err, errlen, "Code", secrets, nsecrets, a->code,
	    sizeof(a->code));
	field(err, errlen, "Message", secrets, nsecrets, a->text,
	    sizeof(a->text));
	if (a->code[0] == '\0' && a->text[0] == '\0' && a->message_id[0] ==
	    '\0')
		excerpt(xml, len, secrets, nsecrets, a->text,
		    sizeof(a->text));
}

/* Codes from protocols.md §3-§4 and botocore's retry rules. */
static const char *const transient_codes[] = {
	"Throttled", "Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottled", "RequestThrottledException",
	"TooManyRequestsException", "RequestLimitExceeded", "SlowDown",
	"KMSThrottling", "KMSThrottlingException", "InternalError",
	"InternalFailure", "ServiceUnavailable", "RequestTimeout",
	"RequestTimeoutException", "PriorRequestNotComplete", NULL
};
static const char *const expired_codes[] = {
	"ExpiredToken", "ExpiredTokenException", "RequestExpired", NULL
};
static const char *const credential_codes[] = {
	"InvalidClientTokenId", "UnrecognizedClientException",
	"SignatureDoesNotMatch", "IncompleteSignature",
	"IncompleteSignatureException", "InvalidSignatureException",
	"MissingAuthenticationToken", "InvalidAccessKeyId", "InvalidToken",
	NULL
};

static int
listed(const char *const *list, const char *code)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, code) == 0)
			return 1;
	return 0;
}

enum sns_error_kind
sns_error_kind(const char *code)
{
	if (code == NULL || *code == '\0')
		return SNS_ERR_OTHER;
	if (listed(transient_codes, code))
		return SNS_ERR_TRANSIENT;
	if (listed(expired_codes, code))
		return SNS_ERR_EXPIRED;
	if (listed(credential_codes, code))
		return SNS_ERR_CREDENTIALS;
	return SNS_ERR_OTHER;
}

void
sns_redact(char *text, const char *const *secrets, size_t nsecrets)
{
	size_t i, k, m = strlen(REDACTED);
	char *p;

	for (i = 0; i < nsecrets; i++) {
		if (secrets[i] == NULL || (k = strlen(secrets[i])) == 0)
			continue;
		for (p = text; (p = strstr(p, secrets[i])) != NULL; ) {
			if (k < m) {	/* too short for the marker */
				memset(p, '*', k);
				p += k;
				continue;
			}
			memcpy(p, REDACTED, m);
			memmove(p + m, p + k, strlen(p + k) + 1);
			p += m;
		}
	}
}
