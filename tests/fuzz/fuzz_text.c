/*
 * fuzz_text.c - fuzz target for the writers every attacker-chosen value
 * goes through on its way out: ce_log_escape() (text log lines and
 * diagnostics), ce_buf_json_string() (JSON logs, alerts, every JSON text
 * of the core) and ce_utf8_prefix() (cutting summaries and messages).
 *
 * Invariants: an escaped log text is valid UTF-8 holding no C0, DEL, C1,
 * U+2028 or U+2029 (so it cannot forge a line or drive a terminal); a JSON
 * string is one valid JSON text that, when the input was valid UTF-8,
 * decodes to exactly the input; a prefix ends on a character boundary and
 * holds at most the characters asked for.
 */
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "fuzz.h"
#include "log.h"

/* Length of the well-formed UTF-8 sequence at s, 0 when there is none
 * (overlong forms, surrogates, past U+10FFFF): written apart from the
 * code under test on purpose. */
static size_t
seq_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1fu;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0fu;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff)
		return 0;
	return len;
}

/* Characters in s[0..n), or (size_t)-1 when it is not valid UTF-8. */
static size_t
utf8_chars(const unsigned char *s, size_t n)
{
	size_t i = 0, chars = 0, k;

	while (i < n) {
		if ((k = seq_len(s + i, n - i)) == 0)
			return (size_t)-1;
		i += k;
		chars++;
	}
	return chars;
}

static void
check_log_escape(const char *s, size_t n)
{
	struct ce_buf b = CE_BUF_INIT;
	const unsigned char *p;
	size_t i;

	ce_log_escape(&b, s, n);
	FUZZ_CHECK(!b.oom, "out of memory");
	p = (const unsigned char *)ce_buf_cstr(&b);
	FUZZ_CHECK(utf8_chars(p, b.len) != (size_t)-1,
	    "an escaped log text is not valid UTF-8");
	for (i = 0; i < b.len; i++) {
		FUZZ_CHECK(p[i] >= 0x20 && p[i] != 0x7f,
		    "an escaped log text holds a C0 control or DEL");
		FUZZ_CHECK(!(p[i] == 0xc2 && i + 1 < b.len && p[i + 1] < 0xa0),
		    "an escaped log text holds a C1 control");
		FUZZ_CHECK(!(p[i] == 0xe2 && i + 2 < b.len && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)),
		    "an escaped log text holds U+2028 or U+2029");
	}
	ce_buf_free(&b);
}

static void
check_json_string(const char *s, size_t n)
{
	struct ce_buf b = CE_BUF_INIT;
	struct json_object *v;
	const char *text;

	ce_buf_json_string(&b, s, n);
	FUZZ_CHECK(!b.oom, "out of memory");
	text = ce_buf_cstr(&b);
	FUZZ_CHECK(fuzz_json_valid(text, b.len),
	    "a JSON string is not valid JSON");
	if (utf8_chars((const unsigned char *)s, n) == (size_t)-1) {
		ce_buf_free(&b);
		return;
	}
	v = json_tokener_parse(text);
	FUZZ_CHECK(v != NULL && json_object_is_type(v, json_type_string),
	    "a JSON string does not parse as a string");
	FUZZ_CHECK((size_t)json_object_get_string_len(v) == n &&
	    memcmp(json_object_get_string(v), s, n) == 0,
	    "a JSON string does not decode to its input");
	json_object_put(v);
	ce_buf_free(&b);
}

static void
check_prefix(const char *s, size_t n, size_t max)
{
	size_t k = ce_utf8_prefix(s, n, max), chars;

	FUZZ_CHECK(k <= n, "a prefix longer than its text");
	if (utf8_chars((const unsigned char *)s, n) == (size_t)-1)
		return;
	chars = utf8_chars((const unsigned char *)s, k);
	FUZZ_CHECK(chars != (size_t)-1, "a prefix cuts a character");
	FUZZ_CHECK(chars <= max, "a prefix holds too many characters");
	FUZZ_CHECK(k == n || chars == max, "a prefix shorter than it may be");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	check_log_escape(s, size);
	check_json_string(s, size);
	check_prefix(s, size, size > 0 ? data[0] % 64 : 0);
	return 0;
}
