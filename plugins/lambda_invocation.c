/*
 * lambda_invocation.c - one Lambda invocation: an SQS event-source batch
 * cut into one document per record so each record's fate is known, other
 * payloads kept whole, and the answer: batchItemFailures naming exactly
 * the records that did not go out, or an error that makes Lambda retry.
 */
#include "autoconf.h"	/* _GNU_SOURCE: memmem(), vasprintf() */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lambda_invocation.h"

#define PARSE_DEPTH	64	/* an SQS batch nests 4 levels; a deeper
				 * payload is not one and goes whole */

/* Why an item failed, which picks the errorType of a failed invocation. */
static const char ERR_INVALID[] = "Function.InvalidEvent";
static const char ERR_PROCESSING[] = "Function.ProcessingFailed";
static const char ERR_DEADLINE[] = "Function.DeadlineExceeded";

static char *
str_printf(const char *fmt, ...) CE_PRINTF(1, 2);

static char *
str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static const char *
reason_of(const struct lambda_item *it)
{
	return it->reason != NULL ? it->reason : "(reason lost: out of memory)";
}

/* The first failure of an item is the one reported. */
static void
item_fail(struct lambda_item *it, const char *type, const char *reason)
{
	it->state = LAMBDA_ITEM_FAILED;
	if (it->error_type != NULL)
		return;
	it->error_type = type;
	it->reason = strdup(reason != NULL ? reason : "no reason given");
}

/* ------------------------------------------------------------------ */
/* Cutting the payload                                                 */
/* ------------------------------------------------------------------ */

static const char *
member_string(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	if (len != NULL)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* The Records array of a Lambda SQS event-source batch, or NULL.  The
 * first record decides, as in the core's unwrapping. */
static struct json_object *
sqs_records(struct json_object *root)
{
	struct json_object *records, *first;
	const char *source;

	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "Records", &records) ||
	    !json_object_is_type(records, json_type_array) ||
	    json_object_array_length(records) == 0)
		return NULL;
	first = json_object_array_get_idx(records, 0);
	if (!json_object_is_type(first, json_type_object) ||
	    (source = member_string(first, "eventSource", NULL)) == NULL ||
	    strcmp(source, "aws:sqs") != 0)
		return NULL;
	return records;
}

/* One SQS record; only memory running out is an error. */
static int
sqs_item(struct lambda_item *it, struct json_object *rec, size_t index)
{
	const char *id = NULL, *body;
	size_t len = 0;

	if (json_object_is_type(rec, json_type_object))
		id = member_string(rec, "messageId", NULL);
	if (id != NULL && *id != '\0') {
		if ((it->message_id = strdup(id)) == NULL)
			return -ENOMEM;
		it->origin = str_printf("sqs:%s", id);
	} else
		it->origin = str_printf("sqs:#%zu", index + 1);
	if (it->origin == NULL)
		return -ENOMEM;
	if (!json_object_is_type(rec, json_type_object))
		item_fail(it, ERR_INVALID, "the record is not a JSON object");
	else if ((body = member_string(rec, "body", &len)) == NULL)
		item_fail(it, ERR_INVALID,
		    "the record has no string \"body\"");
	else {
		it->data = body;
		it->len = len;
	}
	return it->state == LAMBDA_ITEM_FAILED && it->reason == NULL ?
	    -ENOMEM : 0;
}

static int
sqs_items(struct lambda_invocation *inv, struct json_object *records)
{
	size_t i, n = json_object_array_length(records);
	int rc;

	if ((inv->items = calloc(n, sizeof(*inv->items))) == NULL)
		return -ENOMEM;
	inv->nitems = n;
	for (i = 0; i < n; i++) {
		inv->items[i].inv = inv;
		rc = sqs_item(&inv->items[i],
		    json_object_array_get_idx(records, i), i);
		if (rc < 0)
			return rc;
	}
	inv->sqs = 1;
	return 0;
}

static int
whole_item(struct lambda_invocation *inv, const char *payload, size_t len)
{
	if ((inv->items = calloc(1, sizeof(*inv->items))) == NULL)
		return -ENOMEM;
	inv->nitems = 1;
	inv->items[0].inv = inv;
	inv->items[0].data = payload;
	inv->items[0].len = len;
	inv->items[0].origin = str_printf("lambda:%s", inv->request_id);
	return inv->items[0].origin != NULL ? 0 : -ENOMEM;
}

/* Parse only what may be a batch: a payload that does not even hold the
 * text "aws:sqs" is not one, and the core parses it anyway. */
static struct json_object *
parse_batch(const char *payload, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root = NULL;

	if (len > INT32_MAX || memmem(payload, len, "\"aws:sqs\"", 9) == NULL)
		return NULL;
	if ((tok = json_tokener_new_ex(PARSE_DEPTH)) == NULL)
		return NULL;
	root = json_tokener_parse_ex(tok, payload, (int)len);
	if (root != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len)) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

int
lambda_invocation_new(struct lambda_invocation **out, const char *request_id,
    const char *payload, size_t len)
{
	struct lambda_invocation *inv = calloc(1, sizeof(*inv));
	struct json_object *records;
	int rc = -ENOMEM;

	if (inv == NULL)
		return -ENOMEM;
	inv->refs = 1;
	snprintf(inv->request_id, sizeof(inv->request_id), "%s", request_id);
	inv->root = parse_batch(payload, len);
	if (inv->root != NULL && (records = sqs_records(inv->root)) != NULL)
		rc = sqs_items(inv, records);
	else
		rc = whole_item(inv, payload, len);
	if (rc < 0)
		goto fail;
	*out = inv;
	return 0;
fail:
	inv->refs = 0;
	lambda_invocation_unref(inv);
	return rc;
}

void
lambda_invocation_drop_payload(struct lambda_invocation *inv)
{
	size_t i;

	for (i = 0; i < inv->nitems; i++) {
		inv->items[i].data = NULL;
		inv->items[i].len = 0;
	}
	json_object_put(inv->root);
	inv->root = NULL;
}

/* ------------------------------------------------------------------ */
/* Outcomes                                                            */
/* ------------------------------------------------------------------ */

void
lambda_item_submitting(struct lambda_item *it)
{
	it->state = LAMBDA_ITEM_PENDING;
	it->inv->pending++;
	it->inv->refs++;
}

void
lambda_item_not_submitted(struct lambda_item *it, const char *reason)
{
	it->inv->pending--;
	it->inv->refs--;
	item_fail(it, ERR_PROCESSING, reason);
}

int
lambda_item_settle(struct lambda_item *it, const struct ce_outcome *o)
{
	struct lambda_invocation *inv = it->inv;

	inv->records += o->records;
	inv->failed += o->failed;
	inv->skipped += o->skipped;
	inv->alerts += o->alerts;
	inv->pending--;
	if (inv->answered)
		;	/* too late to count: already reported as failed */
	else if (o->status == CE_DOC_OK)
		it->state = LAMBDA_ITEM_OK;
	else
		item_fail(it, o->skipped > 0 ? ERR_INVALID : ERR_PROCESSING,
		    o->reason);
	return lambda_invocation_unref(inv);
}

int
lambda_invocation_unref(struct lambda_invocation *inv)
{
	size_t i;

	if (inv->refs > 0 && --inv->refs > 0)
		return 0;
	for (i = 0; inv->items != NULL && i < inv->nitems; i++) {
		free(inv->items[i].message_id);
		free(inv->items[i].origin);
		free(inv->items[i].reason);
	}
	free(inv->items);
	json_object_put(inv->root);
	free(inv);
	return 1;
}

/* ------------------------------------------------------------------ */
/* The answer                                                          */
/* ------------------------------------------------------------------ */

static int
answer_json(struct lambda_answer *a, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (s == NULL || (a->body = strdup(s)) == NULL)
		return -ENOMEM;
	a->len = strlen(a->body);
	return 0;
}

static int
answer_error(struct lambda_answer *a, const char *type, char *message)
{
	a->error_type = type;
	a->message = message;
	return message != NULL ? 0 : -ENOMEM;
}

/* {"batchItemFailures":[{"itemIdentifier":ID}...]}: Lambda deletes the
 * other messages of the batch. */
static int
answer_batch(struct lambda_invocation *inv, struct lambda_answer *a)
{
	struct json_object *o = json_object_new_object(), *list, *f;
	size_t i;
	int rc = -ENOMEM;

	list = json_object_new_array();
	if (o == NULL || list == NULL ||
	    json_object_object_add(o, "batchItemFailures", list) != 0) {
		json_object_put(list);
		goto out;
	}
	for (i = 0; i < inv->nitems; i++) {
		if (inv->items[i].state == LAMBDA_ITEM_OK)
			continue;
		if ((f = json_object_new_object()) == NULL ||
		    json_object_array_add(list, f) != 0) {
			json_object_put(f);
			goto out;
		}
		if (json_object_object_add(f, "itemIdentifier",
		    json_object_new_string(inv->items[i].message_id)) != 0)
			goto out;
	}
	rc = answer_json(a, o);
out:
	json_object_put(o);
	return rc;
}

/* A failed record that has no messageId cannot be named in
 * batchItemFailures: only failing the whole batch keeps it. */
static const struct lambda_item *
unnamed_failure(const struct lambda_invocation *inv, size_t *index)
{
	size_t i;

	for (i = 0; i < inv->nitems; i++)
		if (inv->items[i].state != LAMBDA_ITEM_OK &&
		    inv->items[i].message_id == NULL) {
			*index = i;
			return &inv->items[i];
		}
	return NULL;
}

static int
answer_whole(struct lambda_invocation *inv, struct lambda_answer *a)
{
	const struct lambda_item *it = &inv->items[0];
	struct json_object *o;
	int rc = -ENOMEM;

	if (it->state != LAMBDA_ITEM_OK)
		return answer_error(a, it->error_type, str_printf("%s: not fully processed (%"
		    PRIu64 " records, %" PRIu64 " failed, %" PRIu64 " skipped, %"
		    PRIu64 " alerts delivered): %s", it->origin, inv->records,
		    inv->failed, inv->skipped, inv->alerts, reason_of(it)));
	if ((o = json_object_new_object()) != NULL &&
	    json_object_object_add(o, "records",
	    json_object_new_int64((int64_t)inv->records)) == 0 &&
	    json_object_object_add(o, "alerts",
	    json_object_new_int64((int64_t)inv->alerts)) == 0)
		rc = answer_json(a, o);
	json_object_put(o);
	return rc;
}

int
lambda_invocation_answer(struct lambda_invocation *inv,
    struct lambda_answer *a)
{
	const struct lambda_item *it;
	size_t i;

	memset(a, 0, sizeof(*a));
	inv->answered = 1;
	for (i = 0; i < inv->nitems; i++)
		if (inv->items[i].state == LAMBDA_ITEM_PENDING ||
		    inv->items[i].state == LAMBDA_ITEM_NEW)
			item_fail(&inv->items[i], ERR_DEADLINE,
			    "not settled before the deadline");
	if (!inv->sqs)
		return answer_whole(inv, a);
	if ((it = unnamed_failure(inv, &i)) != NULL)
		return answer_error(a, ERR_INVALID, str_printf("SQS record #%zu "
		    "has no messageId and was not processed (%s): the whole "
		    "batch fails", i + 1, reason_of(it)));
	return answer_batch(inv, a);
}

void
lambda_answer_clear(struct lambda_answer *a)
{
	free(a->body);
	free(a->message);
	memset(a, 0, sizeof(*a));
}
