/*
 * envelope.c - find the CloudTrail records (or the S3 objects holding
 * them) inside one parsed JSON value, through any nesting of EventBridge,
 * SQS, SNS and S3 notification envelopes.
 *
 * Decision table, tested in this order for each value (an object unless
 * said otherwise); "recurse" means the value found is put through the
 * table again, one level deeper (at most UW_MAX_DEPTH levels):
 *
 *  #  the value                                   what happens
 *  1  nested deeper than UW_MAX_DEPTH             skipped
 *  2  not an object                               skipped (what was found)
 *  3  eventSource "aws:s3"                        S3 notification record:
 *                                                 s3_object(bucket, key
 *                                                 form-URL-decoded,
 *                                                 awsRegion); nothing for
 *                                                 ObjectRemoved:* events
 *  4  eventSource "aws:sqs"                       SQS Lambda batch record:
 *                                                 parse body, recurse
 *  5  EventSource "aws:sns" + Sns.Message string  SNS->Lambda record: parse
 *                                                 Sns.Message, recurse
 *  6  eventSource "aws:..." (other)               skipped: a Lambda trigger
 *                                                 record that is not ours
 *  7  string eventSource and eventName, and one   a CloudTrail record:
 *     of eventVersion, userIdentity, eventTime,   record()
 *     awsRegion (the corpus heuristic)
 *  8  "detail-type" + "detail"                    EventBridge event: a
 *                                                 CloudTrail detail-type
 *                                                 ("... via CloudTrail")
 *                                                 with a detail that has
 *                                                 string eventSource and
 *                                                 eventName -> record(detail);
 *                                                 anything else skipped
 *  9  "Records" array                             each element recursed;
 *                                                 index = its 1-based position
 * 10  Type "Notification" + Message string        SNS envelope (SNS->SQS
 *                                                 without raw delivery):
 *                                                 parse Message, recurse
 * 11  Event "s3:TestEvent"                        nothing (not an error)
 * 12  s3Bucket string + s3ObjectKey array         CloudTrail's notification:
 *                                                 s3_object() per key, keys
 *                                                 used as they are
 * 13  digestStartTime, or logFiles with           a CloudTrail digest file:
 *     digestEndTime                               nothing
 * 14  anything else                               skipped: "expected a
 *                                                 CloudTrail record, ..."
 *
 * S3 keys with a path segment "CloudTrail-Digest" or "CloudTrail-Insight"
 * (rules 3 and 12) yield nothing: they hold no CloudTrail records.
 *
 * reader.c streams a document whose first member is "Records" itself and
 * hands each element here on its own, as rule 9 would.
 *
 * Every record handed on is detached from its envelope first, so the
 * callee holds the only reference and may keep it on another thread.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "cloudengine/plugin.h"
#include "document.h"

#define UW_MAX_DEPTH	8	/* envelopes; real input nests 3 (S3 in SNS in SQS) */
#define UW_MSG		512

static const char expected_msg[] = "expected a CloudTrail record, an "
    "EventBridge event, a CloudTrail log file, an SNS or SQS envelope or an "
    "S3 notification";

struct unwrap {
	const char			*origin;
	const struct ce_doc_limits	*limits;
	const struct ce_doc_ops		*ops;
	void				*arg;
	char				*err;
	size_t				 errlen;
	int				 err_set;
	char				 path[256];	/* where we are, for messages */
	size_t				 pathlen;
};

static int classify(struct unwrap *u, json_object *v, uint64_t index,
    unsigned depth);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static int CE_PRINTF(3, 4)
skip(struct unwrap *u, uint64_t index, const char *fmt, ...)
{
	char msg[UW_MSG];
	size_t n = 0;
	va_list ap;

	if (u->ops->skipped == NULL)
		return 0;
	if (u->pathlen > 0)
		n = (size_t)snprintf(msg, sizeof(msg), "%s: ", u->path);
	if (n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	return u->ops->skipped(u->arg, u->origin, index, msg);
}

static int
out_of_memory(struct unwrap *u)
{
	snprintf(u->err, u->errlen, "%s: out of memory", u->origin);
	u->err_set = 1;
	return -ENOMEM;
}

/* Append a segment to the path; returns the length to restore. */
static size_t CE_PRINTF(2, 3)
path_push(struct unwrap *u, const char *fmt, ...)
{
	size_t old = u->pathlen, room = sizeof(u->path) - old;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(u->path + old, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		u->path[old] = '\0';	/* too deep to name: keep the prefix */
	else
		u->pathlen += (size_t)n;
	return old;
}

static void
path_pop(struct unwrap *u, size_t old)
{
	u->pathlen = old;
	u->path[old] = '\0';
}

static json_object *
member(json_object *o, const char *key, enum json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *
str_member(json_object *o, const char *key)
{
	json_object *v = member(o, key, json_type_string);

	return v != NULL ? json_object_get_string(v) : NULL;
}

static int
has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static const char *
type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	}
	return "something else";
}

/* Hand a record to the callee, who takes over our reference. */
static int
emit_record(struct unwrap *u, json_object *rec, uint64_t index)
{
	if (u->ops->record == NULL) {
		json_object_put(rec);
		return 0;
	}
	return u->ops->record(u->arg, rec, u->origin, index);
}

/* Take key's value out of o, keeping a reference: the caller owns it. */
static json_object *
detach(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	json_object_get(v);
	json_object_object_del(o, key);
	return v;
}

/*
 * Parse a string that holds JSON (an SQS body, an SNS Message).  Returns
 * 0 with *out set (possibly NULL for a JSON null), 1 when it is not JSON
 * (why says where and what was expected), or -ENOMEM.
 */
static int
parse_embedded(struct unwrap *u, json_object *str, json_object **out,
    char *why, size_t whylen)
{
	const char *s = json_object_get_string(str);
	size_t len = (size_t)json_object_get_string_len(str), end, i;
	uint64_t line = 1, col = 1;
	enum json_tokener_error jerr;
	json_tokener *tok;

	*out = NULL;
	if (len > u->limits->max_record_bytes) {
		snprintf(why, whylen, "%zu bytes, over the limit of %zu bytes "
		    "(max_record_bytes)", len, u->limits->max_record_bytes);
		return 1;
	}
	if (strspn(s, " \t\r\n") == len) {
		snprintf(why, whylen, "empty");
		return 1;
	}
	if (strlen(s) != len) {
		snprintf(why, whylen, "contains a NUL character");
		return 1;
	}
	if ((tok = json_tokener_new_ex((int)u->limits->max_depth)) == NULL)
		return -ENOMEM;
	/* Raw bytes that are not UTF-8 are kept, as in reader.c. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	*out = json_tokener_parse_ex(tok, s, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_success) {
		while (end < len && strchr(" \t\r\n", s[end]) != NULL)
			end++;
		if (end == len)
			return 0;
		json_object_put(*out);
		*out = NULL;
	}
	for (i = 0; i < end && i < len; i++) {
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	snprintf(why, whylen, "line %" PRIu64 ", column %" PRIu64 ": %s", line,
	    col, jerr == json_tokener_success ? "unexpected data after the JSON "
	    "value" : json_tokener_error_desc(jerr));
	return 1;
}

/* Parse member key of o (a string holding JSON) and recurse into it. */
static int
unwrap_embedded(struct unwrap *u, json_object *o, json_object *str,
    const char *what, uint64_t index, unsigned depth)
{
	char why[UW_MSG / 2];
	json_object *inner;
	int rc;

	rc = parse_embedded(u, str, &inner, why, sizeof(why));
	json_object_put(o);
	if (rc < 0)
		return out_of_memory(u);
	if (rc > 0)
		return skip(u, index, "%s is not JSON: %s", what, why);
	return classify(u, inner, index, depth + 1);
}

/* ------------------------------------------------------------------ */
/* S3 objects                                                          */
/* ------------------------------------------------------------------ */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Form-URL-decode an S3 notification key ('+' is a space, %XX a byte).
 * A '%' not followed by two hex digits is kept as it is.  Returns 0, 1
 * when the key decodes to a NUL, or -ENOMEM.
 */
static int
form_decode(const char *in, char **out)
{
	char *o;
	size_t i, n = 0;
	int hi, lo;

	if ((*out = o = malloc(strlen(in) + 1)) == NULL)
		return -ENOMEM;
	for (i = 0; in[i] != '\0'; i++) {
		if (in[i] == '+')
			o[n++] = ' ';
		else if (in[i] == '%' && (hi = hexval(in[i + 1])) >= 0 &&
		    (lo = hexval(in[i + 2])) >= 0) {
			if (hi == 0 && lo == 0) {
				free(o);
				*out = NULL;
				return 1;
			}
			o[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			o[n++] = in[i];
	}
	o[n] = '\0';
	return 0;
}

/* Digest and Insight files sit beside the logs and hold no records. */
static int
key_is_not_logs(const char *key)
{
	const char *seg = key, *slash;
	size_t len;

	for (;;) {
		slash = strchr(seg, '/');
		len = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
		if ((len == 17 && memcmp(seg, "CloudTrail-Digest", 17) == 0) ||
		    (len == 18 && memcmp(seg, "CloudTrail-Insight", 18) == 0))
			return 1;
		if (slash == NULL)
			return 0;
		seg = slash + 1;
	}
}

static int
emit_s3(struct unwrap *u, const char *bucket, const char *key,
    const char *region, uint64_t index)
{
	if (key_is_not_logs(key))
		return 0;
	if (u->ops->s3_object == NULL)
		return skip(u, index, "s3://%s/%s not read: this input does not "
		    "fetch S3 objects", bucket, key);
	return u->ops->s3_object(u->arg, bucket, key, region, u->origin, index);
}

/* Rule 3: one record of an S3 event notification. */
static int
s3_record(struct unwrap *u, json_object *v, uint64_t index)
{
	json_object *s3, *b, *o;
	const char *event, *bucket = NULL, *key = NULL;
	char *decoded = NULL;
	int rc = 0;

	event = str_member(v, "eventName");
	if (event != NULL && strncmp(event, "ObjectRemoved:", 14) == 0)
		goto out;	/* nothing left to read */
	if ((s3 = member(v, "s3", json_type_object)) != NULL) {
		if ((b = member(s3, "bucket", json_type_object)) != NULL)
			bucket = str_member(b, "name");
		if ((o = member(s3, "object", json_type_object)) != NULL)
			key = str_member(o, "key");
	}
	if (bucket == NULL || key == NULL || *bucket == '\0' || *key == '\0') {
		rc = skip(u, index, "S3 notification record without "
		    "s3.bucket.name and s3.object.key: expected both as strings");
		goto out;
	}
	rc = form_decode(key, &decoded);
	if (rc < 0) {
		rc = out_of_memory(u);
		goto out;
	}
	if (rc > 0) {
		rc = skip(u, index, "S3 notification key \"%s\" decodes to a NUL "
		    "byte", key);
		goto out;
	}
	rc = emit_s3(u, bucket, decoded, str_member(v, "awsRegion"), index);
out:
	free(decoded);
	json_object_put(v);
	return rc;
}

/* Rule 12: CloudTrail's "new log files" notification (keys not encoded). */
static int
cloudtrail_notification(struct unwrap *u, json_object *v, json_object *keys,
    uint64_t index)
{
	const char *bucket = str_member(v, "s3Bucket");
	size_t i, n = json_object_array_length(keys);
	json_object *k;
	int rc = 0;

	for (i = 0; i < n && rc >= 0; i++) {
		k = json_object_array_get_idx(keys, i);
		if (!json_object_is_type(k, json_type_string))
			rc = skip(u, index, "s3ObjectKey[%zu] is %s: expected a "
			    "string", i, type_name(k));
		else
			rc = emit_s3(u, bucket, json_object_get_string(k), NULL,
			    index);
	}
	json_object_put(v);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Records and envelopes                                               */
/* ------------------------------------------------------------------ */

/* Rule 7: the heuristic the corpus was built with. */
static int
is_cloudtrail_record(json_object *o, int need_more)
{
	const char *src = str_member(o, "eventSource");

	if (src == NULL || str_member(o, "eventName") == NULL ||
	    strncmp(src, "aws:", 4) == 0)
		return 0;
	return !need_more || has(o, "eventVersion") || has(o, "userIdentity") ||
	    has(o, "eventTime") || has(o, "awsRegion");
}

/* The five CloudTrail detail-types end so; AWS is not consistent about
 * the case of the words before ("Sign In" / "Signin"). */
static int
is_cloudtrail_detail_type(const char *s)
{
	size_t len = strlen(s);

	return len >= 14 && strcasecmp(s + len - 14, "via CloudTrail") == 0;
}

/* Rule 8. */
static int
eventbridge(struct unwrap *u, json_object *v, const char *dtype,
    uint64_t index)
{
	json_object *detail = member(v, "detail", json_type_object);
	const char *source = str_member(v, "source");
	int rc;

	if (detail == NULL)
		rc = skip(u, index, "EventBridge event \"%s\" without a detail "
		    "object", dtype);
	else if (!is_cloudtrail_detail_type(dtype))
		rc = skip(u, index, "EventBridge event \"%s\" from %s does not "
		    "carry a CloudTrail record: expected a detail-type ending in "
		    "\"via CloudTrail\"", dtype,
		    source != NULL ? source : "an unknown source");
	else if (!is_cloudtrail_record(detail, 0))
		rc = skip(u, index, "EventBridge event \"%s\": detail is not a "
		    "CloudTrail record (expected string eventSource and "
		    "eventName)", dtype);
	else {
		detail = detach(v, "detail");
		json_object_put(v);
		return emit_record(u, detail, index);
	}
	json_object_put(v);
	return rc;
}

/* Rule 9: a Records array already in memory. */
static int
records(struct unwrap *u, json_object *v, json_object *arr, unsigned depth)
{
	size_t i, n = json_object_array_length(arr), old;
	json_object *e;
	int rc = 0;

	for (i = 0; i < n && rc >= 0; i++) {
		e = json_object_array_get_idx(arr, i);
		/* Detach it: the array's slot becomes null. */
		json_object_get(e);
		json_object_array_put_idx(arr, i, NULL);
		old = path_push(u, "%sRecords[%zu]", u->pathlen > 0 ? "." : "",
		    i);
		rc = classify(u, e, i + 1, depth + 1);
		path_pop(u, old);
	}
	json_object_put(v);
	return rc;
}

/* Rules 4, 5 and 10: a string member that holds JSON. */
static int
embedded(struct unwrap *u, json_object *v, json_object *str, const char *name,
    const char *what, uint64_t index, unsigned depth)
{
	size_t old = path_push(u, "%s%s", u->pathlen > 0 ? "." : "", name);
	int rc;

	rc = unwrap_embedded(u, v, str, what, index, depth);
	path_pop(u, old);
	return rc;
}

/* Rule 14, saying what was found. */
static int
unknown(struct unwrap *u, json_object *v, uint64_t index)
{
	char keys[128] = "";
	size_t n = 0;
	int rc, more = 0;

	if (is_cloudtrail_record(v, 0)) {
		rc = skip(u, index, "%s (found eventSource and eventName but none "
		    "of eventVersion, userIdentity, eventTime, awsRegion)",
		    expected_msg);
		json_object_put(v);
		return rc;
	}
	json_object_object_foreach(v, k, val) {
		(void)val;
		if (n + strlen(k) + 8 >= sizeof(keys)) {
			more = 1;
			break;
		}
		n += (size_t)snprintf(keys + n, sizeof(keys) - n, "%s\"%s\"",
		    n > 0 ? ", " : "", k);
	}
	rc = skip(u, index, "%s (found an object with %s%s%s)", expected_msg,
	    n > 0 ? "keys " : "no keys", keys, more ? ", ..." : "");
	json_object_put(v);
	return rc;
}

static int
classify(struct unwrap *u, json_object *v, uint64_t index, unsigned depth)
{
	json_object *x, *sns;
	const char *src, *s;
	int rc;

	if (depth > UW_MAX_DEPTH) {						/* 1 */
		rc = skip(u, index, "envelopes nested more than %d deep",
		    UW_MAX_DEPTH);
		json_object_put(v);
		return rc;
	}
	if (!json_object_is_type(v, json_type_object)) {			/* 2 */
		rc = skip(u, index, "%s (found %s)", expected_msg, type_name(v));
		json_object_put(v);
		return rc;
	}
	src = str_member(v, "eventSource");
	if (src != NULL && strcmp(src, "aws:s3") == 0)				/* 3 */
		return s3_record(u, v, index);
	if (src != NULL && strcmp(src, "aws:sqs") == 0) {			/* 4 */
		if ((x = member(v, "body", json_type_string)) != NULL)
			return embedded(u, v, x, "body", "SQS message body",
			    index, depth);
		rc = skip(u, index, "SQS record without a string body");
		json_object_put(v);
		return rc;
	}
	if ((s = str_member(v, "EventSource")) != NULL &&			/* 5 */
	    strcmp(s, "aws:sns") == 0) {
		if ((sns = member(v, "Sns", json_type_object)) != NULL &&
		    (x = member(sns, "Message", json_type_string)) != NULL)
			return embedded(u, v, x, "Sns.Message", "SNS Message",
			    index, depth);
		rc = skip(u, index, "SNS record without a string Sns.Message");
		json_object_put(v);
		return rc;
	}
	if (src != NULL && strncmp(src, "aws:", 4) == 0) {			/* 6 */
		rc = skip(u, index, "%s (found a Lambda trigger record from %s)",
		    expected_msg, src);
		json_object_put(v);
		return rc;
	}
	if (is_cloudtrail_record(v, 1))						/* 7 */
		return emit_record(u, v, index);
	if ((s = str_member(v, "detail-type")) != NULL)				/* 8 */
		return eventbridge(u, v, s, index);
	if ((x = member(v, "Records", json_type_array)) != NULL)		/* 9 */
		return records(u, v, x, depth);
	if ((s = str_member(v, "Type")) != NULL &&				/* 10 */
	    strcmp(s, "Notification") == 0 &&
	    (x = member(v, "Message", json_type_string)) != NULL)
		return embedded(u, v, x, "Message", "SNS Message", index, depth);
	if ((s = str_member(v, "Event")) != NULL &&				/* 11 */
	    strcmp(s, "s3:TestEvent") == 0) {
		json_object_put(v);
		return 0;
	}
	if (str_member(v, "s3Bucket") != NULL &&				/* 12 */
	    (x = member(v, "s3ObjectKey", json_type_array)) != NULL)
		return cloudtrail_notification(u, v, x, index);
	if (has(v, "digestStartTime") ||					/* 13 */
	    (has(v, "logFiles") && has(v, "digestEndTime"))) {
		json_object_put(v);
		return 0;
	}
	return unknown(u, v, index);						/* 14 */
}

int
ce_doc_unwrap(struct json_object *doc, const char *origin, uint64_t index,
    const struct ce_doc_limits *limits, const struct ce_doc_ops *ops,
    void *arg, char *err, size_t errlen)
{
	struct ce_doc_limits lim;
	struct unwrap u;
	char noerr[1];
	int rc;

	if (err == NULL || errlen == 0) {
		err = noerr;
		errlen = sizeof(noerr);
	}
	if (origin == NULL)
		origin = "(document)";
	if (ops == NULL) {
		json_object_put(doc);
		snprintf(err, errlen, "%s: no callbacks", origin);
		return -EINVAL;
	}
	ce_doc_limits_normalise(&lim, limits);
	memset(&u, 0, sizeof(u));
	u.origin = origin;
	u.limits = &lim;
	u.ops = ops;
	u.arg = arg;
	u.err = err;
	u.errlen = errlen;
	rc = classify(&u, doc, index, 0);
	/* A callback stopped us: it knows why, we say where. */
	if (rc < 0 && !u.err_set)
		snprintf(err, errlen, "%s: stopped at %" PRIu64 ": %s", origin,
		    index, strerror(-rc));
	return rc;
}
