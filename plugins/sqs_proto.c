/*
 * sqs_proto.c - the SQS JSON 1.0 protocol as the `sqs` input speaks it:
 * queue URLs, request bodies, answers, error codes, and the backoff
 * between attempts.  No I/O here, so every rule is unit-tested.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sqs.h"

static void errf(char *err, size_t errlen, const char *fmt, ...)
    CE_PRINTF(3, 4);

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Queue URLs                                                          */
/* ------------------------------------------------------------------ */

static int
region_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63 || memchr(s, '-', n) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int
name_ok(const char *s, size_t n)
{
	size_t i, base = n;

	if (n > 5 && memcmp(s + n - 5, ".fifo", 5) == 0)
		base = n - 5;
	if (base == 0 || n > SQS_NAME_MAX)
		return 0;
	for (i = 0; i < base; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* The region a queue URL's host names, or "" (host is host[0..n)). */
static void
host_region(const char *host, size_t n, char *region, size_t regionlen)
{
	static const char legacy[] = ".queue.amazonaws.com";
	size_t ll = sizeof(legacy) - 1;
	const char *r = NULL, *dot;
	size_t rl = 0;

	if (n > 4 && memcmp(host, "sqs.", 4) == 0 &&
	    (dot = memchr(host + 4, '.', n - 4)) != NULL) {
		r = host + 4;
		rl = (size_t)(dot - r);
	} else if (n > ll && memcmp(host + n - ll, legacy, ll) == 0 &&
	    memchr(host, '.', n - ll) == NULL) {
		r = host;
		rl = n - ll;
	} else if (n == ll - 1 && memcmp(host, legacy + 1, n) == 0) {
		r = "us-east-1";
		rl = 9;
	}
	if (r == NULL || !region_ok(r, rl) || rl >= regionlen)
		rl = 0;
	memcpy(region, r != NULL ? r : "", rl);
	region[rl] = '\0';
}

int
sqs_queue_parse(const char *url, char *name, size_t namelen, char *region,
    size_t regionlen, char *err, size_t errlen)
{
	const char *host, *path, *acct, *nm, *port;
	size_t hl;

	if (url == NULL || (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0))
		goto bad;
	host = strstr(url, "://") + 3;
	if ((path = strchr(host, '/')) == NULL || path == host)
		goto bad;
	acct = path + 1;
	if ((nm = strchr(acct, '/')) == NULL || nm == acct)
		goto bad;
	nm++;
	if (strchr(nm, '/') != NULL || strpbrk(url, "?# \t\r\n") != NULL ||
	    !name_ok(nm, strlen(nm)) || strlen(nm) >= namelen)
		goto bad;
	port = memchr(host, ':', (size_t)(path - host));
	hl = (size_t)((port != NULL ? port : path) - host);
	strcpy(name, nm);
	host_region(host, hl, region, regionlen);
	return 0;
bad:
	errf(err, errlen, "queue_url '%.300s' is not an SQS queue URL: "
	    "expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME "
	    "(NAME: up to 80 letters, digits, '-' or '_', with .fifo for a "
	    "FIFO queue)", url != NULL ? url : "");
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

/* The text of o, malloc'd, then o released. */
static char *
to_text(json_object *o, int ok)
{
	const char *s;
	char *text = NULL;

	if (ok && o != NULL) {
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s != NULL)
			text = strdup(s);
	}
	json_object_put(o);
	return text;
}

/* Add key: value to o; 0 or -1 (value released either way). */
static int
put(json_object *o, const char *key, json_object *value)
{
	if (value == NULL)
		return -1;
	if (json_object_object_add(o, key, value) != 0) {
		json_object_put(value);
		return -1;
	}
	return 0;
}

static json_object *
all_list(void)
{
	json_object *a = json_object_new_array();

	if (a != NULL && json_object_array_add(a,
	    json_object_new_string("All")) != 0) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

char *
sqs_receive_request(const char *queue_url, int max_messages,
    int wait_seconds, int visibility)
{
	json_object *o = json_object_new_object();
	int ok;

	/* Both names for the system attributes: older endpoints know only
	 * AttributeNames, newer documentation only the other. */
	ok = o != NULL &&
	    put(o, "QueueUrl", json_object_new_string(queue_url)) == 0 &&
	    put(o, "MaxNumberOfMessages",
	    json_object_new_int(max_messages)) == 0 &&
	    put(o, "WaitTimeSeconds", json_object_new_int(wait_seconds)) == 0 &&
	    put(o, "VisibilityTimeout", json_object_new_int(visibility)) == 0 &&
	    put(o, "AttributeNames", all_list()) == 0 &&
	    put(o, "MessageSystemAttributeNames", all_list()) == 0;
	return to_text(o, ok);
}

char *
sqs_batch_request(const char *queue_url, const struct sqs_entry *entries,
    size_t n)
{
	json_object *o = json_object_new_object(), *list, *e;
	char id[24];
	size_t i;
	int ok;

	ok = o != NULL &&
	    put(o, "QueueUrl", json_object_new_string(queue_url)) == 0 &&
	    put(o, "Entries", list = json_object_new_array()) == 0;
	for (i = 0; ok && i < n; i++) {
		snprintf(id, sizeof(id), "%zu", i);
		e = json_object_new_object();
		ok = e != NULL && json_object_array_add(list, e) == 0;
		if (!ok) {
			json_object_put(e);
			break;
		}
		ok = put(e, "Id", json_object_new_string(id)) == 0 &&
		    put(e, "ReceiptHandle",
		    json_object_new_string(entries[i].receipt)) == 0 &&
		    (entries[i].visibility < 0 || put(e, "VisibilityTimeout",
		    json_object_new_int(entries[i].visibility)) == 0);
	}
	return to_text(o, ok);
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */
/* ------------------------------------------------------------------ */

static int
only_space(const char *s, size_t n)
{
	for (; n > 0; s++, n--)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

static json_object *
parse(const char *json, size_t len, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL;
	enum json_tokener_error je = json_tokener_error_size;

	if (tok == NULL) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	if (len <= (size_t)INT32_MAX) {
		o = json_tokener_parse_ex(tok, json, (int)len);
		je = json_tokener_get_error(tok);
	}
	if (o == NULL || je != json_tokener_success ||
	    !only_space(json + json_tokener_get_parse_end(tok),
	    len - json_tokener_get_parse_end(tok)) ||
	    !json_object_is_type(o, json_type_object)) {
		errf(err, errlen, "the answer is not a JSON object%s%s",
		    je != json_tokener_success ? ": " : "",
		    je != json_tokener_success ?
		    json_tokener_error_desc(je) : "");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static const char *
str_member(json_object *o, const char *key, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	if (len != NULL)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static char *
dup_bytes(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* One element of Messages; 1 taken, 0 dropped, -ENOMEM. */
static int
take_message(json_object *m, struct sqs_message *out)
{
	json_object *attrs;
	const char *id, *rh, *body, *count;
	size_t blen = 0;

	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(m, json_type_object) ||
	    (id = str_member(m, "MessageId", NULL)) == NULL ||
	    (rh = str_member(m, "ReceiptHandle", NULL)) == NULL ||
	    *id == '\0' || *rh == '\0')
		return 0;
	if ((body = str_member(m, "Body", &blen)) == NULL)
		body = "";
	if (json_object_object_get_ex(m, "Attributes", &attrs) &&
	    (count = str_member(attrs, "ApproximateReceiveCount",
	    NULL)) != NULL)
		out->receive_count = (unsigned)strtoul(count, NULL, 10);
	out->id = strdup(id);
	out->receipt = strdup(rh);
	out->body = dup_bytes(body, blen);
	out->len = blen;
	if (out->id == NULL || out->receipt == NULL || out->body == NULL)
		return -ENOMEM;
	return 1;
}

int
sqs_parse_messages(const char *json, size_t len, struct sqs_messages *out,
    char *err, size_t errlen)
{
	json_object *o, *list;
	size_t i, n;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if ((o = parse(json, len, err, errlen)) == NULL)
		return -EINVAL;
	/* An empty receive is {}: Messages absent, not []. */
	if (!json_object_object_get_ex(o, "Messages", &list) ||
	    json_object_is_type(list, json_type_null))
		goto out;
	if (!json_object_is_type(list, json_type_array)) {
		errf(err, errlen, "Messages is not an array");
		rc = -EINVAL;
		goto out;
	}
	n = json_object_array_length(list);
	if (n > 0 && (out->v = calloc(n, sizeof(*out->v))) == NULL) {
		errf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = take_message(json_object_array_get_idx(list, i),
		    &out->v[out->n]);
		if (rc == 1)
			out->n++;
		else if (rc == 0)
			out->dropped++;
		rc = rc < 0 ? rc : 0;
	}
	if (rc < 0) {
		out->n++;	/* the partly filled one is freed too */
		errf(err, errlen, "out of memory");
	}
out:
	json_object_put(o);
	return rc;
}

void
sqs_messages_free(struct sqs_messages *m)
{
	size_t i;

	for (i = 0; m->v != NULL && i < m->n; i++) {
		free(m->v[i].id);
		free(m->v[i].receipt);
		free(m->v[i].body);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Copy the first line of s (at most cap-1 bytes) into out. */
static void
first_line(char *out, size_t cap, const char *s)
{
	size_t n = s != NULL ? strcspn(s, "\r\n") : 0;

	if (n >= cap)
		n = cap - 1;
	memcpy(out, s != NULL ? s : "", n);
	out[n] = '\0';
}

/* Index i from an entry Id we sent ("0".."9"); -1 when not ours. */
static long
entry_index(const char *id, size_t n)
{
	char *end;
	long i;

	if (id == NULL || *id < '0' || *id > '9')
		return -1;
	i = strtol(id, &end, 10);
	return (*end == '\0' && i >= 0 && (size_t)i < n) ? i : -1;
}

int
sqs_parse_batch(const char *json, size_t len, struct sqs_entry_result *res,
    size_t n, char *err, size_t errlen)
{
	json_object *o, *list, *e, *sf;
	const char *code;
	size_t i, k;
	long at;

	memset(res, 0, n * sizeof(*res));
	if ((o = parse(json, len, err, errlen)) == NULL)
		return -EINVAL;
	if (json_object_object_get_ex(o, "Successful", &list) &&
	    json_object_is_type(list, json_type_array))
		for (i = 0; i < json_object_array_length(list); i++) {
			e = json_object_array_get_idx(list, i);
			if ((at = entry_index(str_member(e, "Id", NULL),
			    n)) >= 0)
				res[at].status = SQS_ENTRY_OK;
		}
	/* HTTP 200 does not mean every entry went through. */
	if (json_object_object_get_ex(o, "Failed", &list) &&
	    json_object_is_type(list, json_type_array))
		for (k = 0; k < json_object_array_length(list); k++) {
			e = json_object_array_get_idx(list, k);
			if ((at = entry_index(str_member(e, "Id", NULL),
			    n)) < 0)
				continue;
			res[at].status = SQS_ENTRY_FAILED;
			res[at].sender_fault =
			    json_object_object_get_ex(e, "SenderFault", &sf) &&
			    json_object_get_boolean(sf);
			code = str_member(e, "Code", NULL);
			first_line(res[at].code, sizeof(res[at].code),
			    code != NULL ? code : "unknown");
			first_line(res[at].message, sizeof(res[at].message),
			    str_member(e, "Message", NULL));
		}
	json_object_put(o);
	return 0;
}

void
sqs_parse_error(long status, const char *json, size_t len,
    const char *query_error, struct sqs_error *e)
{
	json_object *o = NULL;
	const char *type = NULL, *msg = NULL, *hash;
	char scratch[8];

	memset(e, 0, sizeof(*e));
	if (json != NULL && len > 0)
		o = parse(json, len, scratch, sizeof(scratch));
	if (o != NULL) {
		type = str_member(o, "__type", NULL);
		if ((msg = str_member(o, "message", NULL)) == NULL)
			msg = str_member(o, "Message", NULL);
	}
	if (type != NULL && *type != '\0') {
		hash = strrchr(type, '#');
		first_line(e->code, sizeof(e->code), hash ? hash + 1 : type);
	} else if (query_error != NULL && *query_error != '\0') {
		/* "AWS.SimpleQueueService.NonExistentQueue;Sender" */
		first_line(e->code, sizeof(e->code), query_error);
		e->code[strcspn(e->code, ";")] = '\0';
	} else {
		snprintf(e->code, sizeof(e->code), "HTTP %ld", status);
	}
	first_line(e->message, sizeof(e->message), msg);
	e->retryable = status == 429 || status >= 500 ||
	    sqs_code_retryable(e->code);
	json_object_put(o);
}

int
sqs_code_retryable(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottled", "RequestThrottledException",
		"TooManyRequestsException", "RequestLimitExceeded",
		"SlowDown", "ProvisionedThroughputExceededException",
		"BandwidthLimitExceeded", "EC2ThrottledException",
		"PriorRequestNotComplete", "TransactionInProgressException",
		"InternalError", "InternalFailure", "ServiceUnavailable",
		"KmsThrottled", "OverLimit", "RequestTimeout",
		"RequestTimeoutException", NULL
	};
	size_t i;

	for (i = 0; codes[i] != NULL; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* xorshift64*: jitter needs spread, not secrecy. */
static uint64_t
next_random(uint64_t *seed)
{
	uint64_t x = *seed ? *seed : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*seed = x;
	return x * 0x2545f4914f6cdd1dULL;
}

int64_t
sqs_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
    uint64_t *seed)
{
	int64_t d = base_ms > 0 ? base_ms : 1;
	unsigned i;

	for (i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	return d / 2 + (int64_t)(next_random(seed) % (uint64_t)(d / 2 + 1));
}
