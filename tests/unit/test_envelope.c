/*
 * test_envelope.c - unit tests for envelope unwrapping: one test per
 * shape (EventBridge, CloudTrail log files, SQS, SNS, S3 and CloudTrail
 * notifications, digests, test events), nesting and what is skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "doc_collect.h"
#include "document.h"

#define EXPECTED "expected a CloudTrail record, an EventBridge event, a " \
	"CloudTrail log file, an SNS or SQS envelope or an S3 notification"

static const char ct_key[] = "AWSLogs/111122223333/CloudTrail/us-west-2/2024/"
    "05/01/111122223333_CloudTrail_us-west-2_20240501T1005Z_abcdefgh12345678"
    ".json.gz";

/* A minimal but complete-looking CloudTrail record. */
#define REC(name) "{\"eventVersion\":\"1.08\",\"eventSource\":" \
	"\"iam.amazonaws.com\",\"eventName\":\"" name "\",\"awsRegion\":" \
	"\"us-east-1\"}"

static void
assert_record(const struct dc *c, size_t i, const char *name, uint64_t index)
{
	const struct dc_item *it = dc_nth(c, DC_RECORD, i);

	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_STRING_EQUAL(it->text, name);
	CU_ASSERT_EQUAL(it->index, index);
	CU_ASSERT_STRING_EQUAL(it->origin, "test");
}

static void
assert_skipped(const struct dc *c, size_t i, uint64_t index, const char *part)
{
	const struct dc_item *it = dc_nth(c, DC_SKIPPED, i);

	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_EQUAL(it->index, index);
	if (strstr(it->text, part) == NULL)
		fprintf(stderr, "\n    \"%s\" not in \"%s\"\n", part, it->text);
	CU_ASSERT_PTR_NOT_NULL(strstr(it->text, part));
}

static void
assert_s3(const struct dc *c, size_t i, const char *bucket, const char *key,
    const char *region, uint64_t index)
{
	const struct dc_item *it = dc_nth(c, DC_S3, i);

	CU_ASSERT_PTR_NOT_NULL_FATAL(it);
	CU_ASSERT_STRING_EQUAL(it->text, bucket);
	CU_ASSERT_STRING_EQUAL(it->key, key);
	if (region == NULL) {
		CU_ASSERT_PTR_NULL(it->region);
	} else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(it->region);
		CU_ASSERT_STRING_EQUAL(it->region, region);
	}
	CU_ASSERT_EQUAL(it->index, index);
}

static void
assert_counts(const struct dc *c, size_t records, size_t skipped, size_t s3)
{
	CU_ASSERT_EQUAL(c->records, records);
	CU_ASSERT_EQUAL(c->skipped, skipped);
	CU_ASSERT_EQUAL(c->s3, s3);
}

/* ------------------------------------------------------------------ */
/* Shapes, from files                                                  */
/* ------------------------------------------------------------------ */

/* The original Lambda's input. */
static void
test_eventbridge(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "eventbridge-api-call.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "CreateUser", 1);
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "eventbridge-console-signin.json", 0,
	    err, sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "ConsoleLogin", 1);
	dc_free(&c);
}

static void
test_eventbridge_not_cloudtrail(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "eventbridge-not-cloudtrail.json", 0,
	    err, sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skipped(&c, 0, 1, "EventBridge event \"EC2 Instance State-change "
	    "Notification\" from aws.ec2 does not carry a CloudTrail record: "
	    "expected a detail-type ending in \"via CloudTrail\"");
	dc_free(&c);

	/* Matched on "via CloudTrail", whatever the case before it. */
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"detail-type\":\"AWS Console Signin "
	    "VIA CloudTrail\",\"detail\":" REC("ConsoleLogin") "}", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"detail-type\":\"CloudTrail Lake Query "
	    "State Change\",\"source\":\"aws.cloudtrail\",\"detail\":"
	    REC("X") "}", err, sizeof(err)), 0);
	assert_counts(&c, 1, 1, 0);
	assert_record(&c, 0, "ConsoleLogin", 1);
	assert_skipped(&c, 0, 1, "from aws.cloudtrail does not carry a "
	    "CloudTrail record");
	dc_free(&c);

	/* A CloudTrail detail-type whose detail is not a record. */
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"detail-type\":\"AWS API Call via "
	    "CloudTrail\",\"detail\":{\"eventSource\":\"iam.amazonaws.com\"}}",
	    err, sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skipped(&c, 0, 1, "detail is not a CloudTrail record (expected "
	    "string eventSource and eventName)");
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"detail-type\":\"AWS API Call via "
	    "CloudTrail\",\"detail\":\"x\"}", err, sizeof(err)), 0);
	assert_skipped(&c, 0, 1, "without a detail object");
	dc_free(&c);
}

static void
test_cloudtrail_log(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "cloudtrail-log.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 3, 0, 0);
	assert_record(&c, 0, "CreateUser", 1);
	assert_record(&c, 1, "AttachUserPolicy", 2);
	assert_record(&c, 2, "DeleteUser", 3);
	dc_free(&c);

	/* The same shape already in memory (not first member: unwrapped). */
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"x\":1,\"Records\":[" REC("A") ",7,"
	    REC("B") "]}", err, sizeof(err)), 0);
	assert_counts(&c, 2, 1, 0);
	assert_record(&c, 0, "A", 1);
	assert_skipped(&c, 0, 2, "Records[1]: " EXPECTED " (found a number)");
	assert_record(&c, 1, "B", 3);
	dc_free(&c);
}

static void
test_sqs_batch(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "sqs-batch.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 2, 0, 0);
	assert_record(&c, 0, "CreateAccessKey", 1);	/* EventBridge in body */
	assert_record(&c, 1, "PutBucketPolicy", 2);	/* bare record in body */
	dc_free(&c);
}

static void
test_sqs_bad_body(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"Records\":[{\"eventSource\":\"aws:sqs\","
	    "\"body\":\"hello\"},{\"eventSource\":\"aws:sqs\",\"body\":\"{\\n"
	    "\\\"a\\\" 1}\"},{\"eventSource\":\"aws:sqs\",\"body\":\"\"},"
	    "{\"eventSource\":\"aws:sqs\"},{\"eventSource\":\"aws:sqs\","
	    "\"body\":\"" "{\\\"eventSource\\\":\\\"iam.amazonaws.com\\\","
	    "\\\"eventName\\\":\\\"X\\\",\\\"eventTime\\\":\\\"t\\\"} [1]\"}]}",
	    err, sizeof(err)), 0);
	assert_counts(&c, 0, 5, 0);
	assert_skipped(&c, 0, 1, "Records[0].body: SQS message body is not JSON: "
	    "line 1, column 1: unexpected character");
	assert_skipped(&c, 1, 2, "Records[1].body: SQS message body is not JSON: "
	    "line 2, column 5: object property name separator ':' expected");
	assert_skipped(&c, 2, 3, "Records[2].body: SQS message body is not JSON: "
	    "empty");
	assert_skipped(&c, 3, 4, "Records[3]: SQS record without a string body");
	assert_skipped(&c, 4, 5, "unexpected data after the JSON value");
	dc_free(&c);
}

static void
test_sns_envelope(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "sns-envelope.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "StopLogging", 1);
	dc_free(&c);

	/* fauxqs: "Subject": null, MessageAttributes {}, EventBridge inside. */
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "sns-envelope-fauxqs.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "DeleteTrail", 1);
	dc_free(&c);

	/* A plain-text message is not for us. */
	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"Type\":\"Notification\",\"Message\":"
	    "\"Hello world\"}", err, sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skipped(&c, 0, 1, "Message: SNS Message is not JSON: line 1, "
	    "column 1: unexpected character");
	dc_free(&c);
}

static void
test_sns_lambda(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "sns-lambda.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "AuthorizeSecurityGroupIngress", 1);
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"Records\":[{\"EventSource\":\"aws:sns\","
	    "\"Sns\":{}}]}", err, sizeof(err)), 0);
	assert_skipped(&c, 0, 1, "SNS record without a string Sns.Message");
	dc_free(&c);
}

static void
test_s3_notification(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "s3-notification.json", 0, err,
	    sizeof(err)), 0);
	/* Element 2 is a digest, element 3 a deletion: nothing for either. */
	assert_counts(&c, 0, 0, 2);
	assert_s3(&c, 0, "trail-bucket", "AWSLogs/111122223333/CloudTrail/"
	    "us-west-2/2024/05/01/red flower(copy)+plus.json.gz", "us-west-2", 1);
	assert_s3(&c, 1, "trail-bucket", ct_key, "eu-west-1", 4);
	dc_free(&c);
}

static void
test_s3_bad_records(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"Records\":[{\"eventSource\":\"aws:s3\","
	    "\"s3\":{\"bucket\":{\"name\":\"b\"}}},{\"eventSource\":\"aws:s3\","
	    "\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"a%00b\"}}},"
	    "{\"eventSource\":\"aws:s3\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
	    "\"object\":{\"key\":\"100%+sure%2\"}}}]}", err, sizeof(err)), 0);
	assert_counts(&c, 0, 2, 1);
	assert_skipped(&c, 0, 1, "S3 notification record without s3.bucket.name "
	    "and s3.object.key");
	assert_skipped(&c, 1, 2, "decodes to a NUL byte");
	/* A '%' without two hex digits stays; no awsRegion gives NULL. */
	assert_s3(&c, 0, "b", "100% sure%2", NULL, 3);
	dc_free(&c);
}

static void
test_s3_test_event(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "s3-test-event.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 0, 0, 0);
	dc_free(&c);
}

static void
test_cloudtrail_notification(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "cloudtrail-sns-notification.json", 0,
	    err, sizeof(err)), 0);
	/* The Insight key yields nothing; keys are not URL-decoded. */
	assert_counts(&c, 0, 0, 2);
	assert_s3(&c, 0, "trail-bucket", ct_key, NULL, 1);
	assert_s3(&c, 1, "trail-bucket", "AWSLogs/111122223333/CloudTrail/"
	    "us-west-2/2024/05/01/a+b%20c.json.gz", NULL, 1);
	dc_free(&c);

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[3,"
	    "\"k\"]}", err, sizeof(err)), 0);
	assert_counts(&c, 0, 1, 1);
	assert_skipped(&c, 0, 1, "s3ObjectKey[0] is a number: expected a string");
	assert_s3(&c, 0, "b", "k", NULL, 1);
	dc_free(&c);
}

static void
test_digest(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "cloudtrail-digest.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 0, 0, 0);
	dc_free(&c);
}

/* S3 notification inside an SNS envelope inside an SQS Lambda batch. */
static void
test_nested_three_levels(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_read_file(&c, "nested-sqs-sns-s3.json", 0, err,
	    sizeof(err)), 0);
	assert_counts(&c, 0, 0, 1);
	assert_s3(&c, 0, "trail-bucket", ct_key, "us-west-2", 1);
	dc_free(&c);
}

/* ------------------------------------------------------------------ */
/* What is skipped, and bounds                                         */
/* ------------------------------------------------------------------ */

static void
test_unrecognised(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"foo\":1,\"bar\":[]}", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "[" REC("X") "]", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "\"x\"", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "null", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{}", err, sizeof(err)), 0);
	assert_counts(&c, 0, 5, 0);
	assert_skipped(&c, 0, 1, EXPECTED " (found an object with keys \"foo\", "
	    "\"bar\")");
	assert_skipped(&c, 1, 1, EXPECTED " (found an array)");
	assert_skipped(&c, 2, 1, EXPECTED " (found a string)");
	assert_skipped(&c, 3, 1, EXPECTED " (found null)");
	assert_skipped(&c, 4, 1, EXPECTED " (found an object with no keys)");
	dc_free(&c);
}

/* The corpus heuristic: eventSource + eventName + one more field. */
static void
test_record_heuristic(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"eventSource\":\"iam.amazonaws.com\","
	    "\"eventName\":\"X\"}", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"eventSource\":\"iam.amazonaws.com\","
	    "\"eventName\":\"Y\",\"userIdentity\":{}}", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"eventSource\":\"iam.amazonaws.com\","
	    "\"eventName\":7,\"eventTime\":\"t\"}", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"eventSource\":\"aws:kinesis\","
	    "\"eventName\":\"aws:kinesis:record\",\"eventVersion\":\"1.0\","
	    "\"awsRegion\":\"us-east-1\"}", err, sizeof(err)), 0);
	assert_counts(&c, 1, 3, 0);
	assert_skipped(&c, 0, 1, "(found eventSource and eventName but none of "
	    "eventVersion, userIdentity, eventTime, awsRegion)");
	assert_record(&c, 0, "Y", 1);
	assert_skipped(&c, 1, 1, "found an object with keys \"eventSource\"");
	assert_skipped(&c, 2, 1, "(found a Lambda trigger record from "
	    "aws:kinesis)");
	dc_free(&c);
}

/* Wrap a record in n SNS envelopes, each a string inside the next. */
static char *
wrap_sns(int n)
{
	json_object *v = json_tokener_parse(REC("Deep")), *env;
	char *s;
	int i;

	for (i = 0; i < n; i++) {
		env = json_object_new_object();
		json_object_object_add(env, "Type",
		    json_object_new_string("Notification"));
		json_object_object_add(env, "Message", json_object_new_string(
		    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
		json_object_put(v);
		v = env;
	}
	s = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	json_object_put(v);
	return s;
}

static void
test_depth_bound(void)
{
	struct dc c;
	char err[256], *doc;

	dc_init(&c);
	doc = wrap_sns(8);
	CU_ASSERT_EQUAL(dc_unwrap(&c, doc, err, sizeof(err)), 0);
	free(doc);
	assert_counts(&c, 1, 0, 0);
	assert_record(&c, 0, "Deep", 1);
	doc = wrap_sns(9);
	CU_ASSERT_EQUAL(dc_unwrap(&c, doc, err, sizeof(err)), 0);
	free(doc);
	assert_counts(&c, 1, 1, 0);
	assert_skipped(&c, 0, 1, "Message.Message.Message.Message.Message."
	    "Message.Message.Message.Message: envelopes nested more than 8 deep");
	dc_free(&c);
}

static void
test_callback_stops(void)
{
	struct dc c;
	char err[256];

	dc_init(&c);
	c.stop_at = 2;
	c.stop_rc = -ECANCELED;
	CU_ASSERT_EQUAL(dc_unwrap(&c, "{\"Records\":[" REC("A") "," REC("B") ","
	    REC("C") "]}", err, sizeof(err)), -ECANCELED);
	assert_counts(&c, 2, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test: "));
	dc_free(&c);
}

/* An input that does not fetch S3 objects gets told what it missed. */
static void
test_no_s3_callback(void)
{
	static const struct ce_doc_ops ops_no_s3 = { NULL, NULL, NULL };
	struct ce_doc_ops ops;
	struct dc c;
	char err[256];
	json_object *v;

	dc_init(&c);
	ops = dc_ops;
	ops.s3_object = NULL;
	v = json_tokener_parse("{\"s3Bucket\":\"b\",\"s3ObjectKey\":[\"k/x.gz\"]}");
	CU_ASSERT_EQUAL(ce_doc_unwrap(v, "test", 4, NULL, &ops, &c, err,
	    sizeof(err)), 0);
	assert_counts(&c, 0, 1, 0);
	assert_skipped(&c, 0, 4, "s3://b/k/x.gz not read: this input does not "
	    "fetch S3 objects");
	dc_free(&c);

	/* No callbacks at all: nothing leaks, nothing crashes. */
	v = json_tokener_parse("{\"Records\":[" REC("A") ",{}]}");
	CU_ASSERT_EQUAL(ce_doc_unwrap(v, "test", 1, NULL, &ops_no_s3, NULL, NULL,
	    0), 0);
	CU_ASSERT_EQUAL(ce_doc_unwrap(NULL, "test", 1, NULL, NULL, NULL, err,
	    sizeof(err)), -EINVAL);
}

/* Records handed on stay valid after the envelope is gone. */
struct keep {
	json_object	*recs[4];
	int		 n;
};

static int
keep_record(void *arg, struct json_object *record, const char *origin,
    uint64_t index)
{
	struct keep *k = arg;

	(void)origin;
	(void)index;
	if (k->n < 4)
		k->recs[k->n++] = record;
	else
		json_object_put(record);
	return 0;
}

static void
test_record_ownership(void)
{
	static const struct ce_doc_ops ops = { keep_record, NULL, NULL };
	struct keep k = { { NULL }, 0 };
	json_object *v, *name;
	char err[256];
	int i;

	v = json_tokener_parse("{\"Records\":[" REC("A") ",{\"detail-type\":"
	    "\"AWS API Call via CloudTrail\",\"detail\":" REC("B") "}]}");
	CU_ASSERT_EQUAL(ce_doc_unwrap(v, "test", 1, NULL, &ops, &k, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(k.n, 2);
	for (i = 0; i < k.n; i++) {
		CU_ASSERT(json_object_object_get_ex(k.recs[i], "eventName", &name));
		CU_ASSERT_STRING_EQUAL(json_object_get_string(name),
		    i == 0 ? "A" : "B");
		/* The only reference: put frees it (valgrind/ASan check). */
		json_object_put(k.recs[i]);
	}
}

int
main(void)
{
	CU_TestInfo shapes[] = {
		CE_TEST(test_eventbridge),
		CE_TEST(test_eventbridge_not_cloudtrail),
		CE_TEST(test_cloudtrail_log),
		CE_TEST(test_sqs_batch),
		CE_TEST(test_sqs_bad_body),
		CE_TEST(test_sns_envelope),
		CE_TEST(test_sns_lambda),
		CE_TEST(test_s3_notification),
		CE_TEST(test_s3_bad_records),
		CE_TEST(test_s3_test_event),
		CE_TEST(test_cloudtrail_notification),
		CE_TEST(test_digest),
		CE_TEST(test_nested_three_levels),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo rules[] = {
		CE_TEST(test_unrecognised),
		CE_TEST(test_record_heuristic),
		CE_TEST(test_depth_bound),
		CE_TEST(test_callback_stops),
		CE_TEST(test_no_s3_callback),
		CE_TEST(test_record_ownership),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "shapes", NULL, NULL, NULL, NULL, shapes },
		{ "rules", NULL, NULL, NULL, NULL, rules },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
