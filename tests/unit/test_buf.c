/*
 * test_buf.c - the growable buffer, JSON string literals and UTF-8 helpers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ce_test.h"

#define FFFD	"\xef\xbf\xbd"

static void
test_growth(void)
{
	struct ce_buf b = CE_BUF_INIT;
	size_t i;

	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b), "");
	for (i = 0; i < 100000; i++)
		ce_buf_putc(&b, (char)('a' + i % 26));
	CU_ASSERT_FALSE(b.oom);
	CU_ASSERT_EQUAL(b.len, 100000);
	CU_ASSERT(b.cap > b.len);
	CU_ASSERT_EQUAL(b.data[b.len], '\0');
	for (i = 0; i < 100000; i++)
		if (b.data[i] != (char)('a' + i % 26))
			break;
	CU_ASSERT_EQUAL(i, 100000);
	ce_buf_append(&b, "xyz", 3);
	ce_buf_puts(&b, "!");
	CU_ASSERT_EQUAL(b.len, 100004);
	CU_ASSERT_STRING_EQUAL(b.data + 100000, "xyz!");
	ce_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.len, 0);
}

static void
test_printf(void)
{
	struct ce_buf b = CE_BUF_INIT;
	char big[3000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ce_buf_printf(&b, "%d-%s-%zu", -42, "x", (size_t)7);
	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b), "-42-x-7");
	/* Longer than what is left: the buffer grows and retries. */
	ce_buf_printf(&b, "[%s]", big);
	CU_ASSERT_EQUAL(b.len, 7 + 2 + sizeof(big) - 1);
	CU_ASSERT_EQUAL(b.data[7], '[');
	CU_ASSERT_EQUAL(b.data[b.len - 1], ']');
	CU_ASSERT_EQUAL(b.data[b.len], '\0');
	CU_ASSERT_EQUAL(strlen(b.data), b.len);
	ce_buf_free(&b);
}

static void
test_reset_steal(void)
{
	struct ce_buf b = CE_BUF_INIT;
	size_t cap, len = 99;
	char *p;

	ce_buf_puts(&b, "hello world");
	cap = b.cap;
	ce_buf_reset(&b);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(b.cap, cap);
	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b), "");
	ce_buf_puts(&b, "abc");
	p = ce_buf_steal(&b, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_STRING_EQUAL(p, "abc");
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.len, 0);
	free(p);
	/* An empty buffer still gives a string the caller can free. */
	p = ce_buf_steal(&b, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_STRING_EQUAL(p, "");
	free(p);
}

static void
test_oom(void)
{
	struct ce_buf b = CE_BUF_INIT;
	size_t len = 5;

	ce_buf_puts(&b, "keep");
	CU_ASSERT_EQUAL(ce_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	CU_ASSERT_TRUE(b.oom);
	/* Sticky: later appends do nothing, even small ones. */
	ce_buf_puts(&b, "more");
	ce_buf_printf(&b, "%d", 1);
	CU_ASSERT_EQUAL(b.len, 4);
	CU_ASSERT_EQUAL(ce_buf_reserve(&b, 1), -ENOMEM);
	CU_ASSERT_PTR_NULL(ce_buf_steal(&b, &len));
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_FALSE(b.oom);	/* stealing freed and reset it */
	ce_buf_puts(&b, "again");
	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b), "again");
	/* reset clears the failure too */
	ce_buf_reserve(&b, SIZE_MAX - 2);
	CU_ASSERT_TRUE(b.oom);
	ce_buf_reset(&b);
	CU_ASSERT_FALSE(b.oom);
	ce_buf_free(&b);
}

static void
check_json(const char *in, size_t n, const char *want)
{
	struct ce_buf b = CE_BUF_INIT;

	ce_buf_json_string(&b, in, n);
	CU_ASSERT_FALSE(b.oom);
	CU_ASSERT_EQUAL(b.len, strlen(want));
	CU_ASSERT_STRING_EQUAL(ce_buf_cstr(&b), want);
	ce_buf_free(&b);
}

#define JSON(lit, want)	check_json(lit, sizeof(lit) - 1, want)

static void
test_json_escaping(void)
{
	JSON("", "\"\"");
	JSON("plain text", "\"plain text\"");
	JSON("q\"b\\s/", "\"q\\\"b\\\\s/\"");		/* '/' stays */
	JSON("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	JSON("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
	JSON("a\0b", "\"a\\u0000b\"");
	JSON("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", "\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\"");
	JSON("\xe2\x80\xa8", "\"\xe2\x80\xa8\"");
	JSON("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");		/* U+FFFF is well-formed */
	JSON("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
}

static void
test_json_invalid_utf8(void)
{
	JSON("\xff", "\"" FFFD "\"");
	JSON("a\xfe" "b", "\"a" FFFD "b\"");
	JSON("\xc3", "\"" FFFD "\"");				/* cut short */
	JSON("\xc3(", "\"" FFFD "(\"");
	JSON("\xc0\xaf", "\"" FFFD FFFD "\"");		/* overlong '/' */
	JSON("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");	/* overlong */
	JSON("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");	/* surrogate D800 */
	JSON("\xf0\x9f\x98", "\"" FFFD "\"");			/* one maximal subpart */
	JSON("\xf0\x9f\x98z", "\"" FFFD "z\"");
	JSON("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");	/* > U+10FFFF */
	JSON("\xe2\x82" "a\xe2\x82\xac", "\"" FFFD "a\xe2\x82\xac\"");
	JSON("\x80\xbf", "\"" FFFD FFFD "\"");		/* lone continuations */
	JSON("\"\xff\"", "\"\\\"" FFFD "\\\"\"");
}

static void
test_utf8_prefix(void)
{
	const char *s = "h\xc3\xa9llo";			/* hello, e acute */
	const char *cjk = "\xe6\x97\xa5\xe6\x9c\xac";	/* two characters */
	size_t i;

	CU_ASSERT_EQUAL(ce_utf8_prefix(s, strlen(s), 0), 0);
	CU_ASSERT_EQUAL(ce_utf8_prefix(s, strlen(s), 1), 1);
	CU_ASSERT_EQUAL(ce_utf8_prefix(s, strlen(s), 2), 3);
	CU_ASSERT_EQUAL(ce_utf8_prefix(s, strlen(s), 5), 6);
	CU_ASSERT_EQUAL(ce_utf8_prefix(s, strlen(s), 100), 6);
	CU_ASSERT_EQUAL(ce_utf8_prefix(cjk, 6, 1), 3);
	CU_ASSERT_EQUAL(ce_utf8_prefix(cjk, 6, 2), 6);
	CU_ASSERT_EQUAL(ce_utf8_prefix("\xf0\x9f\x98\x80!", 5, 1), 4);
	/* Ill-formed bytes count one character each. */
	CU_ASSERT_EQUAL(ce_utf8_prefix("\xff" "ab", 3, 1), 1);
	CU_ASSERT_EQUAL(ce_utf8_prefix("a\xe6\x97", 3, 2), 2);
	/* n cuts a character: its bytes are ill-formed there. */
	CU_ASSERT_EQUAL(ce_utf8_prefix(cjk, 2, 1), 1);
	/* Every prefix of a well-formed text ends on a boundary. */
	for (i = 0; i <= 3; i++) {
		size_t n = ce_utf8_prefix(cjk, 6, i);

		CU_ASSERT(n == 0 || n == 3 || n == 6);
	}
}

static void
test_name_ok(void)
{
	CU_ASSERT(ce_name_ok("datadog"));
	CU_ASSERT(ce_name_ok("out_2"));
	CU_ASSERT(ce_name_ok("_"));
	CU_ASSERT(!ce_name_ok(NULL));
	CU_ASSERT(!ce_name_ok(""));
	CU_ASSERT(!ce_name_ok("Datadog"));	/* metric names are lower case */
	CU_ASSERT(!ce_name_ok("out-2"));
	CU_ASSERT(!ce_name_ok("out.2"));
	CU_ASSERT(!ce_name_ok("caf\xc3\xa9"));
}

int
main(void)
{
	CU_TestInfo buf_tests[] = {
		CE_TEST(test_growth),
		CE_TEST(test_printf),
		CE_TEST(test_reset_steal),
		CE_TEST(test_oom),
		CE_TEST(test_json_escaping),
		CE_TEST(test_json_invalid_utf8),
		CE_TEST(test_utf8_prefix),
		CE_TEST(test_name_ok),
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo suites[] = {
		{ "buf", NULL, NULL, NULL, NULL, buf_tests },
		CU_SUITE_INFO_NULL
	};

	return ce_test_main(suites);
}
