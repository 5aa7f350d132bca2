/*
 * fuzz_lambda.c - fuzz target for the Lambda input's decoder: an
 * invocation payload cut into documents by lambda_invocation_new() (one
 * per SQS record of an event-source batch, else the whole payload), each
 * document read by the core as the pipeline would, settled, and the
 * answer to the Runtime API built.
 *
 * Invariants beyond "no crash": every item is either failed with a reason
 * or holds bytes to submit; the answer is an error with a message, or a
 * valid JSON body; a batch answer lists exactly the records that failed.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "document.h"
#include "fuzz.h"
#include "lambda_invocation.h"

struct counts {
	uint64_t	records, skipped;
};

static int
on_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct counts *c = arg;

	(void)origin;
	(void)index;
	c->records++;
	json_object_put(record);
	return 0;
}

static int
on_skipped(void *arg, const char *origin, uint64_t index, const char *msg)
{
	struct counts *c = arg;

	(void)origin;
	(void)index;
	(void)msg;
	c->skipped++;
	return 0;
}

static int
on_s3(void *arg, const char *bucket, const char *key, const char *region,
    const char *origin, uint64_t index)
{
	(void)arg;
	(void)bucket;
	(void)key;
	(void)region;
	(void)origin;
	(void)index;
	return 0;
}

static const struct ce_doc_ops ops = {
	.record = on_record,
	.skipped = on_skipped,
	.s3_object = on_s3,
};

/* Read one item as the pipeline would, and settle it with the outcome. */
static void
run_item(struct lambda_item *it)
{
	struct ce_outcome o = { .size = sizeof(o) };
	struct counts c = { 0, 0 };
	struct ce_memstream m;
	struct ce_stream s;
	char err[256];
	int rc;

	ce_stream_memory(&s, &m, it->data, it->len);
	rc = ce_doc_read(&s, it->origin, 0, NULL, &ops, &c, err, sizeof(err));
	o.records = c.records;
	o.skipped = c.skipped;
	o.status = rc == 0 && c.skipped == 0 ? CE_DOC_OK : CE_DOC_FAILED;
	o.failed = o.status == CE_DOC_OK ? 0 : 1;
	o.reason = o.status == CE_DOC_OK ? NULL : rc < 0 ? err : "skipped";
	FUZZ_CHECK(lambda_item_settle(it, &o) == 0,
	    "settling an item freed the invocation the caller holds");
}

/* Items listed in a batch answer: the "itemIdentifier" members. */
static size_t
listed_failures(const char *body, size_t len)
{
	struct json_object *o, *list;
	size_t n = 0;

	/* Structure only: a messageId is written back as Lambda sent it, and
	 * Lambda sends UTF-8 (the bodies themselves are validated by the
	 * core's reader). */
	FUZZ_CHECK(fuzz_json_structured(body, len),
	    "the answer is not a JSON object");
	if ((o = json_tokener_parse(body)) == NULL)
		abort();
	if (json_object_object_get_ex(o, "batchItemFailures", &list))
		n = json_object_array_length(list);
	json_object_put(o);
	return n;
}

static void
check_answer(const struct lambda_invocation *inv,
    const struct lambda_answer *a)
{
	size_t i, failed = 0;

	for (i = 0; i < inv->nitems; i++)
		failed += inv->items[i].state != LAMBDA_ITEM_OK;
	if (a->error_type != NULL) {
		FUZZ_CHECK(a->message != NULL && a->message[0] != '\0',
		    "an error answer without a message");
		FUZZ_CHECK(failed > 0, "an error answer when nothing failed");
		return;
	}
	FUZZ_CHECK(a->body != NULL && a->len == strlen(a->body),
	    "an answer without a body");
	if (inv->sqs)
		FUZZ_CHECK(listed_failures(a->body, a->len) == failed,
		    "the batch answer does not list exactly the failures");
	else
		FUZZ_CHECK(fuzz_json_valid(a->body, a->len) && failed == 0,
		    "a whole-payload answer is wrong");
}

/* Settle, after the answer, the items whose deadline passed. */
static void
settle_late(struct lambda_invocation *inv, const unsigned char *late)
{
	struct ce_outcome o = { .size = sizeof(o), .status = CE_DOC_OK };
	size_t i;

	for (i = 0; i < inv->nitems; i++) {
		if (!late[i])
			continue;
		FUZZ_CHECK(inv->items[i].state == LAMBDA_ITEM_FAILED,
		    "an item unsettled at the answer did not fail");
		FUZZ_CHECK(lambda_item_settle(&inv->items[i], &o) == 0,
		    "a late settle freed the invocation");
		FUZZ_CHECK(inv->items[i].state == LAMBDA_ITEM_FAILED,
		    "a late settle changed what was answered");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lambda_invocation *inv = NULL;
	struct lambda_answer a;
	unsigned char *late;
	char *payload;
	size_t i;

	/* The Runtime API client hands over a NUL-terminated body. */
	if ((payload = malloc(size + 1)) == NULL)
		abort();
	memcpy(payload, data, size);
	payload[size] = '\0';
	FUZZ_CHECK(lambda_invocation_new(&inv, "fuzz-request", payload,
	    size) == 0, "lambda_invocation_new failed");
	FUZZ_CHECK(inv->nitems >= 1, "an invocation without items");
	if ((late = calloc(inv->nitems, 1)) == NULL)
		abort();
	for (i = 0; i < inv->nitems; i++) {
		struct lambda_item *it = &inv->items[i];

		FUZZ_CHECK(it->origin != NULL, "an item without an origin");
		if (it->state == LAMBDA_ITEM_FAILED) {
			FUZZ_CHECK(it->reason != NULL && it->error_type != NULL,
			    "an item failed without a reason");
			continue;
		}
		lambda_item_submitting(it);
		/* One in three is still pending at the answer. */
		if (i % 3 == 2)
			late[i] = 1;
		else
			run_item(it);
	}
	lambda_invocation_drop_payload(inv);
	free(payload);
	FUZZ_CHECK(lambda_invocation_answer(inv, &a) == 0,
	    "no answer could be built");
	check_answer(inv, &a);
	lambda_answer_clear(&a);
	settle_late(inv, late);
	free(late);
	FUZZ_CHECK(inv->pending == 0, "items still pending");
	FUZZ_CHECK(lambda_invocation_unref(inv) == 1,
	    "the invocation outlived its last reference");
	return 0;
}
