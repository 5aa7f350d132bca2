/*
 * test_lambda.c - the lambda input's pure parts: the Runtime API endpoint
 * check, the error body, cutting payloads into documents, and the answer
 * an invocation's outcomes add up to (batchItemFailures, errors).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "lambda_api.h"
#include "lambda_invocation.h"

static const char sqs_batch[] =
    "{\"Records\":["
    "{\"messageId\":\"m-1\",\"receiptHandle\":\"r\",\"body\":"
    "\"{\\\"eventName\\\":\\\"A\\\",\\\"s\\\":\\\"\\\\u00e9\\\\/\\\"}\","
    "\"attributes\":{\"ApproximateReceiveCount\":\"1\"},"
    "\"messageAttributes\":{},\"eventSource\":\"aws:sqs\","
    "\"eventSourceARN\":\"arn:aws:sqs:us-east-1:1:q\",\"awsRegion\":\"us-east-1\"},"
    "{\"messageId\":\"m-2\",\"body\":null,\"eventSource\":\"aws:sqs\"},"
    "{\"messageId\":\"m-3\",\"body\":\"not json at all\",\"eventSource\":\"aws:sqs\"}"
    "]}";

static const char eventbridge[] =
    "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"AWS API Call via "
    "CloudTrail\",\"source\":\"aws.iam\",\"detail\":{\"eventSource\":"
    "\"iam.amazonaws.com\",\"eventName\":\"CreateAccessKey\"}}";

static struct ce_outcome
outcome(enum ce_doc_status st, uint64_t records, uint64_t failed,
    uint64_t skipped, uint64_t alerts, const char *reason)
{
	struct ce_outcome o = { .size = sizeof(o), .status = st,
	    .records = records, .failed = failed, .skipped = skipped,
	    .alerts = alerts, .reason = reason };

	return o;
}

static struct lambda_invocation *
cut(const char *payload)
{
	struct lambda_invocation *inv = NULL;

	CU_ASSERT_EQUAL_FATAL(lambda_invocation_new(&inv, "req-1", payload,
	    strlen(payload)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	return inv;
}

/* Submit every item that can be. */
static void
submit_all(struct lambda_invocation *inv)
{
	size_t i;

	for (i = 0; i < inv->nitems; i++)
		if (inv->items[i].state == LAMBDA_ITEM_NEW)
			lambda_item_submitting(&inv->items[i]);
}

static void
test_endpoint(void)
{
	CU_ASSERT_EQUAL(lambda_api_endpoint_ok("127.0.0.1:9001", NULL, 0), 0);
	CU_ASSERT_EQUAL(lambda_api_endpoint_ok("localhost:1", NULL, 0), 0);
	CU_ASSERT_EQUAL(lambda_api_endpoint_ok("[::1]:65535", NULL, 0), 0);
	CU_ASSERT(lambda_api_endpoint_ok("http://127.0.0.1:9001", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok("127.0.0.1:9001/", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok("127.0.0.1", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok("127.0.0.1:0", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok("127.0.0.1:65536", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok("127.0.0.1:90x", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok(":9001", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok("a b:9001", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok("", NULL, 0) < 0);
	CU_ASSERT(lambda_api_endpoint_ok(NULL, NULL, 0) < 0);
}

static void
test_endpoint_message(void)
{
	char err[256];

	CU_ASSERT(lambda_api_endpoint_ok("http://x:1", err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no scheme"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "http://x:1"));
}

static void
test_error_json(void)
{
	size_t len = 0;
	char *s = lambda_error_json("Function.X", "a \"b\"\n/c", &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(len, strlen(s));
	CU_ASSERT_STRING_EQUAL(s, "{\"errorMessage\":\"a \\\"b\\\"\\n/c\","
	    "\"errorType\":\"Function.X\",\"stackTrace\":[]}");
	free(s);
}

static void
test_sqs_cut(void)
{
	struct lambda_invocation *inv = cut(sqs_batch);

	CU_ASSERT_TRUE(inv->sqs);
	CU_ASSERT_EQUAL_FATAL(inv->nitems, 3);
	CU_ASSERT_STRING_EQUAL(inv->items[0].message_id, "m-1");
	CU_ASSERT_STRING_EQUAL(inv->items[0].origin, "sqs:m-1");
	/* The body is the string's value, escapes undone. */
	CU_ASSERT_EQUAL(inv->items[0].len,
	    strlen("{\"eventName\":\"A\",\"s\":\"\\u00e9\\/\"}"));
	CU_ASSERT_NSTRING_EQUAL(inv->items[0].data,
	    "{\"eventName\":\"A\",\"s\":\"\\u00e9\\/\"}", inv->items[0].len);
	CU_ASSERT_EQUAL(inv->items[0].state, LAMBDA_ITEM_NEW);
	/* No string body: failed before anything is submitted. */
	CU_ASSERT_EQUAL(inv->items[1].state, LAMBDA_ITEM_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(inv->items[1].reason, "body"));
	CU_ASSERT_NSTRING_EQUAL(inv->items[2].data, "not json at all", 15);
	lambda_invocation_drop_payload(inv);
	CU_ASSERT_PTR_NULL(inv->items[0].data);
	CU_ASSERT_EQUAL(lambda_invocation_unref(inv), 1);
}

/* Exactly the records that did not go out are listed, in batch order. */
static void
test_sqs_answer(void)
{
	struct lambda_invocation *inv = cut(sqs_batch);
	struct ce_outcome ok = outcome(CE_DOC_OK, 1, 0, 0, 1, NULL);
	struct ce_outcome bad = outcome(CE_DOC_FAILED, 0, 1, 1, 0,
	    "sqs:m-3:1: skipped");
	struct lambda_answer a;

	submit_all(inv);
	lambda_invocation_drop_payload(inv);
	CU_ASSERT_EQUAL(inv->pending, 2);
	CU_ASSERT_EQUAL(inv->refs, 3);
	CU_ASSERT_EQUAL(lambda_item_settle(&inv->items[2], &bad), 0);
	CU_ASSERT_EQUAL(lambda_item_settle(&inv->items[0], &ok), 0);
	CU_ASSERT_EQUAL(inv->pending, 0);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_PTR_NULL(a.error_type);
	CU_ASSERT_STRING_EQUAL(a.body, "{\"batchItemFailures\":["
	    "{\"itemIdentifier\":\"m-2\"},{\"itemIdentifier\":\"m-3\"}]}");
	CU_ASSERT_EQUAL(a.len, strlen(a.body));
	CU_ASSERT_STRING_EQUAL(inv->items[2].reason, "sqs:m-3:1: skipped");
	lambda_answer_clear(&a);
	CU_ASSERT_EQUAL(lambda_invocation_unref(inv), 1);
}

static void
test_sqs_all_ok(void)
{
	static const char batch[] = "{\"Records\":[{\"messageId\":\"a\","
	    "\"body\":\"{}\",\"eventSource\":\"aws:sqs\"},{\"messageId\":\"b\","
	    "\"body\":\"{}\",\"eventSource\":\"aws:sqs\"}]}";
	struct lambda_invocation *inv = cut(batch);
	struct ce_outcome ok = outcome(CE_DOC_OK, 0, 0, 0, 0, NULL);
	struct lambda_answer a;

	submit_all(inv);
	lambda_item_settle(&inv->items[1], &ok);
	lambda_item_settle(&inv->items[0], &ok);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.body, "{\"batchItemFailures\":[]}");
	lambda_answer_clear(&a);
	lambda_invocation_unref(inv);
}

/* A failed record with no messageId cannot be named: the batch fails. */
static void
test_sqs_unnamed(void)
{
	static const char batch[] = "{\"Records\":[{\"messageId\":\"a\","
	    "\"body\":\"{}\",\"eventSource\":\"aws:sqs\"},{\"body\":\"{}\","
	    "\"eventSource\":\"aws:sqs\"}]}";
	struct lambda_invocation *inv = cut(batch);
	struct ce_outcome ok = outcome(CE_DOC_OK, 0, 0, 0, 0, NULL);
	struct ce_outcome bad = outcome(CE_DOC_FAILED, 1, 1, 0, 0, "refused");
	struct lambda_answer a;

	CU_ASSERT_STRING_EQUAL(inv->items[1].origin, "sqs:#2");
	submit_all(inv);
	lambda_item_settle(&inv->items[0], &ok);
	lambda_item_settle(&inv->items[1], &bad);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.error_type, "Function.InvalidEvent");
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "#2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "refused"));
	lambda_answer_clear(&a);
	lambda_invocation_unref(inv);
}

/* Anything but an SQS batch goes whole, malformed or not. */
static void
test_whole(void)
{
	static const char *const payloads[] = {
		eventbridge,
		"{\"Records\":[{\"eventSource\":\"aws:s3\"}]}",
		"{\"Records\":[]}",
		"{\"Records\":[{\"eventSource\":\"aws:sqs\",",	/* truncated */
		"[\"aws:sqs\"]",
		"",
	};
	struct lambda_invocation *inv;
	size_t i;

	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		inv = cut(payloads[i]);
		CU_ASSERT_FALSE(inv->sqs);
		CU_ASSERT_EQUAL_FATAL(inv->nitems, 1);
		CU_ASSERT_PTR_EQUAL(inv->items[0].data, payloads[i]);
		CU_ASSERT_EQUAL(inv->items[0].len, strlen(payloads[i]));
		CU_ASSERT_STRING_EQUAL(inv->items[0].origin, "lambda:req-1");
		CU_ASSERT_PTR_NULL(inv->items[0].message_id);
		lambda_invocation_unref(inv);
	}
}

static void
test_whole_ok(void)
{
	struct lambda_invocation *inv = cut(eventbridge);
	struct ce_outcome ok = outcome(CE_DOC_OK, 1, 0, 0, 2, NULL);
	struct lambda_answer a;

	submit_all(inv);
	lambda_item_settle(&inv->items[0], &ok);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_PTR_NULL(a.error_type);
	CU_ASSERT_STRING_EQUAL(a.body, "{\"records\":1,\"alerts\":2}");
	lambda_answer_clear(&a);
	lambda_invocation_unref(inv);
}

/* The errorType says why: malformed input, or something not delivered. */
static void
test_whole_errors(void)
{
	struct ce_outcome skipped = outcome(CE_DOC_FAILED, 0, 1, 1, 0,
	    "lambda:req-1:1:2: expected a value");
	struct ce_outcome lost = outcome(CE_DOC_FAILED, 1, 1, 0, 0,
	    "output 'dd' refused");
	struct lambda_invocation *inv;
	struct lambda_answer a;

	inv = cut("{nope");
	submit_all(inv);
	lambda_item_settle(&inv->items[0], &skipped);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.error_type, "Function.InvalidEvent");
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "expected a value"));
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "lambda:req-1"));
	lambda_answer_clear(&a);
	lambda_invocation_unref(inv);

	inv = cut(eventbridge);
	submit_all(inv);
	lambda_item_settle(&inv->items[0], &lost);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.error_type, "Function.ProcessingFailed");
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "output 'dd' refused"));
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "1 records, 1 failed"));
	lambda_answer_clear(&a);
	lambda_invocation_unref(inv);
}

/* Not submitted (the engine shutting down): failed with that reason. */
static void
test_not_submitted(void)
{
	struct lambda_invocation *inv = cut(eventbridge);
	struct lambda_answer a;

	lambda_item_submitting(&inv->items[0]);
	lambda_item_not_submitted(&inv->items[0], "shutting down");
	CU_ASSERT_EQUAL(inv->pending, 0);
	CU_ASSERT_EQUAL(inv->refs, 1);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.error_type, "Function.ProcessingFailed");
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "shutting down"));
	lambda_answer_clear(&a);
	CU_ASSERT_EQUAL(lambda_invocation_unref(inv), 1);
}

/* Answered at the deadline with a document still out: it counts as
 * failed, and its late done() frees the invocation. */
static void
test_deadline(void)
{
	struct lambda_invocation *inv = cut(sqs_batch);
	struct ce_outcome ok = outcome(CE_DOC_OK, 1, 0, 0, 1, NULL);
	struct lambda_answer a;

	submit_all(inv);
	lambda_item_settle(&inv->items[2], &ok);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.body, "{\"batchItemFailures\":["
	    "{\"itemIdentifier\":\"m-1\"},{\"itemIdentifier\":\"m-2\"}]}");
	CU_ASSERT_PTR_NOT_NULL(strstr(inv->items[0].reason, "deadline"));
	lambda_answer_clear(&a);
	CU_ASSERT_EQUAL(lambda_invocation_unref(inv), 0);	/* still out */
	CU_ASSERT_EQUAL(lambda_item_settle(&inv->items[0], &ok), 1);

	inv = cut(eventbridge);
	submit_all(inv);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.error_type, "Function.DeadlineExceeded");
	lambda_answer_clear(&a);
	CU_ASSERT_EQUAL(lambda_invocation_unref(inv), 0);
	CU_ASSERT_EQUAL(lambda_item_settle(&inv->items[0], &ok), 1);
}

/* A big batch: every record its own item, every failure named. */
static void
test_big_batch(void)
{
	struct json_object *root = json_object_new_object(), *recs, *r;
	struct ce_outcome ok = outcome(CE_DOC_OK, 1, 0, 0, 0, NULL);
	struct ce_outcome bad = outcome(CE_DOC_FAILED, 1, 1, 0, 0, "x");
	struct lambda_invocation *inv;
	struct lambda_answer a;
	struct json_object *ans, *list;
	char id[32];
	size_t i;

	recs = json_object_new_array();
	json_object_object_add(root, "Records", recs);
	for (i = 0; i < 1000; i++) {
		r = json_object_new_object();
		snprintf(id, sizeof(id), "id-%zu", i);
		json_object_object_add(r, "messageId", json_object_new_string(id));
		json_object_object_add(r, "body", json_object_new_string("{}"));
		json_object_object_add(r, "eventSource",
		    json_object_new_string("aws:sqs"));
		json_object_array_add(recs, r);
	}
	inv = cut(json_object_to_json_string(root));
	json_object_put(root);
	CU_ASSERT_EQUAL_FATAL(inv->nitems, 1000);
	submit_all(inv);
	for (i = 0; i < 1000; i++)
		lambda_item_settle(&inv->items[i], i % 7 == 3 ? &bad : &ok);
	CU_ASSERT_EQUAL_FATAL(lambda_invocation_answer(inv, &a), 0);
	ans = json_tokener_parse(a.body);
	CU_ASSERT_FATAL(json_object_object_get_ex(ans, "batchItemFailures",
	    &list));
	CU_ASSERT_EQUAL(json_object_array_length(list), 143);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(list, 1), "itemIdentifier")), "id-10");
	json_object_put(ans);
	lambda_answer_clear(&a);
	lambda_invocation_unref(inv);
}

int
main(void)
{
	CU_TestInfo api[] = {
		CE_TEST(test_endpoint),
		CE_TEST(test_endpoint_message),
		CE_TEST(test_error_json),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo invocation[] = {
		CE_TEST(test_sqs_cut),
		CE_TEST(test_sqs_answer),
		CE_TEST(test_sqs_all_ok),
		CE_TEST(test_sqs_unnamed),
		CE_TEST(test_whole),
		CE_TEST(test_whole_ok),
		CE_TEST(test_whole_errors),
		CE_TEST(test_not_submitted),
		CE_TEST(test_deadline),
		CE_TEST(test_big_batch),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "lambda_api", NULL, NULL, NULL, NULL, api },
		{ "lambda_invocation", NULL, NULL, NULL, NULL, invocation },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
