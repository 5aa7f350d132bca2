/*
 * test_sqs.c - the `sqs` input's parts without a network: queue URLs, the
 * JSON protocol's bodies and answers, error codes and backoff, and the
 * ledger that decides what is deleted, returned, extended and when.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "sqs.h"

#define Q	"https://sqs.eu-west-2.amazonaws.com/123456789012/ct-events"

/* ------------------------------------------------------------------ */
/* Queue URLs                                                          */
/* ------------------------------------------------------------------ */

static int
parse_url(const char *url, char *name, char *region)
{
	char err[512];

	return sqs_queue_parse(url, name, SQS_NAME_MAX + 1, region, 64, err,
	    sizeof(err));
}

static void
queue_urls_give_name_and_region(void)
{
	char name[SQS_NAME_MAX + 1], region[64];

	CU_ASSERT_EQUAL(parse_url(Q, name, region), 0);
	CU_ASSERT_STRING_EQUAL(name, "ct-events");
	CU_ASSERT_STRING_EQUAL(region, "eu-west-2");
	/* fauxqs's own URLs: the region is in the host, the port is not. */
	CU_ASSERT_EQUAL(parse_url("http://sqs.us-east-1.localhost:45660/"
	    "000000000000/q_1.fifo", name, region), 0);
	CU_ASSERT_STRING_EQUAL(name, "q_1.fifo");
	CU_ASSERT_STRING_EQUAL(region, "us-east-1");
	CU_ASSERT_EQUAL(parse_url("https://ap-south-1.queue.amazonaws.com/"
	    "1/x", name, region), 0);
	CU_ASSERT_STRING_EQUAL(region, "ap-south-1");
	CU_ASSERT_EQUAL(parse_url("https://queue.amazonaws.com/1/x", name,
	    region), 0);
	CU_ASSERT_STRING_EQUAL(region, "us-east-1");
	/* A host that names no region leaves it to the caller. */
	CU_ASSERT_EQUAL(parse_url("http://127.0.0.1:4566/000000000000/x",
	    name, region), 0);
	CU_ASSERT_STRING_EQUAL(region, "");
	CU_ASSERT_EQUAL(parse_url("https://sqs.localhost/1/x", name,
	    region), 0);
	CU_ASSERT_STRING_EQUAL(region, "");
}

static void
bad_queue_urls_are_refused_with_the_form_expected(void)
{
	static const char *const bad[] = {
		"sqs.us-east-1.amazonaws.com/1/q",
		"ftp://sqs.us-east-1.amazonaws.com/1/q",
		"https://sqs.us-east-1.amazonaws.com/q",
		"https://sqs.us-east-1.amazonaws.com/1/",
		"https://sqs.us-east-1.amazonaws.com//q",
		"https://sqs.us-east-1.amazonaws.com/1/q/",
		"https://sqs.us-east-1.amazonaws.com/1/q?x=1",
		"https://sqs.us-east-1.amazonaws.com/1/a b",
		"https://sqs.us-east-1.amazonaws.com/1/.fifo",
		"https:///1/q",
		"https://sqs.us-east-1.amazonaws.com/1/"
		    "a123456789012345678901234567890123456789012345678901234567"
		    "89012345678901234567890",
		NULL
	};
	char name[SQS_NAME_MAX + 1], region[64], err[512];
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(sqs_queue_parse(bad[i], name, sizeof(name),
		    region, sizeof(region), err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected https://sqs."));
	}
	CU_ASSERT_EQUAL(sqs_queue_parse(NULL, name, sizeof(name), region,
	    sizeof(region), err, sizeof(err)), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static void
receive_request_asks_for_everything(void)
{
	char *body = sqs_receive_request(Q, 7, 20, 90);

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_STRING_EQUAL(body, "{\"QueueUrl\":\"" Q "\","
	    "\"MaxNumberOfMessages\":7,\"WaitTimeSeconds\":20,"
	    "\"VisibilityTimeout\":90,\"AttributeNames\":[\"All\"],"
	    "\"MessageSystemAttributeNames\":[\"All\"]}");
	free(body);
}

static void
batch_requests_number_their_entries(void)
{
	struct sqs_entry del[2] = { { "rh-\"a\"/+=", -1 }, { "rh-b", -1 } };
	struct sqs_entry vis[2] = { { "rh-a", 0 }, { "rh-b", 60 } };
	char *body;

	body = sqs_batch_request(Q, del, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_STRING_EQUAL(body, "{\"QueueUrl\":\"" Q "\",\"Entries\":["
	    "{\"Id\":\"0\",\"ReceiptHandle\":\"rh-\\\"a\\\"/+=\"},"
	    "{\"Id\":\"1\",\"ReceiptHandle\":\"rh-b\"}]}");
	free(body);
	body = sqs_batch_request(Q, vis, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_STRING_EQUAL(body, "{\"QueueUrl\":\"" Q "\",\"Entries\":["
	    "{\"Id\":\"0\",\"ReceiptHandle\":\"rh-a\",\"VisibilityTimeout\":0},"
	    "{\"Id\":\"1\",\"ReceiptHandle\":\"rh-b\","
	    "\"VisibilityTimeout\":60}]}");
	free(body);
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */
/* ------------------------------------------------------------------ */

static int
parse_msgs(const char *json, struct sqs_messages *m)
{
	char err[256];

	return sqs_parse_messages(json, strlen(json), m, err, sizeof(err));
}

static void
empty_receive_is_an_empty_object(void)
{
	struct sqs_messages m;

	CU_ASSERT_EQUAL(parse_msgs("{}", &m), 0);
	CU_ASSERT_EQUAL(m.n, 0);
	sqs_messages_free(&m);
	CU_ASSERT_EQUAL(parse_msgs("{\"Messages\":[]}\n", &m), 0);
	CU_ASSERT_EQUAL(m.n, 0);
	sqs_messages_free(&m);
	CU_ASSERT_EQUAL(parse_msgs("{\"Messages\":null}", &m), 0);
	CU_ASSERT_EQUAL(m.n, 0);
	sqs_messages_free(&m);
}

static void
messages_are_taken_with_their_handles(void)
{
	static const char json[] = "{\"Messages\":["
	    "{\"MessageId\":\"m-1\",\"ReceiptHandle\":\"rh-1\","
	    "\"MD5OfBody\":\"x\",\"Body\":\"{\\\"a\\\":\\\"\\u0000b\\\"}\","
	    "\"Attributes\":{\"ApproximateReceiveCount\":\"3\","
	    "\"SentTimestamp\":\"1\"}},"
	    "{\"MessageId\":\"m-2\",\"Body\":\"no handle\"},"
	    "{\"MessageId\":\"m-3\",\"ReceiptHandle\":\"rh-3\"},"
	    "17]}";
	struct sqs_messages m;

	CU_ASSERT_EQUAL_FATAL(parse_msgs(json, &m), 0);
	CU_ASSERT_EQUAL_FATAL(m.n, 2);
	CU_ASSERT_EQUAL(m.dropped, 2);
	CU_ASSERT_STRING_EQUAL(m.v[0].id, "m-1");
	CU_ASSERT_STRING_EQUAL(m.v[0].receipt, "rh-1");
	CU_ASSERT_EQUAL(m.v[0].len, 10);	/* the NUL byte is kept */
	CU_ASSERT_EQUAL(memcmp(m.v[0].body, "{\"a\":\"\0b\"}", 10), 0);
	CU_ASSERT_EQUAL(m.v[0].receive_count, 3);
	CU_ASSERT_STRING_EQUAL(m.v[1].id, "m-3");
	CU_ASSERT_EQUAL(m.v[1].len, 0);
	CU_ASSERT_STRING_EQUAL(m.v[1].body, "");
	CU_ASSERT_EQUAL(m.v[1].receive_count, 0);
	sqs_messages_free(&m);
}

static void
malformed_answers_are_errors(void)
{
	static const char *const bad[] = {
		"", "[]", "{\"Messages\":{}}", "{\"Messages\":[", "{} {}",
		"<xml/>", NULL
	};
	struct sqs_messages m;
	char err[256];
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(sqs_parse_messages(bad[i], strlen(bad[i]), &m,
		    err, sizeof(err)), -EINVAL);
		CU_ASSERT(err[0] != '\0');
		CU_ASSERT_EQUAL(m.n, 0);
		sqs_messages_free(&m);
	}
}

static void
batch_answers_are_matched_by_id(void)
{
	static const char json[] = "{\"Successful\":[{\"Id\":\"0\"},"
	    "{\"Id\":\"2\"},{\"Id\":\"9\"},{\"Id\":\"x\"}],"
	    "\"Failed\":[{\"Id\":\"1\",\"SenderFault\":true,"
	    "\"Code\":\"ReceiptHandleIsInvalid\",\"Message\":\"bad\\nsecond\"},"
	    "{\"Id\":\"3\",\"SenderFault\":false,\"Code\":\"InternalError\"}]}";
	struct sqs_entry_result r[5];
	char err[256];

	CU_ASSERT_EQUAL_FATAL(sqs_parse_batch(json, strlen(json), r, 5, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(r[0].status, SQS_ENTRY_OK);
	CU_ASSERT_EQUAL(r[1].status, SQS_ENTRY_FAILED);
	CU_ASSERT_EQUAL(r[1].sender_fault, 1);
	CU_ASSERT_STRING_EQUAL(r[1].code, "ReceiptHandleIsInvalid");
	CU_ASSERT_STRING_EQUAL(r[1].message, "bad");
	CU_ASSERT_EQUAL(r[2].status, SQS_ENTRY_OK);
	CU_ASSERT_EQUAL(r[3].status, SQS_ENTRY_FAILED);
	CU_ASSERT_EQUAL(r[3].sender_fault, 0);
	/* Neither list names entry 4: not assumed done. */
	CU_ASSERT_EQUAL(r[4].status, SQS_ENTRY_UNKNOWN);
	CU_ASSERT_EQUAL(sqs_parse_batch("oops", 4, r, 5, err, sizeof(err)),
	    -EINVAL);
}

static void
error_answers_give_code_and_first_line(void)
{
	static const char mismatch[] = "{\"__type\":\"com.amazon.coral."
	    "service#SignatureDoesNotMatch\",\"message\":\"The request "
	    "signature we calculated does not match.\\n\\nThe Canonical "
	    "String for this request should have been\\n'x-amz-security-"
	    "token:SECRET'\"}";
	static const char throttled[] = "{\"__type\":\"com.amazonaws.sqs#"
	    "RequestThrottled\",\"Message\":\"slow down\"}";
	struct sqs_error e;

	sqs_parse_error(403, mismatch, strlen(mismatch), NULL, &e);
	CU_ASSERT_STRING_EQUAL(e.code, "SignatureDoesNotMatch");
	CU_ASSERT_STRING_EQUAL(e.message,
	    "The request signature we calculated does not match.");
	CU_ASSERT_PTR_NULL(strstr(e.message, "SECRET"));
	CU_ASSERT_EQUAL(e.retryable, 0);
	sqs_parse_error(400, throttled, strlen(throttled), NULL, &e);
	CU_ASSERT_STRING_EQUAL(e.code, "RequestThrottled");
	CU_ASSERT_STRING_EQUAL(e.message, "slow down");
	CU_ASSERT_EQUAL(e.retryable, 1);
	sqs_parse_error(400, "", 0,
	    "AWS.SimpleQueueService.NonExistentQueue;Sender", &e);
	CU_ASSERT_STRING_EQUAL(e.code, "AWS.SimpleQueueService.NonExistentQueue");
	CU_ASSERT_EQUAL(e.retryable, 0);
	sqs_parse_error(503, "<html>", 6, NULL, &e);
	CU_ASSERT_STRING_EQUAL(e.code, "HTTP 503");
	CU_ASSERT_EQUAL(e.retryable, 1);
	sqs_parse_error(429, NULL, 0, NULL, &e);
	CU_ASSERT_EQUAL(e.retryable, 1);
	sqs_parse_error(400, "{\"__type\":\"QueueDoesNotExist\"}", 30, NULL,
	    &e);
	CU_ASSERT_STRING_EQUAL(e.code, "QueueDoesNotExist");
	CU_ASSERT_EQUAL(e.retryable, 0);
}

static void
backoff_grows_is_capped_and_jittered(void)
{
	uint64_t seed = 42;
	int64_t d, lo = INT64_MAX, hi = 0;
	unsigned i;

	for (i = 0; i < 200; i++) {
		d = sqs_backoff_ms(1, 200, 20000, &seed);
		CU_ASSERT(d >= 100 && d <= 200);
		d = sqs_backoff_ms(4, 200, 20000, &seed);
		CU_ASSERT(d >= 800 && d <= 1600);
		d = sqs_backoff_ms(40, 200, 20000, &seed);
		CU_ASSERT(d >= 10000 && d <= 20000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CU_ASSERT(hi - lo > 1000);	/* jitter spreads the retries */
	CU_ASSERT(sqs_backoff_ms(1000000, 200, 20000, &seed) <= 20000);
}

/* ------------------------------------------------------------------ */
/* The ledger                                                          */
/* ------------------------------------------------------------------ */

#define VIS	60

static struct sqs_ledger L;
static char reported[512];
static size_t nreported;

static void
report(void *arg, const struct sqs_batch *b, size_t i, const char *what)
{
	(void)arg;
	snprintf(reported, sizeof(reported), "%s: %s", b->msg[i]->origin,
	    what);
	nreported++;
}

static void
ledger_new(int failed_visibility)
{
	CU_ASSERT_EQUAL_FATAL(sqs_ledger_init(&L, VIS, failed_visibility), 0);
	reported[0] = '\0';
	nreported = 0;
}

static struct sqs_msg *
add(const char *id, const char *receipt, int64_t now)
{
	struct sqs_message m = { .id = (char *)id, .receipt = (char *)receipt,
	    .body = (char *)"{}", .len = 2 };
	int oom;
	struct sqs_msg *msg = sqs_ledger_add(&L, "q", &m, now, &oom);

	CU_ASSERT_EQUAL(oom, 0);
	return msg;
}

/* Take what is due at now under the lock, as the acknowledger does. */
static int
take(struct sqs_batch *b, int64_t now)
{
	int got;

	pthread_mutex_lock(&L.lock);
	got = sqs_ledger_take_due(&L, b, now);
	pthread_mutex_unlock(&L.lock);
	return got;
}

static void
all_ok(struct sqs_batch *b)
{
	struct sqs_entry_result r[SQS_BATCH_MAX];
	size_t i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < b->n; i++)
		r[i].status = SQS_ENTRY_OK;
	sqs_ledger_finish(&L, b, r, NULL, report, NULL);
}

static void
ok_messages_are_deleted_with_their_handle(void)
{
	struct sqs_batch b, b2;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(m->origin, "sqs:q/m-1");
	CU_ASSERT_EQUAL(L.working, 1);
	CU_ASSERT_EQUAL(take(&b, t + 1000), 0);	/* nothing due yet */
	sqs_ledger_settle(&L, m, 1);
	CU_ASSERT_EQUAL(L.working, 0);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + 1000), 1);
	CU_ASSERT_EQUAL(b.action, SQS_ACT_DELETE);
	CU_ASSERT_EQUAL_FATAL(b.n, 1);
	CU_ASSERT_STRING_EQUAL(b.entry[0].receipt, "rh-1");
	CU_ASSERT_EQUAL(b.entry[0].visibility, -1);
	CU_ASSERT_EQUAL(take(&b2, t + 1000), 0);	/* busy: not twice */
	all_ok(&b);
	CU_ASSERT_EQUAL(L.counts.deleted, 1);
	CU_ASSERT_EQUAL(take(&b, t + 2000), 0);
	CU_ASSERT_EQUAL(L.held, 0);		/* freed */
	sqs_ledger_destroy(&L);
}

static void
failed_messages_are_never_deleted(void)
{
	struct sqs_batch b;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();

	/* Left to SQS: no call at all, and gone from the ledger. */
	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	sqs_ledger_settle(&L, m, 0);
	CU_ASSERT_EQUAL(take(&b, t + 1), 0);
	CU_ASSERT_EQUAL(L.held, 0);
	CU_ASSERT_EQUAL(L.counts.deleted, 0);
	sqs_ledger_destroy(&L);

	/* Returned early: a visibility change, never a delete. */
	ledger_new(5);
	m = add("m-1", "rh-1", t);
	sqs_ledger_settle(&L, m, 0);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + 1), 1);
	CU_ASSERT_EQUAL(b.action, SQS_ACT_VISIBILITY);
	CU_ASSERT_EQUAL(b.entry[0].visibility, 5);
	all_ok(&b);
	CU_ASSERT_EQUAL(L.counts.returned, 1);
	CU_ASSERT_EQUAL(L.counts.deleted, 0);
	CU_ASSERT_EQUAL(take(&b, t + 2), 0);
	CU_ASSERT_EQUAL(L.held, 0);
	sqs_ledger_destroy(&L);

	/* Never submitted (the pipeline closed): back at once. */
	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	sqs_ledger_unsubmitted(&L, m, 1);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + 1), 1);
	CU_ASSERT_EQUAL(b.entry[0].visibility, 0);
	all_ok(&b);
	CU_ASSERT_EQUAL(L.held, 0);
	sqs_ledger_destroy(&L);
}

static void
working_messages_are_extended_before_their_timeout(void)
{
	struct sqs_batch b;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	CU_ASSERT_EQUAL(take(&b, t + VIS * 500 - 1), 0);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + VIS * 500), 1);
	CU_ASSERT_EQUAL(b.action, SQS_ACT_VISIBILITY);
	CU_ASSERT_EQUAL(b.entry[0].visibility, VIS);
	all_ok(&b);
	CU_ASSERT_EQUAL(L.counts.extended, 1);
	/* The new timeout counts from when the extension was sent. */
	CU_ASSERT_EQUAL(m->visible_at, t + VIS * 500 + VIS * 1000);
	CU_ASSERT_EQUAL(take(&b, t + VIS * 1000 - 1), 0);
	CU_ASSERT_EQUAL(take(&b, t + VIS * 1000), 1);
	sqs_batch_clear(&b);
	sqs_ledger_destroy(&L);
}

static void
extension_refused_stops_extending(void)
{
	struct sqs_entry_result r = { .status = SQS_ENTRY_FAILED,
	    .sender_fault = 1, .code = "InvalidParameterValue",
	    .message = "Total VisibilityTimeout for the message is beyond "
	    "the limit" };
	struct sqs_batch b;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + VIS * 1000), 1);
	sqs_ledger_finish(&L, &b, &r, NULL, report, NULL);
	CU_ASSERT_EQUAL(nreported, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(reported, "sqs:q/m-1: "
	    "InvalidParameterValue: Total VisibilityTimeout"));
	CU_ASSERT_EQUAL(take(&b, t + VIS * 10000), 0);
	/* It still gets deleted when it succeeds. */
	sqs_ledger_settle(&L, m, 1);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + VIS * 10000), 1);
	CU_ASSERT_EQUAL(b.action, SQS_ACT_DELETE);
	all_ok(&b);
	CU_ASSERT_EQUAL(L.held, 0);
	sqs_ledger_destroy(&L);
}

static void
redelivery_while_held_is_not_submitted_again(void)
{
	struct sqs_batch b;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NULL(add("m-1", "rh-2", t + 5));
	CU_ASSERT_EQUAL(L.counts.duplicates, 1);
	CU_ASSERT_EQUAL(L.working, 1);
	CU_ASSERT_EQUAL(L.held, 1);
	sqs_ledger_settle(&L, m, 1);
	/* Deleted with the latest receipt handle. */
	CU_ASSERT_EQUAL_FATAL(take(&b, t + 10), 1);
	CU_ASSERT_STRING_EQUAL(b.entry[0].receipt, "rh-2");
	all_ok(&b);
	sqs_ledger_destroy(&L);

	/* A message that failed before is new work when it comes back. */
	ledger_new(0);
	m = add("m-1", "rh-1", t);
	sqs_ledger_settle(&L, m, 0);
	CU_ASSERT_PTR_EQUAL(add("m-1", "rh-2", t + 5), m);
	CU_ASSERT_EQUAL(L.working, 1);
	CU_ASSERT_EQUAL(m->state, SQS_WORKING);
	CU_ASSERT_EQUAL(take(&b, t + 6), 0);	/* no stale return */
	sqs_ledger_settle(&L, m, 1);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + 7), 1);
	CU_ASSERT_EQUAL(b.action, SQS_ACT_DELETE);
	CU_ASSERT_STRING_EQUAL(b.entry[0].receipt, "rh-2");
	all_ok(&b);
	sqs_ledger_destroy(&L);
}

static void
failed_entries_are_retried_with_the_latest_handle(void)
{
	struct sqs_entry_result r = { .status = SQS_ENTRY_FAILED,
	    .sender_fault = 0, .code = "InternalError" };
	struct sqs_batch b;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	sqs_ledger_settle(&L, m, 1);
	CU_ASSERT_EQUAL_FATAL(take(&b, t), 1);
	sqs_ledger_finish(&L, &b, &r, NULL, report, NULL);
	CU_ASSERT_EQUAL(nreported, 0);
	CU_ASSERT_EQUAL(m->tries, 1);
	CU_ASSERT(m->next_try > t);
	/* Received again meanwhile: the retry uses the new handle. */
	CU_ASSERT_PTR_NULL(add("m-1", "rh-2", t + 1));
	CU_ASSERT_EQUAL_FATAL(take(&b, t + 1), 1);
	CU_ASSERT_STRING_EQUAL(b.entry[0].receipt, "rh-2");
	all_ok(&b);
	CU_ASSERT_EQUAL(L.counts.deleted, 1);
	CU_ASSERT_EQUAL(L.held, 0);
	sqs_ledger_destroy(&L);
}

static void
handle_changed_during_a_delete_is_deleted_again(void)
{
	struct sqs_batch b;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	sqs_ledger_settle(&L, m, 1);
	CU_ASSERT_EQUAL_FATAL(take(&b, t), 1);
	CU_ASSERT_PTR_NULL(add("m-1", "rh-2", t + 1));	/* while sending */
	all_ok(&b);
	CU_ASSERT_EQUAL(L.counts.deleted, 0);
	CU_ASSERT_EQUAL_FATAL(take(&b, t + 2), 1);
	CU_ASSERT_STRING_EQUAL(b.entry[0].receipt, "rh-2");
	all_ok(&b);
	CU_ASSERT_EQUAL(L.counts.deleted, 1);
	CU_ASSERT_EQUAL(L.held, 0);
	sqs_ledger_destroy(&L);
}

static void
sender_faults_and_exhausted_retries_are_given_up(void)
{
	struct sqs_entry_result r = { .status = SQS_ENTRY_FAILED,
	    .sender_fault = 1, .code = "ReceiptHandleIsInvalid" };
	struct sqs_error e = { .code = "Connection", .retryable = 1 };
	struct sqs_batch b;
	struct sqs_msg *m;
	int64_t t = sqs_now_ms();
	unsigned i;

	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	sqs_ledger_settle(&L, m, 1);
	CU_ASSERT_EQUAL_FATAL(take(&b, t), 1);
	sqs_ledger_finish(&L, &b, &r, NULL, report, NULL);
	CU_ASSERT_EQUAL(nreported, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(reported, "ReceiptHandleIsInvalid"));
	CU_ASSERT_EQUAL(L.counts.given_up, 1);
	CU_ASSERT_EQUAL(take(&b, t + 1), 0);
	CU_ASSERT_EQUAL(L.held, 0);
	sqs_ledger_destroy(&L);

	/* The whole call failing: retried with backoff, max_tries times. */
	ledger_new(-1);
	m = add("m-1", "rh-1", t);
	sqs_ledger_settle(&L, m, 1);
	for (i = 1; i < L.max_tries; i++) {
		CU_ASSERT_EQUAL_FATAL(take(&b, t), 1);
		sqs_ledger_finish(&L, &b, NULL, &e, report, NULL);
		CU_ASSERT_EQUAL(m->tries, i);
		CU_ASSERT_EQUAL(take(&b, t), 0);	/* backing off */
		t = m->next_try;
	}
	CU_ASSERT_EQUAL(nreported, 0);
	CU_ASSERT_EQUAL_FATAL(take(&b, t), 1);
	sqs_ledger_finish(&L, &b, NULL, &e, report, NULL);
	CU_ASSERT_EQUAL(nreported, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(reported, "Connection"));
	CU_ASSERT_EQUAL(L.counts.deleted, 0);
	CU_ASSERT_EQUAL(take(&b, t + 1), 0);
	CU_ASSERT_EQUAL(L.held, 0);
	sqs_ledger_destroy(&L);
}

static void
batches_hold_at_most_ten(void)
{
	struct sqs_msg *m[23];
	struct sqs_batch b;
	char id[16];
	size_t i, total = 0, batches = 0;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	for (i = 0; i < 23; i++) {
		snprintf(id, sizeof(id), "m-%zu", i);
		m[i] = add(id, id, t);
		sqs_ledger_settle(&L, m[i], 1);
	}
	while (take(&b, t)) {
		CU_ASSERT(b.n <= SQS_BATCH_MAX);
		total += b.n;
		batches++;
		all_ok(&b);
	}
	CU_ASSERT_EQUAL(total, 23);
	CU_ASSERT_EQUAL(batches, 3);
	CU_ASSERT_EQUAL(L.counts.deleted, 23);
	sqs_ledger_destroy(&L);
}

static void
shutdown_releases_what_is_unfinished(void)
{
	struct sqs_msg *a, *b2, *c;
	struct sqs_batch b;
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	a = add("m-a", "rh-a", t);
	b2 = add("m-b", "rh-b", t);
	c = add("m-c", "rh-c", t);
	sqs_ledger_settle(&L, a, 1);
	CU_ASSERT_EQUAL(sqs_ledger_wait_settled(&L, sqs_now_ms()), 2);
	CU_ASSERT_EQUAL(sqs_ledger_release_all(&L), 2);
	CU_ASSERT_EQUAL(L.working, 0);
	CU_ASSERT_EQUAL_FATAL(take(&b, t), 1);
	CU_ASSERT_EQUAL(b.action, SQS_ACT_DELETE);	/* deletes first */
	CU_ASSERT_STRING_EQUAL(b.entry[0].receipt, "rh-a");
	all_ok(&b);
	CU_ASSERT_EQUAL_FATAL(take(&b, t), 1);
	CU_ASSERT_EQUAL(b.action, SQS_ACT_VISIBILITY);
	CU_ASSERT_EQUAL(b.n, 2);
	CU_ASSERT_EQUAL(b.entry[0].visibility, 0);
	CU_ASSERT_EQUAL(b.entry[1].visibility, 0);
	all_ok(&b);
	CU_ASSERT_EQUAL(L.counts.released, 2);
	CU_ASSERT_EQUAL(L.held, 2);	/* done() is still to come */
	/* Late outcomes: nothing more is sent for them, even OK ones. */
	sqs_ledger_settle(&L, b2, 1);
	sqs_ledger_settle(&L, c, 0);
	CU_ASSERT_EQUAL(take(&b, t + 1), 0);
	CU_ASSERT_EQUAL(L.held, 0);
	CU_ASSERT_EQUAL(L.counts.deleted, 1);
	sqs_ledger_destroy(&L);
}

static void
room_follows_the_messages_in_flight(void)
{
	struct sqs_msg *m[3];
	int64_t t = sqs_now_ms();

	ledger_new(-1);
	CU_ASSERT_EQUAL(sqs_ledger_wait_room(&L, 3), 3);
	m[0] = add("m-0", "r", t);
	m[1] = add("m-1", "r", t);
	CU_ASSERT_EQUAL(sqs_ledger_wait_room(&L, 3), 1);
	m[2] = add("m-2", "r", t);
	sqs_ledger_settle(&L, m[1], 1);
	CU_ASSERT_EQUAL(sqs_ledger_wait_room(&L, 3), 1);
	sqs_ledger_settle(&L, m[0], 0);
	sqs_ledger_settle(&L, m[2], 1);
	CU_ASSERT_EQUAL(sqs_ledger_wait_room(&L, 3), 3);
	sqs_ledger_close(&L);
	CU_ASSERT_EQUAL(sqs_ledger_wait_room(&L, 3), 0);
	CU_ASSERT_EQUAL(sqs_ledger_sleep(&L, 60000), -ECANCELED);
	sqs_ledger_destroy(&L);	/* frees what is left */
}

/* The acknowledger's blocking take() wakes for work and for quit. */
struct taker {
	int	 got;
	size_t	 n;
};

static void *
taker_main(void *arg)
{
	struct taker *tk = arg;
	struct sqs_batch b;

	tk->got = sqs_ledger_take(&L, &b);
	tk->n = b.n;
	if (tk->got)
		all_ok(&b);
	return NULL;
}

static void
take_waits_for_work_and_quits(void)
{
	struct taker tk = { -1, 0 };
	struct sqs_msg *m;
	pthread_t th;

	ledger_new(-1);
	m = add("m-1", "rh-1", sqs_now_ms());
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, taker_main, &tk), 0);
	sqs_ledger_settle(&L, m, 1);	/* wakes it */
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(tk.got, 1);
	CU_ASSERT_EQUAL(tk.n, 1);
	CU_ASSERT_EQUAL(L.counts.deleted, 1);

	/* A WORKING message is not extended once quitting, however due. */
	add("m-2", "rh-2", sqs_now_ms() - VIS * 1000);
	sqs_ledger_quit(&L, sqs_now_ms() + 60000);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, taker_main, &tk), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(tk.got, 0);
	sqs_ledger_destroy(&L);
}

static CU_TestInfo proto_tests[] = {
	CE_TEST(queue_urls_give_name_and_region),
	CE_TEST(bad_queue_urls_are_refused_with_the_form_expected),
	CE_TEST(receive_request_asks_for_everything),
	CE_TEST(batch_requests_number_their_entries),
	CE_TEST(empty_receive_is_an_empty_object),
	CE_TEST(messages_are_taken_with_their_handles),
	CE_TEST(malformed_answers_are_errors),
	CE_TEST(batch_answers_are_matched_by_id),
	CE_TEST(error_answers_give_code_and_first_line),
	CE_TEST(backoff_grows_is_capped_and_jittered),
	CU_TEST_INFO_NULL
};

static CU_TestInfo ledger_tests[] = {
	CE_TEST(ok_messages_are_deleted_with_their_handle),
	CE_TEST(failed_messages_are_never_deleted),
	CE_TEST(working_messages_are_extended_before_their_timeout),
	CE_TEST(extension_refused_stops_extending),
	CE_TEST(redelivery_while_held_is_not_submitted_again),
	CE_TEST(failed_entries_are_retried_with_the_latest_handle),
	CE_TEST(handle_changed_during_a_delete_is_deleted_again),
	CE_TEST(sender_faults_and_exhausted_retries_are_given_up),
	CE_TEST(batches_hold_at_most_ten),
	CE_TEST(shutdown_releases_what_is_unfinished),
	CE_TEST(room_follows_the_messages_in_flight),
	CE_TEST(take_waits_for_work_and_quits),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "sqs protocol", .pTests = proto_tests },
	{ .pName = "sqs ledger", .pTests = ledger_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}
