/*
 * buf.c - growable byte buffer, JSON string literals and UTF-8 helpers.
 *
 * Invariants: data is NULL or holds cap bytes with data[len] == '\0'; once
 * oom is set nothing is appended until ce_buf_reset() or ce_buf_free(),
 * so a caller checks oom once, after building the whole text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
ce_buf_init(struct ce_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

void
ce_buf_free(struct ce_buf *b)
{
	free(b->data);
	ce_buf_init(b);
}

/* A reset buffer is a fresh start: the failure of a previous text does
 * not poison the next one. */
void
ce_buf_reset(struct ce_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
ce_buf_reserve(struct ce_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		goto fail;
	p[b->len] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->oom = 1;
	return -ENOMEM;
}

void
ce_buf_append(struct ce_buf *b, const void *p, size_t n)
{
	if (ce_buf_reserve(b, n) < 0)
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
ce_buf_puts(struct ce_buf *b, const char *s)
{
	ce_buf_append(b, s, strlen(s));
}

void
ce_buf_putc(struct ce_buf *b, char c)
{
	if (ce_buf_reserve(b, 1) < 0)
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
ce_buf_printf(struct ce_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ce_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
ce_buf_vprintf(struct ce_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	size_t room;
	int n;

	if (ce_buf_reserve(b, 0) < 0)
		return;
	room = b->cap - b->len;
	va_copy(aq, ap);
	n = vsnprintf(b->data + b->len, room, fmt, aq);
	va_end(aq);
	if (n < 0) {
		/* An encoding error: keep the buffer as it was. */
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		if (ce_buf_reserve(b, (size_t)n) < 0)
			return;
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

const char *
ce_buf_cstr(struct ce_buf *b)
{
	return b->data != NULL ? b->data : "";
}

/* NULL after an allocation failure (the partial text is freed). */
char *
ce_buf_steal(struct ce_buf *b, size_t *len)
{
	char *p;

	if (!b->oom && b->data == NULL)
		ce_buf_reserve(b, 0);
	if (b->oom) {
		ce_buf_free(b);
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	p = b->data;
	if (len != NULL)
		*len = b->len;
	ce_buf_init(b);
	return p;
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..n), or 0 when s starts
 * an ill-formed one.  Ranges from Unicode table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Bytes of the maximal subpart of an ill-formed sequence at s (Unicode
 * "substitution of maximal subparts"): the lead byte plus the continuation
 * bytes that could still have been part of a valid sequence.  Each such
 * subpart becomes one U+FFFD.
 */
static size_t
utf8_bad(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 1;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len && i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

static void
json_escape_ctl(struct ce_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '\b': ce_buf_append(b, "\\b", 2); break;
	case '\f': ce_buf_append(b, "\\f", 2); break;
	case '\n': ce_buf_append(b, "\\n", 2); break;
	case '\r': ce_buf_append(b, "\\r", 2); break;
	case '\t': ce_buf_append(b, "\\t", 2); break;
	default: ce_buf_append(b, esc, sizeof(esc)); break;
	}
}

void
ce_buf_json_string(struct ce_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;

	/* Worst case is 6 bytes per input byte; reserving the common case
	 * up front keeps the loop to plain appends. */
	ce_buf_reserve(b, n + 2);
	ce_buf_putc(b, '"');
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_seq(s + i, n - i)) > 0) {
			i += k;
			run += k;
			continue;
		}
		ce_buf_append(b, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			ce_buf_append(b, esc, 2);
			i++;
		} else if (c < 0x20) {
			json_escape_ctl(b, c);
			i++;
		} else {
			ce_buf_append(b, "\xef\xbf\xbd", 3);
			i += utf8_bad(s + i, n - i);
		}
	}
	ce_buf_append(b, s + i - run, run);
	ce_buf_putc(b, '"');
}

/* An ill-formed byte counts as one character, so a truncated text never
 * grows when it is later sanitised into U+FFFDs. */
int
ce_name_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

size_t
ce_utf8_prefix(const char *str, size_t n, size_t max_chars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, chars = 0, k;

	while (i < n && chars < max_chars) {
		k = utf8_seq(s + i, n - i);
		i += k > 0 ? k : 1;
		chars++;
	}
	return i;
}
