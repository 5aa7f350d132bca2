/*
 * test_sns.c - the `sns` output's pure parts: Subject and MessageGroupId
 * sanitising, escaping, the message within SNS's byte limit (always valid
 * JSON and UTF-8), the Publish body, the XML answers, error kinds and the
 * redaction of secrets.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ce_test.h"
#include "common/json.h"
#include "fake_host.h"
#include "sns.h"

static struct fake_host fh;
static struct oc_fields fields;

static int
setup(void)
{
	fake_host_init(&fh, NULL);
	return oc_fields_init(&fields, fake_host_self(&fh), &fh.host) == 0 ?
	    0 : -1;
}

static int
teardown(void)
{
	oc_fields_free(&fields);
	fake_host_free(&fh);
	return 0;
}

/* Non-zero when s[0..n) is valid UTF-8 throughout. */
static int
valid_utf8(const char *s, size_t n)
{
	size_t i = 0, u;

	while (i < n) {
		if ((u = oc_utf8_seq((const unsigned char *)s + i, n - i)) == 0)
			return 0;
		i += u;
	}
	return 1;
}

static char *
repeat(const char *unit, size_t times)
{
	size_t n = strlen(unit), i;
	char *s = malloc(n * times + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 0; i < times; i++)
		memcpy(s + i * n, unit, n);
	s[n * times] = '\0';
	return s;
}

static struct ce_alert
alert_for(const ce_event *ev)
{
	static const char *const tags[] = { "iam", "persistence" };
	struct ce_alert a = {
		.size = sizeof(a),
		.rule = "access key created",
		.severity = "high",
		.description = "A \"new\" key\nfor a user",
		.runbook = NULL,
		.tags = tags,
		.ntags = 2,
		.key = "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef",
		.called_as = "sns",
		.summary = "arn:aws:iam::1:user/a did CreateAccessKey",
		.event = ev,
		.attempt = 1,
	};

	return a;
}

static const char *const record =
    "{\"eventVersion\":\"1.08\",\"eventID\":\"e-1\","
    "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateAccessKey\","
    "\"awsRegion\":\"us-east-1\",\"userIdentity\":{\"accountId\":\"1\","
    "\"arn\":\"arn:aws:iam::1:user/a\"},\"requestParameters\":{\"userName\":"
    "\"b\\u2028\\u0001\\\"\\\\\",\"n\":1.50,\"ok\":true,\"e\":{},"
    "\"l\":[]}}";

/* ------------------------------------------------------------------ */

static void
form_encoding_is_rfc3986(void)
{
	struct sns_buf b = { 0 };

	sns_form_encode(&b, "a b+c/~-_.*=&\xc3\xa9", 15);
	CU_ASSERT_STRING_EQUAL(b.data, "a%20b%2Bc%2F~-_.%2A%3D%26%C3%A9");
	sns_buf_free(&b);
}

static void
subject_is_printable_ascii_under_100(void)
{
	char s[SNS_SUBJECT_MAX + 1];
	char *rule;

	sns_subject(s, "cloudengine", "high", "access key created");
	CU_ASSERT_STRING_EQUAL(s, "cloudengine [high] access key created");
	sns_subject(s, "", "low", "a\r\nb\tc  d \xc3\xa9\xe2\x82\xac\xff!");
	CU_ASSERT_STRING_EQUAL(s, "[low] a b c d ??" "?!");
	sns_subject(s, " \r\n", "info", "x\n");
	CU_ASSERT_STRING_EQUAL(s, "[info] x");
	rule = repeat("\xc3\xa9" "abcdefghi ", 40);
	sns_subject(s, "p", "critical", rule);
	CU_ASSERT_EQUAL(strlen(s), SNS_SUBJECT_MAX);
	CU_ASSERT_STRING_EQUAL(s + SNS_SUBJECT_MAX - 3, "...");
	CU_ASSERT_NSTRING_EQUAL(s, "p [critical] ?abcdefghi ?abc", 28);
	free(rule);
}

static void
group_id_is_within_the_fifo_rules(void)
{
	char g[SNS_GROUP_ID_MAX + 1];
	char *rule;

	sns_group_id(g, "access key created");
	CU_ASSERT_STRING_EQUAL(g, "access_key_created");
	sns_group_id(g, "r\xc3\xa9gle\xe2\x82\xac!#");
	CU_ASSERT_STRING_EQUAL(g, "r_gle_!#");
	sns_group_id(g, "");
	CU_ASSERT_STRING_EQUAL(g, "cloudengine");
	rule = repeat("x", 300);
	sns_group_id(g, rule);
	CU_ASSERT_EQUAL(strlen(g), SNS_GROUP_ID_MAX);
	CU_ASSERT(sns_group_id_valid(g));
	rule[SNS_GROUP_ID_MAX + 1] = '\0';
	CU_ASSERT(!sns_group_id_valid(rule));
	free(rule);
	CU_ASSERT(sns_group_id_valid("alerts"));
	CU_ASSERT(!sns_group_id_valid("two words"));
	CU_ASSERT(!sns_group_id_valid(""));
	CU_ASSERT(!sns_group_id_valid("r\xc3\xa9gle"));
}

static void
escape_stops_at_a_character_boundary(void)
{
	struct sns_buf b = { 0 };
	/* "é€😀" then a control, a bad byte, U+2028 and U+FFFF */
	const char *s = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01\xff"
	    "\xe2\x80\xa8\xef\xbf\xbf\"\\";
	size_t n = strlen(s), max, used;

	sns_escape(&b, s, n, (size_t)-1, SNS_ESC_JSON);
	CU_ASSERT_STRING_EQUAL(b.data, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\\u0001\xef\xbf\xbd\\u2028\\uffff\\\"\\\\");
	for (max = 0; max < 40; max++) {
		b.len = 0;
		used = sns_escape(&b, s, n, max, SNS_ESC_JSON);
		CU_ASSERT(b.len <= max);
		CU_ASSERT(valid_utf8(b.data ? b.data : "", b.len));
		CU_ASSERT(used <= n);
	}
	b.len = 0;
	/* é fits in 4 bytes, é€ (5 bytes) does not */
	CU_ASSERT_EQUAL(sns_escape(&b, s, n, 4, SNS_ESC_JSON), 2);
	CU_ASSERT_EQUAL(b.len, 2);
	b.len = 0;
	sns_escape(&b, "\"a\\", 3, 10, SNS_ESC_TEXT);
	CU_ASSERT_NSTRING_EQUAL(b.data, "\"a\\", 3);
	sns_buf_free(&b);
}

static void
clean_keeps_what_sqs_accepts(void)
{
	struct sns_buf b = { 0 };

	sns_clean(&b, "a\tb\x01\xff\xef\xbf\xbe\xc3\xa9", 10, 100);
	CU_ASSERT_STRING_EQUAL(b.data, "a\tb\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xc3\xa9");
	b.len = 0;
	CU_ASSERT_EQUAL(sns_clean(&b, "ab\xc3\xa9", 4, 3), 2);
	CU_ASSERT_EQUAL(b.len, 2);
	sns_buf_free(&b);
}

static struct json_object *
parse_whole(const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	o = json_tokener_parse_ex(tok, s, (int)n);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static const char *
str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void
json_message_has_every_field(void)
{
	const ce_event *ev = fake_event(record);
	struct ce_alert a = alert_for(ev);
	struct sns_message_info info;
	struct sns_buf b = { 0 };
	struct json_object *o, *v, *e;

	CU_ASSERT_FATAL(sns_message(&fields, &a, SNS_FORMAT_JSON,
	    SNS_MESSAGE_MAX, &b, &info) == 0);
	CU_ASSERT(!info.truncated);
	o = parse_whole(b.data, b.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(str_of(o, "rule"), "access key created");
	CU_ASSERT_STRING_EQUAL(str_of(o, "severity"), "high");
	CU_ASSERT_STRING_EQUAL(str_of(o, "summary"), a.summary);
	CU_ASSERT_STRING_EQUAL(str_of(o, "key"), a.key);
	CU_ASSERT_STRING_EQUAL(str_of(o, "description"), a.description);
	CU_ASSERT(json_object_object_get_ex(o, "runbook", &v) && v == NULL);
	CU_ASSERT(json_object_object_get_ex(o, "tags", &v) &&
	    json_object_array_length(v) == 2);
	CU_ASSERT_STRING_EQUAL(str_of(o, "eventID"), "e-1");
	CU_ASSERT_STRING_EQUAL(str_of(o, "eventSource"), "iam.amazonaws.com");
	CU_ASSERT(json_object_object_get_ex(o, "eventTime", &v) && v == NULL);
	CU_ASSERT_STRING_EQUAL(str_of(o, "account"), "1");
	CU_ASSERT_STRING_EQUAL(str_of(o, "origin"), "test");
	CU_ASSERT_STRING_EQUAL(str_of(o, "truncated"), "false");
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "event", &e));
	CU_ASSERT_STRING_EQUAL(str_of(e, "userIdentity.arn"),
	    "arn:aws:iam::1:user/a");
	CU_ASSERT_STRING_EQUAL(str_of(e, "requestParameters.userName"),
	    "b\xe2\x80\xa8\x01\"\\");
	CU_ASSERT_STRING_EQUAL(str_of(e, "requestParameters.n"), "1.50");
	CU_ASSERT(strstr(b.data, "\"requestParameters.n\":1.50,") != NULL);
	CU_ASSERT(strstr(b.data, "\"requestParameters.e\":{}") != NULL);
	CU_ASSERT(strstr(b.data, "\"requestParameters.l\":[]") != NULL);
	CU_ASSERT(strstr(b.data, "\\u2028\\u0001") != NULL);
	json_object_put(o);
	sns_buf_free(&b);
	fake_event_free(ev);
}

static void
text_message_reads_as_text(void)
{
	const ce_event *ev = fake_event(record);
	struct ce_alert a = alert_for(ev);
	struct sns_message_info info;
	struct sns_buf b = { 0 };

	CU_ASSERT_FATAL(sns_message(&fields, &a, SNS_FORMAT_TEXT,
	    SNS_MESSAGE_MAX, &b, &info) == 0);
	CU_ASSERT(strncmp(b.data, "arn:aws:iam::1:user/a did CreateAccessKey\n"
	    "\nRule: access key created\nSeverity: high\nDescription: "
	    "A \"new\" key\\nfor a user\nTags: iam, persistence\nKey: 0123",
	    140) == 0);
	CU_ASSERT(strstr(b.data, "\nRunbook") == NULL);
	CU_ASSERT(strstr(b.data, "\n\nEvent:\neventVersion = 1.08\n") != NULL);
	CU_ASSERT(strstr(b.data, "\nuserIdentity.arn = arn:aws:iam::1:user/a\n")
	    != NULL);
	CU_ASSERT(strstr(b.data, "\nrequestParameters.userName = b\\u2028"
	    "\\u0001\"\\\n") != NULL);
	CU_ASSERT(valid_utf8(b.data, b.len));
	sns_buf_free(&b);
	fake_event_free(ev);
}

/* A record with a huge value of multi-byte characters and escapes. */
static const ce_event *
huge_event(size_t units)
{
	char *big = repeat("\xc3\xa9\\n\xe2\x82\xac\xf0\x9f\x98\x80x", units);
	size_t n = strlen(big) + 256;
	char *json = malloc(n);
	const ce_event *ev;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	snprintf(json, n, "{\"eventID\":\"e-big\",\"eventSource\":\"s3."
	    "amazonaws.com\",\"a\":\"%s\",\"z\":1}", big);
	ev = fake_event(json);
	free(big);
	free(json);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	return ev;
}

static void
long_event_is_cut_to_valid_json(void)
{
	const ce_event *ev = huge_event(40000);	/* ~560 KB escaped */
	struct ce_alert a = alert_for(ev);
	struct sns_message_info info;
	struct sns_buf b = { 0 };
	struct json_object *o, *e;
	const char *cut;

	CU_ASSERT_FATAL(sns_message(&fields, &a, SNS_FORMAT_JSON,
	    SNS_MESSAGE_MAX, &b, &info) == 0);
	CU_ASSERT(info.truncated);
	CU_ASSERT(info.event_bytes > SNS_MESSAGE_MAX);
	CU_ASSERT(b.len <= SNS_MESSAGE_MAX);
	CU_ASSERT(b.len > SNS_MESSAGE_MAX - 200);	/* cut, not dropped */
	CU_ASSERT(valid_utf8(b.data, b.len));
	o = parse_whole(b.data, b.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(str_of(o, "truncated"), "true");
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "event", &e));
	cut = str_of(e, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
	CU_ASSERT(strcmp(cut + strlen(cut) - 3, "\xe2\x80\xa6") == 0);
	CU_ASSERT_PTR_NULL(str_of(e, "z"));
	json_object_put(o);
	sns_buf_free(&b);
	fake_event_free(ev);
}

/* Every limit from "nothing of the event fits" to "all of it fits":
 * never over the limit, always valid JSON or text. */
static void
every_limit_gives_valid_output(void)
{
	const ce_event *ev = huge_event(30);
	struct ce_alert a = alert_for(ev);
	struct sns_message_info info;
	struct sns_buf b = { 0 };
	struct json_object *o;
	size_t max, head;
	int format, all_fit = 0;

	for (format = SNS_FORMAT_JSON; format <= SNS_FORMAT_TEXT; format++) {
		sns_message(&fields, &a, format, 2000, &b, &info);
		head = b.len;
		for (max = head - 300; max < head + 1200; max++) {
			CU_ASSERT_FATAL(sns_message(&fields, &a,
			    format, max, &b, &info) == 0);
			CU_ASSERT_FATAL(b.len <= max);
			CU_ASSERT_FATAL(valid_utf8(b.data, b.len));
			all_fit |= !info.truncated;
			if (format != SNS_FORMAT_JSON)
				continue;
			o = parse_whole(b.data, b.len);
			CU_ASSERT_PTR_NOT_NULL_FATAL(o);
			json_object_put(o);
		}
	}
	CU_ASSERT(all_fit);
	sns_buf_free(&b);
	fake_event_free(ev);
}

static void
long_text_message_says_it_was_cut(void)
{
	const ce_event *ev = huge_event(40000);
	struct ce_alert a = alert_for(ev);
	struct sns_message_info info;
	struct sns_buf b = { 0 };

	CU_ASSERT_FATAL(sns_message(&fields, &a, SNS_FORMAT_TEXT,
	    SNS_MESSAGE_MAX, &b, &info) == 0);
	CU_ASSERT(info.truncated);
	CU_ASSERT(b.len <= SNS_MESSAGE_MAX);
	CU_ASSERT(valid_utf8(b.data, b.len));
	CU_ASSERT(strstr(b.data, "\xe2\x80\xa6\n[the event was cut to fit the "
	    "SNS message limit; as JSON it is ") != NULL);
	sns_buf_free(&b);
	fake_event_free(ev);
}

static void
publish_body_is_the_query_protocol(void)
{
	struct sns_buf b = { 0 };
	struct sns_publish p = {
		.topic_arn = "arn:aws:sns:us-east-1:000000000000:t.fifo",
		.message = "{\"a\": 1}",
		.message_len = 8,
		.subject = "[high] x",
		.group_id = "g 1",
		.dedup_id = "abc",
		.attr_names = { "rule", "severity", "eventSource" },
		.attr_values = { "r&1", "", "iam.amazonaws.com" },
	};

	CU_ASSERT(sns_publish_body(&p, &b) == 0);
	CU_ASSERT_STRING_EQUAL(b.data, "Action=Publish&Version=2010-03-31"
	    "&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At.fifo"
	    "&Message=%7B%22a%22%3A%201%7D&Subject=%5Bhigh%5D%20x"
	    "&MessageGroupId=g%201&MessageDeduplicationId=abc"
	    "&MessageAttributes.entry.1.Name=rule"
	    "&MessageAttributes.entry.1.Value.DataType=String"
	    "&MessageAttributes.entry.1.Value.StringValue=r%261"
	    "&MessageAttributes.entry.2.Name=eventSource"
	    "&MessageAttributes.entry.2.Value.DataType=String"
	    "&MessageAttributes.entry.2.Value.StringValue=iam.amazonaws.com");
	CU_ASSERT_EQUAL(sns_attributes_size(&p), 4 + 6 + 3 + 11 + 6 + 17);
	p.subject = p.group_id = p.dedup_id = NULL;
	CU_ASSERT(sns_publish_body(&p, &b) == 0);
	CU_ASSERT_PTR_NULL(strstr(b.data, "Subject"));
	CU_ASSERT_PTR_NULL(strstr(b.data, "MessageGroupId"));
	sns_buf_free(&b);
}

static void
answers_are_parsed_and_redacted(void)
{
	static const char ok[] = "<PublishResponse xmlns=\"http://sns.amazon"
	    "aws.com/doc/2010-03-31/\"><PublishResult><MessageId>5f2c-1"
	    "</MessageId></PublishResult></PublishResponse>";
	static const char err[] = "<ErrorResponse><Error><Type>Sender</Type>"
	    "<Code>InvalidParameter</Code><Message>Bad &lt;Subject&gt; &amp; "
	    "&#65;\nSENTINEL-token-1 here\n\nThe Canonical String "
	    "x-amz-security-token:SENTINEL-token-1</Message></Error>"
	    "</ErrorResponse>";
	static const char html[] = "<html><body>502 Bad Gateway for "
	    "SENTINEL-secret-9</body></html>";
	const char *const secrets[] = { "SENTINEL-secret-9", "SENTINEL-token-1",
	    "" };
	struct sns_answer a;

	sns_parse_answer(ok, sizeof(ok) - 1, secrets, 3, &a);
	CU_ASSERT_STRING_EQUAL(a.message_id, "5f2c-1");
	CU_ASSERT_STRING_EQUAL(a.code, "");
	sns_parse_answer(err, sizeof(err) - 1, secrets, 3, &a);
	CU_ASSERT_STRING_EQUAL(a.code, "InvalidParameter");
	CU_ASSERT_STRING_EQUAL(a.text, "Bad <Subject> & A [redacted] here");
	sns_parse_answer(html, sizeof(html) - 1, secrets, 3, &a);
	CU_ASSERT_STRING_EQUAL(a.code, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(a.text, "502 Bad Gateway for "
	    "[redacted]"));
	CU_ASSERT_PTR_NULL(strstr(a.text, "SENTINEL"));
	sns_parse_answer(err, 40, secrets, 3, &a);	/* cut short */
	CU_ASSERT_STRING_EQUAL(a.code, "");
	sns_parse_answer(NULL, 0, secrets, 3, &a);
	CU_ASSERT_STRING_EQUAL(a.text, "");
}

static void
redact_never_grows_the_text(void)
{
	char t[] = "ab secret-key-1 ab secret-key-1secret-key-1 x";
	const char *const s[] = { "ab", "secret-key-1" };

	sns_redact(t, s, 2);
	CU_ASSERT_STRING_EQUAL(t, "** [redacted] ** [redacted][redacted] x");
}

static void
error_codes_have_kinds(void)
{
	CU_ASSERT_EQUAL(sns_error_kind("Throttled"), SNS_ERR_TRANSIENT);
	CU_ASSERT_EQUAL(sns_error_kind("Throttling"), SNS_ERR_TRANSIENT);
	CU_ASSERT_EQUAL(sns_error_kind("InternalError"), SNS_ERR_TRANSIENT);
	CU_ASSERT_EQUAL(sns_error_kind("KMSThrottling"), SNS_ERR_TRANSIENT);
	CU_ASSERT_EQUAL(sns_error_kind("ExpiredToken"), SNS_ERR_EXPIRED);
	CU_ASSERT_EQUAL(sns_error_kind("SignatureDoesNotMatch"),
	    SNS_ERR_CREDENTIALS);
	CU_ASSERT_EQUAL(sns_error_kind("InvalidClientTokenId"),
	    SNS_ERR_CREDENTIALS);
	CU_ASSERT_EQUAL(sns_error_kind("InvalidParameter"), SNS_ERR_OTHER);
	CU_ASSERT_EQUAL(sns_error_kind("AuthorizationError"), SNS_ERR_OTHER);
	CU_ASSERT_EQUAL(sns_error_kind(""), SNS_ERR_OTHER);
	CU_ASSERT_EQUAL(sns_error_kind(NULL), SNS_ERR_OTHER);
}

static CU_TestInfo sns_tests[] = {
	CE_TEST(form_encoding_is_rfc3986),
	CE_TEST(subject_is_printable_ascii_under_100),
	CE_TEST(group_id_is_within_the_fifo_rules),
	CE_TEST(escape_stops_at_a_character_boundary),
	CE_TEST(clean_keeps_what_sqs_accepts),
	CE_TEST(json_message_has_every_field),
	CE_TEST(text_message_reads_as_text),
	CE_TEST(long_event_is_cut_to_valid_json),
	CE_TEST(every_limit_gives_valid_output),
	CE_TEST(long_text_message_says_it_was_cut),
	CE_TEST(publish_body_is_the_query_protocol),
	CE_TEST(answers_are_parsed_and_redacted),
	CE_TEST(redact_never_grows_the_text),
	CE_TEST(error_codes_have_kinds),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "sns", .pInitFunc = setup, .pCleanupFunc = teardown,
	  .pTests = sns_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}
