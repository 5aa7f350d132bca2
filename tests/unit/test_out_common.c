/*
 * test_out_common.c - the output plugins' common library: the JSON
 * writer (escaping, UTF-8 repair, truncation), the retry policy
 * (statuses, Retry-After, X-RateLimit-Reset) and eventTime parsing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "ce_test.h"
#include "common/fields.h"
#include "common/http.h"
#include "common/json.h"
#include "common/outcome.h"

#define FFFD	"\xef\xbf\xbd"

/* Parse text strictly (UTF-8 checked); NULL when it is not valid JSON. */
static json_object *
parse_strict(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* s written as one string literal, max_chars as given. */
static char *
literal(const char *s, size_t n, size_t max_chars)
{
	struct oc_json j = OC_JSON_INIT;
	char *out;

	oc_json_str(&j, s, n, max_chars);
	CU_ASSERT_FALSE(j.oom);
	out = strdup(j.data);
	oc_json_free(&j);
	return out;
}

static void
test_escaping(void)
{
	static const char in[] = "a\"b\\c/d\n\r\t\b\f\x01\x1f\x7f"
	    "\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\xf0\x9f\x98\x80";
	char *out = literal(in, sizeof(in) - 1, 0);

	CU_ASSERT_STRING_EQUAL(out, "\"a\\\"b\\\\c/d\\n\\r\\t\\b\\f\\u0001"
	    "\\u001f\x7f\\u2028\\u2029\xc3\xa9\xf0\x9f\x98\x80\"");
	free(out);
	/* An embedded NUL is a character like any other. */
	out = literal("x\0y", 3, 0);
	CU_ASSERT_STRING_EQUAL(out, "\"x\\u0000y\"");
	free(out);
}

static void
test_invalid_utf8(void)
{
	/* Stray continuation, overlong, surrogate, beyond U+10FFFF, cut
	 * sequence at the end: each bad byte is one U+FFFD. */
	static const char in[] = "\x80" "\xc0\xaf" "\xed\xa0\x80" "\xf4\x90\x80\x80"
	    "ok" "\xe2\x82";
	char *out = literal(in, sizeof(in) - 1, 0);
	json_object *o = parse_strict(out, strlen(out));

	CU_ASSERT_STRING_EQUAL(out, "\"" FFFD FFFD FFFD FFFD FFFD FFFD FFFD
	    FFFD FFFD FFFD "ok" FFFD FFFD "\"");
	CU_ASSERT_PTR_NOT_NULL(o);
	json_object_put(o);
	free(out);
}

/* Every string of random bytes comes out as valid JSON and UTF-8, cut
 * or not. */
static void
test_random_bytes(void)
{
	unsigned seed = 12345;
	char in[64];
	size_t i, k, bad = 0;

	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand_r(&seed) % (int)sizeof(in));
		char *out;
		json_object *o;

		for (k = 0; k < n; k++)
			in[k] = (char)(rand_r(&seed) & 0xff);
		out = literal(in, n, i % 3 == 0 ? 20 : 0);
		o = parse_strict(out, strlen(out));
		if (o == NULL ||
		    (i % 3 == 0 && oc_utf8_chars(json_object_get_string(o),
		    (size_t)json_object_get_string_len(o), SIZE_MAX) > 20))
			bad++;
		json_object_put(o);
		free(out);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_truncation(void)
{
	/* 32 characters of 1 to 4 bytes. */
#define GROUP	"a" "\xc3\xa9" "\xe2\x82\xac" "\xf0\x9f\x98\x80"
	static const char in[] = GROUP GROUP GROUP GROUP GROUP GROUP GROUP
	    "abc" "\xc3\xa9";
#undef GROUP
	const size_t n = sizeof(in) - 1;
	size_t max;
	char *out;
	json_object *o;

	CU_ASSERT_EQUAL(oc_utf8_chars(in, n, SIZE_MAX), 32);
	/* Exactly as long as allowed: untouched. */
	out = literal(in, n, 32);
	CU_ASSERT_EQUAL(strlen(out), n + 2);
	free(out);
	for (max = 14; max < 32; max++) {
		out = literal(in, n, max);
		o = parse_strict(out, strlen(out));
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		/* max characters, the marker last, the rest a prefix. */
		CU_ASSERT_EQUAL(oc_utf8_chars(json_object_get_string(o),
		    strlen(json_object_get_string(o)), SIZE_MAX), max);
		CU_ASSERT_EQUAL(strncmp(json_object_get_string(o), in,
		    oc_utf8_offset(in, n, max - OC_JSON_MARKER_CHARS)), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, OC_JSON_MARKER "\""));
		json_object_put(o);
		free(out);
	}
	/* No room for the marker: a plain cut at a character boundary. */
	out = literal(in, n, 3);
	CU_ASSERT_STRING_EQUAL(out, "\"a\xc3\xa9\xe2\x82\xac\"");
	free(out);
	/* Invalid bytes count as one character each, as they come out. */
	out = literal("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff", 16, 15);
	CU_ASSERT_STRING_EQUAL(out, "\"" FFFD FFFD OC_JSON_MARKER "\"");
	free(out);
}

static void
test_structure(void)
{
	struct oc_json j = OC_JSON_INIT;
	struct ce_value v = { .size = sizeof(v) };
	json_object *o;

	oc_json_begin(&j, '{');
	oc_json_key(&j, "s");
	oc_json_cstr(&j, "x");
	oc_json_key(&j, "n");
	oc_json_int(&j, -42);
	oc_json_key(&j, "a");
	oc_json_begin(&j, '[');
	oc_json_cstr(&j, "p");
	oc_json_null(&j);
	oc_json_begin(&j, '{');
	oc_json_end(&j, '}');
	oc_json_int(&j, INT64_MIN);
	oc_json_end(&j, ']');
	oc_json_key(&j, "d");
	v.type = CE_VALUE_DECIMAL;
	v.str = "1.50";
	v.len = 4;
	oc_json_value(&j, &v, 0);
	oc_json_key(&j, "b");
	v.type = CE_VALUE_BOOLEAN;
	v.boolean = 1;
	oc_json_value(&j, &v, 0);
	oc_json_key(&j, "e");
	v.type = CE_VALUE_EMPTY_ARRAY;
	oc_json_value(&j, &v, 0);
	oc_json_key(&j, "m");
	v.type = CE_VALUE_MISSING;
	oc_json_value(&j, &v, 0);
	oc_json_key(&j, "t");
	v.type = CE_VALUE_STRING;
	v.str = "0123456789abcdefghij";
	v.len = 20;
	oc_json_value(&j, &v, 15);
	oc_json_end(&j, '}');
	CU_ASSERT_FALSE_FATAL(j.oom);
	CU_ASSERT_STRING_EQUAL(j.data, "{\"s\":\"x\",\"n\":-42,\"a\":[\"p\",null,"
	    "{},-9223372036854775808],\"d\":1.50,\"b\":true,\"e\":[],\"m\":null,"
	    "\"t\":\"01" OC_JSON_MARKER "\"}");
	o = parse_strict(j.data, j.len);
	CU_ASSERT_PTR_NOT_NULL(o);
	json_object_put(o);
	/* reset keeps the memory and forgets the content. */
	oc_json_reset(&j);
	CU_ASSERT_EQUAL(j.len, 0);
	oc_json_cstr(&j, NULL);
	CU_ASSERT_STRING_EQUAL(j.data, "null");
	oc_json_free(&j);
	CU_ASSERT_PTR_NULL(j.data);
}

static void
test_statuses(void)
{
	static const struct {
		int			 curl;
		long			 status;
		enum ce_delivery_status	 want;
	} cases[] = {
		{ CURLE_OK, 200, CE_DELIVERY_OK },
		{ CURLE_OK, 202, CE_DELIVERY_OK },
		{ CURLE_OK, 204, CE_DELIVERY_OK },
		{ CURLE_OK, 301, CE_DELIVERY_FAIL },
		{ CURLE_OK, 307, CE_DELIVERY_FAIL },
		{ CURLE_OK, 400, CE_DELIVERY_FAIL },
		{ CURLE_OK, 401, CE_DELIVERY_FAIL },
		{ CURLE_OK, 403, CE_DELIVERY_FAIL },
		{ CURLE_OK, 404, CE_DELIVERY_FAIL },
		{ CURLE_OK, 408, CE_DELIVERY_RETRY },
		{ CURLE_OK, 413, CE_DELIVERY_FAIL },
		{ CURLE_OK, 429, CE_DELIVERY_RETRY },
		{ CURLE_OK, 500, CE_DELIVERY_RETRY },
		{ CURLE_OK, 502, CE_DELIVERY_RETRY },
		{ CURLE_OK, 503, CE_DELIVERY_RETRY },
		{ CURLE_OK, 599, CE_DELIVERY_RETRY },
		{ CURLE_OK, 600, CE_DELIVERY_FAIL },
		{ CURLE_COULDNT_CONNECT, 0, CE_DELIVERY_RETRY },
		{ CURLE_COULDNT_RESOLVE_HOST, 0, CE_DELIVERY_RETRY },
		{ CURLE_OPERATION_TIMEDOUT, 0, CE_DELIVERY_RETRY },
		{ CURLE_GOT_NOTHING, 0, CE_DELIVERY_RETRY },
		{ CURLE_RECV_ERROR, 0, CE_DELIVERY_RETRY },
		{ CURLE_SEND_ERROR, 0, CE_DELIVERY_RETRY },
		{ CURLE_SSL_CONNECT_ERROR, 0, CE_DELIVERY_RETRY },
		{ CURLE_OUT_OF_MEMORY, 0, CE_DELIVERY_RETRY },
		{ CURLE_URL_MALFORMAT, 0, CE_DELIVERY_FAIL },
		{ CURLE_UNSUPPORTED_PROTOCOL, 0, CE_DELIVERY_FAIL },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, CE_DELIVERY_FAIL },
		{ CURLE_SSL_CACERT_BADFILE, 0, CE_DELIVERY_FAIL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(oc_outcome_status(cases[i].curl,
		    cases[i].status), cases[i].want);
	/* The status of a transfer that failed is not looked at. */
	CU_ASSERT_EQUAL(oc_outcome_status(CURLE_RECV_ERROR, 200),
	    CE_DELIVERY_RETRY);
}

static void
test_retry_after(void)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date. */
	const time_t now = 784111777 - 90;

	CU_ASSERT_EQUAL(oc_retry_after_ms("1", now), 1000);
	CU_ASSERT_EQUAL(oc_retry_after_ms(" 120\r\n", now), 120000);
	CU_ASSERT_EQUAL(oc_retry_after_ms("0", now), 0);
	CU_ASSERT_EQUAL(oc_retry_after_ms("99999999999999999999999", now),
	    OC_RETRY_AFTER_MAX_MS);
	/* The three HTTP-date forms, 90 s from now. */
	CU_ASSERT_EQUAL(oc_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
	    now), 90000);
	CU_ASSERT_EQUAL(oc_retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT",
	    now), 90000);
	CU_ASSERT_EQUAL(oc_retry_after_ms("Sun Nov  6 08:49:37 1994", now),
	    90000);
	/* A date already past: retry now. */
	CU_ASSERT_EQUAL(oc_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
	    now + 1000), 0);
	CU_ASSERT_EQUAL(oc_retry_after_ms("-5", now), -1);
	CU_ASSERT_EQUAL(oc_retry_after_ms("1.5", now), -1);
	CU_ASSERT_EQUAL(oc_retry_after_ms("", now), -1);
	CU_ASSERT_EQUAL(oc_retry_after_ms("soon", now), -1);
	CU_ASSERT_EQUAL(oc_retry_after_ms(NULL, now), -1);
}

static void
test_ratelimit_reset(void)
{
	const time_t now = 1700000000;

	CU_ASSERT_EQUAL(oc_ratelimit_reset_ms("7", now), 7000);
	CU_ASSERT_EQUAL(oc_ratelimit_reset_ms(" 60 ", now), 60000);
	/* An epoch second, as some APIs send. */
	CU_ASSERT_EQUAL(oc_ratelimit_reset_ms("1700000030", now), 30000);
	CU_ASSERT_EQUAL(oc_ratelimit_reset_ms("1699999990", now), 0);
	CU_ASSERT_EQUAL(oc_ratelimit_reset_ms("x", now), -1);
	CU_ASSERT_EQUAL(oc_ratelimit_reset_ms(NULL, now), -1);
}

static void
test_time_parse(void)
{
	int64_t t = 0;

#define PARSES(s, want)	do {						\
	t = -1;								\
	CU_ASSERT_EQUAL(oc_time_parse(s, strlen(s), &t), 0);		\
	CU_ASSERT_EQUAL(t, (want));					\
} while (0)
#define REFUSED(s)	CU_ASSERT_EQUAL(oc_time_parse(s, strlen(s), &t), -EINVAL)

	PARSES("1970-01-01T00:00:00Z", 0);
	PARSES("2023-11-14T22:13:20Z", 1700000000);
	PARSES("2023-11-14T22:13:20.123456Z", 1700000000);
	PARSES("2023-11-15T00:13:20+02:00", 1700000000);
	PARSES("2023-11-14T20:13:20-0200", 1700000000);
	PARSES("2024-02-29T00:00:00Z", 1709164800);
	REFUSED("2023-02-29T00:00:00Z");
	REFUSED("2023-11-14 22:13:20Z");
	REFUSED("2023-11-14T22:13:20");
	REFUSED("2023-11-14T22:13Z");
	REFUSED("2023-13-01T00:00:00Z");
	REFUSED("2023-11-14T24:00:00Z");
	REFUSED("2023-11-14T22:13:20.Z");
	REFUSED("2023-11-14T22:13:20Zjunk");
	REFUSED("");
#undef PARSES
#undef REFUSED
}

static void
test_join(void)
{
	char *u;

	u = oc_http_join("https://api.datadoghq.com", "/api/v1/events");
	CU_ASSERT_STRING_EQUAL(u, "https://api.datadoghq.com/api/v1/events");
	free(u);
	u = oc_http_join("http://127.0.0.1:8080//", "/v2/enqueue");
	CU_ASSERT_STRING_EQUAL(u, "http://127.0.0.1:8080/v2/enqueue");
	free(u);
}

int
main(void)
{
	CU_TestInfo json_tests[] = {
		CE_TEST(test_escaping),
		CE_TEST(test_invalid_utf8),
		CE_TEST(test_random_bytes),
		CE_TEST(test_truncation),
		CE_TEST(test_structure),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo outcome_tests[] = {
		CE_TEST(test_statuses),
		CE_TEST(test_retry_after),
		CE_TEST(test_ratelimit_reset),
		CU_TEST_INFO_NULL
	};
	CU_TestInfo misc_tests[] = {
		CE_TEST(test_time_parse),
		CE_TEST(test_join),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "json", NULL, NULL, NULL, NULL, json_tests },
		{ "outcome", NULL, NULL, NULL, NULL, outcome_tests },
		{ "fields", NULL, NULL, NULL, NULL, misc_tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
