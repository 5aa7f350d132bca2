/*
 * fuzz_envelope.c - fuzz target for the message decoders: one JSON text
 * (an SQS body, an SNS message, an S3 or CloudTrail notification, an
 * EventBridge event, a Lambda batch) unwrapped by ce_doc_unwrap(), through
 * any nesting of embedded JSON strings.
 *
 * Invariants beyond "no crash": every record handed on is an object with
 * string eventSource and eventName, owned by the callee alone (it is freed
 * here, after the envelope is gone); every S3 object names a bucket and a
 * key; every skip says why.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "document.h"
#include "fuzz.h"

#define ENV_MAX_DEPTH	64

struct held {
	struct json_object	**v;
	size_t			  n, cap;
};

static int
has_string(struct json_object *o, const char *key)
{
	struct json_object *m;

	return json_object_object_get_ex(o, key, &m) &&
	    json_object_is_type(m, json_type_string);
}

static int
on_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct held *h = arg;
	struct json_object **nv;

	(void)index;
	FUZZ_CHECK(origin != NULL, "a record without an origin");
	FUZZ_CHECK(json_object_is_type(record, json_type_object) &&
	    has_string(record, "eventSource") &&
	    has_string(record, "eventName"),
	    "a record that is not a CloudTrail record");
	/* Keep it past the envelope's end: it must not depend on it. */
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		if ((nv = realloc(h->v, h->cap * sizeof(*nv))) == NULL) {
			json_object_put(record);
			return -ENOMEM;
		}
		h->v = nv;
	}
	h->v[h->n++] = record;
	return 0;
}

static int
on_skipped(void *arg, const char *origin, uint64_t index, const char *msg)
{
	(void)arg;
	(void)origin;
	(void)index;
	FUZZ_CHECK(msg != NULL && msg[0] != '\0', "a skip without a reason");
	return 0;
}

static int
on_s3(void *arg, const char *bucket, const char *key, const char *region,
    const char *origin, uint64_t index)
{
	(void)arg;
	(void)region;
	(void)origin;
	(void)index;
	FUZZ_CHECK(bucket != NULL && key != NULL, "an S3 object without a name");
	return 0;
}

static const struct ce_doc_ops ops = {
	.record = on_record,
	.skipped = on_skipped,
	.s3_object = on_s3,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ce_doc_limits lim = { .max_depth = ENV_MAX_DEPTH };
	struct held h = { NULL, 0, 0 };
	struct json_tokener *tok;
	struct json_object *doc;
	char err[512];
	size_t i;
	int rc;

	if (size > (size_t)INT32_MAX)
		return 0;
	if ((tok = json_tokener_new_ex(ENV_MAX_DEPTH)) == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (doc == NULL)
		return 0;
	rc = ce_doc_unwrap(doc, "fuzz", 1, &lim, &ops, &h, err, sizeof(err));
	FUZZ_CHECK(rc <= 0, "ce_doc_unwrap returned a positive value");
	/* The envelope is freed: the records must stand on their own. */
	for (i = 0; i < h.n; i++) {
		FUZZ_CHECK(json_object_to_json_string(h.v[i]) != NULL,
		    "a record cannot be written");
		json_object_put(h.v[i]);
	}
	free(h.v);
	return 0;
}
