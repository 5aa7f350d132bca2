/*
 * test_alert.c - SHA-256, idempotency keys, summaries and severities.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "alert.h"
#include "ce_test.h"
#include "event.h"
#include "sha256.h"

static void
hex_of(const char *msg, size_t len, char out[65])
{
	struct ce_sha256 c;
	uint8_t d[32];

	ce_sha256_init(&c);
	ce_sha256_update(&c, msg, len);
	ce_sha256_final(&c, d);
	ce_sha256_hex(d, out);
}

static void
sha256_matches_fips_vectors(void)
{
	char h[65];
	struct ce_sha256 c;
	uint8_t d[32];
	int i;

	hex_of("", 0, h);
	CU_ASSERT_STRING_EQUAL(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	CU_ASSERT_STRING_EQUAL(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	CU_ASSERT_STRING_EQUAL(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* one million 'a', fed in odd-sized pieces across block boundaries */
	ce_sha256_init(&c);
	for (i = 0; i < 1000000 / 8; i++)
		ce_sha256_update(&c, "aaaaaaaa", 8);
	ce_sha256_final(&c, d);
	ce_sha256_hex(d, h);
	CU_ASSERT_STRING_EQUAL(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static const ce_event *
event_of(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	return ce_event_new(o, "test", 1);
}

static void
key_is_stable_per_event_id_and_rule(void)
{
	const ce_event *a = event_of("{\"eventID\":\"e1\",\"eventName\":\"X\"}");
	const ce_event *b = event_of("{\"eventName\":\"Y\",\"eventID\":\"e1\"}");
	const ce_event *c = event_of("{\"eventID\":\"e2\",\"eventName\":\"X\"}");
	char ka[65], kb[65], kc[65], kr[65];

	ce_alert_key(a, "rule one", ka);
	ce_alert_key(b, "rule one", kb);
	ce_alert_key(c, "rule one", kc);
	ce_alert_key(a, "rule two", kr);
	CU_ASSERT_EQUAL(strlen(ka), 64);
	CU_ASSERT_STRING_EQUAL(ka, kb);		/* same eventID: same key */
	CU_ASSERT_STRING_NOT_EQUAL(ka, kc);
	CU_ASSERT_STRING_NOT_EQUAL(ka, kr);
	/* pinned (computed independently: SHA-256 of
	 * "cloudengine-alert-v1\0id:e1\0rule one"): a change here breaks
	 * deduplication across upgrades */
	CU_ASSERT_STRING_EQUAL(ka, "d284f2b179e9fbd551cfff5fd2200b6f06a518d9cc07e2dc5ba96fafc6d0bef7");
	ce_event_unref(a);
	ce_event_unref(b);
	ce_event_unref(c);
}

static void
key_without_event_id_uses_the_record(void)
{
	const ce_event *a = event_of("{\"eventName\":\"X\",\"n\":1}");
	const ce_event *b = event_of("{\"eventName\":\"X\",\"n\":1}");
	const ce_event *c = event_of("{\"eventName\":\"X\",\"n\":2}");
	char ka[65], kb[65], kc[65];

	ce_alert_key(a, "r", ka);
	ce_alert_key(b, "r", kb);
	ce_alert_key(c, "r", kc);
	CU_ASSERT_STRING_EQUAL(ka, kb);
	CU_ASSERT_STRING_NOT_EQUAL(ka, kc);
	ce_event_unref(a);
	ce_event_unref(b);
	ce_event_unref(c);
}

static void
summary_says_who_what_where_when(void)
{
	const ce_event *ev = event_of("{\"eventTime\":\"2026-11-26T10:00:00Z\","
	    "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":"
	    "\"AuthorizeSecurityGroupIngress\",\"awsRegion\":\"eu-west-1\","
	    "\"sourceIPAddress\":\"203.0.113.9\",\"userAgent\":\"console.amazonaws.com\","
	    "\"recipientAccountId\":\"123456789012\",\"errorCode\":\"AccessDenied\","
	    "\"userIdentity\":{\"arn\":\"arn:aws:iam::123456789012:user/alice\"}}");
	char *s = ce_alert_summary(ev);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "arn:aws:iam::123456789012:user/alice called "
	    "AuthorizeSecurityGroupIngress on ec2.amazonaws.com from 203.0.113.9 "
	    "with console.amazonaws.com in account 123456789012 region eu-west-1 "
	    "at 2026-11-26T10:00:00Z, failed with AccessDenied");
	free(s);
	ce_event_unref(ev);
}

static void
summary_falls_back_for_services(void)
{
	const ce_event *ev = event_of("{\"eventName\":\"AssumeRole\","
	    "\"userIdentity\":{\"type\":\"AWSService\",\"invokedBy\":\"ec2.amazonaws.com\"}}");
	char *s = ce_alert_summary(ev);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "ec2.amazonaws.com called AssumeRole");
	free(s);
	ce_event_unref(ev);
}

static void
summary_with_odd_identities(void)
{
	const ce_event *ev = event_of("{\"eventName\":\"X\",\"userIdentity\":\"alice\"}");
	char *s = ce_alert_summary(ev);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "unknown identity called X");
	free(s);
	ce_event_unref(ev);
	/* A member that is not a string is no name: the next one is. */
	ev = event_of("{\"userIdentity\":{\"arn\":5,\"principalId\":null,"
	    "\"type\":\"Root\"}}");
	s = ce_alert_summary(ev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "Root");
	free(s);
	ce_event_unref(ev);
	ev = event_of("[1,2]");
	s = ce_alert_summary(ev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "unknown identity");
	free(s);
	ce_event_unref(ev);
}

static void
alert_copies_the_spec(void)
{
	const ce_event *ev = event_of("{\"eventID\":\"e1\"}");
	const char *tags[] = { "a", "b" };
	const char *outs[] = { "stdout" };
	char rule[] = "my rule";
	struct ce_alert_spec spec = {
		.size = sizeof(spec), .rule = rule, .severity = "critical",
		.tags = tags, .ntags = 2, .outputs = outs, .noutputs = 1,
	};
	struct ce_alert_data *a = ce_alert_new(&spec, ev);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	rule[0] = 'X';		/* the alert must not point into the spec */
	CU_ASSERT_STRING_EQUAL(a->rule, "my rule");
	CU_ASSERT_EQUAL(a->severity, CE_SEV_CRITICAL);
	CU_ASSERT_STRING_EQUAL(a->tags[1], "b");
	CU_ASSERT_STRING_EQUAL(a->outputs[0], "stdout");
	ce_event_unref(ev);	/* the alert holds its own reference */
	CU_ASSERT_PTR_NOT_NULL(ce_event_string(a->event, "eventID"));
	spec.severity = "bogus";
	ce_alert_unref(a);
	a = ce_alert_new(&spec, ev = event_of("{}"));
	CU_ASSERT_EQUAL(a->severity, CE_SEV_MEDIUM);
	ce_alert_unref(a);
	ce_event_unref(ev);
}

static void
severities_order_and_parse(void)
{
	CU_ASSERT_EQUAL(ce_severity_parse("critical"), CE_SEV_CRITICAL);
	CU_ASSERT_EQUAL(ce_severity_parse("info"), CE_SEV_INFO);
	CU_ASSERT_EQUAL(ce_severity_parse("High"), -1);
	CU_ASSERT_EQUAL(ce_severity_parse(NULL), -1);
	CU_ASSERT(CE_SEV_HIGH > CE_SEV_MEDIUM && CE_SEV_LOW > CE_SEV_INFO);
	CU_ASSERT_STRING_EQUAL(ce_severity_name(CE_SEV_LOW), "low");
}

static CU_TestInfo alert_tests[] = {
	CE_TEST(sha256_matches_fips_vectors),
	CE_TEST(key_is_stable_per_event_id_and_rule),
	CE_TEST(key_without_event_id_uses_the_record),
	CE_TEST(summary_says_who_what_where_when),
	CE_TEST(summary_falls_back_for_services),
	CE_TEST(summary_with_odd_identities),
	CE_TEST(alert_copies_the_spec),
	CE_TEST(severities_order_and_parse),
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{ .pName = "alert", .pTests = alert_tests },
	CU_SUITE_INFO_NULL
};

int
main(void)
{
	return ce_test_main(suites);
}
