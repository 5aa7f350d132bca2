/*
 * json.c - the JSON writer of the output plugins: escaping, UTF-8 repair
 * and truncation at a character boundary.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Room for n more bytes and the NUL; 0 or -1 (oom set). */
static int
json_reserve(struct oc_json *j, size_t n)
{
	size_t cap;
	char *grown;

	if (j->oom)
		return -1;
	if (j->cap - j->len > n)
		return 0;
	cap = j->cap ? j->cap : 256;
	while (cap - j->len <= n) {
		if (cap > SIZE_MAX / 2) {
			j->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((grown = realloc(j->data, cap)) == NULL) {
		j->oom = 1;
		return -1;
	}
	j->data = grown;
	j->cap = cap;
	return 0;
}

void
oc_json_raw(struct oc_json *j, const void *p, size_t n)
{
	if (n == 0 || json_reserve(j, n) < 0)
		return;
	memcpy(j->data + j->len, p, n);
	j->len += n;
	j->data[j->len] = '\0';
}

void
oc_json_rawz(struct oc_json *j, const char *s)
{
	oc_json_raw(j, s, strlen(s));
}

void
oc_json_reset(struct oc_json *j)
{
	j->len = 0;
	j->oom = 0;
	if (j->data != NULL)
		j->data[0] = '\0';
}

void
oc_json_free(struct oc_json *j)
{
	free(j->data);
	*j = (struct oc_json)OC_JSON_INIT;
}

/* A value or key follows a complete value: separate them. */
static void
json_sep(struct oc_json *j)
{
	char last;

	if (j->len == 0)
		return;
	last = j->data[j->len - 1];
	if (last != '{' && last != '[' && last != ':' && last != ',')
		oc_json_raw(j, ",", 1);
}

void
oc_json_begin(struct oc_json *j, char open)
{
	json_sep(j);
	oc_json_raw(j, &open, 1);
}

void
oc_json_end(struct oc_json *j, char close)
{
	oc_json_raw(j, &close, 1);
}

size_t
oc_utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* The second byte's range rules out overlongs, surrogates and
	 * code points beyond U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* One character's width in bytes: its sequence, or 1 for a stray byte. */
static size_t
utf8_step(const unsigned char *s, size_t n)
{
	size_t len = oc_utf8_seq(s, n);

	return len > 0 ? len : 1;
}

size_t
oc_utf8_chars(const char *str, size_t n, size_t limit)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, chars = 0;

	while (i < n && chars < limit) {
		i += utf8_step(s + i, n - i);
		chars++;
	}
	return chars;
}

size_t
oc_utf8_offset(const char *str, size_t n, size_t k)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n && k-- > 0)
		i += utf8_step(s + i, n - i);
	return i;
}

/* The escape for the byte or character at s, or NULL when it stays as
 * is; *used is how many bytes it stands for. */
static const char *
json_escape(const unsigned char *s, size_t n, char tmp[8], size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t len;

	*used = 1;
	switch (s[0]) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	}
	if (s[0] < 0x20) {
		snprintf(tmp, 8, "\\u00%c%c", hex[s[0] >> 4], hex[s[0] & 0xf]);
		return tmp;
	}
	if (s[0] < 0x80)
		return NULL;
	len = oc_utf8_seq(s, n);
	if (len == 0)
		return "\xef\xbf\xbd";		/* U+FFFD for a stray byte */
	*used = len;
	/* U+2028 and U+2029 are valid JSON but end lines in JavaScript. */
	if (len == 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0xa8 || s[2] == 0xa9))
		return s[2] == 0xa8 ? "\\u2028" : "\\u2029";
	return NULL;
}

/* s[0..n) escaped, without quotes. */
static void
json_escaped(struct oc_json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0, used;
	const char *esc;
	char tmp[8];

	while (i < n) {
		esc = json_escape(s + i, n - i, tmp, &used);
		if (esc == NULL) {
			i += used;
			continue;
		}
		oc_json_raw(j, s + start, i - start);
		oc_json_rawz(j, esc);
		i += used;
		start = i;
	}
	oc_json_raw(j, s + start, i - start);
}

void
oc_json_str(struct oc_json *j, const char *s, size_t n, size_t max_chars)
{
	size_t keep;

	json_sep(j);
	oc_json_raw(j, "\"", 1);
	if (max_chars > 0 && oc_utf8_chars(s, n, max_chars + 1) > max_chars) {
		/* Too long: room for the marker when there is any. */
		keep = max_chars > OC_JSON_MARKER_CHARS ?
		    max_chars - OC_JSON_MARKER_CHARS : max_chars;
		json_escaped(j, s, oc_utf8_offset(s, n, keep));
		if (keep < max_chars)
			oc_json_rawz(j, OC_JSON_MARKER);
	} else {
		json_escaped(j, s, n);
	}
	oc_json_raw(j, "\"", 1);
}

void
oc_json_cstr(struct oc_json *j, const char *s)
{
	if (s == NULL)
		oc_json_null(j);
	else
		oc_json_str(j, s, strlen(s), 0);
}

void
oc_json_key(struct oc_json *j, const char *name)
{
	oc_json_str(j, name, strlen(name), 0);
	oc_json_raw(j, ":", 1);
}

void
oc_json_int(struct oc_json *j, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	json_sep(j);
	oc_json_raw(j, num, (size_t)n);
}

void
oc_json_null(struct oc_json *j)
{
	json_sep(j);
	oc_json_raw(j, "null", 4);
}

void
oc_json_value(struct oc_json *j, const struct ce_value *v, size_t max_chars)
{
	switch (v->type) {
	case CE_VALUE_STRING:
		oc_json_str(j, v->str, v->len, max_chars);
		break;
	case CE_VALUE_INTEGER:
	case CE_VALUE_DECIMAL:
		/* The lexeme comes from a parsed JSON document. */
		if (v->str == NULL || v->len == 0) {
			oc_json_null(j);
			break;
		}
		json_sep(j);
		oc_json_raw(j, v->str, v->len);
		break;
	case CE_VALUE_BOOLEAN:
		json_sep(j);
		oc_json_rawz(j, v->boolean ? "true" : "false");
		break;
	case CE_VALUE_EMPTY_OBJECT:
		json_sep(j);
		oc_json_raw(j, "{}", 2);
		break;
	case CE_VALUE_EMPTY_ARRAY:
		json_sep(j);
		oc_json_raw(j, "[]", 2);
		break;
	default:
		oc_json_null(j);
		break;
	}
}
