/*
 * sns_text.c - text within the rules SNS sets: escaping that stops at a
 * character boundary, what SQS accepts, RFC 3986 form encoding, the
 * Subject and MessageGroupId sanitisers.
 */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "sns.h"

void
sns_buf_append(struct sns_buf *b, const void *p, size_t n)
{
	size_t cap;
	char *grown;

	if (b->oom || n == 0)
		return;
	if (b->cap - b->len <= n) {	/* keep room for a NUL */
		cap = b->cap ? b->cap : 1024;
		while (cap - b->len <= n)
			cap *= 2;
		if ((grown = realloc(b->data, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
sns_buf_puts(struct sns_buf *b, const char *s)
{
	sns_buf_append(b, s, strlen(s));
}

void
sns_buf_free(struct sns_buf *b)
{
	free(b->data);
	*b = (struct sns_buf){ 0 };
}

/*
 * The JSON form of the character at s (ulen bytes of valid UTF-8, or 0
 * for an invalid byte) into out (at least 7 bytes); returns its length.
 * Besides what JSON requires, U+2028/9 (line ends in JavaScript) and
 * U+FFFE/F (refused by SQS, where SNS often delivers) are escaped.
 */
static size_t
escape_char(const unsigned char *s, size_t ulen, char *out,
    enum sns_escape_mode mode)
{
	static const char hex[] = "0123456789abcdef";

	if (ulen == 0) {
		memcpy(out, "\xef\xbf\xbd", 3);		/* U+FFFD */
		return 3;
	}
	if (ulen == 1 && mode == SNS_ESC_TEXT &&
	    (s[0] == '"' || s[0] == '\\')) {
		out[0] = (char)s[0];
		return 1;
	}
	if (ulen == 1) {
		switch (s[0]) {
		case '"':	memcpy(out, "\\\"", 2); return 2;
		case '\\':	memcpy(out, "\\\\", 2); return 2;
		case '\n':	memcpy(out, "\\n", 2); return 2;
		case '\r':	memcpy(out, "\\r", 2); return 2;
		case '\t':	memcpy(out, "\\t", 2); return 2;
		}
		if (s[0] < 0x20 || s[0] == 0x7f) {
			memcpy(out, "\\u00", 4);
			out[4] = hex[s[0] >> 4];
			out[5] = hex[s[0] & 0xf];
			return 6;
		}
		out[0] = (char)s[0];
		return 1;
	}
	if (ulen == 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0xa8 || s[2] == 0xa9)) {
		memcpy(out, s[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
		return 6;
	}
	if (ulen == 3 && s[0] == 0xef && s[1] == 0xbf &&
	    (s[2] == 0xbe || s[2] == 0xbf)) {
		memcpy(out, s[2] == 0xbe ? "\\ufffe" : "\\uffff", 6);
		return 6;
	}
	memcpy(out, s, ulen);
	return ulen;
}

size_t
sns_escape(struct sns_buf *b, const char *str, size_t n, size_t max,
    enum sns_escape_mode mode)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, used = 0, ulen, elen;
	char esc[8];

	while (i < n) {
		ulen = oc_utf8_seq(s + i, n - i);
		elen = escape_char(s + i, ulen, esc, mode);
		if (used + elen > max)
			break;
		sns_buf_append(b, esc, elen);
		used += elen;
		i += ulen ? ulen : 1;
	}
	return i;
}

void
sns_form_encode(struct sns_buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i, start = 0;
	char pct[3] = { '%' };

	for (i = 0; i < n; i++) {
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.' || s[i] == '~')
			continue;
		sns_buf_append(b, s + start, i - start);
		pct[1] = hex[s[i] >> 4];
		pct[2] = hex[s[i] & 0xf];
		sns_buf_append(b, pct, 3);
		start = i + 1;
	}
	sns_buf_append(b, s + start, n - start);
}

/*
 * Copy src into out (room for cap characters) as printable ASCII: a
 * control character becomes a space, any other character outside ASCII
 * (one UTF-8 sequence, or one invalid byte) becomes '?'.  Returns the
 * new length; stops when full.
 */
static size_t
ascii_copy(char *out, size_t len, size_t cap, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, n = strlen(src), ulen;

	while (i < n && len < cap) {
		ulen = oc_utf8_seq(s + i, n - i);
		if (s[i] < 0x20 || s[i] == 0x7f)
			out[len++] = ' ';
		else if (s[i] < 0x80)
			out[len++] = (char)s[i];
		else
			out[len++] = '?';
		i += ulen ? ulen : 1;
	}
	return len;
}

/* Room for the whole subject before it is cut: a few times the limit. */
#define SUBJECT_WORK	(4 * SNS_SUBJECT_MAX)

void
sns_subject(char *out, const char *prefix, const char *severity,
    const char *rule)
{
	char work[SUBJECT_WORK + 1];
	size_t len = 0, start = 0, i, o = 0;

	if (prefix != NULL && *prefix != '\0') {
		len = ascii_copy(work, len, SUBJECT_WORK, prefix);
		len = ascii_copy(work, len, SUBJECT_WORK, " ");
	}
	len = ascii_copy(work, len, SUBJECT_WORK, "[");
	len = ascii_copy(work, len, SUBJECT_WORK, severity);
	len = ascii_copy(work, len, SUBJECT_WORK, "] ");
	len = ascii_copy(work, len, SUBJECT_WORK, rule);
	/* Trim, and collapse runs of spaces (a CR LF became two). */
	while (start < len && work[start] == ' ')
		start++;
	while (len > start && work[len - 1] == ' ')
		len--;
	for (i = start; i < len; i++)
		if (work[i] != ' ' || (o > 0 && out[o - 1] != ' ')) {
			if (o == SNS_SUBJECT_MAX) {
				memcpy(out + SNS_SUBJECT_MAX - 3, "...", 3);
				break;
			}
			out[o++] = work[i];
		}
	out[o] = '\0';
}

void
sns_group_id(char *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n = strlen(text), o = 0, ulen;

	while (i < n && o < SNS_GROUP_ID_MAX) {
		ulen = oc_utf8_seq(s + i, n - i);
		out[o++] = (s[i] > 0x20 && s[i] < 0x7f) ? (char)s[i] : '_';
		i += ulen ? ulen : 1;
	}
	out[o] = '\0';
	if (o == 0)
		strcpy(out, "cloudengine");
}

int
sns_group_id_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > SNS_GROUP_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Non-zero for a character SNS passes on to SQS: #x9 #xA #xD #x20-#xD7FF
 * #xE000-#xFFFD #x10000-#x10FFFF (the surrogates are already invalid). */
static int
deliverable(const unsigned char *s, size_t ulen)
{
	if (ulen == 1)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ||
		    s[0] == '\r';
	return !(ulen == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe);
}

size_t
sns_clean(struct sns_buf *b, const char *str, size_t n, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, used = 0, ulen, step;
	int keep;

	while (i < n) {
		ulen = oc_utf8_seq(s + i, n - i);
		keep = ulen > 0 && deliverable(s + i, ulen);
		step = keep ? ulen : 3;
		if (used + step > max)
			break;
		if (keep)
			sns_buf_append(b, s + i, ulen);
		else
			sns_buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
		used += step;
		i += ulen ? ulen : 1;
	}
	return i;
}
